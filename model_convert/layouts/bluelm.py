"""The paper's model: SigLIP-style ViT (no class token) → 2×2 token downsampler → MLP → LLM.

Mapping onto llama.cpp: the `siglip` graph with projector type `lfm2` computes
pixel-unshuffle (each 2×2 group of neighbouring tokens concatenated, row-major within
the group) followed by a GELU MLP, with the input LayerNorm optional. The paper's
downsampler is a linear layer on the concatenated 2×2 group followed by the 2-layer MLP;
two linear layers with nothing between them are one linear layer, so we fold the
downsampler into the MLP's first layer (W = W1·Wd, b = W1·bd + b1) and map the result
onto lfm2's `mm.1`/`mm.2` exactly.

Tile size: with patch 14, a 384-px tile is a 27×27 patch grid. llama.cpp's unshuffle
zero-pads an odd grid (the paper's rule), but its lfm2 pre-processor resizes every bitmap
to a multiple of patch·merge = 28 px first, so a 384-px tile would be resampled to 392 px.
Our synthetic BlueLM layout therefore uses 392-px tiles (28×28 patches, 196 tokens, no
padding), which converter, reference and llama.cpp compute identically. A real 384-px
checkpoint would need its 27×27 position embeddings resampled to 28×28 (llama.cpp's
lfm2 graph does that itself, bilinearly, at run time); see README.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gguf

from model_convert import constants as C
from model_convert.checkpoint import Checkpoint
from model_convert.errors import ConvertError
from model_convert.layouts.base import GGUFTensor, Layout, TextConfig, VisionConfig

_SIZES: dict[str, dict[str, Any]] = {
    C.SIZE_TINY: {
        "vision": {
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
        },
        "downsampler_hidden": 256,
        "projector_hidden": 256,
        "text": TextConfig(
            "llama",
            hidden=256,
            ffn=512,
            layers=2,
            heads=4,
            kv_heads=2,
            vocab=0,
            rms_eps=1e-6,
            rope_theta=10000.0,
            max_positions=4096,
            tied_embeddings=False,
        ),
    },
    # BlueLM-V-3B's shapes: SigLIP so400m (1152 wide, 27 layers, 16 heads) and a 2.7B
    # llama-style LLM (2560 wide, 28 layers); random weights, real compute cost.
    C.SIZE_FULL: {
        "vision": {
            "hidden_size": 1152,
            "intermediate_size": 4304,
            "num_hidden_layers": 27,
            "num_attention_heads": 16,
        },
        "downsampler_hidden": 2560,
        "projector_hidden": 2560,
        "text": TextConfig(
            "llama",
            hidden=2560,
            ffn=6912,
            layers=28,
            heads=32,
            kv_heads=32,
            vocab=0,
            rms_eps=1e-6,
            rope_theta=10000.0,
            max_positions=4096,
            tied_embeddings=False,
        ),
    },
}

_V = "vision_model."


class BlueLMLayout(Layout):
    name = C.LAYOUT_BLUELM
    hf_arch = C.HF_ARCH_BLUELM
    llm_arch = "llama"
    projector_type = "lfm2"
    serving_notes = (
        "llama-server and llama-mtmd-cli cut a large image for this projector (mtmd's lfm2) "
        "into 512-px tiles, which its 14-px patches cannot take: clip.cpp aborts the server "
        "(\"Invalid number of output tokens\"). Start llama-server with --image-max-tokens "
        "8192, or let bluelm-desktop send its own tiles (--mmproj). See the README, "
        "\"What is sent to a server\".",
    )

    def synth_config(self, size: str, vocab_size: int) -> dict[str, Any]:
        s = _SIZES[size]
        text = dataclasses.replace(s["text"], vocab=vocab_size)
        return {
            "architectures": [self.hf_arch],
            "model_type": "bluelm_v",
            "vision_config": {
                **s["vision"],
                "image_size": 392,
                "patch_size": 14,
                "layer_norm_eps": 1e-6,
                "hidden_act": "gelu_pytorch_tanh",
                "image_mean": [0.5, 0.5, 0.5],
                "image_std": [0.5, 0.5, 0.5],
            },
            "downsampler": {"merge": 2, "hidden_size": s["downsampler_hidden"]},
            "projector": {"hidden_size": s["projector_hidden"], "hidden_act": "gelu_pytorch_tanh"},
            "text_config": text.hf_dict(),
            "tiling": {"max_grid": C.DEFAULT_MAX_GRID, "alpha": C.DEFAULT_ALPHA},
        }

    def vision_config(self, cfg: dict[str, Any], path: Path) -> VisionConfig:
        vcfg = cfg.get("vision_config")
        if not isinstance(vcfg, dict):
            raise ConvertError(path, "config has no vision_config section")
        merge = int((cfg.get("downsampler") or {}).get("merge", 2))
        if merge != 2:
            raise ConvertError(path, f"downsampler merge {merge} is unsupported (only 2x2)")
        return VisionConfig.from_hf(vcfg, path, merge=merge, class_token=False)

    def _dims(self, cfg: dict[str, Any], path: Path) -> tuple[VisionConfig, int, int, int]:
        vc = self.vision_config(cfg, path)
        try:
            ds = int(cfg["downsampler"]["hidden_size"])
            pj = int(cfg["projector"]["hidden_size"])
        except (KeyError, TypeError, ValueError):
            raise ConvertError(path, "config lacks downsampler/projector hidden_size") from None
        return vc, ds, pj, self.text_config(cfg, path).hidden

    def vision_tensor_shapes(self, cfg: dict[str, Any], path: Path) -> dict[str, tuple[int, ...]]:
        vc, ds, pj, h = self._dims(cfg, path)
        c, f = vc.hidden, vc.ffn
        shapes: dict[str, tuple[int, ...]] = {
            _V + "embeddings.patch_embedding.weight": (c, 3, vc.patch_size, vc.patch_size),
            _V + "embeddings.patch_embedding.bias": (c,),
            _V + "embeddings.position_embedding.weight": (vc.grid * vc.grid, c),
        }
        for i in range(vc.layers):
            b = f"{_V}encoder.layers.{i}."
            for n in ("layer_norm1", "layer_norm2"):
                shapes[b + n + ".weight"] = (c,)
                shapes[b + n + ".bias"] = (c,)
            for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
                shapes[b + f"self_attn.{n}.weight"] = (c, c)
                shapes[b + f"self_attn.{n}.bias"] = (c,)
            shapes[b + "mlp.fc1.weight"] = (f, c)
            shapes[b + "mlp.fc1.bias"] = (f,)
            shapes[b + "mlp.fc2.weight"] = (c, f)
            shapes[b + "mlp.fc2.bias"] = (c,)
        shapes[_V + "post_layernorm.weight"] = (c,)
        shapes[_V + "post_layernorm.bias"] = (c,)
        m = vc.merge * vc.merge
        shapes["downsampler.linear.weight"] = (ds, m * c)
        shapes["downsampler.linear.bias"] = (ds,)
        shapes["projector.linear_1.weight"] = (pj, ds)
        shapes["projector.linear_1.bias"] = (pj,)
        shapes["projector.linear_2.weight"] = (h, pj)
        shapes["projector.linear_2.bias"] = (h,)
        return shapes

    def write_mmproj_keys(self, writer: gguf.GGUFWriter, ckpt: Checkpoint) -> None:
        vc = self.vision_config(ckpt.config, ckpt.folder)
        writer.add_clip_projector_type(gguf.VisionProjectorType.LFM2)
        writer.add_vision_projector_scale_factor(vc.merge)
        # siglip's gelu_pytorch_tanh is ggml's gelu; "gelu" (erf) would be gelu_erf, which
        # the clip loader cannot select, so only the tanh form is accepted for this layout.
        if vc.act != "gelu_pytorch_tanh":
            raise ConvertError(ckpt.folder, f"bluelm layout needs gelu_pytorch_tanh, not {vc.act}")
        writer.add_vision_use_gelu(True)

    def mmproj_tensors(self, ckpt: Checkpoint) -> Iterator[GGUFTensor]:
        vc, _, _, _ = self._dims(ckpt.config, ckpt.folder)
        get = ckpt.get
        yield GGUFTensor(
            "v.patch_embd.weight", get(_V + "embeddings.patch_embedding.weight"), "keep"
        )
        yield GGUFTensor("v.patch_embd.bias", get(_V + "embeddings.patch_embedding.bias"), "keep")
        yield GGUFTensor(
            "v.position_embd.weight", get(_V + "embeddings.position_embedding.weight"), "keep"
        )
        names = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "out_proj": "attn_out"}
        for i in range(vc.layers):
            src, dst = f"{_V}encoder.layers.{i}.", f"v.blk.{i}."
            for s, d in (("layer_norm1", "ln1"), ("layer_norm2", "ln2")):
                yield GGUFTensor(dst + d + ".weight", get(src + s + ".weight"), "keep")
                yield GGUFTensor(dst + d + ".bias", get(src + s + ".bias"), "keep")
            for s, d in names.items():
                yield GGUFTensor(dst + d + ".weight", get(src + f"self_attn.{s}.weight"), "vit")
                yield GGUFTensor(dst + d + ".bias", get(src + f"self_attn.{s}.bias"), "keep")
            for s, d in (("fc1", "ffn_up"), ("fc2", "ffn_down")):
                yield GGUFTensor(dst + d + ".weight", get(src + f"mlp.{s}.weight"), "vit")
                yield GGUFTensor(dst + d + ".bias", get(src + f"mlp.{s}.bias"), "keep")
        yield GGUFTensor("v.post_ln.weight", get(_V + "post_layernorm.weight"), "keep")
        yield GGUFTensor("v.post_ln.bias", get(_V + "post_layernorm.bias"), "keep")
        # Fold the downsampler into the MLP's first layer (module docstring); float64 so
        # the fold adds no rounding of its own.
        wd = get("downsampler.linear.weight").astype("float64")
        bd = get("downsampler.linear.bias").astype("float64")
        w1 = get("projector.linear_1.weight").astype("float64")
        b1 = get("projector.linear_1.bias").astype("float64")
        yield GGUFTensor("mm.1.weight", (w1 @ wd).astype("float32"), "projector")
        yield GGUFTensor("mm.1.bias", (w1 @ bd + b1).astype("float32"), "keep")
        yield GGUFTensor("mm.2.weight", get("projector.linear_2.weight"), "projector")
        yield GGUFTensor("mm.2.bias", get("projector.linear_2.bias"), "keep")

    def image_tokens_text(self) -> tuple[str, str]:
        return "<|image_start|>", "<|image_end|>"
