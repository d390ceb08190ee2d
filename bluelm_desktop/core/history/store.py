"""Conversations, messages, attachments and app state in one SQLite file.

Why these settings:
- **WAL with `synchronous=NORMAL`.** A commit appends to the write-ahead log with a plain
  `write()`; the log is fsynced only at checkpoints. Once `write()` returns, the data is in
  the operating system's page cache, so a crash *of the app* — a segfault in a native
  decoder, SIGKILL, the OOM killer — loses nothing that was committed. Only an OS crash or
  power cut can lose the last few transactions, and even then the file stays consistent
  (the log is checksummed and replayed only up to its last complete commit). FULL would
  add an fsync per commit, i.e. per streamed partial answer, for that last case only.
  Readers never block the writer, so the sidebar can load while an answer is saved.
  (If the filesystem cannot do WAL, the store falls back to the rollback journal with
  `synchronous=FULL`, where NORMAL would not be crash-safe.)
- **One connection, any thread.** The GUI's history worker and the engine-event handler
  both write; SQLite serialises writers anyway, so one connection opened with
  `check_same_thread=False` and guarded by a re-entrant lock is simpler than a pool and
  cannot deadlock on SQLite's own file lock. Each public method is one short transaction
  (`BEGIN IMMEDIATE` takes the write lock up front, so no transaction ever fails half-way
  while upgrading a read lock).
- **Nothing is lost quietly.** An answer being streamed is saved as `streaming` every
  few hundred ms and ends as `complete`, `interrupted` or `error`; a message still
  `streaming` when the store opens was cut short by a crash and becomes `interrupted`.
  A damaged file is renamed aside, never deleted, and what can be read is copied into a
  new one (`recovery.py`); `HistoryStore.recovery` says so, for the UI to tell the user.
- **Every failure is a `HistoryError`**: one line naming the file and what went wrong
  (locked, disk full, damaged, ...), ready for the status bar.

Attachments are content-addressed files beside the database (`files.py`); the database
holds their hashes and per-message names. The store assumes one app instance per data
directory (the app enforces that): startup recovery and garbage collection would otherwise
step on a second instance's answer in progress.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import HistoryError, Line, msg
from bluelm_desktop.core.history import recovery as _recovery
from bluelm_desktop.core.history.files import AttachmentFiles, cannot_create_directory
from bluelm_desktop.core.history.model import (
    ROLES,
    STATUSES,
    Attachment,
    Conversation,
    HistoryRecovery,
    Message,
    SearchHit,
)
from bluelm_desktop.core.history.schema import (
    FTS_CREATE,
    FTS_TABLE,
    MIGRATIONS,
    SCHEMA_VERSION,
    fts_available,
)
from bluelm_desktop.core.history.search import Query

log = logging.getLogger(__name__)
T = TypeVar("T")

HISTORY_FILE: Final = "history.db"
ATTACHMENTS_DIR: Final = "attachments"
DEFAULT_MIME: Final = "application/octet-stream"
DEFAULT_SEARCH_LIMIT: Final = 200
# Another process holding the write lock (a second instance, a backup tool) is waited for
# this long before the user is told; a normal transaction here takes well under 10 ms.
BUSY_TIMEOUT_S: Final = 5.0
# The write-ahead log is truncated to this after a checkpoint, so a long session of
# streamed saves does not leave a large -wal file behind.
WAL_SIZE_LIMIT: Final = 8 * 1024 * 1024

META_FTS: Final = "fts"  # "synced" when the full-text index matches the messages
META_SWEEP: Final = "sweep_strays"  # "1": files unknown to this database may be deleted

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_PERM: Final = 3
_SQLITE_BUSY: Final = 5
_SQLITE_LOCKED: Final = 6
_SQLITE_NOMEM: Final = 7
_SQLITE_READONLY: Final = 8
_SQLITE_IOERR: Final = 10
_SQLITE_CORRUPT: Final = 11
_SQLITE_FULL: Final = 13
_SQLITE_CANTOPEN: Final = 14
_SQLITE_NOTADB: Final = 26
_DAMAGED_CODES: Final = frozenset({_SQLITE_CORRUPT, _SQLITE_NOTADB})
# What SQLite's codes mean to the user (templates without fields: `Line(reason)`).
_LOCKED: Final = msg("the history is locked by another program (is the app running twice?)")
_REASONS: Final[dict[int, str]] = {
    _SQLITE_PERM: msg("permission denied"),
    _SQLITE_BUSY: _LOCKED,
    _SQLITE_LOCKED: _LOCKED,
    _SQLITE_NOMEM: msg("out of memory"),
    _SQLITE_READONLY: msg("the file or its folder is read-only"),
    _SQLITE_IOERR: msg("disk input/output error"),
    _SQLITE_CORRUPT: msg("the file is damaged"),
    _SQLITE_FULL: msg("the disk is full"),
    _SQLITE_CANTOPEN: msg("cannot open the file"),
    _SQLITE_NOTADB: msg("the file is not a history database (damaged or overwritten)"),
}

_MESSAGE_COLUMNS: Final = "id, conversation_id, role, text, status, meta, created_at, updated_at"


class _Damaged(Exception):
    """The file on disk is corrupt: handled by setting it aside, never shown as such
    (its `line` becomes the recovery's reason)."""

    def __init__(self, line: Line) -> None:
        super().__init__(str(line))
        self.line = line


class _StoreError(HistoryError):
    """A HistoryError that remembers whether SQLite called the file damaged."""

    def __init__(self, line: Line, damaged: bool) -> None:
        super().__init__(line)
        self.damaged = damaged


def default_history_path() -> Path:
    """`<data_dir>/history.db`: the file the app uses."""
    return paths.data_dir() / HISTORY_FILE


def open_history() -> HistoryStore:
    """The app's history store, in the data directory (`--data-dir` / `BLUELM_DATA_DIR`)."""
    return HistoryStore(default_history_path())


class HistoryStore:
    """The user's conversations in one SQLite file; thread-safe; close it when done.

    `path` is the database file; attachments go to `attachments_dir`, by default the
    `attachments` folder beside it. `verify_on_open` runs SQLite's quick check (reads
    every page once: tens of ms for a large history) so that damage is found and handled
    at start-up rather than in the middle of saving an answer.

    After opening, `recovery` is set if the file was found damaged (see
    `HistoryRecovery`), and `interrupted_on_open` counts answers that a previous run left
    `streaming` and that are now marked `interrupted`.
    """

    def __init__(
        self,
        path: Path,
        *,
        attachments_dir: Path | None = None,
        verify_on_open: bool = True,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> None:
        self.path = Path(path).absolute()
        self.attachments_dir = (
            Path(attachments_dir).absolute()
            if attachments_dir is not None
            else self.path.parent / ATTACHMENTS_DIR
        )
        self.recovery: HistoryRecovery | None = None
        self.interrupted_on_open = 0
        self._verify = verify_on_open
        self._busy_timeout_s = busy_timeout_s
        self._files = AttachmentFiles(self.attachments_dir)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._fts = False
        # Hashes added by add_attachment and not yet linked to a message: the garbage
        # collector must not take them while the user is still typing the question.
        self._pending: set[str] = set()
        try:
            self._open()
        except BaseException:
            self._close_connection()
            raise

    # ------------------------------------------------------------------ lifecycle

    @property
    def full_text_search(self) -> bool:
        """Whether searches use the FTS5 trigram index (else a scan: same answers, slower)."""
        return self._fts

    def close(self) -> None:
        """Close the file (checkpointing the log into it). Safe to call twice."""
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA optimize")
            self._close_connection()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def integrity_check(self) -> bool:
        """SQLite's full integrity check plus the foreign keys; True when both are clean."""
        with self._reading(msg("check the history")) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            if rows != [("ok",)]:
                log.warning("%s: integrity check: %s", self.path, rows[:5])
                return False
            return not conn.execute("PRAGMA foreign_key_check").fetchall()

    # ------------------------------------------------------------------ conversations

    def create_conversation(self, title: str) -> Conversation:
        """A new, empty conversation, newest in the list."""
        title = _clean(title)
        now = time.time()
        with self._writing(msg("create a conversation")) as conn:
            cur = conn.execute(
                "INSERT INTO conversations (title, created_at, updated_at) VALUES (?, ?, ?)",
                (title, now, now),
            )
            return Conversation(_lastrowid(cur), title, now, now)

    def rename(self, conversation_id: int, title: str) -> Conversation:
        """Change a conversation's title (its place in the list stays: renaming is not use)."""
        title = _clean(title)
        with self._writing(msg("rename a conversation")) as conn:
            cur = conn.execute(
                "UPDATE conversations SET title = ? WHERE id = ? "
                "RETURNING id, title, created_at, updated_at",
                (title, conversation_id),
            )
            # Drain RETURNING rows: a write statement still stepping would block COMMIT.
            rows = cur.fetchall()
            if not rows:
                raise self._missing("conversation", conversation_id)
            return Conversation(*rows[0])

    def delete(self, conversation_id: int) -> bool:
        """Delete a conversation, its messages and their attachment links.

        Attachment files no other message uses are deleted after the commit. Returns
        whether the conversation existed (deleting twice is harmless: the UI may race).
        """

        def body(conn: sqlite3.Connection) -> bool:
            self._fts_write(
                conn,
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN "
                "(SELECT id FROM messages WHERE conversation_id = ?)",
                (conversation_id,),
            )
            cur = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            return cur.rowcount > 0

        existed = self._write(msg("delete a conversation"), body)
        if existed:
            self._collect_quietly()
        return existed

    def list_conversations(self) -> list[Conversation]:
        """Every conversation, most recently used first."""
        with self._reading(msg("list conversations")) as conn:
            return [
                Conversation(*row)
                for row in conn.execute(
                    "SELECT id, title, created_at, updated_at FROM conversations "
                    "ORDER BY updated_at DESC, id DESC"
                )
            ]

    def get(self, conversation_id: int) -> Conversation | None:
        """One conversation, or None if it does not exist (e.g. deleted meanwhile)."""
        with self._reading(msg("read a conversation")) as conn:
            row = conn.execute(
                "SELECT id, title, created_at, updated_at FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
            return None if row is None else Conversation(*row)

    def search(self, text: str, limit: int = DEFAULT_SEARCH_LIMIT) -> list[SearchHit]:
        """Conversations whose title, and messages whose text, contain every term of `text`.

        Terms are separated by whitespace and matched case-insensitively as substrings
        (so Chinese, which has no spaces, works). Title hits come first, then message hits;
        both newest first. With FTS5 the trigram index finds candidates for terms of three
        or more characters; every candidate is then checked exactly (`search.Query`).
        """
        query = Query.parse(text)
        if not query or limit <= 0:
            return []
        hits: list[SearchHit] = []
        with self._reading(msg("search the history")) as conn:
            for cid, title in conn.execute(
                "SELECT id, title FROM conversations ORDER BY updated_at DESC, id DESC"
            ):
                if query.matches(title):
                    snippet, spans = query.snippet(title)
                    hits.append(SearchHit(cid, title, None, None, snippet, spans))
                    if len(hits) >= limit:
                        return hits
            for mid, cid, role, body, title in self._candidates(conn, query):
                if query.matches(body):
                    snippet, spans = query.snippet(body)
                    hits.append(SearchHit(cid, title, mid, role, snippet, spans))
                    if len(hits) >= limit:
                        break
        return hits

    # ------------------------------------------------------------------ messages

    def add_message(
        self,
        conversation_id: int,
        role: str,
        text: str,
        status: str = "complete",
        attachments: Sequence[Attachment] = (),
        meta: Mapping[str, Any] | None = None,
    ) -> Message:
        """Append a turn; an answer about to stream starts as `status="streaming"`.

        Attachments must come from `add_attachment`. Raises ValueError for an unknown role
        or status or non-JSON `meta` (caller bugs), HistoryError if the conversation is gone
        or the save fails.
        """
        _check_role(role)
        _check_status(status)
        text = _clean(text)
        meta_json = _dump_json(meta) if meta is not None else None
        now = time.time()
        links = [(i, a) for i, a in enumerate(attachments)]

        def body(conn: sqlite3.Connection) -> int:
            if (
                conn.execute(
                    "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
                ).fetchone()
                is None
            ):
                raise self._missing("conversation", conversation_id)
            self._check_attachments_known(conn, [a for _, a in links])
            cur = conn.execute(
                "INSERT INTO messages "
                "(conversation_id, role, text, status, meta, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, role, text, status, meta_json, now, now),
            )
            message_id = _lastrowid(cur)
            conn.executemany(
                "INSERT INTO message_attachments (message_id, position, sha256, name, mime) "
                "VALUES (?, ?, ?, ?, ?)",
                [(message_id, i, a.sha256, _clean(a.name), _clean(a.mime)) for i, a in links],
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
            if status != "streaming":
                self._index(conn, message_id, text)
            return message_id

        message_id = self._write(msg("save a message"), body)
        for a in attachments:
            self._pending.discard(a.sha256)
        return Message(
            message_id,
            conversation_id,
            role,
            text,
            status,
            now,
            now,
            tuple(attachments),
            None if meta_json is None else json.loads(meta_json),
        )

    def update_message(
        self,
        message_id: int,
        *,
        text: str | None = None,
        status: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace a message's text, status and/or meta (None leaves a field as it is).

        The GUI calls this every few hundred ms with the answer so far, then once more
        with the final status. Each call is one small transaction; the full-text index is
        only written when the message leaves `streaming`, to keep those saves cheap.
        """
        if status is not None:
            _check_status(status)
        text = None if text is None else _clean(text)
        meta_json = None if meta is None else _dump_json(meta)
        now = time.time()

        def body(conn: sqlite3.Connection) -> None:
            rows = conn.execute(
                "UPDATE messages SET text = coalesce(?, text), status = coalesce(?, status), "
                "meta = coalesce(?, meta), updated_at = ? WHERE id = ? "
                "RETURNING conversation_id, text, status",
                (text, status, meta_json, now, message_id),
            ).fetchall()
            if not rows:
                raise self._missing("message", message_id)
            conversation_id, new_text, new_status = rows[0]
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
            if new_status != "streaming":
                if text is not None or status is not None:
                    self._index(conn, message_id, new_text)
            else:
                self._unindex(conn, [message_id])

        self._write(msg("save a message"), body)

    def messages(self, conversation_id: int) -> list[Message]:
        """A conversation's messages in order, with their attachments (empty if none)."""
        with self._reading(msg("read messages")) as conn:
            rows = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
            links = self._links(
                conn,
                "l.message_id IN (SELECT id FROM messages WHERE conversation_id = ?)",
                (conversation_id,),
            )
        return [_message(row, links.get(row[0], ())) for row in rows]

    def message(self, message_id: int) -> Message | None:
        """One message, or None if it does not exist."""
        with self._reading(msg("read a message")) as conn:
            row = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return None
            links = self._links(conn, "l.message_id = ?", (message_id,))
        return _message(row, links.get(message_id, ()))

    def truncate_after(self, conversation_id: int, message_id: int) -> int:
        """Delete the messages after `message_id` (regenerate, or edit a question).

        `message_id` itself stays. Returns how many were deleted.
        """
        now = time.time()

        def body(conn: sqlite3.Connection) -> int:
            if (
                conn.execute(
                    "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
                    (message_id, conversation_id),
                ).fetchone()
                is None
            ):
                raise HistoryError(
                    msg("{path}: message {message} is not in conversation {conversation}"),
                    path=self.path, message=message_id, conversation=conversation_id)
            self._fts_write(
                conn,
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT id FROM messages "
                "WHERE conversation_id = ? AND id > ?)",
                (conversation_id, message_id),
            )
            deleted = conn.execute(
                "DELETE FROM messages WHERE conversation_id = ? AND id > ?",
                (conversation_id, message_id),
            ).rowcount
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
            return int(deleted)

        deleted = self._write(msg("truncate a conversation"), body)
        if deleted:
            self._collect_quietly()
        return deleted

    # ------------------------------------------------------------------ attachments

    def add_attachment(
        self, source: Path | str | bytes, name: str | None = None, mime: str | None = None
    ) -> Attachment:
        """Copy a file (or bytes) into the store; identical content is stored once.

        `name` defaults to the file's name, `mime` is guessed from the name. The copy is
        made outside the lock (a large PDF must not stall the engine's saves); link the
        result to a message with `add_message(..., attachments=[...])`.
        """
        if isinstance(source, bytes | bytearray | memoryview):
            data: Path | bytes = bytes(source)
            name = name if name is not None else "attachment"
        else:
            data = Path(source)
            name = name if name is not None else data.name
        mime = mime or mimetypes.guess_type(name)[0] or DEFAULT_MIME
        with self._lock:
            self._require_open()
        tmp, sha, size = self._files.write_temp(data)
        with self._lock:
            self._pending.add(sha)
            try:
                self._files.publish(tmp, sha, size)
                with self._writing(msg("save an attachment")) as conn:
                    conn.execute(
                        "INSERT OR IGNORE INTO attachments (sha256, size, created_at) "
                        "VALUES (?, ?, ?)",
                        (sha, size, time.time()),
                    )
            except BaseException:
                self._pending.discard(sha)
                raise
        return Attachment(sha, _clean(name), _clean(mime), size)

    def attachment_path(self, attachment: Attachment | str) -> Path:
        """The stored copy of an attachment (or of a sha256): open it read-only."""
        sha = attachment if isinstance(attachment, str) else attachment.sha256
        return self._files.path(sha)

    def collect_garbage(self) -> int:
        """Delete attachments no message links to any more; returns how many files went.

        Rows go first, in one transaction, then the files: a crash in between leaves only
        unnamed files, which the next start sweeps. Runs by itself after `delete` and
        `truncate_after`, and at start-up.
        """
        with self._lock:
            with self._writing(msg("clean up attachments")) as conn:
                unused = [
                    sha
                    for (sha,) in conn.execute(
                        "SELECT sha256 FROM attachments a WHERE NOT EXISTS "
                        "(SELECT 1 FROM message_attachments l WHERE l.sha256 = a.sha256)"
                    ).fetchall()
                    if sha not in self._pending
                ]
                conn.executemany("DELETE FROM attachments WHERE sha256 = ?", [(s,) for s in unused])
            for sha in unused:
                self._files.remove(sha)
            return len(unused)

    def _collect_quietly(self) -> None:
        """Garbage collection after the user's delete: its failure is not the delete's."""
        try:
            self.collect_garbage()
        except HistoryError as e:
            log.warning("attachment clean-up postponed to the next start: %s", e)

    # ------------------------------------------------------------------ app state

    def set_state(self, key: str, value: Any) -> None:
        """Remember a JSON value under `key` (last open conversation, window geometry, ...)."""
        encoded = _dump_json(value)
        with self._writing(msg("save the app state")) as conn:
            conn.execute(
                "INSERT INTO app_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, encoded),
            )

    def get_state(self, key: str, default: Any = None) -> Any:
        """The value saved under `key`, or `default` if none (or if it no longer parses)."""
        with self._reading(msg("read the app state")) as conn:
            row = conn.execute("SELECT value FROM app_state WHERE key = ?", (key,)).fetchone()
        if row is None:
            return default
        try:
            return json.loads(row[0])
        except ValueError:
            return default

    def delete_state(self, key: str) -> None:
        """Forget `key`."""
        with self._writing(msg("save the app state")) as conn:
            conn.execute("DELETE FROM app_state WHERE key = ?", (key,))

    # ------------------------------------------------------------------ opening

    def _open(self) -> None:
        """Open (creating or migrating) the file; set a damaged one aside and start again."""
        try:
            self._connect()
            self._prepare()
            self._after_open()
            return
        except _Damaged as damage:
            reason, reason_line = str(damage), damage.line
        self._close_connection()
        moved = _recovery.move_aside(self.path)
        log.warning("%s: damaged (%s); moved to %s", self.path, reason, moved)
        try:
            self._connect()
            self._prepare()
            conn = self._require_open()
            try:
                conversations, messages = _recovery.salvage(moved, conn, self._files)
            except sqlite3.Error as e:
                log.warning("%s: salvage stopped: %s", moved, e)
                conversations = messages = 0
            # The files of conversations that could not be salvaged may still be wanted
            # by whoever repairs the set-aside copy: never sweep them as strays.
            self._set_meta(META_SWEEP, "0")
            self._set_meta(META_FTS, "stale")
            self._after_open()
        except _Damaged as again:
            raise HistoryError(msg("{path}: cannot start a new history: {reason}"),
                               path=self.path, reason=again.line) from None
        self.recovery = HistoryRecovery(self.path, moved, reason, conversations, messages,
                                        reason_line)
        log.warning("%s", self.recovery)

    def _connect(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(cannot_create_directory(self.path.parent, e)) from None
        try:
            self._conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout_s,
                isolation_level=None,  # we issue BEGIN/COMMIT ourselves
                check_same_thread=False,  # guarded by self._lock instead
            )
            self._conn.create_function("index_text", 1, index_text, deterministic=True)
        except sqlite3.Error as e:
            raise self._error(e, msg("open the history")) from None

    def _prepare(self) -> None:
        """Pragmas, the quick check and migrations; raises _Damaged for a corrupt file."""
        conn = self._require_open()
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() == "wal":
                conn.execute("PRAGMA synchronous = NORMAL")
            else:
                log.warning("%s: WAL unavailable (%s); using FULL sync", self.path, mode)
                conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
            if self._verify:
                rows = conn.execute("PRAGMA quick_check").fetchall()
                if rows != [("ok",)]:
                    raise _Damaged(Line.of(msg("quick check: {result}"), result=rows[0][0]))
            self._migrate(conn)
        except sqlite3.Error as e:
            if _code(e) in _DAMAGED_CODES:
                raise _Damaged(Line(_REASONS[_code(e)])) from None
            raise self._error(e, msg("open the history")) from None

    def _migrate(self, conn: sqlite3.Connection) -> None:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise HistoryError(
                msg("{path}: written by a newer BlueLM Desktop (history version {version}; "
                    "this version reads up to {supported}); left untouched"),
                path=self.path, version=version, supported=SCHEMA_VERSION)
        if version == SCHEMA_VERSION:
            return
        if version > 0:
            self._backup(self.path.with_name(f"{self.path.name}.v{version}.bak"))
        fresh = version == 0
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[target](conn)
                conn.execute(f"PRAGMA user_version = {int(target)}")
                if fresh and target == 1:
                    # A new file beside attachments it does not know (the database was
                    # deleted or set aside): those files are someone's data, not strays.
                    sweep = "0" if self._files.has_files() else "1"
                    conn.execute(
                        "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)",
                        (META_SWEEP, sweep),
                    )
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            log.info("%s: history schema now at version %d", self.path, target)

    def _backup(self, target: Path) -> None:
        """Copy the file before a migration rewrites it (SQLite's online backup)."""
        conn = self._require_open()
        dest = sqlite3.connect(target)
        try:
            conn.backup(dest)
        finally:
            dest.close()

    def _after_open(self) -> None:
        """Interrupted answers, the full-text index and garbage, once per start."""
        conn = self._require_open()
        try:
            self._sync_fts(conn)

            def interrupt(c: sqlite3.Connection) -> list[int]:
                ids = [
                    int(row[0])
                    for row in c.execute(
                        "UPDATE messages SET status = 'interrupted' "
                        "WHERE status = 'streaming' RETURNING id"
                    ).fetchall()
                ]
                for i in ids:
                    self._fts_write(
                        c,
                        f"INSERT INTO {FTS_TABLE} (rowid, text) "
                        "SELECT id, index_text(text) FROM messages WHERE id = ?",
                        (i,),
                    )
                return ids

            ids = self._write(msg("recover interrupted answers"), interrupt)
            self.interrupted_on_open = len(ids)
            if ids:
                log.info("%s: %d interrupted answers kept", self.path, len(ids))
            self._files.remove_temporaries()
            self.collect_garbage()
            if self._get_meta(META_SWEEP) == "1":
                self._sweep_strays(conn)
        except sqlite3.Error as e:
            if _code(e) in _DAMAGED_CODES:
                raise _Damaged(Line(_REASONS[_code(e)])) from None
            raise self._error(e, msg("open the history")) from None
        except _StoreError as e:
            if e.damaged:
                raise _Damaged(e.line) from None
            raise

    def _sync_fts(self, conn: sqlite3.Connection) -> None:
        """Build or rebuild the full-text index when this SQLite can hold one.

        The index is maintained by this code, not by triggers: a trigger naming an FTS5
        table would make every message insert fail on a SQLite built without FTS5. A file
        last written without the index is marked stale and rebuilt here.
        """
        self._fts = fts_available(conn)
        exists = (
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone()
            is not None
        )
        if not self._fts:
            if exists:
                self._set_meta(META_FTS, "stale")
            return
        if exists and self._get_meta(META_FTS) == "synced":
            return
        with self._writing(msg("index the history")) as c:
            # Drop and create rather than empty: a stale index may also be a broken one.
            c.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            c.execute(FTS_CREATE)
            c.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, text) "
                "SELECT id, index_text(text) FROM messages WHERE status != 'streaming'"
            )
            c.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, 'synced')",
                (META_FTS,),
            )

    def _sweep_strays(self, conn: sqlite3.Connection) -> None:
        """Delete attachment files no row names (a crash between writing and committing)."""
        known = {sha for (sha,) in conn.execute("SELECT sha256 FROM attachments")}
        for sha, path in self._files.stored():
            if sha not in known and sha not in self._pending:
                with contextlib.suppress(OSError):
                    path.unlink()

    # ------------------------------------------------------------------ internals

    def _candidates(
        self, conn: sqlite3.Connection, query: Query
    ) -> Iterator[tuple[int, int, str, str, str]]:
        """(message id, conversation id, role, text, title) to check, newest first."""
        expression = query.fts_expression() if self._fts else None
        select = (
            "SELECT m.id, m.conversation_id, m.role, m.text, c.title FROM messages m "
            "JOIN conversations c ON c.id = m.conversation_id"
        )
        if expression is not None:
            try:
                # Streaming messages are not indexed yet; there are only ever a few.
                rows = conn.execute(
                    f"{select} WHERE m.id IN (SELECT rowid FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH ?) "
                    f"UNION ALL {select} WHERE m.status = 'streaming' "
                    "ORDER BY 1 DESC",
                    (expression,),
                ).fetchall()
                yield from rows
                return
            except sqlite3.Error as e:
                if _code(e) in _DAMAGED_CODES:
                    self._fts_broken(e)
                else:
                    log.debug("FTS query %r failed (%s); scanning instead", expression, e)
        yield from conn.execute(f"{select} ORDER BY m.id DESC")

    def _links(
        self, conn: sqlite3.Connection, where: str, args: tuple[object, ...]
    ) -> dict[int, tuple[Attachment, ...]]:
        found: dict[int, list[Attachment]] = {}
        for mid, sha, name, mime, size in conn.execute(
            "SELECT l.message_id, l.sha256, l.name, l.mime, a.size "
            "FROM message_attachments l JOIN attachments a ON a.sha256 = l.sha256 "
            f"WHERE {where} ORDER BY l.message_id, l.position",
            args,
        ):
            found.setdefault(mid, []).append(Attachment(sha, name, mime, size))
        return {k: tuple(v) for k, v in found.items()}

    def _check_attachments_known(
        self, conn: sqlite3.Connection, attachments: Iterable[Attachment]
    ) -> None:
        for a in attachments:
            if (
                conn.execute("SELECT 1 FROM attachments WHERE sha256 = ?", (a.sha256,)).fetchone()
                is None
            ):
                raise HistoryError(
                    f"{self.path}: attachment {a.name!r} ({a.sha256[:12]}) is not stored; "
                    "add it with add_attachment first"
                )

    def _index(self, conn: sqlite3.Connection, message_id: int, text: str) -> None:
        self._fts_write(conn, f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (message_id,))
        self._fts_write(
            conn,
            f"INSERT INTO {FTS_TABLE} (rowid, text) VALUES (?, ?)",
            (message_id, index_text(text)),
        )

    def _unindex(self, conn: sqlite3.Connection, message_ids: Sequence[int]) -> None:
        for i in message_ids:
            self._fts_write(conn, f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (i,))

    def _fts_write(self, conn: sqlite3.Connection, sql: str, args: tuple[object, ...]) -> None:
        """One statement on the full-text index, skipped while the index is off."""
        if self._fts:
            conn.execute(sql, args)

    def _write(self, doing: str, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run `body` in a write transaction; a broken full-text index never blocks a save.

        The index is derived data, and FTS5 writes some of it only at COMMIT, so damage
        inside it can fail any transaction that touched it. When a transaction that used
        the index fails as "damaged", it is run again without the index: if that succeeds
        the damage was the index's, so searching falls back to scanning for the rest of the
        session and the index is marked stale, to be rebuilt on the next start. The
        message is saved either way; only damage outside the index is an error (and the
        next start's quick check sets the file aside).
        """
        with self._lock:
            used_index = self._fts
            try:
                with self._writing(doing) as conn:
                    return body(conn)
            except _StoreError as e:
                if not (used_index and e.damaged):
                    raise
                self._fts_broken(e)
            with self._writing(doing) as conn:
                result = body(conn)
                conn.execute(
                    "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, 'stale')",
                    (META_FTS,),
                )
                return result

    def _fts_broken(self, e: Exception) -> None:
        """Stop using a damaged full-text index for this session; rebuild it next start."""
        log.warning("%s: full-text index damaged (%s); searching by scan", self.path, e)
        self._fts = False
        conn = self._require_open()
        if not conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute(
                    "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, 'stale')",
                    (META_FTS,),
                )

    def _get_meta(self, key: str) -> str | None:
        row = (
            self._require_open()
            .execute("SELECT value FROM store_meta WHERE key = ?", (key,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        with self._writing(msg("save the history")) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)", (key, value)
            )

    def _require_open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HistoryError(msg("{path}: the history is closed"), path=self.path)
        return self._conn

    def _close_connection(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()

    @contextlib.contextmanager
    def _writing(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock; any SQLite failure becomes a HistoryError."""
        with self._lock:
            conn = self._require_open()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise self._error(e, doing) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as e:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if isinstance(e, sqlite3.Error):
                    raise self._error(e, doing) from None
                raise

    @contextlib.contextmanager
    def _reading(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._require_open()
            try:
                yield conn
            except sqlite3.Error as e:
                raise self._error(e, doing) from None

    def _error(self, e: sqlite3.Error, doing: str) -> HistoryError:
        """'history.db: cannot save a message: the disk is full'. `doing` is a `msg`
        template (a verb phrase); the reason ours where SQLite's code is known, else
        SQLite's own words."""
        code = _code(e)
        known = _REASONS.get(code) if code is not None else None
        reason: Line | str = Line(known) if known is not None else str(e)
        if code in _DAMAGED_CODES:
            return _StoreError(Line.of(
                msg("{path}: cannot {doing}: {reason}; it will be set aside and repaired when "
                    "the app starts again"),
                path=self.path, doing=Line(doing), reason=reason), True)
        return _StoreError(Line.of(msg("{path}: cannot {doing}: {reason}"), path=self.path,
                                   doing=Line(doing), reason=reason), False)

    def _missing(self, what: str, ident: int) -> HistoryError:
        if what == "conversation":
            return HistoryError(msg("{path}: no conversation with id {id} (deleted meanwhile?)"),
                                path=self.path, id=ident)
        return HistoryError(msg("{path}: no message with id {id} (deleted meanwhile?)"),
                            path=self.path, id=ident)


# ---------------------------------------------------------------------- helpers


def _code(e: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an exception (Python ≥ 3.11 attaches it)."""
    code = getattr(e, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def index_text(text: str | None) -> str:
    """The text as given to the trigram index: NUL ends a string for the tokenizer.

    A NUL (pasted binary, a PDF text layer) would hide everything after it from the
    index; a space is never part of a search term, so it cannot create false matches.
    """
    return "" if text is None else text.replace("\x00", " ")


def _lastrowid(cur: sqlite3.Cursor) -> int:
    rowid = cur.lastrowid
    if rowid is None:  # pragma: no cover - an INSERT always sets it
        raise HistoryError("SQLite returned no row id for an insert")
    return int(rowid)


def _clean(text: str) -> str:
    """`text` as SQLite can store it: lone UTF-16 surrogates become U+FFFD.

    Python strings (and Qt's) can hold unpaired surrogates, e.g. half an emoji from a
    clipboard; UTF-8 cannot encode them, and the whole save would fail. Paired ones are
    joined into the character they stand for.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _dump_json(value: Any) -> str:
    try:
        # ASCII escapes keep lone surrogates representable; they come back unchanged.
        return json.dumps(value, ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"not storable as JSON: {e}") from None


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")


def _message(row: Sequence[Any], attachments: tuple[Attachment, ...]) -> Message:
    mid, cid, role, text, status, meta, created, updated = row
    parsed: Mapping[str, Any] | None = None
    if meta is not None:
        with contextlib.suppress(ValueError):
            parsed = json.loads(meta)
    return Message(mid, cid, role, text, status, created, updated, attachments, parsed)
