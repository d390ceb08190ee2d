"""The zh_CN interface shows no English: the running window, walked through its states.

With zh_CN installed, the window is opened on the tiny model and taken where a user goes:
the chat after a document is read and a question answered, a file that cannot be read, an
invoice whose totals disagree, a model file that cannot be loaded, the model page, the
settings dialog, a connection test to a server that is not there, the shortcuts list and
Qt's own file dialog. In each state every text a
user can see or hear is collected — labels, buttons, menus, tabs, table headers and cells,
tooltips, placeholders, status lines, accessible names and descriptions, the chat's
notes — and a Latin word that is not a name (BlueLM, GGUF, PDF, key names, the test's own
file names) fails the test. The core's messages (errors, invoice checks) reach the window
through `tr_line`, so an untranslated `msg()` template fails here too.

The tiny model's answers are random tokens: the assistant's own text is data, not checked.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.tasks.prompts import LANGUAGES
from bluelm_desktop.ui import i18n
from bluelm_desktop.ui.chat_pane import ROLE_ASSISTANT, STATUS_ERROR, ChatModel
from bluelm_desktop.ui.qt_strings import qt_strings
from model_convert import constants as C
from tests.gui.conftest import OpenWindow

READ_MS = 120_000

# Words that stay Latin in the Chinese interface: names of things, formats, units, keys.
NAMES = {
    "bluelm", "desktop", "gguf", "pdf", "png", "jpeg", "jpg", "tiff", "webp", "bmp", "gif",
    "csv", "json", "mmproj", "llama", "cpp", "llm", "token", "tokens", "kv", "mib", "gib",
    "kib", "cpu", "gpu", "avx", "amx", "ctrl", "shift", "alt", "esc", "del", "tab", "enter",
    "return", "space", "pgup", "pgdown", "home", "end", "ins", "backspace", "meta", "english",
    "internvl", "smolvlm", "qwen", "lfm", "vision", "xcb", "wayland", "url", "api", "http",
    "https", "huggingface", "cny", "eur", "usd", "bpe", "flash", "attention", "ggml", "f16",
    "q8_0", "q4_k_m", "bf16", "utf", "sha", "tok", "markdown", "delete", "top", "yyyy",
    "hugging", "face", "hub", "studio", "jan",
    # each language by its own name, as the translation target list shows them
    *(w.lower() for language in LANGUAGES for w in re.findall(r"[A-Za-z]+", language.native)),
}
WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
# Typed as written in any language: rich text's tags and <code>, a command of ours with
# its options, llama.cpp's programs, environment variables.
AS_TYPED = re.compile(r"<code>.*?</code>|<[^>]+>|bluelm-desktop \w+|--[\w-]+(?: [A-Z]+)?"
                      r"|\bllama[-.][\w-]+|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")

INVOICE_ANSWER = json.dumps({
    "vendor": "蓝海贸易", "invoice_number": "2024-0417", "invoice_date": "2024-04-17",
    "due_date": None, "currency": "CNY", "subtotal": "100.00", "tax": "13.00",
    "total": "120.00",  # 100 + 13 ≠ 120: a totals warning
    "line_items": [{"description": "咨询", "quantity": "2", "unit_price": "50.00",
                    "amount": "100.00"},
                   {"description": "差旅", "quantity": "x", "unit_price": "1.00",
                    "amount": "1.00"}]})  # a quantity that cannot be read: a problem


# --- what a user sees -------------------------------------------------------------------


def _model_texts(model: QAbstractItemModel | None) -> Iterator[str]:
    if model is None:
        return
    if isinstance(model, ChatModel):
        yield from _chat_texts(model)
        return
    root = QModelIndex()
    rows = min(model.rowCount(root), 200)
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(root)
    for orientation, count in ((Qt.Orientation.Horizontal, columns),
                               (Qt.Orientation.Vertical, rows)):
        for section in range(count):
            header = model.headerData(section, orientation, Qt.ItemDataRole.DisplayRole)
            if isinstance(header, str) and not header.isdigit():
                yield header
    for row in range(rows):
        for column in range(columns):
            index = model.index(row, column, root)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                         Qt.ItemDataRole.AccessibleTextRole):
                value = model.data(index, role)
                if isinstance(value, str):
                    yield value


def _chat_texts(model: ChatModel) -> Iterator[str]:
    """Everything but the assistant's own words (random tokens from the tiny model)."""
    for row in range(model.rowCount()):
        message = model.message(row)
        yield message.footer
        if message.role != ROLE_ASSISTANT or message.status == STATUS_ERROR:
            yield message.text


def _widget_texts(widget: QWidget) -> Iterator[str]:
    yield widget.toolTip()
    yield widget.accessibleName()
    yield widget.accessibleDescription()
    yield widget.statusTip()
    if widget.isWindow():
        yield widget.windowTitle()
    if isinstance(widget, QLabel | QAbstractButton):
        yield widget.text()
    elif isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        yield widget.placeholderText()
    elif isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    elif isinstance(widget, QTabWidget):
        yield from (widget.tabText(i) for i in range(widget.count()))
        yield from (widget.tabToolTip(i) for i in range(widget.count()))
    elif isinstance(widget, QGroupBox | QMenu):
        yield widget.title()
    if isinstance(widget, QAbstractItemView):
        yield from _model_texts(widget.model())
    if isinstance(widget, QMainWindow):
        yield widget.statusBar().currentMessage()
        for menu in widget.menuBar().findChildren(QMenu):
            yield menu.title()
            for action in menu.actions():
                yield action.text()
                yield action.toolTip()
                yield action.statusTip()


def visible_texts(top: QWidget) -> list[tuple[str, str]]:
    """(where, text) for `top` and every visible widget in it."""
    found = []
    for widget in [top, *top.findChildren(QWidget)]:
        if widget is not top and not widget.isVisibleTo(top) and not isinstance(widget, QMenu):
            continue
        where = widget.objectName() or type(widget).__name__
        found.extend((where, text) for text in _widget_texts(widget) if text)
    return found


def english(texts: Iterable[tuple[str, str]], data: set[str]) -> list[str]:
    """The texts that still hold an English word (names, what is typed and data aside)."""
    bad = []
    for where, text in texts:
        words = [w for w in WORD.findall(AS_TYPED.sub(" ", text))
                 if w.lower() not in NAMES and w.lower() not in data]
        if words:
            bad.append(f"{where}: {text!r} ({', '.join(words)})")
    return sorted(set(bad))


def data_words(*paths: Path) -> set[str]:
    """Latin words of the test's own file and folder names: data, shown as they are."""
    return {w.lower() for p in paths for w in WORD.findall(str(p))}


# --- the walk -----------------------------------------------------------------------------


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait(qtbot: QtBot, done: Callable[[], bool], timeout: int = READ_MS) -> None:
    qtbot.waitUntil(done, timeout=timeout)


def test_the_chinese_window_shows_no_english(
        chinese: None, open_window: OpenWindow, qtbot: QtBot, tmp_path: Path,
        invoice: Path, tiny_models: Callable[..., object]) -> None:
    from bluelm_desktop.ui.settings_dialog import SettingsDialog
    from bluelm_desktop.ui.window_actions import ShortcutsDialog

    window = open_window(max_tokens=8)
    models = tiny_models(C.LAYOUT_BLUELM)
    data = data_words(tmp_path, models.llm, models.mmproj)  # type: ignore[attr-defined]
    seen: dict[str, list[tuple[str, str]]] = {}

    # the chat: a document read, a question answered
    document = tmp_path / "发票.png"
    shutil.copyfile(invoice, document)
    window.attach_files([document])
    wait(qtbot, lambda: window.controller.pending is not None and window.controller.pending.ready)
    finished: list[str] = []
    window.controller.answer_finished.connect(lambda status, *_: finished.append(status))
    window.composer.set_text("总金额是多少？")
    window.composer.send_button.click()
    wait(qtbot, lambda: bool(finished))
    seen["chat"] = visible_texts(window)

    # a file that is not an image: its one-line error, where the window shows it
    broken = tmp_path / "坏图.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    errors: list[str] = []
    window.bridge.document_failed.connect(lambda _name, line: errors.append(i18n.tr_line(line)))
    window.attach_files([broken])
    wait(qtbot, lambda: bool(errors))
    qtbot.wait(200)
    seen["unreadable file"] = [*visible_texts(window), ("document_failed", errors[0])]

    # an invoice whose numbers disagree and whose answer has a bad value
    table = window.extraction_panel
    assert table is not None
    table.show_answer(INVOICE_ANSWER)
    window._show_side(table)
    qtbot.wait(100)
    seen["invoice"] = visible_texts(window)

    # the settings, every tab
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = []
    for i in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(i)
        texts += visible_texts(dialog)
    seen["settings"] = texts

    # a connection test to a server that is not there: the core's one line, translated
    dialog.tabs.setCurrentWidget(dialog.server)
    dialog.server.url.setText(f"http://127.0.0.1:{closed_port()}")
    with qtbot.waitSignal(dialog.server.test.finished, timeout=30_000):
        dialog.server.test_button.click()
    seen["server test"] = [("result", dialog.server.result.text())]
    dialog.close()

    shortcuts = ShortcutsDialog(window.menuBar(), window)
    qtbot.addWidget(shortcuts)
    shortcuts.show()
    seen["shortcuts"] = visible_texts(shortcuts)
    shortcuts.close()

    # Qt's own file dialog (as on desktops without a native one): qtbase_zh_CN
    files = QFileDialog(window, "附加文档", str(tmp_path))
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(files)
    files.show()
    seen["file dialog"] = [(w, t) for w, t in visible_texts(files)
                           if w not in ("listView", "treeView", "fileNameEdit", "lookInCombo")]
    files.close()
    seen["file dialog"] += [("qt_strings", text) for text in qt_strings()]

    # a model file that cannot be loaded: the model page and its error
    bad_model = tmp_path / "坏模型.gguf"
    bad_model.write_bytes(b"GGUF" + b"\x00" * 60)
    failed: list[str] = []
    window.bridge.load_failed.connect(failed.append)
    window.bridge.load(bad_model)
    wait(qtbot, lambda: bool(failed), 60_000)
    qtbot.wait(100)
    seen["model page"] = [*visible_texts(window), ("load_failed", failed[0])]

    found = {state: english(texts, data) for state, texts in seen.items()}
    assert all(seen.values()), "a state showed nothing: the walk is broken"
    assert not any(found.values()), "English in the zh_CN interface:\n" + "\n".join(
        f"[{state}] {line}" for state, lines in found.items() for line in lines)
