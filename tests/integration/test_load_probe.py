"""The load probe on real llama.cpp: a good pair is remembered, an aborting one is a sentence.

The aborting file is a real one, not a staged crash: the converter's mmproj with one ViT
layer's ffn_up weight transposed (same bytes, so gguf_check accepts it: it does not check
per-layer shapes), which makes ggml's graph build hit GGML_ASSERT(ggml_can_mul_mat(a, b))
→ SIGABRT in the child.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gguf_mutations import layer_shapes, parse_layout

from bluelm_desktop.core.engine import load_probe
from bluelm_desktop.core.engine.load_probe import FROZEN_FLAG, child_command, probe_load
from bluelm_desktop.core.errors import ModelError
from bluelm_desktop.core.gguf.pairs import check_pair
from model_convert import constants as C
from model_convert.convert import Converted


@pytest.fixture
def pair(tiny_models: Callable[..., Converted]) -> Converted:
    return tiny_models(C.LAYOUT_BLUELM, "f16", "f16")


def _transposed_layer(src: Path, dst: Path) -> Path:
    """`src` with its first ffn_up weight transposed (written to `dst`)."""
    data = src.read_bytes()
    [mutant] = layer_shapes(data, parse_layout(data), random.Random(0))
    dst.write_bytes(mutant.data)
    return dst


def test_a_good_pair_loads_once_and_is_remembered(pair: Converted, tmp_path: Path) -> None:
    # copies, so touching one below leaves the session's shared files alone
    llm = Path(shutil.copy(pair.llm, tmp_path / "llm.gguf"))
    mmproj = Path(shutil.copy(pair.mmproj, tmp_path / "mmproj.gguf"))
    known = tmp_path / "state" / "known-good.json"
    t0 = time.perf_counter()
    probe_load(llm, mmproj, known)
    first = time.perf_counter() - t0
    entries = json.loads(known.read_text())["pairs"]
    assert [e["llm"][0] for e in entries] == [str(llm.resolve())]
    assert entries[0]["mmproj"][1] == mmproj.stat().st_size
    stamp = known.stat().st_mtime_ns

    t0 = time.perf_counter()
    probe_load(llm, mmproj, known)
    second = time.perf_counter() - t0
    # no child this time: the list is not rewritten and the call is far below a start
    assert known.stat().st_mtime_ns == stamp
    assert second < first / 5 and second < 0.05, (first, second)

    # the same LLM alone is another pair; a touched file is another fingerprint
    probe_load(llm, None, known)
    os.utime(mmproj, ns=(time.time_ns(), time.time_ns()))
    probe_load(llm, mmproj, known)
    assert len(json.loads(known.read_text())["pairs"]) == 3
    assert not list(known.parent.glob(".known-good.json.*"))  # no temp file left behind


def test_an_abort_in_llama_cpp_is_a_model_error(pair: Converted, tmp_path: Path) -> None:
    bad = _transposed_layer(pair.mmproj, tmp_path / "bad-mmproj.gguf")
    check_pair(pair.llm, bad)  # passes every check that can be made from the headers
    known = tmp_path / "known-good.json"
    with pytest.raises(ModelError) as info:
        probe_load(pair.llm, bad, known)
    message = str(info.value)
    assert message.startswith("bad-mmproj.gguf: llama.cpp crashed while loading it (SIGABRT")
    assert "GGML_ASSERT" in message and "damaged or not supported" in message
    assert "\n" not in message
    assert not known.exists()  # a crash is not remembered
    # and this process is still here, able to probe the next file
    probe_load(pair.llm, pair.mmproj, known)
    assert known.exists()


# A child that gets as far as a real probe's first stage, then executes `ud2`: the processor
# raises #UD and the kernel SIGILL, as for an instruction this CPU lacks (llama.cpp's AMX
# kernels did exactly that here, inside the prefill the probe runs).
_ILLEGAL_CHILD = textwrap.dedent(f"""
    import ctypes, mmap
    print({load_probe.STAGE_LLM!r}, flush=True)
    code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    code.write(b"\\x0f\\x0b")
    ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(code)))()
""")


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64") or sys.platform == "win32",
                    reason="ud2 is an x86 instruction; signals are POSIX")
def test_an_illegal_instruction_is_the_build_s_fault_with_what_to_do(
    pair: Converted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_probe, "child_command",
                        lambda llm, mmproj: [sys.executable, "-c", _ILLEGAL_CHILD])
    known = tmp_path / "known-good.json"
    with pytest.raises(ModelError) as info:
        probe_load(pair.llm, pair.mmproj, known)
    message = str(info.value)
    assert message.startswith(f"{pair.llm.name}: llama.cpp stopped with an illegal "
                              "instruction (SIGILL) while running it"), message
    assert "this processor cannot run" in message and "damaged" not in message
    assert "scripts/setup.sh --rebuild-llama" in message and "\n" not in message
    assert not known.exists()
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # a bundle: nothing to rebuild
    with pytest.raises(ModelError, match=r"please report it with your processor's model"):
        probe_load(pair.llm, pair.mmproj, known)


def test_the_known_good_list_is_per_build_and_processor(
    pair: Converted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = tmp_path / "known-good.json"
    probe_load(pair.llm, None, known)
    [entry] = json.loads(known.read_text())["pairs"]
    assert entry["build"] == load_probe._build_key()
    # another llama.cpp build or processor: the same pair is probed (and listed) again
    monkeypatch.setattr(load_probe, "_build_key", lambda: "another-build")
    probe_load(pair.llm, None, known)
    assert [e["build"] for e in json.loads(known.read_text())["pairs"]] == [
        entry["build"], "another-build"]


def test_a_clean_refusal_names_the_file_and_llama_cpp_s_reason(
    pair: Converted, tmp_path: Path
) -> None:
    bad = _transposed_layer(pair.llm, tmp_path / "bad-llm.gguf")
    with pytest.raises(ModelError, match=r"^bad-llm\.gguf: llama\.cpp could not load it "
                       r"\(check_tensor_dims: tensor 'blk\.0\.ffn_up\.weight' has wrong shape"):
        probe_load(bad, pair.mmproj, tmp_path / "known-good.json")


def test_a_hanging_load_is_killed(pair: Converted, tmp_path: Path) -> None:
    t0 = time.perf_counter()
    with pytest.raises(ModelError, match=r"took more than 0\.01 s in a test run and was stopped"):
        probe_load(pair.llm, None, tmp_path / "known-good.json", timeout_s=0.01)
    assert time.perf_counter() - t0 < 10


def test_a_damaged_known_good_file_is_started_afresh(pair: Converted, tmp_path: Path) -> None:
    known = tmp_path / "known-good.json"
    known.write_text("{not json")
    probe_load(pair.llm, None, known)
    assert json.loads(known.read_text())["version"] == load_probe.KNOWN_GOOD_VERSION


def test_the_child_command_in_a_frozen_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    llm, mmproj = tmp_path / "a.gguf", tmp_path / "b.gguf"
    assert child_command(llm, mmproj) == [sys.executable, "-m", load_probe.MODULE, str(llm),
                                          str(mmproj)]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert child_command(llm, None) == [sys.executable, FROZEN_FLAG, str(llm)]


def test_the_child_refuses_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_probe.main([]) == 2
    assert "usage:" in capsys.readouterr().err
