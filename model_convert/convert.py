"""`bluelm-convert convert`: a checkpoint folder → `<name>-llm.gguf` + `<name>-mmproj.gguf`.

Precision follows the paper's mixed scheme by default: LLM weights 4-bit (q4_k_m), ViT
matrices 8-bit (q8_0), projector matrices f16, norms/biases/embeddings of the vision
side f32. gguf-py writes every file; llama.cpp's own quantizer (`llama_model_quantize`)
makes the LLM's quantized types, so k-quants and llama.cpp's per-tensor choices (q6_k
for the output matrix in q4_k_m, ...) are exactly what llama.cpp would produce.

Nothing partial is ever left at the output names: files are written under temporary
names in the output folder and renamed only when both are complete.
"""

from __future__ import annotations

import ctypes
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from bluelm_desktop.core.machine import cores
from model_convert import constants as C
from model_convert.checkpoint import Checkpoint
from model_convert.errors import ConvertError
from model_convert.layouts import GGUFTensor, Layout, TextConfig, layout_for
from model_convert.tokenizer import read_vocab, write_vocab

Q = gguf.GGMLQuantizationType
Warn = Callable[[str], None]

# llama.cpp's llama_ftype values for the LLM types made by llama_model_quantize.
_LLAMA_FTYPE = {"q4_0": 2, "q8_0": 7, "q4_k_m": 15}
_ROW_BLOCK = {"q4_0": C.QK_LEGACY, "q8_0": C.QK_LEGACY, "q4_k_m": C.QK_K}
_FILE_TYPE = {
    "f32": gguf.LlamaFileType.ALL_F32,
    "f16": gguf.LlamaFileType.MOSTLY_F16,
    "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
}


@dataclass(frozen=True)
class Converted:
    llm: Path
    mmproj: Path
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what to know when serving the files with llama.cpp


def load_checkpoint(ckpt_dir: Path) -> tuple[Checkpoint, Layout, TextConfig]:
    """Open a checkpoint and check that every tensor its layout needs is there and sized."""
    ckpt = Checkpoint(ckpt_dir)
    cfg_path = ckpt_dir / "config.json"
    layout = layout_for(ckpt.architecture, cfg_path)
    tc = layout.text_config(ckpt.config, cfg_path)
    expected = layout.vision_tensor_shapes(ckpt.config, cfg_path)
    expected.update(layout.text_tensor_shapes(tc))
    for name, shape in expected.items():
        info = ckpt.info(name)
        if info.shape != tuple(shape):
            raise ConvertError(
                info.file,
                f"tensor {name!r} has shape {list(info.shape)}, config implies {list(shape)}",
            )
        if info.dtype not in ("F32", "F16", "BF16"):
            raise ConvertError(info.file, f"tensor {name!r} has unsupported dtype {info.dtype}")
    return ckpt, layout, tc


def tiling_metadata(ckpt: Checkpoint, layout: Layout) -> dict[str, object]:
    vc = layout.vision_config(ckpt.config, ckpt.folder)
    tiling = ckpt.config.get("tiling") or {}
    begin, end = layout.image_tokens_text()
    return {
        C.KEY_LAYOUT: layout.name,
        C.KEY_TILE_SIZE: vc.image_size,
        C.KEY_MAX_GRID: int(tiling.get("max_grid", C.DEFAULT_MAX_GRID)),
        C.KEY_ALPHA: float(tiling.get("alpha", C.DEFAULT_ALPHA)),
        C.KEY_TOKENS_PER_TILE: vc.tokens_per_tile,
        C.KEY_THUMBNAIL: C.THUMBNAIL_MULTI_TILE_ONLY,
        C.KEY_IMAGE_BEGIN: begin,
        C.KEY_IMAGE_END: end,
        C.KEY_SOURCE_DTYPE: ckpt.source_dtype,
    }


def _add_metadata(writer: gguf.GGUFWriter, meta: dict[str, object]) -> None:
    for key, value in meta.items():
        if isinstance(value, bool):
            writer.add_bool(key, value)
        elif isinstance(value, int):
            writer.add_uint32(key, value)
        elif isinstance(value, float):
            writer.add_float32(key, value)
        else:
            writer.add_string(key, str(value))


def _write(writer: gguf.GGUFWriter) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# --- mmproj ------------------------------------------------------------------------


def _vision_tensor(t: GGUFTensor, vision_type: str, warn: Warn) -> tuple[np.ndarray, Q]:
    """Pick the stored type for one mmproj tensor by its role and the requested type."""
    data = np.asarray(t.data, dtype=np.float32)
    if data.ndim == 1 or t.name in ("v.position_embd.weight", "v.class_embd"):
        return data, Q.F32
    if vision_type == "f32":
        return data, Q.F32
    if t.role == "vit" and vision_type == "q8_0":
        if data.shape[-1] % C.QK_LEGACY == 0:
            return gguf.quants.quantize(data, Q.Q8_0), Q.Q8_0
        warn(
            f"{t.name}: rows of {data.shape[-1]} values are not a multiple of {C.QK_LEGACY}, "
            "which q8_0 needs; stored as f16 instead"
        )
    return data.astype(np.float16), Q.F16


def write_mmproj(
    ckpt: Checkpoint,
    layout: Layout,
    tc: TextConfig,
    path: Path,
    vision_type: str,
    meta: dict[str, object],
    warn: Warn,
) -> None:
    vc = layout.vision_config(ckpt.config, ckpt.folder)
    w = gguf.GGUFWriter(path, "clip")
    w.add_name(f"{ckpt.folder.name} (vision)")
    w.add_type(gguf.GGUFType.MMPROJ)
    w.add_file_type(_FILE_TYPE[vision_type])
    w.add_clip_has_vision_encoder(True)
    w.add_vision_image_size(vc.image_size)
    w.add_vision_patch_size(vc.patch_size)
    w.add_vision_embedding_length(vc.hidden)
    w.add_vision_feed_forward_length(vc.ffn)
    w.add_vision_block_count(vc.layers)
    w.add_vision_head_count(vc.heads)
    w.add_vision_attention_layernorm_eps(vc.eps)
    w.add_vision_projection_dim(tc.hidden)
    w.add_vision_image_mean(list(vc.mean))
    w.add_vision_image_std(list(vc.std))
    layout.write_mmproj_keys(w, ckpt)
    _add_metadata(w, meta)
    for t in layout.mmproj_tensors(ckpt):
        data, qtype = _vision_tensor(t, vision_type, warn)
        w.add_tensor(t.name, data, raw_dtype=qtype)
    _write(w)


# --- LLM ---------------------------------------------------------------------------


def _permute_rope(w: np.ndarray, n_head: int) -> np.ndarray:
    """HF rotates the two halves of each head; llama.cpp's llama graph rotates pairs.

    Same permutation as llama.cpp's own converter (LlamaModel.permute).
    """
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def llm_tensors(
    ckpt: Checkpoint, layout: Layout, tc: TextConfig
) -> Iterator[tuple[str, np.ndarray]]:
    """The LLM's tensors under llama.cpp's names (float32, HF orientation)."""
    p = layout.text_prefix
    get = ckpt.get
    yield "token_embd.weight", get(f"{p}model.embed_tokens.weight")
    for i in range(tc.layers):
        s, d = f"{p}model.layers.{i}.", f"blk.{i}."
        yield d + "attn_norm.weight", get(s + "input_layernorm.weight")
        q, k = get(s + "self_attn.q_proj.weight"), get(s + "self_attn.k_proj.weight")
        if tc.arch == "llama":
            q, k = _permute_rope(q, tc.heads), _permute_rope(k, tc.kv_heads)
        yield d + "attn_q.weight", q
        yield d + "attn_k.weight", k
        yield d + "attn_v.weight", get(s + "self_attn.v_proj.weight")
        if tc.qkv_bias:
            for n in ("q", "k", "v"):
                yield d + f"attn_{n}.bias", get(s + f"self_attn.{n}_proj.bias")
        yield d + "attn_output.weight", get(s + "self_attn.o_proj.weight")
        yield d + "ffn_norm.weight", get(s + "post_attention_layernorm.weight")
        yield d + "ffn_gate.weight", get(s + "mlp.gate_proj.weight")
        yield d + "ffn_up.weight", get(s + "mlp.up_proj.weight")
        yield d + "ffn_down.weight", get(s + "mlp.down_proj.weight")
    yield "output_norm.weight", get(f"{p}model.norm.weight")
    if not tc.tied_embeddings:
        yield "output.weight", get(f"{p}lm_head.weight")


def write_llm_float(
    ckpt: Checkpoint,
    layout: Layout,
    tc: TextConfig,
    path: Path,
    float_type: str,
    meta: dict[str, object],
) -> None:
    """The LLM in f32 or f16 (1-D tensors always f32, as llama.cpp expects)."""
    vocab = read_vocab(ckpt.folder, tc.vocab)
    w = gguf.GGUFWriter(path, tc.arch)
    w.add_name(ckpt.folder.name)
    w.add_file_type(_FILE_TYPE[float_type])
    w.add_context_length(tc.max_positions)
    w.add_embedding_length(tc.hidden)
    w.add_block_count(tc.layers)
    w.add_feed_forward_length(tc.ffn)
    w.add_head_count(tc.heads)
    w.add_head_count_kv(tc.kv_heads)
    w.add_rope_dimension_count(tc.head_dim)
    w.add_rope_freq_base(tc.rope_theta)
    w.add_layer_norm_rms_eps(tc.rms_eps)
    w.add_vocab_size(tc.vocab)
    write_vocab(w, vocab)
    _add_metadata(w, meta)
    for name, data in llm_tensors(ckpt, layout, tc):
        if data.ndim == 1 or float_type == "f32":
            w.add_tensor(name, data.astype(np.float32), raw_dtype=Q.F32)
        else:
            w.add_tensor(name, data.astype(np.float16), raw_dtype=Q.F16)
    _write(w)


def quantize_llm(src: Path, dst: Path, llm_type: str, threads: int, warn: Warn) -> None:
    """Quantize with llama.cpp's own quantizer and report every tensor that fell back."""
    from bluelm_desktop.core.engine.native import init_backend

    init_backend()
    import llama_cpp

    block = _ROW_BLOCK[llm_type]
    reader = gguf.GGUFReader(src)
    misfits = {
        t.name: int(t.shape[0])  # gguf-py lists ne (innermost first)
        for t in reader.tensors
        if len(t.shape) >= 2 and int(t.shape[0]) % block
    }
    del reader
    params = llama_cpp.llama_model_quantize_default_params()
    params.nthread = threads
    params.ftype = _LLAMA_FTYPE[llm_type]
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params))
    if rc != 0:
        raise ConvertError(src, f"llama_model_quantize failed ({rc}) for type {llm_type}")
    if misfits:
        stored = {t.name: t.tensor_type.name.lower() for t in gguf.GGUFReader(dst).tensors}
        for name, cols in misfits.items():
            warn(
                f"{name}: rows of {cols} values are not a multiple of {block}, which "
                f"{llm_type} needs; llama.cpp stored it as {stored.get(name, '?')}"
            )


# --- entry point -------------------------------------------------------------------


def convert(
    ckpt_dir: Path,
    out_dir: Path,
    llm_type: str = C.DEFAULT_LLM_TYPE,
    vision_type: str = C.DEFAULT_VISION_TYPE,
    name: str | None = None,
    threads: int | None = None,
    warn: Warn | None = None,
) -> Converted:
    if llm_type not in C.LLM_TYPES:
        raise ValueError(f"llm type {llm_type!r} not in {C.LLM_TYPES}")
    if vision_type not in C.VISION_TYPES:
        raise ValueError(f"vision type {vision_type!r} not in {C.VISION_TYPES}")
    warnings: list[str] = []

    def _warn(msg: str) -> None:
        warnings.append(msg)
        if warn:
            warn(msg)

    ckpt_dir = Path(ckpt_dir)
    ckpt, layout, tc = load_checkpoint(ckpt_dir)
    read_vocab(ckpt_dir, tc.vocab)  # fail on a bad tokenizer before writing anything
    meta = tiling_metadata(ckpt, layout)
    name = name or ckpt_dir.resolve().name
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    llm_path, mmproj_path = out_dir / f"{name}{C.LLM_SUFFIX}", out_dir / f"{name}{C.MMPROJ_SUFFIX}"

    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out_dir))
    try:
        write_mmproj(ckpt, layout, tc, tmp / "mmproj.gguf", vision_type, meta, _warn)
        if llm_type in ("f32", "f16"):
            write_llm_float(ckpt, layout, tc, tmp / "llm.gguf", llm_type, meta)
        else:
            # Quantize from full precision where the source has it (f32/bf16 → f32).
            src_type = "f16" if ckpt.source_dtype == "F16" else "f32"
            write_llm_float(ckpt, layout, tc, tmp / "llm-src.gguf", src_type, meta)
            quantize_llm(
                tmp / "llm-src.gguf",
                tmp / "llm.gguf",
                llm_type,
                threads or cores(),
                _warn,
            )
        os.replace(tmp / "mmproj.gguf", mmproj_path)
        os.replace(tmp / "llm.gguf", llm_path)
    finally:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    return Converted(llm_path, mmproj_path, tuple(warnings), layout.serving_notes)
