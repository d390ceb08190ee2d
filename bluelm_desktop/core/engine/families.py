"""How a vision model's images are laid out, decided from the metadata llama.cpp itself reads.

A model file written by llama.cpp's own converter (what users download: InternVL3,
LFM2-VL, anything from LM Studio or Jan) carries `clip.projector_type`,
`clip.vision.image_size`, `clip.vision.patch_size`, `clip.vision.projector.scale_factor`
and, for families that slice images, `clip.vision.preproc_min_tiles/max_tiles`; it carries
none of our `bluelm.*` keys. Those keys, written by `bluelm-convert`, are overrides: where
present they win, where absent the model configures itself from llama.cpp's keys. Every
choice is recorded with where it came from (`VisionFamily.decisions`, shown by
`bluelm-convert inspect`), and the engine checks the one that matters most — tokens per
tile — against mtmd's own tokenization when the model loads.

The families whose tile layout is ours to build (the relaxed matcher cuts the tiles, we
write the text around them, exactly as the family was trained):
- `bluelm`: our converter's BlueLM-V-3B layout, on mtmd's lfm2 projector
  (`<|image_start|>`, `<|img_row_R_col_C|>` labels, `<|img_thumbnail|>`, `<|image_end|>`);
- `internvl`: InternVL 2.5/3 — "<img>" + every tile + thumbnail + "</img>", at most
  `preproc_max_tiles` (12) grid tiles.
Every other projector llama.cpp knows (LFM2-VL, Gemma 3, SmolVLM, MiniCPM-V, Pixtral, …) is
the `mtmd` family: no layout of ours and no guess — the whole image goes to
`mtmd_tokenize`, which slices it and writes that family's markers exactly as
llama-mtmd-cli and llama-server do (`native.MediaImage`), including models that place
image tokens in 2-D positions (M-RoPE: the Qwen2-VL family; session.KvCache places
them) and families whose image tokens attend both ways (Gemma 3). Images are refused,
with a one-line reason, only for a projector without vision or one llama.cpp does not
know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from bluelm_desktop.core.engine.prompt import MTMD as MTMD_PROFILE
from bluelm_desktop.core.engine.prompt import PROFILES, LayoutProfile, profile_for
from bluelm_desktop.core.errors import Line, ModelError, VisionUnsupported, msg, value_line
from bluelm_desktop.core.gguf import keys as C
from bluelm_desktop.core.gguf.check import KEY_PROJECTOR_TYPE, llama_cpp_projectors
from bluelm_desktop.core.vision.tiling import MtmdSlicing, TilingParams

KEY_IMAGE_SIZE: Final = "clip.vision.image_size"
KEY_PATCH_SIZE: Final = "clip.vision.patch_size"
KEY_SCALE: Final = "clip.vision.projector.scale_factor"
KEY_MIN_TILES: Final = "clip.vision.preproc_min_tiles"
KEY_MAX_TILES: Final = "clip.vision.preproc_max_tiles"
KEY_PREPROC_SIZE: Final = "clip.vision.preproc_image_size"

MTMD: Final = "mtmd"  # the family of every projector mtmd lays out itself
# Largest side of an image handed whole to mtmd when the projector names none: mtmd
# resizes to its family's own size; this only bounds the pixels kept per page.
WHOLE_IMAGE_SIDE: Final = 2048

# Projector type (llama.cpp's name) → our layout family, where our fixed square tiles are
# what the family was trained on. Not LFM2-VL (`lfm2` without our keys): it takes a small
# image whole at a size between its min and max image tokens, a large one as 512-px tiles
# plus a thumbnail of dynamic size, so mtmd lays it out (a real LFM2-VL mmproj even says
# clip.vision.image_size 256, which is no tile size of it). Our BlueLM files run on the
# lfm2 projector too; they say bluelm.layout.
FAMILY_OF_PROJECTOR: Final = {"internvl": C.LAYOUT_INTERNVL}
# What llama.cpp's mtmd assumes when a file does not say (clip.cpp, the preproc_*_tiles
# defaults of each projector): InternVL's dynamic_preprocess limits.
DEFAULT_MAX_TILES: Final = {C.LAYOUT_INTERNVL: 12}


THE_PROJECTOR: Final = Line(msg("the projector"))  # a file named by no name


@dataclass(frozen=True)
class Decision:
    """One configuration choice and the metadata (or rule) it came from."""

    setting: str
    value: str
    source: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.value} ({self.source})"


@dataclass(frozen=True)
class VisionFamily:
    """The layout a projector's images get: tiling, the text around tiles, and why."""

    name: str
    tiling: TilingParams  # the model's own; the user's budget and G go on top
    profile: LayoutProfile
    decisions: tuple[Decision, ...]


def vision_family(meta: Mapping[str, object], file_name: str | Line = THE_PROJECTOR
                  ) -> VisionFamily:
    """The vision family of an mmproj from its metadata. `VisionUnsupported` (one line)
    when its layout is not known here, `ModelError` when a value is unusable."""
    decisions: list[Decision] = []

    def decide(setting: str, value: object, source: str) -> None:
        decisions.append(Decision(setting, str(value), source))

    projector = _text(meta, KEY_PROJECTOR_TYPE, file_name)
    override = _text(meta, C.KEY_LAYOUT, file_name)
    if override is not None:
        name = override
        decide("family", name, f"{C.KEY_LAYOUT} (bluelm-convert)")
    elif projector in FAMILY_OF_PROJECTOR:
        name = FAMILY_OF_PROJECTOR[projector]
        decide("family", name, f"{KEY_PROJECTOR_TYPE} = {projector}")
    elif projector is None:
        raise VisionUnsupported(msg("{name}: no {key}: not a vision projector llama.cpp "
                                    "knows; the model can still answer text"),
                                name=file_name, key=KEY_PROJECTOR_TYPE)
    else:
        return _mtmd_family(meta, projector, file_name)
    if name not in PROFILES:
        raise ModelError(msg("{name}: unknown {key} {value}"), name=file_name,
                         key=C.KEY_LAYOUT, value=repr(name))
    profile = profile_for(name, meta)

    image_size = _int(meta, KEY_IMAGE_SIZE, file_name)
    tile_size = _int(meta, C.KEY_TILE_SIZE, file_name)
    if tile_size is not None:
        decide("tile size", f"{tile_size} px", f"{C.KEY_TILE_SIZE} (bluelm-convert)")
    elif image_size is not None:
        tile_size = image_size
        decide("tile size", f"{tile_size} px", KEY_IMAGE_SIZE)
    else:
        raise ModelError(msg("{name}: no {key}: not a vision projector"), name=file_name,
                         key=KEY_IMAGE_SIZE)

    tokens = _int(meta, C.KEY_TOKENS_PER_TILE, file_name)
    if tokens is not None:
        decide("tokens per tile", tokens, f"{C.KEY_TOKENS_PER_TILE} (bluelm-convert)")
    else:
        patch = _int(meta, KEY_PATCH_SIZE, file_name)
        scale = _int(meta, KEY_SCALE, file_name) or 1
        if not patch or tile_size % (patch * scale):
            raise ModelError(msg("{name}: a {tile}-px tile is not a whole number of "
                                 "{patch}-px patches merged {scale}×{scale}"),
                             name=file_name, tile=tile_size, patch=patch, scale=scale)
        tokens = (tile_size // patch // scale) ** 2
        decide("tokens per tile", tokens,
               f"({tile_size} px ÷ {KEY_PATCH_SIZE} {patch} ÷ {KEY_SCALE} {scale})²; "
               "checked against mtmd's tokenization at load")

    base = TilingParams.from_gguf_metadata(meta)  # bluelm.tiling.* where present
    max_tiles = _int(meta, KEY_MAX_TILES, file_name)
    if max_tiles is not None:
        decide("most grid tiles", max_tiles, KEY_MAX_TILES)
    elif name in DEFAULT_MAX_TILES:
        max_tiles = DEFAULT_MAX_TILES[name]
        decide("most grid tiles", max_tiles, f"{name}'s trained limit (mtmd's default)")
    if C.KEY_MAX_GRID in meta:
        decide("largest grid G", base.max_grid, f"{C.KEY_MAX_GRID} (bluelm-convert)")
    decide("thumbnail", base.thumbnail, C.KEY_THUMBNAIL if C.KEY_THUMBNAIL in meta
           else "when the grid has more than one tile, as InternVL and LFM2-VL train")
    try:
        tiling = replace(base, tile_size=tile_size, tokens_per_tile=tokens, max_tiles=max_tiles)
    except ValueError as e:
        raise ModelError(msg("{name}: {problem}"), name=file_name,
                         problem=value_line(e)) from None
    decide("text around tiles", _describe(profile), f"the {name} layout")
    return VisionFamily(name, tiling, profile, tuple(decisions))


def _mtmd_family(meta: Mapping[str, object], projector: str, file_name: str | Line
                 ) -> VisionFamily:
    """A projector whose layout mtmd builds: the image goes whole, mtmd slices it."""
    if projector not in llama_cpp_projectors():
        raise VisionUnsupported(msg("{name}: projector {projector} is not one llama.cpp "
                                    "knows; the model can still answer text"),
                                name=file_name, projector=repr(projector))
    source = f"{KEY_PROJECTOR_TYPE} = {projector}: llama.cpp's own layout (mtmd_tokenize)"
    decisions = [Decision("family", MTMD, source)]
    image_size = _int(meta, KEY_IMAGE_SIZE, file_name)
    preproc = _int(meta, KEY_PREPROC_SIZE, file_name)
    side = max(image_size or 1, preproc or WHOLE_IMAGE_SIDE)
    decisions.append(Decision(
        "image handed to mtmd", f"whole, at most {side} px a side",
        f"{KEY_PREPROC_SIZE}" if preproc else f"{WHOLE_IMAGE_SIDE} px (mtmd resizes to its own)"))
    patch = _int(meta, KEY_PATCH_SIZE, file_name)
    scale = _int(meta, KEY_SCALE, file_name) or 1
    estimate = (image_size // patch // scale) ** 2 if image_size and patch else 256
    decisions.append(Decision(
        "tokens per image", "mtmd's, counted when the image is tokenized",
        f"about {max(1, estimate)} per slice for budgets, from the clip.vision keys"))
    slicing = _mtmd_slicing(meta, projector, image_size, patch, scale, preproc)
    if slicing is not None:
        decisions.append(Decision(
            "positions per image", f"counted as mtmd slices ({slicing.kind}, {slicing.side} px)",
            "llama.cpp's tools/mtmd/mtmd-image.cpp for this projector"))
    tiling = TilingParams(tile_size=side, tokens_per_tile=max(1, estimate), max_grid=1,
                          whole_image=True, slicing=slicing)
    decisions.append(Decision("text around slices", "mtmd's markers for this family",
                              "mtmd_tokenize"))
    return VisionFamily(MTMD, tiling, MTMD_PROFILE, tuple(decisions))


# Projectors whose image mtmd resizes to multiples of patch × merge (its dyn_size rule),
# with llama.cpp's limit on one image's positions (clip.cpp: set_limit_image_tokens).
DYNAMIC_PROJECTORS: Final = {"qwen2vl_merger": 4096, "qwen2.5vl_merger": 4096,
                             "qwen3vl_merger": 4096}
KEY_SPATIAL_MERGE: Final = "clip.vision.spatial_merge_size"


def _mtmd_slicing(meta: Mapping[str, object], projector: str, image_size: int | None,
                  patch: int | None, scale: int, preproc: int | None) -> MtmdSlicing | None:
    """How mtmd counts an image's positions for `projector`, where we know it (else None:
    the budget keeps the per-slice estimate)."""
    if not patch:
        return None
    if projector in DYNAMIC_PROJECTORS:
        merge = meta.get(KEY_SPATIAL_MERGE, 2)
        merge = merge if isinstance(merge, int) and merge > 0 else 2
        return MtmdSlicing(MtmdSlicing.DYNAMIC, patch * merge,
                           max_tokens=DYNAMIC_PROJECTORS[projector])
    if projector == "idefics3" and image_size and preproc:
        per_slice = max(1, (image_size // patch // scale) ** 2)
        return MtmdSlicing(MtmdSlicing.SLICES, image_size, longest_edge=preproc,
                           tokens_per_slice=per_slice)
    return None


def _describe(p: LayoutProfile) -> str:
    parts = [p.image_begin, p.tile_begin and f"{p.tile_begin} per tile",
             p.thumbnail_begin and f"{p.thumbnail_begin} before the thumbnail", p.image_end]
    return " ".join(x for x in parts if x) or "none"


def _text(meta: Mapping[str, object], key: str, file_name: str | Line) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise ModelError(msg("{name}: metadata {key} should be text, got {value}"),
                         name=file_name, key=key, value=f"{value!r:.60}")
    return value


def _int(meta: Mapping[str, object], key: str, file_name: str | Line) -> int | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ModelError(msg("{name}: metadata {key} should be a positive whole number, got "
                             "{value}"), name=file_name, key=key, value=f"{value!r:.60}")
    return value
