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

from bluelm_desktop.core.errors import Line, msg

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
    `line` is what the UI shows (`tr_line(recovery.line)`); `str()` is the same line in
    English. `reason` is the English of `reason_line` (SQLite's words when not ours).
    """

    path: Path
    moved_to: Path
    reason: str
    conversations: int = 0
    messages: int = 0
    reason_line: Line | None = field(default=None, compare=False)

    @property
    def line(self) -> Line:
        return Line.of(
            msg("{path}: the history was damaged ({reason}); it was kept as {moved_to} and a "
                "new history was started ({conversations} conversations and {messages} "
                "messages recovered)"),
            path=self.path,
            reason=self.reason_line if self.reason_line is not None else self.reason,
            moved_to=self.moved_to.name,
            conversations=self.conversations,
            messages=self.messages,
        )

    def __str__(self) -> str:
        return str(self.line)


# --- lines kept in a message's meta --------------------------------------------------------

# Field values a `Line` keeps as they are in JSON; anything else (a Path, ...) is kept as
# its text, which is what the line shows of it anyway.
_JSON_VALUES: Final = (str, int, float, bool)


def line_to_json(line: Line) -> dict[str, Any]:
    """A `Line` as JSON for a message's `meta` (`{"template", "fields"}`, nested lines the
    same), so a note saved with a conversation is shown translated when it is reopened.
    Save `str(line)` as the message's text beside it: the English, for search and export,
    and what `line_from_json` falls back to."""
    fields: dict[str, Any] = {}
    for key, value in line.fields:
        if isinstance(value, Line):
            fields[key] = line_to_json(value)
        elif value is None or isinstance(value, _JSON_VALUES):
            fields[key] = value
        else:
            fields[key] = str(value)
    return {"template": line.template, "fields": fields}


def line_from_json(data: object, text: str) -> Line:
    """The `Line` `line_to_json` wrote, or `text` shown as it is (`Line.plain`) when `data`
    is missing or malformed: records saved before lines were kept, a hand-edited file."""
    line = _line_from_json(data, depth=0)
    return line if line is not None else Line.plain(text)


def _line_from_json(data: object, depth: int) -> Line | None:
    if depth > 8 or not isinstance(data, Mapping):
        return None
    template, fields = data.get("template"), data.get("fields", {})
    if not isinstance(template, str) or not isinstance(fields, Mapping):
        return None
    values: list[tuple[str, object]] = []
    for key, value in fields.items():
        if not isinstance(key, str):
            return None
        if isinstance(value, Mapping):
            nested = _line_from_json(value, depth + 1)
            if nested is None:
                return None
            values.append((key, nested))
        elif value is None or isinstance(value, _JSON_VALUES):
            values.append((key, value))
        else:
            return None
    return Line(template, tuple(values))
