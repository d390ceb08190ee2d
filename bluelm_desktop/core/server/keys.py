"""Where the window keeps a llama-server's API key: its own file, readable by the user alone.

The key is a password: it is never a setting (settings.toml may be shown or shared), never
in the history, never in a log line or a repr. It is kept in `config_dir()/server.key`,
written atomically with mode 0600 (`durable.write_atomically`): a crash leaves the old key
or the new one, and no other user of the machine can read it. A file that other users can
read is still used (the key is the user's), and rewritten 0600 the next time it is saved.
The command line takes its key from `--api-key-file` or `$BLUELM_SERVER_API_KEY` instead.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Final

from bluelm_desktop.core import paths
from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.errors import BlueLMError, Line, msg

KEY_FILE: Final = "server.key"
KEY_MODE: Final = 0o600
MAX_KEY_BYTES: Final = 4096  # a key, not a file someone put there by mistake

_log = logging.getLogger(__name__)


def api_key_path() -> Path:
    """The key file: beside settings.toml's default place (follows `--data-dir`)."""
    return paths.config_dir() / KEY_FILE


def valid_api_key(key: str) -> bool:
    """One word of printable characters, as `ServerConfig` takes it."""
    key = key.strip()
    return bool(key) and len(key) <= MAX_KEY_BYTES and all(
        ch.isprintable() and not ch.isspace() for ch in key)


def read_api_key(path: Path | None = None) -> str | None:
    """The saved key, or None (no file, an unreadable one, or not a key: logged, without
    its content)."""
    target = path or api_key_path()
    try:
        with target.open("rb") as f:
            data = f.read(MAX_KEY_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        _log.warning("%s: cannot read the server API key (%s)", target, e.strerror or e)
        return None
    try:
        key = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        key = ""
    if not valid_api_key(key) or len(data) > MAX_KEY_BYTES:
        _log.warning("%s: not an API key (one word of printable text); ignored", target)
        return None
    return key


def save_api_key(key: str | None, path: Path | None = None) -> None:
    """Keep `key` (mode 0600, atomically); None or "" deletes the file. `BlueLMError`,
    one line, when it cannot be written or is not a key."""
    target = path or api_key_path()
    key = (key or "").strip()
    try:
        if not key:
            target.unlink(missing_ok=True)
            return
        if not valid_api_key(key):
            raise BlueLMError(Line.of(msg("the server API key must be one word of printable "
                                          "characters")))
        write_atomically(target, key.encode("utf-8") + b"\n", mode=KEY_MODE)
    except OSError as e:
        raise BlueLMError(msg("{path}: cannot save the server API key: {error}"),
                          path=target, error=e.strerror or str(e)) from None
