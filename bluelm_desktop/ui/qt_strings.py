"""Qt's own strings that Qt's translations miss, translated in our catalog instead.

Qt ships `qtbase_<lang>.qm` with the wheel and `i18n.install_translators` installs it, so
standard buttons and dialogs speak the user's language. But some of those catalogs lag
behind Qt 6's sources: qtbase_zh_CN still has "Look in:" where Qt 6's file dialog asks
for "&Look in:", and lacks the file types Qt 6 moved to QAbstractFileIconProvider. Marked
here under Qt's own contexts, these strings join our `.ts`; a translator answers for any
context, so ours fills the gaps. tests/gui/test_chinese_ui.py walks Qt's file dialog and
fails on an English word, which is how these were found.

lupdate reads the strings from `qt_strings`; Qt looks them up itself.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def qt_strings() -> tuple[str, ...]:
    """The strings, in the interface's language (the test checks them all)."""
    translate = QCoreApplication.translate
    return (
        translate("QFileDialog", "&Look in:"),
        translate("QFileDialog", "Files of &type:"),
        translate("QAbstractFileIconProvider", "Drive"),
        translate("QAbstractFileIconProvider", "Unknown"),
        translate("QAbstractFileIconProvider", "Folder", "All other platforms"),
        translate("QAbstractFileIconProvider", "Shortcut", "All other platforms"),
    )
