"""`bluelm-convert synth`: a random-weight checkpoint folder in the Hugging Face layout.

Random weights, real shapes and a real tokenizer: everything downstream (conversion,
llama.cpp loading, tiling, the app) runs on it for real; only the answers are noise.
Weights are scaled so activations stay O(1) through the layers (std 1/sqrt(fan_in)),
which keeps the numerical comparison in `verify` meaningful.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from model_convert import constants as C
from model_convert.checkpoint import atomic_dir_commit, split_shards, write_safetensors
from model_convert.layouts import get_layout
from model_convert.tokenizer import build_synthetic_tokenizer

_FULL_VOCAB = {C.LAYOUT_BLUELM: 100352, C.LAYOUT_INTERNVL: 151674}
_SHARD_BYTES = 2 * 1024**3


def init_tensor(name: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """A deterministic random tensor whose scale suits its role (told by its name)."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    base = name.rsplit(".", 1)[-1]
    if len(shape) == 1 or base in ("ls1", "ls2"):
        if base in ("ls1", "ls2"):
            return 0.5 + 0.1 * rng.standard_normal(shape, dtype=np.float32)
        if base == "bias":
            return 0.02 * rng.standard_normal(shape, dtype=np.float32)
        return 1.0 + 0.1 * rng.standard_normal(shape, dtype=np.float32)  # norm weights
    if "embed_tokens" in name or "position_embedding" in name or "class_embedding" in name:
        return 0.5 * rng.standard_normal(shape, dtype=np.float32)
    fan_in = int(np.prod(shape[1:]))
    return rng.standard_normal(shape, dtype=np.float32) / np.float32(np.sqrt(fan_in))


def synth(
    layout_name: str,
    size: str,
    out_dir: Path,
    seed: int = 0,
    edit_config: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """Write a checkpoint folder to `out_dir` (atomically: all of it or nothing).

    `edit_config` may change the config before tensors are made from it (tests use it
    to make shapes a quantization type cannot take).
    """
    layout = get_layout(layout_name)
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        special = (*C.CHAT_TOKENS, *C.IMAGE_TOKENS[layout_name])
        build_synthetic_tokenizer(tmp, special)
        n_tokens = len(json.loads((tmp / "tokenizer.json").read_text())["model"]["vocab"])
        n_tokens += len(special)
        vocab = _FULL_VOCAB[layout_name] if size == C.SIZE_FULL else -(-n_tokens // 128) * 128
        config = layout.synth_config(size, vocab)
        config["synthetic"] = {"seed": seed, "size": size, "note": "random weights"}
        if edit_config:
            edit_config(config)
        (tmp / "config.json").write_text(json.dumps(config, indent=2))

        cfg_path = tmp / "config.json"
        shapes = layout.vision_tensor_shapes(config, cfg_path)
        shapes.update(layout.text_tensor_shapes(layout.text_config(config, cfg_path)))
        # tiny in float32 so `verify` can check f32 output tightly; full in float16 (as
        # real checkpoints ship in 16-bit) to halve the 3B-parameter write.
        dtype = np.dtype("float32") if size == C.SIZE_TINY else np.dtype("float16")
        shards = split_shards(shapes, dtype.itemsize, _SHARD_BYTES)
        weight_map = {}
        for k, shard in enumerate(shards, 1):
            fname = f"model-{k:05d}-of-{len(shards):05d}.safetensors"
            write_safetensors(tmp / fname, shard, lambda n, s: init_tensor(n, s, seed), dtype)
            weight_map.update(dict.fromkeys(shard, fname))
        index = {"metadata": {}, "weight_map": weight_map}
        (tmp / "model.safetensors.index.json").write_text(json.dumps(index, indent=1))
        atomic_dir_commit(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
