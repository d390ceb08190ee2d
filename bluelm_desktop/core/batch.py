"""`bluelm-desktop batch`: one task over every document in a folder, one record per file.

The same core as the window and `ask`: documents → tile plans → engine, with the quick
actions' prompts and sampling (`tasks.prompts`) and `parse_invoice` for extraction. The
model is loaded once and answers one file at a time on the engine thread; meanwhile the
document worker decodes and tiles the next file (`PREFETCH_FILES` ahead, so a folder of
scans is never held in memory at once).

Records are written as they come: one JSON line or one CSV row per file, each in a single
`write` followed by `fsync`, so an interrupted run (Ctrl+C, a kill, a crash, a power cut)
loses at most the file in progress. Running the same command again resumes: a document
whose record is in the output is skipped, and a record cut off by a kill is dropped and
redone. A document is "recorded" when a record has its name relative to the folder *and*
the SHA-256 of its bytes. The hash rather than size + mtime, because copying or syncing a
folder (cp, unzip, a sync client, git) gives every file a new mtime and would redo the
whole batch, while a re-scan saved under the old name with the same size inside the
file system's mtime granularity would be missed; hashing costs about a second per GB,
against seconds to minutes of model time per file. The name is part of the key so that
two copies of one invoice still get a record each. A document whose bytes changed gets
a new record after its old one: the last record of a name is the current one.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools
import json
import os
import queue
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Final, Literal, TextIO, cast, get_args

from bluelm_desktop.core.assistant import PreparedImage, prepare_pages
from bluelm_desktop.core.documents import DocumentLimits, DocumentService
from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import Engine, EngineSettings
from bluelm_desktop.core.engine.families import vision_family
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import BlueLMError, ModelError, one_line
from bluelm_desktop.core.gguf import keys as C
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.machine import cores
from bluelm_desktop.core.settings import Settings
from bluelm_desktop.core.tasks import Invoice, check_totals, parse_invoice, quick_action
from bluelm_desktop.core.tasks.invoice import (
    _FORMULA_START,  # the export's guard against CSV injection, applied to our text too
    HEADER_FIELDS,
    _cell,
    invoice_to_dict,
)
from bluelm_desktop.core.vision.tiling import TilingParams

Task = Literal["extract-invoice", "translate", "ask"]
TASKS: Final[tuple[Task, ...]] = get_args(Task)
OUTPUT_SUFFIXES: Final = (".jsonl", ".csv")

# What the document intake opens (images.ALLOWED_FORMATS, and PDF), by file name: the
# parent never imports a decoder to sniff. Anything else in the folder is skipped.
DOCUMENT_SUFFIXES: Final = frozenset({
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".webp", ".tif", ".tiff", ".bmp",
    ".dib", ".gif", ".ico", ".ppm", ".pgm", ".pbm", ".pnm", ".qoi", ".pcx", ".jp2",
    ".j2k", ".jpx", ".avif", ".pdf",
})

# Files decoded and tiled ahead of the model: one waiting in the queue and one being
# prepared, i.e. at most two files' tiles in memory besides the one being answered.
PREFETCH_FILES: Final = 1
# The engine keeps the embeddings of every image it has encoded (the window's
# conversations may come back to them). A batch never does, so once this many bytes of
# them have piled up the model is loaded again, which forgets them: on a 3B model
# (2,560 wide) about 130 tiles, and a reload of an mmapped model takes a few seconds.
EMBEDDING_BUDGET_BYTES: Final = 256 * 2**20
# The tile-embedding cache only pays when a tile comes back, which in a batch is the
# rare duplicate file; the KV snapshots only when a conversation does, which is never.
BATCH_CACHE_MB: Final = 64

INVOICE_COLUMNS: Final = ("file", "ok", *HEADER_FIELDS, "line_items", "problems", "warnings",
                          "error", "seconds", "sha256")
ANSWER_COLUMNS: Final = ("file", "ok", "answer", "error", "seconds", "sha256")
_CSV_CODEC: Final = "utf-8"  # with a BOM at the start of the file, for spreadsheets
_BOM: Final = "\ufeff"
_CSV_TEXT_FIELDS: Final = frozenset({"file", "answer", "problems", "warnings", "error"})


def default_threads() -> int:
    """Model threads when neither the settings nor the command name a number: all cores
    but one when there are more than two, so the machine stays usable during a long
    batch and the document worker has a core of its own."""
    n = cores()
    return n - 1 if n > 2 else n


# --- the job ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchJob:
    """Everything a run needs, fixed before the first file (build it with `make_job`)."""

    folder: Path
    out: Path
    task: Task
    llm: Path
    mmproj: Path
    question: str | None = None  # ask: the question put to every document
    target_language: str | None = None  # translate: None means English
    engine: EngineSettings = field(default_factory=EngineSettings)
    sampling: SamplingParams = field(default_factory=SamplingParams)  # the task's go on top
    max_tokens: int | None = None  # overrides the task's own limit
    tiling: Mapping[str, Any] = field(default_factory=dict)  # on top of the model's own
    limits: DocumentLimits = field(default_factory=DocumentLimits)
    password: str | None = None
    retry_failed: bool = False

    def prompt(self) -> tuple[str, SamplingParams]:
        """The message sent with each document and how its answer is sampled: the app's
        quick action for extraction and translation, the question as typed for ask."""
        if self.task == "ask":
            assert self.question is not None
            text, params = self.question, self.sampling
        else:
            action = quick_action(self.task)
            text, params = action.prompt("", self.target_language), action.sampling_params(
                self.sampling)
        if self.max_tokens is not None:
            params = dataclasses.replace(params, max_tokens=self.max_tokens)
        return text, params


def make_job(settings: Settings, *, folder: Path, out: Path, task: str, llm: Path,
             mmproj: Path | None = None, question: str | None = None,
             target_language: str | None = None, threads: int | None = None,
             ctx: int | None = None, max_grid: int | None = None,
             max_image_tokens: int | None = None, max_tokens: int | None = None,
             seed: int | None = None, password: str | None = None,
             retry_failed: bool = False) -> BatchJob:
    """A job from the user's settings and the command's options (which win).

    Raises BlueLMError, one line, for arguments that cannot work: a folder that is not
    one, an output that is neither .jsonl nor .csv, ask without a question, an option
    the task does not take, a number out of range.
    """
    if task not in TASKS:
        raise BlueLMError(f"unknown task {task!r} (known: {', '.join(TASKS)})")
    if not folder.is_dir():
        raise BlueLMError(f"{folder}: {'not a folder' if folder.exists() else 'no such folder'}")
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise BlueLMError(f"--out {out.name}: the output must end in .jsonl or .csv")
    if out.is_dir():
        raise BlueLMError(f"--out {out}: is a folder")
    if task == "ask" and not (question and question.strip()):
        raise BlueLMError("--task ask needs --question")
    if task != "ask" and question is not None:
        raise BlueLMError(f"--question is for --task ask, not {task}")
    if task != "translate" and target_language is not None:
        raise BlueLMError(f"--target-language is for --task translate, not {task}")
    for name, value in (("--threads", threads), ("--ctx", ctx), ("--max-tokens", max_tokens)):
        if value is not None and value < 1:
            raise BlueLMError(f"{name} must be at least 1, got {value}")
    for model in (llm, mmproj):
        if model is not None and not model.is_file():
            raise BlueLMError(f"{model}: no such model file")
    if mmproj is None:
        mmproj = _sibling_mmproj(llm)
    engine = settings.engine_settings(EngineSettings(cache_mb=BATCH_CACHE_MB,
                                                     kv_snapshot_mb=0))
    if ctx is not None:
        n_batch = min(engine.n_batch, ctx)
        engine = dataclasses.replace(engine, n_ctx=ctx, n_batch=n_batch,
                                     n_chunk=min(engine.n_chunk, n_batch))
    engine = dataclasses.replace(
        engine, threads=threads or settings.inference.threads or default_threads())
    tiling = settings.tiling_overrides()
    if max_grid is not None:
        tiling["max_grid"] = max_grid
    if max_image_tokens is not None:
        tiling["max_image_tokens"] = max_image_tokens
    try:
        TilingParams(**tiling)  # checks the numbers now rather than at the first file
        sampling = settings.sampling_params()
        if seed is not None:
            sampling = dataclasses.replace(sampling, seed=seed)
        if task == "translate" and target_language is None:
            target_language = settings.ui.effective_translation_target()
        return BatchJob(folder=folder, out=out, task=cast(Task, task), llm=llm,
                        mmproj=mmproj, question=question, target_language=target_language,
                        engine=engine, sampling=sampling, max_tokens=max_tokens,
                        tiling=tiling, limits=settings.document_limits(), password=password,
                        retry_failed=retry_failed)
    except ValueError as e:
        raise BlueLMError(str(e)) from None


def _sibling_mmproj(llm: Path) -> Path:
    """NAME-mmproj.gguf next to NAME-llm.gguf (the converter's and the library's pairing)."""
    if llm.name.endswith(C.LLM_SUFFIX):
        candidate = llm.with_name(llm.name.removesuffix(C.LLM_SUFFIX) + C.MMPROJ_SUFFIX)
        if candidate.is_file():
            return candidate
    raise BlueLMError("reading documents needs a vision projector: pass --mmproj")


# --- the folder ---------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One file of the folder: `name` is relative to it (the record's "file")."""

    path: Path
    name: str
    sha256: str  # "" when the file cannot be read (its record then says why)
    error: str | None = None


def list_documents(folder: Path) -> tuple[list[Path], list[str]]:
    """The folder's images and PDFs, and the names of the other files (skipped).

    Sorted by code point, so the order is the same on every machine and in every locale.
    Hidden files (".DS_Store", "._scan.png") and sub-folders are left out.
    """
    documents: list[Path] = []
    others: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() in DOCUMENT_SUFFIXES:
            documents.append(path)
        else:
            others.append(path.name)
    return documents, others


def identify(path: Path, folder: Path) -> Document:
    """The document's record key: its name relative to the folder and its SHA-256."""
    name = path.relative_to(folder).as_posix()
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as e:
        return Document(path, name, "", f"{name}: cannot read ({one_line(e.strerror or str(e))})")
    return Document(path, name, digest)


# --- results and output files -------------------------------------------------------


@dataclass
class FileResult:
    """What became of one document: the record written for it."""

    file: str
    sha256: str
    ok: bool
    seconds: float
    error: str | None = None
    answer: str | None = None  # translate, ask
    invoice: Invoice | None = None  # extract-invoice
    warnings: list[str] = field(default_factory=list)  # check_totals
    pages: int = 0
    image_tokens: int = 0


@dataclass(frozen=True)
class Recorded:
    """A record already in the output, as much of it as resuming needs."""

    file: str
    sha256: str
    ok: bool
    raw: bytes  # the record as stored, kept as is when --retry-failed rewrites the file


class BatchOutput:
    """The output file: locked, repaired when opened, one fsynced record per `write`.

    Subclasses say how a record is encoded and read back (`_header`, `_encode`, `_parse`).
    """

    def __init__(self, job: BatchJob) -> None:
        self.job = job
        self.path = job.out
        self.dropped_bytes = 0  # the cut-off last record removed when opening
        self._fd: int | None = None

    def open(self) -> list[Recorded]:
        """Create or reopen the file; returns the records already in it.

        A record cut off at the end (the run was killed while writing it) is removed.
        Anything else that is not one of our records is a BlueLMError: the file is not
        ours, or was written for another task, and is left as it is.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
        try:
            _lock(fd, self.path)
            data = _read_all(fd)
            records, complete = self._parse(data)
            if complete == 0 and data and not self._starts_like_ours(data):
                # Nothing complete, and not even the start of our first record: someone
                # else's file (a one-line note without a line end), not a cut-off run.
                raise BlueLMError(f"{self.path}: not a batch output; use another --out")
            if complete < len(data):
                os.ftruncate(fd, complete)
                self.dropped_bytes = len(data) - complete
            if complete == 0:
                _write_all(fd, self._header())
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return records

    def keep_only(self, records: Sequence[Recorded]) -> None:
        """Rewrite the file with just these records (e.g. without the failed ones),
        atomically: a temporary file in the same folder, fsynced, renamed over it."""
        assert self._fd is not None
        write_atomically(self.path, self._header() + b"".join(r.raw for r in records),
                         mode=os.fstat(self._fd).st_mode & 0o777)
        old, self._fd = self._fd, None
        os.close(old)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            _lock(fd, self.path)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def write(self, result: FileResult) -> None:
        """Append one record and make it durable before the next file starts."""
        assert self._fd is not None
        _write_all(self._fd, self._encode(result))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> BatchOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _header(self) -> bytes:
        return b""

    def _starts_like_ours(self, data: bytes) -> bool:
        """Whether `data` (no complete record in it) can be the start of our file."""
        raise NotImplementedError

    def _encode(self, result: FileResult) -> bytes:
        raise NotImplementedError

    def _parse(self, data: bytes) -> tuple[list[Recorded], int]:
        """The complete records in `data` and the byte length of the complete part."""
        raise NotImplementedError

    def _damaged(self, where: str, why: str) -> BlueLMError:
        return BlueLMError(f"{self.path}: {where} is not a batch record ({why}); "
                           "use another --out, or remove that part of the file")


class JsonlOutput(BatchOutput):
    """One JSON object per line: {"file", "ok", "task", the task's fields, "error",
    "seconds", "pages", "image_tokens", "sha256"}."""

    def _task_fields(self) -> dict[str, Any]:
        return _task_fields(self.job.task, self.job.question, self.job.target_language)

    def _starts_like_ours(self, data: bytes) -> bool:
        opening = b'{"file": '
        return data.startswith(opening) or opening.startswith(data)

    def _encode(self, result: FileResult) -> bytes:
        record: dict[str, Any] = {"file": result.file, "ok": result.ok, "task": self.job.task,
                                  **self._task_fields()}
        if self.job.task == "extract-invoice":
            invoice = result.invoice
            record["invoice"] = invoice_to_dict(invoice) if invoice is not None else None
            record["problems"] = list(invoice.problems) if invoice is not None else []
            record["warnings"] = result.warnings
        else:
            record["answer"] = result.answer
        record.update(error=result.error, seconds=round(result.seconds, 2), pages=result.pages,
                      image_tokens=result.image_tokens, sha256=result.sha256)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        return line.encode("utf-8", "replace")  # a lone surrogate must not stop the run

    def _parse(self, data: bytes) -> tuple[list[Recorded], int]:
        records: list[Recorded] = []
        pos = 0
        for number in itertools.count(1):
            end = data.find(b"\n", pos)
            if end < 0:  # no line end: the last write did not finish
                break
            line = data[pos:end + 1]
            if line.strip():
                records.append(self._record(line, f"line {number}"))
            pos = end + 1
        return records, pos

    def _record(self, line: bytes, where: str) -> Recorded:
        try:
            obj = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise self._damaged(where, f"not JSON: {one_line(str(e), 80)}") from None
        if not (isinstance(obj, dict) and isinstance(obj.get("file"), str)
                and isinstance(obj.get("sha256"), str) and isinstance(obj.get("ok"), bool)):
            raise self._damaged(where, "it lacks file, ok or sha256")
        expected = {"task": self.job.task, **self._task_fields()}
        if {k: obj.get(k) for k in expected} != expected:
            task = obj.get("task")
            theirs = _task_fields(str(task), obj.get("question"), obj.get("target_language"))
            detail = "".join(f", {k.replace('_', ' ')} {v!r}" for k, v in theirs.items())
            raise BlueLMError(f"{self.path}: holds the results of --task {task}{detail} "
                              f"({where}), not of this job; use another --out")
        return Recorded(obj["file"], obj["sha256"], obj["ok"], line)


def _task_fields(task: str, question: object, target_language: object) -> dict[str, Any]:
    """What besides the task a JSON record names of its job (and a resumed job must match)."""
    if task == "ask":
        return {"question": question}
    if task == "translate":
        return {"target_language": target_language}
    return {}


class CsvOutput(BatchOutput):
    """RFC 4180 CSV with a header row, one row per file; UTF-8 with a BOM, which is what
    spreadsheets need to read it as UTF-8 (the invoice export does the same). Text that a
    spreadsheet would take for a formula gets a leading apostrophe, as in the export."""

    @property
    def columns(self) -> tuple[str, ...]:
        return INVOICE_COLUMNS if self.job.task == "extract-invoice" else ANSWER_COLUMNS

    def _header(self) -> bytes:
        return (_BOM + _csv_line(self.columns)).encode(_CSV_CODEC)

    def _starts_like_ours(self, data: bytes) -> bool:
        return self._header().startswith(data)

    def _encode(self, result: FileResult) -> bytes:
        values: dict[str, str] = {
            "file": result.file, "ok": "true" if result.ok else "false",
            "error": result.error or "", "seconds": f"{result.seconds:.2f}",
            "sha256": result.sha256, "answer": result.answer or "",
            "warnings": "; ".join(result.warnings),
        }
        invoice = result.invoice
        if invoice is not None:
            values.update({name: _cell(getattr(invoice, name), name) for name in HEADER_FIELDS})
            values["line_items"] = str(len(invoice.line_items))
            values["problems"] = "; ".join(invoice.problems)
        row = [_text_cell(values.get(c, "")) if c in _CSV_TEXT_FIELDS else values.get(c, "")
               for c in self.columns]
        return _csv_line(row).encode(_CSV_CODEC, "replace")

    def _parse(self, data: bytes) -> tuple[list[Recorded], int]:
        # surrogateescape: every byte survives the round trip, so the complete part's
        # length in bytes is exact even if a cut went through a multi-byte character.
        text = data.decode(_CSV_CODEC, "surrogateescape")
        lines = _CountedLines(text)
        reader = csv.reader(lines, strict=True)
        rows: list[tuple[list[str], int, int]] = []  # row, start and end in characters
        start = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                if lines.consumed < len(text):
                    raise self._damaged(f"the row at line {reader.line_num}",
                                        one_line(str(e), 80)) from None
                break  # a quoted field still open at the end: cut off
            if text[lines.consumed - 1] not in "\r\n":
                break  # no line end: the last write did not finish
            rows.append((row, start, lines.consumed))
            start = lines.consumed
        if not rows:
            return [], 0
        first = rows[0][0] or [""]
        header = [first[0].removeprefix(_BOM), *first[1:]]
        if tuple(header) != self.columns:
            raise BlueLMError(f"{self.path}: not a batch output of --task {self.job.task} (its "
                              f"first row is {one_line(','.join(header), 120)}); use another "
                              "--out")
        records: list[Recorded] = []
        for row, begin, end in rows[1:]:
            if not row:  # a blank line (a hand edit): no record, and harmless
                continue
            if len(row) != len(self.columns) or row[1] not in ("true", "false") or not row[0]:
                where = f"the row at line {text.count(chr(10), 0, begin) + 1}"
                raise self._damaged(where, f"{len(row)} columns, ok {row[1:2]}")
            raw = text[begin:end].encode(_CSV_CODEC, "surrogateescape")
            records.append(Recorded(_untext_cell(row[0]), row[-1], row[1] == "true", raw))
        return records, len(text[:start].encode(_CSV_CODEC, "surrogateescape"))


def output_for(job: BatchJob) -> BatchOutput:
    return JsonlOutput(job) if job.out.suffix.lower() == ".jsonl" else CsvOutput(job)


class _CountedLines:
    """Lines for csv.reader that count the characters it has taken: the reader asks for
    a line only when its current record needs one, so after each record the count is
    where that record ends."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.consumed = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.consumed += len(line)
        return line


def _csv_line(row: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(row)
    return out.getvalue()


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _untext_cell(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _lock(fd: int, path: Path) -> None:
    """One run per output file: a second one would interleave its records."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise BlueLMError(f"{path}: another batch run is writing to it") from None


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks: list[bytes] = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    """A record in one os.write (looping only on a short write): Python raises
    KeyboardInterrupt between calls, so Ctrl+C does not cut a record in two (a kill, a
    crash or a full disk can, and the next run's `open` drops what was cut)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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


# --- the model ----------------------------------------------------------------------


class _Model:
    """The engine with one model pair loaded, answering one document at a time.

    Each document is a conversation of its own (nothing carries over from the last one,
    apart from the chat template's prefix, which the KV cache keeps).
    """

    def __init__(self, job: BatchJob, embedding_bytes_per_position: int,
                 embedding_budget: int, tick: Callable[[], None]) -> None:
        self.job = job
        self._per_position = embedding_bytes_per_position
        self._budget = embedding_budget
        self._held = 0
        self._tick = tick
        self._conversations = itertools.count(1)
        self._client = EngineClient(job.engine)
        self.loads = 0

    def load(self) -> None:
        self._run(lambda engine: [engine.load(self.job.llm, self.job.mmproj)])
        self._held = 0
        self.loads += 1

    def answer(self, images: Sequence[PreparedImage], prompt: str,
               params: SamplingParams) -> str:
        if self._held > self._budget:  # see EMBEDDING_BUDGET_BYTES
            self.load()
        conversation = f"batch-{next(self._conversations)}"

        def submit(engine: Engine) -> list[int]:
            ids = [engine.encode_image(conversation, img.image_id, img.tiles, img.layout,
                                       replace=k == 0) for k, img in enumerate(images)]
            ids.append(engine.ask(conversation, prompt, [i.image_id for i in images], params))
            return ids

        try:
            return self._run(submit)
        finally:
            self._held += sum(i.layout.image_tokens
                              for i in images) * self._per_position

    def close(self) -> None:
        self._client.close()

    def _run(self, submit: Callable[[Engine], list[int]]) -> str:
        turn = self._client.run(submit, tick=self._tick)
        if turn.failure is not None:
            raise ModelError(turn.failure)
        return turn.answer


# --- documents ahead of the model ---------------------------------------------------

Prepared = list[PreparedImage] | str  # the pages, or the error that stopped them


class _Prefetch:
    """Decodes and tiles the next documents (in the document worker process) while the
    model answers the current one; at most PREFETCH_FILES + 1 files ahead."""

    def __init__(self, service: DocumentService, documents: Sequence[Document],
                 tiling: TilingParams, password: str | None) -> None:
        self._service = service
        self._documents = list(documents)
        self._tiling = tiling
        self._password = password
        self._queue: queue.Queue[tuple[Document, Prepared]] = queue.Queue(PREFETCH_FILES)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="batch-prefetch", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[tuple[Document, Prepared]]:
        for _ in self._documents:
            while True:
                try:
                    yield self._queue.get(timeout=0.1)
                    break
                except queue.Empty:
                    if not self._thread.is_alive() and self._queue.empty():
                        raise BlueLMError("the document reader stopped") from None

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> None:
        self._thread.join()

    def _run(self) -> None:
        for doc in self._documents:
            if self._stop.is_set():
                return
            item = self._prepare(doc)
            while not self._stop.is_set():
                try:
                    self._queue.put((doc, item), timeout=0.1)
                    break
                except queue.Full:
                    continue

    def _prepare(self, doc: Document) -> Prepared:
        if doc.error is not None:
            return doc.error
        try:
            pages = list(prepare_pages(self._service, doc.path, self._tiling, self._password))
        except BlueLMError as e:
            return one_line(str(e))
        except Exception as e:  # a bug costs its file, not the batch
            return f"{doc.name}: internal error ({type(e).__name__}: {one_line(str(e))})"
        return pages or f"{doc.name}: the document has no pages"


# --- the run ------------------------------------------------------------------------


@dataclass
class BatchSummary:
    """How the run went; kept up to date while it runs (read it after Ctrl+C)."""

    out: Path
    documents: int = 0  # images and PDFs in the folder
    others: list[str] = field(default_factory=list)  # other files, skipped
    recorded: int = 0  # documents already in the output, skipped
    to_do: int = 0
    done: int = 0  # documents answered (or failed) in this run
    failed: int = 0  # documents whose current record is a failure, this run or before
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def describe(self) -> str:
        parts = [f"{self.done} file{'s' * (self.done != 1)} done in {self.seconds:.1f} s"]
        if self.recorded:
            parts.append(f"{self.recorded} recorded before")
        parts.append(f"{self.failed} failed" if self.failed else "all ok")
        return f"batch: {', '.join(parts)}; results in {self.out}"

    def interrupted(self) -> str:
        return (f"batch interrupted: {self.done} of {self.to_do} files done this run "
                f"({self.done + self.recorded} of {self.documents} in {self.out}); run the "
                "same command again to resume")


class Batch:
    """Runs a `BatchJob`: `Batch(job).run()`; progress and notes go to `progress_stream`."""

    def __init__(self, job: BatchJob, progress_stream: TextIO | None = None,
                 tty: bool | None = None,
                 embedding_budget: int = EMBEDDING_BUDGET_BYTES) -> None:
        self.job = job
        self.progress = ProgressReport(progress_stream or sys.stderr, tty)
        self.summary = BatchSummary(job.out)
        self.embedding_budget = embedding_budget
        self.model_loads = 0

    def run(self) -> BatchSummary:
        """Every document not yet recorded, in order; returns when all are recorded.

        Raises BlueLMError (one line) when the run cannot start: the output belongs to
        another job, the model does not load. KeyboardInterrupt stops it after the
        records written so far, all of them complete.
        """
        job, summary = self.job, self.summary
        folder = job.folder.resolve()
        paths, others = list_documents(folder)
        out = job.out.resolve()
        summary.others = [n for n in others if out != folder / n]  # an --out inside DIR
        summary.documents = len(paths)
        with output_for(job) as output:
            records = output.open()
            if output.dropped_bytes:
                self.progress.note(f"{job.out}: removed a record cut off at the end "
                                   f"({output.dropped_bytes} bytes); its file is done again")
            documents = [identify(path, folder) for path in paths]
            latest = {r.file: r for r in records}  # the last record of a name is current
            if job.retry_failed:
                current = {d.name for d in documents}
                kept = [r for r in records if r.ok or r.file not in current]
                if len(kept) < len(records):
                    output.keep_only(kept)
                    latest = {r.file: r for r in kept}
            pending: list[Document] = []
            for doc in documents:
                record = latest.get(doc.name)
                if record is not None and record.sha256 == doc.sha256:
                    summary.recorded += 1
                    summary.failed += not record.ok
                else:
                    pending.append(doc)
            summary.to_do = len(pending)
            self._notes(pending)
            if pending:
                self._answer(pending, output)
        self.progress.note(summary.describe())
        return summary

    def _notes(self, pending: Sequence[Document]) -> None:
        summary = self.summary
        if summary.others:
            shown = ", ".join(summary.others[:5]) + (", …" if len(summary.others) > 5 else "")
            self.progress.note(f"skipped {len(summary.others)} file"
                               f"{'s' * (len(summary.others) != 1)} that "
                               f"{'is' if len(summary.others) == 1 else 'are'} not an image "
                               f"or PDF: {shown}")
        if not summary.documents:
            self.progress.note(f"{self.job.folder}: no images or PDFs to process")
        elif summary.recorded:
            failed = f", {summary.failed} of them failed (--retry-failed tries them again)" \
                if summary.failed else ""
            self.progress.note(f"resuming: {summary.recorded} of {summary.documents} files "
                               f"already in {self.job.out}{failed}; {len(pending)} to go")

    def _answer(self, pending: Sequence[Document], output: BatchOutput) -> None:
        job, summary = self.job, self.summary
        start = time.monotonic()
        meta = read_metadata(job.mmproj)
        try:
            tiling = dataclasses.replace(vision_family(meta, job.mmproj.name).tiling,
                                         **job.tiling)
        except ValueError as e:
            raise BlueLMError(str(e)) from None
        width = meta.get("clip.vision.projection_dim")
        per_position = 4 * (width if isinstance(width, int) and width > 0 else 4096)
        prompt, params = job.prompt()
        self.progress.begin(len(pending))
        service = DocumentService(job.limits)
        model = _Model(job, per_position, self.embedding_budget, self.progress.tick)
        prefetch: _Prefetch | None = None
        try:
            model.load()
            prefetch = _Prefetch(service, pending, tiling, job.password)
            began = time.monotonic()
            for doc, prepared in prefetch:
                self.progress.start_file(doc.name)
                result = self._one(doc, prepared, model, prompt, params, began)
                output.write(result)
                summary.done += 1
                summary.failed += not result.ok
                summary.seconds = time.monotonic() - start
                self.progress.end_file(result)
                began = time.monotonic()
        finally:
            # The reader first (closing the service ends a render it waits on), then the
            # engine, which stops its request between tokens.
            if prefetch is not None:
                prefetch.stop()
            service.close()
            if prefetch is not None:
                prefetch.join()
            model.close()
            self.model_loads = model.loads
            summary.seconds = time.monotonic() - start
            self.progress.close()

    def _one(self, doc: Document, prepared: Prepared, model: _Model, prompt: str,
             params: SamplingParams, began: float) -> FileResult:
        result = FileResult(doc.name, doc.sha256, ok=False, seconds=0.0)
        if isinstance(prepared, str):
            result.error = prepared
        else:
            result.pages = len(prepared)
            result.image_tokens = sum(i.layout.image_tokens for i in prepared)
            try:
                answer = model.answer(prepared, prompt, params)
            except ModelError as e:
                message = one_line(str(e))
                result.error = message if doc.name in message else f"{doc.name}: {message}"
            else:
                result.ok = True
                if self.job.task == "extract-invoice":
                    result.invoice = parse_invoice(answer)
                    result.warnings = check_totals(result.invoice)
                else:
                    result.answer = answer
        result.seconds = time.monotonic() - began
        return result
