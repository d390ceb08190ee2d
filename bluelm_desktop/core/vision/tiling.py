"""From an image to the tiles the vision encoder sees: plan (grid, canvas, thumbnail, token
cost) and cut (resize, pad, crop).

The plan is pure arithmetic (`plan_image`), so a page's cost is known before it is
rendered and the token budget can shrink the grid before any pixel is touched. Cutting
(`cut_tiles`) is the only pixel work: Pillow for the resize, numpy for padding and crops.
Every tile is exactly tile_size × tile_size, because mtmd re-slices anything larger than
the model's image size and stretches anything smaller (DESIGN §5): one bitmap per tile,
assembled into the prompt by us.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from bluelm_desktop.core.errors import InvalidValue, ModelError, msg, value_line
from bluelm_desktop.core.gguf import keys as C
from bluelm_desktop.core.vision.resolution import (
    DEFAULT_TILE_SIZE,
    RULE_RELAXED,
    RULES,
    Grid,
    canvas,
    fit,
    match,
)

DEFAULT_TOKENS_PER_TILE: Final = 196  # 27×27 SigLIP patches, zero-padded to 28×28, 2×2-merged

THUMBNAIL_MULTI_TILE_ONLY: Final = C.THUMBNAIL_MULTI_TILE_ONLY  # the paper's layout
THUMBNAIL_ALWAYS: Final = "always"
THUMBNAIL_NEVER: Final = "never"
THUMBNAIL_MODES: Final = (THUMBNAIL_MULTI_TILE_ONLY, THUMBNAIL_ALWAYS, THUMBNAIL_NEVER)

PAD_VALUE: Final = 255  # white: the paper of a document, not a black frame around it

# Image-token caps per page. On a laptop CPU an A4 page at G = 4 is 3:4 = 12 tiles plus the
# thumbnail, 13 × 196 = 2,548 tokens: minutes of prefill on a 3B model before the first
# answer token. "fast" allows at most a 2×2 grid plus the thumbnail at the paper's
# 196 tokens per tile, (2·2 + 1) × 196 = 980 tokens, about 2.6× less; a model with more
# tokens per tile gets fewer tiles under the same cap (tokens are what cost time).
# "fine print" has no cap: the full G the model was trained with, for small text.
BUDGET_FAST: Final = (2 * 2 + 1) * DEFAULT_TOKENS_PER_TILE
BUDGET_PRESETS: Final[Mapping[str, int | None]] = MappingProxyType(
    {"fast": BUDGET_FAST, "fine print": None}
)

Rect = tuple[int, int, int, int]
Pixels = npt.NDArray[np.uint8]


MTMD_MIN_TOKENS: Final = 8  # clip.cpp: set_limit_image_tokens(8, …) for Qwen-VL


@dataclass(frozen=True)
class MtmdSlicing:
    """How mtmd turns a whole image into positions, for families it lays out itself, so a
    budget counts what the engine will prefill (the arithmetic of llama.cpp's
    tools/mtmd/mtmd-image.cpp; tests/integration/test_replica_models.py checks it against
    mtmd itself).

    - DYNAMIC (Qwen2-VL, 2.5-VL, 3-VL): the image is resized to multiples of `side`
      (patch × merge, 28 px) within `max_tokens` of them; one position per side × side.
    - SLICES (Idefics3 / SmolVLM): the longer edge is resized to `longest_edge`, the image
      cut into `side`-px slices (rounding up) plus one overview; `tokens_per_slice` each.
    """

    DYNAMIC: ClassVar[str] = "dynamic"
    SLICES: ClassVar[str] = "slices"

    kind: str
    side: int
    max_tokens: int = 0  # DYNAMIC: mtmd's limit on one image's positions
    longest_edge: int = 0  # SLICES
    tokens_per_slice: int = 0  # SLICES

    def tokens(self, w: int, h: int) -> int:
        """Positions mtmd gives a `w` × `h` image (its arithmetic, step by step)."""
        s = self.side
        if self.kind == self.DYNAMIC:  # img_tool::calc_size_preserved_ratio, no longest edge
            w_bar = max(s, math.floor(w / s + 0.5) * s)
            h_bar = max(s, math.floor(h / s + 0.5) * s)
            max_px, min_px = self.max_tokens * s * s, MTMD_MIN_TOKENS * s * s
            if self.max_tokens and w_bar * h_bar > max_px:
                beta = math.sqrt(h * w / max_px)
                h_bar = max(s, math.floor(h / beta / s) * s)
                w_bar = max(s, math.floor(w / beta / s) * s)
            elif w_bar * h_bar < min_px:
                beta = math.sqrt(min_px / (h * w))
                h_bar, w_bar = math.ceil(h * beta / s) * s, math.ceil(w * beta / s) * s
            return (w_bar // s) * (h_bar // s)
        edge = self.longest_edge  # mtmd_image_preprocessor_idefics3
        aspect = w / h
        if w >= h:
            rw, rh = edge, int(edge / aspect)
            rh += rh % 2
        else:
            rw, rh = int(edge * aspect), edge
            rw += rw % 2
        return (math.ceil(rw / s) * math.ceil(rh / s) + 1) * self.tokens_per_slice

    def fit(self, w: int, h: int, max_tokens: int) -> tuple[int, int]:
        """`w` × `h` shrunk (never enlarged) until `tokens` ≤ `max_tokens` where shrinking
        helps (DYNAMIC); SLICES resizes to its longest edge whatever it is given."""
        if self.kind != self.DYNAMIC or self.tokens(w, h) <= max_tokens:
            return w, h
        scale = math.sqrt(max_tokens * self.side * self.side / (w * h))
        while True:
            sw, sh = max(1, int(w * scale)), max(1, int(h * scale))
            if self.tokens(sw, sh) <= max_tokens or min(sw, sh) <= self.side:
                return sw, sh
            scale *= 0.97


@dataclass(frozen=True)
class TilingParams:
    """Everything that decides a tile plan. Frozen, so a plan request can be handed to a
    worker and compared with the next one ("latest request wins") without copying.

    tile_size, max_grid (G), alpha and tokens_per_tile belong to the model (its GGUF
    metadata, see `from_gguf_metadata`); rule and max_image_tokens are the user's
    (comparison and speed/detail trade-off).
    """

    tile_size: int = DEFAULT_TILE_SIZE
    max_grid: int = C.DEFAULT_MAX_GRID
    alpha: float = C.DEFAULT_ALPHA
    tokens_per_tile: int = DEFAULT_TOKENS_PER_TILE
    rule: str = RULE_RELAXED
    thumbnail: str = THUMBNAIL_MULTI_TILE_ONLY
    max_image_tokens: int | None = None
    # The model family's trained limit on grid tiles (InternVL3: 12), the thumbnail not
    # counted; None: only G limits the grid.
    max_tiles: int | None = None
    # For families mtmd lays out itself (families.MTMD): no grid of ours; the image goes
    # whole, shrunk (never enlarged) to fit tile_size × tile_size, and mtmd slices it as
    # the family was trained. tokens_per_tile is then an estimate for budgets only,
    # unless `slicing` says how mtmd counts (then the plan's count is mtmd's).
    whole_image: bool = False
    slicing: MtmdSlicing | None = None

    @property
    def can_shrink(self) -> bool:
        """Whether a token budget makes an image's plan smaller: a grid of ours can be
        lowered, an image mtmd resizes freely can be handed over smaller (DYNAMIC); other
        families mtmd lays out take the image at their own size."""
        return not self.whole_image or (self.slicing is not None
                                        and self.slicing.kind == MtmdSlicing.DYNAMIC)

    def __post_init__(self) -> None:
        # Checked here so a bad value fails where it is made, not deep in a worker.
        if self.tile_size < 1:
            raise BadTiling(msg("{name} must be ≥ 1, got {value}"), name="tile_size",
                            value=self.tile_size)
        if self.max_grid < 1:
            raise BadTiling(msg("{name} must be ≥ 1, got {value}"), name="max_grid",
                            value=self.max_grid)
        if not self.alpha >= 0:  # also rejects NaN
            raise BadTiling(msg("{name} must be ≥ 0, got {value}"), name="alpha",
                            value=self.alpha)
        if self.tokens_per_tile < 1:
            raise BadTiling(msg("{name} must be ≥ 1, got {value}"), name="tokens_per_tile",
                            value=self.tokens_per_tile)
        if self.max_tiles is not None and self.max_tiles < 1:
            raise BadTiling(msg("{name} must be ≥ 1 or None, got {value}"), name="max_tiles",
                            value=self.max_tiles)
        if self.rule not in RULES:
            raise BadTiling(msg("{name} must be one of {choices}, got {value}"), name="rule",
                            choices=", ".join(RULES), value=repr(self.rule))
        if self.thumbnail not in THUMBNAIL_MODES:
            raise BadTiling(msg("{name} must be one of {choices}, got {value}"),
                            name="thumbnail", choices=", ".join(THUMBNAIL_MODES),
                            value=repr(self.thumbnail))
        if self.max_image_tokens is not None and self.max_image_tokens < 1:
            raise BadTiling(msg("{name} must be ≥ 1 or None, got {value}"),
                            name="max_image_tokens", value=self.max_image_tokens)

    def wants_thumbnail(self, grid: Grid) -> bool:
        """Whether `grid` gets a global thumbnail tile.

        The paper adds one to the grid tiles; for a 1:1 grid it does not say, and the
        default adds none, since the single tile already is the whole image.
        """
        if self.thumbnail == THUMBNAIL_ALWAYS:
            return True
        if self.thumbnail == THUMBNAIL_NEVER:
            return False
        return grid.tiles > 1

    @classmethod
    def from_gguf_metadata(cls, meta: Mapping[str, object]) -> TilingParams:
        """Params from a model's `bluelm.tiling.*` metadata; missing keys take the defaults.

        Accepts the full keys (`bluelm.tiling.tile_size`) and, as a convenience, the
        prefix-less form that `GGUFSummary.tiling` uses (`tiling.tile_size`). A present
        but unusable value is the model file's fault: `ModelError`, one line, naming the
        key, rather than a plan silently built from a default the model was not trained on.
        """
        defaults = cls()
        tile_size = _meta_int(meta, C.KEY_TILE_SIZE, defaults.tile_size)
        max_grid = _meta_int(meta, C.KEY_MAX_GRID, defaults.max_grid)
        alpha = _meta_float(meta, C.KEY_ALPHA, defaults.alpha)
        tokens_per_tile = _meta_int(meta, C.KEY_TOKENS_PER_TILE, defaults.tokens_per_tile)
        thumbnail = _meta_str(meta, C.KEY_THUMBNAIL, defaults.thumbnail)
        try:
            return cls(
                tile_size=tile_size,
                max_grid=max_grid,
                alpha=alpha,
                tokens_per_tile=tokens_per_tile,
                thumbnail=thumbnail,
            )
        except ValueError as e:
            raise ModelError(msg("bad tiling metadata in the model: {problem}"),
                             problem=value_line(e)) from None


class BadTiling(InvalidValue):
    """A tiling parameter out of range: a `ValueError` (a caller's bug, or bad metadata)
    that also carries a translatable line (`line`) for when it reaches the user."""


def _meta_get(meta: Mapping[str, object], key: str) -> object:
    """The value under `key` or its summary spelling without the `bluelm.` prefix
    (`inspect_gguf` strips it; importing its constant would pull gguf-py into the core)."""
    value = meta.get(key)
    if value is None:
        value = meta.get(key.removeprefix("bluelm."))
    return value


def _meta_int(meta: Mapping[str, object], key: str, default: int) -> int:
    value = _meta_get(meta, key)
    if value is None:
        return default
    if isinstance(value, bool):  # a bool is an Integral to Python, never a size to us
        raise ModelError(msg("model metadata {key} should be an integer, got {value}"),
                         key=key, value=repr(value))
    if isinstance(value, numbers.Integral):
        return int(value)
    # f32 metadata written by a careless converter: accept 384.0, not 384.5.
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    raise ModelError(msg("model metadata {key} should be an integer, got {value}"), key=key,
                     value=repr(value))


def _meta_float(meta: Mapping[str, object], key: str, default: float) -> float:
    value = _meta_get(meta, key)
    if value is None:
        return default
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise ModelError(msg("model metadata {key} should be a number, got {value}"), key=key,
                     value=repr(value))


def _meta_str(meta: Mapping[str, object], key: str, default: str) -> str:
    value = _meta_get(meta, key)
    if value is None:
        return default
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    raise ModelError(msg("model metadata {key} should be a string, got {value}"), key=key,
                     value=repr(value))


@dataclass(frozen=True)
class TilePlan:
    """What an image will cost and how it will be cut, before any pixel is touched.

    `canvas` is the grid's W×H; `scaled_size` is the image resized to fit it keeping its
    aspect ratio (one side fills the canvas, the other is floored, never below 1 px);
    the rest of the canvas is padding. `source_size` is the w×h the plan was made for, so
    `cut_tiles` can refuse an image the plan does not belong to.
    """

    grid: Grid
    tile_size: int
    canvas: tuple[int, int]
    scaled_size: tuple[int, int]
    thumbnail: bool
    tokens_per_tile: int
    source_size: tuple[int, int]
    whole_image: bool = False  # one "tile": the image at scaled_size (TilingParams)

    @property
    def tiles(self) -> int:
        """Tiles the encoder runs: the grid's plus the thumbnail, if any."""
        return self.grid.tiles + (1 if self.thumbnail else 0)

    @property
    def image_tokens(self) -> int:
        """LLM positions the image takes (tile markers and labels not included)."""
        return self.tiles * self.tokens_per_tile

    @property
    def thumbnail_size(self) -> tuple[int, int]:
        """The whole image fitted into one tile, keeping its aspect ratio."""
        return _fit_pixels(*self.source_size, self.tile_size, self.tile_size)


def _fit_pixels(w: int, h: int, box_w: int, box_h: int) -> tuple[int, int]:
    """`fit`, clamped to at least one pixel each way so there is always something to draw
    (an extreme strip can floor to 0 px thick; Re counts that as 0, a bitmap cannot)."""
    sw, sh = fit(w, h, box_w, box_h)
    return max(1, sw), max(1, sh)


def _plan_for_grid(w: int, h: int, grid: Grid, params: TilingParams) -> TilePlan:
    big = canvas(grid, params.tile_size)
    return TilePlan(
        grid=grid,
        tile_size=params.tile_size,
        canvas=big,
        scaled_size=_fit_pixels(w, h, *big),
        thumbnail=params.wants_thumbnail(grid),
        tokens_per_tile=params.tokens_per_tile,
        source_size=(w, h),
    )


def plan_image(w: int, h: int, params: TilingParams | None = None) -> TilePlan:
    """The tile plan for a w×h image under `params` (defaults: the paper's).

    With a token budget, G is lowered one step at a time (G, G−1, …, 1) and the rule is
    run again until the plan's image tokens fit. Lowering G rather than dropping tiles
    keeps every plan one the rule itself could produce. At G = 1 the plan is returned
    even if it does not fit: an image always gets at least one tile.
    """
    params = params or TilingParams()
    if w < 1 or h < 1:
        raise ValueError(f"image size must be at least 1×1 pixels, got {w}×{h}")
    if params.whole_image:
        side = params.tile_size
        size = (w, h) if max(w, h) <= side else _fit_pixels(w, h, side, side)
        tokens = params.tokens_per_tile
        if params.slicing is not None:
            if params.max_image_tokens is not None:
                size = params.slicing.fit(*size, params.max_image_tokens)
            tokens = params.slicing.tokens(*size)
        return TilePlan(grid=Grid(1, 1), tile_size=side, canvas=size, scaled_size=size,
                        thumbnail=False, tokens_per_tile=tokens,
                        source_size=(w, h), whole_image=True)
    for g in range(params.max_grid, 0, -1):
        grid = match(params.rule, w, h, params.tile_size, g, params.alpha, params.max_tiles)
        plan = _plan_for_grid(w, h, grid, params)
        budget = params.max_image_tokens
        if budget is None or plan.image_tokens <= budget or g == 1:
            return plan  # at G = 1 even over budget: the smallest plan there is
    raise AssertionError("unreachable: max_grid ≥ 1 is checked by TilingParams")


@dataclass(frozen=True, eq=False)
class Tile:
    """One encoder input: a tile_size × tile_size × 3 uint8 RGB array (C-contiguous, read-
    only, ready to hand to mtmd as a bitmap) and where it came from.

    `row`/`col` are the grid position (row-major `index`); the thumbnail comes last, with
    `is_thumbnail` set and row = col = 0 (it is a 1×1 grid of its own). `source_rect` is
    (x0, y0, x1, y1), end-exclusive, in source-image pixels: what this tile shows, for the
    overlay and for pointing answers at a region. Grid tiles' rects partition the image
    (one degenerate exception: `_source_span`); a tile that shows only padding has None.
    eq=False: tiles hold arrays, so compare their pixels, not the tiles.
    """

    index: int
    row: int
    col: int
    is_thumbnail: bool
    pixels: Pixels
    source_rect: Rect | None


def cut_tiles(image: Pixels, plan: TilePlan) -> list[Tile]:
    """Cut `image` (H, W, 3) uint8 RGB into the plan's tiles: grid tiles row-major, then the
    thumbnail when `plan.thumbnail`.

    The image is resized to `plan.scaled_size` and padded white to the canvas, anchored
    top-left: documents are read from the top-left, so text keeps its position relative
    to the first tile, and the padding collects where a page has its margins anyway.
    """
    _check_image(image, plan)
    if plan.whole_image:  # mtmd slices it: the image itself, at most tile_size a side
        src_w, src_h = plan.source_size
        pixels = image if plan.scaled_size == plan.source_size else _resize(
            image, plan.scaled_size)
        return [Tile(index=0, row=0, col=0, is_thumbnail=False, pixels=_frozen(pixels),
                     source_rect=(0, 0, src_w, src_h))]
    s = plan.tile_size
    big_w, big_h = plan.canvas
    sw, sh = plan.scaled_size
    padded = np.full((big_h, big_w, 3), PAD_VALUE, dtype=np.uint8)
    padded[:sh, :sw] = _resize(image, plan.scaled_size)

    src_w, src_h = plan.source_size
    tiles: list[Tile] = []
    for row in range(plan.grid.rows):
        for col in range(plan.grid.cols):
            x0, y0 = col * s, row * s
            rect: Rect | None = None
            if x0 < sw and y0 < sh:  # the tile shows at least one image pixel
                left, right = _source_span(x0, s, sw, src_w)
                top, bottom = _source_span(y0, s, sh, src_h)
                rect = (left, top, right, bottom)
            tiles.append(
                Tile(
                    index=len(tiles),
                    row=row,
                    col=col,
                    is_thumbnail=False,
                    pixels=_frozen(padded[y0 : y0 + s, x0 : x0 + s]),
                    source_rect=rect,
                )
            )
    if plan.thumbnail:
        tw, th = plan.thumbnail_size
        thumb = np.full((s, s, 3), PAD_VALUE, dtype=np.uint8)
        thumb[:th, :tw] = _resize(image, (tw, th))
        tiles.append(
            Tile(
                index=len(tiles),
                row=0,
                col=0,
                is_thumbnail=True,
                pixels=_frozen(thumb),
                source_rect=(0, 0, src_w, src_h),
            )
        )
    return tiles


def _check_image(image: Pixels, plan: TilePlan) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("cut_tiles needs a uint8 numpy array")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"cut_tiles needs an (H, W, 3) RGB array, got shape {image.shape}")
    size = (image.shape[1], image.shape[0])
    if size != plan.source_size:
        raise ValueError(
            f"the plan is for a {plan.source_size[0]}×{plan.source_size[1]} image, "
            f"got {size[0]}×{size[1]}"
        )


def _source_span(start: int, tile: int, scaled: int, source: int) -> tuple[int, int]:
    """The source pixels [a, b) a tile starting at `start` on the scaled image (along one
    axis) shows, for a tile that shows any (start < scaled).

    Boundaries are floored in integers and shared by neighbouring tiles, so the rects
    partition the source with no gap or overlap and the last one ends at the source
    edge. That leaves a tile empty only when one source pixel is wider than a whole tile
    after scaling (a 1×1 image on 4:4 at α = 0); such a tile shows the inside of the
    pixel it starts in, and gets that pixel (overlapping its neighbour) rather than an
    empty rect.
    """

    def to_source(x: int) -> int:
        return source if x >= scaled else x * source // scaled

    a = to_source(start)
    return a, max(to_source(min(start + tile, scaled)), a + 1)


def _resize(image: Pixels, size: tuple[int, int]) -> Pixels:
    """`image` resized to `size` (w, h); the array itself when the size already matches,
    so an image that needs no scaling reaches the encoder bit for bit.

    BICUBIC, as the reference preprocessors the models were trained with use; LANCZOS
    when shrinking by more than 2× (a 300-dpi page onto a few tiles), where its wider
    kernel keeps thin strokes of small print sharper. Pillow widens either kernel with
    the reduction factor, so both are antialiased.
    """
    src_h, src_w = image.shape[:2]
    if (src_w, src_h) == size:
        return image
    shrink = max(src_w / size[0], src_h / size[1])
    method = Image.Resampling.LANCZOS if shrink > 2 else Image.Resampling.BICUBIC
    resized = Image.fromarray(np.ascontiguousarray(image)).resize(size, method)
    return np.asarray(resized, dtype=np.uint8)


def _frozen(pixels: Pixels) -> Pixels:
    """A contiguous, read-only copy: tiles outlive the canvas and cross threads, and a
    frozen dataclass should not hand out a writable buffer."""
    out = np.array(pixels, dtype=np.uint8, order="C", copy=True)
    out.flags.writeable = False
    return out
