"""`bluelm-convert verify`: the converted files, run by llama.cpp, against the numpy reference.

Stages, each compared on the same inputs:
- tokenizer: llama.cpp's tokenization equals the checkpoint tokenizer's (HF `tokenizers`);
- vision: one test tile → image embeddings (ViT → downsampler → projector) via mtmd;
- llm-text: logits at every position of a token sequence;
- llm-image: logits for text + the reference's image embeddings + text, so the LLM stage
  is judged on its own and not on the vision stage's error.

The error measure is max |llama.cpp − reference| / max |reference| (scale-free, so one
bound serves every layer width), with cosine similarity printed beside it. Bounds depend
on the stored precision; README.md explains how they were chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np

from model_convert import constants as C
from model_convert import reference
from model_convert.convert import load_checkpoint
from model_convert.errors import ConvertError

# Bound on the relative error per stage and stored type; README §"verify tolerances".
TOLERANCE: dict[str, dict[str, float]] = {
    "vision": {"f32": 3e-3, "f16": 1e-2, "q8_0": 4e-2},
    "llm": {"f32": 5e-3, "f16": 1e-2, "q8_0": 5e-2, "q4_0": 0.35, "q4_k_m": 0.35},
}

TEST_TEXTS = (
    "Invoice INV-2024-0042: total 1,234.56 EUR, due 2024-12-31.",
    "请把这张截图里的文字翻译成英文。",
    "Hello!\n\n  Multiple   spaces\tand tabs; emoji 🙂 ok?",
)


@dataclass(frozen=True)
class StageResult:
    stage: str
    stored_type: str
    max_abs: float
    rel: float
    cosine: float
    tolerance: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.rel <= self.tolerance)

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAIL"
        s = (
            f"{self.stage:<10} {self.stored_type:<7} max_abs={self.max_abs:.3e} "
            f"rel={self.rel:.3e} cos={self.cosine:.6f} bound={self.tolerance:.1e} {verdict}"
        )
        return s + (f"  ({self.detail})" if self.detail else "")


def compare(
    stage: str, stored: str, got: np.ndarray, ref: np.ndarray, tol: float, detail: str = ""
) -> StageResult:
    if got.shape != ref.shape:
        return StageResult(
            stage,
            stored,
            float("inf"),
            float("inf"),
            0.0,
            tol,
            f"shape {got.shape} != reference {ref.shape}",
        )
    g, r = got.astype(np.float64).ravel(), ref.astype(np.float64).ravel()
    diff = float(np.max(np.abs(g - r)))
    scale = float(np.max(np.abs(r))) or 1.0
    cos = float(g @ r / (np.linalg.norm(g) * np.linalg.norm(r) or 1.0))
    return StageResult(stage, stored, diff, diff / scale, cos, tol, detail)


def make_test_tile(size: int, seed: int = 1) -> np.ndarray:
    """A tile with structure (gradients, a bright box, text-like stripes) plus noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.stack([255 * x, 255 * y, 255 * (1 - x) * y], -1)
    img[size // 4 : size // 2, size // 4 : 3 * size // 4] = (250, 250, 240)
    img[::7, :, :] *= 0.3
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _stored_types(llm: Path, mmproj: Path) -> tuple[str, str]:
    try:
        ftype = int(gguf.GGUFReader(llm).fields["general.file_type"].parts[-1][0])
        vit = {t.name: t.tensor_type for t in gguf.GGUFReader(mmproj).tensors}[
            "v.blk.0.attn_q.weight"
        ]
    except (KeyError, ValueError, OSError) as e:
        raise ConvertError(llm.parent, f"cannot read the converted files' types: {e}") from e
    names = {0: "f32", 1: "f16", 2: "q4_0", 7: "q8_0", 15: "q4_k_m"}
    vision = {
        gguf.GGMLQuantizationType.F32: "f32",
        gguf.GGMLQuantizationType.F16: "f16",
        gguf.GGMLQuantizationType.Q8_0: "q8_0",
    }
    if ftype not in names or vit not in vision:
        raise ConvertError(llm, f"unexpected stored types (file_type {ftype}, ViT {vit.name})")
    return names[ftype], vision[vit]


def _tokenizer_stage(ckpt_dir: Path, model: object) -> StageResult:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(ckpt_dir / "tokenizer.json"))
    bad = []
    for text in TEST_TEXTS:
        want = tok.encode(text, add_special_tokens=False).ids
        got = model.tokenize(text, add_special=False, parse_special=False)  # type: ignore[attr-defined]
        if got != want:
            bad.append(text[:20])
    return StageResult(
        "tokenizer",
        "-",
        float(len(bad)),
        float(len(bad)),
        1.0 if not bad else 0.0,
        0.0,
        f"{len(TEST_TEXTS) - len(bad)}/{len(TEST_TEXTS)} texts identical",
    )


def verify(
    ckpt_dir: Path, out_dir: Path, name: str | None = None, threads: int | None = None
) -> list[StageResult]:
    from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel, MtmdContext

    ckpt_dir = Path(ckpt_dir)
    ckpt, layout, tc = load_checkpoint(ckpt_dir)
    name = name or ckpt_dir.resolve().name
    llm_path = Path(out_dir) / f"{name}{C.LLM_SUFFIX}"
    mmproj_path = Path(out_dir) / f"{name}{C.MMPROJ_SUFFIX}"
    for p in (llm_path, mmproj_path):
        if not p.is_file():
            raise ConvertError(p, "converted file is missing (run `bluelm-convert convert` first)")
    llm_type, vision_type = _stored_types(llm_path, mmproj_path)
    vc = layout.vision_config(ckpt.config, ckpt.folder)

    results = []
    tile = make_test_tile(vc.image_size)
    ref_img = reference.vision_embeddings(ckpt, layout, tile)
    text_a = np.asarray([5, 17, 42, 99, 7, 300, 11, 64], dtype=np.int64) % tc.vocab
    text_b = np.asarray([3, 250, 8, 21], dtype=np.int64) % tc.vocab
    ref_text = reference.llm_logits(ckpt, layout, tc, [text_a])
    ref_mixed = reference.llm_logits(ckpt, layout, tc, [text_a, ref_img, text_b])

    model = LlamaModel(llm_path)
    try:
        results.append(_tokenizer_stage(ckpt_dir, model))
        mtmd = MtmdContext(mmproj_path, model, n_threads=threads)
        got_img = mtmd.encode_tile(tile)
        mtmd.close()
        results.append(
            compare(
                "vision",
                vision_type,
                got_img,
                ref_img,
                TOLERANCE["vision"][vision_type],
                f"{got_img.shape[0]} tokens/tile",
            )
        )

        ctx = LlamaContext(model, n_ctx=1024, n_batch=512, n_threads=threads)
        ctx.decode_tokens(text_a.tolist())
        got_text = ctx.logits()
        results.append(
            compare(
                "llm-text",
                llm_type,
                got_text,
                ref_text,
                TOLERANCE["llm"][llm_type],
                f"{len(text_a)} positions",
            )
        )
        ctx.clear()
        ctx.decode_tokens(text_a.tolist())
        rows = [ctx.logits()]
        ctx.decode_embeddings(ref_img)
        rows.append(ctx.logits())
        ctx.decode_tokens(text_b.tolist())
        rows.append(ctx.logits())
        ctx.close()
        got_mixed = np.concatenate(rows)
        results.append(
            compare(
                "llm-image",
                llm_type,
                got_mixed,
                ref_mixed,
                TOLERANCE["llm"][llm_type],
                f"{got_mixed.shape[0]} positions",
            )
        )
    finally:
        model.close()
    return results
