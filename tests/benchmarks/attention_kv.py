"""Flash attention and the KV cache type, chosen by measurement: a page in context, then Enter.

Run on demand (not collected by pytest):

    .venv/bin/python tests/benchmarks/attention_kv.py [--reps 3]
        [--llm L --mmproj M] [--internvl-llm L --internvl-mmproj M]

The situation: a page (the paper's 768×1536 phone screen, 9 tiles, ~1,800 positions) was
dropped and prefilled into the KV cache while the user typed; then Enter. For every
setting — flash attention off / on (llama.cpp's "auto" turns it on wherever the backend
has it, so on every CPU), K and V cache f16 or q8_0 — a fresh process loads the model
with it and measures, in the order the app meets them:

- the page's prefill (tok/s, chunks of 128: the part the user's typing hides);
- TTFT after Enter: the question's 32 tokens prefilled against the page, until the
  first token's logits are read;
- decode with the page in context (32 tokens);
- TTFT of a text-only question (template + question from an empty cache), the yardstick:
  the goal is a page's TTFT within 1.2× of it;
- memory: the KV cache's bytes for the page (llama_state_seq_get_size), RSS once the page
  is in, and peak RSS;
- numerics: the question's logits against an f32 cache without flash attention (relative
  max error and cosine), the reference also run in its own process.

The page's embeddings come from the model's own ViT, encoded once and shared by every
process (.npy in a temporary folder), so the settings differ only in what they change.
Two models: the BlueLM-shaped full-size pair (2,560 wide, 32 heads of 80: a q8_0 cache
cannot hold heads of 80 values, so only f16 is possible) and the InternVL3-2B-shaped one
(Qwen2.5-1.5B: heads of 128, 2 KV heads), made once like engine_benchmark's.
Writes reports/attention_kv.md and .json next to this file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import engine_benchmark as eb

REPORT_NAME: Final = "attention_kv"
QUESTION_TOKENS: Final = 32
DECODE_TOKENS: Final = 32
CHUNK: Final = 128
N_CTX: Final = 4096
QUESTION: Final = ("Which application is shown on this phone screen, what is the amount in "
                   "the largest box, and which button would a user press next to pay it? "
                   "Answer in one short sentence, please.")
TEXT_QUESTION: Final = "Name three colours that are common in app icons, and say why."


@dataclass(frozen=True)
class Setting:
    flash: str
    type_k: str
    type_v: str

    @property
    def name(self) -> str:
        kv = self.type_k if self.type_k == self.type_v else f"K {self.type_k}, V {self.type_v}"
        return f"flash attention {self.flash}, KV {kv}"


REFERENCE: Final = Setting("off", "f32", "f32")
SETTINGS: Final = (
    Setting("off", "f16", "f16"),
    Setting("on", "f16", "f16"),
    Setting("auto", "f16", "f16"),
    Setting("off", "q8_0", "f16"),
    Setting("on", "q8_0", "f16"),
    Setting("on", "q8_0", "q8_0"),
)


# --- the child ------------------------------------------------------------------------------


def encode_page(llm: Path, mmproj: Path, out: Path) -> None:
    """The phone screen's tiles through the model's ViT, as one (positions, width) array."""
    from bluelm_desktop.core.engine import native

    params, _ = eb.tiling_for(llm)
    tiles, _layout = eb.image_tiles(params, seed=0, quick=False)
    with native.LlamaModel(llm) as model:
        mtmd = native.MtmdContext(mmproj, model)
        rows = np.concatenate([mtmd.encode_tile(t) for t in tiles])
        mtmd.close()
    np.save(out, rows)


def measure(llm: Path, page: Path, s: Setting, logits_out: Path) -> dict[str, Any]:
    from bluelm_desktop.core.engine import native

    embeddings = np.load(page)
    model = native.LlamaModel(llm)
    problem = native.kv_type_problem(model, s.type_k, s.type_v)
    if problem:
        model.close()
        return {"refused": problem}
    t0 = time.perf_counter()
    ctx = native.LlamaContext(model, n_ctx=N_CTX, n_batch=512, flash_attention=s.flash,
                              type_k=s.type_k, type_v=s.type_v)
    context_s = time.perf_counter() - t0
    rec: dict[str, Any] = {"context_s": context_s}
    question = model.tokenize(QUESTION)[:QUESTION_TOKENS]
    text = model.tokenize(TEXT_QUESTION, add_special=True)
    assert len(question) == QUESTION_TOKENS, len(question)
    # the page, prefilled while the user types
    t0 = time.perf_counter()
    for i in range(0, len(embeddings), CHUNK):
        ctx.decode_embeddings(embeddings[i:i + CHUNK], logits=False)
    rec["page_positions"] = len(embeddings)
    rec["page_prefill_tok_s"] = len(embeddings) / (time.perf_counter() - t0)
    rec["kv_page_mb"] = ctx.save_state().nbytes / 2**20
    rec["rss_with_page_mb"] = eb.rss_mb().get("VmRSS", 0.0)
    # Enter: the question against the page, until its last position's logits are read
    t0 = time.perf_counter()
    ctx.decode_tokens(question)
    logits = ctx.logits()
    token = int(np.argmax(logits[-1]))
    rec["ttft_page_s"] = time.perf_counter() - t0
    np.save(logits_out, logits)
    # decode with the page in context
    t0 = time.perf_counter()
    for _ in range(DECODE_TOKENS):
        ctx.decode_tokens([token])
        token = int(np.argmax(ctx.logits()[-1]))
    rec["decode_with_page_tok_s"] = DECODE_TOKENS / (time.perf_counter() - t0)
    # the yardstick: a text-only question from an empty cache
    ctx.clear()
    t0 = time.perf_counter()
    ctx.decode_tokens(text)
    int(np.argmax(ctx.logits()[-1]))
    rec["ttft_text_s"] = time.perf_counter() - t0
    rec["text_positions"] = len(text)
    rec["peak_rss_mb"] = eb.peak_rss_mb()
    ctx.close()
    model.close()
    return rec


def run_child(llm: Path, page: Path, s: Setting, logits_out: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [sys.executable, __file__, "--child", str(llm), str(page), s.flash, s.type_k,
               s.type_v, str(logits_out), out.name]
        done = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            return {"failed": (done.stderr.strip().splitlines() or ["?"])[-1]}
        return json.loads(Path(out.name).read_text())


# --- the run ---------------------------------------------------------------------------------


def bench_model(pair: eb.ModelPair, reps: int, guard: eb.Guard, tmp: Path) -> dict[str, Any]:
    page = tmp / f"{pair.layout}-page.npy"
    eb.log(f"{pair.layout}: encoding the page with its ViT (once)")
    encode_page(pair.llm, pair.mmproj, page)
    ref_logits = tmp / f"{pair.layout}-ref.npy"
    eb.log(f"{pair.layout}: reference (f32 KV, no flash attention)")
    reference = run_child(pair.llm, page, REFERENCE, ref_logits)
    ref = np.load(ref_logits)
    runs: dict[str, list[dict[str, Any]]] = {s.name: [] for s in SETTINGS}
    for rep in range(reps):
        for s in eb.rotated(SETTINGS, rep):
            if runs[s.name] and "refused" in runs[s.name][0]:
                continue
            logits = tmp / f"{pair.layout}-{rep}.npy"
            rec = guard.run(f"{pair.layout} {s.name}",
                            lambda s=s, logits=logits: run_child(pair.llm, page, s, logits))
            if "ttft_page_s" in rec:
                got = np.load(logits)
                rec["rel_error"] = float(np.abs(got - ref).max() / np.abs(ref).max())
                rec["cosine"] = float((got * ref).sum() / np.linalg.norm(got)
                                      / np.linalg.norm(ref))
            runs[s.name].append(rec)
            eb.log(f"  {pair.layout} rep {rep + 1}: {s.name}: "
                   + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                 for k, v in rec.items()}))
    return {"pair": pair.as_dict(), "reference": reference, "runs": runs}


def engine_level(pair: eb.ModelPair, reps: int) -> dict[str, Any]:
    """The same question through the engine (engine_benchmark's TTFT part), per setting.

    There the page is the phone screen encoded and prefilled by the engine itself, the
    question goes through the chat template and the sampler, and TTFT ends at the first
    token's event: what a user waits for after Enter.
    """
    out: dict[str, Any] = {}
    for flash in ("off", "auto"):
        with tempfile.TemporaryDirectory() as tmp:
            eb.log(f"engine-level TTFT, flash attention {flash}")
            subprocess.run([sys.executable, str(Path(eb.__file__)), "--llm", str(pair.llm),
                            "--mmproj", str(pair.mmproj), "--only", "ttft", "--reps", str(reps),
                            "--flash-attn", flash, "--out-dir", tmp], check=True,
                           stdout=subprocess.DEVNULL)
            t = json.loads((Path(tmp) / "engine_benchmark.json").read_text())["ttft"]
        out[flash] = {"ttft_s": t["ttft_s"], "decode_with_image_tok_s":
                      t["decode_with_image_tok_s"], "context": t["decode_with_image_context"],
                      "peak_rss_mb": t["peak_rss_mb"]}
    return out


KEYS: Final = (("ttft_page_s", "TTFT after Enter, page in context (s)", 2),
               ("ttft_text_s", "TTFT text only (s)", 2),
               ("decode_with_page_tok_s", "decode, page in context (tok/s)", 2),
               ("page_prefill_tok_s", "page prefill (tok/s)", 1),
               ("kv_page_mb", "KV for the page (MB)", 0),
               ("peak_rss_mb", "peak RSS (MB)", 0))


_med = eb.median_of


def write_report(r: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{REPORT_NAME}.json").write_text(json.dumps(r, indent=1) + "\n")
    m = r["machine"]
    lines = [
        "# Flash attention and the KV cache type, a page in context",
        "",
        f"Machine: {eb.machine_line(m)}; llama-cpp-python {m['llama_cpp_python']}, "
        f"{r['cpu_backend']}. {r['reps']} repetitions, settings alternating, each in a fresh "
        f"process; median [min–max]. Context {N_CTX}, question {QUESTION_TOKENS} tokens, "
        f"decode {DECODE_TOKENS} tokens, page prefilled in chunks of {CHUNK}. Made by "
        "`tests/benchmarks/attention_kv.py`.",
    ]
    for model in r["models"]:
        p = model["pair"]
        runs = model["runs"]
        any_run = next((x for v in runs.values() for x in v if "page_positions" in x), {})
        lines += ["", f"## {p['layout']} ({p['llm_mb']:.0f} MiB LLM, page of "
                      f"{any_run.get('page_positions', '?')} positions)", "",
                  "| setting | " + " | ".join(h for _, h, _ in KEYS)
                  + " | page ÷ text TTFT | logits vs f32: rel. error, cosine |",
                  "|---|" + "---:|" * (len(KEYS) + 2)]
        for name, rs in runs.items():
            if rs and "refused" in rs[0]:
                lines.append(f"| {name} | not possible: {rs[0]['refused']} |"
                             + " |" * (len(KEYS) + 1))
                continue
            bad = [x for x in rs if "failed" in x]
            if bad:
                lines.append(f"| {name} | failed: {bad[0]['failed']} |" + " |" * (len(KEYS) + 1))
                continue
            cells = [eb.fmt(eb.summary([x[k] for x in rs]), digits=d) for k, _, d in KEYS]
            ratio = eb.fmt(eb.summary([x["ttft_page_s"] / x["ttft_text_s"] for x in rs]))
            num = f"{_med(rs, 'rel_error'):.4f}, {_med(rs, 'cosine'):.5f}"
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} | {num} |")
    engine = r.get("engine")
    if engine:
        lines += ["", f"## Through the engine ({engine['layout']}, phone screen dropped "
                      "earlier, engine_benchmark's TTFT part)", "",
                  "| flash attention | TTFT, page dropped earlier (s) | TTFT, text only (s) | "
                  "page ÷ text | decode with the page (tok/s) | peak RSS (MB) |",
                  "|---|---:|---:|---:|---:|---:|"]
        for flash, e in engine["runs"].items():
            t = e["ttft_s"]
            lines.append(f"| {flash} | {eb.fmt(t['dropped_earlier'])} | "
                         f"{eb.fmt(t['text_only'])} | "
                         f"{t['dropped_earlier']['median'] / t['text_only']['median']:.2f} | "
                         f"{eb.fmt(e['decode_with_image_tok_s'])} | {e['peak_rss_mb']:.0f} |")
    lines += ["", "## Conclusions", "", *conclusions(r)]
    path = out_dir / f"{REPORT_NAME}.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _ratio(a: list[dict[str, Any]], b: list[dict[str, Any]], key: str,
           key_b: str | None = None) -> float:
    """median(a[key]) / median(b[key_b or key])."""
    return (_med(a, key) or 0.0) / (_med(b, key_b or key) or 1.0)


def conclusions(r: dict[str, Any]) -> list[str]:
    out = []
    for model in r["models"]:
        runs = model["runs"]
        usable = {n: rs for n, rs in runs.items() if rs and all("ttft_page_s" in x for x in rs)}
        if not usable:
            continue
        best = min(usable, key=lambda n: _med(usable[n], "ttft_page_s") or 1e9)
        fastest = max(usable, key=lambda n: _med(usable[n], "decode_with_page_tok_s") or 0)
        lay = model["pair"]["layout"]
        b = usable[best]
        out.append(f"- {lay}: the quickest answer to Enter is **{best}**: TTFT "
                   f"{_med(b, 'ttft_page_s'):.2f} s, "
                   f"{_ratio(b, b, 'ttft_page_s', 'ttft_text_s'):.2f}× a text-only question; "
                   f"fastest decode with the page: {fastest} "
                   f"({_med(usable[fastest], 'decode_with_page_tok_s'):.2f} tok/s).")
        off = usable.get("flash attention off, KV f16")
        on = usable.get("flash attention on, KV f16")
        if off and on:
            out.append(f"- {lay}: flash attention on against off (f16): TTFT after Enter "
                       f"×{_ratio(on, off, 'ttft_page_s'):.2f}, decode "
                       f"×{_ratio(on, off, 'decode_with_page_tok_s'):.2f}, page prefill "
                       f"×{_ratio(on, off, 'page_prefill_tok_s'):.2f}.")
        q8 = usable.get("flash attention off, KV K q8_0, V f16")
        if off and q8:
            out.append(f"- {lay}: K q8_0 against f16 (flash attention off): KV for the page "
                       f"{_med(q8, 'kv_page_mb'):.0f} vs {_med(off, 'kv_page_mb'):.0f} MB, "
                       f"TTFT ×{_ratio(q8, off, 'ttft_page_s'):.2f}, decode "
                       f"×{_ratio(q8, off, 'decode_with_page_tok_s'):.2f}.")
    engine = r.get("engine", {}).get("runs", {})
    if "off" in engine and "auto" in engine:
        ratio = {f: e["ttft_s"]["dropped_earlier"]["median"] / e["ttft_s"]["text_only"]["median"]
                 for f, e in engine.items()}
        out.append(f"- Through the engine (BlueLM, the page dropped earlier): TTFT after Enter "
                   f"{ratio['off']:.2f}× a text-only question with flash attention off, "
                   f"{ratio['auto']:.2f}× with llama.cpp's 'auto'; the goal was 1.2×.")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", type=Path)
    ap.add_argument("--mmproj", type=Path)
    ap.add_argument("--internvl-llm", type=Path)
    ap.add_argument("--internvl-mmproj", type=Path)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", type=Path, default=eb.REPORT_DIR)
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--engine-only", action="store_true",
                    help="measure only through the engine; merge into the existing .json")
    args = ap.parse_args(argv)
    saved = args.out / f"{REPORT_NAME}.json"
    if args.report_only:
        print(write_report(json.loads(saved.read_text()), args.out))
        return 0
    bluelm = eb.find_or_make("bluelm", (args.llm, args.mmproj), eb.DEFAULT_BLUELM, True)
    if args.engine_only:
        report = json.loads(saved.read_text())
        report["engine"] = {"layout": "bluelm", "runs": engine_level(bluelm, args.reps)}
        print(write_report(report, args.out))
        return 0
    from bluelm_desktop.core.engine import native

    pairs = [bluelm,
             eb.find_or_make("internvl", (args.internvl_llm, args.internvl_mmproj),
                             eb.DEFAULT_INTERNVL, True)]
    guard = eb.Guard(max_wait_s=120)
    with tempfile.TemporaryDirectory() as tmp:
        models = [bench_model(p, args.reps, guard, Path(tmp)) for p in pairs]
    report = {"machine": eb.machine_info(), "cpu_backend": native.build_info().describe(),
              "reps": args.reps, "models": models, "guard": guard.as_dict(),
              "engine": {"layout": "bluelm", "runs": engine_level(bluelm, args.reps)}}
    print(write_report(report, args.out))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        llm, page, flash, type_k, type_v, logits_out, out = sys.argv[2:9]
        rec = measure(Path(llm), Path(page), Setting(flash, type_k, type_v), Path(logits_out))
        Path(out).write_text(json.dumps(rec))
        sys.exit(0)
    sys.exit(main())
