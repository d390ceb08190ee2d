"""InternVL 2.5/3: InternViT (class token, layer scale) → pixel shuffle → LayerNorm + MLP → Qwen2.

The public family closest to BlueLM-V-3B. Tensor names follow the real checkpoints
(`vision_model.*`, `mlp1.{0,1,3}`, `language_model.*`), so users can convert a real
InternVL download with the same code. llama.cpp runs it with projector type `internvl`,
which also supports batched tile encoding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gguf
import numpy as np

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
        "text": TextConfig(
            "qwen2",
            hidden=256,
            ffn=512,
            layers=2,
            heads=4,
            kv_heads=2,
            vocab=0,
            rms_eps=1e-6,
            rope_theta=1000000.0,
            max_positions=4096,
            tied_embeddings=False,
        ),
    },
    # InternVL3-2B's shapes: InternViT-300M + Qwen2.5-1.5B.
    C.SIZE_FULL: {
        "vision": {
            "hidden_size": 1024,
            "intermediate_size": 4096,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
        },
        "text": TextConfig(
            "qwen2",
            hidden=1536,
            ffn=8960,
            layers=28,
            heads=12,
            kv_heads=2,
            vocab=0,
            rms_eps=1e-6,
            rope_theta=1000000.0,
            max_positions=32768,
            tied_embeddings=False,
        ),
    },
}

_V = "vision_model."


class InternVLLayout(Layout):
    name = C.LAYOUT_INTERNVL
    hf_arch = C.HF_ARCH_INTERNVL
    llm_arch = "qwen2"
    projector_type = "internvl"

    def synth_config(self, size: str, vocab_size: int) -> dict[str, Any]:
        s = _SIZES[size]
        text = dataclasses.replace(s["text"], vocab=vocab_size)
        return {
            "architectures": [self.hf_arch],
            "model_type": "internvl_chat",
            "downsample_ratio": 0.5,
            "ps_version": "v2",
            "force_image_size": 448,
            "min_dynamic_patch": 1,
            "max_dynamic_patch": 12,
            "template": "internvl2_5",
            "vision_config": {
                **s["vision"],
                "image_size": 448,
                "patch_size": 14,
                "layer_norm_eps": 1e-6,
                "hidden_act": "gelu",
                "norm_type": "layer_norm",
                "qkv_bias": True,
                "qk_normalization": False,
                "use_layer_scale": True,
                "image_mean": [0.485, 0.456, 0.406],
                "image_std": [0.229, 0.224, 0.225],
            },
            "llm_config": {**text.hf_dict(), "architectures": ["Qwen2ForCausalLM"]},
        }

    def vision_config(self, cfg: dict[str, Any], path: Path) -> VisionConfig:
        vcfg = cfg.get("vision_config")
        if not isinstance(vcfg, dict):
            raise ConvertError(path, "config has no vision_config section")
        if vcfg.get("qk_normalization") or vcfg.get("norm_type", "layer_norm") != "layer_norm":
            raise ConvertError(path, "only InternViT with LayerNorm and no qk-norm is supported")
        ratio = float(cfg.get("downsample_ratio", 0.5))
        if ratio != 0.5 or cfg.get("ps_version", "v2") != "v2":
            raise ConvertError(path, "only pixel shuffle v2 with downsample_ratio 0.5 is supported")
        vcfg = {**vcfg, "image_size": cfg.get("force_image_size", vcfg.get("image_size"))}
        # InternVL's config.json does not store normalisation: it is fixed in its code.
        vcfg.setdefault("image_mean", [0.485, 0.456, 0.406])
        vcfg.setdefault("image_std", [0.229, 0.224, 0.225])
        vc = VisionConfig.from_hf(vcfg, path, merge=2, class_token=True)
        if vc.grid % vc.merge:
            raise ConvertError(path, f"patch grid {vc.grid} is not divisible by 2 (pixel shuffle)")
        return vc

    def vision_tensor_shapes(self, cfg: dict[str, Any], path: Path) -> dict[str, tuple[int, ...]]:
        vc = self.vision_config(cfg, path)
        h = self.text_config(cfg, path).hidden
        c, f = vc.hidden, vc.ffn
        shapes: dict[str, tuple[int, ...]] = {
            _V + "embeddings.class_embedding": (1, 1, c),
            _V + "embeddings.patch_embedding.weight": (c, 3, vc.patch_size, vc.patch_size),
            _V + "embeddings.patch_embedding.bias": (c,),
            _V + "embeddings.position_embedding": (1, vc.grid * vc.grid + 1, c),
        }
        for i in range(vc.layers):
            b = f"{_V}encoder.layers.{i}."
            for n in ("norm1", "norm2"):
                shapes[b + n + ".weight"] = (c,)
                shapes[b + n + ".bias"] = (c,)
            shapes[b + "attn.qkv.weight"] = (3 * c, c)
            shapes[b + "attn.qkv.bias"] = (3 * c,)
            shapes[b + "attn.proj.weight"] = (c, c)
            shapes[b + "attn.proj.bias"] = (c,)
            shapes[b + "mlp.fc1.weight"] = (f, c)
            shapes[b + "mlp.fc1.bias"] = (f,)
            shapes[b + "mlp.fc2.weight"] = (c, f)
            shapes[b + "mlp.fc2.bias"] = (c,)
            shapes[b + "ls1"] = (c,)
            shapes[b + "ls2"] = (c,)
        m = 4 * c
        shapes["mlp1.0.weight"] = (m,)
        shapes["mlp1.0.bias"] = (m,)
        shapes["mlp1.1.weight"] = (h, m)
        shapes["mlp1.1.bias"] = (h,)
        shapes["mlp1.3.weight"] = (h, h)
        shapes["mlp1.3.bias"] = (h,)
        return shapes

    def write_mmproj_keys(self, writer: gguf.GGUFWriter, ckpt: Checkpoint) -> None:
        vc = self.vision_config(ckpt.config, ckpt.folder)
        writer.add_clip_projector_type(gguf.VisionProjectorType.INTERNVL)
        writer.add_vision_projector_scale_factor(vc.merge)
        # We hand mtmd one exact-size bitmap per tile; one tile candidate means mtmd never
        # slices it again (our own tiler chose the grid already).
        writer.add_vision_preproc_min_tiles(1)
        writer.add_vision_preproc_max_tiles(1)
        writer.add_vision_use_gelu(True)

    def mmproj_tensors(self, ckpt: Checkpoint) -> Iterator[GGUFTensor]:
        vc = self.vision_config(ckpt.config, ckpt.folder)
        get = ckpt.get
        c = vc.hidden
        yield GGUFTensor("v.class_embd", get(_V + "embeddings.class_embedding").reshape(c), "keep")
        yield GGUFTensor(
            "v.patch_embd.weight", get(_V + "embeddings.patch_embedding.weight"), "keep"
        )
        yield GGUFTensor("v.patch_embd.bias", get(_V + "embeddings.patch_embedding.bias"), "keep")
        # llama.cpp's internvl graph appends the class token after the patches (HF puts it
        # first) and adds the position table in that order, so the class token's row moves
        # from first to last. `verify` measures the difference: without this roll the
        # embeddings' cosine to the reference drops to ~0.86.
        pos = get(_V + "embeddings.position_embedding").reshape(-1, c)
        yield GGUFTensor("v.position_embd.weight", np.roll(pos, -1, axis=0), "keep")
        for i in range(vc.layers):
            src, dst = f"{_V}encoder.layers.{i}.", f"v.blk.{i}."
            for s, d in (("norm1", "ln1"), ("norm2", "ln2")):
                yield GGUFTensor(dst + d + ".weight", get(src + s + ".weight"), "keep")
                yield GGUFTensor(dst + d + ".bias", get(src + s + ".bias"), "keep")
            qkv_w, qkv_b = get(src + "attn.qkv.weight"), get(src + "attn.qkv.bias")
            for j, d in enumerate(("attn_q", "attn_k", "attn_v")):
                yield GGUFTensor(dst + d + ".weight", qkv_w[j * c : (j + 1) * c], "vit")
                yield GGUFTensor(dst + d + ".bias", qkv_b[j * c : (j + 1) * c], "keep")
            yield GGUFTensor(dst + "attn_out.weight", get(src + "attn.proj.weight"), "vit")
            yield GGUFTensor(dst + "attn_out.bias", get(src + "attn.proj.bias"), "keep")
            for s, d in (("fc1", "ffn_up"), ("fc2", "ffn_down")):
                yield GGUFTensor(dst + d + ".weight", get(src + f"mlp.{s}.weight"), "vit")
                yield GGUFTensor(dst + d + ".bias", get(src + f"mlp.{s}.bias"), "keep")
            yield GGUFTensor(dst + "ls1.weight", get(src + "ls1"), "keep")
            yield GGUFTensor(dst + "ls2.weight", get(src + "ls2"), "keep")
        for j in (0, 1, 3):
            role = "keep" if j == 0 else "projector"
            yield GGUFTensor(f"mm.model.mlp.{j}.weight", get(f"mlp1.{j}.weight"), role)
            yield GGUFTensor(f"mm.model.mlp.{j}.bias", get(f"mlp1.{j}.bias"), "keep")

    def image_tokens_text(self) -> tuple[str, str]:
        return "<img>", "</img>"
