"""Where the user writes: the question box, attachments (button, drop, paste, screen capture).

The composer only collects input and shows state it is given; what happens to a file or a
question is the controller's business (signals out, setters in). Every way a document can
arrive ends in one of two signals: `files_chosen` (paths) or `image_pasted` (pixels, which
become a `DocumentSource.from_array`, exactly like a file).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMimeData, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

DOCUMENT_PATTERNS: Final = "*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff *.pdf"
# The names a paste and a capture get (shown under the question, kept in the history), in
# English here; `Composer` translates them (they are marked for lupdate).
PASTED_IMAGE_NAME: Final = QT_TRANSLATE_NOOP("Composer", "Pasted image")
CAPTURE_NAME: Final = QT_TRANSLATE_NOOP("Composer", "Screen capture")
_MAX_LINES: Final = 8
_ATTACH_TIP: Final = QT_TRANSLATE_NOOP("Composer",
                                       "Add images or PDFs (you can also drop or paste them)")
_CAPTURE_TIP: Final = QT_TRANSLATE_NOOP("Composer", "Select part of the screen and ask about it")


def _tr(text: str) -> str:
    """One of the marked constants above, in the interface language."""
    return QCoreApplication.translate("Composer", text)


def document_filter() -> str:
    """The file dialog's filter: the labels translated, the patterns as they are."""
    documents = QCoreApplication.translate("Composer", "Documents")
    everything = QCoreApplication.translate("Composer", "All files")
    return f"{documents} ({DOCUMENT_PATTERNS});;{everything} (*)"


def screen_capture_available() -> bool:
    """Whether `ui.screen_capture` (capture, and the QImage → pixels conversion that image
    pastes use too) is installed; it arrives separately, and its features hide without it."""
    return importlib.util.find_spec("bluelm_desktop.ui.screen_capture") is not None


def local_files(mime: QMimeData) -> list[Path]:
    """The local files in a drag or a paste (a file manager's copy), in the given order."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class MessageEdit(QPlainTextEdit):
    """The question box: Enter sends, Shift+Enter starts a new line; pastes images."""

    submitted = Signal()
    image_pasted = Signal(QImage)
    files_pasted = Signal(list)  # list[Path]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setPlaceholderText(self.tr("Ask a question… (Enter sends, Shift+Enter for a new "
                                        "line)"))
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        image = source.hasImage() and screen_capture_available()
        return image or bool(local_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = local_files(source)
        if files:
            self.files_pasted.emit(files)
        elif source.hasImage() and screen_capture_available():
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.image_pasted.emit(image)
        else:
            super().insertFromMimeData(source)

    @Slot()
    def _fit_height(self) -> None:
        """Grow with the text up to a few lines, then scroll: the chat keeps its room."""
        lines = max(1, min(_MAX_LINES, int(self.document().size().height())))
        line_h = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom()
        self.setFixedHeight(lines * line_h + frame + 4)


class Composer(QWidget):
    """Question box with Send, Attach and Capture buttons, the attachment line and notices."""

    submitted = Signal(str)
    files_chosen = Signal(list)  # list[Path]: attach button, drop, or a pasted file
    image_pasted = Signal(object, str)  # np.ndarray pixels, name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.edit = MessageEdit()
        self.edit.setAcceptDrops(False)  # drops go to the composer: files, not their paths
        self.edit.setAccessibleName(self.tr("Question"))
        self.edit.setAccessibleDescription(self.tr(
            "Enter sends the question, Shift+Enter starts a new line; pasting an image or a "
            "file attaches it"))
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setDefault(True)
        self.send_button.setAccessibleDescription(self.tr("Send the question (Enter)"))
        self.attach_button = QPushButton(self.tr("Attach…"))
        self.attach_button.setToolTip(_tr(_ATTACH_TIP))
        self.capture_button = QPushButton(self.tr("Capture screen region"))
        self.capture_button.setToolTip(_tr(_CAPTURE_TIP))
        self.capture_button.setVisible(screen_capture_available())

        self.attachment_label = QLabel()
        self.attachment_label.setTextFormat(Qt.TextFormat.PlainText)
        self.attachment_label.setSizePolicy(QSizePolicy.Policy.Ignored,
                                            QSizePolicy.Policy.Preferred)
        self.attachment_label.hide()
        self.notice_label = QLabel()
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()

        for button in (self.attach_button, self.capture_button, self.send_button):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.capture_button)
        buttons.addWidget(self.attachment_label, 1)
        buttons.addStretch(0)  # keeps Send at the right edge when there is no attachment
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.edit)
        layout.addLayout(buttons)

        self.edit.submitted.connect(self._submit)
        self.send_button.clicked.connect(self._submit)
        self.attach_button.clicked.connect(self.choose_files)
        self.capture_button.clicked.connect(self.capture_screen)
        self.edit.image_pasted.connect(self._on_image_pasted)
        self.edit.files_pasted.connect(self.files_chosen)

    # --- state shown -------------------------------------------------------------

    def set_vision(self, available: bool, reason: str = "") -> None:
        """Documents need a vision projector; without one, say so instead of failing later."""
        for button, tip in ((self.attach_button, _ATTACH_TIP), (self.capture_button, _CAPTURE_TIP)):
            button.setEnabled(available)
            button.setToolTip(_tr(tip) if available else reason)
        self.setAcceptDrops(available)

    def set_attachments(self, text: str) -> None:
        self.attachment_label.setText(text)
        self.attachment_label.setToolTip(text)
        self.attachment_label.setVisible(bool(text))

    def set_notice(self, text: str) -> None:
        """A sentence above the box, e.g. that the question waits for the document."""
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    # --- input -------------------------------------------------------------------

    @Slot()
    def _submit(self) -> None:
        text = self.edit.toPlainText().strip()
        if not text or not self.send_button.isEnabled():
            return
        self.edit.clear()
        self.submitted.emit(text)

    @Slot()
    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach documents"),
                                                str(Path.home()), document_filter())
        if names:
            self.files_chosen.emit([Path(n) for n in names])

    @Slot()
    def capture_screen(self) -> bool:
        """Capture a screen region and attach it; whether a region was attached."""
        from bluelm_desktop.ui.screen_capture import capture_region, qimage_to_rgb

        image = capture_region(self.window())
        if image is None or image.isNull():
            return False
        self.image_pasted.emit(qimage_to_rgb(image), _tr(CAPTURE_NAME))
        return True

    @Slot(QImage)
    def _on_image_pasted(self, image: QImage) -> None:
        from bluelm_desktop.ui.screen_capture import qimage_to_rgb

        self.image_pasted.emit(qimage_to_rgb(image), _tr(PASTED_IMAGE_NAME))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.files_chosen.emit(files)
