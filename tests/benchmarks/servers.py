"""Batch throughput through llama.cpp servers against the in-process engine.

Run on demand (not collected by pytest):

    .venv/bin/python tests/benchmarks/servers.py [--sizes tiny full] [--files N]
        [--full-llm L.gguf --full-mmproj M.gguf]

For each model size, the same folder of synthetic one-tile invoices (a 500×400 scan,
`--max-grid 1`: one 392-px tile, 196 image positions) goes through `batch --task ask`
(a fixed question, greedy, 16 answer tokens) five ways:
- in-process: the app's own engine, every core (what `batch --model` does);
- 1 server: one `llama-server` with every core, one slot;
- 1 server × 2 slots: one server, two slots (continuous batching of two files);
- 2 servers: two servers, one slot and half the cores each;
each measured as files per minute (wall clock of `Batch.run`, the in-process model load
included; servers are started before and timed apart) and per-file seconds (the records'
own). On this 2-core machine the servers share the same two cores: more servers cannot add
compute here, so the point is the shape of the curve and that the results stay correct
(each configuration must record every file once, all ok).

HTTP's own cost per file is measured apart: a text-only question of one answer token
through the tiny model, in-process and through one server (the difference is the request,
JSON, streaming and the server's scheduling), and the PNG encoding of one 392-px tile (the
client's work that the in-process engine does not do).

Writes reports/servers.md and .json next to this file. Needs the cached llama-server
(scripts/build_llama_server.sh builds it).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import engine_benchmark as eb
import numpy as np
from PIL import Image, ImageDraw

from bluelm_desktop.core import batch
from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import Done, EngineSettings
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.server import ServerClient, ServerConfig
from bluelm_desktop.core.server.request import image_part
from bluelm_desktop.core.settings import Settings
from tests.llama_servers import LlamaServer, server_binary

REPORT_NAME: Final = "servers"
QUESTION: Final = "What is the total amount due?"
ANSWER_TOKENS: Final = 16
CTX: Final = 2048
CORES: Final = 2


_folders = itertools.count(1)


def make_folder(work: Path, files: int) -> Path:
    """A new folder of invoices no run has seen: llama-server keeps the prompts it
    answered (its prompt cache), so a measurement repeated on the same files would
    measure that cache, not the work."""
    k = next(_folders)
    folder = work / f"docs-{k}"
    folder.mkdir(parents=True)
    for n in range(files):
        img = Image.new("RGB", (500, 400), "white")
        ImageDraw.Draw(img).text((30, 30), f"ACME Ltd.\nINVOICE {k}-{n}\n"
                                 f"Total: {n},{k:03d}.56 EUR", fill="black")
        img.save(folder / f"inv-{n:03d}.png")
    return folder


def run_batch(docs: Path, out: Path, llm: Path, mmproj: Path,
              servers: Sequence[ServerConfig]) -> dict[str, Any]:
    job = batch.make_job(Settings(), folder=docs, out=out, task="ask", llm=llm,
                         mmproj=mmproj, question=QUESTION, threads=CORES, ctx=CTX,
                         max_grid=1, max_tokens=ANSWER_TOKENS, seed=1, servers=servers)
    job = dataclasses.replace(job, sampling=dataclasses.replace(job.sampling, temperature=0.0))
    log = out.with_suffix(".log")
    seen: list[tuple[float, int]] = []  # (when, records in the output): polled
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.005):
            count = out.read_bytes().count(b"\n") if out.exists() else 0
            if not seen or count != seen[-1][1]:
                seen.append((time.perf_counter(), count))

    watcher = threading.Thread(target=watch, daemon=True)
    with log.open("w", encoding="utf-8") as stream:
        t0 = time.perf_counter()
        watcher.start()
        try:
            summary = batch.Batch(job, progress_stream=stream, tty=False).run()
        finally:
            done.set()
            watcher.join()
        wall = time.perf_counter() - t0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    names = sorted(r["file"] for r in records)
    expected = sorted(p.name for p in docs.iterdir())
    correct = names == expected and all(r["ok"] for r in records)
    per_file = [r["seconds"] for r in records]
    # Answering: from when the first file started on its model (its record's time back
    # from when it was written) to the last record — the model load, the reader's start
    # and the files' listing left out, which servers started beforehand never pay.
    first = next(t for t, n in seen if n >= 1)
    last = next(t for t, n in seen if n >= len(records))
    began = first - records[0]["seconds"]
    answering = 60 * len(records) / (last - began)
    return {"files": len(records), "correct": correct, "wall_s": round(wall, 2),
            "answering_from_s": round(began - t0, 2),
            "files_per_min": round(60 * len(records) / wall, 2),
            "answering_files_per_min": round(answering, 2),
            "per_file_s": eb.summary(per_file), "by_server": summary.by_server}


def configurations() -> list[tuple[str, list[tuple[int, int]]]]:
    """(name, [(threads, slots) per server]); no servers: in-process."""
    return [("in-process", []), ("1 server", [(CORES, 1)]),
            ("1 server × 2 slots", [(CORES, 2)]), ("2 servers", [(1, 1), (1, 1)])]


def _cpu_s(pid: int) -> float:
    """CPU seconds a process has used (/proc/PID/stat utime + stime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / eb._CLK


def guarded(guard: eb.Guard, label: str, fn: Any, servers: Sequence[LlamaServer]
            ) -> dict[str, Any]:
    """`guard.run`, with the servers' CPU counted as the measurement's own: they are this
    benchmark's children, but not waited for, so /proc/stat would count them as others."""
    pids = [s.process.pid for s in servers if s.process is not None]
    for attempt in range(guard.retries + 1):
        guard.wait_idle()
        before = sum(_cpu_s(p) for p in pids)
        watch = eb.CpuWatch()
        record: dict[str, Any] = fn()
        others = watch.other_cores(sum(_cpu_s(p) for p in pids) - before) or 0.0
        record["other_cores"] = round(others, 2)
        if others <= guard.threshold:
            return record
        if attempt < guard.retries:
            guard.repeated.append(f"{label} ({others:.2f} cores)")
            eb.log(f"{label}: other processes used {others:.2f} cores meanwhile; again")
    guard.disturbed.append(f"{label} ({others:.2f} cores)")
    return record


def bench_size(size: str, llm: Path, mmproj: Path, files: int, guard: eb.Guard,
               work: Path) -> dict[str, Any]:
    binary = server_binary()
    results: dict[str, Any] = {"llm": eb._shown(str(llm)), "mmproj": eb._shown(str(mmproj)),
                               "files": files, "runs": {}}
    for name, shape in configurations():
        servers: list[LlamaServer] = []
        started = time.perf_counter()
        try:
            for k, (threads, slots) in enumerate(shape):
                servers.append(LlamaServer(binary, llm, mmproj, work / f"{size}-{name}-{k}.log",
                                           slots=slots, ctx=CTX, threads=threads).start())
            start_s = time.perf_counter() - started
            eb.log(f"{size}: {name} ({len(servers)} server(s) up in {start_s:.1f} s)")
            configs = [ServerConfig(s.url, timeout_s=600) for s in servers]
            out = work / f"{size}-{name.replace(' ', '_')}.jsonl"

            def measure(out: Path = out, configs: list[ServerConfig] = configs
                        ) -> dict[str, Any]:
                out.unlink(missing_ok=True)
                return run_batch(make_folder(work, files), out, llm, mmproj, configs)

            record = guarded(guard, f"{size} {name}", measure, servers)
            record["servers_start_s"] = round(start_s, 2)
            results["runs"][name] = record
            eb.log(f"  {record['files_per_min']} files/min, per file "
                   f"{eb.fmt(record['per_file_s'])} s, correct: {record['correct']}")
        finally:
            for server in servers:
                server.stop()
    return results


def bench_http(llm: Path, mmproj: Path, reps: int, guard: eb.Guard, work: Path
               ) -> dict[str, Any]:
    """One answer token to a text question: in-process and through one server, and the
    PNG encoding of one tile."""
    params = SamplingParams(temperature=0.0, max_tokens=1, seed=1)

    def turns(client: EngineClient) -> list[float]:
        client.run(lambda e: [e.load(llm, mmproj)])
        times = []
        for k in range(reps + 1):
            t0 = time.perf_counter()
            turn = client.run(lambda e, k=k: [e.ask(f"c{k}", f"Question {k}: {QUESTION}",
                                                    params=params)])
            assert turn.of(Done), turn.failure
            times.append(time.perf_counter() - t0)
        return times[1:]  # the first warms caches

    def measure() -> dict[str, Any]:
        with EngineClient(EngineSettings(threads=CORES, n_ctx=CTX)) as client:
            local = turns(client)
        with LlamaServer(server_binary(), llm, mmproj, work / "http.log", ctx=CTX,
                         threads=CORES) as server, \
                ServerClient(ServerConfig(server.url)) as client:
            remote = turns(client)
        tile = np.random.default_rng(0).integers(0, 256, (392, 392, 3), dtype=np.uint8)
        png = []
        for _ in range(reps):
            t0 = time.perf_counter()
            image_part(tile)
            png.append(time.perf_counter() - t0)
        return {"in_process_ms": eb.summary([t * 1000 for t in local]),
                "server_ms": eb.summary([t * 1000 for t in remote]),
                "png_tile_ms": eb.summary([t * 1000 for t in png])}

    return guard.run("http overhead", measure)


def write_report(r: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{REPORT_NAME}.json"
    json_path.write_text(json.dumps(r, indent=2), encoding="utf-8")
    m = r["machine"]
    lines = [
        "# Batch through llama.cpp servers vs the in-process engine",
        "",
        f"Machine: {eb.machine_line(m)}. Generated by `tests/benchmarks/servers.py` "
        f"({time.strftime('%Y-%m-%d', time.localtime(r['time']))}).",
        "",
        "Workload: synthetic one-tile invoices (500×400, `--max-grid 1`: one "
        f"392-px tile, 196 image positions), `batch --task ask`, greedy, {ANSWER_TOKENS} "
        f"answer tokens, context {CTX} per slot. *Answering*: files per minute from the "
        "moment the first file started on a model to the last record (the in-process model "
        "load and the run's set-up left out; the servers are started before the run). "
        "*Whole run*: `Batch.run` from start to end. Per-file seconds: the records' own (a "
        "file's time on its slot, so two slots sharing the cores each take longer), "
        "median [min–max].",
        "",
        f"**On this {CORES}-core machine every server shares the same two cores**: two "
        "servers get one core each, one server all of them. More servers add no compute "
        "here; what is shown is the shape of the curve, the cost of going through HTTP, "
        "and that every configuration recorded every file exactly once.",
        "",
    ]
    for size, res in r["sizes"].items():
        lines += [f"## {size} model ({res['files']} files)", "",
                  "| configuration | files/min, answering | files/min, whole run | answering "
                  "from (s) | per file (s) | files by server | every file once, ok |",
                  "|---|---:|---:|---:|---:|---|---|"]
        base = None
        for name, run in res["runs"].items():
            rate = run["answering_files_per_min"]
            base = base or rate
            rel = f" ({rate / base:.2f}×)" if base else ""
            by = " + ".join(f"{v}" for v in run["by_server"].values()) or "—"
            lines.append(f"| {name} | {rate:.1f}{rel} | {run['files_per_min']:.1f} | "
                         f"{run['answering_from_s']:.1f} | {eb.fmt(run['per_file_s'])} | {by} | "
                         f"{'yes' if run['correct'] else '**no**'} |")
        lines.append("")
    h = r.get("http")
    if h:
        local, remote = h["in_process_ms"]["median"], h["server_ms"]["median"]
        lines += ["## What HTTP costs per file", "",
                  "Tiny model, a text question, one answer token (so the model's own work "
                  "is near nothing and the difference is the transport):", "",
                  f"- in-process: {eb.fmt(h['in_process_ms'], digits=1)} ms; through one "
                  f"server on 127.0.0.1: {eb.fmt(h['server_ms'], digits=1)} ms — "
                  f"**{remote - local:+.1f} ms per request** (request and JSON, the stream, "
                  "the server's scheduling);",
                  f"- encoding one 392-px tile as PNG for the request: "
                  f"{eb.fmt(h['png_tile_ms'], digits=1)} ms (the server decodes it again).",
                  ""]
    lines += ["## Reading it", ""] + [f"- {c}" for c in r.get("conclusions", [])]
    if r["guard"]["disturbed"]:
        lines += ["", f"Disturbed by other processes: {', '.join(r['guard']['disturbed'])}."]
    md_path = out_dir / f"{REPORT_NAME}.md"
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return md_path, json_path


def conclusions(r: dict[str, Any]) -> list[str]:
    out = []
    for size, res in r["sizes"].items():
        runs = res["runs"]
        if "1 server × 2 slots" in runs and "1 server" in runs:
            a = runs["1 server"]["answering_files_per_min"]
            b = runs["1 server × 2 slots"]["answering_files_per_min"]
            out.append(f"{size}: two slots of one server (continuous batching) do {b / a:.2f}× "
                       "one slot: on two CPU cores batching two answers gains nothing; on a "
                       "GPU, slots are where a server's throughput comes from.")
        if "in-process" in runs and "1 server" in runs:
            a = runs["in-process"]["answering_files_per_min"]
            b = runs["1 server"]["answering_files_per_min"]
            out.append(f"{size}: one server with every core does {b / a:.2f}× the in-process "
                       "files per minute. A likely cause, not measured apart here: without "
                       "a `tune` result for the model the in-process engine encodes on one "
                       "core beside prefill on the other (its pipeline), which a lone tile "
                       "cannot overlap, while llama-server runs each stage on every core.")
        if "2 servers" in runs and "1 server" in runs:
            a = runs["1 server"]["answering_files_per_min"]
            b = runs["2 servers"]["answering_files_per_min"]
            out.append(f"{size}: two servers on the same two cores do {b / a:.2f}× one "
                       "server with one slot: no core was added, so the curve is flat here "
                       "(runs differ by about 10 %); on machines of their own, each server "
                       "adds its compute.")
        out.append(f"{size}: every configuration recorded every file once: "
                   f"{all(run['correct'] for run in runs.values())}.")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", choices=("tiny", "full"), default=["tiny", "full"])
    ap.add_argument("--files", type=int, help="files per size (default: tiny 20, full 6)")
    ap.add_argument("--full-llm", type=Path)
    ap.add_argument("--full-mmproj", type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-wait", type=float, default=120.0,
                    help="longest wait for an idle machine before each measurement (s)")
    args = ap.parse_args(argv)
    guard = eb.Guard(args.max_wait, retries=1)
    report: dict[str, Any] = {"machine": eb.machine_info(), "time": time.time(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="bluelm-servers-") as tmp:
        work = Path(tmp)
        tiny = eb.make_pair("bluelm", "tiny", work / "models")
        for size in args.sizes:
            if size == "tiny":
                pair = tiny
            else:
                default = eb.paths.cache_dir() / "benchmark-models" / "out-bluelm-full"
                pair = eb.find_or_make("bluelm", (args.full_llm, args.full_mmproj),
                                       (default / "bluelm-full-llm.gguf",
                                        default / "bluelm-full-mmproj.gguf"), True)
            files = args.files or (20 if size == "tiny" else 6)
            report["sizes"][size] = bench_size(size, pair.llm, pair.mmproj, files, guard,
                                               work)
        report["http"] = bench_http(tiny.llm, tiny.mmproj, args.reps, guard, work)
    report["guard"] = guard.as_dict()
    report["conclusions"] = conclusions(report)
    md, js = write_report(report, Path(__file__).resolve().parent / "reports")
    eb.log(f"wrote {md} and {js}")
    print(md.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
