"""The main window: a frame around panels, which do the work.

It stays small on purpose (DESIGN §2, STYLE "compose the window"): it receives what the
panels need, lays them out and forwards shutdown. Chat and documents arrive as more panels.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from bluelm_desktop.core.model_library import ModelLibrary
from bluelm_desktop.ui.model_setup import ModelSetupPanel

WINDOW_TITLE = "BlueLM Desktop"
DEFAULT_SIZE = (1100, 700)


class MainWindow(QMainWindow):
    """Model setup today; the status bar says where the user's data is kept."""

    def __init__(
        self, library: ModelLibrary, data_dir: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(*DEFAULT_SIZE)

        self.model_setup = ModelSetupPanel(library, self)
        self.setCentralWidget(self.model_setup)

        # A permanent widget, so transient status messages never hide where data lives.
        self.data_dir_label = QLabel(f"Data directory: {data_dir}")
        self.data_dir_label.setToolTip("Change it with --data-dir DIR or BLUELM_DATA_DIR")
        self.statusBar().addWidget(self.data_dir_label)

    def shutdown(self) -> None:
        """Stop every panel's background thread; idempotent (close, then aboutToQuit)."""
        self.model_setup.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
