"""Downloading a model pair from the built-in catalog, with progress and cancel.

- `ModelDownloads` runs `core.models.download_pair` on a thread of its own (a download
  takes minutes; the model library's thread stays free for scans) and reports through
  signals. Progress arrives after every 256 KiB chunk; it is passed on at most every
  `PROGRESS_INTERVAL_S`, so a fast connection cannot flood the GUI thread.
- `CatalogModel` presents the catalog to a table view (data in the model, not widgets).
- `DownloadDialog` is the window: choose a model, download, watch, cancel. The download
  belongs to `ModelDownloads`, not to the dialog, so closing the dialog keeps it running
  (the models page shows its progress) and reopening shows it again.

Network code runs only here, and only when the user clicks Download.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThread,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.errors import BlueLMError, Line
from bluelm_desktop.core.gguf.summary import format_bytes
from bluelm_desktop.core.models import (
    CATALOG,
    CatalogEntry,
    DownloadCancelled,
    DownloadProgress,
    download_pair,
    final_paths,
    staging_dir,
)
from bluelm_desktop.core.models import download as net
from bluelm_desktop.ui.i18n import tr_line
from bluelm_desktop.ui.messages import error_line

PROGRESS_INTERVAL_S: Final = 0.1
COL_TITLE, COL_FAMILY, COL_SIZE, COL_STATE = range(4)
AnyIndex = QModelIndex | QPersistentModelIndex


class _DownloadWorker(QObject):
    progress = Signal(object)  # DownloadProgress
    finished = Signal(str, object)  # entry id, LLM path
    failed = Signal(str, str)  # entry id, one line
    stopped = Signal(str)  # entry id

    def __init__(self, endpoint: str | None) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.cancel = threading.Event()

    @Slot(object, object)
    def run(self, entry: CatalogEntry, models_dir: Path) -> None:
        last = [0.0]

        def report(p: DownloadProgress) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or p.verifying or p.done >= p.total:
                last[0] = now
                self.progress.emit(p)

        try:
            llm, _ = download_pair(entry, models_dir, endpoint=self.endpoint,
                                   progress=report, cancel=self.cancel)
        except DownloadCancelled:
            self.stopped.emit(entry.id)
        except net.NetworkError as e:
            self.failed.emit(entry.id, network_line(e))
        except BlueLMError as e:
            self.failed.emit(entry.id, error_line(e))
        except Exception as e:  # one line for the status, never a dead thread
            self.failed.emit(entry.id, f"{entry.title}: {error_line(e)}")
        else:
            self.finished.emit(entry.id, llm)


def network_line(e: net.NetworkError) -> str:
    """One sentence, in the interface language, naming the server and what went wrong
    ("Could not reach huggingface.co: no network connection (name lookup failed).")."""
    translate = QCoreApplication.translate
    reason = e.reason
    if reason == net.NAME_LOOKUP:
        line = translate("ModelDownloads",
                         "Could not reach {host}: no network connection (name lookup failed).")
    elif reason == net.UNREACHABLE:
        line = translate("ModelDownloads",
                         "Could not reach {host}: no network connection (network unreachable).")
    elif reason == net.REFUSED:
        line = translate("ModelDownloads", "Could not reach {host}: the connection was refused.")
    elif reason == net.TIMEOUT:
        line = translate("ModelDownloads", "Could not reach {host}: it did not answer in time.")
    elif reason == net.TLS_CERTIFICATE:
        line = translate("ModelDownloads",
                         "Could not reach {host} safely: its certificate is not trusted "
                         "({detail}).")
    elif reason == net.TLS:
        line = translate("ModelDownloads",
                         "Could not reach {host} safely: the encrypted connection failed "
                         "({detail}).")
    elif reason == net.BROKEN:
        line = translate("ModelDownloads", "The connection to {host} broke off ({detail}).")
    elif reason == net.HTTP:
        line = _http_line(e.status or 0)
    else:
        line = translate("ModelDownloads", "Could not reach {host} ({detail}).")
    line = line.format(host=e.host, detail=e.detail, file=e.file, status=e.status)
    if e.attempts:
        line += " " + translate(
            "ModelDownloads", "Tried {count} times; downloading again resumes what was kept."
        ).format(count=e.attempts)
    return line


def _http_line(status: int) -> str:
    """The sentence for an HTTP error status, with {host}, {file} and {status} to fill."""
    translate = QCoreApplication.translate
    if status == 404:
        return translate("ModelDownloads", "{host} has no {file} (HTTP 404): the catalog "
                         "entry may be out of date.")
    if status in (401, 403):
        return translate("ModelDownloads", "{host} refused {file} (HTTP {status}): the "
                         "repository may be private or gated.")
    if status == 429:
        return translate("ModelDownloads", "{host} is busy (HTTP 429, too many requests): "
                         "try again later.")
    if status >= 500:
        return translate("ModelDownloads", "{host} could not send {file} (HTTP {status}, a "
                         "problem on the server): try again later.")
    return translate("ModelDownloads", "{host} could not send {file} (HTTP {status}).")


class ModelDownloads(QObject):
    """One download at a time, on its own thread; `shutdown()` cancels and joins it."""

    progress = Signal(object)  # DownloadProgress
    finished = Signal(str, object)  # entry id, the installed LLM's path
    failed = Signal(str, str)  # entry id, one line
    stopped = Signal(str)  # entry id: cancelled by the user; the partial file is kept
    running_changed = Signal(bool)

    _start = Signal(object, object)

    def __init__(self, models_dir: Path, endpoint: str | None = None,
                 catalog: tuple[CatalogEntry, ...] = CATALOG,
                 parent: QObject | None = None) -> None:
        """`endpoint` None: the Hugging Face hub (huggingface_hub honours HF_ENDPOINT)."""
        super().__init__(parent)
        self.models_dir = Path(models_dir)
        self.catalog = catalog
        self.current: CatalogEntry | None = None
        self.last_progress: DownloadProgress | None = None
        self._thread = QThread()
        self._thread.setObjectName("downloads")
        self._worker = _DownloadWorker(endpoint)
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._start.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.stopped.connect(self._on_stopped)
        self._thread.start()
        self._closed = False

    @property
    def running(self) -> bool:
        return self.current is not None

    def start(self, entry: CatalogEntry) -> bool:
        """Download `entry` (resuming a partial file); False if one is running already."""
        if self.running or self._closed:
            return False
        self.current, self.last_progress = entry, None
        self._worker.cancel.clear()
        self.running_changed.emit(True)
        self._start.emit(entry, self.models_dir)
        return True

    def cancel(self) -> None:
        """Stop within a chunk; `stopped` follows. What was fetched is kept for a resume."""
        self._worker.cancel.set()

    def shutdown(self) -> None:
        """Cancel a running download and join the thread; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._worker.cancel.set()
        self._thread.quit()
        self._thread.wait()

    def state_of(self, entry: CatalogEntry) -> str:
        """What the catalog's State column says: installed, partly downloaded, or ''."""
        llm, mmproj = final_paths(entry, self.models_dir)
        if llm.is_file() and mmproj.is_file():
            return self.tr("Installed")
        if self.current is not None and self.current.id == entry.id:
            return self.tr("Downloading…")
        staging = staging_dir(entry, self.models_dir)
        if staging.is_dir() and any(staging.iterdir()):
            return self.tr("Partly downloaded (resumes)")
        return ""

    def _end(self) -> None:
        self.current = None
        self.running_changed.emit(False)

    @Slot(object)
    def _on_progress(self, p: DownloadProgress) -> None:
        self.last_progress = p
        self.progress.emit(p)

    @Slot(str, object)
    def _on_finished(self, entry_id: str, llm: Path) -> None:
        self._end()
        self.finished.emit(entry_id, llm)

    @Slot(str, str)
    def _on_failed(self, entry_id: str, message: str) -> None:
        self._end()
        self.failed.emit(entry_id, message)

    @Slot(str)
    def _on_stopped(self, entry_id: str) -> None:
        self._end()
        self.stopped.emit(entry_id)


def progress_text(p: DownloadProgress) -> str:
    """"Downloading mmproj-….gguf: 120 MiB of 580 MiB (21 %)" or "Checking …"."""
    if p.verifying:
        return f"Checking {p.file_name} (sha256)…"
    return (f"Downloading {p.file_name}: {format_bytes(p.done)} of {format_bytes(p.total)} "
            f"({p.fraction:.0%})")


class CatalogModel(QAbstractTableModel):
    """The catalog's entries as rows; the State column asks the downloads object."""

    def __init__(self, downloads: ModelDownloads, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.downloads = downloads
        self.entries = downloads.catalog
        self._titles = (self.tr("Model"), self.tr("Projector"), self.tr("Download size"),
                        self.tr("State"))

    def entry_at(self, row: int) -> CatalogEntry:
        return self.entries[row]

    def refresh_states(self) -> None:
        if self.entries:
            self.dataChanged.emit(self.index(0, COL_STATE),
                                  self.index(len(self.entries) - 1, COL_STATE))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._titles)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._titles[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == COL_TITLE:
                return entry.title
            if column == COL_FAMILY:
                return entry.family
            if column == COL_SIZE:
                return f"≈ {format_bytes(entry.size_bytes)}"
            return self.downloads.state_of(entry)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{entry.repo_id}\n{entry.llm_file}\n{entry.mmproj_file}"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == COL_SIZE:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None


class DownloadDialog(QDialog):
    """Choose a catalog model and download it. The models page rescans when one is
    installed (it listens to `ModelDownloads`, so that works with this dialog closed)."""

    def __init__(self, downloads: ModelDownloads, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Download a model"))
        self.resize(760, 460)
        self.downloads = downloads
        intro = QLabel(self.tr(
            "Vision models that llama.cpp runs, from the Hugging Face hub. Both files are "
            "checked against the hub's sha256 before the model is used. Nothing but the "
            "file requests leaves this computer, and only when you click Download."))
        intro.setWordWrap(True)
        self.catalog = CatalogModel(downloads, parent=self)
        self.table = QTableView()
        self.table.setModel(self.catalog)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for column in (COL_FAMILY, COL_SIZE, COL_STATE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel download"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.download_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.download_button.clicked.connect(self.start_selected)
        self.cancel_button.clicked.connect(downloads.cancel)
        self.table.selectionModel().selectionChanged.connect(self._update)
        downloads.progress.connect(self._on_progress)
        downloads.finished.connect(self._on_finished)
        downloads.failed.connect(self._on_failed)
        downloads.stopped.connect(self._on_stopped)
        downloads.running_changed.connect(self._update)
        if self.catalog.rowCount():
            self.table.selectRow(0)
        if downloads.last_progress is not None and downloads.running:
            self._on_progress(downloads.last_progress)
        self._update()

    def selected(self) -> CatalogEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.catalog.entry_at(rows[0].row()) if rows else None

    @Slot()
    def start_selected(self) -> None:
        entry = self.selected()
        if entry is not None and self.downloads.start(entry):
            self.bar.setValue(0)
            self.status.setText(self.tr("Asking the hub for {name}…").format(name=entry.title))
            self.catalog.refresh_states()

    @Slot()
    def _update(self) -> None:
        entry = self.selected()
        running = self.downloads.running
        if entry is not None:
            self.details.setText(f"{tr_line(Line.of(entry.description))}\n{entry.repo_id} · "
                                 f"{tr_line(Line.of(entry.licence))}")
        installed = entry is not None and all(p.is_file() for p in final_paths(
            entry, self.downloads.models_dir))
        self.download_button.setEnabled(entry is not None and not running and not installed)
        self.cancel_button.setEnabled(running)
        self.bar.setVisible(running or self.bar.value() > 0)
        self.catalog.refresh_states()

    @Slot(object)
    def _on_progress(self, p: DownloadProgress) -> None:
        self.bar.setVisible(True)
        self.bar.setValue(round(p.fraction * 1000))
        self.status.setText(progress_text(p))

    @Slot(str, object)
    def _on_finished(self, _entry_id: str, llm: Path) -> None:
        self.bar.setValue(1000)
        self.status.setText(self.tr("Installed as {name}. It is in the models list now.")
                            .format(name=llm.name))
        self._update()

    @Slot(str, str)
    def _on_failed(self, _entry_id: str, message: str) -> None:
        self.status.setText(self.tr("Download failed: {message}").format(message=message))
        self._update()

    @Slot(str)
    def _on_stopped(self, _entry_id: str) -> None:
        self.status.setText(self.tr("Download cancelled. Download again to resume where it "
                                    "stopped."))
        self._update()
