"""A bounded check of an untrusted GGUF file before llama.cpp or gguf-py reads it.

Model files come from downloads, USB sticks and other people's converters, and the two
readers the app hands them to are not safe against a damaged one:

- llama.cpp aborts the whole process (GGML_ASSERT → SIGABRT, which Python cannot catch)
  on a metadata value of the wrong type, a vocabulary with duplicate tokens, a block
  count of zero, a projector whose shapes do not fit its graph, ...;
- gguf-py's `GGUFReader` memory-maps the file and builds numpy arrays from the counts it
  finds, so an absurd count is a huge allocation or an exception of any type.

So this module reads the header itself, with `struct`, from a plain file object: every
count and length is compared with a limit and with the bytes the file really has
*before* anything is read or allocated for it, tensor data is never read at all, and
every problem is a `ModelError` with one sentence that names the file. The semantic
checks after the parse are the conditions llama.cpp asserts on (tools/mtmd/clip.cpp,
models/siglip.cpp and models/internvl.cpp for the projectors; src/llama-model.cpp and
src/llama-vocab.cpp for the LLM; ggml/src/gguf.cpp for the container, whose own checks
are mirrored so its refusals read as sentences too).

What it deliberately does not check: the shapes inside each ViT layer (q/k/v, ffn, norms:
many, and model-specific: fused qkv, GQA, layer scale) and the LLM's per-layer tensors
(llama.cpp's loader checks those itself and refuses cleanly). A ViT layer of the wrong
shape aborts inside ggml's graph build; `engine.load_probe` catches that by loading a
never-seen pair in a child process first.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFValueType

from bluelm_desktop.core.errors import ModelError, one_line
from bluelm_desktop.core.gguf.keys import SUPPORTED_LLM_ARCHS, SUPPORTED_PROJECTORS

GGUF_MAGIC: Final = b"GGUF"
SUPPORTED_VERSIONS: Final = (2, 3)  # v1 had 32-bit counts; llama.cpp refuses it
DEFAULT_ALIGNMENT: Final = 32  # gguf.h GGUF_DEFAULT_ALIGNMENT
GGML_MAX_NAME: Final = 64  # ggml.h: tensor names are shorter than this (NUL included)
GGML_MAX_DIMS: Final = 4
INT64_MAX: Final = (1 << 63) - 1
LLAMA_MAX_LAYERS: Final = 512  # src/llama-hparams.h
LLAMA_MAX_EXPERTS: Final = 1024
CLIP_MAX_IMAGE_SIZE: Final = 8192  # clip.cpp load_hparams sanity check
ARCH_CLIP: Final = "clip"

_HEADER_BYTES: Final = 4 + 4 + 8 + 8  # magic, version, n_tensors, n_kv
# The smallest a KV pair or a tensor info can be on disk: what a count is checked against
# before anything is read for it (key length + 1-byte key + type + 1-byte value; name
# length + 1-byte name + n_dims + one dim + type + offset).
_MIN_KV_BYTES: Final = 8 + 1 + 4 + 1
_MIN_TENSOR_INFO_BYTES: Final = 8 + 1 + 4 + 8 + 4 + 8

# little-endian struct formats of the scalar value types
_SCALARS: Final[Mapping[GGUFValueType, str]] = {
    GGUFValueType.UINT8: "<B",
    GGUFValueType.INT8: "<b",
    GGUFValueType.UINT16: "<H",
    GGUFValueType.INT16: "<h",
    GGUFValueType.UINT32: "<I",
    GGUFValueType.INT32: "<i",
    GGUFValueType.FLOAT32: "<f",
    GGUFValueType.BOOL: "<?",
    GGUFValueType.UINT64: "<Q",
    GGUFValueType.INT64: "<q",
    GGUFValueType.FLOAT64: "<d",
}
_INTEGER_TYPES: Final = frozenset(
    {
        GGUFValueType.UINT8,
        GGUFValueType.INT8,
        GGUFValueType.UINT16,
        GGUFValueType.INT16,
        GGUFValueType.UINT32,
        GGUFValueType.INT32,
        GGUFValueType.UINT64,
        GGUFValueType.INT64,
    }
)

KEY_ALIGNMENT: Final = "general.alignment"
KEY_ARCHITECTURE: Final = "general.architecture"
KEY_TOKENS: Final = "tokenizer.ggml.tokens"
KEY_PROJECTOR_TYPE: Final = "clip.projector_type"
KEY_VISION_PROJECTOR_TYPE: Final = "clip.vision.projector_type"
KEY_HAS_VISION: Final = "clip.has_vision_encoder"

# clip.cpp reads these with gguf_get_val_<type>(), which GGML_ASSERTs on the stored type:
# a u32 stored as i32 (one flipped bit in the type field) aborts the process.
_CLIP_KEY_TYPES: Final[Mapping[str, GGUFValueType]] = {
    "general.name": GGUFValueType.STRING,
    "general.description": GGUFValueType.STRING,
    KEY_PROJECTOR_TYPE: GGUFValueType.STRING,
    KEY_VISION_PROJECTOR_TYPE: GGUFValueType.STRING,
    "clip.vision.mm_patch_merge_type": GGUFValueType.STRING,
    KEY_HAS_VISION: GGUFValueType.BOOL,
    "clip.has_audio_encoder": GGUFValueType.BOOL,
    "clip.has_gen_audio_encoder": GGUFValueType.BOOL,
    "clip.use_gelu": GGUFValueType.BOOL,
    "clip.use_silu": GGUFValueType.BOOL,
    "clip.minicpmv_version": GGUFValueType.INT32,
    "clip.minicpmv_query_num": GGUFValueType.UINT32,
    "clip.vision.attention.layer_norm_epsilon": GGUFValueType.FLOAT32,
    **{
        f"clip.vision.{name}": GGUFValueType.UINT32
        for name in (
            "embedding_length",
            "feed_forward_length",
            "block_count",
            "projection_dim",
            "attention.head_count",
            "attention.head_count_kv",
            "attention.head_dim",
            "image_size",
            "patch_size",
            "projector.scale_factor",
            "preproc_min_tiles",
            "preproc_max_tiles",
            "preproc_image_size",
            "image_min_pixels",
            "image_max_pixels",
            "spatial_merge_size",
        )
    },
}
# src/llama-model.cpp LLAMA_ROPE_SCALING_TYPES; anything else trips a GGML_ASSERT
_ROPE_SCALING_TYPES: Final = frozenset({"none", "linear", "yarn", "longrope"})
# The patch kernel goes through im2col (F32/F16 only; llama.cpp's converter and quantizer
# never write it otherwise) and the position/class embeddings through add and concat, which
# ggml implements for float weights only.
_PATCH_KERNEL_TYPES: Final = frozenset({GGMLQuantizationType.F32, GGMLQuantizationType.F16})
_EMBEDDING_TYPES: Final = _PATCH_KERNEL_TYPES | {GGMLQuantizationType.BF16}


@dataclass(frozen=True)
class Limits:
    """How much of a file the check is prepared to believe (and so to read).

    Generous for real models (a 256k vocabulary, a 150k-merge tokenizer, a 100 KiB chat
    template), small enough that the check of a hostile file stays a fraction of a second
    and a few megabytes of memory.
    """

    max_tensors: int = 65_536
    max_kv: int = 65_536
    max_string: int = 1 << 20  # bytes in one string value
    max_key: int = 64 << 10  # bytes in a key
    max_array: int = 1 << 24  # elements in a numeric array
    max_string_array: int = 1 << 22  # strings in an array (each is read, so fewer)
    kept_array: int = 4096  # numeric arrays up to this many elements are read, others skipped


LIMITS: Final = Limits()


@dataclass(frozen=True)
class CheckedGGUF:
    """What the check learned about a file that passed it."""

    path: Path
    file_size: int
    version: int
    n_tensors: int
    n_kv: int
    alignment: int
    data_offset: int  # where the tensor data section starts
    architecture: str  # general.architecture
    projector_type: str | None  # mmproj only

    @property
    def kind(self) -> str:
        """"mmproj" for a vision projector, "llm" for a language model."""
        return "mmproj" if self.architecture == ARCH_CLIP else "llm"


class _Bad(Exception):
    """A problem found while checking: the text after "FILE: " of the ModelError."""


@dataclass(frozen=True)
class _Array:
    """An array value: its element type, length, and the elements when they were kept."""

    elem_type: GGUFValueType
    count: int
    values: tuple[int | float | bool, ...] | None


# A metadata value as parsed: a scalar, a string or an array.
_Value = int | float | bool | str | _Array


@dataclass(frozen=True)
class _Tensor:
    name: str
    shape: tuple[int, ...]  # GGUF order: ne[0] (the row length) first
    ggml_type: GGMLQuantizationType
    offset: int  # relative to the data section
    n_bytes: int


@dataclass(frozen=True)
class _Parsed:
    version: int
    kv: dict[str, tuple[GGUFValueType, _Value]]
    tensors: dict[str, _Tensor]
    alignment: int
    data_offset: int
    vocab: tuple[str, ...] = ()


@dataclass(frozen=True)
class GGUFHeader:
    """A GGUF file's metadata, vocabulary and tensor infos, read by the bounded parser.

    What the app needs from a header (read_metadata, the vocabulary's image tokens, the
    summary and RAM estimate) without gguf-py's `GGUFReader`, which builds a numpy view
    per array element: on a real vocabulary (Qwen's 151,674 tokens and 151,387 merges) it
    took 8 s per file where this takes under one.
    """

    path: Path
    file_size: int
    parsed: _Parsed

    @property
    def kv(self) -> Mapping[str, tuple[GGUFValueType, _Value]]:
        return self.parsed.kv

    @property
    def tensors(self) -> Mapping[str, _Tensor]:
        return self.parsed.tensors

    @property
    def vocab(self) -> tuple[str, ...]:
        """tokenizer.ggml.tokens, decoded leniently (invalid UTF-8 replaced)."""
        return self.parsed.vocab

    @property
    def data_offset(self) -> int:
        return self.parsed.data_offset

    def value(self, key: str) -> object:
        """A metadata value as plain Python: str, int, float, bool, a list for a numeric
        array of up to `Limits.kept_array` elements; None when absent or not kept."""
        entry = self.kv.get(key)
        if entry is None:
            return None
        value = entry[1]
        if isinstance(value, _Array):
            return list(value.values) if value.values is not None else None
        return value

    def element_type(self, key: str) -> GGUFValueType | None:
        """The stored type of a value, or of an array's elements."""
        entry = self.kv.get(key)
        if entry is None:
            return None
        value = entry[1]
        return value.elem_type if isinstance(value, _Array) else entry[0]

    def length(self, key: str) -> int | None:
        """An array's element count (None for a scalar or an absent key)."""
        entry = self.kv.get(key)
        return entry[1].count if entry is not None and isinstance(entry[1], _Array) else None


_HEADERS: dict[tuple[str, int, int, Limits], GGUFHeader] = {}
_HEADERS_KEPT: Final = 4  # a pair and the one before it; a vocabulary is ~10 MB in memory


def read_header(path: Path, limits: Limits = LIMITS) -> GGUFHeader:
    """The file's header as the bounded parser reads it; `ModelError` naming the file.

    The structure is checked (counts, lengths, tensor data inside the file), not what
    llama.cpp asserts on (`check_gguf`). Cached by (path, size, mtime): one load reads
    each file once, however many checks and summaries look at it.
    """
    path = Path(path)
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns, limits)
        if key in _HEADERS:
            return _HEADERS[key]
        if not stat.S_ISREG(st.st_mode):
            raise ModelError(f"{path.name}: not a regular file")
        with path.open("rb") as f:
            parsed = _Parser(f, st.st_size, limits).parse()
    except FileNotFoundError:
        raise ModelError(f"{path.name}: no such file") from None
    except OSError as e:
        raise ModelError(f"{path.name}: cannot be read ({e.strerror or e})") from None
    except _Bad as e:
        raise ModelError(f"{path.name}: {one_line(str(e))}") from None
    except (struct.error, ValueError, OverflowError, MemoryError) as e:
        raise ModelError(f"{path.name}: unreadable GGUF header ({type(e).__name__})") from None
    header = GGUFHeader(path, st.st_size, parsed)
    if len(_HEADERS) >= _HEADERS_KEPT:
        del _HEADERS[next(iter(_HEADERS))]
    _HEADERS[key] = header
    return header


def check_gguf(path: Path, limits: Limits = LIMITS) -> CheckedGGUF:
    """Check the GGUF file at `path`; a `ModelError` naming it if it is not safe to load."""
    header = read_header(Path(path), limits)
    try:
        arch, projector = _check_semantics(header.parsed)
    except _Bad as e:
        raise ModelError(f"{header.path.name}: {one_line(str(e))}") from None
    return _checked(header.path, header.file_size, header.parsed, arch, projector)


def _checked(path: Path, size: int, parsed: _Parsed, arch: str, projector: str | None
             ) -> CheckedGGUF:
    return CheckedGGUF(path=path, file_size=size, version=parsed.version,
                       n_tensors=len(parsed.tensors), n_kv=len(parsed.kv),
                       alignment=parsed.alignment, data_offset=parsed.data_offset,
                       architecture=arch, projector_type=projector)


def check_stream(
    f: BinaryIO, size: int, path: Path, limits: Limits = LIMITS
) -> CheckedGGUF:
    """Check `size` bytes of GGUF read from `f` (positioned at its start).

    `path` only names the file in messages and in the result; tests pass an in-memory
    `io.BytesIO` here to check hundreds of mutated files without writing them.
    """
    path = Path(path)
    try:
        parsed = _Parser(f, size, limits).parse()
        arch, projector = _check_semantics(parsed)
    except _Bad as e:
        raise ModelError(f"{path.name}: {one_line(str(e))}") from None
    except (struct.error, ValueError, OverflowError, MemoryError) as e:
        # Defence in depth: the parser checks before it unpacks, so this means a bug here,
        # and a bug here must still not become a traceback for a bad file.
        raise ModelError(f"{path.name}: unreadable GGUF header ({type(e).__name__})") from None
    return _checked(path, size, parsed, arch, projector)


def check_bytes(data: bytes, name: str = "model.gguf", limits: Limits = LIMITS) -> CheckedGGUF:
    """`check_stream` over bytes in memory (for tests and for files already read)."""
    return check_stream(io.BytesIO(data), len(data), Path(name), limits)


# --- the container -------------------------------------------------------------------


def _n(value: int) -> str:
    """A count or offset as the messages print it: 9,120,000."""
    return f"{value:,}"


class _Parser:
    """Reads the header and tensor infos front to back, checking before each read."""

    def __init__(self, f: BinaryIO, size: int, limits: Limits) -> None:
        self.f = f
        self.size = size
        self.limits = limits
        self.pos = 0
        self.vocab: list[str] = []  # tokenizer.ggml.tokens, filled by `tokens`

    # reading primitives; every one checks the file has the bytes first

    def _past_end(self, what: str, n: int) -> _Bad:
        return _Bad(
            f"{what} needs {_n(n)} bytes at byte {_n(self.pos)} but the file has "
            f"{_n(self.size)} bytes (truncated download?)"
        )

    def read(self, n: int, what: str) -> bytes:
        if n > self.size - self.pos:
            raise self._past_end(what, n)
        data = self.f.read(n)
        if len(data) != n:  # the file shrank under us
            raise self._past_end(what, n)
        self.pos += n
        return data

    def skip(self, n: int, what: str) -> None:
        if n > self.size - self.pos:
            raise self._past_end(what, n)
        self.pos += n
        self.f.seek(self.pos)

    def unpack(self, fmt: str, what: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt), what))[0]

    def u32(self, what: str) -> int:
        return int(self.unpack("<I", what))

    def u64(self, what: str) -> int:
        return int(self.unpack("<Q", what))

    def string_length(self, what: str, cap: int) -> int:
        n = self.u64(f"the length of {what}")
        if n > cap:
            raise _Bad(f"{what} claims to be {_n(n)} bytes long, more than the {_n(cap)} allowed")
        if n > self.size - self.pos:
            raise _Bad(
                f"{what} claims {_n(n)} bytes at byte {_n(self.pos)} but the file has only "
                f"{_n(self.size - self.pos)} bytes left (truncated download?)"
            )
        return n

    def text(self, what: str, cap: int) -> str:
        raw = self.read(self.string_length(what, cap), what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Bad(f"{what} is not valid UTF-8 text") from None

    def value_type(self, what: str) -> GGUFValueType:
        code = self.u32(what)
        try:
            return GGUFValueType(code)
        except ValueError:
            raise _Bad(f"{what} is {code}, not a GGUF value type") from None

    # the file, front to back

    def parse(self) -> _Parsed:
        lim = self.limits
        if self.size < len(GGUF_MAGIC):
            raise _Bad(f"the file is {_n(self.size)} bytes long, too short to be GGUF")
        magic = self.read(len(GGUF_MAGIC), "the magic")
        if magic != GGUF_MAGIC:
            raise _Bad(f"not a GGUF file (it starts with {magic!r}, not {GGUF_MAGIC!r})")
        version = self.u32("the GGUF version")
        if version not in SUPPORTED_VERSIONS:
            hint = " (a big-endian file?)" if version & 0xFFFF == 0 else ""
            raise _Bad(f"GGUF version {version} is not supported (only 2 and 3){hint}")
        n_tensors = self.u64("the tensor count")
        n_kv = self.u64("the metadata count")
        if n_tensors > lim.max_tensors:
            raise _Bad(f"it claims {_n(n_tensors)} tensors, more than the {_n(lim.max_tensors)} "
                       "allowed")
        if n_kv > lim.max_kv:
            raise _Bad(f"it claims {_n(n_kv)} metadata entries, more than the {_n(lim.max_kv)} "
                       "allowed")
        least = n_kv * _MIN_KV_BYTES + n_tensors * _MIN_TENSOR_INFO_BYTES
        if least > self.size - _HEADER_BYTES:
            raise _Bad(f"it claims {_n(n_tensors)} tensors and {_n(n_kv)} metadata entries, "
                       f"which need at least {_n(least + _HEADER_BYTES)} bytes, but the file "
                       f"has {_n(self.size)} (truncated download?)")

        kv: dict[str, tuple[GGUFValueType, _Value]] = {}
        for i in range(n_kv):
            key, vtype, value = self.kv_pair(i)
            if key in kv:
                raise _Bad(f"the metadata key {key!r} appears twice")
            kv[key] = (vtype, value)

        alignment = DEFAULT_ALIGNMENT
        if KEY_ALIGNMENT in kv:
            atype, avalue = kv[KEY_ALIGNMENT]
            if atype != GGUFValueType.UINT32:
                raise _Bad(f"{KEY_ALIGNMENT} is stored as {atype.name.lower()}, "
                           "llama.cpp requires uint32")
            alignment = int(avalue) if isinstance(avalue, int) else 0
            if alignment <= 0 or alignment & (alignment - 1):
                raise _Bad(f"{KEY_ALIGNMENT} is {alignment}, not a power of two")

        tensors: dict[str, _Tensor] = {}
        for i in range(n_tensors):
            t = self.tensor_info(i, alignment)
            if t.name in tensors:
                raise _Bad(f"the tensor name {t.name!r} appears twice")
            tensors[t.name] = t

        data_offset = self.pos
        if n_tensors:
            data_offset = -(-self.pos // alignment) * alignment
            if data_offset > self.size:
                raise _Bad(f"the tensor data should start at byte {_n(data_offset)} but the "
                           f"file has {_n(self.size)} bytes (truncated download?)")
        self.check_data_layout(list(tensors.values()), data_offset, alignment)
        return _Parsed(version, kv, tensors, alignment, data_offset, tuple(self.vocab))

    def kv_pair(self, i: int) -> tuple[str, GGUFValueType, _Value]:
        lim = self.limits
        key = self.text(f"metadata key #{i}", lim.max_key)
        if not key:
            raise _Bad(f"metadata key #{i} is empty")
        vtype = self.value_type(f"the type of {key}")
        if vtype != GGUFValueType.ARRAY:
            return key, vtype, self.scalar(vtype, key)
        elem = self.value_type(f"the element type of {key}")
        if elem == GGUFValueType.ARRAY:
            raise _Bad(f"{key} is an array of arrays, which GGUF does not allow")
        count = self.u64(f"the length of {key}")
        return key, vtype, self.array(key, elem, count)

    def scalar(self, vtype: GGUFValueType, key: str) -> int | float | bool | str:
        if vtype == GGUFValueType.STRING:
            return self.text(f"the value of {key}", self.limits.max_string)
        return self.unpack(_SCALARS[vtype], f"the value of {key}")

    def array(self, key: str, elem: GGUFValueType, count: int) -> _Array:
        lim = self.limits
        if elem == GGUFValueType.STRING:
            if count > lim.max_string_array:
                raise _Bad(f"{key} claims {_n(count)} strings, more than the "
                           f"{_n(lim.max_string_array)} allowed")
            if count * 8 > self.size - self.pos:  # each string has an 8-byte length
                raise _Bad(f"{key} claims {_n(count)} strings but the file has only "
                           f"{_n(self.size - self.pos)} bytes left (truncated download?)")
            if key == KEY_TOKENS:
                self.tokens(count)
            else:
                for j in range(count):
                    self.skip(self.string_length(f"string #{j} of {key}", lim.max_string),
                              f"string #{j} of {key}")
            return _Array(elem, count, None)
        fmt = _SCALARS[elem]
        width = struct.calcsize(fmt)
        if count > lim.max_array:
            raise _Bad(f"{key} claims {_n(count)} elements, more than the {_n(lim.max_array)} "
                       "allowed")
        if count * width > self.size - self.pos:
            raise _Bad(f"{key} claims {_n(count)} elements ({_n(count * width)} bytes) but the "
                       f"file has only {_n(self.size - self.pos)} bytes left (truncated download?)")
        if count > lim.kept_array:
            self.skip(count * width, f"the values of {key}")
            return _Array(elem, count, None)
        raw = self.read(count * width, f"the values of {key}")
        return _Array(elem, count, struct.unpack(f"<{count}{fmt[1:]}", raw))

    def tokens(self, count: int) -> None:
        """Read the vocabulary: llama-vocab.cpp aborts when two tokens are equal.

        It maps text → id and asserts both directions have the same size; an empty token
        is renamed "[EMPTY_<id>]" first, so that is what is compared here too.
        """
        seen: dict[bytes, int] = {}
        vocab = self.vocab
        for j in range(count):
            what = f"token #{j} of the vocabulary"
            raw = self.read(self.string_length(what, self.limits.max_string), what)
            vocab.append(raw.decode("utf-8", "replace"))  # as the file has it, leniently
            if not raw:
                raw = f"[EMPTY_{j}]".encode()
            first = seen.setdefault(raw, j)
            if first != j:
                shown = raw.decode("utf-8", "replace")[:40]
                raise _Bad(f"token #{_n(j)} of the vocabulary ({shown!r}) repeats token "
                           f"#{_n(first)}, which makes llama.cpp abort")

    def tensor_info(self, i: int, alignment: int) -> _Tensor:
        name = self.text(f"the name of tensor #{i}", GGML_MAX_NAME - 1)
        if not name:
            raise _Bad(f"tensor #{i} has an empty name")
        n_dims = self.u32(f"the dimension count of tensor {name}")
        if not 1 <= n_dims <= GGML_MAX_DIMS:
            raise _Bad(f"tensor {name} has {n_dims} dimensions (1 to {GGML_MAX_DIMS} allowed)")
        shape = tuple(self.u64(f"dimension {d} of tensor {name}") for d in range(n_dims))
        if any(d == 0 for d in shape):
            raise _Bad(f"tensor {name} has an empty dimension {list(shape)}")
        n_elements = math.prod(shape)
        if n_elements > INT64_MAX:
            raise _Bad(f"tensor {name}'s shape {list(shape)} has more elements than a 64-bit "
                       "count can hold")
        code = self.u32(f"the type of tensor {name}")
        try:
            ggml_type = GGMLQuantizationType(code)
            block, type_size = GGML_QUANT_SIZES[ggml_type]
        except (ValueError, KeyError):
            raise _Bad(f"tensor {name} has ggml type {code}, which this version does not "
                       "know") from None
        if shape[0] % block:
            raise _Bad(f"tensor {name} is {ggml_type.name} with rows of {_n(shape[0])} "
                       f"values, not a multiple of its block size {block}")
        offset = self.u64(f"the data offset of tensor {name}")
        if offset % alignment:
            raise _Bad(f"tensor {name}'s data offset {_n(offset)} is not a multiple of the "
                       f"alignment {alignment}")
        return _Tensor(name, shape, ggml_type, offset, n_elements // block * type_size)

    def check_data_layout(self, tensors: list[_Tensor], data_offset: int, alignment: int) -> None:
        """Every tensor's bytes inside the file, none shared, packed as llama.cpp reads them.

        ggml/src/gguf.cpp requires tensor i to start exactly where tensor i-1 ends, padded
        to the alignment; it refuses anything else, but only after the reader has seen the
        file, so the same rule is checked here, after the plainer faults it implies.
        """
        for t in tensors:
            end = data_offset + t.offset + t.n_bytes
            if end > self.size:
                raise _Bad(f"tensor {t.name}'s data ends at byte {_n(end)} but the file has "
                           f"{_n(self.size)} bytes (truncated download?)")
        ordered = sorted(tensors, key=lambda t: t.offset)
        for a, b in itertools.pairwise(ordered):
            if b.offset < a.offset + a.n_bytes:
                raise _Bad(f"tensors {a.name} and {b.name} overlap in the file (bytes "
                           f"{_n(data_offset + b.offset)} to "
                           f"{_n(data_offset + min(a.offset + a.n_bytes, b.offset + b.n_bytes))})")
        expected = 0
        for t in tensors:
            if t.offset != expected:
                raise _Bad(f"tensor {t.name}'s data is at offset {_n(t.offset)}, but llama.cpp "
                           f"reads tensors packed in order and expects {_n(expected)}")
            expected += -(-t.n_bytes // alignment) * alignment


# --- what llama.cpp asserts on ---------------------------------------------------------


class _Meta:
    """Typed access to the metadata for the semantic checks (every miss is a sentence)."""

    def __init__(self, kv: dict[str, tuple[GGUFValueType, _Value]]) -> None:
        self.kv = kv

    def string(self, key: str) -> str | None:
        entry = self.kv.get(key)
        if entry is None:
            return None
        if entry[0] != GGUFValueType.STRING:
            raise _Bad(f"{key} is stored as {entry[0].name.lower()}, not as a string")
        return str(entry[1])

    def integer(self, key: str, required: bool = True) -> int | None:
        """A scalar integer; for a per-layer array (llama.cpp allows one) its largest entry."""
        entry = self.kv.get(key)
        if entry is None:
            if required:
                raise _Bad(f"it has no {key}")
            return None
        vtype, value = entry
        if vtype in _INTEGER_TYPES and isinstance(value, int):
            return value
        if isinstance(value, _Array) and value.elem_type in _INTEGER_TYPES and value.values:
            return max(int(v) for v in value.values)
        raise _Bad(f"{key} is not an integer")

    def positive(self, key: str, at_most: int = INT64_MAX) -> int:
        value = self.integer(key)
        assert value is not None  # required=True
        if not 1 <= value <= at_most:
            bound = "at least 1" if at_most == INT64_MAX else f"1 to {_n(at_most)}"
            raise _Bad(f"{key} is {_n(value)}, it must be {bound}")
        return value


@functools.cache
def llama_cpp_projectors() -> frozenset[str]:
    """The projector types llama.cpp's mtmd knows (gguf-py's names for them)."""
    from gguf.constants import VisionProjectorType

    return frozenset(v for k, v in vars(VisionProjectorType).items()
                     if not k.startswith("_") and isinstance(v, str))


@functools.cache
def llama_cpp_archs() -> frozenset[str]:
    """The model architectures llama.cpp knows (gguf-py's names for them)."""
    from gguf.constants import MODEL_ARCH_NAMES

    return frozenset(MODEL_ARCH_NAMES.values()) - {ARCH_CLIP}


def _check_semantics(p: _Parsed) -> tuple[str, str | None]:
    meta = _Meta(p.kv)
    arch = meta.string(KEY_ARCHITECTURE)
    if not arch:
        raise _Bad(f"it has no {KEY_ARCHITECTURE}, so llama.cpp cannot tell what model it is")
    if arch == ARCH_CLIP:
        return arch, _check_projector(p, meta, frozenset(SUPPORTED_PROJECTORS))
    if arch not in SUPPORTED_LLM_ARCHS and arch not in llama_cpp_archs():
        raise _Bad(f"the architecture {arch!r} is not one llama.cpp knows")
    _check_llm(p, meta, arch)
    return arch, None


def _shape_is(p: _Parsed, name: str, want: tuple[int, ...], what: str) -> _Tensor:
    """The tensor `name`, which must exist with shape `want` (GGUF order)."""
    t = p.tensors.get(name)
    if t is None:
        raise _Bad(f"it has no tensor {name} ({what})")
    if _squeezed(t.shape) != _squeezed(want):
        raise _Bad(f"tensor {name} ({what}) has shape {list(t.shape)}, expected {list(want)}")
    return t


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A ggml shape without its trailing 1s: [64] and [64, 1, 1] are the same tensor to
    ggml (its ne[] is padded with 1s), and llama.cpp's converter writes the second form
    (v.class_embd, v.position_embd.weight of InternVL)."""
    end = len(shape)
    while end > 1 and shape[end - 1] == 1:
        end -= 1
    return tuple(shape[:end])


def _optional_shape(p: _Parsed, name: str, want: tuple[int, ...], what: str) -> None:
    if name in p.tensors:
        _shape_is(p, name, want, what)


def _check_llm(p: _Parsed, meta: _Meta, arch: str) -> None:
    """The LLM hparams llama-model.cpp asserts on, and the embedding table's shape."""
    n_embd = meta.positive(f"{arch}.embedding_length")
    meta.positive(f"{arch}.block_count", LLAMA_MAX_LAYERS)
    n_head = meta.positive(f"{arch}.attention.head_count")
    n_head_kv = meta.integer(f"{arch}.attention.head_count_kv", required=False)
    head_kv_entry = p.kv.get(f"{arch}.attention.head_count_kv")
    if n_head_kv is not None and head_kv_entry and head_kv_entry[0] in _INTEGER_TYPES and (
            n_head_kv < 1 or n_head % n_head_kv):
        # a scalar: llama.cpp divides by it (n_gqa); per-layer arrays may hold 0 for
        # layers without attention (lfm2), so only the scalar form is checked
        raise _Bad(f"{arch}.attention.head_count_kv is {n_head_kv}, it must divide the "
                   f"head count {n_head}")
    n_expert = meta.integer(f"{arch}.expert_count", required=False) or 0
    n_used = meta.integer(f"{arch}.expert_used_count", required=False) or 0
    if n_expert > LLAMA_MAX_EXPERTS or n_used > n_expert or (n_expert > 0) != (n_used > 0):
        raise _Bad(f"its expert counts ({n_used} used of {n_expert}) are inconsistent")
    scaling = meta.string(f"{arch}.rope.scaling.type")
    if scaling is not None and scaling not in _ROPE_SCALING_TYPES:
        raise _Bad(f"{arch}.rope.scaling.type {scaling!r} is not one llama.cpp knows")

    tokens = p.kv.get(KEY_TOKENS)
    if tokens is None or not isinstance(tokens[1], _Array) or tokens[1].elem_type != (
            GGUFValueType.STRING):
        raise _Bad(f"it has no vocabulary ({KEY_TOKENS})")
    n_vocab = tokens[1].count
    if n_vocab < 1:
        raise _Bad("its vocabulary is empty")
    _shape_is(p, "token_embd.weight", (n_embd, n_vocab),
              f"{_n(n_vocab)} tokens of {arch}.embedding_length {n_embd}")


def _check_projector(p: _Parsed, meta: _Meta, supported: frozenset[str]) -> str:
    """The clip.cpp hparams and the tensors of the ViT's input and of the projector."""
    for key, want in _CLIP_KEY_TYPES.items():
        entry = p.kv.get(key)
        if entry is not None and entry[0] != want:
            raise _Bad(f"{key} is stored as {entry[0].name.lower()}, llama.cpp requires "
                       f"{want.name.lower()}")
    has_vision = p.kv.get(KEY_HAS_VISION)
    if has_vision is None or has_vision[1] is not True:
        raise _Bad(f"it has no vision encoder ({KEY_HAS_VISION} is not true)")
    projector = meta.string(KEY_PROJECTOR_TYPE) or meta.string(KEY_VISION_PROJECTOR_TYPE)
    if not projector:
        raise _Bad(f"it has no {KEY_PROJECTOR_TYPE}")
    if projector not in supported and projector not in llama_cpp_projectors():
        raise _Bad(f"the projector type {projector!r} is not one llama.cpp knows")

    v = "clip.vision."
    image_size = meta.positive(v + "image_size", CLIP_MAX_IMAGE_SIZE)
    patch_size = meta.positive(v + "patch_size", 65_535)
    n_embd = meta.positive(v + "embedding_length")
    n_head = meta.positive(v + "attention.head_count")
    meta.positive(v + "feed_forward_length")
    n_layer = meta.positive(v + "block_count", LLAMA_MAX_LAYERS)
    proj_dim = meta.positive(v + "projection_dim")
    n_merge = meta.integer(v + "projector.scale_factor", required=False) or 1
    if n_embd % n_head:
        raise _Bad(f"{v}embedding_length {n_embd} is not a multiple of the head count {n_head}")
    if projector not in supported:
        # A family mtmd lays out itself: its tensors differ family by family, and the
        # first load runs in a child process (load_probe), so an abort there is a
        # message, not a crash. The hparams above are what every clip model has.
        return projector
    if image_size % patch_size:
        raise _Bad(f"{v}image_size {image_size} is not a multiple of {v}patch_size {patch_size}")
    grid = image_size // patch_size
    for il in range(n_layer):
        # clip.cpp loads q, k, v as optional (a fused qkv replaces them) and then
        # multiplies by whichever it got: a missing one is a NULL dereference.
        b = f"v.blk.{il}."
        separate = all(b + f"attn_{x}.weight" in p.tensors for x in "qkv")
        if not separate and b + "attn_qkv.weight" not in p.tensors:
            raise _Bad(f"it has no attention weights for ViT layer {il} ({b}attn_q/k/v.weight)")

    if projector == "lfm2":
        # siglip.cpp build_patch_merge_permute: GGML_ASSERT(scale_factor > 1)
        if n_merge < 2:
            raise _Bad(f"{v}projector.scale_factor is {n_merge}, the lfm2 projector needs 2 or "
                       "more")
        has_class = False
    else:  # internvl
        if n_merge < 1 or grid % n_merge:
            raise _Bad(f"{v}projector.scale_factor {n_merge} does not divide the "
                       f"{grid}x{grid} patch grid")
        lo = meta.integer(v + "preproc_min_tiles", required=False)
        hi = meta.integer(v + "preproc_max_tiles", required=False)
        lo, hi = (1 if lo is None else lo), (12 if hi is None else hi)  # clip.cpp defaults
        if lo > hi or hi >= 1 << 31:
            raise _Bad(f"{v}preproc_min_tiles {lo} is more than preproc_max_tiles {hi}")
        _shape_is(p, "v.class_embd", (n_embd,), "the class embedding internvl needs")
        has_class = True

    patch = _shape_is(p, "v.patch_embd.weight", (patch_size, patch_size, 3, n_embd),
                      f"{patch_size}x{patch_size} RGB patches to {n_embd} values")
    _optional_shape(p, "v.patch_embd.bias", (n_embd,), "the patch bias")
    n_pos = grid * grid + (1 if has_class else 0)
    pos = _shape_is(p, "v.position_embd.weight", (n_embd, n_pos),
                    f"{grid}x{grid} patches{' and the class token' if has_class else ''}")
    for t, allowed in ((patch, _PATCH_KERNEL_TYPES), (pos, _EMBEDDING_TYPES),
                       (p.tensors.get("v.class_embd"), _EMBEDDING_TYPES)):
        if t is not None and t.ggml_type not in allowed:
            names = " or ".join(sorted(a.name for a in allowed))
            raise _Bad(f"tensor {t.name} is {t.ggml_type.name}, llama.cpp needs {names} there")

    merged = n_embd * n_merge * n_merge  # width of one token after the pixel (un)shuffle
    if projector == "lfm2":
        names = ("mm.1", "mm.2")
        _optional_shape(p, "mm.input_norm.weight", (merged,), "the projector's input norm")
        _optional_shape(p, "mm.input_norm.bias", (merged,), "the projector's input norm")
    else:
        names = ("mm.model.mlp.1", "mm.model.mlp.3")
        _shape_is(p, "mm.model.mlp.0.weight", (merged,), "the projector's input norm")
        _shape_is(p, "mm.model.mlp.0.bias", (merged,), "the projector's input norm")
    first = p.tensors.get(names[0] + ".weight")
    if first is None or len(first.shape) != 2:
        raise _Bad(f"it has no 2-D projector tensor {names[0]}.weight")
    hidden = first.shape[1]
    _shape_is(p, names[0] + ".weight", (merged, hidden),
              f"{n_merge}x{n_merge} merged patches of {n_embd} values in")
    _shape_is(p, names[0] + ".bias", (hidden,), "the projector's first bias")
    _shape_is(p, names[1] + ".weight", (hidden, proj_dim),
              f"{v}projection_dim {proj_dim} values out")
    _shape_is(p, names[1] + ".bias", (proj_dim,), "the projector's output bias")
    return projector
