"""Typed errors of the core: one module, one line each (the UI shows `str(error)` as is)."""

from __future__ import annotations


class BlueLMError(Exception):
    """Base of every error the core raises on purpose."""


class ModelError(BlueLMError):
    """A model file is missing, malformed, unsupported or does not fit in memory."""


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
