"""The history's tables, their version, and the migrations between versions.

The version lives in the file's own header (`PRAGMA user_version`), so it cannot disagree
with the tables. `MIGRATIONS[n]` takes a database at version n − 1 to version n; a new
file runs them all from 0. Each step runs in its own transaction together with the
version bump, so a crash mid-migration leaves the file at the previous version, and the
next start simply runs the step again. A file from a newer app is refused untouched
rather than "downgraded".

The full-text index is not part of the versioned schema: whether it can exist depends on
the SQLite library the app runs with (FTS5 and its trigram tokenizer are compile-time
options), which can change under an unchanged file. See `fts_available` and the store.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final

Migration = Callable[[sqlite3.Connection], None]

FTS_TABLE: Final = "messages_fts"
# Trigram (SQLite ≥ 3.34) and not unicode61: chat text here is often Chinese, which has no
# spaces for a word tokenizer to split on, so "发票" would never match "这是一张发票".
# Trigrams match any substring of three characters or more, case-insensitively.
FTS_CREATE: Final = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(text, tokenize='trigram')"
)
FTS_MIN_TERM: Final = 3  # trigrams cannot look up anything shorter; those terms are scanned


def _v1(conn: sqlite3.Connection) -> None:
    """The first schema: conversations, messages, content-addressed attachments, app state.

    AUTOINCREMENT on conversations and messages: a plain rowid is reused after the
    highest row is deleted (truncate, then a new answer), and a GUI still holding the old
    id would then update someone else's message.
    """
    run_script(
        conn,
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC);

        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id INTEGER NOT NULL
                REFERENCES conversations (id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
            text TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
            meta TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
        CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';

        CREATE TABLE attachments (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            created_at REAL NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE message_attachments (
            message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            sha256 TEXT NOT NULL REFERENCES attachments (sha256),
            name TEXT NOT NULL,
            mime TEXT NOT NULL,
            PRIMARY KEY (message_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX message_attachments_by_hash ON message_attachments (sha256);

        -- What the user left open (last conversation, window geometry): JSON values.
        CREATE TABLE app_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

        -- The store's own bookkeeping (full-text index state, attachment sweeping).
        CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        """,
    )


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated DDL statements inside the caller's transaction.

    Not `executescript`: it commits any open transaction first, which would split a
    migration from its version bump. Our scripts hold no `;` inside literals.
    """
    for statement in script.split(";"):
        code = "\n".join(
            line for line in statement.splitlines() if not line.strip().startswith("--")
        ).strip()
        if code:
            conn.execute(code)


SCHEMA_VERSION: Final = 1
MIGRATIONS: dict[int, Migration] = {1: _v1}


def fts_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite library can hold a trigram FTS5 index.

    The compile options say whether FTS5 was built in; the trigram tokenizer needs 3.34.
    A throwaway table in the connection's private temp schema proves it, since a
    distribution can patch either out.
    """
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    try:
        options = {row[0] for row in conn.execute("PRAGMA compile_options")}
    except sqlite3.Error:
        return False
    if "ENABLE_FTS5" not in options:
        return False
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts_probe USING fts5(t, tokenize='trigram')")
        conn.execute("DROP TABLE temp.fts_probe")
    except sqlite3.Error:
        return False
    return True
