"""The GUI's handle on the engine and the document intake: requests in, Qt signals out.

Two background owners, each on its own thread (DESIGN §2, STYLE "one thread owns the
model"):
- the core `Engine` (a Python thread holding the llama.cpp and mtmd contexts), or, when
  the user answers through a llama.cpp server (`connect_server`), a `ServerEngine` with
  the same requests and events (its thread holds the HTTP connection; Stop closes the
  answer's stream). Its callback runs on the engine thread; the bridge re-emits each
  event on the GUI thread through a queued signal. Switching between the two closes the
  old engine first; events it queued before that are dropped (request ids start again
  with each engine);
- the app's documents thread (`DocumentsThread`, shared with the document panel: one
  `DocumentService`, one worker process), which probes, renders and tiles a dropped file
  (or a paste, or a screen capture) page by page. Each page goes to the engine the
  moment it is cut, from that thread (the bridge's sink), so encoding starts while the
  user is still typing and the tiles never cross the GUI thread.

Streamed tokens are *coalesced*: the engine thread appends them to a buffer and the GUI
drains it at most every `coalesce_ms` (DESIGN §5: a GUI thread woken for every token
steals cores from the engine and slows it). The first token after a pause is shown at
once, so the time to first token is not hidden behind the interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from bluelm_desktop.core.documents import DocumentSource
from bluelm_desktop.core.engine.engine import (
    Done,
    Engine,
    EngineSettings,
    Event,
    Failed,
    ImageReady,
    Loaded,
    LoadProgress,
    Stopped,
    TileEncoded,
    Token,
)
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import Line
from bluelm_desktop.core.planning import PreparedImage
from bluelm_desktop.core.server import ServerConfig, ServerEngine, ServerInfo, server_tiling
from bluelm_desktop.core.vision.tiling import TilingParams
from bluelm_desktop.ui.documents_thread import DocumentsThread, KeepDocument, PageSink
from bluelm_desktop.ui.i18n import tr_line

log = logging.getLogger(__name__)

DEFAULT_COALESCE_MS = 100


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to answer: its files and, with a projector, its own tiling. Through
    a llama.cpp server: no model here (`llm` None), what the server said (`server`), the
    projector file here that lays pages out for it (`mmproj`: where the server serves
    the pair chosen here, else None) and the tiling pages get (the projector's, else the
    page whole, `server_tiling`; None for a server without vision)."""

    llm: Path | None
    mmproj: Path | None
    load_s: float
    tiling: TilingParams | None  # the projector's tile size, tokens per tile, ... (GGUF)
    notes: tuple[str, ...] = ()  # settings this model could not take (Loaded.notes), shown
    server: ServerInfo | None = None


class EngineBridge(QObject):
    """Owns the engine and the documents thread; every signal arrives on the GUI thread.

    Request ids are the engine's. Each finished request ends with exactly one of its
    final signals (`image_ready` / `image_failed` / `image_stopped`; `answer_done` /
    `answer_failed` / `answer_stopped`); a stop is a silent outcome, not a failure.
    """

    load_progress = Signal(float)  # 0..1
    loaded = Signal(object)  # LoadedModel
    load_failed = Signal(str)

    page_prepared = Signal(object)  # PreparedImage, its encoding just submitted
    document_planned = Signal(object)  # DocumentPlan: a document of the batch, planned
    document_kept = Signal(object)  # what the batch's `keep` returned for one document
    document_failed = Signal(str, object)  # document name, its Line (tr_line shows it)
    documents_finished = Signal(int)  # ticket: every page of the batch has been handed on

    tile_encoded = Signal(str, int, int)  # image id, tiles done, tiles in all
    image_ready = Signal(str, int, float)  # image id, tiles, seconds
    image_failed = Signal(str, object)  # image id, its Line
    image_stopped = Signal(str)  # image id

    answer_text = Signal(int, str)  # request id, text since the last emission
    answer_done = Signal(int, object)  # request id, TurnStats
    answer_failed = Signal(int, object)  # request id, its Line
    answer_stopped = Signal(int)

    _engine_event = Signal(object)  # engine thread → GUI thread (queued)
    _tokens_waiting = Signal()  # engine thread → GUI thread: the buffer was empty, now is not

    def __init__(
        self,
        settings: EngineSettings | None = None,
        coalesce_ms: int = DEFAULT_COALESCE_MS,
        parent: QObject | None = None,
        documents: DocumentsThread | None = None,
    ) -> None:
        super().__init__(parent)
        self.coalesce_ms = coalesce_ms
        self.flushes = 0  # text emissions so far (tests check the coalescing with it)
        self._tokens: list[tuple[int, str]] = []
        self._tokens_lock = threading.Lock()
        self._tokens_signalled = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(coalesce_ms)
        self._flush_timer.timeout.connect(self._on_flush_timer)
        self._engine_event.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self._tokens_waiting.connect(self._on_tokens_waiting, Qt.ConnectionType.QueuedConnection)

        # Pages are submitted on the documents thread (`_encode_sink`); the request
        # bookkeeping below is shared with it, under this lock.
        self._lock = threading.Lock()
        self._kinds: dict[int, str] = {}  # request id → "load" | "encode" | "ask"
        self._image_of: dict[int, str] = {}  # encode request id → image id
        self._encodes: dict[str, int] = {}  # image id → its latest encode request
        # Pages handed to the engine whose `page_prepared` has not been sent yet, and the
        # final events of theirs that came first: a text page is "encoded" at once, and
        # the engine thread's event can overtake the documents thread's page. Held back,
        # they follow the page (the controller knows no page it has not been told of).
        self._unannounced: dict[str, int] = {}  # page id → pages of it not yet announced
        self._held: dict[str, list[tuple[int, Event]]] = {}
        # A load is done when the engine has the model and the projector's tiling is read.
        self._loading: dict[int, tuple[Loaded | None, TilingParams | None]] = {}
        self._ticket = 0  # the documents batch being encoded (0: none)
        self._closed = False
        self._settings = settings or EngineSettings()
        # Each engine made counts one up; events of an older engine are dropped.
        self._generation = 0
        self._model_reads = 0  # model readings asked of the documents thread
        self._model_read = (0, 0)  # the latest: (its number, its load's request id)
        self._server_read: set[int] = set()  # server loads waiting for the pair's reading
        self.engine: Engine | ServerEngine = self._make_engine(None)

        # The app's document pipeline (shared with the document panel, so a dropped file
        # is read by one worker process); a bridge made alone owns its own.
        self._owns_documents = documents is None
        self._documents = documents if documents is not None else DocumentsThread()
        d = self._documents
        d.tiling_read.connect(self._on_tiling_read)
        d.page_ready.connect(self._on_page_ready)
        d.kept.connect(self._on_document_kept)
        d.planned.connect(self._on_document_planned)
        d.failed.connect(self._on_document_failed)
        d.finished.connect(self._on_documents_finished)

    # --- requests ---------------------------------------------------------------------

    def load(self, llm: Path, mmproj: Path | None = None,
             settings: EngineSettings | None = None) -> int:
        """Load a model (replacing the loaded one, or the server), with new engine
        `settings` if given; `loaded` or `load_failed` follows."""
        if settings is not None:
            self._settings = settings
        self._use_engine(None)
        with self._lock:
            rid = self.engine.load(llm, mmproj, settings)
            self._kinds[rid] = "load"
        self._loading = {rid: (None, None)}  # a newer load makes an older one's result moot
        # The reading is asked for under a number of its own: request ids start again
        # with each engine, and an older engine's load may still be read.
        self._model_reads += 1
        self._model_read = (self._model_reads, rid)
        self._documents.read_model(self._model_reads, Path(llm),
                                   Path(mmproj) if mmproj else None)
        return rid

    def connect_server(self, server: ServerConfig, llm: Path | None = None,
                       mmproj: Path | None = None) -> int:
        """Answer through the llama.cpp server `server` from now on (replacing the loaded
        model): its /health and /props are checked, then `loaded` follows with
        `LoadedModel.server` (or `load_failed`, one line).

        `llm`/`mmproj`: the pair chosen here. Where the server serves that very model
        (its file's name), its projector lays pages out as tiles of ours and its
        tokenizer counts text pages, as `ask --server --mmproj` does; elsewhere pages go
        whole and the server's mtmd lays them out (`server_tiling`)."""
        self._use_engine(server)
        with self._lock:
            engine = self.engine
            assert isinstance(engine, ServerEngine)
            rid = engine.load(llm, mmproj, if_served=True)
            self._kinds[rid] = "load"
        self._loading = {rid: (None, None)}
        self._model_read = (0, 0)  # a reading in flight is moot
        self._server_read.clear()
        if llm is not None and mmproj is not None:
            self._model_reads += 1
            self._model_read = (self._model_reads, rid)
            self._server_read.add(rid)
            self._documents.read_model(self._model_reads, Path(llm), Path(mmproj))
        return rid

    @property
    def server(self) -> ServerConfig | None:
        """The server answers go to (None: the model loaded here)."""
        return self.engine.server if isinstance(self.engine, ServerEngine) else None

    @property
    def context_length(self) -> int:
        """The context a conversation has: the engine's, or a server slot's."""
        if isinstance(self.engine, ServerEngine) and self.engine.info is not None:
            return self.engine.info.n_ctx
        return self.engine.settings.n_ctx

    def _make_engine(self, server: ServerConfig | None) -> Engine | ServerEngine:
        self._generation += 1
        generation = self._generation

        def sink(event: Event) -> None:  # on the engine thread
            self._on_engine_event(event, generation)

        if server is None:
            return Engine(self._settings, sink)
        return ServerEngine(server, sink, self._settings)

    def _use_engine(self, server: ServerConfig | None) -> None:
        """Make the engine the one `server` needs (the in-process one for None), closing
        the other: its thread is joined, so nothing it says can come after the swap."""
        engine = self.engine
        if server is None and isinstance(engine, Engine):
            return
        if isinstance(engine, ServerEngine) and server is not None and \
                engine.server == server and engine.server.api_key == server.api_key:
            return
        engine.close()
        with self._tokens_lock:
            self._tokens = []
        with self._lock:
            self._kinds.clear()
            self._image_of.clear()
            self._encodes.clear()
            self._unannounced.clear()
            self._held.clear()
            self.engine = self._make_engine(server)

    def add_documents(self, conversation: str, sources: Sequence[DocumentSource],
                      params: TilingParams, keep: KeepDocument | None = None,
                      budget: int | None = None, question: str = "",
                      modes: Mapping[str, Mapping[int, str]] | None = None) -> int:
        """Read, tile and encode `sources` for the conversation's next question.

        A new batch replaces the pending one: its pages still being read are dropped and
        its encoding is cancelled (the engine does that on the first page of the new
        batch). `keep(source)` runs on the documents thread once a document is read.
        `budget`: the context positions all the documents may take (`document_budget`);
        `question`: what they are for, to choose the pages when not all fit; `modes`: how
        the user chose to send pages (document name → page 1-based → planning mode).
        Returns the batch's ticket (the document panel follows it).
        """
        with self._lock:  # (the sink waits for the ticket before submitting anything)
            self._ticket = self._documents.open(
                sources, params, sink=self._encode_sink(conversation), keep=keep,
                budget=budget, question=question, modes=modes)
            return self._ticket

    def _encode_sink(self, conversation: str) -> PageSink:
        """Runs on the documents thread: each page's tiles straight to the engine; the
        first page of a batch replaces the conversation's pending images."""
        sent = 0

        def sink(ticket: int, page: PreparedImage) -> None:
            nonlocal sent
            with self._lock:
                if self._closed or ticket != self._ticket:
                    return  # superseded while it was being read
                rids = page.submit_to(self.engine, conversation, first=sent == 0)
                sent += 1
                for rid, page_id in zip(rids, page.page_ids, strict=True):
                    self._kinds[rid] = "encode"
                    self._image_of[rid] = page_id
                    self._encodes[page_id] = rid
                    self._unannounced[page_id] = self._unannounced.get(page_id, 0) + 1

        return sink

    def ask(self, conversation: str, text: str,
            params: SamplingParams | None = None) -> int:
        """Answer `text`, with the images encoded for this conversation since its last turn."""
        with self._lock:
            rid = self.engine.ask(conversation, text, params=params)
            self._kinds[rid] = "ask"
        return rid

    def regenerate(self, conversation: str, params: SamplingParams | None = None) -> int:
        """Drop the last answer and answer the last question again (same images)."""
        with self._lock:
            rid = self.engine.regenerate(conversation, params)
            self._kinds[rid] = "ask"
        return rid

    def cancel(self, request_id: int) -> None:
        self.engine.cancel(request_id)

    def cancel_documents(self) -> None:
        """Forget the pending batch: pages being read are dropped, encodings cancelled."""
        with self._lock:
            self._ticket = 0
            encodes = list(self._encodes.values())
        self._documents.cancel()
        for rid in encodes:
            self.engine.cancel(rid)

    def shutdown(self) -> None:
        """Stop both threads; idempotent. The engine frees its models children-first."""
        if self._closed:
            return
        with self._lock:
            self._closed = True  # pages still being read go nowhere
        self._flush_timer.stop()
        if self._owns_documents:  # (a shared one is shut down by its owner, after us)
            self._documents.shutdown()  # kills a render in progress; its loop ends
        self.engine.close()

    @property
    def documents(self) -> DocumentsThread:
        """The document pipeline the bridge's batches run on (the panel follows them)."""
        return self._documents

    @property
    def documents_thread(self) -> QThread:
        return self._documents.thread

    # --- documents thread → GUI thread -----------------------------------------------

    @Slot(int, object)
    def _on_page_ready(self, ticket: int, page: PreparedImage) -> None:
        with self._lock:
            held = []
            for page_id in page.page_ids:
                left = self._unannounced.pop(page_id, 0) - 1
                if left > 0:  # the same page of a newer batch is still to come
                    self._unannounced[page_id] = left
                else:
                    held += self._held.pop(page_id, [])
        if ticket == self._ticket and not self._closed:
            self.page_prepared.emit(page)
        for queued in held:  # the page's ends that came before it, now in order
            self._dispatch(queued)

    @Slot(int, object)
    def _on_tiling_read(self, reading: int, tiling: object) -> None:
        latest, rid = self._model_read
        if reading != latest or rid not in self._loading:
            return
        if rid in self._server_read:  # the pair here, read in case the server serves it
            self._server_read.discard(rid)
            read = tiling if isinstance(tiling, TilingParams) else None
            self._loading[rid] = (self._loading[rid][0], read)
            self._finish_load(rid)
            return
        if isinstance(tiling, str):
            del self._loading[rid]
            self.engine.cancel(rid)
            self.load_failed.emit(tiling)
            return
        if tiling is None:  # images not supported: Loaded comes without the projector
            self._finish_load(rid)
            return
        assert isinstance(tiling, TilingParams)
        self._loading[rid] = (self._loading[rid][0], tiling)
        self._finish_load(rid)

    def _finish_load(self, rid: int) -> None:
        loaded, tiling = self._loading.get(rid, (None, None))
        engine = self.engine
        if isinstance(engine, ServerEngine):
            if loaded is None or rid in self._server_read:
                return
            del self._loading[rid]
            info = engine.info
            if info is None:  # (a newer load started meanwhile: it reports)
                return
            # Without a projector there, documents are refused with one line before any
            # work; with one, pages are tiles of ours where the server serves the pair
            # chosen here, else whole (the server's mtmd lays them out).
            serves_the_pair = engine.mmproj is not None and tiling is not None
            if not info.vision:
                tiling = None
            elif not serves_the_pair:
                tiling = server_tiling()
            if not serves_the_pair:
                # Another model than the one here (or none here): its tokenizer, not the
                # one read for the pair here, counts what a text page takes.
                self._documents.count_on_server(engine.server)
            self.loaded.emit(LoadedModel(None, engine.mmproj, loaded.load_s, tiling,
                                         _notes(loaded), info))
            return
        if loaded is None or (loaded.mmproj is not None and tiling is None):
            return
        del self._loading[rid]
        self.loaded.emit(LoadedModel(Path(loaded.llm), Path(loaded.mmproj) if loaded.mmproj
                                     else None, loaded.load_s, tiling, _notes(loaded)))

    @Slot(int, int, object)
    def _on_document_planned(self, ticket: int, _index: int, plan: object) -> None:
        if ticket == self._ticket:
            self.document_planned.emit(plan)

    @Slot(int, object)
    def _on_document_kept(self, ticket: int, kept: object) -> None:
        if ticket == self._ticket:
            self.document_kept.emit(kept)

    @Slot(int, int, str, object)
    def _on_document_failed(self, ticket: int, index: int, name: str, line: Line) -> None:
        if ticket == self._ticket:
            self.document_failed.emit(name, line)

    @Slot(int)
    def _on_documents_finished(self, ticket: int) -> None:
        if ticket == self._ticket:
            self.documents_finished.emit(ticket)

    # --- engine thread ---------------------------------------------------------------

    def _on_engine_event(self, event: Event, generation: int | None = None) -> None:
        """Runs on the engine thread: buffer tokens, queue everything else. `generation`:
        the engine that said it (None: the current one)."""
        if generation is None:
            generation = self._generation
        if isinstance(event, Token):
            with self._tokens_lock:
                if generation != self._generation:
                    return
                self._tokens.append((event.request_id, event.text))
                signal = not self._tokens_signalled
                self._tokens_signalled = True
            if signal:
                self._tokens_waiting.emit()
            return
        self._engine_event.emit((generation, event))

    # --- GUI thread ------------------------------------------------------------------

    @Slot()
    def _on_tokens_waiting(self) -> None:
        if not self._flush_timer.isActive():  # idle until now: show the first piece at once
            self._flush_tokens()
            self._flush_timer.start()

    @Slot()
    def _on_flush_timer(self) -> None:
        if self._flush_tokens():
            self._flush_timer.start()  # keep the pace while tokens keep coming

    def _flush_tokens(self) -> bool:
        with self._tokens_lock:
            pieces, self._tokens = self._tokens, []
            self._tokens_signalled = False
        if not pieces:
            return False
        by_request: dict[int, list[str]] = {}
        for rid, text in pieces:
            by_request.setdefault(rid, []).append(text)
        self.flushes += 1
        for rid, texts in by_request.items():
            self.answer_text.emit(rid, "".join(texts))
        return True

    @Slot(object)
    def _dispatch(self, queued: tuple[int, Event]) -> None:
        generation, event = queued
        if generation != self._generation:
            return  # said by an engine closed since (its request ids mean nothing now)
        rid = event.request_id
        with self._lock:
            kind = self._kinds.get(rid, "")
        if isinstance(event, LoadProgress):
            self.load_progress.emit(event.fraction)
            return
        if isinstance(event, TileEncoded):
            self.tile_encoded.emit(event.image_id, event.done, event.total)
            return
        # A final event: the request is over. Its last tokens were buffered before it.
        with self._lock:
            page_id = self._image_of.get(rid, "")
            if kind == "encode" and page_id in self._unannounced:
                self._held.setdefault(page_id, []).append(queued)  # see `_on_page_ready`
                return
            self._kinds.pop(rid, None)
            image_id = self._image_of.pop(rid, "")
            if image_id and self._encodes.get(image_id) == rid:
                del self._encodes[image_id]
        self._flush_tokens()
        if isinstance(event, Loaded):
            if rid in self._loading:
                self._loading[rid] = (event, self._loading[rid][1])
                self._finish_load(rid)
        elif isinstance(event, ImageReady):
            self.image_ready.emit(event.image_id, event.tiles, event.encode_s)
        elif isinstance(event, Done):
            self.answer_done.emit(rid, event.stats)
        elif isinstance(event, Stopped):
            if kind == "encode":
                self.image_stopped.emit(image_id)
            elif kind == "ask":
                self.answer_stopped.emit(rid)
            elif kind == "load" and self._loading.pop(rid, None) is not None:
                self.load_failed.emit(self.tr("loading was cancelled"))
        elif isinstance(event, Failed):
            if kind == "load":
                if self._loading.pop(rid, None) is not None:
                    self.load_failed.emit(tr_line(event.line))
            elif kind == "encode":
                self.image_failed.emit(image_id, event.line)
            else:
                self.answer_failed.emit(rid, event.line)


def _notes(loaded: Loaded) -> tuple[str, ...]:
    """The load's notes in the interface's language."""
    return tuple(tr_line(note) for note in (loaded.note_lines or loaded.notes))
