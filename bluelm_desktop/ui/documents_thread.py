"""The app's one documents thread and its one `DocumentService` (so one worker process).

A dropped file is opened, planned and previewed for the document panel and rendered into
tiles for the engine; both happen here, on one QThread, through one service, so the
file is read by one worker process. The panel and the engine bridge each put their
worker object on this thread (`adopt`) and talk to it through queued signals; the
service is thread-safe besides (its calls are serialized), and PyMuPDF and the decoders
run in its child process, never in the app.

Whoever makes it shuts it down, after the panels that use it (`MainWindow.shutdown`); a
panel or bridge made without one makes and owns its own.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread

from bluelm_desktop.core.documents import DocumentLimits, DocumentService


class DocumentsThread(QObject):
    """One QThread and one DocumentService, shared by the objects that `adopt` it."""

    def __init__(self, limits: DocumentLimits | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = DocumentService(limits)
        self.thread = QThread()
        self.thread.setObjectName("documents")
        self._closed = False

    def adopt(self, worker: QObject) -> None:
        """Run `worker`'s slots on this thread from now on (it is deleted with the thread)."""
        worker.moveToThread(self.thread)
        self.thread.finished.connect(worker.deleteLater)
        if not self.thread.isRunning() and not self._closed:
            self.thread.start()

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def shutdown(self) -> None:
        """Cut a running document call short, stop the thread, end the worker process;
        idempotent. Must run before this object is destroyed: Qt aborts the process when
        a running QThread is deleted."""
        self._closed = True
        self.service.close()  # a call in progress ends now (the worker is killed)
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
        self.service.close()  # a call that raced with the first close may have restarted it
