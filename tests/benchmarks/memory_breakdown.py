"""Where the engine's memory goes, part by part, and what can be cut (issue 16, item 7).

Run on demand (not collected by pytest):

    .venv/bin/python tests/benchmarks/memory_breakdown.py [--llm L --mmproj M]
        [--only baseline,sweep,...] [--tiles 9|3] [--render JSON]

engine_benchmark's memory section measured, for the full-size BlueLM pair (LLM q4_k_m
1,616 MiB mmapped, mmproj 578 MiB), a peak RSS of ×2.3 the two files. This script says
what that memory is, and measures each way to make it smaller, side by side in one run.

Every configuration runs in a fresh child process (its peak is its own, see below) that
loads the pair through the engine exactly as the app does (`EngineClient`), with
llama.cpp's own log on (`BLUELM_NATIVE_LOG=1`, the engine's log switch: llama.cpp then
prints its buffer sizes to stderr, which the parent parses), and walks the app's
stages: the load (split into the load probe, the LLM, the mmproj, the context, by
wrapping the engine's native classes), a text answer, a 9-tile page encoded and
prefilled, a question about it, a text question in another conversation (which keeps the
page's KV cache as a snapshot in RAM), the page's conversation again (restored from the
snapshot), malloc_trim, close. At the end of each stage it records /proc/self/status
(VmRSS, RssAnon, RssFile), the RSS of the model file's mapping (/proc/self/smaps),
ru_maxrss, the engine's own caches (tile embeddings, KV snapshots) and the stage's
*own* peak: before each stage the kernel's
high-water mark is reset (`echo 5 > /proc/self/clear_refs`), so VmHWM at its end is the
highest RSS reached inside that stage, however briefly (a 50 ms sampler misses spikes).
The anonymous memory is then split into its parts by walking glibc's malloc chunks and
counting their resident pages (/proc/self/pagemap; see `anon_layout`), and naming them by
the sizes llama.cpp logs and the engine counts (`classify`).

Configurations (at most 8 child processes; each full engine run takes a few minutes):

- `baseline`: the engine's defaults. Its load probe really runs (a fresh data directory),
  so the probe child's own peak is measured too.
- `sweep`: the LLM alone, contexts of several settings made one after another (n_ubatch,
  n_outputs_max, which positions get logits, n_ctx, flash attention), each driven the
  way the engine drives one (128-position prefill chunks, a question chunk with logits,
  a few decoded tokens; then one 512-position decode, what whole-chunk families do; times
  are the fastest of a few tries), then the LLM again with extra buffer types
  (CPU_REPACK) on; and which of the GGUF's mapped pages a prefill really reads (its pages
  dropped with MADV_DONTNEED, then counted again).
- `cuts`: the engine with the cuts that change nothing it computes: n_ubatch = the
  prefill chunk (128), logits for the last position only with n_outputs_max = 1, the
  embedding cache sharing the engine's array instead of copying it.
- `cuts_malloc`: + glibc: MALLOC_ARENA_MAX=2 and malloc_trim(0) after every request,
  and KV snapshots written to a file (llama_state_seq_save_file) instead of kept in RAM.
- `cuts_lazy_kv`: + the KV cache made resident only where positions are written: the
  buffer llama.cpp memsets at context creation is handed back to the kernel
  (madvise MADV_DONTNEED; fresh anonymous pages read as zeros, so nothing changes), and
  the engine's clear() stops re-zeroing it (llama_memory_clear(data=false)); the context
  is made before the mmproj, so the memset's moment (LLM + the whole KV) stays below the
  later steady state.
- `extra_buffers`: the baseline with BLUELM_EXTRA_BUFFERS=1: llama.cpp's weight
  repacking, the engine's default on AVX2-only CPUs (engine_benchmark's memory figures
  came from such a machine, an AMD EPYC without AVX-512).

The cuts are applied in the child by wrapping llama-cpp-python functions and engine
methods (no product code changes); the report names the product change each stands for.

Writes reports/memory_breakdown.md and .json next to this file (`--render JSON` rewrites
the markdown from a JSON report). Speeds in the report are single measurements on a
2-core machine shared with other test runs: rough, noisy; memory is not.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import engine_benchmark as eb

from model_convert import constants as C

REPORT_NAME: Final = "memory_breakdown"
MiB: Final = 2**20
STAGE_MARK: Final = "@@STAGE "
PAGE: Final = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MADV_DONTNEED: Final = 4
QUESTION_IMAGE: Final = "What is the total amount shown on this screen?"
QUESTION_TEXT: Final = "Name three colours that are common in app icons, and say why."
QUESTION_BACK: Final = "And which button would a user press next?"
ANSWER_TOKENS: Final = 8


@dataclass(frozen=True)
class Config:
    name: str
    what: str
    kind: str = "engine"  # "engine" | "sweep"
    n_ubatch: int = 0  # 0: the engine's (= n_batch)
    n_outputs_max: int = 0  # 0: llama.cpp's (= n_batch)
    last_logits_only: bool = False
    share_embeddings: bool = False
    malloc_trim: bool = False
    snapshots_on_disk: bool = False
    lazy_kv: bool = False
    context_first: bool = False  # make the context (and its KV memset) before the mmproj
    env: tuple[tuple[str, str], ...] = ()
    fresh_probe: bool = False  # a data directory of its own: the load probe runs

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


_CUTS = dict(n_ubatch=128, n_outputs_max=1, last_logits_only=True, share_embeddings=True)
CONFIGS: Final = (
    Config("baseline", "the engine's defaults", fresh_probe=True),
    # (a fixed mmap threshold: every allocation of 1 MiB or more is a mapping of its own, so
    # each buffer is seen even after earlier contexts were freed; the engine runs keep glibc's
    # defaults, as the app has them)
    Config("sweep", "the LLM alone: contexts of several settings; extra buffers",
           kind="sweep", env=(("MALLOC_MMAP_THRESHOLD_", str(MiB)),)),
    Config("cuts", "n_ubatch 128, logits of the last position only (and n_outputs_max 1), "
           "embedding cache without a copy", **_CUTS),
    Config("cuts_malloc", "cuts + MALLOC_ARENA_MAX=2, malloc_trim(0) after each request, "
           "KV snapshots in a file", **_CUTS, malloc_trim=True, snapshots_on_disk=True,
           env=(("MALLOC_ARENA_MAX", "2"),)),
    Config("cuts_lazy_kv", "cuts_malloc + KV cache resident only where written (the context "
           "made before the mmproj)", **_CUTS, malloc_trim=True, snapshots_on_disk=True,
           lazy_kv=True, context_first=True, env=(("MALLOC_ARENA_MAX", "2"),)),
    Config("extra_buffers", "the defaults with extra buffer types (CPU_REPACK) on, as on "
           "an AVX2-only CPU", env=(("BLUELM_EXTRA_BUFFERS", "1"),)),
)
BY_NAME: Final = {c.name: c for c in CONFIGS}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- reading the process's memory -----------------------------------------------------------


def _status() -> dict[str, float]:
    out: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM", "VmSize"):
                out[key] = int(rest.split()[0]) / 1024
    return out


def _smaps(files: Sequence[str]) -> dict[str, Any]:
    """The RSS of each of `files`' mappings (MiB), from /proc/self/smaps."""
    per_file = {f: 0.0 for f in files}
    path = ""
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as f:
        for line in f:
            head = line.split(None, 5)
            if head and "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                path = head[5].strip() if len(head) > 5 else ""
            elif head and head[0] == "Rss:" and path in per_file:
                per_file[path] += int(head[1]) / 1024
    return {"file_rss_mb": {eb._shown(f): mb for f, mb in per_file.items()}}


_ZERO_PFNS: set[int] | None = None
_PFN_MASK: Final = (1 << 55) - 1


def _pagemap(lo: int, n_pages: int) -> Any:
    import numpy as np

    with open("/proc/self/pagemap", "rb") as f:
        f.seek((lo // PAGE) * 8)
        return np.frombuffer(f.read(n_pages * 8), dtype=np.uint64)


def _zero_pfns() -> set[int]:
    """The frames of the kernel's zero page (and huge zero page): an untouched anonymous
    page that is only read maps one of them; it is 'present' in pagemap but no one's RSS.
    Found by reading a fresh mapping (empty when pagemap hides frame numbers: not root)."""
    global _ZERO_PFNS
    if _ZERO_PFNS is None:
        import mmap

        import numpy as np

        size = 8 * MiB
        m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        try:
            buf = np.frombuffer(m, dtype=np.uint8)
            addr = buf.ctypes.data
            libc = ctypes.CDLL("libc.so.6")
            libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            aligned = (addr + 2 * MiB - 1) // (2 * MiB) * (2 * MiB)
            libc.madvise(ctypes.c_void_p(aligned), 4 * MiB, 14)  # MADV_HUGEPAGE
            int(buf[::PAGE].sum())  # read every page
            v = _pagemap(addr, size // PAGE)
            pfns = v & _PFN_MASK
            _ZERO_PFNS = {int(x) for x in pfns[((v >> 63) & 1) == 1] if x}
            del buf, v
        finally:
            with contextlib.suppress(BufferError):
                m.close()
    return _ZERO_PFNS


def resident_bytes(lo: int, hi: int) -> int:
    """Pages of [lo, hi) backed by memory of their own (present, not the zero page)."""
    import numpy as np

    first, last = lo // PAGE, (hi + PAGE - 1) // PAGE
    v = _pagemap(first * PAGE, last - first)
    present = ((v >> 63) & 1) == 1
    zero = _zero_pfns()
    if zero:
        present &= ~np.isin(v & _PFN_MASK, np.array(sorted(zero), dtype=np.uint64))
    return int(present.sum()) * PAGE


def _u64(addr: int) -> int:
    return ctypes.c_uint64.from_address(addr).value


def _walk_chunks(lo: int, hi: int) -> list[dict[str, Any]]:
    """The mmapped malloc chunks laid end to end in one anonymous mapping (the kernel
    merges neighbouring mappings: llama.cpp's buffers are allocated one after another).

    glibc puts an mmapped chunk's header at the start of its own mapping, `off` bytes in
    (0, or more for an aligned allocation: ggml's posix_memalign(64) gives 48), as
    (prev_size = off, size = mapping length − off | IS_MMAPPED). A region where no header
    is found is left as one unknown piece.
    """
    out: list[dict[str, Any]] = []
    pos = lo
    while pos < hi:
        found = None
        for off in range(0, min(PAGE, hi - pos) - 16 + 1, 16):
            prev, size = _u64(pos + off), _u64(pos + off + 8)
            length = (size & ~7) + off
            if (prev == off and size & 7 == 2 and length % PAGE == 0
                    and PAGE <= length <= hi - pos):
                found = (off, length)
                break
        if found is None:
            out.append({"start": pos, "len": hi - pos, "chunk": False})
            break
        off, length = found
        out.append({"start": pos, "len": length, "user": length - off - 16, "chunk": True})
        pos += length
    for c in out:
        c["rss"] = resident_bytes(c["start"], c["start"] + c["len"])
    return out


def anon_layout() -> dict[str, Any]:
    """Every anonymous writable mapping, classified: the main heap, glibc's per-thread
    arenas (64 MiB-aligned heaps followed by their reserved, inaccessible tail), and the
    rest grouped into contiguous runs (the kernel splits a mapping where flags differ, e.g.
    where numpy asked for huge pages) whose mmapped malloc chunks are walked (one per large
    malloc: llama.cpp's buffers, numpy arrays). RSS per piece in bytes."""
    arena_size = 64 * MiB
    vmas: list[dict[str, Any]] = []
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as f:
        for line in f:
            head = line.split(None, 5)
            if head and "-" in head[0] and ":" not in head[0] and len(head) >= 5:
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                vmas.append({"lo": lo, "hi": hi, "perms": head[1], "rss": 0,
                             "path": head[5].strip() if len(head) > 5 else ""})
            elif vmas and head and head[0] == "Rss:":
                vmas[-1]["rss"] = int(head[1]) * 1024
    heap = arenas = small = 0
    groups: list[list[int]] = []  # [lo, hi, rss]
    for i, v in enumerate(vmas):
        if v["path"] == "[heap]":
            heap += v["rss"]
            continue
        if v["path"] or not v["perms"].startswith("rw"):
            continue
        nxt = vmas[i + 1] if i + 1 < len(vmas) else None
        size = v["hi"] - v["lo"]
        if v["lo"] % arena_size == 0 and size <= arena_size and (
                size == arena_size or (nxt is not None and nxt["lo"] == v["hi"]
                                       and nxt["perms"].startswith("---"))):
            arenas += v["rss"]
            continue
        if groups and groups[-1][1] == v["lo"]:
            groups[-1][1] = v["hi"]
            groups[-1][2] += v["rss"]
        else:
            groups.append([v["lo"], v["hi"], v["rss"]])
    pieces: list[dict[str, Any]] = []
    for lo, hi, rss in groups:
        if hi - lo >= MiB:
            for c in _walk_chunks(lo, hi):
                c["start"] = hex(c["start"])
                pieces.append(c)
        else:
            small += rss
    return {"heap": heap, "arenas": arenas, "small_maps": small, "pieces": pieces}


def _small_layout(layout: dict[str, Any]) -> dict[str, Any]:
    """In MiB, for the JSON: the malloc chunks of 1 MiB or more; every other piece (thread
    stacks, unnamed regions, small chunks) lumped into small_maps_mb."""
    pieces, lumped = [], 0
    for p in layout["pieces"]:
        if p["chunk"] and (p["len"] >= MiB or p["rss"] >= MiB):
            pieces.append({"start": p["start"], "mb": p["len"] / MiB,
                           "user_mb": p.get("user", 0) / MiB, "rss_mb": p["rss"] / MiB,
                           "chunk": True})
        else:
            lumped += p["rss"]
    return {"heap_mb": layout["heap"] / MiB, "arenas_mb": layout["arenas"] / MiB,
            "small_maps_mb": (layout["small_maps"] + lumped) / MiB, "pieces": pieces}


def reset_peak() -> bool:
    """Reset the kernel's RSS high-water mark (VmHWM, and with it ru_maxrss)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def malloc_trim() -> None:
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class Recorder:
    """Stages, in order: memory at the end of each and the peak inside it."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = [str(Path(f).resolve()) for f in files]
        self.stages: list[dict[str, Any]] = []
        self.extra: Callable[[], dict[str, Any]] = dict
        self.ru_maxrss_at_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.peak_reset = reset_peak()
        self._t = time.perf_counter()

    def stage(self, name: str, **info: Any) -> dict[str, Any]:
        st = _status()
        rec = {
            "stage": name, "s": time.perf_counter() - self._t,
            "rss_mb": st.get("VmRSS", 0.0), "anon_mb": st.get("RssAnon", 0.0),
            "file_mb": st.get("RssFile", 0.0), "shmem_mb": st.get("RssShmem", 0.0),
            "peak_mb": st.get("VmHWM", 0.0), "vm_size_mb": st.get("VmSize", 0.0),
            "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            **_smaps(self.files), "layout": _small_layout(anon_layout()),
            **self.extra(), **info,
        }
        self.stages.append(rec)
        os.write(2, f"\n{STAGE_MARK}{name}\n".encode())
        self.peak_reset = reset_peak()
        self._t = time.perf_counter()
        return rec


# --- the cuts, applied in the child ---------------------------------------------------------


def _find_glibc_chunk(n_bytes: int) -> int | None:
    """The start of the mapping that ggml_aligned_malloc(n_bytes) made: the mmapped malloc
    chunk of n_bytes + one page (posix_memalign(64, n) above glibc's mmap threshold)."""
    for p in anon_layout()["pieces"]:
        if p["chunk"] and p["len"] == n_bytes + PAGE and p["user"] >= n_bytes:
            return int(p["start"], 16) if isinstance(p["start"], str) else p["start"]
    return None


class Cuts:
    """Wraps llama-cpp-python and engine functions so a child runs with a configuration's
    cuts; also times KV snapshot saves and restores (all configurations)."""

    def __init__(self, cfg: Config, workdir: Path) -> None:
        self.cfg = cfg
        self.workdir = workdir
        self.notes: list[str] = []
        self.snapshot_times: list[dict[str, float]] = []
        self.kv_madvised_mb = 0.0

    def apply(self) -> None:
        import llama_cpp

        from bluelm_desktop.core.engine import encoder, native

        cfg = self.cfg
        if cfg.n_ubatch or cfg.n_outputs_max:
            init = llama_cpp.llama_init_from_model

            def init_from_model(model: Any, params: Any) -> Any:
                if cfg.n_ubatch:
                    params.n_ubatch = min(cfg.n_ubatch, params.n_batch)
                if cfg.n_outputs_max:
                    params.n_outputs_max = cfg.n_outputs_max
                return init(model, params)

            llama_cpp.llama_init_from_model = init_from_model
        if cfg.last_logits_only:
            decode = llama_cpp.llama_decode

            def decode_last(ctx: Any, batch: Any) -> int:
                n = batch.n_tokens
                if n > 1 and batch.logits[n - 1]:
                    for i in range(n - 1):
                        batch.logits[i] = 0
                return decode(ctx, batch)

            llama_cpp.llama_decode = decode_last
        if cfg.share_embeddings:
            original_put = encoder.EmbeddingCache.put

            def put(cache: Any, key: str, value: Any) -> None:
                value.setflags(write=False)  # the engine's own array, kept read-only
                with cache._lock:
                    if key in cache._items:
                        return
                    cache._items[key] = value
                    cache._bytes += value.nbytes
                    while cache._bytes > cache.max_bytes and len(cache._items) > 1:
                        _, old = cache._items.popitem(last=False)
                        cache._bytes -= old.nbytes

            put.original = original_put  # type: ignore[attr-defined]
            encoder.EmbeddingCache.put = put  # type: ignore[method-assign]
        self._wrap_snapshots(native)
        if cfg.lazy_kv:
            self._wrap_lazy_kv(native, llama_cpp)

    def _wrap_snapshots(self, native: Any) -> None:
        ctx_cls = native.LlamaContext
        save, restore = ctx_cls.save_state, ctx_cls.restore_state
        times = self.snapshot_times
        on_disk = self.cfg.snapshots_on_disk
        workdir = self.workdir
        counter = iter(range(10**9))

        class OnDisk:
            """A KV snapshot in a file (what KvCache keeps instead of the bytes)."""

            def __init__(self, path: Path) -> None:
                self.path = path
                self.nbytes = path.stat().st_size

            def __del__(self) -> None:
                with contextlib.suppress(OSError):
                    self.path.unlink()

        def save_state(ctx: Any) -> Any:
            import llama_cpp

            t0 = time.perf_counter()
            if on_disk:
                path = workdir / f"kv-{next(counter)}.state"
                n = llama_cpp.llama_state_seq_save_file(ctx.ptr, str(path).encode(), 0,
                                                        None, 0)
                if n == 0:
                    raise RuntimeError("llama_state_seq_save_file failed")
                out: Any = OnDisk(path)
            else:
                out = save(ctx)
            times.append({"save_s": time.perf_counter() - t0, "mb": out.nbytes / MiB})
            return out

        def restore_state(ctx: Any, state: Any, n_past: int) -> None:
            import llama_cpp

            t0 = time.perf_counter()
            if isinstance(state, OnDisk):
                ctx.clear()
                count = ctypes.c_size_t(0)
                tokens = (llama_cpp.llama_token * 1)()
                n = llama_cpp.llama_state_seq_load_file(
                    ctx.ptr, str(state.path).encode(), 0, tokens, 1, ctypes.byref(count))
                if n == 0:
                    ctx.clear()
                    raise RuntimeError("llama_state_seq_load_file failed")
                ctx.n_past = n_past
                ctx._n_logits = 0
            else:
                restore(ctx, state, n_past)
            times.append({"restore_s": time.perf_counter() - t0,
                          "mb": getattr(state, "nbytes", 0) / MiB})

        ctx_cls.save_state = save_state
        ctx_cls.restore_state = restore_state

    def _wrap_lazy_kv(self, native: Any, llama_cpp: Any) -> None:
        ctx_cls = native.LlamaContext
        init = ctx_cls.__init__
        me = self

        def __init__(ctx: Any, model: Any, *args: Any, **kwargs: Any) -> None:
            init(ctx, model, *args, **kwargs)
            kv = kv_bytes(model, int(llama_cpp.llama_n_ctx(ctx.ptr)))
            base = _find_glibc_chunk(kv)
            if base is None:
                me.notes.append(f"lazy KV: the {kv / MiB:.0f} MiB KV buffer was not found")
                return
            # The whole pages of the buffer (its data starts 64 bytes in; the first and the
            # last page also hold malloc's header and the tail, and stay).
            start, length = base + PAGE, kv - PAGE
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            if libc.madvise(ctypes.c_void_p(start), length, MADV_DONTNEED) != 0:
                me.notes.append(f"lazy KV: madvise failed, errno {ctypes.get_errno()}")
                return
            me.kv_madvised_mb += length / MiB

        def clear(ctx: Any) -> None:  # llama_memory_clear without re-zeroing the buffer
            lib = llama_cpp
            lib.llama_memory_clear(lib.llama_get_memory(ctx._ptr), False)
            ctx.n_past = 0

        ctx_cls.__init__ = __init__
        ctx_cls.clear = clear


def kv_bytes(model: Any, n_ctx: int, type_size: int = 2) -> int:
    """K and V of every layer for n_ctx cells (f16: 2 bytes a value)."""
    import llama_cpp

    n_layer = int(llama_cpp.llama_model_n_layer(model.ptr))
    n_head_kv = int(llama_cpp.llama_model_n_head_kv(model.ptr))
    k, v = model.head_sizes()
    return n_layer * n_head_kv * (k + v) * n_ctx * type_size


# --- the engine child ----------------------------------------------------------------------


def engine_child(cfg: Config, llm: Path, mmproj: Path, tiles_n: int, out: Path) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bluelm-mem-"))
    rec = Recorder([str(llm), str(mmproj)])
    rec.stage("start", note="Python, numpy and the engine's modules imported")
    cuts = Cuts(cfg, workdir)
    cuts.apply()

    import llama_cpp  # noqa: F401  (the libraries load here: counted in "libraries")

    from bluelm_desktop.core.engine import engine as eng
    from bluelm_desktop.core.engine.client import EngineClient
    from bluelm_desktop.core.engine.engine import Done, EngineSettings, ImageReady, Loaded
    from bluelm_desktop.core.engine.native import build_info, use_extra_buffers
    from bluelm_desktop.core.engine.sampling import SamplingParams

    backend = build_info().describe()
    extra_buffers = use_extra_buffers()
    rec.stage("libraries", note="llama.cpp's libraries loaded and its backend initialised")
    stats: dict[str, Any] = {}
    probe_child: dict[str, float] = {}

    # The load's parts, recorded as the engine thread reaches them.
    real_probe, real_model = eng.probe_load, eng.LlamaModel
    real_mtmd, real_ctx = eng.MtmdContext, eng.LlamaContext

    def probe(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        try:
            return real_probe(*a, **k)
        finally:
            after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            probe_child.update({"ran": after > before, "s": time.perf_counter() - t0,
                                "child_peak_mb": after / 1024})
            rec.stage("probe", note="load probe (a child process, when the pair is new)")

    def model(*a: Any, **k: Any) -> Any:
        m = real_model(*a, **k)
        rec.stage("llm", note="LLM loaded (weights mmapped)")
        return m

    made_early: list[Any] = []

    def mtmd(*a: Any, **k: Any) -> Any:
        if cfg.context_first:  # the engine's context, made now: its KV memset comes first
            s = engine.settings
            made_early.append(real_ctx(a[1], n_ctx=s.n_ctx, n_batch=s.n_batch,
                                       n_threads=s.total_threads(),
                                       flash_attention=s.flash_attention,
                                       type_k=s.kv_type_k, type_v=s.kv_type_v))
            rec.stage("context", note="context made (KV cache, compute and output buffers), "
                      "before the mmproj")
        m = real_mtmd(*a, **k)
        rec.stage("mmproj", note="mmproj loaded")
        return m

    def context(*a: Any, **k: Any) -> Any:
        if made_early:
            return made_early.pop()
        c = real_ctx(*a, **k)
        rec.stage("context", note="context made (KV cache, compute and output buffers)")
        return c

    eng.probe_load, eng.LlamaModel, eng.MtmdContext, eng.LlamaContext = (
        probe, model, mtmd, context)

    params, _ = eb.tiling_for(llm)
    tiles, layout = eb.image_tiles(params, seed=7, quick=tiles_n < 9)
    sampling = SamplingParams(temperature=1.0, top_k=0, top_p=1.0, repeat_penalty=1.0,
                              max_tokens=ANSWER_TOKENS, seed=1)
    client = EngineClient(EngineSettings(n_ctx=4096))
    engine = client.engine

    def internals() -> dict[str, Any]:
        images = sum(int(e.nbytes) for _, slots in list(engine._images.values())
                     for e in slots if e is not None)
        kv = engine._kv
        return {"embedding_cache_mb": engine._cache._bytes / MiB,
                "image_slots_mb": images / MiB,
                "snapshots_mb": (kv.snapshot_nbytes / MiB) if kv is not None else 0.0,
                "snapshots": len(kv._snapshots) if kv is not None else 0,
                "snapshot_sizes": [int(x.state.nbytes) for x in kv._snapshots]
                if kv is not None else [],
                "snapshots_in_ram": bool(kv is not None and kv._snapshots and hasattr(
                    kv._snapshots[0].state, "ctypes"))}

    rec.extra = internals

    def after_request() -> None:
        if cfg.malloc_trim:
            malloc_trim()

    def turn_stats(turn: Any) -> dict[str, Any]:
        done = turn.of(Done)
        if turn.failure:
            raise RuntimeError(f"the engine failed: {turn.failure}")
        if not done:
            return {}
        s = done[-1].stats
        return {"ttft_s": s.ttft_s, "prefill_s": s.prefill_s,
                "prefilled": s.prefilled_positions, "prompt_items": s.prompt_items,
                "reused": s.reused_items, "decode_tok_s": s.decode_tok_s}

    def run(stage: str, submit: Callable[[Any], list[int]], note: str) -> None:
        t0 = time.perf_counter()
        turn = client.run(submit)
        wall = time.perf_counter() - t0
        info = turn_stats(turn)
        for e in turn.of(ImageReady):
            info.update({"image_tiles": e.tiles, "image_positions": e.image_tokens,
                         "encode_and_prefill_s": e.encode_s})
        for e in turn.of(Loaded):
            info["load_s"] = e.load_s
        after_request()
        rec.stage(stage, wall_s=wall, note=note, **info)
        stats[stage] = {"wall_s": wall, **info}
        log(f"{cfg.name}: {stage} in {wall:.1f} s, RSS {rec.stages[-1]['rss_mb']:.0f} MB "
            f"(peak {rec.stages[-1]['peak_mb']:.0f})")

    run("loaded", lambda e: [e.load(llm, mmproj)], "the load request done")
    assert engine._model is not None
    model_info = {"n_vocab": engine._model.n_vocab, "n_embd": engine._model.n_embd,
                  "tokens_per_tile": params.tokens_per_tile,
                  "kv_bytes": kv_bytes(engine._model, 4096)}
    run("text_answer", lambda e: [e.ask("chat-a", "Hi, who are you?", params=sampling)],
        f"a text question answered ({ANSWER_TOKENS} tokens)")
    run("image", lambda e: [e.encode_image("doc", "page-1", tiles, layout)],
        f"a {len(tiles)}-tile page encoded and prefilled (prefill-before-Enter)")
    run("image_answer", lambda e: [e.ask("doc", QUESTION_IMAGE, params=sampling)],
        "a question about the page answered")
    run("switch", lambda e: [e.ask("chat-b", QUESTION_TEXT, params=sampling)],
        "a text question in another conversation: the page's KV cache kept as a snapshot")
    run("back", lambda e: [e.ask("doc", QUESTION_BACK, params=sampling)],
        "the page's conversation again: its KV cache restored from the snapshot")
    malloc_trim()
    rec.stage("trimmed", note="malloc_trim(0) (glibc gives back free heap memory)")
    client.close()
    shutil.rmtree(workdir, ignore_errors=True)  # snapshot files (cuts_malloc), if any
    malloc_trim()
    rec.extra = dict
    rec.stage("closed", note="engine closed, malloc_trim(0)")
    result = {"config": cfg.as_dict(), "stages": rec.stages, "stats": stats,
              "model_info": model_info, "backend": backend,
              "extra_buffers": extra_buffers,
              "probe_child": probe_child, "tiles": len(tiles),
              "snapshot_times": cuts.snapshot_times, "notes": cuts.notes,
              "kv_madvised_mb": cuts.kv_madvised_mb,
              "ru_maxrss_at_start_mb": rec.ru_maxrss_at_start,
              "peak_reset_works": rec.peak_reset}
    out.write_text(json.dumps(result))


# --- the sweep child: the LLM alone ----------------------------------------------------------


@dataclass(frozen=True)
class CtxSetting:
    name: str
    n_ctx: int = 4096
    n_ubatch: int = 512
    n_outputs_max: int = 0
    last_logits_only: bool = False
    flash: str = "off"


SWEEP: Final = (
    CtxSetting("engine default: n_ubatch 512, logits for the whole last chunk"),
    CtxSetting("n_ubatch 512, logits for the last position only", last_logits_only=True),
    CtxSetting("n_ubatch 512, last position only, n_outputs_max 1", last_logits_only=True,
               n_outputs_max=1),
    CtxSetting("n_ubatch 128, logits for the whole last chunk", n_ubatch=128),
    CtxSetting("n_ubatch 128, last position only, n_outputs_max 1", n_ubatch=128,
               last_logits_only=True, n_outputs_max=1),
    CtxSetting("n_ubatch 128, last only, n_outputs_max 1, flash attention on", n_ubatch=128,
               last_logits_only=True, n_outputs_max=1, flash="on"),
    CtxSetting("n_ctx 2048 (engine default otherwise)", n_ctx=2048),
)
PREFILL_CHUNKS: Final = 3  # 3 × 128 positions before the question
QUESTION_LEN: Final = 40  # the question chunk: template + question, with logits
DECODE_STEPS: Final = 8
QUESTION_TRIES: Final = 3


def _sweep_context(model: Any, s: CtxSetting, rec: Recorder, label: str = ""
                   ) -> dict[str, Any]:
    import llama_cpp

    from bluelm_desktop.core.engine.native import LlamaContext

    init = llama_cpp.llama_init_from_model
    decode = llama_cpp.llama_decode

    def init_from_model(m: Any, params: Any) -> Any:
        params.n_ubatch = min(s.n_ubatch, params.n_batch)
        params.n_outputs_max = s.n_outputs_max
        return init(m, params)

    def decode_last(ctx: Any, batch: Any) -> int:
        n = batch.n_tokens
        if s.last_logits_only and n > 1 and batch.logits[n - 1]:
            for i in range(n - 1):
                batch.logits[i] = 0
        return decode(ctx, batch)

    llama_cpp.llama_init_from_model, llama_cpp.llama_decode = init_from_model, decode_last
    malloc_trim()
    name = label or s.name
    out: dict[str, Any] = {"setting": s.__dict__, "label": name}
    try:
        base = rec.stage(f"{name} | before")
        t0 = time.perf_counter()
        ctx = LlamaContext(model, n_ctx=s.n_ctx, n_batch=512, n_threads=os.cpu_count(),
                           flash_attention=s.flash)
        out["create_s"] = time.perf_counter() - t0
        out["created"] = rec.stage(f"{name} | created")
        tokens = [(i * 7919) % 50000 + 1000 for i in range(PREFILL_CHUNKS * 128 + 512)]
        # Times: the fastest of a few tries (the machine is shared: others only slow it).
        chunk_s = []
        for k in range(PREFILL_CHUNKS):
            t0 = time.perf_counter()
            ctx.decode_tokens(tokens[k * 128:(k + 1) * 128], logits=False)
            chunk_s.append(time.perf_counter() - t0)
        out["prefill_tok_s"] = 128 / min(chunk_s)
        out["prefilled"] = rec.stage(f"{name} | prefilled {PREFILL_CHUNKS}×128")
        question_s = []
        for _ in range(QUESTION_TRIES):
            ctx.truncate(PREFILL_CHUNKS * 128)
            t0 = time.perf_counter()
            ctx.decode_tokens(tokens[:QUESTION_LEN], logits=True)
            question_s.append(time.perf_counter() - t0)
        out["question_s"] = min(question_s)
        out["question"] = rec.stage(f"{name} | question chunk of {QUESTION_LEN} with logits")
        step_s = []
        for k in range(DECODE_STEPS):
            t0 = time.perf_counter()
            ctx.decode_tokens([tokens[k]], logits=True)
            step_s.append(time.perf_counter() - t0)
        out["decode_tok_s"] = 1 / min(step_s)
        out["decoded"] = rec.stage(f"{name} | {DECODE_STEPS} tokens decoded")
        t0 = time.perf_counter()
        ctx.decode_tokens(tokens[:512], logits=False)
        out["decode_512_s"] = time.perf_counter() - t0
        out["whole_512"] = rec.stage(f"{name} | one 512-position decode")
        out["kv_bytes"] = kv_bytes(model, s.n_ctx)
        ctx.close()
        malloc_trim()
        out["closed"] = rec.stage(f"{name} | closed")
        out["base"] = base
    finally:
        llama_cpp.llama_init_from_model, llama_cpp.llama_decode = init, decode
    return out


def _drop_file_pages(path: str) -> int:
    """MADV_DONTNEED on this process's mappings of `path`: its pages leave the RSS (they stay
    in the page cache) until touched again. Returns the bytes advised."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    done = 0
    for line in Path("/proc/self/maps").read_text(encoding="utf-8").splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].strip() == path:
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if libc.madvise(ctypes.c_void_p(lo), hi - lo, MADV_DONTNEED) == 0:
                done += hi - lo
    return done


def _touch_after_drop(model: Any, rec: Recorder, label: str) -> dict[str, Any]:
    """Which of the model file's pages a real prefill and decode use again."""
    from bluelm_desktop.core.engine.native import LlamaContext

    path = str(model.path.resolve())
    advised = _drop_file_pages(path)
    dropped = rec.stage(f"{label} | file pages dropped")
    ctx = LlamaContext(model, n_ctx=1024, n_batch=128, n_threads=os.cpu_count(),
                       flash_attention="off")
    ctx.decode_tokens([(i * 7919) % 50000 + 1000 for i in range(128)], logits=True)
    for k in range(4):
        ctx.decode_tokens([1000 + k], logits=True)
    used = rec.stage(f"{label} | after 128 prefilled + 4 decoded")
    ctx.close()
    return {"advised_mb": advised / MiB, "dropped": dropped, "used": used}


def sweep_child(llm: Path, out: Path) -> None:
    rec = Recorder([str(llm)])
    rec.stage("start")
    import llama_cpp  # noqa: F401

    from bluelm_desktop.core.engine.native import LlamaModel, init_backend

    init_backend()
    rec.stage("libraries")
    result: dict[str, Any] = {"contexts": []}
    os.environ["BLUELM_EXTRA_BUFFERS"] = "0"
    t0 = time.perf_counter()
    model = LlamaModel(llm)
    result["load_s"] = time.perf_counter() - t0
    result["loaded"] = rec.stage("LLM loaded (extra buffers off)")
    result["model_info"] = {"n_vocab": model.n_vocab, "n_embd": model.n_embd,
                            "tokens_per_tile": 0}
    for s in SWEEP:
        log(f"sweep: {s.name}")
        result["contexts"].append(_sweep_context(model, s, rec))
    result["file_pages"] = _touch_after_drop(model, rec, "extra buffers off")
    model.close()
    malloc_trim()
    result["closed"] = rec.stage("LLM closed")
    log("sweep: the LLM with extra buffers (CPU_REPACK)")
    os.environ["BLUELM_EXTRA_BUFFERS"] = "1"
    t0 = time.perf_counter()
    model = LlamaModel(llm)
    result["repack_load_s"] = time.perf_counter() - t0
    result["repack_loaded"] = rec.stage("LLM loaded (extra buffers on)")
    result["repack_context"] = _sweep_context(model, SWEEP[0], rec,
                                              f"{SWEEP[0].name}, CPU_REPACK")
    result["repack_file_pages"] = _touch_after_drop(model, rec, "extra buffers on")
    model.close()
    result["stages"] = rec.stages
    out.write_text(json.dumps(result))


# --- the parent: run the children, read llama.cpp's log ---------------------------------------

_LOG_PATTERNS: Final = (
    ("kv_buffer", re.compile(r"llama_kv_cache:\s+(\S+) KV buffer size =\s+([\d.]+) MiB")),
    ("kv_total", re.compile(r"llama_kv_cache: size =\s+([\d.]+) MiB")),
    ("compute", re.compile(r"(\w+):\s+(\S+) compute buffer size =\s+([\d.]+) MiB")),
    ("output", re.compile(r"(\S+)\s+output buffer size =\s+([\d.]+) MiB")),
    ("model_buffer", re.compile(r"(\S+) model buffer size =\s+([\d.]+) MiB")),
    ("clip_model", re.compile(r"load_hparams: model size:\s+([\d.]+) MiB")),
    ("repacked", re.compile(r"repack: repack tensor")),
    ("n_outputs_max", re.compile(r"n_outputs_max\s+=\s+(\d+)")),
    ("n_ubatch", re.compile(r"llama_context: n_ubatch\s+=\s+(\d+)")),
)


def parse_log(text: str) -> list[dict[str, Any]]:
    """llama.cpp's buffer lines, each with the stage it was printed in (the next marker)."""
    found: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    for line in text.splitlines():
        if line.startswith(STAGE_MARK):
            stage = line[len(STAGE_MARK):].strip()
            for f in pending:
                f["stage"] = stage
            found += pending
            pending = []
            continue
        for kind, rx in _LOG_PATTERNS:
            m = rx.search(line)
            if m:
                pending.append({"kind": kind, "groups": list(m.groups()), "line": line.strip()})
    for f in pending:
        f["stage"] = None
    return found + pending


def run_child(cfg: Config, pair: eb.ModelPair, tiles: int, tmp: Path,
              data_dir: Path) -> dict[str, Any]:
    out = tmp / f"{cfg.name}.json"
    err = tmp / f"{cfg.name}.log"
    env = dict(os.environ)
    env.update({"BLUELM_NATIVE_LOG": "1", "GGML_NO_BACKTRACE": "1",
                "BLUELM_DATA_DIR": str(data_dir if not cfg.fresh_probe
                                       else tmp / f"data-{cfg.name}")})
    env.update(dict(cfg.env))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", cfg.name, str(out),
           "--llm", str(pair.llm), "--mmproj", str(pair.mmproj), "--tiles", str(tiles)]
    t0 = time.perf_counter()
    with open(err, "w", encoding="utf-8") as f:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=f, env=env, check=False,
                              timeout=3600)
    text = err.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0 or not out.is_file():
        tail = "\n".join(text.splitlines()[-15:])
        return {"config": cfg.as_dict(), "error": f"exit {proc.returncode}: {tail}"}
    data = json.loads(out.read_text(encoding="utf-8"))
    data["config"] = cfg.as_dict()
    data["log"] = parse_log(text)
    data["child_s"] = time.perf_counter() - t0
    return data


# --- analysis -------------------------------------------------------------------------------


def _stage(run: dict[str, Any], name: str) -> dict[str, Any]:
    for s in run["stages"]:
        if s["stage"] == name:
            return s
    raise KeyError(name)


def _logged(run: dict[str, Any], kind: str, pick: Callable[[list[str]], bool] = lambda g: True,
            stage: str | None = None) -> list[float]:
    """Sizes (MiB) llama.cpp logged, of one kind, in order (optionally of one stage)."""
    return [float(f["groups"][-1]) for f in run.get("log", [])
            if f["kind"] == kind and pick(f["groups"]) and (stage is None or f["stage"] == stage)]


def _is_llm_compute(g: list[str]) -> bool:
    return g[0] in ("sched_reserve", "llama_context", "graph_reserve")


def _is_vision_compute(g: list[str]) -> bool:
    return g[0] in ("reserve_compute_meta", "alloc_compute_meta", "warmup")


def _fits(user_mb: float, size_mb: float, slack_mb: float = 0.02) -> bool:
    """A chunk of `user_mb` usable MiB holds an allocation of `size_mb` (logged to 0.01)."""
    return -slack_mb <= user_mb - size_mb <= PAGE / MiB + slack_mb


# (key, label) in table order; every anonymous byte lands in exactly one of these.
ANON_PARTS: Final = (
    ("kv", "KV cache (f16, n_ctx 4096; llama.cpp zeroes it at creation: all resident)"),
    ("snapshot", "KV snapshot of the page's conversation (KvCache, in RAM)"),
    ("mmproj", "mmproj weights (clip reads them into RAM: no mmap)"),
    ("repack", "CPU_REPACK: repacked copy of the LLM weights (extra buffer types)"),
    ("llm_compute", "LLM compute buffer (resident part of the reserve)"),
    ("vision_compute", "vision (ViT) compute buffer"),
    ("output", "output buffer: logits of every position that asked for them"),
    ("embeddings", "tile embeddings: engine's arrays + the embedding cache's copies"),
    ("arenas", "glibc per-thread malloc arenas (engine, encoder, OpenMP threads), "
               "less the embeddings in them"),
    ("heap", "main malloc heap (Python objects, llama.cpp's small allocations)"),
    ("small", "small anonymous mappings (pymalloc arenas, thread stacks, libraries' data)"),
    ("other", "other large allocations (graph metadata, numpy temporaries, ...)"),
    ("unattributed", "difference between RssAnon and the sum of the mappings read"),
)


def classify(run: dict[str, Any], st: dict[str, Any], before: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """The anonymous memory of a stage, per part (MiB resident), from the stage's mappings
    and the buffer sizes llama.cpp logged. Also each part's reserved (virtual) size.

    `before`: a stage before the context was made; its chunks (the vocabulary's tables,
    some of them multiples of n_vocab) are never taken for logits or embeddings."""
    old = {p["start"] for p in before["layout"]["pieces"]} if before else set()
    info = run.get("model_info", {})
    row_mb = info.get("n_vocab", 0) * 4 / MiB  # one position's logits
    emb_mb = info.get("tokens_per_tile", 0) * info.get("n_embd", 0) * 4 / MiB
    kv = _logged(run, "kv_buffer")
    llm_c = _logged(run, "compute", _is_llm_compute)
    vis_c = _logged(run, "compute", _is_vision_compute)
    clip = _logged(run, "clip_model")
    repack = _logged(run, "model_buffer", lambda g: "REPACK" in g[0])
    in_ram = st.get("snapshots_in_ram")
    snaps = [x / MiB for x in st.get("snapshot_sizes", [])] if in_ram else []
    rss = {k: 0.0 for k, _ in ANON_PARTS}
    size = {k: 0.0 for k, _ in ANON_PARTS}
    pieces_of: dict[str, list[str]] = {k: [] for k, _ in ANON_PARTS}
    lay = st["layout"]
    for p in lay["pieces"]:
        u = p["user_mb"]
        key = "other"
        if not p["chunk"]:
            key = "small"
        elif any(_fits(u, x) for x in kv):
            key = "kv"
        elif any(_fits(u, x) for x in llm_c):
            key = "llm_compute"
        elif any(_fits(u, x) for x in vis_c):
            key = "vision_compute"
        elif any(_fits(u, x, 2.0) for x in clip):
            key = "mmproj"
        elif any(_fits(u, x, 1.0) for x in repack):
            key = "repack"
        elif any(_fits(u, x, 0.01) for x in snaps):
            key = "snapshot"
        elif p["start"] in old:
            key = "other"
        elif row_mb and u >= row_mb and (u % row_mb) <= (PAGE + 64) / MiB:
            key = "output"
        elif emb_mb and u >= emb_mb and (u % emb_mb) <= (PAGE + 64) / MiB:
            key = "embeddings"
        rss[key] += p["rss_mb"]
        size[key] += p["mb"]
        pieces_of[key].append(f"{p['mb']:.1f}")
    rss["heap"] += lay["heap_mb"]
    rss["arenas"] += lay["arenas_mb"]
    rss["small"] += lay["small_maps_mb"]

    def move(key: str, want: float, sources: Sequence[str]) -> None:
        """Bytes the engine or llama.cpp is known to hold that no chunk of their own showed
        (glibc put them in a heap, or a split mapping hid the chunk's header)."""
        missing = want - rss[key]
        for src in sources:
            if missing <= 0.5:
                break
            take = min(missing, rss[src])
            rss[src] -= take
            rss[key] += take
            missing -= take

    move("snapshot", sum(snaps), ("small", "other"))
    move("output", logit_rows(run, st["stage"]) * row_mb, ("arenas", "heap", "other"))
    # the engine's embeddings that are no mapping of their own live in the malloc heaps
    engine_emb = st.get("embedding_cache_mb", 0.0) + st.get("image_slots_mb", 0.0)
    if run["config"].get("share_embeddings"):
        engine_emb = max(st.get("embedding_cache_mb", 0.0), st.get("image_slots_mb", 0.0))
    in_heaps = max(0.0, engine_emb - rss["embeddings"])
    take = min(in_heaps, rss["arenas"])
    rss["arenas"] -= take
    rss["heap"] -= min(in_heaps - take, rss["heap"])
    rss["embeddings"] += in_heaps
    rss["unattributed"] = st["anon_mb"] + st.get("shmem_mb", 0.0) - sum(rss.values())
    size["kv"] = max(size["kv"], kv[0] if kv else 0.0)
    return {"rss": rss, "size": size, "pieces": pieces_of,
            "logged": {"kv": kv, "llm_compute": llm_c, "vision_compute": vis_c, "clip": clip,
                       "repack": repack}}


def logit_rows(run: dict[str, Any], stage: str) -> int:
    """Rows of logits llama.cpp's output buffer holds by `stage` (it only grows): the
    largest chunk that asked for logits so far, from the engine's per-request stats (an
    answer's last chunk is all its positions when it prefilled ≤ n_chunk of them)."""
    if run.get("config", {}).get("last_logits_only"):
        return 1
    rows = 0
    for s in run.get("stages", []):
        st = run.get("stats", {}).get(s["stage"], {})
        if "prefilled" in st and st.get("prompt_items"):
            p = st["prefilled"]
            rows = max(rows, p - 128 * ((p - 1) // 128) if p > 0 else 1)
        if s["stage"] == stage:
            break
    return rows


def breakdown(run: dict[str, Any], at: str) -> dict[str, Any]:
    """The RSS at stage `at` as parts that sum to it (MiB)."""
    st = _stage(run, at)
    gguf = next(iter(st["file_rss_mb"].values()), 0.0)
    c = classify(run, st, _stage(run, "llm"))
    rows = [{"key": "gguf", "part": "LLM weights: the GGUF file, mmapped (file-backed: shared "
             "with the page cache, evictable)", "mb": gguf},
            {"key": "files", "part": "other file-backed pages (python, numpy, llama.cpp .so)",
             "mb": st["file_mb"] - gguf}]
    rows += [{"key": k, "part": label, "mb": c["rss"][k], "reserved_mb": c["size"][k]}
             for k, label in ANON_PARTS]
    return {"stage": at, "rss_mb": st["rss_mb"], "anon_mb": st["anon_mb"],
            "file_mb": st["file_mb"], "peak_mb": st["peak_mb"], "rows": rows,
            "sum_mb": sum(r["mb"] for r in rows), "logged": c["logged"]}


def stage_table(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Per stage: RSS at its end, its own peak, the transient above both of its ends."""
    out = []
    prev = None
    for s in run["stages"]:
        try:
            llm = _stage(run, "llm")
        except KeyError:
            llm = None
        c = classify(run, s, llm) if "layout" in s else None
        top = max(s["rss_mb"], prev["rss_mb"] if prev else 0.0)
        out.append({"stage": s["stage"], "note": s.get("note", ""), "rss_mb": s["rss_mb"],
                    "anon_mb": s["anon_mb"], "file_mb": s["file_mb"], "peak_mb": s["peak_mb"],
                    "transient_mb": max(0.0, s["peak_mb"] - top),
                    "wall_s": s.get("wall_s"),
                    "parts": c["rss"] if c else {}})
        prev = s
    return out


def sweep_table(sweep: dict[str, Any]) -> list[dict[str, Any]]:
    """Per context setting: reserved and resident compute buffer, output buffer, anon growth
    over the context's life, times."""
    rows = []
    fake = {"log": sweep.get("log", []), "config": {}, "model_info": sweep.get("model_info", {})}
    contexts = list(sweep["contexts"]) + ([sweep["repack_context"] | {"repack": True}]
                                          if "repack_context" in sweep else [])
    for ctx in contexts:
        name = ctx.get("label", ctx["setting"]["name"])
        label = name
        created = f"{name} | created"
        reserved = _logged(fake, "compute", _is_llm_compute, stage=created)
        ctx_log = [f for f in sweep.get("log", []) if f["stage"] == created]
        fake_ctx = dict(fake, log=ctx_log)
        row: dict[str, Any] = {"setting": label, "n_ctx": ctx["setting"]["n_ctx"],
                               "compute_reserved_mb": reserved[-1] if reserved else None,
                               "kv_mb": (_logged(fake_ctx, "kv_buffer") or [None])[0]}
        base = ctx["base"]["anon_mb"]
        for phase in ("created", "prefilled", "question", "decoded", "whole_512"):
            st = ctx[phase]
            c = classify(fake_ctx, st, ctx["base"])
            row[phase] = {"anon_growth_mb": st["anon_mb"] - base,
                          "compute_mb": c["rss"]["llm_compute"],
                          "output_mb": c["rss"]["output"], "kv_mb": c["rss"]["kv"],
                          "peak_growth_mb": st["peak_mb"] - ctx["base"]["rss_mb"]}
        row["closed_growth_mb"] = ctx["closed"]["anon_mb"] - base
        for k in ("prefill_tok_s", "question_s", "decode_tok_s", "decode_512_s", "create_s"):
            row[k] = ctx.get(k)
        rows.append(row)
    return rows


# --- report --------------------------------------------------------------------------------


def _ok(r: dict[str, Any], name: str) -> dict[str, Any] | None:
    run = r["runs"].get(name)
    return run if run is not None and "error" not in run else None


def _part(run: dict[str, Any] | None, stage: str, key: str) -> float | None:
    if run is None:
        return None
    for row in run["breakdown"][stage]["rows"]:
        if row["key"] == key:
            return float(row["mb"])
    return None


def _st(run: dict[str, Any] | None, stage: str, key: str = "rss_mb") -> float | None:
    if run is None:
        return None
    try:
        return float(_stage(run, stage)[key])
    except KeyError:
        return None


def _peak(run: dict[str, Any] | None) -> tuple[float, str] | None:
    """The process's peak RSS (the highest stage peak) and the stage it was reached in."""
    if run is None:
        return None
    best = max(run["stages"], key=lambda s: s["peak_mb"])
    return best["peak_mb"], best["stage"]


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _sweep_row(r: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    sweep = _ok(r, "sweep")
    if sweep is None:
        return None
    return next((row for row in sweep["sweep_table"] if row["setting"].startswith(prefix)),
                None)


def cut_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Each cut: the product change, MB saved where measured, what it costs."""
    base, cuts = _ok(r, "baseline"), _ok(r, "cuts")
    cm, lazy, extra = _ok(r, "cuts_malloc"), _ok(r, "cuts_lazy_kv"), _ok(r, "extra_buffers")
    rows: list[dict[str, Any]] = []
    sweep_run = _ok(r, "sweep")
    d0 = _sweep_row(r, "engine default")
    d128 = _sweep_row(r, "n_ubatch 128, last position only")
    d128all = _sweep_row(r, "n_ubatch 128, logits for the whole")
    dlast = _sweep_row(r, "n_ubatch 512, logits for the last position only")
    fa = _sweep_row(r, "n_ubatch 128, last only, n_outputs_max 1, flash")
    half = _sweep_row(r, "n_ctx 2048")

    def sweep_saving(a: dict[str, Any] | None, b: dict[str, Any] | None, phase: str,
                     key: str = "anon_growth_mb") -> float | None:
        if a is None or b is None:
            return None
        return a[phase][key] - b[phase][key]

    # 1. logits of the last position only
    out_base = _part(base, "back", "output")
    out_cut = _part(cuts, "back", "output")
    q0, q1 = (d0 or {}).get("question_s"), (dlast or {}).get("question_s")
    rows.append({
        "cut": "logits for the last position of a chunk only",
        "change": "native.LlamaContext._decode: batch.logits[i] = 1 only for i = n − 1 "
                  "(the sampler reads llama_get_logits_ith(−1) only), and _n_logits = 1 so "
                  "that LlamaContext.logits() reads that one row. llama.cpp's output buffer "
                  "only grows, to the "
                  "most rows any decode asked for (n_vocab × 4 B = 0.38 MiB a row, up to 128 "
                  "rows = 49 MiB). (n_outputs_max = 1 as well changes nothing measurable: "
                  "the compute reserve stays 299.01 MiB, set by the attention scores, which "
                  "the logits reuse)",
        "saved_mb": _diff(out_base, out_cut),
        "where": "engine: output buffer after the page's conversation came back "
                 "(baseline vs cuts)",
        "cost": (f"none; faster: the question chunk of {QUESTION_LEN} positions took "
                 f"{q0:.2f} s with every position's logits, {q1:.2f} s with the last one's "
                 "(sweep, one noisy measurement)") if q0 and q1 else "none (faster)",
    })
    # 2. n_ubatch = the prefill chunk
    rows.append({
        "cut": "n_ubatch = the prefill chunk (128) instead of n_batch (512)",
        "change": "native.LlamaContext: params.n_ubatch = n_chunk (EngineSettings.n_chunk) "
                  "where the family decodes chunks of at most n_chunk positions (BlueLM, "
                  "lfm2, internvl); keep n_ubatch = n_batch for families that decode whole "
                  "image chunks (non-causal Gemma 3 needs n_ubatch ≥ the chunk; M-RoPE "
                  "chunks were decoded whole to match llama.cpp's own path)",
        "saved_mb": _diff(_part(base, "back", "llm_compute"), _part(cuts, "back", "llm_compute")),
        "reserved_mb": _diff((d0 or {}).get("compute_reserved_mb"),
                             (d128 or {}).get("compute_reserved_mb")),
        "where": "engine: resident LLM compute buffer after the page's conversation came "
                 "back (baseline vs cuts, which also has n_outputs_max 1); the reserve "
                 "(virtual) shrinks by reserved_mb",
        "cost": (f"none expected: the engine's decodes are ≤ 128 positions anyway, so "
                 f"llama.cpp runs the same graphs (sweep, fastest 128-position chunk: "
                 f"{d0['prefill_tok_s']:.1f} tok/s at n_ubatch 512, "
                 f"{d128all['prefill_tok_s']:.1f} and {d128['prefill_tok_s']:.1f} at 128: "
                 "noise)") if d0 and d128all and d128 else "none expected",
        "worst_case_mb": sweep_saving(d0, d128, "whole_512"),
    })
    # 3. embedding cache without a copy
    rows.append({
        "cut": "embedding cache keeps the engine's array instead of a copy",
        "change": "encoder.EmbeddingCache.put: store `value` itself, made read-only "
                  "(value.setflags(write=False)), not value.copy(); the embeddings come "
                  "from MtmdContext._out, which already copies them out of mtmd",
        "saved_mb": _diff(_part(base, "back", "embeddings"), _part(cuts, "back", "embeddings")),
        "where": "engine: tile embeddings (baseline vs cuts), 9 tiles × 196 × 2560 × 4 B",
        "cost": "none",
    })
    # 4. glibc
    arena = lambda run, st: None if run is None else (  # noqa: E731
        (_part(run, st, "arenas") or 0) + (_part(run, st, "heap") or 0)
        + (_part(run, st, "other") or 0) + (_part(run, st, "small") or 0))
    rows.append({
        "cut": "glibc: MALLOC_ARENA_MAX=2 and malloc_trim(0) after each request",
        "change": "app start: os.environ.setdefault('MALLOC_ARENA_MAX', '2') before threads "
                  "start (or mallopt(M_ARENA_MAX, 2) via ctypes); Engine._run: "
                  "ctypes.CDLL('libc.so.6').malloc_trim(0) after each request (Linux/glibc)",
        "saved_mb": _diff(arena(cuts, "back"), arena(cm, "back")),
        "trim_alone_mb": _diff(_st(base, "back"), _st(base, "trimmed")),
        "where": "engine: heap + arenas + small mappings + other large allocations "
                 "(cuts vs cuts_malloc); trim_alone_mb: the baseline before and after one "
                 "malloc_trim(0)",
        "cost": "malloc_trim takes milliseconds after a request",
    })
    # 5. snapshots on disk
    snap = _part(base, "back", "snapshot")
    times = lambda run, k: [t[k] for t in (run or {}).get("snapshot_times", [])  # noqa: E731
                            if k in t]
    s_ram, s_disk = times(base, "save_s"), times(cm, "save_s")
    r_ram, r_disk = times(base, "restore_s"), times(cm, "restore_s")
    rows.append({
        "cut": "KV snapshots in a file instead of RAM",
        "change": "LlamaContext.save_state/restore_state → llama_state_seq_save_file / "
                  "llama_state_seq_load_file into the cache directory (KvCache keeps the "
                  "path and the size; delete the files when a snapshot is dropped and at "
                  "exit). The page cache holds them while RAM is free, and the kernel can "
                  "drop them; the app's RSS does not",
        "saved_mb": snap,
        "where": "engine: KV snapshot of the page's conversation (baseline; 0 in cuts_malloc)",
        "cost": (f"saving {s_ram[0]:.2f} s in RAM vs {s_disk[0]:.2f} s to a file, restoring "
                 f"{r_ram[0]:.2f} s vs {r_disk[0]:.2f} s (one measurement each, noisy); "
                 "the document's KV on disk (in the app's cache directory: mind privacy)")
        if s_ram and s_disk and r_ram and r_disk else "seconds at a conversation switch",
    })
    # 6. lazy KV
    rows.append({
        "cut": "KV cache resident only where positions are written",
        "change": "llama.cpp memsets the whole KV buffer when the context is made "
                  "(llama_kv_cache constructor, ggml_backend_buffer_clear; llama.cpp issues "
                  "#7474, #9671): fresh anonymous memory is zero already. Without a llama.cpp "
                  "patch: after llama_init_from_model, madvise(MADV_DONTNEED) the KV buffer's "
                  "whole pages (found as this script does); and LlamaContext.clear() calls "
                  "llama_memory_clear(mem, False), which does not re-zero it",
        "saved_mb": _diff(_part(cm, "back", "kv"), _part(lazy, "back", "kv")),
        "saved_at_load_mb": _diff(_part(cm, "loaded", "kv"), _part(lazy, "loaded", "kv")),
        "note": (f"the memset still runs in llama_init_from_model: RSS rose to "
                 f"{_st(lazy, 'context', 'peak_mb'):.0f} while the context was made (the LLM + "
                 "the whole KV) before the madvise gave the pages back; cuts_lazy_kv therefore "
                 "makes the context before the mmproj (Engine._do_load: LlamaContext before "
                 "MtmdContext), so that moment stays below the later steady state; a llama.cpp "
                 "that skips the clear has no such moment") if lazy else "",
        "where": "engine: resident KV after the page's conversation came back; "
                 "saved_at_load_mb: right after the load (cuts_malloc vs cuts_lazy_kv)",
        "cost": "none measured; relies on glibc's chunk layout to find the buffer (a hack: "
                "a llama.cpp option to skip the clear is the clean form); clear(data=false) "
                "leaves stale K/V in cells beyond the used ones, which attention masks "
                "(llama.cpp zeroes them to avoid floating-point differences in padding)",
    })
    # 7. extra buffers (already off here)
    rows.append({
        "cut": "no weight repacking (extra buffer types off): already the default on this "
               "AVX-512 CPU, on by default on AVX2-only CPUs",
        "change": "native.use_extra_buffers(): off on AVX2 too, or madvise(MADV_DONTNEED) "
                  "the GGUF mapping after load when they are on (the repacked tensors' file "
                  "pages stay mapped and resident, never read again)",
        "saved_mb": _diff(_st(extra, "back"), _st(base, "back")),
        "dead_pages_mb": _diff(
            (sweep_run or {}).get("repack_file_pages", {}).get("advised_mb"),
            (sweep_run or {}).get("repack_file_pages", {}).get("used", {}).get("file_mb")),
        "where": "engine: RSS after the page's conversation came back (extra_buffers vs "
                 "baseline); dead file pages: of the GGUF mapped with repacking on, what a "
                 "prefill and decode never read back (sweep: pages dropped, then counted)",
        "cost": "on this CPU none (repacked kernels are slower here, cpu_builds.md); on an "
                "AVX2 CPU repacking is llama.cpp's faster path: measure there",
    })
    # 8. capability trades
    rows.append({
        "cut": "n_ctx 2048 instead of 4096",
        "change": "EngineSettings.n_ctx",
        "saved_mb": sweep_saving(d0, half, "decoded"),
        "where": "sweep: anonymous growth of a context (KV halves)",
        "cost": "a 9-tile page takes 1,764 positions: at 2,048 almost nothing is left for "
                "the conversation; not a cut for documents",
    })
    rows.append({
        "cut": "flash attention on",
        "change": "EngineSettings.flash_attention",
        "saved_mb": sweep_saving(d128, fa, "decoded"),
        "reserved_mb": _diff((d128 or {}).get("compute_reserved_mb"),
                             (fa or {}).get("compute_reserved_mb")),
        "where": "sweep, both n_ubatch 128 + last-only logits: anonymous growth of a context",
        "cost": "TTFT after Enter ×2.8 with a page in context, decode ×0.7 "
                "(attention_kv.md): not worth it",
    })
    mm = _diff(_st(base, "mmproj", "anon_mb"), _st(base, "llm", "anon_mb"))
    vis = _part(base, "back", "vision_compute")
    rows.append({
        "cut": "mmproj loaded only while documents are being encoded",
        "change": "Engine: make the MtmdContext at the first encode_image and close it after "
                  "the encoding (or after a minute idle); text-only sessions never load it",
        "saved_mb": None if mm is None else mm + (vis or 0.0),
        "where": "engine: growth when the mmproj loads + the vision compute buffer (baseline)",
        "cost": (f"the mmproj's load ({_stage(base, 'mmproj')['s']:.1f} s here) before the "
                 "first tile of a document after each release") if base else "a load",
    })
    return rows


def _f(x: float | None, digits: int = 0, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def render(r: dict[str, Any]) -> str:
    m = r["machine"]
    base = _ok(r, "baseline")
    model = r["model"]
    files = model["llm_mb"] + model["mmproj_mb"]
    L: list[str] = ["# Memory: where the engine's RSS goes, and what can be cut", ""]
    backend = (base or {}).get("backend", "")
    L += [f"Generated by `tests/benchmarks/memory_breakdown.py` on {r['date']} "
          f"({r['run_s'] / 60:.0f} min). Machine: **{m['cpu']}**"
          + (f" ({r['cpu_class']})" if r.get("cpu_class") else "")
          + f", flags {', '.join(m.get('cpu_flags', []))}; {m['nproc']} cores, "
          f"{m['memory_gb']} GB; "
          f"llama-cpp-python {m['llama_cpp_python']}, {backend}. Model: the full-size "
          f"BlueLM pair, LLM q4_k_m {model['llm_mb']:.0f} MiB (mmapped) + mmproj "
          f"{model['mmproj_mb']:.0f} MiB = {files:.0f} MiB of files; the page is the "
          f"768×1536 phone screen, {r['tiles']} tiles. Each configuration ran in a fresh "
          "process; MiB throughout (the reports' \"MB\"). Memory figures are exact and "
          "repeatable; the few speeds quoted are single measurements on a 2-core machine "
          "shared with other test runs: noisy.", ""]
    for name, run in r["runs"].items():
        if "error" in run:
            L.append(f"**{name} failed:** `{run['error'][-300:]}`\n")
    L += ["## Summary", "", *[f"- {x}" for x in summary_lines(r)], ""]
    if base:
        L += ["## 1. The breakdown (baseline: the engine's defaults)", "",
              "Every resident MiB of the process, attributed. File-backed: from smaps. "
              "Anonymous: each mapping found in /proc/self/smaps; inside the big ones, "
              "glibc's mmapped chunks found by their headers and their resident pages "
              "counted with /proc/self/pagemap (the kernel merges neighbouring mappings), "
              "then matched to the buffer sizes llama.cpp logs (KV, compute, clip) or the "
              "engine counts (snapshots, embeddings); the last row is what no mapping "
              "explains.", "",
              "| part | after load | page in context, answered | back from another "
              "conversation (page's KV snapshot kept) |", "|---|---:|---:|---:|"]
        bd = base["breakdown"]
        for i, row in enumerate(bd["loaded"]["rows"]):
            vals = [bd[at]["rows"][i]["mb"] for at in ("loaded", "image_answer", "back")]
            if all(abs(v) < 0.5 for v in vals):
                continue
            L.append(f"| {row['part']} | " + " | ".join(f"{v:.0f}" for v in vals) + " |")
        L.append("| **sum of the parts** | " + " | ".join(
            f"**{bd[at]['sum_mb']:.0f}**" for at in ("loaded", "image_answer", "back")) + " |")
        L.append("| measured RSS (VmRSS) | " + " | ".join(
            f"{bd[at]['rss_mb']:.0f}" for at in ("loaded", "image_answer", "back")) + " |")
        lg = bd["loaded"]["logged"]
        L += ["", f"llama.cpp's own sizes (its log): KV buffer {_f((lg['kv'] or [None])[0], 2)} "
              f"MiB; LLM compute buffer reserved {_f((lg['llm_compute'] or [None])[-1], 2)} "
              f"MiB; clip weights {_f((lg['clip'] or [None])[0], 2)} MiB; model buffers "
              + ", ".join(f"{f['groups'][0]} {f['groups'][1]} MiB" for f in base["log"]
                          if f["kind"] == "model_buffer")
              + " (no CPU_REPACK or AMX buffer: the engine turns extra buffer types off on "
              "AVX-512, and the CPU variant loaded has no AMX kernels); vision compute "
              f"buffer {_f((bd['back']['logged']['vision_compute'] or [None])[-1], 2)}"
              " MiB. "
              "KV = 2 (K, V) × 28 layers × 32 heads × 80 × 2 bytes = 280 KiB per position × "
              "4096.", ""]
        L += ["## 2. Stage by stage (baseline)", "",
              "RSS at the end of each stage, the stage's own peak (the kernel's high-water "
              "mark, reset at the start of each stage: exact, not sampled) and the transient: "
              "how far the peak rose above both the stage's start and its end.", "",
              "| stage | what happened | RSS | anon | file | peak in the stage | transient | "
              "wall s |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for row in base["stage_table"]:
            L.append(f"| {row['stage']} | {row['note']} | {row['rss_mb']:.0f} | "
                     f"{row['anon_mb']:.0f} | {row['file_mb']:.0f} | {row['peak_mb']:.0f} | "
                     f"{row['transient_mb']:.0f} | {_f(row['wall_s'], 1)} |")
        pc = base.get("probe_child", {})
        if pc.get("ran"):
            L += ["", f"The load probe (a child process, once per new model pair) peaked at "
                  f"**{pc['child_peak_mb']:.0f} MiB** for {pc['s']:.0f} s, before the "
                  "engine's own load began: it adds to the machine's memory only while it "
                  "runs, never at the same time as the engine's load, and leaves nothing in "
                  "the app's process (its ru_maxrss counts from the exec: see Method)."]
        L.append("")
    L += ["## 3. The cuts, measured", "",
          "| cut | saved (MiB, measured) | product change | where measured | cost |",
          "|---|---:|---|---|---|"]
    for c in r.get("cuts", []):
        extra = []
        if c.get("reserved_mb"):
            extra.append(f"reserve −{c['reserved_mb']:.0f} virtual")
        if c.get("worst_case_mb") is not None:
            extra.append(f"{c['worst_case_mb']:.0f} after a 512-position decode")
        if c.get("trim_alone_mb") is not None:
            extra.append(f"one malloc_trim alone: {c['trim_alone_mb']:.0f}")
        if c.get("dead_pages_mb") is not None:
            extra.append(f"of which ~{c['dead_pages_mb']:.0f} dead file pages of the GGUF")
        if c.get("saved_at_load_mb") is not None:
            extra.append(f"{c['saved_at_load_mb']:.0f} right after the load")
        cost = c["cost"] + (f"; {c['note']}" if c.get("note") else "")
        saved = _f(c["saved_mb"]) + (f" ({'; '.join(extra)})" if extra else "")
        L.append(f"| {c['cut']} | {saved} | {c['change']} | {c['where']} | {cost} |")
    L += ["", "## 4. Side by side: each configuration's RSS (MiB)", "",
          "| configuration | what | after load | page answered | back (snapshot) | "
          "peak (stage) | peak ÷ files | anon at peak stage |",
          "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, run in r["runs"].items():
        if "error" in run or run["config"]["kind"] != "engine":
            continue
        pk = _peak(run)
        L.append(f"| {name} | {run['config']['what']} | {_f(_st(run, 'loaded'))} | "
                 f"{_f(_st(run, 'image_answer'))} | {_f(_st(run, 'back'))} | "
                 f"{pk[0]:.0f} ({pk[1]}) | ×{pk[0] / files:.2f} | "
                 f"{_f(_st(run, pk[1], 'anon_mb'))} |")
    L += ["", "Per part, at \"back\" (the heaviest stage):", "",
          "| part | " + " | ".join(n for n, x in r["runs"].items()
                                   if "error" not in x and x["config"]["kind"] == "engine")
          + " |", "|---|" + "---:|" * sum(1 for x in r["runs"].values()
                                          if "error" not in x and x["config"]["kind"] == "engine")]
    engine_runs = [x for x in r["runs"].values()
                   if "error" not in x and x["config"]["kind"] == "engine"]
    if engine_runs:
        for i, row in enumerate(engine_runs[0]["breakdown"]["back"]["rows"]):
            vals = [x["breakdown"]["back"]["rows"][i]["mb"] for x in engine_runs]
            if all(abs(v) < 0.5 for v in vals):
                continue
            L.append(f"| {row['part']} | " + " | ".join(f"{v:.0f}" for v in vals) + " |")
        L.append("| **RSS** | " + " | ".join(
            f"**{x['breakdown']['back']['rss_mb']:.0f}**" for x in engine_runs) + " |")
    L += ["", *speed_lines(r), ""]
    sweep = _ok(r, "sweep")
    if sweep:
        L += ["## 5. Context settings (sweep: the LLM alone)", "",
              f"Each context made, then driven as the engine drives one: {PREFILL_CHUNKS} "
              f"prefill chunks of 128 positions, a question chunk of {QUESTION_LEN} with "
              f"logits, {DECODE_STEPS} decoded tokens; then one 512-position decode (what "
              "families that decode whole image chunks do). Anonymous growth over the "
              "context's life (MiB, against before it was made); compute = resident pages "
              "of the LLM compute buffer; output = the logits buffer.", "",
              "| setting | compute reserved | after creation | after prefill | after the "
              "question (compute / output) | after decoding | after a 512 decode | "
              "prefill tok/s | question s | decode tok/s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in sweep["sweep_table"]:
            q = row["question"]
            L.append(f"| {row['setting']} | {_f(row['compute_reserved_mb'])} | "
                     f"{row['created']['anon_growth_mb']:.0f} | "
                     f"{row['prefilled']['anon_growth_mb']:.0f} | "
                     f"{q['anon_growth_mb']:.0f} ({q['compute_mb']:.0f} / {q['output_mb']:.0f}) | "
                     f"{row['decoded']['anon_growth_mb']:.0f} | "
                     f"{row['whole_512']['anon_growth_mb']:.0f} | "
                     f"{_f(row['prefill_tok_s'], 1)} | {_f(row['question_s'], 2)} | "
                     f"{_f(row['decode_tok_s'], 2)} |")
        L += ["", *sweep_lines(sweep), ""]
    L += ["## Method", "", *[f"- {x}" for x in METHOD], ""]
    return "\n".join(L)


METHOD: Final = (
    "Each stage's peak is exact: before the stage the script writes 5 to "
    "/proc/self/clear_refs, which resets the kernel's RSS high-water mark; VmHWM at the "
    "stage's end is then the highest RSS inside it. (engine_benchmark sampled RSS every "
    "50 ms and read ru_maxrss once.)",
    "ru_maxrss of a child process starts at its parent's high-water mark: the kernel carries "
    "the old address space's peak across exec (vfork or fork). A child started by a process "
    "that had a model loaded reports that process's peak even if it never loads anything "
    "(checked here: a 1.5 GB parent's child reports ≈1,525 MB, its own VmHWM 11 MB). These "
    "children are started by a parent of a few tens of MB; VmHWM is reported besides. "
    "(engine_benchmark's 5,080 MB was its TTFT child's own VmHWM, 5,079.7: not inherited.)",
    "Anonymous memory is attributed per mapping; the kernel merges llama.cpp's big buffers "
    "into one mapping, so inside mappings of ≥ 1 MiB the script walks glibc's mmapped "
    "chunks by their headers and counts each chunk's resident pages in /proc/self/pagemap "
    "(not the kernel's zero page, which a read of an untouched page maps). Chunks are named "
    "by size: the sizes llama.cpp logs (KV, compute buffers, clip weights, CPU_REPACK), "
    "multiples of one position's logits (n_vocab × 4 B: the output buffer), the engine's "
    "snapshot sizes.",
    "The cuts were applied in the child processes by wrapping llama-cpp-python functions "
    "(llama_init_from_model, llama_decode) and engine methods; no product code was changed.",
)


def summary_lines(r: dict[str, Any]) -> list[str]:
    base = _ok(r, "baseline")
    if base is None:
        return ["the baseline did not run"]
    files = r["model"]["llm_mb"] + r["model"]["mmproj_mb"]
    kv = (base["breakdown"]["loaded"]["logged"]["kv"] or [0.0])[0]
    goal = files + kv + 300
    pk = _peak(base)
    out = [f"Goal: files + KV + 300 = {files:.0f} + {kv:.0f} + 300 = **{goal:.0f} MiB**. "
           f"Baseline here: {_st(base, 'loaded'):.0f} after the load, "
           f"{_st(base, 'image_answer'):.0f} with the page answered, peak "
           f"**{pk[0]:.0f}** ({pk[1]}), ×{pk[0] / files:.2f} the files."]
    steps = []
    for name in ("cuts", "cuts_malloc", "cuts_lazy_kv"):
        run = _ok(r, name)
        if run is not None:
            p2 = _peak(run)
            steps.append(f"{name} **{p2[0]:.0f}** (×{p2[0] / files:.2f}, "
                         f"{p2[0] - goal:+.0f} against the goal)")
    if steps:
        out.append("Peak RSS with the cuts, each row adding to the one before (section 4): "
                   + "; ".join(steps) + ".")
    return out + findings(r)


def _engine_benchmark_memory() -> dict[str, Any] | None:
    """engine_benchmark's memory figures and machine, from its JSON report (if present)."""
    path = eb.REPORT_DIR / "engine_benchmark.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    mem = data.get("memory")
    if not mem:
        return None
    return {"memory": mem, "machine": data.get("machine", {}),
            "date": data.get("part_dates", {}).get("ttft", data.get("date"))}


def findings(r: dict[str, Any]) -> list[str]:
    """The conclusions that follow from the measurements (computed, not typed in)."""
    base = _ok(r, "baseline")
    if base is None:
        return []
    out: list[str] = []
    files = r["model"]["llm_mb"] + r["model"]["mmproj_mb"]
    pk, pk_stage = _peak(base)
    top = max(base["stage_table"], key=lambda x: x["transient_mb"])
    snap = _part(base, "back", "snapshot") or 0.0
    out.append(
        f"**The peak is not a transient.** Every stage's own peak (exact, from the kernel's "
        f"high-water mark) is within {top['transient_mb']:.0f} MiB of the RSS at its start "
        f"or end (largest: {top['stage']}). The process peak, {pk:.0f} MiB, is the steady "
        f"state after the user switches conversations ({pk_stage}): the page's KV cache "
        f"kept as a snapshot in RAM ({snap:.0f} MiB for the {r['tiles']}-tile page, "
        "280 KiB per position) on top of everything that was there before.")
    ebm = r.get("engine_benchmark") or _engine_benchmark_memory()
    extra = _ok(r, "extra_buffers")
    if ebm:
        mem, mach = ebm["memory"], ebm["machine"]
        line = (f"**engine_benchmark's ×{mem['peak_over_files']:.2f}** came from "
                f"{mach.get('cpu', '?')} ({', '.join(mach.get('cpu_flags', []))}: no "
                "AVX-512), where the engine turns llama.cpp's extra buffer types on: the LLM "
                "weights are repacked into a second, anonymous copy while the mmapped file's "
                f"pages stay resident. Its after-load RSS {mem['rss_after_load_mb']:.0f} MiB "
                f"(anonymous {mem['anon_after_load_mb']:.0f}) and peak "
                f"{mem['peak_rss_mb']:.0f} MiB")
        if extra:
            rep = _part(extra, "back", "repack") or 0.0
            load_tr = max(x["transient_mb"] for x in extra["stage_table"]
                          if x["stage"] in ("llm", "mmproj", "context", "loaded"))
            anon = _st(extra, "loaded", "anon_mb")
            line += (f" are reproduced here with extra buffers forced on: "
                     f"{_st(extra, 'loaded'):.0f} (anonymous {anon:.0f}) "
                     f"after the load, {_peak(extra)[0]:.0f} at the peak; CPU_REPACK holds "
                     f"{rep:.0f} MiB. So ×{mem['peak_over_files']:.2f} = the two files "
                     f"({files:.0f}) + KV ({_part(base, 'back', 'kv'):.0f}) + the repacked copy "
                     f"({rep:.0f}) + the page's KV snapshot (~{snap:.0f}) + the rest. (Its "
                     f"sampled peak while loading, {mem['peak_by_phase_mb']['load']:.0f}, was "
                     f"{mem['peak_by_phase_mb']['load'] - mem['rss_after_load_mb']:.0f} MiB "
                     "above its after-load RSS; here, repacking too, no part of the load "
                     f"rose more than {load_tr:.0f} MiB above its own start and end.)")
        else:
            line += "."
        out.append(line)
    goal = files + ((base["breakdown"]["loaded"]["logged"]["kv"] or [0.0])[0]) + 300
    bd = base["breakdown"]["image_answer"]
    rows = {row["key"]: row["mb"] for row in bd["rows"]}
    rest = bd["rss_mb"] - rows["gguf"] - rows["mmproj"] - rows["kv"]
    out.append(
        f"On this CPU (extra buffers off) the steady state with the page answered is "
        f"{bd['rss_mb']:.0f} MiB: the GGUF's pages {rows['gguf']:.0f} + mmproj "
        f"{rows['mmproj']:.0f} + KV {rows['kv']:.0f} + **{rest:.0f} MiB of everything else** "
        f"(goal: 300), of which LLM compute {rows['llm_compute']:.0f}, vision compute "
        f"{rows['vision_compute']:.0f}, logits {rows['output']:.0f}, embeddings "
        f"{rows['embeddings']:.0f}, Python and malloc "
        f"{rows['heap'] + rows['arenas'] + rows['small'] + rows['other']:.0f}, shared "
        f"libraries {rows['files']:.0f}. Against the goal ({goal:.0f}): "
        + (f"met with the page answered ({bd['rss_mb'] - goal:+.0f}); the peak "
           f"({pk:.0f}, {pk - goal:+.0f}) misses it by the snapshot."
           if bd["rss_mb"] <= goal < pk else
           f"page answered {bd['rss_mb'] - goal:+.0f}, peak {pk - goal:+.0f}."))
    return out


def speed_lines(r: dict[str, Any]) -> list[str]:
    rows = ["Speeds through the engine (single measurements, machine shared: noisy; the "
            "files were in the page cache after the first run):", "",
            "| configuration | load s (of which the load probe) | text TTFT s | page "
            "encode+prefill s | page question TTFT s | switch TTFT s | back TTFT s |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, run in r["runs"].items():
        if "error" in run or run["config"]["kind"] != "engine":
            continue
        s = run["stats"]
        probe = run.get("probe_child", {})
        probe_s = f" ({probe['s']:.1f})" if probe.get("ran") else ""
        rows.append(f"| {name} | {_f(s['loaded'].get('load_s'), 1)}{probe_s} | "
                    f"{_f(s['text_answer'].get('ttft_s'), 2)} | "
                    f"{_f(s['image'].get('encode_and_prefill_s'), 1)} | "
                    f"{_f(s['image_answer'].get('ttft_s'), 2)} | "
                    f"{_f(s['switch'].get('ttft_s'), 2)} | {_f(s['back'].get('ttft_s'), 2)} |")
    return rows


def sweep_lines(sweep: dict[str, Any]) -> list[str]:
    out = []
    for key, label in (("file_pages", "extra buffers off"),
                       ("repack_file_pages", "extra buffers on (CPU_REPACK)")):
        fp = sweep.get(key)
        if not fp:
            continue
        out.append(f"GGUF pages with {label}: {fp['dropped']['file_mb']:.0f} MiB file-backed "
                   f"after MADV_DONTNEED on the mapping; {fp['used']['file_mb']:.0f} after a "
                   "128-position prefill and 4 decoded tokens (what the model really reads "
                   "back).")
    if "repack_loaded" in sweep and "loaded" in sweep:
        a, b = sweep["loaded"], sweep["repack_loaded"]
        out.append(f"Loading the LLM: extra buffers off {a['anon_mb']:.0f} MiB anonymous + "
                   f"{a['file_mb']:.0f} file-backed ({sweep['load_s']:.1f} s); on "
                   f"{b['anon_mb']:.0f} + {b['file_mb']:.0f} ({sweep['repack_load_s']:.1f} s).")
    return out


def compact(node: Any) -> Any:
    """The report's JSON without what the analysis does not read (pieces that are no malloc
    chunk are folded into small_maps_mb, as _small_layout now records them), floats
    rounded."""
    if isinstance(node, dict):
        if "pieces" in node and "small_maps_mb" in node:
            keep = [p for p in node["pieces"] if p.get("chunk")]
            lumped = sum(p["rss_mb"] for p in node["pieces"] if not p.get("chunk"))
            node = dict(node, pieces=keep, small_maps_mb=node["small_maps_mb"] + lumped)
        return {k: compact(v) for k, v in node.items()
                if k not in ("anon_maps", "heap_mb_smaps", "small_anon_mb")}
    if isinstance(node, list):
        return [compact(v) for v in node]
    if isinstance(node, float):
        return round(node, 4)
    return node


def slim(report: dict[str, Any]) -> dict[str, Any]:
    """What the JSON keeps: the sweep's stages live in its contexts (not twice); llama.cpp's
    one line per repacked tensor becomes a count."""
    out = dict(report, runs={})
    for name, run in report["runs"].items():
        run = dict(run)
        if run.get("config", {}).get("kind") == "sweep":
            run.pop("stages", None)
        if "log" in run:
            repacked = [f for f in run["log"] if f["kind"] == "repacked"]
            if repacked:
                run["repacked_tensors"] = len(repacked)
            run["log"] = [f for f in run["log"] if f["kind"] != "repacked"]
        out["runs"][name] = run
    return compact(out)


def write_report(r: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{REPORT_NAME}.json").write_text(
        json.dumps(slim(r), default=str) + "\n", encoding="utf-8")
    md = out_dir / f"{REPORT_NAME}.md"
    md.write_text(render(r), encoding="utf-8")
    return md


def cpu_class() -> str:
    """A name for the CPU generation, from its flags (the model name is often generic)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    line = next((x for x in text.splitlines() if x.startswith("flags")), "")
    flags = set(line.split(":", 1)[-1].split())
    if "amx_tile" in flags and "avx512_fp16" in flags:
        return "Sapphire Rapids class or newer: AVX-512 incl. FP16/BF16, AMX"
    if "avx512f" in flags:
        return "AVX-512"
    return "AVX2" if "avx2" in flags else ""


def analyse(report: dict[str, Any]) -> None:
    report.setdefault("cpu_class", cpu_class())
    for run in report["runs"].values():
        if "error" in run:
            continue
        if run["config"]["kind"] == "engine":
            run["breakdown"] = {at: breakdown(run, at)
                                for at in ("loaded", "image_answer", "back")}
            run["stage_table"] = stage_table(run)
        else:
            run["sweep_table"] = sweep_table(run)
    report["cuts"] = cut_rows(report)
    report["engine_benchmark"] = report.get("engine_benchmark") or _engine_benchmark_memory()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", type=Path, help="BlueLM-layout LLM GGUF (default: the full model)")
    ap.add_argument("--mmproj", type=Path, help="its mmproj GGUF")
    ap.add_argument("--only", default=",".join(c.name for c in CONFIGS),
                    help="comma-separated configurations (default all)")
    ap.add_argument("--tiles", type=int, choices=(3, 9), default=9,
                    help="the page: 9 tiles (2:4 grid + thumbnail) or 3 (1:2 + thumbnail)")
    ap.add_argument("--out-dir", type=Path, default=eb.REPORT_DIR)
    ap.add_argument("--render", type=Path, metavar="JSON",
                    help="only rewrite the markdown report from a JSON report")
    ap.add_argument("--_child", nargs=2, metavar=("CONFIG", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._child:
        name, out = args._child
        cfg = BY_NAME[name]
        if cfg.kind == "sweep":
            sweep_child(args.llm, Path(out))
        else:
            engine_child(cfg, args.llm, args.mmproj, args.tiles, Path(out))
        return 0
    if args.render:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        analyse(report)
        md = write_report(report, args.out_dir)
        log(f"wrote {md}")
        return 0
    if (args.llm is None) != (args.mmproj is None):
        ap.error("--llm and --mmproj go together")
    names = [x.strip() for x in args.only.split(",") if x.strip()]
    if unknown := set(names) - set(BY_NAME):
        ap.error(f"unknown configuration(s): {', '.join(sorted(unknown))}")
    pair = eb.find_or_make(C.LAYOUT_BLUELM, (args.llm, args.mmproj), eb.DEFAULT_BLUELM, True)
    t_run = time.perf_counter()
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bluelm-memory-") as tmp_name:
        tmp = Path(tmp_name)
        data_dir = tmp / "data-shared"
        for name in names:
            cfg = BY_NAME[name]
            log(f"{name}: {cfg.what}")
            runs[name] = run_child(cfg, pair, args.tiles, tmp, data_dir)
            partial = args.out_dir / f"{REPORT_NAME}.json"
            args.out_dir.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps({"partial": True, "runs": runs}, default=str),
                               encoding="utf-8")
            if "error" in runs[name]:
                log(f"{name} failed: {runs[name]['error']}")
            else:
                log(f"{name}: done in {runs[name]['child_s']:.0f} s")
    machine = eb.machine_info()  # imports llama_cpp: after the children (see Method)
    report = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "machine": machine,
              "model": pair.as_dict(), "tiles": args.tiles, "runs": runs,
              "run_s": time.perf_counter() - t_run}
    # the measurements first, as they are: an analysis that fails can be redone (--render)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    raw = args.out_dir / f"{REPORT_NAME}.json"
    raw.write_text(json.dumps(slim(report), default=str) + "\n", encoding="utf-8")
    analyse(report)
    md = write_report(report, args.out_dir)
    log(f"wrote {md} and its .json ({report['run_s'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
