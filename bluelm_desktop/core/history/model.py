"""What the history hands out: plain, frozen values the UI's item models can hold.

Rows never leave the store as `sqlite3.Row`s or live cursors: a value object can cross to
the GUI thread and outlive the connection, and the UI cannot write to the database by
accident through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

Role = Literal["user", "assistant", "system"]
Status = Literal["complete", "streaming", "interrupted", "error"]

ROLES: Final[tuple[str, ...]] = ("user", "assistant", "system")
# "streaming": the answer is still being written (the GUI saves it every few hundred ms);
# "interrupted": it stopped short (the user pressed stop, or the app died mid-answer);
# "error": the engine failed; the partial text is kept with it.
STATUSES: Final[tuple[str, ...]] = ("complete", "streaming", "interrupted", "error")


@dataclass(frozen=True, slots=True)
class Conversation:
    """One chat in the sidebar. Times are Unix seconds; `updated_at` orders the list."""

    id: int
    title: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Attachment:
    """A document attached to a message: its content (by hash) and how the user named it.

    The same bytes dropped twice under two names are stored once (`sha256`) and linked
    twice, each link keeping its own `name` and `mime`.
    """

    sha256: str
    name: str
    mime: str
    size: int


@dataclass(frozen=True, slots=True)
class Message:
    """One turn. `meta` is free JSON the caller owns (model name, timings, grid, ...)."""

    id: int
    conversation_id: int
    role: str
    text: str
    status: str
    created_at: float
    updated_at: float
    attachments: tuple[Attachment, ...] = ()
    meta: Mapping[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A conversation title or a message that contains every search term.

    `message_id` is None for a title hit. `highlights` are (start, end) offsets into
    `snippet`, so the view can bold them without parsing markup out of user text.
    """

    conversation_id: int
    title: str
    message_id: int | None
    role: str | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class HistoryRecovery:
    """What happened when the history file was found damaged on open.

    The damaged file is never deleted: it is renamed to `moved_to` (its `-wal` beside it),
    a new history is started, and whatever could still be read was copied into it.
    `str()` is the one line the UI shows.
    """

    path: Path
    moved_to: Path
    reason: str
    conversations: int = 0
    messages: int = 0

    def __str__(self) -> str:
        return (
            f"{self.path}: the history was damaged ({self.reason}); it was kept as "
            f"{self.moved_to.name} and a new history was started "
            f"({self.conversations} conversations and {self.messages} messages recovered)"
        )
