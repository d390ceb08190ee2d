"""Typed errors of the core: one module, one line each (the UI shows `str(error)` as is)."""

from __future__ import annotations

from pathlib import Path


class BlueLMError(Exception):
    """Base of every error the core raises on purpose."""


class ModelError(BlueLMError):
    """A model file is missing, malformed, unsupported or does not fit in memory."""


class ConvertError(ModelError):
    """A model file or checkpoint is bad input, or a conversion check failed: the file and
    what is wrong with it. `str()` is the one line the CLIs print."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem.replace("\n", " ").strip()
        super().__init__(f"{self.path}: {self.problem}")


class VisionUnsupported(ModelError):
    """The projector's image layout is not known here: the model answers text only."""


class DocumentError(BlueLMError):
    """A document cannot be opened, decoded or rendered."""


class PasswordRequired(DocumentError):
    """An encrypted PDF needs a password: the UI asks for one and opens it again with it."""


class Cancelled(BlueLMError):
    """Work stopped because the user (or a newer request) asked: a silent outcome, not a failure."""


class HistoryError(BlueLMError):
    """The conversation history cannot be read or saved (damaged, locked, disk full, ...)."""


class DownloadError(BlueLMError):
    """A model download failed (not found, network, TLS, disk, bad hash, not a GGUF pair)."""


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace and control characters so a message stays on one line.

    Decoder messages and file names are untrusted text; the UI and the CLI print errors
    as single lines.
    """
    cleaned = "".join(ch if ch.isprintable() else " " for ch in str(text))
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


def describe(error: BaseException) -> str:
    """The one line a user sees for `error`: a typed core error says what is wrong with
    which file as it is; anything else is a bug, so its type is kept as a clue."""
    text = one_line(str(error))
    if isinstance(error, BlueLMError):
        return text or type(error).__name__
    return f"internal error: {type(error).__name__}: {text}" if text else (
        f"internal error: {type(error).__name__}")
