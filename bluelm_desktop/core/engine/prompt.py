"""The LLM's input: the model's own chat template, rendered safely, with each image's tiles
laid out the way the model family was trained to see them.

Three steps, each pure Python and testable without a model:

1. `ChatTemplate` renders the GGUF's `tokenizer.chat_template` (Jinja, as Hugging Face
   does) in a sandbox. The template comes from a downloaded file, so it is untrusted code:
   llama-cpp-python ran such templates unsandboxed once (CVE-2024-34359, code execution
   from a GGUF). Here attribute tricks raise instead of executing, and the render is
   bounded in output, steps, time and the size of every intermediate string, so a
   hostile or buggy template ends in one `ModelError` line rather than a hang.
2. Images travel through the template as private placeholders ("\\x00bluelm-image-N\\x00").
   User text can never contain one: every NUL is removed from the caller's strings, and
   only `build_prompt` inserts placeholders, for `{"type": "image"}` content items.
3. After rendering, each placeholder is replaced by the family's `LayoutProfile` text
   around the image's tiles and `ImagePart`s for their embeddings. mtmd's own markers are
   not added for us because the tiler hands mtmd one bitmap per tile and only the image
   chunk's embeddings are used (DESIGN §3, §5), so the profile must reproduce them.

`tokenize_prompt` then turns text parts into token ids (special tokens parsed, so
`<|im_start|>` and the image markers are single tokens); the session prefills token runs
and image embeddings in order.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError
from jinja2.ext import Extension, loopcontrols
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from bluelm_desktop.core.errors import ModelError
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

_PLACEHOLDER_RE: Final = re.compile("\x00bluelm-image-([0-9]+)\x00")
_DIGITS_RE: Final = re.compile(r"[0-9]+")

# Filters and str methods whose integer arguments size their output (padding widths,
# batch/slice counts); their arguments are checked before they allocate anything.
_SIZING_CALLS: Final = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "wordwrap", "batch", "slice"}
)
_FORMAT_CALLS: Final = frozenset({"format", "format_map"})
_GUARDED_FILTERS: Final = _SIZING_CALLS | {"format", "replace", "join"}


def _placeholder(index: int) -> str:
    """The private text standing for image `index` while the template renders.

    NUL cannot be typed and is removed from every caller string (`_clean`), so only
    `build_prompt` can produce this; a template would have to spell it out on purpose.
    """
    return f"\x00bluelm-image-{index}\x00"


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
            raise SecurityError(f"more than {self.max_steps:,} steps (a runaway loop?)")
        if budget.steps % 64 == 0 and time.monotonic() > budget.deadline:
            raise SecurityError(f"rendering took longer than {self.max_seconds:g} s")

    # sizes

    def check_size(self, value: Any) -> Any:
        if isinstance(value, str | bytes | list | tuple | dict) and len(value) > self.max_chars:
            raise SecurityError(f"a value of more than {self.max_chars:,} items")
        if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
            raise SecurityError(f"an integer of more than {_MAX_INT_BITS:,} bits")
        return value

    def _check_ints(self, values: Iterable[Any]) -> None:
        for v in values:
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > self.max_chars:
                raise SecurityError(f"size argument {v} is above {self.max_chars:,}")

    def _check_format(self, fmt: str, args: Any) -> None:
        """Widths and precisions in a %- or {}-format string, and widths taken from the
        arguments (`%*s`, `{:{}}`), must stay under the limit."""
        for digits in _DIGITS_RE.findall(fmt):
            if len(digits) > 6 and int(digits) > self.max_chars:
                raise SecurityError(f"format width {digits} is above {self.max_chars:,}")
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
                raise SecurityError(f"replace would pass {self.max_chars:,} characters")
        elif name == "join" and isinstance(value, list | tuple):
            sep = args[0] if args and isinstance(args[0], str) else ""
            total = sum(len(x) if isinstance(x, str) else 16 for x in value)
            if total + len(sep) * len(value) > self.max_chars:
                raise SecurityError(f"join would pass {self.max_chars:,} characters")

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
        raise SecurityError(
            f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is unsafe"
        )

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
                    raise SecurityError(f"a repetition of more than {self.max_chars:,}")
            if ints and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise SecurityError(f"an integer of more than {_MAX_INT_BITS:,} bits")
        elif operator == "**":
            if ints and right > 0 and abs(left) > 1 and left.bit_length() * right > _MAX_INT_BITS:
                raise SecurityError(f"an integer of more than {_MAX_INT_BITS:,} bits")
        elif operator == "+":
            sized = (str, list, tuple)
            if (
                isinstance(left, sized)
                and isinstance(right, sized)
                and len(left) + len(right) > self.max_chars
            ):
                raise SecurityError(f"a value of more than {self.max_chars:,} items")
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
            raise SecurityError(f"a string of more than {self.max_chars:,} characters")
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
            raise ModelError(f"chat template: {len(self.source):,} characters is too long")
        self._env = _SandboxEnvironment(max_chars, max_steps, max_seconds)
        try:
            self._env.start()
            tree = self._env.parse(self.source)
            self._template = self._env.from_string(_Guard().visit(tree))
        except TemplateSyntaxError as e:
            raise ModelError(
                f"chat template: syntax error on line {e.lineno}: {e.message}"
            ) from None
        except Exception as e:  # RecursionError on deep nesting, MemoryError, ...
            raise ModelError(f"chat template: cannot compile it ({_describe(e)})") from None

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
                    raise ModelError(
                        f"chat template: output passed {self.max_chars:,} characters "
                        "(a runaway loop?)"
                    )
                chunks.append(chunk)
        except ModelError:
            raise
        except Exception as e:  # any failure inside template code is the model file's
            raise ModelError(f"chat template: {_describe(e)}") from None
        finally:
            stream.close()
        text = "".join(chunks)
        if self.add_bos and not text.startswith(self.bos_token):
            # what llama.cpp's tokenizer does for a vocab with add_bos_token (its server and
            # CLI tokenize the rendered prompt with add_special), and no second one
            text = self.bos_token + text
        return text


def _describe(e: BaseException) -> str:
    if isinstance(e, TemplateError) and e.message:
        return e.message
    if isinstance(e, RecursionError):
        return "recursion too deep"
    if isinstance(e, MemoryError):
        return "out of memory"
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


# --- prompt parts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TextPart:
    """Text to tokenize (special tokens parsed)."""

    text: str


@dataclass(frozen=True)
class ImagePart:
    """The embeddings of one tile: `tile_index` is row-major over the grid, and the
    thumbnail, when there is one, comes last (index cols·rows)."""

    image_index: int
    tile_index: int
    n_tokens: int


@dataclass(frozen=True)
class TokensPart:
    """Token ids already made (mtmd's own text around the slices of an image)."""

    ids: tuple[int, ...]


Prompt = list[TextPart | TokensPart | ImagePart]


@dataclass(frozen=True)
class MediaSlice:
    """One image chunk of mtmd's layout: its embedding rows and, for models that place
    image tokens in 2-D positions (M-RoPE: the Qwen2-VL family), its grid of nx × ny
    tokens. Such a chunk takes max(nx, ny) positions, not one per row."""

    rows: int
    grid: tuple[int, int] | None = None  # (nx, ny) for M-RoPE models

    @property
    def n_pos(self) -> int:
        return max(self.grid) if self.grid else self.rows


# mtmd's layout of one image: text token ids, or one image chunk.
Segment = tuple[int, ...] | MediaSlice


@dataclass(frozen=True)
class ImageLayout:
    """What the prompt needs from a tile plan (the tiler's grid.cols, grid.rows,
    thumbnail), kept as plain ints so this module does not depend on the tiler.

    `segments`, when set, is an image laid out by mtmd itself (`MediaImage.segments`,
    families we have no layout of our own for): its text tokens and image chunks are
    used as they are, and `tokens_per_tile` is then only the planner's estimate.
    """

    cols: int
    rows: int
    thumbnail: bool
    tokens_per_tile: int
    segments: tuple[Segment, ...] = ()

    def __post_init__(self) -> None:
        for name in ("cols", "rows", "tokens_per_tile"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")

    @property
    def slices(self) -> list[MediaSlice]:
        """The image chunks of mtmd's layout, in order (none for a layout of ours)."""
        return [s for s in self.segments if isinstance(s, MediaSlice)]

    @property
    def n_tiles(self) -> int:
        """Embedding blocks the encoder makes: tiles, or mtmd's image chunks."""
        if self.segments:
            return len(self.slices)
        return self.cols * self.rows + int(self.thumbnail)

    def tile_rows(self, index: int) -> int:
        """Embedding rows of tile (or image chunk) `index`."""
        if self.segments:
            return self.slices[index].rows
        return self.tokens_per_tile

    @property
    def image_tokens(self) -> int:
        """LLM positions of the image's embeddings (its marker text not counted)."""
        return sum(self.tile_rows(k) for k in range(self.n_tiles))


@dataclass(frozen=True)
class LayoutProfile:
    """The text a model family expects around an image and its tiles.

    Order: image_begin, then for each grid tile in row-major order tile_begin (with
    "{row}"/"{col}" replaced by 1-based numbers), the tile, tile_end; then
    thumbnail_begin, the thumbnail, thumbnail_end; then image_end. A lone tile (1×1, no
    thumbnail) gets tile_begin/tile_end only if `label_single_tile`. `after_image` is
    plain text the family's own chat code puts between an image and the text after it.
    """

    name: str
    image_begin: str = ""
    image_end: str = ""
    tile_begin: str = ""
    tile_end: str = ""
    thumbnail_begin: str = ""
    thumbnail_end: str = ""
    label_single_tile: bool = True
    after_image: str = ""

    def tile_label(self, row: int, col: int) -> str:
        """tile_begin for the tile in (1-based) row, col."""
        return self.tile_begin.replace("{row}", str(row)).replace("{col}", str(col))

    def marker_texts(self, max_cols: int, max_rows: int) -> tuple[str, ...]:
        """Every marker this profile can emit for grids up to max_cols × max_rows: each
        must be one token of the model's vocab (checked when the model loads), or the
        model sees text it never saw in training."""
        texts = [self.image_begin, self.image_end, self.tile_end]
        texts += [self.thumbnail_begin, self.thumbnail_end]
        texts += [
            self.tile_label(r, c) for r in range(1, max_rows + 1) for c in range(1, max_cols + 1)
        ]
        return tuple(dict.fromkeys(t for t in texts if t))


# LFM2-VL's multi-tile format, as llama.cpp's mtmd writes it for projector type lfm2
# (tools/mtmd/mtmd.cpp, PROJECTOR_TYPE_LFM2 and the slice loop in mtmd_tokenize):
#   <|image_start|> <|img_row_1_col_1|> tile … <|img_thumbnail|> thumbnail <|image_end|>
# and a single tile as <|image_start|> tile <|image_end|>. Our BlueLM-layout models run
# on that projector and their vocab carries exactly these tokens (constants.LFM2_IMAGE_TOKENS).
LFM2: Final = LayoutProfile(
    name="lfm2",
    image_begin="<|image_start|>",
    image_end="<|image_end|>",
    tile_begin="<|img_row_{row}_col_{col}|>",
    thumbnail_begin="<|img_thumbnail|>",
    label_single_tile=False,
)
BLUELM: Final = dataclasses.replace(LFM2, name=C.LAYOUT_BLUELM)

# InternVL: "<img>" + every tile's embeddings (row-major, thumbnail last) + "</img>", no
# per-tile text; then "\n" before the question. InternVL's chat() builds
# IMG_START_TOKEN + IMG_CONTEXT_TOKEN * num_image_token * num_patches + IMG_END_TOKEN and
# puts it where '<image>\n' + question had '<image>'; dynamic_preprocess crops row-major
# and appends the thumbnail last. mtmd agrees: img_beg "<img>", img_end "</img>", slices
# then overview (ov_img_first = false), nothing between slices.
INTERNVL: Final = LayoutProfile(
    name=C.LAYOUT_INTERNVL, image_begin="<img>", image_end="</img>", after_image="\n"
)

# Families mtmd lays out itself (families.MTMD): the markers come with its tokenization.
MTMD: Final = LayoutProfile(name="mtmd")

PROFILES: Final[Mapping[str, LayoutProfile]] = MappingProxyType(
    {
        C.LAYOUT_BLUELM: BLUELM,
        "lfm2": LFM2,  # mtmd's projector-type name, for LFM2-VL GGUFs without our metadata
        C.LAYOUT_INTERNVL: INTERNVL,
    }
)


def _meta_text(metadata: Mapping[str, object], key: str) -> str | None:
    """A text value under `key` or its prefix-less summary spelling (as the tiler reads)."""
    value = metadata.get(key)
    if value is None:
        value = metadata.get(key.removeprefix("bluelm."))
    if value is None:
        return None
    if not isinstance(value, str):
        raise ModelError(f"model metadata {key} should be text, got {value!r:.60}")
    return value


def profile_for(layout: str | None, metadata: Mapping[str, object]) -> LayoutProfile:
    """The layout profile for a model: by `layout` name (or the model's `bluelm.layout`
    metadata when None), else a generic one.

    The generic profile wraps each tile, thumbnail included, in the metadata's
    `bluelm.prompt.image_begin`/`image_end` ("text before/after each tile", as the keys
    are defined: what mtmd puts around each bitmap it is given) and nothing when they are
    absent.
    """
    name = layout if layout is not None else _meta_text(metadata, C.KEY_LAYOUT)
    if name is not None and name in PROFILES:
        return PROFILES[name]
    begin = _meta_text(metadata, C.KEY_IMAGE_BEGIN) or ""
    end = _meta_text(metadata, C.KEY_IMAGE_END) or ""
    return LayoutProfile(
        name=name or "generic",
        tile_begin=begin,
        tile_end=end,
        thumbnail_begin=begin,
        thumbnail_end=end,
    )


def media_parts(image_index: int, segments: Sequence[Segment]) -> Prompt:
    """The parts for an image mtmd laid out: its token runs and image chunks, in order."""
    parts: Prompt = []
    chunk = 0
    for segment in segments:
        if isinstance(segment, MediaSlice):
            parts.append(ImagePart(image_index, chunk, segment.rows))
            chunk += 1
        else:
            parts.append(TokensPart(tuple(segment)))
    return parts


def image_parts(
    profile: LayoutProfile,
    image_index: int,
    cols: int,
    rows: int,
    thumbnail: bool,
    tokens_per_tile: int,
) -> Prompt:
    """The parts for one image: marker text and one ImagePart per tile, in profile order."""
    layout = ImageLayout(cols, rows, thumbnail, tokens_per_tile)  # validates
    parts: Prompt = []

    def text(t: str) -> None:
        if t:
            parts.append(TextPart(t))

    labelled = profile.label_single_tile or layout.n_tiles > 1
    text(profile.image_begin)
    for r in range(rows):
        for c in range(cols):
            if labelled:
                text(profile.tile_label(r + 1, c + 1))
            parts.append(ImagePart(image_index, r * cols + c, tokens_per_tile))
            if labelled:
                text(profile.tile_end)
    if thumbnail:
        text(profile.thumbnail_begin)
        parts.append(ImagePart(image_index, rows * cols, tokens_per_tile))
        text(profile.thumbnail_end)
    text(profile.image_end)
    return merge_text(parts)


def merge_text(parts: Iterable[TextPart | TokensPart | ImagePart]) -> Prompt:
    """Join adjacent text parts and drop empty ones (one tokenize call per text run)."""
    out: Prompt = []
    for part in parts:
        if isinstance(part, TextPart):
            if not part.text:
                continue
            last = out[-1] if out else None
            if isinstance(last, TextPart):
                out[-1] = TextPart(last.text + part.text)
                continue
        out.append(part)
    return out


def count_image_tokens(prompt: Iterable[TextPart | TokensPart | ImagePart]) -> int:
    return sum(p.n_tokens for p in prompt if isinstance(p, ImagePart))


# --- messages → prompt -----------------------------------------------------------------------


def _clean(value: object) -> object:
    """Caller data with every NUL removed, so no user text can forge an image placeholder."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _flatten(messages: Sequence[Mapping[str, object]]) -> tuple[list[dict[str, object]], int]:
    """Messages with string content for the template, images replaced by placeholders.

    Content is a string (text only) or a list of Hugging Face-style items,
    `{"type": "text", "text": …}` and `{"type": "image"}`; images are numbered in order
    of appearance across the conversation. The template always sees a string: that is
    what text-only templates expect, and llama.cpp's server flattens the same way.
    """
    flat: list[dict[str, object]] = []
    n_images = 0
    for i, message in enumerate(messages):
        out = {str(k): _clean(v) for k, v in message.items() if k != "content"}
        content = message.get("content")
        if isinstance(content, list | tuple):
            pieces: list[str] = []
            for item in content:
                kind = item.get("type") if isinstance(item, Mapping) else None
                if kind == "image":
                    pieces.append(_placeholder(n_images))
                    n_images += 1
                elif kind == "text" and isinstance(item.get("text"), str):
                    pieces.append(str(_clean(item["text"])))
                else:
                    raise ValueError(f"message {i}: unsupported content item {item!r:.80}")
            out["content"] = "".join(pieces)
        elif content is None or isinstance(content, str):
            out["content"] = _clean(content)
        else:
            raise ValueError(f"message {i}: content must be text or a list of items")
        flat.append(out)
    return flat, n_images


def build_prompt(
    template: ChatTemplate,
    profile: LayoutProfile,
    messages: Sequence[Mapping[str, object]],
    images: Sequence[ImageLayout],
    add_generation_prompt: bool = True,
) -> Prompt:
    """Render the conversation and expand each image where its message put it.

    `images[k]` is the plan of the k-th `{"type": "image"}` item. Each image must come out
    of the template exactly once: a template that drops or repeats message content would
    otherwise silently lose an image or feed it twice, so that is a `ModelError`.
    """
    flat, n_images = _flatten(messages)
    if n_images != len(images):
        raise ValueError(f"the messages hold {n_images} images but {len(images)} plans came")
    text = template.render(flat, add_generation_prompt)
    pieces = _PLACEHOLDER_RE.split(text)
    parts: Prompt = []
    seen: list[int] = []
    for k, piece in enumerate(pieces):
        if k % 2 == 0:
            parts.append(TextPart(piece))
            continue
        index = int(piece)
        if index >= n_images:  # only a template that spells out our placeholder
            raise ModelError("chat template: it wrote an image placeholder of its own")
        if index in seen:
            raise ModelError(f"chat template: image {index + 1} appears more than once")
        seen.append(index)
        plan = images[index]
        if plan.segments:  # mtmd's own layout, markers included
            parts += media_parts(index, plan.segments)
            continue
        parts += image_parts(
            profile, index, plan.cols, plan.rows, plan.thumbnail, plan.tokens_per_tile
        )
        parts.append(TextPart(profile.after_image))
    if len(seen) != n_images:
        missing = min(set(range(n_images)) - set(seen))
        raise ModelError(f"chat template: image {missing + 1} was dropped from the prompt")
    return merge_text(parts)


def tokenize_prompt(
    prompt: Iterable[TextPart | TokensPart | ImagePart], tokenize: Callable[[str], list[int]]
) -> list[list[int] | ImagePart]:
    """Token ids for each text run, image parts passed through, in order.

    `tokenize` must parse special tokens (`LlamaModel.tokenize` does by default) so
    `<|im_start|>` and image markers become their single ids, and must not add BOS: the
    template prints it when the model wants one. As with Hugging Face and llama.cpp's
    server, special-token text typed by the user is parsed too.
    """
    out: list[list[int] | ImagePart] = []
    for part in prompt:
        if isinstance(part, ImagePart):
            out.append(part)
        elif isinstance(part, TokensPart):
            out.append(list(part.ids))
        elif part.text:
            out.append(list(tokenize(part.text)))
    return out
