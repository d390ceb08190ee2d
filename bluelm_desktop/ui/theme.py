"""Light and dark looks (settings `ui.theme`: system, light, dark).

"system" leaves Qt's platform style and palette alone. "light" and "dark" use the Fusion
style, which draws every widget from the palette, so one palette gives a consistent look
on every platform (a dark palette under a native style leaves native parts light).

Whatever the look, the control with keyboard focus gets a 2 px ring in the palette's
highlight colour (`FOCUS_RING`, a style sheet the main window sets on itself): Fusion's
own focus marks are a 1 px tint that is hard to see, on the dark palette above all. The
sheet goes on the window, not the application, so that `QApplication.style()` stays the
style named here.
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

# The control with the keyboard focus gets a 2 px ring in the highlight colour. Buttons and
# line edits get it as a `:focus` border, and keep the style's own look otherwise (a push
# button with a style-sheet border loses its bevel, so it gets the button colour back, and
# padding that fits in the size the style gave it). Spin boxes and editable combo boxes
# get it on their line edit, which has the focus through its focus proxy. Lists, tables
# and text boxes have their frame from the sheet in both states (1 px of the palette's mid
# colour and 1 px of padding, 2 px of ring when focused), because a frame's width is
# fixed when the widget is polished: a `:focus` border alone would show 1 px of a 2 px
# ring, and none on a frameless view (the conversation); a frameless one stays frameless
# until it has the focus. Headers are item views too, and keep their own look. Tab bars
# keep the style's focus mark: a sheet cannot ring one tab without redrawing them all.
FOCUS_RING: Final = (
    "QPushButton:focus { border: 2px solid palette(highlight); border-radius: 4px;"
    " background: palette(button); padding: 2px 4px; }"
    "QToolButton:focus, QCheckBox:focus, QRadioButton:focus {"
    " border: 2px solid palette(highlight); border-radius: 3px; }"
    "QComboBox:focus, QLineEdit:focus { border: 2px solid palette(highlight); }"
    "QAbstractScrollArea { border: 1px solid palette(mid); padding: 1px; }"
    'QAbstractScrollArea[frameShape="0"] { border: 1px solid transparent; }'
    "QAbstractScrollArea:focus { border: 2px solid palette(highlight); padding: 0px; }"
    "QHeaderView { border: none; padding: 0px; }"
)


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
    # A style sheet resolves palette(...) when it is set: set again, it takes the new colours
    # (the focus ring's, and those of the widgets it draws).
    for widget in app.topLevelWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet(sheet)
