"""The settings dialog's server page: answer through llama.cpp's `llama-server`.

A check box, the server's address, its API key (shown as dots) and "Test connection",
which asks the server's /health and /props on a thread of its own (`ConnectionTest`:
a test waits up to its timeouts, and the dialog must not freeze meanwhile, nor when it
closes) and says in one line what it serves, or why it cannot be reached. The address is checked as
`core.server.ServerConfig` checks it; the key is handed back to the window, which keeps
it in its own file (`core.server.keys`), never in the settings.
"""

from __future__ import annotations

import atexit
from typing import Final

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.errors import value_line
from bluelm_desktop.core.server import ServerConfig, ServerInfo, check_server
from bluelm_desktop.core.server.keys import valid_api_key
from bluelm_desktop.core.settings import ServerSettings
from bluelm_desktop.ui.i18n import tr_line
from bluelm_desktop.ui.messages import error_line

# A connection test is a question the user waits for: shorter than an answer's timeouts.
TEST_CONNECT_TIMEOUT_S: Final = 5.0
TEST_TIMEOUT_S: Final = 15.0


def server_config(url: str, api_key: str | None, *, test: bool = False) -> ServerConfig:
    """The server at `url` with `api_key` (None or blank: none); ValueError, one line, for
    an address that is not one or a key that is not one word."""
    key = (api_key or "").strip() or None
    if test:
        return ServerConfig(url, api_key=key, timeout_s=TEST_TIMEOUT_S,
                            connect_timeout_s=TEST_CONNECT_TIMEOUT_S)
    return ServerConfig(url, api_key=key)


class _TestThread(QThread):
    """`check_server` off the GUI thread; `checked` comes on the GUI thread (queued)."""

    checked = Signal(bool, object)  # ok, ServerInfo or the one-line error

    def __init__(self, config: ServerConfig, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("server-test")
        self._config = config

    def run(self) -> None:
        try:
            info = check_server(self._config)
        except Exception as e:  # one line, never a crash of the dialog (a bug: its type)
            self.checked.emit(False, error_line(e))
        else:
            self.checked.emit(True, info)


class ConnectionTest(QObject):
    """One connection test at a time; `finished(ok, line)` with the line to show."""

    finished = Signal(bool, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: _TestThread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, config: ServerConfig) -> bool:
        """Test `config`; False if a test is still running."""
        if self._thread is not None:
            return False
        thread = _TestThread(config, self)
        thread.checked.connect(self._on_checked)
        self._thread = thread
        thread.start()
        return True

    @Slot(bool, object)
    def _on_checked(self, ok: bool, result: object) -> None:
        self._reap()
        if ok and isinstance(result, ServerInfo):
            self.finished.emit(True, describe_server(result))
        else:
            self.finished.emit(False, str(result))

    def _reap(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.wait()  # it has emitted its result: it is ending
            thread.deleteLater()

    def shutdown(self) -> None:
        """Forget a test still running, without waiting for it: a host that never answers
        would freeze the closing dialog for the test's timeouts. The thread is kept (a
        running QThread must not be destroyed) until it ends; idempotent."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.checked.disconnect(self._on_checked)
            thread.setParent(None)  # outlives this page, which may be deleted now
            _LEFT_RUNNING.append(thread)
        _LEFT_RUNNING[:] = [t for t in _LEFT_RUNNING if not t.wait(0)]  # drop those ended


# Tests whose page closed before they ended. Each ends within its timeouts; the last ones
# are waited for when the process exits (a running QThread destroyed at exit aborts it).
_LEFT_RUNNING: list[_TestThread] = []


@atexit.register
def wait_for_left_tests() -> None:
    """Wait for the connection tests still running (the window is gone by then)."""
    while _LEFT_RUNNING:
        _LEFT_RUNNING.pop().wait()


def describe_server(info: ServerInfo) -> str:
    """One line: what the server serves, in the interface language."""
    vision = (QCoreApplication.translate("ServerPage", "yes") if info.vision else
              QCoreApplication.translate("ServerPage", "no (started without --mmproj)"))
    return QCoreApplication.translate(
        "ServerPage", "Connected to {server}: {model}; vision: {vision}; {slots} slot(s) of "
        "{positions} positions").format(server=info.label, model=info.model, vision=vision,
                                        slots=info.slots, positions=info.n_ctx)


class ServerPage(QWidget):
    """The server group of the settings dialog: `show_settings`, `chosen`, `api_key`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox(self.tr("Use a llama.cpp server"))
        self.enabled.setAccessibleName(self.tr("Use a llama.cpp server"))
        self.enabled.setAccessibleDescription(self.tr(
            "Answers come from llama.cpp's llama-server at the address below instead of "
            "the model loaded on this computer"))
        self.url = QLineEdit()
        self.url.setPlaceholderText("http://192.0.2.10:8080")  # (an example address)
        self.url.setAccessibleName(self.tr("Server address"))
        self.url.setAccessibleDescription(self.tr(
            "The server's address: http://HOST:PORT or https://HOST"))
        self.url.setMaxLength(2048)
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setAccessibleName(self.tr("Server API key"))
        self.api_key.setAccessibleDescription(self.tr(
            "The key the server was started with (--api-key); leave it empty if it has "
            "none. It is kept in a file only you can read, never in the settings"))
        self.api_key.setPlaceholderText(self.tr("none"))
        self.test_button = QPushButton(self.tr("Test connection"))
        self.test_button.setAccessibleName(self.tr("Test connection"))
        self.test_button.setAccessibleDescription(self.tr(
            "Asks the server what it serves, without changing the settings"))
        self.test_button.clicked.connect(self.test_connection)
        self.result = QLabel()
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.setWordWrap(True)
        self.result.setAccessibleName(self.tr("Connection test result"))
        self.result.setAccessibleDescription(self.tr(
            "What the last connection test found, in one line"))
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test = ConnectionTest(self)
        self.test.finished.connect(self._on_tested)

        form = QFormLayout()
        form.addRow(self.enabled)
        form.addRow(self.tr("Address:"), self.url)
        form.addRow(self.tr("API key:"), self.api_key)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.result, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        note = QLabel(self.tr(
            "llama.cpp's own llama-server (a GPU box, or any machine on your network) "
            "answers instead of the model loaded here; start it with --mmproj to ask about "
            "documents. Only that address is contacted. Changing this reconnects (or "
            "loads the model here again)."))
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setEnabled(False)
        layout.addWidget(note)
        layout.addStretch(1)

    # --- values -------------------------------------------------------------------

    def show_settings(self, server: ServerSettings, api_key: str | None) -> None:
        self.enabled.setChecked(server.enabled)
        self.url.setText(server.url or "")
        self.api_key.setText(api_key or "")

    def chosen(self) -> ServerSettings:
        """The group as shown; ValueError (one line) for an address or key that cannot
        be used while the box is ticked."""
        url = self.url.text().strip() or None
        key = self.chosen_api_key()
        if key is not None and not valid_api_key(key):
            raise ValueError(self.tr("The API key must be one word of printable characters."))
        if self.enabled.isChecked():
            if url is None:
                raise ValueError(self.tr("Give the server's address, e.g. "
                                         "http://gpu-box:8080."))
            server_config(url, key)  # the address's own one-line error
        return ServerSettings(enabled=self.enabled.isChecked(), url=url)

    def chosen_api_key(self) -> str | None:
        return self.api_key.text().strip() or None

    def show_error(self, line: str) -> None:
        self.result.setText(line)

    # --- the test -----------------------------------------------------------------

    @Slot()
    def test_connection(self) -> None:
        url = self.url.text().strip()
        if not url:
            self.result.setText(self.tr("Give the server's address first."))
            return
        try:
            config = server_config(url, self.chosen_api_key(), test=True)
        except ValueError as e:
            self.result.setText(tr_line(value_line(e)))
            return
        if self.test.start(config):
            self.test_button.setEnabled(False)
            self.result.setText(self.tr("Connecting to {server}…").format(server=config.label))

    @Slot(bool, str)
    def _on_tested(self, ok: bool, line: str) -> None:
        self.test_button.setEnabled(True)
        self.result.setText(line)

    def shutdown(self) -> None:
        self.test.shutdown()
        self.test_button.setEnabled(True)
