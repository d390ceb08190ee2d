"""Closing the window while a dropped image is being encoded: a clean exit.

No engine thread, QThread or child process (the document worker) may outlive the
window, and the window goes away at once even though the tile in flight is finished
first (the ViT cannot be interrupted inside a tile).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from tests.gui.conftest import OpenWindow
from tests.gui.test_chat_window import LOAD_MS, drop_files, press_enter

pytestmark = pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")


def children() -> set[int]:
    """Live child processes, less multiprocessing's resource tracker: started with the
    first spawned worker, it serves the whole process and ends when its pipe closes at
    exit, so it is not one a window may leave behind."""
    found = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() == psutil.STATUS_ZOMBIE or "resource_tracker" in " ".join(p.cmdline()):
                continue
        except psutil.NoSuchProcess:
            continue
        found.add(p.pid)
    return found


def test_close_mid_encode_leaves_no_thread_or_process(
        qtbot: QtBot, open_window: OpenWindow, tmp_path: Path) -> None:
    before = children()
    window = open_window()
    poster = tmp_path / "poster.png"  # many tiles: the encoding takes a while
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 256, (2400, 3200, 3), dtype=np.uint8)).save(poster)
    finished: list[str] = []
    window.bridge.image_ready.connect(lambda image_id, *_: finished.append(image_id))
    progress: list[tuple[int, int]] = []
    window.bridge.tile_encoded.connect(lambda _id, done, total: progress.append((done, total)))

    with qtbot.waitSignal(window.bridge.tile_encoded, timeout=LOAD_MS):
        drop_files(window, [poster])
        press_enter(qtbot, window, "What is on the poster?")  # waits for the encoding
    assert children() - before, "the document worker process should be running"
    conversation = window.controller.conversation_id
    t0 = time.perf_counter()
    window.close()
    close_s = time.perf_counter() - t0
    done, total = progress[-1]
    assert not finished and done < total, "the encoding ended before the window closed"
    assert not window.isVisible()

    left = children() - before
    assert not left, f"child processes left after closing: {left}"
    engine = window.bridge.engine
    assert not engine._thread.is_alive()
    print(f"\nclosed after {done} of {total} tiles in {close_s * 1000:.0f} ms")
    # the question asked while it encoded is kept in the history, unanswered
    conversations = window.history.list_conversations()
    assert conversation is None and len(conversations) == 1  # saved only now
    saved = window.history.messages(conversations[0].id)
    assert [(m.role, m.text) for m in saved] == [("user", "What is on the poster?")]
