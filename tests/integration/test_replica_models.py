"""Model files as users have them: written by llama.cpp's own converter, none of our keys.

The InternVL3 replica (tests/fixtures/replicas/internvl3-tiny, made by
tests/replicas/make_replicas.py with the llama-cpp-python sdist's convert_hf_to_gguf.py:
Qwen2.5's real vocabulary and chat template, InternVL3-2B's config layout, tiny random
weights) must configure itself from llama.cpp's metadata. The oracle is llama.cpp's own
multimodal tokenizer: where its slicing and ours pick the same grid, the sequence our
prompt builder produces — text token ids, image chunks and their sizes — must equal what
`mtmd_tokenize` produces for the same image and text.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import gguf
import numpy as np
import pytest

from bluelm_desktop.cli import main as cli_main
from bluelm_desktop.core.engine import native
from bluelm_desktop.core.engine.engine import Engine, EngineSettings, Event, Failed, Loaded
from bluelm_desktop.core.engine.families import MTMD, vision_family
from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel, MediaImage, MtmdContext
from bluelm_desktop.core.engine.prompt import MTMD as MTMD_PROFILE
from bluelm_desktop.core.engine.prompt import (
    ChatTemplate,
    ImageLayout,
    ImagePart,
    LayoutProfile,
    MediaSlice,
    TextPart,
    build_prompt,
    tokenize_prompt,
)
from bluelm_desktop.core.engine.session import ChatSession, Image, KvCache, Message
from bluelm_desktop.core.errors import ModelError, VisionUnsupported
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.vision.tiling import TilingParams, cut_tiles, plan_image
from model_convert import constants as C
from model_convert.convert import Converted

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ROOT / "tests" / "fixtures" / "replicas"
INTERNVL3 = (REPLICAS / "internvl3-tiny" / "internvl3-tiny-llm.gguf",
             REPLICAS / "internvl3-tiny" / "internvl3-tiny-mmproj.gguf")
SMOLVLM = (REPLICAS / "smolvlm-tiny" / "smolvlm-tiny-llm.gguf",
           REPLICAS / "smolvlm-tiny" / "smolvlm-tiny-mmproj.gguf")
LFM2VL = (REPLICAS / "lfm2vl-tiny" / "lfm2vl-tiny-llm.gguf",
          REPLICAS / "lfm2vl-tiny" / "lfm2vl-tiny-mmproj.gguf")
QWEN25VL = (REPLICAS / "qwen25vl-tiny" / "qwen25vl-tiny-llm.gguf",
            REPLICAS / "qwen25vl-tiny" / "qwen25vl-tiny-mmproj.gguf")
QUESTION = "What is the total amount, and who has to pay it?"

Sequence_ = list[int | str]  # token ids, and "IMG<n>" for an image chunk of n positions


@contextlib.contextmanager
def _opened(pair: tuple[Path, Path]) -> Iterator[tuple[LlamaModel, MtmdContext]]:
    """A replica's LLM and projector, loaded as the engine loads them; freed after."""
    with LlamaModel(pair[0]) as model:
        mtmd = MtmdContext(pair[1], model)
        try:
            yield model, mtmd
        finally:
            mtmd.close()


def _template(llm: Path) -> ChatTemplate:
    """The chat template the file carries (what the engine renders)."""
    return ChatTemplate(str(read_metadata(llm)["tokenizer.chat_template"]))


@pytest.fixture(scope="module")
def internvl3() -> Iterator[tuple[LlamaModel, MtmdContext]]:
    with _opened(INTERNVL3) as opened:
        yield opened


def test_the_replica_is_llama_cpp_s_not_ours() -> None:
    """If the app needed a key only our converter writes, the tests below would fail."""
    for path in INTERNVL3:
        meta = read_metadata(path)
        assert not [k for k in meta if k.startswith("bluelm.")], path.name
    mmproj = read_metadata(INTERNVL3[1])
    assert mmproj["clip.projector_type"] == "internvl"
    assert (mmproj["clip.vision.image_size"], mmproj["clip.vision.patch_size"]) == (448, 14)
    llm = read_metadata(INTERNVL3[0])
    assert llm["general.architecture"] == "qwen2"
    assert "<|im_start|>" in str(llm["tokenizer.chat_template"])


def test_the_family_comes_from_llama_cpp_s_metadata() -> None:
    family = vision_family(read_metadata(INTERNVL3[1]), INTERNVL3[1].name)
    assert family.name == C.LAYOUT_INTERNVL
    t = family.tiling
    assert (t.tile_size, t.tokens_per_tile, t.max_tiles) == (448, 256, 12)
    sources = {d.setting: d.source for d in family.decisions}
    assert sources["family"] == "clip.projector_type = internvl"
    assert sources["tile size"] == "clip.vision.image_size"
    assert "clip.vision.projector.scale_factor 2" in sources["tokens per tile"]
    assert sources["most grid tiles"] == "clip.vision.preproc_max_tiles"


def test_the_inspector_shows_each_decision_and_its_source(
    capsys: pytest.CaptureFixture[str]
) -> None:
    from model_convert.cli import main as convert_main

    assert convert_main(["inspect", "--json", str(INTERNVL3[1])]) == 0
    layout = {d["setting"]: d for d in json.loads(capsys.readouterr().out)["image_layout"]}
    assert layout["family"]["value"] == "internvl"
    assert layout["tokens per tile"]["value"] == "256"
    assert "mtmd's tokenization" in layout["tokens per tile"]["source"]
    assert convert_main(["inspect", str(INTERNVL3[1])]) == 0
    assert "tile size: 448 px  ← clip.vision.image_size" in capsys.readouterr().out


def test_ask_gives_each_tile_the_family_s_256_positions(
    capsys: pytest.CaptureFixture[str]
) -> None:
    invoice = ROOT / "resources" / "samples" / "invoice.png"
    rc = cli_main(["ask", "--model", str(INTERNVL3[0]), "--mmproj", str(INTERNVL3[1]),
                   str(invoice), QUESTION, "--max-tokens", "4", "--stats", "--seed", "1"])
    assert rc == 0
    stats = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert stats["tiles"] == 13  # 3×4 grid (InternVL3's 12-tile limit) + thumbnail
    assert stats["image_tokens"] == 13 * 256


# --- the oracle: llama.cpp's own multimodal tokenizer ------------------------------------


def _ours(model: LlamaModel, profile: LayoutProfile, template: ChatTemplate,
          plan_cols: int, plan_rows: int, thumbnail: bool, tokens: int
          ) -> tuple[Sequence_, str]:
    """Our prompt as a sequence, and its text with the image replaced by mtmd's marker."""
    messages = [{"role": "user", "content": [{"type": "image"},
                                             {"type": "text", "text": QUESTION}]}]
    parts = build_prompt(template, profile, messages,
                         [ImageLayout(plan_cols, plan_rows, thumbnail, tokens)])
    sequence: Sequence_ = []
    for piece in tokenize_prompt(parts, model.tokenize):
        if isinstance(piece, ImagePart):
            sequence.append(f"IMG{piece.n_tokens}")
        else:
            sequence.extend(piece)
    # the text mtmd is given: everything from the image's opening marker to its closing
    # one (tile labels included) becomes the marker, which mtmd expands itself
    text = "".join(p.text if isinstance(p, TextPart) else "\x01" for p in parts)
    first, last = text.index("\x01"), text.rindex("\x01")
    begin = text.rindex(profile.image_begin, 0, first)
    end = text.index(profile.image_end, last) + len(profile.image_end)
    return sequence, text[:begin] + MtmdContext.marker() + text[end:]


def _mtmd_sequence(mtmd: MtmdContext, text: str, image: np.ndarray) -> Sequence_:
    sequence: Sequence_ = []
    for segment in mtmd.tokenize(text, [image]):
        if isinstance(segment, MediaSlice):
            assert segment.grid is None  # no M-RoPE in these families: a position a row
            sequence.append(f"IMG{segment.rows}")
        else:
            sequence.extend(segment)
    return sequence


@pytest.mark.parametrize(("width", "height", "grid"), [
    (448, 448, (1, 1)),  # one tile, no thumbnail
    (896, 448, (2, 1)),  # 2×1 + thumbnail
    (896, 896, (2, 2)),  # 2×2 + thumbnail
    (1240, 1755, (3, 4)),  # an A4 scan: 12 tiles, InternVL3's limit, + thumbnail
])
def test_internvl3_prompt_equals_mtmd_tokenize(
    internvl3: tuple[LlamaModel, MtmdContext], width: int, height: int, grid: tuple[int, int]
) -> None:
    model, mtmd = internvl3
    family = vision_family(read_metadata(INTERNVL3[1]), INTERNVL3[1].name)
    plan = plan_image(width, height, family.tiling)
    assert (plan.grid.cols, plan.grid.rows) == grid
    template = _template(INTERNVL3[0])
    ours, text = _ours(model, family.profile, template, *grid, plan.thumbnail,
                       family.tiling.tokens_per_tile)
    image = np.full((height, width, 3), 200, np.uint8)
    assert ours == _mtmd_sequence(mtmd, text, image)


@pytest.fixture(scope="module")
def bluelm(tiny_models: Callable[..., Converted]) -> Iterator[tuple[LlamaModel, MtmdContext,
                                                                     Path]]:
    pair = tiny_models(C.LAYOUT_BLUELM)
    with _opened((pair.llm, pair.mmproj)) as (model, mtmd):
        yield model, mtmd, pair.mmproj


def test_bluelm_layout_equals_mtmd_s_lfm2_layout(
    bluelm: tuple[LlamaModel, MtmdContext, Path]
) -> None:
    """Our BlueLM layout runs on mtmd's lfm2 projector and writes LFM2-VL's markers.

    One tile: the same sequence. A 2×2 page: the same markers in the same order, but mtmd
    cuts LFM2-VL's own tiles (512 px there, 361 positions here) where the paper's layout
    cuts 392-px tiles of 196: so only the sizes of the image chunks differ.
    """
    model, mtmd, mmproj = bluelm
    family = vision_family(read_metadata(mmproj), mmproj.name)
    template = ChatTemplate(str(read_metadata(model.path).get("tokenizer.chat_template")))
    ours, text = _ours(model, family.profile, template, 1, 1, False, 196)
    assert ours == _mtmd_sequence(mtmd, text, np.full((392, 392, 3), 200, np.uint8))

    plan = plan_image(784, 784, family.tiling)
    assert (plan.grid.cols, plan.grid.rows, plan.thumbnail) == (2, 2, True)
    ours, text = _ours(model, family.profile, template, 2, 2, True, 196)
    theirs = _mtmd_sequence(mtmd, text, np.full((784, 784, 3), 200, np.uint8))
    assert [x if isinstance(x, int) else "IMG" for x in ours] == [
        x if isinstance(x, int) else "IMG" for x in theirs]


# --- never silent ------------------------------------------------------------------------


def _set_metadata(path: Path, key: str, value: int) -> None:
    """Change an integer metadata value in place (gguf-py's own way, as gguf_set_metadata)."""
    reader = gguf.GGUFReader(path, "r+")
    field = reader.fields[key]
    field.parts[field.data[0]][0] = value


def _load(llm: Path, mmproj: Path) -> Event:
    """The load's final event (Loaded or Failed)."""
    ended: list[Event] = []
    done = threading.Event()

    def sink(event: Event) -> None:
        if isinstance(event, Loaded | Failed):
            ended.append(event)
            done.set()

    with Engine(EngineSettings(n_ctx=1024), sink) as engine:
        engine.load(llm, mmproj)
        assert done.wait(120)
    return ended[0]


def test_a_layout_that_reserves_other_positions_than_llama_cpp_makes_is_refused(
    tiny_models: Callable[..., Converted], tmp_path: Path
) -> None:
    pair = tiny_models(C.LAYOUT_BLUELM)
    mmproj = Path(shutil.copy(pair.mmproj, tmp_path / "wrong-mmproj.gguf"))
    _set_metadata(mmproj, C.KEY_TOKENS_PER_TILE, 100)
    assert vision_family(read_metadata(mmproj)).tiling.tokens_per_tile == 100
    event = _load(pair.llm, mmproj)
    assert isinstance(event, Failed)
    assert event.message == ("wrong-mmproj.gguf: llama.cpp makes 196 positions of a 392-px "
                             "tile, the bluelm layout reserves 100")


def test_a_projector_llama_cpp_does_not_know_leaves_a_text_only_model(tmp_path: Path) -> None:
    """A projector type no llama.cpp knows is refused for images, never guessed; text works."""
    mmproj = Path(shutil.copy(INTERNVL3[1], tmp_path / "other-mmproj.gguf"))
    reader = gguf.GGUFReader(mmproj, "r+")
    field = reader.fields["clip.projector_type"]
    field.parts[field.data[0]][:] = np.frombuffer(b"qwen25vl", np.uint8)  # same length
    del reader
    event = _load(INTERNVL3[0], mmproj)
    assert isinstance(event, Loaded) and event.mmproj is None
    [note] = event.notes
    assert note == ("text only: other-mmproj.gguf: projector 'qwen25vl' is not one llama.cpp "
                    "knows; the model can still answer text")


def test_families_without_a_layout_of_ours_are_laid_out_by_mtmd() -> None:
    meta = dict(read_metadata(INTERNVL3[1]), **{"clip.projector_type": "gemma3"})
    family = vision_family(meta, "m.gguf")
    assert family.name == MTMD and family.tiling.whole_image
    plan = plan_image(4000, 3000, family.tiling)  # shrunk to fit, never tiled by us
    assert (plan.tiles, plan.scaled_size) == (1, (2048, 1536))
    assert plan_image(640, 480, family.tiling).scaled_size == (640, 480)  # never enlarged
    with pytest.raises(VisionUnsupported, match=r"^m\.gguf: no clip\.projector_type"):
        vision_family({"clip.vision.image_size": 448}, "m.gguf")
    with pytest.raises(ModelError, match="not a whole number of 14-px patches"):
        vision_family(dict(meta, **{"clip.projector_type": "internvl",
                                    "clip.vision.image_size": 450}), "m.gguf")
    assert TilingParams().max_tiles is None  # a family limit only where a model has one


# --- a family mtmd lays out itself: SmolVLM (idefics3) -----------------------------------


@pytest.fixture(scope="module")
def smolvlm() -> Iterator[tuple[LlamaModel, MtmdContext]]:
    with _opened(SMOLVLM) as opened:
        yield opened


def test_the_smolvlm_replica_is_a_family_we_have_no_layout_for() -> None:
    for path in SMOLVLM:
        assert not [k for k in read_metadata(path) if k.startswith("bluelm.")], path.name
    meta = read_metadata(SMOLVLM[1])
    assert meta["clip.projector_type"] == "idefics3"
    assert meta["clip.vision.preproc_image_size"] == 2048
    family = vision_family(meta, SMOLVLM[1].name)
    assert family.name == MTMD
    sources = {d.setting: d.source for d in family.decisions}
    assert sources["family"].startswith("clip.projector_type = idefics3: llama.cpp's own")
    assert sources["image handed to mtmd"] == "clip.vision.preproc_image_size"


@pytest.mark.parametrize(("width", "height"), [(400, 300), (1240, 1755)])
def test_smolvlm_prompt_equals_mtmd_tokenize_of_the_whole_conversation(
    smolvlm: tuple[LlamaModel, MtmdContext], width: int, height: int
) -> None:
    """The engine tokenizes the image alone (MediaImage) and splices it into the rendered
    conversation: that must be exactly what mtmd makes of the whole conversation."""
    model, mtmd = smolvlm
    image = np.full((height, width, 3), 200, np.uint8)
    image[::7] = 30  # some structure, so slices differ
    media = MediaImage(mtmd, image)
    try:
        layout = ImageLayout(1, 1, False, 64, segments=media.segments)
        assert media.n_images == layout.n_tiles == 13  # 4×3 (or 3×4) slices + overview
    finally:
        media.close()
    template = _template(SMOLVLM[0])
    messages = [{"role": "user", "content": [{"type": "image"},
                                             {"type": "text", "text": QUESTION}]}]
    parts = build_prompt(template, MTMD_PROFILE, messages, [layout])
    ours: Sequence_ = []
    for piece in tokenize_prompt(parts, model.tokenize):
        ours += [f"IMG{piece.n_tokens}"] if isinstance(piece, ImagePart) else piece
    text = template.render(
        [{"role": "user", "content": MtmdContext.marker() + QUESTION}], True)
    assert ours == _mtmd_sequence(mtmd, text, image)
    assert ours.count("IMG64") == 13


def test_ask_answers_through_mtmd_s_layout(capsys: pytest.CaptureFixture[str]) -> None:
    invoice = ROOT / "resources" / "samples" / "invoice.png"
    rc = cli_main(["ask", "--model", str(SMOLVLM[0]), "--mmproj", str(SMOLVLM[1]),
                   str(invoice), QUESTION, "--max-tokens", "4", "--stats", "--seed", "1"])
    assert rc == 0
    stats = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert stats["tiles"] == 13  # mtmd's slices of SmolVLM's 2048-px page + the overview
    assert stats["image_tokens"] == 13 * 64  # (512 px ÷ 16 ÷ 4)² each
    assert stats["decode_tokens"] == 4


def test_lfm2vl_files_get_lfm2_vl_s_trained_layout_from_mtmd(
    capsys: pytest.CaptureFixture[str]
) -> None:
    """A real LFM2-VL mmproj says image_size 256, no tile size of it: its 512-px tiles of
    256 tokens, dynamic single image and dynamic thumbnail are mtmd's to lay out."""
    meta = read_metadata(LFM2VL[1])
    assert (meta["clip.projector_type"], meta["clip.vision.image_size"]) == ("lfm2", 256)
    assert not [k for k in meta if k.startswith("bluelm.")]
    assert vision_family(meta, LFM2VL[1].name).name == MTMD
    with _opened(LFM2VL) as (_, mtmd):
        small, _ = _media(mtmd, np.full((300, 400, 3), 200, np.uint8))
        page, _ = _media(mtmd, np.full((1754, 1240, 3), 200, np.uint8))
    assert [s.rows for s in small.slices] == [117]  # whole, at its own size: no tiles
    *tiles, thumbnail = page.slices  # 512-px tiles of (512 ÷ 16 ÷ 2)² = 256, thumbnail
    assert [s.rows for s in tiles] == [256] * 6 and thumbnail.rows < 256
    invoice = ROOT / "resources" / "samples" / "invoice.png"
    rc = cli_main(["ask", "--model", str(LFM2VL[0]), "--mmproj", str(LFM2VL[1]),
                   str(invoice), QUESTION, "--max-tokens", "4", "--stats", "--seed", "1"])
    assert rc == 0
    stats = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert stats["tiles"] >= 3 and stats["image_tokens"] > 2 * 256


def test_ask_answers_qwen25vl_with_its_2d_image_positions(
    capsys: pytest.CaptureFixture[str]
) -> None:
    invoice = ROOT / "resources" / "samples" / "invoice.png"
    rc = cli_main(["ask", "--model", str(QWEN25VL[0]), "--mmproj", str(QWEN25VL[1]),
                   str(invoice), QUESTION, "--max-tokens", "4", "--stats", "--seed", "1"])
    assert rc == 0
    stats = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert stats["tiles"] == 1  # Qwen2.5-VL takes the page whole, at its own resolution
    assert stats["image_tokens"] > 1000 and stats["decode_tokens"] == 4


# --- the numerical oracle: llama.cpp's own path, mtmd_helper_eval_chunks ------------------


def _reference(model: LlamaModel, mtmd: MtmdContext, text: str, image: np.ndarray
               ) -> tuple[np.ndarray, int]:
    """Last-position logits and next position as llama-mtmd-cli computes them: mtmd_tokenize,
    then mtmd_helper_eval_chunks (positions, M-RoPE and batching all llama.cpp's)."""
    lib, mt = native._lib(), native._mtmd()
    ctx = LlamaContext(model, n_ctx=4096, n_batch=512)
    bitmap = native._bitmap(image)
    chunks = mt.mtmd_input_chunks_init()
    try:
        native._tokenize_media(mtmd.ptr, mtmd.path, chunks, text.encode(), [bitmap])
        n_past = lib.llama_pos(0)
        assert mt.mtmd_helper_eval_chunks(mtmd.ptr, ctx.ptr, chunks, 0, 0, 512, True,
                                          ctypes.byref(n_past)) == 0
        logits = lib.llama_get_logits_ith(ctx.ptr, -1)
        return np.ctypeslib.as_array(logits, shape=(model.n_vocab,)).copy(), n_past.value
    finally:
        mt.mtmd_input_chunks_free(chunks)
        mt.mtmd_bitmap_free(bitmap)
        ctx.close()


class _Ours:
    """The app's path for one conversation: MediaImage (or our tiles), ChatSession items,
    KvCache.sync — on its own context."""

    def __init__(self, model: LlamaModel, mtmd: MtmdContext, template: ChatTemplate,
                 profile: LayoutProfile, layout: ImageLayout, tiles: list[np.ndarray]) -> None:
        self.ctx = LlamaContext(model, n_ctx=4096, n_batch=512)
        self.kv = KvCache(self.ctx, 128)
        self.kv.causal_images = not mtmd.non_causal()
        self.kv.grid_of = lambda _i, k: layout.slices[k].grid if layout.segments else None
        self.session = ChatSession(model, self.kv, template, profile)
        self.layout, self.tiles = layout, tiles

    def logits_after(self, *messages: str) -> tuple[np.ndarray, int]:
        """Sync the cache to a conversation (the first message holds the image)."""
        history = [Message("user" if i % 2 == 0 else "assistant", text,
                           [Image("img", self.layout)] if i == 0 else [])
                   for i, text in enumerate(messages)]
        items = self.session.items_for(history, True)
        self.kv.sync(items, lambda _i, k: self.tiles[k])
        return self.ctx.logits()[-1], self.ctx.n_past

    def close(self) -> None:
        self.ctx.close()

    def __enter__(self) -> _Ours:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _assert_same(got: tuple[np.ndarray, int], want: tuple[np.ndarray, int]) -> None:
    """The same next position and the same logits, to the last bit."""
    assert got[1] == want[1]
    np.testing.assert_array_equal(got[0], want[0])


def _media(mtmd: MtmdContext, image: np.ndarray) -> tuple[ImageLayout, list[np.ndarray]]:
    media = MediaImage(mtmd, image)
    try:
        layout = ImageLayout(1, 1, False, 1, segments=media.segments)
        return layout, [media.encode(k) for k in range(media.n_images)]
    finally:
        media.close()


@pytest.mark.parametrize("pair", [SMOLVLM, QWEN25VL, LFM2VL],
                         ids=["smolvlm", "qwen25vl-mrope", "lfm2vl"])
def test_an_image_mtmd_lays_out_gives_llama_cpp_s_own_logits(pair: tuple[Path, Path]) -> None:
    """Prefill through our KV cache (chunked, positions ours) equals llama.cpp's own path
    to the last bit: positions, M-RoPE grids, batching of image chunks."""
    image = np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    with _opened(pair) as (model, mtmd):
        template = _template(pair[0])
        text = template.render([{"role": "user", "content": MtmdContext.marker() + QUESTION}],
                               True)
        want = _reference(model, mtmd, text, image)
        with _Ours(model, mtmd, template, MTMD_PROFILE, *_media(mtmd, image)) as ours:
            _assert_same(ours.logits_after(QUESTION), want)


def test_our_internvl_layout_gives_llama_cpp_s_own_logits_for_one_tile() -> None:
    """Our InternVL3 layout (our tiles, our markers) where mtmd's slicing agrees: one tile."""
    image = np.random.default_rng(1).integers(0, 255, (448, 448, 3), dtype=np.uint8)
    with _opened(INTERNVL3) as (model, mtmd):
        family = vision_family(read_metadata(INTERNVL3[1]), INTERNVL3[1].name)
        template = _template(INTERNVL3[0])
        _, text = _ours(model, family.profile, template, 1, 1, False, 256)
        want = _reference(model, mtmd, text, image)
        with _Ours(model, mtmd, template, family.profile, ImageLayout(1, 1, False, 256),
                   [mtmd.encode_tile(image)]) as ours:
            _assert_same(ours.logits_after(QUESTION), want)


def test_m_rope_positions_survive_kv_reuse_and_an_edited_question() -> None:
    """A follow-up reuses the image's cache and an edit truncates after it; both must give
    the logits a fresh prefill of the same conversation gives (positions ≠ cells)."""
    image = np.random.default_rng(2).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    with _opened(QWEN25VL) as (model, mtmd):
        template = _template(QWEN25VL[0])
        layout, tiles = _media(mtmd, image)
        assert layout.slices[0].grid is not None  # an M-RoPE chunk: n_pos < rows
        assert layout.slices[0].n_pos < layout.slices[0].rows
        with (_Ours(model, mtmd, template, MTMD_PROFILE, layout, tiles) as reused,
              _Ours(model, mtmd, template, MTMD_PROFILE, layout, tiles) as fresh):
            reused.logits_after(QUESTION)
            conversation = (QUESTION, "It is 42 euros.", "Who pays it?")
            got = reused.logits_after(*conversation)
            assert reused.kv.items and reused.kv.restored == 0
            _assert_same(got, fresh.logits_after(*conversation))
            edited = ("What is the date?",)  # truncates right after the image
            got = reused.logits_after(*edited)
            fresh.kv.clear()
            _assert_same(got, fresh.logits_after(*edited))


@pytest.mark.parametrize("pair", [SMOLVLM, QWEN25VL], ids=["smolvlm", "qwen25vl"])
@pytest.mark.parametrize(("width", "height"), [(400, 300), (1240, 1755), (2480, 3508),
                                               (3000, 400), (37, 900)])
def test_a_budget_counts_the_positions_mtmd_gives_a_whole_image(
    pair: tuple[Path, Path], width: int, height: int
) -> None:
    """The plan's image tokens for a family mtmd slices are exactly what mtmd makes of the
    image handed to it, so a document budget cannot overflow later. (Before, a Qwen2.5-VL
    page counted as one slice of 400 positions while mtmd gave it thousands.)"""
    family = vision_family(read_metadata(pair[1]), pair[1].name)
    assert family.tiling.slicing is not None
    image = np.full((height, width, 3), 200, np.uint8)
    plan = plan_image(width, height, family.tiling)
    pixels = cut_tiles(image, plan)[0].pixels
    with _opened(pair) as (_, mtmd):
        media = MediaImage(mtmd, np.ascontiguousarray(pixels))
        try:
            layout = ImageLayout(1, 1, False, 1, segments=media.segments)
        finally:
            media.close()
    actual = sum(s.rows for s in layout.slices)
    assert plan.image_tokens == actual


def test_a_token_budget_shrinks_an_image_mtmd_resizes_freely() -> None:
    """Qwen2.5-VL takes any size: an image budget shrinks the image handed to mtmd (and
    the count follows); SmolVLM resizes every image to its own longest edge, so its count
    does not move."""
    qwen = vision_family(read_metadata(QWEN25VL[1]), QWEN25VL[1].name).tiling
    full = plan_image(1240, 1755, qwen)
    capped = plan_image(1240, 1755, replace(qwen, max_image_tokens=1000))
    assert full.image_tokens > 2000 and capped.image_tokens <= 1000
    assert capped.scaled_size[0] < full.scaled_size[0]
    smol = vision_family(read_metadata(SMOLVLM[1]), SMOLVLM[1].name).tiling
    assert plan_image(1240, 1755, replace(smol, max_image_tokens=100)).image_tokens == \
        plan_image(1240, 1755, smol).image_tokens
