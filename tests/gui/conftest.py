"""Fixtures for the GUI tests that run the real window on the tiny synthetic models."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from bluelm_desktop.core import paths
from bluelm_desktop.core.history import HistoryStore
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.core.settings import InferenceSettings, ModelSettings, Settings
from bluelm_desktop.ui import i18n
from bluelm_desktop.ui.gui_gc import GuiGarbageCollector
from bluelm_desktop.ui.main_window import MainWindow
from model_convert import constants as C

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
WINDOW_LOAD_MS = 60_000

OpenWindow = Callable[..., MainWindow]


@pytest.fixture(scope="module", autouse=True)
def gui_thread_gc_everywhere(qapp: QApplication) -> Iterator[None]:
    """Cyclic garbage is collected on the GUI thread in every GUI test module, not only in
    tests that ask for `gui_thread_gc`: a module without it once let a download thread's
    imports start a collection that met widgets left in a cycle, and the run died with a
    segmentation fault in "Garbage-collecting". One full collection per module, at its
    end (tests that ask for `gui_thread_gc` still get one each)."""
    collector = GuiGarbageCollector()
    collector.start()
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    collector.stop()


@pytest.fixture
def gui_thread_gc(qapp: QApplication) -> Iterator[None]:
    """As in the app: cyclic garbage (closed windows held by lambdas) is collected on the
    GUI thread, never on the engine thread, where destroying widgets crashes."""
    collector = GuiGarbageCollector()
    collector.start()
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    collector.stop()


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    """The interface in zh_CN (ours and Qt's own catalogs) for one test."""
    installed = i18n.install_translators(qapp, "zh_CN")
    assert len(installed) == 2, "bluelm_zh_CN.qm and qtbase_zh_CN.qm"
    try:
        yield
    finally:
        i18n.remove_translators(qapp, installed)


@pytest.fixture
def no_thread_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """napari's rule: a test that leaves a QThread (or the engine thread) running fails."""
    started: list[QThread] = []
    original = QThread.start

    def start(self: QThread, *args: object) -> None:
        started.append(self)
        original(self, *args)

    monkeypatch.setattr(QThread, "start", start)
    yield
    alive = [t.objectName() or repr(t) for t in started if isValid(t) and t.isRunning()]
    assert not alive, f"QThreads still running after the test: {alive}"
    engines = [t.name for t in threading.enumerate() if t.name == "engine" and t.is_alive()]
    assert not engines, "the engine thread outlived the test"


@pytest.fixture
def invoice() -> Path:
    path = SAMPLES / "invoice.png"
    if not path.is_file():
        pytest.skip("resources/samples/invoice.png is missing (run make_samples.py)")
    return path


@pytest.fixture
def open_window(qtbot: QtBot, tiny_models: Callable[..., object], tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenWindow]:
    """`open_window(vision=True, max_tokens=32, save_settings=False, context=4096)` → a
    shown window
    with the tiny BlueLM-layout model loaded, a history and settings in tmp_path; shut
    down (threads joined) at teardown."""
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.setenv("BLUELM_SETTINGS", str(tmp_path / "settings.toml"))
    paths.set_base_dir(None)
    opened: list[tuple[MainWindow, HistoryStore]] = []

    def open_(vision: bool = True, max_tokens: int = 32, temperature: float = 0.0,
              history: HistoryStore | None = None, save_settings: bool = False,
              context: int = 4096) -> MainWindow:
        models = tiny_models(C.LAYOUT_BLUELM)
        settings = Settings(
            model=ModelSettings(str(models.llm), str(models.mmproj) if vision else None),
            inference=InferenceSettings(max_tokens=max_tokens, temperature=temperature,
                                        repeat_penalty=1.0, seed=3, context=context),
        )
        store = history or HistoryStore(tmp_path / "history.db")
        window = MainWindow(ModelLibrary.from_paths(), tmp_path, settings, store,
                            save_settings=save_settings)
        qtbot.addWidget(window)
        opened.append((window, store))
        with qtbot.waitSignal(window.bridge.loaded, timeout=WINDOW_LOAD_MS):
            window.show()
        return window

    yield open_
    for window, store in opened:
        window.close()  # shuts the bridge, the panels' threads and the engine down
        window.deleteLater()
        store.close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    paths.set_base_dir(None)
