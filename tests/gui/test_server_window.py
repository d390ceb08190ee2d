"""The window answering through a real llama.cpp `llama-server` (the tiny synthetic pair).

The server is built and started by tests/llama_servers.py (as tests/integration/
test_servers.py does) on 127.0.0.1; the window is the real one, with the server switched
on in its settings. Checked: the answer streams into the chat pane (more than one text
emission), Stop mid-answer ends it with `answer_stopped` and keeps what was written, a
page goes to the server, the status bar names the model and the server, and the window's
process contacts that HOST:PORT and nothing else (an audit hook, tests/network_audit.py);
a server without a projector refuses documents in one line while text chat still works;
the settings dialog switches to a server with an API key (kept 0600 in its own file,
never in settings.toml nor in a log line) and back to the model loaded here.
The weights are random: answers are noise, so structure is checked, never content.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from bluelm_desktop.core import paths
from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.documents import DocumentSource
from bluelm_desktop.core.history import HistoryStore
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.core.server import ServerConnection
from bluelm_desktop.core.server.keys import KEY_FILE, api_key_path
from bluelm_desktop.core.settings import (
    InferenceSettings,
    ModelSettings,
    ServerSettings,
    Settings,
    UISettings,
)
from bluelm_desktop.ui.chat_pane import (
    ROLE_ASSISTANT,
    ROLE_NOTE,
    STATUS_COMPLETE,
    STATUS_INTERRUPTED,
)
from bluelm_desktop.ui.main_window import MainWindow
from model_convert import constants as C
from tests.llama_servers import LlamaServer, free_port, server_binary
from tests.network_audit import OfflineViolation, audited

pytestmark = [pytest.mark.slow,
              pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
WAIT_MS = 90_000
KEY = "s3cret-Key_for-the-test"

OpenServerWindow = Callable[..., MainWindow]


@pytest.fixture(scope="module")
def models(tiny_models: Callable[..., Any]) -> Any:
    return tiny_models(C.LAYOUT_BLUELM)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-window-logs")


@pytest.fixture(scope="module")
def vision_server(models: Any, logs: Path) -> Iterator[LlamaServer]:
    with LlamaServer(server_binary(), models.llm, models.mmproj, logs / "vision.log",
                     ctx=4096) as server:
        yield server


@pytest.fixture(scope="module")
def text_server(models: Any, logs: Path) -> Iterator[LlamaServer]:
    with LlamaServer(server_binary(), models.llm, None, logs / "text.log") as server:
        yield server


@pytest.fixture(scope="module")
def keyed_server(models: Any, logs: Path) -> Iterator[LlamaServer]:
    with LlamaServer(server_binary(), models.llm, models.mmproj, logs / "keyed.log",
                     api_key=KEY) as server:
        yield server


@pytest.fixture
def server_window(qtbot: QtBot, tmp_path: Path, models: Any,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenServerWindow]:
    """`server_window(url)` → a shown window answering through the server at `url` (or,
    with url None, through the tiny model here), settings and history in tmp_path."""
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.setenv(settings_io.ENV_SETTINGS, str(tmp_path / "settings.toml"))
    paths.set_base_dir(None)
    opened: list[tuple[MainWindow, HistoryStore]] = []

    def open_(url: str | None, max_tokens: int = 48, save_settings: bool = False,
              fails: bool = False, pair: bool = True) -> MainWindow:
        settings = Settings(
            model=ModelSettings(str(models.llm), str(models.mmproj)) if pair else
            ModelSettings(),
            inference=InferenceSettings(max_tokens=max_tokens, temperature=0.0,
                                        repeat_penalty=1.0, seed=3, context=4096),
            ui=UISettings(coalesce_ms=16),
            server=ServerSettings(enabled=url is not None, url=url))
        store = HistoryStore(tmp_path / "history.db")
        window = MainWindow(ModelLibrary.from_paths(), tmp_path, settings, store,
                            save_settings=save_settings)
        qtbot.addWidget(window)
        opened.append((window, store))
        until = window.bridge.load_failed if fails else window.bridge.loaded
        with qtbot.waitSignal(until, timeout=WAIT_MS):
            window.show()
        return window

    yield open_
    for window, store in opened:
        window.close()
        window.deleteLater()
        store.close()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    paths.set_base_dir(None)


def _ask(qtbot: QtBot, window: MainWindow, text: str, until: Any) -> list[str]:
    """Send `text` through the controller; the text emissions until `until` fires."""
    pieces: list[str] = []
    window.bridge.answer_text.connect(lambda _rid, piece: pieces.append(piece))
    with qtbot.waitSignal(until, timeout=WAIT_MS):
        assert window.controller.submit(text)
    return pieces


def test_the_window_streams_and_stops_through_a_server(
        qtbot: QtBot, server_window: OpenServerWindow, vision_server: LlamaServer,
        models: Any) -> None:
    port = vision_server.port
    with audited("127.0.0.1", port) as audit:
        # (greedy decoding of this model runs a new story to the token limit: long enough
        # to stream in many pieces even on a busy machine)
        window = server_window(vision_server.url, max_tokens=600)
        loaded = window.loaded
        assert loaded is not None and loaded.server is not None and loaded.llm is None
        assert loaded.server.vision and window.controller.vision
        assert window.model_label.text() == f"{loaded.server.model} on 127.0.0.1:{port}"
        assert window.composer.attach_button.isEnabled()
        assert window.bridge.context_length == 4096  # the server's slot, not our setting

        # 1. A streamed answer: several emissions, all of them in the pane.
        pieces = _ask(qtbot, window, "Tell a long story.", window.bridge.answer_done)
        assert len(pieces) > 1, pieces
        model = window.chat_model
        answer = model.message(model.rowCount() - 1)
        assert (answer.role, answer.status) == (ROLE_ASSISTANT, STATUS_COMPLETE)
        assert answer.text == "".join(pieces) and answer.text

        # 2. Stop mid-answer: the stream is closed, the answer so far is kept. (Greedy
        # decoding of this model runs a new conversation's story to the token limit; the
        # tiny model is quick, so the Stop button is pressed at the first text shown.)
        window.apply_settings(dataclasses.replace(window.settings, inference=dataclasses.replace(
            window.settings.inference, max_tokens=4000)))
        window.new_conversation()
        pieces = []

        def stop_at_first(_rid: int, piece: str) -> None:
            pieces.append(piece)
            if len(pieces) == 1:
                window.chat_pane.stop_requested.emit()

        window.bridge.answer_text.connect(stop_at_first)
        with qtbot.waitSignal(window.bridge.answer_stopped, timeout=WAIT_MS):
            assert window.controller.submit("Tell a long story.")
        window.bridge.answer_text.disconnect(stop_at_first)
        stopped = model.message(model.rowCount() - 1)
        assert stopped.status == STATUS_INTERRUPTED and stopped.text
        assert not window.controller.generating
        # the server saw the stream closed and stopped generating, far from the limit
        qtbot.waitUntil(lambda: "cancel task" in vision_server.log.read_text(
            errors="replace"), timeout=10_000)
        lines = vision_server.log.read_text(errors="replace").splitlines()
        cancelled = max(k for k, line in enumerate(lines) if "cancel task" in line)
        release = next(line for line in lines[cancelled:] if "stop processing" in line)
        assert int(release.split("n_tokens =")[1].split(",")[0]) < 3000, release

        # 3. A page goes to the server and is answered: as tiles of ours, since the
        # server serves the very pair chosen here (its projector lays them out).
        assert loaded.mmproj == models.mmproj and window.controller.tiling is not None
        assert not window.controller.tiling.whole_image
        window.apply_settings(dataclasses.replace(window.settings, inference=dataclasses.replace(
            window.settings.inference, max_tokens=8)))
        invoice = SAMPLES / "invoice.png"
        with qtbot.waitSignal(window.bridge.documents_finished, timeout=WAIT_MS):
            assert window.controller.attach([DocumentSource.from_path(invoice)])
        pending = window.controller.pending
        assert pending is not None and sum(p.tiles for p in pending.pages) > 1
        pieces = _ask(qtbot, window, "What is the total?", window.controller.answer_finished)
        done = model.message(model.rowCount() - 1)
        assert done.status == STATUS_COMPLETE, done.footer

        # Positive control: the hook is live, and another port of the host is refused.
        with pytest.raises(OfflineViolation):
            socket.create_connection(("127.0.0.1", port + 1), 1)
    blocked = [r for r in audit.blocked if f"{port + 1}" not in r[2]]
    assert not blocked, "\n".join(f"{e}: {a}" for _, e, a in blocked)
    assert audit.server_connects, "the hook saw no connection to the server"
    assert all(f"('127.0.0.1', {port})" in r[2] for r in audit.server_connects)


def test_without_the_pair_here_a_page_goes_whole(
        qtbot: QtBot, server_window: OpenServerWindow, vision_server: LlamaServer,
        tmp_path: Path) -> None:
    """No model chosen here: nothing says how the server's projector lays tiles out, so
    a page goes whole (at most 2,048 px a side) and the server's mtmd slices it."""
    window = server_window(vision_server.url, max_tokens=8, pair=False)
    loaded = window.loaded
    assert loaded is not None and loaded.server is not None and loaded.mmproj is None
    assert window.controller.tiling is not None and window.controller.tiling.whole_image
    page = tmp_path / "small.png"
    Image.new("RGB", (400, 300), "white").save(page)
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=WAIT_MS):
        assert window.controller.attach([DocumentSource.from_path(page)])
    _ask(qtbot, window, "What is it?", window.controller.answer_finished)
    done = window.chat_model.message(window.chat_model.rowCount() - 1)
    assert done.status == STATUS_COMPLETE, done.footer


@pytest.mark.parametrize("pair", [False, True], ids=["another-model", "the-pair-here"])
def test_text_pages_are_counted_by_the_model_that_answers(
        qtbot: QtBot, server_window: OpenServerWindow, vision_server: LlamaServer,
        monkeypatch: pytest.MonkeyPatch, pair: bool) -> None:
    """A PDF's text pages go as text, planned by their tokens. Where the server answers
    with a model whose file is not the one chosen here (here: none chosen), the server's
    own tokenizer counts them (its /tokenize), not a tokenizer read for another model;
    where it serves the pair chosen here, that pair's tokenizer counts them, locally."""
    counted: list[str] = []
    count_tokens = ServerConnection.count_tokens

    def counting(self: ServerConnection, text: str) -> int:
        counted.append(text)
        return count_tokens(self, text)

    monkeypatch.setattr(ServerConnection, "count_tokens", counting)
    window = server_window(vision_server.url, max_tokens=8, pair=pair)
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=WAIT_MS):
        assert window.controller.attach([DocumentSource.from_path(SAMPLES / "invoice.pdf")])
    if pair:
        assert counted == []
    else:
        assert any("Northwind Lighting" in text for text in counted), counted


def test_a_server_without_vision_refuses_documents_in_one_line(
        qtbot: QtBot, server_window: OpenServerWindow, text_server: LlamaServer) -> None:
    window = server_window(text_server.url, max_tokens=8)
    assert window.loaded is not None and window.loaded.server is not None
    assert not window.loaded.server.vision and not window.controller.vision
    assert not window.composer.attach_button.isEnabled()
    assert "no vision projector" in window.composer.attach_button.toolTip()
    assert not window.controller.attach([DocumentSource.from_path(SAMPLES / "invoice.png")])
    model = window.chat_model
    note = model.message(model.rowCount() - 1)
    assert note.role == ROLE_NOTE and "\n" not in note.text
    assert f"127.0.0.1:{text_server.port}: the server has no vision projector" in note.text
    _ask(qtbot, window, "Hello?", window.bridge.answer_done)  # text chat still works
    assert model.message(model.rowCount() - 1).status == STATUS_COMPLETE


def test_an_unreachable_server_is_one_line_on_the_models_page(
        server_window: OpenServerWindow) -> None:
    port = free_port()  # nothing listens there
    window = server_window(f"http://127.0.0.1:{port}", fails=True)
    assert window.loaded is None
    assert window.pages.currentWidget() is window.model_page
    line = window.model_page.message.text()
    assert "\n" not in line and f"127.0.0.1:{port}: connection refused" in line, line
    assert window.model_label.text() == "No model"


def test_the_dialog_switches_to_a_keyed_server_and_back(
        qtbot: QtBot, server_window: OpenServerWindow, keyed_server: LlamaServer,
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    window = server_window(None, save_settings=True)  # the tiny model, here
    assert window.loaded is not None and window.loaded.server is None

    def fill(enabled: bool, url: str | None = None, key: str | None = None) -> None:
        def edit() -> None:
            dialog = window.settings_dialog
            assert dialog is not None
            page = dialog.server
            page.enabled.setChecked(enabled)
            if url is not None:
                page.url.setText(url)
            if key is not None:
                page.api_key.setText(key)
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

        QTimer.singleShot(0, edit)
        with qtbot.waitSignal(window.bridge.loaded, timeout=WAIT_MS):
            window.settings_button.click()  # modal: returns once the dialog is accepted

    fill(True, keyed_server.url, KEY)
    loaded = window.loaded
    assert loaded is not None and loaded.server is not None
    assert window.model_label.text().endswith(f" on 127.0.0.1:{keyed_server.port}")
    key_file = api_key_path()
    assert key_file.name == KEY_FILE and key_file.read_text().strip() == KEY
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    saved = (tmp_path / "settings.toml").read_text(encoding="utf-8")
    assert f'url = "{keyed_server.url}"' in saved and "enabled = true" in saved
    assert KEY not in saved
    _ask(qtbot, window, "Hello?", window.bridge.answer_done)  # the key is sent

    fill(False)  # back to the model here
    loaded = window.loaded
    assert loaded is not None and loaded.server is None and loaded.llm is not None
    assert " on " not in window.model_label.text()
    _ask(qtbot, window, "Hello again?", window.bridge.answer_done)
    assert KEY not in caplog.text

