"""Every name the converter shares with llama.cpp, the app and the tests, in one place.

GGUF keys that llama.cpp itself reads come from gguf-py (`gguf.Keys`); the ones below
are ours (the tiling parameters the app configures itself from) or are names that
gguf-py does not spell out for us.
"""

from __future__ import annotations

from typing import Final

# --- layouts -----------------------------------------------------------------------

LAYOUT_BLUELM: Final = "bluelm"
LAYOUT_INTERNVL: Final = "internvl"
LAYOUTS: Final = (LAYOUT_BLUELM, LAYOUT_INTERNVL)

SIZE_TINY: Final = "tiny"
SIZE_FULL: Final = "full"
SIZES: Final = (SIZE_TINY, SIZE_FULL)

# `architectures[0]` in config.json names the source layout.
HF_ARCH_BLUELM: Final = "BlueLMVForCausalLM"
HF_ARCH_INTERNVL: Final = "InternVLChatModel"

# --- our GGUF metadata (written into the mmproj, mirrored into the LLM) ------------
# The app reads these to plan tiles without knowing the model family in advance.

KEY_LAYOUT: Final = "bluelm.layout"  # "bluelm" | "internvl"
KEY_TILE_SIZE: Final = "bluelm.tiling.tile_size"  # pixels per tile side
KEY_MAX_GRID: Final = "bluelm.tiling.max_grid"  # G: grids m, n in 1..G
KEY_ALPHA: Final = "bluelm.tiling.alpha"  # relaxed-matching threshold
KEY_TOKENS_PER_TILE: Final = "bluelm.tiling.tokens_per_tile"
KEY_THUMBNAIL: Final = "bluelm.tiling.thumbnail"  # "multi-tile-only" | "always" | "never"
KEY_IMAGE_BEGIN: Final = "bluelm.prompt.image_begin"  # text before each tile
KEY_IMAGE_END: Final = "bluelm.prompt.image_end"  # text after each tile
KEY_SOURCE_DTYPE: Final = "bluelm.source.dtype"  # dtype of the checkpoint converted

THUMBNAIL_MULTI_TILE_ONLY: Final = "multi-tile-only"

DEFAULT_MAX_GRID: Final = 4
DEFAULT_ALPHA: Final = 0.1

# --- special tokens ----------------------------------------------------------------

TOKEN_EOS: Final = "<|endoftext|>"
TOKEN_IM_START: Final = "<|im_start|>"
TOKEN_IM_END: Final = "<|im_end|>"
CHAT_TOKENS: Final = (TOKEN_EOS, TOKEN_IM_START, TOKEN_IM_END)

# mtmd looks these up by text when it builds the projector's prompt around an image
# (tools/mtmd/mtmd.cpp, init_vision); a vocab without them breaks image input.
LFM2_IMAGE_TOKENS: Final = (
    "<|image_start|>",
    "<|image_end|>",
    "<|img_thumbnail|>",
    *(f"<|img_row_{r}_col_{c}|>" for r in range(1, 9) for c in range(1, 9)),
)
INTERNVL_IMAGE_TOKENS: Final = ("<img>", "</img>", "<IMG_CONTEXT>")

IMAGE_TOKENS: Final = {
    LAYOUT_BLUELM: LFM2_IMAGE_TOKENS,
    LAYOUT_INTERNVL: INTERNVL_IMAGE_TOKENS,
}

# ChatML, the format both synthetic layouts are "trained" on. Stored in the GGUF as
# tokenizer.chat_template; the app renders it in a sandboxed jinja environment.
CHATML_TEMPLATE: Final = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# --- quantization ------------------------------------------------------------------

LLM_TYPES: Final = ("q4_0", "q4_k_m", "q8_0", "f16", "f32")
VISION_TYPES: Final = ("q8_0", "f16", "f32")
DEFAULT_LLM_TYPE: Final = "q4_k_m"
DEFAULT_VISION_TYPE: Final = "q8_0"

# Rows (the innermost dimension) must be a multiple of the block size.
QK_K: Final = 256  # k-quants
QK_LEGACY: Final = 32  # q4_0, q8_0

# --- outputs -----------------------------------------------------------------------

LLM_SUFFIX: Final = "-llm.gguf"
MMPROJ_SUFFIX: Final = "-mmproj.gguf"
