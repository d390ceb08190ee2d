"""The model's own chat template (`tokenizer.chat_template`, Jinja as Hugging Face renders
it), rendered in a sandbox.

The template comes from a downloaded file, so it is untrusted code: llama-cpp-python ran
such templates unsandboxed once (CVE-2024-34359, code execution from a GGUF). Here
attribute tricks raise instead of executing, and the render is bounded in output, steps,
time and the size of every intermediate string, so a hostile or buggy template ends in
one `ModelError` line rather than a hang. `prompt` builds the LLM's input around it.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError
from jinja2.ext import Extension, loopcontrols
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from bluelm_desktop.core.errors import Line, ModelError, msg
from bluelm_desktop.core.gguf import keys as C

# --- limits on a template render ---------------------------------------------------------
# A chat prompt is a few thousand tokens; a million characters is far beyond any context
# window, so reaching it means a runaway loop, not a long conversation.
MAX_OUTPUT_CHARS: Final = 1 << 20
# Loop iterations + calls + intercepted operators per render. Real templates take a few
# per message (tens of thousands for a thousand-message chat); a million takes about a
# second of pure Jinja, so an output-free runaway loop stops quickly too.
MAX_STEPS: Final = 1_000_000
MAX_SECONDS: Final = 2.0
# Integers beyond this many bits only come from exponent/squaring bombs (str() of one
# with > 4,300 digits already fails in Python 3.11).
_MAX_INT_BITS: Final = 1 << 16

_DIGITS_RE: Final = re.compile(r"[0-9]+")


# Filters and str methods whose integer arguments size their output (padding widths,
# batch/slice counts); their arguments are checked before they allocate anything.
_SIZING_CALLS: Final = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap", "batch", "slice"}
)
_FORMAT_CALLS: Final = frozenset({"format", "format_map"})
_GUARDED_FILTERS: Final = _SIZING_CALLS | {"format", "replace", "join"}


# --- the sandbox ---------------------------------------------------------------------------


class _Budget:
    """Steps and deadline of the render in progress (one per thread, see `_local`)."""

    __slots__ = ("deadline", "steps")

    def __init__(self, seconds: float) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + seconds


class _GenerationTag(Extension):
    """`{% generation %}…{% endgeneration %}`: Hugging Face marks assistant text for
    training masks with it; for inference it renders its body unchanged."""

    tags = {"generation"}  # noqa: RUF012 - Jinja's Extension API declares it this way

    def parse(self, parser: Parser) -> list[nodes.Node]:
        next(parser.stream)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


class _Guard(NodeTransformer):
    """Route every loop's iterable and every `~` concatenation through the environment,
    where they count steps and check sizes (Jinja compiles both to plain Python that the
    sandbox never sees)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("bounded_iter"), [node.iter], [], None, None
        ).set_lineno(node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        return nodes.Call(
            nodes.EnvironmentAttribute("bounded_concat"), list(node.nodes), [], None, None
        ).set_lineno(node.lineno)


class _Limit(SecurityError):
    """A sandbox limit the template ran into: jinja's SecurityError, with a translatable
    line (`msg` template and fields) for the ModelError that reports it."""

    def __init__(self, template: str, /, **fields: object) -> None:
        self.line = Line.of(template, **fields)
        super().__init__(str(self.line))


def _raise_exception(message: str) -> None:
    """Templates call this to reject a conversation (e.g. roles that do not alternate)."""
    raise TemplateError(message)


def _strftime_now(fmt: str) -> str:
    """Hugging Face's helper: today's date for templates that state it in the system turn."""
    return datetime.now().strftime(fmt)


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    """Hugging Face's `tojson`: plain JSON that keeps non-ASCII text as is (Jinja's own
    escapes `<>&'` for HTML and would change tool schemas the model was trained on)."""
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


class _SandboxEnvironment(ImmutableSandboxedEnvironment):
    """Hugging Face's chat-template environment (trim_blocks, lstrip_blocks, loop controls,
    `raise_exception`, `strftime_now`, `tojson`) made strict and bounded:

    - an unsafe attribute (`__class__`, `__globals__`, `list.append`) raises at once
      instead of Jinja's default of rendering it as an empty Undefined;
    - `lipsum` is gone (it writes paragraphs by the million on request);
    - loops, calls, `~` and the operators `+ * ** %` count steps against a budget and a
      deadline, and refuse to build strings, lists or integers beyond the output limit.
    """

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, max_chars: int, max_steps: int, max_seconds: float) -> None:
        super().__init__(
            trim_blocks=True, lstrip_blocks=True, extensions=[_GenerationTag, loopcontrols]
        )
        self.max_chars = max_chars
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        self._local = threading.local()
        self.globals.pop("lipsum", None)
        self.globals["raise_exception"] = _raise_exception
        self.globals["strftime_now"] = _strftime_now
        self.filters["tojson"] = _tojson
        for name in _GUARDED_FILTERS & set(self.filters):
            self.filters[name] = self._guard_filter(name, self.filters[name])

    # budget

    def start(self) -> None:
        self._local.budget = _Budget(self.max_seconds)

    def tick(self) -> None:
        budget: _Budget | None = getattr(self._local, "budget", None)
        if budget is None:  # constant folding while compiling: no render yet
            self.start()
            budget = self._local.budget
        budget.steps += 1
        if budget.steps > self.max_steps:
            raise _Limit(msg("more than {n} steps (a runaway loop?)"), n=f"{self.max_steps:,}")
        if budget.steps % 64 == 0 and time.monotonic() > budget.deadline:
            raise _Limit(msg("rendering took longer than {seconds} s"),
                         seconds=f"{self.max_seconds:g}")

    # sizes

    def check_size(self, value: Any) -> Any:
        if isinstance(value, str | bytes | list | tuple | dict) and len(value) > self.max_chars:
            raise _Limit(msg("a value of more than {n} items"), n=f"{self.max_chars:,}")
        if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
            raise _Limit(msg("an integer of more than {n} bits"), n=f"{_MAX_INT_BITS:,}")
        return value

    def _check_ints(self, values: Iterable[Any]) -> None:
        for v in values:
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > self.max_chars:
                raise _Limit(msg("size argument {value} is above {n}"), value=v,
                             n=f"{self.max_chars:,}")

    def _check_format(self, fmt: str, args: Any) -> None:
        """Widths and precisions in a %- or {}-format string, and widths taken from the
        arguments (`%*s`, `{:{}}`), must stay under the limit."""
        for digits in _DIGITS_RE.findall(fmt):
            if len(digits) > 6 and int(digits) > self.max_chars:
                raise _Limit(msg("format width {width} is above {n}"), width=digits,
                             n=f"{self.max_chars:,}")
        if "*" in fmt or re.search(r"\{[^{}]*\{", fmt):
            values = args.values() if isinstance(args, Mapping) else args
            self._check_ints(values if isinstance(values, Iterable) else [values])

    def _precheck(
        self, name: str, value: Any, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> None:
        """Refuse, before allocating, a call whose output would pass the limit.

        `value` is what the filter filters or the str method is bound to; for `join` it
        is the iterable and `args[0]` the separator, in both spellings.
        """
        if name in _SIZING_CALLS:
            self._check_ints([*args, *kwargs.values()])
        elif name in _FORMAT_CALLS and isinstance(value, str):
            self._check_format(value, [*args, *kwargs.values()])
        elif name == "replace" and isinstance(value, str) and len(args) >= 2:
            old, new = str(args[0]), str(args[1])
            if len(value) + (value.count(old) + 1) * len(new) > self.max_chars:
                raise _Limit(msg("replace would pass {n} characters"), n=f"{self.max_chars:,}")
        elif name == "join" and isinstance(value, list | tuple):
            sep = args[0] if args and isinstance(args[0], str) else ""
            total = sum(len(x) if isinstance(x, str) else 16 for x in value)
            if total + len(sep) * len(value) > self.max_chars:
                raise _Limit(msg("join would pass {n} characters"), n=f"{self.max_chars:,}")

    def _guard_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        # Filters declared with pass_context/pass_eval_context/pass_environment get that
        # object first; the value they filter comes next.
        skip = 1 if hasattr(func, "jinja_pass_arg") else 0

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            value, rest = args[skip], args[skip + 1 :]
            if name == "format":  # `"%s"|format(x)` is `"%s" % x`
                if isinstance(value, str):
                    self._check_format(value, [*rest, *kwargs.values()])
            else:
                self._precheck(name, value, rest, kwargs)
            return self.check_size(func(*args, **kwargs))

        return guarded

    # hooks the compiled template calls

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise _Limit(msg("access to attribute {attribute} of a {kind} object is unsafe"),
                     attribute=repr(attribute), kind=repr(type(obj).__name__))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.tick()
        target = inspect.unwrap(obj)  # str.format comes wrapped by the sandbox
        receiver = getattr(target, "__self__", None)
        name = getattr(target, "__name__", "")
        if isinstance(receiver, str):
            if name == "join":
                self._precheck(name, args[0] if args else None, [receiver], {})
            else:
                self._precheck(name, receiver, args, kwargs)
        return self.check_size(super().call(context, obj, *args, **kwargs))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        ints = (
            isinstance(left, int)
            and isinstance(right, int)
            and not isinstance(left, bool)
            and not isinstance(right, bool)
        )
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(n, int)
                    and len(seq) * n > self.max_chars
                ):
                    raise _Limit(msg("a repetition of more than {n}"), n=f"{self.max_chars:,}")
            if ints and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise _Limit(msg("an integer of more than {n} bits"), n=f"{_MAX_INT_BITS:,}")
        elif operator == "**":
            if ints and right > 0 and abs(left) > 1 and left.bit_length() * right > _MAX_INT_BITS:
                raise _Limit(msg("an integer of more than {n} bits"), n=f"{_MAX_INT_BITS:,}")
        elif operator == "+":
            sized = (str, list, tuple)
            if (
                isinstance(left, sized)
                and isinstance(right, sized)
                and len(left) + len(right) > self.max_chars
            ):
                raise _Limit(msg("a value of more than {n} items"), n=f"{self.max_chars:,}")
        elif operator == "%" and isinstance(left, str):
            self._check_format(left, right if isinstance(right, tuple | Mapping) else [right])
        return self.check_size(super().call_binop(context, operator, left, right))

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.tick()
            yield item

    def bounded_concat(self, *values: Any) -> str:
        parts = [str(v) for v in values]
        if sum(map(len, parts)) > self.max_chars:
            raise _Limit(msg("a string of more than {n} characters"), n=f"{self.max_chars:,}")
        return "".join(parts)


class ChatTemplate:
    """A GGUF's `tokenizer.chat_template`, compiled once and rendered in the sandbox.

    `source=None` (or blank) falls back to ChatML, the format our converted models use
    and llama.cpp's own fallback. `bos_token`/`eos_token` are the vocab's texts for those
    tokens, which many templates print (tokenizing with special-token parsing turns them
    back into the ids); with `add_bos` (the vocab's tokenizer.ggml.add_bos_token) a prompt
    the template did not start with BOS gets one, as llama.cpp's tokenizer would add.
    Every failure, at compile or render time, is a `ModelError` starting "chat
    template:": the template is part of the model file.
    """

    def __init__(
        self,
        source: str | None,
        bos_token: str = "",
        eos_token: str = "",
        add_bos: bool = False,
        *,
        max_chars: int = MAX_OUTPUT_CHARS,
        max_steps: int = MAX_STEPS,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self.is_fallback = source is None or not source.strip()
        self.source: str = C.CHATML_TEMPLATE if source is None or self.is_fallback else source
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.add_bos = add_bos and bool(bos_token)
        self.max_chars = max_chars
        if len(self.source) > max_chars:
            raise ModelError(msg("chat template: {n} characters is too long"),
                             n=f"{len(self.source):,}")
        self._env = _SandboxEnvironment(max_chars, max_steps, max_seconds)
        try:
            self._env.start()
            tree = self._env.parse(self.source)
            self._template = self._env.from_string(_Guard().visit(tree))
        except TemplateSyntaxError as e:
            raise ModelError(msg("chat template: syntax error on line {line}: {error}"),
                             line=e.lineno, error=e.message) from None
        except Exception as e:  # RecursionError on deep nesting, MemoryError, ...
            raise ModelError(msg("chat template: cannot compile it ({error})"),
                             error=_describe(e)) from None

    def render(
        self, messages: Sequence[Mapping[str, object]], add_generation_prompt: bool = True
    ) -> str:
        """The prompt text for `messages` (role/content mappings, as Hugging Face takes them),
        ending with the assistant's header when `add_generation_prompt`."""
        self._env.start()
        chunks: list[str] = []
        size = 0
        # generate() yields as the template writes, so a runaway stops at the limit
        # instead of after building the whole string.
        stream = self._template.generate(
            messages=[dict(m) for m in messages],
            add_generation_prompt=add_generation_prompt,
            bos_token=self.bos_token,
            eos_token=self.eos_token,
            tools=None,
            documents=None,
        )
        try:
            for chunk in stream:
                size += len(chunk)
                if size > self.max_chars:
                    raise ModelError(msg("chat template: output passed {n} characters "
                                         "(a runaway loop?)"), n=f"{self.max_chars:,}")
                chunks.append(chunk)
        except ModelError:
            raise
        except Exception as e:  # any failure inside template code is the model file's
            raise ModelError(msg("chat template: {error}"), error=_describe(e)) from None
        finally:
            stream.close()
        text = "".join(chunks)
        if self.add_bos and not text.startswith(self.bos_token):
            # what llama.cpp's tokenizer does for a vocab with add_bos_token (its server and
            # CLI tokenize the rendered prompt with add_special), and no second one
            text = self.bos_token + text
        return text


def _describe(e: BaseException) -> Line:
    """What went wrong in a template: our sandbox's limits and our own words translatable,
    the template's own message (raise_exception) and Python's as they are."""
    if isinstance(e, _Limit):
        return e.line
    if isinstance(e, TemplateError) and e.message:
        return Line.plain(e.message)
    if isinstance(e, RecursionError):
        return Line(msg("recursion too deep"))
    if isinstance(e, MemoryError):
        return Line(msg("out of memory"))
    text = str(e)
    return Line.plain(f"{type(e).__name__}: {text}" if text else type(e).__name__)
