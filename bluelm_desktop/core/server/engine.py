"""The engine's shape over a llama-server: the same requests, the same events, one thread.

`ServerEngine` has `Engine`'s public API — `load`, `encode_image`, `add_text`, `ask`,
`regenerate`, `edit`, `cancel`, `close` — and reports through the same events (`Loaded`,
`TileEncoded`, `ImageReady`, `Token`, `Done`, `Failed`, `Stopped`), on its own thread,
with the newest request of a kind for a conversation cancelling the older one. So what
drives the in-process engine drives a server unchanged: `PreparedImage.submit_to`, the
batch's model, `assistant.ask`, and (through `ServerClient`, an `EngineClient`) every
wait and stream.

What differs, and why:
- `load` connects instead of loading: `/health` and `/props` (which model, vision or not,
  how many slots of how many positions). The model files, when given, are read here only
  for their metadata: the projector's family decides how pages are sent (`request`).
- `encode_image` encodes each tile as PNG (the server's mtmd encodes it): `ImageReady`
  comes as soon as the page is ready to send; nothing is prefilled before the question
  (`prefilled` 0), since the server keeps no conversation. Each question sends the whole
  conversation again, and llama-server's prompt cache reuses what it already holds
  (`TurnStats.reused_items`).
- `ask` streams the server's answer; `cancel` closes the stream, and llama-server, seeing
  the connection gone, stops generating.
- A request the server could not serve because the server failed (unreachable, gone
  mid-answer, silent past the timeout) ends with `ServerLost`, a `Failed`: a batch moves
  that file to another server.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import (
    Done,
    EngineSettings,
    EventSink,
    Failed,
    ImageReady,
    Loaded,
    TileEncoded,
    Token,
    ending,
)
from bluelm_desktop.core.engine.families import MTMD, vision_family
from bluelm_desktop.core.engine.prompt import MTMD as MTMD_PROFILE
from bluelm_desktop.core.engine.prompt import ImageLayout, LayoutProfile
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.engine.session import TurnStats
from bluelm_desktop.core.errors import (
    Cancelled,
    Line,
    ModelError,
    VisionUnsupported,
    msg,
)
from bluelm_desktop.core.server.connection import (
    AnswerStream,
    ServerConfig,
    ServerConnection,
    ServerInfo,
    ServerUnavailable,
    no_vision,
)
from bluelm_desktop.core.server.request import (
    Part,
    image_part,
    merge_text,
    page_text,
    sampling_fields,
    text_part,
    tile_label,
)


@dataclass(frozen=True)
class ServerLost(Failed):
    """The request failed because the server did (unreachable, gone, silent): the same
    request can go to another server."""


# --- requests ---------------------------------------------------------------------------


@dataclass
class _Request:
    id: int
    kind: str  # "load" | "encode" | "ask": a newer one of a kind cancels the older
    conversation: str
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Load(_Request):
    llm: Path | None = None
    mmproj: Path | None = None
    if_served: bool = False  # use the files only if the server's model is `llm`


@dataclass
class _Page(_Request):
    replace: bool = True
    page_id: str = ""
    tiles: Sequence[np.ndarray] = ()
    layout: ImageLayout | None = None  # None: a text layer
    text: str = ""


@dataclass
class _Ask(_Request):
    text: str = ""
    page_ids: Sequence[str] = ()
    params: SamplingParams = field(default_factory=SamplingParams)
    redo: bool = False  # answer the last question again
    edit_index: int | None = None  # replace that user message first


@dataclass(frozen=True)
class _Sent:
    """A page as it goes to the server: its content parts and its planned image tokens."""

    parts: tuple[Part, ...]
    image_tokens: int = 0


@dataclass
class _Message:
    role: str
    text: str
    pages: tuple[str, ...] = ()
    status: str = "complete"


# --- the engine -------------------------------------------------------------------------


class ServerEngine:
    """`Engine`'s API and events over one llama-server; every public method is safe from
    any thread, events come on this engine's own thread."""

    def __init__(self, server: ServerConfig, on_event: EventSink | None = None,
                 settings: EngineSettings | None = None) -> None:
        self.server = server
        self.settings = settings or EngineSettings()  # (the server has its own)
        self.info: ServerInfo | None = None  # set by each load
        self.mmproj: Path | None = None  # the projector file the last load lays pages by
        self._sink = on_event or (lambda e: None)
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._active: dict[int, _Request] = {}
        self._streams: dict[int, AnswerStream] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="server-engine", daemon=True)
        self._started = False
        # engine-thread state
        self._connection: ServerConnection | None = None
        self._profile: LayoutProfile = MTMD_PROFILE
        self._pages: dict[str, _Sent] = {}
        self._pending: dict[str, list[str]] = {}
        self._conversations: dict[str, list[_Message]] = {}

    # --- public API (as Engine's) ---------------------------------------------------

    def load(self, llm: Path | None = None, mmproj: Path | None = None,
             settings: EngineSettings | None = None, if_served: bool = False) -> int:
        """Connect and check the server (`Loaded`). `llm`/`mmproj`, when given, are the
        server's model files as they are here: read for their metadata only (the
        projector's family lays pages out as tiles of ours). With `if_served` they are
        the pair chosen here, which the server may or may not serve: used only if the
        server's model file has `llm`'s name (`mmproj` says which afterwards).
        `settings` are kept for callers that read them; the server has its own."""
        if settings is not None:
            self.settings = settings
        return self._submit(_Load(next(self._ids), "load", "",
                                  llm=Path(llm) if llm else None,
                                  mmproj=Path(mmproj) if mmproj else None,
                                  if_served=if_served))

    def encode_image(self, conversation: str, image_id: str, tiles: Sequence[np.ndarray],
                     layout: ImageLayout, replace: bool = True) -> int:
        return self._submit(_Page(next(self._ids), "encode", conversation, replace=replace,
                                  page_id=image_id, tiles=list(tiles), layout=layout))

    def add_text(self, conversation: str, page_id: str, text: str,
                 replace: bool = True) -> int:
        return self._submit(_Page(next(self._ids), "encode", conversation, replace=replace,
                                  page_id=page_id, text=text))

    def ask(self, conversation: str, text: str, image_ids: Sequence[str] = (),
            params: SamplingParams | None = None) -> int:
        return self._submit(_Ask(next(self._ids), "ask", conversation, text=text,
                                 page_ids=list(image_ids), params=params or SamplingParams()))

    def regenerate(self, conversation: str, params: SamplingParams | None = None) -> int:
        return self._submit(_Ask(next(self._ids), "ask", conversation, redo=True,
                                 params=params or SamplingParams()))

    def edit(self, conversation: str, index: int, text: str,
             params: SamplingParams | None = None) -> int:
        return self._submit(_Ask(next(self._ids), "ask", conversation, redo=True,
                                 edit_index=index, text=text,
                                 params=params or SamplingParams()))

    def cancel(self, request_id: int) -> None:
        with self._lock:
            req = self._active.get(request_id)
            stream = self._streams.get(request_id)
        if req is not None:
            req.cancelled.set()
        if stream is not None:
            stream.close()  # wakes the engine thread out of its read

    def close(self, timeout: float = 30.0) -> None:
        with self._lock:
            for req in self._active.values():
                req.cancelled.set()
            streams = list(self._streams.values())
        for stream in streams:
            stream.close()
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout)

    def __enter__(self) -> ServerEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _submit(self, req: _Request) -> int:
        with self._lock:
            if req.kind == "ask" or (isinstance(req, _Page) and req.replace):
                for other in self._active.values():  # latest request wins
                    if other.kind == req.kind and other.conversation == req.conversation:
                        other.cancelled.set()
                        stream = self._streams.get(other.id)
                        if stream is not None:
                            stream.close()
            self._active[req.id] = req
            if not self._started:
                self._started = True
                self._thread.start()
        self._queue.put(req)
        return req.id

    # --- engine thread ------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                req = self._queue.get()
                if req is None:
                    return
                try:
                    if req.cancelled.is_set():
                        raise Cancelled("cancelled before it started")
                    if isinstance(req, _Load):
                        self._do_load(req)
                    elif isinstance(req, _Page):
                        self._do_page(req)
                    elif isinstance(req, _Ask):
                        self._do_ask(req)
                except ServerUnavailable as e:  # another server can take it (batch)
                    self._sink(ServerLost(req.id, str(e), e.line))
                except Exception as e:  # as the in-process engine ends a request
                    self._sink(ending(req.id, e))
                finally:
                    with self._lock:
                        self._active.pop(req.id, None)
                        self._streams.pop(req.id, None)
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _do_load(self, req: _Load) -> None:
        from bluelm_desktop.core.gguf.pairs import read_metadata

        t0 = time.perf_counter()
        self._pages.clear()
        self._pending.clear()
        self._conversations.clear()
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.info = None
        self.mmproj = None
        connection = ServerConnection(self.server)
        try:
            info = connection.check()
        except BaseException:
            connection.close()
            raise
        self._connection, self.info = connection, info
        notes = [Line.of(msg("answers come from llama-server at {server}"),
                         server=info.describe_line())]
        self._profile = MTMD_PROFILE
        if req.if_served and req.llm is not None and not info.serves(req.llm):
            req.mmproj = None  # another model there: pages go whole, as its mtmd lays them
        if req.mmproj is not None:
            try:
                family = vision_family(read_metadata(req.mmproj), req.mmproj.name)
            except VisionUnsupported as e:
                notes.append(Line.of(msg("pages go whole: {reason}"), reason=e.line))
            else:
                self.mmproj = req.mmproj
                if family.name != MTMD:
                    self._profile = family.profile
        if not info.vision:
            notes.append(Line.of(msg("text only: {reason}"), reason=no_vision(info).line))
        self._sink(Loaded(req.id, info.model, f"{info.label} (vision)" if info.vision
                          else None, time.perf_counter() - t0,
                          tuple(str(n) for n in notes), tuple(notes)))

    def _pend(self, req: _Page) -> list[str]:
        if req.replace:
            self._pending[req.conversation] = []
        pending = self._pending.setdefault(req.conversation, [])
        if req.page_id not in pending:
            pending.append(req.page_id)
        return pending

    def _do_page(self, req: _Page) -> None:
        info = self._checked()
        t0 = time.perf_counter()
        if req.layout is None:  # a text layer
            self._pages[req.page_id] = _Sent((text_part(page_text(req.text)),))
            self._pend(req)
            self._sink(ImageReady(req.id, req.page_id, 0, time.perf_counter() - t0, 0, 0))
            return
        if not info.vision:
            raise no_vision(info)
        layout = req.layout
        if len(req.tiles) != layout.n_tiles:
            raise ModelError(msg("page {page}: {tiles} tiles for a layout of {expected}"),
                             page=req.page_id[:12], tiles=len(req.tiles),
                             expected=layout.n_tiles)
        parts: list[Part] = []
        for index, tile in enumerate(req.tiles):
            if req.cancelled.is_set():
                raise Cancelled("cancelled while encoding")
            before, after = tile_label(self._profile, layout, index)
            parts += [text_part(before), image_part(tile), text_part(after)]
            self._sink(TileEncoded(req.id, req.page_id, index + 1, layout.n_tiles))
        parts.append(text_part(self._profile.after_image))
        self._pages[req.page_id] = _Sent(tuple(merge_text(parts)), layout.image_tokens)
        self._pend(req)
        self._sink(ImageReady(req.id, req.page_id, layout.n_tiles, time.perf_counter() - t0,
                              0, layout.image_tokens))

    def _do_ask(self, req: _Ask) -> None:
        self._checked()
        messages = self._conversations.setdefault(req.conversation, [])
        if req.edit_index is not None:
            index = req.edit_index
            if not 0 <= index < len(messages) or messages[index].role != "user":
                raise ModelError(msg("message {index} is not a question that can be edited"),
                                 index=index)
            old = messages[index]
            del messages[index:]
            messages.append(_Message("user", req.text, old.pages))
        elif req.redo:
            if messages and messages[-1].role == "assistant":
                messages.pop()
            if not messages or messages[-1].role != "user":
                raise ModelError(Line.of(msg("there is no question to answer again")))
        else:
            pages = list(req.page_ids) or self._pending.pop(req.conversation, [])
            messages.append(_Message("user", req.text, tuple(pages)))
        try:
            self._answer(req, messages)
        except BaseException:
            if not req.redo and messages and messages[-1].role == "user":
                messages.pop()  # as the session does: a failed question is not kept
            raise

    def _answer(self, req: _Ask, messages: list[_Message]) -> None:
        assert self._connection is not None
        body = {"messages": [self._openai(m) for m in messages],
                **sampling_fields(req.params)}
        stats = TurnStats(image_tokens=sum(self._pages[p].image_tokens for m in messages
                                           for p in m.pages if p in self._pages))
        stream = self._connection.answer(body)
        with self._lock:
            self._streams[req.id] = stream
        if req.cancelled.is_set():
            stream.close()
        text: list[str] = []
        try:
            for piece in stream:
                text.append(piece)
                self._sink(Token(req.id, piece))
        finally:
            end = stream.end
            stats.prompt_items = end.prompt_tokens
            stats.reused_items = end.cached_tokens
            stats.prefilled_positions = max(0, end.prompt_tokens - end.cached_tokens)
            stats.prefill_s = end.prompt_ms / 1000
            stats.ttft_s = end.ttft_s
            stats.decode_tokens = end.predicted_tokens or len(text)
            stats.decode_s = end.predicted_ms / 1000
            stats.stopped = {"stop": "eog", "length": "max_tokens"}.get(
                end.finish_reason, "cancelled" if stream.closed else "")
            if text:  # kept as the session keeps it: cut short is "interrupted"
                messages.append(_Message("assistant", "".join(text), status=(
                    "complete" if stats.stopped in ("eog", "max_tokens") else "interrupted")))
        if stream.closed:
            raise Cancelled("answer stopped")
        self._sink(Done(req.id, stats))

    def _openai(self, message: _Message) -> dict[str, object]:
        """A message as OpenAI chat JSON: the user's pages, in order, before their text."""
        if message.role != "user" or not message.pages:
            return {"role": message.role, "content": message.text}
        parts: list[Part] = []
        for page in message.pages:
            sent = self._pages.get(page)
            if sent is None:
                raise ModelError(msg("page {page} is not ready; attach the document again"),
                                 page=page[:12])
            parts += sent.parts
        parts.append(text_part(message.text))
        merged = merge_text(parts)
        if all(p["type"] == "text" for p in merged):  # text layers only: one string
            return {"role": "user", "content": "".join(p["text"] for p in merged)}
        return {"role": "user", "content": merged}

    def _checked(self) -> ServerInfo:
        if self._connection is None or self.info is None:
            raise ModelError(Line.of(msg("no server is connected")))
        return self.info


class ServerClient(EngineClient[ServerEngine]):
    """`EngineClient` over a `ServerEngine`: the same `start`, `run`, `cancel`, `close` and
    `Turn`s for a server as for the in-process engine (`ask`, batch, benchmarks)."""

    def __init__(self, server: ServerConfig, settings: EngineSettings | None = None) -> None:
        super().__init__(settings, engine=lambda sink: ServerEngine(server, sink, settings))

    @property
    def info(self) -> ServerInfo | None:
        """What the server said at the last load."""
        return self.engine.info
