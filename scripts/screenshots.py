"""Screenshots of the main window's main states, in both themes and both languages, for
reviewing layout and colours by eye.

    .venv/bin/python scripts/screenshots.py [--out DIR] [--lang en zh_CN]

DIR defaults to bluelm-shots in the system temporary folder.

For each language (a process of its own: translations are installed before any widget is
made) the window starts in the light theme at its default size (1100×700) with the tiny
synthetic model (converted into a temporary folder), and is shot in these states:

- `models-<lang>-<theme>.png`: the model page;
- `chat-<lang>-<theme>.png`: the sample invoice attached, read, and a question answered;
- `zoomed-<lang>-<theme>.png`: the same with the page preview zoomed in;
- `invoice-<lang>-<theme>.png`: the invoice fields table;
- `settings-<lang>-<theme>.png`: the settings dialog;
- `minimum-<lang>-<theme>.png`: the chat at the window's minimum size.

Then it switches to the dark theme *live* (View ▸ Theme, as a user would) and shoots the
same states again. Runs on a real X server so fonts and hinting are what users get:
without $DISPLAY it re-runs itself under `xvfb-run`. The tiny model's answers are
gibberish: what is reviewed is the frame around them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCREEN = "1400x1000x24"
TIMEOUT_MS = 120_000
INVOICE_ANSWER = json.dumps({
    "vendor": "ACME GmbH", "invoice_number": "INV-2024-0417", "invoice_date": "2024-04-17",
    "due_date": None, "currency": "EUR", "subtotal": "100.00", "tax": "19.00",
    "total": "119.00",
    "line_items": [{"description": "Consulting", "quantity": "2", "unit_price": "50.00",
                    "amount": "100.00"}]})


def _reexec_under_xvfb(argv: Sequence[str]) -> None:
    if os.environ.get("DISPLAY") or os.environ.get("BLUELM_SCREENSHOT_NO_XVFB"):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        raise SystemExit("screenshots: no $DISPLAY and no xvfb-run (apt-get install xvfb)")
    os.environ["BLUELM_SCREENSHOT_NO_XVFB"] = "1"
    os.execv(xvfb, [xvfb, "--auto-servernum", f"--server-args=-screen 0 {SCREEN}",
                    sys.executable, str(Path(__file__).resolve()), *argv])


def _models(folder: Path) -> tuple[Path, Path]:
    from model_convert import constants as C
    from model_convert.convert import convert
    from model_convert.synth import synth

    checkpoint = synth(C.LAYOUT_BLUELM, "tiny", folder / "ckpt")
    converted = convert(checkpoint, folder / "gguf", "q4_k_m", "q8_0")
    return converted.llm, converted.mmproj


def shoot(out: Path, language: str) -> None:
    """One language, both themes (the second switched to live)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from bluelm_desktop.core import paths
    from bluelm_desktop.core.history import HistoryStore
    from bluelm_desktop.core.models.library import ModelLibrary
    from bluelm_desktop.core.settings import (
        InferenceSettings,
        ModelSettings,
        Settings,
        UISettings,
    )
    from bluelm_desktop.ui.i18n import install_translators
    from bluelm_desktop.ui.main_window import MINIMUM_SIZE, MainWindow
    from bluelm_desktop.ui.settings_dialog import SettingsDialog
    from bluelm_desktop.ui.theme import THEME_DARK, THEME_LIGHT, apply_theme

    app = QApplication([sys.argv[0]])
    translators = install_translators(app, language)
    work = Path(tempfile.mkdtemp(prefix="bluelm-shots-"))
    os.environ[paths.ENV_DATA_DIR] = str(work / "data")
    os.environ["BLUELM_SETTINGS"] = str(work / "settings.toml")
    llm, mmproj = _models(work)
    apply_theme(app, THEME_LIGHT)
    settings = Settings(model=ModelSettings(str(llm), str(mmproj)),
                        inference=InferenceSettings(max_tokens=24, temperature=0.0, seed=3),
                        ui=UISettings(theme=THEME_LIGHT, language=language))
    history = HistoryStore(work / "history.db")
    window = MainWindow(ModelLibrary.from_paths(), work, settings, history,
                        save_settings=False)

    def wait_for(done: Callable[[], bool], what: str) -> None:
        loop = QEventLoop()
        timer = QTimer(interval=50)
        timer.timeout.connect(lambda: loop.quit() if done() else None)
        deadline = QTimer(singleShot=True, interval=TIMEOUT_MS)
        deadline.timeout.connect(loop.quit)
        timer.start()
        deadline.start()
        if not done():
            loop.exec()
        timer.stop()
        if not done():
            raise SystemExit(f"screenshots: timed out waiting for {what}")

    def settle(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(widget: QWidget, name: str, theme: str) -> None:
        settle()
        path = out / f"{name}-{language}-{theme}.png"
        widget.grab().save(str(path))
        print(path, flush=True)

    loaded: list[object] = []
    window.bridge.loaded.connect(loaded.append)
    window.show()
    window.activateWindow()
    wait_for(lambda: bool(loaded), "the model")

    # one document read and one question answered: both themes show the same chat
    panel = window.document_panel
    assert panel is not None
    window.attach_files([ROOT / "resources" / "samples" / "invoice.png"])
    wait_for(lambda: window.controller.pending is not None
             and window.controller.pending.ready, "the reading")
    finished: list[str] = []
    window.controller.answer_finished.connect(lambda status, *_: finished.append(status))
    window.composer.set_text(app.translate("Screenshots", "What is the total?"))
    window.composer.send_button.click()
    wait_for(lambda: bool(finished), "the answer")

    for theme in (THEME_LIGHT, THEME_DARK):
        if theme != THEME_LIGHT:  # live, as View ▸ Theme does it
            window.menu_actions.theme_actions[theme].trigger()
        window.resize(1100, 700)
        window.show_models()
        save(window, "models", theme)
        window.pages.setCurrentWidget(window.chat_page)
        window._show_side(panel)
        save(window, "chat", theme)
        panel.overlay.set_zoom(3.0)
        save(window, "zoomed", theme)
        panel.overlay.fit()
        table = window.extraction_panel
        if table is not None:
            table.show_answer(INVOICE_ANSWER)
            window._show_side(table)
            save(window, "invoice", theme)
            window._show_side(panel)
        window.resize(*MINIMUM_SIZE)
        save(window, "minimum", theme)
        window.resize(1100, 700)
        dialog = SettingsDialog(window.settings, window)
        dialog.show()
        save(dialog, "settings", theme)
        dialog.close()
        dialog.deleteLater()

    window.close()
    history.close()
    del translators
    shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path,
                        default=Path(tempfile.gettempdir()) / "bluelm-shots")
    parser.add_argument("--lang", nargs="+", default=["en", "zh_CN"])
    args = parser.parse_args(args_list)
    _reexec_under_xvfb(args_list)
    args.out.mkdir(parents=True, exist_ok=True)
    if len(args.lang) == 1:
        shoot(args.out, args.lang[0])
        return 0
    for language in args.lang:  # a process each: translators go in before any widget
        status = subprocess.call([sys.executable, str(Path(__file__).resolve()),
                                  "--out", str(args.out), "--lang", language])
        if status:
            return status
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
