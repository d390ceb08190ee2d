"""Engine benchmark on this machine: tile batching, encode‖prefill pipeline, prefill chunk,
decode speed, time to first token after Enter, memory.

Run on demand (not collected by pytest: the name does not match `test_*.py`):

    .venv/bin/python tests/benchmarks/engine_benchmark.py [--llm L.gguf --mmproj M.gguf]
        [--internvl-llm L.gguf --internvl-mmproj M.gguf] [--quick]

Writes `reports/engine_benchmark.md` (for people) and `.json` (for scripts) next to this
file. The models are the converter's `full`-size random-weight ones (a BlueLM-shaped
SigLIP-so400m ViT at 392-px tiles, 196 tokens per tile, lfm2 projector, 2.7B llama LLM;
LLM q4_k_m, ViT q8_0): shapes and therefore speed and memory are those of a real model,
answers are noise. With no paths given and no files at the default place, the pair is made
with model_convert (synth full + convert) into the user's cache directory, once.

Tile batching needs a projector that mtmd can batch: lfm2 cannot (DESIGN §5), internvl can,
so that measurement uses an internvl `full` model (InternViT-300M-shaped, 448-px tiles, 256
tokens per tile) when one is found, else a tiny internvl model made on the spot (then the
batching figures say nothing about real speed, and the report says so).

Every figure is measured side by side in one run, `--reps` times (3; `--quick`: 1, and
fewer tiles, for a user's `bluelm-desktop tune`), and reported as median and min–max. The
paper's optima (4 tiles per batch, 128-token chunks) came from a phone NPU; these come from
this machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from bluelm_desktop.core import paths
from bluelm_desktop.core.engine.client import EngineClient, Turn
from bluelm_desktop.core.engine.encoder import (
    BackgroundEncoding,
    EmbeddingCache,
    EncodeStats,
    TileEncoder,
)
from bluelm_desktop.core.engine.engine import (
    Done,
    Engine,
    EngineSettings,
    ImageReady,
    Loaded,
    Token,
)
from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel, MtmdContext
from bluelm_desktop.core.engine.prompt import ChatTemplate, ImageLayout, profile_for
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.engine.session import ChatSession, Image, KvCache, Message, TurnStats
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.vision.tiling import TilingParams, cut_tiles, plan_image
from model_convert import constants as C

REPORT_DIR: Final = Path(__file__).resolve().parent / "reports"
REPORT_NAME: Final = "engine_benchmark"
# Where already-converted full-size pairs are looked for first (BLUELM_BENCH_MODELS);
# otherwise the cache under the data directory is used and filled.
DEFAULT_DIR: Final = Path(os.environ.get("BLUELM_BENCH_MODELS", "full-models"))
DEFAULT_BLUELM: Final = (DEFAULT_DIR / "out" / "bluelm-full-llm.gguf",
                         DEFAULT_DIR / "out" / "bluelm-full-mmproj.gguf")
DEFAULT_INTERNVL: Final = (DEFAULT_DIR / "out-internvl" / "internvl-full-llm.gguf",
                           DEFAULT_DIR / "out-internvl" / "internvl-full-mmproj.gguf")
PHONE_SCREEN: Final = (768, 1536)  # the paper's example: 2:4 grid + thumbnail = 9 tiles
PREFILL_TARGET: Final = 1100  # image + text positions for the chunk comparison
CHUNKS: Final = (32, 128, 512)
MARK: Final = "⟦bench-question⟧"  # stands for the question while the prefix is rendered
PAPER: Final = {"encode_9_tiles_s": 2.06, "prefill_2048_s": 2.7, "decode_tok_s": 24.4,
                "peak_memory_gb": 2.2}
QUESTIONS: Final = {  # one per TTFT case, similar length, no common prefix past the template
    "dropped_earlier": "Which application is shown on this phone screen?",
    "encoded_after_enter": "What is the total amount shown on this screen?",
    "text_only": "Name three colours that are common in app icons.",
}
PARTS: Final = ("batching", "pipeline", "decode", "ttft")  # pipeline includes prefill chunks
DECODE_PROMPT: Final = "Write a short story about a lighthouse keeper and a cat."


# --flash-attn: the engine's attention setting for the engine-level runs (decode, TTFT);
# None keeps the engine's default. The TTFT child gets it on its command line.
FLASH_ATTENTION: str | None = None


def engine_settings(threads: int) -> EngineSettings:
    base = EngineSettings(threads=threads, n_ctx=4096)
    if FLASH_ATTENTION is None:
        return base
    return dataclasses.replace(base, flash_attention=FLASH_ATTENTION)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- small measuring tools -----------------------------------------------------------------


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """Median and range of repeated measurements."""
    vals = [float(v) for v in values]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals)}


def median_of(runs: Sequence[Mapping[str, Any]], key: str) -> float | None:
    """The median of `key` over the runs that measured it (None if none did)."""
    vals = [r[key] for r in runs if key in r]
    return float(summary(vals)["median"]) if vals else None


def fmt(s: dict[str, Any], scale: float = 1.0, digits: int = 2) -> str:
    """'median [min–max]' (just the value for a single run)."""
    med, lo, hi = (s["median"] * scale, s["min"] * scale, s["max"] * scale)
    if s["n"] == 1 or lo == hi:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} [{lo:.{digits}f}–{hi:.{digits}f}]"


_CLK: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_busy_s() -> float | None:
    """Seconds of CPU time all cores spent busy since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            parts = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)  # idle + iowait
    return (sum(parts[:8]) - idle) / _CLK


def _own_cpu_s() -> float:
    """CPU seconds used by this process (all threads) and its waited-for children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuWatch:
    """How much CPU *other* processes used while a measurement ran (machine busy/idle)."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.busy0 = _cpu_busy_s()
        self.own0 = _own_cpu_s()

    def other_cores(self, extra_own_s: float = 0.0) -> float | None:
        """Average number of cores kept busy by others since the start."""
        busy = _cpu_busy_s()
        if busy is None or self.busy0 is None:
            return None
        wall = time.perf_counter() - self.t0
        own = _own_cpu_s() - self.own0 + extra_own_s
        slack = 3.0 / _CLK  # both counters tick in jiffies: allow for their rounding
        return max(0.0, (busy - self.busy0 - own - slack) / wall) if wall > 0 else 0.0


class Guard:
    """Runs each measurement on an idle machine and repeats one that others disturbed.

    ggml's worker threads spin-wait, so a second busy process on a 2-core machine does not
    slow a measurement by half but by up to 30× (DESIGN §5). Before each measurement the
    machine is sampled for a second (waiting while others are busy, up to `max_wait_s`);
    after it, the CPU other processes used meanwhile (/proc/stat minus this process) is
    checked, and a disturbed measurement is repeated up to `retries` times. What stays
    disturbed is listed in the report.
    """

    def __init__(self, max_wait_s: float, threshold: float = 0.1, retries: int = 2) -> None:
        self.max_wait_s, self.threshold, self.retries = max_wait_s, threshold, retries
        self.waited_s = 0.0
        self.repeated: list[str] = []
        self.disturbed: list[str] = []

    def wait_idle(self) -> float | None:
        t0 = time.perf_counter()
        while True:
            w = CpuWatch()
            time.sleep(1.0)
            busy = w.other_cores()
            waited = time.perf_counter() - t0
            if busy is None or busy < self.threshold or waited > self.max_wait_s:
                self.waited_s += waited - 1.0
                return busy
            if waited < 1.5:
                log(f"other processes busy ({busy:.2f} cores); waiting for an idle machine")
            time.sleep(4.0)

    def run(self, label: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """`fn()` measured on an idle machine; its record gets 'other_cores'."""
        for attempt in range(self.retries + 1):
            self.wait_idle()
            watch = CpuWatch()
            rec = fn()
            others = watch.other_cores() or 0.0
            rec["other_cores"] = others
            if others <= self.threshold:
                return rec
            if attempt < self.retries:
                self.repeated.append(f"{label} ({others:.2f} cores)")
                log(f"{label}: other processes used {others:.2f} cores meanwhile; measuring "
                    "again")
        self.disturbed.append(f"{label} ({others:.2f} cores)")
        return rec

    def as_dict(self) -> dict[str, Any]:
        return {"threshold_cores": self.threshold, "waited_s": round(self.waited_s, 1),
                "repeated": self.repeated, "disturbed": self.disturbed}


def rss_mb() -> dict[str, float]:
    """VmRSS and its anonymous / file-backed parts, in MiB (Linux /proc)."""
    out: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                    out[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return out


def peak_rss_mb() -> float:
    """Peak resident set of this process so far (getrusage; kB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


@contextmanager
def rss_peak_sampler(period_s: float = 0.05) -> Iterator[dict[str, float]]:
    """Highest VmRSS seen while the block runs (a sleeping sampler, no busy thread)."""
    result = {"start_mb": rss_mb().get("VmRSS", 0.0), "peak_mb": 0.0}
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            result["peak_mb"] = max(result["peak_mb"], rss_mb().get("VmRSS", 0.0))
            stop.wait(period_s)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        yield result
    finally:
        stop.set()
        t.join()
        result["peak_mb"] = max(result["peak_mb"], rss_mb().get("VmRSS", 0.0))
        result["delta_mb"] = result["peak_mb"] - result["start_mb"]


def rotated(seq: Sequence[Any], rep: int) -> list[Any]:
    """`seq` rotated by `rep`, so no configuration always runs first (warm-up bias)."""
    k = rep % len(seq)
    return list(seq[k:]) + list(seq[:k])


# --- machine and models ----------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    import llama_cpp

    cpu = platform.processor() or "unknown"
    flags: list[str] = []
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("unknown", "x86_64", ""):
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags") and not flags:
                    have = set(line.split(":", 1)[1].split())
                    flags = [x for x in ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni",
                                         "avx_vnni", "amx_tile") if x in have]
    except OSError:
        pass
    try:
        nproc = int(subprocess.run(["nproc"], capture_output=True, text=True,
                                   check=True).stdout.strip())
    except (OSError, ValueError, subprocess.CalledProcessError):
        nproc = os.cpu_count() or 1
    mem_gb = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            mem_gb = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cpu_flags": flags, "nproc": nproc, "os_cpu_count": os.cpu_count(),
            "memory_gb": mem_gb, "python": platform.python_version(),
            "platform": platform.platform(), "llama_cpp_python": llama_cpp.__version__}


@dataclass
class ModelPair:
    llm: Path
    mmproj: Path
    layout: str
    size: str  # "full" | "tiny"
    made_s: float | None = None  # seconds spent making it in this run (None: it existed)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The pair as reports record it (paths as `_shown`: no machine's folders)."""
        return {"llm": _shown(str(self.llm)), "mmproj": _shown(str(self.mmproj)),
                "layout": self.layout,
                "size": self.size, "llm_mb": self.llm.stat().st_size / 2**20,
                "mmproj_mb": self.mmproj.stat().st_size / 2**20, "made_s": self.made_s,
                "note": self.note}


def make_pair(layout: str, size: str, root: Path) -> ModelPair:
    """synth + convert into `root` (the checkpoint is deleted afterwards: only GGUF stays)."""
    from model_convert.convert import convert
    from model_convert.synth import synth

    t0 = time.perf_counter()
    ckpt = root / f"{layout}-{size}"
    out = root / f"out-{layout}-{size}"
    log(f"making the {size} {layout} model in {root} (synth + convert; minutes for 'full')")
    if ckpt.exists():
        shutil.rmtree(ckpt)
    synth(layout, size, ckpt)
    done = convert(ckpt, out, warn=lambda _msg: None)
    shutil.rmtree(ckpt, ignore_errors=True)
    made = time.perf_counter() - t0
    log(f"made {done.llm.name} + {done.mmproj.name} in {made:.0f} s")
    return ModelPair(done.llm, done.mmproj, layout, size, made)


def find_or_make(layout: str, given: tuple[Path | None, Path | None],
                 default: tuple[Path, Path], allow_full: bool) -> ModelPair:
    if given[0] is not None and given[1] is not None:
        size = "full" if given[0].stat().st_size > 100 * 2**20 else "tiny"
        return ModelPair(given[0], given[1], layout, size, note=f"{layout}: given on the "
                         "command line")
    if default[0].is_file() and default[1].is_file():
        return ModelPair(default[0], default[1], layout, "full")
    root = paths.cache_dir() / "benchmark-models"
    for size in ("full", "tiny"):
        out = root / f"out-{layout}-{size}"
        llm, mm = out / f"{layout}-{size}-llm.gguf", out / f"{layout}-{size}-mmproj.gguf"
        if llm.is_file() and mm.is_file() and (size == "full" or not allow_full):
            return ModelPair(llm, mm, layout, size, note=f"{layout}: from the benchmark cache "
                             "(<cache>/benchmark-models)")
    if allow_full:
        return make_pair(layout, "full", root)
    pair = make_pair(layout, "tiny", root)
    pair.note = ("no full-size internvl model found (pass --internvl-llm/--internvl-mmproj "
                 "or --make-internvl): batching measured on the tiny model")
    return pair


# --- model-level fixtures ---------------------------------------------------------------------


def tiling_for(llm: Path) -> tuple[TilingParams, dict[str, object]]:
    meta = read_metadata(llm)
    return TilingParams.from_gguf_metadata(meta), meta


def phone_screen(seed: int, size: tuple[int, int] = PHONE_SCREEN) -> np.ndarray:
    """A synthetic phone screenshot: bands of flat colour with noisy 'text' rows."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = np.full((h, w, 3), 245, np.uint8)
    y = 0
    while y < h:
        band = int(rng.integers(24, 120))
        img[y:y + band] = rng.integers(0, 256, 3, dtype=np.uint8)  # clipped at h
        top = min(h, y + band // 3)
        bottom = min(h, top + max(1, band // 3))
        img[top:bottom] = rng.integers(0, 256, (bottom - top, w, 3), dtype=np.uint8)
        y += band + int(rng.integers(4, 40))
    return img


def image_tiles(params: TilingParams, seed: int, quick: bool
                ) -> tuple[list[np.ndarray], ImageLayout]:
    """The paper's 768×1536 phone screen as tiles (2:4 + thumbnail = 9; quick: 1:2 + 1)."""
    if quick:
        params = TilingParams(tile_size=params.tile_size, max_grid=2, alpha=params.alpha,
                              tokens_per_tile=params.tokens_per_tile)
    plan = plan_image(*PHONE_SCREEN, params)
    tiles = [t.pixels for t in cut_tiles(phone_screen(seed), plan)]
    layout = ImageLayout(plan.grid.cols, plan.grid.rows, plan.thumbnail, params.tokens_per_tile)
    return tiles, layout


def ready_prefix(items: Sequence[object], slots: Sequence[np.ndarray | None]) -> int:
    """Leading items whose embeddings exist (as the engine's pipeline computes it)."""
    for i, item in enumerate(items):
        if isinstance(item, tuple) and slots[item[1]] is None:
            return i
    return len(items)


# --- 1. tile batching ---------------------------------------------------------------------------


def bench_batching(pair: ModelPair, threads: int, reps: int, quick: bool, guard: Guard
                   ) -> dict[str, Any]:
    params, _ = tiling_for(pair.llm)
    n_tiles = 4 if quick else 8
    sizes = [1, 2, 4] if quick else [1, 2, 4, 8]
    rng = np.random.default_rng(1)
    tiles = [rng.integers(0, 256, (params.tile_size, params.tile_size, 3), dtype=np.uint8)
             for _ in range(n_tiles)]
    runs: dict[int, list[dict[str, Any]]] = {b: [] for b in sizes}
    with LlamaModel(pair.llm) as model:
        mtmd = MtmdContext(pair.mmproj, model, n_threads=threads,
                           batch_max_tokens=max(4096, n_tiles * params.tokens_per_tile))
        try:
            log("probing whether the projector batches (encodes two tiles: also a warm-up)")
            if not mtmd.supports_batch():
                return {"model": pair.as_dict(), "supported": False, "threads": threads}
            for rep in range(reps):
                reference: list[np.ndarray] | None = None
                for b in rotated(sizes, rep):
                    out: list[np.ndarray] = []

                    def measure(b: int = b, out: list[np.ndarray] = out) -> dict[str, Any]:
                        out.clear()
                        enc = TileEncoder(mtmd, b, EmbeddingCache())  # fresh: no cache hits
                        stats = EncodeStats()
                        with rss_peak_sampler() as mem:
                            t0 = time.perf_counter()
                            out.extend(e for _, e in enc.encode(tiles, stats=stats))
                            total = time.perf_counter() - t0
                        return {"total_s": total, "per_tile_s": total / n_tiles,
                                "rss_delta_mb": mem["delta_mb"],
                                "per_batch_s": list(stats.per_batch_s)}

                    rec = guard.run(f"batching: batch {b}, rep {rep + 1}", measure)
                    runs[b].append(rec)
                    log(f"batching rep {rep + 1}/{reps}: batch {b}: {rec['total_s']:.1f} s "
                        f"for {n_tiles} tiles")
                    if reference is None:
                        reference = list(out)
                    else:
                        same = all(np.array_equal(x, y)
                                   for x, y in zip(reference, out, strict=True))
                        assert same, f"batch {b} gave other embeddings than batch {sizes[0]}"
        finally:
            mtmd.close()
    by_batch: dict[str, Any] = {}
    for b in sizes:
        per_batch_ms = [t * 1e3 / b for r in runs[b] for t in r["per_batch_s"]]
        by_batch[str(b)] = {
            "total_s": summary([r["total_s"] for r in runs[b]]),
            "per_tile_ms": summary([r["per_tile_s"] * 1e3 for r in runs[b]]),
            "per_tile_ms_by_batch": summary(per_batch_ms),
            "rss_delta_mb": summary([r["rss_delta_mb"] for r in runs[b]]),
            "runs": runs[b]}
    return {
        "model": pair.as_dict(), "supported": True, "threads": threads, "tiles": n_tiles,
        "reps": reps, "tile_size": params.tile_size, "tokens_per_tile": params.tokens_per_tile,
        "identical_embeddings": True,  # asserted above
        "note": "batch 1 is the one-by-one path (TileEncoder with batch_size 1 calls "
                "mtmd_encode_chunk per tile); every batch size was asserted bit-identical "
                "to it",
        "by_batch": by_batch,
    }


# --- 2 + 3. pipeline vs serial, prefill chunk ---------------------------------------------------


@dataclass
class LlmRig:
    """The BlueLM pair loaded for the in-process measurements (closed children first)."""

    model: LlamaModel
    ctx: LlamaContext
    mtmd_all: MtmdContext  # all threads: serial encoding
    mtmd_split: MtmdContext  # the engine's encoder share: pipelined encoding
    session: ChatSession
    params: TilingParams
    threads: int
    split: tuple[int, int]

    def close(self) -> None:
        self.mtmd_split.close()
        self.mtmd_all.close()
        self.ctx.close()
        self.model.close()


def open_rig(pair: ModelPair, threads: int) -> LlmRig:
    params, meta = tiling_for(pair.llm)
    split = EngineSettings(threads=threads).split()
    model = LlamaModel(pair.llm)
    ctx = LlamaContext(model, n_ctx=4096, n_batch=512, n_threads=threads)
    mtmd_all = MtmdContext(pair.mmproj, model, n_threads=threads)
    mtmd_split = MtmdContext(pair.mmproj, model, n_threads=split[0])
    template = ChatTemplate(meta.get("tokenizer.chat_template"))  # type: ignore[arg-type]
    layout = meta.get("bluelm.layout")
    profile = profile_for(layout if isinstance(layout, str) else None, meta)
    session = ChatSession(model, KvCache(ctx, 128), template, profile)
    return LlmRig(model, ctx, mtmd_all, mtmd_split, session, params, threads, split)


def image_prefix(rig: LlmRig, image_id: str, layout: ImageLayout) -> list[Any]:
    """The KV items up to the question for a message with one image (what the engine
    prefills before Enter)."""
    msg = Message("user", MARK, [Image(image_id, layout)])
    return rig.session.items_for([msg], True, until=MARK)


def warm_up_llm(rig: LlmRig) -> None:
    """Touch the mmapped LLM weights once (a short text prefill) before timing anything."""
    kv = KvCache(rig.ctx, 128)
    kv.clear()
    kv.sync(rig.model.tokenize("Warm-up: " + "the quick brown fox " * 8), lambda _i, _k: None,
            want_logits=False)  # type: ignore[arg-type,return-value]
    kv.clear()


def bench_pipeline(rig: LlmRig, reps: int, quick: bool, guard: Guard
                   ) -> tuple[dict[str, Any], list[np.ndarray]]:
    enc_threads, llm_threads = rig.split
    runs: dict[str, list[dict[str, Any]]] = {"serial": [], "pipeline": []}
    embeddings: list[np.ndarray] = []
    identical = True
    n_tiles = positions = 0
    warm_up_llm(rig)
    for rep in range(reps):
        tiles, layout = image_tiles(rig.params, seed=100 + rep, quick=quick)
        n_tiles = len(tiles)
        prefix = image_prefix(rig, f"pipe-{rep}", layout)
        positions = len(prefix)
        outs: dict[str, list[np.ndarray]] = {}

        def serial(prefix: list[Any] = prefix, tiles: list[np.ndarray] = tiles,
                   outs: dict[str, list[np.ndarray]] = outs) -> dict[str, Any]:
            kv = KvCache(rig.ctx, 128)
            kv.clear()
            stats = TurnStats()
            rig.ctx.set_threads(rig.threads)
            enc_stats = EncodeStats()
            t0 = time.perf_counter()
            emb = [e for _, e in TileEncoder(rig.mtmd_all, 1, EmbeddingCache())
                   .encode(tiles, stats=enc_stats)]
            t_enc = time.perf_counter() - t0
            kv.sync(prefix, lambda _i, k: emb[k], stats=stats, want_logits=False)
            total = time.perf_counter() - t0
            assert kv.items == list(prefix), "the prefix was not fully prefilled"
            outs["serial"] = emb
            return {"total_s": total, "encode_s": t_enc, "prefill_s": stats.prefill_s,
                    "encode_per_tile_s": t_enc / len(tiles),
                    "tile_s": list(enc_stats.per_batch_s)}

        def pipeline(prefix: list[Any] = prefix, tiles: list[np.ndarray] = tiles,
                     outs: dict[str, list[np.ndarray]] = outs) -> dict[str, Any]:
            kv = KvCache(rig.ctx, 128)
            kv.clear()
            stats = TurnStats()
            rig.ctx.set_threads(llm_threads)
            slots: list[np.ndarray | None] = [None] * len(tiles)
            t0 = time.perf_counter()
            t_last_tile = 0.0
            try:
                bg = BackgroundEncoding(TileEncoder(rig.mtmd_split, 1, EmbeddingCache()),
                                        tiles)
                for index, e in bg:
                    slots[index] = e
                    t_last_tile = time.perf_counter() - t0
                    ready = ready_prefix(prefix, slots)
                    kv.sync(prefix[:ready], lambda _i, k: slots[k], stats=stats,
                            want_logits=False)
                bg.join()
                total = time.perf_counter() - t0
            finally:
                rig.ctx.set_threads(rig.threads)
            assert kv.items == list(prefix), "the prefix was not fully prefilled"
            outs["pipeline"] = [s for s in slots if s is not None]
            return {"total_s": total, "encode_s": bg.stats.encode_s,
                    "encode_per_tile_s": bg.stats.encode_s / len(tiles),
                    "prefill_s": stats.prefill_s, "last_tile_at_s": t_last_tile,
                    "tail_after_last_tile_s": total - t_last_tile,
                    "tile_s": list(bg.stats.per_batch_s)}

        for mode in rotated(["serial", "pipeline"], rep):
            rec = guard.run(f"{mode} {n_tiles} tiles, rep {rep + 1}",
                            serial if mode == "serial" else pipeline)
            runs[mode].append(rec)
            log(f"pipeline rep {rep + 1}/{reps}: {mode}: {rec['total_s']:.1f} s "
                f"(encode {rec['encode_s']:.1f} s, prefill {rec['prefill_s']:.1f} s)")
        same = all(np.array_equal(a, b)
                   for a, b in zip(outs["serial"], outs["pipeline"], strict=True))
        identical = identical and same
        embeddings = outs["serial"]
    ratios = [s["total_s"] / p["total_s"]
              for s, p in zip(runs["serial"], runs["pipeline"], strict=True)]
    result = {
        "tiles": n_tiles, "reps": reps, "image_positions": n_tiles * rig.params.tokens_per_tile,
        "prefix_positions": positions, "threads": rig.threads,
        "split": {"encoder": enc_threads, "llm": llm_threads},
        "embeddings_identical_across_thread_counts": identical,
        "serial": {k: summary([r[k] for r in runs["serial"]])
                   for k in ("total_s", "encode_s", "prefill_s", "encode_per_tile_s")},
        "pipeline": {k: summary([r[k] for r in runs["pipeline"]])
                     for k in ("total_s", "encode_s", "prefill_s", "encode_per_tile_s",
                               "tail_after_last_tile_s")},
        "tile_s": {m: summary([t for r in runs[m] for t in r["tile_s"]]) for m in runs},
        "speedup_serial_over_pipeline": summary(ratios),
        "runs": runs,
    }
    return result, embeddings


def bench_prefill_chunks(rig: LlmRig, embeddings: Sequence[np.ndarray], reps: int,
                         guard: Guard) -> dict[str, Any]:
    """Prefill ~1,100 image + text positions at each chunk size (all threads)."""
    n_emb = len(embeddings)
    layout = (ImageLayout(2, 2, True, rig.params.tokens_per_tile) if n_emb >= 5
              else ImageLayout(1, max(1, n_emb - 1), n_emb > 1, rig.params.tokens_per_tile))
    n_img = layout.cols * layout.rows + (1 if layout.thumbnail else 0)
    sentence = "The invoice lists items, quantities, unit prices, taxes and a total. "
    text = "Read the document carefully. "
    items: list[Any] = []
    for _ in range(200):
        items = rig.session.items_for([Message("user", text, [Image("chunks", layout)])], True)
        if len(items) >= PREFILL_TARGET or n_emb < 5:
            break
        text += sentence
    image_positions = sum(1 for i in items if isinstance(i, tuple))
    rig.ctx.set_threads(rig.threads)
    runs: dict[int, list[dict[str, Any]]] = {c: [] for c in CHUNKS}
    for rep in range(reps):
        for chunk in rotated(CHUNKS, rep):

            def measure(chunk: int = chunk) -> dict[str, Any]:
                kv = KvCache(rig.ctx, chunk)
                kv.clear()
                stats = TurnStats()
                kv.sync(items, lambda _i, k: embeddings[k], stats=stats, want_logits=True)
                return {"prefill_s": stats.prefill_s,
                        "tok_s": stats.prefilled_positions / stats.prefill_s}

            rec = guard.run(f"prefill chunk {chunk}, rep {rep + 1}", measure)
            runs[chunk].append(rec)
            log(f"prefill rep {rep + 1}/{reps}: chunk {chunk}: {rec['prefill_s']:.1f} s "
                f"({rec['tok_s']:.1f} tok/s)")
    rig.ctx.clear()
    return {"positions": len(items), "image_positions": image_positions, "tiles": n_img,
            "threads": rig.threads, "reps": reps,
            "by_chunk": {str(c): {"prefill_s": summary([r["prefill_s"] for r in runs[c]]),
                                  "tok_s": summary([r["tok_s"] for r in runs[c]]),
                                  "runs": runs[c]} for c in CHUNKS}}


# --- 4. decode: engine vs bare llama-cpp-python --------------------------------------------------


def finish(client: EngineClient, submit: Callable[[Engine], Sequence[int]]) -> Turn:
    """One turn to its end (the last request's); a failure or a stop is a broken run."""
    turn = client.run(submit)
    if turn.failure is not None:
        raise RuntimeError(f"the turn ended with: {turn.failure}")
    return turn


def done_of(turn: Turn) -> tuple[float, Done]:
    """The turn's answer's end and when it came."""
    hit = turn.first(Done)
    assert hit is not None, "a finished turn ends with Done"
    return hit


def _low_level_decode(ctx: Any, prompt: Sequence[int], n: int) -> float:
    """Greedy decode of `n` tokens on a raw llama_context through the C API; returns the
    seconds from the first sampled token to the n-th decoded one (n decodes, as the
    engine's TurnStats.decode_s counts them)."""
    import llama_cpp as lc

    lc.llama_memory_clear(lc.llama_get_memory(ctx), True)
    arr = (lc.llama_token * len(prompt))(*prompt)
    if lc.llama_decode(ctx, lc.llama_batch_get_one(arr, len(prompt))) != 0:
        raise RuntimeError("llama_decode failed on the prompt")
    sampler = lc.llama_sampler_init_greedy()
    one = (lc.llama_token * 1)()
    try:
        t0 = 0.0
        for i in range(n):
            one[0] = lc.llama_sampler_sample(sampler, ctx, -1)
            if i == 0:
                t0 = time.perf_counter()
            if lc.llama_decode(ctx, lc.llama_batch_get_one(one, 1)) != 0:
                raise RuntimeError("llama_decode failed")
        return time.perf_counter() - t0
    finally:
        lc.llama_sampler_free(sampler)
        lc.llama_memory_clear(lc.llama_get_memory(ctx), True)


PHASES: Final = {"load": "loading", "first_answer": "answering the first (text) question",
                  "encode_and_ask": "encoding + prefilling the phone screen and answering"}
DECODE_VARIANTS: Final = {
    "engine": "`Engine.ask` (TurnStats.decode_tok_s)",
    "generate": "`llama_cpp.Llama.generate` (temp 0)",
    "raw_llama": "`llama_decode` loop on `llama_cpp.Llama`'s context",
    "raw_native": "`llama_decode` loop on the engine's `LlamaContext`",
}


def bench_decode(pair: ModelPair, threads: int, reps: int, n_tokens: int, guard: Guard
                 ) -> dict[str, Any]:
    """Decode speed through the engine and through three bare loops on the same file and
    threads: llama-cpp-python's high-level `Llama.generate`, and the barest C-API loop
    (batch of one token, greedy sampler) on Llama's context and on the engine's own
    `LlamaContext` (which separates context parameters from per-token Python)."""
    import llama_cpp

    greedy = SamplingParams(temperature=0.0, max_tokens=n_tokens, repeat_penalty=1.0)
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in DECODE_VARIANTS}
    prompt_len = 0
    with EngineClient(engine_settings(threads)) as client:
        finish(client, lambda e: [e.load(pair.llm), e.ask("warm-up", "Hello.", params=(
            SamplingParams(temperature=0.0, max_tokens=4, repeat_penalty=1.0)))])
        for rep in range(reps):

            def via_engine(rep: int = rep) -> dict[str, Any]:
                _, done = done_of(finish(client, lambda e: [e.ask(
                    f"decode-{rep}-{time.perf_counter()}", DECODE_PROMPT, params=greedy)]))
                s = done.stats
                return {"tokens": s.decode_tokens, "decode_s": s.decode_s,
                        "tok_s": s.decode_tok_s, "prompt_positions": s.prompt_items,
                        "stopped": s.stopped}

            r = guard.run(f"decode engine, rep {rep + 1}", via_engine)
            runs["engine"].append(r)
            prompt_len = int(r["prompt_positions"])
    want = min(int(r["tokens"]) for r in runs["engine"])  # the same number of tokens

    llm = llama_cpp.Llama(model_path=str(pair.llm), n_threads=threads, n_threads_batch=threads,
                          n_ctx=4096, n_batch=512, verbose=False)
    model = LlamaModel(pair.llm)
    ctx = LlamaContext(model, n_ctx=4096, n_batch=512, n_threads=threads)
    try:
        prompt = llm.tokenize(DECODE_PROMPT.encode(), add_bos=True)
        filler = llm.tokenize(b" and", add_bos=False)
        while len(prompt) < prompt_len:  # the same context length as the engine's prompt
            prompt += filler
        prompt = prompt[:prompt_len]
        list(zip(range(4), llm.generate(prompt, temp=0.0, repeat_penalty=1.0), strict=False))

        def via_generate() -> dict[str, Any]:
            llm.reset()
            stamps: list[float] = []
            for _tok in llm.generate(prompt, temp=0.0, repeat_penalty=1.0, reset=True):
                stamps.append(time.perf_counter())
                if len(stamps) > want:  # `want` evals after the first token
                    break
            dt = stamps[-1] - stamps[0]
            return {"tokens": want, "decode_s": dt, "tok_s": want / dt}

        def via_raw(c: Any) -> dict[str, Any]:
            dt = _low_level_decode(c, prompt, want)
            llm.n_tokens = 0  # Llama's own bookkeeping: its cache was cleared
            return {"tokens": want, "decode_s": dt, "tok_s": want / dt}

        for rep in range(reps):
            for name in rotated(["generate", "raw_llama", "raw_native"], rep):
                fn = {"generate": via_generate,
                      "raw_llama": lambda: via_raw(llm.ctx),
                      "raw_native": lambda: via_raw(ctx.ptr)}[name]
                runs[name].append(guard.run(f"decode {name}, rep {rep + 1}", fn))
            log(f"decode rep {rep + 1}/{reps}: " + ", ".join(
                f"{k} {v[rep]['tok_s']:.2f} tok/s" for k, v in runs.items()))
    finally:
        ctx.close()
        model.close()
        llm.close()
    ratios = [e["tok_s"] / b["tok_s"]
              for e, b in zip(runs["engine"], runs["raw_native"], strict=True)]
    return {
        "threads": threads, "tokens_asked": n_tokens, "tokens": want, "reps": reps,
        "prompt_positions": prompt_len,
        "tok_s": {k: summary([r["tok_s"] for r in v]) for k, v in runs.items()},
        "ms_per_token": {k: summary([r["decode_s"] / r["tokens"] * 1e3 for r in v])
                         for k, v in runs.items()},
        "engine_over_raw": summary(ratios),
        "how": "greedy, repeat penalty off, the same number of tokens after a prompt of the "
               "same length; the bare loops time from the first sampled token over that "
               "many decode steps, as TurnStats.decode_s does",
        "runs": runs,
    }


# --- 5 + 6. time to first token after Enter, memory (in a fresh child process) --------------------


def ttft_child(llm: Path, mmproj: Path, threads: int, reps: int, heavy_reps: int, quick: bool,
               max_wait: float, out: Path) -> None:
    """Runs in its own process so its peak RSS is the app's: load, drop, ask, measure."""
    t_start = time.perf_counter()
    guard = Guard(max_wait)
    before = rss_mb()
    params, _ = tiling_for(llm)
    result: dict[str, Any] = {"rss_before_load_mb": before}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in QUESTIONS}
    decode_with_image: list[dict[str, Any]] = []
    peaks: dict[str, float] = {}
    with EngineClient(engine_settings(threads)) as client:
        t0 = time.perf_counter()
        with rss_peak_sampler() as mem:
            loaded = finish(client, lambda e: [e.load(llm, mmproj)]).of(Loaded)[0]
        peaks["load"] = mem["peak_mb"]
        result["load_s"] = time.perf_counter() - t0
        result["rss_after_load_mb"] = rss_mb()
        with rss_peak_sampler() as mem:
            finish(client, lambda e: [e.ask("warm-up", "Hi.", params=_one_token(0))])
        peaks["first_answer"] = mem["peak_mb"]
        result["rss_after_first_answer_mb"] = rss_mb()
        attempts = iter(range(10_000))
        image_id = ""
        for rep in range(heavy_reps):

            def late(rep: int = rep) -> dict[str, Any]:
                # (b) encoded after Enter: the drop and the question submitted together.
                # Every attempt is a new image, so the embedding cache cannot help.
                nonlocal image_id
                k = next(attempts)
                tiles, layout = image_tiles(params, seed=500 + k, quick=quick)
                image_id = f"screen-{k}"
                conv = f"late-{k}"
                t_drop = t_ask = 0.0

                def drop_and_ask(e: Engine) -> list[int]:
                    nonlocal t_drop, t_ask
                    t_drop = time.perf_counter()
                    enc = e.encode_image(conv, image_id, tiles, layout)
                    t_ask = time.perf_counter()
                    return [enc, e.ask(conv, QUESTIONS["encoded_after_enter"],
                                       params=_one_token(rep))]

                with rss_peak_sampler() as mem:
                    turn = finish(client, drop_and_ask)
                peaks["encode_and_ask"] = max(peaks.get("encode_and_ask", 0.0), mem["peak_mb"])
                ready = turn.first(ImageReady)
                assert ready is not None
                return _ttft(turn, t_ask) | {
                    "encode_and_prefill_s": ready[0] - t_drop, "tiles": len(tiles)}

            runs["encoded_after_enter"].append(
                guard.run(f"TTFT image encoded after Enter, rep {rep + 1}", late))
            log(f"ttft: encoded after Enter {runs['encoded_after_enter'][-1]['ttft_s']:.1f} s")
        # The engine has one KV cache for all conversations: (a) and the decode with the
        # image run first, while the cache still holds (b)'s image prefix; the text-only
        # questions (c) come after them, because they evict it (into a KV snapshot, which
        # (d) measures restoring).
        for rep in range(reps):

            def early(rep: int = rep) -> dict[str, Any]:
                # (a) dropped earlier: the image is encoded and its KV prefix prefilled (by
                # (b)'s drop); a new conversation asks about it, as the engine does for a
                # document that was dropped a while ago. Only the question is left to prefill.
                t_ask = time.perf_counter()
                turn = finish(client, lambda e: [e.ask(
                    f"early-{next(attempts)}", QUESTIONS["dropped_earlier"],
                    image_ids=[image_id], params=_one_token(rep))])
                return _ttft(turn, t_ask)

            runs["dropped_earlier"].append(
                guard.run(f"TTFT image dropped earlier, rep {rep + 1}", early))

            def follow_up() -> dict[str, Any]:
                # decode speed with the image in the context
                _, done = done_of(finish(client, lambda e: [e.ask(
                    f"more-{next(attempts)}", "Describe this screen.", image_ids=[image_id],
                    params=SamplingParams(temperature=0.0, max_tokens=16,
                                          repeat_penalty=1.0))]))
                s = done.stats
                return {"tok_s": s.decode_tok_s, "tokens": s.decode_tokens,
                        "context_positions": s.prompt_items}

            decode_with_image.append(guard.run(f"decode after the image, rep {rep + 1}",
                                               follow_up))
            log(f"ttft rep {rep + 1}/{reps}: dropped earlier "
                f"{runs['dropped_earlier'][-1]['ttft_s']:.2f} s, decode after the image "
                f"{decode_with_image[-1]['tok_s']:.2f} tok/s")
        for rep in range(reps):

            def text(rep: int = rep) -> dict[str, Any]:
                # (c) a text-only question in a new conversation.
                t_ask = time.perf_counter()
                # Numbered at the start (retries too), so no attempt shares more than the
                # template's opening with an earlier one: a repeat would be a KV cache hit.
                n = next(attempts)
                turn = finish(client, lambda e: [e.ask(
                    f"text-{n}", f"Question {n}: {QUESTIONS['text_only']}",
                    params=_one_token(rep))])
                return _ttft(turn, t_ask)

            runs["text_only"].append(guard.run(f"TTFT text only, rep {rep + 1}", text))
            log(f"ttft rep {rep + 1}/{reps}: text only {runs['text_only'][-1]['ttft_s']:.2f} s")
        for rep in range(heavy_reps):

            def evicted(rep: int = rep) -> dict[str, Any]:
                # (d) the image was dropped earlier, but a text chat has used the KV cache
                # since: its prefix was evicted (kept as a KV snapshot, restored now).
                finish(client, lambda e: [e.ask(f"text-{next(attempts)}",
                                                QUESTIONS["text_only"],
                                                params=_one_token(rep))])
                t_ask = time.perf_counter()
                turn = finish(client, lambda e: [e.ask(
                    f"evicted-{next(attempts)}", QUESTIONS["dropped_earlier"],
                    image_ids=[image_id], params=_one_token(rep))])
                return _ttft(turn, t_ask)

            runs.setdefault("evicted", []).append(
                guard.run(f"TTFT image dropped earlier, evicted by a text chat, rep {rep + 1}",
                          evicted))
            log(f"ttft: image evicted by a text chat {runs['evicted'][-1]['ttft_s']:.1f} s")
        result["engine_load_s"] = loaded.load_s
    result.update({
        "runs": runs, "decode_with_image": decode_with_image, "rss_peak_by_phase_mb": peaks,
        "threads": threads, "guard": guard.as_dict(),
        "split": dict(zip(("encoder", "llm"), EngineSettings(threads=threads).split(),
                          strict=True)),
        "rss_end_mb": rss_mb(), "peak_rss_mb": peak_rss_mb(),
        "child_s": time.perf_counter() - t_start,
    })
    out.write_text(json.dumps(result))


def _one_token(seed: int) -> SamplingParams:
    """One sampled token: the answer ends right after the first token is decoded, which is
    when the engine emits a token's text. Sampling (not greedy) with a fixed seed, so a
    random-weight model does not stop on an end-of-generation token first."""
    return SamplingParams(temperature=1.0, top_k=0, top_p=1.0, repeat_penalty=1.0,
                          max_tokens=1, seed=seed)


def _ttft(turn: Turn, t_ask: float) -> dict[str, Any]:
    """TTFT from the ask submission. The engine emits a Token after decoding it into the KV
    cache, then (max_tokens 1) Done: so Done's arrival is when the first Token event comes
    with a vocabulary whose pieces are text. The synthetic vocab renders ~99 % of its ids
    as empty text, so Token events themselves are rarely seen; one that is seen is used."""
    t_done, done = done_of(turn)
    s = done.stats
    first = next((t for t, e in zip(turn.times, turn.events, strict=True)
                  if isinstance(e, Token) and e.text), None)
    return {"ttft_s": (first if first is not None else t_done) - t_ask,
            "first_token_event_seen": first is not None,
            "sampled_at_s": t_done - s.decode_s - t_ask,
            "tokens": s.decode_tokens,
            "prefilled_positions_at_enter": s.prefilled_positions,
            "image_positions_at_enter": s.image_tokens, "reused_positions": s.reused_items,
            "engine_ttft_s": s.ttft_s}


def bench_ttft(pair: ModelPair, threads: int, reps: int, heavy_reps: int, quick: bool,
               max_wait: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ttft.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--_child-ttft", str(out),
               "--llm", str(pair.llm), "--mmproj", str(pair.mmproj), "--threads", str(threads),
               "--reps", str(reps), "--heavy-reps", str(heavy_reps),
               "--max-wait", str(max_wait)] + (["--quick"] if quick else []) + (
                   ["--flash-attn", FLASH_ATTENTION] if FLASH_ATTENTION else [])
        proc = subprocess.run(cmd, check=False)
        if proc.returncode != 0 or not out.is_file():
            return {"error": f"the measuring child process exited with {proc.returncode}"}
        data = json.loads(out.read_text())
    data["ttft_s"] = {k: summary([r["ttft_s"] for r in v]) for k, v in data["runs"].items()}
    data["sampled_at_s"] = {k: summary([r["sampled_at_s"] for r in v])
                            for k, v in data["runs"].items()}
    data["prefilled_at_enter"] = {k: summary([r["prefilled_positions_at_enter"] for r in v])
                                  for k, v in data["runs"].items()}
    late = data["runs"]["encoded_after_enter"]
    data["encode_and_prefill_s"] = summary([r["encode_and_prefill_s"] for r in late])
    dwi = data["decode_with_image"]
    data["decode_with_image_tok_s"] = summary([r["tok_s"] for r in dwi])
    data["decode_with_image_context"] = int(statistics.median(
        [r["context_positions"] for r in dwi]))
    return data


# --- report ------------------------------------------------------------------------------------


def _times(here: float, phone: float, bigger_is_better: bool = False) -> str:
    """'×N slower' / '×N faster' for a figure here against the phone's."""
    worse = here < phone if bigger_is_better else here > phone
    k = max(here, phone) / min(here, phone) if min(here, phone) > 0 else float("inf")
    return f"×{k:.1f} {'slower' if worse else 'faster'}"


def _runs_note(n: int) -> str:
    return "one run" if n == 1 else f"median [min–max] of {n} runs"


def conclusions(r: dict[str, Any]) -> list[str]:
    """'What this means', from the numbers of this run (no verdict is fixed in advance)."""
    out: list[str] = []
    m = r["machine"]
    b = r.get("batching", {})
    if b.get("supported"):
        per_tile = {int(k): v["per_tile_ms"]["median"] for k, v in b["by_batch"].items()}
        best = min(per_tile, key=per_tile.__getitem__)
        one = per_tile[1]
        gain = (one / per_tile[best] - 1) * 100
        biggest = max(per_tile)
        choice = best if gain > 3.0 else 1
        text = (f"**Tile batch size: {choice}.** One-by-one costs {one:.0f} ms per tile; "
                + ", ".join(f"batches of {k}: {v:.0f} ms" for k, v in per_tile.items() if k > 1)
                + f" per tile; a batch of {biggest} holds "
                f"{b['by_batch'][str(biggest)]['rss_delta_mb']['median']:.0f} MB more at its "
                "peak. ")
        if choice == 1:
            slower = per_tile[biggest] / one
            text += ("Batching buys nothing on this CPU"
                     + (f" — it makes each tile ×{slower:.1f} slower" if slower > 1.1 else "")
                     + ", so `tile_batch = 1` (the paper's 4 per batch was a phone-NPU "
                     "optimum; on a GPU it should pay again).")
        else:
            text += f"Batching pays here: `tile_batch = {choice}`."
        if b["model"]["size"] != "full":
            text += (" (Measured on the *tiny* internvl model: this says nothing about "
                     "speed at full size.)")
        out.append(text)
    p = r.get("pipeline")
    if p:
        ratio = p["speedup_serial_over_pipeline"]
        sp = p["split"]
        enc_all = p["serial"]["encode_per_tile_s"]["median"]
        enc_split = p["pipeline"]["encode_per_tile_s"]["median"]
        if ratio["n"] == 1:
            verdict = ""
        elif ratio["min"] > 1.0:
            verdict = " in every repetition"
        elif ratio["max"] < 1.0:
            verdict = " (slower in every repetition)"
        else:
            verdict = " (the repetitions disagree)"
        out.append(
            f"**Thread split: {sp['encoder']} encoder + {sp['llm']} LLM thread(s)** "
            f"(EngineSettings.split(); with {p['threads']} cores the only split that runs "
            f"both at once). For the {p['tiles']}-tile phone screen the encode‖prefill "
            f"pipeline took {p['pipeline']['total_s']['median']:.0f} s and the serial path "
            f"with all {p['threads']} threads {p['serial']['total_s']['median']:.0f} s: "
            f"serial/pipeline ×{ratio['median']:.2f}{verdict}. A tile takes "
            f"{enc_all:.1f} s to encode on {p['threads']} threads and {enc_split:.1f} s on "
            f"{sp['encoder']}"
            + (f" — a second thread gives the ViT only ×{enc_split / enc_all:.2f}, so the "
               "core is worth more to the LLM's prefill beside it"
               if enc_split / enc_all < 1.6 else "")
            + f"; after the last tile the pipeline still needs "
            f"{p['pipeline']['tail_after_last_tile_s']['median']:.0f} s of prefill"
            + (" (the LLM on one thread falls behind the encoder)."
               if p["pipeline"]["tail_after_last_tile_s"]["median"]
               > 0.1 * p["pipeline"]["total_s"]["median"] else "."))
    c = r.get("prefill")
    if c:
        tok = {int(k): v["tok_s"]["median"] for k, v in c["by_chunk"].items()}
        best = max(tok, key=tok.__getitem__)
        gap = (1 - tok[128] / tok[best]) * 100
        out.append(
            f"**Prefill chunk: {best if gap > 3 else 128}.** "
            + ", ".join(f"chunk {k}: {v:.1f} tok/s" for k, v in sorted(tok.items()))
            + f" for {c['positions']} positions. "
            + (f"128 (the paper's and the engine's default) is {gap:.0f} % behind {best}"
               if gap > 0.5 else "128 (the paper's and the engine's default) is the best")
            + f"; 32 is {(1 - tok[32] / tok[best]) * 100:.0f} % behind. A chunk is also the "
            f"unit of cancellation: one of 128 takes ~{128 / tok[128]:.1f} s here.")
    d = r.get("decode")
    if d:
        ts = {k: v["median"] for k, v in d["tok_s"].items()}
        ms = {k: v["median"] for k, v in d["ms_per_token"].items()}
        rel = d["engine_over_raw"]["median"]
        gap_ms = ms["engine"] - ms["raw_native"]
        out.append(
            f"**Decode:** {ts['engine']:.2f} tok/s through the engine; bare loops on the same "
            f"file and threads: {ts['generate']:.2f} (`Llama.generate`), {ts['raw_llama']:.2f} "
            f"(C-API loop on Llama's context), {ts['raw_native']:.2f} (C-API loop on the "
            f"engine's `LlamaContext`). Engine / bare loop on its own context: ×{rel:.2f} "
            f"({gap_ms:+.0f} ms per token). "
            + ("The engine's per-token Python (sampler over the vocabulary, UTF-8 stream, "
               "events) costs nothing measurable."
               if abs(gap_ms) < 0.03 * ms["raw_native"] else
               "The engine was the faster one here, so its per-token Python (sampler, UTF-8 "
               "stream, events) adds no measurable cost; why the bare loop is slower was "
               "not investigated."
               if gap_ms < 0 else
               "That difference is the engine's per-token work in Python (the sampler's "
               "numpy pass over the whole vocabulary, the UTF-8 stream, events) "
               "— worth a look in the sampler.")
            + (" The two contexts differ by "
               f"{abs(ts['raw_native'] / ts['raw_llama'] - 1) * 100:.0f} % (their parameters "
               "differ, e.g. threads and batch sizes)."
               if abs(ts["raw_native"] / ts["raw_llama"] - 1) > 0.05 else "")
            + (f" With the phone screen in the context "
               f"({r['ttft']['decode_with_image_context']} positions) the engine decodes "
               f"{r['ttft']['decode_with_image_tok_s']['median']:.2f} tok/s."
               if "decode_with_image_tok_s" in r.get("ttft", {}) else ""))
    t = r.get("ttft")
    if t and "ttft_s" in t:
        tt = {k: v["median"] for k, v in t["ttft_s"].items()}
        out.append(
            f"**After Enter:** {tt['dropped_earlier']:.1f} s to the first token when the "
            f"image was dropped earlier, {tt['encoded_after_enter']:.0f} s when it is "
            f"encoded after Enter, {tt['text_only']:.1f} s for a text-only question. "
            "Encode-on-drop plus prefill-before-Enter makes a question about the image cost "
            + ("about what a text question costs"
               if tt["dropped_earlier"] < 1.5 * tt["text_only"] + 0.3 else
               f"×{tt['dropped_earlier'] / tt['text_only']:.1f} a text question (the "
               f"question's ~{t['prefilled_at_enter']['dropped_earlier']['median']:.0f} "
               "tokens are prefilled against the image's cached positions, not an empty "
               "cache)")
            + f" instead of {tt['encoded_after_enter']:.0f} s; on this machine the image "
            "must be dropped about that long before the question is sent."
            + (f" The engine has one KV cache for all conversations; a text chat in another "
               f"conversation evicts the image's prefix, which `KvCache` keeps as a snapshot "
               f"(llama.cpp's sequence state, in RAM) and restores: the next question about "
               f"the image then waited {tt['evicted']:.1f} s." if "evicted" in tt else ""))
    mem = r.get("memory")
    if mem:
        out.append(
            f"**Memory:** peak RSS {mem['peak_rss_mb']:.0f} MB for {mem['llm_mb']:.0f} MB "
            f"(LLM, mmapped) + {mem['mmproj_mb']:.0f} MB (mmproj, read into RAM) of files "
            f"(×{mem['peak_over_files']:.2f} the files); {mem['rss_after_load_mb']:.0f} MB "
            "right after loading"
            + (f", the peak while {PHASES.get(ph[0], ph[0])}"
               if (ph := max(mem.get("peak_by_phase_mb", {}).items(), key=lambda kv: kv[1],
                             default=None)) else "") + ".")
    rows: list[str] = []
    if p and p["tiles"] == 9:
        enc9 = p["serial"]["encode_s"]["median"]
        rows.append(f"9 tiles encoded in {enc9:.0f} s here vs 2.06 s "
                    f"({_times(enc9, PAPER['encode_9_tiles_s'])})")
    if c:
        tps = max(v["tok_s"]["median"] for v in c["by_chunk"].values())
        est = 2048 / tps
        rows.append(f"a 2,048-token prefill ≈{est:.0f} s here at {tps:.0f} tok/s (linear "
                    f"from {c['positions']} positions; attention makes it somewhat longer) vs "
                    f"2.7 s ({_times(est, PAPER['prefill_2048_s'])})")
    if d:
        e = d["tok_s"]["engine"]["median"]
        rows.append(f"decode {e:.1f} tok/s vs 24.4 tok/s "
                    f"({_times(e, PAPER['decode_tok_s'], True)})")
    if mem:
        rows.append(f"peak memory {mem['peak_rss_mb'] / 1024:.1f} GB vs 2.2 GB "
                    "(the phone keeps KV int8 and activations 16-bit)")
    if rows:
        out.append(f"**Against the paper's phone figures** (MediaTek Dimensity 9300, ViT and "
                   f"LLM on its NPU, vs {m['nproc']} cores of an {m['cpu']} here): "
                   + "; ".join(rows) + ".")
    return out


def write_report(r: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    js = out_dir / f"{REPORT_NAME}.json"
    md = out_dir / f"{REPORT_NAME}.md"
    pairs = [*r.get("models", {}).values(), r.get("batching", {}).get("model", {})]
    for pair in pairs:  # no machine-specific directories
        if "llm" in pair:
            pair["llm"], pair["mmproj"] = _shown(pair["llm"]), _shown(pair["mmproj"])
    js.write_text(json.dumps(r, indent=1, default=str) + "\n", encoding="utf-8")
    m = r["machine"]
    g = r["guard"]
    cmd = "tests/benchmarks/engine_benchmark.py" + (" --quick" if r["quick"] else "")
    L: list[str] = [
        "# Engine benchmark",
        "",
        f"Generated by `{cmd}` on {r['date']}; the run took **{r['run_s'] / 60:.1f} min**"
        + (f" (of which {r['models_made_s'] / 60:.1f} min making the models)"
           if r["models_made_s"] else "")
        + (". All figures come from this one run, measured side by side"
           if not r.get("merged") else
           ". Figures come from this run, measured side by side, except the parts "
           "re-measured in the later run named below")
        + ". Short measurements "
        f"ran {r['reps']}×, those that take minutes each on this CPU (tile batching, the "
        f"9-tile pipeline vs serial, TTFT with the image encoded after Enter) "
        f"{r['heavy_reps']}× (`--heavy-reps`); figures are median [min–max] where there "
        "are several runs.",
        *[f"\nRe-measured on {x['date']} in a second run of {x.get('run_s', 0) / 60:.1f} min "
          f"and merged into this report (`--merge`): {', '.join(x['parts'])}."
          for x in r.get("merged", [])],
        *[f"\nNote: {x}" for x in r.get("notes", [])],
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']} — `nproc` = **{m['nproc']}** "
        f"(flags: {', '.join(m['cpu_flags']) or '?'}), {m['memory_gb']} GB RAM",
        f"- llama-cpp-python {m['llama_cpp_python']} (CPU build), Python {m['python']}, "
        f"{m['platform']}",
        f"- threads: {r['threads']} (all cores); the engine's split while encoding beside "
        f"prefill: {r['split'][0]} encoder + {r['split'][1]} LLM",
        f"- machine at the start: {_idle_line(r['idle'])}",
        f"- idle guard: before each measurement the benchmark waited until other processes "
        f"used < {g['threshold_cores']} cores ({g['waited_s']:.0f} s of waiting in all), and "
        "repeated a measurement during which they used more (from /proc/stat minus this "
        f"process): {len(g['repeated'])} repeated"
        + (f" ({'; '.join(g['repeated'])})" if g["repeated"] else "")
        + ", still disturbed after retries: "
        + ("; ".join(g["disturbed"]) if g["disturbed"] else "none")
        + ". (This machine is shared with other sessions' test runs; with ggml's "
        "spin-waiting threads a second busy process slows a measurement many times over.)",
        "",
        "## Models (random weights, real shapes)",
        "",
        "| role | file | size | made in this run |",
        "|---|---|---:|---|",
    ]
    for role, pair in r["models"].items():
        made = f"{pair['made_s']:.0f} s" if pair["made_s"] else "no (existed)"
        L.append(f"| {role} ({pair['layout']}, {pair['size']}) | `{_shown(pair['llm'])}` | "
                 f"{pair['llm_mb']:.0f} MB | {made} |")
        L.append(f"| | `{_shown(pair['mmproj'])}` | {pair['mmproj_mb']:.0f} MB | |")
    for pair in r["models"].values():
        if pair["note"]:
            L.append(f"\nNote: {pair['note']}.")
    L += ["", "## Key figures", "", *_key_table(r)]
    L += ["", "## What this means", "", *[f"- {x}" for x in conclusions(r)]]
    L += ["", "## 1. Tile encoding: one-by-one vs batched", ""]
    b = r.get("batching", {})
    if b.get("supported"):
        L += [f"{b['tiles']} tiles of {b['tile_size']} px ({b['tokens_per_tile']} tokens "
              f"each), {b['model']['layout']} projector ({b['model']['size']} model: the "
              f"BlueLM layout's lfm2 projector cannot batch), {b['threads']} threads, "
              f"{_runs_note(b['reps'])} per batch size. {b['note']}. "
              "The last column spreads over the batches inside the run(s).", "",
              "| tiles per batch | ms per tile | total (s) | extra RSS at peak (MB) "
              "| ms per tile, per batch |",
              "|---:|---:|---:|---:|---:|"]
        for k, v in b["by_batch"].items():
            L.append(f"| {'1 (one-by-one)' if k == '1' else k} | {fmt(v['per_tile_ms'], 1, 0)} "
                     f"| {fmt(v['total_s'], 1, 1)} | {fmt(v['rss_delta_mb'], 1, 0)} "
                     f"| {fmt(v['per_tile_ms_by_batch'], 1, 0)} |")
    else:
        L.append("Not measured: the projector cannot batch.")
    if r.get("lfm2_batch_supported") is False:
        L += ["", "The BlueLM model's lfm2 projector was probed too: `supports_batch()` is "
              "False, so its tiles always go one by one."]
    p = r.get("pipeline")
    if p:
        ser, pip = p["serial"], p["pipeline"]
        L += ["", "## 2. Encode‖prefill pipeline vs serial", "",
              f"The {p['tiles']}-tile phone screen ({PHONE_SCREEN[0]}×{PHONE_SCREEN[1]}, "
              f"{p['image_positions']} image positions, {p['prefix_positions']} positions up "
              f"to the question), BlueLM model, {_runs_note(p['reps'])} per mode. Serial: "
              f"encode every tile with all {p['threads']} threads, then prefill with all "
              f"threads. Pipeline: `BackgroundEncoding` with {p['split']['encoder']} encoder "
              f"thread(s) while the LLM ({p['split']['llm']} thread(s)) prefills each tile as "
              "soon as it exists (what the engine's `encode_image` does). Embeddings "
              "identical between the two thread counts: "
              f"{'yes' if p['embeddings_identical_across_thread_counts'] else 'no'}.",
              "",
              "| | total (s) | encode (s) | s per tile (spread over tiles) | prefill (s) |",
              "|---|---:|---:|---:|---:|",
              f"| serial | {fmt(ser['total_s'], 1, 1)} | {fmt(ser['encode_s'], 1, 1)} | "
              f"{fmt(p['tile_s']['serial'], 1, 1)} | {fmt(ser['prefill_s'], 1, 1)} |",
              f"| pipeline | {fmt(pip['total_s'], 1, 1)} | {fmt(pip['encode_s'], 1, 1)} | "
              f"{fmt(p['tile_s']['pipeline'], 1, 1)} | {fmt(pip['prefill_s'], 1, 1)} "
              "(beside the encoder) |",
              "",
              f"Serial / pipeline: **×{fmt(p['speedup_serial_over_pipeline'])}**. After the "
              f"last tile is encoded the pipeline still needs "
              f"{fmt(pip['tail_after_last_tile_s'], 1, 1)} s of prefill."]
    c = r.get("prefill")
    if c:
        L += ["", "## 3. Prefill by chunk size", "",
              f"{c['positions']} positions ({c['image_positions']} image embeddings of "
              f"{c['tiles']} tiles + text), `KvCache(n_chunk=…)`, {c['threads']} threads, "
              f"n_batch 512, from an empty cache; {_runs_note(c['reps'])}, chunk sizes "
              "interleaved.", "",
              "| chunk | prefill (s) | tok/s |", "|---:|---:|---:|"]
        for k, v in c["by_chunk"].items():
            L.append(f"| {k} | {fmt(v['prefill_s'], 1, 1)} | {fmt(v['tok_s'], 1, 1)} |")
    d = r.get("decode")
    if d:
        L += ["", "## 4. Decode: engine vs bare llama-cpp-python", "",
              f"{d['tokens']} tokens after a {d['prompt_positions']}-position text prompt, "
              f"{d['threads']} threads, {_runs_note(d['reps'])}; {d['how']}.", "",
              "| loop | tok/s | ms per token |", "|---|---:|---:|"]
        for k, label in DECODE_VARIANTS.items():
            L.append(f"| {label} | {fmt(d['tok_s'][k])} | {fmt(d['ms_per_token'][k], 1, 0)} |")
        t = r.get("ttft", {})
        if "decode_with_image_tok_s" in t:
            L.append(f"| `Engine.ask` with the {t['runs']['encoded_after_enter'][0]['tiles']}-tile "
                     f"image in the context ({t['decode_with_image_context']} positions; "
                     f"16 tokens, from §5) | {fmt(t['decode_with_image_tok_s'])} | |")
        L.append(f"\nEngine / bare loop on the engine's context: "
                 f"×{fmt(d['engine_over_raw'])}. Engine runs stopped by: "
                 + ", ".join(sorted({str(x["stopped"]) for x in d["runs"]["engine"]})) + ".")
    t = r.get("ttft")
    if t and "ttft_s" in t:
        L += ["", "## 5. Time to first token after Enter", "",
              f"Through the `Engine` in a fresh process ({t['threads']} threads; split "
              f"{t['split']['encoder']}+{t['split']['llm']} while encoding), from the `ask` "
              "submission to the first token: the answer is one sampled token, and the engine "
              "emits a token's text after decoding it, then Done — so Done's arrival is when "
              "the first `Token` event would come. (The synthetic vocabulary renders ~99 % of "
              "its ids as empty text, so Token events themselves can rarely be observed.) "
              "'Sampled' is when the token was chosen, one decode step earlier.", "",
              "| case | runs | TTFT (s) | sampled at (s) | positions prefilled after Enter |",
              "|---|---:|---:|---:|---:|"]
        names = {"dropped_earlier": "(a) image dropped earlier (encode + prefill done)",
                 "encoded_after_enter": "(b) image encoded after Enter (submitted together)",
                 "text_only": "(c) text-only question",
                 "evicted": "(d) image dropped earlier, but a text chat used the KV cache since"}
        for k, label in names.items():
            if k not in t["ttft_s"]:
                continue
            L.append(f"| {label} | {t['ttft_s'][k]['n']} | {fmt(t['ttft_s'][k])} | "
                     f"{fmt(t['sampled_at_s'][k])} | {fmt(t['prefilled_at_enter'][k], 1, 0)} |")
        L.append(f"\nIn (b) the drop's encoding and image prefill took "
                 f"{fmt(t['encode_and_prefill_s'], 1, 1)} s of that wait; in (a) that work "
                 "was done while the user typed. (a) reuses (b)'s embeddings and image KV "
                 "prefix — exactly the state a document dropped a while ago leaves — so only "
                 "the question's tokens are prefilled after Enter.")
    elif t:
        L += ["", "## 5. Time to first token after Enter", "", f"Not measured: {t['error']}."]
    mem = r.get("memory")
    if mem:
        L += ["", "## 6. Memory", "",
              "In the TTFT process (the app's workload: load both files, a first answer, "
              "encode and ask about the phone screen, a text question).", "",
              "| | MB |", "|---|---:|",
              f"| LLM file (q4_k_m, mmapped) | {mem['llm_mb']:.0f} |",
              f"| mmproj file (ViT q8_0, some f16; read into RAM) | {mem['mmproj_mb']:.0f} |",
              f"| RSS before loading (Python + libraries) | {mem['rss_before_load_mb']:.0f} |",
              f"| RSS right after loading ({mem['load_s']:.1f} s) | "
              f"{mem['rss_after_load_mb']:.0f} (anonymous {mem['anon_after_load_mb']:.0f}, "
              f"file-backed {mem['file_after_load_mb']:.0f}) |",
              f"| RSS after the first answer | {mem['rss_after_first_answer_mb']:.0f} |",
              *[f"| peak RSS while {PHASES.get(k, k)} | {v:.0f} |"
                for k, v in mem.get("peak_by_phase_mb", {}).items()],
              f"| peak RSS (getrusage ru_maxrss) | **{mem['peak_rss_mb']:.0f}** |",
              f"| peak RSS / (LLM + mmproj) | ×{mem['peak_over_files']:.2f} |"]
    L += ["", "Random-weight models: shapes and token counts, so speed and memory, are a "
          "trained model's of the same shape; answers are not. Re-run on the user's machine "
          "(`--quick`) to choose its settings.", ""]
    md.write_text("\n".join(L), encoding="utf-8")
    return md, js


def machine_line(m: dict[str, Any]) -> str:
    """'CPU (its SIMD flags), N cores, M GB' from `machine_info()`, for report headers."""
    return (f"{m.get('cpu', '?')} ({', '.join(m.get('cpu_flags', []))}), "
            f"{m.get('nproc', '?')} cores, {m.get('memory_gb', '?')} GB")


def _shown(path: str) -> str:
    """A model path as the report shows it: in the cache as `<cache>/…`, else its name
    (the report is committed; machine-specific directories mean nothing elsewhere)."""
    p = Path(path)
    if path.startswith("<cache>/") or len(p.parts) == 1:
        return path  # already shown form
    try:
        return f"<cache>/{p.relative_to(paths.cache_dir())}"
    except ValueError:
        return p.name


def _idle_line(idle: dict[str, Any]) -> str:
    if not idle.get("checked"):
        return "not checked (no /proc/stat)"
    la = idle.get("loadavg_at_start", (0, 0, 0))
    return (f"{idle['other_cores_at_start']:.2f} cores used by other processes, load average "
            f"{la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f} (waited {idle['waited_s']:.0f} s)")


def _key_table(r: dict[str, Any]) -> list[str]:
    rows = ["| measurement | result |", "|---|---|"]
    b = r.get("batching", {})
    if b.get("supported"):
        for k, v in b["by_batch"].items():
            rows.append(f"| encode {b['tiles']} tiles, batch {k} ({b['model']['layout']} "
                        f"{b['model']['size']}) | {fmt(v['per_tile_ms'], 1, 0)} ms/tile, "
                        f"{fmt(v['total_s'], 1, 1)} s total |")
    p = r.get("pipeline")
    if p:
        rows += [f"| {p['tiles']} tiles, encode then prefill (serial, {p['threads']} threads) "
                 f"| {fmt(p['serial']['total_s'], 1, 1)} s |",
                 f"| {p['tiles']} tiles, encode‖prefill pipeline ({p['split']['encoder']}+"
                 f"{p['split']['llm']} threads) | {fmt(p['pipeline']['total_s'], 1, 1)} s "
                 f"(serial/pipeline ×{fmt(p['speedup_serial_over_pipeline'])}) |"]
    c = r.get("prefill")
    if c:
        rows.append(f"| prefill {c['positions']} positions, chunk 32 / 128 / 512 | "
                    + " / ".join(fmt(c["by_chunk"][str(k)]["tok_s"], 1, 1) for k in CHUNKS)
                    + " tok/s |")
    d = r.get("decode")
    if d:
        rows += [f"| decode, engine | {fmt(d['tok_s']['engine'])} tok/s |",
                 f"| decode, bare `Llama.generate` / C-API loop (Llama ctx / engine ctx) | "
                 f"{fmt(d['tok_s']['generate'])} / {fmt(d['tok_s']['raw_llama'])} / "
                 f"{fmt(d['tok_s']['raw_native'])} tok/s |"]
    t = r.get("ttft")
    if t and "ttft_s" in t:
        rows += [f"| TTFT, image dropped earlier | {fmt(t['ttft_s']['dropped_earlier'])} s |",
                 f"| TTFT, image encoded after Enter | "
                 f"{fmt(t['ttft_s']['encoded_after_enter'], 1, 1)} s |",
                 f"| TTFT, text only | {fmt(t['ttft_s']['text_only'])} s |"]
        if "evicted" in t["ttft_s"]:
            rows.append(f"| TTFT, image dropped earlier but evicted by a text chat | "
                        f"{fmt(t['ttft_s']['evicted'], 1, 1)} s |")
    mem = r.get("memory")
    if mem:
        rows += [f"| RSS after load / peak RSS | {mem['rss_after_load_mb']:.0f} / "
                 f"{mem['peak_rss_mb']:.0f} MB (files {mem['llm_mb']:.0f} + "
                 f"{mem['mmproj_mb']:.0f} MB) |"]
    return rows


# --- main ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", type=Path, help="BlueLM-layout LLM GGUF (default: the full model)")
    ap.add_argument("--mmproj", type=Path, help="its mmproj GGUF")
    ap.add_argument("--internvl-llm", type=Path, help="internvl LLM GGUF, for tile batching")
    ap.add_argument("--internvl-mmproj", type=Path, help="its mmproj GGUF")
    ap.add_argument("--make-internvl", action="store_true",
                    help="make a full internvl model (minutes) if none is found")
    ap.add_argument("--quick", action="store_true",
                    help="one repetition, fewer tiles (for `bluelm-desktop tune`)")
    ap.add_argument("--reps", type=int,
                    help="repetitions of the short measurements: prefill chunks, decode, "
                         "TTFT with the image ready and text-only (default 3; --quick: 1)")
    ap.add_argument("--heavy-reps", type=int, default=1,
                    help="repetitions of the measurements that take minutes each on a small "
                         "CPU: tile batching, the 9-tile pipeline vs serial, TTFT with the "
                         "image encoded after Enter (default 1)")
    ap.add_argument("--threads", type=int, default=0, help="threads (default: all cores)")
    ap.add_argument("--decode-tokens", type=int, help="tokens per decode run (default 64)")
    ap.add_argument("--max-wait", type=float, default=300,
                    help="seconds to wait, before each measurement, for other processes to "
                         "stop using the CPU")
    ap.add_argument("--out-dir", type=Path, default=REPORT_DIR)
    ap.add_argument("--only", default=",".join(PARTS),
                    help=f"comma-separated parts to measure (default all: {','.join(PARTS)})")
    ap.add_argument("--merge", type=Path, metavar="JSON",
                    help="start from this JSON report and replace only the parts measured "
                         "now (e.g. to re-measure a part a busy machine disturbed)")
    ap.add_argument("--note", action="append", default=[],
                    help="a sentence for the report's notes (repeatable)")
    ap.add_argument("--render", type=Path, metavar="JSON",
                    help="only rewrite the markdown report from a JSON report")
    ap.add_argument("--flash-attn", choices=("off", "on", "auto"),
                    help="the engine's flash attention for decode and TTFT (default: its own)")
    ap.add_argument("--_child-ttft", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    global FLASH_ATTENTION
    FLASH_ATTENTION = args.flash_attn
    if args.render:
        md, _ = write_report(json.loads(args.render.read_text(encoding="utf-8")), args.out_dir)
        log(f"wrote {md}")
        return 0
    reps = args.reps or (1 if args.quick else 3)
    heavy = max(1, args.heavy_reps)
    threads = args.threads or os.cpu_count() or 1
    if args._child_ttft:
        ttft_child(args.llm, args.mmproj, threads, reps, heavy, args.quick, args.max_wait,
                   args._child_ttft)
        return 0

    t_run = time.perf_counter()
    if (args.llm is None) != (args.mmproj is None):
        ap.error("--llm and --mmproj go together")
    parts = [x.strip() for x in args.only.split(",") if x.strip()]
    if unknown := set(parts) - set(PARTS):
        ap.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    models: dict[str, ModelPair] = {}  # only the pairs the chosen parts use
    if set(parts) - {"batching"}:
        models["BlueLM"] = find_or_make(C.LAYOUT_BLUELM, (args.llm, args.mmproj),
                                        DEFAULT_BLUELM, True)
    if "batching" in parts:
        models["batching"] = find_or_make(
            C.LAYOUT_INTERNVL, (args.internvl_llm, args.internvl_mmproj), DEFAULT_INTERNVL,
            args.make_internvl)
    bluelm, internvl = models.get("BlueLM"), models.get("batching")
    made_s = sum(p.made_s or 0.0 for p in models.values())
    machine = machine_info()
    log(f"{machine['cpu']}, nproc {machine['nproc']}, llama-cpp-python "
        f"{machine['llama_cpp_python']}; {reps} / {heavy} repetition(s), {threads} threads")
    guard = Guard(args.max_wait)
    start_busy = guard.wait_idle()
    idle = {"checked": start_busy is not None, "other_cores_at_start": start_busy or 0.0,
            "loadavg_at_start": os.getloadavg(), "waited_s": guard.waited_s}
    log(f"machine check: {_idle_line(idle)}")
    date = time.strftime("%Y-%m-%d %H:%M %Z")
    report: dict[str, Any] = (json.loads(args.merge.read_text(encoding="utf-8"))
                              if args.merge else {"guards": {}, "part_dates": {}})
    report.setdefault("notes", []).extend(args.note)
    if "guards" not in report and "guard" in report:  # a report from before per-part guards
        old = report["guard"]
        report["guards"] = {
            part: {"waited_s": 0.0,
                   "repeated": [x for x in old["repeated"] if _part_of(x) == part],
                   "disturbed": [x for x in old["disturbed"] if _part_of(x) == part]}
            for part in PARTS}
        report["guards"]["earlier run (all parts)"] = {"waited_s": old["waited_s"]}
    report.setdefault("guards", {})
    report.setdefault("part_dates", {})
    if args.merge:
        report.setdefault("merged", []).append({"date": date, "parts": parts,
                                                "models_made_s": made_s})
    else:
        report.update({"date": date, "idle": idle, "models_made_s": made_s})
    report.update({
        "quick": args.quick, "reps": reps, "heavy_reps": heavy, "threads": threads,
        "split": EngineSettings(threads=threads).split(), "machine": machine,
        "paper": PAPER,
    })
    report.setdefault("models", {}).update({k: v.as_dict() for k, v in models.items()})
    t_measure = time.perf_counter()

    def part_guard(name: str) -> Guard:
        g = Guard(args.max_wait)
        report["guards"][name] = g.as_dict()
        report["part_dates"][name] = time.strftime("%Y-%m-%d %H:%M %Z")
        return g

    if "batching" in parts:
        log("1/6 tile batching")
        g = part_guard("batching")
        assert internvl is not None
        report["batching"] = bench_batching(internvl, threads, heavy, args.quick, g)
        report["guards"]["batching"] = g.as_dict()
    if "pipeline" in parts:
        log("2/6 encode‖prefill pipeline vs serial; 3/6 prefill chunks")
        g = part_guard("pipeline")
        assert bluelm is not None
        rig = open_rig(bluelm, threads)
        try:
            report["lfm2_batch_supported"] = rig.mtmd_all.supports_batch()
            report["pipeline"], embeddings = bench_pipeline(rig, heavy, args.quick, g)
            report["prefill"] = bench_prefill_chunks(rig, embeddings, reps, g)
        finally:
            rig.close()
        report["guards"]["pipeline"] = g.as_dict()
    if "decode" in parts:
        log("4/6 decode: engine vs bare llama-cpp-python")
        g = part_guard("decode")
        n_tokens = args.decode_tokens or (16 if args.quick else 64)
        assert bluelm is not None
        report["decode"] = bench_decode(bluelm, threads, reps, n_tokens, g)
        report["guards"]["decode"] = g.as_dict()
    if "ttft" in parts:
        log("5/6 time to first token, 6/6 memory (fresh process)")
        part_guard("ttft")
        assert bluelm is not None
        report["ttft"] = t = bench_ttft(bluelm, threads, reps, heavy, args.quick,
                                        args.max_wait)
        report["guards"]["ttft"] = t.get("guard", {})
        if "error" not in t:
            after = t["rss_after_load_mb"]
            llm_mb, mm_mb = bluelm.as_dict()["llm_mb"], bluelm.as_dict()["mmproj_mb"]
            report["memory"] = {
                "llm_mb": llm_mb, "mmproj_mb": mm_mb,
                "rss_before_load_mb": t["rss_before_load_mb"].get("VmRSS", 0.0),
                "rss_after_load_mb": after.get("VmRSS", 0.0),
                "anon_after_load_mb": after.get("RssAnon", 0.0),
                "file_after_load_mb": after.get("RssFile", 0.0),
                "rss_after_first_answer_mb": t["rss_after_first_answer_mb"].get("VmRSS", 0.0),
                "peak_rss_mb": t["peak_rss_mb"],
                "peak_by_phase_mb": t["rss_peak_by_phase_mb"],
                "peak_over_files": t["peak_rss_mb"] / (llm_mb + mm_mb),
                "load_s": t["load_s"],
            }
    report["guard"] = {
        "threshold_cores": guard.threshold,
        "waited_s": sum(g.get("waited_s", 0.0) for g in report["guards"].values()),
        "repeated": [x for g in report["guards"].values() for x in g.get("repeated", [])],
        "disturbed": [x for g in report["guards"].values() for x in g.get("disturbed", [])],
    }
    others = [x.get("other_cores", 0.0) for x in _walk_runs(report)]
    report["other_cores_max"] = max(others, default=0.0)
    if args.merge:
        report["merged"][-1]["run_s"] = time.perf_counter() - t_run
    else:
        report["measure_s"] = time.perf_counter() - t_measure
        report["run_s"] = time.perf_counter() - t_run
    md, js = write_report(report, args.out_dir)
    log(f"done in {(time.perf_counter() - t_run) / 60:.1f} min"
        + (f" (making models {made_s / 60:.1f} min)" if made_s else "") + f": {md}, {js}")
    return 0


def _part_of(label: str) -> str:
    """Which part a guard label belongs to ('prefill chunk 128, rep 3' → 'pipeline')."""
    first = label.split()[0].rstrip(":").lower()
    return {"serial": "pipeline", "prefill": "pipeline", "ttft": "ttft"}.get(first, first)


def _walk_runs(node: Any) -> Iterator[dict[str, Any]]:
    """Every measurement record (a dict with 'other_cores') in the report."""
    if isinstance(node, dict):
        if "other_cores" in node and isinstance(node["other_cores"], int | float):
            yield node
        for v in node.values():
            yield from _walk_runs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk_runs(v)


if __name__ == "__main__":
    sys.exit(main())
