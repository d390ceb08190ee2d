"""`bluelm-desktop ask` end to end: a real image, the tiny model, streamed answer, stats."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from model_convert import constants as C


def _ask(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bluelm_desktop.cli", "ask", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


def _invoice(path: Path) -> Path:
    img = Image.new("RGB", (800, 1000), "white")
    ImageDraw.Draw(img).text((50, 50), "INVOICE 42   Total: 1,234.56 EUR", fill="black")
    img.save(path)
    return path


def test_ask_about_an_image_streams_and_reports_stats(tmp_path: Path, tiny_models):
    models = tiny_models(C.LAYOUT_BLUELM)
    _invoice(tmp_path / "inv.png")
    proc = _ask("--model", str(models.llm), "--mmproj", str(models.mmproj), "inv.png",
                "What is the total?", "--max-tokens", "8", "--seed", "3", "--stats",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    stats = json.loads(proc.stderr.strip().splitlines()[-1])
    assert set(stats) >= {"tiles", "image_tokens", "encode_ms", "prefill_ms", "ttft_ms",
                          "decode_tok_s", "peak_rss_mb"}
    assert stats["tiles"] == 7 and stats["image_tokens"] == 7 * 196  # 800x1000 → 2:3 + thumb
    again = _ask("--model", str(models.llm), "--mmproj", str(models.mmproj), "inv.png",
                 "What is the total?", "--max-tokens", "8", "--seed", "3", cwd=tmp_path)
    assert again.stdout == proc.stdout  # same seed, same answer


def test_ask_json_schema_and_errors(tmp_path: Path, tiny_models):
    models = tiny_models(C.LAYOUT_INTERNVL)
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {
        "total": {"type": "integer", "minimum": 0, "maximum": 999}}, "required": ["total"],
        "additionalProperties": False}))
    proc = _ask("--model", str(models.llm), "Extract the total.", "--json-schema", str(schema),
                "--seed", "1", "--max-tokens", "40", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert 0 <= json.loads(proc.stdout)["total"] <= 999
    alone = tmp_path / "alone.gguf"  # the LLM without its NAME-mmproj.gguf beside it
    shutil.copyfile(models.llm, alone)
    Image.new("RGB", (64, 64), "white").save(tmp_path / "x.png")
    no_mmproj = _ask("--model", str(alone), "x.png", "What?", cwd=tmp_path)
    assert no_mmproj.returncode == 2
    assert "x.png: no text layer to read" in no_mmproj.stderr
    assert "reads text only" in no_mmproj.stderr
    swapped = _ask("--model", str(models.mmproj), "hi", cwd=tmp_path)
    assert swapped.returncode == 2 and "not a language model" in swapped.stderr
    assert "Traceback" not in no_mmproj.stderr + swapped.stderr
