"""How long Stop takes on a full-size model, with and without llama.cpp's abort callback.

Run on demand (not collected by pytest):

    .venv/bin/python tests/benchmarks/cancel_latency.py [--llm L.gguf --mmproj M.gguf]

The engine polls a stop between tokens, between prefill chunks and, since the abort
callback, after every node of a running decode's graph. This measures, on the
BlueLM-shaped `full` model (random weights, real shapes; made once by engine_benchmark's
`find_or_make`), the time from `Engine.cancel()` to the `Stopped` event:
- during decode (target: 200 ms), 1.5 s into an answer;
- during a long prefill (target: 1 s), 2.5 s into it;
- during tile encoding (no target: the ViT cannot be interrupted inside a tile).
The first two are measured side by side with the callback disabled (the engine as it was:
a stop waited for the token or the 128-position chunk in flight), alternating, and the
decode and prefill speeds with and without it show what the callback costs.

Writes reports/cancel_latency.md and .json next to this file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import engine_benchmark as eb

from bluelm_desktop.core.engine import native
from bluelm_desktop.core.engine.client import EngineClient, Turn
from bluelm_desktop.core.engine.engine import (
    EngineSettings,
    Loaded,
    Stopped,
    TileEncoded,
    Token,
)
from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.vision.tiling import cut_tiles, plan_image
from model_convert import constants as C

REPORT_DIR = Path(__file__).resolve().parent / "reports"
WORDS = ["invoice", "total", "amount", "contract", "party", "clause", "date", "net", "tax",
         "page", "line", "item", "price", "due", "signed", "term"]


@contextmanager
def abort_callback(enabled: bool) -> Iterator[None]:
    """With enabled=False, decodes run without the abort callback (the old engine)."""
    original = native.LlamaContext._set_abort
    if not enabled:
        native.LlamaContext._set_abort = lambda self, should_stop: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        native.LlamaContext._set_abort = original  # type: ignore[method-assign]


def prompt(tag: str, words: int) -> str:
    rng = np.random.default_rng(abs(sum(map(ord, tag))))
    return f"{tag}: " + " ".join(rng.choice(WORDS, words))


def stop_after(client: EngineClient, turn: Turn, wait: float | None = None,
               tokens: int = 0) -> float:
    """Let `turn` run (`tokens` tokens, then `wait` s), stop it: seconds to its Stopped."""
    if tokens:
        turn.wait_for(Token, tokens, timeout=900)
    if wait:
        time.sleep(wait)
    t0 = time.perf_counter()
    client.cancel(turn)
    if not turn.finished.wait(900):
        raise RuntimeError("the turn did not end after the stop")
    stopped = turn.first(Stopped)
    if stopped is None:
        raise RuntimeError(f"the turn ended with {turn.events[-1]} instead of stopping")
    return stopped[0] - t0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", type=Path)
    ap.add_argument("--mmproj", type=Path)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out-dir", type=Path, default=REPORT_DIR)
    ap.add_argument("--render", type=Path, metavar="JSON",
                    help="only write the report again from a run's JSON")
    args = ap.parse_args(argv)
    if args.render:
        write(json.loads(args.render.read_text()), args.out_dir)
        return 0
    t_run = time.perf_counter()
    pair = eb.find_or_make(C.LAYOUT_BLUELM, (args.llm, args.mmproj), eb.DEFAULT_BLUELM, True)
    client = EngineClient(EngineSettings())  # the app's: 128-position chunks, all cores
    eng = client.engine
    loaded = eb.finish(client, lambda e: [e.load(pair.llm, pair.mmproj)]).of(Loaded)[0]
    eb.log(f"loaded {pair.llm.name} in {loaded.load_s:.1f} s")
    r: dict[str, Any] = {"machine": eb.machine_info(), "model": pair.as_dict(),
                         "settings": {"n_chunk": eng.settings.n_chunk,
                                      "threads": eng.settings.total_threads()},
                         "runs": {}}
    # sampled from the whole vocabulary: with random weights an end token is then a
    # 1-in-the-vocabulary event, where greedy decoding may end an answer at once
    long_answer = SamplingParams(max_tokens=4000, temperature=1.0, top_k=0, top_p=1.0,
                                 repeat_penalty=1.0, seed=11)
    n = 0
    for rep in range(args.reps):
        for enabled in ((True, False) if rep % 2 == 0 else (False, True)):
            key = "with_callback" if enabled else "without_callback"
            runs = r["runs"].setdefault(key, {"decode_stop_s": [], "prefill_stop_s": [],
                                              "decode_tok_s": [], "prefill_tok_s": [],
                                              "token_s": []})
            with abort_callback(enabled):
                n += 1
                turn = client.start(lambda e, n=n: [e.ask(
                    f"d{n}", f"Story {n}: a lighthouse keeper.", params=long_answer)])
                # random weights: many tokens are pieces of no text, so wait by time
                runs["decode_stop_s"].append(stop_after(client, turn, tokens=1, wait=1.5))
                eb.log(f"{key}: decode stop {runs['decode_stop_s'][-1] * 1000:.0f} ms")
                n += 1
                turn = client.start(lambda e, n=n: [e.ask(f"p{n}", prompt(f"P{n}", 400),
                                                          params=long_answer)])
                runs["prefill_stop_s"].append(stop_after(client, turn, wait=2.5))
                eb.log(f"{key}: prefill stop {runs['prefill_stop_s'][-1] * 1000:.0f} ms")
                # speed: a ~300-position prompt and 32 tokens, uninterrupted
                n += 1
                speed = dataclasses.replace(long_answer, max_tokens=32)
                _, done = eb.done_of(eb.finish(client, lambda e, n=n, speed=speed: [e.ask(
                    f"s{n}", prompt(f"S{n}", 160), params=speed)]))
                st = done.stats
                runs["prefill_tok_s"].append(st.prefilled_positions / st.prefill_s)
                runs["decode_tok_s"].append(st.decode_tokens / st.decode_s)
                runs["token_s"].append(st.decode_s / st.decode_tokens)
                eb.log(f"{key}: prefill {runs['prefill_tok_s'][-1]:.1f} tok/s, decode "
                       f"{runs['decode_tok_s'][-1] if runs['decode_tok_s'] else 0:.1f} tok/s")

    # tile encoding: a stop waits for the tile in flight
    img = eb.phone_screen(0)
    params, _ = eb.tiling_for(pair.llm)
    plan = plan_image(img.shape[1], img.shape[0], params)
    tiles = [t.pixels for t in cut_tiles(img, plan)][:4]
    layout = ImageLayout(plan.grid.cols, plan.grid.rows, plan.thumbnail, params.tokens_per_tile)
    t_submit = time.perf_counter()
    turn = client.start(lambda e: [e.encode_image("enc", "screen", tiles, layout)])
    t_first, _ = turn.wait_for(TileEncoded, 1, timeout=900)
    r["encode_first_tile_s"] = t_first - t_submit
    time.sleep(1.0)
    r["encode_stop_s"] = stop_after(client, turn)
    eb.log(f"encode stop {r['encode_stop_s']:.1f} s (first tile {r['encode_first_tile_s']:.1f} s)")
    client.close()
    r["run_s"] = time.perf_counter() - t_run
    r["generated"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    write(r, args.out_dir)
    return 0


def write(r: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "cancel_latency.json").write_text(json.dumps(r, indent=1) + "\n")
    w, wo = r["runs"]["with_callback"], r["runs"]["without_callback"]

    def ms(values: list[float]) -> str:
        return eb.fmt(eb.summary(values), 1000, 1) + " ms"

    def speed(values: list[float]) -> str:
        return eb.fmt(eb.summary(values), 1, 1) + " tok/s" if values else "—"

    m = r["machine"]
    lines = [
        "# Stop latency",
        "",
        f"Generated by `tests/benchmarks/cancel_latency.py` on {r['generated']}; the run took "
        f"{r['run_s'] / 60:.1f} min. {m['cpu']}, `nproc` = {m['nproc']}, llama-cpp-python "
        f"{m['llama_cpp_python']} (CPU). Model: `{Path(r['model']['llm']).name}` "
        f"({r['model']['llm_mb']:.0f} MB, BlueLM-shaped full size, random weights) + mmproj "
        f"({r['model']['mmproj_mb']:.0f} MB); the engine's settings: chunks of "
        f"{r['settings']['n_chunk']} positions, {r['settings']['threads']} threads.",
        "",
        "Time from `Engine.cancel()` (called from another thread, as the GUI does) to the "
        "`Stopped` event; median [min–max] of the runs, with and without llama.cpp's abort "
        "callback, measured alternately in one process.",
        "",
        "| | with the abort callback | without (a stop waits for the decode in flight) |",
        "|---|---:|---:|",
        f"| stop during decode (target ≤ 200 ms) | {ms(w['decode_stop_s'])} | "
        f"{ms(wo['decode_stop_s'])} |",
        f"| one token's decode (short prompt) | {ms(w['token_s'])} | {ms(wo['token_s'])} |",
        f"| stop 2.5 s into a prefill (target ≤ 1 s) | {ms(w['prefill_stop_s'])} | "
        f"{ms(wo['prefill_stop_s'])} |",
        f"| prefill speed, uninterrupted | {speed(w['prefill_tok_s'])} | "
        f"{speed(wo['prefill_tok_s'])} |",
        f"| decode speed, uninterrupted | {speed(w['decode_tok_s'])} | "
        f"{speed(wo['decode_tok_s'])} |",
        "",
        f"Stop during tile encoding (4 tiles of a phone screen, 1 s after the first tile): "
        f"**{r['encode_stop_s']:.1f} s** (the first tile took {r['encode_first_tile_s']:.1f} s "
        "to encode beside the prefill). mtmd offers no abort callback for the vision "
        "encoder, so a stop (a newer drop, closing the window) waits for the tile in flight; "
        "the window hides at once when closed.",
        "",
    ]
    (out_dir / "cancel_latency.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
