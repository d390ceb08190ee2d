"""Flash attention and a q8_0 KV cache, with a page in context, against an f32 cache.

The situation the settings are for: a document's tiles prefilled into the KV cache while
the user typed, then the question. The logits at the question's positions are compared
with those of an f32 KV cache without flash attention (the most exact llama.cpp computes)
on the tiny model's real image embeddings (the sample invoice's tiles, encoded by its
ViT). Measured relative errors (max |Δ| / max |ref|, both layouts × seeds 0 and 1):
f16 0.012–0.015, f16 + flash attention 0.019–0.032, q8_0 K 0.014–0.020, q8_0 K + flash
attention 0.018–0.024, q8_0 K and V + flash attention 0.016–0.019 — q8_0 adds little to
what f16 already costs. The bounds sit at about 3× the worst of those (README, "Attention
and the KV cache"; full-size figures in tests/benchmarks/reports/attention_kv.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bluelm_desktop.core.engine.engine import EngineSettings
from bluelm_desktop.core.engine.native import (
    LlamaContext,
    LlamaModel,
    MtmdContext,
    check_kv_types,
    kv_type_problem,
)
from bluelm_desktop.core.errors import ModelError
from bluelm_desktop.core.vision.tiling import TilingParams, cut_tiles, plan_image
from model_convert import constants as C
from model_convert.convert import Converted

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What is the total amount on this invoice, and who has to pay it?"
CHUNK = 128


@dataclass(frozen=True)
class Page:
    model: LlamaModel
    embeddings: np.ndarray  # the invoice's tiles, one row per image position
    question: list[int]


@pytest.fixture(scope="module")
def page(tiny_models: Callable[..., Converted]) -> Iterator[Page]:
    pair = tiny_models(C.LAYOUT_BLUELM)
    with LlamaModel(pair.llm) as model:
        mtmd = MtmdContext(pair.mmproj, model)
        params = TilingParams(tile_size=mtmd.image_size, max_grid=2)
        with Image.open(ROOT / "resources" / "samples" / "invoice.png") as im:
            image = np.asarray(im.convert("RGB"))
        plan = plan_image(image.shape[1], image.shape[0], params)
        rows = np.concatenate([mtmd.encode_tile(t.pixels) for t in cut_tiles(image, plan)])
        mtmd.close()
        yield Page(model, rows, model.tokenize(QUESTION))


def _question_logits(page: Page, flash: str, type_k: str, type_v: str) -> np.ndarray:
    ctx = LlamaContext(page.model, n_ctx=2048, n_batch=512, flash_attention=flash,
                       type_k=type_k, type_v=type_v)
    try:
        for i in range(0, len(page.embeddings), CHUNK):
            ctx.decode_embeddings(page.embeddings[i:i + CHUNK], logits=False)
        ctx.decode_tokens(page.question)
        return ctx.logits()
    finally:
        ctx.close()


@pytest.mark.parametrize(("flash", "type_k", "type_v", "bound"), [
    ("off", "f16", "f16", 0.045),
    ("on", "f16", "f16", 0.1),
    ("off", "q8_0", "f16", 0.06),
    ("on", "q8_0", "f16", 0.075),
    ("on", "q8_0", "q8_0", 0.06),
])
def test_question_logits_stay_close_to_an_f32_cache(
    page: Page, flash: str, type_k: str, type_v: str, bound: float
) -> None:
    assert len(page.embeddings) > 900  # a page: 5 tiles of 196 positions
    ref = _question_logits(page, "off", "f32", "f32")
    got = _question_logits(page, flash, type_k, type_v)
    rel = float(np.abs(got - ref).max() / np.abs(ref).max())
    cos = float((got * ref).sum() / np.linalg.norm(got) / np.linalg.norm(ref))
    assert 0 < rel < bound and cos > 0.999, (rel, cos)


def test_a_quantized_v_cache_needs_flash_attention(page: Page) -> None:
    with pytest.raises(ModelError, match="q8_0 V cache needs flash attention"):
        check_kv_types(page.model, "off", "f16", "q8_0")
    with pytest.raises(ValueError, match="q8_0 V cache needs flash attention"):
        EngineSettings(flash_attention="off", kv_type_v="q8_0")
    check_kv_types(page.model, "auto", "q8_0", "q8_0")  # llama.cpp turns it on itself


class _Heads:
    """A model with BlueLM-V-3B's head size (2560 wide / 32 heads = 80 values)."""

    path = Path("bluelm-full-llm.gguf")

    def head_sizes(self) -> tuple[int, int]:
        return 80, 80


def test_a_q8_0_cache_needs_whole_blocks_per_head() -> None:
    model = _Heads()
    assert kv_type_problem(model, "f16", "f16") is None  # type: ignore[arg-type]
    assert kv_type_problem(model, "q8_0", "f16") == (  # type: ignore[arg-type]
        "a q8_0 K cache needs heads of a multiple of 32 values; this model's have 80")
    with pytest.raises(ModelError, match=r"^bluelm-full-llm\.gguf: a q8_0 V cache needs"):
        check_kv_types(model, "on", "f16", "q8_0")  # type: ignore[arg-type]


def test_the_tiny_model_has_the_head_size_llama_cpp_reads(page: Page) -> None:
    assert page.model.head_sizes() == (64, 64)  # 256 wide, 4 heads
    assert kv_type_problem(page.model, "q8_0", "q8_0") is None
