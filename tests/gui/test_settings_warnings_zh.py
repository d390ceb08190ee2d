"""A hand-edited settings file's problems reach a Chinese interface in Chinese.

The window shows the first problem in its status bar as `tr_line(loaded.lines[0])`
(`ui/app.py`). With zh_CN installed, every problem a file can have must translate: what
stays Latin is only the file's own text (its keys and values, typed as written), TOML's
`true`/`false`, the allowed choices (values as they are written in the file), names
(UTF, TOML) and a decoder's own words.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.errors import Line
from bluelm_desktop.ui.i18n import tr_line
from tests.gui.test_chinese_ui import WORD, english

# Many problems in one file: a schema_version that is not one, a bad switch for the
# migration, unknown sections and keys, a section that is not a table, values of the
# wrong type (a list, a table, text), out of range (each kind of bound), not finite, not
# one of the choices, empty, too long, not one line.
PROBLEMS = """\
schema_version = "two"
volume = 11
model = 5
[inference]
context = 100
threads = "many"
top_p = 0
temperature = inf
tile_batch = [1, 2]
seed = -1
turbo = true
[vision]
alpha = -0.1
max_grid = { a = 1 }
budget = ' '
[ui]
dark = "yes"
theme = true
language = 'fr'
translation_target = "LONG"
coalesce_ms = 5
[server]
url = "a\\tb"
[plugins]
zz = 1
""".replace("LONG", "q" * 80)  # over the 64 characters allowed

FILE_NAME = "bluelm.toml"  # no English word in the name the lines show


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _data_words(text: str) -> set[str]:
    """Latin words that are data in the lines: the file's own text, TOML's booleans, the
    settings' choices (written as in the file) and the file names."""
    groups = (settings_io.ModelSettings, settings_io.InferenceSettings,
              settings_io.VisionSettings, settings_io.UISettings, settings_io.ServerSettings)
    choices = {
        choice
        for group in groups
        for f in dataclasses.fields(group)
        for choice in settings_io.limits_of(group, f.name).choices
    }
    return (_words(text) | {"true", "false"} | _words(" ".join(choices))
            | _words(FILE_NAME) | {"bad"})  # the moved-aside name: bluelm.toml.bad-<stamp>


def _decoder_words(line: Line) -> set[str]:
    """A decoder's or a bug's own words inside `line` (fields `error`, `reason`, `kind`):
    data, shown as they came."""
    words: set[str] = set()
    for key, value in line.fields:
        if isinstance(value, Line):
            words |= _decoder_words(value)
        elif key in {"error", "reason", "kind"}:
            words |= _words(str(value))
    return words


def _untranslated(result: settings_io.LoadResult, text: str) -> list[str]:
    assert result.lines, "the file has problems"
    data = _data_words(text)
    for line in result.lines:
        data |= _decoder_words(line)
    shown = [(warning, tr_line(line)) for line, warning in zip(result.lines, result.warnings,
                                                             strict=True)]
    return english(shown, data)


def test_a_settings_file_with_many_problems_reads_in_chinese(
        chinese: None, tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(PROBLEMS, encoding="utf-8")
    result = settings_io.load_with_report(path)
    assert len(result.lines) == 20, result.warnings
    assert _untranslated(result, PROBLEMS) == []


@pytest.mark.parametrize(
    "text",
    [
        "schema_version = 2\n[inference\ncontext = 1\n",  # not TOML: moved aside
        "schema_version = 99\n[ui]\nsparkles = 1\n",  # newer than this app
        "schema_version = 1\n[ui]\ntheme = 'dark'\n",  # its migration fails (below)
    ],
)
def test_the_files_own_problems_read_in_chinese(
        chinese: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    def broken(doc: settings_io.Document, warnings: list[Line]) -> settings_io.Document:
        raise KeyError("qq")

    monkeypatch.setitem(settings_io.MIGRATIONS, 1, broken)
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")
    assert _untranslated(settings_io.load_with_report(path), text) == []


def test_an_unreadable_or_undecodable_file_reads_in_chinese(
        chinese: None, tmp_path: Path) -> None:
    folder = tmp_path / "folder" / FILE_NAME
    folder.mkdir(parents=True)  # a directory where the file should be: cannot be read
    assert _untranslated(settings_io.load_with_report(folder), "") == []
    binary = tmp_path / FILE_NAME
    binary.write_bytes(b"[ui]\ntheme = '\xff'\n")  # not UTF-8: moved aside
    assert _untranslated(settings_io.load_with_report(binary), "") == []
