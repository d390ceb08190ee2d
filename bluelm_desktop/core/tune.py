"""Speeds from the user's own machine: `bluelm-desktop tune`.

The estimates under a document's tile grid and the engine's encode ‖ prefill pipeline
were set from figures measured elsewhere. `tune` measures, for one model pair on this
machine and this llama.cpp build, about a minute on a full-size model:

- one tile's encode and one tile's prefill (`estimate.measure_speed`), and decode speed
  after a short prompt (through the engine, as an answer is made);
- the same image encoded and prefilled with the pipeline (tile k+1 encoded on its own
  thread while tile k is prefilled, the cores split) and without it (each stage in turn,
  every core): the engine uses the pipeline only where it won;
- whether the ViT pays for encoding tiles in batches (`TILE_BATCH` tiles in one pass
  against one by one), where the projector can batch at all;
- attention and the KV cache (`ATTENTION_VARIANTS`: flash attention off / on, K and V in
  f16 or q8_0, those the model's head size allows): a page of text prefilled, then a
  short greedy answer after it, and the same answer with an empty context; the logits
  after the page are compared with flash attention off and an f16 cache (relative max
  error, and whether the next token is the same). `choose_attention` picks the one that
  answers a question about the page soonest, the one with the smaller KV cache when two are
  within `ATTENTION_TIE` of each other (the paper keeps KV in int8 to save memory), among
  those whose logits stay within `LOGIT_TOLERANCE`.

Results are kept per model files and llama.cpp build (`load_probe.pair_key`) in
`<cache>/tune.json`; `tuned(llm, mmproj)` reads them back. Estimates (`Speed`) and the
engine's pipeline, tile batch and attention choices come from there once a pair is tuned
(attention only while Settings leave it to measurement, `[inference] attention_by_tune`).
"""

from __future__ import annotations

import functools
import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

import numpy as np

from bluelm_desktop.core import paths
from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import Done, EngineSettings, Failed, ImageReady
from bluelm_desktop.core.engine.families import vision_family
from bluelm_desktop.core.engine.load_probe import pair_key
from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import Cancelled, Line, ModelError, VisionUnsupported, msg
from bluelm_desktop.core.estimate import Speed, measure_speed
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.settings import Settings
from bluelm_desktop.core.vision.tiling import TilingParams

TUNE_FILE: Final = "tune.json"  # in paths.cache_dir()
TUNE_VERSION: Final = 2
PIPELINE_TILES: Final = 3  # tiles of the image the pipeline is timed on
TILE_BATCH: Final = 2  # tiles per ViT pass timed against one by one
DECODE_TOKENS: Final = 16
# (flash attention, K cache, V cache); the first is the reference the logits are compared
# with. "auto" is not measured apart: llama.cpp turns it "on" wherever the kernel exists.
ATTENTION_VARIANTS: Final = (("off", "f16", "f16"), ("on", "f16", "f16"),
                             ("off", "q8_0", "f16"), ("on", "q8_0", "f16"),
                             ("on", "q8_0", "q8_0"))
PAGE_TOKENS: Final = 768  # ≈ a page of text: the context the attention variants work with
ANSWER_TOKENS: Final = 128  # the answer `choose_attention` weighs decode speed by
# The largest relative logit error (max |Δ| / max |reference|) a variant may add to the
# reference: about twice the worst measured with flash attention on the full-size models
# (0.058 against f32; README, "Attention and the KV cache").
LOGIT_TOLERANCE: Final = 0.12
ATTENTION_TIE: Final = 0.05  # within 5 % of the fastest counts as as fast

Progress = Callable[[str], None]

# What `tune` tells `progress` before each step (English, filled in: the CLI prints it; a
# window that runs the CLI reads it back with `step_line` and shows it translated).
STEP_TILE: Final = msg("encoding a tile and prefilling it")
STEP_PIPELINED: Final = msg("{n} tiles pipelined")
STEP_SERIAL: Final = msg("{n} tiles one stage at a time")
STEP_BATCH: Final = msg("{n} tiles one by one and in one batch")
STEP_DECODE: Final = msg("decoding")
STEP_ATTENTION: Final = msg("attention: {variant}")
STEPS: Final = (STEP_TILE, STEP_PIPELINED, STEP_SERIAL, STEP_BATCH, STEP_DECODE,
                STEP_ATTENTION)


def step_line(text: str) -> Line:
    """A progress line as `tune` wrote it (the CLI's, its "…" allowed) as the `Line` of
    its step template, so it can be shown translated; unknown text as it is."""
    text = text.strip().removesuffix("…")
    for template in STEPS:
        match = _step_pattern(template).fullmatch(text)
        if match:
            return Line.of(template, **match.groupdict())
    return Line.plain(text)


@functools.cache
def _step_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)  # text, field, text, field, ..., text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                              for i, part in enumerate(parts)))


@dataclass(frozen=True)
class TuneResult:
    """What `tune` measured for one pair here (seconds, tokens per second)."""

    llm: str
    mmproj: str | None
    per_tile_s: float | None  # one tile's encode (None: no projector)
    prefill_tok_s: float
    decode_tok_s: float
    pipeline_s: float | None = None  # encode + prefill of PIPELINE_TILES tiles, pipelined
    serial_s: float | None = None  # the same, each stage in turn with every core
    # encode of TILE_BATCH tiles: one by one, and in one batch (None: cannot batch)
    one_by_one_s: float | None = None
    batched_s: float | None = None
    attention_runs: list[dict[str, Any]] = field(default_factory=list)  # AttentionRun
    threads: int = 0
    measured_at: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TuneResult:
        """A result from `tune --json` or tune.json: the fields, without what the JSON adds
        for people (the choices: pipeline, tile_batch, attention). TypeError if one lacks."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def pipeline(self) -> bool:
        """Whether the engine should pipeline: measured faster (or not measured)."""
        if self.pipeline_s is None or self.serial_s is None:
            return True
        return self.pipeline_s < self.serial_s

    def speed(self) -> Speed | None:
        """The document panel's estimate, from these figures (None without a projector)."""
        if self.per_tile_s is None:
            return None
        return Speed(self.per_tile_s, self.prefill_tok_s,
                     source=f"measured on this computer with tune, {self.measured_at}")

    @property
    def tile_batch(self) -> int:
        """Tiles per ViT pass: TILE_BATCH where batching measured faster, else 1."""
        if self.one_by_one_s is None or self.batched_s is None:
            return 1
        return TILE_BATCH if self.batched_s < self.one_by_one_s else 1

    @property
    def attention(self) -> AttentionRun | None:
        """The attention and KV cache setting chosen (None: not measured)."""
        return choose_attention([AttentionRun(**r) for r in self.attention_runs])

    def engine_settings(self, base: EngineSettings, follow: bool = True) -> EngineSettings:
        """`base` with the choices tune made: the pipeline where it won, and (`follow`: the
        user leaves them to measurement) the tile batch and the attention setting."""
        tuned = replace(base, pipeline=self.pipeline)
        if not follow:
            return tuned
        tuned = replace(tuned, tile_batch=self.tile_batch)
        chosen = self.attention
        if chosen is None:
            return tuned
        return replace(tuned, flash_attention=chosen.flash_attention,
                       kv_type_k=chosen.kv_type_k, kv_type_v=chosen.kv_type_v)


@dataclass(frozen=True)
class AttentionRun:
    """One attention / KV cache setting, measured with a page of text in the context."""

    flash_attention: str
    kv_type_k: str
    kv_type_v: str
    page_prefill_tok_s: float  # the page (PAGE_TOKENS), in prefill chunks
    decode_page_tok_s: float  # a greedy answer after the page
    decode_empty_tok_s: float  # the same answer with only its prompt in the context
    page_kv_mb: float  # the page's KV cache (llama.cpp's sequence state)
    logit_error: float  # vs the reference (ATTENTION_VARIANTS[0]): max |Δ| / max |ref|
    same_next_token: bool  # the page's next token is the reference's

    @property
    def name(self) -> str:
        kv = self.kv_type_k if self.kv_type_k == self.kv_type_v else \
            f"K {self.kv_type_k}, V {self.kv_type_v}"
        return f"flash attention {self.flash_attention}, KV {kv}"

    def question_s(self, page: int = PAGE_TOKENS, answer: int = ANSWER_TOKENS) -> float:
        """Seconds to prefill `page` positions and decode an `answer` after them."""
        return page / max(self.page_prefill_tok_s, 1e-9) + \
            answer / max(self.decode_page_tok_s, 1e-9)

    @property
    def exact_enough(self) -> bool:
        return self.logit_error <= LOGIT_TOLERANCE


def choose_attention(runs: Sequence[AttentionRun]) -> AttentionRun | None:
    """The setting for this machine: among runs whose logits stay close to the reference,
    the one with the smallest KV cache of those within ATTENTION_TIE of the fastest (a page
    prefilled and an answer decoded after it). None if nothing was measured."""
    usable = [r for r in runs if r.exact_enough]
    if not usable:
        return None
    fastest = min(r.question_s() for r in usable)
    close = [r for r in usable if r.question_s() <= fastest * (1 + ATTENTION_TIE)]
    return min(close, key=lambda r: (r.page_kv_mb, r.question_s()))


def tune(llm: Path, mmproj: Path | None, threads: int | None = None, reps: int = 1,
         attention: bool = True, progress: Progress | None = None,
         should_stop: Callable[[], bool] | None = None) -> TuneResult:
    """Measure `llm` (+ `mmproj`) here; see the module docstring. `should_stop` is polled
    between steps (Cancelled); `progress` gets one line per step."""
    say = progress or (lambda _line: None)
    stop = should_stop or (lambda: False)

    def step(line: str) -> None:
        if stop():
            raise Cancelled("tune cancelled")
        say(line)

    base = EngineSettings(threads=threads or 0)
    per_tile: float | None = None
    prefill: float
    pipeline_s = serial_s = one_by_one_s = batched_s = None
    if mmproj is not None:
        step(str(Line(STEP_TILE)))
        speed = measure_speed(llm, mmproj, threads, reps=reps)
        per_tile, prefill = speed.per_tile_s, speed.prefill_tok_s
        try:
            tiling: TilingParams | None = vision_family(read_metadata(mmproj),
                                                        mmproj.name).tiling
        except VisionUnsupported:  # the engine loads such a pair as text only
            tiling = None
        if tiling is not None and not tiling.whole_image:  # (mtmd lays one out itself)
            timings: dict[bool, float] = {}
            for pipelined in (True, False):
                step(str(Line.of(STEP_PIPELINED if pipelined else STEP_SERIAL,
                                 n=PIPELINE_TILES)))
                timings[pipelined] = _encode_and_prefill(
                    llm, mmproj, replace(base, pipeline=pipelined), tiling, reps)
            pipeline_s, serial_s = timings[True], timings[False]
        step(str(Line.of(STEP_BATCH, n=TILE_BATCH)))
        batching = _tile_batching(llm, mmproj, threads, reps)
        if batching is not None:
            one_by_one_s, batched_s = batching
    step(str(Line(STEP_DECODE)))
    decode, text_prefill = _decode(llm, base, "Hello.", reps)
    if mmproj is None:
        prefill = text_prefill
    runs: list[dict[str, Any]] = []
    if attention:
        runs = [asdict(r) for r in measure_attention(llm, base, step)]
    return TuneResult(str(llm), str(mmproj) if mmproj else None, per_tile, prefill, decode,
                      pipeline_s, serial_s, one_by_one_s, batched_s, runs,
                      base.total_threads(), time.strftime("%Y-%m-%d"))


def measure_attention(llm: Path, settings: EngineSettings,
                      step: Progress | None = None) -> list[AttentionRun]:
    """Each of ATTENTION_VARIANTS the model allows, with a page of text in the context (see
    the module docstring); `step` is told before each one (and may raise Cancelled)."""
    from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel, kv_type_problem

    say = step or (lambda _line: None)
    threads = settings.total_threads()
    chunk = settings.n_chunk
    runs: list[AttentionRun] = []
    reference: np.ndarray | None = None
    with LlamaModel(llm) as model:
        text = " ".join(["The supplier shall deliver the goods by the agreed date and the "
                         "buyer shall pay the invoice within thirty days."] * 60)
        page = model.tokenize(text)[:PAGE_TOKENS]
        prompt = model.tokenize("Run. Hello.")
        for flash, type_k, type_v in ATTENTION_VARIANTS:
            if kv_type_problem(model, type_k, type_v) is not None:
                continue  # (a q8_0 cache on heads that do not fill its blocks)
            run = AttentionRun(flash, type_k, type_v, 0, 0, 0, 0, 0, True)
            say(str(Line.of(STEP_ATTENTION, variant=run.name)))
            ctx = LlamaContext(model, n_ctx=settings.n_ctx, n_batch=settings.n_batch,
                               n_threads=threads, flash_attention=flash,
                               type_k=type_k, type_v=type_v)
            try:
                _greedy(ctx, prompt, 4)  # warm-up: buffers allocated, weights touched
                ctx.clear()
                t0 = time.perf_counter()
                for start in range(0, len(page), chunk):
                    part = page[start:start + chunk]
                    ctx.decode_tokens(part, logits=start + chunk >= len(page))
                prefill_s = time.perf_counter() - t0
                logits = ctx.logits()[-1]
                page_mb = ctx.save_state().nbytes / 2**20
                decode_page = _greedy(ctx, [int(np.argmax(logits))], DECODE_TOKENS)
                ctx.clear()
                decode_empty = _greedy(ctx, prompt, DECODE_TOKENS)
            finally:
                ctx.close()
            if reference is None:
                reference = logits
            error = float(np.abs(logits - reference).max() / max(np.abs(reference).max(),
                                                                  1e-9))
            runs.append(replace(
                run, page_prefill_tok_s=len(page) / max(prefill_s, 1e-9),
                decode_page_tok_s=decode_page, decode_empty_tok_s=decode_empty,
                page_kv_mb=page_mb, logit_error=error,
                same_next_token=int(np.argmax(logits)) == int(np.argmax(reference))))
    return runs


def _greedy(ctx: Any, prompt: Sequence[int], n: int) -> float:
    """Decode `prompt`, then `n` greedy tokens one by one; tokens per second of those."""
    ctx.decode_tokens(prompt)
    token = int(np.argmax(ctx.logits()[-1]))
    t0 = time.perf_counter()
    for _ in range(n):
        ctx.decode_tokens([token])
        token = int(np.argmax(ctx.logits()[-1]))
    return n / max(time.perf_counter() - t0, 1e-9)


def _tile_batching(llm: Path, mmproj: Path, threads: int | None, reps: int
                   ) -> tuple[float, float] | None:
    """Seconds to encode TILE_BATCH tiles one by one and in one batch (medians of `reps`
    after a warm-up); None where the projector cannot batch."""
    from bluelm_desktop.core.engine.native import LlamaModel, MtmdContext

    with LlamaModel(llm) as model:
        mtmd = MtmdContext(mmproj, model, n_threads=threads)
        try:
            if not mtmd.supports_batch():
                return None
            rng = np.random.default_rng(7)
            size = mtmd.image_size
            tiles = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                     for _ in range(TILE_BATCH)]
            mtmd.encode_tiles(tiles)  # warm-up: the batch's compute buffer
            single: list[float] = []
            batched: list[float] = []
            for _ in range(reps):
                t0 = time.perf_counter()
                for tile in tiles:
                    mtmd.encode_tile(tile)
                single.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                mtmd.encode_tiles(tiles)
                batched.append(time.perf_counter() - t0)
        finally:
            mtmd.close()
    return statistics.median(single), statistics.median(batched)


def _encode_and_prefill(llm: Path, mmproj: Path, settings: EngineSettings,
                        tiling: TilingParams, reps: int) -> float:
    """Seconds to encode and prefill PIPELINE_TILES tiles (median of `reps`), new pixels
    each time (the embedding cache must not help)."""
    size = tiling.tile_size
    layout = ImageLayout(PIPELINE_TILES, 1, False, tiling.tokens_per_tile)
    seconds: list[float] = []
    with EngineClient(settings) as client:
        _finish(client.run(lambda e: [e.load(llm, mmproj)]))
        for rep in range(reps):
            rng = np.random.default_rng(rep + (1000 if settings.pipeline else 0))
            tiles = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                     for _ in range(PIPELINE_TILES)]
            turn = _finish(client.run(
                lambda e, r=rep, t=tiles: [e.encode_image(f"tune-{r}", f"tune-{r}", t,
                                                          layout)]))
            seconds.append(turn.of(ImageReady)[0].encode_s)
    return statistics.median(seconds)


def _decode(llm: Path, settings: EngineSettings, prompt: str, reps: int
            ) -> tuple[float, float]:
    """(decode tok/s, prefill tok/s) of a short greedy answer after `prompt`."""
    params = SamplingParams(temperature=1.0, top_k=0, top_p=1.0, repeat_penalty=1.0,
                            max_tokens=DECODE_TOKENS, seed=1)
    decode: list[float] = []
    prefill: list[float] = []
    with EngineClient(settings) as client:
        _finish(client.run(lambda e: [e.load(llm, None)]))
        for rep in range(reps + 1):  # the first answer warms the context up
            # Numbered at the start: no run shares a prefix with the one before, which the
            # engine would reuse from its KV cache (and the prefill would not be measured).
            turn = _finish(client.run(lambda e, r=rep: [e.ask(
                f"tune-{r}", f"Run {r}. {prompt}", params=params)]))
            stats = turn.of(Done)[0].stats
            if rep and stats.decode_tokens:
                decode.append(stats.decode_tok_s)
                prefill.append(stats.prefilled_positions / max(stats.prefill_s, 1e-9))
    return (statistics.median(decode) if decode else 0.0,
            statistics.median(prefill) if prefill else 0.0)


def _finish(turn: Any) -> Any:
    if turn.failure is not None:
        failed = turn.of(Failed)
        raise ModelError(failed[-1].line if failed else Line.plain(turn.failure))
    return turn


def summary_rows(result: TuneResult) -> list[tuple[str, str]]:
    """(what, figure) lines for people: what was measured and what the engine will do."""
    rows: list[tuple[str, str]] = []
    if result.per_tile_s is not None:
        rows.append(("encode one tile", f"{result.per_tile_s:.2f} s"))
    rows += [("prefill", f"{result.prefill_tok_s:.1f} tokens/s"),
             ("decode", f"{result.decode_tok_s:.1f} tokens/s")]
    if result.pipeline_s is not None and result.serial_s is not None:
        rows.append((f"{PIPELINE_TILES} tiles, encode ‖ prefill", f"{result.pipeline_s:.2f} s"))
        rows.append((f"{PIPELINE_TILES} tiles, one stage at a time", f"{result.serial_s:.2f} s"))
        rows.append(("the engine will", "pipeline" if result.pipeline else
                     "run one stage at a time (the pipeline lost here)"))
    if result.one_by_one_s is not None and result.batched_s is not None:
        rows.append((f"{TILE_BATCH} tiles one by one / in a batch",
                     f"{result.one_by_one_s:.2f} s / {result.batched_s:.2f} s"))
        rows.append(("tiles per ViT pass", str(result.tile_batch)))
    for run in (AttentionRun(**r) for r in result.attention_runs):
        rows.append((run.name,
                     f"page {run.page_prefill_tok_s:.1f} tok/s, then decode "
                     f"{run.decode_page_tok_s:.1f} tok/s (empty {run.decode_empty_tok_s:.1f}); "
                     f"page KV {run.page_kv_mb:.0f} MB; logits ±{run.logit_error:.3f}"
                     f"{'' if run.same_next_token else ', another next token'}"
                     f"{'' if run.exact_enough else ' (too far: not used)'}"))
    chosen = result.attention
    if chosen is not None:
        rows.append(("attention setting", chosen.name))
    return rows


def engine_settings_for(settings: Settings, llm: Path, mmproj: Path | None,
                        base: EngineSettings | None = None) -> EngineSettings:
    """The engine settings for this pair: the user's `settings`, with what tune measured
    for it here where it was (`[inference] follow_tune`: tile batch and attention too)."""
    chosen = settings.engine_settings(base)
    measured = tuned(llm, mmproj)
    if measured is None:
        return chosen
    return measured.engine_settings(chosen, follow=settings.inference.follow_tune)


# --- remembered results --------------------------------------------------------------


def tune_path() -> Path:
    return paths.cache_dir() / TUNE_FILE


def save(result: TuneResult) -> None:
    """Remember `result` for its pair on this machine and build (replacing an older one)."""
    key = pair_key(Path(result.llm), Path(result.mmproj) if result.mmproj else None)
    entries = [e for e in _read() if e.get("key") != key]
    entries.append({"key": key, "result": asdict(result)})
    text = json.dumps({"version": TUNE_VERSION, "entries": entries}, indent=1)
    write_atomically(tune_path(), text.encode("utf-8"))


def tuned(llm: Path, mmproj: Path | None) -> TuneResult | None:
    """What `tune` measured for this pair, files, build and processor; None if never
    (or if the files or llama.cpp changed since)."""
    try:
        key = pair_key(llm, mmproj)
    except ModelError:
        return None
    for entry in _read():
        if entry.get("key") == key:
            try:
                return TuneResult.from_json(entry["result"])
            except (TypeError, AttributeError):
                return None
    return None


def _read() -> list[dict[str, Any]]:
    try:
        data = json.loads(tune_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("version") != TUNE_VERSION:
        return []
    entries = data.get("entries")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
