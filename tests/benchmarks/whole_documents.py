"""Whole documents on the full-size model: a 10-page contract, born-digital and scanned.

    .venv/bin/python tests/benchmarks/whole_documents.py [--llm L.gguf --mmproj M.gguf]

For each document, the app's path with its defaults (4,096 positions, 512-token answers):
plan (text layer first, fitted to the context), hand every page to the engine as the app
does when the file is dropped (text pages prefilled, tile pages encoded and prefilled),
then ask. Reports how long the pages take to be ready ("reading", while the user types)
and the time to the first token after Enter; and what the same scan would have cost as
fine-print tiles (the app before: 130 tiles, 25,480 positions, which overflow the
context). Writes `reports/whole_documents.md` and `.json`. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine_benchmark as eb  # noqa: E402

from bluelm_desktop.core.assistant import prepare_images, tiling_for  # noqa: E402
from bluelm_desktop.core.documents import DocumentService  # noqa: E402
from bluelm_desktop.core.engine.client import EngineClient  # noqa: E402
from bluelm_desktop.core.engine.engine import Done, EngineSettings, ImageReady  # noqa: E402
from bluelm_desktop.core.engine.sampling import SamplingParams  # noqa: E402
from bluelm_desktop.core.engine.vocab import TokenCounter  # noqa: E402
from bluelm_desktop.core.planning import document_budget, plan_document  # noqa: E402
from model_convert import constants as C  # noqa: E402
from tests.contract_docs import contract_pdf, scanned_pdf  # noqa: E402

REPORT_DIR = Path(__file__).resolve().parent / "reports"
QUESTION = "What is the notice period for terminating the agreement?"


def run_document(client: EngineClient, path: Path, llm: Path, mmproj: Path,
                 conversation: str) -> dict[str, Any]:
    settings = EngineSettings()
    answer = SamplingParams(temperature=1.0, top_k=0, top_p=1.0, repeat_penalty=1.0,
                            max_tokens=1, seed=1)
    notes: list[str] = []
    with DocumentService() as service, TokenCounter(llm) as count:
        t0 = time.perf_counter()
        pages = prepare_images(service, [str(path)], tiling_for(mmproj), None,
                               document_budget(settings.n_ctx, SamplingParams().max_tokens),
                               notes, count, QUESTION)
        t_plan = time.perf_counter() - t0

    def drop(e: Any) -> list[int]:
        ids: list[int] = []
        for k, page in enumerate(pages):
            ids += page.submit_to(e, conversation, first=k == 0)
        return ids

    t0 = time.perf_counter()
    turn = client.run(drop)
    if turn.failure:
        raise RuntimeError(turn.failure)
    t_ready = time.perf_counter() - t0
    ready = turn.of(ImageReady)
    t0 = time.perf_counter()
    turn = client.run(lambda e: [e.ask(conversation, QUESTION, params=answer)])
    t_answer = time.perf_counter() - t0
    if turn.failure:
        raise RuntimeError(turn.failure)
    done = turn.of(Done)[0].stats
    return {
        "file": path.name, "pages_read": len(pages),
        "text_pages": sum(1 for p in pages if p.text),
        "tile_pages": sum(1 for p in pages if p.sends_tiles),
        "tiles": sum(e.tiles for e in ready),
        "positions": sum(p.positions for p in pages), "notes": notes,
        "plan_s": round(t_plan, 2), "reading_s": round(t_ready, 1),
        "ttft_after_enter_s": round(done.ttft_s, 2), "answer_s": round(t_answer, 2),
        "prompt_positions": done.prompt_items, "reused_positions": done.reused_items,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", type=Path)
    ap.add_argument("--mmproj", type=Path)
    ap.add_argument("--out-dir", type=Path, default=REPORT_DIR)
    args = ap.parse_args(argv)
    pair = eb.find_or_make(C.LAYOUT_BLUELM, (args.llm, args.mmproj), eb.DEFAULT_BLUELM, True)
    machine = eb.machine_info()
    eb.log(f"{machine['cpu']}, nproc {machine['nproc']}; model {pair.llm.name}")
    result: dict[str, Any] = {"machine": machine, "model": pair.as_dict(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        contract = contract_pdf(Path(tmp) / "contract.pdf", filler_sentences=6)
        scan = scanned_pdf(contract, Path(tmp) / "contract-scan.pdf")
        with DocumentService() as service:
            fine = plan_document(service, scan, tiling_for(pair.mmproj))
        result["scan_as_fine_tiles"] = {"tiles": sum(p.plan.tiles for p in fine.pages),
                                        "positions": fine.positions}
        t0 = time.perf_counter()
        with EngineClient(EngineSettings()) as client:
            turn = client.run(lambda e: [e.load(pair.llm, pair.mmproj)])
            if turn.failure:
                raise RuntimeError(turn.failure)
            result["load_s"] = round(time.perf_counter() - t0, 1)
            for k, path in enumerate((contract, scan)):
                eb.log(f"{path.name}: planning, reading, asking")
                run = run_document(client, path, pair.llm, pair.mmproj, f"doc-{k}")
                eb.log(json.dumps(run))
                result["runs"].append(run)
    result["generated"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    write(result, args.out_dir)
    return 0


def write(r: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "whole_documents.json").write_text(json.dumps(r, indent=1) + "\n")
    m = r["machine"]
    lines = [
        "# Whole documents: a 10-page contract on the full-size model",
        "",
        f"Generated by `tests/benchmarks/whole_documents.py` on {r['generated']}. "
        f"{m['cpu']}, `nproc` = {m['nproc']}, llama-cpp-python {m['llama_cpp_python']} "
        f"(CPU). Model: `{Path(r['model']['llm']).name}` (BlueLM-shaped, size "
        f"{r['model'].get('size', '?')}, random weights, the converter's synthetic "
        f"tokenizer) + its mmproj; loaded in {r['load_s']} s. The app's defaults: 4,096 "
        "positions, 512-token answers; the question picks the pages that fit "
        f"(“{QUESTION}”). One run each.",
        "",
        "| document | pages read (of 10) | as text | as tiles | tiles | positions | reading "
        "(while typing) | first token after Enter |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in r["runs"]:
        lines.append(f"| {run['file']} | {run['pages_read']} | {run['text_pages']} | "
                     f"{run['tile_pages']} | "
                     f"{run['tiles']} | {run['positions']:,} | {run['reading_s']} s | "
                     f"{run['ttft_after_enter_s']} s |")
    fine = r["scan_as_fine_tiles"]
    lines += ["", f"Before text-first and the budget, every page went as fine-print tiles: "
              f"{fine['tiles']} tiles, {fine['positions']:,} positions — over the 4,096 "
              "context, so the app failed after the pages that fitted were encoded.", ""]
    for run in r["runs"]:
        for note in run["notes"]:
            lines.append(f"- {note}")
    (out_dir / "whole_documents.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
