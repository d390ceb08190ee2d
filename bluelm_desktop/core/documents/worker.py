"""The document worker process: decodes and renders untrusted files, one request at a time.

`serve` is the process's entry point (started by `DocumentService` with the "spawn"
context: a fresh interpreter, no inherited locks or PyMuPDF state, the same on every OS).
Pillow and PyMuPDF are imported here and only here, at start-up, before the worker says
it is ready, so their import time (~1 s for PyMuPDF) is never charged to a file's timeout.

Every failure the worker understands comes back as ("error", class name, `Line`): the
message's template and fields, so the parent rebuilds the error and the interface still
translates it; anything it does not understand also comes back that way, worded as
unexpected. What
cannot come back — a segfault, an abort, a hang, the OOM killer — is the parent's job: it
sees the pipe close or the deadline pass, kills and reaps the process, and starts a new
one for the next call.

The last document opened is kept (one entry: an open PyMuPDF document or a Pillow image
plus its last decoded page), because a drop is followed by a probe, a render per page and
a text request for the same file; reopening a 500-page PDF for each would be wasteful.

Test-only faults (`Request.fault`) make the worker crash, abort, hang or run out of memory
on purpose, so the parent's recovery paths are tested for real. The worker honours them
only when it was started with `allow_faults=True`, which only tests do.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from bluelm_desktop.core.documents.model import (
    DocumentLimits,
    DocumentSource,
    one_line,
)
from bluelm_desktop.core.errors import DocumentError, Line, PasswordRequired, msg

Operation = Literal["probe", "render", "text"]
Fault = Literal["crash", "abort", "hang", "oom", "exit"]
FAULTS: tuple[Fault, ...] = ("crash", "abort", "hang", "oom", "exit")


@dataclass(frozen=True, slots=True)
class Request:
    """One call, as sent over the pipe (everything in it pickles)."""

    op: Operation
    source: DocumentSource
    page: int
    target_size: tuple[int, int] | None
    password: str | None
    limits: DocumentLimits
    fault: Fault | None = None


Reply = tuple[Literal["ok"], Any] | tuple[Literal["error"], str, Line]


def sniff_kind(head: bytes) -> Literal["image", "pdf"]:
    """PDF if the header is in the first KiB (the spec tolerates leading junk), else image."""
    return "pdf" if b"%PDF-" in head[:1024] else "image"


def verb(op: Operation, page: int) -> Line:
    """How a call is described in messages: 'rendering page 3 took longer than 20 s'."""
    if op == "probe":
        return Line(msg("opening"))
    if op == "render":
        return Line.of(msg("rendering page {page}"), page=page + 1)
    return Line.of(msg("reading the text of page {page}"), page=page + 1)


def serve(conn: Connection, allow_faults: bool, memory_budget: int | None) -> None:
    """Entry point of the worker process: import, limit memory, then answer requests."""
    # Ctrl-C in a terminal reaches the whole process group; the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Pillow reports some refusals through `logging` too; with no handler configured
    # they would land on the app's stderr. The exception carries the same news.
    pil_log = logging.getLogger("PIL")
    pil_log.addHandler(logging.NullHandler())
    pil_log.propagate = False
    from bluelm_desktop.core.documents import pdf

    pdf.quiet_mupdf()
    limited = _limit_memory(memory_budget)
    handler = _Handler(allow_faults, memory_budget if limited else None)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if request is None:
            handler.forget()
            return
        reply = handler.handle(request)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # e.g. MemoryError while pickling a huge array
            name = request.source.name
            conn.send(("error", "DocumentError",
                       Line.of(msg("{name}: result cannot be sent back ({error})"), name=name,
                               error=one_line(str(exc) or type(exc).__name__, 200))))


def _limit_memory(budget: int | None) -> bool:
    """Cap the address space at what the imports left plus `budget` (Linux only).

    Measured after the imports, so the cap does not depend on how much virtual memory
    numpy's BLAS threads or the allocator reserved on this machine.
    """
    if budget is None or not sys.platform.startswith("linux"):
        return False
    import resource

    try:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = current + budget
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        if soft == resource.RLIM_INFINITY or wanted < soft:
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (OSError, ValueError):
        return False  # no /proc or not allowed: run without the cap rather than not at all
    return True


@dataclass(slots=True)
class _Cached:
    key: tuple[Any, ...]
    opened: Any  # images.OpenedImage | pdf.OpenedPdf


class _Handler:
    """Dispatches requests; keeps the last opened document."""

    def __init__(self, allow_faults: bool, memory_cap: int | None) -> None:
        self.allow_faults = allow_faults
        self.memory_cap = memory_cap  # the budget when RLIMIT_AS is in force, else None
        self.cached: _Cached | None = None

    def handle(self, request: Request) -> Reply:
        name = request.source.name
        try:
            if request.fault is not None and self.allow_faults:
                _fault(request.fault, self.memory_cap)
            if request.op == "probe":
                return ("ok", self._open(request).info)
            if request.op == "render":
                return ("ok", self._render(request))
            if request.op == "text":
                return ("ok", self._text(request))
            # (a caller's bug, not the document's: left untranslated)
            raise DocumentError(f"{name}: unknown operation {request.op!r}")
        except PasswordRequired as exc:
            return ("error", "PasswordRequired", exc.line)
        except DocumentError as exc:
            return ("error", "DocumentError", exc.line)
        except MemoryError:
            self.forget()
            doing = verb(request.op, request.page)
            if self.memory_cap:
                return ("error", "DocumentError", Line.of(
                    msg("{name}: not enough memory for {doing} within the worker's {gib:g} GiB"),
                    name=name, doing=doing, gib=self.memory_cap / 2**30))
            return ("error", "DocumentError", Line.of(
                msg("{name}: not enough memory for {doing}"), name=name, doing=doing))
        except Exception as exc:
            self.forget()
            detail = one_line(f"{type(exc).__name__}: {exc}", 200)
            return ("error", "DocumentError", Line.of(
                msg("{name}: unexpected error while {doing} ({detail})"), name=name,
                doing=verb(request.op, request.page), detail=detail))

    def forget(self) -> None:
        """Drop (and close) the cached document."""
        cached, self.cached = self.cached, None
        if cached is not None:
            document = getattr(cached.opened, "document", None)
            if document is not None:
                with contextlib.suppress(Exception):
                    document.close()

    def _open(self, request: Request) -> Any:
        from bluelm_desktop.core.documents import images, pdf

        source, limits = request.source, request.limits
        name = source.name
        if source.path is not None:
            stat = _stat(source.path, name)
            key: tuple[Any, ...] = ("path", str(source.path), stat.st_size, stat.st_mtime_ns)
            data = None
        else:
            data = source.data or b""
            key = ("bytes", hashlib.sha256(data).hexdigest())
        # The name is part of the key: the description carries it, and the same pasted
        # bytes may come back under another name.
        key = (*key, name, request.password, limits)
        if self.cached is not None and self.cached.key == key:
            return self.cached.opened
        self.forget()
        if data is None:
            data = _read(source.path, name, limits)
        if not data:
            raise DocumentError(empty_file(name))
        content_hash = key[1] if key[0] == "bytes" else hashlib.sha256(data).hexdigest()
        if sniff_kind(data[:1024]) == "pdf":
            opened: Any = pdf.open_pdf(data, name, limits, content_hash, request.password)
        else:
            opened = images.open_image(data, name, limits, content_hash)
        self.cached = _Cached(key, opened)
        return opened

    def _page(self, request: Request, opened: Any) -> Any:
        info = opened.info
        page, name = request.page, request.source.name
        if not 0 <= page < info.page_count:
            if info.page_count == 1:
                raise DocumentError(msg("{name}: there is no page {page} (the document has "
                                        "1 page)"), name=name, page=page + 1)
            raise DocumentError(msg("{name}: there is no page {page} (the document has "
                                    "{count} pages)"),
                                name=name, page=page + 1, count=info.page_count)
        if page >= len(info.pages):
            if page >= request.limits.max_pages:
                raise DocumentError(msg("{name}: page {page} is beyond the {limit}-page limit"),
                                    name=name, page=page + 1, limit=request.limits.max_pages)
            raise DocumentError(msg("{name}: page {page} cannot be read"), name=name,
                                page=page + 1)
        return info.pages[page]

    def _render(self, request: Request) -> Any:
        from bluelm_desktop.core.documents import images, pdf
        from bluelm_desktop.core.documents.pixels import output_size, resize_rgb

        opened = self._open(request)
        page = self._page(request, opened)
        name, limits = request.source.name, request.limits
        if opened.info.kind == "pdf":
            size = pdf.render_size(page, request.target_size, limits)
            return pdf.render_page(opened, page.index, size, name)
        rgb = images.decode_page(opened, page.index, name, limits)
        natural = (rgb.shape[1], rgb.shape[0])
        return resize_rgb(rgb, output_size(natural, request.target_size, limits.max_render_pixels))

    def _text(self, request: Request) -> Any:
        from bluelm_desktop.core.documents import pdf

        opened = self._open(request)
        page = self._page(request, opened)
        if opened.info.kind != "pdf":
            return []
        size = pdf.render_size(page, request.target_size, request.limits)
        return pdf.page_text(opened, page.index, size, request.source.name)


def not_found(name: str) -> Line:
    return Line.of(msg("{name}: file not found"), name=name)


def is_folder(name: str) -> Line:
    return Line.of(msg("{name}: is a folder, not a document"), name=name)


def empty_file(name: str) -> Line:
    return Line.of(msg("{name}: empty file (0 bytes)"), name=name)


def cannot_open(name: str, exc: OSError) -> Line:
    """'x.pdf: cannot open (Permission denied)': the OS's own words."""
    return Line.of(msg("{name}: cannot open ({reason})"), name=name,
                   reason=one_line(exc.strerror or str(exc)))


def cannot_read(name: str, exc: OSError) -> Line:
    return Line.of(msg("{name}: cannot read ({reason})"), name=name,
                   reason=one_line(exc.strerror or str(exc)))


def _stat(path: Path, name: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise DocumentError(not_found(name)) from None
    except OSError as exc:
        raise DocumentError(cannot_open(name, exc)) from None


def _read(path: Path | None, name: str, limits: DocumentLimits) -> bytes:
    """The whole file, refusing to read more than the limit (it may have grown)."""
    assert path is not None
    try:
        with open(path, "rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise DocumentError(not_found(name)) from None
    except IsADirectoryError:
        raise DocumentError(is_folder(name)) from None
    except OSError as exc:
        raise DocumentError(cannot_read(name, exc)) from None
    if len(data) > limits.max_file_bytes:
        raise DocumentError(msg("{name}: file too large (the limit is {limit:,} bytes)"),
                            name=name, limit=limits.max_file_bytes)
    return data


def _fault(kind: Fault, memory_cap: int | None) -> None:
    """Fail the way native code fails. Test-only (see the module docstring)."""
    if kind == "crash":
        import ctypes

        ctypes.string_at(0)  # read from address 0: SIGSEGV
    elif kind == "abort":
        os.abort()
    elif kind == "hang":
        # A native loop ignores polite requests; so does this one.
        if hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(3600)
    elif kind == "oom":
        if memory_cap is None:  # without the cap a real attempt would take the machine
            raise MemoryError("simulated")
        hoard = bytearray(2 * memory_cap)  # refused by RLIMIT_AS: MemoryError
        del hoard
    elif kind == "exit":
        os._exit(3)
