"""The batch run: the model answering one document at a time while the next ones are read
ahead, and the loop that ties job, documents, model and output together."""

from __future__ import annotations

import dataclasses
import itertools
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bluelm_desktop.core.assistant import prepare_images
from bluelm_desktop.core.batch.job import (
    EMBEDDING_BUDGET_BYTES,
    PREFETCH_FILES,
    BatchJob,
    Document,
    identify,
    list_documents,
)
from bluelm_desktop.core.batch.output import BatchOutput, FileResult, output_for
from bluelm_desktop.core.batch.progress import ProgressReport
from bluelm_desktop.core.documents import DocumentService
from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import Engine
from bluelm_desktop.core.engine.families import vision_family
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.engine.vocab import TokenCounter
from bluelm_desktop.core.errors import BlueLMError, ModelError, one_line
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.planning import Counter, PreparedImage, document_budget
from bluelm_desktop.core.tasks import check_totals, parse_invoice
from bluelm_desktop.core.tasks.contract import parse_contract, verify_clause_pages
from bluelm_desktop.core.tasks.invoice import check_against_pages
from bluelm_desktop.core.vision.tiling import TilingParams

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
            ids = [i for k, img in enumerate(images)
                   for i in img.submit_to(engine, conversation, first=k == 0)]
            ids.append(engine.ask(conversation, prompt,
                                  [i for img in images for i in img.page_ids], params))
            return ids

        try:
            return self._run(submit)
        finally:
            self._held += sum(i.image_tokens for i in images) * self._per_position

    def close(self) -> None:
        self._client.close()

    def _run(self, submit: Callable[[Engine], list[int]]) -> str:
        turn = self._client.run(submit, tick=self._tick)
        if turn.failure is not None:
            raise ModelError(turn.failure)
        return turn.answer


def _words(pages: Sequence[PreparedImage]) -> dict[tuple[str, int], tuple[TextSpan, ...]]:
    """The pages' text layers, for checking an extraction against them."""
    return {(p.document, p.page + 1): p.words for p in pages if p.words}


# --- documents ahead of the model ---------------------------------------------------

# The pages and what fitting them into the context took (notes), or the error that
# stopped them.
Prepared = tuple[list[PreparedImage], list[str]] | str


class _Prefetch:
    """Decodes and tiles the next documents (in the document worker process) while the
    model answers the current one; at most PREFETCH_FILES + 1 files ahead."""

    def __init__(self, service: DocumentService, documents: Sequence[Document],
                 tiling: TilingParams, password: str | None, budget: int,
                 count_tokens: Counter, question: str, vision: bool = True) -> None:
        self._service = service
        self._vision = vision
        self._budget, self._count, self._question = budget, count_tokens, question
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
        notes: list[str] = []
        try:
            pages = prepare_images(self._service, [doc.path], self._tiling, self._password,
                                   self._budget, notes, self._count, self._question,
                                   vision=self._vision)
        except BlueLMError as e:
            return one_line(str(e))
        except Exception as e:  # a bug costs its file, not the batch
            return f"{doc.name}: internal error ({type(e).__name__}: {one_line(str(e))})"
        if not pages:
            return " ".join(notes) or f"{doc.name}: the document has no pages"
        return pages, notes


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
        meta = read_metadata(job.mmproj) if job.mmproj else {}
        try:
            base = vision_family(meta, job.mmproj.name).tiling if job.mmproj else \
                TilingParams()  # (no projector: only the text layers are read)
            tiling = dataclasses.replace(base, **job.tiling)
        except ValueError as e:
            raise BlueLMError(str(e)) from None
        width = meta.get("clip.vision.projection_dim")
        per_position = 4 * (width if isinstance(width, int) and width > 0 else 4096)
        prompt, params = job.prompt()
        self.progress.begin(len(pending))
        service = DocumentService(job.limits)
        model = _Model(job, per_position, self.embedding_budget, self.progress.tick)
        prefetch: _Prefetch | None = None
        counter = TokenCounter(job.llm)  # a text page's positions, as the model counts
        try:
            model.load()
            budget = document_budget(job.engine.n_ctx, params.max_tokens)
            prefetch = _Prefetch(service, pending, tiling, job.password, budget, counter,
                                 prompt, vision=job.mmproj is not None)
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
            counter.close()  # (after the reader, its last user)
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
            pages, notes = prepared
            result.pages = len(pages)
            result.image_tokens = sum(i.image_tokens for i in pages)
            try:
                answer = model.answer(pages, prompt, params)
            except ModelError as e:
                message = one_line(str(e))
                result.error = message if doc.name in message else f"{doc.name}: {message}"
            else:
                result.ok = True
                if self.job.task == "extract-invoice":
                    result.invoice = parse_invoice(answer)
                    result.warnings = check_totals(result.invoice)
                    result.warnings += check_against_pages(result.invoice, _words(pages))
                elif self.job.task == "extract-contract":
                    result.contract = parse_contract(answer)
                    verify_clause_pages(result.contract, _words(pages))
                else:
                    result.answer = answer
                result.warnings += notes  # pages left out or read at lower detail
        result.seconds = time.monotonic() - began
        return result
