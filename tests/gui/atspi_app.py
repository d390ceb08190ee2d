"""The app as tests/gui/test_atspi.py runs it: the real main window in a process of its
own (on Xvfb, Qt's AT-SPI bridge on), with the tiny model loaded, brought through the
states whose accessibility tree the test walks as a screen reader sees it.

    python tests/gui/atspi_app.py CONFIG.json

CONFIG holds the model's files, the documents to attach (a PDF, then an image) and the
data folder. Commands come on stdin, one a line (`STATES` lists them); each is answered
on stdout with `ready <state> <what has focus>` once that state is on the screen, or
`failed <state> <why>`; "quit" is answered by the process ending, as Ctrl+Q ends the app.
Setting a state up calls the window's methods: what is tested here is the tree, not how
the user gets there (tests/gui/test_keyboard.py drives the same window by keys alone).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

from bluelm_desktop.core.history import HistoryStore
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.core.settings import InferenceSettings, ModelSettings, Settings
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.settings_dialog import SettingsDialog

TIMEOUT_MS: Final = 120_000
INVOICE_ANSWER: Final = json.dumps({
    "vendor": "ACME GmbH", "invoice_number": "INV-2024-0417", "invoice_date": "2024-04-17",
    "due_date": None, "currency": "EUR", "subtotal": "100.00", "tax": "19.00",
    "total": "119.00",
    "line_items": [{"description": "Consulting", "quantity": "2", "unit_price": "50.00",
                    "amount": "100.00"}]})
CONTRACT_ANSWER: Final = json.dumps({
    "title": "Services Agreement", "parties": "Northwind (Supplier); Bluefield (Client)",
    "effective_date": "2024-03-01", "term": "24 months", "renewal": None,
    "notice_period": "90 days", "amounts": None, "governing_law": "Washington",
    "signatories": None,
    "clauses": [{"title": "Notice period", "page": "4", "summary": "90 days."}]})
SETTINGS_TABS: Final = 5  # the fifth: the llama.cpp server
STATES: Final = ("models", "chat", "image", "invoice", "contract", "shortcuts",
                 *(f"settings-{i}" for i in range(SETTINGS_TABS)), "quit")


class Driver(QObject):
    """Reads commands, sets each state up, says when it is shown."""

    finished = Signal()

    def __init__(self, config: dict[str, str]) -> None:
        super().__init__()
        self.history = HistoryStore(Path(config["data_dir"]) / "history.db")
        settings = Settings(
            model=ModelSettings(config["llm"], config["mmproj"]),
            inference=InferenceSettings(max_tokens=8, temperature=0.0, seed=3))
        self.window = MainWindow(ModelLibrary.from_paths(), Path(config["data_dir"]),
                                 settings, self.history, save_settings=False)
        self.document = Path(config["document"])
        self.image = Path(config["image"])
        self.dialog: QWidget | None = None
        self._state = ""
        self._loaded = False
        self.window.bridge.loaded.connect(self._on_loaded)
        self.window.resize(1200, 860)
        self.window.show()
        self.window.activateWindow()  # there is no window manager on Xvfb to do it
        self._stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self)
        self._stdin.activated.connect(self._read_command)
        self._timeout = QTimer(self, singleShot=True, interval=TIMEOUT_MS)
        self._timeout.timeout.connect(lambda: self._fail("timed out"))

    # --- protocol ------------------------------------------------------------------------

    @Slot()
    def _read_command(self) -> None:
        line = sys.stdin.readline()
        if not line:  # the test is gone
            self._stdin.setEnabled(False)
            self.window.close()
            self.finished.emit()
            return
        self._state = line.strip()
        self._timeout.start()
        try:
            self._enter(self._state)
        except Exception as e:  # said to the test, which shows it
            self._fail(f"{type(e).__name__}: {e}")

    def _ready(self) -> None:
        self._timeout.stop()
        focus = QApplication.focusWidget()
        what = "-" if focus is None else (focus.accessibleName() or type(focus).__name__)
        print(f"ready {self._state} {what}", flush=True)

    def _fail(self, why: str) -> None:
        self._timeout.stop()
        print(f"failed {self._state} {why}", flush=True)

    def _when(self, done: Callable[[], bool], then: Callable[[], None]) -> None:
        """`then()` once `done()` holds (checked as events come, never by sleeping long)."""
        if done():
            QTimer.singleShot(300, then)  # a moment for the bridge to send the changes
        else:
            QTimer.singleShot(50, lambda: self._when(done, then))

    # --- states --------------------------------------------------------------------------

    @Slot(object)
    def _on_loaded(self, _model: object) -> None:
        self._loaded = True

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _enter(self, state: str) -> None:
        w = self.window
        self._close_dialog()
        if state == "models":  # the model setup page, before the chat is ever shown
            w.show_models()
            w.model_setup.table.setFocus()
            self._when(lambda: self._loaded and w.model_setup.model.rowCount() >= 0,
                       self._ready)
        elif state == "chat":  # a document attached and planned, one question answered
            w.pages.setCurrentWidget(w.chat_page)
            self._when(lambda: self._loaded, self._attach_and_ask)
        elif state == "image":  # a picture instead: its tile grid drawn over it
            panel = w.document_panel
            assert panel is not None
            w.attach_files([self.image])
            self._when(lambda: panel.plan is not None and panel.source is not None
                       and panel.source.name == self.image.name, self._focus_preview)
        elif state in ("invoice", "contract"):
            table = w.extraction_panel if state == "invoice" else w.contract_panel
            assert table is not None
            table.show_answer(INVOICE_ANSWER if state == "invoice" else CONTRACT_ANSWER)
            for i in range(w.side_tabs.count()):
                if w.side_tabs.widget(i).isAncestorOf(table):
                    w.side_tabs.setCurrentIndex(i)
            w.set_side_visible(True)
            self._when(table.isVisible, self._ready)
        elif state == "shortcuts":
            w.menu_actions.show_shortcuts.trigger()
            self.dialog = w.menu_actions.shortcuts_dialog
            self._when(lambda: self.dialog is not None and self.dialog.isVisible(), self._ready)
        elif state.startswith("settings-"):
            dialog = SettingsDialog(w.settings, w)
            dialog.tabs.setCurrentIndex(int(state.removeprefix("settings-")))
            dialog.show()
            dialog.activateWindow()
            self.dialog = dialog
            self._when(dialog.isVisible, self._ready)
        elif state == "quit":  # as Ctrl+Q: the process ends, with status 0, by itself
            self._timeout.stop()
            w.menu_actions.quit.trigger()
        else:
            self._fail("unknown state")

    def _attach_and_ask(self) -> None:
        w = self.window
        panel = w.document_panel
        assert panel is not None
        w.attach_files([self.document])
        finished: list[str] = []
        w.controller.answer_finished.connect(lambda status, *_: finished.append(status))
        self._when(lambda: panel.plan is not None and w.controller.pending is not None
                   and w.controller.pending.ready, lambda: self._ask(finished))

    def _ask(self, finished: list[str]) -> None:
        w = self.window
        w.composer.set_text("What is the total?")
        w.composer.send_button.click()
        self._when(lambda: bool(finished), self._focus_conversation)

    def _focus_preview(self) -> None:
        panel = self.window.document_panel
        assert panel is not None
        panel.overlay.setFocus()
        self._ready()

    def _focus_conversation(self) -> None:
        self.window.chat_pane.view.setFocus()
        self._ready()


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    app = QApplication(argv[:1])
    app.setApplicationName("bluelm-desktop")
    driver = Driver(config)
    driver.finished.connect(app.quit)
    app.lastWindowClosed.connect(app.quit)
    status = app.exec()
    driver.window.shutdown()
    driver.history.close()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
