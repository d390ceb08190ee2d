"""Real llama.cpp servers for the tests: `llama-server` built from the llama-cpp-python
sdist by scripts/build_llama_server.sh (with the Python wheel's CPU options; cached under
~/.cache/bluelm-desktop/llama-server/, keyed by the sdist's hash and the options, so only
the first run on a machine builds it), started on 127.0.0.1 with the tiny synthetic pair.

`server_binary()` builds or finds it once per test session; `LlamaServer` starts one,
waits for its /health, and ends it (a test may kill it itself with SIGKILL).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import httpx2

REPO: Final = Path(__file__).resolve().parents[1]
BUILD_SCRIPT: Final = REPO / "scripts" / "build_llama_server.sh"
BUILD_TIMEOUT_S: Final = 3600  # a first build of every CPU variant: ~20 min on 2 cores
READY_TIMEOUT_S: Final = 120.0

_built: list[Path] = []


def server_binary() -> Path:
    """The cached `llama-server`, built first if this machine has none for the sources
    and options (the script prints its path on the last line of stdout)."""
    if not _built:
        done = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT_S, check=False, cwd=REPO)
        if done.returncode != 0:
            raise RuntimeError(f"building llama-server failed:\n{done.stderr[-6000:]}")
        path = Path(done.stdout.strip().splitlines()[-1])
        assert path.is_file() and os.access(path, os.X_OK), path
        _built.append(path)
    return _built[0]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_PR_SET_PDEATHSIG: Final = 1  # <sys/prctl.h>
# Looked up now, not between fork and exec (where another thread may hold a lock).
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the test process dies, however it dies (a
    server left behind would hold its port and memory)."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class LlamaServer:
    """One `llama-server` on 127.0.0.1: `with LlamaServer(...) as server: server.url`."""

    def __init__(self, binary: Path, llm: Path, mmproj: Path | None, log: Path, *,
                 slots: int = 1, ctx: int = 2048, threads: int = 1,
                 api_key: str | None = None, extra: Sequence[str] = ()) -> None:
        self.port = free_port()
        self.log = log
        self.args = [str(binary), "-m", str(llm), "--host", "127.0.0.1",
                     "--port", str(self.port), "-np", str(slots), "-c", str(ctx * slots),
                     "-t", str(threads), "-tb", str(threads), "--no-warmup",
                     *(["--mmproj", str(mmproj)] if mmproj else []),
                     *(["--api-key", api_key] if api_key else []), *extra]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LlamaServer:
        handle = self.log.open("ab")
        try:
            self.process = subprocess.Popen(self.args, stdout=handle, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL,
                                            preexec_fn=_die_with_parent)
        finally:
            handle.close()
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx2.Client(trust_env=False, timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"llama-server exited with {self.process.returncode}:\n"
                                       f"{self.log.read_text(errors='replace')[-4000:]}")
                try:
                    if client.get(f"{self.url}/health").status_code == 200:
                        return self
                except httpx2.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"llama-server not up after {READY_TIMEOUT_S} s:\n"
                                       f"{self.log.read_text(errors='replace')[-4000:]}")
                time.sleep(0.1)

    def kill(self) -> None:
        """`kill -9`: gone at once, mid-answer if it was answering."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
