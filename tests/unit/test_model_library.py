"""The model library without Qt: paths, scanning real (synthetic) GGUF files, the external
list, the demo model, and the headless `bluelm-desktop models` command.

GGUF files come from the converter run on tiny synthetic checkpoints (session fixtures in
tests/conftest.py), so the scanner is tested on what users really get, not on mocks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bluelm_desktop.cli import main as cli_main
from bluelm_desktop.core import paths
from bluelm_desktop.core.errors import BlueLMError, ModelError
from bluelm_desktop.core.gguf.summary import estimate_ram_bytes, summarize
from bluelm_desktop.core.models.library import (
    DEMO_MODEL_NAME,
    KIND_TEXT_ONLY,
    KIND_VISION_TEXT,
    N_CTX_ESTIMATE,
    SOURCE_EXTERNAL,
    SOURCE_LIBRARY,
    ExternalModel,
    ModelLibrary,
    ModelPair,
    add_external,
    read_external_list,
    scan,
    write_external_list,
)
from model_convert.convert import Converted
from model_convert.demo import create_demo_model

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data directory through the environment, like a child process.

    XDG variables point into tmp too, so even a test that clears the base directory never
    touches the real user's folders.
    """
    base = tmp_path / "data"
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(base))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var.lower()))
    paths.set_base_dir(None)
    yield base
    paths.set_base_dir(None)


@pytest.fixture
def bluelm_pair(tiny_models: Callable[..., Converted]) -> Converted:
    return tiny_models("bluelm")


@pytest.fixture
def internvl_pair(tiny_models: Callable[..., Converted]) -> Converted:
    return tiny_models("internvl")


def put(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


def by_name(pairs: list[ModelPair]) -> dict[str, ModelPair]:
    return {p.name: p for p in pairs}


# --- paths ------------------------------------------------------------------------------


def test_env_var_puts_every_directory_under_it_and_creates_them(data_dir: Path) -> None:
    assert paths.data_dir() == data_dir
    assert paths.models_dir() == data_dir / "models"
    assert paths.config_dir() == data_dir / "config"
    assert paths.cache_dir() == data_dir / "cache"
    for d in ("models", "config", "cache"):
        assert (data_dir / d).is_dir()


def test_set_base_dir_wins_over_env_and_none_restores_env(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths.set_base_dir("flag-dir")  # relative: made absolute at once
    assert paths.models_dir() == tmp_path / "flag-dir" / "models"
    paths.set_base_dir(None)
    assert paths.models_dir() == data_dir / "models"


def test_without_base_dir_platform_dirs_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(paths.ENV_DATA_DIR)
    if sys.platform.startswith("linux"):
        assert paths.config_dir() == tmp_path / "xdg" / "xdg_config_home" / paths.APP_NAME
        assert paths.cache_dir() == tmp_path / "xdg" / "xdg_cache_home" / paths.APP_NAME
        assert paths.models_dir().parent == tmp_path / "xdg" / "xdg_data_home" / paths.APP_NAME
    assert paths.base_dir() is None


def test_base_dir_that_is_a_file_is_one_typed_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    paths.set_base_dir(blocker)
    with pytest.raises(BlueLMError, match="not a directory"):
        paths.data_dir()


# --- scan -------------------------------------------------------------------------------


def test_scan_pairs_by_name_and_reads_each_model(
    data_dir: Path, bluelm_pair: Converted, internvl_pair: Converted
) -> None:
    models = paths.models_dir()
    put(bluelm_pair.llm, models / "blue-llm.gguf")
    put(bluelm_pair.mmproj, models / "blue-mmproj.gguf")
    put(internvl_pair.llm, models / "intern-llm.gguf")
    put(internvl_pair.mmproj, models / "intern-mmproj.gguf")
    put(internvl_pair.llm, models / "plain-text.gguf")  # any LLM GGUF is a text-only model

    pairs = scan(models)
    assert [p.name for p in pairs] == ["blue", "intern", "plain-text"]
    blue, intern, plain = pairs
    assert all(p.ok and p.source == SOURCE_LIBRARY for p in pairs)
    assert blue.kind == KIND_VISION_TEXT and blue.mmproj_path == models / "blue-mmproj.gguf"
    assert (blue.layout, intern.layout) == ("bluelm", "internvl")
    assert blue.llm_type == "q4_k + q6_k"  # the default q4_k_m: q6_k for the output matrix
    assert plain.kind == KIND_TEXT_ONLY and plain.mmproj_path is None
    assert blue.size_bytes == (models / "blue-llm.gguf").stat().st_size + (
        models / "blue-mmproj.gguf"
    ).stat().st_size

    expected_ram = (
        estimate_ram_bytes(summarize(bluelm_pair.llm), n_ctx=N_CTX_ESTIMATE)["total"]
        + estimate_ram_bytes(summarize(bluelm_pair.mmproj))["total"]
    )
    assert blue.ram_bytes == expected_ram
    assert plain.ram_bytes == estimate_ram_bytes(summarize(internvl_pair.llm))["total"]


def test_scan_reports_bad_files_as_entries_and_never_raises(
    data_dir: Path, bluelm_pair: Converted
) -> None:
    models = paths.models_dir()
    (models / "random.gguf").write_bytes(bytes(range(256)) * 8)
    (models / "empty.gguf").write_bytes(b"")
    put(bluelm_pair.mmproj, models / "lonely-mmproj.gguf")
    put(bluelm_pair.mmproj, models / "swapped-llm.gguf")  # a projector under an LLM's name
    put(bluelm_pair.llm, models / "good-llm.gguf")
    truncated = (models / "good-llm.gguf").read_bytes()[:5000]
    (models / "cut-llm.gguf").write_bytes(truncated)
    put(bluelm_pair.llm, models / "wrongproj-llm.gguf")
    put(bluelm_pair.llm, models / "wrongproj-mmproj.gguf")  # an LLM where the mmproj goes

    found = by_name(scan(models))
    assert found["good"].ok
    errors = {name: p.error for name, p in found.items() if not p.ok}
    assert set(errors) == {"random", "empty", "lonely", "swapped", "cut", "wrongproj"}
    assert "not a GGUF file" in (errors["random"] or "")
    assert "empty" in (errors["empty"] or "")
    assert "without its LLM" in (errors["lonely"] or "")
    assert "not a language model" in (errors["swapped"] or "")
    assert "truncated" in (errors["cut"] or "") or "corrupt" in (errors["cut"] or "")
    assert "not a vision projector" in (errors["wrongproj"] or "")
    for name in errors:
        assert "\n" not in (errors[name] or ""), "errors are one line"
        assert found[name].ram_bytes is None and found[name].llm_summary is None


def test_scan_ignores_hidden_and_non_gguf_files_and_a_missing_folder(
    tmp_path: Path, bluelm_pair: Converted
) -> None:
    assert scan(tmp_path / "nowhere", tmp_path / "no-list.json") == []
    models = tmp_path / "models"
    put(bluelm_pair.llm, models / ".partial-llm.gguf")
    (models / "notes.txt").write_text("hello")
    (models / ".tmpdir.gguf").mkdir()
    assert scan(models, tmp_path / "no-list.json") == []


# --- external list ----------------------------------------------------------------------


def test_added_files_are_listed_in_place_not_copied(
    tmp_path: Path, bluelm_pair: Converted
) -> None:
    library = ModelLibrary.from_paths()
    elsewhere = tmp_path / "downloads"
    llm = put(bluelm_pair.llm, elsewhere / "mine-llm.gguf")
    mmproj = put(bluelm_pair.mmproj, elsewhere / "mine-mmproj.gguf")

    pair = library.add_external(llm)
    assert pair.kind == KIND_TEXT_ONLY
    pair = library.add_external(llm, mmproj)  # again: replaces the entry, no duplicate
    assert pair.kind == KIND_VISION_TEXT

    assert library.external_list == paths.config_dir() / "models.json"
    assert read_external_list(library.external_list) == [ExternalModel(llm, mmproj)]
    assert list(library.models_dir.iterdir()) == []
    [listed] = library.scan()
    assert (listed.name, listed.source, listed.ok) == ("mine", SOURCE_EXTERNAL, True)
    assert listed.mmproj_path == mmproj
    assert list(library.external_list.parent.glob(".models.json.*")) == []  # no temp left


def test_external_file_that_vanished_is_an_error_entry(tmp_path: Path) -> None:
    list_path = tmp_path / "models.json"
    write_external_list(list_path, [ExternalModel(tmp_path / "gone-llm.gguf")])
    [entry] = scan(tmp_path / "models", list_path)
    assert entry.name == "gone" and entry.source == SOURCE_EXTERNAL
    assert entry.error is not None and "no such file" in entry.error


def test_external_copy_of_a_library_model_is_listed_once(bluelm_pair: Converted) -> None:
    library = ModelLibrary.from_paths()
    llm = put(bluelm_pair.llm, library.models_dir / "x-llm.gguf")
    library.add_external(llm)
    assert [(p.name, p.source) for p in library.scan()] == [("x", SOURCE_LIBRARY)]


def test_bad_files_are_refused_and_not_recorded(tmp_path: Path, bluelm_pair: Converted) -> None:
    list_path = tmp_path / "models.json"
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"GGUF" + b"\xff" * 64)
    with pytest.raises(ModelError, match=r"junk\.gguf"):
        add_external(list_path, junk)
    with pytest.raises(ModelError, match="not a language model"):
        add_external(list_path, bluelm_pair.mmproj)
    with pytest.raises(ModelError, match="not a vision projector"):
        add_external(list_path, bluelm_pair.llm, bluelm_pair.llm)
    assert not list_path.exists()


def test_damaged_list_is_reported_and_never_overwritten(
    tmp_path: Path, bluelm_pair: Converted
) -> None:
    list_path = tmp_path / "models.json"
    list_path.write_text('{"version": 1, "models": [ {"llm": "/a"')  # cut off mid-write
    [entry] = scan(tmp_path / "models", list_path)
    assert entry.error is not None and "not valid JSON" in entry.error
    with pytest.raises(ModelError, match="not valid JSON"):
        add_external(list_path, bluelm_pair.llm)
    assert list_path.read_text().endswith('"/a"')

    list_path.write_text(json.dumps({"version": 99, "models": []}))
    with pytest.raises(ModelError, match="newer"):
        read_external_list(list_path)


# --- demo model ---------------------------------------------------------------------------


def test_create_demo_model_makes_a_scannable_pair_and_cleans_up() -> None:
    models, cache = paths.models_dir(), paths.cache_dir()
    messages: list[str] = []
    pair = create_demo_model(models, messages.append)

    assert pair.name == DEMO_MODEL_NAME and pair.is_demo and pair.ok
    assert pair.llm_path == models / f"{DEMO_MODEL_NAME}-llm.gguf"
    assert pair.kind == KIND_VISION_TEXT and pair.layout == "bluelm"
    assert pair.llm_type == "q4_k + q6_k"
    assert any("random weights" in m for m in messages)
    assert list(cache.iterdir()) == [], "the scratch checkpoint is removed"
    assert [p.name for p in scan(models)] == [DEMO_MODEL_NAME]


def test_create_demo_model_failure_is_one_model_error(tmp_path: Path) -> None:
    blocked = tmp_path / "models-is-a-file"
    blocked.write_text("")
    with pytest.raises(ModelError, match=r"models-is-a-file: File exists"):
        create_demo_model(blocked, lambda _message: None, work_dir=tmp_path / "work")
    assert list((tmp_path / "work").iterdir()) == []


# --- `bluelm-desktop models` --------------------------------------------------------------


def test_models_command_prints_json_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bluelm_pair: Converted
) -> None:
    base = tmp_path / "flag"
    put(bluelm_pair.llm, base / "models" / "m-llm.gguf")
    put(bluelm_pair.mmproj, base / "models" / "m-mmproj.gguf")
    assert cli_main(["--data-dir", str(base), "models", "--json"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["name"] == "m" and record["ok"] is True
    assert record["kind"] == KIND_VISION_TEXT and record["ram_n_ctx"] == N_CTX_ESTIMATE

    (base / "models" / "bad.gguf").write_bytes(b"nope")
    assert cli_main(["--data-dir", str(base), "models"]) == 2
    out = capsys.readouterr().out
    assert "bad  error: bad.gguf: not a GGUF file" in out
    assert "m    vision + text" in out


def test_cli_errors_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli_main(["--data-dir", str(blocker), "models"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err

    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli_main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no display" in err


def test_headless_commands_do_not_import_qt(data_dir: Path) -> None:
    code = (
        "import sys\n"
        "from bluelm_desktop.cli import main\n"
        "rc = main(['models', '--json'])\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
