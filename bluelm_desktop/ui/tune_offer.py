"""`bluelm-desktop tune` offered and run from the window: in a child process, cancellable.

The measurement loads the model again (its weights are mmapped: the pages are shared with
the engine's copy) and keeps both cores busy for 2–4 minutes on a 3B model; a
child process keeps the window responsive and can be stopped at any moment (killed: it
writes its result only at the end, atomically). Its progress lines arrive on stderr, its
result as one JSON line on stdout, and is remembered by the child (`core.tune.save`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal, Slot
from PySide6.QtWidgets import QPushButton

from bluelm_desktop.core.errors import one_line
from bluelm_desktop.core.tune import TuneResult, step_line
from bluelm_desktop.ui.i18n import tr_line


def tune_command(llm: Path, mmproj: Path | None) -> list[str]:
    """The child's command line: the CLI's `tune`, by this interpreter (or, in a bundle,
    the app itself, whose entry point is the CLI)."""
    args = ["tune", "--model", str(llm), "--json"]
    if mmproj is not None:
        args += ["--mmproj", str(mmproj)]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "bluelm_desktop.cli", *args]


class TuneRunner(QObject):
    """One tune at a time; `finished(TuneResult)`, `failed(str)` or `stopped()` ends it."""

    progress = Signal(str)  # what it measures now (in the interface's language)
    finished = Signal(object)  # TuneResult
    failed = Signal(str)  # one line
    stopped = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._stopping = False
        self._err = b""

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self, llm: Path, mmproj: Path | None) -> None:
        if self._process is not None:
            return
        program, *args = tune_command(llm, mmproj)
        process = QProcess(self)
        process.readyReadStandardError.connect(self._on_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self._process, self._stopping, self._err = process, False, b""
        process.start(program, args)

    def stop(self) -> None:
        """Stop measuring now (nothing is remembered)."""
        if self._process is not None:
            self._stopping = True
            self._process.kill()

    def shutdown(self) -> None:
        """Kill a running child and wait for it: call before the window goes."""
        process = self._process
        if process is not None:
            self._stopping = True
            process.kill()
            process.waitForFinished(3000)

    @Slot()
    def _on_stderr(self) -> None:
        assert self._process is not None
        self._err += bytes(self._process.readAllStandardError().data())
        *lines, self._err = self._err.split(b"\n")
        for line in lines:
            text = line.decode("utf-8", "replace").strip()
            if "tune:" in text:  # the CLI's English step, read back as its template
                self.progress.emit(tr_line(step_line(text.split("tune:", 1)[1])))

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        out = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        err = (self._err + bytes(process.readAllStandardError().data())).decode(
            "utf-8", "replace")
        process.deleteLater()
        if self._stopping:
            self.stopped.emit()
            return
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            try:
                data = json.loads(out.strip().splitlines()[-1])
                self.finished.emit(TuneResult.from_json(data))
                return
            except (ValueError, IndexError, TypeError, AttributeError) as e:
                self.failed.emit(self.tr("tune: unreadable result ({error})").format(
                    error=one_line(str(e))))
                return
        # (the child's own last word: English, as the CLI prints it)
        lines = [ln for ln in err.splitlines() if ln.strip() and "tune:" not in ln]
        self.failed.emit(one_line(lines[-1]) if lines else
                         self.tr("tune stopped (exit code {code})").format(code=code))

    @Slot(QProcess.ProcessError)
    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            process, self._process = self._process, None
            process.deleteLater()
            self.failed.emit(self.tr("tune could not be started"))


class TuneOffer(QObject):
    """The status bar's "Measure speed…" button: shown while the loaded model has no
    speeds measured here; runs `TuneRunner`, and becomes "Stop measuring" meanwhile.

    `measured(TuneResult)` when a run ends well (the window updates its estimates);
    `message(str, bool)` lines for the status bar (text, is an error)."""

    measured = Signal(object)  # TuneResult
    message = Signal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.button = QPushButton(self.tr("Measure speed…"))
        self.button.setFlat(True)
        self.button.setToolTip(self.tr(
            "Measure this model on this computer (a few minutes): tile encoding, prefill "
            "and decode speed, whether encoding beside prefill and tiles in batches pay "
            "here, and which attention setting answers soonest with a page in context. "
            "The estimates and the engine use the result."))
        self.button.setVisible(False)
        self.button.clicked.connect(self._on_clicked)
        self.runner = TuneRunner(self)
        self.runner.progress.connect(
            lambda line: self.message.emit(self.tr("Measuring: {step}…").format(step=line),
                                           False))
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.stopped.connect(self._on_stopped)
        self._model: tuple[Path, Path | None] | None = None
        self._offered: set[Path] = set()

    def model_loaded(self, llm: Path, mmproj: Path | None, tuned: bool) -> None:
        """Offer a measurement for a model with none (once a session, said aloud the
        first time)."""
        self.runner.stop()
        self._model = (llm, mmproj)
        self.button.setVisible(not tuned)
        self._reset_button()
        if not tuned and llm not in self._offered:
            self._offered.add(llm)
            self.message.emit(self.tr(
                "The time estimates are guesses for this computer: “Measure speed…” in the "
                "status bar measures this model here (a few minutes)."), False)

    def shutdown(self) -> None:
        self.runner.shutdown()

    @Slot()
    def _on_clicked(self) -> None:
        if self.runner.running:
            self.runner.stop()
            return
        if self._model is None:
            return
        self.runner.start(*self._model)
        self.button.setText(self.tr("Stop measuring"))
        self.message.emit(self.tr("Measuring this model's speed…"), False)

    def _reset_button(self) -> None:
        self.button.setText(self.tr("Measure speed…"))

    @Slot(object)
    def _on_finished(self, result: TuneResult) -> None:
        self._reset_button()
        self.button.setVisible(False)
        self.measured.emit(result)
        parts = []
        if result.per_tile_s is not None:
            parts.append(self.tr("{seconds} s a tile").format(
                seconds=f"{result.per_tile_s:.1f}"))
        parts.append(self.tr("prefill {speed} tokens/s").format(
            speed=f"{result.prefill_tok_s:,.0f}"))
        parts.append(self.tr("answers at {speed} tokens/s").format(
            speed=f"{result.decode_tok_s:.1f}"))
        if result.pipeline_s is not None:
            parts.append(self.tr("encoding beside prefill pays here") if result.pipeline
                         else self.tr("one stage at a time is faster here (used from the "
                                      "next model load)"))
        self.message.emit(self.tr("Measured: {figures}.").format(figures=", ".join(parts)),
                          False)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._reset_button()
        self.message.emit(self.tr("Measuring failed: {message}").format(message=message),
                          True)

    @Slot()
    def _on_stopped(self) -> None:
        self._reset_button()
        self.message.emit(self.tr("Measuring stopped."), False)
