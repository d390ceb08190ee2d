"""A damaged history file: set it aside untouched, and copy out what can still be read.

Nothing here deletes or rewrites the damaged file. It is renamed (with its `-wal`, which
may hold the latest committed turns, and its `-shm`) to `history.db.corrupt-<time>`, so a
person or a tool (`sqlite3 .recover`) can go further later. Salvage reads a scratch copy of
it, because opening a WAL database even for reading may write its index and checkpoint on
close; the set-aside file stays exactly as it was found.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from bluelm_desktop.core.errors import HistoryError, msg
from bluelm_desktop.core.history.files import AttachmentFiles

SIDE_FILES: Final = ("-wal", "-shm", "-journal")
RECOVERED_TITLE: Final = "Recovered conversation"

# Table → the columns copied, in the current schema's terms. A table that cannot be read
# with them (an older layout, a damaged page) is skipped; the rest is still copied.
SALVAGE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "conversations": ("id", "title", "created_at", "updated_at"),
    "messages": (
        "id",
        "conversation_id",
        "role",
        "text",
        "status",
        "meta",
        "created_at",
        "updated_at",
    ),
    "attachments": ("sha256", "size", "created_at"),
    "message_attachments": ("message_id", "position", "sha256", "name", "mime"),
    "app_state": ("key", "value"),
}


def move_aside(path: Path) -> Path:
    """Rename `path` and its side files to `<name>.corrupt-<time>[-n]`; returns the new path."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while any(Path(f"{target}{s}").exists() for s in ("", *SIDE_FILES)):
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        path.replace(target)
        for suffix in SIDE_FILES:
            side = Path(f"{path}{suffix}")
            if side.exists():
                side.replace(Path(f"{target}{suffix}"))
    except OSError as e:
        raise HistoryError(msg("{path}: the history is damaged and cannot be set aside: {reason}"),
                           path=path, reason=e.strerror or str(e)) from None
    return target


def salvage(damaged: Path, dest: sqlite3.Connection, files: AttachmentFiles) -> tuple[int, int]:
    """Copy every readable row of `damaged` into the empty history `dest`.

    Returns (conversations, messages) now in `dest`. Rows come back with their ids, so
    the app's remembered state ("last open conversation 12") still points at them.
    Messages whose conversation row was lost get a placeholder conversation rather than
    being dropped; links to attachments whose file is gone are dropped (there is nothing
    left to show). Never raises for unreadable data: salvage is best effort by nature.
    """
    with tempfile.TemporaryDirectory(prefix="bluelm-salvage-") as scratch_dir:
        scratch = Path(scratch_dir) / "damaged.db"
        try:
            shutil.copyfile(damaged, scratch)
            wal = Path(f"{damaged}-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(f"{scratch}-wal"))
        except OSError:
            return 0, 0
        try:
            src = sqlite3.connect(scratch, isolation_level=None)
        except sqlite3.Error:
            return 0, 0
        try:
            # Damaged pages may hold bytes that are not UTF-8; keep what decodes.
            src.text_factory = lambda b: b.decode("utf-8", "replace")
            _copy_rows(src, dest)
        finally:
            src.close()
    _repair_references(dest, files)
    (conversations,) = dest.execute("SELECT count(*) FROM conversations").fetchone()
    (messages,) = dest.execute("SELECT count(*) FROM messages").fetchone()
    return int(conversations), int(messages)


def _copy_rows(src: sqlite3.Connection, dest: sqlite3.Connection) -> None:
    # Foreign keys are checked after the copy (_repair_references): rows arrive in table
    # order, and a message may have lost its conversation.
    dest.execute("PRAGMA foreign_keys = OFF")
    try:
        dest.execute("BEGIN IMMEDIATE")
        for table, columns in SALVAGE_COLUMNS.items():
            cols = ", ".join(columns)
            marks = ", ".join("?" for _ in columns)
            insert = f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})"
            for row in _readable_rows(src, f"SELECT {cols} FROM {table}"):
                with contextlib.suppress(sqlite3.Error, ValueError, OverflowError):
                    dest.execute(insert, row)
        dest.execute("COMMIT")
    except sqlite3.Error:
        with contextlib.suppress(sqlite3.Error):
            dest.execute("ROLLBACK")
    finally:
        dest.execute("PRAGMA foreign_keys = ON")


def _readable_rows(src: sqlite3.Connection, sql: str) -> Iterator[tuple[object, ...]]:
    """The rows of a full scan up to the first unreadable page (a scan ignores indexes)."""
    try:
        cursor = src.execute(sql)
        while True:
            row = cursor.fetchone()
            if row is None:
                return
            yield tuple(row)
    except (sqlite3.Error, UnicodeError):
        return


def _repair_references(dest: sqlite3.Connection, files: AttachmentFiles) -> None:
    dest.execute("BEGIN IMMEDIATE")
    try:
        dest.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at) "
            "SELECT conversation_id, ?, min(created_at), max(updated_at) FROM messages "
            "WHERE conversation_id NOT IN (SELECT id FROM conversations) "
            "GROUP BY conversation_id",
            (RECOVERED_TITLE,),
        )
        dest.execute(
            "DELETE FROM message_attachments WHERE message_id NOT IN (SELECT id FROM messages)"
        )
        now = time.time()
        for (sha,) in dest.execute(
            "SELECT DISTINCT sha256 FROM message_attachments "
            "WHERE sha256 NOT IN (SELECT sha256 FROM attachments)"
        ).fetchall():
            try:
                size = files.path(str(sha)).stat().st_size
            except (OSError, ValueError):
                continue
            dest.execute(
                "INSERT INTO attachments (sha256, size, created_at) VALUES (?, ?, ?)",
                (sha, size, now),
            )
        missing = []
        for (sha,) in dest.execute("SELECT sha256 FROM attachments").fetchall():
            try:
                present = files.path(str(sha)).is_file()
            except ValueError:
                present = False
            if not present:
                missing.append((sha,))
        dest.executemany("DELETE FROM message_attachments WHERE sha256 = ?", missing)
        dest.executemany("DELETE FROM attachments WHERE sha256 = ?", missing)
        dest.execute(
            "DELETE FROM message_attachments WHERE sha256 NOT IN (SELECT sha256 FROM attachments)"
        )
        dest.execute("COMMIT")
    except sqlite3.Error:
        dest.execute("ROLLBACK")
        raise
