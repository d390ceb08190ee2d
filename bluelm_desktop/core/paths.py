"""Every directory the app reads or writes, in one place.

By default the directories are the platform's (platformdirs: XDG on Linux, AppData on
Windows, Library on macOS). A base directory replaces all of them at once, so a test, a
portable install or a smoke test of a frozen build never touches the user's real data:
`--data-dir DIR` calls `set_base_dir`, and the `BLUELM_DATA_DIR` environment variable does
the same for child processes and test runs. The flag wins over the variable.

With a base directory the layout is::

    BASE/            data_dir()
    BASE/models/     models_dir()
    BASE/config/     config_dir()
    BASE/cache/      cache_dir()

Every function creates its directory on first use, so callers never check or mkdir.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

import platformdirs

from bluelm_desktop.core.errors import BlueLMError, msg

APP_NAME: Final = "bluelm-desktop"
ENV_DATA_DIR: Final = "BLUELM_DATA_DIR"

_base_dir: Path | None = None


def set_base_dir(path: Path | str | None) -> None:
    """Put every directory under `path` (None: back to the environment or the platform).

    The path is made absolute now, so a later change of working directory cannot move the
    user's data.
    """
    global _base_dir
    _base_dir = None if path is None else Path(path).expanduser().absolute()


def base_dir() -> Path | None:
    """The base directory in force: `set_base_dir`'s, else `$BLUELM_DATA_DIR`'s, else None.

    The environment is read on every call (not cached at import), so tests can set it with
    monkeypatch after the module is imported.
    """
    if _base_dir is not None:
        return _base_dir
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    return Path(env).expanduser().absolute() if env else None


def data_dir() -> Path:
    """Where the user's data lives (models, later history); the status bar shows it."""
    base = base_dir()
    return _ensure(base if base is not None else platformdirs.user_data_path(APP_NAME, False))


def models_dir() -> Path:
    """Where converted and demo models are written; the library scans it."""
    return _ensure(data_dir() / "models")


def config_dir() -> Path:
    """Small settings files (the list of external model files, later settings.toml)."""
    base = base_dir()
    return _ensure(
        base / "config" if base is not None else platformdirs.user_config_path(APP_NAME, False)
    )


def cache_dir() -> Path:
    """Scratch space that may be deleted at any time (checkpoints made for the demo model)."""
    base = base_dir()
    return _ensure(
        base / "cache" if base is not None else platformdirs.user_cache_path(APP_NAME, False)
    )


def resource_dir() -> Path:
    """The read-only `resources/` folder (icons, translations, sample documents): beside
    the package in a source checkout, at the bundle's root in a PyInstaller build
    (`sys._MEIPASS`). Never created: it ships with the app."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return root / "resources"


def _ensure(path: Path) -> Path:
    """Create `path` if needed; a failure is one typed line naming the directory."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise BlueLMError(msg("{path}: exists and is not a directory"), path=path) from None
    except OSError as e:
        raise BlueLMError(msg("{path}: cannot create directory: {reason}"), path=path,
                          reason=e.strerror or str(e)) from None
    return path
