"""The progress line of a batch on a terminal (or plain lines when not on one)."""

from __future__ import annotations

import shutil
import time
from typing import ClassVar, TextIO

from bluelm_desktop.core.batch.output import FileResult
from bluelm_desktop.core.errors import one_line

# --- progress -----------------------------------------------------------------------


class ProgressReport:
    """Progress on stderr: on a terminal one line redrawn in place (count, file, ETA);
    elsewhere (a log file, a CI job) one line per finished file. Notes go on lines of
    their own."""

    REDRAW_S: ClassVar[float] = 0.5

    def __init__(self, stream: TextIO, tty: bool | None = None) -> None:
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self.total = 0
        self.done = 0
        self._spent = 0.0  # seconds of the files done this run
        self._name = ""
        self._started = 0.0
        self._drawn = 0.0
        self._shown = False

    def begin(self, total: int) -> None:
        """Before the model loads: the line says so until the first file starts."""
        self.total = total
        self._name, self._started = "loading the model…", time.monotonic()

    def start_file(self, name: str) -> None:
        self._name, self._started = one_line(name), time.monotonic()  # no escapes from names
        if self.tty:
            self._draw()

    def tick(self) -> None:
        if self.tty and time.monotonic() - self._drawn >= self.REDRAW_S:
            self._draw()

    def end_file(self, result: FileResult) -> None:
        self.done += 1
        self._spent += result.seconds
        if self.tty:  # the next file's start redraws the line
            if not result.ok:
                self.note(f"failed: {result.error}")
            return
        outcome = (f"ok, {result.seconds:.1f} s" if result.ok
                   else f"failed ({result.seconds:.1f} s): {result.error}")
        eta = f"; ETA {_clock(self._eta())}" if self.done < self.total else ""
        self._print(f"[{self.done}/{self.total}] {one_line(result.file)}: {outcome}{eta}")

    def note(self, text: str) -> None:
        self._clear()
        self._print(text)

    def close(self) -> None:
        self._clear()

    def _eta(self, running_s: float = 0.0) -> float:
        """Seconds left: the mean per file so far for each file left, less the time the
        current one has run; NaN before any file is done."""
        if not self.done:
            return float("nan")
        return max(0.0, self._spent / self.done * (self.total - self.done) - running_s)

    def _draw(self) -> None:
        self._drawn = time.monotonic()
        running = min(self.done + 1, self.total)
        percent = 100 * self.done // max(1, self.total)
        elapsed = time.monotonic() - self._started
        tail = f" {elapsed:.0f} s · ETA {_clock(self._eta(elapsed))}"
        head = f"[{running}/{self.total}] {percent:3d}% "
        width = shutil.get_terminal_size((80, 24)).columns - 1
        name = _fit(self._name, width - len(head) - len(tail))
        self.stream.write("\r" + (head + name + tail)[:width] + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self._shown = False

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def _clock(seconds: float) -> str:
    if seconds != seconds:  # NaN: nothing done yet to go by
        return "--:--"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _fit(name: str, width: int) -> str:
    """`name`, shortened in the middle to `width` characters."""
    if len(name) <= width:
        return name
    if width < 5:
        return name[:max(0, width)]
    keep = width - 1
    return name[: keep // 2] + "…" + name[len(name) - (keep - keep // 2):]
