"""Screenshots of the document panel with the sample invoice, for reviewing it by eye.

    .venv/bin/python scripts/screenshot_document_panel.py [--out build/screenshots]

Writes:
- `document-panel.png`: the two-page sample invoice just opened (page strip, tile grid over
  page 1, thumbnail tile, cost and estimate), fine print.
- `document-panel-encoding.png`: the same after switching to fast, with the first tiles
  marked as encoded (what the user sees while encoding runs).
- `document-panel-empty.png`: the panel with nothing attached.

Runs on a real X server so fonts, style and hinting are what users get: without $DISPLAY
it re-runs itself under `xvfb-run` (Debian: `apt-get install xvfb`). No model is loaded;
the estimate uses the default speed (the full-size model measured on the development
machine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREEN = "1280x900x24"
TIMEOUT_MS = 60_000


def _reexec_under_xvfb(argv: Sequence[str]) -> None:
    if os.environ.get("DISPLAY") or os.environ.get("BLUELM_SCREENSHOT_NO_XVFB"):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        raise SystemExit("screenshot: no $DISPLAY and no xvfb-run (apt-get install xvfb)")
    os.environ["BLUELM_SCREENSHOT_NO_XVFB"] = "1"  # once is enough
    os.execv(xvfb, [xvfb, "--auto-servernum", f"--server-args=-screen 0 {SCREEN}",
                    sys.executable, str(Path(__file__).resolve()), *argv])


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    args = parser.parse_args(args_list)
    _reexec_under_xvfb(args_list)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from bluelm_desktop.core.vision.tiling import BUDGET_PRESETS, TilingParams
    from bluelm_desktop.ui.document_panel import DocumentPanel

    samples = ROOT / "resources" / "samples"
    invoice = samples / "invoice.pdf"
    if not invoice.is_file():
        raise SystemExit(f"screenshot: {invoice} is missing; run resources/samples/make_samples.py")

    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.setWindowTitle("BlueLM Desktop: document panel")
    panel = DocumentPanel()
    window.setCentralWidget(panel)
    window.resize(760, 860)
    window.show()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    def wait_until(condition: Callable[[], bool], what: str) -> None:
        """Run the event loop until `condition` holds (checked every 20 ms)."""
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: condition() and loop.quit())
        timer.start(20)
        QTimer.singleShot(TIMEOUT_MS, loop.quit)
        loop.exec()
        timer.stop()
        if not condition():
            raise SystemExit(f"screenshot: timed out waiting for {what}")

    def settle() -> None:
        """A few event-loop turns so layouts and repaints are done before grabbing."""
        loop = QEventLoop()
        QTimer.singleShot(300, loop.quit)
        loop.exec()

    def save(name: str) -> None:
        settle()
        path = out / name
        if not window.grab().save(str(path)):
            raise SystemExit(f"screenshot: could not write {path}")
        print(f"screenshot: wrote {path}")

    failures: list[str] = []
    panel.failed.connect(failures.append)
    try:
        save("document-panel-empty.png")

        panel.show_document(invoice, TilingParams())
        wait_until(lambda: bool(failures) or (
            panel.plan is not None and panel.overlay._pixmap is not None
            and all(panel.pages.has_thumbnail(r) for r in range(panel.pages.rowCount()))),
            "the invoice to open and render")
        if failures:
            raise SystemExit(f"screenshot: {failures[0]}")
        save("document-panel.png")

        fast = next(b for b in panel.budget_buttons.buttons()
                    if b.property("preset") == "fast")
        fast.click()
        assert panel.tiling.max_image_tokens == BUDGET_PRESETS["fast"]
        assert panel.plan is not None
        tiles = panel.plan.pages[0].plan.tiles
        panel.set_progress(2, tiles)
        save("document-panel-encoding.png")
    finally:
        panel.shutdown()
        window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
