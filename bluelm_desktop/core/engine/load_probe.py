"""Load a never-seen model pair in a child process first, so an abort is a message.

llama.cpp aborts the process (GGML_ASSERT → SIGABRT, sometimes SIGSEGV) on model files
that are damaged in ways no header check foresees: a ViT layer of the wrong shape is
only noticed when ggml builds the graph. `gguf_check` catches what can be caught from
the headers; this catches the rest, once per file: the child loads the LLM, makes a
small context and prefills a batch of PROBE_PREFILL positions through it (the batched
matrix products a real prefill runs: one token takes other kernels), loads the projector
and encodes one blank tile; if it dies, the parent raises a `ModelError` and lives on.
The same run catches a llama.cpp build that uses instructions this processor cannot run
(SIGILL): that is reported as the build's fault, with what to do, not the file's.

A pair that loaded is remembered by (resolved path, size, mtime_ns) of both files, the
llama-cpp-python version and the llama.cpp build on this processor (`_build_key`) in a
small JSON file, so the probe costs one child start the first time a model is used and
nothing afterwards. The file is written atomically (temp file + `os.replace`); two probes
racing may each keep only their own entry, which just means one pair is probed again
later.

Entry point of the child: `python -m bluelm_desktop.core.engine.load_probe LLM [MMPROJ]`
(see `child_command`, which adapts it to a PyInstaller bundle).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Final

from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.errors import Line, ModelError, msg

MODULE: Final = "bluelm_desktop.core.engine.load_probe"
# The flag a frozen app's entry point must route to `main` (see child_command).
FROZEN_FLAG: Final = "--load-probe"
KNOWN_GOOD_FILE: Final = "known-good-models.json"  # in paths.cache_dir()
KNOWN_GOOD_VERSION: Final = 1
PROBE_N_CTX: Final = 256  # enough to build and run the graph once; the probe only loads
# Positions prefilled in one decode: at least 64, so matrix products take the batched
# kernels a real prefill takes (ggml's AMX path, which crashed here, needs batches).
PROBE_PREFILL: Final = 64

# What the child prints to stdout after each stage, so the parent can tell which file of
# the pair it died on.
STAGE_LLM: Final = "llm-loaded"
STAGE_CONTEXT: Final = "context-ok"
STAGE_MMPROJ: Final = "mmproj-loaded"
STAGE_DONE: Final = "probe-ok"

Fingerprint = list[object]  # [resolved path, size, mtime_ns]: JSON-friendly


def probe_load(
    llm: Path, mmproj: Path | None, known_good: Path, timeout_s: float = 120.0
) -> None:
    """Return if the pair loads in llama.cpp (at once if it did before); else `ModelError`.

    Run after `check_pair` and before loading in-process. `known_good` is the JSON file
    of pairs that loaded before (created when missing; a damaged one is started afresh).
    """
    key = pair_key(llm, mmproj)
    pairs = _read_known_good(known_good)
    if key in pairs:
        return
    try:
        done = subprocess.run(
            child_command(llm, mmproj),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            env=_child_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as e:  # run() has killed and reaped the child
        culprit = _culprit(llm, mmproj, _stages(e.stdout))
        raise ModelError(msg("{name}: loading it took more than {seconds} s in a test run "
                             "and was stopped; the file may be damaged"),
                         name=culprit.name, seconds=f"{timeout_s:g}") from None
    except OSError as e:
        raise ModelError(msg("{name}: could not start the test load ({error})"),
                         name=llm.name, error=e.strerror or str(e)) from None
    stages = _stages(done.stdout)
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode == 0 and STAGE_DONE in stages:
        _write_known_good(known_good, [*pairs, key])
        return
    culprit = _culprit(llm, mmproj, stages)
    reason = _native_reason(stderr)
    if done.returncode < 0 and -done.returncode == signal.SIGILL:
        raise ModelError(_illegal_instruction_message(culprit))
    if done.returncode < 0:
        raise ModelError(_crash_message(culprit, -done.returncode, reason))
    if not reason:  # the child's own ModelError, "PATH: problem", is stderr's last line
        last = _last_line(stderr)
        if not last:
            raise ModelError(msg("{name}: llama.cpp could not load it (exit status {code})"),
                             name=culprit.name, code=done.returncode)
        reason = last.split(": ", 1)[-1]
    raise ModelError(msg("{name}: llama.cpp could not load it ({reason})"),
                     name=culprit.name, reason=reason)


def child_command(llm: Path, mmproj: Path | None) -> list[str]:
    """The child's command line: this module run by the same interpreter.

    In a PyInstaller bundle (`sys.frozen`) `sys.executable` is the app itself and `-m`
    means nothing, so the child is the app started with FROZEN_FLAG: the bundle's entry
    point must call `load_probe.main(argv[2:])` when argv[1] is that flag, before it
    imports Qt. Adapt this function, not its callers, if the bundle changes.
    """
    files = [str(llm)] + ([str(mmproj)] if mmproj is not None else [])
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_FLAG, *files]
    return [sys.executable, "-m", MODULE, *files]


def _stages(stdout: bytes | str | None) -> list[str]:
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8", "replace")
    return (stdout or "").split()


def _culprit(llm: Path, mmproj: Path | None, stages: list[str]) -> Path:
    """The file the child was loading when it stopped: the LLM until its context ran."""
    return mmproj if mmproj is not None and STAGE_CONTEXT in stages else llm


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GGML_NO_BACKTRACE"] = "1"  # an abort must not start gdb
    env["BLUELM_NATIVE_LOG"] = "1"  # llama.cpp's log is where it says why it refused
    return env


def _crash_message(path: Path, signum: int, reason: str) -> Line:
    """One sentence for a child killed by a signal, with ggml's own reason when it gave one."""
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"  # "signal" is the OS's word here, like SIGSEGV
    detail = f"{name}: {reason}" if reason else name
    return Line.of(msg("{name}: llama.cpp crashed while loading it ({detail}); the file is "
                       "damaged or not supported"), name=path.name, detail=detail)


def _illegal_instruction_message(path: Path) -> Line:
    """SIGILL: the build, not the file. What to do depends on where llama.cpp came from."""
    if getattr(sys, "frozen", False):
        return Line.of(msg("{name}: llama.cpp stopped with an illegal instruction (SIGILL) "
                           "while running it: this llama.cpp build uses instructions this "
                           "processor cannot run; please report it with your processor's "
                           "model (the bundle's llama.cpp is built for every x86-64 CPU)"),
                       name=path.name)
    return Line.of(msg("{name}: llama.cpp stopped with an illegal instruction (SIGILL) while "
                       "running it: this llama.cpp build uses instructions this processor "
                       "cannot run; rebuild llama.cpp for it with scripts/setup.sh "
                       "--rebuild-llama"), name=path.name)


def _native_reason(stderr: str) -> str:
    """llama.cpp's own last word in its log, shortened; "" when it said nothing useful.

    The lines looked for (vendored llama.cpp 0.3.36): ggml's abort message
    ".../ggml.c:3354: GGML_ASSERT(ggml_can_mul_mat(a, b)) failed", the model loader's
    "llama_model_load: error loading model: <why>" and clip's
    "clip_init: failed to load model '<path>': <why>".
    """
    for line in reversed(stderr.splitlines()):
        for marker in ("GGML_ASSERT", "GGML_ABORT"):
            if marker in line:
                return _short(line[line.index(marker):])
        if "error loading model: " in line:
            return _short(line.split("error loading model: ", 1)[1])
        if "failed to load model '" in line and "': " in line:
            return _short(line.split("': ", 1)[1].removeprefix("operator(): "))
    return ""


def _short(text: str) -> str:
    return " ".join(text.split())[:200]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


# --- the known-good list -----------------------------------------------------------------


def _fingerprint(path: Path) -> Fingerprint:
    try:
        resolved = path.resolve()
        st = resolved.stat()
    except OSError as e:
        raise ModelError(msg("{name}: cannot be read ({error})"), name=path.name,
                         error=e.strerror or str(e)) from None
    return [str(resolved), st.st_size, st.st_mtime_ns]


def _llama_cpp_version() -> str:
    """A new llama.cpp may abort where the old one did not: part of the fingerprint."""
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:  # a frozen bundle may carry no dist metadata
        return "unknown"


def _build_key() -> str:
    """The llama.cpp libraries and the processor: either changed, a pair is probed again.

    A rebuilt llama.cpp (other options, other CPU variant modules) or the same files on
    another processor (a copied venv or bundle) can crash where the old pair did not.
    Read from file metadata and /proc/cpuinfo only, without loading llama.cpp.
    """
    from bluelm_desktop.core.engine.native import lib_dir

    digest = hashlib.sha256(platform.machine().encode())
    try:
        for lib in sorted(lib_dir().glob("*ggml*")):
            st = lib.stat()
            digest.update(f"{lib.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    except (ModelError, OSError):
        digest.update(b"no-llama-cpp")
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        flags = next((line for line in cpuinfo.splitlines() if line.startswith("flags")), "")
        digest.update(flags.encode())
    except OSError:
        digest.update(platform.processor().encode())
    return digest.hexdigest()[:16]


def pair_key(llm: Path, mmproj: Path | None) -> dict[str, object]:
    return {
        "llm": _fingerprint(llm),
        "mmproj": _fingerprint(mmproj) if mmproj is not None else None,
        "llama_cpp": _llama_cpp_version(),
        "build": _build_key(),
    }


def _read_known_good(path: Path) -> list[dict[str, object]]:
    """The remembered pairs; a missing, damaged or newer-format file remembers none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("version") != KNOWN_GOOD_VERSION:
        return []
    pairs = data.get("pairs")
    return [p for p in pairs if isinstance(p, dict)] if isinstance(pairs, list) else []


def _write_known_good(path: Path, pairs: list[dict[str, object]]) -> None:
    """Atomically: a crash mid-write leaves the old list, never half a file.

    Failing to write it is not an error: the pair loaded, it is just probed again.
    """
    text = json.dumps({"version": KNOWN_GOOD_VERSION, "pairs": pairs}, indent=1)
    with contextlib.suppress(OSError):
        write_atomically(path, text.encode("utf-8"))


# --- the child -----------------------------------------------------------------------------


def _stage(name: str) -> None:
    print(name, flush=True)  # flushed: the parent reads it even after a crash


def _load(llm: Path, mmproj: Path | None) -> None:
    """Everything llama.cpp builds for a real session, at the smallest size."""
    import numpy as np

    from bluelm_desktop.core.engine.native import (
        LlamaContext,
        LlamaModel,
        MediaImage,
        MtmdContext,
    )

    with LlamaModel(llm) as model:
        _stage(STAGE_LLM)
        ctx = LlamaContext(model, n_ctx=PROBE_N_CTX, n_batch=PROBE_N_CTX)
        # a real prefill's batch (the reserve only builds the graph; one token would run
        # the matrix-vector kernels, not the batched ones a prefill and the tests crashed in)
        ctx.decode_tokens([i % model.n_vocab for i in range(PROBE_PREFILL)], logits=False)
        _stage(STAGE_CONTEXT)
        if mmproj is not None:
            # warmup is off in MtmdContext, so the ViT graph is first built by an encode
            mtmd = MtmdContext(mmproj, model)
            _stage(STAGE_MMPROJ)
            # one image the way the engine will hand it over (mtmd's own tokenization:
            # any family), and the first image chunk it makes encoded
            side = mtmd.image_size
            media = MediaImage(mtmd, np.zeros((side, side, 3), dtype=np.uint8))
            try:
                media.encode(0)
            finally:
                media.close()
        _stage(STAGE_DONE)


def main(argv: list[str] | None = None) -> int:
    """The child: load LLM [MMPROJ]; exit 0, or 1 with the reason as stderr's last line."""
    import faulthandler

    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print(f"usage: python -m {MODULE} LLM.gguf [MMPROJ.gguf]", file=sys.stderr)
        return 2
    faulthandler.enable()  # a segfault leaves a Python stack on stderr for the parent
    try:
        _load(Path(args[0]), Path(args[1]) if len(args) == 2 else None)
    except ModelError as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
