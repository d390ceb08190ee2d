"""Light and dark looks (settings `ui.theme`: system, light, dark).

"system" leaves Qt's platform style and palette alone. "light" and "dark" use the Fusion
style, which draws every widget from the palette, so one palette gives a consistent look
on every platform (a dark palette under a native style leaves native parts light).

Whatever the look, the control with keyboard focus gets a 2 px ring in the palette's
highlight colour (`FOCUS_RING`, a style sheet the main window sets on itself): Fusion's
own focus marks are a 1 px tint that is hard to see, on the dark palette above all. The
sheet goes on the window, not the application, so that `QApplication.style()` stays the
style named here.

A switch is live: widgets that took a colour from the old palette (a muted label set to
the placeholder colour, say) get the new palette's colour for the same role, and every
style sheet is set again, because `palette(...)` in a sheet is resolved when it is set
(the document panel's Fast / Fine print switch). `contrast_ratio` is WCAG 2's, for tests
and for checking a palette: body text needs 4.5.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

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
    QPalette.ColorRole.Highlight: "#2f6bd0",  # white on it: 5.1 (WCAG AA needs 4.5)
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#7fb0ff",
    QPalette.ColorRole.Mid: "#44474b",
    QPalette.ColorRole.Dark: "#151617",
    QPalette.ColorRole.Light: "#3c3f43",
}
# Disabled text at about 3.5 : 1 on the window and buttons: visibly quieter than text
# (12 : 1), still legible — the settings dialog's explanations are disabled labels.
_DARK_DISABLED: Final = "#85888c"
_LIGHT_DISABLED: Final = "#7a7a7a"
# Fusion's light palette, darker where its text is under 4.5 : 1 — the placeholder (half
# transparent black: 3.9 on the window) and the highlight (white on #308cc6: 3.7), which
# muted labels and the document panel's checked switch are drawn in.
_LIGHT: Final[dict[QPalette.ColorRole, str]] = {
    QPalette.ColorRole.PlaceholderText: "#5f6368",
    QPalette.ColorRole.Highlight: "#2a6cb0",
}

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


def light_palette(style_palette: QPalette) -> QPalette:
    """The style's standard (light) palette with `_LIGHT`'s colours."""
    palette = QPalette(style_palette)
    for role, color in _LIGHT.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_LIGHT_DISABLED))
    return palette


_platform: tuple[str, QPalette] | None = None  # Qt's style and palette at start


def apply_theme(app: QApplication, theme: str) -> None:
    """Switch the whole application's look; "system" is the platform's style and palette,
    also after a switch to light or dark in the same session."""
    global _platform
    if _platform is None:
        _platform = (app.style().name(), QPalette(app.palette()))
    old = QPalette(app.palette())
    name = _platform[0] if theme == THEME_SYSTEM else "Fusion"
    if app.style().name().casefold() != name.casefold():
        style = QStyleFactory.create(name)
        if style is not None:
            app.setStyle(style)
    if theme == THEME_SYSTEM:
        app.setPalette(_platform[1])
    else:
        app.setPalette(dark_palette() if theme == THEME_DARK
                       else light_palette(app.style().standardPalette()))
    # A style sheet resolves palette(...) when it is set: set again, it takes the new colours
    # (the focus ring's, the document panel's switch, and those of the widgets they draw).
    # Top-level windows first, so that a child's sheet is resolved against its window's.
    for widget in [*app.topLevelWidgets(), *app.allWidgets()]:
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet(sheet)
    # After the sheets: a sheet set again gives its widgets back the palettes they had
    # before it, which would undo this.
    new = app.palette()
    for widget in app.allWidgets():
        if widget.testAttribute(Qt.WidgetAttribute.WA_SetPalette):
            _follow_palette(widget, old, new)


_GROUPS: Final = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive,
                  QPalette.ColorGroup.Disabled)
_ROLES: Final = tuple(role for role in QPalette.ColorRole
                      if role not in (QPalette.ColorRole.NColorRoles,
                                      QPalette.ColorRole.NoRole))


def _follow_palette(widget: QWidget, old: QPalette, new: QPalette) -> None:
    """A widget's own palette after a theme switch: each colour it took from the old
    application palette (found by value) becomes that role's colour in the new one;
    colours of its own (an error's red) stay."""
    own = widget.palette()
    changed = False
    for group in _GROUPS:
        old_roles = {old.color(group, role).rgba(): role for role in reversed(_ROLES)}
        for role in _ROLES:
            color = own.color(group, role)
            if color == new.color(group, role):
                continue  # inherited from the new palette, or the same in both
            source = (role if color == old.color(group, role)
                      else old_roles.get(color.rgba()))
            if source is not None:
                own.setColor(group, role, new.color(group, source))
                changed = True
    if changed:
        widget.setPalette(own)


def relative_luminance(color: QColor) -> float:
    """WCAG 2 relative luminance of an opaque colour."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
            + 0.0722 * channel(color.blueF()))


def contrast_ratio(foreground: QColor, background: QColor) -> float:
    """WCAG 2 contrast ratio (1 to 21) of text over a background; a translucent text
    colour is composited over the background first."""
    a = foreground.alphaF()
    fg = QColor.fromRgbF(
        foreground.redF() * a + background.redF() * (1 - a),
        foreground.greenF() * a + background.greenF() * (1 - a),
        foreground.blueF() * a + background.blueF() * (1 - a))
    high, low = sorted((relative_luminance(fg), relative_luminance(background)),
                       reverse=True)
    return (high + 0.05) / (low + 0.05)
