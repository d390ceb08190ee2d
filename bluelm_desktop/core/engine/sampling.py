"""Choosing the next token: llama.cpp's sampler chain, JSON-schema grammars, streamed text.

The chain runs in two halves that share one candidate array: a *filter* (repeat penalty,
then the grammar) and a *pick* (top-k → top-p → temperature → seeded draw, or greedy at
temperature 0). Applying the halves ourselves instead of calling `llama_sampler_sample`
lets us look at the candidates between them: llama.cpp aborts the process when a grammar
is asked to accept a token it does not allow (a dead end, or an end-of-generation token
before the JSON is complete), so that case must be caught here and turned into a
`ModelError` before `llama_sampler_accept` is called.

Structured output uses llama-cpp-python's JSON-schema → GBNF converter with two fixes: it
ignores integer bounds (`minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`),
and its string rule admits raw control characters, which JSON forbids. Other keywords it
ignores (number bounds, `multipleOf`, `uniqueItems`, most string formats) are still not
enforced, so callers validate the parsed result too. Under a grammar the sampler also keeps
the output valid UTF-8 and never picks control tokens (see `_vocab_guard`): the grammar
alone allows both, and `json.loads` then fails.

Text is streamed through `Utf8Stream`: a token's piece is bytes and may end in the middle
of a character (CJK and emoji are split across byte-level tokens).

`llama_cpp` is imported lazily, as in `native`, so that the core imports without it.
"""

from __future__ import annotations

import codecs
import ctypes
import functools
import json
import math
import secrets
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel
from bluelm_desktop.core.errors import Line, ModelError, msg, one_line

# 0xFFFFFFFF is LLAMA_DEFAULT_SEED, which llama.cpp replaces with a random seed: a user who
# typed it would silently lose reproducibility, so it is not a valid seed here.
MAX_SEED = 0xFFFFFFFE

# The unbounded side of a one-sided integer range: 16 digits, as the converter's own
# integer rule allows.
_INTEGER_LIMIT = 10**16 - 1


def _lib() -> Any:
    import llama_cpp

    return llama_cpp


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class SamplingParams:
    """How to choose tokens; immutable so a request can be frozen and compared.

    `seed=None` asks for a random seed (the `Sampler` reports the one it drew, so an answer
    can be reproduced). `json_schema` constrains the output to JSON matching the schema;
    it is excluded from the hash because a mapping is not hashable.
    `max_tokens` is enforced by the generation loop, not by the sampler.
    """

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    repeat_penalty: float = 1.1
    repeat_last_n: int = 64
    max_tokens: int = 512
    seed: int | None = None
    json_schema: Mapping[str, Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        t = self.temperature
        if not _is_number(t) or not math.isfinite(t) or t < 0:
            raise ValueError(f"temperature must be a finite number ≥ 0 (0 is greedy), got {t!r}")
        p = self.top_p
        if not _is_number(p) or not 0 < p <= 1:
            raise ValueError(f"top_p must be in (0, 1] (1 disables it), got {p!r}")
        if not _is_int(self.top_k) or self.top_k < 0:
            raise ValueError(f"top_k must be an integer ≥ 0 (0 disables it), got {self.top_k!r}")
        r = self.repeat_penalty
        if not _is_number(r) or not math.isfinite(r) or r <= 0:
            raise ValueError(
                f"repeat_penalty must be a finite number > 0 (1 disables it), got {r!r}"
            )
        n = self.repeat_last_n
        if not _is_int(n) or n < 0:
            raise ValueError(f"repeat_last_n must be an integer ≥ 0 (0 disables it), got {n!r}")
        if not _is_int(self.max_tokens) or self.max_tokens < 1:
            raise ValueError(f"max_tokens must be an integer ≥ 1, got {self.max_tokens!r}")
        s = self.seed
        if s is not None and (not _is_int(s) or not 0 <= s <= MAX_SEED):
            raise ValueError(
                f"seed must be None (random) or an integer in 0..{MAX_SEED}, got {s!r}"
            )
        if self.json_schema is not None and not isinstance(self.json_schema, Mapping):
            kind = type(self.json_schema).__name__
            raise ValueError(f"json_schema must be a mapping (a JSON object), got {kind}")


# --- JSON schema → GBNF -------------------------------------------------------------------


def _digit_class(lo: str, hi: str) -> str:
    return f'"{lo}"' if lo == hi else f"[{lo}-{hi}]"


def _any_digits(n: int) -> str:
    if n == 0:
        return ""
    return "[0-9]" if n == 1 else f"[0-9]{{{n}}}"


def _seq(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _group(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(" + " | ".join(alternatives) + ")"


def _same_length_range(lo: str, hi: str) -> list[str]:
    """Alternatives matching exactly the digit strings lo..hi, both of one length."""
    n = len(lo)
    if n == 1:
        return [_digit_class(lo, hi)]
    if lo[0] == hi[0]:
        return [_seq(f'"{lo[0]}"', _group(_same_length_range(lo[1:], hi[1:])))]
    zeros, nines = "0" * (n - 1), "9" * (n - 1)
    alternatives = []
    first, last = int(lo[0]), int(hi[0])
    if lo[1:] != zeros:  # the first digit's own partial block
        alternatives.append(_seq(f'"{lo[0]}"', _group(_same_length_range(lo[1:], nines))))
        first += 1
    tail = None
    if hi[1:] != nines:  # the last digit's own partial block
        tail = _seq(f'"{hi[0]}"', _group(_same_length_range(zeros, hi[1:])))
        last -= 1
    if first <= last:  # whole blocks in between
        alternatives.append(_seq(_digit_class(str(first), str(last)), _any_digits(n - 1)))
    if tail is not None:
        alternatives.append(tail)
    return alternatives


def _natural_range(lo: int, hi: int) -> list[str]:
    """Alternatives for lo..hi (0 ≤ lo ≤ hi) written without leading zeros."""
    alternatives = []
    for length in range(len(str(lo)), len(str(hi)) + 1):
        start = max(lo, 10 ** (length - 1) if length > 1 else 0)
        end = min(hi, 10**length - 1)
        if start <= end:
            alternatives += _same_length_range(str(start), str(end))
    return alternatives


def integer_range_grammar(minimum: int, maximum: int) -> str:
    """A GBNF expression matching exactly the JSON integers minimum..maximum.

    Bounds must be in the grammar itself: a model told "0 to 99" in a schema that the
    grammar does not bound will happily write 16 digits. The expression uses only quoted
    digits, `-`, digit classes, `{n}` repetition, groups and `|`, so it reads as a regular
    expression once quotes and spaces are removed (the tests check it that way).
    """
    if not (_is_int(minimum) and _is_int(maximum)) or minimum > maximum:
        raise ModelError(msg("no integer lies in {minimum}..{maximum}"), minimum=minimum,
                         maximum=maximum)
    alternatives = []
    if minimum < 0:
        negatives = _natural_range(max(1, -maximum), -minimum)
        alternatives.append(_seq('"-"', _group(negatives)))
    if maximum >= 0:
        alternatives += _natural_range(max(0, minimum), maximum)
    return " | ".join(alternatives)


def _integer_bounds(schema: Mapping[str, Any]) -> tuple[int, int]:
    """The inclusive integer range of an integer schema (draft 4 and draft 6+ spellings)."""
    lo, hi = -_INTEGER_LIMIT, _INTEGER_LIMIT
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        value = schema.get(key)
        if value is None or isinstance(value, bool):
            continue
        if not _is_number(value) or not math.isfinite(value):
            raise ModelError(msg("{key} must be a finite number, got {value}"), key=key,
                             value=repr(value))
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    ex_min, ex_max = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if minimum is not None:
        lo = max(lo, math.floor(minimum) + 1 if ex_min is True else math.ceil(minimum))
    if maximum is not None:
        hi = min(hi, math.ceil(maximum) - 1 if ex_max is True else math.floor(maximum))
    if _is_number(ex_min):
        lo = max(lo, math.floor(ex_min) + 1)
    if _is_number(ex_max):
        hi = min(hi, math.ceil(ex_max) - 1)
    if lo > hi:
        raise ModelError(msg("no integer satisfies the schema's bounds ({lo} > {hi})"), lo=lo,
                         hi=hi)
    return lo, hi


# A JSON string character: anything but a quote, a backslash or a control character, or an
# escape (llama.cpp's own converter uses this rule; llama-cpp-python's copy lacks the controls).
_JSON_CHAR_RULE = r'[^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})'
_BOUND_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_PRECEDING_KEYS = ("$ref", "oneOf", "anyOf", "allOf", "const", "enum")  # the converter's order


@functools.cache
def _converter_class() -> type:
    """llama-cpp-python's converter, with two fixes (built lazily: it imports llama_cpp).

    Its integer rule ignores bounds, and its string `char` rule admits raw control
    characters, which JSON forbids in strings (`json.loads` then fails on the output).
    """
    from llama_cpp.llama_grammar import RESERVED_NAMES, BuiltinRule, SchemaConverter

    class BoundedIntegerConverter(SchemaConverter):  # type: ignore[misc]
        def _add_primitive(self, name: str, rule: Any) -> str:
            if name == "char":
                rule = BuiltinRule(_JSON_CHAR_RULE, [])
            return str(super()._add_primitive(name, rule))

        def visit(self, schema: dict[str, Any], name: str) -> str:
            if (
                isinstance(schema, dict)
                and schema.get("type") == "integer"
                and any(k in schema for k in _BOUND_KEYS)
                and not any(k in schema for k in _PRECEDING_KEYS)
            ):
                rule_name = name + "-" if name in RESERVED_NAMES else name or "root"
                lo, hi = _integer_bounds(schema)
                rule = f"({integer_range_grammar(lo, hi)}) space"
                return str(self._add_rule(rule_name, rule))
            return str(super().visit(schema, name))

    return BoundedIntegerConverter


def _refs(node: object) -> Iterator[object]:
    if isinstance(node, Mapping):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _plain(value: object) -> object:
    """json.dumps fallback: any Mapping (a MappingProxyType, say) is written as an object."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_schema_to_grammar(schema: Mapping[str, Any] | str) -> str:
    """GBNF text (root rule `root`) for JSON documents that match the schema.

    Every keyword the converter knows is enforced by the grammar; the rest (see the module
    docstring) is not, and is not an error either.

    A schema the converter cannot handle is a `ModelError` with one line, so the UI and
    the CLI can show it as is. Only local `$ref`s (`#/...`) are accepted: the converter
    would otherwise try to fetch remote schemas, and this app works offline.
    """
    try:
        loaded = json.loads(schema) if isinstance(schema, str) else schema
        if not isinstance(loaded, Mapping):
            raise ModelError(msg("a JSON schema must be an object, got {kind}"),
                             kind=type(loaded).__name__)
        # A deep, plain copy: the converter edits `$ref`s in place and wants dicts and lists.
        plain = json.loads(json.dumps(loaded, default=_plain))
        for ref in _refs(plain):
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise ModelError(msg("only local $ref (#/...) are supported, got {ref}"),
                                 ref=repr(ref))
        converter = _converter_class()(
            prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False
        )
        resolved = converter.resolve_refs(plain, "schema")
        converter.visit(resolved, "")
        grammar = str(converter.format_grammar())
    except ModelError as exc:
        raise ModelError(msg("unsupported JSON schema: {reason}"), reason=exc.line) from None
    except Exception as exc:  # the converter reports bad schemas with assert, KeyError, ...
        reason = one_line(str(exc) or type(exc).__name__, 200)
        raise ModelError(msg("unsupported JSON schema: {reason}"), reason=reason) from exc
    if "root ::=" not in grammar:
        raise ModelError(msg("unsupported JSON schema: the converter produced no root rule"))
    return grammar


# --- keeping structured output valid UTF-8 ------------------------------------------------

# llama.cpp's grammar decodes token bytes leniently (an 0xFC lead byte, an overlong or a
# surrogate all become "some character"), and a byte-level vocabulary has a token for every
# byte, so a grammar alone lets a model write JSON that is not UTF-8. Under a grammar the
# sampler therefore also tracks where the output stands in a UTF-8 sequence and allows only
# tokens that continue it validly. States: 0 = between characters; 1..7 = continuation
# bytes still needed, with the range the next byte must fall in (Unicode table 3-7).
_UTF8_STATES = (
    (0, 0x80, 0xBF),  # 0: no character pending
    (1, 0x80, 0xBF),  # 1: one more byte of any 2/3/4-byte character
    (2, 0x80, 0xBF),  # 2: after E1-EC, EE, EF
    (2, 0xA0, 0xBF),  # 3: after E0 (no overlongs)
    (2, 0x80, 0x9F),  # 4: after ED (no surrogates)
    (3, 0x80, 0xBF),  # 5: after F1-F3
    (3, 0x90, 0xBF),  # 6: after F0 (no overlongs)
    (3, 0x80, 0x8F),  # 7: after F4 (nothing above U+10FFFF)
)


def _utf8_table() -> np.ndarray:
    """step[state, byte] → next state, or -1 where the byte makes the text invalid."""
    step = np.full((len(_UTF8_STATES), 256), -1, dtype=np.int8)
    step[0, 0x00:0x80] = 0
    step[0, 0xC2:0xE0] = 1
    step[0, 0xE0] = 3
    step[0, 0xE1:0xED] = 2
    step[0, 0xED] = 4
    step[0, 0xEE:0xF0] = 2
    step[0, 0xF0] = 6
    step[0, 0xF1:0xF4] = 5
    step[0, 0xF4] = 7
    for state, (need, lo, hi) in enumerate(_UTF8_STATES[1:], start=1):
        step[state, lo : hi + 1] = {1: 0, 2: 1, 3: 2}[need]
    return step


_UTF8_STEP = _utf8_table()


@dataclass(frozen=True)
class _VocabGuard:
    """Per model: which tokens may follow in each UTF-8 state, and the state after them."""

    allowed: np.ndarray  # (8, n_vocab) bool
    next_state: np.ndarray  # (8, n_vocab) int8


_guards: weakref.WeakKeyDictionary[LlamaModel, _VocabGuard] = weakref.WeakKeyDictionary()


def _vocab_guard(model: LlamaModel) -> _VocabGuard:
    """Built once per model (a pass over the vocabulary) for the samplers with a grammar.

    Control tokens other than end-of-generation are ruled out everywhere: the grammar sees
    their text (`<|im_start|>`) as ordinary characters and would put it inside JSON strings.
    End-of-generation is allowed in every state (the grammar decides when it may come).
    """
    guard = _guards.get(model)
    if guard is not None:
        return guard
    lib = _lib()
    vocab = model.vocab
    n = model.n_vocab
    n_states = len(_UTF8_STATES)
    allowed = np.zeros((n_states, n), dtype=bool)
    next_state = np.zeros((n_states, n), dtype=np.int8)
    for token in range(n):
        if lib.llama_vocab_is_eog(vocab, token):
            allowed[:, token] = True
            continue
        if lib.llama_vocab_is_control(vocab, token):
            continue
        piece = model.token_to_piece(token, special=True)
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # the common case, at C speed: whole characters, allowed between characters
            allowed[0, token] = True
            if not piece:  # no bytes: any state carries over
                allowed[:, token] = True
                next_state[:, token] = np.arange(n_states)
            continue
        for start in range(n_states):
            state = start
            for byte in piece:
                state = int(_UTF8_STEP[state, byte])
                if state < 0:
                    break
            if state >= 0:
                allowed[start, token] = True
                next_state[start, token] = state
    guard = _VocabGuard(allowed, next_state)
    _guards[model] = guard
    return guard


# --- the sampler ----------------------------------------------------------------------------


class Sampler:
    """Owner of a llama.cpp sampler chain bound to one model (one engine thread uses it).

    `sample(ctx)` picks the next token from the last logits of the context's previous
    decode and records it (repeat-penalty window, grammar state). The caller decodes the
    token, stops at `is_end_of_generation` or `params.max_tokens`, and calls `reset()`
    before an unrelated answer.
    """

    def __init__(self, model: LlamaModel, params: SamplingParams | None = None) -> None:
        lib = _lib()
        self.model = model
        self.params = params = params if params is not None else SamplingParams()
        # A seed drawn here rather than by llama.cpp, so the answer can be reproduced.
        self.seed: int = params.seed if params.seed is not None else secrets.randbelow(MAX_SEED + 1)
        self.grammar: str | None = (
            json_schema_to_grammar(params.json_schema) if params.json_schema is not None else None
        )
        self._n_vocab = model.n_vocab
        self._filter: Any = None
        self._pick: Any = None
        self._penalties: Any = None  # borrowed from the filter chain, which owns it
        vocab = model.vocab
        model.ptr  # noqa: B018 (raises if the model is already closed)
        try:
            self._filter = self._new_chain()
            if params.repeat_penalty != 1.0 and params.repeat_last_n > 0:
                self._penalties = self._add(
                    self._filter,
                    lib.llama_sampler_init_penalties(
                        self._n_vocab, params.repeat_last_n, params.repeat_penalty, 0.0, 0.0
                    ),
                    "repeat penalty",
                )
            if self.grammar is not None:
                self._add(
                    self._filter,
                    lib.llama_sampler_init_grammar(vocab, self.grammar.encode(), b"root"),
                    "grammar",
                    Line(msg("llama.cpp rejected the grammar made from the JSON schema")),
                )
            self._pick = self._new_chain()
            if params.temperature == 0:
                self._add(self._pick, lib.llama_sampler_init_greedy(), "greedy")
            else:
                if params.top_k > 0:
                    self._add(self._pick, lib.llama_sampler_init_top_k(params.top_k), "top-k")
                if params.top_p < 1.0:
                    self._add(self._pick, lib.llama_sampler_init_top_p(params.top_p, 1), "top-p")
                self._add(self._pick, lib.llama_sampler_init_temp(params.temperature), "temp")
                self._add(self._pick, lib.llama_sampler_init_dist(self.seed), "dist")
            self._guard = _vocab_guard(model) if self.grammar is not None else None
        except BaseException:
            self.close()
            raise
        self._utf8_state = 0
        # One candidate buffer reused for every token (the layout is llama_token_data's).
        self._cur = np.zeros(self._n_vocab, dtype=np.dtype(lib.llama_token_data))
        self._ids = np.arange(self._n_vocab, dtype=np.int32)

    @staticmethod
    def _new_chain() -> Any:
        lib = _lib()
        chain_params = lib.llama_sampler_chain_default_params()
        chain_params.no_perf = True
        chain = lib.llama_sampler_chain_init(chain_params)
        if not chain:
            raise ModelError(msg("llama.cpp could not create a sampler chain"))
        return chain

    @staticmethod
    def _add(chain: Any, sampler: Any, what: str, failure: Line | None = None) -> Any:
        """`what`: llama.cpp's name for the sampler (data in the message)."""
        if not sampler:
            raise ModelError(failure or Line.of(
                msg("llama.cpp could not create the {what} sampler"), what=what))
        _lib().llama_sampler_chain_add(chain, sampler)  # the chain owns it from here
        return sampler

    def _chains(self) -> tuple[Any, Any]:
        if self._filter is None or self._pick is None:
            raise ModelError("sampler already closed")
        return self._filter, self._pick

    def accept_prompt(self, tokens: Sequence[int]) -> None:
        """Let the repeat penalty see prompt tokens too, as llama.cpp's server does.

        Only the penalty window takes them: the grammar constrains the answer, not the
        prompt, and feeding it prompt tokens would abort the process.
        """
        self._chains()
        if any(not 0 <= t < self._n_vocab for t in tokens):
            raise ModelError(f"token id out of range 0..{self._n_vocab - 1}")
        if self._penalties is None:
            return
        lib = _lib()
        for t in tokens[-self.params.repeat_last_n :]:
            lib.llama_sampler_accept(self._penalties, int(t))

    def sample(self, ctx: LlamaContext) -> int:
        """Choose the next token from the last row of logits of ctx's previous decode."""
        lib = _lib()
        filter_chain, pick_chain = self._chains()
        if ctx.model is not self.model:
            raise ModelError("this sampler was made for another model than the context's")
        ctx_ptr = ctx.ptr  # raises if the context is closed
        # Reading logits that were not requested aborts a debug build (DESIGN §5).
        if not ctx.has_logits:
            raise ModelError(
                "the last decode requested no logits: decode the last token with logits=True"
            )
        logits = lib.llama_get_logits_ith(ctx_ptr, -1)
        if not logits:  # a release build returns NULL instead of aborting
            raise ModelError(msg("llama.cpp has no logits for the last position"))
        n = self._n_vocab
        cur = self._cur
        cur["id"] = self._ids
        cur["logit"] = np.ctypeslib.as_array(logits, shape=(n,))
        cur["p"] = 0.0
        if self._guard is not None:
            np.copyto(cur["logit"], -np.inf, where=~self._guard.allowed[self._utf8_state])
        array = lib.llama_token_data_array(
            data=cur.ctypes.data_as(ctypes.POINTER(lib.llama_token_data)),
            size=n,
            selected=-1,
            sorted=False,
        )
        lib.llama_sampler_apply(filter_chain, ctypes.byref(array))
        allowed = np.ctypeslib.as_array(array.data, shape=(array.size,))["logit"]
        if not np.isfinite(allowed).any():
            if self.grammar is not None:
                raise ModelError(msg(
                    "the JSON schema's grammar allows no token of this model's vocabulary here"))
            raise ModelError(msg("the model produced no finite logits"))
        lib.llama_sampler_apply(pick_chain, ctypes.byref(array))
        selected = int(array.selected)
        if not 0 <= selected < array.size:
            raise ModelError(msg("llama.cpp's sampler selected no token (index {index})"),
                             index=selected)
        chosen = array.data[selected]
        # -inf after the filter stays -inf through the pick; accepting such a token into a
        # grammar aborts the process, so refuse it here (a zero draw can land on one).
        if not math.isfinite(chosen.logit):
            raise ModelError(msg("the sampler chose a token its grammar or penalties ruled out"))
        token = int(chosen.id)
        lib.llama_sampler_accept(filter_chain, token)
        if self._guard is not None:
            self._utf8_state = int(self._guard.next_state[self._utf8_state, token])
        return token

    def reset(self) -> None:
        """Forget the penalty window, restart the grammar, re-seed the draw (same seed)."""
        filter_chain, pick_chain = self._chains()
        self.model.ptr  # noqa: B018 (the grammar re-reads the vocab: the model must be open)
        lib = _lib()
        lib.llama_sampler_reset(filter_chain)
        lib.llama_sampler_reset(pick_chain)
        self._utf8_state = 0

    def close(self) -> None:
        """Free the chains (each frees the samplers it owns); safe to call twice."""
        lib = _lib()
        for name in ("_pick", "_filter"):
            chain = getattr(self, name)
            if chain is not None:
                lib.llama_sampler_free(chain)
                setattr(self, name, None)
        self._penalties = None

    def __enter__(self) -> Sampler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_end_of_generation(model: LlamaModel, token: int) -> bool:
    """Whether the token ends an answer (EOS, end-of-turn, ...), as the GGUF's vocab says."""
    model.ptr  # noqa: B018 (raises if the model is closed: the vocab lives in the model)
    if not _is_int(token) or not 0 <= token < model.n_vocab:
        raise ModelError(f"token id out of range 0..{model.n_vocab - 1}")
    return bool(_lib().llama_vocab_is_eog(model.vocab, token))


# --- streamed text --------------------------------------------------------------------------


class Utf8Stream:
    """Token pieces (bytes) in, text out as soon as each character is complete.

    A byte-level vocabulary splits a CJK character or an emoji over two to four tokens;
    decoding each piece on its own would show U+FFFD and then lose the character. The
    incremental decoder keeps an incomplete tail until the next piece completes it, so
    valid text never shows U+FFFD mid-stream. Bytes that can never become valid (a random
    model writes them) are replaced at once rather than raising; an incomplete tail is
    replaced only at `flush()`, when no further piece can complete it.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, piece: bytes) -> str:
        """The text completed by this piece (possibly empty)."""
        return str(self._decoder.decode(piece, final=False))

    def flush(self) -> str:
        """The end of the stream: whatever is still pending, and a fresh decoder after it."""
        text = str(self._decoder.decode(b"", final=True))
        self._decoder.reset()
        return text
