"""The document panel's loader: opening, planning and rendering a document on the app's
documents thread (`DocumentsThread`), with tickets so a newer document supersedes an
older one. The panel holds a `DocumentLoader`; its worker object runs on that thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot

from bluelm_desktop.core.documents import DocumentLimits, DocumentService
from bluelm_desktop.core.documents.model import DocumentSource
from bluelm_desktop.core.errors import DocumentError
from bluelm_desktop.core.planning import plan_document
from bluelm_desktop.core.vision.tiling import TilingParams
from bluelm_desktop.ui.documents_thread import DocumentsThread

log = logging.getLogger(__name__)


# --- the loader thread ---------------------------------------------------------------------


class _DocumentWorker(QObject):
    """Lives on the documents thread; the panel's side of the shared DocumentService (its
    calls are serialized: the worker process answers one call at a time)."""

    planned = Signal(int, object, object)  # ticket, DocumentPlan, DocumentInfo
    rendered = Signal(int, int, str, object)  # ticket, page index (0-based), purpose, array
    render_failed = Signal(int, int, str, str)  # ticket, page index, purpose, one line
    failed = Signal(int, str)  # ticket, one line

    def __init__(self, service: DocumentService) -> None:
        super().__init__()
        self.service = service
        # Written by the GUI thread, read here between steps: a superseded request is
        # skipped instead of rendered (an int attribute is read atomically under the GIL).
        self.latest_ticket = 0
        self.stopped = False

    def _stale(self, ticket: int) -> bool:
        return self.stopped or ticket != self.latest_ticket

    @Slot(int, object, object)
    def load(self, ticket: int, source: DocumentSource, tiling: TilingParams) -> None:
        if self._stale(ticket):
            return
        try:
            plan = plan_document(self.service, source, tiling)
            info = self.service.probe(source)  # the worker keeps the file open: no re-read
        except DocumentError as e:
            self.failed.emit(ticket, str(e))
        except Exception as e:  # a bug, not the document: still one line, and logged
            log.exception("opening %s failed", source.name)
            self.failed.emit(ticket, self.tr("{name}: unexpected error ({kind}: {error})")
                             .format(name=source.name, kind=type(e).__name__, error=e))
        else:
            self.planned.emit(ticket, plan, info)

    @Slot(int, object, int, object, str)
    def render(self, ticket: int, source: DocumentSource, page: int,
               size: tuple[int, int], purpose: str) -> None:
        if self._stale(ticket):
            return
        try:
            rgb = self.service.render(source, page, size)
        except DocumentError as e:
            self.render_failed.emit(ticket, page, purpose, str(e))
        except Exception as e:
            log.exception("rendering page %d of %s failed", page + 1, source.name)
            self.render_failed.emit(ticket, page, purpose, f"{type(e).__name__}: {e}")
        else:
            self.rendered.emit(ticket, page, purpose, rgb)

    def stop(self) -> None:
        """From the GUI thread: refuse further requests (the thread's owner cuts a running
        one short by closing the service)."""
        self.stopped = True


class DocumentLoader(QObject):
    """The GUI's handle on the loader thread; started on the first document."""

    planned = Signal(int, object, object)
    rendered = Signal(int, int, str, object)
    render_failed = Signal(int, int, str, str)
    failed = Signal(int, str)

    _load_requested = Signal(int, object, object)
    _render_requested = Signal(int, object, int, object, str)

    def __init__(self, limits: DocumentLimits | None, documents: DocumentsThread | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._limits = limits
        # The app's documents thread (shared with the engine bridge: one worker process
        # per dropped file); a panel made alone makes and owns one on its first document.
        self._documents = documents
        self._owns_documents = documents is None
        self._worker: _DocumentWorker | None = None
        self.ticket = 0

    @property
    def running(self) -> bool:
        return (self._worker is not None and self._documents is not None
                and self._documents.running)

    def _ensure_started(self) -> _DocumentWorker:
        if self._worker is not None:
            return self._worker
        if self._documents is None:
            self._documents = DocumentsThread(self._limits)
        worker = _DocumentWorker(self._documents.service)
        self._load_requested.connect(worker.load)
        self._render_requested.connect(worker.render)
        worker.planned.connect(self.planned)
        worker.rendered.connect(self.rendered)
        worker.render_failed.connect(self.render_failed)
        worker.failed.connect(self.failed)
        self._documents.adopt(worker)
        self._worker = worker
        return worker

    def load(self, source: DocumentSource, tiling: TilingParams) -> int:
        """Open and plan `source`; supersedes every earlier request. Returns its ticket."""
        worker = self._ensure_started()
        self.ticket += 1
        worker.latest_ticket = self.ticket
        self._load_requested.emit(self.ticket, source, tiling)
        return self.ticket

    def render(self, source: DocumentSource, page: int, size: tuple[int, int],
               purpose: str) -> None:
        self._render_requested.emit(self.ticket, source, page, size, purpose)

    def cancel(self) -> None:
        """Drop whatever is queued or running for the current document."""
        self.ticket += 1
        if self._worker is not None:
            self._worker.latest_ticket = self.ticket

    def shutdown(self) -> None:
        """Stop the thread and the service's process; idempotent. Must run before this
        object is destroyed: Qt aborts the process when a running QThread is deleted."""
        worker, documents = self._worker, self._documents
        if worker is None or documents is None:
            return
        worker.stop()
        if self._owns_documents:  # (a shared thread is shut down by its owner, after us)
            documents.shutdown()
            self._documents = None
        self._worker = None
