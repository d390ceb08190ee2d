"""The LLM's input: the conversation rendered through the model's chat template
(`chat_template.ChatTemplate`, sandboxed), with each image laid out the way its family was
trained to see it.

1. Images travel through the template as private placeholders ("\\x00bluelm-image-N\\x00").
   User text can never contain one: every NUL is removed from the caller's strings, and
   only `build_prompt` inserts placeholders, for `{"type": "image"}` content items.
2. After rendering, each placeholder is replaced by the family's `LayoutProfile` text
   around the image's tiles and `ImagePart`s for their embeddings (the tiler hands mtmd
   one bitmap per tile, so the profile reproduces mtmd's markers), or, for a family mtmd
   lays out itself, by mtmd's own tokens and image chunks (`ImageLayout.segments`).

`tokenize_prompt` then turns text parts into token ids (special tokens parsed, so
`<|im_start|>` and the image markers are single tokens); the session prefills token runs
and image embeddings in order.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from bluelm_desktop.core.engine.chat_template import ChatTemplate
from bluelm_desktop.core.errors import ModelError, msg
from bluelm_desktop.core.gguf import keys as C

_PLACEHOLDER_RE: Final = re.compile("\x00bluelm-image-([0-9]+)\x00")


def _placeholder(index: int) -> str:
    """The private text standing for image `index` while the template renders.

    NUL cannot be typed and is removed from every caller string (`_clean`), so only
    `build_prompt` can produce this; a template would have to spell it out on purpose.
    """
    return f"\x00bluelm-image-{index}\x00"


# --- prompt parts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TextPart:
    """Text to tokenize (special tokens parsed)."""

    text: str


@dataclass(frozen=True)
class ImagePart:
    """The embeddings of one tile: `tile_index` is row-major over the grid, and the
    thumbnail, when there is one, comes last (index cols·rows)."""

    image_index: int
    tile_index: int
    n_tokens: int


@dataclass(frozen=True)
class TokensPart:
    """Token ids already made (mtmd's own text around the slices of an image)."""

    ids: tuple[int, ...]


Prompt = list[TextPart | TokensPart | ImagePart]


@dataclass(frozen=True)
class MediaSlice:
    """One image chunk of mtmd's layout: its embedding rows and, for models that place
    image tokens in 2-D positions (M-RoPE: the Qwen2-VL family), its grid of nx × ny
    tokens. Such a chunk takes max(nx, ny) positions, not one per row."""

    rows: int
    grid: tuple[int, int] | None = None  # (nx, ny) for M-RoPE models

    @property
    def n_pos(self) -> int:
        return max(self.grid) if self.grid else self.rows


# mtmd's layout of one image: text token ids, or one image chunk.
Segment = tuple[int, ...] | MediaSlice


@dataclass(frozen=True)
class ImageLayout:
    """What the prompt needs from a tile plan (the tiler's grid.cols, grid.rows,
    thumbnail), kept as plain ints so this module does not depend on the tiler.

    `segments`, when set, is an image laid out by mtmd itself (`MediaImage.segments`,
    families we have no layout of our own for): its text tokens and image chunks are
    used as they are, and `tokens_per_tile` is then only the planner's estimate.
    """

    cols: int
    rows: int
    thumbnail: bool
    tokens_per_tile: int
    segments: tuple[Segment, ...] = ()

    def __post_init__(self) -> None:
        for name in ("cols", "rows", "tokens_per_tile"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")

    @functools.cached_property
    def slices(self) -> tuple[MediaSlice, ...]:
        """The image chunks of mtmd's layout, in order (none for a layout of ours); read for
        every image row the KV cache places, so worked out once."""
        return tuple(s for s in self.segments if isinstance(s, MediaSlice))

    @property
    def n_tiles(self) -> int:
        """Embedding blocks the encoder makes: tiles, or mtmd's image chunks."""
        if self.segments:
            return len(self.slices)
        return self.cols * self.rows + int(self.thumbnail)

    def tile_rows(self, index: int) -> int:
        """Embedding rows of tile (or image chunk) `index`."""
        if self.segments:
            return self.slices[index].rows
        return self.tokens_per_tile

    @property
    def image_tokens(self) -> int:
        """LLM positions of the image's embeddings (its marker text not counted)."""
        return sum(self.tile_rows(k) for k in range(self.n_tiles))


@dataclass(frozen=True)
class LayoutProfile:
    """The text a model family expects around an image and its tiles.

    Order: image_begin, then for each grid tile in row-major order tile_begin (with
    "{row}"/"{col}" replaced by 1-based numbers), the tile, tile_end; then
    thumbnail_begin, the thumbnail, thumbnail_end; then image_end. A lone tile (1×1, no
    thumbnail) gets tile_begin/tile_end only if `label_single_tile`. `after_image` is
    plain text the family's own chat code puts between an image and the text after it.
    """

    name: str
    image_begin: str = ""
    image_end: str = ""
    tile_begin: str = ""
    tile_end: str = ""
    thumbnail_begin: str = ""
    thumbnail_end: str = ""
    label_single_tile: bool = True
    after_image: str = ""

    def tile_label(self, row: int, col: int) -> str:
        """tile_begin for the tile in (1-based) row, col."""
        return self.tile_begin.replace("{row}", str(row)).replace("{col}", str(col))

    def marker_texts(self, max_cols: int, max_rows: int) -> tuple[str, ...]:
        """Every marker this profile can emit for grids up to max_cols × max_rows: each
        must be one token of the model's vocab (checked when the model loads), or the
        model sees text it never saw in training."""
        texts = [self.image_begin, self.image_end, self.tile_end]
        texts += [self.thumbnail_begin, self.thumbnail_end]
        texts += [
            self.tile_label(r, c) for r in range(1, max_rows + 1) for c in range(1, max_cols + 1)
        ]
        return tuple(dict.fromkeys(t for t in texts if t))


# LFM2-VL's multi-tile format, as llama.cpp's mtmd writes it for projector type lfm2
# (tools/mtmd/mtmd.cpp, PROJECTOR_TYPE_LFM2 and the slice loop in mtmd_tokenize):
#   <|image_start|> <|img_row_1_col_1|> tile … <|img_thumbnail|> thumbnail <|image_end|>
# and a single tile as <|image_start|> tile <|image_end|>. Our BlueLM-layout models run
# on that projector and their vocab carries exactly these tokens (constants.LFM2_IMAGE_TOKENS).
LFM2: Final = LayoutProfile(
    name="lfm2",
    image_begin="<|image_start|>",
    image_end="<|image_end|>",
    tile_begin="<|img_row_{row}_col_{col}|>",
    thumbnail_begin="<|img_thumbnail|>",
    label_single_tile=False,
)
BLUELM: Final = dataclasses.replace(LFM2, name=C.LAYOUT_BLUELM)

# InternVL: "<img>" + every tile's embeddings (row-major, thumbnail last) + "</img>", no
# per-tile text; then "\n" before the question. InternVL's chat() builds
# IMG_START_TOKEN + IMG_CONTEXT_TOKEN * num_image_token * num_patches + IMG_END_TOKEN and
# puts it where '<image>\n' + question had '<image>'; dynamic_preprocess crops row-major
# and appends the thumbnail last. mtmd agrees: img_beg "<img>", img_end "</img>", slices
# then overview (ov_img_first = false), nothing between slices.
INTERNVL: Final = LayoutProfile(
    name=C.LAYOUT_INTERNVL, image_begin="<img>", image_end="</img>", after_image="\n"
)

# Families mtmd lays out itself (families.MTMD): the markers come with its tokenization.
MTMD: Final = LayoutProfile(name="mtmd")

PROFILES: Final[Mapping[str, LayoutProfile]] = MappingProxyType(
    {
        C.LAYOUT_BLUELM: BLUELM,
        "lfm2": LFM2,  # mtmd's projector-type name, for LFM2-VL GGUFs without our metadata
        C.LAYOUT_INTERNVL: INTERNVL,
    }
)


def _meta_text(metadata: Mapping[str, object], key: str) -> str | None:
    """A text value under `key` or its prefix-less summary spelling (as the tiler reads)."""
    value = metadata.get(key)
    if value is None:
        value = metadata.get(key.removeprefix("bluelm."))
    if value is None:
        return None
    if not isinstance(value, str):
        raise ModelError(msg("model metadata {key} should be text, got {value}"), key=key,
                         value=f"{value!r:.60}")
    return value


def profile_for(layout: str | None, metadata: Mapping[str, object]) -> LayoutProfile:
    """The layout profile for a model: by `layout` name (or the model's `bluelm.layout`
    metadata when None), else a generic one.

    The generic profile wraps each tile, thumbnail included, in the metadata's
    `bluelm.prompt.image_begin`/`image_end` ("text before/after each tile", as the keys
    are defined: what mtmd puts around each bitmap it is given) and nothing when they are
    absent.
    """
    name = layout if layout is not None else _meta_text(metadata, C.KEY_LAYOUT)
    if name is not None and name in PROFILES:
        return PROFILES[name]
    begin = _meta_text(metadata, C.KEY_IMAGE_BEGIN) or ""
    end = _meta_text(metadata, C.KEY_IMAGE_END) or ""
    return LayoutProfile(
        name=name or "generic",
        tile_begin=begin,
        tile_end=end,
        thumbnail_begin=begin,
        thumbnail_end=end,
    )


def media_parts(image_index: int, segments: Sequence[Segment]) -> Prompt:
    """The parts for an image mtmd laid out: its token runs and image chunks, in order."""
    parts: Prompt = []
    chunk = 0
    for segment in segments:
        if isinstance(segment, MediaSlice):
            parts.append(ImagePart(image_index, chunk, segment.rows))
            chunk += 1
        else:
            parts.append(TokensPart(tuple(segment)))
    return parts


def image_parts(
    profile: LayoutProfile,
    image_index: int,
    cols: int,
    rows: int,
    thumbnail: bool,
    tokens_per_tile: int,
) -> Prompt:
    """The parts for one image: marker text and one ImagePart per tile, in profile order."""
    layout = ImageLayout(cols, rows, thumbnail, tokens_per_tile)  # validates
    parts: Prompt = []

    def text(t: str) -> None:
        if t:
            parts.append(TextPart(t))

    labelled = profile.label_single_tile or layout.n_tiles > 1
    text(profile.image_begin)
    for r in range(rows):
        for c in range(cols):
            if labelled:
                text(profile.tile_label(r + 1, c + 1))
            parts.append(ImagePart(image_index, r * cols + c, tokens_per_tile))
            if labelled:
                text(profile.tile_end)
    if thumbnail:
        text(profile.thumbnail_begin)
        parts.append(ImagePart(image_index, rows * cols, tokens_per_tile))
        text(profile.thumbnail_end)
    text(profile.image_end)
    return merge_text(parts)


def merge_text(parts: Iterable[TextPart | TokensPart | ImagePart]) -> Prompt:
    """Join adjacent text parts and drop empty ones (one tokenize call per text run)."""
    out: Prompt = []
    for part in parts:
        if isinstance(part, TextPart):
            if not part.text:
                continue
            last = out[-1] if out else None
            if isinstance(last, TextPart):
                out[-1] = TextPart(last.text + part.text)
                continue
        out.append(part)
    return out


def count_image_tokens(prompt: Iterable[TextPart | TokensPart | ImagePart]) -> int:
    return sum(p.n_tokens for p in prompt if isinstance(p, ImagePart))


# --- messages → prompt -----------------------------------------------------------------------


def _clean(value: object) -> object:
    """Caller data with every NUL removed, so no user text can forge an image placeholder."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _flatten(messages: Sequence[Mapping[str, object]]) -> tuple[list[dict[str, object]], int]:
    """Messages with string content for the template, images replaced by placeholders.

    Content is a string (text only) or a list of Hugging Face-style items,
    `{"type": "text", "text": …}` and `{"type": "image"}`; images are numbered in order
    of appearance across the conversation. The template always sees a string: that is
    what text-only templates expect, and llama.cpp's server flattens the same way.
    """
    flat: list[dict[str, object]] = []
    n_images = 0
    for i, message in enumerate(messages):
        out = {str(k): _clean(v) for k, v in message.items() if k != "content"}
        content = message.get("content")
        if isinstance(content, list | tuple):
            pieces: list[str] = []
            for item in content:
                kind = item.get("type") if isinstance(item, Mapping) else None
                if kind == "image":
                    pieces.append(_placeholder(n_images))
                    n_images += 1
                elif kind == "text" and isinstance(item.get("text"), str):
                    pieces.append(str(_clean(item["text"])))
                else:
                    raise ValueError(f"message {i}: unsupported content item {item!r:.80}")
            out["content"] = "".join(pieces)
        elif content is None or isinstance(content, str):
            out["content"] = _clean(content)
        else:
            raise ValueError(f"message {i}: content must be text or a list of items")
        flat.append(out)
    return flat, n_images


def build_prompt(
    template: ChatTemplate,
    profile: LayoutProfile,
    messages: Sequence[Mapping[str, object]],
    images: Sequence[ImageLayout],
    add_generation_prompt: bool = True,
) -> Prompt:
    """Render the conversation and expand each image where its message put it.

    `images[k]` is the plan of the k-th `{"type": "image"}` item. Each image must come out
    of the template exactly once: a template that drops or repeats message content would
    otherwise silently lose an image or feed it twice, so that is a `ModelError`.
    """
    flat, n_images = _flatten(messages)
    if n_images != len(images):
        raise ValueError(f"the messages hold {n_images} images but {len(images)} plans came")
    text = template.render(flat, add_generation_prompt)
    pieces = _PLACEHOLDER_RE.split(text)
    parts: Prompt = []
    seen: list[int] = []
    for k, piece in enumerate(pieces):
        if k % 2 == 0:
            parts.append(TextPart(piece))
            continue
        index = int(piece)
        if index >= n_images:  # only a template that spells out our placeholder
            raise ModelError(msg("chat template: it wrote an image placeholder of its own"))
        if index in seen:
            raise ModelError(msg("chat template: image {n} appears more than once"),
                             n=index + 1)
        seen.append(index)
        plan = images[index]
        if plan.segments:  # mtmd's own layout, markers included
            parts += media_parts(index, plan.segments)
            continue
        parts += image_parts(
            profile, index, plan.cols, plan.rows, plan.thumbnail, plan.tokens_per_tile
        )
        parts.append(TextPart(profile.after_image))
    if len(seen) != n_images:
        missing = min(set(range(n_images)) - set(seen))
        raise ModelError(msg("chat template: image {n} was dropped from the prompt"),
                         n=missing + 1)
    return merge_text(parts)


def tokenize_prompt(
    prompt: Iterable[TextPart | TokensPart | ImagePart], tokenize: Callable[[str], list[int]]
) -> list[list[int] | ImagePart]:
    """Token ids for each text run, image parts passed through, in order.

    `tokenize` must parse special tokens (`LlamaModel.tokenize` does by default) so
    `<|im_start|>` and image markers become their single ids, and must not add BOS: the
    template prints it when the model wants one. As with Hugging Face and llama.cpp's
    server, special-token text typed by the user is parsed too.
    """
    out: list[list[int] | ImagePart] = []
    for part in prompt:
        if isinstance(part, ImagePart):
            out.append(part)
        elif isinstance(part, TokensPart):
            out.append(list(part.ids))
        elif part.text:
            out.append(list(tokenize(part.text)))
    return out
