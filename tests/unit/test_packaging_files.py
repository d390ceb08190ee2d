"""The desktop integration files in packaging/linux agree with the app and each other."""

from __future__ import annotations

import configparser
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pytest

from bluelm_desktop import __version__, cli
from bluelm_desktop.core import paths

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP_ID = "io.github.bluelm_desktop.BlueLMDesktop"  # bluelm_desktop.ui.app.DESKTOP_ID


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(LINUX / f"{DESKTOP_ID}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_starts_the_console_script_with_files() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split() == ["bluelm-desktop", "%F"]
    assert entry["Icon"] == DESKTOP_ID
    assert entry["Categories"].endswith(";") and "Office" in entry["Categories"].split(";")
    assert "application/pdf" in entry["MimeType"].split(";")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'bluelm-desktop = "bluelm_desktop.cli:main"' in pyproject


def expand_exec(exec_line: str, files: Sequence[Path]) -> list[str]:
    """The command a file manager runs for "Open with" (Desktop Entry Specification,
    "The Exec key"): the line split as the spec quotes it, `%F` replaced by the files,
    each one argument, `%f` by the first, `%%` by `%`; other field codes dropped."""
    argv: list[str] = []
    for word in shlex.split(exec_line):
        if word == "%F":
            argv.extend(str(f) for f in files)
        elif word == "%f":
            argv.extend(str(f) for f in files[:1])
        elif word in ("%u", "%U", "%i", "%c", "%k"):
            continue
        else:
            argv.append(word.replace("%%", "%"))
    return argv


def test_open_with_passes_the_files_to_the_window(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """What a file manager runs for three files (one in a folder with spaces, one named
    like a command) is a command line the real parser reads as "open these files"."""
    folder = tmp_path / "Scans 2024 (copy)"
    folder.mkdir()
    files = [folder / "invoice 7.png", tmp_path / "contract.pdf", tmp_path / "ask"]
    for f in files:
        f.write_bytes(b"x")
    argv = expand_exec(desktop_entry()["Exec"], files)
    assert argv[0] == "bluelm-desktop"
    args = cli.parse_args(argv[1:])
    assert args.command is None and args.open_files == [str(f) for f in files]

    opened: list[list[Path]] = []
    monkeypatch.setattr(cli, "start_gui", lambda files=(): opened.append(list(files)) or 0)
    assert cli.main(argv[1:]) == 0
    assert opened == [files]  # absolute, in order, the command-named one included

    # One file named like a command: the file manager gives its full path, so a file.
    alone = cli.parse_args(expand_exec(desktop_entry()["Exec"], files[2:])[1:])
    assert alone.command is None and alone.open_files == [str(files[2])]
    # Started from the menu: no files, just the window.
    assert cli.parse_args(expand_exec(desktop_entry()["Exec"], [])[1:]).open_files == []


def test_metainfo_names_the_desktop_entry_and_the_current_version() -> None:
    root = ET.parse(LINUX / f"{DESKTOP_ID}.metainfo.xml").getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == DESKTOP_ID
    assert root.findtext("launchable") == f"{DESKTOP_ID}.desktop"
    assert root.findtext("provides/binary") == "bluelm-desktop"
    releases = [r.get("version") for r in root.iter("release")]
    assert releases and releases[0] == __version__  # newest release first


def test_the_app_and_the_entry_use_the_same_id_and_a_real_icon() -> None:
    pytest.importorskip("PySide6")  # the app's window (not in the headless run)
    from bluelm_desktop.ui.app import DESKTOP_ID as APP_ID
    from bluelm_desktop.ui.app import ICON_FILE

    assert APP_ID == DESKTOP_ID
    icon = paths.resource_dir() / ICON_FILE
    assert icon.is_file()
    svg = ET.parse(icon).getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 256 256"
