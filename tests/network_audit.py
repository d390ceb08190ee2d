"""An in-process network audit for tests that run the window against a real llama-server.

The hook is tests/integration/test_offline.py's rule, in this process: while `audited`
is active, socket creation other than AF_UNIX, connect, name lookups, sendto/sendmsg and
`urllib.Request` are blocked (an `OfflineViolation`) and recorded, except the lookup of
the one allowed HOST:PORT and connections to it (recorded as "server"). An audit hook
cannot be removed, so it is installed once and does nothing while no audit is active.
What runs in other processes (the document worker) is test_offline.py's business; here
the window's own process is watched, which is where the server connection is made.
"""

from __future__ import annotations

import socket
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

_BLOCKED: Final = frozenset({
    "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
    "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.getnameinfo",
    "socket.sendto", "socket.sendmsg", "urllib.Request", "http.client.connect",
})
_UNLESS_UNIX: Final = frozenset({"socket.__new__", "socket.bind"})
_INET: Final = {socket.AF_INET, socket.AF_INET6}


class OfflineViolation(RuntimeError):
    """A network attempt other than to the allowed server."""


@dataclass
class Audit:
    """What the hook saw while active: (kind, event, args) with kind "server" (allowed)
    or "blocked"."""

    host: str
    port: int
    records: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def blocked(self) -> list[tuple[str, str, str]]:
        return [r for r in self.records if r[0] == "blocked"]

    @property
    def server_connects(self) -> list[tuple[str, str, str]]:
        return [r for r in self.records if r[0] == "server" and r[1] == "socket.connect"]


_active: list[Audit] = []
_lock = threading.Lock()
_installed: list[bool] = []


def _family(event: str, args: tuple[Any, ...]) -> object:
    if event == "socket.__new__":  # (self, family, type, protocol)
        return args[1]
    try:
        return args[0].family  # socket.bind: (self, address)
    except Exception:
        return None


def _is_server(audit: Audit, event: str, args: tuple[Any, ...]) -> bool:
    try:
        if event == "socket.getaddrinfo":  # (host, port, family, type, proto, flags)
            return args[0] == audit.host and str(args[1]) == str(audit.port)
        if event == "socket.connect":  # (self, address)
            return tuple(args[1][:2]) == (audit.host, audit.port)
        if event == "socket.__new__":  # its address is checked at connect
            return _family(event, args) in _INET
    except Exception:
        return False
    return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active or (event not in _BLOCKED and event not in _UNLESS_UNIX):
        return
    with _lock:
        audit = _active[-1] if _active else None
    if audit is None:
        return
    if event in _UNLESS_UNIX and _family(event, args) == getattr(socket, "AF_UNIX", None):
        return
    shown = repr(args[1:] if event.startswith("socket.") and args and
                 isinstance(args[0], socket.socket) else args)[:300]
    if _is_server(audit, event, args):
        audit.records.append(("server", event, shown))
        return
    where = "".join(traceback.format_stack(limit=8)[:-1])
    audit.records.append(("blocked", event, f"{shown}\n{where}"))
    raise OfflineViolation(f"network audit: {event} blocked")


@contextmanager
def audited(host: str, port: int) -> Iterator[Audit]:
    """Allow only `host`:`port` in this process while the block runs."""
    if not _installed:
        sys.addaudithook(_hook)
        _installed.append(True)
    audit = Audit(host, port)
    with _lock:
        _active.append(audit)
    try:
        yield audit
    finally:
        with _lock:
            _active.remove(audit)
