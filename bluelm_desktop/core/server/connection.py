"""One llama.cpp `llama-server` over HTTP: its address, what it serves, a streamed answer.

The only module of the app besides the model download that opens network connections
(the offline test holds it to that). What it promises:
- **Only that host and port.** The client follows no redirect and reads no proxy, netrc
  or certificate settings from the environment (`trust_env=False`): the address in the
  URL is the one connection made. https is verified against the system's certificates
  (or the `ca_file` given); there is no switch to turn verification off.
- **The API key stays out of sight.** It is sent as `Authorization: Bearer …` and kept
  out of every repr, message and record; the URL may not carry a user or password
  (they would show wherever the URL is printed).
- **One line for each way it fails**: a URL that is not one, a refused connection, a name
  that does not resolve, an untrusted certificate, a refused key, a timeout, something
  that is not a llama.cpp server, a server still loading its model. `ServerUnavailable`
  (the server, not the request, failed: a batch moves the file elsewhere) and
  `ServerError` (the server answered no to this request).

A streamed answer (`AnswerStream`) reads llama-server's OpenAI-compatible server-sent
events (httpx2's own SSE reader) with `return_progress`, so a long prompt still sends an
event per batch and `timeout_s` measures silence, not the whole answer. `close()`, from any
thread, shuts the socket down: the reading thread wakes at once and llama-server, seeing
the connection gone, stops generating for it.

httpx2 and ssl are imported when a connection is made, never when the app starts
(tests/integration/test_offline.py checks what importing the app loads).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from bluelm_desktop.core.errors import ModelError, one_line

if TYPE_CHECKING:
    import httpx2

DEFAULT_TIMEOUT_S: Final = 120.0  # the longest silence while a request runs
CONNECT_TIMEOUT_S: Final = 10.0
_SCHEMES: Final = {"http": 80, "https": 443}


class ServerError(ModelError):
    """A llama.cpp server answered no: a request it refused (400), a model it cannot run
    this on, a key it does not accept. One line naming the server."""


class ServerUnavailable(ServerError):
    """The server itself failed: unreachable, gone mid-answer, silent past the timeout,
    overloaded or still loading. Another server can take the same request."""


# --- where and what ---------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    """A llama-server to talk to: `url` is its base (http://HOST:PORT, https://…, maybe
    with a path prefix behind a reverse proxy). Checked when made: `ValueError`, one line."""

    url: str
    api_key: str | None = field(default=None, repr=False, compare=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    ca_file: Path | None = None  # trust this bundle instead of the system's (https)

    def __post_init__(self) -> None:
        url = self.url.strip()
        if "://" not in url:  # "gpu-box:8080" is what people type
            url = f"http://{url}"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise ValueError(f"not a server URL: {one_line(self.url, 80)!r} ({e})") from None
        if parts.scheme not in _SCHEMES or not parts.hostname:
            raise ValueError(f"not a server URL: {one_line(self.url, 80)!r} (expected "
                             "http://HOST:PORT or https://HOST[:PORT])")
        if parts.username or parts.password:
            raise ValueError(f"{parts.hostname}: put no user or password in the server URL "
                             "(it would show wherever the URL is printed); give an API key")
        if parts.query or parts.fragment:
            raise ValueError(f"not a server URL: {one_line(self.url, 80)!r} (no ?query or "
                             "#fragment)")
        if self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise ValueError("server timeouts must be more than 0 s")
        if self.api_key is not None and (not self.api_key.strip() or any(
                not ch.isprintable() or ch.isspace() for ch in self.api_key.strip())):
            raise ValueError("the server API key must be one word of printable characters")
        host = parts.hostname
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        path = parts.path.rstrip("/")
        path = path.removesuffix("/v1")  # an OpenAI-style base URL: the endpoints add it
        object.__setattr__(self, "url", f"{parts.scheme}://{netloc}{path}")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or _SCHEMES[parts.scheme]

    @property
    def label(self) -> str:
        """How messages name the server: HOST:PORT (never the key)."""
        host = self.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"


@dataclass(frozen=True)
class ServerInfo:
    """What a server said about itself (`/health`, `/props`)."""

    label: str
    model: str  # the model file's name as the server reports it (its alias, or -m's path)
    vision: bool  # it was started with a vision projector (--mmproj)
    slots: int  # requests it answers at once (-np)
    n_ctx: int  # context positions per slot
    build: str = ""

    def describe(self) -> str:
        vision = "with vision" if self.vision else "text only (no --mmproj)"
        return (f"{self.label}: {self.model}, {vision}, {self.slots} slot"
                f"{'s' * (self.slots != 1)} of {self.n_ctx} positions")


def check_server(config: ServerConfig) -> ServerInfo:
    """Connect, ask `/health` and `/props`, hang up: a settings dialog's connection test.
    Blocks for up to the timeouts (run it off the GUI thread); `ServerError`, one line."""
    with ServerConnection(config) as connection:
        return connection.check()


def no_vision(info: ServerInfo, what: str) -> ServerError:
    """The one line for a page that needs a projector the server does not have."""
    return ServerError(f"{info.label}: the server has no vision projector (llama-server was "
                       f"started without --mmproj); {what} needs one")


# --- a streamed answer ------------------------------------------------------------------


@dataclass
class AnswerEnd:
    """How an answer ended, from the stream's last events."""

    finish_reason: str = ""  # "stop" | "length" | "" (stopped by us, or cut off)
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt positions the server's KV cache already held
    prompt_ms: float = 0.0
    predicted_tokens: int = 0
    predicted_ms: float = 0.0
    ttft_s: float = 0.0  # request sent → first text, as this side saw it


class AnswerStream:
    """One streamed chat answer: iterate for its text pieces; `end` after the last.
    `close()` from any thread stops it (iteration then ends without an error)."""

    def __init__(self, connection: ServerConnection, body: Mapping[str, Any]) -> None:
        self._connection = connection
        self._body = dict(body, stream=True, return_progress=True,
                          stream_options={"include_usage": True})
        self._response: httpx2.Response | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.end = AnswerEnd()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            response = self._response
        if response is not None:
            _shut_down(response)

    def __iter__(self) -> Iterator[str]:
        conn = self._connection
        label = conn.config.label
        started = time.perf_counter()
        try:
            with conn.client.stream("POST", conn.endpoint("/v1/chat/completions"),
                                    json=self._body, headers=conn.headers(
                                        {"Accept": "text/event-stream"})) as response:
                with self._lock:
                    self._response = response
                    closed = self._closed
                if closed:
                    _shut_down(response)
                    return
                if response.status_code != 200:
                    response.read()
                    raise conn.refusal(response, "/v1/chat/completions")
                yield from self._events(response, started)
        except Exception as e:
            if self._closed:  # our own close() cut it: a stop, not a failure
                return
            if isinstance(e, ServerError):
                raise
            raise conn.transport_failure(e) from None
        if not self._closed and not self.end.finish_reason:
            raise ServerUnavailable(f"{label}: the answer was cut off (the server closed the "
                                    "stream before its end)")

    def _events(self, response: httpx2.Response, started: float) -> Iterator[str]:
        import httpx2

        label = self._connection.config.label
        for event in httpx2.EventSource(response):
            if self._closed:
                return
            if event.data == "[DONE]":
                return
            try:
                chunk = json.loads(event.data)
            except json.JSONDecodeError:
                raise ServerError(f"{label}: not an answer stream (an event is not JSON: "
                                  f"{one_line(event.data, 60)!r})") from None
            if not isinstance(chunk, dict):
                continue
            if "error" in chunk:
                raise ServerError(f"{label}: {_error_text(chunk['error'])}")
            self._note_end(chunk)
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta") if isinstance(choice, dict) else None
                piece = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(piece, str) and piece:
                    if not self.end.ttft_s:
                        self.end.ttft_s = time.perf_counter() - started
                    yield piece
                reason = choice.get("finish_reason") if isinstance(choice, dict) else None
                if isinstance(reason, str):
                    self.end.finish_reason = reason

    def _note_end(self, chunk: Mapping[str, Any]) -> None:
        end = self.end
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            end.prompt_tokens = _int(usage.get("prompt_tokens"))
            end.predicted_tokens = _int(usage.get("completion_tokens"))
        timings = chunk.get("timings")
        if isinstance(timings, dict) and "prompt_progress" not in chunk:
            end.cached_tokens = _int(timings.get("cache_n"))
            end.prompt_ms = _float(timings.get("prompt_ms"))
            end.predicted_ms = _float(timings.get("predicted_ms"))
            end.predicted_tokens = _int(timings.get("predicted_n")) or end.predicted_tokens


# --- the connection ---------------------------------------------------------------------


class ServerConnection:
    """An HTTP client for one llama-server (keep-alive, thread-safe); `close()` it."""

    def __init__(self, config: ServerConfig) -> None:
        import httpx2

        self.config = config
        verify: Any = True
        if config.ca_file is not None:
            import ssl

            try:
                verify = ssl.create_default_context(cafile=str(config.ca_file))
            except (OSError, ssl.SSLError) as e:
                raise ServerError(f"{config.ca_file}: cannot read the certificates "
                                  f"({one_line(str(e), 80)})") from None
        self.client = httpx2.Client(
            timeout=httpx2.Timeout(config.timeout_s, connect=config.connect_timeout_s),
            follow_redirects=False, trust_env=False, verify=verify,
            limits=httpx2.Limits(max_keepalive_connections=64, max_connections=None))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ServerConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def endpoint(self, path: str) -> str:
        return self.config.url + path

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        out = dict(extra or {})
        if self.config.api_key:
            out["Authorization"] = f"Bearer {self.config.api_key.strip()}"
        return out

    def get_json(self, path: str) -> Any:
        try:
            response = self.client.get(self.endpoint(path), headers=self.headers())
        except Exception as e:
            raise self.transport_failure(e) from None
        if response.status_code != 200:
            raise self.refusal(response, path)
        return self._json(response, path)

    def post_json(self, path: str, body: Mapping[str, Any]) -> Any:
        try:
            response = self.client.post(self.endpoint(path), json=dict(body),
                                        headers=self.headers())
        except Exception as e:
            raise self.transport_failure(e) from None
        if response.status_code != 200:
            raise self.refusal(response, path)
        return self._json(response, path)

    def check(self) -> ServerInfo:
        """`/health` then `/props`: is it up, is it llama-server, what does it serve."""
        label = self.config.label
        self.get_json("/health")
        props = self.get_json("/props")
        if not isinstance(props, dict) or "total_slots" not in props:
            raise ServerError(f"{label}: not a llama.cpp server (its /props has no "
                              "total_slots)")
        settings = props.get("default_generation_settings")
        n_ctx = _int(settings.get("n_ctx")) if isinstance(settings, dict) else 0
        modalities = props.get("modalities")
        model = Path(str(props.get("model_alias") or props.get("model_path") or "?")).name
        return ServerInfo(label=label, model=model,
                          vision=bool(isinstance(modalities, dict) and modalities.get("vision")),
                          slots=max(1, _int(props.get("total_slots"))), n_ctx=max(1, n_ctx),
                          build=str(props.get("build_info") or ""))

    def count_tokens(self, text: str) -> int:
        """`text`'s tokens as the server's model counts them (special tokens parsed, no
        BOS): the planner's `Counter` when the model file is not here."""
        if not text:
            return 0
        answer = self.post_json("/tokenize", {"content": text, "add_special": False,
                                              "parse_special": True})
        tokens = answer.get("tokens") if isinstance(answer, dict) else None
        if not isinstance(tokens, list):
            raise ServerError(f"{self.config.label}: /tokenize gave no tokens")
        return len(tokens)

    def answer(self, body: Mapping[str, Any]) -> AnswerStream:
        return AnswerStream(self, body)

    # --- errors -------------------------------------------------------------------

    def refusal(self, response: httpx2.Response, path: str) -> ServerError:
        """The error for a response that is not 200."""
        label, status = self.config.label, response.status_code
        try:
            body = response.json()
        except Exception:
            body = None
        detail = _error_text(body.get("error")) if isinstance(body, dict) and \
            "error" in body else ""
        if status == 401:
            what = "no API key was given" if not self.config.api_key else \
                "the API key was refused"
            return ServerError(f"{label}: {what} (401)")
        if status == 403:
            return ServerError(f"{label}: forbidden (403){': ' + detail if detail else ''}")
        if status == 404:
            return ServerError(f"{label}: not a llama.cpp server ({path}: 404)")
        if status == 503 and "loading" in detail.lower():
            return ServerUnavailable(f"{label}: the server is still loading its model (503); "
                                     "try again when it is up")
        if status in (502, 503, 504):
            return ServerUnavailable(f"{label}: unavailable ({status}"
                                     f"{': ' + detail if detail else ''})")
        if 300 <= status < 400:
            return ServerError(f"{label}: redirected elsewhere ({status}); give the address "
                               "the server itself has")
        return ServerError(f"{label}: {detail or 'the request was refused'} ({status})")

    def transport_failure(self, error: BaseException) -> ServerError:
        """The one line for an exception raised while talking to the server."""
        import httpx2

        label = self.config.label
        if isinstance(error, ServerError):
            return error
        chain = _causes(error)
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or \
                "connection refused" in str(error).lower():
            return ServerUnavailable(f"{label}: connection refused (is llama-server running "
                                     "there?)")
        if any(isinstance(e, socket.gaierror) for e in chain):
            return ServerUnavailable(f"{label}: no such host (name lookup failed)")
        for e in chain:
            if type(e).__name__ == "SSLCertVerificationError":
                reason = getattr(e, "verify_message", "") or one_line(str(e), 80)
                return ServerError(f"{label}: the TLS certificate is not trusted ({reason})")
            if type(e).__name__ in ("SSLError", "SSLZeroReturnError"):
                return ServerError(f"{label}: TLS failed ({one_line(str(e), 80)}); is it "
                                   "https?")
        if isinstance(error, httpx2.ConnectTimeout):
            return ServerUnavailable(f"{label}: no connection within "
                                     f"{self.config.connect_timeout_s:g} s (timeout)")
        if isinstance(error, httpx2.TimeoutException):
            return ServerUnavailable(f"{label}: no answer within {self.config.timeout_s:g} s "
                                     "(timeout)")
        if isinstance(error, httpx2.RemoteProtocolError):
            return ServerUnavailable(f"{label}: the connection closed mid-answer "
                                     f"({one_line(str(error), 80)})")
        if isinstance(error, httpx2.TransportError | OSError):
            return ServerUnavailable(f"{label}: {one_line(str(error), 120) or 'lost'}")
        if isinstance(error, httpx2.HTTPError):
            return ServerError(f"{label}: {one_line(str(error), 120)}")
        raise error

    def _json(self, response: httpx2.Response, path: str) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            raise ServerError(f"{self.config.label}: not a llama.cpp server ({path} is not "
                              "JSON)") from None


def _shut_down(response: httpx2.Response) -> None:
    """Wake a thread blocked reading `response` and end the connection: shutdown() on the
    socket (close() alone does not interrupt a blocked recv on Linux)."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _causes(error: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and len(out) < 10:
        out.append(seen)
        seen = seen.__cause__ or seen.__context__
    return out


def _error_text(error: object) -> str:
    if isinstance(error, dict):
        return one_line(str(error.get("message") or error.get("type") or error), 200)
    return one_line(str(error), 200)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else 0.0
