"""The one way headless code talks to the engine: submit requests, wait for them, read what
came back.

`Engine` runs requests on its own thread and reports through a callback on that thread.
Code that is not a GUI (the `ask` command, a batch run, the benchmarks) wants the
opposite shape: submit a few requests (load, encode the pages, ask), block until the
last one ends, stream the answer's text meanwhile, and stop everything on Ctrl+C. That is
`EngineClient.run`. The Qt bridge (`ui/engine_bridge.py`) is the only other consumer of
engine events: it turns them into signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bluelm_desktop.core.engine.engine import (
    Done,
    Engine,
    EngineSettings,
    Event,
    EventSink,
    Failed,
    Loaded,
    Stopped,
    Token,
)

E = TypeVar("E", bound=Event)
_ENDS = (Done, Failed, Stopped, Loaded)  # the events that end a request


@dataclass
class Turn:
    """The requests of one `run` and everything the engine said about them, in order."""

    ids: set[int] = field(default_factory=set)
    last: int = 0  # the request whose end ends the turn
    events: list[Event] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # Token texts, as streamed
    failure: str | None = None  # the first Failed message ("stopped" if the last stopped)
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def answer(self) -> str:
        return "".join(self.text)

    def of(self, kind: type[E]) -> list[E]:
        """The events of one kind, in the order they came."""
        return [e for e in self.events if isinstance(e, kind)]


class EngineClient:
    """An `Engine` and the waiting around it; one turn at a time, from any one thread."""

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._turn: Turn | None = None
        self._listener: EventSink | None = None
        self.engine = Engine(settings or EngineSettings(), self._on_event)

    def run(self, submit: Callable[[Engine], Sequence[int]],
            on_event: EventSink | None = None,
            tick: Callable[[], None] | None = None) -> Turn:
        """Submit requests with `submit(engine)` (it returns their ids; the last one's end
        ends the turn) and wait for it. `on_event` sees each of the turn's events on the
        engine thread as it comes (stream tokens from it); `tick` runs every 0.1 s on the
        waiting thread (a progress bar). An exception while waiting (Ctrl+C) cancels the
        turn's requests before it propagates."""
        turn = Turn()
        with self._lock:
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
        try:
            while not turn.finished.wait(0.1):
                if tick is not None:
                    tick()
        except BaseException:
            for request in ids:
                self.engine.cancel(request)
            raise
        finally:
            with self._lock:
                self._turn = self._listener = None
        return turn

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> EngineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _on_event(self, event: Event) -> None:
        """Called on the engine thread."""
        with self._lock:
            turn, listener = self._turn, self._listener
        if turn is None or event.request_id not in turn.ids:
            return
        turn.events.append(event)
        if isinstance(event, Token):
            turn.text.append(event.text)
        elif isinstance(event, Failed) and turn.failure is None:
            turn.failure = event.message
        if listener is not None:
            listener(event)
        if event.request_id == turn.last and isinstance(event, _ENDS):
            if isinstance(event, Stopped) and turn.failure is None:
                turn.failure = "stopped"
            turn.finished.set()
