"""Durable file replacement helpers shared by the writers that rename a temporary file
over the real one (settings, batch output)."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX); best effort, the data is already
    synced. Windows cannot open a folder (no O_DIRECTORY) and needs no fsync."""
    flag = getattr(os, "O_DIRECTORY", None)
    if flag is None:
        return
    try:
        fd = os.open(directory, os.O_RDONLY | flag)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
