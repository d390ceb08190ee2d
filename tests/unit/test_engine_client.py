"""EngineClient: a turn ends with its last request, keeps the first failure, streams its own
events only, and leaves the client usable after a submit that raised."""

from __future__ import annotations

from pathlib import Path

import pytest

from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import Event, Failed


def test_a_turn_ends_with_its_last_request_and_keeps_the_first_failure(tmp_path: Path) -> None:
    missing = tmp_path / "none-llm.gguf"
    seen: list[Event] = []
    with EngineClient() as client:
        turn = client.run(lambda engine: [engine.load(missing), engine.ask("c", "Hello?")],
                          on_event=seen.append)
    assert [type(e) for e in turn.events] == [Failed, Failed] and seen == turn.events
    assert turn.failure is not None and "none-llm.gguf" in turn.failure  # the load's, first
    assert turn.of(Failed)[1].message == "no model is loaded"
    assert turn.answer == "" and turn.finished.is_set()


def test_a_submit_that_raises_leaves_the_client_usable(tmp_path: Path) -> None:
    def broken(_engine: object) -> list[int]:
        raise RuntimeError("no")

    with EngineClient() as client:
        with pytest.raises(RuntimeError):
            client.run(broken)
        with pytest.raises(ValueError, match="no request"):
            client.run(lambda _engine: [])
        turn = client.run(lambda engine: [engine.load(tmp_path / "none-llm.gguf")])
    assert turn.failure is not None and len(turn.events) == 1
