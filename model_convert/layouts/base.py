"""What every source layout provides, and the parts they share (the LLM side).

A layout knows three things about one family of checkpoints: how `synth` makes one
(config + tensor shapes), how its tensors map onto a llama.cpp graph (LLM GGUF + mmproj
GGUF), and the numbers the app needs to tile images for it. The numpy reference
(`model_convert.reference`) deliberately does NOT use these mappings: it reads the
checkpoint by its own names, so a wrong mapping shows up as a numerical error.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_convert.checkpoint import Checkpoint
from model_convert.errors import ConvertError


def _need(cfg: dict[str, Any], key: str, path: Path, kind: type = int) -> Any:
    if key not in cfg:
        raise ConvertError(path, f"config is missing {key!r}")
    try:
        return kind(cfg[key])
    except (TypeError, ValueError):
        raise ConvertError(path, f"config value {key!r} is not a {kind.__name__}") from None


@dataclass(frozen=True)
class TextConfig:
    """The LLM's shape, read from the HF text config."""

    arch: str  # llama.cpp architecture: "llama" | "qwen2"
    hidden: int
    ffn: int
    layers: int
    heads: int
    kv_heads: int
    vocab: int
    rms_eps: float
    rope_theta: float
    max_positions: int
    tied_embeddings: bool

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def qkv_bias(self) -> bool:
        return self.arch == "qwen2"

    @classmethod
    def from_hf(cls, cfg: dict[str, Any], arch: str, path: Path) -> TextConfig:
        tc = cls(
            arch=arch,
            hidden=_need(cfg, "hidden_size", path),
            ffn=_need(cfg, "intermediate_size", path),
            layers=_need(cfg, "num_hidden_layers", path),
            heads=_need(cfg, "num_attention_heads", path),
            kv_heads=int(cfg.get("num_key_value_heads", cfg.get("num_attention_heads", 0))),
            vocab=_need(cfg, "vocab_size", path),
            rms_eps=_need(cfg, "rms_norm_eps", path, float),
            rope_theta=float(cfg.get("rope_theta", 10000.0)),
            max_positions=int(cfg.get("max_position_embeddings", 4096)),
            tied_embeddings=bool(cfg.get("tie_word_embeddings", False)),
        )
        if tc.hidden % tc.heads or tc.heads % max(tc.kv_heads, 1) or tc.kv_heads < 1:
            raise ConvertError(path, "text config: heads do not divide the hidden size")
        if (tc.hidden // tc.heads) % 2:
            raise ConvertError(path, "text config: rotary embedding needs an even head size")
        if cfg.get("hidden_act", "silu") != "silu":
            raise ConvertError(path, f"text config: unsupported hidden_act {cfg['hidden_act']!r}")
        return tc

    def hf_dict(self) -> dict[str, Any]:
        return {
            "hidden_size": self.hidden,
            "intermediate_size": self.ffn,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "num_key_value_heads": self.kv_heads,
            "vocab_size": self.vocab,
            "rms_norm_eps": self.rms_eps,
            "rope_theta": self.rope_theta,
            "max_position_embeddings": self.max_positions,
            "tie_word_embeddings": self.tied_embeddings,
            "hidden_act": "silu",
        }


@dataclass(frozen=True)
class VisionConfig:
    """The ViT + projector shape, and how pixels are normalised."""

    hidden: int
    ffn: int
    layers: int
    heads: int
    image_size: int
    patch_size: int
    eps: float
    act: str  # "gelu" (erf) | "gelu_pytorch_tanh"
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    merge: int  # 2x2 token downsampling
    class_token: bool

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def tokens_per_tile(self) -> int:
        return math.ceil(self.grid / self.merge) ** 2

    @classmethod
    def from_hf(
        cls, cfg: dict[str, Any], path: Path, merge: int, class_token: bool
    ) -> VisionConfig:
        vc = cls(
            hidden=_need(cfg, "hidden_size", path),
            ffn=_need(cfg, "intermediate_size", path),
            layers=_need(cfg, "num_hidden_layers", path),
            heads=_need(cfg, "num_attention_heads", path),
            image_size=_need(cfg, "image_size", path),
            patch_size=_need(cfg, "patch_size", path),
            eps=_need(cfg, "layer_norm_eps", path, float),
            act=str(cfg.get("hidden_act", "gelu")),
            mean=tuple(cfg.get("image_mean", (0.5, 0.5, 0.5))),  # type: ignore[arg-type]
            std=tuple(cfg.get("image_std", (0.5, 0.5, 0.5))),  # type: ignore[arg-type]
            merge=merge,
            class_token=class_token,
        )
        if vc.image_size % vc.patch_size:
            raise ConvertError(path, "vision config: image_size is not a multiple of patch_size")
        if vc.hidden % vc.heads:
            raise ConvertError(path, "vision config: heads do not divide the hidden size")
        if vc.act not in ("gelu", "gelu_pytorch_tanh"):
            raise ConvertError(path, f"vision config: unsupported hidden_act {vc.act!r}")
        return vc


@dataclass(frozen=True)
class GGUFTensor:
    """One tensor for the mmproj, with the role that decides its precision."""

    name: str
    data: np.ndarray
    role: str  # "vit" (matrix, 8-bit by default) | "projector" (f16) | "keep" (f32/f16 as is)


class Layout(ABC):
    """One family of source checkpoints."""

    name: str
    hf_arch: str
    llm_arch: str
    projector_type: str
    text_prefix: str = "language_model."
    has_thumbnail_for_single_tile: bool = False
    # What a user of llama.cpp's own tools (llama-server, llama-mtmd-cli) must know
    serving_notes: tuple[str, ...] = ()

    @abstractmethod
    def synth_config(self, size: str, vocab_size: int) -> dict[str, Any]: ...

    @abstractmethod
    def vision_config(self, cfg: dict[str, Any], path: Path) -> VisionConfig: ...

    @abstractmethod
    def vision_tensor_shapes(self, cfg: dict[str, Any], path: Path) -> dict[str, tuple[int, ...]]:
        """Every vision + projector tensor the checkpoint must hold, with its shape."""

    @abstractmethod
    def mmproj_tensors(self, ckpt: Checkpoint) -> Iterator[GGUFTensor]:
        """The checkpoint's vision tensors under llama.cpp's names, in llama.cpp's form."""

    @abstractmethod
    def write_mmproj_keys(self, writer: Any, ckpt: Checkpoint) -> None:
        """clip.* keys (projector type, vision hparams) for the mmproj."""

    def text_config(self, cfg: dict[str, Any], path: Path) -> TextConfig:
        text = cfg.get("text_config") or cfg.get("llm_config")
        if not isinstance(text, dict):
            raise ConvertError(path, "config has no text_config/llm_config section")
        return TextConfig.from_hf(text, self.llm_arch, path)

    def text_tensor_shapes(self, tc: TextConfig) -> dict[str, tuple[int, ...]]:
        p = self.text_prefix
        hd, kv = tc.head_dim, tc.kv_heads * tc.head_dim
        shapes: dict[str, tuple[int, ...]] = {
            f"{p}model.embed_tokens.weight": (tc.vocab, tc.hidden)
        }
        for i in range(tc.layers):
            b = f"{p}model.layers.{i}."
            shapes[b + "input_layernorm.weight"] = (tc.hidden,)
            shapes[b + "self_attn.q_proj.weight"] = (tc.heads * hd, tc.hidden)
            shapes[b + "self_attn.k_proj.weight"] = (kv, tc.hidden)
            shapes[b + "self_attn.v_proj.weight"] = (kv, tc.hidden)
            if tc.qkv_bias:
                shapes[b + "self_attn.q_proj.bias"] = (tc.heads * hd,)
                shapes[b + "self_attn.k_proj.bias"] = (kv,)
                shapes[b + "self_attn.v_proj.bias"] = (kv,)
            shapes[b + "self_attn.o_proj.weight"] = (tc.hidden, tc.heads * hd)
            shapes[b + "post_attention_layernorm.weight"] = (tc.hidden,)
            shapes[b + "mlp.gate_proj.weight"] = (tc.ffn, tc.hidden)
            shapes[b + "mlp.up_proj.weight"] = (tc.ffn, tc.hidden)
            shapes[b + "mlp.down_proj.weight"] = (tc.hidden, tc.ffn)
        shapes[f"{p}model.norm.weight"] = (tc.hidden,)
        if not tc.tied_embeddings:
            shapes[f"{p}lm_head.weight"] = (tc.vocab, tc.hidden)
        return shapes

    @abstractmethod
    def image_tokens_text(self) -> tuple[str, str]:
        """The family's image begin/end markers (stored as GGUF metadata for other apps)."""
