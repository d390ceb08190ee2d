"""Start the GUI: settings, history, one QApplication, one main window, the event loop."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from bluelm_desktop import __version__
from bluelm_desktop.core import paths
from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.errors import BlueLMError
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.ui import messages
from bluelm_desktop.ui.gui_gc import GuiGarbageCollector
from bluelm_desktop.ui.i18n import install_translators
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.theme import apply_theme

if TYPE_CHECKING:
    from bluelm_desktop.core.history import HistoryStore

APP_NAME = "bluelm-desktop"  # matches paths.APP_NAME: QSettings and platform dirs agree
ORGANIZATION_NAME = "BlueLM Desktop"
# The desktop entry's name without ".desktop" (packaging/linux/): Wayland compositors and
# docks match the running window to its entry, icon and name through it.
DESKTOP_ID = "io.github.bluelm_desktop.BlueLMDesktop"
ICON_FILE = "icons/bluelm-desktop.svg"

log = logging.getLogger(__name__)


def application(argv: Sequence[str]) -> QApplication:
    """The QApplication (made once), named so that Qt's own paths match ours."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(DESKTOP_ID)
    icon = paths.resource_dir() / ICON_FILE
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def open_history_or_none() -> tuple[HistoryStore | None, str]:
    """The history store, or None and one line saying why the app runs without it."""
    try:
        from bluelm_desktop.core.history import open_history
    except ImportError:
        return None, ""
    try:
        store = open_history()
    except BlueLMError as e:
        return None, f"History is off for this session: {e}"
    return store, str(store.recovery) if store.recovery is not None else ""


def run(argv: Sequence[str], library: ModelLibrary | None = None) -> int:
    """Show the main window and run until it closes; returns the exit status.

    `argv` goes to Qt (program name and Qt's own options); the app's options were parsed
    by the CLI before. Directories come from `paths`, so call `paths.set_base_dir` first
    for `--data-dir`.
    """
    app = application(argv)
    messages.install_crash_hook()  # an exception nobody caught: logged, and said in one line
    collector = GuiGarbageCollector(parent=app)  # Qt objects die on the GUI thread only
    collector.start()
    loaded = settings_io.load_with_report()
    for line in loaded.warnings:
        log.warning("%s: %s", loaded.path, line)
    apply_theme(app, loaded.settings.ui.theme)
    translators = install_translators(app, loaded.settings.ui.language)  # kept alive
    history, history_note = open_history_or_none()

    window = MainWindow(library or ModelLibrary.from_paths(), paths.data_dir(),
                        loaded.settings, history)
    for note in (*loaded.warnings[:1], history_note):
        if note:
            window.statusBar().showMessage(note, 15_000)
    # Closing the window stops the worker threads too; this covers quitting another way
    # (a session logout, Ctrl+Q later) so no QThread is destroyed while running.
    app.aboutToQuit.connect(window.shutdown)
    window.show()
    try:
        return app.exec()
    finally:
        window.shutdown()
        if history is not None:
            history.close()
        collector.stop()
        del translators
