"""The engine thread: the one owner of the llama.cpp and mtmd contexts.

Callers (the GUI, the CLI) submit requests from any thread and receive events through a
callback, called on the engine thread (the GUI re-emits them as Qt signals). Requests:
- `encode_image`: starts the moment a document arrives. Tiles are encoded on a second
  thread while this one prefills each encoded tile into the KV cache (the pipeline), so
  when the user presses Enter only the question's tokens remain to prefill;
- `ask`: renders the conversation, prefills what the cache lacks, streams the answer;
- `cancel`: stops a request between tiles and, through llama.cpp's abort callback, inside
  a running prefill chunk or token decode (milliseconds; a tile being encoded is finished
  first: mtmd cannot be interrupted).
A newer request of the same kind for the same conversation cancels the older one
("latest request wins"): dropping a second document cancels the first one's encoding.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import numpy as np

from bluelm_desktop.core import paths
from bluelm_desktop.core.engine import heap
from bluelm_desktop.core.engine.attention import needs_flash_attention
from bluelm_desktop.core.engine.encoder import (
    BackgroundEncoding,
    EmbeddingCache,
    MediaEncoder,
    TileEncoder,
)
from bluelm_desktop.core.engine.families import MTMD, VisionFamily, vision_family
from bluelm_desktop.core.engine.load_probe import KNOWN_GOOD_FILE, probe_load
from bluelm_desktop.core.engine.native import (
    LlamaContext,
    LlamaModel,
    MediaImage,
    MtmdContext,
    kv_type_line,
)
from bluelm_desktop.core.engine.prompt import ChatTemplate, ImageLayout, profile_for
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.engine.session import (
    ChatSession,
    Image,
    KvCache,
    Message,
    PageText,
    TurnStats,
)
from bluelm_desktop.core.errors import (
    BlueLMError,
    Cancelled,
    Line,
    ModelError,
    VisionUnsupported,
    line_of,
    msg,
)
from bluelm_desktop.core.machine import cores

# --- settings and events -------------------------------------------------------------


@dataclass(frozen=True)
class EngineSettings:
    n_ctx: int = 4096
    n_batch: int = 512  # largest llama_decode; prefill chunks are n_chunk ≤ n_batch
    n_chunk: int = 128  # the paper's prefill chunk
    threads: int = 0  # 0: all cores
    encode_threads: int = 0  # 0: half the cores while encoding runs beside prefill
    tile_batch: int = 1  # tiles per ViT pass (a measured setting; 1 = one by one)
    # Encode tile k+1 on its own thread while tile k is prefilled (DESIGN §5), or (False)
    # each stage alone with every core, in turn: `tune` measures which wins here.
    pipeline: bool = True
    cache_mb: int = 512
    # KV snapshots of conversations switched away from (KvCache): at most this much, and
    # at most half the RAM still available once the model and its context are loaded.
    kv_snapshot_mb: int = 1024
    # Snapshots in files in the cache folder (the page cache holds them while memory is
    # free; the process does not: 496 MiB less RSS for a 9-tile page on the full-size
    # model, memory_breakdown.md) or, False, in the process's RAM.
    kv_snapshots_on_disk: bool = True
    # Attention and KV cache (attention.FLASH_ATTENTION, attention.KV_TYPES), chosen by
    # measurement (README, "Attention and the KV cache"), not llama.cpp's "auto". A KV type
    # a model's head size does not allow falls back to f16 for that model (Loaded.notes).
    flash_attention: str = "off"
    kv_type_k: str = "f16"
    kv_type_v: str = "f16"

    def __post_init__(self) -> None:
        if needs_flash_attention(self.kv_type_v) and self.flash_attention == "off":
            raise ValueError(f"a {self.kv_type_v} V cache needs flash attention on or auto")

    def total_threads(self) -> int:
        return self.threads or cores()

    def split(self) -> tuple[int, int]:
        """(encoder threads, LLM threads) while both run; they add up to the cores. Without
        the pipeline the stages take turns, each with every core."""
        total = self.total_threads()
        if not self.pipeline:
            return total, total
        enc = self.encode_threads or max(1, total // 2)
        return min(enc, total), max(1, total - enc)


@dataclass(frozen=True)
class Event:
    request_id: int


@dataclass(frozen=True)
class LoadProgress(Event):
    fraction: float  # 0..1 of the LLM's weights read


@dataclass(frozen=True)
class Loaded(Event):
    llm: str
    mmproj: str | None
    load_s: float
    notes: tuple[str, ...] = ()  # settings this model could not take, and what was used
    note_lines: tuple[Line, ...] = ()  # the same notes, translatable (the GUI shows these)


@dataclass(frozen=True)
class TileEncoded(Event):
    image_id: str
    done: int
    total: int


@dataclass(frozen=True)
class ImageReady(Event):
    """A page is ready for the next question: its tiles encoded and as much of it
    prefilled as can be, or (`tiles` 0) its text layer added (`add_text`)."""

    image_id: str
    tiles: int  # tiles, or for a family mtmd lays out, its image chunks; 0 for a text page
    encode_s: float
    prefilled: int  # image positions already in the KV cache
    image_tokens: int = 0  # the image's embedding rows in the prompt


@dataclass(frozen=True)
class Token(Event):
    text: str


@dataclass(frozen=True)
class Done(Event):
    stats: TurnStats


@dataclass(frozen=True)
class Failed(Event):
    message: str  # the English line (CLI, logs)
    reason: Line | None = None  # the same, translatable (the GUI shows it translated)

    @property
    def line(self) -> Line:
        return self.reason if self.reason is not None else Line.plain(self.message)


@dataclass(frozen=True)
class Stopped(Event):
    """The request was cancelled (by the user or a newer request): not an error."""


def ending(request_id: int, error: Exception) -> Stopped | Failed:
    """The last event of a request that raised `error`: a stop is silent (`Stopped`); a
    core error fails with its line; anything else is a bug, printed with its traceback
    (call this inside the `except`) and failed as an internal error."""
    if isinstance(error, Cancelled):
        return Stopped(request_id)
    if isinstance(error, BlueLMError):
        return Failed(request_id, str(error), error.line)
    traceback.print_exc()
    line = line_of(error)
    return Failed(request_id, str(line), line)


EventSink = Callable[[Event], None]


# --- requests ------------------------------------------------------------------------


@dataclass
class _Request:
    id: int
    kind: str
    conversation: str
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Encode(_Request):
    replace: bool = True  # a new document replaces the pending one (and cancels its encoding)
    image_id: str = ""
    tiles: Sequence[np.ndarray] = ()
    layout: ImageLayout | None = None


@dataclass
class _Text(_Request):
    replace: bool = True  # as _Encode's: the first page of a new drop
    page_id: str = ""
    text: str = ""


@dataclass
class _Ask(_Request):
    text: str = ""
    image_ids: Sequence[str] = ()
    params: SamplingParams = field(default_factory=SamplingParams)


@dataclass
class _Redo(_Request):
    """Regenerate the last answer (index None) or edit the user message at `index`."""

    index: int | None = None
    text: str = ""
    params: SamplingParams = field(default_factory=SamplingParams)


@dataclass
class _Load(_Request):
    llm: Path = Path()
    mmproj: Path | None = None
    settings: EngineSettings | None = None  # None: keep the engine's


_QUESTION = "⟦bluelm-question⟧"  # survives the template; the prompt module strips NULs


class Engine:
    """Owns the models on its own thread; every public method is safe from any thread."""

    def __init__(self, settings: EngineSettings | None = None,
                 on_event: EventSink | None = None) -> None:
        self.settings = settings or EngineSettings()
        self._sink = on_event or (lambda e: None)
        heap.limit_arenas()  # before the engine's threads allocate (heap.py)
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._active: dict[int, _Request] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="engine", daemon=True)
        self._started = False
        # engine-thread state
        self._model: LlamaModel | None = None
        self._ctx: LlamaContext | None = None
        self._mtmd: MtmdContext | None = None
        self._encoder: TileEncoder | None = None
        self._kv: KvCache | None = None
        self._template: ChatTemplate | None = None
        self._profile = None
        self._family: VisionFamily | None = None
        self._text_only: Line | None = None  # why a loaded projector was left out (notes)
        self._sessions: dict[str, ChatSession] = {}
        self._images: dict[str, tuple[ImageLayout, list[np.ndarray | None]]] = {}
        self._texts: dict[str, str] = {}  # page id → a page's text layer, as the prompt has it
        self._snapshot_folder: Path | None = None  # KvCache's files, this load's
        self._pending_images: dict[str, list[str]] = {}  # conversation → image ids for next ask
        self._cache = EmbeddingCache(self.settings.cache_mb * 2**20)

    # --- public API --------------------------------------------------------------

    def load(self, llm: Path, mmproj: Path | None = None,
             settings: EngineSettings | None = None) -> int:
        """Load a model pair, replacing the loaded one. `settings` (threads, context,
        batch) replace the engine's from this load on: llama.cpp fixes them when a
        context is made, so changing them means loading again."""
        return self._submit(_Load(next(self._ids), "load", "", llm=Path(llm),
                                  mmproj=Path(mmproj) if mmproj else None,
                                  settings=settings))

    def encode_image(self, conversation: str, image_id: str, tiles: Sequence[np.ndarray],
                     layout: ImageLayout, replace: bool = True) -> int:
        """Encode an image for the conversation's next question, starting now.

        `replace=True` (a new drop) cancels the conversation's earlier encoding and makes
        this the only pending image; `replace=False` adds a further page or file of the
        same drop.
        """
        return self._submit(_Encode(next(self._ids), "encode", conversation, replace=replace,
                                    image_id=image_id, tiles=list(tiles), layout=layout))

    def add_text(self, conversation: str, page_id: str, text: str,
                 replace: bool = True) -> int:
        """Add a page read from its text layer to the conversation's next question and
        prefill it now (no vision needed). `replace` as for `encode_image`: pages of one
        drop go in order, the first replaces what was pending. `ImageReady` (0 tiles)
        follows."""
        return self._submit(_Text(next(self._ids), "encode", conversation, replace=replace,
                                  page_id=page_id, text=text))

    def ask(self, conversation: str, text: str, image_ids: Sequence[str] = (),
            params: SamplingParams | None = None) -> int:
        return self._submit(_Ask(next(self._ids), "ask", conversation, text=text,
                                 image_ids=list(image_ids), params=params or SamplingParams()))

    def regenerate(self, conversation: str, params: SamplingParams | None = None) -> int:
        """Answer the conversation's last question again (the old answer is dropped)."""
        return self._submit(_Redo(next(self._ids), "ask", conversation,
                                  params=params or SamplingParams()))

    def edit(self, conversation: str, index: int, text: str,
             params: SamplingParams | None = None) -> int:
        """Replace the user message at `index`, drop everything after it, answer again."""
        return self._submit(_Redo(next(self._ids), "ask", conversation, index=index, text=text,
                                  params=params or SamplingParams()))

    def cancel(self, request_id: int) -> None:
        with self._lock:
            req = self._active.get(request_id)
        if req is not None:
            req.cancelled.set()

    def close(self, timeout: float = 30.0) -> None:
        """Cancel everything, stop the thread, free native handles (children first)."""
        with self._lock:
            for req in self._active.values():
                req.cancelled.set()
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _submit(self, req: _Request) -> int:
        with self._lock:
            if req.kind == "ask" or (isinstance(req, _Encode | _Text) and req.replace):
                for other in self._active.values():  # latest request wins
                    if other.kind == req.kind and other.conversation == req.conversation:
                        other.cancelled.set()
            self._active[req.id] = req
            if not self._started:
                self._started = True
                self._thread.start()
        self._queue.put(req)
        return req.id

    # --- engine thread -----------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                req = self._queue.get()
                if req is None:
                    return
                try:
                    if req.cancelled.is_set():
                        raise Cancelled("cancelled before it started")
                    if isinstance(req, _Load):
                        self._do_load(req)
                    elif isinstance(req, _Encode):
                        self._do_encode(req)
                    elif isinstance(req, _Text):
                        self._do_text(req)
                    elif isinstance(req, _Ask):
                        self._do_ask(req)
                    elif isinstance(req, _Redo):
                        self._do_redo(req)
                except Exception as e:  # a bug too: reported, the engine stays alive
                    self._sink(ending(req.id, e))
                finally:
                    with self._lock:
                        self._active.pop(req.id, None)
                    heap.trim()  # what the request freed goes back (heap.py)
        finally:
            self._unload()

    def _unload(self) -> None:
        self._sessions.clear()
        # Embeddings belong to the projector that made them: another model must not be
        # fed them (of the same width, it would be silently wrong). EmbeddingCache keys
        # by model file, so a reload of the same model encodes from its cache.
        self._images.clear()
        self._texts.clear()
        self._pending_images.clear()
        self._encoder = None
        self._family = None
        self._text_only = None
        if self._kv is not None:
            self._kv.clear()  # (its snapshot files too)
        for handle in (self._mtmd, self._ctx):
            if handle is not None:
                handle.close()
        if self._model is not None:
            self._model.close()
        self._model = self._ctx = self._mtmd = self._kv = None
        if self._snapshot_folder is not None:
            shutil.rmtree(self._snapshot_folder, ignore_errors=True)
            self._snapshot_folder = None

    def _do_load(self, req: _Load) -> None:
        from bluelm_desktop.core.gguf.pairs import (
            available_ram_bytes,
            check_pair,
            read_metadata,
        )

        t0 = time.perf_counter()
        self._unload()
        if req.settings is not None:
            self.settings = req.settings
        s = self.settings
        notes: list[Line] = []
        text_only: Line | None = None  # why the projector was left out, if it was
        mmproj = req.mmproj
        family = None
        if mmproj is not None:  # the image layout, from the metadata llama.cpp reads
            try:
                family = vision_family(read_metadata(mmproj), mmproj.name)
            except VisionUnsupported as e:  # the LLM still answers text
                text_only = e.line
                mmproj = None
        try:
            check_pair(req.llm, mmproj, n_ctx=s.n_ctx)
        except VisionUnsupported as e:  # a projector llama.cpp cannot use: text only
            text_only = e.line
            mmproj = family = None
            check_pair(req.llm, None, n_ctx=s.n_ctx)
        # A file llama.cpp has not loaded here before is loaded once in a child process
        # first: an abort inside llama.cpp (a GGML_ASSERT on a crafted or damaged file)
        # then ends the child, not the app, and comes back as a ModelError.
        probe_load(req.llm, mmproj, paths.cache_dir() / KNOWN_GOOD_FILE)
        last = [-1.0]

        def progress(fraction: float) -> bool:
            if fraction - last[0] >= 0.05 or fraction >= 1.0:  # ~20 events, not thousands
                last[0] = fraction
                self._sink(LoadProgress(req.id, fraction))
            return not req.cancelled.is_set()

        self._model = LlamaModel(req.llm, progress=progress)
        enc_threads, _ = s.split()
        causal_images = True
        if mmproj is not None and family is not None:
            self._mtmd = MtmdContext(mmproj, self._model, n_threads=enc_threads)
            if family.name == MTMD:
                problem = _mtmd_problem(self._mtmd)
                if problem:  # the LLM still answers text
                    text_only = Line.of(msg("{name}: {problem}"), name=mmproj.name,
                                        problem=problem)
                    self._mtmd.close()
                    self._mtmd = family = mmproj = None
                else:
                    causal_images = not self._mtmd.non_causal()
            else:
                side, reserved = family.tiling.tile_size, family.tiling.tokens_per_tile
                made = self._mtmd.tile_tokens(side)
                if made != reserved:
                    raise ModelError(
                        msg("{name}: llama.cpp makes {made} positions of a {side}-px tile, "
                            "the {family} layout reserves {reserved}"),
                        name=mmproj.name, made=made, side=side, family=family.name,
                        reserved=reserved)
                self._encoder = TileEncoder(self._mtmd, s.tile_batch, self._cache)
        self._family = family
        kv_k, kv_v = s.kv_type_k, s.kv_type_v
        problem = kv_type_line(self._model, kv_k, kv_v)
        if problem:
            notes.append(Line.of(msg("KV cache kept in f16: {problem}"), problem=problem))
            kv_k = kv_v = "f16"
        self._ctx = LlamaContext(self._model, n_ctx=s.n_ctx, n_batch=s.n_batch,
                                 n_threads=s.total_threads(), flash_attention=s.flash_attention,
                                 type_k=kv_k, type_v=kv_v)
        folder = snapshot_folder() if s.kv_snapshots_on_disk else None
        # measured now (models and KV cache are in): half of what is left for them
        spare = (shutil.disk_usage(folder).free if folder else available_ram_bytes()) // 2
        self._snapshot_folder = folder
        self._kv = KvCache(self._ctx, s.n_chunk, min(s.kv_snapshot_mb * 2**20, spare),
                           folder)
        self._kv.causal_images = causal_images
        self._kv.grid_of = self._grid
        meta = read_metadata(req.llm)
        bos, eos, add_bos = self._model.special_texts()
        self._template = ChatTemplate(meta.get("tokenizer.chat_template"),  # type: ignore[arg-type]
                                      bos, eos, add_bos)
        self._profile = family.profile if family is not None else profile_for(None, meta)
        self._sessions.clear()
        self._text_only = text_only
        if text_only:
            notes.insert(0, Line.of(msg("text only: {reason}"), reason=text_only))
        self._sink(Loaded(req.id, str(req.llm), str(mmproj) if mmproj else None,
                          time.perf_counter() - t0, tuple(str(n) for n in notes),
                          tuple(notes)))

    def _session(self, conversation: str) -> ChatSession:
        if self._model is None or self._kv is None or self._template is None:
            raise ModelError(msg("no model is loaded"))
        if conversation not in self._sessions:
            self._sessions[conversation] = ChatSession(self._model, self._kv, self._template,
                                                       self._profile)  # type: ignore[arg-type]
        return self._sessions[conversation]

    def _tile(self, image_id: str, index: int) -> np.ndarray:
        layout_tiles = self._images.get(image_id)
        emb = layout_tiles[1][index] if layout_tiles else None
        if emb is None:
            raise ModelError(msg("image {image} is not encoded"), image=image_id[:12])
        return emb

    def _grid(self, image_id: str, index: int) -> tuple[int, int] | None:
        """The token grid of an M-RoPE image chunk (KvCache.grid_of), else None."""
        layout_tiles = self._images.get(image_id)
        if layout_tiles is None or not layout_tiles[0].segments:
            return None
        return layout_tiles[0].slices[index].grid

    def _pending_message(self, session: ChatSession, image_ids: Sequence[str], text: str
                         ) -> Message:
        pages: list[Image | PageText] = []
        for i in image_ids:
            if i in self._images:
                pages.append(Image(i, self._images[i][0]))
            elif i in self._texts:
                pages.append(PageText(i, self._texts[i]))
        return Message("user", text, pages)

    def _pend(self, req: _Encode | _Text, page_id: str) -> list[str]:
        """The conversation's pages for its next question, with `page_id` added."""
        if req.replace:
            self._pending_images[req.conversation] = []
        pending = self._pending_images.setdefault(req.conversation, [])
        if page_id not in pending:
            pending.append(page_id)
        return pending

    def _do_text(self, req: _Text) -> None:
        if self._ctx is None or self._kv is None:
            raise ModelError(msg("no model is loaded"))
        session = self._session(req.conversation)
        t0 = time.perf_counter()
        self._texts[req.page_id] = req.text
        pending = self._pend(req, req.page_id)
        # Prefill-before-Enter, as for an image: the prefix up to the question.
        message = self._pending_message(session, pending, _QUESTION)
        prefix = session.items_for([*session.messages, message], True, until=_QUESTION)
        stats = TurnStats()
        try:
            self._kv.sync(prefix[:_ready_prefix(prefix, self._images)], self._tile,
                          req.cancelled.is_set, stats, want_logits=False)
            if req.cancelled.is_set():
                raise Cancelled("cancelled while prefilling")
        except BaseException:
            pending.remove(req.page_id)  # never ask about half a drop
            raise
        self._sink(ImageReady(req.id, req.page_id, 0, time.perf_counter() - t0,
                              stats.prefilled_positions, 0))

    def _do_encode(self, req: _Encode) -> None:
        if self._mtmd is None or self._ctx is None:
            raise ModelError(self._text_only or Line(msg(
                "the loaded model has no vision projector (mmproj)")))
        assert req.layout is not None
        session = self._session(req.conversation)
        media: MediaImage | None = None
        encoder: TileEncoder | MediaEncoder
        work: Sequence[object]
        if self._family is not None and self._family.name == MTMD:
            # mtmd lays the whole image out itself: its slices, its markers.
            if len(req.tiles) != 1:
                raise ModelError(msg("an image for {name} goes whole, got {n} tiles"),
                                 name=self._mtmd.path.name, n=len(req.tiles))
            media = MediaImage(self._mtmd, req.tiles[0])
            layout = replace(req.layout, segments=media.segments)
            encoder = MediaEncoder(media, req.tiles[0], self._cache)
            work = range(media.n_images)
        else:
            assert self._encoder is not None
            layout, encoder, work = req.layout, self._encoder, req.tiles
        try:
            self._encode_into(req, session, layout, encoder, work)
        finally:
            if media is not None:
                media.close()

    def _encode_into(self, req: _Encode, session: ChatSession, layout: ImageLayout,
                     encoder: TileEncoder | MediaEncoder, work: Sequence[object]) -> None:
        assert self._ctx is not None and self._kv is not None
        slots: list[np.ndarray | None] = [None] * layout.n_tiles
        self._images[req.image_id] = (layout, slots)
        pending = self._pend(req, req.image_id)
        # Prefill-before-Enter: the conversation's prefix up to the question, image included.
        message = self._pending_message(session, pending, _QUESTION)
        prefix = session.items_for([*session.messages, message], True, until=_QUESTION)
        self._ctx.set_threads(self.settings.split()[1])
        stats = TurnStats()
        t0 = time.perf_counter()
        leaving = threading.Event()  # set when this request ends, however it ends

        def stop() -> bool:
            return req.cancelled.is_set() or leaving.is_set()

        # The pipeline: tiles come from the encoder's thread while this one prefills; or,
        # without it, each tile is encoded here and then prefilled, every core for each.
        background = (BackgroundEncoding(encoder, work, stop) if self.settings.pipeline
                      else None)
        finished = False
        try:
            tiles = background if background is not None else encoder.encode(work, stop)
            for done, (index, emb) in enumerate(tiles, 1):
                reserved = layout.tile_rows(index)
                if emb.shape[0] != reserved:  # never silently misaligned
                    raise ModelError(
                        msg("{name}: a tile became {rows} embedding rows, the prompt reserved "
                            "{reserved}"),
                        name=(self._mtmd.path.name if self._mtmd
                              else Line(msg("the projector"))),
                        rows=emb.shape[0], reserved=reserved)
                slots[index] = emb
                self._sink(TileEncoded(req.id, req.image_id, done, len(slots)))
                # prefill every position whose embeddings now exist
                ready = _ready_prefix(prefix, self._images)
                self._kv.sync(prefix[:ready], self._tile, stop, stats, want_logits=False)
            finished = True
        finally:
            # The encoder thread must be done with the mtmd context before anything else
            # (another request, unloading) touches it: a freed context under a running
            # encode is a segfault. It stops at its next tile boundary.
            leaving.set()
            if background is not None:
                background.join()
            self._ctx.set_threads(self.settings.total_threads())
            if not finished and req.image_id in pending:  # never ask about half an image
                pending.remove(req.image_id)
        self._sink(ImageReady(req.id, req.image_id, len(slots), time.perf_counter() - t0,
                              stats.image_tokens, layout.image_tokens))

    def _do_ask(self, req: _Ask) -> None:
        session = self._session(req.conversation)
        ids = list(req.image_ids) or self._pending_images.pop(req.conversation, [])
        message = self._pending_message(session, ids, req.text)
        stats = TurnStats()
        self._stream(req, session.ask(message, self._tile, req.params, req.cancelled.is_set,
                                      stats), stats)

    def _do_redo(self, req: _Redo) -> None:
        session = self._session(req.conversation)
        if req.index is not None:
            session.edit(req.index, req.text)
        stats = TurnStats()
        self._stream(req, session.regenerate(self._tile, req.params, req.cancelled.is_set,
                                             stats), stats)

    def _stream(self, req: _Request, pieces: Iterator[str], stats: TurnStats) -> None:
        for piece in pieces:
            self._sink(Token(req.id, piece))
        if stats.stopped == "cancelled":
            raise Cancelled("answer stopped")
        self._sink(Done(req.id, stats))


def _mtmd_problem(mtmd: MtmdContext) -> Line | None:
    """Why a projector mtmd would lay out gives the model no images, if it gives none."""
    if not mtmd.supports_vision():
        return Line(msg("this projector has no vision encoder (audio only?)"))
    return None


def _ready_prefix(items: list, images: dict) -> int:
    """How many leading items can be prefilled now (up to the first tile not yet encoded)."""
    for i, item in enumerate(items):
        if isinstance(item, tuple):
            slots = images.get(item[0], (None, []))[1]
            if item[1] >= len(slots) or slots[item[1]] is None:
                return i
    return len(items)


SNAPSHOTS_DIR: Final = "kv-snapshots"  # in paths.cache_dir()


def snapshot_folder() -> Path:
    """A fresh folder for one load's KV snapshots, `<cache>/kv-snapshots/<pid>-<n>`,
    private to the user; folders left by processes that are gone (a crash) are removed
    first."""
    from bluelm_desktop.core import paths

    root = paths.cache_dir() / SNAPSHOTS_DIR
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        pid = old.name.split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))  # mode 0700


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # (os.kill there terminates): leave the folder be
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's (EPERM): alive
        return True
    return True
