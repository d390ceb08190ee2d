"""Settings → "Longest answer" holds for quick actions too: a task may ask for less.

Users saw "Translate" write 1,024 tokens with the setting at 512: each action carried its
own `max_tokens`. Real window, real engine on the tiny model; the length of the answers
is read from the engine's own count (`TurnStats`), and what each turn asked for from
the requests the engine bridge received.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.tasks import quick_action
from bluelm_desktop.ui.chat_pane import ROLE_ASSISTANT, STATUS_COMPLETE
from bluelm_desktop.ui.main_window import MainWindow
from tests.gui.conftest import OpenWindow
from tests.gui.test_chat_window import press_enter
from tests.gui.test_reopen_documents import restart

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

ANSWER_MS = 90_000


def asks_of(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> list[SamplingParams]:
    """The sampling of every question and regeneration the bridge is given from now on
    (they still go to the engine)."""
    sent: list[SamplingParams] = []
    bridge = window.bridge
    ask, regenerate = bridge.ask, bridge.regenerate

    def recording_ask(conversation: str, text: str, params: SamplingParams | None = None) -> int:
        sent.append(params or SamplingParams())
        return ask(conversation, text, params)

    def recording_regenerate(conversation: str, params: SamplingParams | None = None) -> int:
        sent.append(params or SamplingParams())
        return regenerate(conversation, params)

    monkeypatch.setattr(bridge, "ask", recording_ask)
    monkeypatch.setattr(bridge, "regenerate", recording_regenerate)
    return sent


def test_translate_stops_at_the_longest_answer_setting(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(max_tokens=8)  # the action alone would allow 1,024
    sent = asks_of(window, monkeypatch)
    window.attach_files([invoice])
    controller = window.controller
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as finished:
        window.run_quick_action(quick_action("translate"))
    assert finished.args[:2] == [STATUS_COMPLETE, "translate"]
    stats = controller.last_stats
    assert stats is not None and stats.stopped == "max_tokens" and stats.decode_tokens == 8
    # Only the length is capped: the action's own sampling stays.
    assert sent[-1].max_tokens == 8 and sent[-1].temperature == 0.2
    assert sent[-1].repeat_penalty == 1.0

    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS):
        assert controller.regenerate()  # the same action again, within the setting again
    assert sent[-1].max_tokens == 8 and sent[-1].temperature == 0.2
    assert controller.last_stats is not None and controller.last_stats.decode_tokens == 8


def test_an_answer_cut_off_by_the_setting_says_so(
        qtbot: QtBot, open_window: OpenWindow, tmp_path: Path) -> None:
    """An answer that stopped at "Longest answer" is incomplete: its footer says why and
    what to change, live and when the conversation is reopened."""
    window = open_window(vision=False, max_tokens=8)
    controller = window.controller
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS):
        press_enter(qtbot, window, "Write a long story about a lighthouse.")
    assert controller.last_stats is not None and controller.last_stats.stopped == "max_tokens"
    cut = "cut off at the longest answer (8 tokens): raise it in Settings → Answers"
    answer = [m for m in window.chat_model if m.role == ROLE_ASSISTANT][-1]
    assert answer.footer.startswith("8 tokens · ") and answer.footer.endswith(cut)

    again = restart(window, open_window, tmp_path, vision=False, max_tokens=8)
    assert [m.footer for m in again.chat_model if m.role == ROLE_ASSISTANT] == [cut]


def test_a_stopped_answer_is_not_called_cut_off(
        qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window(vision=False, max_tokens=8)
    controller = window.controller
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS):
        press_enter(qtbot, window, "Write a long story about a lighthouse.")
        controller.stop()
    answer = [m for m in window.chat_model if m.role == ROLE_ASSISTANT][-1]
    assert answer.footer.startswith("Stopped") and "cut off" not in answer.footer


def test_a_task_may_ask_for_less_than_the_setting(
        qtbot: QtBot, open_window: OpenWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(vision=False, max_tokens=4000)
    sent = asks_of(window, monkeypatch)
    window.composer.set_text("The quarterly report says sales rose by four percent.")
    controller = window.controller
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS):
        window.run_quick_action(quick_action("summarize"))
        controller.stop()  # its length is what was asked for; no need to write it all
    summarize = quick_action("summarize").sampling_params()
    assert sent[-1].max_tokens == summarize.max_tokens < 4000

    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS):
        press_enter(qtbot, window, "And a plain question?")
        controller.stop()
    assert sent[-1].max_tokens == 4000  # a plain question gets the setting itself
