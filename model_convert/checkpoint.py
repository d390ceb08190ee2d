"""Read and write Hugging Face checkpoint folders (config.json + safetensors shards).

We read safetensors ourselves instead of through the `safetensors` package because its
numpy API cannot return bfloat16, the dtype most real checkpoints ship in, and because a
converter must check every offset against the file size before trusting it: a truncated
download should be one clear line, not a crash deep inside numpy. The format is small
(8-byte little-endian header length, a JSON header, then raw little-endian data).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model_convert.errors import ConvertError

_DTYPES: dict[str, np.dtype] = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # widened to float32 on read
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_FLOAT_DTYPES = {"F32", "F16", "BF16", "F64"}
_MAX_HEADER = 100 * 1024 * 1024


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]
    file: Path
    offset: int  # absolute byte offset in `file`
    nbytes: int


def _bf16_to_f32(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.uint32) << 16).view(np.float32)


def read_header(path: Path) -> list[TensorInfo]:
    """Parse and validate one .safetensors file's header."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ConvertError(path, "truncated safetensors file (no header)")
            (n,) = struct.unpack("<Q", head)
            if n > _MAX_HEADER or 8 + n > size:
                raise ConvertError(path, f"safetensors header length {n} exceeds the file")
            header = json.loads(f.read(n))
    except OSError as e:
        raise ConvertError(path, f"cannot read: {e.strerror or e}") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConvertError(path, f"corrupt safetensors header: {e}") from e
    if not isinstance(header, dict):
        raise ConvertError(path, "corrupt safetensors header: not a JSON object")

    data_start = 8 + n
    infos = []
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape = meta["dtype"], tuple(int(d) for d in meta["shape"])
            begin, end = (int(x) for x in meta["data_offsets"])
        except (KeyError, TypeError, ValueError) as e:
            raise ConvertError(path, f"corrupt header entry for tensor {name!r}") from e
        if dtype not in _DTYPES:
            raise ConvertError(path, f"tensor {name!r} has unsupported dtype {dtype}")
        expected = int(np.prod(shape, dtype=np.int64)) * _DTYPES[dtype].itemsize
        if end - begin != expected or begin < 0:
            raise ConvertError(path, f"tensor {name!r}: byte range does not match its shape")
        if data_start + end > size:
            raise ConvertError(
                path, f"truncated: tensor {name!r} ends at byte {data_start + end}, file has {size}"
            )
        infos.append(TensorInfo(name, dtype, shape, path, data_start + begin, expected))
    return infos


class Checkpoint:
    """A checkpoint folder: its config and lazily read tensors (memory-mapped)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        if not folder.is_dir():
            raise ConvertError(folder, "not a checkpoint folder (does not exist or not a folder)")
        self.config = read_json(folder / "config.json")
        files = sorted(folder.glob("*.safetensors"))
        if not files:
            raise ConvertError(folder, "no *.safetensors files in the checkpoint folder")
        self._tensors: dict[str, TensorInfo] = {}
        for f in files:
            for info in read_header(f):
                if info.name in self._tensors:
                    raise ConvertError(f, f"tensor {info.name!r} appears in two shards")
                self._tensors[info.name] = info

    @property
    def architecture(self) -> str:
        archs = self.config.get("architectures") or [""]
        return str(archs[0])

    @property
    def source_dtype(self) -> str:
        counts: dict[str, int] = {}
        for t in self._tensors.values():
            counts[t.dtype] = counts.get(t.dtype, 0) + 1
        return max(counts, key=lambda k: counts[k])

    def names(self) -> list[str]:
        return list(self._tensors)

    def info(self, name: str) -> TensorInfo:
        try:
            return self._tensors[name]
        except KeyError:
            raise ConvertError(self.folder, f"missing tensor {name!r}") from None

    def get(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """The tensor as float32 (floats) or its own dtype; checks `shape` if given."""
        info = self.info(name)
        if shape is not None and info.shape != tuple(shape):
            raise ConvertError(
                info.file, f"tensor {name!r} has shape {list(info.shape)}, expected {list(shape)}"
            )
        raw = np.memmap(
            info.file,
            dtype=_DTYPES[info.dtype],
            mode="r",
            offset=info.offset,
            shape=info.shape if info.shape else (1,),
        )
        if info.dtype == "BF16":
            return _bf16_to_f32(np.asarray(raw))
        if info.dtype in _FLOAT_DTYPES:
            return np.asarray(raw, dtype=np.float32)
        return np.asarray(raw)


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConvertError(path, "file is missing") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConvertError(path, f"cannot read: {e}") from e
    except json.JSONDecodeError as e:
        raise ConvertError(path, f"invalid JSON ({e.msg} at line {e.lineno})") from e
    if not isinstance(data, dict):
        raise ConvertError(path, "invalid JSON: expected an object")
    return data


def write_safetensors(
    path: Path,
    shapes: Mapping[str, tuple[int, ...]],
    make: Callable[[str, tuple[int, ...]], np.ndarray],
    dtype: np.dtype,
) -> None:
    """Write one safetensors shard, creating each tensor only when it is written.

    `synth --size full` writes ~3B parameters; making them one at a time keeps the
    memory peak at one tensor instead of the whole model.
    """
    code = {np.dtype("float16"): "F16", np.dtype("float32"): "F32"}[np.dtype(dtype)]
    itemsize = np.dtype(dtype).itemsize
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in shapes.items():
        nbytes = int(np.prod(shape, dtype=np.int64)) * itemsize
        header[name] = {
            "dtype": code,
            "shape": list(shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # keep tensor data 8-byte aligned
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name, shape in shapes.items():
            arr = np.ascontiguousarray(make(name, shape), dtype=dtype)
            if arr.shape != tuple(shape):
                raise ValueError(f"{name}: made {arr.shape}, declared {shape}")
            f.write(arr.tobytes())


def split_shards(
    shapes: Mapping[str, tuple[int, ...]], itemsize: int, max_bytes: int
) -> list[dict[str, tuple[int, ...]]]:
    """Group tensors into shards of at most `max_bytes` (one tensor may exceed it alone)."""
    shards: list[dict[str, tuple[int, ...]]] = [{}]
    size = 0
    for name, shape in shapes.items():
        nbytes = int(np.prod(shape, dtype=np.int64)) * itemsize
        if shards[-1] and size + nbytes > max_bytes:
            shards.append({})
            size = 0
        shards[-1][name] = shape
        size += nbytes
    return shards


def atomic_dir_commit(tmp: Path, final: Path) -> None:
    """Replace `final` with the fully written `tmp` folder in one rename."""
    if final.exists():
        backup = final.with_name(final.name + ".old")
        os.replace(final, backup)
        os.replace(tmp, final)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(tmp, final)
