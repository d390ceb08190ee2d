"""glibc's malloc, kept from holding memory the engine no longer uses (Linux only).

Measured on the full-size model (tests/benchmarks/reports/memory_breakdown.md): each
thread that allocates (the engine's, the encoder's, llama.cpp's OpenMP workers) gets its
own malloc arena, and freed memory stays in them; capping the arenas at 2 and trimming
after each request gave back 29 MiB of the 295 MiB the engine holds beyond the files and
the KV cache, for a few milliseconds per request. Elsewhere (macOS, Windows, musl) both
are no-ops.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from typing import Any, Final

M_ARENA_MAX: Final = -8  # mallopt's parameter (malloc.h)
ARENAS: Final = 2


@functools.cache
def _glibc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        # The process's own symbols: libc is in them. (Not ctypes.util.find_library,
        # which runs /sbin/ldconfig: a program started, which the offline test forbids.)
        libc = ctypes.CDLL(None)
        libc.malloc_trim  # noqa: B018 (glibc has it; musl does not)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


@functools.cache
def limit_arenas() -> bool:
    """At most ARENAS malloc arenas from now on (once per process; before the engine's
    threads start, so that they share them). True where it took effect."""
    libc = _glibc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, ARENAS))


def trim() -> None:
    """Give freed heap memory back to the system (after a request: milliseconds)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
