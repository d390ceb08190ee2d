"""`bluelm-desktop --self-test`: the real window, offscreen, from a drop to a streamed answer.

What it does, as a user would: open the main window on a model (the configured one, or
the random-weight demo model made in a temporary data directory), drop a sample invoice,
press Enter at once (so the question waits for the encoding, the decoupled flow), wait
for the streamed answer, and print one JSON line:

    {"ok": true, "model": ..., "tiles": 9, "image_tokens": 1764, "answer_tokens": 64,
     "text_updates": 12, "waited_for_encoding": true, "largest_stall_ms": 12.3, ...}

The history goes to the temporary directory too, so the user's conversations are never
touched. Any failure is one line (`ok: false` on stdout is not used: the CLI prints the
error on stderr and exits 2). Bounded by `timeout_s`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QEventLoop,
    QMessageLogContext,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)

from bluelm_desktop.core import paths
from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.engine.native import build_info
from bluelm_desktop.core.errors import BlueLMError
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.core.settings import ModelSettings
from model_convert.demo import create_demo_model

DEFAULT_TIMEOUT_S: Final = 120.0
QUESTION: Final = "What is the total amount due on this invoice?"
ANSWER_TOKENS: Final = 48  # enough to see streaming and coalescing, quick on a CPU
SAMPLE: Final = Path(__file__).resolve().parents[2] / "resources" / "samples" / "invoice.png"


class SelfTestError(BlueLMError):
    """The self-test did not get from the drop to a complete answer."""


def sample_invoice(folder: Path) -> Path:
    """The bundled sample invoice, or (in an install without it) one drawn here."""
    if SAMPLE.is_file():
        return SAMPLE
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    lines = ["INVOICE  No. ST-0001", "Date: 2024-05-01", "ACME Supplies GmbH",
             "", "Widgets      3 x 12.00 EUR      36.00 EUR",
             "Gadgets      1 x 50.00 EUR      50.00 EUR", "", "Subtotal     86.00 EUR",
             "VAT 19%      16.34 EUR", "Total       102.34 EUR"]
    for i, line in enumerate(lines):
        draw.text((120, 160 + 60 * i), line, fill="black")
    path = folder / "sample-invoice.png"
    image.save(path)
    return path


slot_errors: list[str] = []  # exceptions raised in Qt slots (the self-test, tests driving the app)


def record_slot_error(kind: type[BaseException], error: BaseException, tb: Any) -> None:
    """Qt prints an exception raised in a slot and carries on; the self-test must not."""
    traceback.print_exception(kind, error, tb)
    slot_errors.append(f"{kind.__name__}: {error}")


def _qt_message(_mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's messages to stderr, but the offscreen plugin's one note about every shown
    window (it cannot pass size hints on; there is no window manager to take them)."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def wait_until(condition: Any, timeout_s: float, what: str) -> None:
    """Run the event loop until `condition()` holds, or fail (timeout, a slot's exception)."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: loop.quit() if condition() or slot_errors or
                          time.monotonic() > deadline else None)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    if slot_errors:
        raise SelfTestError(f"internal error while waiting for {what}: {slot_errors[0]}")
    if not condition():
        raise SelfTestError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def run_self_test(timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """Run it; returns the JSON-able report, raises `BlueLMError` (one line) on failure."""
    from bluelm_desktop.core.history import HistoryStore
    from bluelm_desktop.ui.app import application
    from bluelm_desktop.ui.gui_gc import GuiGarbageCollector
    from bluelm_desktop.ui.main_window import MainWindow
    from bluelm_desktop.ui.stall_probe import StallProbe

    started = time.monotonic()
    settings = settings_io.load()
    with tempfile.TemporaryDirectory(prefix="bluelm-self-test-") as tmp:
        work = Path(tmp)
        chosen = settings.model
        if not (chosen.llm and Path(chosen.llm).is_file()):
            paths.set_base_dir(work / "data")  # the demo and everything else stay in here
            pair = create_demo_model(paths.models_dir(), lambda _message: None)
            mmproj = str(pair.mmproj_path) if pair.mmproj_path else None
            chosen = ModelSettings(str(pair.llm_path), mmproj)
        settings = dataclasses.replace(
            settings, model=chosen,
            inference=dataclasses.replace(settings.inference, max_tokens=ANSWER_TOKENS,
                                          seed=1),
        )
        invoice = sample_invoice(work)
        app = application(["bluelm-desktop", "--self-test"])
        collector = GuiGarbageCollector(parent=app)
        collector.start()
        history = HistoryStore(work / "history.db")
        window = MainWindow(ModelLibrary.from_paths(), work, settings, history,
                            save_settings=False)
        report: dict[str, Any] = {}
        hook, sys.excepthook = sys.excepthook, record_slot_error
        previous_handler = qInstallMessageHandler(_qt_message)
        window.show()  # painted as on a desktop (offscreen), so painting counts in the stall
        try:
            report = _drive(window, invoice, timeout_s - (time.monotonic() - started),
                            StallProbe(parent=window))
            saved = history.messages(window.controller.conversation_id or 0)
            report["saved_messages"] = [f"{m.role}:{m.status}" for m in saved]
        finally:
            sys.excepthook = hook
            qInstallMessageHandler(previous_handler)
            window.shutdown()
            window.deleteLater()
            history.close()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            collector.stop()
        report["seconds"] = round(time.monotonic() - started, 2)
        return report


def _drive(window: Any, invoice: Path, timeout_s: float, probe: Any) -> dict[str, Any]:
    from bluelm_desktop.ui.chat_pane import ROLE_ASSISTANT

    deadline = time.monotonic() + timeout_s
    failure: list[str] = []
    window.bridge.load_failed.connect(failure.append)
    wait_until(lambda: window.loaded is not None or failure, timeout_s, "the model to load")
    if failure:
        raise SelfTestError(f"the model did not load: {failure[0]}")
    controller = window.controller
    if not controller.vision:
        raise SelfTestError("the model has no vision projector: nothing to read the invoice")
    tiles: dict[str, int] = {}
    controller.tile_progress.connect(lambda image_id, _done, total: tiles.update({image_id:
                                                                                 total}))
    finished: list[str] = []
    controller.answer_finished.connect(lambda status, _action, _text: finished.append(status))
    flushes_before = window.bridge.flushes
    probe.start()
    t0 = time.monotonic()
    window.attach_files([invoice])
    controller.submit(QUESTION)  # at once: the question waits for the encoding
    waited = controller.waiting
    wait_until(lambda: bool(finished), deadline - time.monotonic(), "the answer")
    stall = probe.stop()
    row = controller.model.last_row(ROLE_ASSISTANT)
    answer = controller.model.message(row) if row is not None else None
    stats = controller.last_stats
    if finished[0] != "complete" or answer is None or stats is None:
        reason = answer.footer if answer is not None else "no answer"
        raise SelfTestError(f"the answer ended as {finished[0]}: {reason}")
    if not stats.decode_tokens:
        raise SelfTestError("the answer has no tokens")
    layout_tokens = controller.tiling.tokens_per_tile if controller.tiling else 0
    return {
        "ok": True,
        "model": window.model_label.text(),
        "document": invoice.name,
        "tiles": sum(tiles.values()),
        "image_tokens": sum(tiles.values()) * layout_tokens,
        "waited_for_encoding": waited,
        "answer_tokens": stats.decode_tokens,
        "answer_chars": len(answer.text),
        "text_updates": window.bridge.flushes - flushes_before,
        "decode_tok_s": round(stats.decode_tok_s, 1),
        "drop_to_answer_s": round(time.monotonic() - t0, 2),
        "llama_cpu": build_info().describe(),  # which CPU variant ggml chose here
        **stall.to_json(),
    }


def main(timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """The JSON line to print."""
    return json.dumps(run_self_test(timeout_s), ensure_ascii=False)
