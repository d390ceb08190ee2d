"""The conversations list: newest first, with new, rename, delete and search.

`ConversationListModel` holds plain `Conversation` values read from the `HistoryStore`;
`Sidebar` is the widget. Reading the list is one small indexed query, done on the GUI
thread when something changed (the store is thread-safe; a list of conversations is
milliseconds even for thousands of rows).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.errors import BlueLMError
from bluelm_desktop.ui.messages import error_line

if TYPE_CHECKING:
    from bluelm_desktop.core.history import Conversation, HistoryStore

AnyIndex = QModelIndex | QPersistentModelIndex
ConversationIdRole = Qt.ItemDataRole.UserRole + 1
_SEARCH_DELAY_MS = 200  # search after the user pauses typing, not on every key


class ConversationListModel(QAbstractListModel):
    """Conversations as rows; a search result shows the matching snippet as a tooltip."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Conversation] = []
        self._snippets: dict[int, str] = {}

    def set_conversations(self, rows: list[Conversation],
                          snippets: dict[int, str] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._snippets = dict(snippets or {})
        self.endResetModel()

    def conversation(self, row: int) -> Conversation:
        return self._rows[row]

    def row_of(self, conversation_id: int | None) -> int | None:
        for row, c in enumerate(self._rows):
            if c.id == conversation_id:
                return row
        return None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        c = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return c.title or self.tr("Untitled")
        if role == Qt.ItemDataRole.ToolTipRole:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated_at))
            snippet = self._snippets.get(c.id)
            return f"{c.title}\n{when}" + (f"\n…{snippet}…" if snippet else "")
        if role == ConversationIdRole:
            return c.id
        return None


class Sidebar(QWidget):
    """Lists the history's conversations; the controller opens what the user picks."""

    conversation_selected = Signal(int)
    new_requested = Signal()
    conversation_deleted = Signal(int)
    failed = Signal(str)

    def __init__(self, history: HistoryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.model = ConversationListModel(self)
        self._current: int | None = None

        self.new_button = QPushButton(self.tr("New conversation"))
        self.new_button.setToolTip(self.tr("Start an empty conversation (Ctrl+N)"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search conversations…"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.search.setAccessibleDescription(self.tr("Shows the conversations whose title or "
                                                     "messages contain these words"))
        self.view = QListView()
        self.view.setAccessibleName(self.tr("Conversations"))
        self.view.setAccessibleDescription(self.tr("Newest first. Enter opens one; F2 renames "
                                                   "it, Delete deletes it"))
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        top = QHBoxLayout()
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.addLayout(top)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(_SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)
        self.new_button.clicked.connect(self.new_requested)
        self.view.clicked.connect(self._on_clicked)
        self.view.activated.connect(self._on_clicked)
        self.view.customContextMenuRequested.connect(self._context_menu)
        # Actions, not loose shortcuts: the window's menu shows them with their keys, which
        # work in the list only (elsewhere F2 edits a cell and Delete a character).
        self.rename_action = QAction(self.tr("Rename…"), self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.delete_action = QAction(self.tr("Delete…"), self)
        self.delete_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Delete))
        for action, slot in ((self.rename_action, self.rename_selected),
                             (self.delete_action, self.delete_selected)):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        self.refresh()

    # --- reading ------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Re-read the list (or the search result); keeps the open conversation selected."""
        query = self.search.text().strip()
        try:
            if query:
                hits = self.history.search(query)
                by_id: dict[int, Conversation] = {}
                snippets: dict[int, str] = {}
                for hit in hits:
                    if hit.conversation_id not in by_id:
                        found = self.history.get(hit.conversation_id)
                        if found is None:
                            continue
                        by_id[hit.conversation_id] = found
                        if hit.message_id is not None:
                            snippets[hit.conversation_id] = hit.snippet
                self.model.set_conversations(list(by_id.values()), snippets)
            else:
                self.model.set_conversations(self.history.list_conversations())
        except BlueLMError as e:
            self.failed.emit(error_line(e))
            return
        self.set_current(self._current)

    def set_current(self, conversation_id: int | None) -> None:
        """Select the open conversation (or nothing, for a new one)."""
        self._current = conversation_id
        row = self.model.row_of(conversation_id)
        if row is None:
            self.view.clearSelection()
        else:
            self.view.setCurrentIndex(self.model.index(row))

    # --- actions ------------------------------------------------------------------

    def rename(self, conversation_id: int, title: str) -> None:
        try:
            self.history.rename(conversation_id, title)
        except BlueLMError as e:
            self.failed.emit(error_line(e))
        self.refresh()

    def delete(self, conversation_id: int) -> None:
        try:
            self.history.delete(conversation_id)
        except BlueLMError as e:
            self.failed.emit(error_line(e))
            return
        self.conversation_deleted.emit(conversation_id)
        self.refresh()

    def _selected_id(self) -> int | None:
        index = self.view.currentIndex()
        return self.model.conversation(index.row()).id if index.isValid() else None

    @Slot(QModelIndex)
    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.conversation_selected.emit(self.model.conversation(index.row()).id)

    @Slot()
    def rename_selected(self) -> None:
        cid = self._selected_id()
        if cid is None:
            return
        old = self.model.conversation(self.model.row_of(cid) or 0).title
        title, ok = QInputDialog.getText(self, self.tr("Rename conversation"), self.tr("Title:"),
                                         text=old)
        if ok and title.strip():
            self.rename(cid, title.strip())

    @Slot()
    def delete_selected(self) -> None:
        cid = self._selected_id()
        if cid is None:
            return
        title = self.model.conversation(self.model.row_of(cid) or 0).title
        answer = QMessageBox.question(
            self, self.tr("Delete conversation"),
            self.tr("Delete “{title}” and its attachments? This cannot be undone.")
            .format(title=title))
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(cid)

    @Slot(QPoint)
    def _context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction(self.rename_action)
        menu.addAction(self.delete_action)
        menu.exec(self.view.viewport().mapToGlobal(position))
