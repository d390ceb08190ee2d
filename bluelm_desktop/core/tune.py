"""Speeds from the user's own machine: `bluelm-desktop tune`.

The estimates under a document's tile grid and the engine's encode ‖ prefill pipeline
were set from figures measured elsewhere. `tune` measures, for one model pair on this
machine and this llama.cpp build, about a minute on a full-size model:

- one tile's encode and one tile's prefill (`estimate.measure_speed`), and decode speed
  after a short prompt (through the engine, as an answer is made);
- the same image encoded and prefilled with the pipeline (tile k+1 encoded on its own
  thread while tile k is prefilled, the cores split) and without it (each stage in turn,
  every core): the engine uses the pipeline only where it won;
- optionally (`kv=True`, several minutes on a big model) decode with a page of text in
  the context under the KV cache settings `KV_VARIANTS` (f16 against a q8_0 K cache).

Results are kept per model files and llama.cpp build (`load_probe.pair_key`) in
`<cache>/tune.json`; `tuned(llm, mmproj)` reads them back. Estimates (`Speed`) and the
engine's pipeline choice come from there once a pair is tuned.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import numpy as np

from bluelm_desktop.core import paths
from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import Done, EngineSettings, ImageReady
from bluelm_desktop.core.engine.families import vision_family
from bluelm_desktop.core.engine.load_probe import pair_key
from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import Cancelled, ModelError, VisionUnsupported
from bluelm_desktop.core.estimate import Speed, measure_speed
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.vision.tiling import TilingParams

TUNE_FILE: Final = "tune.json"  # in paths.cache_dir()
TUNE_VERSION: Final = 1
PIPELINE_TILES: Final = 3  # tiles of the image the pipeline is timed on
DECODE_TOKENS: Final = 16
KV_VARIANTS: Final = {"f16": {"kv_type_k": "f16", "kv_type_v": "f16"},
                      "q8_0 K": {"kv_type_k": "q8_0", "kv_type_v": "f16"}}
PAGE_WORDS: Final = 600  # ≈ a page of text: the context the KV variants decode after

Progress = Callable[[str], None]


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
    decode_with_page: dict[str, float] = field(default_factory=dict)  # KV variant → tok/s
    threads: int = 0
    measured_at: str = ""

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

    def engine_settings(self, base: EngineSettings) -> EngineSettings:
        """`base` with the choices tune made (the pipeline where it won)."""
        return replace(base, pipeline=self.pipeline)


def tune(llm: Path, mmproj: Path | None, threads: int | None = None, reps: int = 1,
         kv: bool = False, progress: Progress | None = None,
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
    pipeline_s = serial_s = None
    if mmproj is not None:
        step("encoding a tile and prefilling it")
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
                step(f"{PIPELINE_TILES} tiles "
                     f"{'pipelined' if pipelined else 'one stage at a time'}")
                timings[pipelined] = _encode_and_prefill(
                    llm, mmproj, replace(base, pipeline=pipelined), tiling, reps)
            pipeline_s, serial_s = timings[True], timings[False]
    step("decoding")
    decode, text_prefill = _decode(llm, base, "Hello.", reps)
    if mmproj is None:
        prefill = text_prefill
    with_page: dict[str, float] = {}
    if kv:
        page = " ".join(["The supplier shall deliver the goods by the agreed date."]
                        * (PAGE_WORDS // 10))
        for name, change in KV_VARIANTS.items():
            step(f"decoding after a page of text, KV cache {name}")
            with_page[name] = _decode(llm, replace(base, **change), page, reps)[0]
    return TuneResult(str(llm), str(mmproj) if mmproj else None, per_tile, prefill, decode,
                      pipeline_s, serial_s, with_page, base.total_threads(),
                      time.strftime("%Y-%m-%d"))


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
        raise ModelError(turn.failure)
    return turn


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
                return TuneResult(**entry["result"])
            except TypeError:
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
