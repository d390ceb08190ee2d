"""Flash attention and KV cache types: the names users and llama.cpp's tools use.

A module of constants only, so the command line can offer them without importing the
engine. Which combination is the default, and why, is in the README ("Attention and the
KV cache"); `native.check_kv_types` says what works with what.
"""

from __future__ import annotations

from typing import Final

# llama_context_params.flash_attn_type. "auto" lets llama.cpp decide: it turns flash
# attention on wherever the backend has the kernel, so on every CPU.
FLASH_ATTENTION: Final = {"off": 0, "on": 1, "auto": -1}
# KV cache element types (ggml_type ids) with the values per block each stores. q8_0 is
# the paper's int8 KV cache, half of f16's memory: a head size must be a multiple of 32.
# f32 is for reference measurements (the tests), not offered to users.
KV_TYPES: Final = {"f16": 1, "q8_0": 8, "f32": 0}
KV_BLOCK: Final = {"f16": 1, "q8_0": 32, "f32": 1}
KV_CACHE_CHOICES: Final = ("f16", "q8_0")  # what the settings and the command line offer


def needs_flash_attention(type_v: str) -> bool:
    """A quantized V cache needs flash attention: without it llama.cpp keeps V transposed,
    one value per row, which a block-quantized type cannot store."""
    return KV_BLOCK.get(type_v, 1) > 1
