"""The cost estimate shown before anything runs: arithmetic, defaults, stored measurements."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from bluelm_desktop.core.estimate import (
    DEFAULT_SPEED,
    FULL,
    TINY,
    Speed,
    estimate_seconds,
    format_duration,
    measure_speed,
    speed_for_files,
)
from bluelm_desktop.core.vision.tiling import TilingParams, plan_image
from tests.conftest import ConvertTiny


def test_encode_plus_prefill() -> None:
    assert estimate_seconds(13, 2548, per_tile_s=2.0, prefill_tok_s=100.0) == 26 + 25.48
    assert estimate_seconds(0, 0, 2.0, 100.0) == 0


def test_defaults_are_the_full_model_measured_here() -> None:
    assert FULL.speed == DEFAULT_SPEED
    assert estimate_seconds(1, 196) == pytest.approx(
        FULL.speed.per_tile_s + 196 / FULL.speed.prefill_tok_s)
    # The measured references are plausible: the 2.7B pair is far slower than the tiny one.
    assert FULL.speed.per_tile_s > 10 * TINY.speed.per_tile_s
    assert FULL.speed.prefill_tok_s < TINY.speed.prefill_tok_s
    assert FULL.llm_bytes > TINY.llm_bytes and FULL.mmproj_bytes > TINY.mmproj_bytes


def test_fast_costs_less_than_fine_print_on_an_a4_page() -> None:
    fine = plan_image(1654, 2339, TilingParams())
    fast = plan_image(1654, 2339, TilingParams(max_image_tokens=980))
    assert DEFAULT_SPEED.seconds(fast.tiles, fast.image_tokens) < DEFAULT_SPEED.seconds(
        fine.tiles, fine.image_tokens)


@pytest.mark.parametrize("tiles, tokens", [(-1, 0), (0, -5)])
def test_negative_counts_are_refused(tiles: int, tokens: int) -> None:
    with pytest.raises(ValueError):
        estimate_seconds(tiles, tokens)


@pytest.mark.parametrize("per_tile, tok_s", [(-1.0, 10.0), (1.0, 0.0), (math.nan, 1.0),
                                             (1.0, math.inf)])
def test_unusable_speeds_are_refused_where_made(per_tile: float, tok_s: float) -> None:
    with pytest.raises(ValueError):
        Speed(per_tile, tok_s)


def test_a_tune_result_round_trips() -> None:
    measured = Speed(3.25, 410.0, "measured here on my-model-llm.gguf")
    assert Speed.from_tune(measured.to_json()) == measured
    assert str(Speed.from_tune({"per_tile_s": 2, "prefill_tok_s": 50}).source) == "measured here"


@pytest.mark.parametrize("stored", [{}, {"per_tile_s": 1.0}, {"per_tile_s": "fast",
                                                               "prefill_tok_s": 1.0},
                                    {"per_tile_s": True, "prefill_tok_s": 1.0},
                                    {"per_tile_s": 1.0, "prefill_tok_s": 0}])
def test_a_damaged_tune_result_is_reported(stored: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Speed.from_tune(stored)


def test_guess_by_file_size_passes_through_the_references() -> None:
    for ref in (TINY, FULL):
        guess = speed_for_files(ref.llm_bytes, ref.mmproj_bytes)
        assert guess.per_tile_s == pytest.approx(ref.speed.per_tile_s)
        assert guess.prefill_tok_s == pytest.approx(ref.speed.prefill_tok_s)


def test_guess_grows_with_size_and_is_never_faster_than_tiny() -> None:
    mid = speed_for_files((TINY.llm_bytes + FULL.llm_bytes) // 2,
                          (TINY.mmproj_bytes + FULL.mmproj_bytes) // 2)
    assert TINY.speed.per_tile_s < mid.per_tile_s < FULL.speed.per_tile_s
    assert FULL.speed.prefill_tok_s < mid.prefill_tok_s < TINY.speed.prefill_tok_s
    big = speed_for_files(2 * FULL.llm_bytes, 2 * FULL.mmproj_bytes)
    assert big.per_tile_s > FULL.speed.per_tile_s
    tiny = speed_for_files(1, 1)
    assert tiny.per_tile_s >= TINY.speed.per_tile_s
    assert tiny.prefill_tok_s <= TINY.speed.prefill_tok_s


@pytest.mark.parametrize("seconds, text", [
    (0.0, "under 1 s"), (0.4, "under 1 s"), (1.0, "1 s"), (12.1, "13 s"), (59.5, "1 min 00 s"),
    (200.0, "3 min 20 s"), (599.2, "10 min"), (601.0, "11 min"), (3600.0, "1 h 00 min"),
    (3661.0, "1 h 02 min"),
])
def test_durations_read_at_a_glance(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [-1.0, math.nan, math.inf])
def test_not_a_duration(seconds: float) -> None:
    with pytest.raises(ValueError):
        format_duration(seconds)


def test_imports_neither_qt_nor_llama_cpp() -> None:
    """The CLI and the core use it; only `measure_speed` may load the native library."""
    code = ("import sys, bluelm_desktop.core.estimate; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'llama_cpp'))]; "
            "sys.exit(', '.join(bad) or None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def test_measure_speed_on_the_tiny_model(tiny_models: ConvertTiny) -> None:
    pair = tiny_models("bluelm")
    assert pair.mmproj is not None
    speed = measure_speed(pair.llm, pair.mmproj, threads=1, reps=1)
    assert 0 < speed.per_tile_s < 60 and speed.prefill_tok_s > 0
    assert str(speed.source) == f"measured here on {pair.llm.name}"
    assert Speed.from_tune(speed.to_json()) == speed
