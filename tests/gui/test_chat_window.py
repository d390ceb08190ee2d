"""The chat window end to end on the tiny synthetic models, offscreen.

Real engine, real document worker, real history: drop → grid → ask → streamed answer →
stop; paste; text-only chat with regenerate and copy; the responsiveness probe; and
`--self-test` as a subprocess. Every wait is on a signal or a condition, never a sleep.
Qt warnings fail the tests, and no QThread (nor the engine's thread) may outlive a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.documents import DocumentSource
from bluelm_desktop.core.engine.engine import Token
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.history import HistoryStore
from bluelm_desktop.core.planning import SKIPPED, TEXT, TILES, DocumentPlan, PreparedImage
from bluelm_desktop.core.tune import tuned
from bluelm_desktop.ui import chat_controller
from bluelm_desktop.ui.chat_pane import (
    ROLE_ASSISTANT,
    STATUS_COMPLETE,
    STATUS_INTERRUPTED,
    ChatMessage,
    ChatModel,
    ChatPane,
    markdown_blocks,
)
from bluelm_desktop.ui.composer import screen_capture_available
from bluelm_desktop.ui.engine_bridge import EngineBridge
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.sidebar import Sidebar
from bluelm_desktop.ui.stall_probe import StallProbe

# The offscreen platform says "This plugin does not support propagateSizeHints()" for
# every top-level window shown with a layout: it has no window manager to pass them to.
# Windows are shown here so that painting counts in the stall measurement; that one
# platform note is the only message let through.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              # tests/gui/conftest.py: GC on the GUI thread; no thread outlives a test
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

LOAD_MS = 60_000
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
ANSWER_MS = 60_000
# The probe's bound: CI runners are 2-core VMs shared with the engine's own threads (and
# sometimes with other jobs); a stall a user would call a freeze is ~1 s. The value seen
# is printed, and the target (50 ms) is checked by measurement, not by CI.
STALL_BOUND_MS = 1000

OpenWindow = Callable[..., MainWindow]  # the `open_window` fixture (tests/gui/conftest.py)


def drop_files(window: MainWindow, files: list[Path]) -> None:
    """A real drag-and-drop as Qt delivers it: drag enter, then drop, on the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(QPointF(200, 200), action, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted(), "the window refused the drag"
    drop = QDropEvent(QPointF(200, 200), action, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)


def press_enter(qtbot: QtBot, window: MainWindow, text: str) -> None:
    edit = window.composer.edit
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def last_answer(window: MainWindow) -> ChatMessage:
    row = window.chat_model.last_row(ROLE_ASSISTANT)
    assert row is not None, "no answer in the pane"
    return window.chat_model.message(row)


def test_drop_grid_ask_stream_and_stop(qtbot: QtBot, open_window: OpenWindow,
                                       invoice: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat_controller, "SAVE_INTERVAL_S", 0.0)  # save on every update
    window = open_window(max_tokens=4000)
    controller, panel = window.controller, window.document_panel
    if panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    probe = StallProbe(parent=window)
    probe.start()

    with qtbot.waitSignal(panel.documentReady, timeout=LOAD_MS) as ready:
        drop_files(window, [invoice])
        # Enter at once: the question waits for the encoding and the window says so.
        press_enter(qtbot, window, "What is the total?")
        assert controller.waiting
        assert "your question will be answered when it is done" in \
            window.composer.notice_label.text()
        assert window.composer.notice_label.text().startswith("Reading page 1 of 1")
        assert window.chat_pane.stop_button.isEnabled()
    plan = ready.args[0]
    assert window.side_tabs.isVisible() and window.side_tabs.currentWidget().widget() is panel
    assert panel.source.name == "invoice.png"
    assert plan.pages[0].plan.tiles > 1  # the grid (and thumbnail) drawn over the page

    # Per-tile progress reaches the panel; the answer starts once the page is encoded.
    first_text = qtbot.waitSignal(window.bridge.answer_text, timeout=ANSWER_MS)
    first_text.wait()
    tiles = plan.pages[0].plan.tiles
    assert panel.overlay.done == tiles
    assert not controller.waiting and window.composer.notice_label.isHidden()
    answer = last_answer(window)
    assert answer.text and answer.status == "streaming"
    # Saved while it streams: a crash now would keep the answer so far.
    with qtbot.waitSignal(window.bridge.answer_text, timeout=ANSWER_MS):
        pass
    partial = window.history.message(answer.history_id)
    assert partial.status == "streaming" and partial.text.startswith(answer.text)

    # Stop: a silent outcome; what was written stays, saved as interrupted.
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as finished:
        qtbot.mouseClick(window.chat_pane.stop_button, Qt.MouseButton.LeftButton)
    stall = probe.stop()
    assert finished.args[0] == STATUS_INTERRUPTED
    answer = last_answer(window)
    assert answer.status == STATUS_INTERRUPTED and answer.text
    assert "Stopped" in answer.footer
    assert not window.chat_pane.stop_button.isEnabled()
    assert window.chat_pane.regenerate_button.isEnabled()
    saved = window.history.messages(controller.conversation_id)
    assert [(m.role, m.status) for m in saved] == [("user", "complete"),
                                                   ("assistant", "interrupted")]
    assert saved[0].attachments and saved[0].attachments[0].name == "invoice.png"
    assert saved[1].text == answer.text
    print(f"\nlargest event-loop stall, drop → encode → stream → stop: "
          f"{stall.largest_ms:.1f} ms over {stall.ticks} ticks ({stall.seconds:.1f} s)")
    assert stall.ticks > 0 and stall.largest_ms < STALL_BOUND_MS


def test_a_dropped_file_is_read_by_one_worker_process(qtbot: QtBot, open_window: OpenWindow,
                                                      invoice: Path) -> None:
    """The document panel (preview, plan) and the engine bridge (tiles) share the app's
    one documents thread and service: one worker process reads the file, not one each."""
    psutil = pytest.importorskip("psutil")
    window = open_window()
    panel = window.document_panel
    if panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    with (qtbot.waitSignal(panel.documentReady, timeout=LOAD_MS),
          qtbot.waitSignal(window.bridge.page_prepared, timeout=LOAD_MS)):
        drop_files(window, [invoice])
    workers = [c for c in psutil.Process().children(recursive=True)
               if "spawn_main" in " ".join(c.cmdline())]
    assert len(workers) == 1, [c.cmdline() for c in workers]
    assert window.bridge.documents_thread is window.documents.thread


def test_a_dropped_page_is_planned_and_rendered_once(qtbot: QtBot,
                                                     open_window: OpenWindow) -> None:
    """One pipeline: the panel shows (and thumbnails) the very pixels the engine's tiles
    were cut from. A two-page PDF is probed once and each page rendered once."""
    pdf = SAMPLES / "invoice.pdf"
    if not pdf.is_file():
        pytest.skip("resources/samples/invoice.pdf is missing (run make_samples.py)")
    window = open_window()
    panel = window.document_panel
    if panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    service = window.documents.service
    probes: list[str] = []
    renders: list[int] = []
    probe, render = service.probe, service.render

    def counted_probe(source: DocumentSource, *args: object, **kwargs: object) -> object:
        probes.append(source.name)
        return probe(source, *args, **kwargs)  # type: ignore[arg-type]

    def counted_render(source: DocumentSource, page: int, *args: object,
                       **kwargs: object) -> object:
        renders.append(page)
        return render(source, page, *args, **kwargs)  # type: ignore[arg-type]

    service.probe, service.render = counted_probe, counted_render  # type: ignore[method-assign]
    prepared: list[PreparedImage] = []
    window.bridge.page_prepared.connect(prepared.append)
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=LOAD_MS):
        drop_files(window, [pdf])
    qtbot.waitUntil(lambda: panel.overlay._pixmap is not None, timeout=LOAD_MS)
    assert probes == ["invoice.pdf"]
    assert sorted(renders) == [0, 1]
    assert [p.page for p in prepared] == [0, 1] and all(not p.tiles for p in prepared)
    assert panel.plan is not None and len(panel.plan.pages) == 2
    assert all(panel.pages.has_thumbnail(r) for r in range(2)), "thumbnails from the batch"
    page = prepared[0].pixels
    assert page is not None and (page.shape[1], page.shape[0]) == \
        panel.plan.pages[0].plan.scaled_size, "the panel shows what the tiles were cut from"
    panel.strip.setCurrentIndex(panel.pages.index(1))
    assert panel.overlay._pixmap is not None, "page 2 came with the batch: no new render"
    assert sorted(renders) == [0, 1]


def test_the_switch_re_encodes_and_the_panel_follows(qtbot: QtBot, open_window: OpenWindow,
                                                     invoice: Path) -> None:
    """Fast / fine print on a document not yet asked about: the window re-tiles it, the
    engine gets the new tiles, and the panel keeps the page, re-planned, and follows the
    new batch."""
    window = open_window()
    panel = window.document_panel
    if panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=LOAD_MS):
        drop_files(window, [invoice])
    pending = window.controller.pending
    assert pending is not None
    first_ticket, shown = pending.ticket, panel.source
    fast = next(b for b in panel.budget_buttons.buttons() if b.property("preset") == "fast")
    if fast.isChecked():
        fast = next(b for b in panel.budget_buttons.buttons() if not b.isChecked())
    prepared: list[PreparedImage] = []
    window.bridge.page_prepared.connect(prepared.append)
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=LOAD_MS):
        fast.click()
    pending = window.controller.pending
    assert pending is not None and pending.ticket != first_ticket
    assert panel.source is shown, "the same document, followed, not reopened"
    assert panel.plan is not None and len(prepared) == 1
    assert prepared[0].layout.n_tiles == panel.plan.pages[0].plan.tiles
    assert panel.overlay.plan == panel.plan.pages[0].plan
    assert panel.overlay._pixmap is not None


def test_a_question_picks_the_pages_of_a_document_too_long_for_the_context(
        qtbot: QtBot, open_window: OpenWindow, tmp_path: Path) -> None:
    """A 10-page born-digital contract in a 1,024-position context: the drop reads the
    first pages that fit (the others left out, said in the panel); Enter reads it again
    for the question, keeping the page it is about; then the answer comes."""
    from tests.contract_docs import contract_pdf

    contract = contract_pdf(tmp_path / "contract.pdf")
    window = open_window(context=1024)
    controller = window.controller
    planned: list[DocumentPlan] = []
    window.bridge.document_planned.connect(planned.append)
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=LOAD_MS):
        drop_files(window, [contract])
    assert controller.pending is not None and controller.pending.left_out
    first = [p.page for p in planned[-1].pages if p.mode != SKIPPED]
    assert 9 not in first and first[0] == 1
    prepared: list[PreparedImage] = []
    window.bridge.page_prepared.connect(prepared.append)
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as finished:
        press_enter(qtbot, window, "Which law governs this agreement?")
    assert finished.args[0] == STATUS_COMPLETE
    kept = [p.page for p in planned[-1].pages if p.mode != SKIPPED]
    assert 9 in kept, kept  # the governing-law clause is on page 9
    assert 8 in [p.page for p in prepared]  # (0-based) and it went to the engine as text
    assert "match the question" in " ".join(map(str, planned[-1].fit_notes))


def test_an_answer_s_values_are_marked_where_they_are_printed(
        qtbot: QtBot, open_window: OpenWindow) -> None:
    """The answer is made exact with a grammar (the tiny model's own words are noise):
    its amount and invoice number are found on page 1's text layer, the answer's footer
    says so and the document panel marks them on the page."""
    pdf = SAMPLES / "invoice.pdf"
    if not pdf.is_file():
        pytest.skip("resources/samples/invoice.pdf is missing (run make_samples.py)")
    window = open_window(max_tokens=96)
    panel, controller = window.document_panel, window.controller
    if panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=LOAD_MS):
        drop_files(window, [pdf])
    said = "Total due: $5,438.16 (INV-2024-0417)"
    exact = SamplingParams(temperature=0.0, max_tokens=96, json_schema={"enum": [said]})
    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as finished:
        assert controller.submit("What is the total?", params=exact)
    assert finished.args[0] == STATUS_COMPLETE and said in finished.args[2]
    assert "Found on invoice.pdf p. 1" in last_answer(window).footer
    assert panel.current_page == 1
    boxes = panel.overlay.highlights
    assert len(boxes) >= 2 and all(0 <= b[0] < b[2] <= 1 and 0 <= b[1] < b[3] <= 1
                                   for b in boxes)
    saved = window.history.messages(controller.conversation_id)
    assert ["invoice.pdf", 1] in saved[-1].meta["cited_pages"]


def test_measure_speed_from_the_status_bar(qtbot: QtBot, open_window: OpenWindow) -> None:
    """A model not measured here is offered "Measure speed…"; the measurement runs in a
    child process, can be stopped, and once done the estimates come from it."""
    window = open_window()
    offer = window.tune_offer
    assert offer.button.isVisible() and offer.button.text() == "Measure speed…"
    with qtbot.waitSignal(offer.runner.stopped, timeout=LOAD_MS):
        offer.button.click()
        assert offer.runner.running and offer.button.text() == "Stop measuring"
        offer.button.click()  # stop at once
    assert not offer.runner.running and offer.button.isVisible()
    with qtbot.waitSignal(offer.measured, timeout=ANSWER_MS) as measured:
        offer.button.click()
    result = measured.args[0]
    assert result.per_tile_s > 0 and not offer.button.isVisible()
    panel = window.document_panel
    if panel is not None:
        assert "tune" in panel.speed.source
    assert tuned(Path(result.llm), Path(result.mmproj)) == result  # remembered


def test_the_user_chooses_how_a_page_is_sent(qtbot: QtBot, open_window: OpenWindow) -> None:
    """A text page can be sent as tiles instead (or as both): the panel re-plans at once
    and the documents are read again, that page now encoded as tiles."""
    pdf = SAMPLES / "invoice.pdf"
    if not pdf.is_file():
        pytest.skip("resources/samples/invoice.pdf is missing (run make_samples.py)")
    window = open_window()
    panel, controller = window.document_panel, window.controller
    if panel is None:
        pytest.skip("ui/document_panel.py is not in this checkout")
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=LOAD_MS):
        drop_files(window, [pdf])
    assert panel.mode_box.isVisibleTo(panel)
    assert panel.mode_box.currentData() == TEXT and panel.mode_box.accessibleName()
    first = controller.pending.ticket if controller.pending else 0
    prepared: list[PreparedImage] = []
    window.bridge.page_prepared.connect(prepared.append)
    with qtbot.waitSignal(window.bridge.documents_finished, timeout=LOAD_MS):
        panel.mode_box.activated.emit(panel.mode_box.findData(TILES))
    assert panel.plan is not None and panel.plan.pages[0].mode == TILES
    assert panel.overlay.plan == panel.plan.pages[0].plan and "tiles" in \
        panel.cost_label.text()
    assert controller.pending is not None and controller.pending.ticket != first
    page1 = next(p for p in prepared if p.page == 0)
    assert page1.sends_tiles and not page1.text
    assert next(p for p in prepared if p.page == 1).mode == TEXT  # the other page as before


def test_paste_an_image_then_ask(qtbot: QtBot, open_window: OpenWindow) -> None:
    if not screen_capture_available():
        pytest.skip("image paste converts with ui/screen_capture.py, not in this checkout")
    window = open_window(max_tokens=16)
    image = QImage(640, 300, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    QGuiApplication.clipboard().setImage(image)
    controller = window.controller

    with qtbot.waitSignal(window.bridge.image_ready, timeout=ANSWER_MS):
        window.composer.edit.setFocus()
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert controller.pending is not None
        assert controller.pending.names == ["Pasted image"]
    qtbot.waitUntil(lambda: controller.pending is not None and controller.pending.ready,
                    timeout=ANSWER_MS)
    assert window.composer.edit.toPlainText() == "", "an image paste inserts no text"
    assert "ready" in window.composer.attachment_label.text()

    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as finished:
        press_enter(qtbot, window, "What does it say?")
    assert finished.args[0] == STATUS_COMPLETE
    assert controller.last_stats is not None and controller.last_stats.decode_tokens > 0
    user = window.chat_model.message(0)
    assert user.footer == "Attached: Pasted image"
    saved = window.history.messages(controller.conversation_id)
    assert saved[0].attachments[0].mime == "image/png"


def test_text_only_chat_regenerate_and_copy(qtbot: QtBot, open_window: OpenWindow) -> None:
    window = open_window(vision=False, max_tokens=12, temperature=0.8)
    controller, pane = window.controller, window.chat_pane
    assert not controller.vision
    assert not window.composer.attach_button.isEnabled()
    assert "text only" in window.model_label.text()

    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as finished:
        press_enter(qtbot, window, "Hello, who are you?")
    assert finished.args[0] == STATUS_COMPLETE
    first = last_answer(window)
    assert first.text and "tokens" in first.footer
    assert window.chat_model.rowCount() == 2

    # Shift+Enter is a new line, not a question.
    qtbot.keyClicks(window.composer.edit, "line one")
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.composer.edit.toPlainText() == "line one\n"
    window.composer.edit.clear()

    pane.copy_button.click()
    assert QGuiApplication.clipboard().text() == first.text

    with qtbot.waitSignal(controller.answer_finished, timeout=ANSWER_MS) as finished:
        pane.regenerate_button.click()
    assert finished.args[0] == STATUS_COMPLETE
    assert window.chat_model.rowCount() == 2, "the old answer was replaced, not appended"
    saved = window.history.messages(controller.conversation_id)
    assert [m.role for m in saved] == ["user", "assistant"]
    assert saved[1].text == last_answer(window).text


def test_history_reopens_where_the_user_left_it(qtbot: QtBot, open_window: OpenWindow,
                                                 tmp_path: Path) -> None:
    window = open_window(vision=False, max_tokens=8)
    with qtbot.waitSignal(window.controller.answer_finished, timeout=ANSWER_MS):
        press_enter(qtbot, window, "Remember me")
    conversation = window.controller.conversation_id
    assert window.sidebar.model.rowCount() == 1
    window.close()

    again = open_window(vision=False, history=HistoryStore(tmp_path / "history.db"))
    assert again.controller.conversation_id == conversation
    assert next(m.text for m in again.chat_model) == "Remember me"
    assert again.sidebar.view.currentIndex().row() == 0


def test_tokens_are_coalesced(qtbot: QtBot, tmp_path: Path) -> None:
    """Tokens from the engine thread reach the GUI a few times per interval, not each."""
    bridge = EngineBridge(coalesce_ms=100)
    qtbot.addWidget(holder := QWidget())
    bridge.setParent(holder)  # deleted by Qt, on this thread
    try:
        texts: list[str] = []
        bridge.answer_text.connect(lambda _rid, text: texts.append(text))
        done = threading.Event()

        def engine_thread() -> None:  # 400 tokens as fast as a small model makes them
            for i in range(400):
                bridge._on_engine_event(Token(7, f"t{i} "))
                if i % 40 == 0:
                    threading.Event().wait(0.03)
            done.set()

        worker = threading.Thread(target=engine_thread)
        worker.start()
        qtbot.waitUntil(lambda: done.is_set() and "".join(texts).endswith("t399 "),
                        timeout=10_000)
        worker.join()
        assert "".join(texts) == "".join(f"t{i} " for i in range(400))
        assert 1 <= len(texts) <= 10, f"{len(texts)} repaints for 400 tokens"
    finally:
        bridge.shutdown()


def test_markdown_is_cut_into_blocks_that_render_alone() -> None:
    text = "# Title\n\nPara one\nstill one\n\n```\ncode\n\nmore code\n```\n\n- a\n\n  a2\n\n- b"
    assert markdown_blocks(text) == [
        "# Title", "Para one\nstill one", "```\ncode\n\nmore code\n```", "- a\n\n  a2", "- b",
    ]
    assert markdown_blocks("streaming, no end yet\n\n") == ["streaming, no end yet"]


def test_chat_pane_renders_markdown_and_grows_with_the_answer(qtbot: QtBot) -> None:
    model = ChatModel()
    pane = ChatPane(model)
    qtbot.addWidget(pane)
    pane.resize(600, 400)
    model.append(ChatMessage("user", "What is **this**?"))
    row = model.append(ChatMessage(ROLE_ASSISTANT, "", "streaming"))
    index = model.index(row)
    model.append_text(row, "It is *an invoice*.")
    qtbot.waitUntil(lambda: pane.view.visualRect(index).height() > 0)
    short = pane.view.visualRect(index).height()
    model.append_text(row, "\n\n| item | price |\n|---|---|\n| A | 12 |\n\nDone.")
    qtbot.waitUntil(lambda: pane.view.visualRect(index).height() > short)
    assert not pane.grab().isNull()
    docs = pane.delegate._docs(model.message(row), 400, pane.font())
    assert [d.toPlainText().strip().split()[0] for d in docs] == ["It", "item", "Done."]
    assert docs[0].toPlainText() == "It is an invoice."  # emphasis rendered, not shown
    assert docs[1].rootFrame().childFrames(), "the table is a table, not text"


def test_sidebar_rename_delete_and_search(qtbot: QtBot, tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "history.db") as store:
        first = store.create_conversation("Invoice from ACME")
        store.add_message(first.id, "user", "What is the total?")
        second = store.create_conversation("Holiday plans")
        store.add_message(second.id, "user", "Where to go in May?")
        sidebar = Sidebar(store)
        qtbot.addWidget(sidebar)
        titles = lambda: [sidebar.model.conversation(r).title  # noqa: E731
                          for r in range(sidebar.model.rowCount())]
        assert titles() == ["Holiday plans", "Invoice from ACME"]
        sidebar.rename(first.id, "ACME invoice")
        assert "ACME invoice" in titles()
        sidebar.search.setText("total")
        qtbot.waitUntil(lambda: titles() == ["ACME invoice"], timeout=5_000)
        with qtbot.waitSignal(sidebar.conversation_deleted):
            sidebar.delete(first.id)
        qtbot.waitUntil(lambda: titles() == [], timeout=5_000)
        sidebar.search.clear()
        qtbot.waitUntil(lambda: titles() == ["Holiday plans"], timeout=5_000)


@pytest.mark.slow
def test_self_test_command_exits_0(tmp_path: Path) -> None:
    env = {**os.environ, "BLUELM_DATA_DIR": str(tmp_path / "data"),
           "BLUELM_SETTINGS": str(tmp_path / "settings.toml"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "bluelm_desktop.cli", "--self-test"],
                          env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout
    report = json.loads(lines[0])
    assert report["ok"] and report["tiles"] > 1 and report["answer_tokens"] > 0
    assert report["saved_messages"] == ["user:complete", "assistant:complete"]
    print(f"\n--self-test: {lines[0]}")



def test_unreadable_drop_is_a_note_and_the_question_comes_back(
        qtbot: QtBot, open_window: OpenWindow, tmp_path: Path) -> None:
    window = open_window(max_tokens=8)
    junk = tmp_path / "scan.png"
    junk.write_bytes(b"not a picture at all" * 50)
    controller = window.controller
    with qtbot.waitSignal(controller.restore_question, timeout=LOAD_MS) as restored:
        drop_files(window, [junk])
        press_enter(qtbot, window, "What does it say?")
        assert controller.waiting
    assert restored.args == ["What does it say?"]
    assert window.composer.text() == "What does it say?"
    assert not controller.waiting and controller.pending is None
    note = window.chat_model.message(window.chat_model.rowCount() - 1)
    assert note.role == "note" and note.text.startswith("Could not read scan.png")
    assert window.composer.send_button.isEnabled()
