"""The app's message channel and crash hook: an exception nobody caught becomes a logged
traceback and one line, on the GUI thread, whichever thread raised it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import ModelError
from bluelm_desktop.ui import messages


@pytest.fixture
def hooked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    paths.set_base_dir(None)
    saved = sys.excepthook, threading.excepthook
    messages.install_crash_hook()
    try:
        yield paths.cache_dir() / messages.CRASH_LOG
    finally:
        sys.excepthook, threading.excepthook = saved
        paths.set_base_dir(None)


def test_an_exception_in_a_slot_is_logged_and_said_in_one_line(
    qtbot: QtBot, hooked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_slot() -> None:
        raise KeyError("no such page")

    with qtbot.waitSignal(messages.bridge().shown, timeout=5000) as shown:
        QTimer.singleShot(0, broken_slot)
    text, is_error = shown.args
    assert is_error and text == f"internal error: KeyError: 'no such page' (details in {hooked})"
    assert "raise KeyError" in hooked.read_text() and "KeyError" in capsys.readouterr().err


def test_an_exception_on_a_worker_thread_reaches_the_gui_thread(
    qtbot: QtBot, hooked: Path
) -> None:
    def worker() -> None:
        raise ModelError("m.gguf: truncated")

    with qtbot.waitSignal(messages.bridge().shown, timeout=5000) as shown:
        thread = threading.Thread(target=worker, name="reader")
        thread.start()
        thread.join()
    assert shown.args == [f"m.gguf: truncated (details in {hooked})", True]
    assert "--- thread reader" in hooked.read_text()
