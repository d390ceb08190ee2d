"""Damaged GGUF files, made from valid ones by precise byte edits.

Each mutation kind is a named function of (file bytes, its layout, a seeded RNG) that
yields `Mutant`s: the same file with one fault put in on purpose — a count, a length, an
offset, a shape, a type, a name or a value rewritten where the parse of the original says
it lives, or the file cut or one bit flipped. Random choices come from
`random.Random(f"{seed}:{kind}:{file name}")`, so a run is reproducible from the seed.

`expect` says what a correct checker does with the mutant: "reject" it, "accept" it (the
file is still well-formed and gguf_check does not look there: llama.cpp itself must
refuse it cleanly or the load probe must catch its abort), or "either" (a bit flip or a
cut that may or may not leave a valid file). `mentions` is a piece of text the rejection
must contain when the fault is one gguf_check names precisely.

The layout parser here is deliberately independent of gguf_check (and trusts its input:
it only ever reads the converter's own valid files).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import gguf

REJECT = "reject"
ACCEPT = "accept"
EITHER = "either"

_SCALAR_WIDTH = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY, _UINT32, _INT32, _FLOAT32 = 8, 9, 4, 5, 6


@dataclass(frozen=True)
class KV:
    key: str
    at: int  # where the key's length field starts
    key_at: int  # the key's bytes
    type_at: int
    vtype: int
    elem_type: int | None  # arrays only
    count_at: int | None  # arrays only
    count: int  # 1 for a scalar
    value_at: int  # a scalar's bytes (a string: its length field); an array's first element
    end: int
    strings: tuple[tuple[int, int], ...] = ()  # (length field at, length): tokens only


@dataclass(frozen=True)
class TensorInfo:
    name: str
    at: int  # the name's length field
    name_at: int
    n_dims_at: int
    dims_at: int
    shape: tuple[int, ...]
    type_at: int
    ggml_type: int
    offset_at: int
    offset: int


@dataclass(frozen=True)
class Layout:
    size: int
    kvs: tuple[KV, ...]
    tensors: tuple[TensorInfo, ...]
    infos_at: int  # first tensor info
    infos_end: int
    data_at: int
    data_end: int  # end of the last tensor's bytes
    alignment: int
    raw: bytes = field(repr=False)  # the file itself

    def kv(self, key: str) -> KV | None:
        return next((k for k in self.kvs if k.key == key), None)

    def tensor(self, name: str) -> TensorInfo | None:
        return next((t for t in self.tensors if t.name == name), None)

    @property
    def architecture(self) -> str:
        arch = self.kv("general.architecture")
        assert arch is not None
        return _read_string(self.raw, arch.value_at)[0]


@dataclass(frozen=True)
class Mutant:
    kind: str
    label: str  # what was done, e.g. "n_kv = 2**63-1"
    data: bytes = field(repr=False)
    expect: str
    mentions: str | None = None
    source: str = ""  # file name of the original

    @property
    def name(self) -> str:
        """A file name for the mutant, unique within one source file's mutants."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.label)[:60]
        stem = self.source.removesuffix(".gguf")
        return f"{stem}--{self.kind}--{safe}.gguf"


# --- reading the original --------------------------------------------------------------


def _u32(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<I", data, at)[0])


def _u64(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<Q", data, at)[0])


def _read_string(data: bytes, at: int) -> tuple[str, int]:
    n = _u64(data, at)
    return data[at + 8 : at + 8 + n].decode("utf-8"), at + 8 + n


def parse_layout(data: bytes) -> Layout:
    """Where every field of a valid GGUF file lives."""
    assert data[:4] == b"GGUF"
    n_tensors, n_kv = _u64(data, 8), _u64(data, 16)
    pos = 24
    kvs: list[KV] = []
    for _ in range(n_kv):
        start = pos
        key, pos = _read_string(data, pos)
        key_at = start + 8
        type_at = pos
        vtype = _u32(data, pos)
        pos += 4
        strings: list[tuple[int, int]] = []
        if vtype == _ARRAY:
            elem, count_at, count = _u32(data, pos), pos + 4, _u64(data, pos + 4)
            pos += 12
            value_at = pos
            if elem == _STRING:
                for _ in range(count):
                    n = _u64(data, pos)
                    if key == "tokenizer.ggml.tokens":
                        strings.append((pos, n))
                    pos += 8 + n
            else:
                pos += count * _SCALAR_WIDTH[elem]
            kvs.append(KV(key, start, key_at, type_at, vtype, elem, count_at, count, value_at,
                          pos, tuple(strings)))
        else:
            value_at = pos
            pos = _read_string(data, pos)[1] if vtype == _STRING else pos + _SCALAR_WIDTH[vtype]
            kvs.append(KV(key, start, key_at, type_at, vtype, None, None, 1, value_at, pos))
    alignment = 32
    for k in kvs:
        if k.key == "general.alignment":
            alignment = _u32(data, k.value_at)
    infos_at = pos
    tensors: list[TensorInfo] = []
    for _ in range(n_tensors):
        start = pos
        name, pos = _read_string(data, pos)
        n_dims_at = pos
        n_dims = _u32(data, pos)
        dims_at = pos + 4
        shape = tuple(_u64(data, dims_at + 8 * d) for d in range(n_dims))
        pos = dims_at + 8 * n_dims
        type_at = pos
        ggml_type = _u32(data, pos)
        offset_at = pos + 4
        offset = _u64(data, offset_at)
        pos = offset_at + 8
        tensors.append(TensorInfo(name, start, start + 8, n_dims_at, dims_at, shape, type_at,
                                  ggml_type, offset_at, offset))
    infos_end = pos
    data_at = -(-pos // alignment) * alignment
    data_end = data_at + max((_tensor_end(t) for t in tensors), default=0)
    return Layout(len(data), tuple(kvs), tuple(tensors), infos_at, infos_end, data_at,
                  data_end, alignment, data)


def _tensor_end(t: TensorInfo) -> int:
    block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(t.ggml_type)]
    n = 1
    for d in t.shape:
        n *= d
    return t.offset + n // block * size


# --- editing -----------------------------------------------------------------------------


def _put(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


def _put_u32(data: bytes, at: int, value: int) -> bytes:
    return _put(data, at, struct.pack("<I", value & 0xFFFF_FFFF))


def _put_u64(data: bytes, at: int, value: int) -> bytes:
    return _put(data, at, struct.pack("<Q", value & 0xFFFF_FFFF_FFFF_FFFF))


def _flip(data: bytes, bit: int) -> bytes:
    i = bit // 8
    return data[:i] + bytes([data[i] ^ (1 << (bit % 8))]) + data[i + 1 :]


Mutation = Callable[[bytes, Layout, random.Random], Iterator[Mutant]]
ABSURD = {"2**63-1": (1 << 63) - 1, "2**64-1": (1 << 64) - 1, "2**32": 1 << 32,
          "2**32+1": (1 << 32) + 1, "2**24+1": (1 << 24) + 1}


def _m(kind: str, label: str, data: bytes, expect: str, mentions: str | None = None) -> Mutant:
    return Mutant(kind, label, data, expect, mentions)


def truncate(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """Cut the file in the header, the metadata, the tensor infos and the data."""
    cuts = {0, 1, 3, 4, 7, 8, 15, 16, 23, 24, lay.infos_at, lay.data_at, lay.data_end - 1}
    cuts |= {rng.randrange(24, lay.infos_at) for _ in range(8)}
    cuts |= {rng.randrange(lay.infos_at, lay.infos_end) for _ in range(4)}
    cuts |= {rng.randrange(lay.data_at, lay.data_end) for _ in range(5)}
    for cut in sorted(cuts):
        yield _m("truncate", f"cut at {cut}", data[:cut],
                 REJECT if cut < lay.data_end else EITHER)


def bitflip_header(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """One flipped bit in the magic, the version or the counts."""
    for bit in sorted(rng.sample(range(24 * 8), 10)):
        out = _flip(data, bit)
        field = bit // 64 * 8 if bit >= 64 else bit // 32 * 4  # the field the bit is in
        version_ok = field == 4 and _u32(out, 4) in (2, 3)
        # one tensor fewer leaves a well-formed file (the last info is read as padding)
        fewer_tensors = field == 8 and _u64(out, 8) < _u64(data, 8)
        yield _m("bitflip_header", f"bit {bit}", out,
                 EITHER if version_ok or fewer_tensors else REJECT)


def bitflip_metadata(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """One flipped bit anywhere in the metadata or the tensor infos: often still valid."""
    for bit in sorted(rng.sample(range(24 * 8, lay.infos_end * 8), 24)):
        yield _m("bitflip_metadata", f"bit {bit}", _flip(data, bit), EITHER)


def absurd_count(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """Tensor, metadata, array and string counts set to huge or off-by-one values."""
    n_tensors, n_kv = len(lay.tensors), len(lay.kvs)
    for label, value in [*ABSURD.items(), ("n+1", None)]:
        yield _m("absurd_count", f"n_tensors = {label}",
                 _put_u64(data, 8, n_tensors + 1 if value is None else value), REJECT)
        yield _m("absurd_count", f"n_kv = {label}",
                 _put_u64(data, 16, n_kv + 1 if value is None else value), REJECT)
    arrays = [k for k in lay.kvs if k.count_at is not None]
    for k in rng.sample(arrays, min(3, len(arrays))):
        assert k.count_at is not None
        for label in ("2**63-1", "2**32", "2**24+1"):
            yield _m("absurd_count", f"{k.key} length = {label}",
                     _put_u64(data, k.count_at, ABSURD[label]), REJECT)
        yield _m("absurd_count", f"{k.key} length + 1", _put_u64(data, k.count_at, k.count + 1),
                 REJECT)
    strings = [k for k in lay.kvs if k.vtype == _STRING]
    for k in rng.sample(strings, min(2, len(strings))):
        for label in ("2**63-1", "2**32"):
            yield _m("absurd_count", f"{k.key} value length = {label}",
                     _put_u64(data, k.value_at, ABSURD[label]), REJECT)
        yield _m("absurd_count", f"{k.key} value length = 1 MiB + 1",
                 _put_u64(data, k.value_at, (1 << 20) + 1), REJECT)
    for k in rng.sample(list(lay.kvs), 2):
        yield _m("absurd_count", f"{k.key} key length = 2**63-1",
                 _put_u64(data, k.at, ABSURD["2**63-1"]), REJECT)
        yield _m("absurd_count", f"{k.key} key length = 0", _put_u64(data, k.at, 0), REJECT)
    t = rng.choice(lay.tensors)
    yield _m("absurd_count", f"{t.name} name length = 2**32", _put_u64(data, t.at, 1 << 32),
             REJECT)
    yield _m("absurd_count", f"{t.name} name length = 64", _put_u64(data, t.at, 64), REJECT)
    yield _m("absurd_count", f"{t.name} dim0 = 2**63-1",
             _put_u64(data, t.dims_at, ABSURD["2**63-1"]), REJECT)


def overlapping_offsets(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A tensor's data offset set to its predecessor's: two tensors share bytes."""
    for i in sorted(rng.sample(range(1, len(lay.tensors)), 3)):
        t, prev = lay.tensors[i], lay.tensors[i - 1]
        yield _m("overlap", f"{t.name} at {prev.name}", _put_u64(data, t.offset_at, prev.offset),
                 REJECT, "overlap")


def offsets_past_eof(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A tensor's data placed at or far beyond the end of the file."""
    t = rng.choice(lay.tensors)
    past = -(-(lay.size - lay.data_at) // lay.alignment) * lay.alignment
    for label, value in (("end of file", past), ("2**63", 1 << 63), ("2**64-32", (1 << 64) - 32)):
        yield _m("past_eof", f"{t.name} at {label}", _put_u64(data, t.offset_at, value), REJECT,
                 "ends at byte")


def misaligned_offsets(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A tensor's data offset moved off the alignment."""
    t = rng.choice(lay.tensors[1:])
    for delta in (1, 8, lay.alignment // 2):
        yield _m("misaligned", f"{t.name} + {delta}", _put_u64(data, t.offset_at, t.offset + delta),
                 REJECT, "alignment")


def _reshape(data: bytes, t: TensorInfo, shape: tuple[int, ...]) -> bytes:
    """The same bytes read as another shape of as many elements (n_dims unchanged)."""
    assert len(shape) == len(t.shape)
    for d, value in enumerate(shape):
        data = _put_u64(data, t.dims_at + 8 * d, value)
    return data


def wrong_shapes(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """The tensors gguf_check knows shapes for, reshaped to as many elements."""
    mmproj = lay.architecture == "clip"
    if mmproj:
        names = ["v.patch_embd.weight", "v.position_embd.weight", "mm.1.weight", "mm.2.weight",
                 "mm.model.mlp.1.weight", "mm.model.mlp.3.weight"]
    else:
        names = ["token_embd.weight"]
    for name in names:
        t = lay.tensor(name)
        if t is None:
            continue
        if len(t.shape) == 4:  # the patch kernel (p, p, 3, n_embd)
            p, _, c, n = t.shape
            shapes = [(n, p, c, p), (p // 2, p * 2, c, n)]
        else:
            a, b = t.shape
            shapes = [(a * 2, b // 2), (b, a)] if b % 2 == 0 else [(a * b, 1)]
        for shape in shapes:
            if shape != t.shape and shape[0] % _block(t) == 0:
                yield _m("wrong_shape", f"{name} {list(shape)}", _reshape(data, t, shape), REJECT,
                         name)


def _block(t: TensorInfo) -> int:
    return int(gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(t.ggml_type)][0])


def layer_shapes(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A layer weight transposed (same bytes): gguf_check does not look, llama.cpp must.

    In the ViT this aborts inside ggml's graph build (the load probe's case); in the LLM
    llama.cpp's loader checks each tensor's shape and refuses cleanly.
    """
    name = "v.blk.0.ffn_up.weight" if lay.architecture == "clip" else "blk.0.ffn_up.weight"
    t = lay.tensor(name)
    if t is not None and t.shape[1] % _block(t) == 0:
        yield _m("layer_shape", f"{name} transposed", _reshape(data, t, t.shape[::-1]), ACCEPT)


def unknown_tensor_type(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A tensor type code ggml does not have (removed, future or absurd)."""
    t = rng.choice(lay.tensors)
    for code in (4, 5, 42, 1000, 1 << 31):
        yield _m("unknown_type", f"{t.name} type {code}", _put_u32(data, t.type_at, code), REJECT,
                 "ggml type")


def unknown_names(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """The architecture and the projector type renamed (same length, still valid text)."""
    for key, what in (("general.architecture", "architecture"),
                      ("clip.projector_type", "projector type")):
        k = lay.kv(key)
        if k is None:
            continue
        value, _ = _read_string(data, k.value_at)
        new = value[:-1] + ("x" if value[-1] != "x" else "y")
        yield _m("unknown_name", f"{key} {new}", _put(data, k.value_at + 8, new.encode()), REJECT,
                 what)


def bad_n_dims(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A tensor's dimension count set to 0, 5 or absurd."""
    for t in rng.sample(list(lay.tensors), 2):
        for n in (0, 5, 0xFFFF_FFFF):
            yield _m("n_dims", f"{t.name} n_dims {n}", _put_u32(data, t.n_dims_at, n), REJECT,
                     "dimensions")


def duplicates(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A tensor name, a key or a vocabulary token rewritten to equal another one."""
    for items, label, mentions in ((lay.tensors, "tensor", "appears twice"),
                                   (lay.kvs, "key", "appears twice")):
        by_len: dict[int, list[tuple[str, int]]] = {}
        for item in items:
            text = item.name if isinstance(item, TensorInfo) else item.key
            at = item.name_at if isinstance(item, TensorInfo) else item.key_at
            by_len.setdefault(len(text), []).append((text, at))
        pairs = [group for group in by_len.values() if len(group) > 1]
        for group in rng.sample(pairs, min(2, len(pairs))):
            (first, _), (second, at) = group[0], group[1]
            yield _m("duplicate", f"{label} {second} as {first}", _put(data, at, first.encode()),
                     REJECT, mentions)
    tokens = lay.kv("tokenizer.ggml.tokens")
    if tokens is not None:
        by_len_tok: dict[int, list[int]] = {}
        for at, n in tokens.strings:
            by_len_tok.setdefault(n, []).append(at)
        group = rng.choice([g for g in by_len_tok.values() if len(g) > 1])
        a, b = rng.sample(group, 2)
        n = _u64(data, a)
        yield _m("duplicate", "vocabulary token repeated",
                 _put(data, b + 8, data[a + 8 : a + 8 + n]), REJECT, "repeats token")


def key_types(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """A uint32 hparam stored as int32 or float32 (same width): clip.cpp asserts on it."""
    if lay.architecture == "clip":
        for key in ("clip.vision.image_size", "clip.vision.projector.scale_factor"):
            k = lay.kv(key)
            if k is not None:
                for vtype in (_INT32, _FLOAT32):
                    yield _m("key_type", f"{key} as type {vtype}", _put_u32(data, k.type_at, vtype),
                             REJECT, "stored as")
    else:
        # llama.cpp's loader checks LLM key types itself and refuses cleanly
        k = lay.kv(f"{lay.architecture}.context_length")
        if k is not None:
            yield _m("key_type", f"{k.key} as int32", _put_u32(data, k.type_at, _INT32), ACCEPT)


def bad_values(data: bytes, lay: Layout, rng: random.Random) -> Iterator[Mutant]:
    """Hparams llama.cpp asserts on or divides by, set to values it cannot take."""
    edits: list[tuple[str, int, str]]
    if lay.architecture == "clip":
        edits = [("clip.vision.projector.scale_factor", 1 if lay.kv("clip.vision.preproc_min_tiles")
                  is None else 3, "scale_factor"),
                 ("clip.vision.image_size", 391, "image_size"),
                 ("clip.vision.patch_size", 0, "patch_size"),
                 ("clip.vision.attention.head_count", 3, "head count"),
                 ("clip.vision.preproc_min_tiles", 5, "preproc_min_tiles"),
                 ("clip.vision.projection_dim", 255, "projection_dim")]
    else:
        arch = lay.architecture
        edits = [(f"{arch}.block_count", 0, "block_count"),
                 (f"{arch}.block_count", 513, "block_count"),
                 (f"{arch}.embedding_length", 128, "token_embd.weight"),
                 (f"{arch}.attention.head_count_kv", 3, "head_count_kv"),
                 (f"{arch}.attention.head_count", 0, "head_count")]
    for key, value, mentions in edits:
        k = lay.kv(key)
        if k is not None and k.vtype == _UINT32:
            yield _m("bad_value", f"{key} = {value}", _put_u32(data, k.value_at, value), REJECT,
                     mentions)
    k = lay.kv("clip.has_vision_encoder")
    if k is not None:
        yield _m("bad_value", "no vision encoder", _put(data, k.value_at, b"\0"), REJECT,
                 "vision encoder")


MUTATIONS: dict[str, Mutation] = {
    "truncate": truncate,
    "bitflip_header": bitflip_header,
    "bitflip_metadata": bitflip_metadata,
    "absurd_count": absurd_count,
    "overlap": overlapping_offsets,
    "past_eof": offsets_past_eof,
    "misaligned": misaligned_offsets,
    "wrong_shape": wrong_shapes,
    "layer_shape": layer_shapes,
    "unknown_type": unknown_tensor_type,
    "unknown_name": unknown_names,
    "n_dims": bad_n_dims,
    "duplicate": duplicates,
    "key_type": key_types,
    "bad_value": bad_values,
}


def mutants(path: Path, seed: int = 0) -> list[Mutant]:
    """Every mutation kind applied to the GGUF file at `path`, deterministically."""
    data = path.read_bytes()
    lay = parse_layout(data)
    out: list[Mutant] = []
    for kind, mutate in MUTATIONS.items():
        rng = random.Random(f"{seed}:{kind}:{path.name}")
        for m in mutate(data, lay, rng):
            assert m.data != data, f"{kind} {m.label} changed nothing"
            out.append(Mutant(m.kind, m.label, m.data, m.expect, m.mentions, path.name))
    return out
