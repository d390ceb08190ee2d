"""`DocumentService`: the one door through which documents enter the app.

It owns a worker process (see `worker.py`) that does every decode and render, so a
decoder that segfaults, aborts, hangs or eats memory costs one file, not the app:

- a call that passes its deadline kills the worker (SIGKILL: a native loop ignores
  anything politer) and raises "x.pdf: rendering page 1 took longer than 20 s";
- a worker that dies mid-call is reaped and the call raises "x.png: the image decoder
  crashed (signal 11, SIGSEGV)";
- either way the next call starts a fresh worker. The worker is started lazily (spawn +
  imports ≈ 1 s, paid once) and reused.

Cheap checks that need no decoder run here first (missing file, folder, empty, too
large), so the common mistakes answer instantly. In-memory RGB arrays (screen captures,
decoded clipboard images) are pixels we made, not encoded bytes: they are converted here
with numpy and never sent to the worker.

Calls are serialised by a lock: the worker does one thing at a time (PyMuPDF is not
thread-safe), so a GUI thread and a prefetching thread may share one service.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import signal
import stat
import threading
from dataclasses import replace
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import numpy as np

from bluelm_desktop.core.documents import worker
from bluelm_desktop.core.documents.model import (
    DocumentInfo,
    DocumentKind,
    DocumentLimits,
    DocumentSource,
    PageInfo,
    SourceLike,
    TextSpan,
    check_target_size,
    one_line,
)
from bluelm_desktop.core.documents.pixels import array_to_rgb, output_size, resize_rgb
from bluelm_desktop.core.errors import DocumentError, Line, PasswordRequired, msg

_SNIFF_BYTES = 1024
_STOP_GRACE_S = 2.0


class _Worker:
    """One running worker process and the parent's end of its pipe."""

    def __init__(self, process: Any, conn: Connection, pid: int) -> None:
        self.process = process
        self.conn = conn
        self.pid = pid
        self.closed_on_purpose = False
        self.exitcode: int | None = None
        self.finished = False

    def alive(self) -> bool:
        return not self.finished and bool(self.process.is_alive())

    def kill(self) -> int | None:
        """SIGKILL if still running, reap, close the pipe; returns the exit code.

        Idempotent. SIGKILL because a hung native decoder ignores anything politer.
        """
        if self.finished:
            return self.exitcode
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self.exitcode = self.process.exitcode
        self.finished = True
        self.conn.close()
        if self.exitcode is not None:
            self.process.close()
        return self.exitcode

    def stop(self) -> None:
        """Ask the worker to exit; kill it if it does not within a grace period."""
        if not self.finished:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(_STOP_GRACE_S)
        self.kill()


class DocumentService:
    """Probe, render and read documents in a killable worker process.

    `probe(source) -> DocumentInfo`, `render(source, page, target_size) -> ndarray`,
    `text(source, page, target_size) -> list[TextSpan]`, `close()`. Every failure is a
    `DocumentError` (`PasswordRequired` for an encrypted PDF opened without a password)
    whose message is one line naming the document. Use it as a context manager, or call
    `close()`, so no child process outlives it; after `close()` the next call starts a
    new worker.

    `allow_test_faults=True` enables `inject_fault`, which makes the worker crash, abort,
    hang or run out of memory during the next call. Only tests set it.
    """

    def __init__(
        self, limits: DocumentLimits | None = None, *, allow_test_faults: bool = False
    ) -> None:
        self._limits = limits if limits is not None else DocumentLimits()
        self._allow_faults = allow_test_faults
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self._next_fault: worker.Fault | None = None

    # -- public API -------------------------------------------------------------------

    @property
    def limits(self) -> DocumentLimits:
        """Fixed for the service's life: the worker's memory cap is set when it starts."""
        return self._limits

    def probe(self, source: SourceLike, *, password: str | None = None) -> DocumentInfo:
        """Describe a document: kind, format, page sizes, text layer, content hash.

        An image's first page is fully decoded here, so a truncated or corrupt file fails
        now rather than halfway through encoding. For a PDF only page sizes are read.
        """
        src = DocumentSource.of(source)
        if src.array is not None:
            return _array_info(src, self.limits)
        result = self._call("probe", src, 0, None, password)
        assert isinstance(result, DocumentInfo)
        return result

    def render(
        self,
        source: SourceLike,
        page: int = 0,
        target_size: tuple[int, int] | None = None,
        *,
        password: str | None = None,
    ) -> np.ndarray:
        """Page `page` (0-based) as uint8 RGB (H, W, 3).

        `target_size` = (width, height) in pixels: a PDF page is rendered at exactly the
        zoom that gives it (no wasted rasterising), an image is resized to it. None: the
        image's own size, or the PDF page at the planning DPI. Either way the result is
        capped at `limits.max_render_pixels` (scaled down keeping the aspect ratio), so
        read the size from the array's shape.
        """
        src = DocumentSource.of(source)
        target = check_target_size(target_size)
        _check_page(page)
        if src.array is not None:
            _array_page(src, page)
            rgb = array_to_rgb(src.array, src.name, self.limits.max_image_pixels)
            natural = (rgb.shape[1], rgb.shape[0])
            return resize_rgb(rgb, output_size(natural, target, self.limits.max_render_pixels))
        result = self._call("render", src, page, target, password)
        assert isinstance(result, np.ndarray)
        return result

    def text(
        self,
        source: SourceLike,
        page: int = 0,
        target_size: tuple[int, int] | None = None,
        *,
        password: str | None = None,
    ) -> list[TextSpan]:
        """The text layer of a PDF page, word by word, with boxes in the pixels of the
        render with the same `target_size`. Images have no text layer: an empty list.
        """
        src = DocumentSource.of(source)
        target = check_target_size(target_size)
        _check_page(page)
        if src.array is not None:
            _array_page(src, page)
            return []
        result = self._call("text", src, page, target, password)
        assert isinstance(result, list)
        return result

    def warm_up(self) -> None:
        """Start the worker now (e.g. at app start), so the first drop does not wait."""
        with self._lock:
            self._ensure_worker("document worker")

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id while one runs (diagnostics and tests)."""
        current = self._worker
        return current.pid if current is not None and current.alive() else None

    def inject_fault(self, kind: worker.Fault) -> None:
        """Test-only: make the worker fail during the next call (see `worker.FAULTS`)."""
        if not self._allow_faults:
            raise RuntimeError("inject_fault needs DocumentService(allow_test_faults=True)")
        if kind not in worker.FAULTS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(worker.FAULTS)}")
        self._next_fault = kind

    def close(self) -> None:
        """Stop the worker and wait for it; no child process is left behind.

        If another thread is in a call, the worker is killed at once and that call raises
        a DocumentError saying the service was closed.
        """
        acquired = self._lock.acquire(timeout=0.5)
        try:
            current, self._worker = self._worker, None
            if current is None:
                return
            if acquired:
                current.stop()
            else:
                current.closed_on_purpose = True
                # The calling thread reaps it (or already has: ValueError).
                with contextlib.suppress(ValueError, OSError):
                    current.process.kill()
        finally:
            if acquired:
                self._lock.release()

    def __enter__(self) -> DocumentService:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the worker -------------------------------------------------------------------

    def _call(
        self,
        op: worker.Operation,
        source: DocumentSource,
        page: int,
        target: tuple[int, int] | None,
        password: str | None,
    ) -> Any:
        if source.path is not None and not source.path.is_absolute():
            # The worker keeps the working directory it was started in.
            source = replace(source, path=source.path.absolute())
        kind = _preflight(source, self.limits)
        name = source.name
        with self._lock:
            fault, self._next_fault = self._next_fault, None
            request = worker.Request(op, source, page, target, password, self.limits, fault)
            current = self._ensure_worker(name)
            try:
                current.conn.send(request)
            except (OSError, ValueError):
                # It died while idle (OOM killer, someone's kill): not this file's fault.
                self._discard(current)
                current = self._ensure_worker(name)
                try:
                    current.conn.send(request)
                except (OSError, ValueError) as exc:
                    self._discard(current)
                    raise DocumentError(
                        msg("{name}: the document worker cannot be reached ({error})"),
                        name=name, error=one_line(str(exc))) from None
            if not current.conn.poll(self.limits.timeout_s):
                self._discard(current)
                raise DocumentError(msg("{name}: {doing} took longer than {seconds:g} s"),
                                    name=name, doing=worker.verb(op, page),
                                    seconds=self.limits.timeout_s)
            try:
                reply = current.conn.recv()
            except Exception:
                reply = None
            if reply is None:
                code = self._discard(current)
                if current.closed_on_purpose:
                    raise DocumentError(msg("{name}: cancelled, the document service was closed"),
                                        name=name)
                raise DocumentError(_died(name, kind, code))
        if reply[0] == "ok":
            return reply[1]
        # The worker's message as a Line (template and fields), so it is still translated
        # here; a plain string (an older reply shape) is shown as it is.
        _, cls_name, message = reply
        line = message if isinstance(message, Line) else Line.plain(str(message))
        if cls_name == "PasswordRequired":
            raise PasswordRequired(line)
        raise DocumentError(line)

    def _ensure_worker(self, name: str) -> _Worker:
        current = self._worker
        if current is not None and current.alive():
            return current
        if current is not None:
            self._discard(current)
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=worker.serve,
            args=(child_end, self._allow_faults, self.limits.max_worker_memory_bytes),
            name="bluelm-document-worker",
            daemon=True,  # never outlives the app, even if close() is forgotten
        )
        try:
            process.start()
        except Exception as exc:
            parent_end.close()
            child_end.close()
            raise DocumentError(msg("{name}: the document worker cannot start ({error})"),
                                name=name, error=one_line(str(exc), 160)) from None
        child_end.close()  # so that its death reads as EOF here
        started = _Worker(process, parent_end, process.pid or 0)
        if not parent_end.poll(self.limits.startup_timeout_s):
            started.kill()
            raise DocumentError(
                msg("{name}: the document worker did not start within {seconds:g} s"),
                name=name, seconds=self.limits.startup_timeout_s)
        try:
            hello = parent_end.recv()
        except Exception:
            hello = None
        if not (isinstance(hello, tuple) and hello[:1] == ("ready",)):
            code = started.kill()
            raise DocumentError(msg("{name}: the document worker failed to start ({exit})"),
                                name=name, exit=_exit_text(code))
        self._worker = started
        return started

    def _discard(self, current: _Worker) -> int | None:
        """Forget a worker that failed; kill and reap it; its exit code."""
        if self._worker is current:
            self._worker = None
        return current.kill()


def _preflight(source: DocumentSource, limits: DocumentLimits) -> DocumentKind:
    """Checks that need no decoder, and the kind (for naming what crashed)."""
    name = source.name
    if source.data is not None:
        size = len(source.data)
        head = source.data[:_SNIFF_BYTES]
    else:
        assert source.path is not None
        try:
            info = os.stat(source.path)
        except FileNotFoundError:
            raise DocumentError(worker.not_found(name)) from None
        except PermissionError:
            raise DocumentError(_permission_denied(name)) from None
        except OSError as exc:
            raise DocumentError(worker.cannot_open(name, exc)) from None
        if stat.S_ISDIR(info.st_mode):
            raise DocumentError(worker.is_folder(name))
        if not stat.S_ISREG(info.st_mode):
            # A FIFO or a device would block or never end.
            raise DocumentError(msg("{name}: not a regular file"), name=name)
        size = info.st_size
        head = b""
        if 0 < size <= limits.max_file_bytes:
            try:
                with open(source.path, "rb") as handle:
                    head = handle.read(_SNIFF_BYTES)
            except PermissionError:
                raise DocumentError(_permission_denied(name)) from None
            except OSError as exc:
                raise DocumentError(worker.cannot_read(name, exc)) from None
    if size == 0:
        raise DocumentError(worker.empty_file(name))
    if size > limits.max_file_bytes:
        raise DocumentError(
            msg("{name}: file too large ({size:,.1f} MiB; the limit is {limit:,.1f} MiB)"),
            name=name, size=size / 2**20, limit=limits.max_file_bytes / 2**20)
    return worker.sniff_kind(head)


def _check_page(page: int) -> None:
    if isinstance(page, bool) or not isinstance(page, int | np.integer):
        raise TypeError(f"page must be an int, not {type(page).__name__}")


def _array_page(source: DocumentSource, page: int) -> None:
    if page != 0:
        raise DocumentError(msg("{name}: there is no page {page} (the image has 1 page)"),
                            name=source.name, page=page + 1)


def _array_info(source: DocumentSource, limits: DocumentLimits) -> DocumentInfo:
    assert source.array is not None
    rgb = array_to_rgb(source.array, source.name, limits.max_image_pixels)
    digest = hashlib.sha256(f"rgb:{rgb.shape}:".encode())
    digest.update(rgb.tobytes())
    height, width = rgb.shape[:2]
    return DocumentInfo(
        name=source.name,
        kind="image",
        format="pixels",
        pages=(PageInfo(index=0, width=width, height=height),),
        page_count=1,
        has_text_layer=False,
        content_hash=digest.hexdigest(),
    )


def _permission_denied(name: str) -> Line:
    return Line.of(msg("{name}: permission denied"), name=name)


def _died(name: str, kind: DocumentKind, code: int | None) -> Line:
    """'x.png: the image decoder crashed (signal 11, SIGSEGV)' for a signal or a Windows
    exception code; 'stopped unexpectedly' for an ordinary exit status."""
    why = _exit_text(code)
    if code is not None and 0 <= code <= 0xFFFF:
        if kind == "pdf":
            return Line.of(msg("{name}: the PDF renderer stopped unexpectedly ({exit})"),
                           name=name, exit=why)
        return Line.of(msg("{name}: the image decoder stopped unexpectedly ({exit})"),
                       name=name, exit=why)
    if kind == "pdf":
        return Line.of(msg("{name}: the PDF renderer crashed ({exit})"), name=name, exit=why)
    return Line.of(msg("{name}: the image decoder crashed ({exit})"), name=name, exit=why)


def _exit_text(code: int | None) -> Line:
    """'signal 11, SIGSEGV' on POSIX; the NTSTATUS in hex on Windows (0xc0000005)."""
    if code is None:
        return Line(msg("no exit status"))
    if code < 0:
        try:
            return Line.of(msg("signal {number}, {signal}"), number=-code,
                           signal=signal.Signals(-code).name)
        except ValueError:
            return Line.of(msg("signal {number}"), number=-code)
    if code > 0xFFFF:
        return Line.of(msg("exit code {code:#x}"), code=code)
    return Line.of(msg("exit code {code}"), code=code)
