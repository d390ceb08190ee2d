"""Prompt building: sandboxed chat templates, image placeholders, per-family tile layouts,
and (on the tiny synthetic models) that every marker is one token of the real vocab."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gguf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluelm_desktop.core.engine.prompt import (
    BLUELM,
    INTERNVL,
    LFM2,
    ChatTemplate,
    ImageLayout,
    ImagePart,
    LayoutProfile,
    TextPart,
    build_prompt,
    count_image_tokens,
    image_parts,
    profile_for,
    tokenize_prompt,
)
from bluelm_desktop.core.errors import ModelError
from model_convert import constants as C

CHAT = [
    {"role": "system", "content": "You read invoices."},
    {"role": "user", "content": "Total?"},
    {"role": "assistant", "content": "$16.25"},
    {"role": "user", "content": "Tax?"},
]
CHAT_TEXT = (
    "<|im_start|>system\nYou read invoices.<|im_end|>\n"
    "<|im_start|>user\nTotal?<|im_end|>\n"
    "<|im_start|>assistant\n$16.25<|im_end|>\n"
    "<|im_start|>user\nTax?<|im_end|>\n"
)


# --- rendering -------------------------------------------------------------------------------


def test_chatml_renders_a_multi_turn_chat_exactly() -> None:
    fallback = ChatTemplate(None)
    assert fallback.is_fallback
    assert fallback.render(CHAT) == CHAT_TEXT + "<|im_start|>assistant\n"
    assert ChatTemplate(C.CHATML_TEMPLATE).render(CHAT) == fallback.render(CHAT)


def test_add_generation_prompt_false_ends_after_the_last_turn() -> None:
    assert ChatTemplate(None).render(CHAT, add_generation_prompt=False) == CHAT_TEXT


def test_blank_template_falls_back_to_chatml() -> None:
    assert ChatTemplate("  \n").render(CHAT) == ChatTemplate(None).render(CHAT)


def test_bos_and_eos_are_given_to_the_template() -> None:
    t = ChatTemplate("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}", "<s>", "</s>")
    assert t.render(CHAT[:1]) == "<s>You read invoices.</s>"


def test_a_vocab_that_adds_bos_gets_exactly_one() -> None:
    """tokenizer.ggml.add_bos_token: llama.cpp's tokenizer puts BOS before the prompt
    (Llama 3, Gemma); a template that prints it itself does not get a second one."""
    plain = "{{ messages[0].content }}"
    assert ChatTemplate(plain, "<s>", "</s>", add_bos=True).render(CHAT[:1]) == (
        "<s>You read invoices.")
    assert ChatTemplate("{{ bos_token }}" + plain, "<s>", "</s>", add_bos=True).render(
        CHAT[:1]) == "<s>You read invoices."
    assert ChatTemplate(plain, "<s>", "</s>").render(CHAT[:1]) == "You read invoices."
    assert ChatTemplate(plain, "", "</s>", add_bos=True).render(CHAT[:1]) == (
        "You read invoices.")  # a vocab without a BOS token


def test_hugging_face_template_features_work() -> None:
    """What real templates (Qwen, Llama 3, Gemma, SmolLM) use: trim/lstrip blocks,
    namespace, reversed loops, loop controls, `generation`, tojson keeping non-ASCII,
    strftime_now, string methods."""
    source = """
{%- set ns = namespace(last_user=-1) %}
{%- for m in messages[::-1] %}
    {%- if m.role == 'user' %}
        {%- set ns.last_user = messages|length - 1 - loop.index0 %}
        {%- break %}
    {%- endif %}
{%- endfor %}
{%- for m in messages if m.content is string and not m.content.startswith('#') %}
    {{- m.role|upper + ':' + m.content.split(' ')[0]|trim }}
    {%- if loop.index0 == ns.last_user %}*{% endif %}
    {{- '|' }}
{%- endfor %}
{% generation %}{{ {'name': '发票', 'n': 1}|tojson }}{% endgeneration %}
{{ strftime_now('%Y')|length }}"""
    messages = [*CHAT, {"role": "system", "content": "# hidden"}]
    out = ChatTemplate(source).render(messages)
    assert out == 'SYSTEM:You|USER:Total?|ASSISTANT:$16.25|USER:Tax?*|{"name": "发票", "n": 1}4'


def test_syntax_error_names_the_chat_template_and_line() -> None:
    with pytest.raises(ModelError, match=r"^chat template: syntax error on line 2: "):
        ChatTemplate("{% for m in messages %}\n{{ m.content }\n{% endfor %}")


def test_raise_exception_becomes_a_model_error_with_the_templates_message() -> None:
    t = ChatTemplate("{{ raise_exception('Conversation roles must alternate') }}")
    with pytest.raises(ModelError, match=r"^chat template: Conversation roles must alternate$"):
        t.render(CHAT)


# --- sandbox ---------------------------------------------------------------------------------

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__ }}",
    "{{ cycler.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ joiner.__init__.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ namespace.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ raise_exception.__globals__['__builtins__']['__import__']('os').system('id') }}",
    "{{ (messages|attr('__class__')).__base__.__subclasses__() }}",
    "{{ '{0.__class__.__base__}'.format('') }}",
    "{{ self._TemplateReference__context }}",
    "{{ messages.append(1) }}",
    "{{ messages[0].update({'role': 'system'}) }}",
    "{{ lipsum.__globals__.os.system('touch {marker}') }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_sandbox_escapes_raise_and_execute_nothing(source: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    template = source.replace("{marker}", str(marker))
    with pytest.raises(ModelError, match=r"^chat template: "):
        ChatTemplate(template).render(CHAT)
    assert not marker.exists()


def test_a_template_that_loops_to_more_than_a_megabyte_stops() -> None:
    t = ChatTemplate("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}")
    with pytest.raises(ModelError, match=r"^chat template: output passed 1,048,576 characters"):
        t.render(CHAT)


def test_a_runaway_loop_without_output_stops_on_the_step_budget() -> None:
    t = ChatTemplate(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        max_steps=100_000,
    )
    with pytest.raises(ModelError, match=r"^chat template: more than 100,000 steps"):
        t.render(CHAT)


def test_exponential_recursion_stops_on_the_deadline() -> None:
    source = "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
    t = ChatTemplate(source + "{{ f(60) }}", max_seconds=0.2)
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"^chat template: rendering took longer than 0.2 s"):
        t.render(CHAT)
    assert time.monotonic() - start < 2


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 1000000000 }}",
        "{{ 'x'|center(1000000000) }}",
        "{{ 'x'.ljust(1000000000) }}",
        "{{ '%1000000000s' % 'x' }}",
        "{{ '%*s' % (1000000000, 'x') }}",
        "{{ '%1000000000s'|format('x') }}",
        "{{ '{:>1000000000}'.format('x') }}",
        "{{ (['x' * 1000000] * 1000000)|join }}",
        "{{ ('x' * 1000)|replace('x', 'y' * 100000) }}",
        "{{ 10 ** 100000000 }}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}",
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}",
        "{% set ns = namespace(n=3) %}{% for i in range(64) %}{% set ns.n = ns.n * ns.n %}"
        "{% endfor %}",
    ],
)
def test_size_amplifiers_are_refused_before_they_allocate(source: str) -> None:
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"^chat template: "):
        ChatTemplate(source).render(CHAT)
    assert time.monotonic() - start < 2


# --- layouts ---------------------------------------------------------------------------------


def _markers(parts: list[TextPart | ImagePart]) -> list[str | int]:
    """Text as is, each image part as its tile index: the order at a glance."""
    return [p.text if isinstance(p, TextPart) else p.tile_index for p in parts]


def test_bluelm_single_tile_has_no_tile_labels() -> None:
    parts = image_parts(BLUELM, 0, 1, 1, False, 196)
    assert parts == [TextPart("<|image_start|>"), ImagePart(0, 0, 196), TextPart("<|image_end|>")]


def test_bluelm_two_by_one_with_thumbnail() -> None:
    parts = image_parts(BLUELM, 3, 2, 1, True, 196)
    assert _markers(parts) == [
        "<|image_start|><|img_row_1_col_1|>", 0,
        "<|img_row_1_col_2|>", 1,
        "<|img_thumbnail|>", 2,
        "<|image_end|>",
    ]  # fmt: skip
    assert {p.image_index for p in parts if isinstance(p, ImagePart)} == {3}
    assert count_image_tokens(parts) == 3 * 196


def test_bluelm_phone_screen_two_by_four_with_thumbnail() -> None:
    """The paper's 768×1536 screen: 2:4, 8 tiles + thumbnail, 1,764 tokens."""
    parts = image_parts(BLUELM, 0, 2, 4, True, 196)
    labels = [f"<|img_row_{r}_col_{c}|>" for r in range(1, 5) for c in range(1, 3)]
    expected: list[str | int] = ["<|image_start|>" + labels[0], 0]
    for i, label in enumerate(labels[1:], start=1):
        expected += [label, i]
    expected += ["<|img_thumbnail|>", 8, "<|image_end|>"]
    assert _markers(parts) == expected
    assert count_image_tokens(parts) == 1764


def test_internvl_layouts_wrap_all_tiles_once() -> None:
    assert image_parts(INTERNVL, 0, 1, 1, False, 256) == [
        TextPart("<img>"),
        ImagePart(0, 0, 256),
        TextPart("</img>"),
    ]
    assert _markers(image_parts(INTERNVL, 0, 2, 1, True, 256)) == ["<img>", 0, 1, 2, "</img>"]
    big = image_parts(INTERNVL, 0, 2, 4, True, 256)
    assert _markers(big) == ["<img>", *range(9), "</img>"]
    assert count_image_tokens(big) == 9 * 256


def test_lfm2_projector_name_gets_the_same_format() -> None:
    assert profile_for("lfm2", {}) == LFM2
    assert image_parts(LFM2, 0, 2, 1, True, 64)[0] == TextPart("<|image_start|><|img_row_1_col_1|>")


def test_profile_from_metadata() -> None:
    assert profile_for(None, {C.KEY_LAYOUT: "internvl"}) is INTERNVL
    assert profile_for(None, {"layout": "bluelm"}) is BLUELM  # summary spelling
    assert profile_for("internvl", {C.KEY_LAYOUT: "bluelm"}) is INTERNVL  # caller wins
    generic = profile_for(None, {C.KEY_IMAGE_BEGIN: "<tile>", C.KEY_IMAGE_END: "</tile>"})
    assert _markers(image_parts(generic, 0, 2, 1, True, 4)) == [
        "<tile>", 0, "</tile><tile>", 1, "</tile><tile>", 2, "</tile>",
    ]  # fmt: skip
    assert _markers(image_parts(profile_for("idefics3", {}), 0, 1, 1, False, 4)) == [0]
    with pytest.raises(ModelError, match=r"bluelm.prompt.image_begin should be text"):
        profile_for(None, {C.KEY_IMAGE_BEGIN: 7})


@given(
    cols=st.integers(1, 6),
    rows=st.integers(1, 6),
    thumbnail=st.booleans(),
    tokens=st.integers(1, 300),
    profile=st.sampled_from([BLUELM, INTERNVL, LayoutProfile("g", tile_begin="[", tile_end="]")]),
)
def test_image_parts_cover_every_tile_once_in_row_major_order(
    cols: int, rows: int, thumbnail: bool, tokens: int, profile: LayoutProfile
) -> None:
    parts = image_parts(profile, 0, cols, rows, thumbnail, tokens)
    tiles = [p.tile_index for p in parts if isinstance(p, ImagePart)]
    assert tiles == list(range(cols * rows + thumbnail))
    assert count_image_tokens(parts) == (cols * rows + thumbnail) * tokens
    assert all(
        not (isinstance(a, TextPart) and isinstance(b, TextPart))
        for a, b in itertools.pairwise(parts)
    )


def test_bad_plans_are_refused() -> None:
    with pytest.raises(ValueError, match="cols"):
        ImageLayout(0, 1, False, 196)
    with pytest.raises(ValueError, match="tokens_per_tile"):
        image_parts(BLUELM, 0, 1, 1, False, 0)


# --- messages with images ------------------------------------------------------------------

IMAGE_TURN = [
    {"role": "system", "content": "You read invoices."},
    {"role": "user", "content": "Hello"},
    {"role": "assistant", "content": "Hi!"},
    {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Total?"}]},
]


def test_an_image_in_the_second_user_turn_bluelm() -> None:
    prompt = build_prompt(ChatTemplate(None), BLUELM, IMAGE_TURN, [ImageLayout(2, 1, True, 196)])
    assert _markers(prompt) == [
        "<|im_start|>system\nYou read invoices.<|im_end|>\n"
        "<|im_start|>user\nHello<|im_end|>\n"
        "<|im_start|>assistant\nHi!<|im_end|>\n"
        "<|im_start|>user\n<|image_start|><|img_row_1_col_1|>", 0,
        "<|img_row_1_col_2|>", 1,
        "<|img_thumbnail|>", 2,
        "<|image_end|>Total?<|im_end|>\n<|im_start|>assistant\n",
    ]  # fmt: skip
    assert count_image_tokens(prompt) == 588


def test_an_image_in_the_second_user_turn_internvl_has_its_newline() -> None:
    """InternVL's chat() puts '<image>\\n' before the question."""
    prompt = build_prompt(ChatTemplate(None), INTERNVL, IMAGE_TURN, [ImageLayout(1, 1, False, 64)])
    assert _markers(prompt)[1:] == [0, "</img>\nTotal?<|im_end|>\n<|im_start|>assistant\n"]
    assert isinstance(prompt[0], TextPart) and prompt[0].text.endswith("user\n<img>")


def test_two_images_keep_their_order_and_plans() -> None:
    messages = [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "a"}]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "b"}, {"type": "image"}]},
    ]
    plans = [ImageLayout(1, 1, False, 10), ImageLayout(2, 2, True, 20)]
    prompt = build_prompt(ChatTemplate(None), INTERNVL, messages, plans)
    images = [(p.image_index, p.tile_index, p.n_tokens) for p in prompt if isinstance(p, ImagePart)]
    assert images == [(0, 0, 10), *((1, i, 20) for i in range(5))]


def test_typed_placeholders_are_neutralised() -> None:
    """NUL cannot be typed but can be pasted: every NUL in caller text is removed, so the
    typed placeholder stays harmless text and never becomes an image."""
    typed = "see \x00bluelm-image-0\x00 here"
    messages = [
        {"role": "user", "content": typed},
        {"role": "user", "content": [{"type": "text", "text": typed}, {"type": "image"}]},
    ]
    prompt = build_prompt(ChatTemplate(None), BLUELM, messages, [ImageLayout(1, 1, False, 5)])
    assert [p for p in prompt if isinstance(p, ImagePart)] == [ImagePart(0, 0, 5)]
    text = "".join(p.text for p in prompt if isinstance(p, TextPart))
    assert "\x00" not in text
    assert text.count("see bluelm-image-0 here") == 2


def test_image_count_must_match_the_plans() -> None:
    with pytest.raises(ValueError, match="1 images but 0 plans"):
        build_prompt(ChatTemplate(None), BLUELM, IMAGE_TURN, [])


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ messages[0].content }}", "image 1 was dropped"),
        ("{% for m in messages %}{{ m.content }}{{ m.content }}{% endfor %}", "more than once"),
        ("{{ '\\x00bluelm-image-7\\x00' }}{{ messages[-1].content }}", "placeholder of its own"),
    ],
)
def test_templates_that_lose_or_invent_images_are_refused(source: str, message: str) -> None:
    messages = [{"role": "system", "content": "s"}, IMAGE_TURN[-1]]
    with pytest.raises(ModelError, match=rf"^chat template: .*{message}"):
        build_prompt(ChatTemplate(source), BLUELM, messages, [ImageLayout(1, 1, False, 5)])


def test_tokenize_prompt_keeps_images_in_place() -> None:
    prompt = [TextPart("ab"), ImagePart(0, 0, 3), TextPart("c")]
    assert tokenize_prompt(prompt, lambda s: [ord(ch) for ch in s]) == [
        [97, 98],
        ImagePart(0, 0, 3),
        [99],
    ]


# --- the tiny synthetic models ---------------------------------------------------------------


@pytest.fixture(scope="module", params=[C.LAYOUT_BLUELM, C.LAYOUT_INTERNVL])
def tiny_vocab(
    request: pytest.FixtureRequest, tiny_models: Callable[..., Any]
) -> Iterator[tuple[str, Any, str]]:
    """(layout, LlamaModel with the vocab only, chat template text) for each layout."""
    from bluelm_desktop.core.engine.native import LlamaModel

    layout = request.param
    converted = tiny_models(layout, "f16", "f16")
    path = converted.llm
    source = gguf.GGUFReader(path).fields["tokenizer.chat_template"].contents()
    model = LlamaModel(path, vocab_only=True)
    try:
        yield layout, model, source
    finally:
        model.close()


@pytest.mark.slow
def test_every_marker_is_one_token_of_the_real_vocab(tiny_vocab: tuple[str, Any, str]) -> None:
    layout, model, _ = tiny_vocab
    profile = profile_for(layout, {})
    markers = [*profile.marker_texts(8, 8), *C.CHAT_TOKENS]
    for text in markers:
        ids = model.tokenize(text)
        assert len(ids) == 1, f"{text!r} is {len(ids)} tokens"
        assert model.token_to_piece(ids[0]).decode() == text


@pytest.mark.slow
def test_the_models_own_template_and_layout_tokenize_as_expected(
    tiny_vocab: tuple[str, Any, str],
) -> None:
    layout, model, source = tiny_vocab
    assert source == C.CHATML_TEMPLATE
    profile = profile_for(layout, {})
    prompt = build_prompt(ChatTemplate(source), profile, IMAGE_TURN, [ImageLayout(2, 1, True, 7)])
    runs = tokenize_prompt(prompt, model.tokenize)
    assert [r for r in runs if isinstance(r, ImagePart)] == [ImagePart(0, i, 7) for i in range(3)]
    text_ids = [i for r in runs if not isinstance(r, ImagePart) for i in r]
    (im_start,) = model.tokenize(C.TOKEN_IM_START)
    assert text_ids.count(im_start) == 5  # system, user, assistant, user, generation prompt
    for marker in profile.marker_texts(2, 1):
        (marker_id,) = model.tokenize(marker)
        assert marker_id in text_ids
    # Each text run decodes back to its text: nothing was split or lost around the images.
    assert len(runs) == len(prompt)
    for part, run in zip(prompt, runs, strict=True):
        if isinstance(part, TextPart):
            assert isinstance(run, list)
            assert b"".join(model.token_to_piece(i) for i in run).decode() == part.text
