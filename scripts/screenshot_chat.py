"""Screenshots of the chat window's main states, for reviewing the UI by eye.

    .venv/bin/python scripts/screenshot_chat.py DATA_DIR [--out build/screenshots]
        [--theme light|dark|system] [--prefix chat]

DATA_DIR must hold the demo model (`models/bluelm-demo-tiny-*.gguf`; scripts/screenshot.sh
makes it). A history with one earlier conversation (a markdown answer: table, list,
code) is written into DATA_DIR, so the sidebar and the markdown rendering can be seen.
Writes PREFIX-empty.png (model loaded, nothing asked), PREFIX-document.png (the sample
invoice dropped: page, tile grid, per-tile progress), PREFIX-streaming.png (an answer
streaming in), PREFIX-markdown.png (the earlier conversation reopened) and
PREFIX-extraction.png (the invoice fields table); --language zh_CN shows the Chinese UI.

Runs the real window on the X display it is given (scripts/screenshot.sh starts Xvfb);
the demo model answers noise, which is why the markdown shot uses a stored answer.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INVOICE = ROOT / "resources" / "samples" / "invoice.png"
TIMEOUT_S = 120.0
SEEDED_TITLE = "What is the total on the ACME invoice?"

MARKDOWN_ANSWER = """The invoice from **ACME Supplies GmbH** (no. ST-0001, 1 May 2024) lists:

| Item | Qty | Unit price | Amount |
|---|---:|---:|---:|
| Widgets | 3 | 12.00 EUR | 36.00 EUR |
| Gadgets | 1 | 50.00 EUR | 50.00 EUR |

- Subtotal: 86.00 EUR
- VAT 19 %: 16.34 EUR
- **Total due: 102.34 EUR**, payable within *14 days*.

As JSON:

```json
{"vendor": "ACME Supplies GmbH", "total": "102.34", "currency": "EUR"}
```
"""


INVOICE_ANSWER = """{"vendor": "ACME Supplies GmbH", "invoice_number": "ST-0001",
"invoice_date": "2024-05-01", "due_date": "2024-05-15", "currency": "EUR",
"subtotal": "86.00", "tax": "16.34", "total": "102.34",
"line_items": [{"description": "Widgets", "quantity": "3", "unit_price": "12.00",
"amount": "36.00"}, {"description": "Gadgets", "quantity": "1", "unit_price": "50.00",
"amount": "50.00"}]}"""


def seed_history(data: Path) -> None:
    from bluelm_desktop.core.history import HistoryStore

    with HistoryStore(data / "history.db") as store:
        if store.list_conversations():
            return
        older = store.create_conversation("Translate the menu screenshot")
        store.add_message(older.id, "user", "Translate the text in this image into English.")
        store.add_message(older.id, "assistant", "“Today's special: braised tofu, 28 yuan.”")
        chat = store.create_conversation(SEEDED_TITLE)
        store.add_message(chat.id, "user", "What is the total on the ACME invoice?")
        store.add_message(chat.id, "assistant", MARKDOWN_ANSWER)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--theme", default="system", choices=("system", "light", "dark"))
    parser.add_argument("--prefix", default="chat")
    parser.add_argument("--language", default="en", help="interface language, e.g. zh_CN")
    args = parser.parse_args()

    from bluelm_desktop.core import paths
    from bluelm_desktop.core.history import HistoryStore
    from bluelm_desktop.core.models.library import ModelLibrary
    from bluelm_desktop.core.settings import ModelSettings, Settings
    from bluelm_desktop.ui.app import application
    from bluelm_desktop.ui.i18n import install_translators
    from bluelm_desktop.ui.main_window import MainWindow
    from bluelm_desktop.ui.self_test import wait_until
    from bluelm_desktop.ui.theme import apply_theme

    paths.set_base_dir(args.data_dir)
    llm = paths.models_dir() / "bluelm-demo-tiny-llm.gguf"
    mmproj = paths.models_dir() / "bluelm-demo-tiny-mmproj.gguf"
    if not llm.is_file():
        raise SystemExit(f"screenshot: no demo model in {paths.models_dir()}")
    seed_history(paths.data_dir())
    settings = Settings(model=ModelSettings(str(llm), str(mmproj)))
    settings = dataclasses.replace(
        settings,
        ui=dataclasses.replace(settings.ui, theme=args.theme, language=args.language),
        inference=dataclasses.replace(settings.inference, max_tokens=400, seed=5))
    app = application([sys.argv[0]])
    apply_theme(app, args.theme)
    translators = install_translators(app, args.language)  # noqa: F841 (kept alive)
    history = HistoryStore(paths.data_dir() / "history.db")
    window = MainWindow(ModelLibrary.from_paths(), paths.data_dir(), settings, history,
                        save_settings=False)
    window.resize(1200, 780)
    window.show()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    def settle(ms: int = 300) -> None:
        """Let layouts and repaints finish before grabbing."""
        end = time.monotonic() + ms / 1000
        wait_until(lambda: time.monotonic() >= end, ms / 1000 + 5, "the window to settle")

    def save(name: str) -> None:
        settle()
        path = out / f"{args.prefix}-{name}.png"
        if not window.grab().save(str(path)):
            raise SystemExit(f"screenshot: could not write {path}")
        print(f"screenshot: wrote {path}")

    def wait(condition: Callable[[], object], what: str) -> None:
        wait_until(lambda: bool(condition()), TIMEOUT_S, what)

    try:
        wait(lambda: window.loaded is not None, "the model to load")
        window.new_conversation()  # the state of a fresh start, not the reopened chat
        save("empty")

        panel = window.document_panel
        window.attach_files([INVOICE])
        window.composer.set_text("What is the total amount due?")
        wait(lambda: panel is None or (panel.plan is not None and panel.overlay.done > 2),
             "the page and its first encoded tiles")
        save("document")

        wait(lambda: window.controller.pending is None or window.controller.pending.ready,
             "the encoding")
        window.composer.send_button.click()
        wait(lambda: len(window.chat_model.messages()[-1].text) > 250, "the answer to stream")
        save("streaming")
        window.controller.stop()
        wait(lambda: not window.controller.generating, "the answer to stop")

        conversations = history.list_conversations()
        seeded = next(c for c in conversations if c.title == SEEDED_TITLE)
        window.new_conversation()
        window.controller.open_conversation(seeded.id)
        save("markdown")

        # The extraction table as "Extract invoice fields" fills it: the demo model's
        # answer is noise, so the panel is given the answer a real model gives.
        if window.extraction_panel is not None:
            window.extraction_panel.show_answer(INVOICE_ANSWER)
            window._show_side(window.extraction_panel)
            save("extraction")
    finally:
        window.shutdown()
        history.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
