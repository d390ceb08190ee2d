"""The model setup screen: which models the app has, what they cost, and how to get one.

Three parts, each with one job:
- `ModelListModel` holds the scanned `ModelPair`s and presents them to a table view
  (the data lives here, never in widgets).
- `ModelLibraryTasks` (model_library_tasks.py) runs the library's file work (scan, add,
  demo conversion) on one thread of its own and hands results back through signals, so
  the window never freezes on a multi-GiB header or a conversion, and native work
  (llama.cpp's quantizer) always happens on the same thread.
- `ModelSetupPanel` is the widget: buttons, table, details, one status line.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Final

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QCloseEvent, QColor, QFontDatabase, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.gguf.summary import format_bytes, format_summary
from bluelm_desktop.core.models.discover import FoundModel
from bluelm_desktop.core.models.library import (
    N_CTX_ESTIMATE,
    SOURCE_EXTERNAL,
    ModelLibrary,
    ModelPair,
)
from bluelm_desktop.ui.i18n import tr_line
from bluelm_desktop.ui.model_download import DownloadDialog, ModelDownloads, progress_text
from bluelm_desktop.ui.model_library_tasks import ModelLibraryTasks

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex

COL_NAME, COL_KIND, COL_LAYOUT, COL_PRECISION, COL_SIZE, COL_RAM, COL_STATUS = range(7)
# In English here (marked for lupdate), translated where they are shown (`_tr`).
COLUMN_TITLES: Final = (
    QT_TRANSLATE_NOOP("ModelSetup", "Name"),
    QT_TRANSLATE_NOOP("ModelSetup", "Kind"),
    QT_TRANSLATE_NOOP("ModelSetup", "Layout"),
    QT_TRANSLATE_NOOP("ModelSetup", "LLM precision"),
    QT_TRANSLATE_NOOP("ModelSetup", "Size on disk"),
    QT_TRANSLATE_NOOP("ModelSetup", "Est. RAM at {k}k ctx"),
    QT_TRANSLATE_NOOP("ModelSetup", "Status"),
)
_COLUMN_TIPS: Final = {
    COL_KIND: QT_TRANSLATE_NOOP(
        "ModelSetup",
        "“vision + text” models have a vision projector (mmproj) and can read images."),
    COL_LAYOUT: QT_TRANSLATE_NOOP(
        "ModelSetup", "The prompt and tiling layout the model was converted with."),
    COL_PRECISION: QT_TRANSLATE_NOOP(
        "ModelSetup", "Weight types of the language model, largest share first."),
    COL_SIZE: QT_TRANSLATE_NOOP("ModelSetup", "Both files together."),
    COL_RAM: QT_TRANSLATE_NOOP(
        "ModelSetup",
        "Language model with a {tokens}-token context plus the vision encoder for one tile: "
        "weights, KV cache and compute buffers."),
}
# kind and layout values shown in the table, from core/models/library.py
_KIND_LABELS: Final = {
    "vision + text": QT_TRANSLATE_NOOP("ModelSetup", "vision + text"),
    "text only": QT_TRANSLATE_NOOP("ModelSetup", "text only"),
}
_NOT_APPLICABLE: Final = "—"
_ERROR_COLOR: Final = QColor("#b3261e")
_COLUMN_PADDING: Final = 18  # px added to fitted columns: text should not touch the next one
_NUMBER_ALIGNMENT: Final = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _tr(text: str) -> str:
    """A string of the models page in the interface language (module functions, marked
    constants and the classes below share one context)."""
    return QCoreApplication.translate("ModelSetup", text)


def column_title(column: int) -> str:
    return _tr(COLUMN_TITLES[column]).format(k=N_CTX_ESTIMATE // 1024)


def status_text(pair: ModelPair) -> str:
    """The Status column: ready, ready with a caveat, or what is wrong.

    The error comes from core/ as a `Line`, shown in the interface's language."""
    if pair.error is not None:
        return QCoreApplication.translate("ModelSetup", "Error: {error}").format(
            error=tr_line(pair.problem or pair.error))
    if pair.is_demo:
        return QCoreApplication.translate(
            "ModelSetup", "Ready — demo, random weights (answers are noise)")
    if pair.source == SOURCE_EXTERNAL:
        return QCoreApplication.translate("ModelSetup", "Ready (external files, not copied)")
    return QCoreApplication.translate("ModelSetup", "Ready")


def details_text(pair: ModelPair) -> str:
    """What the details pane shows: the inspector's summary of each file, or the error.

    The labels are translated; the inspector's summary below them is technical output
    (tensor types, hyperparameters) and, like `bluelm-convert inspect`, stays in English."""
    lines = [
        QCoreApplication.translate("ModelSetup", "Model:   {name}").format(name=pair.name),
        QCoreApplication.translate("ModelSetup", "Status:  {status}").format(
            status=status_text(pair)),
        QCoreApplication.translate("ModelSetup", "LLM:     {path}").format(path=pair.llm_path),
    ]
    if pair.mmproj_path is not None:
        lines.append(QCoreApplication.translate("ModelSetup", "mmproj:  {path}").format(
            path=pair.mmproj_path))
    if pair.ram_bytes is not None:
        lines.append(QCoreApplication.translate("ModelSetup", "Est. RAM at n_ctx={n_ctx}: {size}")
                     .format(n_ctx=N_CTX_ESTIMATE, size=format_bytes(pair.ram_bytes)))
    for title, summary in (
        (QCoreApplication.translate("ModelSetup", "Language model (LLM)"), pair.llm_summary),
        (QCoreApplication.translate("ModelSetup", "Vision projector (mmproj)"),
         pair.mmproj_summary),
    ):
        if summary is not None:
            lines += ["", f"── {title} " + "─" * 40, format_summary(summary, N_CTX_ESTIMATE)]
    return "\n".join(lines)


class ModelListModel(QAbstractTableModel):
    """The scanned library as table rows; replaced wholesale after each scan."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pairs: list[ModelPair] = []

    def set_pairs(self, pairs: list[ModelPair]) -> None:
        self.beginResetModel()
        self._pairs = list(pairs)
        self.endResetModel()

    def pairs(self) -> list[ModelPair]:
        return list(self._pairs)

    def pair_at(self, row: int) -> ModelPair:
        return self._pairs[row]

    def row_of(self, llm_path: Path) -> int | None:
        """The row of the model whose LLM is `llm_path` (selection survives a rescan)."""
        for row, pair in enumerate(self._pairs):
            if pair.llm_path == llm_path:
                return row
        return None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._pairs)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMN_TITLES)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMN_TITLES):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column_title(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = _COLUMN_TIPS.get(section)
            return _tr(tip).format(tokens=N_CTX_ESTIMATE) if tip else None
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (COL_SIZE, COL_RAM):
            return int(_NUMBER_ALIGNMENT)  # headers of number columns line up with the numbers
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._pairs):
            return None
        pair = self._pairs[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(pair, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_STATUS:
                return status_text(pair)
            if column == COL_NAME:
                files = [str(pair.llm_path)]
                if pair.mmproj_path is not None:
                    files.append(str(pair.mmproj_path))
                return "\n".join(files)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_SIZE, COL_RAM):
            return int(_NUMBER_ALIGNMENT)
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_STATUS and not pair.ok:
            return _ERROR_COLOR
        if role == Qt.ItemDataRole.DecorationRole and column == COL_STATUS and not pair.ok:
            return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return None

    @staticmethod
    def _display(pair: ModelPair, column: int) -> str:
        if column == COL_NAME:
            return pair.name
        if column == COL_STATUS:
            return status_text(pair)
        if column == COL_SIZE:
            return format_bytes(pair.size_bytes) if pair.size_bytes else _NOT_APPLICABLE
        if not pair.ok:
            return _NOT_APPLICABLE  # nothing below is known about a file we cannot read
        if column == COL_KIND:
            return _tr(_KIND_LABELS[pair.kind]) if pair.kind in _KIND_LABELS else pair.kind
        if column == COL_LAYOUT:
            return pair.layout or QCoreApplication.translate("ModelSetup", "other")
        if column == COL_PRECISION:
            return pair.llm_type or _NOT_APPLICABLE
        if column == COL_RAM:
            if pair.ram_bytes is not None:
                return format_bytes(pair.ram_bytes)
            return QCoreApplication.translate("ModelSetup", "unknown")
        return ""


class ModelTableView(QTableView):
    """A table that says what to do when it has no rows, instead of showing a blank grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = ""

    def placeholder_text(self) -> str:
        return self._placeholder

    def set_placeholder_text(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not self._placeholder or model is None or model.rowCount() > 0:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = self.viewport().rect().adjusted(32, 24, -32, -24)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self._placeholder)
        painter.end()


class FoundModelsDialog(QDialog):
    """The models other tools downloaded, each checked to be added (in place)."""

    def __init__(self, found: list[FoundModel], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Models found on this computer"))
        self._found = found
        intro = QLabel(self.tr(
            "These models were downloaded by other apps. Checked ones are added to the "
            "list and used where they are: nothing is copied."))
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Models found"))
        for model in found:
            kind = (self.tr("vision + text, with {file}").format(file=model.mmproj.name)
                    if model.mmproj else self.tr("text only"))
            item = QListWidgetItem(f"{model.tool}: {model.name} — {kind}")
            item.setToolTip(str(model.llm))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton(self.tr("Add checked"),
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(640, 360)

    def chosen(self) -> list[FoundModel]:
        return [m for i, m in enumerate(self._found)
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


class ModelSetupPanel(QWidget):
    """Lists the models, adds external files, creates the demo model, shows file details."""

    models_changed = Signal()  # the table now shows the result of the latest scan
    demo_created = Signal(object)  # ModelPair, after the table has been refreshed

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None,
                 downloads: ModelDownloads | None = None) -> None:
        super().__init__(parent)
        self.tasks = ModelLibraryTasks(library, self)
        # The built-in catalog from the hub by default; tests pass a local fake hub.
        self.downloads = downloads or ModelDownloads(library.models_dir)
        self.downloads.setParent(self)
        self.download_dialog: DownloadDialog | None = None
        self.found_dialog: FoundModelsDialog | None = None
        self.model = ModelListModel(self)
        self._select_after_scan: Path | None = None
        self._demo_to_announce: ModelPair | None = None
        # A result or error of the user's last action stays on the status line through the
        # rescan that follows it; a plain rescan replaces it with the count of models.
        self._keep_status = False

        intro = QLabel(self.tr(
            "A model is a language model GGUF (LLM) and, to read images, its vision "
            "projector GGUF (mmproj). Converted models live in "
            "<code>{folder}</code>; files you add stay where they are."
        ).format(folder=html.escape(str(library.models_dir))))
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.download_button = QPushButton(self.tr("Download a model…"))
        self.download_button.setToolTip(
            self.tr("Get a small vision model (InternVL3, LFM2-VL) from the Hugging Face hub"))
        self.add_button = QPushButton(self.tr("Add GGUF files…"))
        self.add_button.setToolTip(
            self.tr("Use an LLM .gguf you already have, optionally with its mmproj"))
        self.demo_button = QPushButton(self.tr("Create demo model (random weights)"))
        self.demo_button.setToolTip(self.tr(
            "Make a tiny BlueLM-layout model with random weights to try the app offline. "
            "It runs, but its answers are noise."
        ))
        self.find_button = QPushButton(self.tr("Find models on this computer…"))
        self.find_button.setToolTip(self.tr(
            "Look for models LM Studio, Jan and llama.cpp downloaded, and use them where "
            "they are"))
        self.refresh_button = QPushButton(self.tr("Refresh"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.find_button)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)

        self.table = ModelTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Models"))
        self.table.setAccessibleDescription(self.tr(
            "The models on this computer, one a row; “Use this model” chooses the selected "
            "one"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        # Cut long text at the right: a status starts with what matters (which file, what
        # kind of problem); the whole line is in the tooltip and the details pane.
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table.set_placeholder_text(self.tr("Looking for models…"))

        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlaceholderText(self.tr("Select a model to see what its files contain."))
        self.details.setAccessibleName(self.tr("Model details"))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        self.status_label = QLabel()
        # Ignored width: a long error must not widen the window; the tooltip has it all.
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self._normal_status_palette = QPalette(self.status_label.palette())

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_label)

        self.add_button.clicked.connect(self.choose_files_to_add)
        self.find_button.clicked.connect(self.find_on_computer)
        self.tasks.found.connect(self._on_found)
        self.tasks.found_added.connect(self._on_found_added)
        self.download_button.clicked.connect(self.open_downloads)
        self.downloads.progress.connect(lambda p: self._show_info(progress_text(p)))
        self.downloads.finished.connect(self._on_downloaded)
        self.downloads.failed.connect(lambda _id, message: self._show_error(message))
        self.downloads.stopped.connect(
            lambda _id: self._show_info(
                self.tr("Download cancelled; it resumes where it stopped."), keep=True))
        self.demo_button.clicked.connect(self.create_demo)
        self.refresh_button.clicked.connect(self._on_refresh_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.tasks.scanned.connect(self._on_scanned)
        self.tasks.progress.connect(self._show_info)
        self.tasks.demo_created.connect(self._on_demo_created)
        self.tasks.added.connect(self._on_added)
        self.tasks.failed.connect(self._show_error)
        self.tasks.busy_changed.connect(self._on_busy_changed)

        self.refresh()

    # --- actions -------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Rescan in the background; the table keeps its rows until the result arrives."""
        self.tasks.scan()

    @Slot()
    def _on_refresh_clicked(self) -> None:
        self._keep_status = False
        self.refresh()

    @Slot()
    def create_demo(self) -> None:
        self._show_info(self.tr("Creating the demo model…"))
        self.tasks.create_demo()

    @Slot()
    def choose_files_to_add(self) -> None:
        """Ask for the LLM, then (optionally) its projector; cancelling the second = text-only."""
        start = str(Path.home())
        llm, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose the language model (LLM) GGUF"), start, self._gguf_filter()
        )
        if not llm:
            return
        mmproj, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose its vision projector (mmproj) GGUF — Cancel for a text-only model"),
            str(Path(llm).parent),
            self._gguf_filter(),
        )
        self.add_files(Path(llm), Path(mmproj) if mmproj else None)

    @Slot()
    def find_on_computer(self) -> None:
        """Look through LM Studio's, Jan's and llama.cpp's model folders (in the background)."""
        self._show_info(self.tr("Looking for models of LM Studio, Jan and llama.cpp…"))
        self.tasks.find_on_computer()

    def add_files(self, llm: Path, mmproj: Path | None = None) -> None:
        """Check and record external files (no copy); the table updates when done."""
        self._show_info(self.tr("Checking {file}…").format(file=llm.name))
        self.tasks.add_external(llm, mmproj)

    def selected_pair(self) -> ModelPair | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.pair_at(rows[0].row()) if rows else None

    @Slot()
    def open_downloads(self) -> None:
        """The catalog dialog (modeless: the download goes on when it is closed)."""
        if self.download_dialog is None:
            self.download_dialog = DownloadDialog(self.downloads, self)
        self.download_dialog.show()
        self.download_dialog.raise_()

    def shutdown(self) -> None:
        """Stop the library thread (waits for a running job) and cancel a download;
        called on close and quit."""
        self.tasks.shutdown()
        self.downloads.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # --- results -------------------------------------------------------------------------

    @Slot(object)
    def _on_scanned(self, pairs: list[ModelPair]) -> None:
        previous = self.selected_pair()
        keep = self._select_after_scan or (previous.llm_path if previous else None)
        self._select_after_scan = None
        self.model.set_pairs(pairs)
        self._fit_columns()
        self.table.set_placeholder_text(self._empty_text())
        # With nothing to select, an empty details pane would only be a second blank box
        # next to the hint; the table (and its hint) takes the whole height instead.
        self.details.setVisible(bool(pairs))
        row = self.model.row_of(keep) if keep is not None else None
        if row is None:
            # Something is always selected when there is something usable, so the details
            # pane (half the screen) shows a model rather than a placeholder.
            row = next((r for r, pair in enumerate(pairs) if pair.ok), None)
        if row is not None:
            self.table.selectRow(row)
        else:
            self.table.clearSelection()
            self.details.clear()
        if not self.tasks.busy and not self._keep_status:
            self._show_info(self._scan_summary(pairs))
        self.models_changed.emit()
        if self._demo_to_announce is not None:
            demo, self._demo_to_announce = self._demo_to_announce, None
            self.demo_created.emit(demo)

    @Slot(object)
    def _on_demo_created(self, pair: ModelPair) -> None:
        self._show_info(
            self.tr("Created {name} in {folder} — random weights, answers are noise.").format(
                name=pair.name, folder=pair.llm_path.parent),
            keep=True,
        )
        self._select_after_scan = pair.llm_path
        self._demo_to_announce = pair
        self.refresh()

    @Slot(str, object)
    def _on_downloaded(self, _entry_id: str, llm: Path) -> None:
        self._show_info(self.tr("Downloaded and checked {file}.").format(file=llm.name), keep=True)
        self._select_after_scan = llm
        self.refresh()

    @Slot(object)
    def _on_added(self, pair: ModelPair) -> None:
        self._show_info(self.tr("Added {name} ({kind}).").format(
            name=pair.name, kind=_tr(_KIND_LABELS.get(pair.kind, pair.kind))), keep=True)
        self._select_after_scan = pair.llm_path
        self.refresh()

    @Slot(object)
    def _on_found(self, found: list[FoundModel]) -> None:
        if not found:
            self._show_info(self.tr(
                "No models of LM Studio, Jan or llama.cpp found that are not listed here "
                "already."), keep=True)
            return
        dialog = FoundModelsDialog(found, self)
        self.found_dialog = dialog  # tests reach it here
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._add_found(dialog.chosen()))
        dialog.rejected.connect(lambda: self._show_info(
            self.tr("Nothing added."), keep=True))
        dialog.open()

    def _add_found(self, chosen: list[FoundModel]) -> None:
        if not chosen:
            self._show_info(self.tr("Nothing added."), keep=True)
            return
        self._show_info(self.tr("Checking {count} model(s)…").format(count=len(chosen)))
        self.tasks.add_found(chosen)

    @Slot(object)
    def _on_found_added(self, pairs: list[ModelPair]) -> None:
        good = [p for p in pairs if p.ok]
        bad = [p for p in pairs if not p.ok]
        if good:
            self._select_after_scan = good[0].llm_path
        if bad:
            self._show_error(self.tr(
                "Added {added} of {total}; {name} could not be used: {error}").format(
                    added=len(good), total=len(pairs), name=bad[0].name,
                    error=tr_line(bad[0].problem or bad[0].error or "")))
        else:
            self._show_info(self.tr("Added {count} model(s), left where they are.").format(
                count=len(good)), keep=True)
        self.refresh()

    @Slot(bool)
    def _on_busy_changed(self, busy: bool) -> None:
        self.demo_button.setEnabled(not busy)
        self.add_button.setEnabled(not busy)
        self.find_button.setEnabled(not busy)

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        pair = self.selected_pair()
        if pair is None:
            self.details.clear()
        else:
            self.details.setPlainText(details_text(pair))

    # --- presentation --------------------------------------------------------------------

    @Slot(str)
    def _show_info(self, message: str, keep: bool = False) -> None:
        self._keep_status = keep
        self.status_label.setPalette(self._normal_status_palette)
        self.status_label.setText(message)
        self.status_label.setToolTip(message)

    @Slot(str)
    def _show_error(self, message: str) -> None:
        """The one place this panel reports failures: a single line, never a traceback."""
        self._keep_status = True
        palette = self.status_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, _ERROR_COLOR)
        self.status_label.setPalette(palette)
        self.status_label.setText(message)
        self.status_label.setToolTip(message)

    def _empty_text(self) -> str:
        return self.tr(
            "No models yet.\n\n"
            "Click “Download a model…” to get a small vision model from the Hugging Face "
            "hub.\n\n"
            "Or click “Add GGUF files…” to use a model you already have: a language model .gguf "
            "and, to read images, its mmproj .gguf.\n\n"
            "Or click “Create demo model (random weights)” to try the app with a tiny model "
            "made here in a few seconds. It runs like a real one, but its answers are noise."
        )

    def _gguf_filter(self) -> str:
        return self.tr("GGUF files (*.gguf);;All files (*)")

    def _scan_summary(self, pairs: list[ModelPair]) -> str:
        broken = sum(1 for p in pairs if not p.ok)
        if len(pairs) == 1:
            text = self.tr("1 model")
        else:
            text = self.tr("{count} models").format(count=len(pairs))
        if broken:
            return self.tr("{models}, {broken} with problems (see Status).").format(
                models=text, broken=broken)
        return self.tr("{models}.").format(models=text)

    def _fit_columns(self) -> None:
        """Size every column but the last to its contents once per scan (then the user's)."""
        for column in range(COL_STATUS):
            self.table.resizeColumnToContents(column)
            width = self.table.columnWidth(column)
            self.table.setColumnWidth(column, width + _COLUMN_PADDING)
