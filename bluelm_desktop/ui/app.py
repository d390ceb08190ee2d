"""Start the GUI: settings, history, one QApplication, one main window, the event loop."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from bluelm_desktop import __version__
from bluelm_desktop.core import paths
from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.errors import BlueLMError
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.ui import messages
from bluelm_desktop.ui.gui_gc import GuiGarbageCollector
from bluelm_desktop.ui.i18n import install_translators, tr_line
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.theme import apply_theme

if TYPE_CHECKING:
    from bluelm_desktop.core.history import HistoryStore
    from bluelm_desktop.ui.single_instance import InstanceServer

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
        return None, QCoreApplication.translate(
            "App", "History is off for this session: {error}").format(error=messages.error_line(e))
    return store, tr_line(store.recovery.line) if store.recovery is not None else ""


class WindowFiles(QObject):
    """Files opened with the app (its command line, or a second start of it): the window
    comes to the front and attaches them as it does a drop, once a model is loaded."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.waiting: list[Path] = []  # until a model is loaded
        window.bridge.loaded.connect(self._on_loaded)  # after the window's own slot

    @Slot(list)
    def open(self, files: list[Path]) -> None:
        """Raise the window; attach `files` now, or when the model has loaded."""
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()
        QApplication.alert(window)  # where the window manager refuses to activate it
        if not files:
            return
        if window.loaded is not None:
            window.attach_files(list(files))
            return
        self.waiting.extend(files)
        messages.info(self.tr("{names}: attached when a model is loaded.").format(
            names=", ".join(f.name for f in self.waiting)))

    @Slot(object)
    def _on_loaded(self, _model: object) -> None:
        files, self.waiting = self.waiting, []
        if files:
            self.window.attach_files(files)


def run(argv: Sequence[str], library: ModelLibrary | None = None,
        files: Sequence[Path] = ()) -> int:
    """Show the main window and run until it closes; returns the exit status.

    `argv` goes to Qt (program name and Qt's own options); the app's options were parsed
    by the CLI before. Directories come from `paths`, so call `paths.set_base_dir` first
    for `--data-dir`. `files` are attached as if dropped on the window; when the app
    already runs with this data folder, they go to its window instead and this returns 0
    at once.
    """
    app = application(argv)
    # Imported here: Qt's network module (local sockets only) stays out of importing the app.
    from bluelm_desktop.ui.single_instance import claim

    instance = claim(paths.data_dir(), files)
    if instance is None:  # the running app took the files
        return 0
    try:
        return _run_window(app, instance, library, files)
    finally:
        instance.close()  # a start from now on is the first again


def _run_window(app: QApplication, instance: InstanceServer, library: ModelLibrary | None,
                files: Sequence[Path]) -> int:
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
    # The first problem, in the interface's language (the log above keeps them in English).
    for note in (*(tr_line(line) for line in loaded.lines[:1]), history_note):
        if note:
            window.statusBar().showMessage(note, 15_000)
    # Closing the window stops the worker threads too; this covers quitting another way
    # (a session logout, Ctrl+Q later) so no QThread is destroyed while running.
    app.aboutToQuit.connect(window.shutdown)
    opened = WindowFiles(window)
    instance.files_received.connect(opened.open)  # a second start's files
    # A start after the window closed is the first again, even while this one shuts down.
    app.lastWindowClosed.connect(instance.close)
    window.show()
    if files:
        opened.open(list(files))
    try:
        return app.exec()
    finally:
        window.shutdown()
        if history is not None:
            history.close()
        collector.stop()
        del translators
