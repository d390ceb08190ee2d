"""Attachment files on disk, content-addressed: `<root>/<sha256[:2]>/<sha256>`.

Why content-addressed copies: the user's original may move or change after it was asked
about, and the same invoice dropped into five conversations should take its size once.
The two-character fan-out keeps any one directory small.

A file appears under its final name only complete: it is written to a temporary file in
the same root (same filesystem, so the rename is atomic), flushed and fsynced, renamed with
`os.replace`, and the directory is fsynced so the rename itself survives a power cut. The
store writes the file *before* committing the row that names it and deletes rows *before*
unlinking files, so a crash can leave at worst an unnamed file on disk (swept on the next
start), never a row naming a file that is not there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from bluelm_desktop.core.durable import fsync_dir
from bluelm_desktop.core.errors import HistoryError, Line, msg

TEMP_PREFIX: Final = ".tmp-"
CHUNK: Final = 1 << 20
SHA256_NAME: Final = re.compile(r"[0-9a-f]{64}")


class AttachmentFiles:
    """The attachments folder: atomic writes, lookups and removal by hash."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the content with this hash lives (whether or not it is there)."""
        if not SHA256_NAME.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def write_temp(self, source: Path | bytes) -> tuple[Path, str, int]:
        """Copy `source` into a fsynced temporary file, hashing on the way.

        Returns (temporary path, sha256, size). Reading and hashing happen in the same
        pass, so a file that changes while it is copied is stored as the bytes actually
        copied, under their own hash. The caller publishes the file with `publish`.
        """
        self._mkdir(self.root)
        tmp = self.root / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "wb") as out:
                if isinstance(source, bytes | bytearray | memoryview):
                    data = bytes(source)
                    digest.update(data)
                    out.write(data)
                    size = len(data)
                else:
                    for chunk in _read_chunks(source):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
        except _SourceError as e:
            _unlink_quietly(tmp)
            raise HistoryError(e.line) from None
        except OSError as e:
            _unlink_quietly(tmp)
            raise HistoryError(_cannot_store(tmp.parent, e)) from None
        except BaseException:
            _unlink_quietly(tmp)
            raise
        return tmp, digest.hexdigest(), size

    def publish(self, tmp: Path, sha256: str, size: int) -> Path:
        """Give the temporary file its final name (or drop it if the content is there).

        An existing file of the right size is the same content (its name is its hash and
        it was only ever published complete), so it is kept and the copy discarded.
        """
        final = self.path(sha256)
        try:
            if final.is_file() and final.stat().st_size == size:
                _unlink_quietly(tmp)
                return final
            self._mkdir(final.parent)
            os.replace(tmp, final)
            fsync_dir(final.parent)
        except OSError as e:
            _unlink_quietly(tmp)
            raise HistoryError(_cannot_store(final, e)) from None
        return final

    def remove(self, sha256: str) -> None:
        """Delete one content file; already gone is fine (a crash may have beaten us)."""
        path = self.path(sha256)
        _unlink_quietly(path)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only succeeds when empty: other content stays

    def stored(self) -> Iterator[tuple[str, Path]]:
        """Every (sha256, path) published under the root."""
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for f in sub.iterdir():
                if SHA256_NAME.fullmatch(f.name) and f.name[:2] == sub.name:
                    yield f.name, f

    def remove_temporaries(self) -> int:
        """Delete temporary files a killed process left behind; returns how many."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for f in self.root.glob(f"{TEMP_PREFIX}*"):
            _unlink_quietly(f)
            removed += 1
        return removed

    def has_files(self) -> bool:
        """Whether any content is stored (used to decide if sweeping strays is safe)."""
        return next(self.stored(), None) is not None

    @staticmethod
    def _mkdir(path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(cannot_create_directory(path, e)) from None


def cannot_create_directory(path: Path, e: OSError) -> Line:
    return Line.of(msg("{path}: cannot create directory: {reason}"), path=path,
                   reason=e.strerror or str(e))


def _cannot_store(path: Path, e: OSError) -> Line:
    return Line.of(msg("{path}: cannot store attachment: {reason}"), path=path,
                   reason=e.strerror or str(e))


class _SourceError(OSError):
    """Reading the user's file failed (as opposed to writing ours): named differently."""

    def __init__(self, source: Path, e: OSError) -> None:
        self.line = Line.of(msg("{path}: cannot read attachment: {reason}"), path=source,
                            reason=e.strerror or str(e))
        super().__init__(str(self.line))


def _read_chunks(source: Path) -> Iterator[bytes]:
    try:
        f = open(source, "rb")  # noqa: SIM115 -- errors on open and on read are told apart
    except OSError as e:
        raise _SourceError(source, e) from None
    with f:
        while True:
            try:
                chunk = f.read(CHUNK)
            except OSError as e:
                raise _SourceError(source, e) from None
            if not chunk:
                return
            yield chunk


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        # A file we cannot delete (permissions, Windows sharing) is left for the next
        # sweep; failing the user's action over garbage collection would be wrong.
        pass
