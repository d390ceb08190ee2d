"""The engine bridge keeps each page's signals in order: the page first, then its end."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.planning import TEXT, PreparedImage
from bluelm_desktop.ui.engine_bridge import EngineBridge

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]


def test_a_pages_end_never_overtakes_the_page(qtbot: QtBot) -> None:
    """A text page is "encoded" at once: the engine thread's end of it can reach the GUI
    before the documents thread's page. The bridge holds the end back until the page is
    announced, so the controller never drops the end of a page it has not met (it waited
    for that page for ever: a question that was never sent)."""
    bridge = EngineBridge()
    seen: list[str] = []
    bridge.page_prepared.connect(lambda page: seen.append(f"page {page.ready_id}"))
    for name in ("image_ready", "image_failed", "image_stopped"):
        getattr(bridge, name).connect(lambda image_id, *_, n=name: seen.append(f"{n} {image_id}"))
    try:
        page = PreparedImage("p1", "doc p. 1", [], ImageLayout(1, 1, False, 1), "doc",
                             text="Total 99.00 EUR", text_tokens=6, mode=TEXT)
        with bridge._lock:  # the batch the sink belongs to (as `add_documents` opens it)
            bridge._ticket = 7
        bridge._encode_sink("c")(7, page)  # no model loaded: the engine fails it at once
        qtbot.waitUntil(lambda: bool(bridge._held), timeout=10_000)
        assert seen == []  # its end came first, and waits
        bridge._on_page_ready(7, page.without_tiles())
        assert seen == [f"page {page.ready_id}", f"image_failed {page.ready_id}"]
    finally:
        bridge.shutdown()
