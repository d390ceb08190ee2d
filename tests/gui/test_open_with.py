"""Open with, and one window per data folder: `bluelm-desktop FILE…`.

- Files given at start are attached as a drop is, once the model has loaded.
- A second start with the same data folder hands its files to the first over a real
  local socket and exits 0 (both are real `bluelm-desktop` processes here).
- A socket left behind by a crash is replaced; two data folders never meet.

What reaches a window that runs in another process is read from its history: the app
copies each document it reads into `<data>/attachments`, named by its sha256.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir, QEvent
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bluelm_desktop.core import paths
from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.errors import BlueLMError
from bluelm_desktop.core.history import HistoryStore
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.core.settings import InferenceSettings, ModelSettings, Settings
from bluelm_desktop.ui import single_instance
from bluelm_desktop.ui.app import WindowFiles
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.single_instance import InstanceServer, claim, server_name
from model_convert import constants as C

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise",
                                        "does not support activateWindow"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

REPO = Path(__file__).resolve().parents[2]
LOAD_MS = 60_000
START_MS = 120_000  # a whole app starting in a child process, on a busy 2-core machine


def tiny_settings(tiny_models: Callable[..., object]) -> Settings:
    models = tiny_models(C.LAYOUT_BLUELM)
    return Settings(model=ModelSettings(str(models.llm), str(models.mmproj)),  # type: ignore[attr-defined]
                    inference=InferenceSettings(max_tokens=8, temperature=0.0, seed=3))


def app_env(data: Path, settings: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "BLUELM_DATA_DIR": str(data),
            "BLUELM_SETTINGS": str(settings),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                        os.environ.get("PYTHONPATH")]))}


def start_app(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`bluelm-desktop ARGS` in a child process (its output in `log`)."""
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bluelm_desktop.cli", *args],
                                env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)


def copied_into(data: Path, file: Path) -> Callable[[], bool]:
    """Whether the history in `data` holds a copy of `file` (the app read it)."""
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    return lambda: any((data / "attachments").rglob(digest))


@pytest.fixture
def window_before_load(qtbot: QtBot, tiny_models: Callable[..., object], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """The window as `run` makes it: shown, its model still loading."""
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.setenv(settings_io.ENV_SETTINGS, str(tmp_path / "settings.toml"))
    paths.set_base_dir(None)
    store = HistoryStore(tmp_path / "history.db")
    window = MainWindow(ModelLibrary.from_paths(), tmp_path, tiny_settings(tiny_models), store,
                        save_settings=False)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    window.deleteLater()
    store.close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    paths.set_base_dir(None)


def test_files_given_at_start_are_attached_once_the_model_has_loaded(
        qtbot: QtBot, window_before_load: MainWindow, invoice: Path) -> None:
    window = window_before_load
    opened = WindowFiles(window)
    window.showMinimized()
    assert window.loaded is None  # what `run` sees right after showing the window
    with qtbot.waitSignal(window.controller.documents_attached, timeout=LOAD_MS) as attached:
        opened.open([invoice])
        assert not window.isMinimized()  # brought back to the front
        assert opened.waiting == [invoice]
        assert "invoice.png: attached when a model is loaded" in \
            window.statusBar().currentMessage()
    assert window.loaded is not None and opened.waiting == []
    assert [s.name for s in attached.args[1]] == ["invoice.png"]
    assert window.controller.pending is not None  # read for the next question, as a drop
    assert window.side_tabs.isVisible()  # the document panel shows it


@pytest.mark.slow
def test_a_second_start_hands_its_files_to_the_running_window(
        qtbot: QtBot, tiny_models: Callable[..., object], tmp_path: Path,
        invoice: Path) -> None:
    data, settings = tmp_path / "data", tmp_path / "settings.toml"
    settings_io.save(tiny_settings(tiny_models), settings)
    env, log = app_env(data, settings), tmp_path / "app.log"
    folder = tmp_path / "Scans from the file manager"  # a path with spaces
    folder.mkdir()
    first_file, second_file = folder / "invoice one.png", folder / "invoice two.png"
    first_file.write_bytes(invoice.read_bytes())
    second_file.write_bytes(invoice.read_bytes() + b"\0")  # other bytes, another copy

    first = start_app("--data-dir", str(data), str(first_file), env=env, log=log)
    try:
        qtbot.waitUntil(lambda: copied_into(data, first_file)() or first.poll() is not None,
                        timeout=START_MS)
        assert first.poll() is None, log.read_text(errors="replace")[-3000:]

        second = start_app("--data-dir", str(data), str(second_file), env=env, log=log)
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=START_MS)
        assert second.returncode == 0, log.read_text(errors="replace")[-3000:]
        qtbot.waitUntil(copied_into(data, second_file), timeout=LOAD_MS)
        assert first.poll() is None  # still the one window
    finally:
        first.kill()
        first.wait(30)
        QLocalServer.removeServer(server_name(data))  # what the killed app left behind


def crash_while_listening(data: Path, tmp_path: Path) -> None:
    """A process that becomes the app for `data`, then dies without closing its socket."""
    code = ("import sys\nfrom pathlib import Path\n"
            "from PySide6.QtCore import QCoreApplication\n"
            "from bluelm_desktop.ui.single_instance import claim\n"
            "app = QCoreApplication([])\n"
            "server = claim(Path(sys.argv[1]))\n"
            "print('listening', flush=True)\n"
            "sys.stdin.read()\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(data)], cwd=REPO,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"listening\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        assert child.stdin is not None and child.stdout is not None
        child.stdin.close()
        child.stdout.close()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave nothing behind")
def test_a_socket_left_by_a_crash_is_replaced(qtbot: QtBot, tmp_path: Path,
                                              invoice: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    crash_while_listening(data, tmp_path)
    stale = Path(QDir.tempPath()) / server_name(data)
    assert stale.exists(), "the crash should have left its socket"

    server = claim(data)  # not handed to the dead one, not an error: the app again
    assert isinstance(server, InstanceServer)
    try:
        env, log = app_env(data, tmp_path / "settings.toml"), tmp_path / "start.log"
        with qtbot.waitSignal(server.files_received, timeout=START_MS) as received:
            second = start_app("--data-dir", str(data), str(invoice), env=env, log=log)
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=START_MS)
        assert second.returncode == 0, log.read_text(errors="replace")[-3000:]
        assert received.args == [[invoice]]
    finally:
        server.close()
    assert not stale.exists()  # a clean exit removes it


def test_each_data_folder_has_its_own_window(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "a")
    monkeypatch.chdir(tmp_path)
    assert server_name(Path("a")) == server_name(tmp_path / "b" / ".." / "a")
    assert server_name(Path("a")) == server_name(tmp_path / "link")
    assert server_name(Path("a")) != server_name(Path("b"))
    first = claim(tmp_path / "a")
    second = claim(tmp_path / "b")  # another folder: not handed to the first
    try:
        assert isinstance(first, InstanceServer) and isinstance(second, InstanceServer)
        assert first.listening and second.listening
    finally:
        for server in (first, second):
            if server is not None:
                server.close()


def test_a_running_app_that_does_not_answer_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Something listens on the data folder's socket but never answers (a hung app): the
    new start says so instead of opening a second window on the same data."""
    monkeypatch.setattr(single_instance, "REPLY_TIMEOUT_MS", 300)
    data = tmp_path / "data"
    data.mkdir()
    hung = QLocalServer()
    assert hung.listen(server_name(data))  # accepts connections, reads nothing
    try:
        with pytest.raises(BlueLMError, match="already running with this data folder"):
            claim(data, [tmp_path / "a.png"])
    finally:
        hung.close()
