"""The user's settings: typed, versioned, kept in one TOML file, never fatal to read.

Why each part is shaped the way it is:

- **Typed and frozen.** Each group (`ModelSettings`, `InferenceSettings`, `VisionSettings`,
  `UISettings`, `ServerSettings`) is a frozen dataclass whose fields carry their own
  limits (`Limits`, read with `limits_of`), checked on construction. The settings
  dialog bounds its spin boxes with the same limits the loader enforces, so the two
  can never disagree, and a
  `Settings` object that exists is always valid: `engine_settings()`, `sampling_params()`
  and `tiling_params()` cannot fail on it. Defaults are read from the core types they
  feed (`EngineSettings`, `SamplingParams`, `TilingParams`, `DocumentLimits`), so a
  default is defined once, where its meaning lives.
- **Versioned.** The file carries `schema_version` (as napari's settings do). A file from
  an older schema is upgraded one step at a time by the functions registered in
  `MIGRATIONS` (version N → N + 1), on the raw TOML tables before any checking, so each
  migration only has to know its own two schemas. A file without the key is taken as the
  oldest schema: migrations only touch keys they know, so a hand-written current file
  passes through unchanged.
- **Forgiving on load.** The file is meant to be hand-edited, and a typo must never stop
  the app from starting. An unknown key is ignored, a value of the wrong type or out of
  range falls back to its default, a file that is not TOML at all is moved aside to
  `settings.toml.bad-<timestamp>` (so the user's edits are not lost when the app next
  saves) and the defaults are used. Each problem is one `Line` in `LoadResult.lines`
  (an English template marked with `msg` and its fields, `core/errors.py`), so the
  status bar shows it in the interface's language (`ui.i18n.tr_line`);
  `LoadResult.warnings` holds the same lines in English, which `load()` logs.
- **Written atomically** (qutebrowser's `savefile_open`): a temporary file in the same
  directory, fsync, `os.replace`. A crash or a full disk mid-save leaves the old file.
- **Located in one place.** `settings_path()`: `$BLUELM_SETTINGS` if set (a file path,
  for tests and scripts), else `paths.config_dir()/settings.toml`, which follows
  `paths.set_base_dir` (`--data-dir`) and `$BLUELM_DATA_DIR`, so tests never touch the
  user's real configuration. An explicit `path` argument wins over both.

Unset optional values (no model chosen yet, a random seed) are simply absent from the file:
TOML has no null. `save()` writes every other value, so the file documents what can be set;
comments and unknown keys in a hand-edited file are not preserved.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Final

from bluelm_desktop.core import paths
from bluelm_desktop.core.documents.model import DocumentLimits
from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.engine.attention import (
    FLASH_ATTENTION,
    KV_CACHE_CHOICES,
    needs_flash_attention,
)
from bluelm_desktop.core.engine.engine import EngineSettings
from bluelm_desktop.core.engine.sampling import MAX_SEED, SamplingParams
from bluelm_desktop.core.errors import BlueLMError, InvalidValue, Line, msg, value_line
from bluelm_desktop.core.vision.tiling import BUDGET_FAST, BUDGET_PRESETS, TilingParams

SCHEMA_VERSION: Final = 2
ENV_SETTINGS: Final = "BLUELM_SETTINGS"
SETTINGS_FILE: Final = "settings.toml"

THEMES: Final = ("system", "light", "dark")
# UI language code (the Qt Linguist file's suffix) → its own name, which is also the
# default target of "Translate text in image": users read answers in their UI language.
UI_LANGUAGES: Final[Mapping[str, str]] = MappingProxyType({"en": "English", "zh_CN": "简体中文"})
BUDGET_CUSTOM: Final = "custom"

BUDGETS: Final = (*BUDGET_PRESETS, BUDGET_CUSTOM)

# The largest context offered: 128 Ki tokens, the longest any llama.cpp vision model we
# know of was trained for. The smallest is the engine's n_batch (512), which llama.cpp
# requires to fit in the context (it aborts otherwise, see engine/native.py).
MAX_CONTEXT: Final = 131072

_ENGINE: Final = EngineSettings()
_SAMPLING: Final = SamplingParams()
_TILING: Final = TilingParams()
_DOCUMENTS: Final = DocumentLimits()

_log = logging.getLogger(__name__)


# --- limits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What one setting may hold besides its type; `None` bounds are open-ended.

    `lo_open` excludes `lo` itself (top_p > 0). `choices` lists the only allowed strings.
    `line` asks for one line of printable text (it goes into a prompt or a label), at
    most `max_len` characters.
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    choices: tuple[str, ...] = ()
    line: bool = False
    max_len: int | None = None

    def check(self, value: object) -> None:
        """Raise `InvalidValue` (a phrase that reads after the setting's name) if not allowed."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            lo, hi = self.lo, self.hi
            too_low = lo is not None and (value <= lo if self.lo_open else value < lo)
            if too_low or (hi is not None and value > hi):
                raise InvalidValue(msg("must be {want}, got {value}"), want=self.describe(),
                                   value=_show(value))
        if isinstance(value, str):
            if self.choices and value not in self.choices:
                raise InvalidValue(msg("must be {want}, got {value}"), want=self.describe(),
                                   value=_show(value))
            if self.line and not value.isprintable():
                raise InvalidValue(msg("must be one line of printable text, got {value}"),
                                   value=_show(value))
            if self.max_len is not None and len(value) > self.max_len:
                raise InvalidValue(msg("must be at most {count} characters long"),
                                   count=self.max_len)

    def describe(self) -> Line:
        """The allowed values in words, for messages: "in 512..131072" (`str()` is the
        English; the settings dialog words its tooltips itself)."""
        if self.choices:
            return Line.of(msg("one of {choices}"),
                           choices=", ".join(_text(c) for c in self.choices))
        if self.lo is not None and self.hi is not None:
            if self.lo_open:
                return Line.of(msg("> {lo} and ≤ {hi}"), lo=_text(self.lo), hi=_text(self.hi))
            return Line.of(msg("in {lo}..{hi}"), lo=_text(self.lo), hi=_text(self.hi))
        if self.lo is not None:
            if self.lo_open:
                return Line.of(msg("> {lo}"), lo=_text(self.lo))
            return Line.of(msg("≥ {lo}"), lo=_text(self.lo))
        if self.hi is not None:
            return Line.of(msg("≤ {hi}"), hi=_text(self.hi))
        return Line.of(msg("any value"))


def _setting(default: Any, **limits: Any) -> Any:
    """A dataclass field whose limits travel with it (read back by `limits_of`)."""
    return field(default=default, metadata={"limits": Limits(**limits)})


@dataclass(frozen=True)
class _Field:
    name: str
    type: type
    optional: bool
    default: object
    limits: Limits


@functools.cache
def _fields(cls: type) -> tuple[_Field, ...]:
    """Each field of a settings group with its resolved type (annotations are strings)."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint)
        optional = type(None) in args
        base = next(a for a in args if a is not type(None)) if args else hint
        out.append(_Field(f.name, base, optional, f.default, f.metadata.get("limits", Limits())))
    return tuple(out)


def limits_of(group: type[_Group], name: str) -> Limits:
    """The limits of one setting, e.g. `limits_of(InferenceSettings, "context")`.

    For the settings dialog: spin-box ranges and combo-box entries come from here.
    """
    for f in _fields(group):
        if f.name == name:
            return f.limits
    raise KeyError(f"{group.__name__} has no setting {name!r}")


_TYPE_WORDS: Final[Mapping[type, Line]] = MappingProxyType({
    bool: Line.of(msg("true or false")),
    int: Line.of(msg("a whole number")),
    float: Line.of(msg("a number")),
    str: Line.of(msg("text")),
})


def _text(value: object) -> str:
    """A value as a user would write it in the file, shortened to stay on one line."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _show(value: object) -> str | Line:
    """A value from the file for a message: as written (data), or, for a table or a
    list, what it is in words (a `Line` to translate)."""
    if isinstance(value, dict):
        return Line.of(msg("a table"))
    if isinstance(value, list):
        return Line.of(msg("a list"))
    return _text(value)


def _wrong_type(f: _Field, value: object) -> InvalidValue:
    return InvalidValue(msg("must be {want}, got {value}"), want=_TYPE_WORDS[f.type],
                        value=_show(value))


def _coerce(f: _Field, value: object) -> object:
    """`value` as `f`'s type, or `InvalidValue` (a ValueError) with a phrase that reads
    after the name."""
    if value is None:
        if f.optional:
            return None
        raise InvalidValue(msg("must be set"))
    if f.type is bool:
        if not isinstance(value, bool):
            raise _wrong_type(f, value)
    elif f.type is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _wrong_type(f, value)
    elif f.type is float:
        # A TOML integer (`temperature = 1`) is a fine number; stored as float so that
        # equality and the written file do not depend on how the user typed it.
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _wrong_type(f, value)
        if not math.isfinite(value):
            raise InvalidValue(msg("must be a finite number, got {value}"), value=_show(value))
        f.limits.check(value)  # before float(): a message shows the value as it was written
        return float(value)
    elif f.type is str:
        if not isinstance(value, str):
            raise _wrong_type(f, value)
        if not value.strip():
            raise InvalidValue(msg("must not be empty"))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # Lone surrogates (undecodable file names) cannot be written to a TOML file.
            raise InvalidValue(msg("contains characters that cannot be saved")) from None
    f.limits.check(value)
    return value


class _Group:
    """Base of the settings groups: checks every field on construction.

    A group built in code with a bad value raises `InvalidValue` (a ValueError) naming the
    setting (`inference.context must be in 512..131072, got 100`); the loader checks each
    value before constructing, so a bad value in the file never gets here.
    """

    section: ClassVar[str]

    def __post_init__(self) -> None:
        for f in _fields(type(self)):
            value = getattr(self, f.name)
            try:
                coerced = _coerce(f, value)
            except ValueError as e:
                raise InvalidValue(msg("{setting} {problem}"), setting=f"{self.section}.{f.name}",
                                   problem=value_line(e)) from None
            if coerced is not value:
                object.__setattr__(self, f.name, coerced)


# --- the groups -----------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSettings(_Group):
    """The model pair loaded at start; None until the user has set one up.

    Strings, not Paths: they are written to and read from TOML as they are, and a path
    that no longer exists is the model library's to report, not a settings error.
    """

    section: ClassVar[str] = "model"

    llm: str | None = None
    mmproj: str | None = None


@dataclass(frozen=True)
class InferenceSettings(_Group):
    """How the engine runs and how it samples. 0 threads means all cores (EngineSettings)."""

    section: ClassVar[str] = "inference"

    threads: int = _setting(_ENGINE.threads, lo=0, hi=256)
    context: int = _setting(_ENGINE.n_ctx, lo=_ENGINE.n_batch, hi=MAX_CONTEXT)
    # A prefill chunk is one llama_decode, so it cannot exceed the engine's n_batch.
    prefill_chunk: int = _setting(_ENGINE.n_chunk, lo=1, hi=_ENGINE.n_batch)
    tile_batch: int = _setting(_ENGINE.tile_batch, lo=1, hi=16)
    # Attention and KV cache (README, "Attention and the KV cache"). A q8_0 V cache needs
    # flash attention: `engine_settings` turns it on for one, as llama.cpp's "auto" does.
    flash_attention: str = _setting(_ENGINE.flash_attention, choices=tuple(FLASH_ATTENTION))
    kv_cache_k: str = _setting(_ENGINE.kv_type_k, choices=KV_CACHE_CHOICES)
    kv_cache_v: str = _setting(_ENGINE.kv_type_v, choices=KV_CACHE_CHOICES)
    # For a model `tune` measured here: its tile batch, flash attention and KV cache types
    # replace the four above (`tune.engine_settings_for`); False keeps them as set.
    follow_tune: bool = _setting(True)
    temperature: float = _setting(_SAMPLING.temperature, lo=0, hi=5)
    top_p: float = _setting(_SAMPLING.top_p, lo=0, hi=1, lo_open=True)
    top_k: int = _setting(_SAMPLING.top_k, lo=0, hi=1000)
    repeat_penalty: float = _setting(_SAMPLING.repeat_penalty, lo=0, hi=10, lo_open=True)
    max_tokens: int = _setting(_SAMPLING.max_tokens, lo=1, hi=MAX_CONTEXT)
    seed: int | None = _setting(_SAMPLING.seed, lo=0, hi=MAX_SEED)  # None: a random seed


@dataclass(frozen=True)
class VisionSettings(_Group):
    """How documents become tiles: the matcher's α, the largest grid, the token budget.

    `budget` is a preset of the tiler (`BUDGET_PRESETS`: "fine print" has no cap, "fast"
    caps a page's image tokens) or "custom", which uses `custom_max_image_tokens`. The
    custom number is kept while a preset is chosen, so switching back restores it.
    `pdf_dpi_cap` is the resolution PDF pages are planned and rendered at.
    """

    section: ClassVar[str] = "vision"

    alpha: float = _setting(_TILING.alpha, lo=0)
    max_grid: int = _setting(_TILING.max_grid, lo=1, hi=8)
    budget: str = _setting("fine print", choices=BUDGETS)
    custom_max_image_tokens: int = _setting(BUDGET_FAST, lo=1, hi=MAX_CONTEXT)
    pdf_dpi_cap: int = _setting(round(_DOCUMENTS.planning_dpi), lo=72, hi=600)

    def max_image_tokens(self) -> int | None:
        """The per-page image-token cap the tiler gets (None: no cap)."""
        if self.budget == BUDGET_CUSTOM:
            return self.custom_max_image_tokens
        return BUDGET_PRESETS[self.budget]


@dataclass(frozen=True)
class UISettings(_Group):
    """Look and language of the window, and how often streamed text is repainted.

    `translation_target` None means "the UI language" (`effective_translation_target`):
    the default follows the UI language when the user changes it, until they pick a
    target of their own. `coalesce_ms` is how long streamed tokens are gathered before a
    repaint: a busy GUI thread slows the engine (DESIGN §5).
    """

    section: ClassVar[str] = "ui"

    theme: str = _setting("system", choices=THEMES)
    language: str = _setting("en", choices=tuple(UI_LANGUAGES))
    translation_target: str | None = _setting(None, line=True, max_len=64)
    coalesce_ms: int = _setting(100, lo=16, hi=1000)

    def effective_translation_target(self) -> str:
        """The language "Translate text in image" asks for, e.g. "English" or "简体中文"."""
        return self.translation_target or UI_LANGUAGES[self.language]


@dataclass(frozen=True)
class ServerSettings(_Group):
    """Answers through llama.cpp's `llama-server` instead of the model loaded here.

    `url` is the server's address as the user typed it (checked where it is used:
    `core.server.ServerConfig`); it is kept while `enabled` is off, so switching back
    restores it. The API key is never a setting: it lives in its own file, readable by
    the user alone (`core.server.keys`), so this file can be shown or shared.
    """

    section: ClassVar[str] = "server"

    enabled: bool = _setting(False)
    url: str | None = _setting(None, line=True, max_len=2048)

    @property
    def active(self) -> bool:
        """Whether answers go through the server: switched on, with an address."""
        return self.enabled and bool(self.url)


_GROUPS: Final[tuple[type[_Group], ...]] = (
    ModelSettings,
    InferenceSettings,
    VisionSettings,
    UISettings,
    ServerSettings,
)


@dataclass(frozen=True)
class Settings:
    """Everything the user can set, grouped as in the file and the settings dialog.

    Change one value with `dataclasses.replace` on the group and on the settings:
    `replace(s, ui=replace(s.ui, theme="dark"))`. The helpers below translate to the core
    types, so the engine and tiler never read settings fields themselves.
    """

    schema_version: int = SCHEMA_VERSION
    model: ModelSettings = field(default_factory=ModelSettings)
    inference: InferenceSettings = field(default_factory=InferenceSettings)
    vision: VisionSettings = field(default_factory=VisionSettings)
    ui: UISettings = field(default_factory=UISettings)
    server: ServerSettings = field(default_factory=ServerSettings)

    def __post_init__(self) -> None:
        # Older schemas exist only as files, migrated on load; in memory it is always current.
        if self.schema_version != SCHEMA_VERSION:
            raise ValueError(
                f"schema_version must be {SCHEMA_VERSION}, got {self.schema_version!r}"
            )
        for group in _GROUPS:
            if not isinstance(getattr(self, group.section), group):
                raise ValueError(f"Settings.{group.section} must be a {group.__name__}")

    def engine_settings(self, base: EngineSettings | None = None) -> EngineSettings:
        """The engine's settings: `base` (defaults if None) with the user's choices.

        `base` keeps what the user does not set (n_batch, encode_threads, cache_mb). Its
        own limits win: the batch never exceeds the context and the chunk never exceeds
        the batch, since llama.cpp aborts the process rather than returning an error.
        """
        base = base or EngineSettings()
        inf = self.inference
        n_batch = min(base.n_batch, inf.context)
        return dataclasses.replace(
            base,
            n_ctx=inf.context,
            n_batch=n_batch,
            n_chunk=min(inf.prefill_chunk, n_batch),
            threads=inf.threads,
            tile_batch=inf.tile_batch,
            flash_attention=("on" if needs_flash_attention(inf.kv_cache_v)
                             and inf.flash_attention == "off" else inf.flash_attention),
            kv_type_k=inf.kv_cache_k,
            kv_type_v=inf.kv_cache_v,
        )

    def sampling_params(self, json_schema: Mapping[str, Any] | None = None) -> SamplingParams:
        """How to choose tokens. `json_schema` is the caller's (invoice extraction), not a
        setting; `repeat_last_n` keeps the sampler's default."""
        inf = self.inference
        return SamplingParams(
            temperature=inf.temperature,
            top_p=inf.top_p,
            top_k=inf.top_k,
            repeat_penalty=inf.repeat_penalty,
            max_tokens=inf.max_tokens,
            seed=inf.seed,
            json_schema=json_schema,
        )

    def tiling_overrides(self) -> dict[str, Any]:
        """The TilingParams fields the user sets: `replace(model_params, **overrides)`.

        The other fields (tile size, tokens per tile, thumbnail mode) belong to the model
        and come from its GGUF metadata (`TilingParams.from_gguf_metadata`).
        """
        v = self.vision
        return {"alpha": v.alpha, "max_grid": v.max_grid, "max_image_tokens": v.max_image_tokens()}

    def tiling_params(self, base: TilingParams | None = None) -> TilingParams:
        """`base` (the model's params; the tiler's defaults if None) with the user's choices."""
        return dataclasses.replace(base or TilingParams(), **self.tiling_overrides())

    def document_limits(self, base: DocumentLimits | None = None) -> DocumentLimits:
        """The document intake's limits with the user's PDF resolution."""
        return dataclasses.replace(
            base or DocumentLimits(), planning_dpi=float(self.vision.pdf_dpi_cap)
        )


# --- migrations -----------------------------------------------------------------------

Document = dict[str, Any]
Migration = Callable[[Document, list[Line]], Document]

MIGRATIONS: dict[int, Migration] = {}
"""from-version → the function that turns a document of that schema into the next one.

A migration gets the raw TOML document (anything a hand edit can produce: check types
before trusting them) and a list to append its warnings to, one `Line` each
(`Line.of(msg("…"), **fields)`, so the window can show them translated); it returns the
document (it may change it in place). It must not set `schema_version`: the loader does.
"""


def migration(from_version: int) -> Callable[[Migration], Migration]:
    """Register a function as the step from `from_version` to `from_version + 1`."""

    def register(fn: Migration) -> Migration:
        if from_version in MIGRATIONS:
            raise RuntimeError(f"two migrations from schema {from_version}")
        MIGRATIONS[from_version] = fn
        return fn

    return register


@migration(1)
def _v1_to_v2(doc: Document, warnings: list[Line]) -> Document:
    """Schema 1 → 2: `inference.chunk` became `prefill_chunk` (the paper's name), and the
    `ui.dark` switch became `ui.theme` so that "follow the system" could be offered.

    Schema 1 had no system theme, so `dark = false` meant the light look the user saw:
    it becomes "light", not the new default "system". A value already under the new name
    wins over the old one (a user who hand-edited the file with both meant the new one).
    """
    inference = doc.get("inference")
    if isinstance(inference, dict) and "chunk" in inference:
        chunk = inference.pop("chunk")
        inference.setdefault("prefill_chunk", chunk)
    ui = doc.get("ui")
    if isinstance(ui, dict) and "dark" in ui:
        dark = ui.pop("dark")
        if isinstance(dark, bool):
            ui.setdefault("theme", "dark" if dark else "light")
        else:
            warnings.append(Line.of(
                msg("ui.dark: must be true or false, got {value}; using the default theme"),
                value=_show(dark)))
    return doc


def _migrate(doc: Document, warnings: list[Line]) -> tuple[Document, int]:
    """Bring `doc` to the current schema; returns it and the schema it was written in."""
    raw = doc.pop("schema_version", None)
    if raw is None:
        version = 1  # files before the key; migrations leave current keys alone
    elif not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        warnings.append(Line.of(
            msg("schema_version: must be a whole number ≥ 1, got {value}; "
                "read as the oldest schema"),
            value=_show(raw)))
        version = 1
    elif raw > SCHEMA_VERSION:
        warnings.append(Line.of(
            msg("schema_version: {version} is newer than this app understands ({current}); "
                "settings it does not know are ignored and will be dropped when settings "
                "are saved"),
            version=raw, current=SCHEMA_VERSION))
        return doc, raw
    else:
        version = raw
    for step in range(version, SCHEMA_VERSION):
        try:
            doc = MIGRATIONS[step](doc, warnings)
        except Exception as e:  # a migration bug must not keep the app from starting
            warnings.append(Line.of(
                msg("settings from schema {version} could not be upgraded ({kind}: {error}); "
                    "some settings may be back to their defaults"),
                version=step, kind=type(e).__name__, error=str(e)))
    return doc, version


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    """What `load_with_report` found: the settings and every problem, one `Line` each
    (`lines`, for the window to translate; `warnings`, the same in English, for logs).

    `file_version` is the schema the file was written in (None: no readable file), so a
    caller can save right away after a migration. `moved_to` is where a corrupt file went.
    """

    settings: Settings
    path: Path
    lines: tuple[Line, ...] = ()
    file_version: int | None = None
    moved_to: Path | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """Each problem as one English line."""
        return tuple(str(line) for line in self.lines)

    @property
    def migrated(self) -> bool:
        return self.file_version is not None and self.file_version < SCHEMA_VERSION


def settings_path() -> Path:
    """The settings file: `$BLUELM_SETTINGS`, else `config_dir()/settings.toml`.

    The environment is read on every call, as in `paths`, so tests can set it late.
    """
    env = os.environ.get(ENV_SETTINGS, "").strip()
    if env:
        return Path(env).expanduser().absolute()
    return paths.config_dir() / SETTINGS_FILE


def load(path: Path | str | None = None) -> Settings:
    """The settings from `path` (default `settings_path()`); problems are logged.

    Never raises for anything in or about the file: see `load_with_report`.
    """
    result = load_with_report(path)
    for line in result.warnings:
        _log.warning("%s: %s", result.path, line)
    return result.settings


def load_with_report(path: Path | str | None = None) -> LoadResult:
    """Read, migrate and check the settings file; defaults for whatever is missing or bad.

    A missing file is the first run: defaults, no warnings. An unreadable one (a
    directory, no permission) is reported and left alone. One that is not UTF-8 TOML is
    moved aside to `<name>.bad-<timestamp>` and reported as one line.
    """
    target = Path(path).expanduser().absolute() if path is not None else settings_path()
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return LoadResult(Settings(), target)
    except OSError as e:
        line = Line.of(msg("{name}: cannot read ({reason}); using defaults"),
                       name=target.name, reason=e.strerror or str(e))
        return LoadResult(Settings(), target, (line,))
    try:
        # utf-8-sig: Windows Notepad starts its UTF-8 files with a BOM, which TOML forbids.
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        problem = (Line.of(msg("not UTF-8 text")) if isinstance(e, UnicodeDecodeError)
                   else Line.of(msg("not valid TOML ({error})"), error=str(e)))
        try:
            moved = _move_aside(target)
        except OSError as err:
            line = Line.of(
                msg("{name}: {problem}; could not move it aside ({reason}); using defaults"),
                name=target.name, problem=problem, reason=err.strerror or str(err))
            return LoadResult(Settings(), target, (line,))
        line = Line.of(msg("{name}: {problem}; moved aside to {moved}, using defaults"),
                       name=target.name, problem=problem, moved=moved.name)
        return LoadResult(Settings(), target, (line,), moved_to=moved)
    warnings: list[Line] = []
    doc, version = _migrate(doc, warnings)
    settings = settings_from_document(doc, warnings)
    return LoadResult(settings, target, tuple(warnings), file_version=version)


def settings_from_document(doc: Mapping[str, Any], warnings: list[Line]) -> Settings:
    """Settings from a current-schema document; each problem appended to `warnings`.

    Every value is checked on its own, so one bad value costs only that value.
    """
    groups: dict[str, _Group] = {}
    sections = {g.section for g in _GROUPS}
    for key in doc:
        if key not in sections:
            warnings.append(Line.of(msg("{key}: unknown setting, ignored"), key=key))
    for group in _GROUPS:
        table = doc.get(group.section)
        if table is None:
            groups[group.section] = group()
        elif not isinstance(table, dict):
            warnings.append(Line.of(
                msg("{section}: must be a table ([{section}]), got {value}; using defaults"),
                section=group.section, value=_show(table)))
            groups[group.section] = group()
        else:
            groups[group.section] = _group_from_table(group, table, warnings)
    return Settings(**groups)  # type: ignore[arg-type]


def _group_from_table(group: type[_Group], table: Mapping[str, Any], warnings: list[Line]
                      ) -> _Group:
    known = {f.name: f for f in _fields(group)}
    values: dict[str, object] = {}
    for key, value in table.items():
        f = known.get(key)
        if f is None:
            warnings.append(Line.of(msg("{key}: unknown setting, ignored"),
                                    key=f"{group.section}.{key}"))
            continue
        try:
            values[key] = _coerce(f, value)
        except ValueError as e:
            fallback = (Line.of(msg("left unset")) if f.default is None
                        else Line.of(msg("using {value}"), value=_show(f.default)))
            warnings.append(Line.of(msg("{key}: {problem}; {fallback}"),
                                    key=f"{group.section}.{key}", problem=value_line(e),
                                    fallback=fallback))
    return group(**values)


def _move_aside(path: Path) -> Path:
    """Rename a corrupt file to `<name>.bad-<timestamp>` (never over an older one)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.bad-{stamp}")
    n = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.bad-{stamp}-{n}")
        n += 1
    path.rename(aside)
    return aside


# --- writing --------------------------------------------------------------------------


def save(settings: Settings, path: Path | str | None = None) -> Path:
    """Write `settings` atomically to `path` (default `settings_path()`); returns the path.

    A failure is a `BlueLMError` of one line, and the previous file is left as it was.
    """
    target = Path(path).expanduser().absolute() if path is not None else settings_path()
    try:
        write_atomically(target, to_toml(settings).encode("utf-8"))
    except OSError as e:
        raise BlueLMError(msg("{path}: cannot save settings: {reason}"), path=target,
                          reason=e.strerror or str(e)) from None
    return target


def to_toml(settings: Settings) -> str:
    """The settings as a TOML document: `schema_version`, then one table per group.

    Hand-written because the standard library reads TOML but does not write it, and the
    file needs only tables of strings, integers and floats. Unset values are left out.
    """
    lines = [
        "# BlueLM Desktop settings. The app rewrites this file when settings change.",
        "# Hand edits are read at start; a bad value falls back to its default.",
        f"schema_version = {SCHEMA_VERSION}",
    ]
    for group in _GROUPS:
        lines += ["", f"[{group.section}]"]
        values = getattr(settings, group.section)
        for f in _fields(group):
            value = getattr(values, f.name)
            if value is not None:
                lines.append(f"{f.name} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


_ESCAPES: Final[Mapping[str, str]] = MappingProxyType(
    {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
)


def toml_value(value: object) -> str:
    """One TOML value: a basic string, an integer, a float or a boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)  # shortest round-trip form, always with "." or "e": a TOML float
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in _ESCAPES:
                out.append(_ESCAPES[ch])
            elif ch < " " or ch == "\x7f":
                out.append(f"\\u{ord(ch):04X}")
            elif 0xD800 <= ord(ch) <= 0xDFFF:
                raise ValueError("a lone surrogate cannot be written to a TOML file")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    raise TypeError(f"cannot write {type(value).__name__} to the settings file")
