"""Settings: round trip, migration, forgiving load, atomic save, path overrides, conversions."""

from __future__ import annotations

import ast
import dataclasses
import logging
import math
import os
import stat
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bluelm_desktop.core import paths
from bluelm_desktop.core import settings as S
from bluelm_desktop.core.documents.model import DocumentLimits
from bluelm_desktop.core.engine.engine import EngineSettings
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import BlueLMError, InvalidValue, Line, value_line
from bluelm_desktop.core.vision.tiling import BUDGET_FAST, TilingParams


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test runs under its own base directory: the real config is never touched."""
    monkeypatch.delenv(S.ENV_SETTINGS, raising=False)
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)
    base = tmp_path / "base"
    paths.set_base_dir(base)
    yield base
    paths.set_base_dir(None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- strategies: any valid Settings, drawn from each field's own limits --------------------

_NO_SURROGATES = st.characters(exclude_categories=("Cs",))


def _field_strategy(f: Any) -> st.SearchStrategy[Any]:
    lim = f.limits
    if lim.choices:
        base: st.SearchStrategy[Any] = st.sampled_from(lim.choices)
    elif f.type is bool:
        base = st.booleans()
    elif f.type is int:
        base = st.integers(
            min_value=None if lim.lo is None else int(lim.lo),
            max_value=None if lim.hi is None else int(lim.hi),
        )
    elif f.type is float:
        base = st.floats(
            min_value=lim.lo,
            max_value=lim.hi if lim.hi is not None else 1e300,
            exclude_min=lim.lo_open,
            allow_nan=False,
            allow_infinity=False,
        )
    else:  # free text: paths may hold anything a file name can, quotes and newlines too
        text = st.text(_NO_SURROGATES, min_size=1, max_size=lim.max_len or 80)
        if lim.line:
            text = text.filter(str.isprintable)
        base = text.filter(lambda s: bool(s.strip()))
    return st.none() | base if f.optional else base


def _group_strategy(group: type) -> st.SearchStrategy[Any]:
    return st.builds(group, **{f.name: _field_strategy(f) for f in S._fields(group)})


valid_settings = st.builds(
    S.Settings,
    model=_group_strategy(S.ModelSettings),
    inference=_group_strategy(S.InferenceSettings),
    vision=_group_strategy(S.VisionSettings),
    ui=_group_strategy(S.UISettings),
)


# --- defaults and construction ---------------------------------------------------------------


def test_defaults_are_the_core_types_defaults() -> None:
    s = S.Settings()
    assert s.schema_version == S.SCHEMA_VERSION
    assert (s.model.llm, s.model.mmproj) == (None, None)
    inf = s.inference
    assert (inf.threads, inf.context, inf.prefill_chunk, inf.tile_batch, inf.seed) == (
        0,
        4096,
        128,
        1,
        None,
    )
    assert (s.vision.alpha, s.vision.max_grid, s.vision.budget, s.vision.pdf_dpi_cap) == (
        0.1,
        4,
        "fine print",
        200,
    )
    assert (s.ui.theme, s.ui.language, s.ui.coalesce_ms) == ("system", "en", 100)


def test_translation_target_follows_the_ui_language_until_chosen() -> None:
    assert S.UISettings().effective_translation_target() == "English"
    assert S.UISettings(language="zh_CN").effective_translation_target() == "简体中文"
    chosen = S.UISettings(language="zh_CN", translation_target="日本語")
    assert chosen.effective_translation_target() == "日本語"


@pytest.mark.parametrize(
    ("group", "changes", "message"),
    [
        (S.InferenceSettings, {"context": 100}, "inference.context must be in 512..131072"),
        (S.InferenceSettings, {"threads": 257}, "inference.threads must be in 0..256"),
        (S.InferenceSettings, {"prefill_chunk": 513}, "inference.prefill_chunk must be in 1..512"),
        (S.InferenceSettings, {"tile_batch": 0}, "inference.tile_batch must be in 1..16"),
        (S.InferenceSettings, {"top_p": 0.0}, "inference.top_p must be > 0 and ≤ 1"),
        (S.InferenceSettings, {"temperature": math.nan}, "must be a finite number"),
        (S.InferenceSettings, {"context": True}, "must be a whole number, got true"),
        (S.VisionSettings, {"alpha": -0.5}, "vision.alpha must be ≥ 0"),
        (S.VisionSettings, {"max_grid": 9}, "vision.max_grid must be in 1..8"),
        (S.VisionSettings, {"pdf_dpi_cap": 71}, "vision.pdf_dpi_cap must be in 72..600"),
        (S.VisionSettings, {"budget": "huge"}, "vision.budget must be one of"),
        (S.UISettings, {"theme": "blue"}, "ui.theme must be one of 'system', 'light', 'dark'"),
        (S.UISettings, {"language": "fr"}, "ui.language must be one of 'en', 'zh_CN'"),
        (S.UISettings, {"translation_target": "a\nb"}, "one line of printable text"),
        (S.UISettings, {"translation_target": "  "}, "must not be empty"),
        (S.ModelSettings, {"llm": "bad\udcff"}, "cannot be saved"),
    ],
)
def test_a_bad_value_in_code_raises_naming_the_setting(
    group: type, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as info:
        group(**changes)
    (name,) = changes
    assert str(info.value).startswith(f"{group.section}.{name} ")
    assert message in str(info.value)


def test_a_float_setting_given_an_int_is_stored_as_float() -> None:
    s = S.InferenceSettings(temperature=1)
    assert s.temperature == 1.0 and isinstance(s.temperature, float)


def test_settings_refuses_another_schema_version_in_memory() -> None:
    with pytest.raises(ValueError, match="schema_version"):
        S.Settings(schema_version=1)


def test_limits_are_readable_for_the_dialog() -> None:
    lim = S.limits_of(S.InferenceSettings, "context")
    assert (lim.lo, lim.hi) == (512, 131072)
    assert S.limits_of(S.UISettings, "theme").choices == ("system", "light", "dark")
    assert S.limits_of(S.VisionSettings, "budget").choices == ("fast", "fine print", "custom")
    with pytest.raises(KeyError):
        S.limits_of(S.UISettings, "nope")


# --- round trip --------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(valid_settings)
def test_save_then_load_gives_the_same_settings(s: S.Settings) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "settings.toml"
        assert S.save(s, path) == path
        result = S.load_with_report(path)
        assert result.warnings == ()
        assert result.settings == s
        assert result.file_version == S.SCHEMA_VERSION and not result.migrated
        assert sorted(os.listdir(tmp)) == ["settings.toml"]


@settings(max_examples=100, deadline=None)
@given(valid_settings)
def test_any_valid_settings_convert_to_the_core_types(s: S.Settings) -> None:
    engine = s.engine_settings()
    assert 1 <= engine.n_chunk <= engine.n_batch <= engine.n_ctx
    s.sampling_params()  # SamplingParams checks itself: no ValueError
    s.tiling_params()
    s.document_limits()


@given(st.text(_NO_SURROGATES))
def test_toml_strings_round_trip(text: str) -> None:
    assert tomllib.loads(f"v = {S.toml_value(text)}")["v"] == text


@given(st.floats() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.booleans())
def test_toml_numbers_round_trip(value: float | int | bool) -> None:
    back = tomllib.loads(f"v = {S.toml_value(value)}")["v"]
    assert type(back) is type(value)
    assert back == value or (math.isnan(back) and math.isnan(value))


def test_toml_value_refuses_what_toml_cannot_hold() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        S.toml_value("x\ud800")
    with pytest.raises(TypeError):
        S.toml_value([1, 2])


def test_unset_values_are_left_out_of_the_file(tmp_path: Path) -> None:
    path = S.save(S.Settings(), tmp_path / "s.toml")
    text = path.read_text(encoding="utf-8")
    assert "seed" not in text and "llm" not in text and "translation_target" not in text
    assert tomllib.loads(text)["schema_version"] == S.SCHEMA_VERSION


# --- migration ---------------------------------------------------------------------------


V1_FILE = """\
schema_version = 1

[model]
llm = "/models/a.gguf"

[inference]
chunk = 64
context = 8192

[ui]
dark = true
language = "zh_CN"
"""


def test_every_old_schema_has_a_migration() -> None:
    assert set(S.MIGRATIONS) == set(range(1, S.SCHEMA_VERSION))


def test_a_v1_file_is_migrated_to_the_current_schema(tmp_path: Path) -> None:
    result = S.load_with_report(write(tmp_path / "s.toml", V1_FILE))
    assert result.warnings == ()
    assert result.file_version == 1 and result.migrated
    s = result.settings
    assert s.inference.prefill_chunk == 64 and s.inference.context == 8192
    assert s.ui.theme == "dark" and s.ui.language == "zh_CN"
    assert s.model.llm == "/models/a.gguf"
    # Saving writes the current schema; reading that back changes nothing.
    S.save(s, tmp_path / "s.toml")
    again = S.load_with_report(tmp_path / "s.toml")
    assert again.settings == s and not again.migrated
    assert "\nchunk" not in (tmp_path / "s.toml").read_text(encoding="utf-8")


def test_v1_dark_false_was_the_light_look(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "schema_version = 1\n[ui]\ndark = false\n")
    assert S.load(path).ui.theme == "light"


def test_v1_migration_lets_a_new_name_win_and_reports_a_bad_switch(tmp_path: Path) -> None:
    text = 'schema_version = 1\n[inference]\nchunk = 64\nprefill_chunk = 32\n[ui]\ndark = "yes"\n'
    result = S.load_with_report(write(tmp_path / "s.toml", text))
    assert result.settings.inference.prefill_chunk == 32
    assert result.settings.ui.theme == "system"
    assert result.warnings == (
        "ui.dark: must be true or false, got 'yes'; using the default theme",
    )


def test_a_v1_migrated_bad_value_is_still_checked(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "schema_version = 1\n[inference]\nchunk = 4096\n")
    result = S.load_with_report(path)
    assert result.settings.inference.prefill_chunk == 128
    assert result.warnings == ("inference.prefill_chunk: must be in 1..512, got 4096; using 128",)


def test_a_file_without_schema_version_is_read_as_the_oldest(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "[inference]\nchunk = 64\ncontext = 2048\n")
    result = S.load_with_report(path)
    assert result.file_version == 1 and result.warnings == ()
    assert (result.settings.inference.prefill_chunk, result.settings.inference.context) == (
        64,
        2048,
    )


def test_a_failing_migration_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(doc: S.Document, warnings: list[Line]) -> S.Document:
        raise KeyError("oops")

    monkeypatch.setitem(S.MIGRATIONS, 1, broken)
    path = write(tmp_path / "s.toml", "schema_version = 1\n[ui]\ntheme = 'dark'\n")
    result = S.load_with_report(path)
    assert result.settings.ui.theme == "dark"
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("settings from schema 1 could not be upgraded (KeyError")


def test_the_registry_refuses_two_migrations_from_one_version() -> None:
    with pytest.raises(RuntimeError, match="two migrations"):
        S.migration(1)(lambda doc, warnings: doc)


def test_a_newer_file_is_read_as_far_as_it_is_understood(tmp_path: Path) -> None:
    text = "schema_version = 99\n[ui]\ntheme = 'dark'\nsparkles = true\n"
    result = S.load_with_report(write(tmp_path / "s.toml", text))
    assert result.settings.ui.theme == "dark"
    assert result.file_version == 99 and not result.migrated
    assert result.warnings[0].startswith("schema_version: 99 is newer than this app")
    assert result.warnings[1] == "ui.sparkles: unknown setting, ignored"


def test_a_nonsense_schema_version_is_reported(tmp_path: Path) -> None:
    result = S.load_with_report(write(tmp_path / "s.toml", 'schema_version = "two"\n'))
    assert result.settings == S.Settings()
    assert result.warnings == (
        "schema_version: must be a whole number ≥ 1, got 'two'; read as the oldest schema",
    )


# --- a hand-edited file never stops the app ----------------------------------------------


@pytest.mark.parametrize(
    ("section", "line", "problem"),
    [
        ("inference", 'context = "big"', "must be a whole number, got 'big'; using 4096"),
        ("inference", "context = 100", "must be in 512..131072, got 100; using 4096"),
        ("inference", "context = 4096.0", "must be a whole number, got 4096.0; using 4096"),
        ("inference", "threads = -1", "must be in 0..256, got -1; using 0"),
        ("inference", "top_p = 0", "must be > 0 and ≤ 1, got 0; using 0.95"),
        ("inference", "temperature = inf", "must be a finite number, got inf; using 0.7"),
        ("inference", "seed = -1", "must be in 0..4294967294, got -1; left unset"),
        ("inference", "tile_batch = [1, 2]", "must be a whole number, got a list; using 1"),
        ("vision", "alpha = -0.1", "must be ≥ 0, got -0.1; using 0.1"),
        ("vision", "max_grid = 9", "must be in 1..8, got 9; using 4"),
        ("vision", "pdf_dpi_cap = 50", "must be in 72..600, got 50; using 200"),
        (
            "vision",
            "budget = 'huge'",
            "must be one of 'fast', 'fine print', 'custom', got 'huge'; using 'fine print'",
        ),
        ("ui", "theme = true", "must be text, got true; using 'system'"),
        ("ui", "coalesce_ms = 5", "must be in 16..1000, got 5; using 100"),
        ("model", "llm = ''", "must not be empty; left unset"),
        ("model", "mmproj = 1979-05-27", "must be text, got 1979-05-27; left unset"),
    ],
)
def test_a_bad_value_falls_back_to_its_default_and_is_reported(
    tmp_path: Path, section: str, line: str, problem: str
) -> None:
    # A good value beside the bad one survives: one mistake costs one setting.
    good = "language = 'zh_CN'" if section == "ui" else "[ui]\nlanguage = 'zh_CN'"
    path = write(tmp_path / "s.toml", f"schema_version = 2\n[{section}]\n{line}\n{good}\n")
    result = S.load_with_report(path)
    key = line.split(" =")[0]
    assert result.warnings == (f"{section}.{key}: {problem}",)
    assert result.settings.ui.language == "zh_CN"
    if section != "ui":
        assert getattr(result.settings, section) == getattr(S.Settings(), section)


def test_a_section_that_is_not_a_table_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "s.toml", "inference = 5\n[ui]\ntheme = 'dark'\n")
    result = S.load_with_report(path)
    assert result.warnings == ("inference: must be a table ([inference]), got 5; using defaults",)
    assert result.settings == S.Settings(ui=S.UISettings(theme="dark"))


def test_unknown_keys_are_ignored_and_listed(tmp_path: Path) -> None:
    text = (
        "schema_version = 2\nvolume = 11\n"
        "[inference]\ncontext = 2048\nturbo = true\n"
        "[inference.extra]\nx = 1\n"
        "[plugins]\nname = 'x'\n"
    )
    result = S.load_with_report(write(tmp_path / "s.toml", text))
    assert result.settings.inference.context == 2048
    assert result.warnings == (
        "volume: unknown setting, ignored",
        "plugins: unknown setting, ignored",
        "inference.turbo: unknown setting, ignored",
        "inference.extra: unknown setting, ignored",
    )


def test_a_corrupt_file_is_moved_aside_and_defaults_are_used(tmp_path: Path) -> None:
    bad = "schema_version = 2\n[inference\ncontext = 2048\n"
    path = write(tmp_path / "settings.toml", bad)
    result = S.load_with_report(path)
    assert result.settings == S.Settings()
    assert result.moved_to is not None and result.file_version is None
    assert result.moved_to.parent == tmp_path
    assert result.moved_to.name.startswith("settings.toml.bad-")
    assert result.moved_to.read_text(encoding="utf-8") == bad  # the user's edits are kept
    assert not path.exists()
    (line,) = result.warnings
    assert line.startswith("settings.toml: not valid TOML (")
    assert line.endswith(f"moved aside to {result.moved_to.name}, using defaults")
    assert "\n" not in line


def test_a_second_corrupt_file_does_not_overwrite_the_first(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    write(path, "= 1\n")
    first = S.load_with_report(path).moved_to
    write(path, "== 2\n")
    second = S.load_with_report(path).moved_to
    assert first is not None and second is not None and first != second
    assert first.read_text(encoding="utf-8") == "= 1\n"
    assert second.read_text(encoding="utf-8") == "== 2\n"


def test_a_file_that_is_not_utf8_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"[ui]\ntheme = '\xff\xfe'\n")
    result = S.load_with_report(path)
    assert result.settings == S.Settings() and result.moved_to is not None
    assert result.warnings[0].startswith("settings.toml: not UTF-8 text; moved aside to ")


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes("\ufeff[ui]\ntheme = 'dark'\n".encode())
    result = S.load_with_report(path)
    assert result.settings.ui.theme == "dark" and result.warnings == ()


def test_a_missing_file_is_the_first_run(tmp_path: Path) -> None:
    path = tmp_path / "none" / "settings.toml"
    result = S.load_with_report(path)
    assert result == S.LoadResult(S.Settings(), path)
    assert not path.parent.exists()  # loading never creates anything


def test_an_unreadable_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.mkdir()
    result = S.load_with_report(path)
    assert result.settings == S.Settings() and result.moved_to is None
    (line,) = result.warnings
    assert line.startswith("settings.toml: cannot read (") and line.endswith("using defaults")
    assert path.is_dir()


def test_load_logs_each_problem(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path / "s.toml", "[ui]\ntheme = 'blue'\nx = 1\n")
    with caplog.at_level(logging.WARNING, logger="bluelm_desktop.core.settings"):
        s = S.load(path)
    assert s.ui.theme == "system"
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: ui.theme: must be one of 'system', 'light', 'dark', got 'blue'; using 'system'",
        f"{path}: ui.x: unknown setting, ignored",
    ]


# --- atomic save ------------------------------------------------------------------------


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    for theme in ("dark", "light", "system"):
        s = S.Settings(ui=S.UISettings(theme=theme))
        S.save(s, path)
        assert S.load(path) == s
    assert os.listdir(tmp_path) == ["settings.toml"]


def test_a_failed_save_keeps_the_old_file_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.toml"
    old = S.Settings(ui=S.UISettings(theme="dark"))
    S.save(old, path)
    before = path.read_bytes()

    def no_space(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(S.os, "replace", no_space)
    with pytest.raises(BlueLMError, match="cannot save settings: No space left on device"):
        S.save(S.Settings(), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["settings.toml"]


def test_save_into_a_file_where_a_directory_should_be_is_one_error(tmp_path: Path) -> None:
    blocker = write(tmp_path / "blocker", "")
    with pytest.raises(BlueLMError, match="cannot save settings"):
        S.save(S.Settings(), blocker / "settings.toml")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_save_keeps_the_files_permissions(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.toml", "")
    path.chmod(0o640)
    S.save(S.Settings(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# --- where the file is --------------------------------------------------------------------


def test_default_path_follows_the_base_dir(_isolated: Path) -> None:
    assert S.settings_path() == _isolated / "config" / "settings.toml"
    s = S.Settings(ui=S.UISettings(theme="dark"))
    assert S.save(s) == _isolated / "config" / "settings.toml"
    assert S.load() == s


def test_default_path_follows_the_data_dir_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.set_base_dir(None)
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "env-base"))
    assert S.settings_path() == tmp_path / "env-base" / "config" / "settings.toml"


def test_the_settings_variable_wins_and_an_explicit_path_wins_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _isolated: Path
) -> None:
    env_file = tmp_path / "elsewhere" / "mine.toml"
    monkeypatch.setenv(S.ENV_SETTINGS, str(env_file))
    assert S.settings_path() == env_file
    s = S.Settings(inference=S.InferenceSettings(context=2048))
    assert S.save(s) == env_file
    assert S.load() == s
    assert not (_isolated / "config" / "settings.toml").exists()
    explicit = tmp_path / "explicit.toml"
    S.save(S.Settings(), explicit)
    assert S.load(explicit) == S.Settings()
    assert S.load() == s


def test_a_relative_settings_variable_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(S.ENV_SETTINGS, "rel.toml")
    assert S.settings_path() == tmp_path / "rel.toml"


# --- conversion to the core types ------------------------------------------------------------


def test_engine_settings_carry_the_users_choices() -> None:
    s = S.Settings(
        inference=S.InferenceSettings(threads=6, context=8192, prefill_chunk=256, tile_batch=4)
    )
    assert s.engine_settings() == EngineSettings(n_ctx=8192, n_chunk=256, threads=6, tile_batch=4)
    base = EngineSettings(encode_threads=2, cache_mb=64)
    e = s.engine_settings(base)
    assert (e.encode_threads, e.cache_mb, e.n_ctx) == (2, 64, 8192)


def test_an_8_bit_value_cache_gets_flash_attention() -> None:
    def engine(**kw: str) -> EngineSettings:
        return S.Settings(inference=S.InferenceSettings(**kw)).engine_settings()

    e = engine(flash_attention="off", kv_cache_k="q8_0", kv_cache_v="q8_0")
    assert (e.flash_attention, e.kv_type_k, e.kv_type_v) == ("on", "q8_0", "q8_0")
    assert engine(flash_attention="auto", kv_cache_v="q8_0").flash_attention == "auto"
    e = engine(flash_attention="off", kv_cache_k="q8_0")  # K alone works without it
    assert (e.flash_attention, e.kv_type_k, e.kv_type_v) == ("off", "q8_0", "f16")


def test_engine_limits_win_over_settings() -> None:
    s = S.Settings(inference=S.InferenceSettings(context=512, prefill_chunk=512))
    e = s.engine_settings(EngineSettings(n_batch=256))
    assert (e.n_ctx, e.n_batch, e.n_chunk) == (512, 256, 256)
    e = S.Settings(inference=S.InferenceSettings(context=512)).engine_settings(
        EngineSettings(n_batch=1024)
    )
    assert e.n_batch == 512


def test_sampling_params_carry_the_users_choices() -> None:
    inf = S.InferenceSettings(
        temperature=0.0, top_p=0.5, top_k=7, repeat_penalty=1.3, max_tokens=99, seed=42
    )
    schema = {"type": "object"}
    p = S.Settings(inference=inf).sampling_params(json_schema=schema)
    assert p == SamplingParams(
        temperature=0.0,
        top_p=0.5,
        top_k=7,
        repeat_penalty=1.3,
        max_tokens=99,
        seed=42,
        json_schema=schema,
    )
    assert S.Settings().sampling_params() == SamplingParams()


@pytest.mark.parametrize(
    ("budget", "cap"), [("fine print", None), ("fast", BUDGET_FAST), ("custom", 1234)]
)
def test_tiling_overrides_follow_the_budget(budget: str, cap: int | None) -> None:
    vision = S.VisionSettings(alpha=0.2, max_grid=6, budget=budget, custom_max_image_tokens=1234)
    s = S.Settings(vision=vision)
    assert s.tiling_overrides() == {"alpha": 0.2, "max_grid": 6, "max_image_tokens": cap}
    model = TilingParams(tile_size=448, tokens_per_tile=256)
    t = s.tiling_params(model)
    assert (t.tile_size, t.tokens_per_tile) == (448, 256)  # the model's own
    assert (t.alpha, t.max_grid, t.max_image_tokens) == (0.2, 6, cap)


def test_document_limits_take_the_pdf_resolution() -> None:
    s = S.Settings(vision=S.VisionSettings(pdf_dpi_cap=300))
    limits = s.document_limits(DocumentLimits(max_pages=5))
    assert (limits.planning_dpi, limits.max_pages) == (300.0, 5)
    assert S.Settings().document_limits() == DocumentLimits()


def test_replace_is_how_a_dialog_changes_one_value() -> None:
    s = S.Settings()
    changed = dataclasses.replace(s, ui=dataclasses.replace(s.ui, theme="dark"))
    assert changed.ui.theme == "dark" and s.ui.theme == "system"
    with pytest.raises(ValueError, match=r"ui\.theme"):
        dataclasses.replace(s.ui, theme="neon")


# --- every problem is a translatable line -------------------------------------------------


def _marked_templates() -> set[str]:
    """Every template marked with `msg("…")` in the settings module, as lupdate finds them
    (a literal, adjacent literals joined, written directly inside the call)."""
    tree = ast.parse(Path(S.__file__).read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id == "msg" and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
    }


MARKED = _marked_templates()


def _unmarked(line: Line) -> list[str]:
    """The templates in `line` and in the lines nested in its fields that are not marked."""
    bad = [] if line.template in MARKED else [line.template]
    for _, value in line.fields:
        if isinstance(value, Line):
            bad += _unmarked(value)
    return bad


PROBLEMS = """\
schema_version = "two"
volume = 11
model = 5
[inference]
context = 100
threads = "many"
top_p = 0
temperature = inf
tile_batch = [1, 2]
seed = -1
turbo = true
[vision]
alpha = -0.1
max_grid = { a = 1 }
budget = ' '
[ui]
dark = "yes"
theme = true
language = 'fr'
translation_target = "LONG"
coalesce_ms = 5
[server]
url = "a\tb"
[plugins]
x = 1
""".replace("LONG", "x" * 80)  # over the 64 characters allowed


def test_each_problem_is_a_marked_line_that_reads_as_the_warning(tmp_path: Path) -> None:
    result = S.load_with_report(write(tmp_path / "s.toml", PROBLEMS))
    assert len(result.lines) == len(result.warnings) == 20, result.warnings
    for line, warning in zip(result.lines, result.warnings, strict=True):
        assert str(line) == warning
        assert _unmarked(line) == [], warning
    assert result.warnings[:2] == (
        "schema_version: must be a whole number ≥ 1, got 'two'; read as the oldest schema",
        "ui.dark: must be true or false, got 'yes'; using the default theme",
    )
    assert "vision.max_grid: must be a whole number, got a table; using 4" in result.warnings
    assert "model: must be a table ([model]), got 5; using defaults" in result.warnings
    assert "ui.translation_target: must be at most 64 characters long; left unset" in (
        result.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "schema_version = 2\n[inference\n",  # not TOML
        "schema_version = 99\n[ui]\nsparkles = 1\n",  # newer than this app
        "schema_version = 1\n[ui]\ntheme = 'dark'\n",  # a migration that fails (below)
    ],
)
def test_the_files_own_problems_are_marked_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    def broken(doc: S.Document, warnings: list[Line]) -> S.Document:
        raise KeyError("oops")

    monkeypatch.setitem(S.MIGRATIONS, 1, broken)
    result = S.load_with_report(write(tmp_path / "settings.toml", text))
    assert result.lines
    for line, warning in zip(result.lines, result.warnings, strict=True):
        assert str(line) == warning
        assert _unmarked(line) == [], warning


def test_an_unreadable_or_undecodable_file_is_a_marked_line(tmp_path: Path) -> None:
    folder = tmp_path / "settings.toml"
    folder.mkdir()
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"[ui]\ntheme = '\xff'\n")
    for path in (folder, binary):
        (line,) = S.load_with_report(path).lines
        assert _unmarked(line) == [], str(line)


@pytest.mark.parametrize(
    ("group", "changes"),
    [
        (S.InferenceSettings, {"context": None}),
        (S.InferenceSettings, {"context": 1}),
        (S.InferenceSettings, {"top_p": 2.0}),
        (S.InferenceSettings, {"temperature": math.nan}),
        (S.UISettings, {"theme": "blue"}),
        (S.UISettings, {"translation_target": "a\nb"}),
        (S.ModelSettings, {"llm": "bad\udcff"}),
        (S.ModelSettings, {"llm": 3}),
    ],
)
def test_a_bad_value_in_code_is_an_invalid_value_with_a_marked_line(
    group: type, changes: dict[str, Any]
) -> None:
    with pytest.raises(InvalidValue) as info:
        group(**changes)
    assert _unmarked(value_line(info.value)) == []
    assert str(value_line(info.value)) == str(info.value)


@pytest.mark.parametrize(
    ("limits", "english"),
    [
        (S.Limits(lo=0, hi=5), "in 0..5"),
        (S.Limits(lo=0, hi=1, lo_open=True), "> 0 and ≤ 1"),
        (S.Limits(lo=0), "≥ 0"),
        (S.Limits(lo=0, lo_open=True), "> 0"),
        (S.Limits(hi=5), "≤ 5"),
        (S.Limits(choices=("a", "b")), "one of 'a', 'b'"),
        (S.Limits(), "any value"),
    ],
)
def test_limits_are_described_in_marked_words(limits: S.Limits, english: str) -> None:
    assert str(limits.describe()) == english
    assert _unmarked(limits.describe()) == []


def test_the_marked_templates_are_found() -> None:
    # The check above can fail: a plain line's template is not among the marked ones.
    assert "{key}: unknown setting, ignored" in MARKED and "must be {want}, got {value}" in MARKED
    assert _unmarked(Line.plain("inference.x: unknown setting, ignored")) == ["{text}"]

