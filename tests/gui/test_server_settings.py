"""The settings dialog's server page: values in and out, the address checked on OK, and
"Test connection" against a real llama-server (tests/llama_servers.py), off the GUI
thread, in one line — what the server serves, or why it cannot be reached."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.settings import ServerSettings, Settings
from bluelm_desktop.ui.server_settings import TEST_TIMEOUT_S, wait_for_left_tests
from bluelm_desktop.ui.settings_dialog import SettingsDialog, needs_reload, server_changed
from model_convert import constants as C
from tests.llama_servers import LlamaServer, free_port, server_binary

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

KEY = "k3y-for-the-dialog-test"
TEST_MS = 30_000


@pytest.fixture(scope="module")
def server(tiny_models: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[LlamaServer]:
    models = tiny_models(C.LAYOUT_BLUELM)
    log = tmp_path_factory.mktemp("dialog-server") / "server.log"
    with LlamaServer(server_binary(), models.llm, models.mmproj, log, slots=2,
                     api_key=KEY) as s:
        yield s


def _dialog(qtbot: QtBot, settings: Settings | None = None, key: str | None = None
            ) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(), api_key=key)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentWidget(dialog.server)
    return dialog


def _test(qtbot: QtBot, dialog: SettingsDialog, url: str, key: str = "") -> str:
    page = dialog.server
    page.url.setText(url)
    page.api_key.setText(key)
    with qtbot.waitSignal(page.test.finished, timeout=TEST_MS):
        page.test_button.click()
        # the click returned at once: the test runs on its own thread
        assert not page.test_button.isEnabled()
        assert page.result.text().startswith("Connecting to ")
    assert page.test_button.isEnabled()
    return page.result.text()


def test_the_server_page_shows_and_returns_its_values(qtbot: QtBot) -> None:
    s = Settings(server=ServerSettings(enabled=True, url="http://gpu-box:8080"))
    dialog = _dialog(qtbot, s, KEY)
    page = dialog.server
    assert page.enabled.isChecked() and page.url.text() == "http://gpu-box:8080"
    assert page.api_key.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.chosen() == s and dialog.chosen_api_key() == KEY
    page.enabled.setChecked(False)
    page.api_key.clear()
    assert dialog.chosen().server == ServerSettings(enabled=False, url="http://gpu-box:8080")
    assert dialog.chosen_api_key() is None
    assert server_changed(s, dialog.chosen()) and needs_reload(s, dialog.chosen())
    # Restore Defaults does not change where answers come from: the server page shows
    # what it showed when the dialog opened
    dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dialog.chosen().server == s.server and dialog.chosen_api_key() == KEY


def test_every_control_of_the_page_is_named(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    focusable = [w for w in dialog.server.findChildren(QWidget)
                 if w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.isEnabled()]
    assert len(focusable) >= 4
    unnamed = [type(w).__name__ for w in focusable if not w.accessibleName()]
    assert not unnamed, unnamed
    undescribed = [w.accessibleName() for w in focusable if not w.accessibleDescription()]
    assert not undescribed, undescribed


@pytest.mark.parametrize(("url", "key", "says"), [
    ("", None, "Give the server's address"),
    ("ftp://gpu-box", None, "not a server URL"),
    ("http://user:pw@gpu-box:8080", None, "put no user or password in the server URL"),
    ("http://gpu-box:8080", "two words", "one word of printable characters"),
])
def test_ok_refuses_what_cannot_be_used_in_one_line(qtbot: QtBot, url: str, key: str | None,
                                                    says: str) -> None:
    dialog = _dialog(qtbot)
    dialog.tabs.setCurrentIndex(0)
    page = dialog.server
    page.enabled.setChecked(True)
    page.url.setText(url)
    page.api_key.setText(key or "")
    dialog.show()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible() and dialog.result() != SettingsDialog.DialogCode.Accepted
    assert dialog.tabs.currentWidget() is page
    assert says in page.result.text() and "\n" not in page.result.text()
    assert "pw" not in page.result.text() or says.startswith("put")
    dialog.reject()


def test_the_connection_test_says_what_the_server_serves(qtbot: QtBot,
                                                         server: LlamaServer) -> None:
    dialog = _dialog(qtbot)
    line = _test(qtbot, dialog, server.url, KEY)
    assert line.startswith(f"Connected to 127.0.0.1:{server.port}: "), line
    assert "vision: yes" in line and "2 slot(s)" in line and "\n" not in line
    assert KEY not in line


def test_the_connection_test_says_why_not_in_one_line(qtbot: QtBot, server: LlamaServer
                                                      ) -> None:
    dialog = _dialog(qtbot)
    port = free_port()  # nothing listens there
    refused = _test(qtbot, dialog, f"http://127.0.0.1:{port}")
    assert refused == (f"127.0.0.1:{port}: connection refused (is llama-server running "
                       "there?)"), refused
    wrong = _test(qtbot, dialog, server.url, "not-the-key")
    assert wrong == f"127.0.0.1:{server.port}: the API key was refused (401)", wrong
    missing = _test(qtbot, dialog, server.url)
    assert missing == f"127.0.0.1:{server.port}: no API key was given (401)", missing
    bad = _test_now(dialog, "gpu box")
    assert "not a server URL" in bad and "\n" not in bad


def _test_now(dialog: SettingsDialog, url: str) -> str:
    """A URL refused before any connection: said at once."""
    dialog.server.url.setText(url)
    dialog.server.test_button.click()
    return dialog.server.result.text()


def test_closing_the_dialog_does_not_wait_for_a_silent_server(qtbot: QtBot) -> None:
    """A host that takes the connection and never answers: the test would wait its 15 s
    timeout. Closing the dialog meanwhile returns at once; the test's thread is left to
    end on its own (here: when the host hangs up) and is not destroyed while it runs."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # the kernel completes the connection; nobody ever reads or answers
    dialog = _dialog(qtbot)
    dialog.server.url.setText(f"http://127.0.0.1:{silent.getsockname()[1]}")
    dialog.show()
    dialog.server.test_button.click()
    assert dialog.server.test.running
    qtbot.wait(300)  # connected, its request sent: now waiting for an answer
    started = time.monotonic()
    dialog.reject()
    assert time.monotonic() - started < 2.0 < TEST_TIMEOUT_S
    assert not dialog.server.test.running and not dialog.isVisible()
    dialog.deleteLater()  # the page goes; its thread must not go with it
    qtbot.wait(50)
    silent.close()  # the host hangs up: the left test ends
    started = time.monotonic()
    wait_for_left_tests()
    assert time.monotonic() - started < 5.0
