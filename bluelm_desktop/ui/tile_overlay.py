"""A page as the encoder will see it: the canvas, the page scaled into it, padding, the tile
grid with numbered tiles, the thumbnail tile beside it, and which tiles are encoded.

The drawing has a text alternative for screen readers: the widget's accessible name says
the grid and its cost ("Page preview: 3 × 2 tiles plus a thumbnail, 1,792 positions"),
its description the progress, kept up to date as they change (`describe`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QSizePolicy,
    QWidget,
)

from bluelm_desktop.core.errors import Line
from bluelm_desktop.core.vision.tiling import Grid, TilePlan
from bluelm_desktop.ui.i18n import tr_line

log = logging.getLogger(__name__)

EMPTY_MESSAGE: Final = QT_TRANSLATE_NOOP(
    "DocumentPanel",
    "No document attached.\n\nAttach an image or a PDF, paste an image or capture a "
    "screen region: its tiles, image tokens and the time they take show here before "
    "anything runs."
)


# --- the page with its tile grid -------------------------------------------------------------


@dataclass(frozen=True)
class TileBox:
    """One grid tile on the canvas: its number as people count (1-based, row-major, the
    encoding order) and its rect in canvas pixels; `padding_only` when it shows no page."""

    number: int
    row: int
    col: int
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 on the canvas, end-exclusive
    padding_only: bool


def tile_boxes(plan: TilePlan) -> list[TileBox]:
    """The plan's grid tiles on its canvas, in `cut_tiles` order.

    Drawn on the canvas rather than on the page, because the canvas is what the encoder
    sees: the page scaled into its top-left corner, white padding in the rest. A tile that
    only shows padding is still encoded and paid for, so it is drawn too.
    """
    s = plan.tile_size
    sw, sh = plan.scaled_size
    if plan.whole_image:  # one box: the page itself, which the model slices on its own
        return [TileBox(1, 0, 0, (0, 0, sw, sh), padding_only=False)]
    boxes: list[TileBox] = []
    for row in range(plan.grid.rows):
        for col in range(plan.grid.cols):
            x0, y0 = col * s, row * s
            boxes.append(TileBox(len(boxes) + 1, row, col, (x0, y0, x0 + s, y0 + s),
                                 padding_only=not (x0 < sw and y0 < sh)))
    return boxes


class TileOverlay(QWidget):
    """Paints a page as the encoder will see it: canvas, page, padding, grid, tile numbers,
    the thumbnail tile beside the canvas, and which tiles are encoded already.

    A view only: the panel gives it a plan, a pixmap and a count of encoded tiles.

    It zooms, so that small print and a tile's edge can be checked before anything is
    encoded: Ctrl+wheel (about the pointer), Ctrl+= / Ctrl+- (about the centre), Ctrl+0
    or a double click back to the whole page (a double click on the whole page zooms in
    there); zoomed in, a drag or the arrow keys move the view. `zoom` 1.0 is "fit".
    """

    TINT: Final = QColor(46, 160, 67, 80)
    FOUND: Final = QColor(255, 200, 0, 110)  # an answer's value on the page
    FOUND_EDGE: Final = QColor(200, 140, 0)
    DONE: Final = QColor(46, 160, 67)
    GAP: Final = 16  # px between the canvas and the thumbnail tile
    CAPTION: Final = 20  # px under the thumbnail tile for its caption
    ZOOM_STEP: Final = 1.25
    MAX_ZOOM: Final = 8.0
    DOUBLE_CLICK_ZOOM: Final = 3.0
    PAN_STEP: Final = 40  # px an arrow key moves a zoomed view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Small enough that the document panel's cost line fits under it in the default
        # window; the page can be zoomed instead of given room.
        self.setMinimumSize(200, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # A focus stop, so that a screen reader reaches the text alternative by Tab.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._given: TilePlan | None = None  # the page's plan, as set
        self._plan: TilePlan | None = None  # what is drawn: without tiles, the page alone
        self._pixmap: QPixmap | None = None
        self._done = 0
        self._tiles = True  # False: the page sends no tiles, none are drawn
        self._highlights: tuple[tuple[float, float, float, float], ...] = ()  # 0..1 boxes
        self._message = QCoreApplication.translate("DocumentPanel", EMPTY_MESSAGE)
        self._error = False
        self._zoom = 1.0
        self._pan = QPointF(0, 0)  # widget px the zoomed drawing is moved by
        self._drag_from: QPointF | None = None
        self.setToolTip(self.tr("Ctrl+wheel or Ctrl+= / Ctrl+− to zoom, Ctrl+0 or a double "
                                "click for the whole page; drag to move a zoomed page"))
        self._describe()

    # -- state ---------------------------------------------------------------------------

    @property
    def plan(self) -> TilePlan | None:
        return self._given

    @property
    def done(self) -> int:
        """Tiles drawn as encoded (grid tiles first, then the thumbnail)."""
        return self._done

    @property
    def message(self) -> str:
        return self._message

    def set_page(self, plan: TilePlan | None, pixmap: QPixmap | None,
                 tiles: bool = True) -> None:
        """Show `plan` over `pixmap`; `tiles=False` for a page that sends no tiles (read
        from its text layer, or left out): the page alone, no grid."""
        self._given = plan
        if plan is not None and not tiles:
            w, h = plan.scaled_size
            plan = replace(plan, grid=Grid(1, 1), canvas=(w, h), thumbnail=False,
                           whole_image=True)
        if (plan is None or self._plan is None or plan.canvas != self._plan.canvas
                or plan.scaled_size != self._plan.scaled_size):
            self._zoom, self._pan = 1.0, QPointF(0, 0)  # another page: the whole of it
        self._tiles = tiles
        self._plan, self._pixmap = plan, pixmap
        self._done = 0 if plan is None else min(self._done, plan.tiles)
        self._changed()

    def set_highlights(self, boxes: Sequence[tuple[float, float, float, float]]) -> None:
        """Mark where an answer's values are printed: boxes as fractions of the page."""
        self._highlights = tuple(boxes)
        self._changed()

    @property
    def highlights(self) -> tuple[tuple[float, float, float, float], ...]:
        return self._highlights

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self._pixmap = pixmap
        self._changed()

    def set_done(self, done: int) -> None:
        limit = self._plan.tiles if self._plan is not None else 0
        self._done = max(0, min(done, limit))
        self._changed()

    def set_message(self, text: str | Line, error: bool = False) -> None:
        """Shown instead of a page (empty, loading, failed) or, with a plan, on the page
        while its pixels are missing (rendering, or a render error). A core `Line` is shown
        in the interface's language (`i18n.tr_line`); a string as given."""
        self._message = tr_line(text) if isinstance(text, Line) else text
        self._error = error
        self._changed()

    # -- zoom ------------------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        """How much larger than "the whole page fits" the page is drawn (1.0: fits)."""
        return self._zoom

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to `zoom` (clamped to 1 … MAX_ZOOM), keeping the point under `anchor`
        (widget px; default the centre) where it is."""
        zoom = max(1.0, min(self.MAX_ZOOM, zoom))
        if self._plan is None:
            zoom = 1.0
        center = QRectF(self.rect()).center()
        at = anchor if anchor is not None else center
        # A point p is drawn at c + (p − c)·z + pan: keep `at` fixed as z changes.
        ratio = zoom / self._zoom
        self._pan = (at - center) * (1 - ratio) + self._pan * ratio
        self._zoom = zoom
        self._clamp_pan()
        self._changed()

    def zoom_in(self, anchor: QPointF | None = None) -> None:
        self.set_zoom(self._zoom * self.ZOOM_STEP, anchor)

    def zoom_out(self, anchor: QPointF | None = None) -> None:
        self.set_zoom(self._zoom / self.ZOOM_STEP, anchor)

    def fit(self) -> None:
        self.set_zoom(1.0)

    def _clamp_pan(self) -> None:
        """No further than the zoomed drawing's edges: the page never leaves the view."""
        if self._zoom <= 1.0:
            self._pan = QPointF(0, 0)
            return
        half_w = self.width() * (self._zoom - 1) / 2
        half_h = self.height() * (self._zoom - 1) / 2
        self._pan = QPointF(max(-half_w, min(half_w, self._pan.x())),
                            max(-half_h, min(half_h, self._pan.y())))

    def _view(self, rect: QRectF) -> QRectF:
        """A rect of the fitted drawing, zoomed and moved as the view is."""
        c, z = QRectF(self.rect()).center(), self._zoom
        top_left = c + (rect.topLeft() - c) * z + self._pan
        return QRectF(top_left.x(), top_left.y(), rect.width() * z, rect.height() * z)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and self._plan is not None:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_zoom(self._zoom * self.ZOOM_STEP ** steps, event.position())
            event.accept()
        else:
            super().wheelEvent(event)  # the panel's scroll area scrolls

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        key = event.key()
        moves = {Qt.Key.Key_Left: (1, 0), Qt.Key.Key_Right: (-1, 0),
                 Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}
        if event.matches(QKeySequence.StandardKey.ZoomIn) or (
                ctrl and key in (Qt.Key.Key_Equal, Qt.Key.Key_Plus)):
            self.zoom_in()
        elif event.matches(QKeySequence.StandardKey.ZoomOut) or (
                ctrl and key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore)):
            self.zoom_out()
        elif ctrl and key == Qt.Key.Key_0:
            self.fit()
        elif key in moves and self._zoom > 1.0:
            dx, dy = moves[Qt.Key(key)]
            self._pan += QPointF(dx * self.PAN_STEP, dy * self.PAN_STEP)
            self._clamp_pan()
            self.update()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._plan is None:
            return
        if self._zoom > 1.0:
            self.fit()
        else:
            self.set_zoom(self.DOUBLE_CLICK_ZOOM, event.position())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._zoom > 1.0:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._pan += event.position() - self._drag_from
            self._drag_from = event.position()
            self._clamp_pan()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.unsetCursor()

    # -- text alternative ----------------------------------------------------------------

    def describe(self) -> tuple[str, str]:
        """(name, description) of what is drawn, for screen readers: the grid and what it
        costs, then how far encoding is and what else is marked."""
        title = self.tr("Page preview")
        plan = self._plan
        if plan is None:
            return title, self._message
        if not self._tiles:
            w, h = plan.scaled_size
            name = self.tr("{title}: sent as its text layer, no tiles").format(title=title)
            details = [self.tr("{width} × {height} px").format(width=w, height=h)]
        elif plan.whole_image:
            name = self.tr("{title}: the whole page, the model cuts its own tiles").format(
                title=title)
            details = [self.tr("encoded") if self._done else self.tr("not encoded yet")]
        else:
            positions = f"{plan.image_tokens:,}"
            grid = plan.grid
            if grid.tiles == 1:
                cost = (self.tr("1 tile plus a thumbnail, {positions} positions")
                        if plan.thumbnail else self.tr("1 tile, {positions} positions"))
            elif plan.thumbnail:
                cost = self.tr("{cols} × {rows} tiles plus a thumbnail, {positions} positions")
            else:
                cost = self.tr("{cols} × {rows} tiles, {positions} positions")
            name = f"{title}: " + cost.format(cols=grid.cols, rows=grid.rows,
                                              positions=positions)
            details = [self.tr("{done} of {total} tiles encoded").format(
                done=self._done, total=plan.tiles)]
        if self._highlights:
            details.append(self.tr("{count} values from the answer marked on the page")
                           .format(count=len(self._highlights)))
        if self._pixmap is None and self._message:
            details.append(self._message)
        return name, "; ".join(details)

    def _describe(self) -> None:
        name, description = self.describe()
        if name != self.accessibleName():
            self.setAccessibleName(name)
        if description != self.accessibleDescription():
            self.setAccessibleDescription(description)

    def _changed(self) -> None:
        self._describe()
        self.update()

    # -- geometry ------------------------------------------------------------------------

    def layout_rects(self) -> tuple[QRectF, QRectF | None, float]:
        """(canvas rect, thumbnail tile rect or None, scale canvas px → widget px), as
        drawn: fitted (`_fit_rects`), then zoomed."""
        canvas, thumb, k = self._fit_rects()
        if self._zoom == 1.0:
            return canvas, thumb, k
        return (self._view(canvas), self._view(thumb) if thumb is not None else None,
                k * self._zoom)

    def _fit_rects(self) -> tuple[QRectF, QRectF | None, float]:
        """The whole drawing fitted to the widget.

        The thumbnail goes to the right of the canvas or under it, whichever leaves the
        canvas larger; it is drawn at the size of one grid tile, because it is one.
        """
        assert self._plan is not None
        plan = self._plan
        area = QRectF(self.rect()).adjusted(12, 12, -12, -12)
        cw, ch = plan.canvas
        s = plan.tile_size
        if not plan.thumbnail:
            k = min(area.width() / cw, area.height() / ch)
            w, h = cw * k, ch * k
            canvas = QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)
            return canvas, None, k
        k_right = min((area.width() - self.GAP) / (cw + s),
                      area.height() / max(ch, s + self.CAPTION))
        k_below = min(area.width() / max(cw, s),
                      (area.height() - self.GAP - self.CAPTION) / (ch + s))
        k = max(k_right, k_below, 1e-6)
        if k_right >= k_below:
            total_w, total_h = cw * k + self.GAP + s * k, ch * k
            x0 = area.center().x() - total_w / 2
            y0 = area.center().y() - total_h / 2
            canvas = QRectF(x0, y0, cw * k, ch * k)
            thumb = QRectF(canvas.right() + self.GAP, y0, s * k, s * k)
        else:
            total_w, total_h = cw * k, ch * k + self.GAP + s * k + self.CAPTION
            x0 = area.center().x() - total_w / 2
            y0 = area.center().y() - total_h / 2
            canvas = QRectF(x0, y0, cw * k, ch * k)
            thumb = QRectF(x0, canvas.bottom() + self.GAP, s * k, s * k)
        return canvas, thumb, k

    def tile_rect(self, number: int) -> QRectF:
        """Where tile `number` (1-based; the last one is the thumbnail, if any) is drawn."""
        assert self._plan is not None
        canvas, thumb, k = self.layout_rects()
        if self._plan.thumbnail and number == self._plan.tiles:
            assert thumb is not None
            return thumb
        box = tile_boxes(self._plan)[number - 1]
        x0, y0, x1, y1 = box.rect
        return QRectF(canvas.x() + x0 * k, canvas.y() + y0 * k, (x1 - x0) * k, (y1 - y0) * k)

    # -- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self._plan is None:
            self._paint_message(painter, QRectF(self.rect()).adjusted(32, 24, -32, -24))
        else:
            self._paint_plan(painter, self._plan)
        if self.hasFocus():  # the window's focus ring (theme.FOCUS_RING) misses painted widgets
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.end()

    def _paint_message(self, painter: QPainter, area: QRectF) -> None:
        role = QPalette.ColorRole.PlaceholderText
        color = QColor(200, 40, 40) if self._error else self.palette().color(role)
        painter.setPen(color)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(area, int(flags), self._message)

    def _paint_plan(self, painter: QPainter, plan: TilePlan) -> None:
        canvas, thumb, k = self.layout_rects()
        accent = self.palette().color(QPalette.ColorRole.Highlight)
        sw, sh = plan.scaled_size
        page = QRectF(canvas.x(), canvas.y(), sw * k, sh * k)

        _paint_padding(painter, canvas)
        if self._pixmap is not None:
            painter.drawPixmap(page, self._pixmap, QRectF(self._pixmap.rect()))
        else:
            painter.fillRect(page, QColor(236, 238, 241))
            self._paint_message(painter, page.adjusted(8, 8, -8, -8))
        for x0, y0, x1, y1 in self._highlights:  # the answer's values, where printed
            mark = QRectF(page.x() + x0 * page.width(), page.y() + y0 * page.height(),
                          (x1 - x0) * page.width(), (y1 - y0) * page.height()).adjusted(
                              -2, -1, 2, 1)
            painter.fillRect(mark, self.FOUND)
            painter.setPen(self.FOUND_EDGE)
            painter.drawRect(mark)

        if not self._tiles:
            return
        boxes = tile_boxes(plan)
        for box in boxes[: self._done]:
            painter.fillRect(self.tile_rect(box.number), self.TINT)
        _paint_grid(painter, canvas, plan, k, accent)
        tile_px = plan.tile_size * k
        for box in boxes:
            rect = self.tile_rect(box.number)
            done = box.number <= self._done
            _paint_badge(painter, rect, str(box.number), self.DONE if done else accent, tile_px)
            if box.padding_only and tile_px >= 48:
                painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self.tr("padding"))

        if thumb is not None:
            self._paint_thumbnail(painter, plan, thumb, accent, tile_px)
            if self._zoom == 1.0:  # zoomed, the page runs under where it would be
                self._paint_legend(painter, plan, canvas, thumb)
        if self._zoom > 1.0:
            self._paint_zoom(painter)

    def _paint_zoom(self, painter: QPainter) -> None:
        """How far it is zoomed and the way back, in the top-left corner."""
        text = self.tr("{percent} % · Ctrl+0: whole page").format(
            percent=round(self._zoom * 100))
        painter.setFont(self.font())
        metrics = painter.fontMetrics()
        box = QRectF(8, 8, metrics.horizontalAdvance(text) + 16, metrics.height() + 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(20, 20, 20, 200))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)

    def _paint_legend(self, painter: QPainter, plan: TilePlan, canvas: QRectF,
                      thumb: QRectF) -> None:
        """What the drawing means, next to the thumbnail tile where there is room."""
        n = plan.grid.tiles
        grid = (self.tr("Tile 1: the page, one tile") if n == 1
                else self.tr("Tiles 1–{last}: the page on a {grid} grid").format(
                    last=n, grid=plan.grid))
        lines = [grid,
                 self.tr("Tile {number}: the whole page, shrunk to one tile").format(
                     number=plan.tiles),
                 self.tr("Hatched: white padding"), self.tr("Green: encoded")]
        painter.setFont(self.font())
        metrics = painter.fontMetrics()
        if thumb.x() > canvas.right():  # thumbnail on the right: legend under it
            area = QRectF(thumb.x(), thumb.bottom() + self.CAPTION + 12,
                          self.width() - thumb.x() - 12, 0)
            area.setBottom(canvas.bottom())
        else:  # thumbnail below: legend to its right
            area = QRectF(thumb.right() + self.GAP, thumb.y(),
                          self.width() - thumb.right() - self.GAP - 12, thumb.height())
        if area.width() < 8 * metrics.averageCharWidth() or area.height() < 2 * metrics.height():
            return
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        # Whole lines only: where all do not fit, the last ones go (never half a line).
        while lines and metrics.boundingRect(area.toRect(), int(flags),
                                             "\n".join(lines)).height() > area.height():
            lines.pop()
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(area, int(flags), "\n".join(lines))

    def _paint_thumbnail(self, painter: QPainter, plan: TilePlan, rect: QRectF,
                         accent: QColor, tile_px: float) -> None:
        """The global thumbnail tile: the whole page fitted into one tile, as encoded."""
        _paint_padding(painter, rect)
        tw, th = plan.thumbnail_size
        scale = rect.width() / plan.tile_size
        page = QRectF(rect.x(), rect.y(), tw * scale, th * scale)
        if self._pixmap is not None:
            painter.drawPixmap(page, self._pixmap, QRectF(self._pixmap.rect()))
        else:
            painter.fillRect(page, QColor(236, 238, 241))
        done = self._done >= plan.tiles
        if done:
            painter.fillRect(rect, self.TINT)
        pen = QPen(accent, 1.5, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        _paint_badge(painter, rect, str(plan.tiles), self.DONE if done else accent, tile_px)
        painter.setFont(self.font())
        # Beside the canvas the caption starts at the tile's left edge (centred, a caption
        # wider than a small tile ran into the grid); under it, it is centred.
        beside = self._plan is not None and rect.x() > self.layout_rects()[0].right()
        caption = (QRectF(rect.x(), rect.bottom() + 2, self.width() - rect.x(), self.CAPTION)
                   if beside else
                   QRectF(rect.x() - 40, rect.bottom() + 2, rect.width() + 80, self.CAPTION))
        align = Qt.AlignmentFlag.AlignLeft if beside else Qt.AlignmentFlag.AlignHCenter
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        painter.drawText(caption, int(align | Qt.AlignmentFlag.AlignTop),
                         self.tr("thumbnail tile"))


def _paint_padding(painter: QPainter, rect: QRectF) -> None:
    """White with a faint hatch: the encoder's padding, visibly not part of the page."""
    painter.fillRect(rect, QColor("white"))
    painter.fillRect(rect, QBrush(QColor(0, 0, 0, 30), Qt.BrushStyle.BDiagPattern))


def _paint_grid(painter: QPainter, canvas: QRectF, plan: TilePlan, k: float,
                accent: QColor) -> None:
    """Tile borders: a white halo under an accent line, visible on dark and light pages."""
    lines: list[tuple[QPointF, QPointF]] = []
    step = plan.tile_size * k
    xs = [canvas.left(), canvas.right()] if plan.whole_image else [
        canvas.x() + col * step for col in range(plan.grid.cols + 1)]
    ys = [canvas.top(), canvas.bottom()] if plan.whole_image else [
        canvas.y() + row * step for row in range(plan.grid.rows + 1)]
    lines += [(QPointF(x, canvas.top()), QPointF(x, canvas.bottom())) for x in xs]
    lines += [(QPointF(canvas.left(), y), QPointF(canvas.right(), y)) for y in ys]
    for color, width in ((QColor(255, 255, 255, 200), 4.0), (accent, 1.6)):
        pen = QPen(color, width)
        pen.setCosmetic(True)
        painter.setPen(pen)
        for a, b in lines:
            painter.drawLine(a, b)


def _paint_badge(painter: QPainter, tile: QRectF, text: str, color: QColor,
                 tile_px: float) -> None:
    """A tile's number in a filled rounded box at its top-left corner, sized to the tile."""
    font = QFont(painter.font())
    font.setPixelSize(int(max(9, min(15, tile_px * 0.12))))
    font.setBold(True)
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    w = metrics.horizontalAdvance(text) + 10
    h = metrics.height() + 2
    box = QRectF(tile.x() + 4, tile.y() + 4, max(w, h), h)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(box, 4, 4)
    painter.setPen(QColor("white"))
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.setBrush(Qt.BrushStyle.NoBrush)
