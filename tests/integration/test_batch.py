"""`bluelm-desktop batch` end to end: a folder of generated documents, the tiny model,
records as they come, resume after Ctrl+C and after SIGKILL, repair of a cut-off record.

The weights are random, so answers are noise: what is checked is the structure (one
record per document, ok flags, columns, errors naming the file), never the content.
Everything runs at the smallest settings (one tile per page, a 1,024-token context, one
thread) so the module stays well under a minute on two busy cores.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from odd_files import pdf_bytes, truncated_png
from PIL import Image, ImageDraw

from bluelm_desktop import cli
from bluelm_desktop.core import batch
from bluelm_desktop.core.settings import Settings
from model_convert import constants as C

DOCUMENTS = ["broken.png", "invoice-a.png", "invoice-b.pdf"]  # sorted; notes.txt is skipped
SMALL = ["--max-grid", "1", "--ctx", "1024", "--threads", "1", "--seed", "1"]


def _invoice_png(path: Path, number: int) -> None:
    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).text((40, 40), f"ACME Ltd.\nINVOICE {number}\nTotal: 1,234.56 EUR",
                             fill="black")
    img.save(path)


def _make_folder(folder: Path, invoices: int = 1) -> Path:
    folder.mkdir()
    for n in range(invoices):
        _invoice_png(folder / f"invoice-{chr(ord('a') + n)}.png", n)
    (folder / "invoice-b.pdf").write_bytes(pdf_bytes(1, "Invoice 7   Total 99.00 EUR"))
    (folder / "broken.png").write_bytes(truncated_png())
    (folder / "notes.txt").write_text("not a document\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def models(tiny_models: Callable[..., Any]) -> Any:
    return tiny_models(C.LAYOUT_BLUELM)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_folder(tmp_path_factory.mktemp("batch") / "docs")


def _command(models: Any, folder: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bluelm_desktop.cli", "--data-dir", str(folder.parent / "data"),
            "batch", str(folder), "--model", str(models.llm), "--mmproj", str(models.mmproj),
            *SMALL, *args]


def _batch(models: Any, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(_command(models, folder, *args), capture_output=True, text=True,
                          timeout=300, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def invoices_csv(models: Any, folder: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = folder.parent / "invoices.csv"
    return out, _batch(models, folder, "--task", "extract-invoice", "--out", str(out))


@pytest.fixture(scope="module")
def translations(models: Any, folder: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = folder.parent / "translations.jsonl"
    return out, _batch(models, folder, "--task", "translate", "--target-language", "German",
                       "--max-tokens", "8", "--out", str(out))


def test_extract_invoices_to_csv_and_resume_skips_them(models: Any, folder: Path,
                                                       invoices_csv: Any) -> None:
    out, proc = invoices_csv
    assert proc.returncode == 2, proc.stderr  # broken.png failed, the others did not
    assert "notes.txt" in proc.stderr and "skipped" in proc.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheets
    rows = _csv(out)
    assert tuple(rows[0]) == batch.INVOICE_COLUMNS
    assert [r["file"] for r in rows] == DOCUMENTS
    by_file = {r["file"]: r for r in rows}
    broken = by_file["broken.png"]
    assert broken["ok"] == "false" and broken["error"].startswith("broken.png: ")
    assert broken["vendor"] == broken["total"] == broken["line_items"] == ""
    for name in DOCUMENTS[1:]:
        row = by_file[name]
        assert row["ok"] == "true" and row["error"] == "", row
        assert row["line_items"].isdigit() and len(row["sha256"]) == 64
        assert float(row["seconds"]) >= 0
    # Run again: everything is recorded, nothing is added, the failure still counts.
    again = _batch(models, folder, "--task", "extract-invoice", "--out", str(out))
    assert again.returncode == 2 and "resuming: 3 of 3" in again.stderr, again.stderr
    assert _csv(out) == rows


def test_translate_and_ask_to_jsonl(models: Any, folder: Path, translations: Any) -> None:
    out, proc = translations
    assert proc.returncode == 2, proc.stderr
    records = _jsonl(out)
    assert [r["file"] for r in records] == DOCUMENTS
    for r in records:
        assert r["task"] == "translate" and r["target_language"] == "German"
        assert set(r) >= {"file", "ok", "answer", "error", "seconds", "sha256"}
        assert r["ok"] == (r["file"] != "broken.png"), r
        if r["ok"]:
            assert isinstance(r["answer"], str) and r["error"] is None
            assert r["pages"] == 1 and r["image_tokens"] == 196  # one tile: --max-grid 1
        else:
            assert r["answer"] is None and "broken.png" in r["error"]
    # one line per file on stderr when it is not a terminal
    assert "[3/3] invoice-b.pdf: ok" in proc.stderr
    ask = folder.parent / "answers.jsonl"
    proc = _batch(models, folder, "--task", "ask", "--question", "What is the total?",
                  "--max-tokens", "8", "--out", str(ask))
    assert proc.returncode == 2, proc.stderr
    records = _jsonl(ask)
    assert [r["file"] for r in records] == DOCUMENTS
    assert all(r["task"] == "ask" and r["question"] == "What is the total?" for r in records)
    # the same output for another question is refused, and left alone
    before = ask.read_bytes()
    other = _batch(models, folder, "--task", "ask", "--question", "Who?", "--out", str(ask))
    assert other.returncode == 2 and "use another --out" in other.stderr
    assert ask.read_bytes() == before


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_interrupted_run_resumes_with_every_file_once(models: Any, tmp_path: Path,
                                                      how: signal.Signals) -> None:
    docs = _make_folder(tmp_path / "docs", invoices=4)  # broken, a, b (png + pdf), c, d
    names = sorted(p.name for p in docs.iterdir() if p.suffix != ".txt")
    out = tmp_path / "answers.jsonl"
    # Long answers, so that the run is still busy when the first record appears.
    args = ("--task", "ask", "--question", "Describe it.", "--max-tokens", "400",
            "--out", str(out))
    child = subprocess.Popen(_command(models, docs, *args), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.read_bytes().count(b"\n") >= 1):
            assert child.poll() is None and time.monotonic() < deadline, "no first record"
            time.sleep(0.01)
        child.send_signal(how)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    done = len(_jsonl(out)) if how == signal.SIGINT else out.read_bytes().count(b"\n")
    assert 1 <= done < len(names), err
    if how == signal.SIGINT:
        assert child.returncode == 130, err
        assert "interrupted" in err and "run the same command again" in err
        assert "Traceback" not in err
    else:
        assert child.returncode == -signal.SIGKILL
    resumed = _batch(models, docs, *args)
    assert resumed.returncode == 2, resumed.stderr  # broken.png
    assert f"resuming: {done} of {len(names)}" in resumed.stderr
    records = _jsonl(out)
    assert sorted(r["file"] for r in records) == names  # each file exactly once
    assert [r["file"] for r in records if not r["ok"]] == ["broken.png"]


def test_cut_off_last_records_are_repaired(models: Any, folder: Path, invoices_csv: Any,
                                           translations: Any, tmp_path: Path) -> None:
    # JSONL: the last line cut in the middle, as a kill during the write leaves it.
    jsonl = tmp_path / "t.jsonl"
    data = translations[0].read_bytes()
    jsonl.write_bytes(data[:-25])
    proc = _batch(models, folder, "--task", "translate", "--target-language", "German",
                  "--max-tokens", "8", "--out", str(jsonl))
    assert proc.returncode == 2 and "cut off" in proc.stderr, proc.stderr
    assert [r["file"] for r in _jsonl(jsonl)] == DOCUMENTS
    # CSV: a row cut off inside a quoted field that already holds a line break.
    table = tmp_path / "t.csv"
    data = invoices_csv[0].read_bytes()
    last = data.rstrip(b"\r\n").rfind(b"\r\n") + 2
    table.write_bytes(data[:last] + b'invoice-b.pdf,true,"ACME\r\nLt')
    proc = _batch(models, folder, "--task", "extract-invoice", "--out", str(table))
    assert proc.returncode == 2 and "cut off" in proc.stderr, proc.stderr
    rows = _csv(table)
    assert [r["file"] for r in rows] == DOCUMENTS and rows[-1]["ok"] == "true"
    # --retry-failed drops the failed record and runs its file again (it fails again).
    proc = _batch(models, folder, "--task", "extract-invoice", "--retry-failed",
                  "--out", str(table))
    assert proc.returncode == 2, proc.stderr
    rows = _csv(table)
    assert sorted(r["file"] for r in rows) == DOCUMENTS and rows[-1]["file"] == "broken.png"
    # Damage that a kill cannot make (a bad line in the middle) is refused, not "fixed".
    damaged = tmp_path / "damaged.jsonl"
    lines = translations[0].read_bytes().splitlines(keepends=True)
    damaged.write_bytes(lines[0] + b"{not json\n" + lines[1])
    before = damaged.read_bytes()
    proc = _batch(models, folder, "--task", "translate", "--target-language", "German",
                  "--out", str(damaged))
    assert proc.returncode == 2 and "line 2 is not a batch record" in proc.stderr
    assert damaged.read_bytes() == before


def test_in_process_run_model_failure_and_reloads(models: Any, tmp_path: Path) -> None:
    """The core API without the CLI. A PDF too long for the context is fitted before any
    work (its first pages read, the rest left out, its record says so); a tiny embedding
    budget makes the model reload before each file after the first one answered; the
    terminal progress line is drawn."""
    docs = _make_folder(tmp_path / "docs")
    (docs / "long.pdf").write_bytes(pdf_bytes(6))  # 6 pages × 196 tokens > 1,024
    job = batch.make_job(Settings(), folder=docs, out=tmp_path / "r.jsonl", task="ask",
                         llm=models.llm, mmproj=models.mmproj, question="Total?",
                         threads=1, ctx=1024, max_grid=1, max_tokens=4, seed=2)
    stream = io.StringIO()
    run = batch.Batch(job, progress_stream=stream, tty=True, embedding_budget=1)
    summary = run.run()
    assert (summary.done, summary.failed, summary.documents) == (4, 1, 4)
    assert summary.others == ["notes.txt"]
    assert run.model_loads == 3  # at the start, before invoice-b.pdf and before long.pdf
    records = _jsonl(job.out)
    assert [(r["file"], r["ok"]) for r in records] == [
        ("broken.png", False), ("invoice-a.png", True), ("invoice-b.pdf", True),
        ("long.pdf", True)]
    long = records[-1]
    # 1,024 positions less the answer and the question leave 764: three one-tile pages
    assert long["pages"] == 3 and long["image_tokens"] == 3 * 196, long
    assert any("pages 4–6 left out" in w and "764 positions" in w
               for w in long["warnings"]), long
    progress = stream.getvalue()
    assert "\r[4/4]" in progress and "ETA" in progress and "\x1b[K" in progress
    assert "failed: broken.png: " in progress


def test_bad_arguments_are_one_line_and_write_nothing(tmp_path: Path, capsys: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLUELM_SETTINGS", str(tmp_path / "settings.toml"))
    docs = _make_folder(tmp_path / "docs")
    model = tmp_path / "m-llm.gguf"
    model.write_bytes(b"GGUF")
    base = ["batch", "--model", str(model), "--mmproj", str(model)]
    cases = {
        "no such folder": [str(tmp_path / "missing"), "--task", "translate",
                           "--out", str(tmp_path / "a.csv")],
        "must end in .jsonl or .csv": [str(docs), "--task", "translate",
                                       "--out", str(tmp_path / "a.txt")],
        "--task ask needs --question": [str(docs), "--task", "ask",
                                        "--out", str(tmp_path / "a.jsonl")],
        "--question is for --task ask": [str(docs), "--task", "translate", "--question", "x",
                                         "--out", str(tmp_path / "a.jsonl")],
        "no such model file": [str(docs), "--task", "translate", "--mmproj",
                               str(tmp_path / "none.gguf"), "--out", str(tmp_path / "a.csv")],
    }
    for expected, args in cases.items():
        assert cli.main([*base, *args]) == 2, expected
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "m-llm.gguf"]
    assert cli.BATCH_TASKS == batch.TASKS
    # Someone else's file, one line without a line end: refused, not "repaired" away.
    mine = tmp_path / "mine.csv"
    mine.write_bytes(b"my notes")
    assert cli.main([*base, str(docs), "--task", "translate", "--out", str(mine)]) == 2
    assert "not a batch output" in capsys.readouterr().err
    assert mine.read_bytes() == b"my notes"
    # One run per output: a second one would interleave its records.
    busy = tmp_path / "busy.jsonl"
    job = batch.make_job(Settings(), folder=docs, out=busy, task="translate", llm=model,
                         mmproj=model)
    with batch.output_for(job) as held:
        held.open()
        assert cli.main([*base, str(docs), "--task", "translate", "--out", str(busy)]) == 2
        assert "another batch run is writing to it" in capsys.readouterr().err


def test_documents_are_listed_in_code_point_order(tmp_path: Path) -> None:
    for name in ["b.PDF", "a.png", "Z.jpg", ".hidden.png", "c.txt", "é.webp"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.png").mkdir()
    documents, others = batch.list_documents(tmp_path)
    assert [p.name for p in documents] == ["Z.jpg", "a.png", "b.PDF", "é.webp"]
    assert others == ["c.txt"]


def test_extract_contract_terms_from_a_folder(models: Any, tmp_path: Path) -> None:
    """`--task extract-contract`: one record per contract with its terms (the tiny model's
    answer is noise within the schema; a cut-off answer is kept as far as it went)."""
    from tests.contract_docs import contract_pdf

    docs = tmp_path / "contracts"
    docs.mkdir()
    contract_pdf(docs / "services.pdf", pages=3)
    for suffix in ("jsonl", "csv"):
        out = tmp_path / f"terms.{suffix}"
        proc = _batch(models, docs, "--task", "extract-contract", "--max-tokens", "48",
                      "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        if suffix == "jsonl":
            [record] = _jsonl(out)
            assert record["ok"] and record["task"] == "extract-contract"
            assert record["image_tokens"] == 0  # read as its text layer
            # 1,024 positions (SMALL) hold two of the three pages; the record says so
            assert record["pages"] == 2, record
            assert any(" left out" in w for w in record["warnings"]), record
            assert set(record["contract"]) >= {"parties", "notice_period", "clauses"}
            assert isinstance(record["problems"], list)
        else:
            [row] = _csv(out)
            assert row["file"] == "services.pdf" and row["ok"] == "true"
            assert {"parties", "governing_law", "clauses", "problems"} <= set(row)


def test_a_model_without_vision_reads_text_layers_and_says_what_it_cannot(
        models: Any, tmp_path: Path) -> None:
    """No projector beside the LLM: a born-digital PDF is read by its text layer; a picture
    is that file's one-line failure, and the batch goes on."""
    from shutil import copyfile

    from tests.contract_docs import contract_pdf

    llm = tmp_path / "alone" / "text-only.gguf"  # no NAME-mmproj.gguf beside it
    llm.parent.mkdir()
    copyfile(models.llm, llm)
    docs = tmp_path / "docs"
    docs.mkdir()
    contract_pdf(docs / "contract.pdf", pages=2)
    _invoice_png(docs / "scan.png", 1)
    job = batch.make_job(Settings(), folder=docs, out=tmp_path / "r.jsonl", task="ask",
                         llm=llm, question="Who are the parties?", threads=1, max_tokens=4)
    assert job.mmproj is None
    summary = batch.Batch(job, progress_stream=io.StringIO()).run()
    assert (summary.done, summary.failed) == (2, 1)  # both processed, one failed
    contract, scan = _jsonl(job.out)  # (in code point order)
    assert contract["ok"] and contract["pages"] == 2 and contract["image_tokens"] == 0
    assert not scan["ok"] and "this model reads text only" in scan["error"], scan
