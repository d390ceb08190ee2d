"""The window's menu bar: every command as a QAction that shows its shortcut.

The actions call the panels' own slots (the composer's attach, the chat pane's copy, the
controller's stop and regenerate, the sidebar's rename …); `update_state` enables each
only where it can act, read from the controller and the widgets the buttons follow, and
the window calls it when that state changes. Shortcuts are the platform's
(`QKeySequence.StandardKey`) where Qt names one. Rename and Delete act on the
conversation list (the sidebar's own actions), and their keys work only there: elsewhere
F2 edits a table cell and Delete deletes a character.

`ShortcutsDialog` (Help ▸ Keyboard shortcuts) lists the menus' actions and their keys,
read from the menu bar itself, so the list cannot fall behind the menus.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMenuBar,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop import __version__
from bluelm_desktop.ui.chat_pane import ROLE_USER
from bluelm_desktop.ui.composer import screen_capture_available
from bluelm_desktop.ui.theme import THEME_DARK, THEME_LIGHT, THEME_SYSTEM

if TYPE_CHECKING:
    from bluelm_desktop.ui.main_window import MainWindow

Key = QKeySequence.StandardKey | str

# Keys Qt names no standard for (`QKeySequence.StandardKey` is used wherever it does).
COPY_ANSWER_KEY: Final = "Ctrl+Shift+C"
CAPTURE_KEY: Final = "Ctrl+Shift+A"
CAPTURE_TRANSLATE_KEY: Final = "Ctrl+Shift+T"
SETTINGS_KEY: Final = "Ctrl+,"
SIDEBAR_KEY: Final = "F9"
SIDE_PANEL_KEY: Final = "Ctrl+Shift+D"
QUESTION_KEY: Final = "Ctrl+L"
SEND_KEYS: Final = ("Ctrl+Return", "Ctrl+Enter")
STOP_KEY: Final = "Esc"
REGENERATE_KEY: Final = "Ctrl+R"
PREVIOUS_KEY: Final = "Ctrl+PgUp"
NEXT_KEY: Final = "Ctrl+PgDown"
QUICK_ACTION_KEYS: Final = tuple(f"Ctrl+{n}" for n in range(1, 10))


def key_sequences(*keys: Key) -> list[QKeySequence]:
    """Each standard key as this platform binds it (some bind none: Quit on Windows)
    and each literal key, in order, without repeats; the first is the one menus show."""
    out: list[QKeySequence] = []
    for key in keys:
        found = (QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey)
                 else [QKeySequence(key)])
        for sequence in found:
            if not sequence.isEmpty() and sequence not in out:
                out.append(sequence)
    return out


def plain_text(text: str) -> str:
    """An action's text without its mnemonic marks ("&File" → "File", "&&" → "&")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class WindowActions(QObject):
    """The main window's menus and actions; `update_state` after the state they show
    changed (the window calls it; the controller's signals are connected here)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = w = window
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.about_box: QMessageBox | None = None
        bar = w.menuBar()
        bar.setAccessibleName(self.tr("Menu bar"))
        c, composer, pane = w.controller, w.composer, w.chat_pane

        file = self._menu(bar, self.tr("&File"))
        self.new_conversation = self._add(file, self.tr("&New conversation"),
                                          w.new_conversation, QKeySequence.StandardKey.New)
        self.attach = self._add(file, self.tr("&Attach files…"), composer.choose_files,
                                QKeySequence.StandardKey.Open)
        self.capture: QAction | None = None
        self.capture_translate: QAction | None = None
        if screen_capture_available():
            self.capture = self._add(file, self.tr("&Capture screen region…"),
                                     composer.capture_screen, CAPTURE_KEY)
            if w.quick_actions is not None:
                self.capture_translate = self._add(
                    file, self.tr("Capture and &translate…"), w.capture_and_translate,
                    CAPTURE_TRANSLATE_KEY)
                self.capture_translate.setStatusTip(self.tr(
                    "Capture a screen region and translate the text in it"))
        file.addSeparator()
        self.export_csv = self._add(file, self.tr("&Export table as CSV…"),
                                    lambda: self._export("csv"),
                                    QKeySequence.StandardKey.SaveAs)
        self.export_json = self._add(file, self.tr("Export table as &JSON…"),
                                     lambda: self._export("json"))
        file.addSeparator()
        self.models = self._add(file, self.tr("&Models…"), w.show_models)
        file.addSeparator()
        self.quit = self._add(file, self.tr("&Quit"), w.close, QKeySequence.StandardKey.Quit,
                              "Ctrl+Q")
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)

        edit = self._menu(bar, self.tr("&Edit"))
        self.copy_answer = self._add(edit, self.tr("&Copy answer"), pane.copy_message,
                                     COPY_ANSWER_KEY)
        self.copy_answer.setStatusTip(self.tr("The selected message, or else the last "
                                              "answer, as markdown"))
        self.paste = self._add(edit, self.tr("&Paste image or document"), self._paste,
                               QKeySequence.StandardKey.Paste)
        edit.addSeparator()
        self.settings = self._add(edit, self.tr("&Settings…"), w.show_settings_dialog,
                                  SETTINGS_KEY, QKeySequence.StandardKey.Preferences)
        self.settings.setMenuRole(QAction.MenuRole.PreferencesRole)

        view = self._menu(bar, self.tr("&View"))
        self.show_sidebar: QAction | None = None
        if w.sidebar is not None:
            self.show_sidebar = self._add(view, self.tr("&Conversation list"),
                                          self._toggle_sidebar, SIDEBAR_KEY, checkable=True)
        self.show_side_panel = self._add(view, self.tr("&Document panel"),
                                         self._toggle_side_panel, SIDE_PANEL_KEY,
                                         checkable=True)
        self.focus_question = self._add(view, self.tr("&Question box"), self._focus_question,
                                        QUESTION_KEY)
        view.addSeparator()
        theme_menu = self._menu(view, self.tr("&Theme"))
        self._themes = QActionGroup(self)
        self._themes.setExclusive(True)
        self.theme_actions: dict[str, QAction] = {}
        for name, label in ((THEME_SYSTEM, self.tr("&Same as the system")),
                            (THEME_LIGHT, self.tr("&Light")), (THEME_DARK, self.tr("&Dark"))):
            action = self._add(theme_menu, label, lambda _=False, n=name: self._set_theme(n),
                               checkable=True)
            self._themes.addAction(action)
            self.theme_actions[name] = action

        talk = self._menu(bar, self.tr("&Conversation"))
        self.send = self._add(talk, self.tr("&Send question"), composer.send_button.click,
                              *SEND_KEYS)
        self.stop = self._add(talk, self.tr("S&top answer"), c.stop, STOP_KEY)
        self.regenerate = self._add(talk, self.tr("&Regenerate answer"), c.regenerate,
                                    REGENERATE_KEY)
        self.quick: list[tuple[QAction, Any]] = []
        if w.quick_actions is not None:
            from bluelm_desktop.core.tasks import QUICK_ACTIONS
            from bluelm_desktop.ui.main_window import quick_action_label

            quick = self._menu(talk, self.tr("&Quick actions"))
            for action, key in zip(QUICK_ACTIONS, QUICK_ACTION_KEYS, strict=False):
                item = self._add(quick, quick_action_label(action),
                                 lambda _=False, a=action: w.run_quick_action(a), key)
                self.quick.append((item, action))
        self.previous: QAction | None = None
        self.next: QAction | None = None
        self.search: QAction | None = None
        self.rename: QAction | None = None
        self.delete: QAction | None = None
        sidebar = w.sidebar
        if sidebar is not None:
            talk.addSeparator()
            self.previous = self._add(talk, self.tr("&Previous conversation"),
                                      lambda: self._step_conversation(-1), PREVIOUS_KEY)
            self.next = self._add(talk, self.tr("&Next conversation"),
                                  lambda: self._step_conversation(1), NEXT_KEY)
            self.search = self._add(talk, self.tr("Searc&h conversations"), self._search,
                                    QKeySequence.StandardKey.Find)
            # The list's own actions: their keys work in the list only.
            self.rename = sidebar.rename_action
            self.delete = sidebar.delete_action
            talk.addAction(self.rename)
            talk.addAction(self.delete)

        help_menu = self._menu(bar, self.tr("&Help"))
        self.show_shortcuts = self._add(help_menu, self.tr("&Keyboard shortcuts"),
                                        self._show_shortcuts,
                                        QKeySequence.StandardKey.HelpContents)
        self.about = self._add(help_menu, self.tr("&About BlueLM Desktop"), self._show_about)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)

        c.generating_changed.connect(self.update_state)
        c.conversation_changed.connect(self.update_state)
        c.attachments_changed.connect(self.update_state)
        for signal in (w.chat_model.rowsInserted, w.chat_model.rowsRemoved,
                       w.chat_model.modelReset, w.chat_model.dataChanged):
            signal.connect(self.update_state)
        pane.view.selectionModel().selectionChanged.connect(self.update_state)
        w.pages.currentChanged.connect(self.update_state)
        w.side_tabs.currentChanged.connect(self.update_state)
        if sidebar is not None:
            sidebar.model.modelReset.connect(self.update_state)
            sidebar.view.selectionModel().currentChanged.connect(self.update_state)

    # --- building ------------------------------------------------------------------------

    def _menu(self, parent: QMenuBar | QMenu, title: str) -> QMenu:
        menu = parent.addMenu(title)
        menu.setAccessibleName(plain_text(title))
        return menu

    def _add(self, menu: QMenu, text: str, slot: Callable[..., Any], *keys: Key,
             checkable: bool = False) -> QAction:
        action = QAction(text, self._window)
        action.setShortcuts(key_sequences(*keys))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- state ---------------------------------------------------------------------------

    @Slot()
    def update_state(self) -> None:
        """Enable each action where it can act now; check the toggles that are on."""
        w = self._window
        c = w.controller
        busy = c.generating or c.waiting
        chat = w.pages.currentWidget() is w.chat_page
        typing = chat and w.composer.isEnabled()
        self.new_conversation.setEnabled(chat)
        self.attach.setEnabled(typing and c.vision)
        if self.capture is not None:
            self.capture.setEnabled(typing and c.vision)
        if self.capture_translate is not None:
            self.capture_translate.setEnabled(typing and c.vision and not busy)
        self.paste.setEnabled(typing)
        self.send.setEnabled(typing and not busy)
        self.stop.setEnabled(chat and busy)
        self.regenerate.setEnabled(typing and not busy
                                   and w.chat_model.last_row(ROLE_USER) is not None)
        self.copy_answer.setEnabled(chat and bool(w.chat_pane.copied_text()))
        for action, _ in self.quick:
            action.setEnabled(typing and not busy)
        panel = self._table_panel()
        for export in (self.export_csv, self.export_json):
            export.setEnabled(panel is not None and panel.export_csv_button.isEnabled())
        self.show_side_panel.setEnabled(chat and w.document_panel is not None)
        self.show_side_panel.setChecked(not w.side_tabs.isHidden())
        self.focus_question.setEnabled(typing)
        if w.sidebar is not None and self.show_sidebar is not None:
            self.show_sidebar.setEnabled(chat)
            self.show_sidebar.setChecked(not w.sidebar.isHidden())
            rows = w.sidebar.model.rowCount()
            row = w.sidebar.model.row_of(c.conversation_id)
            if self.previous is not None and self.next is not None:
                self.previous.setEnabled(chat and row is not None and row > 0)
                self.next.setEnabled(chat and rows > 0 and (row is None or row < rows - 1))
            selected = w.sidebar.view.currentIndex().isValid()
            for action in (self.search, self.rename, self.delete):
                if action is not None:
                    action.setEnabled(chat and (action is self.search or selected))
        theme = self.theme_actions.get(w.settings.ui.theme)
        if theme is not None:
            theme.setChecked(True)

    def _table_panel(self) -> Any:
        """The extraction or contract table shown in the side panel, if one is."""
        w = self._window
        if w.side_tabs.isHidden():
            return None
        page = w.side_tabs.currentWidget()
        for panel in (w.extraction_panel, w.contract_panel):
            if panel is not None and page is not None and page.isAncestorOf(panel):
                return panel
        return None

    # --- what the actions do -------------------------------------------------------------

    def _export(self, kind: str) -> None:
        panel = self._table_panel()
        if panel is not None:
            panel.export_csv() if kind == "csv" else panel.export_json()

    @Slot()
    def _paste(self) -> None:
        """What Ctrl+V does in the question box, from anywhere in the window: an image or
        files on the clipboard are attached, text goes into the box."""
        edit = self._window.composer.edit
        edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        edit.paste()

    @Slot()
    def _focus_question(self) -> None:
        self._window.composer.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot(bool)
    def _toggle_sidebar(self, visible: bool) -> None:
        sidebar = self._window.sidebar
        if sidebar is not None:
            sidebar.setVisible(visible)
        self.update_state()

    @Slot(bool)
    def _toggle_side_panel(self, visible: bool) -> None:
        self._window.set_side_visible(visible)

    def _set_theme(self, theme: str) -> None:
        w = self._window
        w.apply_settings(dataclasses.replace(
            w.settings, ui=dataclasses.replace(w.settings.ui, theme=theme)))
        self.update_state()

    def _step_conversation(self, step: int) -> None:
        """Open the conversation above (-1) or below (+1) the open one in the list; from a
        new conversation, the newest."""
        w = self._window
        sidebar = w.sidebar
        if sidebar is None:
            return
        row = sidebar.model.row_of(w.controller.conversation_id)
        target = 0 if row is None else row + step
        if 0 <= target < sidebar.model.rowCount():
            w.controller.open_conversation(sidebar.model.conversation(target).id)
            sidebar.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    @Slot()
    def _search(self) -> None:
        sidebar = self._window.sidebar
        if sidebar is None:
            return
        if sidebar.isHidden():
            self._toggle_sidebar(True)
        sidebar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        sidebar.search.selectAll()

    @Slot()
    def _show_shortcuts(self) -> None:
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutsDialog(self._window.menuBar(), self._window)
        self.shortcuts_dialog.show()
        self.shortcuts_dialog.raise_()
        self.shortcuts_dialog.activateWindow()

    @Slot()
    def _show_about(self) -> None:
        if self.about_box is None:
            self.about_box = QMessageBox(
                QMessageBox.Icon.Information, self.tr("About BlueLM Desktop"),
                self.tr("BlueLM Desktop {version}\n\nAn offline assistant for questions "
                        "about documents and images: nothing leaves this computer.")
                .format(version=__version__),
                QMessageBox.StandardButton.Close, self._window)
        self.about_box.open()


def _typeable(sequence: QKeySequence) -> bool:
    """Whether a key is on every keyboard: not a dedicated Help, Open or Paste key (Qt's
    standard keys add them), which a list of shortcuts only clutters."""
    return all(sequence[i].key().value < Qt.Key.Key_Help.value
               for i in range(sequence.count()))


def menu_shortcuts(bar: QMenuBar) -> Iterator[tuple[str, str, str]]:
    """(menu, command, keys) for every action in the menus that has a key, in menu
    order; submenus are named "Menu ▸ Submenu"."""

    def walk(menu: QMenu, path: str) -> Iterator[tuple[str, str, str]]:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                yield from walk(sub, f"{path} ▸ {plain_text(sub.title())}")
            elif action.shortcuts():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                                 for k in action.shortcuts() if _typeable(k))
                yield path, plain_text(action.text()), keys

    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            yield from walk(menu, plain_text(menu.title()))


class ShortcutsDialog(QDialog):
    """Every command that has a key, as the menus list them."""

    def __init__(self, bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.model = QStandardItemModel(0, 3, self)
        self.model.setHorizontalHeaderLabels([self.tr("Menu"), self.tr("Command"),
                                              self.tr("Keys")])
        for row in menu_shortcuts(bar):
            items = [QStandardItem(text) for text in row]
            for item in items:
                item.setEditable(False)
            self.model.appendRow(items)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.table.setAccessibleDescription(self.tr("One row per command: its menu, its "
                                                    "name and its keys"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode
                                                           .ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 520)
