"""Issue 17 item 5, offscreen: minimum size, the cost line in view, zooming the page,
status lines that end with what they describe, and readable colours after a live theme
switch (WCAG contrast of the real widgets' colours)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPalette, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.vision.tiling import TilingParams, plan_image
from bluelm_desktop.ui import main_window as main_window_module
from bluelm_desktop.ui.chat_pane import ROLE_USER, ChatMessage, ChatModel, ChatPane
from bluelm_desktop.ui.main_window import DEFAULT_SIZE, MINIMUM_SIZE, MainWindow
from bluelm_desktop.ui.theme import THEME_DARK, THEME_LIGHT, apply_theme, contrast_ratio
from bluelm_desktop.ui.tile_overlay import TileOverlay
from tests.gui.test_chat_window import LOAD_MS, drop_files

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

OpenWindow = Callable[..., MainWindow]
AA_TEXT = 4.5  # WCAG 2 AA, body text


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[Callable[[str], None]]:
    """`themed(name)` switches the live application's theme; the platform look after."""
    yield lambda theme: apply_theme(qapp, theme)
    apply_theme(qapp, "system")


def _fully_visible(widget: QWidget, window: QWidget) -> bool:
    """Shown, not clipped by a scroll area or splitter, and inside the window."""
    if not widget.isVisible() or widget.height() <= 0:
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    inside = window.rect().contains(QRect(top_left, widget.size()))
    return inside and widget.visibleRegion().boundingRect() == widget.rect()


def _open_with_invoice(qtbot: QtBot, open_window: OpenWindow, invoice: Path) -> MainWindow:
    window = open_window()
    if window.document_panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    with qtbot.waitSignal(window.document_panel.documentReady, timeout=LOAD_MS):
        drop_files(window, [invoice])
    return window


def test_the_window_has_a_minimum_size(qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    assert (window.minimumWidth(), window.minimumHeight()) == MINIMUM_SIZE
    window.resize(500, 400)
    qtbot.waitUntil(lambda: window.width() >= MINIMUM_SIZE[0])
    assert (window.width(), window.height()) == MINIMUM_SIZE
    # at the minimum nothing in the status bar overlaps: permanent labels keep their text
    label = window.model_label
    assert label.width() >= label.sizeHint().width()


@pytest.mark.parametrize("size", [DEFAULT_SIZE, MINIMUM_SIZE])
def test_the_cost_line_is_in_view(qtbot: QtBot, open_window: OpenWindow, invoice: Path,
                                  size: tuple[int, int]) -> None:
    window = _open_with_invoice(qtbot, open_window, invoice)
    window.resize(*size)
    panel = window.document_panel
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    qtbot.waitUntil(lambda: bool(panel.cost_label.text()))
    QApplication.processEvents()
    assert _fully_visible(panel.cost_label, window), (
        panel.cost_label.mapTo(window, QPoint(0, 0)), panel.cost_label.size(),
        panel.cost_label.visibleRegion().boundingRect())


def test_a_reading_line_clears_when_the_reading_ends(qtbot: QtBot, open_window: OpenWindow,
                                                     invoice: Path) -> None:
    window = open_window()
    readings: list[str] = []
    window.controller.activity.connect(
        lambda text: readings.append(text) if text.startswith("Reading") else None)
    if window.document_panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    drop_files(window, [invoice])
    qtbot.waitUntil(lambda: window.controller.pending is not None
                    and window.controller.pending.ready, timeout=LOAD_MS)
    assert readings, "the reading was never said"
    assert not window.activity_label.text().startswith("Reading"), \
        window.activity_label.text()


def test_a_finished_line_times_out_and_a_running_one_stays(
        qtbot: QtBot, open_window: OpenWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(main_window_module, "ACTIVITY_MS", 50)
    window = open_window()
    window._show_activity("Answering…")
    qtbot.wait(200)  # longer than the timeout: a running thing's line stays
    assert window.activity_label.text() == "Answering…"
    window._show_activity("Ready.")
    qtbot.waitUntil(lambda: window.activity_label.text() == "", timeout=2000)


def test_a_long_status_line_is_elided_before_the_model_label(
        qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    text = "Reading page 1 of 1 (tile 13 of 13)… " * 12
    window._show_activity(text)
    QApplication.processEvents()
    line, model = window.activity_label, window.model_label
    assert line.text() == text  # whole in text() and the tool tip
    assert line.shown_text().endswith("…") and len(line.shown_text()) < len(text)
    assert line.fontMetrics().horizontalAdvance(line.shown_text()) <= line.width()
    line_right = line.mapTo(window, QPoint(line.width(), 0)).x()
    assert line_right <= model.mapTo(window, QPoint(0, 0)).x()


def _overlay_with_a_page(qtbot: QtBot) -> TileOverlay:
    overlay = TileOverlay()
    qtbot.addWidget(overlay)
    overlay.resize(400, 300)
    overlay.set_page(plan_image(1240, 1755, TilingParams()), None)
    overlay.show()
    return overlay


def test_ctrl_wheel_and_keys_zoom_the_page(qtbot: QtBot) -> None:
    overlay = _overlay_with_a_page(qtbot)
    canvas, _, fit = overlay.layout_rects()
    at = QPointF(canvas.center())
    wheel = QWheelEvent(at, overlay.mapToGlobal(at), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(overlay, wheel)
    zoomed_canvas, _, zoomed = overlay.layout_rects()
    assert zoomed == pytest.approx(fit * TileOverlay.ZOOM_STEP)
    # about the pointer: the canvas point under it stays under it
    before = (at - canvas.topLeft()) / fit
    after = (at - zoomed_canvas.topLeft()) / zoomed
    assert (before - after).manhattanLength() < 1e-6
    # a plain wheel is left to the panel's scroll area
    plain = QWheelEvent(at, overlay.mapToGlobal(at), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(overlay, plain)
    assert overlay.layout_rects()[2] == pytest.approx(zoomed)

    overlay.setFocus()
    qtbot.keyClick(overlay, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert overlay.layout_rects()[2] == pytest.approx(fit * TileOverlay.ZOOM_STEP ** 2)
    qtbot.keyClick(overlay, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert overlay.layout_rects()[2] == pytest.approx(fit * TileOverlay.ZOOM_STEP)
    qtbot.keyClick(overlay, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert overlay.zoom == 1.0 and overlay.layout_rects()[2] == pytest.approx(fit)
    # zooming out stops at the whole page
    qtbot.keyClick(overlay, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert overlay.zoom == 1.0


def test_double_click_zooms_in_and_back_and_a_drag_moves(qtbot: QtBot) -> None:
    overlay = _overlay_with_a_page(qtbot)
    fit = overlay.layout_rects()[2]
    at = overlay.rect().center()
    qtbot.mouseDClick(overlay, Qt.MouseButton.LeftButton, pos=at)
    assert overlay.zoom == TileOverlay.DOUBLE_CLICK_ZOOM
    canvas = overlay.layout_rects()[0]
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=at)
    qtbot.mouseMove(overlay, at + QPoint(30, 20))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=at + QPoint(30, 20))
    moved = overlay.layout_rects()[0]
    assert (moved.x() - canvas.x(), moved.y() - canvas.y()) == pytest.approx((30, 20))
    qtbot.mouseDClick(overlay, Qt.MouseButton.LeftButton, pos=at)
    assert overlay.zoom == 1.0 and overlay.layout_rects()[2] == pytest.approx(fit)


def test_a_new_page_is_shown_whole(qtbot: QtBot) -> None:
    overlay = _overlay_with_a_page(qtbot)
    overlay.set_zoom(4.0)
    overlay.set_page(plan_image(800, 600, TilingParams()), None)
    assert overlay.zoom == 1.0


def _text_contrast(widget: QWidget) -> tuple[float, QColor]:
    """(contrast of the drawn text over the drawn background, that background): the most
    common colour of a grab is the background, the pixel farthest from it is text."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    colours = Counter(image.pixel(x, y) for y in range(image.height())
                      for x in range(image.width()))
    background = QColor.fromRgb(colours.most_common(1)[0][0])
    best = max((QColor.fromRgb(c) for c in colours),
               key=lambda c: contrast_ratio(c, background))
    return contrast_ratio(best, background), background


@pytest.mark.parametrize(("first", "then"), [(THEME_LIGHT, THEME_DARK),
                                             (THEME_DARK, THEME_LIGHT)])
def test_subtitle_and_switch_are_readable_after_a_live_switch(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path,
        themed: Callable[[str], None], first: str, then: str) -> None:
    themed(first)
    window = _open_with_invoice(qtbot, open_window, invoice)
    panel = window.document_panel
    themed(then)
    QApplication.processEvents()
    app_palette = QApplication.palette()

    subtitle = panel.details_label
    assert subtitle.text()
    palette = subtitle.palette()
    text = palette.color(QPalette.ColorRole.WindowText)
    back = palette.color(QPalette.ColorRole.Window)
    assert back == app_palette.color(QPalette.ColorRole.Window)
    assert contrast_ratio(text, back) >= AA_TEXT, (text.name(), back.name())
    drawn, _ = _text_contrast(subtitle)
    assert drawn >= AA_TEXT

    buttons = [b for b in panel.findChildren(QToolButton) if b.property("preset")]
    assert buttons and any(b.isChecked() for b in buttons)
    for button in buttons:
        drawn, background = _text_contrast(button)
        assert drawn >= AA_TEXT, (button.text(), drawn)
        if button.isChecked():  # in the new theme's highlight, not the old one's
            assert background == app_palette.color(QPalette.ColorRole.Highlight), \
                background.name()


@pytest.mark.parametrize("theme", [THEME_LIGHT, THEME_DARK])
def test_the_palettes_text_is_readable(qapp: QApplication, themed: Callable[[str], None],
                                       theme: str) -> None:
    themed(theme)
    palette = qapp.palette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for fg, bg in ((role.WindowText, role.Window), (role.Text, role.Base),
                   (role.ButtonText, role.Button), (role.PlaceholderText, role.Window),
                   (role.PlaceholderText, role.Base), (role.HighlightedText, role.Highlight),
                   (role.ToolTipText, role.ToolTipBase)):
        ratio = contrast_ratio(palette.color(fg), palette.color(bg))
        assert ratio >= AA_TEXT, (fg.name, bg.name, ratio)
    # disabled text is quieter, but still legible (the settings' explanations use it)
    disabled = contrast_ratio(palette.color(group.Disabled, role.WindowText),
                              palette.color(group.Disabled, role.Window))
    assert 3.0 <= disabled < contrast_ratio(palette.color(role.WindowText),
                                            palette.color(role.Window))


@pytest.mark.parametrize("footer", ["Attached: invoice.png", "附件：invoice.png"])
def test_a_question_s_attachment_line_is_whole(qtbot: QtBot, footer: str) -> None:
    """Seen in the screenshots: "Attached: invoice.p…" (the bubble measured to the exact
    width, which elides) and, in Chinese, the line's foot cut off (a taller fallback)."""
    model = ChatModel()
    pane = ChatPane(model)
    qtbot.addWidget(pane)
    pane.resize(800, 300)
    pane.show()
    model.append(ChatMessage(ROLE_USER, "What is the total?", footer=footer))
    font = pane.view.font()
    geometry, _ = pane.delegate._geometry(model.message(0), QPoint(0, 0), font)
    metrics = QFontMetrics(font)
    assert metrics.elidedText(footer, Qt.TextElideMode.ElideRight,
                              geometry.footer.width()) == footer
    assert geometry.footer.height() >= metrics.boundingRect(footer).height()
    assert geometry.bubble.contains(geometry.footer)


def test_a_long_message_is_elided_before_the_permanent_labels(
        qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    window.resize(*MINIMUM_SIZE)
    qtbot.waitUntil(lambda: window.size().toTuple() == MINIMUM_SIZE)
    text = ("The time estimates are guesses for this computer: “Measure speed…” in the "
            "status bar measures this model (takes a few minutes).")
    window._show_message(text, False)
    QApplication.processEvents()
    bar = window.statusBar()
    assert bar.currentMessage() == text
    shown = bar.shown_message()
    assert shown.endswith("…") and shown != text
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_rect().width()
    model = window.model_label
    assert model.isVisible()
    assert bar.message_rect().right() < model.mapTo(bar, QPoint(0, 0)).x()
    assert bar.grab().size() == bar.size()  # paints
