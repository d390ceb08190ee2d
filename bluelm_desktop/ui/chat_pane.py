"""The conversation: a list model of messages and a view that renders markdown as it streams.

- `ChatModel` holds `ChatMessage`s (plain Python objects); the view never stores text.
- `MessageDelegate` paints each message as a bubble of markdown. A streamed answer is
  split into blocks at blank lines (outside code fences) and each block is parsed once
  and cached, so an update re-parses only the block being written. Parsing the whole
  answer on every update cost 16 ms on average and 56 ms at worst for an 8,000-character
  answer here (2 cores); per-block it stays around a millisecond whatever the length.
  A single QTextBrowser for the whole conversation was measured too: its `setMarkdown`
  cost grows with the conversation, and a cursor-based update of the last message still
  grows with the answer.
- `ChatPane` is the widget: the list, a status line, Stop, Regenerate and Copy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Final

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

AnyIndex = QModelIndex | QPersistentModelIndex

ROLE_USER: Final = "user"
ROLE_ASSISTANT: Final = "assistant"
ROLE_NOTE: Final = "note"  # the app speaking: an error, a document that could not be read

STATUS_COMPLETE: Final = "complete"
STATUS_STREAMING: Final = "streaming"
STATUS_WAITING: Final = "waiting"  # a question held until its document is read
STATUS_INTERRUPTED: Final = "interrupted"
STATUS_ERROR: Final = "error"

MessageRole = Qt.ItemDataRole.UserRole + 1
StatusRole = Qt.ItemDataRole.UserRole + 2
FooterRole = Qt.ItemDataRole.UserRole + 3

_uids = itertools.count(1)


@dataclass
class ChatMessage:
    """One message as the pane shows it. `uid` is stable for the pane's caches;
    `history_id` is the message's row in the history, once saved."""

    role: str
    text: str
    status: str = STATUS_COMPLETE
    footer: str = ""  # attachments under a question, timings or "stopped" under an answer
    history_id: int | None = None
    uid: int = field(default_factory=lambda: next(_uids))


class ChatModel(QAbstractListModel):
    """The messages of the open conversation, oldest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: list[ChatMessage] = []

    # --- reading ------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._messages)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._messages):
            return None
        message = self._messages[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return message.text
        if role == Qt.ItemDataRole.AccessibleTextRole:  # who speaks, as the bubble shows it
            badge = _badge_text(message)
            return " ".join(filter(None, (f"{_header_text(message)}:", badge and f"({badge})",
                                          message.text, message.footer)))
        if role == MessageRole:
            return message.role
        if role == StatusRole:
            return message.status
        if role == FooterRole:
            return message.footer
        return None

    def message(self, row: int) -> ChatMessage:
        return self._messages[row]

    def messages(self) -> list[ChatMessage]:
        return list(self._messages)

    def __iter__(self) -> Iterator[ChatMessage]:
        return iter(list(self._messages))

    def last_row(self, role: str) -> int | None:
        for row in range(len(self._messages) - 1, -1, -1):
            if self._messages[row].role == role:
                return row
        return None

    # --- writing ------------------------------------------------------------------

    def set_messages(self, messages: list[ChatMessage]) -> None:
        self.beginResetModel()
        self._messages = list(messages)
        self.endResetModel()

    def append(self, message: ChatMessage) -> int:
        row = len(self._messages)
        self.beginInsertRows(QModelIndex(), row, row)
        self._messages.append(message)
        self.endInsertRows()
        return row

    def append_text(self, row: int, text: str) -> None:
        """Add streamed text to a message (one dataChanged per coalesced update)."""
        if text:
            self._update(row, text=self._messages[row].text + text)

    def update(self, row: int, **changes: object) -> None:
        """Replace fields of a message: text, status, footer, history_id."""
        self._update(row, **changes)

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._messages[row]
        self.endRemoveRows()

    def _update(self, row: int, **changes: object) -> None:
        self._messages[row] = replace(self._messages[row], **changes)  # type: ignore[arg-type]
        index = self.index(row)
        self.dataChanged.emit(index, index)


# --- markdown, block by block ---------------------------------------------------------


def markdown_blocks(text: str) -> list[str]:
    """Split markdown at blank lines into blocks that render the same on their own.

    Never inside a code fence, and never before an indented line (a list item's second
    paragraph, or indented code, belongs to the block above). Blocks are what the
    delegate parses and caches: while an answer streams, only its last block changes.
    """
    lines = text.split("\n")
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if fence is None and not stripped and current:
            following = next((ln for ln in lines[i + 1:] if ln.strip()), None)
            if following is not None and not following[0].isspace():
                blocks.append("\n".join(current).rstrip("\n"))
                current = []
                continue
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            if fence is None:
                fence = marker
            elif marker == fence:
                fence = None
        if current or stripped:
            current.append(line)
    if current:
        blocks.append("\n".join(current).rstrip("\n"))
    return blocks


class _RenderedMessage:
    """A message's blocks as laid-out documents, for one width; rebuilt block by block."""

    def __init__(self) -> None:
        self.width = -1
        self.font = QFont()
        self.docs: list[tuple[str, QTextDocument]] = []

    def layout(self, text: str, width: int, font: QFont) -> list[QTextDocument]:
        if width != self.width or font != self.font:
            self.width, self.font = width, QFont(font)
            for _, doc in self.docs:
                doc.setDefaultFont(font)
                doc.setTextWidth(width)
        old = dict(self.docs)
        docs: list[tuple[str, QTextDocument]] = []
        for block in markdown_blocks(text):
            doc = old.get(block)
            if doc is None:
                doc = QTextDocument()
                doc.setDocumentMargin(0)
                doc.setDefaultFont(font)
                doc.setMarkdown(block)
                doc.setTextWidth(width)
            docs.append((block, doc))
        self.docs = docs
        return [d for _, d in docs]


# --- painting -------------------------------------------------------------------------

_MARGIN: Final = 12  # around each bubble, inside the view
_PADDING: Final = 10  # inside each bubble
_MAX_TEXT_WIDTH: Final = 760  # lines longer than this are hard to read
_USER_SHARE: Final = 0.78  # a question's bubble takes at most this share of the width
_BLOCK_GAP_EM: Final = 0.5


@dataclass(frozen=True)
class _Geometry:
    bubble: QRect
    header: QRect
    body_top: int
    footer: QRect
    text_width: int


class MessageDelegate(QStyledItemDelegate):
    """Paints a message as a bubble: a header, the markdown body, an optional footer."""

    def __init__(self, view_width: Callable[[], int], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view_width = view_width
        self._rendered: dict[int, _RenderedMessage] = {}

    def forget(self, uids: set[int] | None = None) -> None:
        """Drop cached layouts (all, or those of messages no longer shown)."""
        if uids is None:
            self._rendered.clear()
        else:
            for uid in list(self._rendered):
                if uid not in uids:
                    del self._rendered[uid]

    def _message(self, index: AnyIndex) -> ChatMessage:
        model = index.model()
        assert isinstance(model, ChatModel)
        return model.message(index.row())

    def _docs(self, message: ChatMessage, width: int, font: QFont) -> list[QTextDocument]:
        rendered = self._rendered.setdefault(message.uid, _RenderedMessage())
        text = message.text or ("…" if message.status == STATUS_STREAMING else "")
        return rendered.layout(text, width, font)

    def _geometry(self, message: ChatMessage, top_left: QPoint, font: QFont
                  ) -> tuple[_Geometry, list[QTextDocument]]:
        metrics = QFontMetrics(font)
        full = max(120, self._view_width() - 2 * _MARGIN)
        is_user = message.role == ROLE_USER
        outer = min(full, _MAX_TEXT_WIDTH + 2 * _PADDING)
        if is_user:
            outer = int(min(outer, max(240, full * _USER_SHARE)))
        text_width = outer - 2 * _PADDING
        docs = self._docs(message, text_width, font)
        if is_user and docs:  # a short question gets a bubble just wide enough
            ideal = max(int(d.idealWidth()) + 1 for d in docs)
            # + 4: advances are fractional, and at exactly its width a line is elided
            footer_w = metrics.horizontalAdvance(message.footer) + 4 if message.footer else 0
            header_w = metrics.horizontalAdvance(_header_text(message)) + 4
            badge = _badge_text(message)  # "waiting for the document…" beside the name
            if badge:
                header_w += metrics.horizontalAdvance(badge) + 2 * _PADDING
            text_width = max(min(text_width, max(ideal, footer_w, header_w)), 60)
            for d in docs:
                d.setTextWidth(text_width)
            outer = text_width + 2 * _PADDING
        gap = int(metrics.height() * _BLOCK_GAP_EM)
        body_h = sum(int(d.size().height()) for d in docs) + gap * max(0, len(docs) - 1)
        header_h = metrics.height()
        # A fallback font (CJK in a Latin UI font) can be taller than the font's own line.
        footer_line = (max(metrics.height(), metrics.boundingRect(message.footer).height())
                       if message.footer else 0)
        footer_h = footer_line + 4 if message.footer else 0
        left = top_left.x() + (_MARGIN + full - outer if is_user else _MARGIN)
        top = top_left.y() + _MARGIN // 2
        height = 2 * _PADDING + header_h + 4 + body_h + footer_h
        bubble = QRect(left, top, outer, height)
        header = QRect(left + _PADDING, top + _PADDING, text_width, header_h)
        body_top = header.bottom() + 1 + 4
        footer = QRect(left + _PADDING, body_top + body_h + 4, text_width, footer_line)
        return _Geometry(bubble, header, body_top, footer, text_width), docs

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        geometry, _ = self._geometry(self._message(index), QPoint(0, 0), option.font)
        return QSize(self._view_width(), geometry.bubble.height() + _MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        message = self._message(index)
        geometry, docs = self._geometry(message, option.rect.topLeft(), option.font)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(_border_color(palette, message, selected))
        painter.setBrush(_bubble_color(palette, message))
        painter.drawRoundedRect(QRectF(geometry.bubble).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)

        header_font = QFont(option.font)
        header_font.setBold(True)
        painter.setFont(header_font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(geometry.header, int(Qt.AlignmentFlag.AlignLeft), _header_text(message))
        badge = _badge_text(message)
        if badge:
            painter.setFont(option.font)
            painter.setPen(_badge_color(palette, message))
            painter.drawText(geometry.header, int(Qt.AlignmentFlag.AlignRight), badge)

        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette = palette  # the view's colours (dark theme), not the app's
        gap = int(QFontMetrics(option.font).height() * _BLOCK_GAP_EM)
        y = geometry.body_top
        clip = option.rect
        for doc in docs:
            height = int(doc.size().height())
            if y + height >= clip.top() and y <= clip.bottom():  # only what can be seen
                painter.save()
                painter.translate(geometry.header.left(), y)
                context.clip = QRectF(0, max(0, clip.top() - y), geometry.text_width,
                                      clip.height())
                doc.documentLayout().draw(painter, context)
                painter.restore()
            y += height + gap
        if message.footer:
            painter.setFont(option.font)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(geometry.footer, int(Qt.AlignmentFlag.AlignLeft),
                             QFontMetrics(option.font).elidedText(
                                 message.footer, Qt.TextElideMode.ElideRight,
                                 geometry.footer.width()))
        painter.restore()


def _header_text(message: ChatMessage) -> str:
    if message.role == ROLE_USER:
        return QCoreApplication.translate("MessageDelegate", "You")
    if message.role == ROLE_ASSISTANT:
        return QCoreApplication.translate("MessageDelegate", "Assistant")
    return "BlueLM Desktop"  # the app speaking: the product's name, in every language


def _badge_text(message: ChatMessage) -> str:
    status = message.status
    if status == STATUS_STREAMING:
        return QCoreApplication.translate("MessageDelegate", "answering…")
    if status == STATUS_WAITING:
        return QCoreApplication.translate("MessageDelegate", "waiting for the document…")
    if status == STATUS_INTERRUPTED:
        return QCoreApplication.translate("MessageDelegate", "stopped")
    if status == STATUS_ERROR:
        return QCoreApplication.translate("MessageDelegate", "failed")
    return ""


def _mix(a: QColor, b: QColor, share_b: float) -> QColor:
    return QColor.fromRgbF(
        a.redF() * (1 - share_b) + b.redF() * share_b,
        a.greenF() * (1 - share_b) + b.greenF() * share_b,
        a.blueF() * (1 - share_b) + b.blueF() * share_b,
    )


def _bubble_color(palette: QPalette, message: ChatMessage) -> QColor:
    base = palette.color(QPalette.ColorRole.Base)
    if message.role == ROLE_USER:
        return _mix(base, palette.color(QPalette.ColorRole.Highlight), 0.14)
    if message.role == ROLE_NOTE or message.status == STATUS_ERROR:
        return _mix(base, QColor("#d93025"), 0.10)
    return base


def _border_color(palette: QPalette, message: ChatMessage, selected: bool) -> QColor:
    if selected:
        return palette.color(QPalette.ColorRole.Highlight)
    return _mix(palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text),
                0.18)


def _badge_color(palette: QPalette, message: ChatMessage) -> QColor:
    if message.status == STATUS_ERROR:
        return QColor("#d93025")
    return palette.color(QPalette.ColorRole.PlaceholderText)


# --- the widget -----------------------------------------------------------------------


class ChatView(QListView):
    """The message list: pixel scrolling, sticks to the bottom while an answer grows,
    and says what to do when the conversation is empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.placeholder = ""
        self._stick_to_bottom = True
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setMouseTracking(False)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.verticalScrollBar().setSingleStep(24)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    @Slot(int)
    def _on_scrolled(self, value: int) -> None:
        self._stick_to_bottom = value >= self.verticalScrollBar().maximum() - 4

    @Slot(int, int)
    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.verticalScrollBar().setValue(maximum)

    def scroll_to_end(self) -> None:
        self._stick_to_bottom = True
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not self.placeholder or model is None or model.rowCount() > 0:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = self.viewport().rect().adjusted(48, 32, -48, -32)
        painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                         self.placeholder)
        painter.end()


class ChatPane(QWidget):
    """The conversation with its actions: Stop (cancel), Regenerate, Copy."""

    stop_requested = Signal()
    regenerate_requested = Signal()

    def __init__(self, model: ChatModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = ChatView()
        self.delegate = MessageDelegate(lambda: self.view.viewport().width(), self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(model)
        self.view.placeholder = self.tr(
            "Ask anything, or drop a document here (an image or a PDF).\n\n"
            "Reading starts the moment it arrives, while you type your question."
        )
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.setAccessibleName(self.tr("Conversation"))
        self.view.setAccessibleDescription(self.tr("The questions and answers, oldest first"))

        self.status_label = QLabel()
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the answer here (Esc); what was written is "
                                            "kept"))
        self.regenerate_button = QPushButton(self.tr("Regenerate"))
        self.regenerate_button.setToolTip(self.tr("Answer the last question again"))
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setToolTip(self.tr("Copy the selected message, or the last answer, "
                                            "as markdown"))
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.addWidget(self.status_label, 1)
        for button in (self.stop_button, self.regenerate_button, self.copy_button):
            bar.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)

        self.stop_button.clicked.connect(self.stop_requested)
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        self.copy_button.clicked.connect(self.copy_message)
        # A growing answer changes its height: ask the view to lay the rows out again.
        model.dataChanged.connect(self._on_data_changed)
        model.modelReset.connect(self._on_reset)
        model.rowsInserted.connect(self._on_rows_inserted)
        model.rowsRemoved.connect(self._on_reset)
        self._generating = False
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self._update_actions()

    def set_generating(self, generating: bool) -> None:
        self._generating = generating
        self._update_actions()

    def _update_actions(self) -> None:
        """Actions only where they can act: none at all in an empty conversation."""
        has_messages = self.model.rowCount() > 0
        for button in (self.stop_button, self.regenerate_button, self.copy_button):
            button.setVisible(has_messages)
        self.stop_button.setEnabled(self._generating)
        self.regenerate_button.setEnabled(
            not self._generating and self.model.last_row(ROLE_USER) is not None
        )
        self.copy_button.setEnabled(self.model.last_row(ROLE_ASSISTANT) is not None
                                    or bool(self.view.selectionModel().selectedRows()))

    def set_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setToolTip(text)

    def copied_text(self) -> str:
        """What Copy puts on the clipboard: the selected message, else the last answer."""
        rows = self.view.selectionModel().selectedRows()
        row = rows[0].row() if rows else self.model.last_row(ROLE_ASSISTANT)
        return self.model.message(row).text if row is not None else ""

    @Slot()
    def copy_message(self) -> None:
        text = self.copied_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.set_status(self.tr("Copied."))

    @Slot(QPoint)
    def _context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        self.view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction(self.tr("Copy"), self.copy_message)
        menu.exec(self.view.viewport().mapToGlobal(position))

    @Slot(QModelIndex, QModelIndex)
    def _on_data_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        for row in range(top.row(), bottom.row() + 1):
            self.delegate.sizeHintChanged.emit(self.model.index(row))

    @Slot()
    def _on_reset(self) -> None:
        self.delegate.forget({m.uid for m in self.model})
        self.view.scroll_to_end()
        self._update_actions()

    @Slot(QModelIndex, int, int)
    def _on_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self.view.scroll_to_end()
        self._update_actions()
