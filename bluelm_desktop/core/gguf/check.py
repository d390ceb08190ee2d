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

from bluelm_desktop.core.errors import Line, ModelError, msg, one_line
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
    """A problem found while checking: the line after "FILE: " of the ModelError.

    `_Bad(msg("{key} is not an integer"), key=key)`: a translatable template and its
    fields; text fields (keys and names read from the file) are kept on one short line."""

    def __init__(self, template: str, /, **fields: object) -> None:
        self.line = _line((template, tuple(fields.items())))
        super().__init__(str(self.line))


# What the parser is reading, named in its messages: a template and its fields, made into
# a `Line` only when a message needs it (the parser names every token it reads: a plain
# tuple costs next to nothing, a Line per token would slow the vocabulary's read 4×).
What = tuple[str, tuple[tuple[str, object], ...]]
_FIELD_LIMIT: Final = 80  # a key or name from the file, as a message shows it
_LENGTH_OF: Final = msg("the length of {what}")
_LENGTH_OF_KEY: Final = msg("the length of {key}")
_TOKEN: Final = msg("token #{j} of the vocabulary")
_STRING_OF: Final = msg("string #{j} of {key}")


def _what(template: str, /, **fields: object) -> What:
    return template, tuple(fields.items())


def _line(what: What) -> Line:
    """`what` as a `Line`; text fields (keys and names read from the file) on one short
    line, nested descriptions made Lines too."""
    template, fields = what
    return Line(template, tuple((k, _value(v)) for k, v in fields))


def _value(value: object) -> object:
    if isinstance(value, tuple):  # a nested What
        return _line(value)  # type: ignore[arg-type]
    return one_line(value, _FIELD_LIMIT) if isinstance(value, str) else value


def _file_error(name: str, problem: Line) -> ModelError:
    """The ModelError for a problem found in the file `name`: "NAME: problem", one line."""
    text = str(problem)
    if one_line(text) != text:  # a field still too long: keep the one-line promise
        problem = Line.plain(one_line(text))
    return ModelError(msg("{name}: {problem}"), name=name, problem=problem)


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
            raise ModelError(msg("{name}: not a regular file"), name=path.name)
        with path.open("rb") as f:
            parsed = _Parser(f, st.st_size, limits).parse()
    except FileNotFoundError:
        raise ModelError(msg("{name}: no such file"), name=path.name) from None
    except OSError as e:
        raise ModelError(msg("{name}: cannot be read ({error})"), name=path.name,
                         error=e.strerror or str(e)) from None
    except _Bad as e:
        raise _file_error(path.name, e.line) from None
    except (struct.error, ValueError, OverflowError, MemoryError) as e:
        raise ModelError(msg("{name}: unreadable GGUF header ({kind})"), name=path.name,
                         kind=type(e).__name__) from None
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
        raise _file_error(header.path.name, e.line) from None
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
        raise _file_error(path.name, e.line) from None
    except (struct.error, ValueError, OverflowError, MemoryError) as e:
        # Defence in depth: the parser checks before it unpacks, so this means a bug here,
        # and a bug here must still not become a traceback for a bad file.
        raise ModelError(msg("{name}: unreadable GGUF header ({kind})"), name=path.name,
                         kind=type(e).__name__) from None
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

    def _past_end(self, what: What, n: int) -> _Bad:
        return _Bad(msg("{what} needs {n} bytes at byte {pos} but the file has {size} bytes "
                        "(truncated download?)"),
                    what=what, n=_n(n), pos=_n(self.pos), size=_n(self.size))

    def read(self, n: int, what: What) -> bytes:
        if n > self.size - self.pos:
            raise self._past_end(what, n)
        data = self.f.read(n)
        if len(data) != n:  # the file shrank under us
            raise self._past_end(what, n)
        self.pos += n
        return data

    def skip(self, n: int, what: What) -> None:
        if n > self.size - self.pos:
            raise self._past_end(what, n)
        self.pos += n
        self.f.seek(self.pos)

    def unpack(self, fmt: str, what: What) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt), what))[0]

    def u32(self, what: What) -> int:
        return int(self.unpack("<I", what))

    def u64(self, what: What) -> int:
        return int(self.unpack("<Q", what))

    def string_length(self, what: What, cap: int) -> int:
        n = self.u64((_LENGTH_OF, (("what", what),)))
        if n > cap:
            raise _Bad(msg("{what} claims to be {n} bytes long, more than the {cap} allowed"),
                       what=what, n=_n(n), cap=_n(cap))
        if n > self.size - self.pos:
            raise _Bad(msg("{what} claims {n} bytes at byte {pos} but the file has only "
                           "{left} bytes left (truncated download?)"),
                       what=what, n=_n(n), pos=_n(self.pos), left=_n(self.size - self.pos))
        return n

    def text(self, what: What, cap: int) -> str:
        raw = self.read(self.string_length(what, cap), what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Bad(msg("{what} is not valid UTF-8 text"), what=what) from None

    def value_type(self, what: What) -> GGUFValueType:
        code = self.u32(what)
        try:
            return GGUFValueType(code)
        except ValueError:
            raise _Bad(msg("{what} is {code}, not a GGUF value type"), what=what,
                       code=code) from None

    # the file, front to back

    def parse(self) -> _Parsed:
        lim = self.limits
        if self.size < len(GGUF_MAGIC):
            raise _Bad(msg("the file is {size} bytes long, too short to be GGUF"),
                       size=_n(self.size))
        magic = self.read(len(GGUF_MAGIC), _what(msg("the magic")))
        if magic != GGUF_MAGIC:
            raise _Bad(msg("not a GGUF file (it starts with {magic}, not {expected})"),
                       magic=repr(magic), expected=repr(GGUF_MAGIC))
        version = self.u32(_what(msg("the GGUF version")))
        if version not in SUPPORTED_VERSIONS:
            if version & 0xFFFF == 0:
                raise _Bad(msg("GGUF version {version} is not supported (only 2 and 3) "
                               "(a big-endian file?)"), version=version)
            raise _Bad(msg("GGUF version {version} is not supported (only 2 and 3)"),
                       version=version)
        n_tensors = self.u64(_what(msg("the tensor count")))
        n_kv = self.u64(_what(msg("the metadata count")))
        if n_tensors > lim.max_tensors:
            raise _Bad(msg("it claims {n} tensors, more than the {limit} allowed"),
                       n=_n(n_tensors), limit=_n(lim.max_tensors))
        if n_kv > lim.max_kv:
            raise _Bad(msg("it claims {n} metadata entries, more than the {limit} allowed"),
                       n=_n(n_kv), limit=_n(lim.max_kv))
        least = n_kv * _MIN_KV_BYTES + n_tensors * _MIN_TENSOR_INFO_BYTES
        if least > self.size - _HEADER_BYTES:
            raise _Bad(msg("it claims {tensors} tensors and {entries} metadata entries, which "
                           "need at least {least} bytes, but the file has {size} (truncated "
                           "download?)"),
                       tensors=_n(n_tensors), entries=_n(n_kv),
                       least=_n(least + _HEADER_BYTES), size=_n(self.size))

        kv: dict[str, tuple[GGUFValueType, _Value]] = {}
        for i in range(n_kv):
            key, vtype, value = self.kv_pair(i)
            if key in kv:
                raise _Bad(msg("the metadata key {key} appears twice"), key=repr(key))
            kv[key] = (vtype, value)

        alignment = DEFAULT_ALIGNMENT
        if KEY_ALIGNMENT in kv:
            atype, avalue = kv[KEY_ALIGNMENT]
            if atype != GGUFValueType.UINT32:
                raise _Bad(msg("{key} is stored as {kind}, llama.cpp requires uint32"),
                           key=KEY_ALIGNMENT, kind=atype.name.lower())
            alignment = int(avalue) if isinstance(avalue, int) else 0
            if alignment <= 0 or alignment & (alignment - 1):
                raise _Bad(msg("{key} is {value}, not a power of two"), key=KEY_ALIGNMENT,
                           value=alignment)

        tensors: dict[str, _Tensor] = {}
        for i in range(n_tensors):
            t = self.tensor_info(i, alignment)
            if t.name in tensors:
                raise _Bad(msg("the tensor name {name} appears twice"), name=repr(t.name))
            tensors[t.name] = t

        data_offset = self.pos
        if n_tensors:
            data_offset = -(-self.pos // alignment) * alignment
            if data_offset > self.size:
                raise _Bad(msg("the tensor data should start at byte {offset} but the file "
                               "has {size} bytes (truncated download?)"),
                           offset=_n(data_offset), size=_n(self.size))
        self.check_data_layout(list(tensors.values()), data_offset, alignment)
        return _Parsed(version, kv, tensors, alignment, data_offset, tuple(self.vocab))

    def kv_pair(self, i: int) -> tuple[str, GGUFValueType, _Value]:
        lim = self.limits
        key = self.text(_what(msg("metadata key #{i}"), i=i), lim.max_key)
        if not key:
            raise _Bad(msg("metadata key #{i} is empty"), i=i)
        vtype = self.value_type(_what(msg("the type of {key}"), key=key))
        if vtype != GGUFValueType.ARRAY:
            return key, vtype, self.scalar(vtype, key)
        elem = self.value_type(_what(msg("the element type of {key}"), key=key))
        if elem == GGUFValueType.ARRAY:
            raise _Bad(msg("{key} is an array of arrays, which GGUF does not allow"), key=key)
        count = self.u64((_LENGTH_OF_KEY, (("key", key),)))
        return key, vtype, self.array(key, elem, count)

    def scalar(self, vtype: GGUFValueType, key: str) -> int | float | bool | str:
        if vtype == GGUFValueType.STRING:
            return self.text(_what(msg("the value of {key}"), key=key), self.limits.max_string)
        return self.unpack(_SCALARS[vtype], _what(msg("the value of {key}"), key=key))

    def array(self, key: str, elem: GGUFValueType, count: int) -> _Array:
        lim = self.limits
        if elem == GGUFValueType.STRING:
            if count > lim.max_string_array:
                raise _Bad(msg("{key} claims {n} strings, more than the {limit} allowed"),
                           key=key, n=_n(count), limit=_n(lim.max_string_array))
            if count * 8 > self.size - self.pos:  # each string has an 8-byte length
                raise _Bad(msg("{key} claims {n} strings but the file has only {left} bytes "
                               "left (truncated download?)"),
                           key=key, n=_n(count), left=_n(self.size - self.pos))
            if key == KEY_TOKENS:
                self.tokens(count)
            else:
                for j in range(count):
                    what: What = (_STRING_OF, (("j", j), ("key", key)))
                    self.skip(self.string_length(what, lim.max_string), what)
            return _Array(elem, count, None)
        fmt = _SCALARS[elem]
        width = struct.calcsize(fmt)
        if count > lim.max_array:
            raise _Bad(msg("{key} claims {n} elements, more than the {limit} allowed"),
                       key=key, n=_n(count), limit=_n(lim.max_array))
        if count * width > self.size - self.pos:
            raise _Bad(msg("{key} claims {n} elements ({size} bytes) but the file has only "
                           "{left} bytes left (truncated download?)"),
                       key=key, n=_n(count), size=_n(count * width),
                       left=_n(self.size - self.pos))
        if count > lim.kept_array:
            self.skip(count * width, _what(msg("the values of {key}"), key=key))
            return _Array(elem, count, None)
        raw = self.read(count * width, _what(msg("the values of {key}"), key=key))
        return _Array(elem, count, struct.unpack(f"<{count}{fmt[1:]}", raw))

    def tokens(self, count: int) -> None:
        """Read the vocabulary: llama-vocab.cpp aborts when two tokens are equal.

        It maps text → id and asserts both directions have the same size; an empty token
        is renamed "[EMPTY_<id>]" first, so that is what is compared here too.
        """
        seen: dict[bytes, int] = {}
        vocab = self.vocab
        for j in range(count):
            what: What = (_TOKEN, (("j", j),))
            raw = self.read(self.string_length(what, self.limits.max_string), what)
            vocab.append(raw.decode("utf-8", "replace"))  # as the file has it, leniently
            if not raw:
                raw = f"[EMPTY_{j}]".encode()
            first = seen.setdefault(raw, j)
            if first != j:
                shown = raw.decode("utf-8", "replace")[:40]
                raise _Bad(msg("token #{j} of the vocabulary ({token}) repeats token #{first}, "
                               "which makes llama.cpp abort"),
                           j=_n(j), token=repr(shown), first=_n(first))

    def tensor_info(self, i: int, alignment: int) -> _Tensor:
        name = self.text(_what(msg("the name of tensor #{i}"), i=i), GGML_MAX_NAME - 1)
        if not name:
            raise _Bad(msg("tensor #{i} has an empty name"), i=i)
        n_dims = self.u32(_what(msg("the dimension count of tensor {name}"), name=name))
        if not 1 <= n_dims <= GGML_MAX_DIMS:
            raise _Bad(msg("tensor {name} has {n} dimensions (1 to {limit} allowed)"),
                       name=name, n=n_dims, limit=GGML_MAX_DIMS)
        shape = tuple(self.u64(_what(msg("dimension {d} of tensor {name}"), d=d, name=name))
                      for d in range(n_dims))
        if any(d == 0 for d in shape):
            raise _Bad(msg("tensor {name} has an empty dimension {shape}"), name=name,
                       shape=str(list(shape)))
        n_elements = math.prod(shape)
        if n_elements > INT64_MAX:
            raise _Bad(msg("tensor {name}'s shape {shape} has more elements than a 64-bit "
                           "count can hold"), name=name, shape=str(list(shape)))
        code = self.u32(_what(msg("the type of tensor {name}"), name=name))
        try:
            ggml_type = GGMLQuantizationType(code)
            block, type_size = GGML_QUANT_SIZES[ggml_type]
        except (ValueError, KeyError):
            raise _Bad(msg("tensor {name} has ggml type {code}, which this version does not "
                           "know"), name=name, code=code) from None
        if shape[0] % block:
            raise _Bad(msg("tensor {name} is {kind} with rows of {n} values, not a multiple of "
                           "its block size {block}"),
                       name=name, kind=ggml_type.name, n=_n(shape[0]), block=block)
        offset = self.u64(_what(msg("the data offset of tensor {name}"), name=name))
        if offset % alignment:
            raise _Bad(msg("tensor {name}'s data offset {offset} is not a multiple of the "
                           "alignment {alignment}"),
                       name=name, offset=_n(offset), alignment=alignment)
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
                raise _Bad(msg("tensor {name}'s data ends at byte {end} but the file has {size} "
                               "bytes (truncated download?)"),
                           name=t.name, end=_n(end), size=_n(self.size))
        ordered = sorted(tensors, key=lambda t: t.offset)
        for a, b in itertools.pairwise(ordered):
            if b.offset < a.offset + a.n_bytes:
                raise _Bad(msg("tensors {a} and {b} overlap in the file (bytes {start} to "
                               "{end})"),
                           a=a.name, b=b.name, start=_n(data_offset + b.offset),
                           end=_n(data_offset + min(a.offset + a.n_bytes,
                                                    b.offset + b.n_bytes)))
        expected = 0
        for t in tensors:
            if t.offset != expected:
                raise _Bad(msg("tensor {name}'s data is at offset {offset}, but llama.cpp reads "
                               "tensors packed in order and expects {expected}"),
                           name=t.name, offset=_n(t.offset), expected=_n(expected))
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
            raise _Bad(msg("{key} is stored as {kind}, not as a string"), key=key,
                       kind=entry[0].name.lower())
        return str(entry[1])

    def integer(self, key: str, required: bool = True) -> int | None:
        """A scalar integer; for a per-layer array (llama.cpp allows one) its largest entry."""
        entry = self.kv.get(key)
        if entry is None:
            if required:
                raise _Bad(msg("it has no {key}"), key=key)
            return None
        vtype, value = entry
        if vtype in _INTEGER_TYPES and isinstance(value, int):
            return value
        if isinstance(value, _Array) and value.elem_type in _INTEGER_TYPES and value.values:
            return max(int(v) for v in value.values)
        raise _Bad(msg("{key} is not an integer"), key=key)

    def positive(self, key: str, at_most: int = INT64_MAX) -> int:
        value = self.integer(key)
        assert value is not None  # required=True
        if not 1 <= value <= at_most:
            if at_most == INT64_MAX:
                raise _Bad(msg("{key} is {value}, it must be at least 1"), key=key,
                           value=_n(value))
            raise _Bad(msg("{key} is {value}, it must be 1 to {limit}"), key=key,
                       value=_n(value), limit=_n(at_most))
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
        raise _Bad(msg("it has no {key}, so llama.cpp cannot tell what model it is"),
                   key=KEY_ARCHITECTURE)
    if arch == ARCH_CLIP:
        return arch, _check_projector(p, meta, frozenset(SUPPORTED_PROJECTORS))
    if arch not in SUPPORTED_LLM_ARCHS and arch not in llama_cpp_archs():
        raise _Bad(msg("the architecture {arch} is not one llama.cpp knows"), arch=repr(arch))
    _check_llm(p, meta, arch)
    return arch, None


def _shape_is(p: _Parsed, name: str, want: tuple[int, ...], what: What) -> _Tensor:
    """The tensor `name`, which must exist with shape `want` (GGUF order)."""
    t = p.tensors.get(name)
    if t is None:
        raise _Bad(msg("it has no tensor {name} ({what})"), name=name, what=what)
    if _squeezed(t.shape) != _squeezed(want):
        raise _Bad(msg("tensor {name} ({what}) has shape {shape}, expected {expected}"),
                   name=name, what=what, shape=str(list(t.shape)), expected=str(list(want)))
    return t


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A ggml shape without its trailing 1s: [64] and [64, 1, 1] are the same tensor to
    ggml (its ne[] is padded with 1s), and llama.cpp's converter writes the second form
    (v.class_embd, v.position_embd.weight of InternVL)."""
    end = len(shape)
    while end > 1 and shape[end - 1] == 1:
        end -= 1
    return tuple(shape[:end])


def _optional_shape(p: _Parsed, name: str, want: tuple[int, ...], what: What) -> None:
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
        raise _Bad(msg("{key} is {value}, it must divide the head count {n_head}"),
                   key=f"{arch}.attention.head_count_kv", value=n_head_kv, n_head=n_head)
    n_expert = meta.integer(f"{arch}.expert_count", required=False) or 0
    n_used = meta.integer(f"{arch}.expert_used_count", required=False) or 0
    if n_expert > LLAMA_MAX_EXPERTS or n_used > n_expert or (n_expert > 0) != (n_used > 0):
        raise _Bad(msg("its expert counts ({used} used of {total}) are inconsistent"),
                   used=n_used, total=n_expert)
    scaling = meta.string(f"{arch}.rope.scaling.type")
    if scaling is not None and scaling not in _ROPE_SCALING_TYPES:
        raise _Bad(msg("{key} {value} is not one llama.cpp knows"),
                   key=f"{arch}.rope.scaling.type", value=repr(scaling))

    tokens = p.kv.get(KEY_TOKENS)
    if tokens is None or not isinstance(tokens[1], _Array) or tokens[1].elem_type != (
            GGUFValueType.STRING):
        raise _Bad(msg("it has no vocabulary ({key})"), key=KEY_TOKENS)
    n_vocab = tokens[1].count
    if n_vocab < 1:
        raise _Bad(msg("its vocabulary is empty"))
    _shape_is(p, "token_embd.weight", (n_embd, n_vocab),
              _what(msg("{n} tokens of {key} {n_embd}"), n=_n(n_vocab),
                    key=f"{arch}.embedding_length", n_embd=n_embd))


def _check_projector(p: _Parsed, meta: _Meta, supported: frozenset[str]) -> str:
    """The clip.cpp hparams and the tensors of the ViT's input and of the projector."""
    for key, want in _CLIP_KEY_TYPES.items():
        entry = p.kv.get(key)
        if entry is not None and entry[0] != want:
            raise _Bad(msg("{key} is stored as {kind}, llama.cpp requires {required}"),
                       key=key, kind=entry[0].name.lower(), required=want.name.lower())
    has_vision = p.kv.get(KEY_HAS_VISION)
    if has_vision is None or has_vision[1] is not True:
        raise _Bad(msg("it has no vision encoder ({key} is not true)"), key=KEY_HAS_VISION)
    projector = meta.string(KEY_PROJECTOR_TYPE) or meta.string(KEY_VISION_PROJECTOR_TYPE)
    if not projector:
        raise _Bad(msg("it has no {key}"), key=KEY_PROJECTOR_TYPE)
    if projector not in supported and projector not in llama_cpp_projectors():
        raise _Bad(msg("the projector type {projector} is not one llama.cpp knows"),
                   projector=repr(projector))

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
        raise _Bad(msg("{key} {value} is not a multiple of the head count {n_head}"),
                   key=v + "embedding_length", value=n_embd, n_head=n_head)
    if projector not in supported:
        # A family mtmd lays out itself: its tensors differ family by family, and the
        # first load runs in a child process (load_probe), so an abort there is a
        # message, not a crash. The hparams above are what every clip model has.
        return projector
    if image_size % patch_size:
        raise _Bad(msg("{key} {value} is not a multiple of {patch_key} {patch}"),
                   key=v + "image_size", value=image_size, patch_key=v + "patch_size",
                   patch=patch_size)
    grid = image_size // patch_size
    for il in range(n_layer):
        # clip.cpp loads q, k, v as optional (a fused qkv replaces them) and then
        # multiplies by whichever it got: a missing one is a NULL dereference.
        b = f"v.blk.{il}."
        separate = all(b + f"attn_{x}.weight" in p.tensors for x in "qkv")
        if not separate and b + "attn_qkv.weight" not in p.tensors:
            raise _Bad(msg("it has no attention weights for ViT layer {layer} ({names})"),
                       layer=il, names=f"{b}attn_q/k/v.weight")

    if projector == "lfm2":
        # siglip.cpp build_patch_merge_permute: GGML_ASSERT(scale_factor > 1)
        if n_merge < 2:
            raise _Bad(msg("{key} is {value}, the lfm2 projector needs 2 or more"),
                       key=v + "projector.scale_factor", value=n_merge)
        has_class = False
    else:  # internvl
        if n_merge < 1 or grid % n_merge:
            raise _Bad(msg("{key} {value} does not divide the {grid}x{grid} patch grid"),
                       key=v + "projector.scale_factor", value=n_merge, grid=grid)
        lo = meta.integer(v + "preproc_min_tiles", required=False)
        hi = meta.integer(v + "preproc_max_tiles", required=False)
        lo, hi = (1 if lo is None else lo), (12 if hi is None else hi)  # clip.cpp defaults
        if lo > hi or hi >= 1 << 31:
            raise _Bad(msg("{key} {lo} is more than preproc_max_tiles {hi}"),
                       key=v + "preproc_min_tiles", lo=lo, hi=hi)
        _shape_is(p, "v.class_embd", (n_embd,), _what(msg("the class embedding internvl needs")))
        has_class = True

    patch = _shape_is(p, "v.patch_embd.weight", (patch_size, patch_size, 3, n_embd),
                      _what(msg("{patch}x{patch} RGB patches to {n_embd} values"),
                            patch=patch_size, n_embd=n_embd))
    _optional_shape(p, "v.patch_embd.bias", (n_embd,), _what(msg("the patch bias")))
    n_pos = grid * grid + (1 if has_class else 0)
    pos = _shape_is(p, "v.position_embd.weight", (n_embd, n_pos),
                    _what(msg("{grid}x{grid} patches and the class token"), grid=grid)
                    if has_class else _what(msg("{grid}x{grid} patches"), grid=grid))
    for t, allowed in ((patch, _PATCH_KERNEL_TYPES), (pos, _EMBEDDING_TYPES),
                       (p.tensors.get("v.class_embd"), _EMBEDDING_TYPES)):
        if t is not None and t.ggml_type not in allowed:
            names = " or ".join(sorted(a.name for a in allowed))
            raise _Bad(msg("tensor {name} is {kind}, llama.cpp needs {kinds} there"),
                       name=t.name, kind=t.ggml_type.name, kinds=names)

    merged = n_embd * n_merge * n_merge  # width of one token after the pixel (un)shuffle
    if projector == "lfm2":
        names = ("mm.1", "mm.2")
        input_norm = _what(msg("the projector's input norm"))
        _optional_shape(p, "mm.input_norm.weight", (merged,), input_norm)
        _optional_shape(p, "mm.input_norm.bias", (merged,), input_norm)
    else:
        names = ("mm.model.mlp.1", "mm.model.mlp.3")
        input_norm = _what(msg("the projector's input norm"))
        _shape_is(p, "mm.model.mlp.0.weight", (merged,), input_norm)
        _shape_is(p, "mm.model.mlp.0.bias", (merged,), input_norm)
    first = p.tensors.get(names[0] + ".weight")
    if first is None or len(first.shape) != 2:
        raise _Bad(msg("it has no 2-D projector tensor {name}"), name=names[0] + ".weight")
    hidden = first.shape[1]
    _shape_is(p, names[0] + ".weight", (merged, hidden),
              _what(msg("{merge}x{merge} merged patches of {n_embd} values in"),
                    merge=n_merge, n_embd=n_embd))
    _shape_is(p, names[0] + ".bias", (hidden,), _what(msg("the projector's first bias")))
    _shape_is(p, names[1] + ".weight", (hidden, proj_dim),
              _what(msg("{key} {n} values out"), key=v + "projection_dim", n=proj_dim))
    _shape_is(p, names[1] + ".bias", (proj_dim,), _what(msg("the projector's output bias")))
    return projector
