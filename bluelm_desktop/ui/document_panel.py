"""The document panel: the attached document, its tile grid and what it will cost, shown
*before* anything runs, so the user can choose between a fast answer and reading fine print.

What it shows: page thumbnails (a strip, for documents with more than one page), the
selected page large with the tile grid drawn over it (grid lines, tile numbers, padding,
and the whole-page thumbnail tile beside it), the page's tiles, image tokens and an
estimated encode + prefill time (`core.estimate`), and per-tile encode progress (encoded
tiles tinted). A fast / fine-print switch re-plans with `BUDGET_PRESETS`.

Public API, what the main window uses (everything else is private):

    panel = DocumentPanel(parent=None, *, speed=None, limits=None, documents=None)  # speed: a
                                          # `core.estimate.Speed` (default: FULL's)
    panel.show_document(source, tiling, ticket=None)  # DocumentSource | Path | str,
                                          # TilingParams, the documents batch reading it
    panel.follow(ticket, tiling)          # the same document read again (re-tiled)
    panel.clear()                         # back to the empty state
    panel.set_progress(done, total, page=None)  # tiles encoded of a page (1-based; None:
                                          # the page shown), in encoding order
    panel.set_speed(speed)                # a `core.estimate.Speed` (model chosen / tuned)
    panel.shutdown()                      # stop following (alone: its documents thread too);
                                          # call before destroying
    panel.plan / .source / .tiling / .current_page / .speed   # read-only state

    documentReady(DocumentPlan)  the document was opened and planned; emitted again with
                                 the new plan whenever the switch re-plans it (the window
                                 re-tiles through the controller: `budgetChanged`)
    failed(str)                  the document cannot be opened: one line, naming it
    budgetChanged(object)        int | None: the user flipped the switch (the token cap
                                 per page; None = fine print, no cap); persist it

Threads: the panel reads nothing itself. It follows a batch of the app's document
pipeline (`DocumentsThread`, shared with the engine bridge): the batch that plans the
document and renders each page once, for the engine's tiles, brings the panel its plan
and those very pixels (a page is never rendered twice for the screen and the model).
Only a page whose preview the panel's cache let go is rendered again. A panel made alone
opens its own batch (no engine behind it). Arrays cross threads; only the GUI thread
turns them into QImages and QPixmaps. A document dropped while another is loading
supersedes it, and results for the old one are dropped. Re-planning for the switch is
arithmetic and runs on the GUI thread.

The panel does not accept drops itself: drag events fall through to the window, which
decides what an attachment is.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.documents import DocumentInfo, DocumentLimits
from bluelm_desktop.core.documents.model import DocumentSource
from bluelm_desktop.core.errors import Line
from bluelm_desktop.core.estimate import DEFAULT_SPEED, Speed
from bluelm_desktop.core.planning import (
    BOTH,
    SKIPPED,
    TEXT,
    TILES,
    DocumentPlan,
    PreparedImage,
)
from bluelm_desktop.core.tasks.grounding import Found
from bluelm_desktop.core.vision.tiling import BUDGET_PRESETS, TilingParams
from bluelm_desktop.ui.document_words import (
    describe_info,
    page_cost_words,
    speed_tip,
    total_words,
)
from bluelm_desktop.ui.documents_thread import DocumentsThread
from bluelm_desktop.ui.i18n import tr_line
from bluelm_desktop.ui.page_strip import THUMB_HEIGHT, PageListModel, thumb_size
from bluelm_desktop.ui.tile_overlay import EMPTY_MESSAGE, TileOverlay

log = logging.getLogger(__name__)

AnyIndex = QModelIndex | QPersistentModelIndex

PREVIEW_LONG_SIDE: Final = 1600  # px: sharp on a 4K screen's half, cheap to render
PREVIEW_CACHE: Final = 6  # rendered pages kept, so flipping back and forth does not re-render
PRESET_FAST: Final = "fast"
PRESET_FINE: Final = "fine print"
# In English here (marked for lupdate), translated where they are shown (`_tr`).
_PRESET_LABELS: Final = {PRESET_FAST: QT_TRANSLATE_NOOP("DocumentPanel", "Fast"),
                         PRESET_FINE: QT_TRANSLATE_NOOP("DocumentPanel", "Fine print")}


# The checked preset in the highlight colour: Fusion's sunken grey is easy to miss.
_SWITCH_STYLE: Final = (
    "QToolButton { padding: 3px 10px; }"
    "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
    " border: 1px solid palette(highlight); border-radius: 3px; }"
)


def _tr(text: str) -> str:
    """A string of the panel in the interface language (the module's functions and its
    marked constants share the panel's context)."""
    return QCoreApplication.translate("DocumentPanel", text)


# --- pixels --------------------------------------------------------------------------------


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """A uint8 (H, W, 3) RGB array as a QImage that owns its pixels (safe after the array
    is gone). Any thread may call it; turning the QImage into a QPixmap is the GUI's job."""
    array = np.ascontiguousarray(rgb, dtype=np.uint8)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"need an (H, W, 3) RGB array, got shape {array.shape}")
    h, w = array.shape[:2]
    return QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def fit_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(width, height) scaled to `long_side` on the longer side, never enlarged."""
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def preset_of(budget: int | None) -> str | None:
    """The preset name whose token cap is `budget`, or None for a custom cap."""
    for name, value in BUDGET_PRESETS.items():
        if value == budget:
            return name
    return None


class DocumentPanel(QWidget):
    """The attached document, its tile plan and its cost (see the module docstring)."""

    documentReady = Signal(object)  # DocumentPlan
    failed = Signal(str)
    budgetChanged = Signal(object)  # int | None
    pageModeChanged = Signal(int, str)  # page (1-based), planning.TEXT / TILES / BOTH

    def __init__(self, parent: QWidget | None = None, *, speed: Speed | None = None,
                 limits: DocumentLimits | None = None,
                 documents: DocumentsThread | None = None) -> None:
        super().__init__(parent)
        # The app's document pipeline (shared with the engine bridge: the panel shows the
        # batch the bridge encodes); a panel made alone makes and owns its own.
        self._owns_documents = documents is None
        self._documents = documents if documents is not None else DocumentsThread(limits, self)
        self._ticket = 0  # the batch followed: its first document is the one shown
        self._batch_done = False  # every page of the batch has come (or failed)
        self._speed = speed or DEFAULT_SPEED
        self._tiling = TilingParams(max_image_tokens=BUDGET_PRESETS[PRESET_FINE])
        self._source: DocumentSource | None = None
        self._info: DocumentInfo | None = None
        self._arrived: set[int] = set()  # pages whose pixels came with the batch
        self._found: dict[int, list[tuple[float, float, float, float]]] = {}  # page → boxes
        self._plan: DocumentPlan | None = None
        self._page = 0  # 0-based row of the page shown
        self._previews: OrderedDict[int, QPixmap] = OrderedDict()
        self._preview_pending: int | None = None
        self._progress: dict[int, tuple[int, int]] = {}  # page (1-based) → (done, total)

        self.title_label = QLabel(self.tr("Document"))
        title_font = QFont(self.title_label.font())
        title_font.setBold(True)
        self.title_label.setFont(title_font)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.details_label = QLabel()
        self.details_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                         QSizePolicy.Policy.Preferred)
        _muted(self.details_label)

        self.budget_buttons = QButtonGroup(self)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        detail = QLabel(self.tr("Detail:"))
        detail.setToolTip(self.tr("How many tiles a page is cut into: more tiles read smaller "
                                  "text and take longer."))
        switch.addWidget(detail)
        switch.addSpacing(6)
        for i, (name, budget) in enumerate(BUDGET_PRESETS.items()):
            button = QToolButton()
            button.setText(_preset_label(name))
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setToolTip(_preset_tip(name, budget))
            button.setAccessibleName(self.tr("Detail: {preset}").format(
                preset=_preset_label(name)))
            button.setProperty("preset", name)
            button.setStyleSheet(_SWITCH_STYLE)
            self.budget_buttons.addButton(button, i)
            switch.addWidget(button)
        self.budget_buttons.setExclusive(True)

        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title_label)
        titles.addWidget(self.details_label)
        header.addLayout(titles, 1)
        header.addLayout(switch)

        self.overlay = TileOverlay()

        self.pages = PageListModel(self)
        self.strip = QListView()
        self.strip.setModel(self.pages)
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.strip.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.strip.setIconSize(QSize(THUMB_HEIGHT, THUMB_HEIGHT))
        self.strip.setSpacing(2)
        self.strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setFixedHeight(THUMB_HEIGHT + self.strip.fontMetrics().height() + 22)
        self.strip.setVisible(False)
        self.strip.setAccessibleName(self.tr("Pages"))
        self.strip.setAccessibleDescription(self.tr("The document's pages; the one chosen is "
                                                    "shown with its tiles above"))

        self.cost_label = QLabel()
        self.cost_label.setTextFormat(Qt.TextFormat.RichText)
        self.cost_label.setWordWrap(True)
        self.mode_label = QLabel(self.tr("Send this page as:"))
        self.mode_box = QComboBox()
        for mode, label in ((TEXT, self.tr("its text layer")), (TILES, self.tr("tiles")),
                            (BOTH, self.tr("text layer and tiles"))):
            self.mode_box.addItem(label, mode)
        self.mode_box.setAccessibleName(self.tr("Send this page as"))
        self.mode_box.setToolTip(self.tr(
            "A page whose PDF holds its words goes as that text (exact, fast); tiles let "
            "the model see what the words miss: stamps, signatures, handwriting, charts."))
        self.mode_label.setBuddy(self.mode_box)
        self.mode_box.activated.connect(self._on_mode_chosen)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.mode_label)
        mode_row.addWidget(self.mode_box)
        mode_row.addStretch(1)
        self.total_label = QLabel()
        self.total_label.setWordWrap(True)
        self.total_label.setVisible(False)
        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._status_palette = QPalette(self.status_label.palette())

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.overlay, 1)
        layout.addWidget(self.strip)
        layout.addWidget(self.cost_label)
        layout.addLayout(mode_row)
        layout.addWidget(self.total_label)
        layout.addWidget(self.status_label)

        self.budget_buttons.idClicked.connect(self._on_budget_clicked)
        self.strip.selectionModel().currentChanged.connect(self._on_page_chosen)
        d = self._documents
        d.planned.connect(self._on_planned)
        d.page_ready.connect(self._on_page_ready)
        d.failed.connect(self._on_failed)
        d.finished.connect(self._on_finished)
        d.rendered.connect(self._on_rendered)
        d.render_failed.connect(self._on_render_failed)
        self._sync_switch()
        self._reset()
        self._show_empty()
        # A safety net for an embedder that forgets shutdown(): a running QThread that is
        # destroyed at exit aborts the process.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # --- public API ------------------------------------------------------------------------

    @property
    def plan(self) -> DocumentPlan | None:
        """The plan of the document shown, under the switch's current budget."""
        return self._plan

    @property
    def source(self) -> DocumentSource | None:
        return self._source

    @property
    def tiling(self) -> TilingParams:
        """The tiling params in force (the model's, with the switch's token cap)."""
        return self._tiling

    @property
    def current_page(self) -> int:
        """The page shown, 1-based."""
        return self._page + 1

    @property
    def speed(self) -> Speed:
        return self._speed

    def show_document(self, source: DocumentSource | Path | str, tiling: TilingParams,
                      ticket: int | None = None) -> None:
        """Show `source` planned under `tiling`, as the documents batch `ticket` reads it
        (the batch the engine bridge encodes: `add_documents`' ticket, `source` its first
        document); without a ticket the panel opens `source` itself.

        The switch follows `tiling.max_image_tokens`. Supersedes a document still loading.
        `documentReady` or `failed` follows.
        """
        src = DocumentSource.of(source)
        self._reset()
        self._source = src
        self._tiling = tiling
        self._sync_switch()
        for button in self.budget_buttons.buttons():  # a budget shrinks only our grids
            button.setEnabled(not tiling.whole_image)
        self.title_label.setText(src.name)
        self.title_label.setToolTip(str(src.path) if src.path is not None else src.name)
        self.details_label.setText(self.tr("Opening…"))
        self.overlay.set_message(self.tr("Opening {name}…").format(name=src.name))
        self._ticket = ticket if ticket is not None else self._documents.open([src], tiling)

    def show_found(self, found: Sequence[Found]) -> None:
        """Mark on the pages where the last answer's values are printed (boxes as
        fractions of the page); for the document shown, the rest ignored."""
        self._found = {}
        if self._plan is not None:
            for f in found:
                if f.document == self._plan.file:
                    self._found.setdefault(f.page - 1, []).extend(f.boxes)
        self.overlay.set_highlights(self._found.get(self._page, []))
        if self._found:
            pages = ", ".join(str(p + 1) for p in sorted(self._found))
            self._set_status(self.tr("The answer's values are marked on page {pages}.")
                             .format(pages=pages))

    def follow(self, ticket: int, tiling: TilingParams) -> None:
        """The document shown is being read again, as batch `ticket`, under `tiling` (the
        switch was flipped, or another model loaded): re-plan it now, and take its pages'
        pixels from the new batch."""
        self._ticket = ticket
        self._batch_done = False
        self._arrived.clear()
        self.set_budget(tiling.max_image_tokens, tiling)

    def clear(self) -> None:
        """Forget the document and cancel its loading; the switch keeps its setting."""
        self._reset()
        self._show_empty()

    def set_progress(self, done: int, total: int, page: int | None = None) -> None:
        """`done` of `total` tiles of `page` (1-based; None: the page shown) are encoded,
        counted in encoding order (grid tiles row by row, then the thumbnail).

        Progress whose total is not the page's current tile count belongs to a plan that
        has been replaced (the switch was flipped while encoding ran) and is ignored.
        """
        if self._plan is None:
            return
        number = self.current_page if page is None else page
        if not 1 <= number <= len(self._plan.pages):
            return
        done = max(0, min(done, total))
        if self._plan.pages[number - 1].plan.whole_image:
            # the model's own slices, as many as llama.cpp made: the one drawn tile (the
            # page) counts as encoded when all of them are
            self._progress[number] = (int(done == total), 1)
            if number == self.current_page:
                self.overlay.set_done(int(done == total))
        elif self._plan.pages[number - 1].plan.tiles != total:
            return
        else:
            self._progress[number] = (done, total)
            if number == self.current_page:
                self.overlay.set_done(done)
        if done < total:
            self._set_status(self.tr("Encoding page {page}: {done} of {total} tiles").format(
                page=number, done=done, total=total))
        else:
            self._set_status(self.tr("Page {page} encoded ({total} tiles)").format(
                page=number, total=total))

    def set_speed(self, speed: Speed) -> None:
        """Use `speed` for the estimates from now on (a model was chosen, or measured)."""
        self._speed = speed
        self._update_cost()

    def shutdown(self) -> None:
        """Stop following; a panel made alone also stops its documents thread and process.
        Idempotent. Call it before the panel is destroyed (the main window's shutdown does)."""
        self._ticket = 0
        if self._owns_documents:
            self._documents.shutdown()

    # --- loading ---------------------------------------------------------------------------

    def _reset(self) -> None:
        if self._owns_documents and self._ticket:
            self._documents.cancel()
        self._ticket = 0
        self._batch_done = False
        self._arrived.clear()
        self._found = {}
        self.overlay.set_highlights([])
        self._source = self._info = self._plan = None
        self._page = 0
        self._previews.clear()
        self._preview_pending = None
        self._progress.clear()
        self.pages.set_pages([])
        self.strip.setVisible(False)
        self.overlay.set_page(None, None)
        self.cost_label.clear()
        self.cost_label.setVisible(False)
        self.total_label.clear()
        self.total_label.setVisible(False)
        self._set_status("")

    def _show_empty(self) -> None:
        self.title_label.setText(self.tr("Document"))
        self.title_label.setToolTip("")
        self.details_label.setText(self.tr("Nothing attached"))
        self.overlay.set_message(_tr(EMPTY_MESSAGE))

    @Slot(int, int, object)
    def _on_planned(self, ticket: int, index: int, plan: DocumentPlan) -> None:
        if ticket != self._ticket or index != 0 or self._source is None:
            return
        if self._plan is not None:
            return  # read again (`follow`): the panel has re-planned it already
        # The switch may have been flipped while the file was opening: plan with the
        # params in force now (arithmetic; the same plan when nothing changed).
        plan = plan.replanned(self._tiling)
        info = plan.info
        assert info is not None
        self._plan, self._info = plan, info
        self.details_label.setText(describe_info(info))
        self.pages.set_pages(plan.pages)
        multi = len(plan.pages) > 1
        self.strip.setVisible(multi)
        self._page = 0
        if multi:
            self.strip.setCurrentIndex(self.pages.index(0))
        self._show_page()
        self._set_status(" ".join(tr_line(note) for note in plan.all_notes))
        self.documentReady.emit(plan)

    @Slot(int, object)
    def _on_page_ready(self, ticket: int, page: PreparedImage) -> None:
        """A page of the batch, rendered for its tiles: the panel shows those pixels."""
        if (ticket != self._ticket or self._plan is None or page.pixels is None
                or page.document != self._plan.file):
            return
        self._arrived.add(page.page)
        planned = self._plan.pages[page.page]
        if page.mode != planned.mode:  # the render found ink the text layer lacks
            pages = list(self._plan.pages)
            pages[page.page] = replace(planned, mode=page.mode)
            self._plan = replace(self._plan, pages=pages)
            if page.page == self._page:
                self._show_page()
        self._on_rendered(ticket, page.page, page.pixels)

    @Slot(int, int, str, object)
    def _on_failed(self, ticket: int, index: int, name: str, line: Line) -> None:
        if ticket != self._ticket or index != 0:
            return
        message = tr_line(line)
        if self._plan is not None:  # planned, then a page failed: say so, keep the rest
            self._batch_done = True
            self._set_status(message, error=True)
            return
        name = self._source.name if self._source is not None else self.tr("Document")
        self._reset()
        self.title_label.setText(name)
        self.details_label.setText(self.tr("Could not be opened"))
        self.overlay.set_message(message, error=True)  # once, large: not again below
        self.failed.emit(message)

    @Slot(int)
    def _on_finished(self, ticket: int) -> None:
        if ticket == self._ticket:
            self._batch_done = True
            if self._plan is not None and self._page not in self._previews:
                self._show_page()  # its pixels did not come: ask for them

    @Slot(int, int, object)
    def _on_rendered(self, ticket: int, page: int, rgb: np.ndarray) -> None:
        if ticket != self._ticket or self._plan is None:
            return
        pixmap = QPixmap.fromImage(rgb_to_qimage(rgb))  # GUI thread: the only pixmap maker
        if max(pixmap.width(), pixmap.height()) > PREVIEW_LONG_SIDE:
            pixmap = pixmap.scaled(*fit_size(pixmap.width(), pixmap.height(),
                                             PREVIEW_LONG_SIDE),
                                   Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self._previews[page] = pixmap
        self._previews.move_to_end(page)
        while len(self._previews) > PREVIEW_CACHE:
            self._previews.popitem(last=False)
        if self._preview_pending == page:
            self._preview_pending = None
        if page == self._page:
            self.overlay.set_pixmap(pixmap)
        if len(self._plan.pages) > 1:
            self.pages.set_thumbnail(page, pixmap.scaled(
                *thumb_size(pixmap.width(), pixmap.height()),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))

    @Slot(int, int, str)
    def _on_render_failed(self, ticket: int, page: int, message: str) -> None:
        if ticket != self._ticket:
            return
        if self._preview_pending == page:
            self._preview_pending = None
        if page == self._page:
            self.overlay.set_message(self.tr("Page {page} could not be shown: {message}")
                                     .format(page=page + 1, message=message), error=True)
            self._set_status(message, error=True)

    # --- pages and plans ---------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_page_chosen(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._plan is None or not current.isValid() or current.row() == self._page:
            return
        self._page = current.row()
        self._show_page()

    def _show_page(self) -> None:
        """Show the current page's plan at once, and its pixels when they arrive."""
        assert self._plan is not None and self._source is not None
        page = self._plan.pages[self._page]
        pixmap = self._previews.get(self._page)
        self.overlay.set_page(page.plan, pixmap, tiles=page.sends_tiles)
        self.overlay.set_highlights(self._found.get(self._page, []))
        done, total = self._progress.get(page.page, (0, page.plan.tiles))
        self.overlay.set_done(done if total == page.plan.tiles else 0)
        if pixmap is None:
            self.overlay.set_message(self.tr("Rendering page {page}…").format(page=page.page))
            # The batch brings each page's pixels once; a page it already brought (and the
            # cache let go), or one it will not bring, is rendered again for the screen.
            coming = not self._batch_done and self._page not in self._arrived
            if not coming and self._preview_pending != self._page:
                self._preview_pending = self._page
                size = fit_size(page.width, page.height, PREVIEW_LONG_SIDE)
                self._documents.render(self._ticket, self._source, self._page, size)
        self._update_cost()

    def _sync_mode_box(self) -> None:
        """The page's "send as" choice: offered where the page has a text layer."""
        page = self._plan.pages[self._page] if self._plan is not None else None
        shown = page is not None and bool(page.text) and page.mode != SKIPPED
        self.mode_label.setVisible(shown)
        self.mode_box.setVisible(shown)
        if page is not None and shown:
            self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(page.mode)))

    @Slot(int)
    def _on_mode_chosen(self, index: int) -> None:
        if self._plan is None:
            return
        mode = str(self.mode_box.itemData(index))
        page = self._plan.pages[self._page]
        if mode == page.mode:
            return
        pages = list(self._plan.pages)
        pages[self._page] = replace(page, mode=mode, chosen=True)
        self._plan = replace(self._plan, pages=pages).replanned(self._tiling)
        self.pages.set_pages(self._plan.pages, keep_thumbnails=True)
        if len(pages) > 1:
            self.strip.setCurrentIndex(self.pages.index(self._page))
        self._show_page()
        self.pageModeChanged.emit(page.page, mode)

    def _update_cost(self) -> None:
        self._sync_mode_box()
        self.cost_label.setVisible(self._plan is not None)
        multi = self._plan is not None and len(self._plan.pages) > 1
        if self._plan is None:
            self.cost_label.clear()
        else:
            page = self._plan.pages[self._page]
            text, tip = page_cost_words(page, self._plan, self._speed)
            self.cost_label.setText(text)
            self.cost_label.setToolTip(tip)
            multi = multi and not (page.sends_tiles and page.plan.whole_image)
        self.total_label.setVisible(multi)
        if multi and self._plan is not None:
            self.total_label.setText(total_words(self._plan, self._speed))
            self.total_label.setToolTip(speed_tip(self._speed))

    # --- the switch --------------------------------------------------------------------------

    @Slot(int)
    def _on_budget_clicked(self, button_id: int) -> None:
        name = self.budget_buttons.button(button_id).property("preset")
        budget = BUDGET_PRESETS[str(name)]
        if budget != self._tiling.max_image_tokens:
            self.set_budget(budget)
            self.budgetChanged.emit(budget)

    def set_budget(self, budget: int | None, tiling: TilingParams | None = None) -> None:
        """Plan under another image-token cap (None: none), as the switch does but
        without `budgetChanged`: for a change made elsewhere (the settings dialog); with
        `tiling`, under another model's tiling as well."""
        tiling = replace(tiling or self._tiling, max_image_tokens=budget)
        if tiling == self._tiling:
            return
        self._tiling = tiling
        self._sync_switch()
        for button in self.budget_buttons.buttons():  # a budget shrinks only our grids
            button.setEnabled(not tiling.whole_image)
        if self._plan is not None:
            self._plan = self._plan.replanned(self._tiling)
            self._progress.clear()  # encoded tiles of the old plan are not these tiles
            self.pages.set_pages(self._plan.pages, keep_thumbnails=True)
            if len(self._plan.pages) > 1:
                self.strip.setCurrentIndex(self.pages.index(self._page))
            self._show_page()
            self._set_status("")
            self.documentReady.emit(self._plan)

    def _sync_switch(self) -> None:
        """Check the preset matching the budget; none for a custom cap (said in a tooltip)."""
        current = preset_of(self._tiling.max_image_tokens)
        self.budget_buttons.setExclusive(False)
        for button in self.budget_buttons.buttons():
            button.setChecked(button.property("preset") == current)
        self.budget_buttons.setExclusive(True)

    # --- status line -------------------------------------------------------------------------

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)
        palette = QPalette(self._status_palette)
        if error:
            palette.setColor(QPalette.ColorRole.WindowText, QColor(200, 40, 40))
        self.status_label.setPalette(palette)
        self.status_label.setVisible(bool(text))


def _muted(label: QLabel) -> None:
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText,
                     palette.color(QPalette.ColorRole.PlaceholderText))
    label.setPalette(palette)


def _preset_label(name: str) -> str:
    label = _PRESET_LABELS.get(name)
    return _tr(label) if label is not None else name.capitalize()


def _preset_tip(name: str, budget: int | None) -> str:
    if budget is None:
        return QCoreApplication.translate(
            "DocumentPanel",
            "Fine print: the model's full tile grid. Slower, but small text stays legible.")
    return QCoreApplication.translate(
        "DocumentPanel",
        "{preset}: at most {budget} image tokens per page (a smaller grid). Quicker answers; "
        "small print may be missed.").format(preset=_preset_label(name), budget=f"{budget:,}")
