"""A numpy forward pass of the source checkpoints: the ground truth `verify` compares against.

It reads tensors by the checkpoint's own names and follows the Hugging Face modules'
semantics (rotate-half RoPE, class token first, qkv split, the downsampler as its own
linear layer), independently of the converter's mappings, so a mistake in a mapping
(a swapped tensor, a missed permutation, a wrong pixel-shuffle order) shows up here as
a numerical error instead of passing silently.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model_convert import constants as C
from model_convert.checkpoint import Checkpoint
from model_convert.layouts import Layout, TextConfig, VisionConfig

F = np.float32


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and float32 work
    # needs no better.
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return s * (1.0 - poly * np.exp(-a * a))


def gelu_erf(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def gelu(x: np.ndarray, act: str) -> np.ndarray:
    return gelu_tanh(x) if act == "gelu_pytorch_tanh" else gelu_erf(x)


def silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    y = x @ w.T
    return y + b if b is not None else y


def normalize_tile(tile: np.ndarray, vc: VisionConfig) -> np.ndarray:
    """uint8 (S, S, 3) → float (3, S, S), normalised the way mtmd does."""
    x = tile.astype(F) / F(255.0)
    x = (x - np.asarray(vc.mean, F)) / np.asarray(vc.std, F)
    return x.transpose(2, 0, 1)


def patch_embed(pixels: np.ndarray, w: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """Stride-p convolution as a matmul: (3, S, S) → (n_patches, C), patches row-major."""
    c, s = pixels.shape[0], pixels.shape[1]
    g = s // p
    patches = pixels.reshape(c, g, p, g, p).transpose(1, 3, 0, 2, 4).reshape(g * g, c * p * p)
    return patches @ w.reshape(w.shape[0], -1).T + b


def attention(
    x: np.ndarray, q: np.ndarray, k: np.ndarray, v: np.ndarray, n_head: int, causal: bool = False
) -> np.ndarray:
    """Multi-head attention on already projected q (T, Hq·d), k and v (T, Hkv·d)."""
    t = x.shape[0]
    d = q.shape[1] // n_head
    n_kv = k.shape[1] // d
    qh = q.reshape(t, n_head, d).transpose(1, 0, 2)
    kh = np.repeat(k.reshape(t, n_kv, d).transpose(1, 0, 2), n_head // n_kv, axis=0)
    vh = np.repeat(v.reshape(t, n_kv, d).transpose(1, 0, 2), n_head // n_kv, axis=0)
    scores = qh @ kh.transpose(0, 2, 1) / np.sqrt(d)
    if causal:
        scores = scores + np.triu(np.full((t, t), -np.inf, dtype=scores.dtype), 1)
    return (softmax(scores) @ vh).transpose(1, 0, 2).reshape(t, n_head * d)


def unshuffle(x: np.ndarray, grid: int, merge: int) -> np.ndarray:
    """Concatenate each merge×merge group of neighbouring tokens (row-major within the group).

    An odd grid is zero-padded on the right and bottom first (the paper's 27×27 → 28×28).
    """
    c = x.shape[1]
    g2 = -(-grid // merge) * merge
    img = np.zeros((g2, g2, c), dtype=x.dtype)
    img[:grid, :grid] = x.reshape(grid, grid, c)
    n = g2 // merge
    return (
        img.reshape(n, merge, n, merge, c)
        .transpose(0, 2, 1, 3, 4)
        .reshape(n * n, merge * merge * c)
    )


# --- vision ------------------------------------------------------------------------


def _bluelm_vision(ck: Checkpoint, vc: VisionConfig, tile: np.ndarray) -> np.ndarray:
    v = "vision_model."
    x = patch_embed(
        normalize_tile(tile, vc),
        ck.get(v + "embeddings.patch_embedding.weight"),
        ck.get(v + "embeddings.patch_embedding.bias"),
        vc.patch_size,
    )
    x = x + ck.get(v + "embeddings.position_embedding.weight")
    for i in range(vc.layers):
        b = f"{v}encoder.layers.{i}."
        g = lambda n, b=b: ck.get(b + n)  # noqa: E731
        h = layer_norm(x, g("layer_norm1.weight"), g("layer_norm1.bias"), vc.eps)
        q = linear(h, g("self_attn.q_proj.weight"), g("self_attn.q_proj.bias"))
        k = linear(h, g("self_attn.k_proj.weight"), g("self_attn.k_proj.bias"))
        vv = linear(h, g("self_attn.v_proj.weight"), g("self_attn.v_proj.bias"))
        x = x + linear(
            attention(h, q, k, vv, vc.heads),
            g("self_attn.out_proj.weight"),
            g("self_attn.out_proj.bias"),
        )
        h = layer_norm(x, g("layer_norm2.weight"), g("layer_norm2.bias"), vc.eps)
        h = gelu(linear(h, g("mlp.fc1.weight"), g("mlp.fc1.bias")), vc.act)
        x = x + linear(h, g("mlp.fc2.weight"), g("mlp.fc2.bias"))
    x = layer_norm(
        x, ck.get(v + "post_layernorm.weight"), ck.get(v + "post_layernorm.bias"), vc.eps
    )
    x = unshuffle(x, vc.grid, vc.merge)
    x = linear(x, ck.get("downsampler.linear.weight"), ck.get("downsampler.linear.bias"))
    act = str((ck.config.get("projector") or {}).get("hidden_act", "gelu_pytorch_tanh"))
    x = gelu(linear(x, ck.get("projector.linear_1.weight"), ck.get("projector.linear_1.bias")), act)
    return linear(x, ck.get("projector.linear_2.weight"), ck.get("projector.linear_2.bias"))


def _internvl_vision(ck: Checkpoint, vc: VisionConfig, tile: np.ndarray) -> np.ndarray:
    v = "vision_model."
    c = vc.hidden
    x = patch_embed(
        normalize_tile(tile, vc),
        ck.get(v + "embeddings.patch_embedding.weight"),
        ck.get(v + "embeddings.patch_embedding.bias"),
        vc.patch_size,
    )
    cls = ck.get(v + "embeddings.class_embedding").reshape(1, c)
    x = np.concatenate([cls, x]) + ck.get(v + "embeddings.position_embedding").reshape(-1, c)
    for i in range(vc.layers):
        b = f"{v}encoder.layers.{i}."
        g = lambda n, b=b: ck.get(b + n)  # noqa: E731
        h = layer_norm(x, g("norm1.weight"), g("norm1.bias"), vc.eps)
        qkv = linear(h, g("attn.qkv.weight"), g("attn.qkv.bias"))
        q, k, vv = qkv[:, :c], qkv[:, c : 2 * c], qkv[:, 2 * c :]
        x = x + g("ls1") * linear(
            attention(h, q, k, vv, vc.heads), g("attn.proj.weight"), g("attn.proj.bias")
        )
        h = layer_norm(x, g("norm2.weight"), g("norm2.bias"), vc.eps)
        h = gelu(linear(h, g("mlp.fc1.weight"), g("mlp.fc1.bias")), vc.act)
        x = x + g("ls2") * linear(h, g("mlp.fc2.weight"), g("mlp.fc2.bias"))
    x = unshuffle(x[1:], vc.grid, vc.merge)  # drop the class token, pixel shuffle (v2)
    x = layer_norm(x, ck.get("mlp1.0.weight"), ck.get("mlp1.0.bias"), 1e-5)
    x = gelu_erf(linear(x, ck.get("mlp1.1.weight"), ck.get("mlp1.1.bias")))
    return linear(x, ck.get("mlp1.3.weight"), ck.get("mlp1.3.bias"))


def vision_embeddings(ck: Checkpoint, layout: Layout, tile: np.ndarray) -> np.ndarray:
    """One tile (uint8, image_size², RGB) → (tokens_per_tile, llm_hidden) embeddings."""
    vc = layout.vision_config(ck.config, ck.folder)
    if tile.shape != (vc.image_size, vc.image_size, 3):
        raise ValueError(f"tile must be {vc.image_size}x{vc.image_size} RGB, got {tile.shape}")
    fn = _bluelm_vision if layout.name == C.LAYOUT_BLUELM else _internvl_vision
    return fn(ck, vc, tile).astype(F)


# --- LLM ---------------------------------------------------------------------------


def _rope(x: np.ndarray, pos: np.ndarray, n_head: int, theta: float) -> np.ndarray:
    """HF rotary embedding: rotate the two halves of each head (rotate_half)."""
    t = x.shape[0]
    d = x.shape[1] // n_head
    inv = 1.0 / theta ** (np.arange(0, d, 2, dtype=np.float64) / d)
    ang = pos[:, None].astype(np.float64) * inv[None, :]
    cos = np.concatenate([np.cos(ang)] * 2, -1).astype(F)[:, None, :]
    sin = np.concatenate([np.sin(ang)] * 2, -1).astype(F)[:, None, :]
    xh = x.reshape(t, n_head, d)
    rot = np.concatenate([-xh[..., d // 2 :], xh[..., : d // 2]], -1)
    return (xh * cos + rot * sin).reshape(t, n_head * d)


def llm_logits(
    ck: Checkpoint, layout: Layout, tc: TextConfig, segments: Sequence[np.ndarray]
) -> np.ndarray:
    """Logits at every position for a sequence of segments, each either token ids (1-D
    int) or input embeddings (2-D float, e.g. a tile's image embeddings)."""
    p = layout.text_prefix
    emb = ck.get(f"{p}model.embed_tokens.weight")
    parts = [emb[s] if s.ndim == 1 else s.astype(F) for s in segments]
    x = np.concatenate(parts).astype(F)
    pos = np.arange(x.shape[0])
    for i in range(tc.layers):
        b = f"{p}model.layers.{i}."
        g = lambda n, b=b: ck.get(b + n)  # noqa: E731
        bias = (lambda n, b=b: ck.get(b + n)) if tc.qkv_bias else (lambda n: None)
        h = rms_norm(x, g("input_layernorm.weight"), tc.rms_eps)
        q = linear(h, g("self_attn.q_proj.weight"), bias("self_attn.q_proj.bias"))
        k = linear(h, g("self_attn.k_proj.weight"), bias("self_attn.k_proj.bias"))
        v = linear(h, g("self_attn.v_proj.weight"), bias("self_attn.v_proj.bias"))
        q = _rope(q, pos, tc.heads, tc.rope_theta)
        k = _rope(k, pos, tc.kv_heads, tc.rope_theta)
        x = x + linear(attention(h, q, k, v, tc.heads, causal=True), g("self_attn.o_proj.weight"))
        h = rms_norm(x, g("post_attention_layernorm.weight"), tc.rms_eps)
        h = silu(linear(h, g("mlp.gate_proj.weight"))) * linear(h, g("mlp.up_proj.weight"))
        x = x + linear(h, g("mlp.down_proj.weight"))
    x = rms_norm(x, ck.get(f"{p}model.norm.weight"), tc.rms_eps)
    head = emb if tc.tied_embeddings else ck.get(f"{p}lm_head.weight")
    return (x @ head.T).astype(F)
