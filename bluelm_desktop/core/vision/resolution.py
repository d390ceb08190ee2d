"""Which tile grid an image gets: the paper's relaxed aspect-ratio matching and the two rules
it is compared with (LLaVA-NeXT, InternVL-1.5).

Pure integer arithmetic, no pixels, no Qt, no Pillow: the planner, the CLI and the tests
all ask the same functions, and a plan can be shown before a page is even rendered.

Terms (BlueLM-V-3B, arXiv 2411.10640; `shared/DESIGN.md` §1): an image of w×h pixels on a
grid of m tiles across and n tiles down is resized, keeping its aspect ratio, to fit the
canvas W×H = (tile·m)×(tile·n), with scale s = min(W/w, H/h).
- effective resolution Re = min(floor(w·s)·floor(h·s), w·h): the pixels of the image that
  survive, never counting upscaling as gained detail;
- wasted resolution Rw = W·H − Re: canvas the encoder pays for without getting detail.

The floors are computed exactly in integers (floor(h·W/w) = h·W // w). Reference code
(LLaVA-NeXT's `select_best_resolution`) multiplies floats, which can land one pixel short
of W (w·(W/w) = W − 1 ulp, truncated): the rule as written is the exact one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from bluelm_desktop.core.gguf.keys import DEFAULT_ALPHA, DEFAULT_MAX_GRID

DEFAULT_TILE_SIZE: Final = 384  # SigLIP-400M's input side in BlueLM-V-3B

RULE_RELAXED: Final = "relaxed"
RULE_LLAVA_NEXT: Final = "llava-next"
RULE_INTERNVL: Final = "internvl"
RULES: Final = (RULE_RELAXED, RULE_LLAVA_NEXT, RULE_INTERNVL)


@dataclass(frozen=True)
class Grid:
    """A tile grid: `cols` tiles across (the paper's m) by `rows` tiles down (n).

    Written "m:n" like the paper (a 768×1536 phone screen → 2:4), width first.
    """

    cols: int
    rows: int

    def __post_init__(self) -> None:
        if self.cols < 1 or self.rows < 1:
            raise ValueError(f"a grid needs at least one tile each way, got {self}")

    @property
    def tiles(self) -> int:
        """Grid tiles, m·n (a thumbnail, if any, is counted by the tiling plan, not here)."""
        return self.cols * self.rows

    def __str__(self) -> str:
        return f"{self.cols}:{self.rows}"


def _check_size(w: int, h: int) -> None:
    """Every rule divides by w and h; a 0-pixel image is a caller's bug, not a plan."""
    if w < 1 or h < 1:
        raise ValueError(f"image size must be at least 1×1 pixels, got {w}×{h}")


def _check_tile(tile: int) -> None:
    if tile < 1:
        raise ValueError(f"tile size must be at least 1 pixel, got {tile}")


def _check_max_grid(max_grid: int) -> None:
    if max_grid < 1:
        raise ValueError(f"max_grid (G) must be at least 1, got {max_grid}")


def canvas(grid: Grid, tile: int) -> tuple[int, int]:
    """The canvas (W, H) in pixels that `grid` of `tile`-pixel tiles covers."""
    _check_tile(tile)
    return grid.cols * tile, grid.rows * tile


def fit(w: int, h: int, box_w: int, box_h: int) -> tuple[int, int]:
    """(floor(w·s), floor(h·s)) with s = min(box_w/w, box_h/h): a w×h image resized to fit
    the box keeping its aspect ratio, in exact integers.

    The side that limits the scale fills the box exactly; the other is floored (it may be
    0 for an image thinner than one pixel at that scale — callers that need pixels clamp).
    """
    _check_size(w, h)
    if box_w * h <= box_h * w:  # s = box_w / w limits (compare cross-products, no floats)
        return box_w, h * box_w // w
    return w * box_h // h, box_h


def effective_resolution(w: int, h: int, grid: Grid, tile: int) -> int:
    """Re = min(floor(w·s)·floor(h·s), w·h): the image's own pixels the grid preserves."""
    sw, sh = fit(w, h, *canvas(grid, tile))
    return min(sw * sh, w * h)


def wasted_resolution(w: int, h: int, grid: Grid, tile: int) -> int:
    """Rw = W·H − Re: canvas pixels encoded without carrying image detail."""
    big_w, big_h = canvas(grid, tile)
    return big_w * big_h - effective_resolution(w, h, grid, tile)


def candidates(max_grid: int = DEFAULT_MAX_GRID, max_tiles: int | None = None
               ) -> tuple[Grid, ...]:
    """Every m:n with m, n ∈ 1..G in the paper's visiting order, reverse row-major:
    (G,G), (G,G−1), …, (G,1), (G−1,G), …, (1,1).

    The order is part of the relaxed rule (its acceptance test compares with the last
    accepted candidate, not the best overall), so it is fixed here, once. `max_tiles` is
    a model family's trained limit on m·n (InternVL3: 12); grids above it are skipped.
    """
    _check_max_grid(max_grid)
    if max_tiles is not None and max_tiles < 1:
        raise ValueError(f"max_tiles must be at least 1, got {max_tiles}")
    limit = max_tiles or max_grid * max_grid
    return tuple(Grid(m, n) for m in range(max_grid, 0, -1) for n in range(max_grid, 0, -1)
                 if m * n <= limit)


def relaxed_match(
    w: int,
    h: int,
    tile: int = DEFAULT_TILE_SIZE,
    max_grid: int = DEFAULT_MAX_GRID,
    alpha: float = DEFAULT_ALPHA,
    max_tiles: int | None = None,
) -> Grid:
    """The paper's relaxed aspect-ratio matching, exactly as DESIGN §1 states it.

    Visit `candidates(max_grid)` from the largest grid; keep Re_max = 0, Rw_min = ∞ and
    accept a candidate when
        Re − Re_max > α·Re_max   or   (Re_max − Re < α·Re_max and Rw < Rw_min),
    then take its Re and Rw as the new Re_max and Rw_min. A smaller grid that loses less
    than α of the effective resolution but wastes less canvas wins, which is what stops
    small images from being blown up to four or sixteen tiles.

    Quirks kept on purpose, because they are the paper's rule and change its answers:
    the first (largest) candidate is always accepted; Re_max is *replaced*, not maxed, so
    it can drift down along a chain of acceptances (each step may lose up to α); α = 0
    makes the largest grid win every time; and the visiting order matters.

    "Always accepted" is taken literally: an image so thin that it is under one pixel
    thick at every scale (Re = 0 everywhere, aspect ratio beyond tile·G : 1) fails both
    tests as written and would leave no grid at all; it gets the first candidate, G:G.
    """
    _check_size(w, h)
    _check_tile(tile)
    if not alpha >= 0:  # also rejects NaN
        raise ValueError(f"alpha must be ≥ 0, got {alpha}")
    best: Grid | None = None
    re_max = 0
    rw_min = math.inf
    for grid in candidates(max_grid, max_tiles):
        re = effective_resolution(w, h, grid, tile)
        rw = wasted_resolution(w, h, grid, tile)
        if (
            best is None
            or re - re_max > alpha * re_max
            or (re_max - re < alpha * re_max and rw < rw_min)
        ):
            best, re_max, rw_min = grid, re, rw
    assert best is not None  # candidates() is never empty
    return best


def llava_next_match(
    w: int,
    h: int,
    tile: int = DEFAULT_TILE_SIZE,
    max_grid: int = DEFAULT_MAX_GRID,
    max_tiles: int | None = None,
) -> Grid:
    """LLaVA-NeXT's `select_best_resolution` over the same candidates: the largest Re,
    ties broken by the smallest Rw, remaining ties by the first visited.

    It never trades detail for fewer tiles, so small images are enlarged onto big grids
    (394×390 → 2:2): this is the baseline the relaxed rule is measured against.
    """
    _check_size(w, h)
    _check_tile(tile)
    best: Grid | None = None
    re_max = 0
    rw_min = math.inf
    for grid in candidates(max_grid, max_tiles):
        re = effective_resolution(w, h, grid, tile)
        rw = wasted_resolution(w, h, grid, tile)
        if re > re_max or (re == re_max and rw < rw_min):
            best, re_max, rw_min = grid, re, rw
    assert best is not None  # Re = 0 == Re_max with Rw < ∞ accepts the first candidate
    return best


def _internvl_target_ratios(min_num: int, max_num: int) -> list[tuple[int, int]]:
    """InternVL-1.5's candidate list, built the way `dynamic_preprocess` builds it.

    It is a *set* of (i, j) sorted by area i·j alone; Python's sort is stable, so grids of
    equal area keep the set's iteration order, and that order decides equal-area ties in
    `find_closest_aspect_ratio`. Building the same set the same way reproduces it (hashes
    of small-int tuples are not randomised, so the order is the same on every run).
    """
    ratios = {
        (i, j)
        for n in range(min_num, max_num + 1)
        for i in range(1, n + 1)
        for j in range(1, n + 1)
        if min_num <= i * j <= max_num
    }
    return sorted(ratios, key=lambda r: r[0] * r[1])


def internvl_match(
    w: int,
    h: int,
    tile: int = DEFAULT_TILE_SIZE,
    max_num: int = DEFAULT_MAX_GRID**2,
    min_num: int = 1,
) -> Grid:
    """InternVL-1.5's `dynamic_preprocess` + `find_closest_aspect_ratio`.

    Candidates: every i:j (i across, j down) with min_num ≤ i·j ≤ max_num, in ascending
    area. Pick the one whose i/j is closest to w/h (floats, as the original compares
    them); on an exactly equal distance, a later (larger) candidate replaces the current
    one only if the image area exceeds half of that candidate's canvas,
    w·h > 0.5·tile²·i·j. The best distance is not updated on a tie, and the default
    before any candidate is 1:1 — both as in the original.

    It ignores how many pixels the image has (apart from that tie-break), which is why
    a 380×76 strip lands on 5:1 and gets blown up five times.
    """
    _check_size(w, h)
    _check_tile(tile)
    if not 1 <= min_num <= max_num:
        raise ValueError(f"need 1 ≤ min_num ≤ max_num, got {min_num}, {max_num}")
    aspect_ratio = w / h
    area = w * h
    best_ratio_diff = math.inf
    best = (1, 1)
    for i, j in _internvl_target_ratios(min_num, max_num):
        ratio_diff = abs(aspect_ratio - i / j)
        if ratio_diff < best_ratio_diff:
            best_ratio_diff = ratio_diff
            best = (i, j)
        elif ratio_diff == best_ratio_diff and area > 0.5 * tile * tile * i * j:
            best = (i, j)
    return Grid(*best)


def match(
    rule: str,
    w: int,
    h: int,
    tile: int = DEFAULT_TILE_SIZE,
    max_grid: int = DEFAULT_MAX_GRID,
    alpha: float = DEFAULT_ALPHA,
    max_tiles: int | None = None,
) -> Grid:
    """The grid `rule` (one of `RULES`) gives a w×h image.

    The rules share one knob, G: relaxed and LLaVA-NeXT search m, n ∈ 1..G; InternVL gets
    max_num = G² tiles, the same tile budget, but any shape within it (up to G²:1).
    `alpha` only affects the relaxed rule. `max_tiles`, a model's trained limit on the
    number of grid tiles, caps all three.
    """
    if rule == RULE_RELAXED:
        return relaxed_match(w, h, tile, max_grid, alpha, max_tiles)
    if rule == RULE_LLAVA_NEXT:
        return llava_next_match(w, h, tile, max_grid, max_tiles)
    if rule == RULE_INTERNVL:
        _check_max_grid(max_grid)
        return internvl_match(w, h, tile, max_num=min(max_grid * max_grid,
                                                      max_tiles or max_grid * max_grid))
    raise ValueError(f"unknown matching rule {rule!r}; expected one of {', '.join(RULES)}")
