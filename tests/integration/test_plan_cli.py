"""`bluelm-desktop plan` as a user runs it: the real entry point, in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from odd_files import make_corpus


def _plan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bluelm_desktop.cli", "plan", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    return make_corpus(tmp_path_factory.mktemp("odd"))


def test_odd_files_each_get_a_line_and_the_run_survives(corpus):
    folder = corpus[0].path.parent
    names = [f.name for f in corpus]
    proc = _plan("--json", *names, cwd=folder)
    assert proc.returncode == 2  # some files fail
    assert "Traceback" not in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["file"] for line in lines] == names  # one line per file, in order
    for entry, line in zip(corpus, lines, strict=True):
        if entry.outcome == "ok":
            assert line["ok"], line
            assert all(p["tiles"] >= 1 and p["image_tokens"] >= 196 for p in line["pages"])
        elif entry.outcome in ("error", "password"):
            assert not line["ok"], line
            assert entry.expect.lower() in line["error"].lower(), line
            assert "\n" not in line["error"]
    book = lines[names.index("book.pdf")]
    assert len(book["pages"]) == 200 and any("200" in n for n in book["notes"])
    tiff = lines[names.index("scan.tif")]
    assert len(tiff["pages"]) == 3


def test_papers_examples_and_exit_zero(tmp_path: Path):
    from PIL import Image

    sizes = {"a.png": (394, 390), "strip.png": (380, 76), "b.png": (500, 102),
             "phone.png": (768, 1536)}
    for name, size in sizes.items():
        Image.new("RGB", size, "white").save(tmp_path / name)
    proc = _plan("--json", *sizes, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    grids = {json.loads(x)["file"]: json.loads(x)["pages"][0] for x in proc.stdout.splitlines()}
    assert grids["a.png"]["grid"] == [1, 1] and grids["strip.png"]["grid"] == [1, 1]
    assert grids["b.png"]["grid"] == [2, 1]
    phone = grids["phone.png"]
    assert phone["grid"] == [2, 4] and phone["tiles"] == 9 and phone["image_tokens"] == 1764
    internvl = _plan("--json", "--rule", "internvl", "b.png", cwd=tmp_path)
    assert json.loads(internvl.stdout)["pages"][0]["grid"] == [5, 1]


def test_budget_lowers_the_grid(tmp_path: Path):
    from PIL import Image

    Image.new("RGB", (1654, 2339), "white").save(tmp_path / "a4.png")
    fine = json.loads(_plan("--json", "a4.png", cwd=tmp_path).stdout)["pages"][0]
    fast = json.loads(_plan("--json", "--budget", "fast", "a4.png", cwd=tmp_path).stdout)
    capped = json.loads(_plan("--json", "--max-image-tokens", "600", "a4.png", cwd=tmp_path).stdout)
    assert fine["image_tokens"] == 2548  # 3:4 + thumbnail: the A4 figure
    assert fast["pages"][0]["image_tokens"] <= 980
    assert capped["pages"][0]["image_tokens"] <= 600


def test_encrypted_pdf_opens_with_its_password(corpus):
    folder = corpus[0].path.parent
    proc = _plan("--json", "--password", "open sesame", "contract.pdf", cwd=folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["ok"]


def test_bad_arguments_are_one_line(tmp_path: Path):
    proc = _plan("--alpha", "-1", "x.png", cwd=tmp_path)
    assert proc.returncode == 2 and "alpha" in proc.stderr and "Traceback" not in proc.stderr
