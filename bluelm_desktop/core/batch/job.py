"""A batch job: what runs over which folder with which model, fixed before the first file;
the documents of the folder and their identity (name and SHA-256)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, cast, get_args

from bluelm_desktop.core.documents import DocumentLimits
from bluelm_desktop.core.engine.engine import EngineSettings
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import BlueLMError, one_line
from bluelm_desktop.core.gguf.pairs import mmproj_beside
from bluelm_desktop.core.machine import cores
from bluelm_desktop.core.server import ServerConfig
from bluelm_desktop.core.settings import Settings
from bluelm_desktop.core.tasks import quick_action
from bluelm_desktop.core.tune import engine_settings_for
from bluelm_desktop.core.vision.tiling import TilingParams

Task = Literal["extract-invoice", "extract-contract", "translate", "ask"]
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
    llm: Path | None  # None: only with servers (the model file is on them)
    mmproj: Path | None  # None: a model without vision reads the text layers only
    question: str | None = None  # ask: the question put to every document
    target_language: str | None = None  # translate: None means English
    engine: EngineSettings = field(default_factory=EngineSettings)
    sampling: SamplingParams = field(default_factory=SamplingParams)  # the task's go on top
    max_tokens: int | None = None  # overrides the task's own limit
    tiling: Mapping[str, Any] = field(default_factory=dict)  # on top of the model's own
    limits: DocumentLimits = field(default_factory=DocumentLimits)
    password: str | None = None
    retry_failed: bool = False
    # llama.cpp servers that answer instead of the in-process engine (files spread over
    # all of them and their slots); `llm`/`mmproj` are then the servers' model files as
    # they are here, read for the tokenizer and the projector's family only.
    servers: tuple[ServerConfig, ...] = ()
    ctx: int | None = None  # --ctx as given (with servers: at most the servers' own)

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


def make_job(settings: Settings, *, folder: Path, out: Path, task: str, llm: Path | None,
             mmproj: Path | None = None, question: str | None = None,
             target_language: str | None = None, threads: int | None = None,
             ctx: int | None = None, max_grid: int | None = None,
             max_image_tokens: int | None = None, max_tokens: int | None = None,
             seed: int | None = None, password: str | None = None,
             retry_failed: bool = False, servers: Sequence[ServerConfig] = ()) -> BatchJob:
    """A job from the user's settings and the command's options (which win).

    Raises BlueLMError, one line, for arguments that cannot work: a folder that is not
    one, an output that is neither .jsonl nor .csv, ask without a question, an option
    the task does not take, a number out of range, no model and no server.
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
    if llm is None and not servers:
        raise BlueLMError("batch needs --model LLM.gguf or --server URL")
    for model in (llm, mmproj):
        if model is not None and not model.is_file():
            raise BlueLMError(f"{model}: no such model file")
    if mmproj is None and llm is not None:  # NAME-mmproj.gguf beside NAME-llm.gguf
        mmproj = mmproj_beside(llm)
    engine = EngineSettings(cache_mb=BATCH_CACHE_MB, kv_snapshot_mb=0)
    if llm is not None and not servers:
        # What `tune` measured for this pair here, where it was (and the settings allow).
        engine = engine_settings_for(settings, llm, mmproj, engine)
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
                        retry_failed=retry_failed, servers=tuple(servers), ctx=ctx)
    except ValueError as e:
        raise BlueLMError(str(e)) from None


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
