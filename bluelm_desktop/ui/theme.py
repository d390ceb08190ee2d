"""Light and dark looks (settings `ui.theme`: system, light, dark).

"system" leaves Qt's platform style and palette alone. "light" and "dark" use the Fusion
style, which draws every widget from the palette, so one palette gives a consistent look
on every platform (a dark palette under a native style leaves native parts light).
"""

from __future__ import annotations

from typing import Final

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

THEME_SYSTEM: Final = "system"
THEME_LIGHT: Final = "light"
THEME_DARK: Final = "dark"

_DARK: Final[dict[QPalette.ColorRole, str]] = {
    QPalette.ColorRole.Window: "#26282b",
    QPalette.ColorRole.WindowText: "#e8e8e8",
    QPalette.ColorRole.Base: "#1d1f21",
    QPalette.ColorRole.AlternateBase: "#2b2d30",
    QPalette.ColorRole.ToolTipBase: "#2b2d30",
    QPalette.ColorRole.ToolTipText: "#e8e8e8",
    QPalette.ColorRole.Text: "#e8e8e8",
    QPalette.ColorRole.PlaceholderText: "#9a9da1",
    QPalette.ColorRole.Button: "#33363a",
    QPalette.ColorRole.ButtonText: "#e8e8e8",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Highlight: "#3d7be0",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#7fb0ff",
    QPalette.ColorRole.Mid: "#44474b",
    QPalette.ColorRole.Dark: "#151617",
    QPalette.ColorRole.Light: "#3c3f43",
}
_DARK_DISABLED: Final = "#6f7276"


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DARK_DISABLED))
    return palette


_platform: tuple[str, QPalette] | None = None  # Qt's style and palette at start


def apply_theme(app: QApplication, theme: str) -> None:
    """Switch the whole application's look; "system" is the platform's style and palette,
    also after a switch to light or dark in the same session."""
    global _platform
    if _platform is None:
        _platform = (app.style().name(), QPalette(app.palette()))
    name = _platform[0] if theme == THEME_SYSTEM else "Fusion"
    if app.style().name().casefold() != name.casefold():
        style = QStyleFactory.create(name)
        if style is not None:
            app.setStyle(style)
    if theme == THEME_SYSTEM:
        app.setPalette(_platform[1])
    else:
        app.setPalette(dark_palette() if theme == THEME_DARK else app.style().standardPalette())
