"""PySide6 user interface: the only package that imports Qt.

Importing it first guards the interpreter against a reference-counting bug of the
PySide6 6.12 wheels on Python 3.11 (see `_guard_singletons`).
"""

from __future__ import annotations

import ctypes
import sys

_GUARD: int = 1 << 40  # references added to each singleton: ~10¹² leaked calls of headroom


def _guard_singletons() -> bool:
    """Keep None, True and False alive however many references PySide6 drops.

    The PySide6/shiboken 6.12 wheels are built for Python ≥ 3.12, where None, True and
    False are immortal, and hand them out without taking a reference: every call of a
    void method (`timer.start()`, `painter.translate()`, ...) drops one reference to None,
    every `Signal.emit()` one to True. On Python 3.11 the interpreter then aborts with
    "none_dealloc: deallocating None" (or "bool_dealloc") after a few thousand calls —
    seconds into streaming an answer, or at exit. Measured here: −1 per call, always.

    The fix is to do what 3.12 does: make the three objects effectively immortal by adding
    a huge number of references, once. It only happens when the leak is observed (a probe
    of 64 void calls), so a fixed PySide6, or Python ≥ 3.12, is left untouched.
    Returns whether the guard was applied.
    """
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QRectF

    probe = QRectF()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setX(0.0)
    if before - sys.getrefcount(None) < 32:
        return False
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt: CPython's 1st field
        start = sys.getrefcount(singleton)
        count.value += _GUARD
        if sys.getrefcount(singleton) - start != _GUARD:  # an unusual build: undo, stay safe
            count.value -= _GUARD
            return False
    return True


SINGLETONS_GUARDED: bool = _guard_singletons()
