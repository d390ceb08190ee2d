"""The one way headless code talks to the engine: submit requests, wait for them, stream
what comes back, cancel.

`Engine` runs requests on its own thread and reports through a callback on that thread.
Code that is not a GUI (the `ask` command, a batch run, the benchmarks) wants the
opposite shape: submit a few requests (load, encode the pages, ask), block until the
last one ends, stream the answer's text meanwhile, and stop everything on Ctrl+C. That is
`EngineClient.run`; `start` returns the turn at once instead, for a caller that waits for
something in the middle (`Turn.wait_for`) and stops it (`cancel`), as the stop-latency
benchmark does. Every event is kept with the moment it arrived. The Qt bridge
(`ui/engine_bridge.py`) is the only other consumer of engine events: it turns them into
signals.

The engine is the in-process `Engine` unless the caller gives a factory (`engine=`): a
function of the client's event sink that makes anything with `Engine`'s requests and
events (`EngineLike`), such as `core.server.ServerEngine`. The client takes the engine
it is given; nothing replaces it after construction.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, Self, TypeVar, overload

import numpy as np

from bluelm_desktop.core.engine.engine import (
    Done,
    Engine,
    EngineSettings,
    Event,
    EventSink,
    Failed,
    ImageReady,
    Loaded,
    Stopped,
    Token,
)
from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.engine.sampling import SamplingParams

E = TypeVar("E", bound=Event)
_ENDS = (Done, Failed, Stopped, Loaded, ImageReady)  # the events that end a request


@dataclass
class Turn:
    """The requests of one `run` and everything the engine said about them, in order."""

    ids: set[int] = field(default_factory=set)
    last: int = 0  # the request whose end ends the turn
    events: list[Event] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # perf_counter() as each event came
    text: list[str] = field(default_factory=list)  # Token texts, as streamed
    failure: str | None = None  # the first Failed message ("stopped" if the last stopped)
    finished: threading.Event = field(default_factory=threading.Event)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def answer(self) -> str:
        return "".join(self.text)

    def of(self, kind: type[E]) -> list[E]:
        """The events of one kind, in the order they came."""
        return [e for e in self.events if isinstance(e, kind)]

    def first(self, kind: type[E], request: int | None = None) -> tuple[float, E] | None:
        """The first event of `kind` (of `request`, if given) and when it came."""
        for t, e in zip(self.times, self.events, strict=True):
            if isinstance(e, kind) and (request is None or e.request_id == request):
                return t, e
        return None

    def wait_for(self, kind: type[E], count: int = 1, request: int | None = None,
                 timeout: float | None = None) -> tuple[float, E]:
        """Block until `count` events of `kind` (of `request`) came; the last of them and
        when. TimeoutError after `timeout` s, or if the turn ended without them."""

        def seen() -> list[tuple[float, E]]:
            return [(t, e) for t, e in zip(self.times, self.events, strict=True)
                    if isinstance(e, kind) and (request is None or e.request_id == request)]

        with self._changed:
            self._changed.wait_for(lambda: len(seen()) >= count or self.finished.is_set(),
                                   timeout)
            hits = seen()
        if len(hits) < count:
            raise TimeoutError(f"{count} × {kind.__name__} did not come (got {len(hits)})")
        return hits[count - 1]

    def _add(self, event: Event) -> None:
        with self._changed:
            self.events.append(event)
            self.times.append(time.perf_counter())
            self._changed.notify_all()

    def _end(self) -> None:
        with self._changed:
            self.finished.set()
            self._changed.notify_all()


class EngineLike(Protocol):
    """What drives an engine: `Engine`'s requests (each returns its request id; events
    follow on the engine's own thread), its settings, `cancel` and `close`."""

    settings: EngineSettings

    def load(self, llm: Path, mmproj: Path | None = None,
             settings: EngineSettings | None = None) -> int: ...

    def encode_image(self, conversation: str, image_id: str, tiles: Sequence[np.ndarray],
                     layout: ImageLayout, replace: bool = True) -> int: ...

    def add_text(self, conversation: str, page_id: str, text: str,
                 replace: bool = True) -> int: ...

    def ask(self, conversation: str, text: str, image_ids: Sequence[str] = (),
            params: SamplingParams | None = None) -> int: ...

    def regenerate(self, conversation: str, params: SamplingParams | None = None) -> int: ...

    def edit(self, conversation: str, index: int, text: str,
             params: SamplingParams | None = None) -> int: ...

    def cancel(self, request_id: int) -> None: ...

    def close(self, timeout: float = 30.0) -> None: ...


EngineT = TypeVar("EngineT", bound=EngineLike)


class EngineClient(Generic[EngineT]):
    """An engine and the waiting around it; one turn at a time, from any one thread.

    `engine`: how to make the engine, given the sink its events must go to (default: the
    in-process `Engine` with `settings`)."""

    engine: EngineT

    @overload
    def __init__(self: EngineClient[Engine], settings: EngineSettings | None = None) -> None:
        ...

    @overload
    def __init__(self, settings: EngineSettings | None = None, *,
                 engine: Callable[[EventSink], EngineT]) -> None: ...

    def __init__(self, settings: EngineSettings | None = None, *,
                 engine: Callable[[EventSink], Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._turn: Turn | None = None
        self._listener: EventSink | None = None
        # (the overloads type it: an `Engine`, or what the factory makes)
        make = engine or functools.partial(Engine, settings or EngineSettings())
        self.engine = make(self._on_event)

    def start(self, submit: Callable[[EngineT], Sequence[int]],
              on_event: EventSink | None = None) -> Turn:
        """Submit requests with `submit(engine)` (it returns their ids; the last one's end
        ends the turn) and return the turn at once. `on_event` sees each of the turn's
        events on the engine thread as it comes (stream tokens from it)."""
        turn = Turn()
        with self._lock:
            if self._turn is not None and not self._turn.finished.is_set():
                raise RuntimeError("one turn at a time: the last one has not ended")
            self._turn, self._listener = turn, on_event
            try:
                ids = list(submit(self.engine))
                if not ids:
                    raise ValueError("submit made no request")
            except BaseException:
                self._turn = self._listener = None
                raise
            turn.ids.update(ids)
            turn.last = ids[-1]
        return turn

    def run(self, submit: Callable[[EngineT], Sequence[int]],
            on_event: EventSink | None = None,
            tick: Callable[[], None] | None = None) -> Turn:
        """`start`, then wait for the turn's end; `tick` runs every 0.1 s on the waiting
        thread (a progress bar). An exception while waiting (Ctrl+C) cancels the turn's
        requests before it propagates."""
        turn = self.start(submit, on_event)
        try:
            while not turn.finished.wait(0.1):
                if tick is not None:
                    tick()
        except BaseException:
            self.cancel(turn)
            raise
        return turn

    def cancel(self, turn: Turn) -> None:
        """Stop every request of `turn` (each ends with Stopped, or already ended)."""
        for request in sorted(turn.ids):
            self.engine.cancel(request)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_event(self, event: Event) -> None:
        """Called on the engine thread."""
        with self._lock:
            turn, listener = self._turn, self._listener
        if turn is None or event.request_id not in turn.ids:
            return
        if isinstance(event, Token):
            turn.text.append(event.text)
        elif isinstance(event, Failed) and turn.failure is None:
            turn.failure = event.message
        turn._add(event)
        if listener is not None:
            listener(event)
        if event.request_id == turn.last and isinstance(event, _ENDS):
            if isinstance(event, Stopped) and turn.failure is None:
                turn.failure = "stopped"
            turn._end()
