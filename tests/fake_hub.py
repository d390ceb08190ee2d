"""A local stand-in for the Hugging Face hub's file endpoints, for download tests.

It serves `HEAD` and `GET /{repo_id}/resolve/{revision}/{filename}` from a dict of bytes
with the headers huggingface_hub 2.x reads (`X-Repo-Commit`, `ETag`, `X-Linked-Etag`,
`X-Linked-Size`, `Content-Length`, `X-Error-Code` on errors) and answers `Range: bytes=N-`
with 206. With `cdn=True` it behaves like the real hub for LFS files: `/resolve` answers
302 to a second server on another port (another origin, like the CDN), whose response
must not carry the user's token.

Knobs, all plain attributes so a test reads like a scenario:
- `missing`: file names answered 404 (EntryNotFound), HEAD and GET;
- `corrupt`: file names whose body has one byte flipped (the headers keep the true hash);
- `faults[name]`: a queue of `Drop(after)` / `Status(code)` consumed one per GET of the
  file: a `Drop` sends `after` body bytes and closes the connection, a `Status` answers
  with that code instead of the file;
- `requests`: every request seen, with its Range header and the body bytes sent.

Only 127.0.0.1, ephemeral ports, daemon threads; `close()` (or leaving the `with` block)
shuts both servers down.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Final
from urllib.parse import quote, unquote, urlsplit

HOST: Final = "127.0.0.1"
COMMIT: Final = "0123456789abcdef0123456789abcdef01234567"
ROLE_HUB: Final = "hub"
ROLE_CDN: Final = "cdn"
HANDLER_TIMEOUT_S: Final = 10.0  # a handler waiting on a silent client gives up after this
POLL_S: Final = 0.02  # how soon shutdown() is noticed (the default 0.5 s adds up over tests)


@dataclass(frozen=True)
class Drop:
    """Send `after` bytes of the body, then close the connection."""

    after: int


@dataclass(frozen=True)
class Status:
    """Answer this HTTP status instead of the file."""

    code: int


Fault = Drop | Status


@dataclass
class SeenRequest:
    """One request as the server saw it."""

    role: str  # ROLE_HUB or ROLE_CDN
    method: str
    path: str
    filename: str | None
    range: str | None
    authorization: str | None
    status: int = 0
    body_bytes: int = 0


@dataclass
class FakeHub:
    """The fake hub for one repository; use as a context manager."""

    repo_id: str
    files: Mapping[str, bytes]
    revision: str = "main"
    commit: str = COMMIT
    lfs: bool = True  # False: etag is the git blob sha1, no X-Linked-* headers
    cdn: bool = False
    tls: tuple[Path, Path] | None = None  # (certificate, key) of the hub server
    missing: set[str] = field(default_factory=set)
    corrupt: set[str] = field(default_factory=set)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []
        self._hub = self._serve(ROLE_HUB, self.tls)
        self._cdn = self._serve(ROLE_CDN, None) if self.cdn else None

    # --- lifecycle ---

    def __enter__(self) -> FakeHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()

    @property
    def endpoint(self) -> str:
        """What to pass as `endpoint=`."""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{HOST}:{self._hub.server_address[1]}"

    # --- what tests look at ---

    def sha256(self, name: str) -> str:
        return hashlib.sha256(self.files[name]).hexdigest()

    def gets(self, name: str) -> list[SeenRequest]:
        """The GETs that asked for `name`'s bytes (on whichever server sends them)."""
        with self._lock:
            return [r for r in self.requests if r.method == "GET" and r.filename == name
                    and (r.role == ROLE_CDN or not self.cdn)]

    def bytes_served(self, name: str) -> int:
        return sum(r.body_bytes for r in self.gets(name))

    # --- the servers ---

    def _serve(self, role: str, tls: tuple[Path, Path] | None) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer((HOST, 0), _Handler)
        server.daemon_threads = True
        server.hub = self  # type: ignore[attr-defined]
        server.role = role  # type: ignore[attr-defined]
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), name=f"fake-{role}",
                                  daemon=True)
        thread.start()
        self._servers.append((server, thread))
        return server

    def _record(self, request: SeenRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_fault(self, name: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(name)
            return queue.pop(0) if queue else None

    def _body(self, name: str) -> bytes:
        data = self.files[name]
        if name in self.corrupt and data:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        return data

    def _etag_headers(self, name: str) -> dict[str, str]:
        data = self.files[name]
        if not self.lfs:
            git_sha1 = hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()
            return {"ETag": f'"{git_sha1}"'}
        sha = hashlib.sha256(data).hexdigest()
        return {"ETag": f'"{sha}"', "X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(len(data))}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real hub
    timeout = HANDLER_TIMEOUT_S

    def log_message(self, fmt: str, *args: object) -> None:
        pass  # quiet: the tests assert on `requests` instead

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_GET(self) -> None:
        self._handle(head=False)

    def _handle(self, head: bool) -> None:
        hub: FakeHub = self.server.hub  # type: ignore[attr-defined]
        role: str = self.server.role  # type: ignore[attr-defined]
        seen = SeenRequest(role, self.command, self.path, None, self.headers.get("Range"),
                           self.headers.get("Authorization"))
        # Recorded before it is answered, and its status and body size filled in before
        # they are sent: a client that has its answer finds the request in `requests`
        # (recording it afterwards raced a test reading them right after a call).
        hub._record(seen)
        try:
            self._answer(hub, role, seen, head)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            self.close_connection = True  # the client went away (a cancel, a test's drop)

    def _answer(self, hub: FakeHub, role: str, seen: SeenRequest, head: bool) -> None:
        path = urlsplit(self.path).path
        if role == ROLE_CDN:
            seen.filename = unquote(path.removeprefix("/cdn/"))
            if seen.filename not in hub.files:
                self._status(seen, 404)
                return
            self._send_file(hub, seen, head, {})
            return

        prefix = f"/{hub.repo_id}/resolve/"
        revision, _, name = unquote(path.removeprefix(prefix)).partition("/")
        seen.filename = name
        if not path.startswith(prefix):
            self._status(seen, 401, {"X-Error-Code": "RepoNotFound"})
            return
        if revision not in (hub.revision, hub.commit):
            self._status(seen, 404, {"X-Error-Code": "RevisionNotFound"})
            return
        if name in hub.missing or name not in hub.files:
            self._status(seen, 404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": hub.commit})
            return
        headers = {"X-Repo-Commit": hub.commit, **hub._etag_headers(name)}
        if hub._cdn is not None:
            location = f"http://{HOST}:{hub._cdn.server_address[1]}/cdn/{quote(name)}?sig=fake"
            self._status(seen, 302, {**headers, "Location": location})
            return
        self._send_file(hub, seen, head, headers)

    def _send_file(self, hub: FakeHub, seen: SeenRequest, head: bool,
                   headers: dict[str, str]) -> None:
        name = seen.filename
        assert name is not None
        fault = None if head else hub._next_fault(name)
        if isinstance(fault, Status):
            self._status(seen, fault.code)
            return
        data = hub._body(name)
        start = _range_start(seen.range)
        if start is not None and start >= len(data):
            self._status(seen, 416, {"Content-Range": f"bytes */{len(data)}"})
            return
        status = 200 if start is None else 206
        body = data if start is None else data[start:]
        seen.status = status
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        if start is not None:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if head:
            return
        if isinstance(fault, Drop):
            body = body[:fault.after]
        seen.body_bytes = len(body)
        self.wfile.write(body)
        self.wfile.flush()
        if isinstance(fault, Drop):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def _status(self, seen: SeenRequest, code: int, headers: dict[str, str] | None = None) -> None:
        body = f"fake hub: {code}".encode()
        seen.status = code
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _range_start(header: str | None) -> int | None:
    """N of `bytes=N-` (the only form huggingface_hub and our client send)."""
    if header is None or not header.startswith("bytes="):
        return None
    first, _, _ = header.removeprefix("bytes=").partition("-")
    return int(first) if first.isdigit() else None
