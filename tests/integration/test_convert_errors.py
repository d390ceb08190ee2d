"""Bad input: one line naming the file, exit status 2, and nothing left in the output folder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import gguf
import pytest

from model_convert import constants as C
from model_convert.convert import convert
from model_convert.synth import synth


@pytest.fixture
def ckpt(tmp_path: Path, tiny_checkpoint: Callable[[str], Path]) -> Path:
    """A private copy of the tiny bluelm checkpoint that a test may damage."""
    return Path(shutil.copytree(tiny_checkpoint(C.LAYOUT_BLUELM), tmp_path / "ckpt"))


def _shard(ckpt: Path) -> Path:
    return next(ckpt.glob("*.safetensors"))


def _edit_config(ckpt: Path, edit: Callable[[dict], None]) -> None:
    cfg = json.loads((ckpt / "config.json").read_text())
    edit(cfg)
    (ckpt / "config.json").write_text(json.dumps(cfg))


def _truncate(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _set(section: str, key: str, value: object) -> Callable[[dict], None]:
    return lambda cfg: cfg[section].__setitem__(key, value)


CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (damage, file the message must name, words it must contain)
    "missing config": (lambda c: (c / "config.json").unlink(), "config.json", "missing"),
    "config not json": (
        lambda c: (c / "config.json").write_text("{nope"),
        "config.json",
        "invalid JSON",
    ),
    "no weights": (lambda c: _shard(c).unlink(), "ckpt", "no *.safetensors"),
    "truncated weights": (lambda c: _truncate(_shard(c), 0.5), ".safetensors", "truncated"),
    "weights header only": (lambda c: _truncate(_shard(c), 0.0001), ".safetensors", "header"),
    "unsupported architecture": (
        lambda c: _edit_config(
            c, lambda cfg: cfg.__setitem__("architectures", ["GPT2LMHeadModel"])
        ),
        "config.json",
        "unsupported architecture",
    ),
    "shape mismatch": (
        lambda c: _edit_config(c, _set("vision_config", "hidden_size", 96)),
        ".safetensors",
        "shape",
    ),
    "missing tokenizer": (lambda c: (c / "tokenizer.json").unlink(), "tokenizer.json", ""),
    "truncated tokenizer": (lambda c: _truncate(c / "tokenizer.json", 0.5), "tokenizer.json", ""),
    "config vocab smaller than the embedding": (
        lambda c: _edit_config(c, _set("text_config", "vocab_size", 64)),
        ".safetensors",
        "embed_tokens.weight' has shape [1152, 256], config implies [64, 256]",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_checkpoint_is_one_clear_line(case: str, ckpt: Path, tmp_path: Path, run_cli):
    damage, names, words = CASES[case]
    damage(ckpt)
    out = tmp_path / "out"
    rc, _, stderr = run_cli("convert", str(ckpt), str(out))
    assert rc == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("bluelm-convert: error: ")
    assert names in lines[0] and words.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_unsupported_dtype(ckpt: Path, tmp_path: Path, run_cli):
    shard = _shard(ckpt)
    data = bytearray(shard.read_bytes())
    n = int.from_bytes(data[:8], "little")
    header = data[8 : 8 + n].decode().replace('"F32"', '"I32"', 1)
    shard.write_bytes(bytes(data[:8]) + header.encode() + bytes(data[8 + n :]))
    rc, _, stderr = run_cli("convert", str(ckpt), str(tmp_path / "out"))
    assert rc == 2 and "unsupported dtype I32" in stderr


def test_missing_checkpoint_folder(tmp_path: Path, run_cli):
    rc, _, stderr = run_cli("convert", str(tmp_path / "nope"), str(tmp_path / "out"))
    assert rc == 2 and "nope" in stderr and "not a checkpoint folder" in stderr


def test_verify_without_converted_files(ckpt: Path, tmp_path: Path, run_cli):
    rc, _, stderr = run_cli("verify", str(ckpt), str(tmp_path))
    assert rc == 2 and "ckpt-llm.gguf" in stderr and "missing" in stderr


def test_verify_fails_when_weights_differ(tmp_path: Path, tiny_models, run_cli):
    """verify is a real check: a file converted from another checkpoint fails it."""
    other = synth(C.LAYOUT_BLUELM, "tiny", tmp_path / "other", seed=7)
    src = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(src.llm, out / "other-llm.gguf")
    shutil.copy(src.mmproj, out / "other-mmproj.gguf")
    rc, stdout, stderr = run_cli("verify", str(other), str(out))
    assert rc == 2
    assert "vision" in stderr and "llm-text" in stderr and "FAIL" in stdout


def test_inspect_rejects_a_non_gguf_file(tmp_path: Path, run_cli):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"not a gguf file at all")
    rc, _, stderr = run_cli("inspect", str(bad))
    assert rc == 2 and str(bad) in stderr and len(stderr.strip().splitlines()) == 1


def _widen_ffn(vision_ffn: int, text_ffn: int) -> Callable[[dict], None]:
    def edit(cfg: dict) -> None:
        cfg["vision_config"]["intermediate_size"] = vision_ffn
        cfg["text_config"]["intermediate_size"] = text_ffn

    return edit


def test_quant_fallback_is_named(tmp_path: Path):
    """Rows a quant type cannot take fall back, with a warning naming each tensor."""
    ckpt = synth(C.LAYOUT_BLUELM, "tiny", tmp_path / "odd", edit_config=_widen_ffn(100, 320))
    warnings: list[str] = []
    out = convert(ckpt, tmp_path / "out", "q4_k_m", "q8_0", warn=warnings.append)
    assert any(w.startswith("v.blk.0.ffn_down.weight:") and "q8_0" in w for w in warnings)
    assert any(w.startswith("blk.1.ffn_down.weight:") and "q4_k_m" in w for w in warnings)
    assert out.warnings == tuple(warnings)
    types = {t.name: t.tensor_type.name for t in gguf.GGUFReader(out.mmproj).tensors}
    assert types["v.blk.0.ffn_down.weight"] == "F16"
    assert types["v.blk.0.ffn_up.weight"] == "Q8_0"  # 64-wide rows still quantize


def test_an_unexpected_failure_is_one_line_too(tmp_path: Path, run_cli, monkeypatch):
    """A parser deep in gguf-py or numpy failing on input nobody foresaw: still one line
    and exit 2, with the traceback only when BLUELM_DEBUG asks for it."""
    import bluelm_desktop.core.gguf.summary as inspect_gguf

    def broken(*args, **kwargs):
        raise ValueError("buffer is smaller than requested size")

    monkeypatch.setattr(inspect_gguf, "summarize", broken)
    target = tmp_path / "x.gguf"
    target.write_bytes(b"GGUF" + bytes(64))
    monkeypatch.delenv("BLUELM_DEBUG", raising=False)
    rc, out, err = run_cli("inspect", str(target))
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "internal error (ValueError: buffer is smaller" in err
    monkeypatch.setenv("BLUELM_DEBUG", "1")
    with pytest.raises(ValueError, match="buffer is smaller"):
        run_cli("inspect", str(target))
