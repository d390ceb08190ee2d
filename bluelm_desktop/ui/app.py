"""Start the GUI: one QApplication, one main window, the event loop."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QApplication

from bluelm_desktop import __version__
from bluelm_desktop.core import paths
from bluelm_desktop.core.model_library import ModelLibrary
from bluelm_desktop.ui.main_window import MainWindow

APP_NAME = "bluelm-desktop"  # matches paths.APP_NAME: QSettings and platform dirs agree
ORGANIZATION_NAME = "BlueLM Desktop"


def run(argv: Sequence[str], library: ModelLibrary | None = None) -> int:
    """Show the main window and run until it closes; returns the exit status.

    `argv` goes to Qt (program name and Qt's own options); the app's options were parsed
    by the CLI before. Directories come from `paths`, so call `paths.set_base_dir` first
    for `--data-dir`.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION_NAME)
    app.setApplicationVersion(__version__)

    window = MainWindow(library or ModelLibrary.from_paths(), paths.data_dir())
    # Closing the window stops the worker threads too; this covers quitting another way
    # (a session logout, Ctrl+Q later) so no QThread is destroyed while running.
    app.aboutToQuit.connect(window.shutdown)
    window.show()
    status = app.exec()
    window.shutdown()
    return status
