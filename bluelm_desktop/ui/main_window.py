"""The main window: a frame that composes panels, which do the work.

    ┌ sidebar ─┬─ document panel (when a document is attached) ───────────┐
    │ convers- │  chat pane (markdown, Stop / Regenerate / Copy)          │
    │ ations   │  quick actions · composer (attach, paste, capture)       │
    └──────────┴──────────────────────────────────────────────────────────┘
    status bar: what runs now · model · data directory

Without a chosen model the model setup page (the existing panel) is shown instead. With
the server setting on, answers come from llama.cpp's llama-server instead of a model
loaded here (`EngineBridge.connect_server`); its API key is kept in its own file
(`core.server.keys`), never in the settings. The menu bar (`WindowActions`) holds every
command with its shortcut. The window receives its dependencies (settings, history,
engine bridge); the chat's flow is `ChatController`'s.
Panels that arrive separately (document panel, screen capture, quick actions and the
extraction table, the history) are used when their modules exist and their features stay
hidden otherwise.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QRect,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSizeGrip,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.documents import DocumentSource
from bluelm_desktop.core.errors import BlueLMError, value_line
from bluelm_desktop.core.models.library import ModelLibrary, ModelPair
from bluelm_desktop.core.planning import PreparedImage
from bluelm_desktop.core.server import ServerInfo
from bluelm_desktop.core.server.keys import read_api_key, save_api_key
from bluelm_desktop.core.settings import BUDGET_CUSTOM, ModelSettings, Settings
from bluelm_desktop.core.tune import TuneResult, engine_settings_for, tuned
from bluelm_desktop.core.vision.tiling import BUDGET_PRESETS, TilingParams
from bluelm_desktop.ui import messages
from bluelm_desktop.ui.chat_controller import ChatController
from bluelm_desktop.ui.chat_pane import ChatModel, ChatPane
from bluelm_desktop.ui.composer import Composer, local_files
from bluelm_desktop.ui.documents_thread import DocumentsThread
from bluelm_desktop.ui.engine_bridge import EngineBridge, LoadedModel
from bluelm_desktop.ui.i18n import tr_line
from bluelm_desktop.ui.model_setup import ModelSetupPanel
from bluelm_desktop.ui.theme import FOCUS_RING
from bluelm_desktop.ui.tune_offer import TuneOffer
from bluelm_desktop.ui.window_actions import WindowActions

if TYPE_CHECKING:
    from bluelm_desktop.core.history import HistoryStore

log = logging.getLogger(__name__)

WINDOW_TITLE = "BlueLM Desktop"  # the product's name: the same in every language
DEFAULT_SIZE = (1100, 700)
# Below this the quick actions, the composer's buttons and the status bar's permanent
# labels no longer fit beside each other and get cut (measured in English and Chinese).
MINIMUM_SIZE = (820, 560)
ACTIVITY_MS = 20_000  # a finished thing's status line ("Ready.") stays this long
SIDEBAR_WIDTH = 230
SIDE_SHARE = 0.45  # of the right column's height for the document panel, when shown
SIDE_MIN_HEIGHT = 140
# The quick actions' labels come from `core.tasks` in English and are shown through
# `QCoreApplication.translate("QuickAction", label)`; marked here so lupdate extracts them
# (the core has no Qt). tests/gui/test_translations.py checks that every label is listed.
QUICK_ACTION_LABELS: Final = (
    QT_TRANSLATE_NOOP("QuickAction", "Translate text in image"),
    QT_TRANSLATE_NOOP("QuickAction", "Extract invoice fields"),
    QT_TRANSLATE_NOOP("QuickAction", "Extract contract terms"),
    QT_TRANSLATE_NOOP("QuickAction", "Summarize"),
)


class _Unchanged(enum.Enum):
    """`apply_settings` without an API key: the one in use stays."""

    UNCHANGED = enum.auto()


UNCHANGED: Final = _Unchanged.UNCHANGED


def quick_action_label(action: Any) -> str:
    """A quick action's label in the interface language."""
    return QCoreApplication.translate("QuickAction", action.label)


def _available(module: str) -> bool:
    """Whether a panel's module exists (some arrive separately): its feature shows then."""
    return importlib.util.find_spec(module) is not None


class ModelPage(QWidget):
    """The first-run page: the model setup panel and the button that puts a model to use."""

    chosen = Signal(object)  # ModelPair

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = ModelSetupPanel(library)
        self.message = QLabel(self.tr("Choose the model to chat with, or create the demo model."))
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.use_button = QPushButton(self.tr("Use this model"))
        self.use_button.setDefault(True)
        self.back_button = QPushButton(self.tr("Back to the chat"))
        self.back_button.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.message, 1)
        bar.addWidget(self.back_button)
        bar.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addLayout(bar)
        self.use_button.clicked.connect(self._use_selected)
        self.panel.table.doubleClicked.connect(self._use_selected)
        self.panel.demo_created.connect(self.chosen)  # the demo is made to be used
        self.panel.table.selectionModel().selectionChanged.connect(self._update_button)
        self.panel.models_changed.connect(self._update_button)
        self._update_button()

    @Slot()
    def _use_selected(self) -> None:
        pair = self.panel.selected_pair()
        if pair is not None and pair.ok:
            self.chosen.emit(pair)

    @Slot()
    def _update_button(self) -> None:
        pair = self.panel.selected_pair()
        self.use_button.setEnabled(pair is not None and pair.ok)

    def show_error(self, text: str) -> None:
        self.message.setText(text)


class StatusLine(QLabel):
    """The status bar's activity line: one line, elided with "…" where it does not fit,
    so it never runs into the permanent labels beside it (`text()` stays the whole text,
    also in the tool tip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def shown_text(self) -> str:
        """What is drawn: the text, elided to the label's width."""
        return self.fontMetrics().elidedText(self.text().replace("\n", " "),
                                             Qt.TextElideMode.ElideRight,
                                             max(0, self.contentsRect().width()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(),
                                  int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                                  self.palette(), self.isEnabled(), self.shown_text(),
                                  QPalette.ColorRole.WindowText)
        painter.end()


class StatusBar(QStatusBar):
    """A status bar whose messages (`showMessage`) are elided before the permanent
    widgets: Qt's own draws a long one on under them ("…Measure sp|Measure speed…")."""

    def message_rect(self) -> QRect:
        """Where a message goes: from the left edge to the first permanent widget (the
        other widgets are hidden while a message shows)."""
        right = self.width()
        for child in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child.isVisible() and not isinstance(child, QSizeGrip) and child.x() > 0:
                right = min(right, child.x())
        return QRect(6, 0, max(0, right - 6 - 8), self.height())

    def shown_message(self) -> str:
        """The message as drawn: one line, elided to `message_rect`."""
        return self.fontMetrics().elidedText(self.currentMessage().replace("\n", " "),
                                             Qt.TextElideMode.ElideRight,
                                             self.message_rect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.currentMessage():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawText(self.message_rect(),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_message())
        painter.end()


class MainWindow(QMainWindow):
    """Lays out the panels, loads the chosen model, and routes between them."""

    def __init__(
        self,
        library: ModelLibrary,
        data_dir: Path,
        settings: Settings | None = None,
        history: HistoryStore | None = None,
        bridge: EngineBridge | None = None,
        save_settings: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(*MINIMUM_SIZE)
        self.setAcceptDrops(True)
        self.setStyleSheet(FOCUS_RING)  # the window's dialogs inherit it
        self.settings = settings or Settings()
        self.history = history
        self._save_settings = save_settings
        self._api_key = read_api_key()  # the server's, from its own file (None: none)
        self._closed = False
        # One documents thread and one worker process for the panel and the engine alike.
        self.bridge = bridge or EngineBridge(
            self.settings.engine_settings(), self.settings.ui.coalesce_ms, self,
            documents=DocumentsThread(self.settings.document_limits(), self))
        self.documents = self.bridge.documents
        self.loaded: LoadedModel | None = None
        self._page_of: dict[str, int] = {}  # image id → its page in the document panel

        # --- panels ----------------------------------------------------------------
        self.chat_model = ChatModel(self)
        self.controller = ChatController(self.bridge, self.chat_model, history,
                                         lambda: self.settings.sampling_params(), self)
        self.model_page = ModelPage(library)
        # Where models, settings and conversations live: said where a model is chosen.
        self.data_dir_label = QLabel(self.tr("Data directory: {path}").format(path=data_dir))
        self.data_dir_label.setToolTip(self.tr("Change it with --data-dir DIR or "
                                               "BLUELM_DATA_DIR"))
        self.model_page.layout().addWidget(self.data_dir_label)
        self.model_setup = self.model_page.panel
        self.chat_pane = ChatPane(self.chat_model)
        self.composer = Composer()
        self.sidebar = self._make_sidebar(history)
        self.document_panel = self._make_document_panel()
        self.extraction_panel = self._make_extraction_panel()
        self.contract_panel = self._make_contract_panel()
        self.quick_actions = self._make_quick_actions()

        # --- layout ----------------------------------------------------------------
        chat_column = QWidget()
        column = QVBoxLayout(chat_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.chat_pane, 1)
        if self.quick_actions is not None:
            column.addWidget(self.quick_actions)
        column.addWidget(self.composer)
        self.side_tabs = QTabWidget()
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.setAccessibleName(self.tr("Document and extracted tables"))
        # Each panel in a scroll area: squeezed below its layout's minimum (a small window,
        # the splitter dragged up) it scrolls instead of drawing its parts over each other.
        self._side_pages: dict[QWidget, QScrollArea] = {}
        for panel, title in ((self.document_panel, self.tr("Document")),
                             (self.extraction_panel, self.tr("Invoice fields")),
                             (self.contract_panel, self.tr("Contract terms"))):
            if panel is not None:
                page = QScrollArea()
                page.setWidgetResizable(True)
                page.setFrameShape(QFrame.Shape.NoFrame)
                page.setWidget(panel)
                page.setAccessibleName(title)  # it takes the focus when it scrolls
                self._side_pages[panel] = page
                self.side_tabs.addTab(page, title)
        self.side_tabs.hide()  # until there is a document or an extraction to show
        # An explicit minimum: the splitter would otherwise keep the panel's own (tall)
        # minimum size hint and leave the conversation a sliver.
        self.side_tabs.setMinimumHeight(SIDE_MIN_HEIGHT)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.side_tabs)
        self.right.addWidget(chat_column)
        self.right.setStretchFactor(0, 2)
        self.right.setStretchFactor(1, 3)
        self.right.setChildrenCollapsible(False)
        self.chat_page = QSplitter(Qt.Orientation.Horizontal)
        if self.sidebar is not None:
            self.chat_page.addWidget(self.sidebar)
        self.chat_page.addWidget(self.right)
        self.chat_page.setStretchFactor(self.chat_page.count() - 1, 1)
        self.chat_page.setSizes([SIDEBAR_WIDTH, DEFAULT_SIZE[0] - SIDEBAR_WIDTH])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.model_page)
        self.pages.addWidget(self.chat_page)
        self.setCentralWidget(self.pages)

        self.activity_label = StatusLine()
        # A finished thing's line goes after a while; one that describes what runs now
        # ("Answering…") stays until what it describes ends (see `_show_activity`).
        self._activity_timer = QTimer(self)
        self._activity_timer.setSingleShot(True)
        self._activity_timer.setInterval(ACTIVITY_MS)
        self._activity_timer.timeout.connect(self.activity_label.clear)
        self._reading_shown = False  # the line says how far a document's reading is
        self.model_label = QLabel(self.tr("No model"))
        self.models_button = QPushButton(self.tr("Models…"))
        self.models_button.setFlat(True)
        self.models_button.setToolTip(self.tr("Choose another model"))
        self.models_button.hide()  # the first page is the models page
        self.settings_button = QPushButton(self.tr("Settings…"))
        self.tune_offer = TuneOffer(self)  # "Measure speed…" for a model not measured here
        self.settings_button.setFlat(True)
        self.settings_button.setToolTip(self.tr("Threads, context, answers, documents, look "
                                                "(Ctrl+,)"))
        status = StatusBar()
        self.setStatusBar(status)
        status.setAccessibleName(self.tr("Status bar"))
        status.addWidget(self.activity_label, 1)
        status.addPermanentWidget(self.tune_offer.button)
        status.addPermanentWidget(self.model_label)
        status.addPermanentWidget(self.models_button)
        status.addPermanentWidget(self.settings_button)
        # The app's one message channel (messages.error / info, the crash hook) ends here.
        messages.bridge().shown.connect(self._show_message)

        self._connect()
        self.menu_actions = WindowActions(self)
        self._start()

    @Slot(str, bool)
    def _show_message(self, text: str, is_error: bool) -> None:
        """A message from anywhere in the app: errors stay a minute, news 15 seconds."""
        self.statusBar().showMessage(text, 60_000 if is_error else 15_000)

    # --- optional panels ---------------------------------------------------------------

    def _make_sidebar(self, history: HistoryStore | None) -> QWidget | None:
        if history is None:
            return None
        from bluelm_desktop.ui.sidebar import Sidebar

        sidebar = Sidebar(history)
        sidebar.setMinimumWidth(160)
        return sidebar

    def _make_document_panel(self) -> Any:
        if not _available("bluelm_desktop.ui.document_panel"):
            return None
        from bluelm_desktop.ui.document_panel import DocumentPanel

        return DocumentPanel(limits=self.settings.document_limits(), documents=self.documents)

    def _make_extraction_panel(self) -> Any:
        if not _available("bluelm_desktop.ui.extraction_table"):
            return None
        from bluelm_desktop.ui.extraction_table import ExtractionPanel

        return ExtractionPanel()

    def _make_contract_panel(self) -> Any:
        if not _available("bluelm_desktop.ui.contract_table"):
            return None
        from bluelm_desktop.ui.contract_table import ContractPanel

        return ContractPanel()

    def _make_quick_actions(self) -> QWidget | None:
        if not _available("bluelm_desktop.core.tasks"):
            return None
        from bluelm_desktop.core.tasks import QUICK_ACTIONS

        bar = QWidget()
        bar.setAccessibleName(self.tr("Quick actions"))
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 4, 8, 0)
        row.addWidget(QLabel(self.tr("Quick actions:")))
        self._action_buttons: list[tuple[QPushButton, Any]] = []
        for action in QUICK_ACTIONS:
            button = QPushButton(quick_action_label(action))
            button.setToolTip(self.tr("Sends it as a question; text you typed is added to it"))
            button.setAccessibleDescription(self.tr(
                "Quick action: sends it as a question about the attached document; text you "
                "typed is added to it"))
            button.clicked.connect(lambda _=False, a=action: self.run_quick_action(a))
            row.addWidget(button)
            self._action_buttons.append((button, action))
        row.addStretch(1)
        return bar

    # --- wiring ------------------------------------------------------------------------

    def _connect(self) -> None:
        c, composer, pane = self.controller, self.composer, self.chat_pane
        composer.submitted.connect(self._on_submitted)
        composer.files_chosen.connect(self.attach_files)
        composer.image_pasted.connect(self._on_image_pasted)
        c.attachments_changed.connect(composer.set_attachments)
        c.notice.connect(composer.set_notice)
        c.restore_question.connect(composer.set_text)
        c.activity.connect(self._show_activity)
        # Emitted on every step of the reading, also the last (which says no more).
        c.attachments_changed.connect(self._end_reading_line)
        c.generating_changed.connect(self._on_generating)
        c.page_prepared.connect(self._on_page_prepared)
        c.documents_attached.connect(self._on_documents_attached)
        c.tile_progress.connect(self._on_tile_progress)
        c.answer_finished.connect(self._on_answer_finished)
        c.documents_restored.connect(self._on_documents_restored)
        if self.extraction_panel is not None:
            panel = self.extraction_panel
            panel.edited.connect(lambda: c.save_table("extract-invoice", panel.table_json()))
        if self.contract_panel is not None:
            terms = self.contract_panel
            terms.edited.connect(lambda: c.save_table("extract-contract", terms.table_json()))
        pane.stop_requested.connect(c.stop)
        pane.regenerate_requested.connect(c.regenerate)
        self.tune_offer.message.connect(self._show_message)
        self.tune_offer.measured.connect(self._on_measured)
        self.bridge.loaded.connect(self._on_loaded)
        self.bridge.load_failed.connect(self._on_load_failed)
        self.bridge.load_progress.connect(
            lambda f: self._show_activity(
                self.tr("Loading the model… {percent}").format(percent=f"{f:.0%}")))
        self.model_page.chosen.connect(self.use_model)
        self.model_page.back_button.clicked.connect(
            lambda: self.pages.setCurrentWidget(self.chat_page))
        self.models_button.clicked.connect(self.show_models)
        self.settings_button.clicked.connect(self.show_settings_dialog)
        self.pages.currentChanged.connect(  # no "Models…" on the models page itself
            lambda i: self.models_button.setVisible(self.pages.widget(i) is not self.model_page))
        if self.sidebar is not None:
            self.sidebar.conversation_selected.connect(c.open_conversation)
            self.sidebar.new_requested.connect(self.new_conversation)
            self.sidebar.conversation_deleted.connect(c.forget_conversation)
            self.sidebar.failed.connect(messages.error)
            c.conversations_changed.connect(self.sidebar.refresh)
            c.conversation_changed.connect(self.sidebar.set_current)
        if self.document_panel is not None:
            self.document_panel.budgetChanged.connect(self._on_budget_changed)
            c.answer_grounded.connect(self.document_panel.show_found)
            self.document_panel.pageModeChanged.connect(self._on_page_mode_changed)

    def _start(self) -> None:
        """Load the chosen model (or connect to the server), or show the setup page;
        reopen the last conversation."""
        self.controller.reopen_last()
        if not self._answer_as_set():
            chosen = self.settings.model
            if chosen.llm:
                self.model_page.show_error(self.tr(
                    "The model file is gone: {path}. Choose another model.").format(
                        path=chosen.llm))
            self.pages.setCurrentWidget(self.model_page)
            self._set_input_enabled(False)

    def _answer_as_set(self) -> bool:
        """Connect to the server, or load the chosen model, as the settings say; False
        when they name nothing that can answer (no model, or its file is gone)."""
        chosen = self.settings.model
        if self.settings.server.active:
            self._connect_server()
        elif chosen.llm and Path(chosen.llm).is_file():
            self._load(Path(chosen.llm), Path(chosen.mmproj) if chosen.mmproj else None)
        else:
            return False
        return True

    # --- model -------------------------------------------------------------------------

    @Slot(object)
    def use_model(self, pair: ModelPair) -> None:
        """Make `pair` the model (remembered in the settings) and load it; a model chosen
        here answers instead of the server (whose address is kept for next time)."""
        mmproj = str(pair.mmproj_path) if pair.mmproj_path is not None else None
        self._change_settings(dataclasses.replace(
            self.settings, model=ModelSettings(str(pair.llm_path), mmproj),
            server=dataclasses.replace(self.settings.server, enabled=False)))
        self._load(pair.llm_path, pair.mmproj_path)

    def _change_settings(self, settings: Settings) -> None:
        """Use `settings` from now on and keep them (unless this window must not write)."""
        self.settings = settings
        self.menu_actions.update_state()  # the theme menu shows the theme in force
        if self._save_settings:
            try:
                settings_io.save(settings)
            except BlueLMError as e:  # the change still applies; it is just not kept
                self._show_activity(messages.error_line(e))

    def _load(self, llm: Path, mmproj: Path | None) -> None:
        self.loaded = None
        self.controller.model_changed()
        self._set_input_enabled(False)
        self.model_label.setText(self.tr("Loading {name}…").format(name=llm.name))
        self._show_activity(self.tr("Loading the model…"))
        self.pages.setCurrentWidget(self.chat_page)
        # the settings, with what `tune` measured for this pair here (where it did)
        self.bridge.load(llm, mmproj, engine_settings_for(self.settings, llm, mmproj))

    def _connect_server(self) -> None:
        """Answer through the server of the settings: checked (/health, /props) on the
        engine's thread; `_on_loaded` or `_on_load_failed` follows."""
        from bluelm_desktop.ui.server_settings import server_config

        self.loaded = None
        self.controller.model_changed()
        self._set_input_enabled(False)
        try:
            config = server_config(self.settings.server.url or "", self._api_key)
        except ValueError as e:
            self._on_load_failed(tr_line(value_line(e)))
            return
        self.model_label.setText(self.tr("Connecting to {server}…").format(
            server=config.label))
        self._show_activity(self.tr("Connecting to the llama.cpp server…"))
        self.pages.setCurrentWidget(self.chat_page)
        # The pair chosen here describes the server's model where it serves that model
        # (the bridge checks its name): its tiles and tokenizer are then used.
        chosen = self.settings.model
        llm = Path(chosen.llm) if chosen.llm and Path(chosen.llm).is_file() else None
        mmproj = Path(chosen.mmproj) if chosen.mmproj and Path(chosen.mmproj).is_file() \
            else None
        self.bridge.connect_server(config, llm, mmproj)

    def _reload(self) -> None:
        """Load again what the settings say answers: the server, or the chosen model."""
        if not self._answer_as_set():
            self.loaded = None
            self.controller.model_changed()
            self._set_input_enabled(False)
            self.model_label.setText(self.tr("No model"))
            self.show_models()

    @Slot()
    def show_settings_dialog(self) -> None:
        """The settings dialog, modal; OK applies what changed (see `apply_settings`)."""
        from bluelm_desktop.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self, api_key=self._api_key)
        self.settings_dialog = dialog  # tests drive the open dialog through this
        try:
            if dialog.exec() == SettingsDialog.DialogCode.Accepted:
                self.apply_settings(dialog.chosen(), dialog.chosen_api_key())
        finally:
            self.settings_dialog = None
            dialog.deleteLater()

    def apply_settings(self, new: Settings, api_key: str | _Unchanged | None = UNCHANGED
                       ) -> None:
        """Keep `new` and make it take effect: the look at once, the tiling for the next
        document, the sampling for the next answer; threads, context and batches by
        reloading the model (llama.cpp fixes them when a context is made); the server
        switched on, off or elsewhere (or given another `api_key`) by connecting again,
        or loading the model here. `api_key` left out: unchanged."""
        from PySide6.QtWidgets import QApplication

        from bluelm_desktop.ui.settings_dialog import needs_reload, server_changed
        from bluelm_desktop.ui.theme import apply_theme

        old = self.settings
        key_changed = not isinstance(api_key, _Unchanged) and api_key != self._api_key
        if new == old and not key_changed:
            return
        if not isinstance(api_key, _Unchanged) and key_changed:
            self._keep_api_key(api_key)
        self._change_settings(new)
        app = QApplication.instance()
        if new.ui.theme != old.ui.theme and isinstance(app, QApplication):
            apply_theme(app, new.ui.theme)
        notes = []
        if new.vision != old.vision and self.loaded is not None and self.loaded.tiling:
            self.controller.set_tiling(new.tiling_params(self.loaded.tiling))
            if self.document_panel is not None:
                self.document_panel.set_budget(new.vision.max_image_tokens())
        if new.vision.pdf_dpi_cap != old.vision.pdf_dpi_cap:
            notes.append(self.tr("the PDF resolution applies from the next start"))
        if new.ui.language != old.ui.language:
            notes.append(self.tr("the interface language changes at the next start"))
        if server_changed(old, new) or (key_changed and new.server.active):
            self._reload()
            notes.insert(0, self.tr("connecting to the server") if new.server.active
                         else self.tr("loading the model here"))
        elif needs_reload(old, new) and self.loaded is not None:
            self._reload()
            notes.insert(0, self.tr("connecting to the server") if new.server.active
                         else self.tr("reloading the model"))
        if notes:
            joined = self.tr("; ", "between the notes after 'Settings saved:'").join(notes)
            self._show_activity(self.tr("Settings saved: {notes}.").format(notes=joined))
        else:
            self._show_activity(self.tr("Settings saved."))

    def _keep_api_key(self, key: str | None) -> None:
        """The server's API key from now on, kept in its own file (mode 0600) unless this
        window must not write; never in the settings."""
        self._api_key = key
        if self._save_settings:
            try:
                save_api_key(key)
            except BlueLMError as e:  # it still applies; it is just not kept
                self._show_activity(messages.error_line(e))

    @Slot()
    def show_models(self) -> None:
        self.model_page.back_button.setVisible(self.loaded is not None)
        self.pages.setCurrentWidget(self.model_page)

    @Slot(object)
    def _on_loaded(self, model: LoadedModel) -> None:
        self.loaded = model
        tiling = self.settings.tiling_params(model.tiling) if model.tiling is not None else None
        self.controller.set_tiling(tiling)
        if model.server is not None:
            self._on_server_connected(model.server, tiling is not None, model.load_s)
            return
        assert model.llm is not None
        self.controller.text_only_note = ""
        kind = self.tr("vision + text") if tiling is not None else self.tr("text only")
        self.model_label.setText(self.tr("{model} ({kind})").format(
            model=_model_name(model.llm), kind=kind))
        self.model_label.setToolTip("\n".join(str(p) for p in (model.llm, model.mmproj) if p))
        self.composer.set_vision(tiling is not None,
                                 self.tr("This model reads text only: choose one with a "
                                         "vision projector (mmproj) to ask about documents."))
        measured = tuned(model.llm, model.mmproj)
        if self.document_panel is not None and model.mmproj is not None:
            from bluelm_desktop.core.estimate import speed_for_files

            speed = measured.speed() if measured is not None else None
            self.document_panel.set_speed(speed or speed_for_files(
                model.llm.stat().st_size, model.mmproj.stat().st_size))
        self.tune_offer.model_loaded(model.llm, model.mmproj, measured is not None)
        self._set_input_enabled(True)
        seconds = f"{model.load_s:.1f}"
        loaded = (self.tr("Model loaded in {seconds} s. Ask anything, or drop a document.")
                  .format(seconds=seconds) if tiling is not None else
                  self.tr("Model loaded in {seconds} s. Ask anything.").format(seconds=seconds))
        self._show_activity(" ".join([loaded, *(f"({note})" for note in model.notes)]))
        self.composer.edit.setFocus()

    def _on_server_connected(self, info: ServerInfo, vision: bool, seconds: float) -> None:
        """Answers come from the server: the status bar says which model on which
        server; a server without a projector takes no documents, and says so once."""
        self.model_label.setText(self.tr("{model} on {server}").format(
            model=info.model, server=info.label))
        self.model_label.setToolTip(self.tr(
            "Answers come from llama.cpp's llama-server at {server}: {model}, {slots} "
            "slot(s) of {positions} positions").format(
                server=info.label, model=info.model, slots=info.slots,
                positions=info.n_ctx))
        no_vision = self.tr(
            "{server}: the server has no vision projector (llama-server was started "
            "without --mmproj); documents need one.").format(server=info.label)
        self.controller.text_only_note = "" if vision else no_vision
        self.composer.set_vision(vision, no_vision)
        self.tune_offer.button.hide()  # speed measured here says nothing of the server
        self._set_input_enabled(True)
        line = self.tr("Connected to {server} in {seconds} s: {model} answers.").format(
            server=info.label, seconds=f"{seconds:.1f}", model=info.model)
        self._show_activity(line if vision else f"{line} {no_vision}")
        self.composer.edit.setFocus()

    @Slot(int, str)
    def _on_page_mode_changed(self, page: int, mode: str) -> None:
        panel = self.document_panel
        if panel is not None and panel.plan is not None:
            self.controller.set_page_mode(panel.plan.file, page, mode)

    @Slot(object)
    def _on_measured(self, result: TuneResult) -> None:
        speed = result.speed()
        if self.document_panel is not None and speed is not None:
            self.document_panel.set_speed(speed)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self.loaded = None
        self.model_label.setText(self.tr("No model"))
        if self.settings.server.active:
            line = self.tr("Could not use the llama.cpp server: {message} (Settings… → "
                           "Server, or choose a model here)").format(message=message)
            self.model_page.show_error(line)
            self._show_activity(line)
        else:
            self.model_page.show_error(
                self.tr("The model could not be loaded: {message}").format(message=message))
        self.show_models()

    def _set_input_enabled(self, enabled: bool) -> None:
        self.composer.setEnabled(enabled)
        if self.quick_actions is not None:
            self.quick_actions.setEnabled(enabled)
        self.menu_actions.update_state()

    # --- documents ---------------------------------------------------------------------

    @Slot(list)
    def attach_files(self, files: list[Path]) -> None:
        self.attach([DocumentSource.from_path(f) for f in files])

    @Slot(object, str)
    def _on_image_pasted(self, pixels: object, name: str) -> None:
        self.attach([DocumentSource.from_array(pixels, name)])  # type: ignore[arg-type]

    def attach(self, sources: list[DocumentSource]) -> None:
        """A drop, paste or capture: show it in the document panel and start encoding."""
        if self.controller.attach(sources) and self.document_panel is not None:
            self._show_side(self.document_panel)

    @Slot(int, object, object)
    def _on_documents_attached(self, ticket: int, sources: tuple[DocumentSource, ...],
                               tiling: TilingParams) -> None:
        """The panel shows the first document of the batch being encoded, as that batch
        reads it (one read, one render per page)."""
        self._page_of.clear()
        panel = self.document_panel
        if panel is None:
            return
        if panel.source is sources[0]:  # the same documents, tiled again
            panel.follow(ticket, tiling)
        else:
            panel.show_document(sources[0], tiling, ticket)

    @Slot(object)
    def _on_page_prepared(self, page: PreparedImage) -> None:
        pending = self.controller.pending
        if pending is not None and page.document == pending.sources[0].name:
            self._page_of[page.image_id] = page.page + 1  # the panel shows the first document

    @Slot(str, int, int)
    def _on_tile_progress(self, image_id: str, done: int, total: int) -> None:
        page = self._page_of.get(image_id)
        if self.document_panel is not None and page is not None:
            self.document_panel.set_progress(done, total, page)

    @Slot(object)
    def _on_budget_changed(self, budget: int | None) -> None:
        """The fast / fine-print switch: remember it, re-tile what is not yet asked about."""
        preset = next((name for name, cap in BUDGET_PRESETS.items() if cap == budget), None)
        vision = self.settings.vision
        vision = (dataclasses.replace(vision, budget=preset) if preset is not None else
                  dataclasses.replace(vision, budget=BUDGET_CUSTOM,
                                      custom_max_image_tokens=budget))
        self._change_settings(dataclasses.replace(self.settings, vision=vision))
        if self.loaded is not None and self.loaded.tiling is not None:
            self.controller.set_tiling(self.settings.tiling_params(self.loaded.tiling))

    # --- chat --------------------------------------------------------------------------

    @Slot(str)
    def _on_submitted(self, text: str) -> None:
        self.controller.submit(text)

    def run_quick_action(self, action: Any) -> None:
        """Translate / extract / summarize: an ordinary turn with the action's prompt."""
        if action.needs_image and self.controller.pending is None:
            self._show_activity(
                self.tr("“{action}” needs a document: drop, paste or capture one first.")
                .format(action=quick_action_label(action)))
            return
        target = self.settings.ui.effective_translation_target()
        prompt = action.prompt(self.composer.text().strip(), target)
        if self.controller.submit(prompt, action.sampling_params(self.settings.sampling_params()),
                                  action.id):
            self.composer.set_text("")

    @Slot()
    def capture_and_translate(self) -> None:
        """One step: capture a screen region, attach it, and send "Translate text in
        image" on it (the answer waits for the capture's encoding, like any question)."""
        from bluelm_desktop.core.tasks import quick_action

        if not self.composer.capture_screen():
            return  # cancelled, or no screenshot (said in the status bar)
        self.run_quick_action(quick_action("translate"))

    @Slot(object, bool)
    def _on_documents_restored(self, sources: tuple[object, ...], in_context: bool) -> None:
        """A saved conversation was opened: show its documents (re-read where the engine
        no longer holds them: `documents_attached` fills the panel then); its tables follow
        through `answer_finished`."""
        for table in (self.extraction_panel, self.contract_panel):
            if table is not None:
                table.clear()
        panel = self.document_panel
        if panel is None:
            return
        if not sources:
            panel.clear()
            self.set_side_visible(False)
            return
        if in_context and self.loaded is not None and self.loaded.tiling is not None:
            panel.show_document(sources[0], self.settings.tiling_params(self.loaded.tiling))
        self._show_side(panel)

    def _show_side(self, panel: QWidget) -> None:
        """Show the document (or extraction) above the chat."""
        self.side_tabs.setCurrentWidget(self._side_pages[panel])
        self.set_side_visible(True)

    def set_side_visible(self, visible: bool) -> None:
        """Show or hide the document panel and the tables beside it; shown, the chat keeps
        the larger share: the conversation is what the user reads while the page encodes."""
        if visible and self.side_tabs.isHidden():
            self.side_tabs.show()
            height = max(1, self.right.height())
            self.right.setSizes([int(height * SIDE_SHARE), height - int(height * SIDE_SHARE)])
        elif not visible:
            self.side_tabs.hide()
        self.menu_actions.update_state()

    @Slot(str, str, str)
    def _on_answer_finished(self, status: str, action: str, text: str) -> None:
        if action == "extract-invoice" and self.extraction_panel is not None and text:
            self.extraction_panel.show_answer(text, self.controller.asked_words)
            self._show_side(self.extraction_panel)
        if action == "extract-contract" and self.contract_panel is not None and text:
            self.contract_panel.show_answer(text, self.controller.asked_words)
            self._show_side(self.contract_panel)

    @Slot(bool)
    def _on_generating(self, generating: bool) -> None:
        self.chat_pane.set_generating(generating)
        self.composer.send_button.setEnabled(not generating)
        if self.quick_actions is not None:
            for button, _ in self._action_buttons:
                button.setEnabled(not generating)

    @Slot()
    def new_conversation(self) -> None:
        self.controller.new_conversation()
        if self.document_panel is not None:
            self.document_panel.clear()
        self.set_side_visible(False)
        self.composer.edit.setFocus()

    @Slot(str)
    def _show_activity(self, text: str) -> None:
        """One line about what happens now. A line ending in "…" says something runs
        ("Answering…", "Reading page 1 of 2…"): it stays until the next line replaces it
        or, for the reading, until the reading ends; any other line times out."""
        self.activity_label.setText(text)
        self.activity_label.setToolTip(text)
        self.chat_pane.set_status("")
        pending = self.controller.pending
        self._reading_shown = pending is not None and not pending.ready
        if text.endswith("…"):
            self._activity_timer.stop()
        else:
            self._activity_timer.start()

    @Slot()
    def _end_reading_line(self) -> None:
        """The reading's progress line is stale once the reading is over (read, removed,
        failed): it goes, and the line that follows it, if any, takes its place."""
        pending = self.controller.pending
        if self._reading_shown and (pending is None or pending.ready):
            self._reading_shown = False
            self.activity_label.clear()
            self.activity_label.setToolTip("")

    # --- drops anywhere on the window ----------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.controller.vision and local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if files and self.controller.vision:
            event.acceptProposedAction()
            self.attach_files(files)

    # --- shutdown ----------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every panel's background thread; idempotent (close, then aboutToQuit)."""
        if self._closed:
            return
        self._closed = True
        self.hide()  # gone at once; the engine may still finish the tile it is encoding
        self.tune_offer.shutdown()
        self.controller.close()  # a running answer saved as interrupted, a waiting question
        self.model_setup.shutdown()
        if self.document_panel is not None:
            self.document_panel.shutdown()
        self.bridge.shutdown()
        self.documents.shutdown()  # after both users: a call in progress ends now

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _model_name(llm: Path) -> str:
    name = llm.name
    for suffix in ("-llm.gguf", ".gguf"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
