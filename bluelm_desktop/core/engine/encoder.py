"""Tiles → image embeddings: batched where the projector and the hardware gain from it,
cached by content, cancellable between batches, and able to run beside the LLM's prefill.

The batch size is a setting chosen by measurement per machine (`tests/benchmarks`): the
paper found 4 tiles per batch best on a phone NPU; on a 2-core CPU batching gave no
speed-up (DESIGN §5), on a GPU it should. Tiles the cache already holds cost nothing,
so asking again about the same page does no encoding.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bluelm_desktop.core.engine.native import MediaImage, MtmdContext
from bluelm_desktop.core.errors import Cancelled

StopCheck = Callable[[], bool]


def _never() -> bool:
    return False


def tile_key(model_id: str, tile: np.ndarray) -> str:
    """Cache key: the model file and the tile's exact pixels (so also its grid and crop)."""
    h = hashlib.sha256(model_id.encode())
    h.update(str(tile.shape).encode())
    h.update(np.ascontiguousarray(tile).tobytes())
    return h.hexdigest()


def model_id(path: Path) -> str:
    """Identity of a model file that changes when the file does (path, size, mtime)."""
    st = path.stat()
    return f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"


class EmbeddingCache:
    """A thread-safe LRU of tile embeddings, bounded in bytes."""

    def __init__(self, max_bytes: int = 512 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: str, value: np.ndarray) -> None:
        """Keep `value` (made read-only: the engine only reads embeddings), copied only if
        it is a view of a larger array, which it would keep alive."""
        if value.base is not None:
            value = value.copy()
        value.setflags(write=False)
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += value.nbytes
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._bytes -= old.nbytes

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class EncodeStats:
    tiles: int = 0
    cached: int = 0
    batches: int = 0
    encode_s: float = 0.0
    per_batch_s: list[float] = field(default_factory=list)


class TileEncoder:
    """Encodes tiles with one MtmdContext; not thread-safe (one engine thread owns it)."""

    def __init__(self, mtmd: MtmdContext, batch_size: int = 1,
                 cache: EmbeddingCache | None = None) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.mtmd = mtmd
        self.model_id = model_id(mtmd.path)
        self.cache = cache if cache is not None else EmbeddingCache()
        self.batch_size = batch_size if batch_size == 1 or mtmd.supports_batch() else 1

    def encode(self, tiles: Sequence[np.ndarray], should_stop: StopCheck = _never,
               stats: EncodeStats | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (tile index, embeddings) in tile order; raises Cancelled between batches."""
        stats = stats if stats is not None else EncodeStats()
        keys = [tile_key(self.model_id, t) for t in tiles]
        i = 0
        while i < len(tiles):
            if should_stop():
                raise Cancelled("encoding cancelled")
            cached = self.cache.get(keys[i])
            if cached is not None:
                stats.tiles += 1
                stats.cached += 1
                yield i, cached
                i += 1
                continue
            # the next run of uncached tiles, at most one batch long
            j = i
            while j < len(tiles) and j - i < self.batch_size and self.cache.get(keys[j]) is None:
                j += 1
            t0 = time.perf_counter()
            outs = self.mtmd.encode_tiles(list(tiles[i:j]))
            dt = time.perf_counter() - t0
            stats.batches += 1
            stats.encode_s += dt
            stats.per_batch_s.append(dt)
            for k, emb in zip(range(i, j), outs, strict=True):
                self.cache.put(keys[k], emb)
                stats.tiles += 1
                yield k, emb
            i = j


class MediaEncoder:
    """Encodes the image chunks of an image mtmd laid out itself (`MediaImage`), one by
    one, cached by the whole image's pixels and the chunk's index. `encode` takes the
    chunk indices where TileEncoder takes tiles, so BackgroundEncoding runs either."""

    def __init__(self, media: MediaImage, image: np.ndarray,
                 cache: EmbeddingCache | None = None) -> None:
        self.media = media
        self.cache = cache if cache is not None else EmbeddingCache()
        self._key = tile_key(model_id(media.mtmd.path), image)

    def encode(self, chunks: Sequence[int], should_stop: StopCheck = _never,
               stats: EncodeStats | None = None) -> Iterator[tuple[int, np.ndarray]]:
        stats = stats if stats is not None else EncodeStats()
        for k in chunks:
            if should_stop():
                raise Cancelled("encoding cancelled")
            key = f"{self._key}:{k}"
            emb = self.cache.get(key)
            if emb is None:
                t0 = time.perf_counter()
                emb = self.media.encode(k)
                dt = time.perf_counter() - t0
                stats.batches += 1
                stats.encode_s += dt
                stats.per_batch_s.append(dt)
                self.cache.put(key, emb)
            else:
                stats.cached += 1
            stats.tiles += 1
            yield k, emb


class BackgroundEncoding:
    """Runs `TileEncoder.encode` on its own thread, handing embeddings over a queue.

    This is the encode ‖ prefill pipeline: while the encoder thread works on tile k+1,
    the caller prefills tile k into the LLM. The ctypes calls release the GIL, so both
    native computations run at once; their thread counts must add up to the cores
    (ggml's workers spin-wait; oversubscription slows both several-fold, DESIGN §5).
    """

    _DONE = object()

    def __init__(self, encoder: TileEncoder | MediaEncoder, tiles: Sequence[Any],
                 should_stop: StopCheck = _never) -> None:
        self.stats = EncodeStats()
        self._q: queue.Queue[object] = queue.Queue()
        self._stop = should_stop
        self._thread = threading.Thread(
            target=self._run, args=(encoder, tiles), name="tile-encoder", daemon=True
        )
        self._thread.start()

    def _run(self, encoder: TileEncoder | MediaEncoder, tiles: Sequence[Any]) -> None:
        try:
            for item in encoder.encode(tiles, self._stop, self.stats):
                self._q.put(item)
            self._q.put(self._DONE)
        except BaseException as e:  # handed to the consumer, raised there
            self._q.put(e)

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        while True:
            item = self._q.get()
            if item is self._DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def join(self) -> None:
        self._thread.join()
