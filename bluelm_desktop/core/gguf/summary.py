"""What is in a GGUF file, and how much RAM loading it will take.

`bluelm-convert inspect` prints this, and the app uses `estimate_ram_bytes` to refuse a
model that cannot fit before llama.cpp tries (and the OS starts swapping or kills us).

Reading goes through the app's bounded GGUF parser (`core.gguf.check.read_header`),
which refuses a damaged file with a reason; every failure is turned into a one-line
`ConvertError` naming the file, so the CLI and the app never show a traceback for bad
input.
"""

from __future__ import annotations

import math
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
from gguf import GGUFValueType, Keys

from bluelm_desktop.core.errors import ConvertError, Line, ModelError, msg
from bluelm_desktop.core.gguf.check import GGUFHeader, read_header

GGUF_MAGIC: Final = b"GGUF"
BLUELM_PREFIX: Final = "bluelm."
ARCH_CLIP: Final = "clip"
KIND_LLM: Final = "llm"
KIND_MMPROJ: Final = "mmproj"

# llama-context.cpp: `cparams.n_ctx = GGML_PAD(cparams.n_ctx, 256)`; the KV cache and the
# attention mask are sized by the padded value.
CTX_PAD: Final = 256
F32: Final = 4  # bytes; activations, logits, masks and attention scores are f32
F16: Final = 2  # bytes; llama.cpp's default K and V cache type
# i32 graph inputs per token (inp_tokens, inp_pos, inp_out_ids, one spare); 4-byte units.
LLM_INPUT_VECTORS: Final = 4

# mtmd/clip.cpp (TN_CLASS_EMBD): a ViT with a class token has one more position than patches.
CLIP_CLASS_EMBD: Final = "v.class_embd"
# clip.cpp, PROJECTOR_TYPE_LFM2: set_limit_image_tokens(64, 256); the warmup image is
# sized for the maximum, 256 output tokens, each scale_factor^2 patches.
PROJECTOR_LFM2: Final = "lfm2"
LFM2_WARMUP_TOKENS: Final = 256

_MAX_PROBLEM_CHARS: Final = 200


@dataclass(frozen=True)
class GGUFSummary:
    """The facts about one GGUF file that `inspect` shows and the RAM estimate needs.

    Everything is plain Python data (no numpy, no memmap), so a summary outlives the
    reader and the file can be replaced or deleted while the summary is still in use.
    """

    path: Path
    file_size: int
    kind: str  # KIND_LLM | KIND_MMPROJ
    architecture: str  # general.architecture
    projector_type: str | None  # clip.projector_type, mmproj only
    parameter_count: int
    tensor_types: dict[str, int] = field(default_factory=dict)  # ggml type name -> tensors
    tensor_bytes: dict[str, int] = field(default_factory=dict)  # ggml type name -> bytes
    tiling: dict[str, object] = field(default_factory=dict)  # bluelm.* keys, prefix removed
    hparams: dict[str, object] = field(default_factory=dict)  # inputs of estimate_ram_bytes

    @property
    def weight_bytes(self) -> int:
        """Bytes of tensor data: what llama.cpp maps (and, once touched, keeps resident)."""
        return sum(self.tensor_bytes.values())

    def to_json(self) -> dict[str, object]:
        """A `json.dumps`-ready dict, for `inspect --json` and for tests to compare."""
        return {
            "path": str(self.path),
            "file_size": self.file_size,
            "kind": self.kind,
            "architecture": self.architecture,
            "projector_type": self.projector_type,
            "parameter_count": self.parameter_count,
            "tensor_types": dict(self.tensor_types),
            "tensor_bytes": dict(self.tensor_bytes),
            "tiling": dict(self.tiling),
            "hparams": dict(self.hparams),
        }


# --- reading -------------------------------------------------------------------------


def summarize(path: Path) -> GGUFSummary:
    """Read `path` and summarise it; any unreadable input is a `ConvertError`.

    The cheap checks (exists, non-empty, magic) come first so the common mistakes get a
    precise message instead of whatever numpy says about them.
    """
    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise convert_error(path, msg("not a regular file"))
        file_size = st.st_size
        with path.open("rb") as f:
            magic = f.read(len(GGUF_MAGIC))
    except FileNotFoundError:
        raise convert_error(path, msg("no such file")) from None
    except OSError as e:  # permissions, a vanished network drive, ...
        raise convert_error(path, msg("cannot read: {error}"),
                            error=e.strerror or str(e)) from None
    if file_size == 0:
        raise convert_error(path, msg("empty file, not GGUF"))
    if magic != GGUF_MAGIC:
        raise convert_error(path, msg("not a GGUF file (magic {magic}, expected {expected})"),
                            magic=repr(magic), expected=repr(GGUF_MAGIC))

    try:
        # the app's bounded parser, not gguf-py's GGUFReader: on a real vocabulary (151k
        # tokens and merges) the reader takes seconds per file, this well under one
        header = read_header(path)
    except ModelError as e:
        raise convert_error(path, msg("corrupt or truncated GGUF: {problem}"),
                            problem=_problem_of(e)) from None
    try:
        return _summarize_header(path, file_size, header)
    except ConvertError:
        raise
    except Exception as e:  # a field of an unexpected type, say; still bad input
        raise convert_error(path, msg("unreadable GGUF metadata: {error}"),
                            error=_describe(e)) from None


def convert_error(path: Path | str, template: str, /, **fields: object) -> ConvertError:
    """A `ConvertError` whose problem is a translatable template (`msg`) and its fields."""
    return ConvertError(path, Line.of(template, **fields) if fields else Line(template))


def _problem_of(error: ModelError) -> Line:
    """What the bounded parser said is wrong with the file, without the file's name."""
    line = error.line
    problem = line.values.get("problem")
    if line.template == "{name}: {problem}" and isinstance(problem, Line):
        return problem
    return Line.plain(str(error).split(": ", 1)[-1])


def _describe(e: BaseException) -> str:
    """One short line for an exception from numpy or gguf-py."""
    text = " ".join(str(e).split()) or "no detail"
    if len(text) > _MAX_PROBLEM_CHARS:
        text = text[: _MAX_PROBLEM_CHARS - 3] + "..."
    return f"{type(e).__name__}: {text}"


def _summarize_header(path: Path, file_size: int, fields: GGUFHeader) -> GGUFSummary:
    """Everything after the header is parsed: plain values out of it."""
    arch = _value(fields, Keys.General.ARCHITECTURE)
    if not isinstance(arch, str) or not arch:
        raise convert_error(path, msg("no {key} string"), key=Keys.General.ARCHITECTURE)

    tensor_types: dict[str, int] = {}
    tensor_bytes: dict[str, int] = {}
    parameter_count = 0
    tensor_shapes: dict[str, tuple[int, ...]] = {}
    # (the parser has refused a tensor whose data lies past the end of the file, as
    # llama.cpp does: "tensor data is not within the file bounds")
    for t in fields.tensors.values():
        type_name = t.ggml_type.name.lower()  # ggml_type_name() spelling: "q8_0", "f16"
        tensor_types[type_name] = tensor_types.get(type_name, 0) + 1
        tensor_bytes[type_name] = tensor_bytes.get(type_name, 0) + int(t.n_bytes)
        parameter_count += math.prod(t.shape)
        tensor_shapes[t.name] = tuple(int(d) for d in t.shape)

    tiling = {
        name[len(BLUELM_PREFIX) :]: _value(fields, name)
        for name in fields.kv
        if name.startswith(BLUELM_PREFIX)
    }

    if arch == ARCH_CLIP:
        kind = KIND_MMPROJ
        projector = _value(fields, Keys.Clip.PROJECTOR_TYPE)
        projector_type = projector if isinstance(projector, str) else None
        hparams = _vision_hparams(fields, tensor_shapes)
    else:
        kind = KIND_LLM
        projector_type = None
        hparams = _llm_hparams(fields, arch, tensor_shapes)

    return GGUFSummary(
        path=path,
        file_size=file_size,
        kind=kind,
        architecture=arch,
        projector_type=projector_type,
        parameter_count=parameter_count,
        tensor_types=dict(sorted(tensor_types.items())),
        tensor_bytes=dict(sorted(tensor_bytes.items())),
        tiling=dict(sorted(tiling.items())),
        hparams=hparams,
    )


def _value(fields: GGUFHeader, key: str) -> object:
    """A metadata value as plain Python (str, int, float, bool or a list of them), or None.

    f32 values are printed back through numpy's shortest repr, so 0.1 stored as f32 reads
    as 0.1 rather than 0.10000000149011612 (what `inspect` shows, and what JSON gets).
    """
    value = fields.value(key)
    if value is not None and fields.element_type(key) == GGUFValueType.FLOAT32:
        if isinstance(value, list):
            return [_f32(v) for v in value]
        return _f32(value)
    return value


def _f32(v: object) -> float:
    """The shortest decimal that round-trips to the same f32."""
    return float(str(np.float32(v)))  # type: ignore[arg-type]


def _int(fields: GGUFHeader, key: str) -> int | None:
    """An integer hparam; a per-layer array counts as its largest entry (the worst layer)."""
    v = _value(fields, key)
    if isinstance(v, list):
        ints = [x for x in v if isinstance(x, int) and not isinstance(x, bool)]
        return max(ints) if ints else None
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    return None


def _put(hparams: dict[str, object], name: str, value: int | None) -> None:
    """Record only what the file says; the estimate reports what is missing."""
    if value is not None:
        hparams[name] = value


def _llm_hparams(
    fields: GGUFHeader, arch: str, shapes: Mapping[str, tuple[int, ...]]
) -> dict[str, object]:
    """The `{arch}.*` numbers llama.cpp sizes the KV cache and compute graph from.

    Defaults follow llama-model.cpp (load_hparams): n_head_kv = n_head, head_dim =
    n_embd / n_head, value head dim = key head dim. n_vocab is the tokenizer's token count
    (vocab.n_tokens(), which sizes the logits), else {arch}.vocab_size, else the rows of
    token_embd.weight.
    """
    k = Keys.LLM
    a = Keys.Attention
    h: dict[str, object] = {}
    n_embd = _int(fields, k.EMBEDDING_LENGTH.format(arch=arch))
    n_head = _int(fields, a.HEAD_COUNT.format(arch=arch))
    n_head_kv = _int(fields, a.HEAD_COUNT_KV.format(arch=arch)) or n_head
    head_dim = _int(fields, a.KEY_LENGTH.format(arch=arch))
    if head_dim is None and n_embd and n_head:
        head_dim = n_embd // n_head
    head_dim_v = _int(fields, a.VALUE_LENGTH.format(arch=arch)) or head_dim

    n_vocab: int | None = fields.length(Keys.Tokenizer.LIST)
    if not n_vocab:
        n_vocab = _int(fields, k.VOCAB_SIZE.format(arch=arch))
    if not n_vocab and len(shapes.get("token_embd.weight", ())) == 2:
        n_vocab = shapes["token_embd.weight"][1]  # GGUF shape is (n_embd, n_vocab)

    _put(h, "n_layer", _int(fields, k.BLOCK_COUNT.format(arch=arch)))
    _put(h, "n_embd", n_embd)
    _put(h, "n_head", n_head)
    _put(h, "n_head_kv", n_head_kv)
    _put(h, "head_dim", head_dim)
    _put(h, "head_dim_v", head_dim_v)
    _put(h, "n_ff", _int(fields, k.FEED_FORWARD_LENGTH.format(arch=arch)))
    _put(h, "n_vocab", n_vocab)
    _put(h, "n_ctx_train", _int(fields, k.CONTEXT_LENGTH.format(arch=arch)))
    return h


def _vision_hparams(
    fields: GGUFHeader, shapes: Mapping[str, tuple[int, ...]]
) -> dict[str, object]:
    """The clip.vision.* numbers (tools/mtmd/clip-impl.h) the ViT graph is sized by."""
    v = Keys.ClipVision
    h: dict[str, object] = {}
    _put(h, "image_size", _int(fields, v.IMAGE_SIZE))
    _put(h, "patch_size", _int(fields, v.PATCH_SIZE))
    _put(h, "n_embd", _int(fields, v.EMBEDDING_LENGTH))
    _put(h, "n_layer", _int(fields, v.BLOCK_COUNT))
    _put(h, "n_head", _int(fields, v.Attention.HEAD_COUNT))
    _put(h, "n_ff", _int(fields, v.FEED_FORWARD_LENGTH))
    _put(h, "projection_dim", _int(fields, v.PROJECTION_DIM))
    _put(h, "scale_factor", _int(fields, v.Projector.SCALE_FACTOR))
    h["class_token"] = 1 if CLIP_CLASS_EMBD in shapes else 0
    return h


# --- RAM estimate --------------------------------------------------------------------


def estimate_ram_bytes(
    summary: GGUFSummary, n_ctx: int = 4096, n_batch: int = 512, tiles_per_batch: int = 1
) -> dict[str, int]:
    """Bytes of RAM loading the file will need: {"weights", "kv_cache", "compute", "total"}.

    Used to refuse a model that cannot fit, so it errs towards the high side, but only
    where llama.cpp really allocates; it is not a safety margin (callers add their own).

    weights: all tensor bytes. llama.cpp mmaps the file, but every page is touched on the
    first forward pass and then counts as resident (or as page-cache that evicting would
    turn every token into disk reads), so mapped is not free.

    LLM (`n_ctx` as passed to llama-cpp-python; `n_batch` the micro-batch llama.cpp
    reserves its graph for, which llama-cpp-python sets to min(n_batch, n_ubatch=512);
    a larger value only over-estimates):
      n_kv     = n_ctx rounded up to 256       llama-context.cpp: GGML_PAD(n_ctx, 256)
      kv_cache = n_layer * n_kv * n_head_kv * (head_dim + head_dim_v) * 2 bytes
                 (f16 K and V per layer, llama-kv-cache.cpp: ggml_new_tensor_3d(ctx,
                 type_k, n_embd_k_gqa, kv_size, ...), same for V)
      compute  = host logits + graph, f32 throughout:
        host logits = min(n_ctx, n_batch) * n_vocab * 4; llama-cpp-python's `scores`
                 array (llama.py: np.ndarray((n_batch, n_vocab), np.single)).
        graph  = the buffer ggml_gallocr sizes in llama_context::sched_reserve for the
                 worst-case ubatch, n_tok = min(n_kv, n_batch) tokens with every token
                 an output (n_outputs_pp = min(n_tokens, n_outputs_max), n_outputs_max
                 defaulting to n_batch). gallocr frees a tensor after its last use and
                 reuses the space, so the peak is what lives across a layer (the residual
                 stream inpL/inpSA, the input KQ mask of n_kv * n_tok, and the i32 inputs:
                 token ids, positions, output ids) plus the largest single stage:
                   attention: the scores, n_head * n_tok * n_kv (llama-graph.cpp,
                              build_attn_mha: kq = ggml_mul_mat(k, q); the softmax runs
                              in place, ggml_op_can_inplace(GGML_OP_SOFT_MAX)), plus per
                              token q, k, v, kqv and its ggml_cont_2d copy;
                   ffn:       gate and up, 2 * n_ff, plus the output, per token;
                   output:    the logits tensor, n_vocab, plus the final norm, per token.
                 This assumes flash attention off, llama-cpp-python's default
                 (flash_attn=False); with it on, the score matrix never exists and this
                 over-estimates by about n_head * n_tok * n_kv * 4.
                 Checked against the vendored llama.cpp (llama-completion -fa off, CPU,
                 a 2-layer n_embd=1024 llama with vocab 8k and 100k, n_ctx 512..16384,
                 n_batch 256/512): where attention is the peak it matches the logged
                 "compute buffer size" to 0.01 MiB; where the logits are, it is 3-8 MiB
                 over (gallocr has freed the mask by then).

    mmproj (one call encodes `tiles_per_batch` tiles of image_size pixels):
      kv_cache = 0
      per image of n_pos positions (the ViT in clip.cpp build_vit, f32):
        4 bytes * (residual n_pos * n_embd + the largest stage:
          attention: scores n_head * n_pos^2 (clip.cpp build_attn: kq =
                     ggml_mul_mat(k, q), softmax in place with flash attention off)
                     + q, k, v-cont, 3 * n_pos * n_embd;
          ffn:       n_pos * (n_ff + 2 * n_embd);
          projector: n_pos * (n_embd + projection_dim))
      tile     = (image_size / patch_size)^2 + class token (v.class_embd) positions
      warmup   = tile, except lfm2: mtmd reserves the compute buffer at load with a
                 dummy image of the projector's largest size (clip.cpp warmup /
                 get_dummy_batch), for lfm2 256 output tokens of scale_factor^2 patches
                 (PROJECTOR_TYPE_LFM2: set_limit_image_tokens(64, 256); clip-model.h)
      compute  = max(per_image(warmup), tiles_per_batch * per_image(tile)); gallocr
                 grows the buffer to the larger graph and keeps it.
      Checked against the vendored mtmd warmup log ("compute buffer size", -fa off,
      CPU, 2-layer lfm2 ViTs with n_embd 256..1152, n_pos 256..4096): attention was the
      peak in every case and the formula matched to the MiB (6.00 MiB for a 256-patch
      tile whose warmup reserves 60.00 MiB, the case counting tiles alone gets wrong).

    A required hparam missing from the file is a `ConvertError` (the file cannot be
    planned for, and llama.cpp would refuse it too); non-positive arguments are a
    `ValueError` (a caller bug, not bad input).
    """
    for name, value in (
        ("n_ctx", n_ctx),
        ("n_batch", n_batch),
        ("tiles_per_batch", tiles_per_batch),
    ):
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    weights = summary.weight_bytes
    if summary.kind == KIND_MMPROJ:
        kv_cache = 0
        compute = _vision_compute_bytes(summary, tiles_per_batch)
    else:
        kv_cache, compute = _llm_kv_and_compute(summary, n_ctx, n_batch)
    return {
        "weights": weights,
        "kv_cache": kv_cache,
        "compute": compute,
        "total": weights + kv_cache + compute,
    }


def _need(summary: GGUFSummary, *names: str) -> list[int]:
    """The named hparams as positive ints, or a ConvertError saying which is missing."""
    out: list[int] = []
    for name in names:
        v = summary.hparams.get(name)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise convert_error(summary.path, msg("cannot estimate RAM: no usable hparam {name}"),
                                name=name)
        out.append(v)
    return out


def _llm_kv_and_compute(summary: GGUFSummary, n_ctx: int, n_batch: int) -> tuple[int, int]:
    """KV cache and compute bytes of an LLM; see estimate_ram_bytes for the formula."""
    n_layer, n_embd, n_head, n_head_kv, head_dim, n_vocab = _need(
        summary, "n_layer", "n_embd", "n_head", "n_head_kv", "head_dim", "n_vocab"
    )
    head_dim_v = summary.hparams.get("head_dim_v")
    if not isinstance(head_dim_v, int) or head_dim_v < 1:
        head_dim_v = head_dim
    n_ff = summary.hparams.get("n_ff")
    if not isinstance(n_ff, int) or n_ff < 1:
        n_ff = 4 * n_embd  # the classic ratio; only when the file does not say

    n_kv = math.ceil(n_ctx / CTX_PAD) * CTX_PAD
    kv_cache = n_layer * n_kv * n_head_kv * (head_dim + head_dim_v) * F16

    n_tok = min(n_kv, n_batch)
    host_logits = min(n_ctx, n_batch) * n_vocab * F32
    live = n_tok * (2 * n_embd + n_kv + LLM_INPUT_VECTORS)  # residual, KQ mask, inputs
    attention = n_head * n_tok * n_kv + n_tok * (
        n_head * head_dim + n_head_kv * (head_dim + head_dim_v) + 2 * n_head * head_dim_v
    )
    ffn = n_tok * (2 * n_ff + n_embd)
    output = n_tok * (n_vocab + n_embd)
    graph = F32 * (live + max(attention, ffn, output))
    return kv_cache, host_logits + graph


def _vision_compute_bytes(summary: GGUFSummary, tiles_per_batch: int) -> int:
    """Compute bytes of the projector; see estimate_ram_bytes for the formula."""
    image_size, patch_size, n_embd, n_head = _need(
        summary, "image_size", "patch_size", "n_embd", "n_head"
    )
    n_ff = summary.hparams.get("n_ff")
    if not isinstance(n_ff, int) or n_ff < 1:
        n_ff = 4 * n_embd
    proj = summary.hparams.get("projection_dim")
    if not isinstance(proj, int) or proj < 1:
        proj = n_embd
    class_token = 1 if summary.hparams.get("class_token") else 0

    def per_image(n_pos: int) -> int:
        attention = n_head * n_pos * n_pos + 3 * n_pos * n_embd
        ffn = n_pos * (n_ff + 2 * n_embd)
        projector = n_pos * (n_embd + proj)
        return F32 * (n_pos * n_embd + max(attention, ffn, projector))

    tile = (image_size // patch_size) ** 2 + class_token
    warmup = tile
    if summary.projector_type == PROJECTOR_LFM2:
        scale = summary.hparams.get("scale_factor")
        merge = scale if isinstance(scale, int) and scale > 0 else 1
        warmup = LFM2_WARMUP_TOKENS * merge * merge
    return max(per_image(warmup), tiles_per_batch * per_image(tile))


# --- text ------------------------------------------------------------------------------


def format_bytes(n: int) -> str:
    """Binary units, as llama.cpp's own log lines print buffer sizes (MiB)."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def format_summary(summary: GGUFSummary, n_ctx: int) -> str:
    """The text `bluelm-convert inspect` prints: what the file is and what it will cost."""
    lines = [
        f"file:          {summary.path}",
        f"size:          {format_bytes(summary.file_size)} ({summary.file_size} bytes)",
        f"kind:          {summary.kind}",
        f"architecture:  {summary.architecture}",
    ]
    if summary.kind == KIND_MMPROJ:
        lines.append(f"projector:     {summary.projector_type or '(none)'}")
    lines.append(f"parameters:    {summary.parameter_count:,}")
    lines.append("tensors:")
    for name, count in summary.tensor_types.items():
        size = format_bytes(summary.tensor_bytes.get(name, 0))
        noun = "tensor" if count == 1 else "tensors"
        lines.append(f"  {name:<8} {count:>6} {noun:<7} {size:>12}")
    lines.append("hparams:")
    lines.extend(f"  {k} = {v}" for k, v in summary.hparams.items())
    if summary.tiling:
        lines.append("bluelm:")
        lines.extend(f"  {k} = {v!r}" for k, v in summary.tiling.items())
    try:
        ram = estimate_ram_bytes(summary, n_ctx=n_ctx)
    except ConvertError as e:
        lines.append(f"RAM estimate:  unavailable ({e.problem})")
    else:
        scope = "one tile" if summary.kind == KIND_MMPROJ else f"n_ctx={n_ctx}"
        lines.append(f"RAM estimate ({scope}):")
        lines.extend(f"  {k:<9} {format_bytes(v):>12}" for k, v in ram.items())
    return "\n".join(lines)
