"""Conversations keep their documents (issue 17, item 2), end to end on the tiny models.

A restart is a second window on the same history file, after the first one closed. A
reopened conversation shows its pages in the document panel, its invoice table and the
notes about documents that could not be read; its next question sees the document again
(read back from the history's copy, so the engine prefills it once more); quick actions
keep working on the conversation's document after the first question.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.history import HistoryStore
from bluelm_desktop.core.tasks import quick_action
from bluelm_desktop.core.tasks.invoice import HEADER_FIELDS
from bluelm_desktop.ui import i18n
from bluelm_desktop.ui.chat_controller import OPEN_KEY
from bluelm_desktop.ui.chat_pane import ROLE_NOTE, ROLE_USER, STATUS_COMPLETE, STATUS_ERROR
from bluelm_desktop.ui.main_window import MainWindow

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

ANSWER_MS = 60_000
READ_MS = 60_000
OpenWindow = Callable[..., MainWindow]  # the `open_window` fixture (tests/gui/conftest.py)


def ask(qtbot: QtBot, window: MainWindow, text: str) -> list[str]:
    """Ask `text` as the composer does; the answer_finished arguments."""
    with qtbot.waitSignal(window.controller.answer_finished, timeout=ANSWER_MS) as finished:
        qtbot.keyClicks(window.composer.edit, text)
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
    return list(finished.args)


def run_action(qtbot: QtBot, window: MainWindow, action_id: str) -> list[str]:
    with qtbot.waitSignal(window.controller.answer_finished, timeout=ANSWER_MS) as finished:
        window.run_quick_action(quick_action(action_id))
    return list(finished.args)


def restart(window: MainWindow, open_window: OpenWindow, tmp_path: Path,
            **kwargs: object) -> MainWindow:
    """Close the window and open another on the same data (the app started again)."""
    window.close()
    return open_window(history=HistoryStore(tmp_path / "history.db"), **kwargs)


def test_a_reopened_conversation_shows_its_pages_and_its_tables(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path, tmp_path: Path) -> None:
    window = open_window(max_tokens=48)
    if window.document_panel is None or window.extraction_panel is None:
        pytest.skip("the document panel or the extraction table is not in this checkout")
    window.attach_files([invoice])
    status, action, answer = run_action(qtbot, window, "extract-invoice")
    assert (status, action) == (STATUS_COMPLETE, "extract-invoice") and answer
    extracted = window.extraction_panel.invoice()
    assert window.extraction_panel.warnings()  # (48 tokens cut the JSON short)
    conversation = window.controller.conversation_id
    # The user corrects a field; the window keeps the edit (`save_table`).
    fields = window.extraction_panel.fields_model
    assert fields.setData(fields.index(HEADER_FIELDS.index("vendor"), 0), "Acme Corp")
    window.controller.save_table("extract-invoice", window.extraction_panel.table_json())
    extracted = window.extraction_panel.invoice()
    assert extracted.vendor == "Acme Corp"
    if window.contract_panel is not None:  # and the contract terms, from the same page
        assert run_action(qtbot, window, "extract-contract")[:2] == [STATUS_COMPLETE,
                                                                    "extract-contract"]
        contract = window.contract_panel.contract()

    again = restart(window, open_window, tmp_path, max_tokens=48)
    assert again.controller.conversation_id == conversation
    panel = again.document_panel
    assert panel is not None and again.extraction_panel is not None
    # The table as it was, and shown: the side panel is open on it.
    assert again.extraction_panel.invoice() == extracted
    assert again.side_tabs.isVisible()
    if again.contract_panel is not None:
        assert again.contract_panel.contract() == contract
        assert again.side_tabs.currentWidget().widget() is again.contract_panel
    # The page is read again from the history's copy, planned as before.
    qtbot.waitUntil(lambda: panel.plan is not None, timeout=READ_MS)
    assert panel.source is not None and panel.source.name == "invoice.png"
    assert panel.plan is not None and len(panel.plan.pages) == 1
    label = again.composer.attachment_label
    qtbot.waitUntil(lambda: label.text() == "Sees: invoice.png (1 page)", timeout=READ_MS)


def test_a_note_about_an_unreadable_document_survives_reopening(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path, tmp_path: Path) -> None:
    window = open_window(max_tokens=4)
    junk = tmp_path / "scan.png"
    junk.write_bytes(b"not a picture at all" * 50)
    window.attach_files([junk, invoice])
    ask(qtbot, window, "What is the total?")
    shown = [(m.role, m.text) for m in window.chat_model]
    notes = [text for role, text in shown if role == ROLE_NOTE]
    assert len(notes) == 1 and notes[0].startswith("Could not read scan.png")

    again = restart(window, open_window, tmp_path, max_tokens=4)
    # The note, where it was: before the question it came with.
    assert [(m.role, m.text) for m in again.chat_model] == shown


def test_summarize_then_extract_on_the_same_document(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path) -> None:
    window = open_window(max_tokens=8)
    controller = window.controller
    window.attach_files([invoice])
    assert run_action(qtbot, window, "summarize")[:2] == [STATUS_COMPLETE, "summarize"]
    # The document stays the conversation's: the next quick action runs on it.
    assert window.composer.attachment_label.text() == "Sees: invoice.png (1 page)"
    assert run_action(qtbot, window, "extract-invoice")[:2] == [STATUS_COMPLETE,
                                                               "extract-invoice"]
    questions = [m for m in window.chat_model if m.role == ROLE_USER]
    assert [q.footer for q in questions] == ["Attached: invoice.png",
                                             "Sees: invoice.png (1 page)"]
    assert window.history is not None and controller.conversation_id is not None
    saved = [m for m in window.history.messages(controller.conversation_id)
             if m.role == ROLE_USER]
    assert [[a.name for a in m.attachments] for m in saved] == [["invoice.png"]] * 2
    assert saved[1].meta is not None and saved[1].meta["sees"] is True


def test_a_follow_up_after_reopening_sees_the_document_again(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path, tmp_path: Path) -> None:
    window = open_window(max_tokens=4)
    window.attach_files([invoice])
    ask(qtbot, window, "What is the total?")
    first = window.controller.last_stats
    assert first is not None and first.prompt_items > 0

    again = restart(window, open_window, tmp_path, max_tokens=4)
    controller = again.controller
    assert controller.pending is not None and controller.pending.follows_up
    ask(qtbot, again, "What is the total?")
    follow_up = controller.last_stats
    # The engine started empty: the same question over the same page is the same prompt,
    # the page's image rows included (without them it would be a few tokens long).
    assert follow_up is not None and follow_up.prompt_items == first.prompt_items
    question = [m for m in again.chat_model if m.role == ROLE_USER][-1]
    assert question.footer == "Sees: invoice.png (1 page)"
    # And the conversation's document stays for the next question.
    assert controller.pending is not None and controller.pending.in_context


def test_a_conversation_opened_again_in_the_same_run_is_not_read_again(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path) -> None:
    window = open_window(max_tokens=4)
    controller = window.controller
    window.attach_files([invoice])
    ask(qtbot, window, "What is the total?")
    first = controller.conversation_id
    assert first is not None
    window.new_conversation()
    assert controller.pending is None
    assert window.composer.attachment_label.text() == ""

    read: list[int] = []
    controller.documents_attached.connect(lambda ticket, *_: read.append(ticket))
    with qtbot.waitSignal(controller.documents_restored) as restored:
        controller.open_conversation(first)
    # The engine holds the page in the conversation's context: nothing is read again.
    assert [s.name for s in restored.args[0]] == ["invoice.png"] and restored.args[1]
    assert read == []
    assert controller.pending is not None and controller.pending.in_context
    assert window.composer.attachment_label.text() == "Sees: invoice.png (1 page)"


def test_a_conversation_saved_before_this_change_gets_its_document_back(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path, tmp_path: Path) -> None:
    # As earlier versions saved it: the attachment linked, no meta on either message.
    store = HistoryStore(tmp_path / "history.db")
    conversation = store.create_conversation("What is the total?")
    attachment = store.add_attachment(invoice)
    store.add_message(conversation.id, "user", "What is the total?", attachments=[attachment])
    store.add_message(conversation.id, "assistant", "42", status=STATUS_COMPLETE)
    store.set_state(OPEN_KEY, conversation.id)

    window = open_window(max_tokens=4, history=store)
    controller = window.controller
    assert controller.conversation_id == conversation.id
    assert next(m.footer for m in window.chat_model) == "Attached: invoice.png"
    label = window.composer.attachment_label
    qtbot.waitUntil(lambda: label.text() == "Sees: invoice.png (1 page)", timeout=READ_MS)
    ask(qtbot, window, "And the date?")  # the follow-up is about the page
    assert controller.last_stats is not None
    assert controller.last_stats.image_tokens + controller.last_stats.reused_items > 0


@pytest.fixture
def chinese_later(qapp: QApplication) -> Iterator[Callable[[], None]]:
    """Call it to switch the interface to Chinese (as a restart with that setting would)."""
    installed: list[object] = []

    def switch() -> None:
        installed.extend(i18n.install_translators(qapp, "zh_CN"))

    yield switch
    i18n.remove_translators(qapp, installed)  # type: ignore[arg-type]


def test_notes_and_errors_are_said_in_the_language_of_the_day(
        qtbot: QtBot, open_window: OpenWindow, invoice: Path, tmp_path: Path,
        chinese_later: Callable[[], None]) -> None:
    """What a conversation said about a file it could not read, and why an answer failed,
    are kept as the core's lines: reopened in Chinese, they are said in Chinese."""
    window = open_window(max_tokens=4, context=1024)
    junk = tmp_path / "scan.png"
    junk.write_bytes(b"not a picture at all" * 50)
    window.attach_files([junk, invoice])
    ask(qtbot, window, "What is the total?")
    # Too long for the context: the answer fails with the core's line.
    assert ask(qtbot, window, "word " * 1200)[0] == STATUS_ERROR
    english = [(m.role, m.text, m.footer) for m in window.chat_model]
    note = next(text for role, text, _ in english if role == ROLE_NOTE)
    error = english[-1][2]
    assert note.startswith("Could not read scan.png") and "context holds" in error

    chinese_later()
    again = restart(window, open_window, tmp_path, max_tokens=4, context=1024)
    chinese = [(m.role, m.text, m.footer) for m in again.chat_model]
    assert [role for role, _, _ in chinese] == [role for role, _, _ in english]
    zh_note = next(text for role, text, _ in chinese if role == ROLE_NOTE)
    assert zh_note.startswith("无法读取 scan.png")
    # The core's own words are translated too, not only the frame around them.
    assert "not an image" not in zh_note and "context holds" not in chinese[-1][2]
    assert "上下文" in chinese[-1][2]
