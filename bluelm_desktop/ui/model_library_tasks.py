"""The model page's background work: scanning the models folder, making the demo model,
adding files, finding models other apps downloaded. One thread (`ModelLibraryTasks`), whose
worker object is the only one that touches the library's files; results come back as
queued signals, failures as the app's one error line."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from bluelm_desktop.core.errors import BlueLMError
from bluelm_desktop.core.models.discover import FoundModel
from bluelm_desktop.core.models.library import ModelLibrary, ModelPair
from bluelm_desktop.ui.messages import error_line
from model_convert.demo import create_demo_model

log = logging.getLogger(__name__)


class _LibraryWorker(QObject):
    """Lives on the library thread. Every slot turns any failure into one line."""

    scanned = Signal(int, object)  # ticket, list[ModelPair]
    scan_failed = Signal(int, str)  # ticket, one line
    progress = Signal(str)
    demo_created = Signal(object)  # ModelPair
    added = Signal(object)  # ModelPair
    found = Signal(object)  # list[FoundModel]
    found_added = Signal(object)  # list[ModelPair], failures with their error
    failed = Signal(str)

    def __init__(self, library: ModelLibrary) -> None:
        super().__init__()
        self._library = library

    @Slot(int)
    def scan(self, ticket: int) -> None:
        try:
            pairs = self._library.scan()
        except Exception as e:  # scan reports bad files itself; this is a bug or a dead disk
            log.exception("scanning the model library failed")
            self.scan_failed.emit(ticket, _one_line(
                e, QCoreApplication.translate("ModelSetup", "Could not scan the models")))
            return
        self.scanned.emit(ticket, pairs)

    @Slot()
    def create_demo(self) -> None:
        try:
            pair = create_demo_model(self._library.models_dir, self.progress.emit,
                                     self._library.work_dir)
        except Exception as e:
            _log_failure(e, "creating the demo model")
            self.failed.emit(_one_line(
                e, QCoreApplication.translate("ModelSetup", "Could not create the demo model")))
            return
        self.demo_created.emit(pair)

    @Slot()
    def find(self) -> None:
        try:
            found = self._library.find_on_computer()
        except Exception as e:  # finding reports nothing bad by design: this is a bug
            _log_failure(e, "finding models on this computer")
            self.failed.emit(_one_line(e, QCoreApplication.translate(
                "ModelSetup", "Could not look for models")))
            return
        self.found.emit(found)

    @Slot(object)
    def add_found(self, found: list[FoundModel]) -> None:
        try:
            pairs = self._library.add_found(found)
        except Exception as e:
            _log_failure(e, "adding found models")
            self.failed.emit(_one_line(e, QCoreApplication.translate(
                "ModelSetup", "Could not add the models")))
            return
        self.found_added.emit(pairs)

    @Slot(object, object)
    def add_external(self, llm: Path, mmproj: Path | None) -> None:
        try:
            pair = self._library.add_external(llm, mmproj)
        except Exception as e:
            _log_failure(e, f"adding {llm}")
            self.failed.emit(_one_line(
                e, QCoreApplication.translate("ModelSetup", "Could not add the files")))
            return
        self.added.emit(pair)


def _log_failure(e: BaseException, doing: str) -> None:
    """Expected failures (bad files) are the user's business; anything else is ours."""
    if isinstance(e, BlueLMError):
        log.info("%s failed: %s", doing, e)
    else:
        log.exception("%s failed", doing)


def _one_line(e: BaseException, doing: str) -> str:
    """The status line for a failure while `doing` something, e.g. "Could not add the files:
    …" (the app's one error line, `messages.error_line`, after what was being done)."""
    return f"{doing}: {error_line(e)}"


class ModelLibraryTasks(QObject):
    """The GUI thread's handle on the library thread: requests in, results out as signals.

    Scans are ticketed so that only the latest one is shown (a slow scan that finishes
    after a newer one must not overwrite it). Demo and add requests are "busy" work: the
    panel disables its buttons until they report back.
    """

    scanned = Signal(object)  # list[ModelPair], latest scan only
    progress = Signal(str)
    demo_created = Signal(object)
    added = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    _scan_requested = Signal(int)
    _demo_requested = Signal()
    _add_requested = Signal(object, object)
    _find_requested = Signal()
    _add_found_requested = Signal(object)
    found = Signal(object)  # list[FoundModel]: other tools' models the library lacks
    found_added = Signal(object)  # list[ModelPair]

    def __init__(self, library: ModelLibrary, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._scan_ticket = 0
        self._busy_jobs = 0
        self._thread = QThread()
        self._thread.setObjectName("model-library")
        self._worker = _LibraryWorker(library)
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._scan_requested.connect(self._worker.scan)
        self._demo_requested.connect(self._worker.create_demo)
        self._add_requested.connect(self._worker.add_external)
        self._find_requested.connect(self._worker.find)
        self._add_found_requested.connect(self._worker.add_found)
        self._worker.found.connect(self._on_found)
        self._worker.found_added.connect(self._on_found_added)
        self._worker.scanned.connect(self._on_scanned)
        self._worker.scan_failed.connect(self._on_scan_failed)
        self._worker.progress.connect(self.progress)
        self._worker.demo_created.connect(self._on_demo_created)
        self._worker.added.connect(self._on_added)
        self._worker.failed.connect(self._on_failed)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._busy_jobs > 0

    def scan(self) -> None:
        self._scan_ticket += 1
        self._scan_requested.emit(self._scan_ticket)

    def create_demo(self) -> None:
        self._begin_busy()
        self._demo_requested.emit()

    def add_external(self, llm: Path, mmproj: Path | None) -> None:
        self._begin_busy()
        self._add_requested.emit(llm, mmproj)

    def find_on_computer(self) -> None:
        self._begin_busy()
        self._find_requested.emit()

    def add_found(self, found: list[FoundModel]) -> None:
        self._begin_busy()
        self._add_found_requested.emit(found)

    def shutdown(self) -> None:
        """Finish the running job and stop the thread; safe to call more than once.

        Must run before this object is destroyed: Qt aborts the process when a running
        QThread is deleted.
        """
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    @Slot(int, object)
    def _on_scanned(self, ticket: int, pairs: list[ModelPair]) -> None:
        if ticket == self._scan_ticket:
            self.scanned.emit(pairs)

    @Slot(int, str)
    def _on_scan_failed(self, ticket: int, message: str) -> None:
        if ticket == self._scan_ticket:
            self.failed.emit(message)

    @Slot(object)
    def _on_demo_created(self, pair: ModelPair) -> None:
        self._end_busy()
        self.demo_created.emit(pair)

    @Slot(object)
    def _on_added(self, pair: ModelPair) -> None:
        self._end_busy()
        self.added.emit(pair)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end_busy()
        self.failed.emit(message)

    @Slot(object)
    def _on_found(self, found: list[FoundModel]) -> None:
        self._end_busy()
        self.found.emit(found)

    @Slot(object)
    def _on_found_added(self, pairs: list[ModelPair]) -> None:
        self._end_busy()
        self.found_added.emit(pairs)

    def _begin_busy(self) -> None:
        self._busy_jobs += 1
        if self._busy_jobs == 1:
            self.busy_changed.emit(True)

    def _end_busy(self) -> None:
        self._busy_jobs = max(0, self._busy_jobs - 1)
        if self._busy_jobs == 0:
            self.busy_changed.emit(False)
