"""Capture screen region: a screenshot of the screen, then a rubber band to choose part of it.

Public API, for the composer's "Capture screen region" action:

    image = capture_region(parent)   # QImage, or None (cancelled, or no screenshot possible)
    if image is not None:
        source = DocumentSource.from_array(qimage_to_rgb(image), "Screen capture")

`capture_region` hides the caller's window (so the app does not capture itself), grabs the
screen it was on with `QScreen.grabWindow(0)`, shows that screenshot in a frameless
full-screen window (`RegionSelector`), and returns when the user has dragged out a region
(Enter also accepts the current one) or pressed Esc / the right button (None). Like
`QDialog.exec`, it runs a nested event loop, so the app keeps painting meanwhile.

On Wayland (`QT_QPA_PLATFORM=wayland`, or `XDG_SESSION_TYPE=wayland`, where an X11 app
sees only other X11 windows) a client cannot read the screen; the screenshot comes from
the desktop portal instead (`portal_screenshot`: `org.freedesktop.portal.Screenshot` over
the session D-Bus; the portal answers with a file URI in a `Response` signal on a request
object). Where no portal answers, or the display gives an empty image, one line is
reported through `on_error` (by default the status bar) and None is returned. Tests,
and a platform-specific grabber if one is ever needed, pass `screenshot=`: any callable
returning a QPixmap (its device pixel ratio is honoured, so a crop is in real pixels).

`qimage_to_rgb` turns any QImage (a capture, a pasted image) into the uint8 (H, W, 3)
array the documents API takes; transparency is composited on white, as the document
intake does for RGBA arrays.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlparse

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    SLOT,
    QCoreApplication,
    QEventLoop,
    QObject,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
from PySide6.QtGui import (
    QColor,
    QCursor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QScreen,
)
from PySide6.QtWidgets import QRubberBand, QWidget

from bluelm_desktop.ui import messages

ScreenshotSource = Callable[[], QPixmap]
ErrorSink = Callable[[str], None]

# In English here (marked for lupdate), translated where they are shown.
NO_SCREENSHOT_MESSAGE: Final = QT_TRANSLATE_NOOP(
    "RegionSelector",
    "Could not take a screenshot: this display gave an empty image (on Wayland, allow "
    "screen capture for the app; headless and remote sessions have no screen to grab)."
)
HINT: Final = QT_TRANSLATE_NOOP("RegionSelector",
                                "Drag to select a region  ·  Enter to accept  ·  Esc to cancel")
NO_PORTAL_MESSAGE: Final = QT_TRANSLATE_NOOP(
    "RegionSelector",
    "Could not take a screenshot: no screenshot portal answered on D-Bus (on Wayland, "
    "install xdg-desktop-portal and your desktop's portal backend).")
PORTAL_FAILED_MESSAGE: Final = QT_TRANSLATE_NOOP(
    "RegionSelector", "Could not take a screenshot: the screenshot portal failed ({error}).")
PORTAL_SERVICE: Final = "org.freedesktop.portal.Desktop"
PORTAL_PATH: Final = "/org/freedesktop/portal/desktop"
PORTAL_SCREENSHOT: Final = "org.freedesktop.portal.Screenshot"
PORTAL_REQUEST: Final = "org.freedesktop.portal.Request"
PORTAL_TIMEOUT_MS: Final = 120_000  # the portal may ask the user for permission first
MIN_SELECTION: Final = 4  # logical px each way: smaller is a click, not a region
HIDE_DELAY_MS: Final = 250  # for the compositor to repaint what our window covered
DIM: Final = QColor(0, 0, 0, 140)  # dark enough that the chosen region stands out


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """A QImage as a new uint8 (H, W, 3) RGB array, in physical pixels.

    Alpha is composited onto white (a transparent PNG pasted from a browser is dark text
    on nothing; on black it would vanish). Raises ValueError for a null image.
    """
    if image.isNull():
        raise ValueError("the image is empty")
    w, h = image.width(), image.height()
    if image.hasAlphaChannel():
        rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)  # not premultiplied
        pixels = _pixels(rgba, 4).astype(np.uint16)
        alpha = pixels[:, :, 3:4]
        # round(c·a/255 + 255·(1 − a/255)) in integers
        out = (pixels[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255
        return out.astype(np.uint8)
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    result = _pixels(rgb, 3).copy()
    assert result.shape == (h, w, 3)
    return result


def _pixels(image: QImage, channels: int) -> np.ndarray:
    """A view of the image's rows without the padding Qt adds to align each line."""
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h)
    return raw.reshape(h, stride)[:, : w * channels].reshape(h, w, channels)


class ScreenshotUnavailable(Exception):
    """No screenshot could be taken; the message is one line for the user."""


def is_wayland() -> bool:
    """Whether screens must be read through the portal: a Wayland session, also for an app
    running on XWayland (which sees only X11 windows, not the desktop)."""
    return (QGuiApplication.platformName().startswith("wayland")
            or os.environ.get("QT_QPA_PLATFORM", "").startswith("wayland")
            or os.environ.get("XDG_SESSION_TYPE", "") == "wayland")


class _PortalRequest(QObject):
    """Waits for the `Response` signal on one portal request object."""

    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self._loop = loop
        self.answer: tuple[int, dict[str, object]] | None = None

    # Typed, so that QtDBus reads the a{sv} into a QVariantMap (a dict here).
    @Slot("uint", "QVariantMap")
    def on_response(self, code: int, results: dict[str, object]) -> None:
        self.answer = (int(code), dict(results))
        self._loop.quit()


def portal_screenshot(connection: QDBusConnection | None = None, *,
                      timeout_ms: int = PORTAL_TIMEOUT_MS) -> QPixmap | None:
    """The whole screen from the desktop portal; None if the user declined.

    Subscribes to the request object's `Response` before calling `Screenshot` (the
    object's path is known in advance from our unique name and `handle_token`), so an
    answer that comes at once is not missed. Raises ScreenshotUnavailable where no portal
    answers (no bus, no portal, no answer in `timeout_ms`) or the file cannot be read.
    """
    bus = connection if connection is not None else QDBusConnection.sessionBus()

    def tr(text: str) -> str:
        return QCoreApplication.translate("RegionSelector", text)

    if not bus.isConnected() or not bus.baseService():
        raise ScreenshotUnavailable(tr(NO_PORTAL_MESSAGE))
    token = f"bluelm_{secrets.token_hex(8)}"
    sender = bus.baseService().lstrip(":").replace(".", "_")
    path = f"{PORTAL_PATH}/request/{sender}/{token}"
    loop = QEventLoop()
    request = _PortalRequest(loop)
    bus.connect(PORTAL_SERVICE, path, PORTAL_REQUEST, "Response", request,
                SLOT("on_response(uint,QVariantMap)"))
    try:
        portal = QDBusInterface(PORTAL_SERVICE, PORTAL_PATH, PORTAL_SCREENSHOT, bus)
        reply = portal.call("Screenshot", "", {"handle_token": token, "interactive": False})
        if reply.type() == QDBusMessage.MessageType.ErrorMessage:
            raise ScreenshotUnavailable(tr(NO_PORTAL_MESSAGE))
        if request.answer is None:
            QTimer.singleShot(timeout_ms, loop.quit)
            loop.exec()
    finally:
        bus.disconnect(PORTAL_SERVICE, path, PORTAL_REQUEST, "Response", request,
                       SLOT("on_response(uint,QVariantMap)"))
    if request.answer is None:
        raise ScreenshotUnavailable(tr(NO_PORTAL_MESSAGE))
    code, results = request.answer
    if code == 1:
        return None  # the user said no: a silent outcome
    uri = str(results.get("uri", ""))
    if code != 0 or not uri.startswith("file:"):
        raise ScreenshotUnavailable(tr(PORTAL_FAILED_MESSAGE).format(
            error=f"response {code}" if code != 0 else "no file"))
    file = Path(unquote(urlparse(uri).path))
    pixmap = QPixmap(str(file))
    if pixmap.isNull():
        raise ScreenshotUnavailable(tr(PORTAL_FAILED_MESSAGE).format(error=file.name))
    return pixmap


def grab_screen(screen: QScreen | None = None) -> QPixmap:
    """The whole of `screen` (default: the primary one); a null pixmap where the platform
    cannot grab. Its device pixel ratio is the screen's."""
    screen = screen or QGuiApplication.primaryScreen()
    if screen is None:
        return QPixmap()
    return screen.grabWindow(0)


class RegionSelector(QWidget):
    """A frameless window showing a screenshot, dimmed except for the region being chosen.

    `selected(QImage)` carries the chosen region in physical pixels (the screenshot's
    device pixel ratio kept); `cancelled()` follows Esc or a right click. The selection
    logic (`begin`, `drag_to`, `finish`) is separate from the mouse handlers so it can be
    tested without a real pointer.
    """

    selected = Signal(QImage)
    cancelled = Signal()

    def __init__(self, screenshot: QPixmap, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle(self.tr("Capture screen region"))
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._shot = screenshot
        self._origin: QPoint | None = None
        self._selection = QRect()
        self._done = False
        self._band = QRubberBand(QRubberBand.Shape.Rectangle, self)
        self.resize(self.logical_size())

    def logical_size(self) -> QSize:
        """The screenshot's size in widget (device-independent) pixels."""
        dpr = self._shot.devicePixelRatio() or 1.0
        return QSize(round(self._shot.width() / dpr), round(self._shot.height() / dpr))

    def selection(self) -> QRect:
        """The region chosen so far, in widget coordinates (empty before a drag)."""
        return QRect(self._selection)

    # -- selection logic ----------------------------------------------------------------

    def begin(self, point: QPoint) -> None:
        self._origin = QPoint(point)
        self._set_selection(QRect(point, QSize()))

    def drag_to(self, point: QPoint) -> None:
        """Extend the selection to `point`: the pixels between the press and here, so a
        drag of 100 px selects 100 px (QRect's two-point form would give 101)."""
        if self._origin is not None:
            o = self._origin
            top_left = QPoint(min(o.x(), point.x()), min(o.y(), point.y()))
            size = QSize(abs(point.x() - o.x()), abs(point.y() - o.y()))
            self._set_selection(QRect(top_left, size))

    def finish(self) -> bool:
        """Accept the current region if it is more than a click; returns whether it did."""
        self._origin = None
        rect = self._selection.intersected(QRect(QPoint(0, 0), self.logical_size()))
        if rect.width() < MIN_SELECTION or rect.height() < MIN_SELECTION:
            self._set_selection(QRect())
            return False
        if not self._done:
            self._done = True
            self.selected.emit(self.crop(rect))
        return True

    def cancel(self) -> None:
        if not self._done:
            self._done = True
            self.cancelled.emit()

    def crop(self, rect: QRect) -> QImage:
        """`rect` (widget coordinates) cut from the screenshot at its full resolution."""
        dpr = self._shot.devicePixelRatio() or 1.0
        physical = QRect(round(rect.x() * dpr), round(rect.y() * dpr),
                         round(rect.width() * dpr), round(rect.height() * dpr))
        physical = physical.intersected(self._shot.rect())
        image = self._shot.copy(physical).toImage()
        image.setDevicePixelRatio(dpr)
        return image

    def _set_selection(self, rect: QRect) -> None:
        self._selection = rect
        if rect.isEmpty():
            self._band.hide()
        else:
            self._band.setGeometry(rect)
            self._band.show()
        self.update()

    # -- events ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin(event.position().toPoint())
        elif event.button() == Qt.MouseButton.RightButton:
            self.cancel()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.drag_to(event.position().toPoint())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._origin is not None:
            self.drag_to(event.position().toPoint())
            self.finish()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("black"))
        painter.drawPixmap(QPoint(0, 0), self._shot)
        painter.fillRect(self.rect(), DIM)
        sel = self._selection
        if not sel.isEmpty():
            # the chosen region undimmed: the screenshot again, clipped to it
            painter.save()
            painter.setClipRect(sel)
            painter.drawPixmap(QPoint(0, 0), self._shot)
            painter.restore()
            self._paint_label(painter, f"{sel.width()} × {sel.height()}",
                              QPoint(sel.left(), max(0, sel.top() - 30)), corner=True)
        hint_at = QPoint(self.width() // 2, 24)
        self._paint_label(painter, self.tr(HINT), hint_at, corner=False)
        painter.end()

    def _paint_label(self, painter: QPainter, text: str, at: QPoint, corner: bool) -> None:
        """Light text on a dark rounded box: legible over any screenshot."""
        metrics = painter.fontMetrics()
        w, h = metrics.horizontalAdvance(text) + 20, metrics.height() + 10
        x = at.x() if corner else at.x() - w // 2
        box = QRect(x, at.y(), w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(20, 20, 20, 200))
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(QColor("white"))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)


def _screen_for(window: QWidget | None) -> QScreen | None:
    """The screen the user is looking at: the window's, else the one under the pointer."""
    if window is not None and window.screen() is not None:
        return window.screen()
    return QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()


def _bring_to_front(window: QWidget) -> None:
    """Raise and focus a window where the platform can (offscreen and minimal warn)."""
    if QGuiApplication.platformName() not in ("offscreen", "minimal"):
        window.raise_()
        window.activateWindow()


def _wait(ms: int) -> None:
    """Let the event loop (and the compositor) run for `ms`: not a sleep, nothing freezes."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def capture_region(parent: QWidget | None = None, *,
                   screenshot: ScreenshotSource | None = None,
                   on_error: ErrorSink | None = None,
                   hide_window: bool = True) -> QImage | None:
    """Let the user pick a region of the screen; the region as a QImage, or None.

    `screenshot`: where the picture comes from (default: `grab_screen` of the parent's
    screen). `on_error`: told in one line when no screenshot could be taken (default: the
    app's status bar, `messages.error`). `hide_window`: hide the parent's window while
    grabbing.
    """
    report = on_error or messages.error
    window = parent.window() if parent is not None else None
    screen = _screen_for(window)
    hidden = False
    if hide_window and window is not None and window.isVisible():
        window.hide()
        hidden = True
        _wait(HIDE_DELAY_MS)
    try:
        if screenshot is not None:
            shot = screenshot()
        elif is_wayland():
            try:
                portal_shot = portal_screenshot()
            except ScreenshotUnavailable as e:
                report(str(e))
                return None
            if portal_shot is None:
                return None  # declined in the portal's own dialog
            shot = portal_shot
        else:
            shot = grab_screen(screen)
        if shot.isNull() or shot.width() < 1 or shot.height() < 1:
            report(QCoreApplication.translate("RegionSelector", NO_SCREENSHOT_MESSAGE))
            return None
        return _select(shot, screen)
    finally:
        if hidden and window is not None:
            window.show()
            _bring_to_front(window)


def _select(shot: QPixmap, screen: QScreen | None) -> QImage | None:
    selector = RegionSelector(shot)
    result: list[QImage] = []
    loop = QEventLoop()

    def accept(image: QImage) -> None:
        result.append(image)
        loop.quit()

    selector.selected.connect(accept)
    selector.cancelled.connect(loop.quit)
    if screen is not None:
        selector.setGeometry(screen.geometry())
    selector.showFullScreen()
    _bring_to_front(selector)
    selector.setFocus()
    loop.exec()
    selector.hide()
    selector.deleteLater()
    return result[0] if result else None
