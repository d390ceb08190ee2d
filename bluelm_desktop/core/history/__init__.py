"""The conversation history: conversations, messages, attachments and app state.

One SQLite file in WAL mode under the data directory (`history.db`) plus
content-addressed attachment copies beside it (`attachments/<sha[:2]>/<sha>`). Built to
survive the app being killed at any moment: an answer cut short is kept as
`interrupted`, a damaged file is set aside (never deleted) and a new one started. See
`store.py` for the reasons behind each setting. Qt-free; safe to call from several
threads.
"""

from bluelm_desktop.core.errors import HistoryError
from bluelm_desktop.core.history.model import (
    ROLES,
    STATUSES,
    Attachment,
    Conversation,
    HistoryRecovery,
    Message,
    Role,
    SearchHit,
    Status,
    line_from_json,
    line_to_json,
)
from bluelm_desktop.core.history.schema import MIGRATIONS, SCHEMA_VERSION
from bluelm_desktop.core.history.store import (
    HISTORY_FILE,
    HistoryStore,
    default_history_path,
    open_history,
)

__all__ = [
    "HISTORY_FILE",
    "MIGRATIONS",
    "ROLES",
    "SCHEMA_VERSION",
    "STATUSES",
    "Attachment",
    "Conversation",
    "HistoryError",
    "HistoryRecovery",
    "HistoryStore",
    "Message",
    "Role",
    "SearchHit",
    "Status",
    "default_history_path",
    "line_from_json",
    "line_to_json",
    "open_history",
]
