"""The engine on real llama.cpp with the tiny synthetic models: encode, prefill, stream, cancel."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from bluelm_desktop.core.engine.encoder import BackgroundEncoding, EmbeddingCache, TileEncoder
from bluelm_desktop.core.engine.engine import (
    Done,
    Engine,
    EngineSettings,
    Event,
    Failed,
    ImageReady,
    Loaded,
    Stopped,
    TileEncoded,
    Token,
)
from bluelm_desktop.core.engine.native import LlamaModel, MtmdContext
from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import ModelError
from bluelm_desktop.core.gguf.pairs import check_pair
from bluelm_desktop.core.vision.tiling import TilingParams, cut_tiles, plan_image
from model_convert import constants as C
from model_convert.verify import make_test_tile

TILE = {C.LAYOUT_BLUELM: 392, C.LAYOUT_INTERNVL: 448}
TOKENS = {C.LAYOUT_BLUELM: 196, C.LAYOUT_INTERNVL: 256}


class Recorder:
    """Collects engine events and lets a test wait for a request's last one."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()
        self.on_event: Callable[[Event], None] | None = None

    def __call__(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()
        if self.on_event:
            self.on_event(event)

    def wait_end(self, request_id: int, timeout: float = 120) -> Event:
        final = (Done, Failed, Stopped, Loaded, ImageReady)
        with self._cond:
            ok = self._cond.wait_for(
                lambda: any(isinstance(e, final) and e.request_id == request_id
                            for e in self.events), timeout)
        assert ok, f"request {request_id} did not finish: {self.events[-5:]}"
        return next(e for e in self.events if isinstance(e, final) and e.request_id == request_id)

    def text(self, request_id: int) -> str:
        return "".join(
            e.text for e in self.events if isinstance(e, Token) and e.request_id == request_id
        )


def image_tiles(layout: str, w: int = 900, h: int = 600, seed: int = 0):
    img = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    params = TilingParams(tile_size=TILE[layout], tokens_per_tile=TOKENS[layout])
    plan = plan_image(w, h, params)
    tiles = [t.pixels for t in cut_tiles(img, plan)]
    return tiles, ImageLayout(plan.grid.cols, plan.grid.rows, plan.thumbnail, TOKENS[layout])


@pytest.fixture
def engine_for(tiny_models) -> Iterator[Callable[..., tuple[Engine, Recorder]]]:
    made: list[Engine] = []

    def make(layout: str = C.LAYOUT_BLUELM, vision: bool = True,
             **settings: int) -> tuple[Engine, Recorder]:
        models = tiny_models(layout, "f16", "f16")
        rec = Recorder()
        engine = Engine(EngineSettings(**{"n_ctx": 4096, **settings}), rec)
        made.append(engine)
        rid = engine.load(models.llm, models.mmproj if vision else None)
        assert isinstance(rec.wait_end(rid), Loaded), rec.events
        return engine, rec

    yield make
    for engine in made:
        engine.close()


GREEDY = SamplingParams(temperature=0.0, max_tokens=12, repeat_penalty=1.0)


def test_text_only_chat_streams_and_is_reproducible(engine_for):
    engine, rec = engine_for(vision=False)
    a = engine.ask("c1", "Hello, who are you?", params=SamplingParams(seed=7, max_tokens=16))
    done = rec.wait_end(a)
    assert isinstance(done, Done), rec.events
    assert done.stats.decode_tokens > 0 and rec.text(a)
    b = engine.ask("c2", "Hello, who are you?", params=SamplingParams(seed=7, max_tokens=16))
    rec.wait_end(b)
    assert rec.text(a) == rec.text(b)  # same seed, same answer (another conversation)


@pytest.mark.parametrize("layout", C.LAYOUTS)
def test_image_is_prefilled_before_the_question(layout, engine_for):
    engine, rec = engine_for(layout)
    tiles, lay = image_tiles(layout)
    e = engine.encode_image("c1", "img-a", tiles, lay)
    ready = rec.wait_end(e)
    assert isinstance(ready, ImageReady), rec.events
    assert ready.prefilled == len(tiles) * TOKENS[layout]
    progress = [x for x in rec.events if isinstance(x, TileEncoded)]
    assert [p.done for p in progress] == list(range(1, len(tiles) + 1))
    a = engine.ask("c1", "What is the total amount?", params=GREEDY)
    done = rec.wait_end(a)
    assert isinstance(done, Done), rec.events
    # Enter costs only the question's tokens: the image was in the KV cache already.
    assert done.stats.reused_items >= ready.prefilled
    assert done.stats.prefilled_positions < 40
    assert done.stats.image_tokens == 0


def test_follow_up_prefills_only_the_new_turn(engine_for):
    engine, rec = engine_for()
    tiles, lay = image_tiles(C.LAYOUT_BLUELM)
    rec.wait_end(engine.encode_image("c1", "img-a", tiles, lay))
    first = rec.wait_end(engine.ask("c1", "Who is the vendor?", params=GREEDY))
    assert isinstance(first, Done)
    second = rec.wait_end(engine.ask("c1", "And the date?", params=GREEDY))
    assert isinstance(second, Done), rec.events
    s = second.stats
    # everything up to the end of the first answer is reused
    assert s.reused_items >= first.stats.prompt_items + first.stats.decode_tokens
    # only the new turn's text ("<|im_end|>", "<|im_start|>user", the question, ...)
    assert s.prefilled_positions == s.prompt_items - s.reused_items <= 30


def test_same_answer_with_or_without_prefill_before_enter(engine_for):
    """Prefilling the image early must not change the answer (same cache contents)."""
    engine, rec = engine_for()
    tiles, lay = image_tiles(C.LAYOUT_BLUELM, seed=3)
    rec.wait_end(engine.encode_image("early", "img-b", tiles, lay))
    a = engine.ask("early", "Describe it.", params=GREEDY)
    rec.wait_end(a)
    engine2, rec2 = engine_for()
    rec2.wait_end(engine2.encode_image("late", "img-b", tiles, lay))
    b = engine2.ask("other", "Describe it.", image_ids=["img-b"], params=GREEDY)
    rec2.wait_end(b)
    assert rec.text(a) == rec2.text(b)


def test_cancel_during_decode(engine_for):
    engine, rec = engine_for(vision=False)
    ids: list[int] = []

    def stop_after_first_token(event: Event) -> None:
        if isinstance(event, Token) and event.request_id == ids[0]:
            engine.cancel(ids[0])

    rec.on_event = stop_after_first_token
    ids.append(engine.ask("c1", "Write a long story.",
                          params=SamplingParams(max_tokens=2000, seed=1, temperature=0.0,
                                                repeat_penalty=1.0)))
    end = rec.wait_end(ids[0])
    assert isinstance(end, Stopped), rec.events
    tokens = [e for e in rec.events if isinstance(e, Token)]
    assert 1 <= len(tokens) <= 3  # stops within one token (the one in flight)
    rec.on_event = None
    # the engine is still usable and the interrupted answer is part of the history
    after = rec.wait_end(engine.ask("c1", "Go on.", params=GREEDY))
    assert isinstance(after, Done)


def test_cancel_during_encode_and_latest_request_wins(engine_for):
    engine, rec = engine_for(C.LAYOUT_INTERNVL)
    tiles, lay = image_tiles(C.LAYOUT_INTERNVL, 1600, 1200)
    first = engine.encode_image("c1", "img-old", tiles, lay)
    second = engine.encode_image("c1", "img-new", tiles[:1], ImageLayout(1, 1, False, 256))
    assert isinstance(rec.wait_end(first), Stopped)
    assert isinstance(rec.wait_end(second), ImageReady)


def test_context_overflow_is_a_message_not_a_crash(engine_for):
    engine, rec = engine_for(n_ctx=512)
    tiles, lay = image_tiles(C.LAYOUT_BLUELM)  # 7 tiles = 1,372 image tokens > 512
    end = rec.wait_end(engine.encode_image("c1", "big", tiles, lay))
    assert isinstance(end, Failed) and "positions" in end.message, rec.events
    assert isinstance(rec.wait_end(engine.ask("c2", "hi", params=GREEDY)), Done)


def test_json_schema_answer_parses(engine_for):
    engine, rec = engine_for(vision=False)
    schema = {"type": "object",
              "properties": {"currency": {"enum": ["EUR", "USD"]},
                             "total": {"type": "integer", "minimum": 0, "maximum": 9999}},
              "required": ["currency", "total"], "additionalProperties": False}
    a = engine.ask("c1", "Extract the fields.",
                   params=SamplingParams(json_schema=schema, seed=2, max_tokens=64))
    assert isinstance(rec.wait_end(a), Done), rec.events
    data = json.loads(rec.text(a))
    assert data["currency"] in ("EUR", "USD") and 0 <= data["total"] <= 9999


def test_batched_pipelined_and_single_encodings_are_identical(tiny_models):
    models = tiny_models(C.LAYOUT_INTERNVL, "f16", "f16")
    tiles = [make_test_tile(448, seed=i) for i in range(5)]
    with LlamaModel(models.llm) as model:
        mtmd = MtmdContext(models.mmproj, model, n_threads=2)
        single = [e for _, e in TileEncoder(mtmd, 1, EmbeddingCache()).encode(tiles)]
        batched_encoder = TileEncoder(mtmd, 4, EmbeddingCache())
        assert batched_encoder.batch_size == 4
        batched = [e for _, e in batched_encoder.encode(tiles)]
        piped = [e for _, e in BackgroundEncoding(TileEncoder(mtmd, 2, EmbeddingCache()), tiles)]
        for a, b, c in zip(single, batched, piped, strict=True):
            assert np.array_equal(a, b) and np.array_equal(a, c)


def test_cache_makes_a_second_encoding_free(tiny_models):
    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    tiles = [make_test_tile(392, seed=i) for i in range(3)]
    with LlamaModel(models.llm) as model:
        encoder = TileEncoder(MtmdContext(models.mmproj, model, n_threads=2), 4)
        assert encoder.batch_size == 1  # lfm2 cannot batch: falls back to one by one
        list(encoder.encode(tiles))
        assert len(encoder.cache) == 3
        from bluelm_desktop.core.engine.encoder import EncodeStats

        stats = EncodeStats()
        list(encoder.encode(tiles, stats=stats))
        assert stats.cached == 3 and stats.batches == 0


def test_bad_pairs_are_refused_before_llama_cpp(tiny_models, tmp_path: Path):
    bluelm = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    internvl = tiny_models(C.LAYOUT_INTERNVL, "f16", "f16")
    with pytest.raises(ModelError, match="vision projector, not a language model"):
        check_pair(bluelm.mmproj, None)
    with pytest.raises(ModelError, match="lacks the image tokens <img>"):
        check_pair(bluelm.llm, internvl.mmproj)
    with pytest.raises(ModelError, match=r"needs about .* only 1\.00 MiB is available"):
        check_pair(bluelm.llm, bluelm.mmproj, available=2**20)
    cut = tmp_path / "cut-llm.gguf"
    cut.write_bytes(bluelm.llm.read_bytes()[:50_000])
    with pytest.raises(ModelError, match=r"cut-llm\.gguf"):
        check_pair(cut, None)


def test_a_pair_too_big_for_the_memory_is_refused_before_loading(
        tiny_models, monkeypatch: pytest.MonkeyPatch):
    import bluelm_desktop.core.engine.engine as engine_module
    from bluelm_desktop.core.gguf import pairs as models_module

    good = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    monkeypatch.setattr(models_module, "available_ram_bytes", lambda: 3 * 2**20)
    opened: list[Path] = []
    real_model = engine_module.LlamaModel

    def recording_model(path: Path, *args, **kwargs):  # the real one, noting each use
        opened.append(path)
        return real_model(path, *args, **kwargs)

    monkeypatch.setattr(engine_module, "LlamaModel", recording_model)
    rec = Recorder()
    with Engine(EngineSettings(), rec) as engine:
        end = rec.wait_end(engine.load(good.llm, good.mmproj))
        assert isinstance(end, Failed), rec.events
        assert re.search(r"needs about \d.* of memory at a 4096-token context, only "
                         r"3\.00 MiB is available", end.message), end.message
        assert not opened  # llama.cpp never saw the files
        monkeypatch.setattr(models_module, "available_ram_bytes", lambda: 8 * 2**30)
        assert isinstance(rec.wait_end(engine.load(good.llm, good.mmproj)), Loaded)
        assert opened == [good.llm]


def test_load_failure_is_an_event(engine_for, tiny_models, tmp_path: Path):
    rec = Recorder()
    with Engine(EngineSettings(), rec) as engine:
        junk = tmp_path / "junk-llm.gguf"
        junk.write_bytes(b"GGUF" + bytes(100))
        end = rec.wait_end(engine.load(junk))
        assert isinstance(end, Failed) and "junk-llm.gguf" in end.message
        good = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
        assert isinstance(rec.wait_end(engine.load(good.llm, good.mmproj)), Loaded)


def test_cancel_inside_a_prefill_chunk_keeps_the_cache_consistent(tiny_models):
    from bluelm_desktop.core.engine.native import LlamaContext
    from bluelm_desktop.core.engine.prompt import ChatTemplate, profile_for
    from bluelm_desktop.core.engine.session import ChatSession, Image, KvCache, Message
    from bluelm_desktop.core.errors import Cancelled

    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    tiles, lay = image_tiles(C.LAYOUT_BLUELM)
    with LlamaModel(models.llm) as model:
        ctx = LlamaContext(model, n_ctx=4096, n_batch=512, n_threads=2)
        kv = KvCache(ctx, n_chunk=64)
        mtmd = MtmdContext(models.mmproj, model, n_threads=2)
        embeddings = [mtmd.encode_tile(t) for t in tiles]  # lfm2 cannot batch
        session = ChatSession(model, kv, ChatTemplate(None), profile_for("bluelm", {}))
        items = session.items_for([Message("user", "hi", [Image("img", lay)])], True)
        polls_in_third_chunk = 0

        def stop_inside_the_third_chunk() -> bool:
            # asked between chunks and, by llama.cpp, after every graph node of a decode
            nonlocal polls_in_third_chunk
            if ctx.n_past >= 2 * 64:
                polls_in_third_chunk += 1
            return polls_in_third_chunk > 5  # well inside the third chunk's graph

        with pytest.raises(Cancelled):
            kv.sync(items, lambda _id, k: embeddings[k], stop_inside_the_third_chunk)
        assert polls_in_third_chunk == 6  # once before the chunk, 5 times inside its decode
        # the aborted chunk left nothing behind, in our bookkeeping or in llama.cpp's cache
        assert 2 * 64 <= len(kv.items) == ctx.n_past < 3 * 64
        assert kv.items == items[: len(kv.items)]  # a consistent prefix, nothing half-done
        done_before = len(kv.items)
        from bluelm_desktop.core.engine.session import TurnStats

        stats = TurnStats()
        kv.sync(items, lambda _id, k: embeddings[k], stats=stats)
        assert stats.reused_items == done_before and kv.items == list(items)
        resumed = ctx.logits()[-1]
        fresh = KvCache(LlamaContext(model, n_ctx=4096, n_batch=512, n_threads=2), n_chunk=64)
        fresh.sync(items, lambda _id, k: embeddings[k])
        np.testing.assert_allclose(resumed, fresh.ctx.logits()[-1], rtol=1e-3, atol=1e-3)
        fresh.ctx.close()


def test_regenerate_and_edit_drop_the_tail(engine_for):
    engine, rec = engine_for(vision=False)
    sampled = SamplingParams(seed=5, max_tokens=8)
    first = rec.wait_end(engine.ask("c1", "Name a colour.", params=sampled))
    assert isinstance(first, Done)
    again = engine.regenerate("c1", SamplingParams(seed=6, max_tokens=8))
    redo = rec.wait_end(again)
    assert isinstance(redo, Done), rec.events
    # the question stays in the cache; only the answer is recomputed
    assert redo.stats.reused_items >= first.stats.prompt_items - 1
    edited = rec.wait_end(engine.edit("c1", 0, "Name a fruit.", sampled))
    assert isinstance(edited, Done), rec.events
    assert edited.stats.reused_items < first.stats.prompt_items  # the question changed
    bad = rec.wait_end(engine.edit("c1", 1, "x"))  # index 1 is an answer, not a question
    assert isinstance(bad, Failed) and "not a question that can be edited" in bad.message


def test_load_reports_progress(tiny_models):
    from bluelm_desktop.core.engine.engine import LoadProgress

    rec = Recorder()
    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    with Engine(EngineSettings(), rec) as engine:
        rec.wait_end(engine.load(models.llm))
    fractions = [e.fraction for e in rec.events if isinstance(e, LoadProgress)]
    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)


def _document_then_text_chat(engine: Engine, rec: Recorder, tiles, lay) -> None:
    """A document asked about in c1, then a text chat in c2 that takes the KV cache."""
    rec.wait_end(engine.encode_image("c1", "img-doc", tiles, lay))
    assert isinstance(rec.wait_end(engine.ask("c1", "Who is the vendor?", params=GREEDY)), Done)
    assert isinstance(rec.wait_end(engine.ask("c2", "Tell me a joke.", params=GREEDY)), Done)


def test_back_to_a_document_conversation_restores_its_kv_cache(engine_for):
    """A text chat elsewhere does not cost the document's re-prefill, and the restored
    cache answers exactly as one that was never evicted."""
    engine, rec = engine_for()
    tiles, lay = image_tiles(C.LAYOUT_BLUELM)
    image_positions = len(tiles) * TOKENS[C.LAYOUT_BLUELM]
    _document_then_text_chat(engine, rec, tiles, lay)
    back = engine.ask("c1", "And the date?", params=GREEDY)
    done = rec.wait_end(back)
    assert isinstance(done, Done), rec.events
    assert done.stats.reused_items > image_positions  # restored, not recomputed
    assert done.stats.prefilled_positions < 40 and done.stats.image_tokens == 0

    # The same conversation on an engine whose cache c2 never touched.
    engine2, rec2 = engine_for()
    rec2.wait_end(engine2.encode_image("c1", "img-doc", tiles, lay))
    rec2.wait_end(engine2.ask("c1", "Who is the vendor?", params=GREEDY))
    same = engine2.ask("c1", "And the date?", params=GREEDY)
    rec2.wait_end(same)
    assert rec.text(back) == rec2.text(same) and rec.text(back)


def test_without_snapshots_the_document_is_prefilled_again(engine_for):
    engine, rec = engine_for(kv_snapshot_mb=0)
    tiles, lay = image_tiles(C.LAYOUT_BLUELM)
    _document_then_text_chat(engine, rec, tiles, lay)
    done = rec.wait_end(engine.ask("c1", "And the date?", params=GREEDY))
    assert isinstance(done, Done), rec.events
    assert done.stats.image_tokens == len(tiles) * TOKENS[C.LAYOUT_BLUELM]


def test_snapshots_stay_within_their_budget(tiny_models):
    from bluelm_desktop.core.engine.native import LlamaContext
    from bluelm_desktop.core.engine.session import KvCache

    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    with LlamaModel(models.llm) as model:
        ctx = LlamaContext(model, n_ctx=2048, n_batch=512, n_threads=2)
        probe = KvCache(ctx, n_chunk=32)
        probe.sync(list(range(10, 300)), lambda *_: np.empty(0))
        per_snapshot = ctx.save_state().nbytes
        kv = KvCache(ctx, n_chunk=32, snapshot_bytes=int(per_snapshot * 2.5))
        kv.items = list(probe.items)
        for start in (400, 500, 600, 700):  # four different 290-token conversations
            kv.sync(list(range(start, start + 290)), lambda *_: np.empty(0))
        assert 0 < kv.snapshot_nbytes <= kv.snapshot_bytes
        # The oldest went first; the latest one switched away from can be restored.
        kv.sync([*range(600, 600 + 290), 5], lambda *_: np.empty(0))
        assert kv.restored == 290 and kv.items[:290] == list(range(600, 890))


def test_snapshots_in_files_restore_what_ram_would(tiny_models, tmp_path):
    """Snapshots in files (the engine's default) give back the very cache a RAM snapshot
    does; dropped ones leave no file, and a missing file means a re-prefill, not an error."""
    from bluelm_desktop.core.engine.native import LlamaContext
    from bluelm_desktop.core.engine.session import KvCache

    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    doc, chat = list(range(10, 300)), list(range(400, 450))
    with LlamaModel(models.llm) as model:
        states = []
        for folder in (None, tmp_path):
            ctx = LlamaContext(model, n_ctx=2048, n_batch=512, n_threads=2)
            kv = KvCache(ctx, n_chunk=32, snapshot_bytes=2**30, snapshot_dir=folder)
            kv.sync(doc, lambda *_: np.empty(0))
            kv.sync(chat, lambda *_: np.empty(0))  # the document saved, then dropped
            if folder is not None:
                assert [f.suffix for f in folder.iterdir()] == [".kv"]
                assert kv.snapshot_nbytes == next(folder.iterdir()).stat().st_size
            kv.sync([*doc, 5], lambda *_: np.empty(0))
            assert kv.restored == len(doc)
            states.append(ctx.save_state())
            if folder is not None:
                kv.sync(chat, lambda *_: np.empty(0))  # the document saved again
                restored = kv.restored
                for f in folder.iterdir():
                    f.unlink()  # (a cleaner took them)
                kv.sync([*doc, 6], lambda *_: np.empty(0))  # prefilled again, no error
                assert kv.items == [*doc, 6] and kv.restored == restored
                kv.clear()
                assert not list(folder.iterdir())
            ctx.close()
    assert np.array_equal(states[0], states[1])


def test_snapshot_folders_of_gone_processes_are_removed(tmp_path, monkeypatch):
    import subprocess
    import sys

    from bluelm_desktop.core import paths
    from bluelm_desktop.core.engine.engine import SNAPSHOTS_DIR, snapshot_folder

    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path))
    paths.set_base_dir(None)
    try:
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        root = paths.cache_dir() / SNAPSHOTS_DIR
        (root / f"{gone}-x").mkdir(parents=True)
        (root / f"{gone}-x" / "1.kv").write_bytes(b"stale")
        (root / f"{os.getppid()}-y").mkdir()  # a live process's: kept
        mine = snapshot_folder()
        assert sorted(p.name for p in root.iterdir()) == sorted([f"{os.getppid()}-y",
                                                                   mine.name])
        assert mine.name.startswith(f"{os.getpid()}-") and (mine.stat().st_mode & 0o777) == 0o700
    finally:
        paths.set_base_dir(None)


def test_a_new_model_does_not_see_the_old_ones_images(engine_for, tiny_models):
    engine, rec = engine_for()
    tiles, lay = image_tiles(C.LAYOUT_BLUELM)
    rec.wait_end(engine.encode_image("c1", "img-a", tiles, lay))
    other = tiny_models(C.LAYOUT_BLUELM, "q8_0", "q8_0")  # the same widths, other weights
    assert isinstance(rec.wait_end(engine.load(other.llm, other.mmproj)), Loaded)
    done = rec.wait_end(engine.ask("c1", "What is in the image?", image_ids=["img-a"],
                                   params=GREEDY))
    assert isinstance(done, Done), rec.events
    assert done.stats.image_tokens == 0  # the old projector's embeddings are gone
