"""Counting tokens as the model will, before the model is asked anything.

A document's plan must fit the context, and a page's text layer costs what the model's
own tokenizer makes of it: 1.9 to 4.5 characters a token between the vocabularies we
measured (table-heavy invoice text with llama's SPM vocabulary: 2.8; contract prose with
Qwen2's: 4.5; the tiny test model's: 1.9). So the planner counts with the model's
vocabulary, loaded alone (llama.cpp's `vocab_only`: no weights, milliseconds).
"""

from __future__ import annotations

from pathlib import Path

from bluelm_desktop.core.engine.native import LlamaModel


class TokenCounter:
    """`counter(text)` → the number of tokens the model's tokenizer makes of `text` (as
    the engine tokenizes a prompt: special-token text parsed, nothing added)."""

    def __init__(self, llm: Path) -> None:
        self.path = Path(llm)
        self._model: LlamaModel | None = LlamaModel(self.path, vocab_only=True)

    def __call__(self, text: str) -> int:
        if self._model is None:
            raise ValueError("token counter closed")
        return len(self._model.tokenize(text, add_special=False, parse_special=True))

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
            self._model = None

    def __enter__(self) -> TokenCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
