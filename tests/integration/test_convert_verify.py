"""synth → convert → verify on real llama.cpp, both layouts, several precisions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gguf
import numpy as np
import pytest

from bluelm_desktop.core.engine.native import LlamaModel, MtmdContext
from model_convert import constants as C
from model_convert.verify import make_test_tile, verify

PRECISIONS = [("f32", "f32"), ("f16", "f16"), ("q4_k_m", "q8_0"), ("q4_0", "q8_0"), ("q8_0", "f16")]


@pytest.mark.parametrize("layout", C.LAYOUTS)
@pytest.mark.parametrize(("llm_type", "vision_type"), PRECISIONS)
def test_verify_within_tolerance(layout, llm_type, vision_type, tiny_checkpoint, tiny_models):
    out = tiny_models(layout, llm_type, vision_type)
    results = verify(tiny_checkpoint(layout), out.llm.parent)
    assert [r.stage for r in results] == ["tokenizer", "vision", "llm-text", "llm-image"]
    assert all(r.ok for r in results), "\n".join(r.line() for r in results)
    by = {r.stage: r for r in results}
    assert by["vision"].stored_type == vision_type
    assert by["llm-text"].stored_type == llm_type
    # A correct mapping is not merely "close": at full precision it is near-exact.
    if llm_type == "f32":
        assert by["vision"].cosine > 0.99999 and by["llm-image"].cosine > 0.99999


def _types(path: Path) -> dict[str, str]:
    return {t.name: t.tensor_type.name for t in gguf.GGUFReader(path).tensors}


@pytest.mark.parametrize("layout", C.LAYOUTS)
def test_default_is_the_papers_mixed_precision(layout, tiny_models):
    out = tiny_models(layout)  # defaults: LLM q4_k_m, ViT q8_0
    mm = _types(out.mmproj)
    assert mm["v.blk.0.attn_q.weight"] == "Q8_0"
    assert mm["v.blk.1.ffn_down.weight"] == "Q8_0"
    proj = "mm.2.weight" if layout == C.LAYOUT_BLUELM else "mm.model.mlp.3.weight"
    assert mm[proj] == "F16"
    assert mm["v.blk.0.ln1.weight"] == "F32"
    llm = _types(out.llm)
    four_bit = {"Q4_K", "Q5_K", "Q6_K"}  # q4_k_m mixes in 5/6-bit for sensitive tensors
    assert llm["blk.0.ffn_gate.weight"] == "Q4_K"
    assert all(v in four_bit | {"F32"} for v in llm.values()), llm


@pytest.mark.parametrize("layout", C.LAYOUTS)
def test_tiling_metadata_configures_the_app(layout, tiny_models):
    out = tiny_models(layout)
    for path in (out.llm, out.mmproj):
        fields = gguf.GGUFReader(path).fields
        value = lambda k, f=fields: f[k].contents()  # noqa: E731
        assert value(C.KEY_LAYOUT) == layout
        assert value(C.KEY_TILE_SIZE) == (392 if layout == C.LAYOUT_BLUELM else 448)
        assert value(C.KEY_MAX_GRID) == 4
        assert value(C.KEY_ALPHA) == pytest.approx(0.1)
        assert value(C.KEY_TOKENS_PER_TILE) == (196 if layout == C.LAYOUT_BLUELM else 256)
        assert value(C.KEY_THUMBNAIL) == C.THUMBNAIL_MULTI_TILE_ONLY


@pytest.mark.parametrize("layout", C.LAYOUTS)
def test_one_tile_encodes_to_tokens_per_tile_rows(layout, tiny_models):
    out = tiny_models(layout)
    size = 392 if layout == C.LAYOUT_BLUELM else 448
    with LlamaModel(out.llm) as model:
        mtmd = MtmdContext(out.mmproj, model, n_threads=2)
        a = mtmd.encode_tile(make_test_tile(size, seed=3))
        b = mtmd.encode_tile(make_test_tile(size, seed=4))
        again = mtmd.encode_tile(make_test_tile(size, seed=3))
    assert a.shape == (196 if layout == C.LAYOUT_BLUELM else 256, model.n_embd)
    assert np.isfinite(a).all()
    assert np.array_equal(a, again)  # deterministic
    assert not np.allclose(a, b)  # and it looks at the pixels


def test_image_tokens_are_in_the_vocab(tiny_models):
    for layout in C.LAYOUTS:
        with LlamaModel(tiny_models(layout).llm, vocab_only=True) as model:
            for text in C.IMAGE_TOKENS[layout] + C.CHAT_TOKENS:
                assert len(model.tokenize(text, parse_special=True)) == 1, text


def test_convert_leaves_only_the_two_files(tiny_models):
    out = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    assert sorted(p.name for p in out.llm.parent.iterdir()) == sorted(
        [out.llm.name, out.mmproj.name]
    )


def test_cli_round_trip(tmp_path, run_cli: Callable[..., tuple[int, str, str]]):
    ckpt, out = tmp_path / "ck", tmp_path / "out"
    assert run_cli("synth", "--layout", "internvl", str(ckpt))[0] == 0
    rc, stdout, _ = run_cli("convert", str(ckpt), str(out), "--llm-type", "q8_0")
    assert rc == 0 and "ck-llm.gguf" in stdout
    assert "note:" not in stdout  # mtmd lays InternVL images out as the model was trained
    rc, stdout, stderr = run_cli("verify", str(ckpt), str(out))
    assert rc == 0, stderr
    assert stdout.count(" ok") == 4
    rc, stdout, _ = run_cli("inspect", str(out / "ck-mmproj.gguf"), "--json")
    assert rc == 0 and '"projector_type": "internvl"' in stdout


def test_converting_bluelm_says_how_to_serve_it(tmp_path,
                                                run_cli: Callable[..., tuple[int, str, str]]):
    """mtmd cuts a big image for the lfm2 projector into 512-px tiles, which a BlueLM
    encoder cannot take (tests/integration/test_servers.py shows the abort): the user is
    told at conversion, where the files are made."""
    ckpt, out = tmp_path / "ck", tmp_path / "out"
    assert run_cli("synth", "--layout", "bluelm", str(ckpt))[0] == 0
    rc, stdout, _ = run_cli("convert", str(ckpt), str(out), "--llm-type", "q8_0")
    assert rc == 0
    note = next(line for line in stdout.splitlines() if line.startswith("note: "))
    assert "--image-max-tokens 8192" in note and "512-px tiles" in note
