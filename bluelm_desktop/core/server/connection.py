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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from bluelm_desktop.core.documents.text_layer import estimate_tokens
from bluelm_desktop.core.errors import (
    InvalidValue,
    Line,
    ServerError,
    ServerUnavailable,
    msg,
    one_line,
)

if TYPE_CHECKING:
    import httpx2

DEFAULT_TIMEOUT_S: Final = 120.0  # the longest silence while a request runs
CONNECT_TIMEOUT_S: Final = 10.0
_SCHEMES: Final = {"http": 80, "https": 443}


# --- where and what ---------------------------------------------------------------------


class BadServerConfig(InvalidValue):
    """A server address, timeout or key that cannot be used: a `ValueError` (what callers
    catch) that also carries a translatable line (`line`; `errors.value_line`)."""


@dataclass(frozen=True)
class ServerConfig:
    """A llama-server to talk to: `url` is its base (http://HOST:PORT, https://…, maybe
    with a path prefix behind a reverse proxy). Checked when made: `BadServerConfig` (a
    `ValueError`), one line."""

    url: str
    api_key: str | None = field(default=None, repr=False, compare=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    ca_file: Path | None = None  # trust this bundle instead of the system's (https)

    def __post_init__(self) -> None:
        url = self.url.strip()
        if "://" not in url:  # "gpu-box:8080" is what people type
            url = f"http://{url}"
        shown = one_line(self.url, 80)
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise BadServerConfig(msg("not a server URL: {url!r} ({error})"), url=shown,
                                  error=str(e)) from None
        if parts.scheme not in _SCHEMES or not parts.hostname:
            raise BadServerConfig(msg("not a server URL: {url!r} (expected http://HOST:PORT "
                                      "or https://HOST[:PORT])"), url=shown)
        if any(ch.isspace() or not ch.isprintable() or ch in "<>\"{}|\\^`"
               for ch in parts.hostname):
            raise BadServerConfig(msg("not a server URL: {url!r} (the host name has a space "
                                      "or a character no host name has)"), url=shown)
        if parts.username or parts.password:
            raise BadServerConfig(msg("{host}: put no user or password in the server URL (it "
                                      "would show wherever the URL is printed); give an API "
                                      "key"), host=parts.hostname)
        if parts.query or parts.fragment:
            raise BadServerConfig(msg("not a server URL: {url!r} (no ?query or #fragment)"),
                                  url=shown)
        if self.timeout_s <= 0 or self.connect_timeout_s <= 0:
            raise BadServerConfig(msg("server timeouts must be more than 0 s"))
        if self.api_key is not None and (not self.api_key.strip() or any(
                not ch.isprintable() or ch.isspace() for ch in self.api_key.strip())):
            raise BadServerConfig(msg("the server API key must be one word of printable "
                                      "characters"))
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
    model_file: str = ""  # the name of the model file it was started with (-m), if said

    def serves(self, llm: Path) -> bool:
        """Whether the server's model is the file `llm` (by its name: the server says no
        more), so that the pair here describes it."""
        return llm.name in (self.model_file, self.model)

    def describe(self) -> str:
        """One English line: where, which model, vision or not, slots of how many positions."""
        return str(self.describe_line())

    def describe_line(self) -> Line:
        """`describe`, translatable."""
        fields = {"server": self.label, "model": self.model, "slots": self.slots,
                  "positions": self.n_ctx}
        if self.vision:
            if self.slots == 1:
                return Line.of(msg("{server}: {model}, with vision, {slots} slot of "
                                   "{positions} positions"), **fields)
            return Line.of(msg("{server}: {model}, with vision, {slots} slots of "
                               "{positions} positions"), **fields)
        if self.slots == 1:
            return Line.of(msg("{server}: {model}, text only (no --mmproj), {slots} slot of "
                               "{positions} positions"), **fields)
        return Line.of(msg("{server}: {model}, text only (no --mmproj), {slots} slots of "
                           "{positions} positions"), **fields)


class ServerTokenCounter:
    """Text tokens as the servers' model counts them (`/tokenize`), for planning text pages
    when the model file is not here: the first server that answers; when none does, the
    planner's estimate (high on purpose), since nothing is answered then anyway. A
    planner's `Counter`; `close()` it."""

    def __init__(self, servers: Sequence[ServerConfig]) -> None:
        self._connections = [ServerConnection(s) for s in servers]

    def __call__(self, text: str) -> int:
        for connection in self._connections:
            try:
                return connection.count_tokens(text)
            except ServerUnavailable:
                continue
        return estimate_tokens(text)

    def close(self) -> None:
        for connection in self._connections:
            connection.close()


def check_server(config: ServerConfig) -> ServerInfo:
    """Connect, ask `/health` and `/props`, hang up: a settings dialog's connection test.
    Blocks for up to the timeouts (run it off the GUI thread); `ServerError`, one line."""
    with ServerConnection(config) as connection:
        return connection.check()


def no_vision(info: ServerInfo, what: Line | str | None = None) -> ServerError:
    """The one line for a page that needs a projector the server does not have. `what`
    needs one: a `Line` (translated), plain text (data: shown as it is), or None for
    "a page as an image"."""
    if what is None:
        what = Line.of(msg("a page as an image"))
    return ServerError(msg("{server}: the server has no vision projector (llama-server was "
                           "started without --mmproj); {what} needs one"),
                       server=info.label, what=what)


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
            raise ServerUnavailable(msg("{server}: the answer was cut off (the server closed "
                                        "the stream before its end)"), server=label)

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
                raise ServerError(msg("{server}: not an answer stream (an event is not JSON: "
                                      "{event!r})"), server=label,
                                  event=one_line(event.data, 60)) from None
            if not isinstance(chunk, dict):
                continue
            if "error" in chunk:
                raise ServerError(msg("{server}: {error}"), server=label,
                                  error=_error_text(chunk["error"]))
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
                raise ServerError(msg("{path}: cannot read the certificates ({error})"),
                                  path=config.ca_file, error=one_line(str(e), 80)) from None
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
            raise ServerError(msg("{server}: not a llama.cpp server (its /props has no "
                                  "total_slots)"), server=label)
        settings = props.get("default_generation_settings")
        n_ctx = _int(settings.get("n_ctx")) if isinstance(settings, dict) else 0
        modalities = props.get("modalities")
        model = Path(str(props.get("model_alias") or props.get("model_path") or "?")).name
        model_file = Path(str(props.get("model_path") or "")).name
        return ServerInfo(label=label, model=model,
                          vision=bool(isinstance(modalities, dict) and modalities.get("vision")),
                          slots=max(1, _int(props.get("total_slots"))), n_ctx=max(1, n_ctx),
                          build=str(props.get("build_info") or ""), model_file=model_file)

    def count_tokens(self, text: str) -> int:
        """`text`'s tokens as the server's model counts them (special tokens parsed, no
        BOS): the planner's `Counter` when the model file is not here."""
        if not text:
            return 0
        answer = self.post_json("/tokenize", {"content": text, "add_special": False,
                                              "parse_special": True})
        tokens = answer.get("tokens") if isinstance(answer, dict) else None
        if not isinstance(tokens, list):
            raise ServerError(msg("{server}: /tokenize gave no tokens"),
                              server=self.config.label)
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
            if not self.config.api_key:
                return ServerError(msg("{server}: no API key was given (401)"), server=label)
            return ServerError(msg("{server}: the API key was refused (401)"), server=label)
        if status == 403:
            if detail:
                return ServerError(msg("{server}: forbidden (403): {detail}"), server=label,
                                   detail=detail)
            return ServerError(msg("{server}: forbidden (403)"), server=label)
        if status == 404:
            return ServerError(msg("{server}: not a llama.cpp server ({path}: 404)"),
                               server=label, path=path)
        if status == 503 and "loading" in detail.lower():
            return ServerUnavailable(msg("{server}: the server is still loading its model "
                                         "(503); try again when it is up"), server=label)
        if status in (502, 503, 504):
            if detail:
                return ServerUnavailable(msg("{server}: unavailable ({status}: {detail})"),
                                         server=label, status=status, detail=detail)
            return ServerUnavailable(msg("{server}: unavailable ({status})"), server=label,
                                     status=status)
        if 300 <= status < 400:
            return ServerError(msg("{server}: redirected elsewhere ({status}); give the "
                                   "address the server itself has"), server=label,
                               status=status)
        if detail:
            return ServerError(msg("{server}: {detail} ({status})"), server=label,
                               detail=detail, status=status)
        return ServerError(msg("{server}: the request was refused ({status})"), server=label,
                           status=status)

    def transport_failure(self, error: BaseException) -> ServerError:
        """The one line for an exception raised while talking to the server."""
        import httpx2

        label = self.config.label
        if isinstance(error, ServerError):
            return error
        chain = _causes(error)
        if any(isinstance(e, ConnectionRefusedError) for e in chain) or \
                "connection refused" in str(error).lower():
            return ServerUnavailable(msg("{server}: connection refused (is llama-server "
                                         "running there?)"), server=label)
        if any(isinstance(e, socket.gaierror) for e in chain):
            return ServerUnavailable(msg("{server}: no such host (name lookup failed)"),
                                     server=label)
        for e in chain:
            if type(e).__name__ == "SSLCertVerificationError":
                reason = getattr(e, "verify_message", "") or one_line(str(e), 80)
                return ServerError(msg("{server}: the TLS certificate is not trusted "
                                       "({reason})"), server=label, reason=reason)
            if type(e).__name__ in ("SSLError", "SSLZeroReturnError"):
                return ServerError(msg("{server}: TLS failed ({error}); is it https?"),
                                   server=label, error=one_line(str(e), 80))
        if isinstance(error, httpx2.ConnectTimeout):
            return ServerUnavailable(msg("{server}: no connection within {seconds} s "
                                         "(timeout)"), server=label,
                                     seconds=f"{self.config.connect_timeout_s:g}")
        if isinstance(error, httpx2.TimeoutException):
            return ServerUnavailable(msg("{server}: no answer within {seconds} s (timeout)"),
                                     server=label, seconds=f"{self.config.timeout_s:g}")
        if isinstance(error, httpx2.RemoteProtocolError):
            return ServerUnavailable(msg("{server}: the connection closed mid-answer "
                                         "({error})"), server=label,
                                     error=one_line(str(error), 80))
        if isinstance(error, httpx2.TransportError | OSError):
            text = one_line(str(error), 120)
            if not text:
                return ServerUnavailable(msg("{server}: lost"), server=label)
            return ServerUnavailable(msg("{server}: {error}"), server=label, error=text)
        if isinstance(error, httpx2.HTTPError):
            return ServerError(msg("{server}: {error}"), server=label,
                               error=one_line(str(error), 120))
        raise error

    def _json(self, response: httpx2.Response, path: str) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            raise ServerError(msg("{server}: not a llama.cpp server ({path} is not JSON)"),
                              server=self.config.label, path=path) from None


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
