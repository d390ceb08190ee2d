"""What a search query means, and the snippet shown for a hit.

A query is split on whitespace into terms; a text matches when it contains every term,
ignoring case (Python's Unicode case-insensitive matching, so "Ärger" finds "ärger" — SQL
LIKE folds ASCII only). The full-text index only narrows the candidates; every candidate
is checked here, so the index and the plain scan give the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from bluelm_desktop.core.history.schema import FTS_MIN_TERM

SNIPPET_CONTEXT: Final = 48  # characters shown on each side of the first match
ELLIPSIS: Final = "…"
_WHITESPACE = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\f": " ", "\v": " "})


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the terms and their compiled case-insensitive patterns."""

    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def parse(cls, text: str) -> Query:
        terms = tuple(dict.fromkeys(text.split()))  # unique, in the order typed
        return cls(terms, tuple(re.compile(re.escape(t), re.IGNORECASE) for t in terms))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, text: str) -> bool:
        return all(p.search(text) for p in self.patterns)

    def fts_expression(self) -> str | None:
        """An FTS5 MATCH expression for the terms the trigram index can look up, or None.

        Each term becomes a quoted phrase (quotes doubled), so FTS5 operators typed by the
        user (AND, NEAR, *, -) are searched for literally. NUL cannot pass through the
        expression parser; such terms are left to the exact check.
        """
        phrases = [
            '"' + t.replace('"', '""') + '"'
            for t in self.terms
            if "\x00" not in t and len(t) >= FTS_MIN_TERM
        ]
        return " AND ".join(phrases) if phrases else None

    def snippet(self, text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
        """A one-line excerpt around the first match, and the spans of every match in it."""
        first = min(
            (m for p in self.patterns if (m := p.search(text)) is not None),
            key=lambda m: m.start(),
            default=None,
        )
        start, end = (0, 0) if first is None else first.span()
        lo = max(0, start - SNIPPET_CONTEXT)
        hi = min(len(text), max(end, start) + SNIPPET_CONTEXT)
        body = text[lo:hi].translate(_WHITESPACE)  # one-for-one, offsets stay valid
        prefix = ELLIPSIS if lo > 0 else ""
        suffix = ELLIPSIS if hi < len(text) else ""
        snippet = prefix + body + suffix
        spans: list[tuple[int, int]] = []
        for p in self.patterns:
            for m in p.finditer(body):
                if m.end() > m.start():
                    spans.append((m.start() + len(prefix), m.end() + len(prefix)))
        return snippet, tuple(sorted(set(spans)))
