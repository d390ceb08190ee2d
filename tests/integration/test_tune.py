"""`tune` on the tiny model: it measures, remembers per files and build, and the app's
choices follow it (the figures themselves are the tiny model's, not a real one's)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from bluelm_desktop.core import tune
from bluelm_desktop.core.engine.engine import EngineSettings
from model_convert import constants as C


@pytest.fixture
def cache_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from bluelm_desktop.core import paths

    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    paths.set_base_dir(None)
    yield tmp_path
    paths.set_base_dir(None)


def test_tune_measures_and_is_remembered_per_files(tiny_models, cache_here: Path) -> None:
    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    steps: list[str] = []
    result = tune.tune(models.llm, models.mmproj, threads=2, progress=steps.append)
    assert result.per_tile_s and result.per_tile_s > 0
    assert result.prefill_tok_s > 0 and result.decode_tok_s > 0
    assert result.pipeline_s and result.serial_s  # both timed
    assert result.pipeline == (result.pipeline_s < result.serial_s)
    assert any("pipelined" in s for s in steps) and any("one stage" in s for s in steps)
    # The tiny BlueLM's heads (64 values) allow every variant; the reference is exact.
    runs = [tune.AttentionRun(**r) for r in result.attention_runs]
    assert [(r.flash_attention, r.kv_type_k, r.kv_type_v) for r in runs] == \
        list(tune.ATTENTION_VARIANTS)
    assert runs[0].logit_error == 0 and runs[0].same_next_token
    assert all(0 < r.logit_error < tune.LOGIT_TOLERANCE for r in runs[1:])
    assert all(r.page_prefill_tok_s > 0 and r.decode_page_tok_s > 0 for r in runs)
    # a q8_0 cache holds the page in about half of f16's bytes (plus llama.cpp's header)
    kv = {(r.kv_type_k, r.kv_type_v): r.page_kv_mb for r in runs}
    assert kv["q8_0", "q8_0"] < 0.6 * kv["f16", "f16"] < kv["q8_0", "f16"]
    assert result.attention in runs
    assert any(line[0] == "attention setting" for line in tune.summary_rows(result))
    speed = result.speed()
    assert speed is not None and "tune" in speed.source

    assert tune.tuned(models.llm, models.mmproj) is None
    tune.save(result)
    assert tune.tuned(models.llm, models.mmproj) == result
    assert tune.tuned(models.llm, None) is None  # another pair
    os.utime(models.mmproj)  # the file changed since: measured again
    assert tune.tuned(models.llm, models.mmproj) is None


def test_the_engine_follows_the_pipeline_choice() -> None:
    base = EngineSettings(threads=2)
    won = tune.TuneResult("l", "m", 1.0, 10.0, 5.0, pipeline_s=1.0, serial_s=2.0)
    lost = dataclasses.replace(won, pipeline_s=2.5)
    assert won.engine_settings(base).pipeline and not lost.engine_settings(base).pipeline
    assert lost.engine_settings(base).split() == (2, 2)  # each stage with every core
    assert won.engine_settings(base).split() == (1, 1)


def _run(flash: str, k: str, v: str, prefill: float, decode: float, kv_mb: float,
         error: float = 0.01) -> tune.AttentionRun:
    return tune.AttentionRun(flash, k, v, prefill, decode, decode, kv_mb, error, True)


def test_attention_is_chosen_by_time_then_memory_among_exact_enough() -> None:
    off = _run("off", "f16", "f16", 70.0, 5.0, 100.0, 0.0)
    on = _run("on", "f16", "f16", 60.0, 3.0, 100.0)
    assert tune.choose_attention([off, on]) == off  # faster with a page in context
    # as fast within ATTENTION_TIE, half the memory: the int8 cache, as the paper keeps it
    q8 = _run("on", "q8_0", "q8_0", 69.0, 4.95, 53.0)
    assert tune.choose_attention([off, on, q8]) == q8
    # but never one whose logits drifted too far, however fast
    wild = _run("off", "q8_0", "f16", 200.0, 20.0, 75.0, error=tune.LOGIT_TOLERANCE * 2)
    assert tune.choose_attention([off, wild]) == off
    assert tune.choose_attention([]) is None


def test_settings_follow_tune_unless_the_user_says_not(tiny_models, cache_here: Path) -> None:
    from bluelm_desktop.core.settings import InferenceSettings, Settings

    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    q8 = _run("on", "q8_0", "q8_0", 69.0, 4.95, 53.0)
    result = tune.TuneResult(str(models.llm), str(models.mmproj), 1.0, 10.0, 5.0,
                             pipeline_s=2.0, serial_s=1.0, one_by_one_s=2.0, batched_s=1.5,
                             attention_runs=[dataclasses.asdict(q8)])
    settings = Settings()
    assert tune.engine_settings_for(settings, models.llm, models.mmproj) == \
        settings.engine_settings()  # not tuned yet: the settings as they are
    tune.save(result)
    followed = tune.engine_settings_for(settings, models.llm, models.mmproj)
    assert (followed.flash_attention, followed.kv_type_k, followed.kv_type_v) == \
        ("on", "q8_0", "q8_0")
    assert followed.tile_batch == tune.TILE_BATCH and not followed.pipeline
    by_hand = Settings(inference=InferenceSettings(follow_tune=False, tile_batch=3))
    kept = tune.engine_settings_for(by_hand, models.llm, models.mmproj)
    assert (kept.flash_attention, kept.kv_type_k, kept.tile_batch) == ("off", "f16", 3)
    assert not kept.pipeline  # (no setting of its own: always the measured choice)


def test_without_the_pipeline_the_encoding_is_the_same(tiny_models) -> None:
    """Serial and pipelined encodes give the same embeddings (and the same answer)."""
    import numpy as np

    from bluelm_desktop.core.engine.client import EngineClient
    from bluelm_desktop.core.engine.engine import Done, ImageReady
    from bluelm_desktop.core.engine.prompt import ImageLayout
    from bluelm_desktop.core.engine.sampling import SamplingParams

    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    rng = np.random.default_rng(3)
    tiles = [rng.integers(0, 256, (384, 384, 3), dtype=np.uint8) for _ in range(3)]
    layout = ImageLayout(3, 1, False, 196)
    greedy = SamplingParams(temperature=0.0, max_tokens=6, repeat_penalty=1.0)
    answers = []
    for pipeline in (True, False):
        with EngineClient(EngineSettings(n_ctx=2048, threads=2, pipeline=pipeline,
                                         cache_mb=0)) as client:
            turn = client.run(lambda e: [e.load(models.llm, models.mmproj),
                                         e.encode_image("c", "img", tiles, layout),
                                         e.ask("c", "What is it?", params=greedy)])
            assert turn.failure is None, turn.events
            assert turn.of(ImageReady)[0].tiles == 3 and turn.of(Done)
            answers.append(turn.answer)
    assert answers[0] == answers[1]


def test_tune_command_prints_and_remembers(tiny_models, cache_here: Path, capsys) -> None:
    from bluelm_desktop.cli import main

    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    assert main(["tune", "--model", str(models.llm), "--mmproj", str(models.mmproj),
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["per_tile_s"] > 0 and isinstance(data["pipeline"], bool)
    assert tune.tuned(models.llm, models.mmproj) is not None
