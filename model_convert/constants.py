"""The converter's own names; the ones it shares with the app are `core.gguf.keys`'.

GGUF keys that llama.cpp itself reads come from gguf-py (`gguf.Keys`).
"""

from __future__ import annotations

from typing import Final

from bluelm_desktop.core.gguf.keys import (  # noqa: F401  (re-exported: `C.KEY_LAYOUT` …)
    CHAT_TOKENS,
    CHATML_TEMPLATE,
    DEFAULT_ALPHA,
    DEFAULT_MAX_GRID,
    IMAGE_TOKENS,
    INTERNVL_IMAGE_TOKENS,
    KEY_ALPHA,
    KEY_IMAGE_BEGIN,
    KEY_IMAGE_END,
    KEY_LAYOUT,
    KEY_MAX_GRID,
    KEY_SOURCE_DTYPE,
    KEY_THUMBNAIL,
    KEY_TILE_SIZE,
    KEY_TOKENS_PER_TILE,
    LAYOUT_BLUELM,
    LAYOUT_INTERNVL,
    LAYOUTS,
    LFM2_IMAGE_TOKENS,
    LLM_SUFFIX,
    MMPROJ_SUFFIX,
    THUMBNAIL_MULTI_TILE_ONLY,
    TOKEN_EOS,
    TOKEN_IM_END,
    TOKEN_IM_START,
)

SIZE_TINY: Final = "tiny"
SIZE_FULL: Final = "full"
SIZES: Final = (SIZE_TINY, SIZE_FULL)

# `architectures[0]` in config.json names the source layout.
HF_ARCH_BLUELM: Final = "BlueLMVForCausalLM"
HF_ARCH_INTERNVL: Final = "InternVLChatModel"

# --- quantization ------------------------------------------------------------------

LLM_TYPES: Final = ("q4_0", "q4_k_m", "q8_0", "f16", "f32")
VISION_TYPES: Final = ("q8_0", "f16", "f32")
DEFAULT_LLM_TYPE: Final = "q4_k_m"
DEFAULT_VISION_TYPE: Final = "q8_0"

# Rows (the innermost dimension) must be a multiple of the block size.
QK_K: Final = 256  # k-quants
QK_LEGACY: Final = 32  # q4_0, q8_0
