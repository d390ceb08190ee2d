"""Python's cyclic garbage collector, run on the GUI thread only.

Automatic collection runs on whichever thread happens to allocate when a threshold is
crossed: here, often the engine thread (streaming tokens) or the documents thread. If
the garbage it finds includes a Qt object owned by Python (a closed window held in a
cycle by a lambda connected to one of its signals, say), that object is destroyed on
the wrong thread: Qt warns "Timers cannot be stopped from another thread" and the
process crashes soon after. Seen in this project's GUI tests; pyqtgraph ships the same
remedy (`pyqtgraph.util.garbage_collector`): turn automatic collection off and collect
from a GUI-thread timer, generation by generation as the thresholds say, so the cost is
what automatic collection would have cost, paid on the thread that owns the widgets.
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6.QtCore import QObject, QTimer, Slot

DEFAULT_INTERVAL_MS: Final = 1000


class GuiGarbageCollector(QObject):
    """While started, cyclic garbage is collected on this object's (the GUI) thread."""

    def __init__(self, interval_ms: int = DEFAULT_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Back to automatic collection (as it was), after one full collection here."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    @Slot()
    def check(self) -> None:
        """Collect the oldest generation whose threshold has been crossed, if any."""
        thresholds = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return
