"""A conversation's earlier turns stay in the model's context, pages and all: a document
dropped later is planned within what they leave (`ChatController._read`), on the tiny
BlueLM-layout model in the real window.

Before, each drop was planned as if the context were empty: in a 1,536-position context
the second page's encoding failed with "the conversation needs 1,610 positions, the
context holds 1,536", and the question went back to the composer unanswered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from bluelm_desktop.ui.chat_pane import ROLE_NOTE, STATUS_COMPLETE
from tests.gui.conftest import OpenWindow
from tests.gui.test_reopen_documents import ask

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

CONTEXT = 1536


def test_a_later_document_gets_what_the_conversation_leaves(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path) -> None:
    window = open_window(max_tokens=4, context=CONTEXT)
    controller = window.controller
    contract = invoice.parent / "contract.png"
    totals: list[int] = []
    controller.tile_progress.connect(lambda _image, _done, total: totals.append(total))

    def tiles_of_contract(question: str) -> int:
        totals.clear()
        window.attach_files([contract])
        assert ask(qtbot, window, question)[0] == STATUS_COMPLETE
        stats = controller.last_stats
        assert stats is not None and stats.prompt_items <= CONTEXT
        assert totals
        return max(totals)

    window.attach_files([invoice])
    assert ask(qtbot, window, "What is the total?")[0] == STATUS_COMPLETE
    first = controller.last_stats
    assert first is not None and first.prompt_items > CONTEXT // 2  # the page holds most
    beside = tiles_of_contract("Who signed it?")  # beside the invoice's page
    assert not [m.text for m in window.chat_model if m.role == ROLE_NOTE]

    window.new_conversation()  # a new conversation has the whole context again
    alone = tiles_of_contract("Who signed it?")
    assert beside < alone, (beside, alone)


def test_no_room_left_says_so_and_keeps_the_question(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path) -> None:
    """When the earlier turns leave no room for even one tile, the drop is not read: the
    chat says why and what to do, and the question goes back to the composer."""
    window = open_window(max_tokens=4, context=1280)
    controller = window.controller
    window.attach_files([invoice])
    assert ask(qtbot, window, "What is the total?")[0] == STATUS_COMPLETE
    held = controller.last_stats
    assert held is not None
    window.attach_files([invoice.parent / "contract.png"])
    with qtbot.waitSignal(controller.restore_question, timeout=60_000) as restored:
        assert controller.submit("Who signed it?")
    assert restored.args == ["Who signed it?"]
    notes = [m.text for m in window.chat_model if m.role == ROLE_NOTE]
    assert notes == [f"No room for contract.png in this conversation: its earlier turns "
                     f"hold {held.prompt_items + held.decode_tokens:,} of the context's "
                     f"1,280 positions. Start a new conversation to ask about it."]
