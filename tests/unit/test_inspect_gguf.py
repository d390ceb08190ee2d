"""inspect_gguf: summaries of small hand-built GGUF files, the RAM formula, bad input.

The files are written with gguf-py's own GGUFWriter, so the reader is tested against
the layout llama.cpp's Python tooling produces, not against our own writer.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import gguf
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluelm_desktop.core.gguf.summary import (
    GGUFSummary,
    estimate_ram_bytes,
    format_summary,
    summarize,
)
from model_convert import constants as c
from model_convert.errors import ConvertError

Q8_0 = gguf.GGMLQuantizationType.Q8_0

# LLM hparams: small, but q8_0 needs rows that are a multiple of 32.
N_LAYER = 2
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
HEAD_DIM = N_EMBD // N_HEAD
N_FF = 128
N_CTX_TRAIN = 2048
TOKENS = [f"t{i}" for i in range(96)]
N_VOCAB = len(TOKENS)

# Vision hparams.
IMAGE_SIZE = 64
PATCH_SIZE = 16
V_EMBD = 32
V_LAYER = 2
V_HEAD = 2
V_FF = 64
PROJ_DIM = N_EMBD
SCALE = 2  # lfm2 pixel-unshuffle factor

FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _rand(*shape: int) -> np.ndarray:
    """Deterministic f32 data; the values do not matter, only types and sizes."""
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


def _write(path: Path, writer: gguf.GGUFWriter) -> Path:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _write_llm(path: Path) -> tuple[Path, dict[str, tuple[int, int, str]]]:
    """A llama-like LLM; returns the path and {tensor: (elements, bytes, type)}."""
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(N_LAYER)
    w.add_embedding_length(N_EMBD)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_feed_forward_length(N_FF)
    w.add_context_length(N_CTX_TRAIN)
    w.add_token_list(TOKENS)
    w.add_string(c.KEY_LAYOUT, c.LAYOUT_BLUELM)  # mirrored into the LLM
    expected: dict[str, tuple[int, int, str]] = {}

    def f32(name: str, *shape: int) -> None:
        w.add_tensor(name, _rand(*shape))
        expected[name] = (math.prod(shape), 4 * math.prod(shape), "f32")

    def f16(name: str, *shape: int) -> None:
        w.add_tensor(name, _rand(*shape).astype(np.float16))
        expected[name] = (math.prod(shape), 2 * math.prod(shape), "f16")

    def q8(name: str, *shape: int) -> None:
        w.add_tensor(name, gguf.quants.quantize(_rand(*shape), Q8_0), raw_dtype=Q8_0)
        expected[name] = (math.prod(shape), math.prod(shape) // 32 * 34, "q8_0")

    f16("token_embd.weight", N_VOCAB, N_EMBD)
    for i in range(N_LAYER):
        f32(f"blk.{i}.attn_norm.weight", N_EMBD)
        q8(f"blk.{i}.attn_q.weight", N_EMBD, N_EMBD)
        q8(f"blk.{i}.attn_k.weight", N_HEAD_KV * HEAD_DIM, N_EMBD)
        q8(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD)
    f32("output_norm.weight", N_EMBD)
    q8("output.weight", N_VOCAB, N_EMBD)
    return _write(path, w), expected


def _write_mmproj(path: Path, class_token: bool = False, projector: str = "lfm2") -> Path:
    """A clip/lfm2-like projector carrying our tiling keys."""
    w = gguf.GGUFWriter(path, "clip")
    w.add_string(gguf.Keys.Clip.PROJECTOR_TYPE, projector)
    w.add_bool(gguf.Keys.Clip.HAS_VISION_ENCODER, True)
    v = gguf.Keys.ClipVision
    w.add_uint32(v.IMAGE_SIZE, IMAGE_SIZE)
    w.add_uint32(v.PATCH_SIZE, PATCH_SIZE)
    w.add_uint32(v.EMBEDDING_LENGTH, V_EMBD)
    w.add_uint32(v.BLOCK_COUNT, V_LAYER)
    w.add_uint32(v.Attention.HEAD_COUNT, V_HEAD)
    w.add_uint32(v.FEED_FORWARD_LENGTH, V_FF)
    w.add_uint32(v.PROJECTION_DIM, PROJ_DIM)
    w.add_uint32(v.Projector.SCALE_FACTOR, SCALE)
    w.add_string(c.KEY_LAYOUT, c.LAYOUT_BLUELM)
    w.add_uint32(c.KEY_TILE_SIZE, IMAGE_SIZE)
    w.add_uint32(c.KEY_MAX_GRID, c.DEFAULT_MAX_GRID)
    w.add_float32(c.KEY_ALPHA, c.DEFAULT_ALPHA)
    w.add_uint32(c.KEY_TOKENS_PER_TILE, 4)
    w.add_string(c.KEY_THUMBNAIL, c.THUMBNAIL_MULTI_TILE_ONLY)
    w.add_tensor("v.patch_embd.weight", _rand(V_EMBD, 3, PATCH_SIZE, PATCH_SIZE).astype(np.float16))
    w.add_tensor("v.position_embd.weight", _rand((IMAGE_SIZE // PATCH_SIZE) ** 2, V_EMBD))
    if class_token:
        w.add_tensor("v.class_embd", _rand(V_EMBD))
    for i in range(V_LAYER):
        qkv = gguf.quants.quantize(_rand(3 * V_EMBD, V_EMBD), Q8_0)
        w.add_tensor(f"v.blk.{i}.attn_qkv.weight", qkv, raw_dtype=Q8_0)
    w.add_tensor("mm.1.weight", _rand(PROJ_DIM, 4 * V_EMBD).astype(np.float16))
    return _write(path, w)


@pytest.fixture(scope="module")
def llm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[int, int, str]]]:
    return _write_llm(tmp_path_factory.mktemp("llm") / "tiny-llm.gguf")


@pytest.fixture(scope="module")
def mmproj(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_mmproj(tmp_path_factory.mktemp("mmproj") / "tiny-mmproj.gguf")


@pytest.fixture(scope="module")
def llm_bytes(llm: tuple[Path, dict[str, tuple[int, int, str]]]) -> bytes:
    return llm[0].read_bytes()


def _data_end(path: Path) -> int:
    """Where the last tensor's data ends; anything shorter is a truncated file."""
    reader = gguf.GGUFReader(path)
    return max(int(t.data_offset) + int(t.n_bytes) for t in reader.tensors)


def _assert_names_file(err: pytest.ExceptionInfo[ConvertError], path: Path) -> None:
    message = str(err.value)
    assert str(path) in message
    assert "\n" not in message
    assert err.value.path == path


# --- summaries --------------------------------------------------------------------


def test_llm_summary(llm: tuple[Path, dict[str, tuple[int, int, str]]]) -> None:
    path, expected = llm
    s = summarize(path)
    assert s.path == path
    assert s.file_size == path.stat().st_size
    assert s.kind == "llm"
    assert s.architecture == "llama"
    assert s.projector_type is None
    assert s.parameter_count == sum(n for n, _, _ in expected.values())
    types = [t for _, _, t in expected.values()]
    assert s.tensor_types == {t: types.count(t) for t in sorted(set(types))}
    assert s.tensor_bytes == {
        t: sum(b for _, b, tt in expected.values() if tt == t) for t in sorted(set(types))
    }
    assert s.tiling == {"layout": c.LAYOUT_BLUELM}
    assert s.hparams == {
        "n_layer": N_LAYER,
        "n_embd": N_EMBD,
        "n_head": N_HEAD,
        "n_head_kv": N_HEAD_KV,
        "head_dim": HEAD_DIM,
        "head_dim_v": HEAD_DIM,
        "n_ff": N_FF,
        "n_vocab": N_VOCAB,
        "n_ctx_train": N_CTX_TRAIN,
    }


def test_mmproj_summary(mmproj: Path) -> None:
    s = summarize(mmproj)
    assert s.kind == "mmproj"
    assert s.architecture == "clip"
    assert s.projector_type == "lfm2"
    assert s.tensor_types == {"f16": 2, "f32": 1, "q8_0": V_LAYER}
    n_patches = (IMAGE_SIZE // PATCH_SIZE) ** 2
    patch_embd = V_EMBD * 3 * PATCH_SIZE**2
    qkv = V_LAYER * 3 * V_EMBD**2
    assert s.parameter_count == patch_embd + n_patches * V_EMBD + qkv + PROJ_DIM * 4 * V_EMBD
    assert s.tiling == {
        "layout": c.LAYOUT_BLUELM,
        "tiling.alpha": c.DEFAULT_ALPHA,  # f32 0.1 reads back as 0.1
        "tiling.max_grid": c.DEFAULT_MAX_GRID,
        "tiling.thumbnail": c.THUMBNAIL_MULTI_TILE_ONLY,
        "tiling.tile_size": IMAGE_SIZE,
        "tiling.tokens_per_tile": 4,
    }
    assert s.hparams == {
        "image_size": IMAGE_SIZE,
        "patch_size": PATCH_SIZE,
        "n_embd": V_EMBD,
        "n_layer": V_LAYER,
        "n_head": V_HEAD,
        "n_ff": V_FF,
        "projection_dim": PROJ_DIM,
        "scale_factor": SCALE,
        "class_token": 0,
    }


def test_class_token_is_detected(tmp_path: Path) -> None:
    s = summarize(_write_mmproj(tmp_path / "cls.gguf", class_token=True))
    assert s.hparams["class_token"] == 1


def test_to_json_round_trips(
    llm: tuple[Path, dict[str, tuple[int, int, str]]], mmproj: Path
) -> None:
    for path in (llm[0], mmproj):
        s = summarize(path)
        data = json.loads(json.dumps(s.to_json()))
        assert data["path"] == str(path)
        assert data["kind"] == s.kind
        assert data["tensor_types"] == s.tensor_types
        assert data["tiling"] == s.tiling
        assert data["hparams"] == s.hparams
        assert data["parameter_count"] == s.parameter_count


def test_format_summary_mentions_the_essentials(
    llm: tuple[Path, dict[str, tuple[int, int, str]]], mmproj: Path
) -> None:
    text = format_summary(summarize(llm[0]), n_ctx=1024)
    for needle in (str(llm[0]), "llama", "q8_0", "f16", "f32", "n_ctx=1024", "kv_cache", "total"):
        assert needle in text
    text = format_summary(summarize(mmproj), n_ctx=1024)
    for needle in ("mmproj", "lfm2", "tiling.tile_size", "one tile", "compute"):
        assert needle in text


@pytest.mark.parametrize("source", ["vocab_size", "token_embd"])
def test_llm_vocab_and_per_layer_fallbacks(tmp_path: Path, source: str) -> None:
    """No token list: n_vocab comes from {arch}.vocab_size, else token_embd's rows.

    Per-layer head counts (an array) count as their largest entry, the worst layer.
    """
    w = gguf.GGUFWriter(tmp_path / "fallback.gguf", "qwen2")
    w.add_block_count(2)
    w.add_embedding_length(N_EMBD)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv([1, 3])
    w.add_key_length(24)
    w.add_value_length(8)
    if source == "vocab_size":
        w.add_vocab_size(500)
    w.add_tensor("token_embd.weight", _rand(77, N_EMBD).astype(np.float16))
    s = summarize(_write(tmp_path / "fallback.gguf", w))
    assert s.architecture == "qwen2"
    assert s.hparams["n_vocab"] == (500 if source == "vocab_size" else 77)
    assert s.hparams["n_head_kv"] == 3
    assert (s.hparams["head_dim"], s.hparams["head_dim_v"]) == (24, 8)
    assert "n_ff" not in s.hparams
    ram = estimate_ram_bytes(s, n_ctx=512)
    assert ram["kv_cache"] == 2 * 512 * 3 * (24 + 8) * 2


def test_format_summary_without_hparams_still_prints(tmp_path: Path) -> None:
    w = gguf.GGUFWriter(tmp_path / "bare.gguf", "llama")
    w.add_tensor("x", _rand(4))
    s = summarize(_write(tmp_path / "bare.gguf", w))
    assert s.hparams == {}
    assert "unavailable" in format_summary(s, n_ctx=512)
    with pytest.raises(ConvertError, match="n_layer"):
        estimate_ram_bytes(s)


# --- RAM estimate -------------------------------------------------------------------


def _kv(n_ctx: int) -> int:
    n_kv = -(-n_ctx // 256) * 256
    return 2 * N_LAYER * n_kv * N_HEAD_KV * HEAD_DIM * 2


@given(k=st.integers(1, 64))
@FAST
def test_llm_kv_is_linear_in_n_ctx(
    llm: tuple[Path, dict[str, tuple[int, int, str]]], k: int
) -> None:
    s = summarize(llm[0])
    n_ctx = 256 * k
    ram = estimate_ram_bytes(s, n_ctx=n_ctx, n_batch=512)
    assert ram["kv_cache"] == 2 * N_LAYER * n_ctx * N_HEAD_KV * HEAD_DIM * 2
    assert ram["kv_cache"] == k * estimate_ram_bytes(s, n_ctx=256)["kv_cache"]
    assert ram["weights"] == sum(s.tensor_bytes.values())
    assert ram["total"] == ram["weights"] + ram["kv_cache"] + ram["compute"]


@given(a=st.integers(1, 40_000), b=st.integers(1, 40_000), n_batch=st.integers(1, 2048))
@FAST
def test_llm_estimate_grows_with_n_ctx(
    llm: tuple[Path, dict[str, tuple[int, int, str]]], a: int, b: int, n_batch: int
) -> None:
    s = summarize(llm[0])
    lo, hi = sorted((a, b))
    r_lo = estimate_ram_bytes(s, n_ctx=lo, n_batch=n_batch)
    r_hi = estimate_ram_bytes(s, n_ctx=hi, n_batch=n_batch)
    assert r_lo["kv_cache"] == _kv(lo)  # n_ctx is padded to 256 like llama.cpp does
    for part in ("kv_cache", "compute", "total"):
        assert r_lo[part] <= r_hi[part]


def test_llm_compute_matches_formula(llm: tuple[Path, dict[str, tuple[int, int, str]]]) -> None:
    s = summarize(llm[0])
    n_ctx, n_batch = 4096, 512
    n_tok = n_batch
    attention = N_HEAD * n_tok * n_ctx + n_tok * (N_HEAD * HEAD_DIM * 3 + N_HEAD_KV * HEAD_DIM * 2)
    ffn = n_tok * (2 * N_FF + N_EMBD)
    output = n_tok * (N_VOCAB + N_EMBD)
    live = n_tok * (2 * N_EMBD + n_ctx + 4)  # residual stream, KQ mask, i32 inputs
    graph = 4 * (live + max(attention, ffn, output))
    logits = n_batch * N_VOCAB * 4
    ram = estimate_ram_bytes(s, n_ctx=n_ctx, n_batch=n_batch)
    assert ram["compute"] == logits + graph
    assert ram["compute"] >= N_VOCAB * n_batch * 4 + N_HEAD * n_batch * n_ctx * 4


def _vit_bytes(n_pos: int) -> int:
    """The per-image ViT compute formula, written out again."""
    attention = V_HEAD * n_pos**2 + 3 * n_pos * V_EMBD
    ffn = n_pos * (V_FF + 2 * V_EMBD)
    proj = n_pos * (V_EMBD + PROJ_DIM)
    return 4 * (n_pos * V_EMBD + max(attention, ffn, proj))


def test_mmproj_estimate_scales_with_tiles(tmp_path: Path) -> None:
    s = summarize(_write_mmproj(tmp_path / "internvl.gguf", projector="internvl"))
    n_pos = (IMAGE_SIZE // PATCH_SIZE) ** 2
    one = estimate_ram_bytes(s, tiles_per_batch=1)
    assert one["kv_cache"] == 0
    assert one["weights"] == sum(s.tensor_bytes.values())
    assert one["compute"] == _vit_bytes(n_pos)
    assert one["compute"] >= V_HEAD * n_pos**2 * 4 + n_pos * V_EMBD * 4
    five = estimate_ram_bytes(s, tiles_per_batch=5)
    assert five["compute"] == 5 * one["compute"]
    assert five["total"] == five["weights"] + five["compute"]
    # n_ctx is an LLM thing; the projector does not care.
    assert estimate_ram_bytes(s, n_ctx=32768) == one


def test_lfm2_estimate_covers_the_warmup_reservation(mmproj: Path) -> None:
    """mtmd reserves lfm2's compute buffer for 256 tokens of SCALE^2 patches at load."""
    s = summarize(mmproj)
    tile = (IMAGE_SIZE // PATCH_SIZE) ** 2
    warmup = 256 * SCALE**2
    assert estimate_ram_bytes(s, tiles_per_batch=1)["compute"] == _vit_bytes(warmup)
    # attention is quadratic: one warmup image costs as much as many small tiles
    many = _vit_bytes(warmup) // _vit_bytes(tile) + 1
    assert estimate_ram_bytes(s, tiles_per_batch=many)["compute"] == many * _vit_bytes(tile)


def test_class_token_adds_a_position(tmp_path: Path) -> None:
    plain = summarize(_write_mmproj(tmp_path / "p.gguf", projector="internvl"))
    with_cls = summarize(_write_mmproj(tmp_path / "c.gguf", True, projector="internvl"))
    tile = (IMAGE_SIZE // PATCH_SIZE) ** 2
    assert estimate_ram_bytes(plain)["compute"] == _vit_bytes(tile)
    assert estimate_ram_bytes(with_cls)["compute"] == _vit_bytes(tile + 1)


# "compute buffer size" logged by the vendored llama.cpp (llama-completion -fa off / mtmd
# warmup, CPU) for models with these hparams; see estimate_ram_bytes' docstring.
MIB = 1 << 20
LLAMA_CPP_MEASURED = [
    # (n_vocab, n_ctx, n_batch, MiB)
    (8000, 512, 512, 28.01),
    (8000, 4096, 512, 147.01),
    (8000, 4096, 256, 73.50),
    (8000, 16384, 512, 555.01),
    (100000, 512, 512, 199.31),
    (100000, 4096, 512, 201.31),
    (100000, 8192, 512, 283.01),
]


@pytest.mark.parametrize(("n_vocab", "n_ctx", "n_batch", "measured"), LLAMA_CPP_MEASURED)
def test_llm_graph_estimate_tracks_llama_cpp(
    n_vocab: int, n_ctx: int, n_batch: int, measured: float
) -> None:
    hparams: dict[str, object] = {
        "n_layer": 2,
        "n_embd": 1024,
        "n_head": 16,
        "n_head_kv": 4,
        "head_dim": 64,
        "head_dim_v": 64,
        "n_ff": 2816,
        "n_vocab": n_vocab,
    }
    s = GGUFSummary(Path("m.gguf"), 0, "llm", "llama", None, 0, hparams=hparams)
    ram = estimate_ram_bytes(s, n_ctx=n_ctx, n_batch=n_batch)
    graph = (ram["compute"] - min(n_ctx, n_batch) * n_vocab * 4) / MIB  # less host logits
    assert measured - 0.01 <= graph <= measured + 8.5  # over where logits are the peak
    assert ram["kv_cache"] / MIB == 2 * n_ctx * 4 * 128 * 2 / MIB


@pytest.mark.parametrize(
    ("n_embd", "n_head", "n_ff", "image_size", "measured"),
    [(768, 12, 3072, 256, 60.0), (768, 12, 3072, 1024, 816.0), (512, 8, 2048, 672, 180.0)],
)
def test_vision_estimate_tracks_mtmd(
    n_embd: int, n_head: int, n_ff: int, image_size: int, measured: float
) -> None:
    hparams: dict[str, object] = {
        "image_size": image_size,
        "patch_size": 16 if n_embd == 768 else 14,
        "n_embd": n_embd,
        "n_head": n_head,
        "n_ff": n_ff,
        "projection_dim": 1024,
        "scale_factor": 2,
        "class_token": 0,
    }
    s = GGUFSummary(Path("v.gguf"), 0, "mmproj", "clip", "lfm2", 0, hparams=hparams)
    assert estimate_ram_bytes(s)["compute"] / MIB == pytest.approx(measured, abs=0.01)


@pytest.mark.parametrize("kwargs", [{"n_ctx": 0}, {"n_batch": 0}, {"tiles_per_batch": 0}])
def test_estimate_rejects_nonsense_arguments(
    llm: tuple[Path, dict[str, tuple[int, int, str]]], kwargs: dict[str, int]
) -> None:
    with pytest.raises(ValueError):
        estimate_ram_bytes(summarize(llm[0]), **kwargs)


def test_summary_is_frozen(mmproj: Path) -> None:
    s: GGUFSummary = summarize(mmproj)
    with pytest.raises(AttributeError):
        s.kind = "llm"  # type: ignore[misc]


# --- bad input ----------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.gguf"
    with pytest.raises(ConvertError, match="no such file") as err:
        summarize(path)
    _assert_names_file(err, path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConvertError, match="not a regular file") as err:
        summarize(tmp_path)
    _assert_names_file(err, tmp_path)


def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    with pytest.raises(ConvertError, match="empty") as err:
        summarize(path)
    _assert_names_file(err, path)


def test_wrong_magic(tmp_path: Path, llm_bytes: bytes) -> None:
    path = tmp_path / "magic.gguf"
    path.write_bytes(b"GGML" + llm_bytes[4:])
    with pytest.raises(ConvertError, match="not a GGUF file") as err:
        summarize(path)
    _assert_names_file(err, path)


def test_unsupported_version(tmp_path: Path, llm_bytes: bytes) -> None:
    path = tmp_path / "v99.gguf"
    path.write_bytes(llm_bytes[:4] + (99).to_bytes(4, "little") + llm_bytes[8:])
    with pytest.raises(ConvertError) as err:
        summarize(path)
    _assert_names_file(err, path)


def test_no_architecture(tmp_path: Path) -> None:
    path = tmp_path / "noarch.gguf"
    path.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + bytes(16))  # 0 tensors, 0 kvs
    with pytest.raises(ConvertError, match=r"general\.architecture") as err:
        summarize(path)
    _assert_names_file(err, path)


@given(data=st.binary(min_size=1, max_size=512))
@FAST
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.gguf"
    path.write_bytes(data)
    with pytest.raises(ConvertError) as err:
        summarize(path)
    _assert_names_file(err, path)


@given(tail=st.binary(max_size=256))
@FAST
def test_gguf_magic_then_garbage(tmp_path: Path, tail: bytes) -> None:
    path = tmp_path / "garbage.gguf"
    path.write_bytes(b"GGUF" + tail)
    with pytest.raises(ConvertError) as err:
        summarize(path)
    _assert_names_file(err, path)


@given(fraction=st.floats(0.0, 1.0, exclude_max=True))
@FAST
def test_truncated_anywhere(
    tmp_path: Path,
    llm: tuple[Path, dict[str, tuple[int, int, str]]],
    llm_bytes: bytes,
    fraction: float,
) -> None:
    end = _data_end(llm[0])
    cut = min(int(fraction * end), end - 1)
    path = tmp_path / "cut.gguf"
    path.write_bytes(llm_bytes[:cut])
    with pytest.raises(ConvertError) as err:
        summarize(path)
    _assert_names_file(err, path)


@pytest.mark.parametrize("where", ["header", "metadata", "tensor info", "last byte"])
def test_truncated_at_landmarks(
    tmp_path: Path, llm: tuple[Path, dict[str, tuple[int, int, str]]], llm_bytes: bytes, where: str
) -> None:
    reader = gguf.GGUFReader(llm[0])
    first_tensor_info = reader.tensors[0].field.offset
    cut = {
        "header": 10,
        "metadata": first_tensor_info // 2,
        "tensor info": first_tensor_info + 3,
        "last byte": _data_end(llm[0]) - 1,
    }[where]
    path = tmp_path / f"cut-{where.replace(' ', '-')}.gguf"
    path.write_bytes(llm_bytes[:cut])
    with pytest.raises(ConvertError) as err:
        summarize(path)
    _assert_names_file(err, path)


def test_mmproj_truncated_in_tensor_data(tmp_path: Path, mmproj: Path) -> None:
    path = tmp_path / "cut-mmproj.gguf"
    path.write_bytes(mmproj.read_bytes()[: _data_end(mmproj) - 100])
    with pytest.raises(ConvertError) as err:
        summarize(path)
    _assert_names_file(err, path)
