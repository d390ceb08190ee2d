"""Typed errors of the core, and the messages they carry to the user.

A message the user may read is written as an English *template* with named fields and
marked with `msg`, the way gettext's `N_` marks a string:

    raise DocumentError(msg("{name}: not a PDF or an image this app reads"), name=path.name)

The error keeps the template and the fields as a `Line` (`error.line`). `str(error)` is the English
line (the CLI prints it, logs record it); the GUI translates the template and fills in
the fields (`ui/i18n.py`, `tr_line`), so the line reaches a Chinese interface in
Chinese. `scripts/update_translations.sh` finds every `msg("…")` in the core for the
translators (lupdate reads `msg` as Qt's `QT_TR_NOOP`); the core itself stays Qt-free.

A field whose value is itself a `Line` (a cause inside a larger line) is translated too.
Values that are data — file names, numbers, a decoder's own words — stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

# An untranslated error (a plain English string given to the error) has this template.
_PLAIN: Final = "{text}"


class _Template(str):
    """A string marked with `msg`: a template to translate, even one without fields."""

    __slots__ = ()


def msg(template: str) -> str:
    """Mark `template` as a message for the translators; returns the same text."""
    return _Template(template)


def _line(text: str | Line, fields: Mapping[str, object]) -> Line:
    """What an error given `text` (and `fields`) says: a `Line` as it is; a template
    (marked with `msg`, or given fields) to translate; any other string as written."""
    if isinstance(text, Line):
        return text
    if fields or isinstance(text, _Template):
        return Line.of(text, **fields)
    return Line.plain(text)


@dataclass(frozen=True)
class Line:
    """A line for the user: an English template (marked with `msg`) and its fields."""

    template: str
    fields: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, template: str, /, **fields: object) -> Line:
        return cls(template, tuple(fields.items()))

    @classmethod
    def plain(cls, text: str) -> Line:
        """Text that is not a template (data, or a line not yet marked): shown as is."""
        return cls(_PLAIN, (("text", text),))

    @property
    def values(self) -> Mapping[str, object]:
        return dict(self.fields)

    def __str__(self) -> str:
        """The English line."""
        return fill(self.template, self.values)


def fill(template: str, values: Mapping[str, object]) -> str:
    """`template` with its `{fields}` filled in; a template without fields is taken as
    written (its braces are text). A template that does not match its fields (a
    translator's typo) is shown with the fields listed after it instead of failing."""
    if not values:
        return template
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return f"{template} ({', '.join(f'{k}={v}' for k, v in values.items())})"


class BlueLMError(Exception):
    """Base of every error the core raises on purpose.

    `BlueLMError(msg("{name}: cannot read it"), name=...)` and `BlueLMError(msg("…"))`
    carry a translatable `Line`; `BlueLMError("text")` (not marked) a line shown as
    written.
    """

    def __init__(self, text: str | Line = "", /, **fields: object) -> None:
        self.line = _line(text, fields)
        super().__init__(str(self.line))


class InvalidValue(ValueError):
    """A value refused where it is given (a setting, an address, a tiling parameter): a
    `ValueError`, as constructors raise, whose text is also a translatable `Line`."""

    def __init__(self, text: str | Line = "", /, **fields: object) -> None:
        self.line = _line(text, fields)
        super().__init__(str(self.line))


def value_line(error: ValueError) -> Line:
    """What a refused value says: an `InvalidValue`'s line, any other ValueError's text."""
    return error.line if isinstance(error, InvalidValue) else Line.plain(str(error))


class ModelError(BlueLMError):
    """A model file is missing, malformed, unsupported or does not fit in memory."""


class ConvertError(ModelError):
    """A model file or checkpoint is bad input, or a conversion check failed: the file and
    what is wrong with it (a `Line` to be translated, or plain text). `str()` is the one
    line the CLIs print."""

    def __init__(self, path: Path | str, problem: str | Line) -> None:
        self.path = Path(path)
        self.problem = str(problem).replace("\n", " ").strip()  # English
        self.problem_line = problem if isinstance(problem, Line) else Line.plain(self.problem)
        super().__init__(msg("{path}: {problem}"), path=self.path, problem=self.problem_line)


class VisionUnsupported(ModelError):
    """The projector's image layout is not known here: the model answers text only."""


class ServerError(ModelError):
    """A llama.cpp server answered no: a request it refused (400), a model it cannot run
    this on, a key it does not accept. One line naming the server."""


class ServerUnavailable(ServerError):
    """The server itself failed: unreachable, gone mid-answer, silent past the timeout,
    overloaded or still loading. Another server can take the same request."""


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


def line_of(error: BaseException) -> Line:
    """What the user is told about `error`: a typed core error's message; anything else is
    a bug, so its type is kept as a clue."""
    if isinstance(error, BlueLMError | InvalidValue):
        return error.line if str(error.line) else Line.plain(type(error).__name__)
    text = one_line(str(error))
    if not text:
        return Line.of(msg("internal error: {kind}"), kind=type(error).__name__)
    return Line.of(msg("internal error: {kind}: {error}"), kind=type(error).__name__,
                      error=text)


def describe(error: BaseException) -> str:
    """The one English line a user sees for `error` (`line_of`, filled in)."""
    return one_line(str(line_of(error)))
