"""Tile plans and tile cutting: the paper's phone screen, the token budget, the model's
metadata, and properties of the pixels (coverage, padding, thumbnail, source rects).

Property tests use small tiles (8–48 px) so hundreds of cuts run in a few seconds; the
arithmetic does not care about the tile size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelm_desktop.core.errors import ModelError
from bluelm_desktop.core.gguf.summary import summarize
from bluelm_desktop.core.vision.resolution import RULES, Grid, match
from bluelm_desktop.core.vision.tiling import (
    BUDGET_PRESETS,
    PAD_VALUE,
    THUMBNAIL_MODES,
    Tile,
    TilePlan,
    TilingParams,
    cut_tiles,
    plan_image,
)
from model_convert import constants as C
from model_convert.convert import Converted

A4_300DPI = (2480, 3508)

small_tiles = st.integers(min_value=8, max_value=48)
small_grids = st.integers(min_value=1, max_value=4)
rules = st.sampled_from(RULES)
thumb_modes = st.sampled_from(THUMBNAIL_MODES)


@st.composite
def small_plans(draw: st.DrawFn) -> tuple[TilePlan, TilingParams]:
    tile = draw(small_tiles)
    g = draw(small_grids)
    params = TilingParams(
        tile_size=tile,
        max_grid=g,
        rule=draw(rules),
        thumbnail=draw(thumb_modes),
        alpha=draw(st.sampled_from([0.0, 0.1, 0.3])),
    )
    w = draw(st.integers(min_value=1, max_value=tile * (g + 1)))
    h = draw(st.integers(min_value=1, max_value=tile * (g + 1)))
    return plan_image(w, h, params), params


def noise(w: int, h: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def reassemble(tiles: list[Tile], plan: TilePlan) -> np.ndarray:
    s = plan.tile_size
    out = np.zeros((plan.canvas[1], plan.canvas[0], 3), dtype=np.uint8)
    for t in tiles:
        if not t.is_thumbnail:
            out[t.row * s : (t.row + 1) * s, t.col * s : (t.col + 1) * s] = t.pixels
    return out


# --- params ------------------------------------------------------------------------


def test_defaults_are_the_papers() -> None:
    p = TilingParams()
    assert (p.tile_size, p.max_grid, p.alpha, p.tokens_per_tile) == (384, 4, 0.1, 196)
    assert (p.rule, p.thumbnail, p.max_image_tokens) == ("relaxed", "multi-tile-only", None)


@pytest.mark.parametrize(
    "bad",
    [
        {"tile_size": 0},
        {"max_grid": 0},
        {"alpha": -1.0},
        {"alpha": float("nan")},
        {"tokens_per_tile": 0},
        {"rule": "nearest"},
        {"thumbnail": "sometimes"},
        {"max_image_tokens": 0},
    ],
)
def test_bad_params_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TilingParams(**bad)  # type: ignore[arg-type]


def test_params_from_metadata() -> None:
    meta: dict[str, object] = {
        C.KEY_TILE_SIZE: 448,
        C.KEY_MAX_GRID: 3,
        C.KEY_ALPHA: 0.2,
        C.KEY_TOKENS_PER_TILE: 256,
        C.KEY_THUMBNAIL: "always",
        C.KEY_LAYOUT: "internvl",  # not ours to read: ignored
    }
    assert TilingParams.from_gguf_metadata(meta) == TilingParams(
        tile_size=448, max_grid=3, alpha=0.2, tokens_per_tile=256, thumbnail="always"
    )
    assert TilingParams.from_gguf_metadata({}) == TilingParams()
    assert TilingParams.from_gguf_metadata({C.KEY_TILE_SIZE: np.uint32(392)}).tile_size == 392
    assert TilingParams.from_gguf_metadata({C.KEY_TILE_SIZE: 392.0}).tile_size == 392


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (C.KEY_TILE_SIZE, "384"),
        (C.KEY_TILE_SIZE, 384.5),
        (C.KEY_TILE_SIZE, True),
        (C.KEY_TILE_SIZE, 0),
        (C.KEY_ALPHA, "0.1"),
        (C.KEY_THUMBNAIL, 1),
        (C.KEY_THUMBNAIL, "sometimes"),
        (C.KEY_MAX_GRID, -2),
    ],
)
def test_bad_metadata_is_a_model_error(key: str, value: object) -> None:
    with pytest.raises(ModelError, match="tiling"):
        TilingParams.from_gguf_metadata({key: value})


@pytest.mark.parametrize("layout", C.LAYOUTS)
def test_params_from_a_converted_model(tiny_models: Callable[..., Converted], layout: str) -> None:
    """The converter's keys, read back through `inspect` (which strips `bluelm.`)."""
    mmproj = tiny_models(layout).mmproj
    tiling = summarize(mmproj).tiling
    params = TilingParams.from_gguf_metadata(tiling)
    assert params.tile_size == tiling["tiling.tile_size"]
    assert params.tokens_per_tile == tiling["tiling.tokens_per_tile"]
    assert params.max_grid == tiling["tiling.max_grid"]
    assert params.alpha == pytest.approx(tiling["tiling.alpha"])
    assert params.thumbnail == C.THUMBNAIL_MULTI_TILE_ONLY


# --- plans -------------------------------------------------------------------------


def test_paper_phone_screen_plan() -> None:
    plan = plan_image(768, 1536)
    assert plan.grid == Grid(2, 4)
    assert (plan.canvas, plan.scaled_size) == ((768, 1536), (768, 1536))
    assert plan.thumbnail
    assert (plan.tiles, plan.image_tokens) == (9, 1764)


def test_single_tile_gets_no_thumbnail_unless_asked() -> None:
    assert plan_image(394, 390).tiles == 1
    assert plan_image(394, 390, TilingParams(thumbnail="always")).tiles == 2
    assert plan_image(768, 1536, TilingParams(thumbnail="never")).tiles == 8


def test_budget_presets() -> None:
    full = plan_image(*A4_300DPI)
    assert (str(full.grid), full.tiles, full.image_tokens) == ("3:4", 13, 2548)
    assert BUDGET_PRESETS["fine print"] is None
    assert BUDGET_PRESETS["fast"] == (2 * 2 + 1) * 196
    fast = plan_image(*A4_300DPI, TilingParams(max_image_tokens=BUDGET_PRESETS["fast"]))
    assert (str(fast.grid), fast.tiles, fast.image_tokens) == ("2:2", 5, 980)


def test_budget_never_goes_below_one_tile() -> None:
    plan = plan_image(*A4_300DPI, TilingParams(max_image_tokens=1))
    assert plan.grid == Grid(1, 1)
    assert plan.image_tokens == 196


@settings(max_examples=200)
@given(
    w=st.integers(1, 8000),
    h=st.integers(1, 8000),
    g=st.integers(1, 6),
    rule=rules,
    thumbnail=thumb_modes,
    budget=st.integers(1, 8000),
)
def test_budget_is_respected_whenever_one_tile_fits(
    w: int, h: int, g: int, rule: str, thumbnail: str, budget: int
) -> None:
    params = TilingParams(max_grid=g, rule=rule, thumbnail=thumbnail, max_image_tokens=budget)
    plan = plan_image(w, h, params)
    smallest = plan_image(w, h, dataclasses.replace(params, max_grid=1, max_image_tokens=None))
    if smallest.image_tokens <= budget:
        assert plan.image_tokens <= budget
    # Whatever G the budget left, the grid is one the rule itself gives at that G.
    assert any(
        match(rule, w, h, params.tile_size, k, params.alpha) == plan.grid for k in range(1, g + 1)
    )
    unlimited = plan_image(w, h, dataclasses.replace(params, max_image_tokens=None))
    if unlimited.image_tokens <= budget:
        assert plan == unlimited  # a budget that is not needed changes nothing


@given(w=st.integers(1, 8000), h=st.integers(1, 8000), rule=rules)
def test_plan_is_consistent(w: int, h: int, rule: str) -> None:
    plan = plan_image(w, h, TilingParams(rule=rule))
    assert plan.canvas == (plan.grid.cols * 384, plan.grid.rows * 384)
    sw, sh = plan.scaled_size
    assert 1 <= sw <= plan.canvas[0] and 1 <= sh <= plan.canvas[1]
    assert sw == plan.canvas[0] or sh == plan.canvas[1]
    assert plan.image_tokens == plan.tiles * 196
    assert plan_image(w, h, TilingParams(rule=rule)) == plan  # deterministic


# --- cutting -----------------------------------------------------------------------


def test_phone_screen_is_cut_bit_exactly_row_major() -> None:
    img = noise(768, 1536)
    plan = plan_image(768, 1536)
    tiles = cut_tiles(img, plan)
    assert [t.index for t in tiles] == list(range(9))
    assert [(t.row, t.col) for t in tiles[:8]] == [(r, c) for r in range(4) for c in range(2)]
    assert np.array_equal(reassemble(tiles, plan), img)  # no resize: the source, bit for bit
    assert tiles[-1].is_thumbnail and tiles[-1].source_rect == (0, 0, 768, 1536)
    assert tiles[3].source_rect == (384, 384, 768, 768)
    for t in tiles:
        assert t.pixels.shape == (384, 384, 3) and t.pixels.dtype == np.uint8
        assert t.pixels.flags.c_contiguous and not t.pixels.flags.writeable


def test_padding_is_white_at_the_bottom_right() -> None:
    img = np.zeros((390, 394, 3), dtype=np.uint8)  # black: padding stands out
    plan = plan_image(394, 390)
    (tile,) = cut_tiles(img, plan)
    assert plan.scaled_size == (384, 380)
    assert (tile.pixels[:380] == 0).all()
    assert (tile.pixels[380:] == PAD_VALUE).all()


def test_downscaling_is_antialiased() -> None:
    """A 1-px checkerboard shrunk 4× must average to grey, not alias to black or white."""
    checker = (np.indices((1536, 1536)).sum(axis=0) % 2 * 255).astype(np.uint8)
    img = np.repeat(checker[:, :, None], 3, axis=2)
    plan = plan_image(1536, 1536, TilingParams(max_grid=1))
    (tile,) = cut_tiles(img, plan)
    assert abs(float(tile.pixels.mean()) - 127.5) < 2
    assert tile.pixels.std() < 8


@settings(max_examples=150, deadline=None)
@given(planned=small_plans(), colour=st.integers(0, 254))
def test_tiles_cover_the_padded_canvas_exactly(
    planned: tuple[TilePlan, TilingParams], colour: int
) -> None:
    """A flat image stays flat through any resize, so the canvas is known exactly: the
    image's colour on the scaled rectangle at the top left, white everywhere else."""
    plan, _ = planned
    w, h = plan.source_size
    tiles = cut_tiles(np.full((h, w, 3), colour, dtype=np.uint8), plan)
    assert len(tiles) == plan.tiles
    expected = np.full((plan.canvas[1], plan.canvas[0], 3), PAD_VALUE, dtype=np.uint8)
    expected[: plan.scaled_size[1], : plan.scaled_size[0]] = colour
    assert np.array_equal(reassemble(tiles, plan), expected)
    for t in tiles:
        assert t.pixels.shape == (plan.tile_size, plan.tile_size, 3)
        if not t.is_thumbnail:
            # None exactly for the tiles that show nothing but padding.
            assert (t.source_rect is None) == bool((t.pixels == PAD_VALUE).all())


@settings(max_examples=150, deadline=None)
@given(planned=small_plans(), colour=st.integers(0, 254))
def test_thumbnail_keeps_the_aspect_ratio(
    planned: tuple[TilePlan, TilingParams], colour: int
) -> None:
    plan, _ = planned
    w, h = plan.source_size
    s = plan.tile_size
    tw, th = plan.thumbnail_size
    assert tw == s or th == s
    assert abs(tw - w * s / max(w, h)) <= 1 and abs(th - h * s / max(w, h)) <= 1
    tiles = cut_tiles(np.full((h, w, 3), colour, dtype=np.uint8), plan)
    thumbs = [t for t in tiles if t.is_thumbnail]
    assert len(thumbs) == (1 if plan.thumbnail else 0)
    if thumbs:
        (thumb,) = thumbs
        assert thumb.index == len(tiles) - 1
        shown = (thumb.pixels != PAD_VALUE).any(axis=2)
        assert shown.sum() == tw * th and shown[:th, :tw].all()


@settings(max_examples=150, deadline=None)
@given(planned=small_plans())
def test_source_rects_partition_the_image(planned: tuple[TilePlan, TilingParams]) -> None:
    """Exactly once each — unless a source pixel came out wider than a tile (possible only
    for an image with fewer pixels than the grid has tiles, e.g. 1×1 on 2:2 at α = 0):
    then tiles inside one pixel all name it, and every pixel is still covered."""
    plan, _ = planned
    w, h = plan.source_size
    tiles = cut_tiles(noise(w, h), plan)
    covered = np.zeros((h, w), dtype=np.int32)
    for t in tiles:
        if t.is_thumbnail or t.source_rect is None:
            continue
        x0, y0, x1, y1 = t.source_rect
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        covered[y0:y1, x0:x1] += 1
    sw, sh = plan.scaled_size
    if sw <= plan.tile_size * w and sh <= plan.tile_size * h:
        assert (covered == 1).all()
    else:
        assert (covered >= 1).all()


def test_a_pixel_wider_than_a_tile_is_named_by_every_tile_inside_it() -> None:
    plan = plan_image(1, 1, TilingParams(tile_size=8, max_grid=2, alpha=0.0))
    assert plan.grid == Grid(2, 2) and plan.scaled_size == (16, 16)
    rects = [t.source_rect for t in cut_tiles(noise(1, 1), plan)]
    assert rects == [(0, 0, 1, 1)] * 5


@settings(max_examples=50, deadline=None)
@given(planned=small_plans(), seed=st.integers(0, 2**16))
def test_cutting_is_deterministic(planned: tuple[TilePlan, TilingParams], seed: int) -> None:
    plan, _ = planned
    img = noise(*plan.source_size, seed=seed)
    first, second = cut_tiles(img, plan), cut_tiles(img.copy(), plan)
    assert [(t.index, t.row, t.col, t.source_rect) for t in first] == [
        (t.index, t.row, t.col, t.source_rect) for t in second
    ]
    assert all(np.array_equal(a.pixels, b.pixels) for a, b in zip(first, second, strict=True))


def test_cut_refuses_images_the_plan_is_not_for() -> None:
    plan = plan_image(100, 50)
    with pytest.raises(ValueError, match="100×50"):
        cut_tiles(noise(50, 100), plan)
    with pytest.raises(ValueError, match="uint8"):
        cut_tiles(noise(100, 50).astype(np.float32), plan)
    with pytest.raises(ValueError, match="RGB"):
        cut_tiles(np.zeros((50, 100, 4), dtype=np.uint8), plan)
