"""The grid matchers: the paper's examples, the relaxed rule's quirks, InternVL's tie-break,
and properties checked against an independent, exact (Fraction) reading of DESIGN §1.

Also the question the issue asks: does the relaxed rule ever pick a *larger* grid than
LLaVA-NeXT over the same candidates? Exhaustive sweeps (tile 1–24 px, G 1–6, α from 0.01
to 3, every w, h up to 2·tile·G) and random sampling found cases only where the rule is
meant to lose: α = 0 (G:G by construction) and images under one pixel thick at every scale
(Re = 0 everywhere, the first candidate is kept). The property below keeps looking; the
two kinds of exceptions are pinned as regression examples.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelm_desktop.core.vision import resolution as R
from bluelm_desktop.core.vision.resolution import (
    RULES,
    Grid,
    candidates,
    canvas,
    effective_resolution,
    fit,
    internvl_match,
    llava_next_match,
    match,
    relaxed_match,
    wasted_resolution,
)

PAPER_TILE = 384

sizes = st.integers(min_value=1, max_value=6000)
grids = st.integers(min_value=1, max_value=6)
tiles = st.sampled_from([384, 392, 448, 14, 100])
alphas = st.sampled_from([0.01, 0.05, 0.1, 0.2, 0.5, 1.0])


# --- an independent reading of DESIGN §1, in exact arithmetic ------------------------


def ref_re_rw(w: int, h: int, m: int, n: int, tile: int) -> tuple[int, int]:
    big_w, big_h = m * tile, n * tile
    s = min(Fraction(big_w, w), Fraction(big_h, h))
    re = min(math.floor(w * s) * math.floor(h * s), w * h)
    return re, big_w * big_h - re


def ref_relaxed(
    w: int, h: int, order: Iterable[tuple[int, int]], tile: int, alpha: float
) -> tuple[int, int]:
    best: tuple[int, int] | None = None
    re_max, rw_min = 0, math.inf
    for m, n in order:
        re, rw = ref_re_rw(w, h, m, n, tile)
        if (
            best is None
            or re - re_max > alpha * re_max
            or (re_max - re < alpha * re_max and rw < rw_min)
        ):
            best, re_max, rw_min = (m, n), re, rw
    assert best is not None
    return best


def paper_order(g: int) -> list[tuple[int, int]]:
    return [(m, n) for m in range(g, 0, -1) for n in range(g, 0, -1)]


def as_pair(grid: Grid) -> tuple[int, int]:
    return grid.cols, grid.rows


# --- the paper ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("w", "h", "relaxed", "rule", "other"),
    [
        (394, 390, "1:1", "llava-next", "2:2"),
        (380, 76, "1:1", "internvl6", "5:1"),
        (380, 393, "1:1", "llava-next", "1:2"),
        (500, 102, "2:1", "internvl", "5:1"),
        (500, 102, "2:1", "internvl6", "5:1"),
        (768, 1536, "2:4", "llava-next", "2:4"),
    ],
)
def test_paper_examples(w: int, h: int, relaxed: str, rule: str, other: str) -> None:
    assert str(relaxed_match(w, h)) == relaxed
    assert str(relaxed_match(w, h, PAPER_TILE, 4, 0.1)) == relaxed
    if rule == "internvl6":  # the paper's InternVL comparison uses max_num = 6
        got = internvl_match(w, h, PAPER_TILE, max_num=6)
    else:
        got = match(rule, w, h, PAPER_TILE, 4, 0.1)
    assert str(got) == other


def test_paper_phone_screen_is_eight_tiles() -> None:
    grid = relaxed_match(768, 1536)
    assert (grid.cols, grid.rows, grid.tiles) == (2, 4, 8)
    assert canvas(grid, PAPER_TILE) == (768, 1536)


def test_llava_next_example_needs_the_384_tile() -> None:
    """The paper's LLaVA-NeXT example is a 384-px fact: with the 392-px tiles the llama.cpp
    mapping uses (DESIGN §3) 394×390 goes to 2:1, with 448 to 1:1. The relaxed answers
    do not move."""
    assert str(llava_next_match(394, 390, 384)) == "2:2"
    assert str(llava_next_match(394, 390, 392)) == "2:1"
    assert str(llava_next_match(394, 390, 448)) == "1:1"
    for tile in (384, 392, 448):
        assert str(relaxed_match(394, 390, tile)) == "1:1"


@given(w=sizes, h=sizes, g=grids, tile=tiles)
def test_alpha_zero_always_gives_the_largest_grid(w: int, h: int, g: int, tile: int) -> None:
    assert relaxed_match(w, h, tile, g, alpha=0.0) == Grid(g, g)


# --- the pieces --------------------------------------------------------------------


def test_grid_basics() -> None:
    grid = Grid(3, 2)
    assert (grid.tiles, str(grid)) == (6, "3:2")
    assert canvas(grid, 384) == (1152, 768)
    with pytest.raises(ValueError):
        Grid(0, 1)


def test_candidates_are_visited_in_reverse_row_major_order() -> None:
    assert [str(g) for g in candidates(2)] == ["2:2", "2:1", "1:2", "1:1"]
    assert [as_pair(g) for g in candidates(4)] == paper_order(4)
    assert len(candidates(6)) == 36


def test_effective_and_wasted_resolution_by_hand() -> None:
    # 394×390 on one tile: s = 384/394, 384 × floor(390·384/394) = 384 × 380.
    assert effective_resolution(394, 390, Grid(1, 1), 384) == 384 * 380
    assert wasted_resolution(394, 390, Grid(1, 1), 384) == 384 * 384 - 384 * 380
    # On 2:2 it would be enlarged: Re is capped at the image's own pixels.
    assert effective_resolution(394, 390, Grid(2, 2), 384) == 394 * 390
    assert wasted_resolution(394, 390, Grid(2, 2), 384) == 768 * 768 - 394 * 390


@given(w=sizes, h=sizes, m=grids, n=grids, tile=tiles)
def test_resolutions_match_exact_arithmetic(w: int, h: int, m: int, n: int, tile: int) -> None:
    grid = Grid(m, n)
    assert (
        effective_resolution(w, h, grid, tile),
        wasted_resolution(w, h, grid, tile),
    ) == ref_re_rw(w, h, m, n, tile)


@given(w=sizes, h=sizes, box_w=sizes, box_h=sizes)
def test_fit_fills_one_side_and_floors_the_other(w: int, h: int, box_w: int, box_h: int) -> None:
    sw, sh = fit(w, h, box_w, box_h)
    s = min(Fraction(box_w, w), Fraction(box_h, h))
    assert (sw, sh) == (math.floor(w * s), math.floor(h * s))
    assert sw == box_w or sh == box_h


@pytest.mark.parametrize("bad", [(0, 10), (10, 0), (-1, 5)])
def test_empty_images_are_refused(bad: tuple[int, int]) -> None:
    for rule in RULES:
        with pytest.raises(ValueError):
            match(rule, *bad)


def test_unknown_rule_and_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown matching rule"):
        match("nearest", 100, 100)
    with pytest.raises(ValueError):
        relaxed_match(100, 100, alpha=-0.1)
    with pytest.raises(ValueError):
        relaxed_match(100, 100, alpha=math.nan)
    with pytest.raises(ValueError):
        candidates(0)
    with pytest.raises(ValueError):
        internvl_match(100, 100, max_num=2, min_num=3)


# --- the relaxed rule as written, quirks included ----------------------------------


@settings(max_examples=300)
@given(w=sizes, h=sizes, g=grids, tile=tiles, alpha=alphas)
def test_relaxed_is_the_design_rule(w: int, h: int, g: int, tile: int, alpha: float) -> None:
    assert as_pair(relaxed_match(w, h, tile, g, alpha)) == ref_relaxed(
        w, h, paper_order(g), tile, alpha
    )


def test_effective_resolution_drifts_down_a_chain_of_acceptances() -> None:
    """420×1198: 4:4 → 4:3 → 3:4 → 3:3 → 2:4 → 2:3 → 1:4 → 1:3, each step losing less
    than α of the *previous* Re; the end keeps 84 % of the best Re (more than α lost)."""
    best_re = effective_resolution(420, 1198, Grid(4, 4), 384)
    grid = relaxed_match(420, 1198)
    assert str(grid) == "1:3"
    assert effective_resolution(420, 1198, grid, 384) / best_re == pytest.approx(0.836, abs=1e-3)


def test_visiting_order_matters() -> None:
    """Visiting the same candidates smallest-first gives another answer for 398×825."""
    ascending = list(reversed(paper_order(4)))
    assert str(relaxed_match(398, 825)) == "1:2"
    assert ref_relaxed(398, 825, ascending, 384, 0.1) == (2, 3)


def test_first_candidate_is_kept_when_nothing_else_is_accepted() -> None:
    """A 1×2000 line is under one pixel wide at every scale (Re = 0 everywhere): the
    formula accepts nothing, the first candidate stands."""
    assert relaxed_match(1, 2000) == Grid(4, 4)
    assert relaxed_match(5000, 3) == Grid(4, 4)


@given(w=sizes, h=sizes, g=grids, tile=tiles, alpha=alphas)
def test_grids_stay_within_bounds(w: int, h: int, g: int, tile: int, alpha: float) -> None:
    for grid in (relaxed_match(w, h, tile, g, alpha), llava_next_match(w, h, tile, g)):
        assert 1 <= grid.cols <= g and 1 <= grid.rows <= g
    ivl = match("internvl", w, h, tile, g, alpha)
    assert 1 <= ivl.tiles <= g * g


@given(w=sizes, h=sizes, g=grids, tile=tiles, alpha=alphas)
def test_matching_is_deterministic(w: int, h: int, g: int, tile: int, alpha: float) -> None:
    for rule in RULES:
        assert match(rule, w, h, tile, g, alpha) == match(rule, w, h, tile, g, alpha)


# --- relaxed vs LLaVA-NeXT ---------------------------------------------------------


@settings(max_examples=500)
@given(w=sizes, h=sizes, g=grids, tile=tiles, alpha=alphas)
def test_relaxed_never_uses_more_tiles_than_llava_next(
    w: int, h: int, g: int, tile: int, alpha: float
) -> None:
    """For α > 0 and an image that is visible on the largest grid, no counterexample has
    been found (see the module docstring); this keeps looking."""
    if effective_resolution(w, h, Grid(g, g), tile) == 0:
        return  # under a pixel thick everywhere: pinned below
    relaxed = relaxed_match(w, h, tile, g, alpha)
    llava = llava_next_match(w, h, tile, g)
    assert relaxed.tiles <= llava.tiles


@pytest.mark.parametrize(
    ("w", "h", "alpha", "relaxed", "llava"),
    [
        (394, 390, 0.0, "4:4", "2:2"),  # α = 0: the largest grid, by construction
        (1, 1548, 0.1, "4:4", "1:1"),  # Re = 0 everywhere: the first candidate stands
    ],
)
def test_where_relaxed_uses_more_tiles_than_llava_next(
    w: int, h: int, alpha: float, relaxed: str, llava: str
) -> None:
    assert str(relaxed_match(w, h, alpha=alpha)) == relaxed
    assert str(llava_next_match(w, h)) == llava


# --- InternVL-1.5 ------------------------------------------------------------------


def test_internvl_candidates_are_sorted_by_area() -> None:
    ratios = R._internvl_target_ratios(1, 6)
    areas = [i * j for i, j in ratios]
    assert areas == sorted(areas)
    assert set(ratios) == {(i, j) for i in range(1, 7) for j in range(1, 7) if i * j <= 6}


def test_internvl_prefers_a_larger_equal_ratio_grid_only_for_large_images() -> None:
    # 1:1, 2:2, 3:3, 4:4 all match a square; a later one wins only if the image area
    # exceeds half its canvas: 768² > 0.5·384²·4, but not > 0.5·384²·9.
    assert str(internvl_match(768, 768, 384, max_num=16)) == "2:2"
    assert str(internvl_match(500, 500, 384, max_num=16)) == "1:1"
    assert str(internvl_match(1536, 1536, 384, max_num=16)) == "4:4"


def test_internvl_equal_distance_tie_goes_by_list_order_and_area() -> None:
    # With only 1:2 and 2:1 allowed, w/h = 1.25 is exactly 0.75 from both. The set's
    # order puts 1:2 first; 2:1 replaces it only when w·h > 0.5·384²·2 = 384².
    assert R._internvl_target_ratios(2, 2) == [(1, 2), (2, 1)]
    assert str(internvl_match(5, 4, 384, max_num=2, min_num=2)) == "1:2"
    assert str(internvl_match(480, 384, 384, max_num=2, min_num=2)) == "2:1"


def test_internvl_uses_g_squared_tiles() -> None:
    assert match("internvl", 3000, 100, 384, 4) == internvl_match(3000, 100, 384, max_num=16)
    assert str(match("internvl", 3000, 100, 384, 4)) == "16:1"  # beyond G across


def test_a_family_tile_limit_removes_larger_grids_and_keeps_the_order() -> None:
    """InternVL3 was trained on at most 12 tiles: with G = 4, 4:4 is no candidate, and
    the rest keep the paper's visiting order."""
    full = candidates(4)
    limited = candidates(4, max_tiles=12)
    assert Grid(4, 4) in full and Grid(4, 4) not in limited
    assert limited == tuple(g for g in full if g.cols * g.rows <= 12)
    assert candidates(4, max_tiles=16) == full
    # an A4 scan: 3:4 (12 tiles) is what the relaxed rule keeps under the limit
    assert relaxed_match(1240, 1755, 448, 4, 0.1, max_tiles=12) == Grid(3, 4)
    assert all(g.cols * g.rows <= 12 for g in (
        match(rule, w, h, 448, 4, 0.1, max_tiles=12)
        for rule in RULES for w, h in ((4000, 500), (500, 4000), (3000, 3000))))
