"""Where an answer came from: its values found in the pages' text layers.

An answer about a document names values — amounts, dates, numbers, identifiers, names.
Where such a value occurs in a page's text layer, that page is a source of the answer
and the value's word boxes can be shown on the page. The answer's wording is not
trusted: only values that are really printed on a page are cited, so a model's
invention is visibly *not found*.

Pure functions on the words MuPDF found (`TextSpan`, boxes in the pixels of a render);
the same matching serves a chat answer (`ground`) and a single extracted field
(`locate`, for the invoice table's cross-check).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from bluelm_desktop.core.documents.model import TextSpan

Box = tuple[float, float, float, float]

_MONTHS: Final = ("january|february|march|april|may|june|july|august|september|october|"
                  "november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
# Values worth checking, most specific first; each match is taken once.
_VALUE_PATTERNS: Final = (
    # dates: "March 12, 2024", "12 March 2024"
    re.compile(rf"\b(?:{_MONTHS})\.? \d{{1,2}},? \d{{4}}\b", re.IGNORECASE),
    re.compile(rf"\b\d{{1,2}} (?:{_MONTHS})\.?,? \d{{4}}\b", re.IGNORECASE),
    # identifiers: letters and digits joined by dashes or slashes: INV-2024-0417, PO-88213
    re.compile(r"\b[A-Za-z]{1,6}[-/][A-Za-z0-9][A-Za-z0-9\-/]*\d[A-Za-z0-9]*\b"),
    # amounts and numbers (currency, thousands separators, decimals, percent)
    re.compile(r"[$€£¥]?\s?\d[\d,.]*\d(?:\s?%)?|[$€£¥]\s?\d|\b\d{2,}\b"),
    # names: two or more capitalised words ("Northwind Lighting Co.", "Omar Reyes")
    re.compile(r"\b[A-Z][a-zA-Z&'.]+(?: (?:[A-Z][a-zA-Z&'.]+|of|and|&))* [A-Z][a-zA-Z&'.]+"),
)
_PUNCT: Final = ".,;:!?()[]{}\"'“”‘’*"


@dataclass(frozen=True)
class Found:
    """A value of the answer, printed on a page: the page (1-based) and its word boxes."""

    value: str
    page: int
    boxes: tuple[Box, ...]
    document: str = ""


def values_in(answer: str) -> list[str]:
    """The answer's checkable values, in order, each once."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str]] = []
    for pattern in _VALUE_PATTERNS:
        for m in pattern.finditer(answer):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            value = m.group().strip(_PUNCT + " ")
            if len(_norm(value)) >= 2:
                taken.append((start, end))
                found.append((start, value))
    seen: set[str] = set()
    out = []
    for _, value in sorted(found):
        if _norm(value) not in seen:
            seen.add(_norm(value))
            out.append(value)
    return out


def locate(value: str, words: Sequence[TextSpan]) -> list[tuple[Box, ...]]:
    """Each place `value` is printed among `words`: the boxes of the consecutive words
    that spell it (case, punctuation, currency signs and thousands separators aside)."""
    target = [_norm(t) for t in value.split()]
    target = [t for t in target if t]
    if not target:
        return []
    norms = [_norm(w.text) for w in words]
    places = []
    n = len(target)
    for i in range(len(words) - n + 1):
        if all(_same(a, b) for a, b in zip(norms[i:i + n], target, strict=True)):
            places.append(tuple(w.bbox for w in words[i:i + n]))
    return places


def _same(printed: str, said: str) -> bool:
    """Equal words, or equal numbers ("1134.00" is "1134")."""
    if printed == said:
        return True
    a, b = _number(printed), _number(said)
    return a is not None and a == b


def _number(text: str) -> float | None:
    if not re.fullmatch(r"\d+(?:\.\d+)?", text):
        return None
    return float(text)


def ground(answer: str, pages: Mapping[tuple[str, int], Sequence[TextSpan]]) -> list[Found]:
    """Every value of `answer` found on a page: `pages` maps (document, page 1-based) to
    that page's words. A value printed on several pages is cited on each."""
    out: list[Found] = []
    for value in values_in(answer):
        for (document, page), words in pages.items():
            places = locate(value, words)
            if places:
                out.append(Found(value, page, tuple(b for p in places for b in p), document))
    return out


def printed_forms(value: object) -> list[str]:
    """The ways a typed value may be printed: an amount as its number (the matching
    ignores currency signs and thousands separators), a date in the common spellings,
    text as it is."""
    if isinstance(value, dt.date):
        d = value
        return [f"{d:%B} {d.day}, {d.year}", f"{d.day} {d:%B} {d.year}",
                f"{d:%b} {d.day}, {d.year}", f"{d.day} {d:%b} {d.year}", d.isoformat(),
                f"{d:%m/%d/%Y}", f"{d:%d/%m/%Y}", f"{d:%d.%m.%Y}"]
    if isinstance(value, Decimal):
        return [format(value, "f")]
    return [str(value)] if str(value).strip() else []


def find(value: object, pages: Mapping[tuple[str, int], Sequence[TextSpan]]
         ) -> Found | None:
    """The first page (in document order) that prints `value` in one of its
    `printed_forms`, with the boxes there; None when no page does."""
    for key in sorted(pages):
        for form in printed_forms(value):
            places = locate(form, pages[key])
            if places:
                return Found(form, key[1], tuple(b for p in places for b in p), key[0])
    return None


def cited_pages(found: Sequence[Found]) -> list[tuple[str, int]]:
    """The (document, page) pairs an answer's values were found on, in document order."""
    return sorted({(f.document, f.page) for f in found})


def _norm(text: str) -> str:
    """A word as compared: lower case, no surrounding punctuation, no currency sign, no
    thousands separator ("$1,134.00" → "1134.00")."""
    t = text.strip(_PUNCT + " ").lower()
    t = t.lstrip("$€£¥")
    if re.fullmatch(r"[\d,.]+%?", t):
        t = re.sub(r",(?=\d{3}\b)", "", t)
    return t
