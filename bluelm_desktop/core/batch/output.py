"""The output file of a batch: one record per document, written as it comes, and the
resume that reads it back (see the package docstring)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from bluelm_desktop.core.batch.job import BatchJob
from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.errors import BlueLMError, one_line
from bluelm_desktop.core.tasks import Invoice
from bluelm_desktop.core.tasks.contract import CONTRACT_FIELDS, Contract, contract_to_dict
from bluelm_desktop.core.tasks.invoice import (
    HEADER_FIELDS,
    csv_cell,
    guard_formula,  # the export's guard against CSV injection, applied to our text too
    invoice_to_dict,
)

INVOICE_COLUMNS: Final = ("file", "ok", *HEADER_FIELDS, "line_items", "problems", "warnings",
                          "error", "seconds", "sha256")
ANSWER_COLUMNS: Final = ("file", "ok", "answer", "error", "seconds", "sha256")
CONTRACT_COLUMNS: Final = ("file", "ok", *CONTRACT_FIELDS, "clauses", "problems", "warnings",
                           "error", "seconds", "sha256")
_CSV_CODEC: Final = "utf-8"  # with a BOM at the start of the file, for spreadsheets
_BOM: Final = "\ufeff"
_CSV_TEXT_FIELDS: Final = frozenset({"file", "answer", "problems", "warnings", "error",
                                    *CONTRACT_FIELDS})


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
    contract: Contract | None = None  # extract-contract
    warnings: list[str] = field(default_factory=list)  # check_totals
    pages: int = 0
    image_tokens: int = 0
    server: str = ""  # the llama-server (HOST:PORT) that answered; not part of the record


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
            record["problems"] = [str(p) for p in invoice.problems] if invoice is not None else []
            record["warnings"] = result.warnings
        elif self.job.task == "extract-contract":
            contract = result.contract
            record["contract"] = contract_to_dict(contract) if contract is not None else None
            record["problems"] = [str(p) for p in contract.problems] if contract is not None else []
            record["warnings"] = result.warnings
        else:
            record["answer"] = result.answer
            record["warnings"] = result.warnings  # pages left out, read at lower detail
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
        return {"extract-invoice": INVOICE_COLUMNS,
                "extract-contract": CONTRACT_COLUMNS}.get(self.job.task, ANSWER_COLUMNS)

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
            values.update({name: csv_cell(getattr(invoice, name), name) for name in HEADER_FIELDS})
            values["line_items"] = str(len(invoice.line_items))
            values["problems"] = "; ".join(map(str, invoice.problems))
        contract = result.contract
        if contract is not None:
            values.update({name: csv_cell(getattr(contract, name), name)
                           for name in CONTRACT_FIELDS})
            values["clauses"] = str(len(contract.clauses))
            values["problems"] = "; ".join(map(str, contract.problems))
        row = [guard_formula(values.get(c, "")) if c in _CSV_TEXT_FIELDS
               else values.get(c, "") for c in self.columns]
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
