"""Our GGUF metadata keys, layouts, special and image tokens, and file naming.

GGUF keys that llama.cpp itself reads come from gguf-py (`gguf.Keys`); the ones below
are ours (the tiling parameters the app configures itself from) or names gguf-py does
not spell out. Shared by the app and the converter (`model_convert.constants` adds the
converter's own).
"""

from __future__ import annotations

from typing import Final

# --- layouts -----------------------------------------------------------------------

LAYOUT_BLUELM: Final = "bluelm"
LAYOUT_INTERNVL: Final = "internvl"
LAYOUTS: Final = (LAYOUT_BLUELM, LAYOUT_INTERNVL)

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

# --- files -------------------------------------------------------------------------

LLM_SUFFIX: Final = "-llm.gguf"
MMPROJ_SUFFIX: Final = "-mmproj.gguf"
GGUF_SUFFIX: Final = ".gguf"

# --- what the app knows in depth -----------------------------------------------------

# The architectures our synthetic fixtures and the catalog's models use: every one is
# tested here. Any other architecture llama.cpp knows (check.llama_cpp_archs) is
# accepted too: its first load runs in a child process (engine.load_probe).
SUPPORTED_LLM_ARCHS: Final = frozenset({"llama", "qwen2", "qwen3", "gemma3", "lfm2", "smollm3"})
# Projector types the pre-validator deep-checks → the layout whose image tokens the
# vocab needs. Every other vision projector llama.cpp knows is laid out by mtmd itself
# (engine.families.MTMD).
SUPPORTED_PROJECTORS: Final = {"lfm2": LAYOUT_BLUELM, "internvl": LAYOUT_INTERNVL}
