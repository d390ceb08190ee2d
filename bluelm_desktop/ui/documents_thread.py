"""The app's one document pipeline: one thread, one `DocumentService` (so one worker
process), one pass over each page.

A drop (or a paste, or a screen capture) becomes a batch (`open`). For each document of
the batch, on the documents thread: probe and plan it once (`planning.plan_document`,
announced with `planned`, which the document panel shows at once); then render each page
once, at the size its tiles need, and cut it (`planning.render_pages`). The page's tiles
go to the batch's `sink` right there, on this thread (the engine bridge's sink submits
them to the `Engine`: the GUI thread never holds them); the page itself, with its pixels
for the panel to show, follows with `page_ready`.

Tickets order batches: a newer batch supersedes every older one ("latest request wins"),
whose pages still to come are dropped. Whoever watches a batch (the bridge, the panel)
holds its ticket and ignores the others. A page the panel wants again after letting its
pixels go is rendered on request (`render`).

Signals reach the GUI thread queued; PyMuPDF and the decoders run in the service's child
process, never in the app. Whoever makes this object shuts it down, after the panels that
use it (`MainWindow.shutdown`); a panel or bridge made without one makes and owns its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from bluelm_desktop.core.assistant import tiling_for
from bluelm_desktop.core.documents import DocumentLimits, DocumentService, DocumentSource
from bluelm_desktop.core.engine.vocab import TokenCounter
from bluelm_desktop.core.errors import BlueLMError, VisionUnsupported, line_of
from bluelm_desktop.core.planning import PreparedImage, plan_document, render_pages
from bluelm_desktop.core.server import ServerConfig, ServerTokenCounter
from bluelm_desktop.core.vision.tiling import TilingParams
from bluelm_desktop.ui.messages import error_line

log = logging.getLogger(__name__)

# Runs on the documents thread for each page, with its tiles (the engine's encode).
PageSink = Callable[[int, PreparedImage], None]  # ticket, page
# Runs on the documents thread after a document's pages are out (e.g. copy it into the
# history); what it returns arrives with `kept`.
KeepDocument = Callable[[DocumentSource], object]


@dataclass(frozen=True)
class DocumentBatch:
    """One drop: its documents, tiled for one model. Frozen: it crosses threads as is."""

    ticket: int
    sources: tuple[DocumentSource, ...]
    params: TilingParams
    sink: PageSink | None = None
    keep: KeepDocument | None = None
    budget: int | None = None  # context positions for all the documents (None: no limit)
    question: str = ""  # what they are for: chooses the pages when not all fit
    # document name → page (1-based) → how the user chose to send it (planning.TEXT, ...)
    modes: Mapping[str, Mapping[int, str]] = field(default_factory=dict)


class _Worker(QObject):
    """Lives on the documents thread; the only user of the `DocumentService`."""

    planned = Signal(int, int, object)  # ticket, document index, DocumentPlan (with .info)
    page_ready = Signal(int, object)  # ticket, PreparedImage (its tiles already sunk)
    kept = Signal(int, object)  # ticket, what the batch's `keep` returned
    failed = Signal(int, int, str, object)  # ticket, document index, name, its Line
    finished = Signal(int)  # ticket: every page of the batch is out
    rendered = Signal(int, int, object)  # ticket, page index (0-based), RGB array
    render_failed = Signal(int, int, str)  # ticket, page index, one line
    tiling_read = Signal(int, object)  # request id, TilingParams, None or a one-line error

    def __init__(self, service: DocumentService) -> None:
        super().__init__()
        self.service = service
        # Written by the GUI thread, read here between steps (an int is read atomically
        # under the GIL): a batch below it is superseded and stops where it is.
        self.latest = 0
        # The model's tokenizer (read_model), or its server's (count_on_server)
        self.counter: TokenCounter | ServerTokenCounter | None = None

    @Slot(object)
    def prepare(self, batch: DocumentBatch) -> None:
        used = 0  # positions the batch's earlier documents took
        for index, source in enumerate(batch.sources):
            if batch.ticket < self.latest:
                break
            try:
                left = None if batch.budget is None else max(batch.budget - used, 1)
                plan = plan_document(self.service, source, batch.params, budget=left,
                                     count_tokens=self.counter, question=batch.question,
                                     modes=batch.modes.get(source.name))
                self.planned.emit(batch.ticket, index, plan)
                for page in render_pages(self.service, source, plan):
                    if batch.ticket < self.latest:
                        break
                    used += page.positions
                    if batch.sink is not None:
                        batch.sink(batch.ticket, page)
                    self.page_ready.emit(batch.ticket, page.without_tiles())
                if batch.keep is not None and batch.ticket >= self.latest:
                    self.kept.emit(batch.ticket, batch.keep(source))
            except Exception as e:
                if not isinstance(e, BlueLMError):
                    log.exception("preparing %s failed", source.name)
                if batch.ticket >= self.latest:  # a superseded batch's failure is moot
                    self.failed.emit(batch.ticket, index, source.name, line_of(e))
        self.finished.emit(batch.ticket)

    @Slot(int, object, int, object)
    def render(self, ticket: int, source: DocumentSource, page: int,
               size: tuple[int, int]) -> None:
        if ticket < self.latest:
            return
        try:
            rgb = self.service.render(source, page, size)
        except Exception as e:
            if not isinstance(e, BlueLMError):
                log.exception("rendering page %d of %s failed", page + 1, source.name)
            self.render_failed.emit(ticket, page, error_line(e))
        else:
            self.rendered.emit(ticket, page, rgb)

    @Slot(int, object, object)
    def read_model(self, request_id: int, llm: Path, mmproj: Path | None) -> None:
        """What planning needs of a model being loaded: the LLM's tokenizer (its vocabulary
        alone) and the projector's tiling (its GGUF header: tensor infos too, not for the
        GUI thread)."""
        self.close_counter()
        try:
            self.counter = TokenCounter(llm)
        except Exception:  # the engine's own load says what is wrong with the file
            log.warning("%s: no tokenizer for planning; text is estimated", llm.name)
        if mmproj is None:
            self.tiling_read.emit(request_id, None)
            return
        try:
            self.tiling_read.emit(request_id, tiling_for(mmproj))
        except VisionUnsupported:
            self.tiling_read.emit(request_id, None)  # the engine loads it text only, says why
        except Exception as e:
            self.tiling_read.emit(request_id, error_line(e))

    @Slot(object)
    def count_on_server(self, server: ServerConfig) -> None:
        """Count text pages as `server`'s model does (its /tokenize): the server answers
        with a model whose file is not the one chosen here."""
        self.close_counter()
        self.counter = ServerTokenCounter([server])

    def close_counter(self) -> None:
        if self.counter is not None:
            self.counter.close()
            self.counter = None


class DocumentsThread(QObject):
    """One QThread, one DocumentService and one worker on it; every signal arrives on the
    GUI thread (the worker's, forwarded)."""

    planned = Signal(int, int, object)
    page_ready = Signal(int, object)
    kept = Signal(int, object)
    failed = Signal(int, int, str, object)
    finished = Signal(int)
    rendered = Signal(int, int, object)
    render_failed = Signal(int, int, str)
    tiling_read = Signal(int, object)

    _prepare_requested = Signal(object)
    _render_requested = Signal(int, object, int, object)
    _model_requested = Signal(int, object, object)
    _server_counter_requested = Signal(object)

    def __init__(self, limits: DocumentLimits | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = DocumentService(limits)
        self.thread = QThread()
        self.thread.setObjectName("documents")
        self.ticket = 0  # the latest batch's
        self._closed = False
        self._worker = _Worker(self.service)
        self._worker.moveToThread(self.thread)
        self.thread.finished.connect(self._worker.deleteLater)
        self._prepare_requested.connect(self._worker.prepare)
        self._render_requested.connect(self._worker.render)
        self._model_requested.connect(self._worker.read_model)
        self._server_counter_requested.connect(self._worker.count_on_server)
        for name in ("planned", "page_ready", "kept", "failed", "finished", "rendered",
                     "render_failed", "tiling_read"):
            getattr(self._worker, name).connect(getattr(self, name))

    def open(self, sources: Sequence[DocumentSource], params: TilingParams, *,
             sink: PageSink | None = None, keep: KeepDocument | None = None,
             budget: int | None = None, question: str = "",
             modes: Mapping[str, Mapping[int, str]] | None = None) -> int:
        """Plan and render `sources` under `params` within `budget` context positions,
        superseding every earlier batch; returns the batch's ticket (its signals carry
        it)."""
        self.ticket += 1
        self._worker.latest = self.ticket
        self._start()
        self._prepare_requested.emit(DocumentBatch(self.ticket, tuple(sources), params,
                                                   sink, keep, budget, question,
                                                   dict(modes or {})))
        return self.ticket

    def cancel(self) -> None:
        """Supersede every batch: pages still to come are dropped."""
        self.ticket += 1
        self._worker.latest = self.ticket

    def render(self, ticket: int, source: DocumentSource, page: int,
               size: tuple[int, int]) -> None:
        """Render page `page` (0-based) of `source` at `size` again, for batch `ticket`:
        `rendered` or `render_failed` follows unless the batch is superseded first."""
        self._start()
        self._render_requested.emit(ticket, source, page, size)

    def read_model(self, request_id: int, llm: Path, mmproj: Path | None) -> None:
        """Read the model's tokenizer and its projector's tiling (None without one) off
        the GUI thread, for planning: `tiling_read` follows."""
        self._start()
        self._model_requested.emit(request_id, Path(llm), Path(mmproj) if mmproj else None)

    def count_on_server(self, server: ServerConfig) -> None:
        """From now on count text pages with `server`'s tokenizer (until `read_model`)."""
        self._start()
        self._server_counter_requested.emit(server)

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def _start(self) -> None:
        if not self.thread.isRunning() and not self._closed:
            self.thread.start()

    def shutdown(self) -> None:
        """Cut a running document call short, stop the thread, end the worker process;
        idempotent. Must run before this object is destroyed: Qt aborts the process when
        a running QThread is deleted."""
        self._closed = True
        self._worker.latest = 1 << 62  # every batch in flight is now superseded
        self.service.close()  # a call in progress ends now (the worker is killed)
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
        self.service.close()  # a call that raced with the first close may have restarted it
        self._worker.close_counter()  # (the thread is stopped: no batch is using it)
