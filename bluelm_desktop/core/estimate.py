"""How long a document takes before the first answer token: an estimate shown *before*
anything runs, so the user can pick "fast" or "fine print" knowing the price.

The model is deliberately simple: every tile costs one vision-encoder pass, and every
image token costs one prefill position in the LLM.

    seconds ≈ tiles × per_tile_s + image_tokens / prefill_tok_s

Encode and prefill can overlap (`BackgroundEncoding`), but they share the same cores
(the engine splits the threads between them), so the sum is what a CPU user waits for;
on a machine with spare cores it errs on the slow side, which is the side to err on.

The default speeds were measured on the development machine (see `TINY` and `FULL`)
and are interpolated by file size for other models (`speed_for_files`). A real
measurement on the user's machine (`measure_speed`, or a later `tune` command that
stores its result) replaces them through `Speed.from_tune`.

Qt-free and native-free at import: the GUI and the CLI both use it, and only
`measure_speed` loads llama.cpp (lazily).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bluelm_desktop.core.errors import Line, msg
from bluelm_desktop.core.vision.tiling import DEFAULT_TOKENS_PER_TILE

# Where a stored measurement's figures come from when it does not say.
MEASURED_HERE: Final = Line(msg("measured here"))


@dataclass(frozen=True)
class Speed:
    """Measured speed of one model pair on one machine.

    `per_tile_s`: seconds for one vision-encoder pass over one tile.
    `prefill_tok_s`: image positions the LLM prefills per second.
    `source`: one line saying where the numbers come from (shown in tooltips), so a
    user can tell a guess from a measurement on their own machine: a `Line` (the
    interface translates it) or a plain string (one read back from the settings).
    """

    per_tile_s: float
    prefill_tok_s: float
    source: str | Line = ""

    def __post_init__(self) -> None:
        # A zero or NaN speed would turn every estimate into nonsense (or a ZeroDivision
        # deep in a paint event); refuse it where it is made.
        if not (self.per_tile_s >= 0 and math.isfinite(self.per_tile_s)):
            raise ValueError(f"per_tile_s must be a finite number ≥ 0, got {self.per_tile_s}")
        if not (self.prefill_tok_s > 0 and math.isfinite(self.prefill_tok_s)):
            raise ValueError(f"prefill_tok_s must be a finite number > 0, got {self.prefill_tok_s}")

    def seconds(self, tiles: int, image_tokens: int) -> float:
        """`estimate_seconds` with this speed."""
        return estimate_seconds(tiles, image_tokens, self.per_tile_s, self.prefill_tok_s)

    def to_json(self) -> dict[str, object]:
        """The figures; `source` in English, and, for a `Line` of plain values, its
        template and fields too, so a stored speed is shown translated when read back."""
        out: dict[str, object] = {"per_tile_s": self.per_tile_s,
                                  "prefill_tok_s": self.prefill_tok_s,
                                  "source": str(self.source)}
        if isinstance(self.source, Line) and all(
                isinstance(v, str | int | float) for v in self.source.values.values()):
            out["source_template"] = self.source.template
            out["source_fields"] = dict(self.source.values)
        return out

    @classmethod
    def from_tune(cls, result: Mapping[str, object],
                  source: str | Line = MEASURED_HERE) -> Speed:
        """A speed from a stored measurement: a mapping with `per_tile_s` and
        `prefill_tok_s` (what `measure_speed(...).to_json()` writes). Raises ValueError,
        naming the key, when a value is missing or unusable, so a damaged settings file
        is reported instead of silently falling back to someone else's machine.
        """
        values: dict[str, float] = {}
        for key in ("per_tile_s", "prefill_tok_s"):
            value = result.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"speed measurement: {key} should be a number, got {value!r}")
            values[key] = float(value)
        label = result.get("source")
        return cls(values["per_tile_s"], values["prefill_tok_s"],
                   _source_line(result, label) if isinstance(label, str) and label else source)


def _source_line(result: Mapping[str, object], label: str) -> str | Line:
    """The stored `source` as the `Line` it was written from (`Speed.to_json`), when its
    template and fields are there and still give the same English; else `label` as is."""
    template, fields = result.get("source_template"), result.get("source_fields")
    if not isinstance(template, str) or not isinstance(fields, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str | int | float) for k, v in fields.items()):
        return label
    line = Line.of(template, **fields)
    return line if str(line) == label else label


@dataclass(frozen=True)
class Reference:
    """A measured model pair: its file sizes and its speed (for `speed_for_files`)."""

    llm_bytes: int
    mmproj_bytes: int
    speed: Speed


# Measured on the development machine (2 vCPU AMD EPYC, AVX2, no GPU, 23 GiB RAM;
# llama-cpp-python 0.3.36, both cores, machine otherwise idle) on 2026-11-25 with
# `measure_speed`, i.e.
#   python -m bluelm_desktop.core.estimate LLM.gguf MMPROJ.gguf --reps 3
# which loads the pair, encodes one warm-up 392×392 tile and times three more (median),
# then prefills 196 random image embeddings (one tile's worth, in the engine's
# 128-position chunks, no logits) into a fresh context after one warm-up pass (median
# of three). Figures rounded from repeated runs (full: 6.30 / 6.44 s per tile, 35.7
# tok/s; tiny: 0.019-0.021 s, 36,000-37,700 tok/s).
# Cross-check: the engine benchmark's serial run of the same full pair (9 tiles, 1,764
# image positions; tests/benchmarks/reports/engine_benchmark.json) took 111.7 s; this
# model says 9 × 6.4 + 1764 / 35.7 = 107 s. Its encode ‖ prefill pipeline, which splits
# the two cores 1 + 1, took 125 s: on two cores the sum is the honest figure.
# TINY: the converter's `tiny` bluelm pair (synth tiny + convert, q4_k_m LLM / q8_0 ViT).
TINY: Final = Reference(
    llm_bytes=1_154_112, mmproj_bytes=619_648,
    speed=Speed(per_tile_s=0.020, prefill_tok_s=36_000.0,
                source=Line(msg("the tiny demo model measured on the development machine"))),
)
# FULL: the converter's `full` bluelm pair (`bluelm-convert synth --size full` + `convert`:
# random weights with BlueLM-V-3B's shapes: SigLIP-so400m ViT at 392 px, 196 tokens per
# tile, 2.7B llama LLM; q4_k_m LLM / q8_0 ViT), so the speed is a real 3B model's.
FULL: Final = Reference(
    llm_bytes=1_694_526_528, mmproj_bytes=605_579_104,
    speed=Speed(per_tile_s=6.4, prefill_tok_s=35.7,
                source=Line(msg("a 3B model measured on the development machine "
                                "(2 CPU cores)"))),
)
DEFAULT_SPEED: Final = FULL.speed  # a real model, until the user's own is known


def estimate_seconds(
    tiles: int,
    image_tokens: int,
    per_tile_s: float = FULL.speed.per_tile_s,
    prefill_tok_s: float = FULL.speed.prefill_tok_s,
) -> float:
    """Seconds to encode `tiles` tiles and prefill `image_tokens` positions.

    Defaults: the full-size model measured on the development machine (`FULL`).
    """
    if tiles < 0 or image_tokens < 0:
        raise ValueError(f"tiles and image tokens must be ≥ 0, got {tiles}, {image_tokens}")
    if not prefill_tok_s > 0:
        raise ValueError(f"prefill_tok_s must be > 0, got {prefill_tok_s}")
    return tiles * per_tile_s + image_tokens / prefill_tok_s


def speed_for_files(llm_bytes: int, mmproj_bytes: int) -> Speed:
    """A guessed speed for a model pair nobody has measured here yet.

    Both costs are taken as linear in the weights' size on disk (compute per token grows
    with the parameter count, and file size tracks it at a given precision), fitted
    through the two references: the tiny pair gives the fixed overhead, the full pair
    the slope. Never faster than the tiny pair, which is all overhead already.
    """
    lo, hi = TINY, FULL

    def line(x: float, x0: float, y0: float, x1: float, y1: float) -> float:
        if x1 == x0:
            return y1
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)

    per_tile = line(mmproj_bytes, lo.mmproj_bytes, lo.speed.per_tile_s,
                    hi.mmproj_bytes, hi.speed.per_tile_s)
    s_per_tok = line(llm_bytes, lo.llm_bytes, 1 / lo.speed.prefill_tok_s,
                     hi.llm_bytes, 1 / hi.speed.prefill_tok_s)
    per_tile = max(per_tile, lo.speed.per_tile_s)
    s_per_tok = max(s_per_tok, 1 / lo.speed.prefill_tok_s)
    return Speed(per_tile, 1 / s_per_tok,
                 source=Line(msg("guessed from the file sizes and two models measured on the "
                                 "development machine")))


def format_duration(seconds: float) -> str:
    """'under 1 s', '12 s', '3 min 20 s', '1 h 05 min': what a person reads at a glance.

    Rounded up (an estimate that says 0 s and takes 0.6 s reads as a lie), to whole
    seconds below ten minutes and whole minutes above, where seconds are noise anyway.
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"not a duration: {seconds}")
    if seconds < 1:
        return "under 1 s"
    whole = math.ceil(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 600:
        return f"{whole // 60} min {whole % 60:02d} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def measure_speed(llm: Path, mmproj: Path, threads: int | None = None, reps: int = 3,
                  n_chunk: int = 128) -> Speed:
    """Measure one tile's encode and one tile's prefill (196 positions) on this machine.

    Each is timed `reps` times after one warm-up pass (the first pass allocates compute
    buffers and touches the mmapped weights) and the median kept. Random pixels and
    random embeddings: cost does not depend on content. Slow on a big model (a 2.7B
    random-weight pair takes ~6 s per tile on 2 cores): run it on purpose, not at start.
    """
    import statistics

    import numpy as np

    from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel, MtmdContext

    rng = np.random.default_rng(0)
    with LlamaModel(llm) as model:
        mtmd = MtmdContext(mmproj, model, n_threads=threads)
        size = mtmd.image_size
        tile = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        n_tokens = mtmd.encode_tile(tile).shape[0]
        encode: list[float] = []
        for _ in range(reps):
            t0 = time.perf_counter()
            mtmd.encode_tile(tile)
            encode.append(time.perf_counter() - t0)
        mtmd.close()  # before the context is made: the ViT's buffers are not needed now

        positions = n_tokens or DEFAULT_TOKENS_PER_TILE
        rows = rng.standard_normal((positions, model.n_embd)).astype(np.float32) * 0.02
        ctx = LlamaContext(model, n_ctx=max(512, 2 * positions), n_batch=512, n_threads=threads)
        prefill: list[float] = []
        for rep in range(reps + 1):
            ctx.clear()
            t0 = time.perf_counter()
            for start in range(0, positions, n_chunk):
                # no logits: image positions are never sampled from (the prompt's text
                # after them is), and vocab-wide logits would inflate the figure
                ctx.decode_embeddings(rows[start:start + n_chunk], logits=False)
            if rep:  # the first pass is the warm-up
                prefill.append(time.perf_counter() - t0)
        ctx.close()
    per_tile = statistics.median(encode)
    tok_s = positions / statistics.median(prefill)
    return Speed(per_tile, tok_s, source=Line.of(msg("measured here on {model}"),
                                                 model=llm.name))


def main(argv: list[str] | None = None) -> int:
    """`python -m bluelm_desktop.core.estimate LLM MMPROJ [--threads N]`: print a speed."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("llm", type=Path)
    parser.add_argument("mmproj", type=Path)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    speed = measure_speed(args.llm, args.mmproj, args.threads, args.reps)
    out = {**speed.to_json(), "llm_bytes": args.llm.stat().st_size,
           "mmproj_bytes": args.mmproj.stat().st_size}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
