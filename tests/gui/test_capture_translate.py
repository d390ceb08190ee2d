"""Issue 17 item 7: "Capture and translate" in one step, and the Wayland capture through
the desktop portal.

The window test is a real capture on the platform the tests run on (offscreen gives an
800×800 screen) with the tiny model answering. The portal tests talk to a private
dbus-daemon on which tests/gui/screenshot_portal.py (system Python, dbus-python) plays
`org.freedesktop.portal.Desktop`; they skip where either is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtDBus import QDBusConnection
from PySide6.QtGui import QColor, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bluelm_desktop.ui import screen_capture
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.screen_capture import (
    NO_PORTAL_MESSAGE,
    RegionSelector,
    ScreenshotUnavailable,
    capture_region,
    portal_screenshot,
)
from tests.gui.test_chat_window import ANSWER_MS, last_answer

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]

OpenWindow = Callable[..., MainWindow]
PORTAL_SERVICE = Path(__file__).with_name("screenshot_portal.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def _when_selector_shows(action: Callable[[RegionSelector], None]) -> None:
    def poll() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, RegionSelector) and widget.isVisible():
                action(widget)
                return
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def _choose(selector: RegionSelector) -> None:
    selector.begin(QPoint(10, 10))
    selector.drag_to(QPoint(74, 58))
    selector.finish()


@pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")
def test_capture_and_translate_is_one_step(qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    action = window.menu_actions.capture_translate
    assert action is not None and action.isEnabled()
    assert QKeySequence("Ctrl+Shift+T") in action.shortcuts()
    assert action in window.menuBar().actions()[0].menu().actions()  # in File

    _when_selector_shows(_choose)
    with qtbot.waitSignal(window.controller.answer_finished, timeout=ANSWER_MS) as done:
        action.trigger()
    status, action_id, _ = done.args
    assert action_id == "translate"
    assert window.isVisible()  # shown again after the grab
    user = window.chat_model.message(window.chat_model.rowCount() - 2)
    assert user.text.startswith("Translate all the text visible in the image")
    assert last_answer(window).status == status
    saved = window.history.messages(window.controller.conversation_id)
    assert saved[0].attachments and saved[0].attachments[0].name.startswith("Screen capture")


@pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")
def test_a_cancelled_capture_sends_nothing(qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window()
    rows = window.chat_model.rowCount()
    _when_selector_shows(lambda s: s.cancel())
    window.capture_and_translate()
    assert window.chat_model.rowCount() == rows
    assert window.controller.pending is None and not window.controller.generating


# --- the portal ----------------------------------------------------------------------------


class PrivateBus:
    def __init__(self, daemon: subprocess.Popen[str], address: str) -> None:
        self.daemon, self.address = daemon, address
        self.connection = QDBusConnection.connectToBus(address, f"portal-test-{id(self)}")
        self.portal: subprocess.Popen[str] | None = None

    def start_portal(self, png: Path, mode: str) -> None:
        self.portal = subprocess.Popen(
            [SYSTEM_PYTHON, str(PORTAL_SERVICE), self.address, str(png), mode],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.portal.stdout is not None
        assert self.portal.stdout.readline().strip() == "ready"

    def calls(self) -> list[str]:
        assert self.portal is not None
        self.portal.terminate()
        _, err = self.portal.communicate(timeout=10)
        self.portal = None
        return [line for line in err.splitlines() if line.startswith("{")]

    def close(self) -> None:
        if self.portal is not None:
            self.portal.terminate()
            self.portal.communicate(timeout=10)
        QDBusConnection.disconnectFromBus(self.connection.name())
        self.daemon.terminate()
        self.daemon.communicate(timeout=10)


@pytest.fixture
def private_bus() -> Iterator[PrivateBus]:
    daemon_path = shutil.which("dbus-daemon")
    if daemon_path is None or not Path(SYSTEM_PYTHON).is_file():
        pytest.skip("needs dbus-daemon and the system Python")
    check = subprocess.run([SYSTEM_PYTHON, "-c", "import dbus, gi"], capture_output=True)
    if check.returncode != 0:
        pytest.skip("the system Python has no dbus-python / PyGObject")
    daemon = subprocess.Popen([daemon_path, "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert daemon.stdout is not None
    bus = PrivateBus(daemon, daemon.stdout.readline().strip())
    assert bus.connection.isConnected()
    yield bus
    bus.close()


@pytest.fixture
def png(tmp_path: Path) -> Path:
    image = QImage(160, 120, QImage.Format.Format_RGB32)
    image.fill(QColor(10, 200, 30))
    path = tmp_path / "screen shot.png"  # a space: the URI is percent-encoded
    assert image.save(str(path))
    return path


def test_the_portal_s_file_is_the_screenshot(qtbot: QtBot, private_bus: PrivateBus,
                                             png: Path) -> None:
    private_bus.start_portal(png, "ok")
    shot = portal_screenshot(private_bus.connection, timeout_ms=10_000)
    assert shot is not None and (shot.width(), shot.height()) == (160, 120)
    assert shot.toImage().pixelColor(5, 5) == QColor(10, 200, 30)
    (call,) = private_bus.calls()
    sender = private_bus.connection.baseService()[1:].replace(".", "_")
    assert f'"/org/freedesktop/portal/desktop/request/{sender}/bluelm_' in call


def test_declined_in_the_portal_is_none(qtbot: QtBot, private_bus: PrivateBus,
                                        png: Path) -> None:
    private_bus.start_portal(png, "cancel")
    assert portal_screenshot(private_bus.connection, timeout_ms=10_000) is None


def test_no_portal_is_one_line(qtbot: QtBot, private_bus: PrivateBus) -> None:
    with pytest.raises(ScreenshotUnavailable) as raised:
        portal_screenshot(private_bus.connection, timeout_ms=10_000)
    assert str(raised.value) == NO_PORTAL_MESSAGE and "\n" not in str(raised.value)


def test_a_portal_that_never_answers_is_one_line(qtbot: QtBot, private_bus: PrivateBus,
                                                 png: Path) -> None:
    private_bus.start_portal(png, "silent")
    with pytest.raises(ScreenshotUnavailable, match="no screenshot portal answered"):
        portal_screenshot(private_bus.connection, timeout_ms=300)


def test_on_wayland_capture_region_goes_through_the_portal(
        qtbot: QtBot, private_bus: PrivateBus, png: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    monkeypatch.setattr(screen_capture, "grab_screen",
                        lambda *_: pytest.fail("grabbed the screen on Wayland"))
    real = screen_capture.portal_screenshot
    monkeypatch.setattr(screen_capture, "portal_screenshot",
                        lambda: real(private_bus.connection, timeout_ms=10_000))
    errors: list[str] = []
    # no portal yet: one line, no selector
    assert capture_region(on_error=errors.append) is None
    assert errors == [NO_PORTAL_MESSAGE]

    private_bus.start_portal(png, "ok")
    _when_selector_shows(_choose)
    image = capture_region(on_error=errors.append)
    assert errors == [NO_PORTAL_MESSAGE]
    assert image is not None and (image.width(), image.height()) == (64, 48)
    assert image.pixelColor(3, 3) == QColor(10, 200, 30)


def test_a_null_screenshot_still_says_so(qtbot: QtBot) -> None:
    errors: list[str] = []
    assert capture_region(screenshot=QPixmap, on_error=errors.append) is None
    assert len(errors) == 1 and "\n" not in errors[0]
