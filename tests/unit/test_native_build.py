"""What the engine reads from the llama.cpp build, and the AMX guard built on it."""

from __future__ import annotations

import pytest

from bluelm_desktop.core.engine import native
from bluelm_desktop.core.engine.native import BuildInfo

# llama_print_system_info() of the -march=native build on the Xeon (Sapphire Rapids class)
# this project runs on, and of the haswell variant the portable build loads under QEMU.
NATIVE_SPR = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | "
              "FMA = 1 | BMI2 = 1 | AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | "
              "AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 |")
HASWELL = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
           "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 |")


def test_features_are_read_from_the_system_info() -> None:
    info = BuildInfo(NATIVE_SPR, None)
    assert info.features["AVX512_BF16"] and info.features["REPACK"]
    assert info.features["SSE3"]  # the first one, after "CPU :"
    assert info.amx
    assert info.describe() == "llama.cpp CPU backend: built in (AMX_INT8)"
    haswell = BuildInfo(HASWELL, "haswell")
    assert not haswell.amx and "AVX512" not in haswell.features
    assert haswell.describe() == "llama.cpp CPU backend: haswell (AVX2)"
    assert BuildInfo("", None).features == {}


ZEN4 = NATIVE_SPR.replace(" AMX_INT8 = 1 |", "").replace(" AVX_VNNI = 1 |", "")


@pytest.mark.parametrize(("system_info", "forced", "expected"), [
    (NATIVE_SPR, "", False),  # the AMX kernels crash (SIGILL): no extra buffer types
    (ZEN4, "", False),  # AVX-512 without AMX: repacking measured slower and bigger
    (HASWELL, "", True),  # AVX2: llama.cpp's default, what repacking was written for
    (NATIVE_SPR, "1", True),  # the user's word wins both ways
    (HASWELL, "0", False),
])
def test_extra_buffers_follow_the_cpu_backend(
    monkeypatch: pytest.MonkeyPatch, system_info: str, forced: str, expected: bool
) -> None:
    monkeypatch.setattr(native, "build_info", lambda: BuildInfo(system_info, None))
    monkeypatch.setenv("BLUELM_EXTRA_BUFFERS", forced)
    assert native.use_extra_buffers() is expected
