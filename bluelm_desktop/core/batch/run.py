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
from bluelm_desktop.core.server import (
    ServerClient,
    ServerConfig,
    ServerInfo,
    ServerLost,
    ServerTokenCounter,
    ServerUnavailable,
    server_tiling,
)
from bluelm_desktop.core.tasks import check_totals, parse_invoice
from bluelm_desktop.core.tasks.contract import parse_contract, verify_clause_pages
from bluelm_desktop.core.tasks.invoice import check_against_pages
from bluelm_desktop.core.vision.tiling import TilingParams

# --- the model ----------------------------------------------------------------------


class _Model:
    """The engine with one model pair loaded (or one slot of a llama-server), answering one
    document at a time.

    Each document is a conversation of its own (nothing carries over from the last one,
    apart from the chat template's prefix, which the KV cache keeps).
    """

    def __init__(self, job: BatchJob, embedding_bytes_per_position: int,
                 embedding_budget: int, tick: Callable[[], None],
                 server: ServerConfig | None = None) -> None:
        self.job = job
        self.server = server
        self._per_position = embedding_bytes_per_position
        self._budget = embedding_budget
        self._held = 0
        self._tick = tick
        self._conversations = itertools.count(1)
        self._client = (ServerClient(server, job.engine) if server is not None
                        else EngineClient(job.engine))
        self.loads = 0

    @property
    def label(self) -> str:
        """Where the answers come from: a server's HOST:PORT, "" for this computer."""
        return self.server.label if self.server is not None else ""

    @property
    def info(self) -> ServerInfo | None:
        """What the server said at the last load (None in-process)."""
        client = self._client
        return client.info if isinstance(client, ServerClient) else None

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
        """Stop what runs (an answer in flight ends as stopped) and let the engine go."""
        self._client.close()

    def _run(self, submit: Callable[[Engine], list[int]]) -> str:
        turn = self._client.run(submit, tick=self._tick)
        lost = turn.of(ServerLost)
        if lost:  # the server failed, not the document: another server can answer it
            raise ServerUnavailable(lost[0].message)
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


# --- documents to models -----------------------------------------------------------


def _no_tick() -> None:
    """Models answer on worker threads; the progress line is drawn by the run's own."""


@dataclass
class _Work:
    doc: Document
    prepared: Prepared


class _Dispatch:
    """Documents from the reader to the models, records to the output.

    One worker thread per model (in-process: one; servers: one per slot), taking the next
    document from one queue; the reader is held back (`capacity`) so that at most one
    document per model is read ahead of them. Records are written only here, on the
    run's thread, one per document, in the order answers come (in-process: the folder's).
    A model whose server fails puts its document back for the others and stops taking
    work, and so do that server's other slots: nothing is written for a document until
    it is answered, so every document is recorded exactly once. When every server has
    failed the run ends (resume later). The terminal line and notes are drawn here too.
    """

    def __init__(self, batch: Batch, prefetch: _Prefetch, models: Sequence[_Model],
                 output: BatchOutput, prompt: str, params: SamplingParams,
                 start: float) -> None:
        self._batch, self._prefetch, self._models = batch, prefetch, list(models)
        self._output, self._prompt, self._params, self._start = output, prompt, params, start
        self._work: queue.Queue[_Work | None] = queue.Queue()
        self._results: queue.Queue[tuple[str, _Work, object]] = queue.Queue()
        self._capacity = threading.Semaphore(len(self._models))
        self._stopping = threading.Event()
        self._fed = 0
        self._fed_all = threading.Event()
        self._feed_error: list[BaseException] = []
        self._down: dict[str, str] = {}  # a failed server → why
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._serve, args=(m,), daemon=True,
                                          name=f"batch-model-{k}")
                         for k, m in enumerate(self._models)]
        self._threads.append(threading.Thread(target=self._feed, daemon=True,
                                              name="batch-feed"))

    def run(self) -> None:
        summary, progress = self._batch.summary, self._batch.progress
        for thread in self._threads:
            thread.start()
        written: set[str] = set()
        while not (self._fed_all.is_set() and len(written) == self._fed):
            try:
                kind, item, payload = self._results.get(timeout=0.1)
            except queue.Empty:
                progress.tick()
                if self._feed_error:
                    raise self._feed_error[0] from None
                self._check_servers(len(written))
                continue
            if kind == "start":
                progress.start_file(item.doc.name)
            elif kind == "moved":
                summary.moved += 1
                progress.note(f"{payload}; {item.doc.name} goes to another server")
            elif kind == "crash":
                assert isinstance(payload, BaseException)
                raise payload
            else:
                assert isinstance(payload, FileResult)
                if item.doc.name in written:  # never: each document is answered once
                    raise BlueLMError(f"{item.doc.name}: answered twice (a bug)")
                self._output.write(payload)
                written.add(item.doc.name)
                self._capacity.release()
                summary.done += 1
                summary.failed += not payload.ok
                if payload.server:
                    summary.by_server[payload.server] = \
                        summary.by_server.get(payload.server, 0) + 1
                summary.seconds = time.monotonic() - self._start
                progress.end_file(payload)
        if self._feed_error:  # the reader stopped early: what it did not read is not done
            raise self._feed_error[0]

    def stop(self) -> None:
        """Let the workers go (the models' close stops what they are answering)."""
        self._stopping.set()
        for _ in self._models:
            self._work.put(None)

    def join(self, timeout: float = 10.0) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def _check_servers(self, written: int) -> None:
        servers = {m.label for m in self._models}
        with self._lock:
            down = dict(self._down)
        if "" in servers or not servers <= set(down):
            return
        left = self._batch.summary.to_do - written
        raise BlueLMError(f"every server failed ({'; '.join(down.values())}); {left} file"
                          f"{'s' * (left != 1)} not done: run the same command again to "
                          "resume")

    def _feed(self) -> None:
        try:
            for doc, prepared in self._prefetch:
                while not self._capacity.acquire(timeout=0.1):
                    if self._stopping.is_set():
                        return
                if self._stopping.is_set():
                    return
                self._fed += 1  # (before the put: the run counts what it waits for)
                self._work.put(_Work(doc, prepared))
        except BaseException as e:
            if not self._stopping.is_set():
                self._feed_error.append(e)
        finally:
            self._fed_all.set()

    def _serve(self, model: _Model) -> None:
        while not self._stopping.is_set():
            item = self._work.get()
            if item is None or self._stopping.is_set():
                return
            with self._lock:
                gone = model.label in self._down
            if gone:  # this server failed on another slot: leave it to the others
                self._work.put(item)
                return
            self._results.put(("start", item, model.label))
            try:
                result = self._batch._one(item.doc, item.prepared, model, self._prompt,
                                          self._params, time.monotonic())
            except ServerUnavailable as e:
                if self._stopping.is_set():
                    return
                with self._lock:
                    self._down.setdefault(model.label, one_line(str(e)))
                self._work.put(item)
                self._results.put(("moved", item, one_line(str(e))))
                return
            except BaseException as e:  # a bug: the run ends with it
                if not self._stopping.is_set():
                    self._results.put(("crash", item, e))
                return
            if self._stopping.is_set():  # stopped mid-answer: nothing is recorded
                return
            result.server = model.label
            self._results.put(("done", item, result))


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
    by_server: dict[str, int] = field(default_factory=dict)  # documents each server answered
    moved: int = 0  # answers a failing server left, taken by another

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def describe(self) -> str:
        parts = [f"{self.done} file{'s' * (self.done != 1)} done in {self.seconds:.1f} s"]
        if self.by_server:
            parts[0] += " (" + ", ".join(f"{k}: {v}" for k, v in self.by_server.items()) + ")"
        if self.moved:
            parts.append(f"{self.moved} moved to another server")
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
        job = self.job
        start = time.monotonic()
        meta = read_metadata(job.mmproj) if job.mmproj else {}
        width = meta.get("clip.vision.projection_dim")
        per_position = 4 * (width if isinstance(width, int) and width > 0 else 4096)
        prompt, params = job.prompt()
        self.progress.begin(len(pending))
        service = DocumentService(job.limits)
        models: list[_Model] = []
        prefetch: _Prefetch | None = None
        dispatch: _Dispatch | None = None
        counter: TokenCounter | ServerTokenCounter | None = None
        try:
            if job.servers:
                models, n_ctx, vision = self._connect(per_position)
                base = server_tiling(job.mmproj)
            else:
                try:
                    base = vision_family(meta, job.mmproj.name).tiling if job.mmproj else \
                        TilingParams()  # (no projector: only the text layers are read)
                except ValueError as e:
                    raise BlueLMError(str(e)) from None
                models = [_Model(job, per_position, self.embedding_budget, _no_tick)]
                models[0].load()
                n_ctx, vision = job.engine.n_ctx, job.mmproj is not None
            try:
                tiling = dataclasses.replace(base, **job.tiling)
            except ValueError as e:
                raise BlueLMError(str(e)) from None
            # a text page's positions, as the model counts them
            counter = TokenCounter(job.llm) if job.llm else ServerTokenCounter(job.servers)
            budget = document_budget(n_ctx, params.max_tokens)
            prefetch = _Prefetch(service, pending, tiling, job.password, budget, counter,
                                 prompt, vision=vision)
            dispatch = _Dispatch(self, prefetch, models, output, prompt, params, start)
            dispatch.run()
        finally:
            # Answers in flight are stopped (the models closed), then the reader (closing
            # the service ends a render it waits on), then the threads between them.
            if dispatch is not None:
                dispatch.stop()
            if prefetch is not None:
                prefetch.stop()
            for model in models:
                model.close()
            service.close()
            if prefetch is not None:
                prefetch.join()
            if dispatch is not None:
                dispatch.join()
            if counter is not None:
                counter.close()  # (after the reader, its last user)
            self.model_loads = sum(m.loads for m in models)
            self.summary.seconds = time.monotonic() - start
            self.progress.close()

    def _connect(self, per_position: int) -> tuple[list[_Model], int, bool]:
        """One model per slot of every server that answers (`/health`, `/props`): the
        in-flight work each server gets is its slot count. A server that cannot be
        reached is left out with a note; one that refuses (a wrong key, not llama-server)
        ends the run, as do servers that differ in vision. Returns the models, the
        context each document may use and whether pages may go as images."""
        job = self.job
        models: list[_Model] = []
        infos: list[ServerInfo] = []
        for server in job.servers:
            first = _Model(job, per_position, self.embedding_budget, _no_tick, server)
            try:
                first.load()
            except ServerUnavailable as e:
                first.close()
                self.progress.note(f"{one_line(str(e))}; left out of this run")
                continue
            except BaseException:
                first.close()
                raise
            models.append(first)
            info = first.info
            assert info is not None
            infos.append(info)
            self.progress.note(f"server {info.describe()}")
            for _ in range(info.slots - 1):
                model = _Model(job, per_position, self.embedding_budget, _no_tick, server)
                models.append(model)
                model.load()
        if not infos:
            raise BlueLMError("no server answered: "
                              + ", ".join(s.label for s in job.servers))
        if len({i.vision for i in infos}) > 1:
            seeing = next(i.label for i in infos if i.vision)
            blind = next(i.label for i in infos if not i.vision)
            raise BlueLMError(f"{seeing} has a vision projector and {blind} has none: start "
                              "every server with the same model and --mmproj")
        n_ctx = min(i.n_ctx for i in infos)
        if job.ctx is not None:
            n_ctx = min(n_ctx, job.ctx)
        # Pages go as tiles even where no server sees: each is then its file's one-line
        # failure naming the server (a text layer still goes as text).
        return models, n_ctx, True

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
            except ServerUnavailable:
                raise  # not this document's failure: another server takes it
            except ModelError as e:
                message = one_line(str(e))
                result.error = message if doc.name in message else f"{doc.name}: {message}"
            else:
                result.ok = True
                if self.job.task == "extract-invoice":
                    result.invoice = parse_invoice(answer)
                    result.warnings = [str(w) for w in check_totals(result.invoice)]
                    result.warnings += [str(w) for w in
                                        check_against_pages(result.invoice, _words(pages))]
                elif self.job.task == "extract-contract":
                    result.contract = parse_contract(answer)
                    verify_clause_pages(result.contract, _words(pages))
                else:
                    result.answer = answer
                result.warnings += notes  # pages left out or read at lower detail
        result.seconds = time.monotonic() - began
        return result
