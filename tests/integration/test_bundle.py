"""The PyInstaller bundle: build it, check its layout, run its smoke test.

Opt-in (about 40 s to build and 5 s to test on 2 cores, plus the set-up's first run, and
the smoke test again as a Haswell, an AVX2 CPU without AVX-512, under QEMU):
`BLUELM_BUNDLE_TEST=1 ./run-tests.sh -k bundle`. It writes dist/bluelm-desktop/ and
build/pyinstaller/ in the checkout, exactly as `packaging/build_bundle.sh` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "bluelm-desktop"
COMMAND = "BLUELM_BUNDLE_TEST=1 ./run-tests.sh -k bundle"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("BLUELM_BUNDLE_TEST") != "1",
        reason=f"builds the PyInstaller bundle (~1 min); run with `{COMMAND}`",
    ),
    pytest.mark.skipif(
        shutil.which("bash") is None or sys.platform == "win32",
        reason="packaging/build_bundle.sh and smoke_test.sh are bash scripts (Linux, macOS)",
    ),
]


def _run(*command: str, timeout: float, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BLUELM_DATA_DIR"} | extra_env
    return subprocess.run(list(command), cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def bundle() -> Path:
    done = _run("bash", "packaging/build_bundle.sh", timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "build_bundle: bundle " in done.stdout
    return BUNDLE


def test_layout_matches_what_the_frozen_app_looks_for(bundle: Path):
    internal = bundle / "_internal"  # sys._MEIPASS of a one-folder bundle
    # paths.resource_dir() when frozen
    assert (internal / "resources" / "translations" / "bluelm_zh_CN.qm").is_file()
    assert (internal / "resources" / "icons" / "bluelm-desktop.svg").is_file()
    assert (internal / "resources" / "samples" / "invoice.png").is_file()
    assert not list((internal / "resources").rglob("*.ts"))
    # llama_cpp loads its libraries with ctypes from llama_cpp/lib/ beside llama_cpp.py
    libs = {p.name for p in (internal / "llama_cpp" / "lib").iterdir()}
    stem = {"linux": "lib{}.so", "darwin": "lib{}.dylib"}.get(sys.platform, "{}.dll")
    for name in ("llama", "ggml", "ggml-base", "mtmd"):
        assert stem.format(name) in libs, sorted(libs)
    # Qt's platform plugins, offscreen for tests and xcb/wayland for desktops
    if sys.platform.startswith("linux"):
        plugins = internal / "PySide6" / "Qt" / "plugins" / "platforms"
        platforms = {p.name for p in plugins.iterdir()}
        assert {"libqoffscreen.so", "libqxcb.so", "libqwayland.so"} <= platforms
    # the large packages left out on purpose
    for unwanted in ("onnxruntime", "pymupdf/layout", "PySide6/QtQml.abi3.so",
                     "PySide6/QtQuick.abi3.so"):
        assert not (internal / unwanted).exists(), unwanted


def test_smoke_test_passes(bundle: Path):
    done = _run("bash", "packaging/smoke_test.sh", str(bundle), timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "smoke_test: passed" in done.stdout
    assert '"ok": true' in done.stdout
    # the portable build's CPU module, never the AMX one (README, "Supported CPUs")
    cpu = str(_self_test_report(done.stdout)["llama_cpu"])
    assert cpu.startswith("llama.cpp CPU backend: ") and "sapphirerapids" not in cpu, cpu


def _self_test_report(stdout: str) -> dict[str, object]:
    line = next(x for x in stdout.splitlines() if '"drop_to_answer_s"' in x)
    return json.loads(line.strip())


@pytest.mark.skipif(shutil.which("qemu-x86_64") is None,
                    reason="needs QEMU's user-mode emulator (Debian: qemu-user)")
@pytest.mark.parametrize(("cpu", "variant"), [("Haswell", "haswell")])
def test_smoke_test_passes_on_an_older_cpu(bundle: Path, cpu: str, variant: str):
    """A bundle built on this AVX-512/AMX Xeon runs where there is only AVX2.

    Its llama.cpp is the portable build (one CPU backend per generation): under QEMU's
    Haswell (no AVX-512) ggml must choose the haswell module, and the demo model must
    answer through it.
    """
    done = _run("bash", "packaging/smoke_test.sh", str(bundle), timeout=1800,
                BLUELM_SMOKE_CPU=cpu)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = _self_test_report(done.stdout)
    assert report["llama_cpu"] == f"llama.cpp CPU backend: {variant} (AVX2)", report
