"""The desktop integration files in packaging/linux agree with the app and each other."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bluelm_desktop import __version__
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
