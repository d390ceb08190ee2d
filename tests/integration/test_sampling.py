"""Sampling, JSON-schema output and streamed UTF-8 on real llama.cpp (tiny synthetic model).

Expectations are computed from the model's own logits where they can be (greedy is the
argmax, the repeat penalty is llama.cpp's formula), so the tests check what was chosen,
not merely that something was.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelm_desktop.core.engine import sampling
from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel
from bluelm_desktop.core.engine.sampling import (
    MAX_SEED,
    Sampler,
    SamplingParams,
    Utf8Stream,
    integer_range_grammar,
    is_end_of_generation,
    json_schema_to_grammar,
)
from bluelm_desktop.core.errors import ModelError

PROMPT = "Describe the scanned invoice in one sentence:"
GREEDY = {"temperature": 0.0, "repeat_penalty": 1.0}


@pytest.fixture(scope="module")
def model(tiny_models: Callable[..., Any]) -> Iterator[LlamaModel]:
    # f16 so that logits are those of the synthetic weights, not of a quantization.
    with LlamaModel(tiny_models("bluelm", "f16", "f16").llm) as m:
        yield m


@pytest.fixture
def ctx(model: LlamaModel) -> Iterator[LlamaContext]:
    c = LlamaContext(model, n_ctx=512, n_batch=128, n_threads=2)
    yield c
    c.close()


def prefill(ctx: LlamaContext, text: str = PROMPT) -> list[int]:
    """Decode a prompt the way the session does: logits only for its last position."""
    ctx.clear()
    tokens = ctx.model.tokenize(text)
    ctx.decode_tokens(tokens[:-1], logits=False)
    ctx.decode_tokens(tokens[-1:], logits=True)
    return tokens


def generate(
    sampler: Sampler,
    ctx: LlamaContext,
    n: int,
    stop_at_eog: bool = False,
    on_step: Callable[[np.ndarray, int], None] | None = None,
) -> list[int]:
    """Up to n tokens; `on_step(last_logits, token)` sees each choice and its logits."""
    prefill(ctx)
    out: list[int] = []
    for _ in range(n):
        logits = ctx.logits()[-1] if on_step else None
        token = sampler.sample(ctx)
        if on_step is not None and logits is not None:
            on_step(logits, token)
        if stop_at_eog and is_end_of_generation(ctx.model, token):
            break
        out.append(token)
        ctx.decode_tokens([token])
    return out


def run(model: LlamaModel, ctx: LlamaContext, n: int = 30, **params: Any) -> list[int]:
    with Sampler(model, SamplingParams(**params)) as sampler:
        return generate(sampler, ctx, n)


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"temperature": -0.1},
        {"temperature": float("nan")},
        {"temperature": float("inf")},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"top_k": -1},
        {"top_k": 2.5},
        {"repeat_penalty": 0.0},
        {"repeat_last_n": -1},
        {"max_tokens": 0},
        {"max_tokens": True},
        {"seed": -1},
        {"seed": MAX_SEED + 1},  # llama.cpp's "pick a random seed"
        {"json_schema": "not a mapping"},
    ],
)
def test_params_out_of_range_are_value_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        SamplingParams(**bad)


def test_params_are_frozen_and_hashable_with_a_schema() -> None:
    params = SamplingParams(json_schema={"type": "object"}, seed=3)
    hash(params)
    assert params == SamplingParams(json_schema={"type": "object"}, seed=3)
    with pytest.raises(AttributeError):
        params.seed = 4  # type: ignore[misc]


# --- seeds, greedy, top-k, penalties ----------------------------------------------------------


def test_same_seed_same_tokens(model: LlamaModel, ctx: LlamaContext) -> None:
    first = run(model, ctx, seed=1234, temperature=1.0)
    assert len(first) == 30
    assert run(model, ctx, seed=1234, temperature=1.0) == first


def test_different_seeds_differ(model: LlamaModel, ctx: LlamaContext) -> None:
    a = run(model, ctx, seed=1, temperature=1.0)
    b = run(model, ctx, seed=2, temperature=1.0)
    assert a != b


def test_random_seed_is_drawn_and_reported(model: LlamaModel) -> None:
    seeds = set()
    for _ in range(3):
        with Sampler(model, SamplingParams()) as sampler:
            assert 0 <= sampler.seed <= MAX_SEED
            seeds.add(sampler.seed)
    assert len(seeds) > 1


def test_reset_replays_the_same_answer(model: LlamaModel, ctx: LlamaContext) -> None:
    with Sampler(model, SamplingParams(seed=7, temperature=1.0)) as sampler:
        first = generate(sampler, ctx, 20)
        sampler.reset()
        assert generate(sampler, ctx, 20) == first


def test_temperature_zero_is_the_argmax_every_step(model: LlamaModel, ctx: LlamaContext) -> None:
    def check(logits: np.ndarray, token: int) -> None:
        assert token == int(np.argmax(logits))

    with Sampler(model, SamplingParams(**GREEDY)) as sampler:
        assert len(generate(sampler, ctx, 30, on_step=check)) == 30


def test_top_k_one_is_greedy(model: LlamaModel, ctx: LlamaContext) -> None:
    greedy = run(model, ctx, **GREEDY)
    assert run(model, ctx, top_k=1, temperature=0.9, repeat_penalty=1.0, seed=5) == greedy


def _penalised(logits: np.ndarray, seen: set[int], penalty: float) -> np.ndarray:
    """llama.cpp's repeat penalty: shrink a seen token's logit towards -inf."""
    out = logits.astype(np.float32).copy()
    idx = np.array(sorted(seen), dtype=np.int64)
    if idx.size:
        p = np.float32(penalty)
        out[idx] = np.where(out[idx] <= 0, out[idx] * p, out[idx] / p)
    return out


def test_repeat_penalty_follows_the_logits(model: LlamaModel, ctx: LlamaContext) -> None:
    penalty, last_n = 1.5, 64
    seen: list[int] = []
    changed = 0

    def check(logits: np.ndarray, token: int) -> None:
        nonlocal changed
        expected = int(np.argmax(_penalised(logits, set(seen[-last_n:]), penalty)))
        assert token == expected
        changed += expected != int(np.argmax(logits))
        seen.append(token)

    params = SamplingParams(temperature=0.0, repeat_penalty=penalty, repeat_last_n=last_n)
    with Sampler(model, params) as sampler:
        generate(sampler, ctx, 30, on_step=check)
    assert changed > 0, "the penalty never changed a choice: the test shows nothing"


def test_repeated_token_loses_probability(model: LlamaModel, ctx: LlamaContext) -> None:
    """accept_prompt puts the favourite in the window: its logit drops, the pick moves."""
    prefill(ctx)
    logits = ctx.logits()[-1]
    favourite = int(np.argmax(logits))
    penalty = 1e4  # large enough to move the choice whatever the sign of its logit
    params = SamplingParams(temperature=0.0, repeat_penalty=penalty)
    with Sampler(model, params) as sampler:
        sampler.accept_prompt([favourite])
        token = sampler.sample(ctx)
    expected = _penalised(logits, {favourite}, penalty)
    assert token == int(np.argmax(expected)) != favourite

    def softmax(x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max())
        return e / e.sum()

    assert softmax(expected)[favourite] < softmax(logits)[favourite]


# --- validation before native calls -----------------------------------------------------------


def test_sampling_without_requested_logits_is_a_model_error(
    model: LlamaModel, ctx: LlamaContext
) -> None:
    with Sampler(model, SamplingParams(seed=1)) as sampler:
        with pytest.raises(ModelError, match="no logits"):
            sampler.sample(ctx)  # nothing decoded yet
        ctx.decode_tokens(model.tokenize(PROMPT), logits=False)
        with pytest.raises(ModelError, match="no logits"):
            sampler.sample(ctx)
        ctx.decode_tokens(model.tokenize(" ok"), logits=True)
        assert 0 <= sampler.sample(ctx) < model.n_vocab


def test_closed_handles_and_foreign_models_are_model_errors(
    model: LlamaModel, ctx: LlamaContext
) -> None:
    prefill(ctx)
    sampler = Sampler(model, SamplingParams(seed=1))
    sampler.close()
    sampler.close()  # twice is fine
    with pytest.raises(ModelError, match="closed"):
        sampler.sample(ctx)
    with pytest.raises(ModelError, match="closed"):
        sampler.reset()
    with LlamaModel(model.path) as other, Sampler(other, SamplingParams(seed=1)) as foreign:
        with pytest.raises(ModelError, match="another model"):
            foreign.sample(ctx)
        with pytest.raises(ModelError, match="out of range"):
            foreign.accept_prompt([other.n_vocab])
    with Sampler(model, SamplingParams(seed=1)) as live:
        ctx.close()
        with pytest.raises(ModelError, match="closed"):
            live.sample(ctx)


def test_end_of_generation(model: LlamaModel) -> None:
    import llama_cpp

    eos = llama_cpp.llama_vocab_eos(model.vocab)
    assert is_end_of_generation(model, eos)
    assert not is_end_of_generation(model, model.tokenize("a")[0])
    with pytest.raises(ModelError, match="out of range"):
        is_end_of_generation(model, model.n_vocab)


# --- JSON schema ------------------------------------------------------------------------------

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["invoice", "receipt", "letter"]},
        "total": {"type": "integer", "minimum": -5, "maximum": 120},
        "title": {"type": "string", "maxLength": 8},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "maxItems": 3},
    },
    "required": ["kind", "total", "title", "tags"],
    "additionalProperties": False,
}


def _violations(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The schema keywords used above, checked by hand (jsonschema is not a dependency)."""
    errors: list[str] = []
    kinds = {"object": dict, "array": list, "string": str, "integer": int}
    kind = schema.get("type")
    if kind and (not isinstance(value, kinds[kind]) or isinstance(value, bool)):
        return [f"{path}: not {kind}: {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in enum")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value} < minimum")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value} > maximum")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{path}: longer than {schema['maxLength']}")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        errors.append(f"{path}: more than {schema['maxItems']} items")
    if "items" in schema:
        for i, item in enumerate(value):
            errors += _violations(item, schema["items"], f"{path}[{i}]")
    if kind == "object":
        props = schema.get("properties", {})
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: extra {k}" for k in value if k not in props]
        for k, sub in props.items():
            if k in value:
                errors += _violations(value[k], sub, f"{path}.{k}")
    return errors


# Eight seeds: on this model, without the sampler's UTF-8 guard or its JSON `char` fix,
# about a third of the seeds write JSON that does not parse (see sampling.py).
@pytest.mark.parametrize(
    "params",
    [*({"seed": seed} for seed in range(8)), {"temperature": 0.0}],
    ids=[*(f"seed{seed}" for seed in range(8)), "greedy"],
)
def test_json_schema_output_parses_and_validates(
    model: LlamaModel, ctx: LlamaContext, params: dict[str, Any]
) -> None:
    stream = Utf8Stream()
    text = ""
    chosen = replace(SamplingParams(json_schema=SCHEMA, temperature=1.0), **params)
    with Sampler(model, chosen) as s:
        tokens = generate(s, ctx, 300, stop_at_eog=True)
    assert len(tokens) < 300, "the grammar is bounded: generation must end with EOG"
    for token in tokens:
        chunk = stream.feed(model.token_to_piece(token))
        assert "\ufffd" not in chunk
        text += chunk
    text += stream.flush()
    value = json.loads(text)
    assert _violations(value, SCHEMA) == [], text
    if importlib.util.find_spec("jsonschema"):  # an optional second opinion
        import jsonschema

        jsonschema.validate(value, SCHEMA)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "nonsense"},
        "{not json",
        [1, 2],
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "#/definitions/missing"},
        {"type": "integer", "minimum": 5, "maximum": 1},
        {"type": "integer", "minimum": "five"},
    ],
)
def test_invalid_schema_is_a_one_line_model_error(schema: Any) -> None:
    with pytest.raises(ModelError, match="unsupported JSON schema") as info:
        json_schema_to_grammar(schema)
    assert "\n" not in str(info.value)


def test_invalid_schema_fails_when_the_sampler_is_made(model: LlamaModel) -> None:
    with pytest.raises(ModelError, match="unsupported JSON schema"):
        Sampler(model, SamplingParams(json_schema={"type": "nonsense"}))


@pytest.mark.parametrize(
    "grammar",
    ['root ::= "{" missing-rule', 'root ::= root "a" | "a"', 'start ::= "a"'],
    ids=["undefined-rule", "left-recursion", "no-root"],
)
def test_grammar_llama_cpp_rejects_is_a_model_error(
    model: LlamaModel, monkeypatch: pytest.MonkeyPatch, grammar: str
) -> None:
    monkeypatch.setattr(sampling, "json_schema_to_grammar", lambda schema: grammar)
    with pytest.raises(ModelError, match="rejected the grammar"):
        Sampler(model, SamplingParams(json_schema={"type": "object"}))


def test_grammar_dead_end_is_a_model_error_not_an_abort(
    model: LlamaModel, ctx: LlamaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No token may start with a NUL byte under a grammar, and EOG is not allowed before
    # the grammar is complete: llama.cpp would be asked to accept a token it rejects.
    monkeypatch.setattr(sampling, "json_schema_to_grammar", lambda schema: 'root ::= "\\x00"')
    prefill(ctx)
    params = SamplingParams(json_schema={"type": "object"}, seed=1)
    with Sampler(model, params) as sampler, pytest.raises(ModelError, match="allows no token"):
        sampler.sample(ctx)


def test_integer_bounds_in_all_spellings() -> None:
    def rule(schema: dict[str, Any]) -> str:
        grammar = json_schema_to_grammar(schema)
        return next(line for line in grammar.splitlines() if line.startswith("root ::="))

    assert rule({"type": "integer", "minimum": 0, "maximum": 9}) == "root ::= ([0-9]) space"
    assert rule({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}) == (
        "root ::= ([1-9]) space"
    )
    assert rule({"type": "integer", "minimum": 0, "maximum": 9, "exclusiveMinimum": True}) == (
        "root ::= ([1-9]) space"
    )
    assert rule({"type": "integer", "minimum": 1.5, "maximum": 3.5}) == "root ::= ([2-3]) space"
    assert '"-"' not in rule({"type": "integer", "minimum": 0})  # one-sided: no negatives


def _as_regex(gbnf: str) -> str:
    """integer_range_grammar promises a regex once quotes and spaces go."""
    assert set(gbnf) <= set('0123456789-[]{}()|" '), gbnf
    return gbnf.replace('"', "").replace(" ", "")


@settings(max_examples=300, deadline=None)
@given(
    bounds=st.tuples(st.integers(-(10**7), 10**7), st.integers(-(10**7), 10**7)).map(sorted),
    probes=st.lists(st.integers(-(10**8), 10**8), max_size=20),
)
def test_integer_range_grammar_matches_exactly_the_range(
    bounds: list[int], probes: list[int]
) -> None:
    lo, hi = bounds
    pattern = re.compile(_as_regex(integer_range_grammar(lo, hi)))
    for x in [*probes, lo, hi, lo - 1, hi + 1, 0, -1, 1, 10, 99, 100]:
        assert bool(pattern.fullmatch(str(x))) == (lo <= x <= hi), (lo, hi, x)
    assert not pattern.fullmatch(f"0{abs(hi)}")  # no leading zeros
    assert not pattern.fullmatch("-0")


# --- streamed UTF-8 ---------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffd"),
        st.sampled_from("日本語中文발票😀👩‍💻🇨🇳é"),  # CJK, emoji, ZWJ and flag sequences
    )
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, cuts=st.lists(st.integers(0, 10**6)))
def test_utf8_stream_decodes_any_split_exactly(text: str, cuts: list[int]) -> None:
    data = text.encode("utf-8")
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    stream = Utf8Stream()
    shown = ""
    for a, b in itertools.pairwise(points):
        chunk = stream.feed(data[a:b])
        assert "\ufffd" not in chunk
        shown += chunk
        # Every character is shown as soon as its last byte has arrived.
        assert shown == data[:b].decode("utf-8", errors="ignore")
    assert shown + stream.flush() == text


def test_utf8_stream_replaces_only_what_can_never_be_valid() -> None:
    stream = Utf8Stream()
    assert stream.feed(b"a\xffb") == "a\ufffdb"  # invalid at once: replaced, no exception
    assert stream.feed("日".encode()[:2]) == ""  # incomplete: held back
    assert stream.flush() == "\ufffd"  # ... until nothing can complete it
    assert stream.feed("語".encode()) == "語"  # usable again after a flush


def test_utf8_stream_on_real_split_tokens(model: LlamaModel) -> None:
    text = "発票 金额 😀 naïve"
    tokens = model.tokenize(text)
    pieces = [model.token_to_piece(t) for t in tokens]
    assert any(p and not _decodes(p) for p in pieces), "this vocab should split characters"
    stream = Utf8Stream()
    chunks = [stream.feed(p) for p in pieces]
    assert all("\ufffd" not in c for c in chunks)
    assert "".join(chunks) + stream.flush() == text


def _decodes(piece: bytes) -> bool:
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
