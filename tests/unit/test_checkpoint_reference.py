"""The safetensors reader and the numpy reference's building blocks, against direct definitions."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model_convert.checkpoint import read_header, split_shards, write_safetensors
from model_convert.convert import _permute_rope
from model_convert.errors import ConvertError
from model_convert.reference import gelu_erf, patch_embed, unshuffle


def _write_raw(path: Path, header: dict, payload: bytes) -> None:
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + payload)


def test_bf16_is_widened_exactly(tmp_path: Path):
    from model_convert.checkpoint import Checkpoint

    values = np.array([1.0, -2.5, 3.140625, 65504.0, 1e-3], dtype=np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype(np.uint16)  # truncation: exact for these
    _write_raw(tmp_path / "m.safetensors",
               {"w": {"dtype": "BF16", "shape": [5], "data_offsets": [0, 10]}}, bf16.tobytes())
    (tmp_path / "config.json").write_text("{}")
    got = Checkpoint(tmp_path).get("w")
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, (bf16.astype(np.uint32) << 16).view(np.float32))


@pytest.mark.parametrize(
    ("header", "payload", "words"),
    [
        ({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8, "truncated"),
        ({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 12]}}, b"\0" * 16, "byte range"),
        ({"w": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 16, "dtype Q4"),
        ({"w": {"shape": [4]}}, b"", "corrupt header entry"),
    ],
)
def test_bad_headers_are_one_line(tmp_path: Path, header: dict, payload: bytes, words: str):
    path = tmp_path / "bad.safetensors"
    _write_raw(path, header, payload)
    with pytest.raises(ConvertError, match=words) as e:
        read_header(path)
    assert str(path) in str(e.value) and "\n" not in str(e.value)


def test_write_then_read_round_trip(tmp_path: Path):
    shapes = {"a": (3, 4), "b": (5,)}
    arrays = {n: np.arange(np.prod(s), dtype=np.float32).reshape(s) for n, s in shapes.items()}
    path = tmp_path / "x.safetensors"
    write_safetensors(path, shapes, lambda n, s: arrays[n], np.dtype("float16"))
    infos = {i.name: i for i in read_header(path)}
    assert infos["a"].shape == (3, 4) and infos["a"].dtype == "F16"
    assert split_shards(shapes, 4, 40) == [{"a": (3, 4)}, {"b": (5,)}]


@given(grid=st.integers(1, 9), c=st.integers(1, 4))
@settings(max_examples=40, deadline=None)
def test_unshuffle_matches_a_direct_loop(grid: int, c: int):
    x = np.random.default_rng(grid * 10 + c).standard_normal((grid * grid, c)).astype(np.float32)
    got = unshuffle(x, grid, 2)
    n = -(-grid // 2)
    assert got.shape == (n * n, 4 * c)
    for y in range(n):
        for xx in range(n):
            parts = []
            for dy in (0, 1):
                for dx in (0, 1):
                    py, px = 2 * y + dy, 2 * xx + dx
                    inside = py < grid and px < grid
                    parts.append(x[py * grid + px] if inside else np.zeros(c, np.float32))
            np.testing.assert_array_equal(got[y * n + xx], np.concatenate(parts))


def test_patch_embed_is_a_strided_convolution():
    rng = np.random.default_rng(0)
    pixels = rng.standard_normal((3, 6, 6)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    got = patch_embed(pixels, w, b, 3)
    for py in range(2):
        for px in range(2):
            patch = pixels[:, 3 * py : 3 * py + 3, 3 * px : 3 * px + 3]
            want = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2])) + b
            np.testing.assert_allclose(got[py * 2 + px], want, rtol=1e-5)


def test_rope_permutation_interleaves_the_two_halves():
    n_head, d = 2, 8
    w = np.arange(n_head * d)[:, None].astype(np.float32)
    got = _permute_rope(w, n_head)[:, 0].astype(int).tolist()
    # per head: first half 0..3, second half 4..7 → pairs (0,4), (1,5), ...
    assert got[:d] == [0, 4, 1, 5, 2, 6, 3, 7]
    assert got[d:] == [8, 12, 9, 13, 10, 14, 11, 15]


def test_erf_gelu_is_accurate():
    import math

    xs = np.linspace(-6, 6, 101)
    want = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in xs])
    # erf within 1.5e-7 (A&S 7.1.26), times |x|/2 ≤ 3 on this range
    np.testing.assert_allclose(gelu_erf(xs), want, atol=4.5e-7)
