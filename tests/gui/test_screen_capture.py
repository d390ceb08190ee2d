"""Capture screen region, offscreen: a synthetic screenshot stands in for the screen.

The offscreen platform has no screen to grab, so the screenshot source is injected; the
real grab is only checked for not crashing (it may legitimately come back empty).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.documents import DocumentService, DocumentSource
from bluelm_desktop.ui.screen_capture import (
    NO_SCREENSHOT_MESSAGE,
    RegionSelector,
    capture_region,
    grab_screen,
    qimage_to_rgb,
)

pytestmark = pytest.mark.qt_log_level_fail("WARNING")


def quadrants(width: int = 400, height: int = 300, dpr: float = 1.0) -> QPixmap:
    """A fake screen: four coloured quadrants, so a crop's corners say where it came from."""
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    w, h = width // 2, height // 2
    painter.fillRect(0, 0, w, h, QColor(255, 0, 0))
    painter.fillRect(w, 0, w, h, QColor(0, 255, 0))
    painter.fillRect(0, h, w, h, QColor(0, 0, 255))
    painter.fillRect(w, h, w, h, QColor(255, 255, 0))
    painter.end()
    pixmap.setDevicePixelRatio(dpr)
    return pixmap


def drag(qtbot: QtBot, selector: RegionSelector, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(selector, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(selector, b)
    qtbot.mouseRelease(selector, Qt.MouseButton.LeftButton, pos=b)


def test_dragging_selects_the_region(qtbot: QtBot) -> None:
    selector = RegionSelector(quadrants())
    qtbot.addWidget(selector)
    with qtbot.waitSignal(selector.selected) as chosen:
        drag(qtbot, selector, QPoint(250, 120), QPoint(150, 200))  # dragged up-left
    image = chosen.args[0]
    assert isinstance(image, QImage)
    assert (image.width(), image.height()) == (100, 80)
    assert image.pixelColor(0, 0) == QColor(255, 0, 0)  # x 150, y 120: red quadrant
    assert image.pixelColor(99, 79) == QColor(255, 255, 0)  # x 249, y 199: yellow
    assert selector.selection() == QRect(150, 120, 100, 80)


def test_crop_is_in_physical_pixels_on_a_hidpi_screen(qtbot: QtBot) -> None:
    selector = RegionSelector(quadrants(800, 600, dpr=2.0))
    qtbot.addWidget(selector)
    assert (selector.logical_size().width(), selector.logical_size().height()) == (400, 300)
    with qtbot.waitSignal(selector.selected) as chosen:
        selector.begin(QPoint(190, 140))
        selector.drag_to(QPoint(210, 160))
        assert selector.finish()
    image = chosen.args[0]
    assert (image.width(), image.height()) == (40, 40)
    assert image.devicePixelRatio() == 2.0
    rgb = qimage_to_rgb(image)
    assert rgb.shape == (40, 40, 3)
    assert tuple(rgb[0, 0]) == (255, 0, 0) and tuple(rgb[-1, -1]) == (255, 255, 0)


def test_a_click_is_not_a_region(qtbot: QtBot) -> None:
    selector = RegionSelector(quadrants())
    qtbot.addWidget(selector)
    with qtbot.assertNotEmitted(selector.selected):
        drag(qtbot, selector, QPoint(10, 10), QPoint(12, 11))
    assert selector.selection().isEmpty()


def test_selection_is_clipped_to_the_screenshot(qtbot: QtBot) -> None:
    selector = RegionSelector(quadrants())
    qtbot.addWidget(selector)
    selector.resize(600, 500)  # a screen larger than the picture
    with qtbot.waitSignal(selector.selected) as chosen:
        drag(qtbot, selector, QPoint(350, 250), QPoint(590, 490))
    image = chosen.args[0]
    assert (image.width(), image.height()) == (50, 50)


def test_escape_and_right_click_cancel(qtbot: QtBot) -> None:
    for cancel in (lambda s: qtbot.keyClick(s, Qt.Key.Key_Escape),
                   lambda s: qtbot.mouseClick(s, Qt.MouseButton.RightButton)):
        selector = RegionSelector(quadrants())
        qtbot.addWidget(selector)
        with qtbot.waitSignal(selector.cancelled), qtbot.assertNotEmitted(selector.selected):
            cancel(selector)


def test_selector_paints(qtbot: QtBot) -> None:
    selector = RegionSelector(quadrants())
    qtbot.addWidget(selector)
    selector.begin(QPoint(20, 20))
    selector.drag_to(QPoint(120, 90))
    image = selector.grab().toImage()
    # both in the red quadrant; the rubber band may tint its inside, the dim is darker
    inside, outside = image.pixelColor(60, 60), image.pixelColor(160, 130)
    assert inside.red() > outside.red() + 30, (inside.name(), outside.name())
    assert outside.red() < 200, "the rest is dimmed"


def _when_selector_shows(action: Callable[[RegionSelector], None]) -> None:
    """Run `action` on the selector once capture_region has shown it (from its loop)."""

    def poll() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, RegionSelector) and widget.isVisible():
                action(widget)
                return
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def test_capture_region_returns_the_chosen_region(qtbot: QtBot) -> None:
    errors: list[str] = []

    def choose(selector: RegionSelector) -> None:
        selector.begin(QPoint(0, 0))
        selector.drag_to(QPoint(50, 40))
        selector.finish()

    _when_selector_shows(choose)
    image = capture_region(screenshot=quadrants, on_error=errors.append)
    assert errors == []
    assert image is not None and (image.width(), image.height()) == (50, 40)
    # and it enters the documents API like any other image
    rgb = qimage_to_rgb(image)
    source = DocumentSource.from_array(rgb, "Screen capture")
    with DocumentService() as service:
        info = service.probe(source)
    assert (info.pages[0].width, info.pages[0].height) == (50, 40)


def test_capture_region_cancelled_is_none_without_a_message(qtbot: QtBot) -> None:
    errors: list[str] = []
    _when_selector_shows(lambda s: qtbot.keyClick(s, Qt.Key.Key_Escape))
    assert capture_region(screenshot=quadrants, on_error=errors.append) is None
    assert errors == []


def test_no_screenshot_is_none_with_a_message(qtbot: QtBot) -> None:
    errors: list[str] = []
    assert capture_region(screenshot=QPixmap, on_error=errors.append) is None
    assert errors == [NO_SCREENSHOT_MESSAGE]
    assert "\n" not in NO_SCREENSHOT_MESSAGE


def test_real_grab_does_not_crash(qtbot: QtBot) -> None:
    """Offscreen, the grab may be empty or blank; either way it is a QPixmap."""
    assert isinstance(grab_screen(), QPixmap)


def test_qimage_to_rgb_handles_row_padding_and_alpha() -> None:
    odd = QImage(3, 2, QImage.Format.Format_RGB888)  # 9 bytes a row, padded to 12
    odd.fill(QColor(1, 2, 3))
    odd.setPixelColor(2, 1, QColor(200, 100, 50))
    rgb = qimage_to_rgb(odd)
    assert rgb.shape == (2, 3, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == (1, 2, 3) and tuple(rgb[1, 2]) == (200, 100, 50)
    assert rgb.flags.writeable and rgb.flags.c_contiguous

    clear = QImage(2, 1, QImage.Format.Format_ARGB32)
    clear.setPixelColor(0, 0, QColor(0, 0, 0, 0))  # transparent: white paper
    clear.setPixelColor(1, 0, QColor(0, 0, 0, 255))  # opaque black text
    assert qimage_to_rgb(clear).tolist() == [[[255, 255, 255], [0, 0, 0]]]

    half = QImage(1, 1, QImage.Format.Format_ARGB32)
    half.setPixelColor(0, 0, QColor(0, 0, 255, 128))
    assert qimage_to_rgb(half).tolist() == [[[127, 127, 255]]]

    with pytest.raises(ValueError):
        qimage_to_rgb(QImage())
