"""The chat's flow: documents in, questions held until their pages are read, answers saved.

The controller owns no widget. It receives the engine bridge, the chat model and
(optionally) the history store, and tells the widgets what to show through signals, so
the same flow runs in the window, in `--self-test` and in tests.

The decoupled flow the user sees (issue item 2):
- a document arrives → it is read and tiled on the documents thread, and each page goes
  to the engine at once (encode on drop); progress is reported per tile;
- Enter while pages are still being read → the question is shown, marked as waiting,
  and sent the moment the last page is ready ("Reading page 2 of 3…");
- the answer streams into the pane in coalesced pieces and is saved to the history
  every `SAVE_INTERVAL_S` while it streams, then marked complete, interrupted or error.

A conversation keeps its documents (issue 17, item 2): after a question the documents it
asked about stay the conversation's (`pending` with `in_context`), so follow-ups and
quick actions see them, and the composer says so ("Sees: invoice.pdf (2 pages)").
Reopened after a restart (or after another model loaded), the engine has no context for
it: the documents are read again from the history's copies, so the next question sees
them, and the document panel shows them. Notes about documents that could not be read are
saved as system messages and the quick action of each answer in its meta, so a reopened
conversation shows its notes and its extracted tables again.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal, Slot

from bluelm_desktop.core.documents import DocumentSource
from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.documents.text_layer import scaled
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.engine.session import TurnStats
from bluelm_desktop.core.errors import BlueLMError, Line
from bluelm_desktop.core.history.model import line_from_json, line_to_json
from bluelm_desktop.core.planning import SKIPPED, DocumentPlan, PreparedImage, document_budget
from bluelm_desktop.core.tasks.grounding import Found, cited_pages, ground
from bluelm_desktop.core.vision.tiling import TilingParams
from bluelm_desktop.ui.chat_pane import (
    ROLE_ASSISTANT,
    ROLE_NOTE,
    ROLE_USER,
    STATUS_COMPLETE,
    STATUS_ERROR,
    STATUS_INTERRUPTED,
    STATUS_STREAMING,
    STATUS_WAITING,
    ChatMessage,
    ChatModel,
)
from bluelm_desktop.ui.engine_bridge import EngineBridge
from bluelm_desktop.ui.i18n import tr_line
from bluelm_desktop.ui.pending_documents import PendingDocuments, PendingPage, sees_text

if TYPE_CHECKING:
    from bluelm_desktop.core.history import Attachment, HistoryStore, Message

log = logging.getLogger(__name__)

_T = TypeVar("_T")
OPEN_KEY: Final = "open_conversation"  # history state: the conversation to reopen at start
# Under an interrupted answer; in English here, translated where it is shown.
STOPPED_NOTE: Final = QT_TRANSLATE_NOOP("ChatController", "Stopped — the answer so far is kept.")
SAVE_INTERVAL_S: Final = 0.5  # a streaming answer is saved at least this often
TITLE_LENGTH: Final = 60
# Quick actions whose answer fills a table beside the chat: shown again on reopening.
TABLE_ACTIONS: Final = ("extract-invoice", "extract-contract")
NOTE_META: Final = "note"  # meta key of a note saved in the history (a system message)
NOTE_NAME: Final = "document"  # … the document a "could not read" note is about,
NOTE_LINE: Final = "line"  # … and the core's line for why (`line_to_json`)
_new_keys = itertools.count(1)


def _tr(text: str) -> str:
    """A string of this module in the interface language (for code outside the
    controller: the pending documents' progress, messages read back from the history)."""
    return QCoreApplication.translate("ChatController", text)


def _attached_line(names: Sequence[str]) -> str:
    return QCoreApplication.translate("ChatController", "Attached: {names}").format(
        names=", ".join(names))


def _sees_line(documents: str) -> str:
    """The documents a question sees: under a follow-up, and above the composer."""
    return QCoreApplication.translate("ChatController", "Sees: {documents}").format(
        documents=documents)


@dataclass
class _Answer:
    request_id: int
    row: int
    history_id: int | None
    action: str = ""  # the quick action that asked, if any ("extract-invoice", ...)
    text: str = ""
    saved_at: float = 0.0


class ChatController(QObject):
    """Runs one conversation at a time through the engine bridge; saves it to the history."""

    activity = Signal(str)  # one line for the status bar ("Answering…", "Reading page 1…")
    attachments_changed = Signal(str)  # the composer's attachment line ("" when none)
    notice = Signal(str)  # a sentence above the composer ("" to clear)
    generating_changed = Signal(bool)
    conversation_changed = Signal(object)  # history conversation id (int) or None
    conversations_changed = Signal()  # a conversation was created, renamed by use, ...
    page_prepared = Signal(object)  # PreparedImage (pixels and plan; tiles already sent)
    documents_attached = Signal(int, object, object)  # ticket, sources, TilingParams: a
    # batch being read and encoded (a drop, or the same documents tiled again)
    tile_progress = Signal(str, int, int)  # image id, done, total
    answer_finished = Signal(str, str, str)  # status, quick action id (or ""), text;
    # also sent again, with `restoring` True, for the last answer of each table-filling
    # quick action of a conversation being opened, so that its table shows again
    answer_grounded = Signal(object)  # list[Found]: the last answer's values on its pages
    restore_question = Signal(str)  # put this text back in the composer
    # A saved conversation was opened: its documents (tuple[DocumentSource, ...], empty
    # when it has none) and whether the engine still holds them. Not held, they are read
    # again (`documents_attached` follows once a vision model is loaded); held, nothing is
    # read and a view that shows them opens them itself. Its tables follow (answer_finished
    # with `restoring`), so a view clears the old conversation's on this signal.
    documents_restored = Signal(object, bool)

    def __init__(
        self,
        bridge: EngineBridge,
        model: ChatModel,
        history: HistoryStore | None = None,
        sampling: Callable[[], SamplingParams] = SamplingParams,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.model = model
        self.history = history
        self._sampling = sampling
        # How documents are tiled for the loaded model (its projector's tile size with the
        # user's α, grid and token budget); None while the model reads text only.
        self.tiling: TilingParams | None = None
        # Why documents cannot be read while `tiling` is None, when not the model's usual
        # reason (a llama.cpp server started without a projector says so); "" for that.
        self.text_only_note = ""
        self.conversation_id: int | None = None
        self._engine_key = self._fresh_key()
        self._keys: dict[int, str] = {}  # history conversation → engine conversation
        self._asked: set[str] = set()  # engine conversations that have turns in this run
        # engine conversation → the attachments (sha256) its context holds in this run
        self._in_engine: dict[str, frozenset[str]] = {}
        # engine conversation → the positions its context holds after its last answer:
        # earlier turns and their pages stay there, so new documents get what is left
        self._held: dict[str, int] = {}
        # Notes about documents that could not be read, said before the question they
        # came with was saved (the note's row, its text, its meta): saved with it, in the
        # order the chat shows them.
        self._unsaved_notes: list[tuple[int, str, dict[str, object]]] = []
        self.restoring = False  # answer_finished replays an answer of an opened conversation
        # table-filling quick action → the history id of the answer whose table is shown
        self._tables: dict[str, int] = {}
        self.pending: PendingDocuments | None = None
        self._waiting: tuple[str, int] | None = None  # question text, its row
        # The last turn's sampling and quick action (regenerate repeats them).
        self._turn: tuple[SamplingParams | None, str] = (None, "")
        self.answer: _Answer | None = None
        self.last_stats: TurnStats | None = None
        # The text layers of the pages the conversation's last documents sent (0..1 boxes)
        self._asked_words: dict[tuple[str, int], tuple[TextSpan, ...]] = {}

        bridge.page_prepared.connect(self._on_page_prepared)
        bridge.document_kept.connect(self._on_document_kept)
        bridge.document_planned.connect(self._on_document_planned)
        bridge.document_failed.connect(self._on_document_failed)
        bridge.documents_finished.connect(self._on_documents_finished)
        bridge.tile_encoded.connect(self._on_tile_encoded)
        bridge.image_ready.connect(self._on_image_ready)
        bridge.image_failed.connect(self._on_image_failed)
        bridge.image_stopped.connect(self._on_image_stopped)
        bridge.answer_text.connect(self._on_answer_text)
        bridge.answer_done.connect(self._on_answer_done)
        bridge.answer_failed.connect(self._on_answer_failed)
        bridge.answer_stopped.connect(self._on_answer_stopped)

    # --- state --------------------------------------------------------------------

    @property
    def generating(self) -> bool:
        return self.answer is not None

    @property
    def waiting(self) -> bool:
        return self._waiting is not None

    @property
    def vision(self) -> bool:
        return self.tiling is not None

    @staticmethod
    def _fresh_key() -> str:
        return f"new-{next(_new_keys)}"

    # --- conversations ------------------------------------------------------------

    def new_conversation(self) -> None:
        """An empty conversation; nothing is saved until the first question."""
        self._leave()
        self.conversation_id = None
        self._engine_key = self._fresh_key()
        self.model.set_messages([])
        self.conversation_changed.emit(None)

    def close(self) -> None:
        """The window is closing: stop what runs and keep what the user wrote. A question
        still waiting for its documents is saved unanswered, with the documents kept so
        far, so that it is in the history when the app opens again."""
        if self._waiting is not None:
            text, row = self._waiting
            self._waiting = None
            self._save_question(text, self.pending.attachments if self.pending else [],
                                row=row)
        self.new_conversation()

    def open_conversation(self, conversation_id: int) -> None:
        """Show a saved conversation, its notes, documents and tables. Questions in it
        continue its engine context when it was used in this run; after a restart the
        model starts from the new question, with the conversation's documents read again
        (`_restore_documents`)."""
        if self.history is None or conversation_id == self.conversation_id:
            return
        self._leave()
        history = self.history
        messages = self._saving(self.tr("Could not open the conversation"),
                                lambda: history.messages(conversation_id))
        if messages is None:
            return
        self.conversation_id = conversation_id
        self._engine_key = self._keys.setdefault(conversation_id, f"history-{conversation_id}")
        self.model.set_messages([_from_history(m) for m in messages])
        self._remember_open()
        self.conversation_changed.emit(conversation_id)
        self._restore_documents(messages)
        self._restore_tables(messages)

    def _restore_documents(self, messages: Sequence[Message]) -> None:
        """The documents the conversation's last question with documents saw become what
        its next question sees: from the engine's context when it still holds them, else
        read again from the history's copies (now, or once a vision model is loaded)."""
        history = self.history
        asked = next((m for m in reversed(messages)
                      if m.role == ROLE_USER and m.attachments), None)
        if history is None or asked is None:
            self.documents_restored.emit((), False)
            return
        sources, attachments = [], []
        for attachment in asked.attachments:
            path = history.attachment_path(attachment)
            if path.is_file():
                sources.append(DocumentSource(name=attachment.name, path=path))
                attachments.append(attachment)
            else:
                self._note(self.tr("{name} is no longer in the history: the next question "
                                   "does not see it.").format(name=attachment.name))
        if not sources:
            self.documents_restored.emit((), False)
            return
        meta = asked.meta or {}
        held = self._in_engine.get(self._engine_key, frozenset())
        in_context = {a.sha256 for a in attachments} <= held
        self.pending = PendingDocuments(
            0, tuple(sources), reading=not in_context, attachments=attachments,
            page_counts=_page_counts(meta), modes=_modes(meta), in_context=in_context,
            carried=True)
        self.documents_restored.emit(self.pending.sources, in_context)
        if not in_context and self.tiling is not None:
            self._read(self.pending.sources)
        else:
            self._show_progress()

    def _restore_tables(self, messages: Sequence[Message]) -> None:
        """Show the tables of the conversation's last extractions again, with the user's
        edits where there were any (`save_table`)."""
        self.restoring = True
        try:
            for action in TABLE_ACTIONS:
                answer = next((m for m in reversed(messages)
                               if m.role == ROLE_ASSISTANT and m.status == STATUS_COMPLETE
                               and m.meta and m.meta.get("action") == action), None)
                if answer is None or answer.meta is None:
                    continue
                edited = answer.meta.get("table")
                table = edited if isinstance(edited, str) and edited else answer.text
                if table:
                    self._tables[action] = answer.id
                    self.answer_finished.emit(STATUS_COMPLETE, action, table)
        finally:
            self.restoring = False

    def save_table(self, action: str, table: str) -> None:
        """The user edited the table the last `action` answer filled: keep `table` (the
        table's JSON, which the answer's parser reads) with that answer, so that the
        conversation reopens with the edits."""
        history, mid = self.history, self._tables.get(action)
        if history is None or mid is None:
            return

        def save() -> None:
            message = history.message(mid)
            if message is not None:
                history.update_message(mid, meta={**(message.meta or {}), "table": table})

        self._saving(self.tr("Not saved in the history"), save)

    def reopen_last(self) -> None:
        """Show the conversation that was open when the app last closed (if it still exists)."""
        history = self.history
        if history is None:
            return
        doing = self.tr("Could not read the history")
        last = self._saving(doing, lambda: history.get_state(OPEN_KEY))
        if isinstance(last, int) and self._saving(doing, lambda: history.get(last)) is not None:
            self.open_conversation(last)

    def model_changed(self) -> None:
        """Another model is loading: its engine has no conversation context yet, and
        documents read for the old one are tiled for the wrong model. The conversation's
        own documents (asked about, or taken back from the history) are read again once
        the new model says how to tile them."""
        kept = self.pending
        self._leave()
        self._asked.clear()
        self._in_engine.clear()
        self._held.clear()
        self.tiling = None
        if kept is not None and (kept.follows_up or kept.stored):
            self.pending = PendingDocuments(
                0, kept.sources, reading=True, attachments=kept.attachments,
                page_counts=kept.page_counts, modes=kept.modes, carried=True)
            self._show_progress()

    def forget_conversation(self, conversation_id: int) -> None:
        """The conversation was deleted: leave it if it is open."""
        key = self._keys.pop(conversation_id, None)
        if key is not None:
            self._in_engine.pop(key, None)
            self._held.pop(key, None)
        if conversation_id == self.conversation_id:
            self.new_conversation()

    def _leave(self) -> None:
        """Stop whatever runs for the open conversation before showing another."""
        if self.answer is not None:
            self.bridge.cancel(self.answer.request_id)
            self._finish_answer(STATUS_INTERRUPTED, _tr(STOPPED_NOTE))
        self._drop_waiting(restore=True)
        self.clear_documents()
        self._asked_words = {}
        self._unsaved_notes = []
        self._tables = {}

    def _remember_open(self) -> None:
        history, cid = self.history, self.conversation_id
        if history is not None and cid is not None:
            self._saving(self.tr("Not saved in the history"),
                         lambda: history.set_state(OPEN_KEY, cid))

    @property
    def asked_words(self) -> dict[tuple[str, int], tuple[TextSpan, ...]]:
        """The text layers of the pages the last question was about: (document, page
        1-based) → words, boxes as fractions of the page."""
        return dict(self._asked_words)

    # --- documents ----------------------------------------------------------------

    def attach(self, sources: Sequence[DocumentSource]) -> bool:
        """Start reading documents for the next question; False (and a note) if the
        loaded model cannot read images."""
        if not sources:
            return False
        if self.tiling is None:
            self._note(self.text_only_note or self.tr(
                "This model reads text only. Choose a model with a vision projector "
                "(mmproj) to ask about documents."))
            return False
        self._read(tuple(sources))
        return True

    def _read(self, sources: tuple[DocumentSource, ...], question: str = "") -> None:
        """Hand `sources` to the bridge as a new batch (the pending one is replaced).

        The documents share the context with the answer, the question and what the
        conversation's earlier turns hold (their pages too): text pages first, tile pages
        fitted, pages left out before any work (never an overflow later); with
        `question`, the pages left out are those that match it least."""
        assert self.tiling is not None
        budget = max(document_budget(self.bridge.context_length, self._sampling().max_tokens)
                     - self._held.get(self._engine_key, 0), 0)
        old = self.pending
        same = old is not None and old.sources is sources  # the same drop, read again
        again = same and old is not None and bool(old.attachments)
        modes = old.modes if same and old is not None else {}
        counts = dict(old.page_counts) if same and old is not None else {}
        ticket = self.bridge.add_documents(
            self._engine_key, sources, self.tiling,
            None if again else self._keep_function(), budget, question, modes)
        self.pending = PendingDocuments(ticket, sources, page_counts=counts, question=question,
                                        modes=modes,
                                        carried=same and old is not None and old.carried)
        if again and old is not None:
            self.pending.attachments = old.attachments  # kept in the history already
        self._show_progress()
        self.documents_attached.emit(ticket, self.pending.sources, self.tiling)

    def attach_files(self, files: Sequence[Path]) -> bool:
        return self.attach([DocumentSource.from_path(f) for f in files])

    def set_tiling(self, tiling: TilingParams | None) -> None:
        """New tiling (another model, or the fast / fine-print switch): documents not yet
        asked about are tiled again and re-encoded; the old encoding is cancelled. The
        documents the engine already holds stay as they were sent; a model that reads
        text only cannot see any."""
        self.tiling = tiling
        if self.pending is None or self.pending.in_context:
            return
        if tiling is None:
            self.clear_documents()
        else:
            self._read(self.pending.sources, self.pending.question)

    def set_page_mode(self, document: str, page: int, mode: str) -> None:
        """The user chose how page `page` (1-based) of `document` goes to the model (as
        its text layer, its tiles or both): the pending documents are read again so."""
        pending = self.pending
        if pending is None or self.tiling is None:
            return
        pending.modes.setdefault(document, {})[page] = mode
        self._read(pending.sources, pending.question)

    def clear_documents(self) -> None:
        if self.pending is not None:
            self.bridge.cancel_documents()
            self.pending = None
        self.attachments_changed.emit("")

    def _keep_function(self) -> Callable[[DocumentSource], object] | None:
        """Copy each document into the history (on the documents thread: files can be big)."""
        history = self.history
        if history is None:
            return None

        def keep(source: DocumentSource) -> object:
            try:
                if source.path is not None:
                    return history.add_attachment(source.path, source.name)
                if source.data is not None:
                    return history.add_attachment(source.data, source.name)
                assert source.array is not None
                from PIL import Image  # our own pixels, encoded: no untrusted decoding here

                buffer = io.BytesIO()
                Image.fromarray(source.array).save(buffer, format="PNG")
                return history.add_attachment(buffer.getvalue(), f"{source.name}.png",
                                              "image/png")
            except Exception as e:  # the document still works; only its copy is missing
                if not isinstance(e, BlueLMError):
                    log.exception("copying %s into the history failed", source.name)
                return BlueLMError(f"{source.name}: {e}")

        return keep

    @Slot(object)
    def _on_page_prepared(self, page: PreparedImage) -> None:
        if self.pending is None:
            return
        tiles = page.layout.n_tiles if page.sends_tiles else 0  # 0: its text layer only
        self.pending.pages.append(PendingPage(page.ready_id, page.name, tiles))
        self.pending.page_counts[page.document] = page.page_count
        if page.words and page.pixels is not None:
            h, w = page.pixels.shape[:2]
            self.pending.words[(page.document, page.page + 1)] = tuple(
                scaled(page.words, 1 / w, 1 / h))
        self.page_prepared.emit(page)
        self._show_progress()

    @Slot(object)
    def _on_document_planned(self, plan: DocumentPlan) -> None:
        if self.pending is not None and any(p.mode == SKIPPED for p in plan.pages):
            self.pending.left_out = True

    @Slot(object)
    def _on_document_kept(self, kept: object) -> None:
        if self.pending is None:
            return
        if isinstance(kept, BlueLMError):
            self.activity.emit(self.tr("The document was not saved in the history: {error}")
                               .format(error=kept))
        elif kept is not None:
            self.pending.attachments.append(kept)  # type: ignore[arg-type]

    @Slot(str, object)
    def _on_document_failed(self, name: str, line: Line) -> None:
        if self.pending is None:
            return
        self._note_unreadable(name, line)
        self._show_progress()

    @Slot(int)
    def _on_documents_finished(self, ticket: int) -> None:
        if self.pending is None or self.pending.ticket != ticket:
            return
        self.pending.reading = False
        if not self.pending.pages:  # nothing usable came out of the drop
            if self.pending.left_out:  # every page left out: no room for any
                self._note(self._no_room_line(self.pending.names))
            self.pending = None
            self.attachments_changed.emit("")
            self._drop_waiting(restore=True)
            return
        self._show_progress()
        self._send_waiting()

    def _no_room_line(self, names: Sequence[str]) -> str:
        """Why a drop gave no page to read: the context has no room left for one."""
        held = self._held.get(self._engine_key, 0)
        if held:
            return self.tr("No room for {names} in this conversation: its earlier turns hold "
                           "{held} of the context's {context} positions. Start a new "
                           "conversation to ask about it.").format(
                names=", ".join(names), held=f"{held:,}",
                context=f"{self.bridge.context_length:,}")
        return self.tr("No room for {names}: not one page fits the context. A larger "
                       "context in Settings reads more.").format(names=", ".join(names))

    def _page(self, image_id: str) -> PendingPage | None:
        if self.pending is None:
            return None
        return next((p for p in self.pending.pages if p.image_id == image_id), None)

    @Slot(str, int, int)
    def _on_tile_encoded(self, image_id: str, done: int, total: int) -> None:
        page = self._page(image_id)
        if page is not None:
            page.done, page.tiles = done, total
            self._show_progress()
        self.tile_progress.emit(image_id, done, total)

    @Slot(str, int, float)
    def _on_image_ready(self, image_id: str, tiles: int, _seconds: float) -> None:
        page = self._page(image_id)
        if page is None:
            return
        page.done = page.tiles = tiles
        page.ready = True
        self._show_progress()
        self._send_waiting()

    @Slot(str, object)
    def _on_image_failed(self, image_id: str, line: Line) -> None:
        page = self._page(image_id)
        if page is None or self.pending is None:
            return
        self.pending.pages.remove(page)
        self._note_unreadable(page.name, line)
        if not self.pending.pages and not self.pending.reading:
            self.pending = None
            self.attachments_changed.emit("")
            self._drop_waiting(restore=True)
        else:
            self._show_progress()
            self._send_waiting()

    @Slot(str)
    def _on_image_stopped(self, image_id: str) -> None:
        page = self._page(image_id)
        if page is not None and self.pending is not None:
            self.pending.pages.remove(page)

    def _show_progress(self) -> None:
        pending = self.pending
        if pending is None:
            self.attachments_changed.emit("")
            return
        if pending.in_context or pending.stored or (pending.carried and pending.ready):
            self.attachments_changed.emit(_sees_line(pending.sees_text()))
            return
        names = ", ".join(pending.names)
        line = f"{names} — {pending.progress_text(in_sentence=True)}"
        self.attachments_changed.emit(_sees_line(line) if pending.carried else line)
        if not pending.ready:
            self.activity.emit(f"{pending.progress_text()}…")
        if self._waiting is not None and not pending.ready:
            self.notice.emit(self.tr("{progress}… your question will be answered when it is "
                                     "done.").format(progress=pending.progress_text()))

    # --- questions and answers ----------------------------------------------------

    def submit(self, text: str, params: SamplingParams | None = None, action: str = "") -> bool:
        """Ask `text` about the pending documents (or just chat). False if busy.

        `params` and `action` come with a quick action (its sampling, e.g. a JSON schema
        for invoice extraction); the turn is an ordinary one otherwise.
        """
        text = text.strip()
        if not text or self.answer is not None or self._waiting is not None:
            return False
        self._turn = (params, action)
        footer = ""
        if self.pending is not None:
            footer = (_sees_line(self.pending.sees_text()) if self.pending.follows_up
                      else _attached_line(self.pending.names))
            if self.pending.left_out and not self.pending.question and self.tiling:
                # Not every page fits: read again, keeping the pages this question is
                # about (BM25 on their text). Pages already encoded come from the cache.
                self._read(self.pending.sources, text)
        row = self.model.append(ChatMessage(ROLE_USER, text, footer=footer))
        if self.pending is not None and not self.pending.ready:
            self._waiting = (text, row)
            self.model.update(row, status=STATUS_WAITING)
            self._show_progress()
            self.generating_changed.emit(True)
            return True
        self._send(text, row)
        return True

    def _send_waiting(self) -> None:
        if self._waiting is None or self.pending is None or not self.pending.ready:
            return
        text, row = self._waiting
        self._waiting = None
        self.notice.emit("")
        self.model.update(row, status=STATUS_COMPLETE)
        self._send(text, row)

    def _drop_waiting(self, restore: bool) -> None:
        """Give up a question held for its documents: it goes back to the composer."""
        if self._waiting is None:
            return
        text, row = self._waiting
        self._waiting = None
        self.notice.emit("")
        if 0 <= row < self.model.rowCount() and self.model.message(row).text == text:
            self.model.remove(row)
        if restore:
            self.restore_question.emit(text)
        self.generating_changed.emit(False)

    def _send(self, text: str, row: int) -> None:
        sent = self.pending
        attachments = sent.attachments if sent is not None else []
        meta: dict[str, object] | None = None
        if sent is not None:  # follow-ups are about the same pages
            self._asked_words = sent.words
            meta = {"pages": dict(sent.page_counts), "sees": sent.follows_up}
            if any(sent.modes.values()):
                meta["modes"] = {doc: {str(p): m for p, m in pages.items()}
                                 for doc, pages in sent.modes.items() if pages}
            # They stay the conversation's: the engine keeps them in its context.
            self.pending = dataclasses.replace(
                sent, ticket=0, pages=[], reading=False, left_out=False, question="",
                in_context=True, carried=True)
            if attachments:
                self._in_engine[self._engine_key] = frozenset(a.sha256 for a in attachments)
        self._show_progress()
        user_id = self._save_question(text, attachments, meta, row)
        if user_id is not None:
            self.model.update(row, history_id=user_id)
        rid = self.bridge.ask(self._engine_key, text, self._turn_params())
        self._asked.add(self._engine_key)
        self._start_answer(rid, self._turn[1])

    def regenerate(self) -> bool:
        """Answer the last question again; the previous answer is replaced.

        In a conversation that has turns in this run the engine drops its last answer
        and samples again (`Engine.regenerate`); a conversation reopened from the history
        after a restart has no engine context yet, so its last question is asked anew.
        """
        if self.answer is not None or self._waiting is not None:
            return False
        user_row = self.model.last_row(ROLE_USER)
        if user_row is None:
            return False
        for row in range(self.model.rowCount() - 1, user_row, -1):
            self.model.remove(row)
        question = self.model.message(user_row)
        history, cid = self.history, self.conversation_id
        if history is not None and cid is not None and question.history_id:
            qid = question.history_id
            self._saving(self.tr("Not saved in the history"),
                         lambda: history.truncate_after(cid, qid))
        params = self._turn_params()
        if self._engine_key in self._asked:
            rid = self.bridge.regenerate(self._engine_key, params)
        else:
            pending = self.pending
            if pending is not None and not pending.in_context and pending.ready:
                # the documents read again for the reopened conversation go with it
                self.pending = dataclasses.replace(pending, ticket=0, pages=[],
                                                   in_context=True)
                if pending.attachments:
                    self._in_engine[self._engine_key] = frozenset(
                        a.sha256 for a in pending.attachments)
                self._show_progress()
            rid = self.bridge.ask(self._engine_key, question.text, params)
            self._asked.add(self._engine_key)
        self._start_answer(rid, self._turn[1])
        return True

    def _turn_params(self) -> SamplingParams:
        """The sampling of the turn: the user's, or the quick action's within the user's
        longest answer. A task may ask for a shorter answer, never a longer one: the
        setting is what the user chose, and what the documents' budget left room for."""
        user = self._sampling()
        params = self._turn[0]
        if params is None:
            return user
        if params.max_tokens > user.max_tokens:
            params = dataclasses.replace(params, max_tokens=user.max_tokens)
        return params

    def stop(self) -> None:
        """Stop the answer (what was written is kept) or a question still waiting."""
        if self.answer is not None:
            self.bridge.cancel(self.answer.request_id)
        elif self._waiting is not None:
            self._drop_waiting(restore=True)
            self.activity.emit(self.tr("The question was not sent; the document is still "
                                       "being read."))

    def _start_answer(self, rid: int, action: str) -> None:
        history_id = self._save_answer_start(action)
        row = self.model.append(ChatMessage(ROLE_ASSISTANT, "", STATUS_STREAMING,
                                            history_id=history_id))
        self.answer = _Answer(rid, row, history_id, action, saved_at=time.monotonic())
        self.generating_changed.emit(True)
        self.activity.emit(self.tr("Answering…"))

    @Slot(int, str)
    def _on_answer_text(self, rid: int, text: str) -> None:
        answer = self.answer
        if answer is None or answer.request_id != rid:
            return
        answer.text += text
        self.model.append_text(answer.row, text)
        now = time.monotonic()
        if answer.history_id is not None and now - answer.saved_at >= SAVE_INTERVAL_S:
            answer.saved_at = now
            self._update_history(answer.history_id, text=answer.text)

    @Slot(int, object)
    def _on_answer_done(self, rid: int, stats: TurnStats) -> None:
        if self.answer is None or self.answer.request_id != rid:
            return
        self.last_stats = stats
        self._held[self._engine_key] = stats.prompt_items + stats.decode_tokens
        footer = _stats_line(stats)
        meta: dict[str, object] = {
            "decode_tokens": stats.decode_tokens, "decode_tok_s": round(stats.decode_tok_s, 2),
            "ttft_s": round(stats.ttft_s, 3), "stopped": stats.stopped}
        found = ground(self.answer.text, self._asked_words) if self._asked_words else []
        if found:
            footer = _joined(footer, _found_line(found))
            meta["cited_pages"] = [[doc, page] for doc, page in cited_pages(found)]
        footer = _joined(footer, _cut_line(stats.stopped, stats.decode_tokens))
        self.answer_grounded.emit(found)
        self._finish_answer(STATUS_COMPLETE, footer, meta)

    @Slot(int, object)
    def _on_answer_failed(self, rid: int, line: Line) -> None:
        if self.answer is None or self.answer.request_id != rid:
            return
        message = tr_line(line)  # the line is kept too: reopened, it is translated again
        self._finish_answer(STATUS_ERROR, message,
                            {"error": message, "error_line": line_to_json(line)})

    @Slot(int)
    def _on_answer_stopped(self, rid: int) -> None:
        if self.answer is None or self.answer.request_id != rid:
            return
        self._finish_answer(STATUS_INTERRUPTED, _tr(STOPPED_NOTE))

    def _finish_answer(self, status: str, footer: str,
                       meta: dict[str, object] | None = None) -> None:
        answer = self.answer
        assert answer is not None
        self.answer = None
        self.model.update(answer.row, status=status, footer=footer)
        if answer.action:  # the table it filled is shown again when the chat is reopened
            meta = {**(meta or {}), "action": answer.action}
            if (status == STATUS_COMPLETE and answer.action in TABLE_ACTIONS
                    and answer.history_id is not None):
                self._tables[answer.action] = answer.history_id
        if answer.history_id is not None:
            self._update_history(answer.history_id, text=answer.text, status=status, meta=meta)
        self.generating_changed.emit(False)
        if status == STATUS_COMPLETE:
            self.activity.emit(self.tr("Ready."))
        elif status == STATUS_INTERRUPTED:
            self.activity.emit(self.tr("Stopped."))
        else:
            self.activity.emit(self.tr("The answer failed: {message}").format(message=footer))
        self.answer_finished.emit(status, answer.action, answer.text)

    # --- history ------------------------------------------------------------------

    def _saving(self, doing: str, call: Callable[[], _T]) -> _T | None:
        """Every history call goes through here: a failure is one status line, and the
        chat goes on unsaved rather than stopping (the history is a convenience)."""
        try:
            return call()
        except BlueLMError as e:
            self.activity.emit(self.tr("{doing}: {error}").format(doing=doing, error=e))
        except Exception as e:  # a bug in the store: keep the trace, keep chatting
            log.exception("history: %s", doing)
            self.activity.emit(self.tr("{doing}: internal error ({kind}: {error})").format(
                doing=doing, kind=type(e).__name__, error=e))
        return None

    def _save_question(self, text: str, attachments: Sequence[Attachment],
                       meta: dict[str, object] | None = None, row: int = -1) -> int | None:
        history = self.history
        if history is None:
            return None
        if self.conversation_id is None:
            title = " ".join(text.split())[:TITLE_LENGTH]
            conversation = self._saving(self.tr("Not saved in the history"),
                                        lambda: history.create_conversation(title))
            if conversation is None:
                return None
            self.conversation_id = conversation.id
            self._keys[conversation.id] = self._engine_key
            self._remember_open()
            self.conversation_changed.emit(conversation.id)
        notes, self._unsaved_notes = self._unsaved_notes, []
        for note_row, note, note_meta in notes:
            if note_row < row:
                self._save_note(note, note_meta)
        cid = self.conversation_id
        message = self._saving(self.tr("Not saved in the history"), lambda: history.add_message(
            cid, ROLE_USER, text, attachments=attachments, meta=meta))
        for note_row, note, note_meta in notes:
            if note_row >= row:
                self._save_note(note, note_meta)
        self.conversations_changed.emit()
        return message.id if message is not None else None

    def _save_answer_start(self, action: str) -> int | None:
        history, cid = self.history, self.conversation_id
        if history is None or cid is None:
            return None
        meta = {"action": action} if action else None
        message = self._saving(self.tr("Not saved in the history"), lambda: history.add_message(
            cid, ROLE_ASSISTANT, "", status=STATUS_STREAMING, meta=meta))
        return message.id if message is not None else None

    def _update_history(self, message_id: int, **fields: Any) -> None:
        history = self.history
        assert history is not None
        self._saving(self.tr("Not saved in the history"),
                     lambda: history.update_message(message_id, **fields))

    def _note_unreadable(self, name: str, line: Line) -> None:
        """The note for a document or page that failed, kept with the conversation: its
        line is saved beside the text, so a reopened conversation says it in the language
        of that day."""
        self._note(_could_not_read(name, tr_line(line)), keep=True,
                   meta={NOTE_NAME: name, NOTE_LINE: line_to_json(line)})

    def _note(self, text: str, keep: bool = False,
              meta: Mapping[str, object] | None = None) -> None:
        """A note in the chat; with `keep`, saved with the conversation (a document that
        could not be read: reopened, the conversation still says so)."""
        row = self.model.append(ChatMessage(ROLE_NOTE, text, STATUS_COMPLETE))
        self.activity.emit(text)
        if keep and self.history is not None:
            if self.conversation_id is None or self._waiting is not None:
                self._unsaved_notes.append((row, text, dict(meta or {})))
            else:
                self._save_note(text, meta)

    def _save_note(self, text: str, meta: Mapping[str, object] | None = None) -> None:
        history, cid = self.history, self.conversation_id
        if history is None or cid is None:
            return
        saved = {**(meta or {}), NOTE_META: True}
        self._saving(self.tr("Not saved in the history"), lambda: history.add_message(
            cid, "system", text, meta=saved))


def _from_history(message: object) -> ChatMessage:
    """A history message as the pane shows it (attachments named under the question)."""
    from bluelm_desktop.core.history import Message

    assert isinstance(message, Message)
    footer = ""
    meta = message.meta or {}
    if message.attachments and meta.get("sees"):
        footer = _sees_line(sees_text([a.name for a in message.attachments],
                                      _page_counts(meta)))
    elif message.attachments:
        footer = _attached_line([a.name for a in message.attachments])
    elif message.role == ROLE_ASSISTANT and message.status == STATUS_INTERRUPTED:
        footer = _tr(STOPPED_NOTE)
    elif message.meta and message.status == STATUS_ERROR:
        footer = tr_line(line_from_json(message.meta.get("error_line"),
                                        str(message.meta.get("error", ""))))
    elif message.role == ROLE_ASSISTANT and message.meta:
        tokens = message.meta.get("decode_tokens")
        footer = _cut_line(str(message.meta.get("stopped", "")),
                           tokens if isinstance(tokens, int) else 0)
    role = message.role if message.role in (ROLE_USER, ROLE_ASSISTANT) else ROLE_NOTE
    text = message.text
    name = meta.get(NOTE_NAME)
    if role == ROLE_NOTE and isinstance(name, str) and NOTE_LINE in meta:
        text = _could_not_read(name, tr_line(line_from_json(meta[NOTE_LINE], text)))
    return ChatMessage(role, text, message.status, footer, message.id)


def _could_not_read(name: str, message: str) -> str:
    """The note for a document or page that failed: the core's line names the file
    itself ("scan.png: not an image …"), so the name is not said twice."""
    if message.startswith(name):
        return QCoreApplication.translate("ChatController", "Could not read {message}").format(
            message=message)
    return QCoreApplication.translate("ChatController", "Could not read {name}: {message}"
                                      ).format(name=name, message=message)


def _page_counts(meta: Mapping[str, Any]) -> dict[str, int]:
    """A question's saved page counts (document name → pages); {} for older histories."""
    pages = meta.get("pages")
    if not isinstance(pages, dict):
        return {}
    return {str(k): v for k, v in pages.items() if isinstance(v, int) and v > 0}


def _modes(meta: Mapping[str, Any]) -> dict[str, dict[int, str]]:
    """How the user chose to send a question's pages, as saved (JSON keys are text)."""
    modes = meta.get("modes")
    if not isinstance(modes, dict):
        return {}
    return {str(doc): {int(p): str(m) for p, m in pages.items() if str(p).isdigit()}
            for doc, pages in modes.items() if isinstance(pages, dict)}


def _found_line(found: Sequence[Found]) -> str:
    """'Found on invoice.pdf p. 1, 2': where the answer's values are printed."""
    by_document: dict[str, list[int]] = {}
    for document, page in cited_pages(found):
        by_document.setdefault(document, []).append(page)
    where = "; ".join(f"{Path(doc).name} p. {', '.join(map(str, pages))}"
                      for doc, pages in by_document.items())
    return QCoreApplication.translate("ChatController", "Found on {where}").format(where=where)


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _cut_line(stopped: str, tokens: int) -> str:
    """Why an answer ended before the model finished it ("" when it finished): the user
    should know the answer is incomplete, and what to change."""
    if stopped == "max_tokens":
        return QCoreApplication.translate(
            "ChatController", "cut off at the longest answer ({tokens} tokens): raise it in "
            "Settings → Answers").format(tokens=tokens)
    if stopped == "context":
        return QCoreApplication.translate(
            "ChatController", "cut off: the conversation filled the model's context; start "
            "a new conversation to go on")
    return ""


def _stats_line(stats: TurnStats) -> str:
    if not stats.decode_tokens:
        return ""
    return QCoreApplication.translate(
        "ChatController", "{tokens} tokens · {speed} tokens/s · first token after {seconds} s"
    ).format(
        tokens=stats.decode_tokens, speed=f"{stats.decode_tok_s:.1f}",
        seconds=f"{stats.ttft_s:.2f}")
