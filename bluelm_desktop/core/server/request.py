"""What goes to a llama-server: a page as OpenAI chat content parts, sampling as its fields.

How a page is sent (README, "What is sent to a server"):
- **Families whose tile layout is ours** (BlueLM, InternVL: `families.vision_family`, from
  the projector's metadata when the file is here): the tiles our planner cut — the
  paper's relaxed matcher, within the document budget — one image each, in the family's
  order (grid row-major, the thumbnail last), with the family's text between them
  (BlueLM/LFM2's `<|img_row_R_col_C|>` before each tile, `<|img_thumbnail|>` before the
  thumbnail). Each tile is exactly the model's tile size, so the server's mtmd neither
  slices nor resizes it. What differs from the in-process engine: mtmd wraps every image
  it is given in the projector's begin/end markers (`<|image_start|>`…`<|image_end|>`,
  `<img>`…`</img>`), so each tile gets its own pair where the trained layout has one pair
  around all of them; llama-server has no way to take a bitmap without them.
- **Every other family, or no projector file here**: the page whole (at most 2,048 px a
  side, as the in-process engine hands it to mtmd), and the server's mtmd slices it and
  writes that family's markers, exactly as llama-server does for any client.
- **A page's text layer** goes as text, headed as the in-process prompt has it, before
  the question; the two are the same text the engine's session renders.
Tiles travel as PNG data URIs (lossless: the server decodes the pixels the planner cut).
Adjacent text parts are joined here, because llama-server joins text parts with a line
break of its own (and puts none next to an image).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

from bluelm_desktop.core.engine.prompt import ImageLayout, LayoutProfile
from bluelm_desktop.core.engine.sampling import SamplingParams

Part = dict[str, Any]  # one OpenAI content part: {"type": "text"|"image_url", …}
PNG_LEVEL: Final = 1  # zlib level: tiles are encoded per page while the user waits


def text_part(text: str) -> Part:
    return {"type": "text", "text": text}


def image_part(pixels: np.ndarray) -> Part:
    """An (H, W, 3) uint8 RGB array as a PNG data URI."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), "RGB").save(
        buffer, "PNG", compress_level=PNG_LEVEL)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}


def tile_label(profile: LayoutProfile, layout: ImageLayout, index: int) -> tuple[str, str]:
    """The family's text before and after tile `index` (row-major; thumbnail last)."""
    grid = layout.cols * layout.rows
    if layout.thumbnail and index == grid:
        return profile.thumbnail_begin, profile.thumbnail_end
    if not (profile.label_single_tile or layout.n_tiles > 1):
        return "", ""
    row, col = divmod(index, layout.cols)
    return profile.tile_label(row + 1, col + 1), profile.tile_end


def page_text(text: str) -> str:
    """A page's text layer as the in-process session puts it before the question."""
    return text.rstrip() + "\n\n"


def merge_text(parts: Sequence[Part]) -> list[Part]:
    """Adjacent text parts joined, empty ones dropped (see the module docstring)."""
    out: list[Part] = []
    for part in parts:
        if part["type"] == "text":
            if not part["text"]:
                continue
            if out and out[-1]["type"] == "text":
                out[-1] = text_part(out[-1]["text"] + part["text"])
                continue
        out.append(part)
    return out


def sampling_fields(params: SamplingParams) -> dict[str, Any]:
    """The request fields for `params`: the in-process sampler's chain (temperature,
    top-k, top-p, repeat penalty), llama-server's other samplers off, and a JSON schema
    as the server's JSON-schema response format (its own grammar)."""
    body: dict[str, Any] = {
        "temperature": params.temperature, "top_p": params.top_p, "top_k": params.top_k,
        "repeat_penalty": params.repeat_penalty, "repeat_last_n": params.repeat_last_n,
        "max_tokens": params.max_tokens,
        "min_p": 0.0, "typical_p": 1.0, "xtc_probability": 0.0, "dry_multiplier": 0.0,
        "presence_penalty": 0.0, "frequency_penalty": 0.0,
        # the answer's raw text, as the in-process engine streams it
        "reasoning_format": "none",
    }
    if params.seed is not None:
        body["seed"] = params.seed
    if params.json_schema is not None:
        body["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "answer", "schema": _plain(params.json_schema)}}
    return body


def _plain(value: object) -> object:
    """Mappings and sequences as JSON's dicts and lists (schemas are often read-only)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
