"""Which llama.cpp CPU build to ship: candidates measured side by side on the full-size model.

Run on demand (not collected by pytest):

    .venv/bin/python tests/benchmarks/cpu_builds.py [--llm L.gguf --mmproj M.gguf]
        [--builds DIR] [--reps 3] [--only NAME ...]

Each candidate is a build of the llama-cpp-python sdist the project pins (its CMake
options below) plus how the engine loads models with it (llama.cpp's extra buffer types —
CPU weight repacking and, where compiled in, the AMX path — on or off). Missing builds are
made once with `pip wheel` into `--builds` (default: <cache>/llama-builds; about 5 minutes
each on 2 cores, 25 for the all-variants one) and installed there with `pip --target`, so
the venv's own llama-cpp-python is never touched.

Every measurement runs in a fresh child process with that build first on sys.path: load
time (LLM + projector + context), ms per tile encode (two 392-px tiles, one at a time),
prefill tok/s in chunks of 128 (512 positions), decode tok/s (32 tokens after them), and
the child's peak RSS. A child killed by a signal is recorded as such (the AMX build's
SIGILL). Candidates alternate within each repetition, so slow drift of the machine hits
all of them alike, and each measurement waits for an idle machine (engine_benchmark's
Guard). Writes reports/cpu_builds.md and .json next to this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import engine_benchmark as eb

from bluelm_desktop.core import paths

LLAMA_CPP_VERSION: Final = "0.3.36"
REPORT_NAME: Final = "cpu_builds"
NO_AMX: Final = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
# llama.cpp's release layout: one CPU backend module per CPU generation, the best one this
# processor runs chosen at start. GGML_BACKEND_DIR installs the modules beside libllama
# (bluelm's native.init_backend loads them from there); typed STRING, since CMake turns an
# untyped relative PATH given with -D into an absolute path inside the build folder.
ALL_VARIANTS: Final = ("-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON "
                       "-DGGML_BACKEND_DIR:STRING=llama_cpp/lib")
PREFILL_POSITIONS: Final = 512
CHUNK: Final = 128
DECODE_TOKENS: Final = 32
TILES: Final = 2


@dataclass(frozen=True)
class Build:
    name: str
    cmake_args: str
    drop: tuple[str, ...] = ()  # files removed from llama_cpp/lib after installing
    note: str = ""


@dataclass(frozen=True)
class Candidate:
    name: str
    build: Build
    extra_buffers: bool  # llama_model_params.use_extra_bufts
    note: str = ""


BUILDS: Final = {
    b.name: b
    for b in (
        Build("native", "-DGGML_NATIVE=ON", note="pip's default: -march=native (AMX here)"),
        Build("native-noamx", f'-DGGML_NATIVE=ON -DCMAKE_C_FLAGS="{NO_AMX}" '
              f'-DCMAKE_CXX_FLAGS="{NO_AMX}"', note="-march=native without the AMX ISA"),
        Build("all-variants", ALL_VARIANTS, note="every CPU variant, ggml picks one"),
        Build("all-variants-noamx", ALL_VARIANTS, drop=("libggml-cpu-sapphirerapids.so",),
              note="the same without its AMX variant (sapphirerapids)"),
    )
}
CANDIDATES: Final = (
    Candidate("native, repack+AMX", BUILDS["native"], True,
              "what `pip install llama-cpp-python` gives on this machine"),
    Candidate("native, no extra buffers", BUILDS["native"], False,
              "use_extra_bufts=False where the AMX path is present"),
    Candidate("native -mno-amx, repack", BUILDS["native-noamx"], True),
    Candidate("native -mno-amx, no repack", BUILDS["native-noamx"], False),
    Candidate("all variants, repack+AMX", BUILDS["all-variants"], True,
              "llama.cpp's release layout as is"),
    Candidate("all variants, no extra buffers", BUILDS["all-variants"], False),
    Candidate("all variants minus AMX, repack", BUILDS["all-variants-noamx"], True),
    Candidate("all variants minus AMX, no repack", BUILDS["all-variants-noamx"], False),
)


# --- builds -------------------------------------------------------------------------------


def build(b: Build, root: Path) -> Path:
    """The site folder holding `llama_cpp` built with `b`'s options (made once)."""
    site = root / b.name / "site"
    if (site / "llama_cpp").is_dir():
        return site
    wheels = root / b.name / "wheel"
    wheels.mkdir(parents=True, exist_ok=True)
    if not list(wheels.glob("*.whl")):
        eb.log(f"building llama-cpp-python {LLAMA_CPP_VERSION} '{b.name}' ({b.cmake_args})")
        t0 = time.perf_counter()
        env = dict(os.environ, CMAKE_ARGS=b.cmake_args)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir",
                        "--no-binary", "llama-cpp-python", "-w", str(wheels),
                        f"llama-cpp-python=={LLAMA_CPP_VERSION}"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        (root / b.name / "build_seconds").write_text(f"{time.perf_counter() - t0:.0f}\n")
    [wheel] = wheels.glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-cache-dir",
                    "--target", str(site), str(wheel)], check=True, stdout=subprocess.DEVNULL)
    for name in b.drop:
        (site / "llama_cpp" / "lib" / name).unlink()
    return site


def build_seconds(root: Path, b: Build) -> float | None:
    try:
        return float((root / b.name / "build_seconds").read_text())
    except (OSError, ValueError):
        return None


# --- one measurement (child) ------------------------------------------------------------------


def child(llm: Path, mmproj: Path) -> dict[str, Any]:
    """Load, encode, prefill, decode with the llama_cpp first on sys.path; one JSON record."""
    import numpy as np

    from bluelm_desktop.core.engine import native

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    model = native.LlamaModel(llm)
    mtmd = native.MtmdContext(mmproj, model)
    ctx = native.LlamaContext(model, n_ctx=1024, n_batch=512)
    load_s = time.perf_counter() - t0
    info = native.build_info()
    side = mtmd.image_size
    tiles = [rng.integers(0, 256, (side, side, 3), dtype=np.uint8) for _ in range(TILES)]
    t0 = time.perf_counter()
    for tile in tiles:
        mtmd.encode_tile(tile)
    encode_ms = (time.perf_counter() - t0) * 1000 / TILES
    tokens = rng.integers(100, model.n_vocab, PREFILL_POSITIONS).tolist()
    t0 = time.perf_counter()
    for i in range(0, PREFILL_POSITIONS, CHUNK):
        ctx.decode_tokens(tokens[i:i + CHUNK], logits=i + CHUNK >= PREFILL_POSITIONS)
    prefill_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    token = int(np.argmax(ctx.logits()[-1]))
    for _ in range(DECODE_TOKENS):
        ctx.decode_tokens([token])
        token = int(np.argmax(ctx.logits()[-1]))
    decode_s = time.perf_counter() - t0
    mtmd.close()
    ctx.close()
    model.close()
    return {
        "load_s": load_s,
        "encode_ms_per_tile": encode_ms,
        "prefill_tok_s": PREFILL_POSITIONS / prefill_s,
        "decode_tok_s": DECODE_TOKENS / decode_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_variant": info.cpu_variant,
        "system_info": info.system_info,
        "extra_buffers": native.use_extra_buffers(),
    }


def measure(c: Candidate, site: Path, llm: Path, mmproj: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), *sys.path[:2]]),
               BLUELM_EXTRA_BUFFERS="1" if c.extra_buffers else "0")
    with tempfile.TemporaryFile() as out:
        done = subprocess.run([sys.executable, __file__, "--child", str(llm), str(mmproj)],
                              env=env, stdout=out, stderr=subprocess.PIPE, check=False,
                              timeout=900)
        out.seek(0)
        text = out.read().decode()
    if done.returncode < 0:
        return {"crashed": signal.Signals(-done.returncode).name}
    if done.returncode != 0:
        return {"failed": done.stderr.decode(errors="replace").strip().splitlines()[-1:]}
    return json.loads(text.strip().splitlines()[-1])


# --- report -------------------------------------------------------------------------------

METRICS: Final = (("load_s", "load s", 2), ("encode_ms_per_tile", "encode ms/tile", 0),
                  ("prefill_tok_s", "prefill tok/s (chunk 128)", 1),
                  ("decode_tok_s", "decode tok/s", 2), ("peak_rss_mb", "peak RSS MB", 0))


def write_report(r: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{REPORT_NAME}.json").write_text(json.dumps(r, indent=1) + "\n")
    m = r["machine"]
    lines = [
        "# llama.cpp CPU builds side by side",
        "",
        f"Machine: {eb.machine_line(m)}; {r['model']}. "
        f"{r['reps']} repetitions, candidates alternating; median [min–max]. Every "
        "measurement in a fresh process: load (LLM + projector + context), "
        f"{TILES} tiles encoded one at a time, {PREFILL_POSITIONS} positions prefilled in "
        f"chunks of {CHUNK}, {DECODE_TOKENS} tokens decoded after them. "
        "Made by `tests/benchmarks/cpu_builds.py`.",
        "",
        "| candidate | CPU backend | " + " | ".join(h for _, h, _ in METRICS) + " |",
        "|---|---|" + "---:|" * len(METRICS),
    ]
    for c in r["candidates"]:
        runs = c["runs"]
        bad = [x for x in runs if "crashed" in x or "failed" in x]
        if bad:
            why = bad[0].get("crashed") or "; ".join(bad[0]["failed"])
            lines.append(f"| {c['name']} | {c.get('cpu_variant') or '—'} | **{why}** in "
                         f"{len(bad)} of {len(runs)} runs |" + " |" * (len(METRICS) - 1))
            continue
        cells = [eb.fmt(eb.summary([x[k] for x in runs]), digits=d) for k, _, d in METRICS]
        lines.append(f"| {c['name']} | {c.get('cpu_variant') or 'built in'} | "
                     + " | ".join(cells) + " |")
    lines += ["", "Builds (llama-cpp-python " + LLAMA_CPP_VERSION + ", `CMAKE_ARGS`):", ""]
    for b in r["builds"]:
        took = f", built in {b['build_s'] / 60:.0f} min" if b.get("build_s") else ""
        drop = f"; removed after install: {', '.join(b['drop'])}" if b["drop"] else ""
        lines.append(f"- **{b['name']}** — `{b['cmake_args']}`{drop} ({b['note']}{took})")
    lines += ["", "Candidates:", ""]
    for c in r["candidates"]:
        if c["note"]:
            lines.append(f"- {c['name']}: {c['note']}")
    lines += ["", "CPU features each build's CPU backend reports (`llama_print_system_info`):",
              ""]
    for c in r["candidates"]:
        info = next((x["system_info"] for x in c["runs"] if "system_info" in x), None)
        if info:
            lines.append(f"- {c['name']}: `{info}`")
    lines += ["", "## Conclusions", "", *conclusions(r)]
    path = out_dir / f"{REPORT_NAME}.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _median(r: dict[str, Any], name: str, key: str) -> float | None:
    c = next((c for c in r["candidates"] if c["name"] == name), None)
    return eb.median_of(c["runs"], key) if c else None


def conclusions(r: dict[str, Any]) -> list[str]:
    """What the table says, in sentences, from its medians."""
    out = []
    crashed = [c["name"] for c in r["candidates"] if any("crashed" in x for x in c["runs"])]
    if crashed:
        out.append(f"- Crashed (SIGILL in the first prefill): {', '.join(crashed)}. Every build "
                   "with ggml's AMX kernels crashes here once extra buffer types are on.")
    pairs = [("native -mno-amx, repack", "native -mno-amx, no repack"),
             ("all variants minus AMX, repack", "all variants minus AMX, no repack")]
    for on, off in pairs:
        pre_on, pre_off = _median(r, on, "prefill_tok_s"), _median(r, off, "prefill_tok_s")
        rss_on, rss_off = _median(r, on, "peak_rss_mb"), _median(r, off, "peak_rss_mb")
        load_on, load_off = _median(r, on, "load_s"), _median(r, off, "load_s")
        dec_on, dec_off = _median(r, on, "decode_tok_s"), _median(r, off, "decode_tok_s")
        if None in (pre_on, pre_off, rss_on, rss_off, load_on, load_off, dec_on, dec_off):
            continue
        out.append(f"- Repacking ({on.split(',')[0]}): prefill ×{pre_on / pre_off:.2f} of "
                   f"without it, decode ×{dec_on / dec_off:.2f}, {rss_on - rss_off:+.0f} MB "
                   f"peak RSS, load {load_on - load_off:+.2f} s.")
    portable = "all variants minus AMX, no repack"
    native = "native -mno-amx, no repack"
    vals = {k: (_median(r, portable, k), _median(r, native, k))
            for k in ("prefill_tok_s", "decode_tok_s", "encode_ms_per_tile")}
    if all(a is not None and b is not None for a, b in vals.values()):
        pre, dec, enc = (a / b for a, b in vals.values())  # type: ignore[operator]
        out.append(f"- The portable build (its {_variant(r, portable)} module) against "
                   f"-march=native without AMX, both without repacking: prefill ×{pre:.2f}, "
                   f"decode ×{dec:.2f}, encode time per tile ×{enc:.2f}.")
    return out


def _variant(r: dict[str, Any], name: str) -> str:
    c = next((c for c in r["candidates"] if c["name"] == name), {})
    return c.get("cpu_variant") or "built-in"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", type=Path)
    ap.add_argument("--mmproj", type=Path)
    ap.add_argument("--builds", type=Path, default=None)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=None, help="candidate names to run")
    ap.add_argument("--out", type=Path, default=eb.REPORT_DIR)
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the .md from the .json already in --out")
    args = ap.parse_args(argv)
    if args.report_only:
        report = json.loads((args.out / f"{REPORT_NAME}.json").read_text())
        print(write_report(report, args.out))
        return 0
    root = args.builds or paths.cache_dir() / "llama-builds"
    pair = eb.find_or_make("bluelm", (args.llm, args.mmproj), eb.DEFAULT_BLUELM,
                           allow_full=True)
    chosen = [c for c in CANDIDATES if args.only is None or c.name in args.only]
    sites = {b.name: build(b, root) for b in {c.build.name: c.build for c in chosen}.values()}
    guard = eb.Guard(max_wait_s=120)
    eb.log("warming the page cache")
    measure(chosen[-1], sites[chosen[-1].build.name], pair.llm, pair.mmproj)
    runs: dict[str, list[dict[str, Any]]] = {c.name: [] for c in chosen}
    for rep in range(args.reps):
        for c in eb.rotated(chosen, rep):
            if any("crashed" in x for x in runs[c.name]):
                continue  # a crash is a result; repeating it tells nothing more
            eb.log(f"rep {rep + 1}/{args.reps}: {c.name}")
            rec = guard.run(c.name, lambda c=c: measure(c, sites[c.build.name], pair.llm,
                                                          pair.mmproj))
            runs[c.name].append(rec)
            eb.log(f"  {json.dumps({k: v for k, v in rec.items() if k != 'system_info'})}")
    used = {c.build.name: c.build for c in chosen}
    report = {
        "machine": eb.machine_info(),
        "python": platform.python_version(),
        "model": f"BlueLM-shaped full-size pair ({pair.llm.stat().st_size / 2**20:.0f} MiB LLM "
                 f"q4_k_m, {pair.mmproj.stat().st_size / 2**20:.0f} MiB mmproj)",
        "reps": args.reps,
        "builds": [{"name": b.name, "cmake_args": b.cmake_args, "drop": list(b.drop),
                    "note": b.note, "build_s": build_seconds(root, b)} for b in used.values()],
        "candidates": [{"name": c.name, "build": c.build.name, "note": c.note,
                        "extra_buffers": c.extra_buffers,
                        "cpu_variant": next((x.get("cpu_variant") for x in runs[c.name]
                                             if "cpu_variant" in x), None),
                        "runs": runs[c.name]} for c in chosen],
    }
    print(write_report(report, args.out))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(Path(sys.argv[2]), Path(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
