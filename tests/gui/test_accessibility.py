"""Menus, shortcuts, accessible names and the focus ring, without a model (offscreen).

The app's tree as a screen reader walks it is tests/gui/test_atspi.py's; the flows by
keys alone are tests/gui/test_keyboard.py's. Here: every menu command shows its key and
no two share one (Qt fires neither of two actions with the same key), the actions follow
the window's state, the painted tile grid says in words what it draws, item views give
their rows names a screen reader can say, and the focus ring shows in both themes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.history import HistoryStore
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.core.planning import PagePlan
from bluelm_desktop.core.settings import Settings
from bluelm_desktop.core.vision.tiling import TilingParams, plan_image
from bluelm_desktop.ui.chat_pane import ChatMessage, ChatModel
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.page_strip import PageListModel
from bluelm_desktop.ui.theme import FOCUS_RING, apply_theme
from bluelm_desktop.ui.tile_overlay import TileOverlay
from bluelm_desktop.ui.window_actions import key_sequences, menu_shortcuts

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[MainWindow]:
    """The window with no model chosen (the models page), a history and a sidebar."""
    monkeypatch.setenv("BLUELM_SETTINGS", str(tmp_path / "settings.toml"))
    store = HistoryStore(tmp_path / "history.db")
    win = MainWindow(ModelLibrary.from_paths(), tmp_path, Settings(), store,
                     save_settings=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    store.close()


def menu_actions(menu: QMenu) -> Iterator[QAction]:
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from menu_actions(sub)
        elif not action.isSeparator():
            yield action


def all_menu_actions(window: MainWindow) -> list[QAction]:
    out: list[QAction] = []
    for action in window.menuBar().actions():
        menu = action.menu()
        assert isinstance(menu, QMenu)
        out += menu_actions(menu)
    return out


def test_every_command_shows_its_key_and_no_two_share_one(window: MainWindow) -> None:
    actions = window.menu_actions
    keyed = {
        actions.new_conversation: "Ctrl+N", actions.attach: "Ctrl+O", actions.quit: "Ctrl+Q",
        actions.copy_answer: "Ctrl+Shift+C", actions.paste: "Ctrl+V",
        actions.settings: "Ctrl+,", actions.show_side_panel: "Ctrl+Shift+D",
        actions.send: "Ctrl+Return", actions.stop: "Esc", actions.regenerate: "Ctrl+R",
        actions.previous: "Ctrl+PgUp", actions.next: "Ctrl+PgDown", actions.rename: "F2",
        actions.delete: "Del", actions.search: "Ctrl+F", actions.show_shortcuts: "F1",
        actions.export_csv: "Ctrl+Shift+S",
    }
    menus = all_menu_actions(window)
    for action, key in keyed.items():
        assert action is not None and action in menus, key
        # The menu shows `shortcut()`, the first of the action's keys.
        assert action.shortcut().toString(QKeySequence.SequenceFormat.PortableText) == key
    assert [a.shortcut().toString() for a, _ in actions.quick] == [
        f"Ctrl+{n}" for n in range(1, len(actions.quick) + 1)]
    # Qt's standard keys where it names one, as this platform binds them.
    for action, standard in ((actions.new_conversation, QKeySequence.StandardKey.New),
                             (actions.attach, QKeySequence.StandardKey.Open),
                             (actions.paste, QKeySequence.StandardKey.Paste),
                             (actions.search, QKeySequence.StandardKey.Find)):
        assert action.shortcuts() == QKeySequence.keyBindings(standard)
    seen: dict[str, str] = {}
    for action in menus:
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text}: {seen.get(text)} and {action.text()}"
            seen[text] = action.text()
    # The list Help ▸ Keyboard shortcuts shows is read off the same menus.
    listed = {(command, keys.split(", ")[0]) for _menu, command, keys in
              menu_shortcuts(window.menuBar())}
    assert ("Stop answer", QKeySequence("Esc").toString(
        QKeySequence.SequenceFormat.NativeText)) in listed
    assert len(listed) == sum(1 for a in menus if a.shortcuts())


def test_key_sequences_fall_back_when_the_platform_has_no_standard_key(
        qapp: QApplication) -> None:
    quit_keys = key_sequences(QKeySequence.StandardKey.Quit, "Ctrl+Q")
    assert quit_keys[0] == QKeySequence("Ctrl+Q") and len(set(quit_keys)) == len(quit_keys)
    assert key_sequences("Ctrl+,", "Ctrl+,") == [QKeySequence("Ctrl+,")]


def test_actions_follow_the_state(window: MainWindow, qtbot: QtBot) -> None:
    """On the models page, with no model: nothing to send, stop, attach or copy; the
    settings and quit are always there."""
    actions = window.menu_actions
    assert window.pages.currentWidget() is window.model_page
    for action in (actions.send, actions.stop, actions.regenerate, actions.attach,
                   actions.copy_answer, actions.paste, actions.export_csv, actions.next):
        assert action is not None and not action.isEnabled(), action.text()
    for action in (actions.settings, actions.quit, actions.show_shortcuts, actions.models):
        assert action.isEnabled(), action.text()
    theme = window.settings.ui.theme
    assert actions.theme_actions[theme].isChecked()
    assert not window.side_tabs.isVisible() and not actions.show_side_panel.isChecked()


def test_the_tile_grid_says_what_it_draws(qtbot: QtBot) -> None:
    overlay = TileOverlay()
    qtbot.addWidget(overlay)
    assert overlay.accessibleName() == "Page preview"
    assert overlay.accessibleDescription().startswith("No document attached")
    assert overlay.focusPolicy() & Qt.FocusPolicy.TabFocus, "a screen reader reaches it"
    plan = plan_image(1240, 1754, TilingParams())
    assert plan.grid.tiles > 1 and plan.thumbnail
    overlay.set_page(plan, None)
    grid = plan.grid
    assert overlay.accessibleName() == (
        f"Page preview: {grid.cols} × {grid.rows} tiles plus a thumbnail, "
        f"{plan.image_tokens:,} positions")
    assert overlay.accessibleDescription().startswith(f"0 of {plan.tiles} tiles encoded")
    overlay.set_done(3)
    overlay.set_highlights([(0.1, 0.1, 0.2, 0.2)])
    assert overlay.accessibleDescription().startswith(
        f"3 of {plan.tiles} tiles encoded; 1 values from the answer marked")
    overlay.set_page(plan, None, tiles=False)
    assert overlay.accessibleName() == "Page preview: sent as its text layer, no tiles"
    overlay.set_page(None, None)
    assert overlay.accessibleName() == "Page preview"


def test_rows_have_names_a_screen_reader_can_say(qapp: QApplication) -> None:
    chat = ChatModel()
    chat.append(ChatMessage("user", "What is the total?", footer="Attached: a.png"))
    chat.append(ChatMessage("assistant", "42", status="interrupted"))
    said = [chat.data(chat.index(r), Qt.ItemDataRole.AccessibleTextRole) for r in range(2)]
    assert said == ["You: What is the total? Attached: a.png", "Assistant: (stopped) 42"]
    pages = PageListModel()
    plan = plan_image(800, 600, TilingParams())
    pages.set_pages([PagePlan(page=2, width=800, height=600, plan=plan)])
    index = pages.index(0)
    assert pages.data(index) == "2"
    assert pages.data(index, Qt.ItemDataRole.AccessibleTextRole) == "Page 2"
    assert pages.data(index, Qt.ItemDataRole.AccessibleDescriptionRole) == pages.data(
        index, Qt.ItemDataRole.ToolTipRole)


def test_the_focus_ring_shows_in_both_themes_and_follows_a_switch(
        qtbot: QtBot, qapp: QApplication) -> None:
    """Shown in the light theme, then switched to dark while open (the settings apply a
    theme at once): the ring is the highlight colour of the theme in force."""
    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet(FOCUS_RING)
    button, line = QPushButton("Send", host), QLineEdit(host)
    button.setGeometry(10, 10, 120, 32)
    line.setGeometry(10, 60, 200, 28)
    try:
        apply_theme(qapp, "light")
        host.resize(240, 100)
        host.show()
        host.activateWindow()
        qtbot.waitUntil(host.isActiveWindow)
        rings = []
        for theme in ("light", "dark"):
            apply_theme(qapp, theme)
            ring = qapp.palette().color(QPalette.ColorRole.Highlight)
            rings.append(ring.name())
            for widget in (button, line):
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                qtbot.waitUntil(widget.hasFocus)
                edge = QColor(widget.grab().toImage().pixel(1, widget.height() // 2))
                assert _close(edge, ring), (theme, type(widget).__name__, edge.name(),
                                            ring.name())
                host.setFocus()
                qtbot.waitUntil(lambda w=widget: not w.hasFocus())
                unfocused = QColor(widget.grab().toImage().pixel(1, widget.height() // 2))
                assert not _close(unfocused, ring), "the ring only while focused"
        assert rings[0] != rings[1], "the two themes' highlights differ"
    finally:
        apply_theme(qapp, "system")


def _close(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return (abs(a.red() - b.red()) + abs(a.green() - b.green())
            + abs(a.blue() - b.blue())) <= tolerance
