"""The converter's one error type: a file and what is wrong with it, on one line."""

from __future__ import annotations

from pathlib import Path


class ConvertError(Exception):
    """Bad input or a failed check. `str()` is the one line the CLI prints."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem.replace("\n", " ").strip()
        super().__init__(f"{self.path}: {self.problem}")
