"""The interface language: our Qt Linguist translations and Qt's own, installed on the app.

Strings are marked in the ui sources with `self.tr("…")` (QObject subclasses) or
`QCoreApplication.translate("Context", "…")`; module constants are marked with
`QT_TRANSLATE_NOOP` and translated where they are shown. A string with values is a
template with named fields, translated first and filled in after:
`self.tr("Model loaded in {seconds} s.").format(seconds=...)`, so the translator sees
(and may reorder) the fields. `scripts/update_translations.sh` extracts the strings into
`resources/translations/bluelm_<lang>.ts` and compiles the `.qm` files read here.

Messages from the core (errors, invoice checks, ...) are `Line`s: an English template
marked with `msg("…")` and its fields (`core/errors.py`). lupdate files the templates
under the unnamed context, and `tr_line` translates them there before filling them in.

Translations are read once, when the app starts (the settings dialog says a new language
applies from the next start): widgets set their texts in their constructors.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import Line, fill, one_line

log = logging.getLogger(__name__)

SOURCE_LANGUAGE: Final = "en"  # the language the sources are written in: nothing to load
CATALOG: Final = "bluelm"  # resources/translations/bluelm_<lang>.qm
QT_CATALOG: Final = "qtbase"  # Qt's own dialogs and buttons (OK, Cancel, Yes, ...)
CORE_CONTEXT: Final = ""  # where lupdate files the core's msg("…") templates


def translations_dir() -> Path:
    """Where our compiled `.qm` files are: `resources/translations` beside the package in a
    checkout, at the bundle's root in a PyInstaller build (`paths.resource_dir`)."""
    return paths.resource_dir() / "translations"


def qt_translations_dir() -> Path:
    """Where Qt keeps its own translations (inside the PySide6 wheel, or the bundle)."""
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def _load(app: QCoreApplication, language: str, catalog: str, folder: Path
          ) -> QTranslator | None:
    """`catalog_<language>.qm` from `folder` installed on `app`; QTranslator tries the
    full name first, then the language alone (qtbase_de.qm for de_DE)."""
    translator = QTranslator(app)
    if not translator.load(QLocale(language), catalog, "_", str(folder)):
        log.warning("no %s translation for %s in %s; that part stays in English",
                    catalog, language, folder)
        translator.deleteLater()
        return None
    if not app.installTranslator(translator):
        log.warning("could not install the %s translation for %s", catalog, language)
        translator.deleteLater()
        return None
    return translator


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install the translations for `language` (a settings key such as "zh_CN") on `app`:
    ours and Qt's. Returns the installed translators; keep them (and pass them to
    `remove_translators` to undo). A missing file is logged and skipped, never fatal: the
    interface then shows English. Call before the widgets are made."""
    if not language or language == SOURCE_LANGUAGE:
        return []
    installed = []
    for catalog, folder in ((CATALOG, translations_dir()), (QT_CATALOG, qt_translations_dir())):
        translator = _load(app, language, catalog, folder)
        if translator is not None:
            installed.append(translator)
    return installed


def remove_translators(app: QCoreApplication, translators: list[QTranslator]) -> None:
    """Undo `install_translators` (tests; a language switched without a restart)."""
    for translator in translators:
        app.removeTranslator(translator)


def tr_line(line: Line | str) -> str:
    """A core `Line` in the interface's language, on one line: the template translated,
    then filled in (fields that are `Line`s themselves translated too). A plain string is
    returned as it is. Safe on any thread (QCoreApplication.translate is)."""
    if not isinstance(line, Line):
        return one_line(line)
    template = QCoreApplication.translate(CORE_CONTEXT, line.template)
    values = {key: tr_line(value) if isinstance(value, Line) else value
              for key, value in line.fields}
    return one_line(fill(template, values))
