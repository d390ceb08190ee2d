"""How long the GUI thread was unable to react: a timer that measures its own lateness.

A 10 ms timer fires only when the event loop gets back to it; the gap between two
firings minus the interval is the time the loop was busy elsewhere (painting markdown,
handling a flood of token events, a slow database write). The largest gap during encode
and generation is the app's responsiveness figure (issue item 7: target under 50 ms).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Slot

DEFAULT_INTERVAL_MS = 10


@dataclass(frozen=True)
class StallReport:
    """What a probe saw: the largest stall and how many ticks it was measured over."""

    largest_ms: float
    ticks: int
    over_50ms: int  # ticks that came more than 50 ms late: stalls a user can feel
    seconds: float

    def to_json(self) -> dict[str, float | int]:
        return {"largest_stall_ms": round(self.largest_ms, 1), "ticks": self.ticks,
                "stalls_over_50ms": self.over_50ms, "probe_s": round(self.seconds, 2)}


class StallProbe(QObject):
    """Measures the event loop's largest stall between `start()` and `stop()`.

    A precise timer: a coarse one may legitimately fire up to 5 % late, which would
    count as a stall that is not one.
    """

    def __init__(self, interval_ms: int = DEFAULT_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._started = 0.0
        self._last = 0.0
        self._largest = 0.0
        self._ticks = 0
        self._over = 0

    def start(self) -> None:
        """Start (or restart) measuring from zero."""
        self._started = self._last = time.perf_counter()
        self._largest = 0.0
        self._ticks = self._over = 0
        self._timer.start()

    def stop(self) -> StallReport:
        self._tick()  # a stall in progress (the loop busy right up to now) counts too
        self._timer.stop()
        return self.report()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def report(self) -> StallReport:
        return StallReport(self._largest, self._ticks, self._over,
                           time.perf_counter() - self._started if self._started else 0.0)

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        late_ms = max(0.0, (now - self._last) * 1000 - self.interval_ms)
        self._last = now
        self._ticks += 1
        self._largest = max(self._largest, late_ms)
        if late_ms > 50:
            self._over += 1
