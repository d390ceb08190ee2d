"""A PDF page's text layer as the model should read it, and whether it is enough.

A born-digital page holds its words exactly; sent as text they cost tens of times fewer
positions than its tiles and cannot be misread. Two questions, both answered here from
the words MuPDF found (`TextSpan`, boxes in the pixels of a render) and, for the second,
that render's pixels:

- `layout_text`: the words in reading order with the layout kept. Words are grouped into
  visual lines (so a table row stays one line, its cells apart by runs of spaces); a page
  set in two columns is read column by column, not across the gutter.
- `ink_coverage`: how much of what is printed lies inside the words' boxes. A page whose
  text layer covers its ink (`TEXT_COVERAGE`) goes as text alone; one with ink the text
  layer does not explain (a stamp, a signature, handwriting, a chart, a scan under an OCR
  layer that missed some of it) goes as text *and* tiles.

Pure functions on numbers: no Qt, no PyMuPDF (the spans came from the worker process).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from bluelm_desktop.core.documents.model import TextSpan

MIN_WORDS: Final = 12  # a text layer with fewer words does not describe a page
TEXT_COVERAGE: Final = 0.85  # share of the ink inside word boxes for "text alone"
INK_LEVEL: Final = 160  # grey below this is ink (0 black … 255 white)
CHECK_SIDE: Final = 800  # px: the ink check runs on the page scaled to this long side
RULE_RUN: Final = 40  # px at the check scale: a run of ink this long is a rule, not a glyph
MAX_GAP_SPACES: Final = 8  # a wide gap in a line becomes at most this many spaces
CHARS_PER_TOKEN: Final = 1.8  # for an estimate without the model's tokenizer: measured
# 1.9–4.5 characters a token across vocabularies (engine/vocab.py), so err high


@dataclass(frozen=True)
class _Line:
    top: float
    bottom: float
    words: list[TextSpan]

    @property
    def center(self) -> float:
        return (self.top + self.bottom) / 2


def estimate_tokens(text: str) -> int:
    """Positions a text will take, estimated high (the tokenizer counts exactly later)."""
    return int(len(text) / CHARS_PER_TOKEN) + 1 if text else 0


def layout_text(spans: Sequence[TextSpan]) -> str:
    """The page's words in reading order, one visual line per line, layout kept."""
    words = [s for s in spans if s.text.strip()]
    if not words:
        return ""
    split = _column_gutter(words)
    if split is not None:
        left = [w for w in words if _cx(w) < split]
        right = [w for w in words if _cx(w) >= split]
        return layout_text(left) + "\n\n" + layout_text(right)
    char_w = _char_width(words)
    out = []
    for line in _lines(words):
        pieces: list[str] = []
        x_end: float | None = None
        for w in sorted(line.words, key=lambda w: w.bbox[0]):
            if x_end is not None:
                gap = w.bbox[0] - x_end
                n = round(gap / char_w) if gap > 1.5 * char_w else 1
                pieces.append(" " * max(1, min(n, MAX_GAP_SPACES)))
            pieces.append(w.text)
            x_end = w.bbox[2]
        out.append("".join(pieces))
    return "\n".join(out)


def ink_coverage(pixels: np.ndarray, spans: Sequence[TextSpan]) -> float:
    """Share of the page's ink (dark pixels) inside the words' boxes, 0..1 (1.0 for a
    blank page). `spans` boxes are in the pixels of `pixels`."""
    h, w = pixels.shape[:2]
    step = max(1, round(max(w, h) / CHECK_SIDE))
    grey = pixels[::step, ::step].astype(np.uint16).sum(axis=2) // 3
    ink = _without_rules(grey < INK_LEVEL)
    total = int(ink.sum())
    if total == 0:
        return 1.0
    boxes = np.zeros_like(ink)
    pad = 2  # check-scale pixels: antialiasing and descenders just outside a box
    for s in spans:
        x0, y0, x1, y1 = (v / step for v in s.bbox)
        r0, r1 = max(0, int(y0) - pad), min(ink.shape[0], int(np.ceil(y1)) + pad)
        c0, c1 = max(0, int(x0) - pad), min(ink.shape[1], int(np.ceil(x1)) + pad)
        if r1 > r0 and c1 > c0:
            boxes[r0:r1, c0:c1] = True
    return float((ink & boxes).sum()) / total


def _without_rules(ink: np.ndarray) -> np.ndarray:
    """The ink less table rules, borders and filled bars: runs of ink longer than
    `RULE_RUN` along a row or a column (no glyph is that long at the check scale)."""
    return ink & ~_long_runs(ink) & ~_long_runs(ink.T).T


def _long_runs(ink: np.ndarray) -> np.ndarray:
    """Pixels in a horizontal run of ink at least `RULE_RUN` long."""
    h, w = ink.shape
    if w < RULE_RUN:
        return np.zeros_like(ink)
    # a window of RULE_RUN pixels all ink marks the run; spread the mark over the window
    c = np.concatenate([np.zeros((h, 1), np.int32), np.cumsum(ink, axis=1, dtype=np.int32)],
                       axis=1)
    full = (c[:, RULE_RUN:] - c[:, :-RULE_RUN]) == RULE_RUN  # window starting at x is ink
    starts = np.concatenate([np.zeros((h, 1), np.int32),
                             np.cumsum(full, axis=1, dtype=np.int32)], axis=1)
    # x is covered when some window start s in [x - RULE_RUN + 1, x] is full
    lo = np.clip(np.arange(w) - RULE_RUN + 1, 0, w - RULE_RUN + 1)
    hi = np.clip(np.arange(w) + 1, 0, w - RULE_RUN + 1)
    return (starts[:, hi] - starts[:, lo]) > 0


def scaled(spans: Sequence[TextSpan], sx: float, sy: float) -> list[TextSpan]:
    """The same words with boxes for a render scaled by (sx, sy)."""
    return [TextSpan(s.text, (s.bbox[0] * sx, s.bbox[1] * sy, s.bbox[2] * sx, s.bbox[3] * sy),
                     s.block, s.line) for s in spans]


def _cx(w: TextSpan) -> float:
    return (w.bbox[0] + w.bbox[2]) / 2


def _char_width(words: Sequence[TextSpan]) -> float:
    chars = sum(len(w.text) for w in words)
    width = sum(w.bbox[2] - w.bbox[0] for w in words)
    return max(width / max(chars, 1), 1.0)


def _lines(words: Sequence[TextSpan]) -> list[_Line]:
    """Words grouped into visual lines, top to bottom: a word joins a line when their
    vertical middles are within half the smaller height of each other (so a tall heading
    does not swallow the line under it)."""
    lines: list[_Line] = []
    for w in sorted(words, key=lambda w: ((w.bbox[1] + w.bbox[3]) / 2, w.bbox[0])):
        cy, height = (w.bbox[1] + w.bbox[3]) / 2, w.bbox[3] - w.bbox[1]
        for j in range(len(lines) - 1, max(len(lines) - 4, -1), -1):  # the last few only
            line = lines[j]
            if abs(cy - line.center) <= min(height, line.bottom - line.top) / 2:
                lines[j] = _Line(line.top, line.bottom, [*line.words, w])
                break
        else:
            lines.append(_Line(w.bbox[1], w.bbox[3], [w]))
    return sorted(lines, key=lambda line: line.center)


def _column_gutter(words: Sequence[TextSpan]) -> float | None:
    """The x of the gutter of a two-column page, or None.

    Two columns: an empty vertical band in the middle third that no word crosses, with
    prose on both sides (many lines of several words each). A table has gutters too, but
    its cells are short: it is laid out row by row instead.
    """
    x0 = min(w.bbox[0] for w in words)
    x1 = max(w.bbox[2] for w in words)
    width = x1 - x0
    if width <= 0:
        return None
    bins = 200
    covered = np.zeros(bins, dtype=bool)
    for w in words:
        a = int((w.bbox[0] - x0) / width * (bins - 1))
        b = int(np.ceil((w.bbox[2] - x0) / width * (bins - 1)))
        covered[a:b + 1] = True
    middle = np.arange(bins // 3, 2 * bins // 3)
    empty = [int(i) for i in middle if not covered[i]]
    if len(empty) < 2:  # a gutter at least 1 % of the text's width
        return None
    split = x0 + (empty[len(empty) // 2] + 0.5) / (bins - 1) * width
    for side in ([w for w in words if _cx(w) < split], [w for w in words if _cx(w) >= split]):
        lines = _lines(side)
        if len(lines) < 8 or len(side) / len(lines) < 4:
            return None
    return split
