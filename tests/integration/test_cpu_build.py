"""The venv's llama.cpp runs on every x86-64 CPU, not only on the one it was built on.

The set-up builds llama.cpp's release layout (one CPU backend module per processor
generation, the best loaded at start) without its AMX module (README, "Supported CPUs").
Here: what this machine loads, and `ask` run as older CPUs under QEMU's user-mode
emulation — a Haswell (Intel, AVX2, no AVX-512) and an EPYC-Rome (AMD Zen 2), the kind
of laptop and server a build made on this AVX-512/AMX Xeon must not crash on.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bluelm_desktop.core.engine import native
from model_convert import constants as C
from model_convert.convert import Converted

ROOT = Path(__file__).resolve().parents[2]
INVOICE = ROOT / "resources" / "samples" / "invoice.png"
X86_LINUX = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")

pytestmark = pytest.mark.skipif(not X86_LINUX, reason="the portable build is x86-64 Linux's")


def _cpu_flags() -> set[str]:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def test_this_machine_loads_a_variant_module_without_amx() -> None:
    info = native.build_info()
    assert info.cpu_variant is not None, "not the set-up's build: no CPU variant module loaded"
    assert info.cpu_variant != "sapphirerapids" and not info.amx, info
    flags = _cpu_flags()
    if "avx512f" in flags:  # the best module this CPU can run, not a lesser one
        assert info.features.get("AVX512"), info
        assert not native.use_extra_buffers()
    elif "avx2" in flags:
        assert info.features.get("AVX2"), info


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("qemu-x86_64") is None,
                    reason="needs QEMU's user-mode emulator (Debian: qemu-user)")
@pytest.mark.parametrize(("cpu", "with_image"), [("Haswell", True), ("EPYC-Rome", False)])
def test_ask_runs_as_an_avx2_cpu(
    cpu: str, with_image: bool, tiny_models: Callable[..., Converted], tmp_path: Path
) -> None:
    """`ask` emulated: load, prefill, decode, and (as a Haswell) encode an image's tile.

    Emulated floating point is slow (one tile of the tiny ViT takes about a minute, a
    text-only question 10 s), so the image is one tile and only one CPU model encodes it;
    the ViT and the LLM run on the same ggml CPU module. The first-load probe is a child
    process the kernel starts outside the emulator, so it ran natively; the model itself
    runs in the emulated process, whose llama.cpp log names the CPU module ggml chose.
    """
    pair = tiny_models(C.LAYOUT_BLUELM)
    files: list[str] = []
    if with_image:
        from PIL import Image, ImageDraw

        receipt = Image.new("RGB", (360, 300), "white")
        ImageDraw.Draw(receipt).text((20, 20), "Total: 42.00 EUR", fill="black")
        receipt.save(tmp_path / "receipt.png")
        files = ["--mmproj", str(pair.mmproj), str(tmp_path / "receipt.png")]
    env = dict(os.environ, BLUELM_NATIVE_LOG="1", BLUELM_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        ["qemu-x86_64", "-cpu", cpu, sys.executable, "-m", "bluelm_desktop.cli", "ask",
         "--model", str(pair.llm), *files, "What is the total?", "--max-tokens", "4",
         "--stats", "--threads", "2"],
        capture_output=True, text=True, env=env, timeout=400, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = re.findall(r"loaded CPU backend from \S*libggml-cpu-(\w+)\.so", done.stderr)
    assert loaded == ["haswell"], done.stderr[-3000:]
    # it decoded (random weights and a random seed may end the answer before 4 tokens)
    assert re.search(r'"decode_tokens": [1-4], .*"stopped": "(max_tokens|eog)"', done.stderr)
    assert f'"tiles": {1 if with_image else 0}' in done.stderr
