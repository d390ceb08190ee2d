"""The chat window driven by the keyboard alone, on the tiny synthetic models (offscreen).

Every step is a key event (QTest, through pytest-qt) sent to whatever has the focus, as a
user without a mouse would type it: the menus' shortcuts attach (Ctrl+O, the file dialog
answered as tests/gui/test_model_setup.py answers it), ask, stop (Esc), regenerate
(Ctrl+R), copy (Ctrl+Shift+C), run a quick action (Ctrl+1 …), switch conversations
(Ctrl+PgUp / Ctrl+PgDown), rename one (F2 in the list), search (Ctrl+F), open the settings
(Ctrl+,) and the shortcuts list (F1), hide the document panel (Ctrl+Shift+D) and quit
(Ctrl+Q). Modal dialogs are answered with keys too, from a timer, as they block.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from bluelm_desktop.ui.chat_pane import (
    ROLE_ASSISTANT,
    ROLE_USER,
    STATUS_COMPLETE,
    STATUS_INTERRUPTED,
)
from bluelm_desktop.ui.main_window import MainWindow

# The offscreen platform has no window manager: it says so when a window is given size
# hints or raised (the shortcuts list raises itself).
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

OpenWindow = Callable[..., MainWindow]  # the `open_window` fixture (tests/gui/conftest.py)
ANSWER_MS = 60_000
Ctrl = Qt.KeyboardModifier.ControlModifier
Shift = Qt.KeyboardModifier.ShiftModifier
NoMod = Qt.KeyboardModifier.NoModifier


def focused(window: MainWindow) -> QWidget:
    widget = QApplication.focusWidget()
    return widget if widget is not None else window


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key,
          modifiers: Qt.KeyboardModifier = NoMod) -> None:
    """A key as the user types it: to the widget with the focus."""
    qtbot.keyClick(focused(window), key, modifiers)


def type_question(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Ctrl+L to the question box, then the words, typed."""
    press(qtbot, window, Qt.Key.Key_L, Ctrl)
    assert QApplication.focusWidget() is window.composer.edit
    qtbot.keyClicks(window.composer.edit, text)


def answer_modal(qtbot: QtBot, check: Callable[[QWidget], None], key: Qt.Key) -> list[str]:
    """When a modal dialog opens (it blocks the key press that opened it) and has the
    keyboard: `check` it, then press `key` in it. Returns the dialog's title once it was
    answered; a dialog that never gets the keyboard is rejected after 10 s (the test
    fails on the title missing instead of hanging)."""
    seen: list[str] = []
    tries = iter(range(500))

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and not dialog.isActiveWindow():
            dialog.activateWindow()  # offscreen, a dialog is shown but not activated
        if dialog is None or not dialog.isActiveWindow():
            if next(tries, None) is None:
                if dialog is not None:
                    dialog.close()
                return
            QTimer.singleShot(20, answer)
            return
        check(dialog)
        seen.append(dialog.windowTitle())
        qtbot.keyClick(QApplication.focusWidget() or dialog, key)

    QTimer.singleShot(0, answer)
    return seen


def back_to(qtbot: QtBot, window: MainWindow) -> None:
    """A closed dialog gives the keyboard back to the window, as a window manager does
    (the offscreen platform has none)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


@pytest.fixture
def window(open_window: OpenWindow, qtbot: QtBot) -> Callable[..., MainWindow]:
    """An open window that has the keyboard: active, the question box focused."""

    def open_(**kwargs: object) -> MainWindow:
        win = open_window(**kwargs)
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is win.composer.edit)
        return win

    return open_


def test_attach_ask_stop_regenerate_copy_and_a_quick_action_by_keys(
        qtbot: QtBot, window: Callable[..., MainWindow], invoice: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    win = window(max_tokens=4000)
    controller, panel = win.controller, win.document_panel
    assert panel is not None
    asked: list[str] = []

    def choose(*_args: object, **_kwargs: object) -> tuple[list[str], str]:
        asked.append("attach")
        return [str(invoice)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(choose))
    menu = win.menu_actions
    assert not menu.stop.isEnabled() and not menu.regenerate.isEnabled()

    # Ctrl+O: the file dialog, the document in the panel.
    with qtbot.waitSignal(panel.documentReady, timeout=ANSWER_MS):
        press(qtbot, win, Qt.Key.Key_O, Ctrl)
    assert asked == ["attach"] and panel.source is not None
    assert win.side_tabs.isVisible() and menu.show_side_panel.isChecked()

    # Ask (Enter in the question box), Esc stops the answer once it streams.
    type_question(qtbot, win, "What is the total?")
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as stopped:
        with qtbot.waitSignal(win.bridge.answer_text, timeout=ANSWER_MS):
            press(qtbot, win, Qt.Key.Key_Return)
        assert menu.stop.isEnabled() and not menu.regenerate.isEnabled()
        press(qtbot, win, Qt.Key.Key_Escape)
    assert stopped.args[0] == STATUS_INTERRUPTED
    assert not menu.stop.isEnabled() and menu.regenerate.isEnabled()

    # Ctrl+R answers again, in place of the stopped answer (Esc stops it if it runs on).
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as again:
        with qtbot.waitSignal(win.bridge.answer_text, timeout=ANSWER_MS):
            press(qtbot, win, Qt.Key.Key_R, Ctrl)
        press(qtbot, win, Qt.Key.Key_Escape)
    assert again.args[0] in (STATUS_INTERRUPTED, STATUS_COMPLETE)
    assert [m.role for m in win.chat_model] == [ROLE_USER, ROLE_ASSISTANT]
    answer = win.chat_model.message(1).text
    assert answer

    # Ctrl+Shift+C copies it, whatever has the focus (here the question box, where Ctrl+C
    # copies the box's own text).
    QGuiApplication.clipboard().clear()
    press(qtbot, win, Qt.Key.Key_C, Ctrl | Shift)
    assert QGuiApplication.clipboard().text() == answer

    # A quick action by its key, in a new conversation (Ctrl+N: a second page of tiles
    # would not fit this one's context): Ctrl+O, then Ctrl+1 translates the document.
    press(qtbot, win, Qt.Key.Key_N, Ctrl)
    assert win.chat_model.rowCount() == 0 and win.side_tabs.isHidden()
    with qtbot.waitSignal(panel.documentReady, timeout=ANSWER_MS):
        press(qtbot, win, Qt.Key.Key_O, Ctrl)
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as translated:
        with qtbot.waitSignal(win.bridge.answer_text, timeout=ANSWER_MS):
            press(qtbot, win, Qt.Key.Key_1, Ctrl)
        press(qtbot, win, Qt.Key.Key_Escape)
    assert translated.args[1] == "translate"
    assert win.chat_model.message(0).text.startswith("Translate"), "the action's prompt"

    # Ctrl+Shift+D hides the document panel, and shows it again.
    press(qtbot, win, Qt.Key.Key_D, Ctrl | Shift)
    assert win.side_tabs.isHidden() and not menu.show_side_panel.isChecked()
    press(qtbot, win, Qt.Key.Key_D, Ctrl | Shift)
    assert win.side_tabs.isVisible()


def test_conversations_settings_shortcuts_and_quit_by_keys(
        qtbot: QtBot, window: Callable[..., MainWindow]) -> None:
    win = window(vision=False, max_tokens=6)
    controller, sidebar = win.controller, win.sidebar
    assert sidebar is not None
    menu = win.menu_actions

    # Two conversations, each asked with Ctrl+Return; Ctrl+N starts the second.
    for question in ("First question", "Second question"):
        type_question(qtbot, win, question)
        with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as done:
            press(qtbot, win, Qt.Key.Key_Return, Ctrl)
        assert done.args[0] == STATUS_COMPLETE
        if question == "First question":
            first = controller.conversation_id
            press(qtbot, win, Qt.Key.Key_N, Ctrl)
            assert controller.conversation_id is None and win.chat_model.rowCount() == 0
    second = controller.conversation_id
    assert first is not None and second is not None and first != second
    qtbot.waitUntil(lambda: sidebar.model.rowCount() == 2)

    # The ask by Summarize (Ctrl+4) needs no document.
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as summary:
        press(qtbot, win, Qt.Key.Key_4, Ctrl)
    assert summary.args[1] == "summarize"

    # Ctrl+PgDown: the older conversation (below in the list); Ctrl+PgUp: back.
    assert menu.previous is not None and not menu.previous.isEnabled()
    press(qtbot, win, Qt.Key.Key_PageDown, Ctrl)
    assert controller.conversation_id == first
    assert next(m.text for m in win.chat_model) == "First question"
    press(qtbot, win, Qt.Key.Key_PageUp, Ctrl)
    assert controller.conversation_id == second

    # F2 in the list renames the open conversation (the dialog answered with keys).
    assert QApplication.focusWidget() is sidebar.view

    def rename(dialog: QWidget) -> None:
        qtbot.keyClicks(QApplication.focusWidget() or dialog, "Renamed by keys")

    renamed = answer_modal(qtbot, rename, Qt.Key.Key_Return)
    press(qtbot, win, Qt.Key.Key_F2)
    assert renamed == ["Rename conversation"]
    assert win.history.get(second).title == "Renamed by keys"
    back_to(qtbot, win)

    # F2 outside the list is not rename: the question box keeps it.
    press(qtbot, win, Qt.Key.Key_L, Ctrl)
    press(qtbot, win, Qt.Key.Key_F2)
    assert QApplication.activeModalWidget() is None

    # Ctrl+F: the search box.
    press(qtbot, win, Qt.Key.Key_F, Ctrl)
    assert QApplication.focusWidget() is sidebar.search
    qtbot.keyClicks(sidebar.search, "First")
    qtbot.waitUntil(lambda: sidebar.model.rowCount() == 1, timeout=5_000)
    qtbot.keyClick(sidebar.search, Qt.Key.Key_A, Ctrl)
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: sidebar.model.rowCount() == 2, timeout=5_000)

    # Ctrl+, opens the settings; Esc closes them, changing nothing.
    before = win.settings
    seen = answer_modal(qtbot, lambda d: None, Qt.Key.Key_Escape)
    press(qtbot, win, Qt.Key.Key_Comma, Ctrl)
    assert seen == ["Settings"] and win.settings == before
    back_to(qtbot, win)

    # F1 lists the shortcuts; Esc closes the list.
    press(qtbot, win, Qt.Key.Key_F1)
    dialog = menu.shortcuts_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    commands = {dialog.model.item(r, 1).text() for r in range(dialog.model.rowCount())}
    assert {"Stop answer", "Regenerate answer", "Quit", "Rename…"} <= commands
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    back_to(qtbot, win)

    # Ctrl+Q: the window closes as if closed by its title bar: every thread stopped.
    press(qtbot, win, Qt.Key.Key_Q, Ctrl)
    assert not win.isVisible()
    assert not any(t.name == "engine" and t.is_alive() for t in threading.enumerate())
