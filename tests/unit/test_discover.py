"""Finding the models LM Studio, Jan and llama.cpp downloaded, and pairing them as they do.

The folders are laid out as each tool lays them out (see core/models/discover.py for the
sources); discovery reads names and folders only, so the files here are empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bluelm_desktop.core.models.discover import (
    JAN,
    LLAMA_CPP,
    LM_STUDIO,
    FoundModel,
    ModelFolder,
    find_models,
    model_folders,
    quant_bits,
)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def found_in(folders: list[ModelFolder]) -> dict[str, FoundModel]:
    return {m.llm.name: m for m in find_models(folders)}


def test_where_each_tool_keeps_its_models(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folders = model_folders(env={}, home=home, platform="linux")
    assert [(f.tool, f.path.relative_to(home).as_posix(), f.flat) for f in folders] == [
        (LM_STUDIO, ".lmstudio/models", False),
        (LM_STUDIO, ".cache/lm-studio/models", False),
        (JAN, ".local/share/Jan/data/llamacpp/models", False),
        (JAN, "jan/models", False),
        (LLAMA_CPP, ".cache/huggingface/hub", False),
        (LLAMA_CPP, ".cache/llama.cpp", True),
    ]
    mac = model_folders(env={}, home=home, platform="darwin")
    assert home / "Library/Application Support/Jan/data/llamacpp/models" in [f.path for f in mac]
    assert home / "Library/Caches/llama.cpp" in [f.path for f in mac]
    win = model_folders(env={"APPDATA": "C:/Users/u/AppData/Roaming",
                             "LOCALAPPDATA": "C:/Users/u/AppData/Local"}, home=home,
                        platform="win32")
    assert Path("C:/Users/u/AppData/Roaming/Jan/data/llamacpp/models") in [f.path for f in win]
    assert Path("C:/Users/u/AppData/Local/llama.cpp") in [f.path for f in win]


def test_the_environment_moves_the_caches_as_llama_cpp_reads_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    paths = [f.path for f in model_folders(env={"HF_HOME": "/hf"}, home=home, platform="linux")]
    assert Path("/hf/hub") in paths
    env = {"LLAMA_CACHE": "/lc", "HF_HOME": "/hf"}  # LLAMA_CACHE wins for both caches
    paths = [f.path for f in model_folders(env=env, home=home, platform="linux")]
    assert Path("/lc") in paths and Path("/hf/hub") not in paths


def test_jan_s_data_folder_comes_from_its_settings(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = touch(home / ".local/share/Jan/settings.json")
    settings.write_text(json.dumps({"data_folder": str(tmp_path / "elsewhere")}))
    paths = [f.path for f in model_folders(env={}, home=home, platform="linux")]
    assert tmp_path / "elsewhere/llamacpp/models" in paths
    settings.write_text("{not json")  # a damaged settings file: Jan's default, no error
    paths = [f.path for f in model_folders(env={}, home=home, platform="linux")]
    assert home / ".local/share/Jan/data/llamacpp/models" in paths


def test_lm_studio_pairs_each_llm_with_the_closest_projector_of_its_folder(
    tmp_path: Path
) -> None:
    repo = tmp_path / "models" / "ggml-org" / "gemma-3-4b-it-GGUF"
    q4 = touch(repo / "gemma-3-4b-it-Q4_K_M.gguf")
    f16 = touch(repo / "gemma-3-4b-it-F16.gguf")
    mm_f16 = touch(repo / "mmproj-model-f16.gguf")
    mm_q8 = touch(repo / "mmproj-model-Q8_0.gguf")
    text = touch(tmp_path / "models" / "bartowski" / "Qwen3-1.7B-GGUF" / "Qwen3-1.7B-Q8_0.gguf")
    found = found_in([ModelFolder(LM_STUDIO, tmp_path / "models")])
    assert set(found) == {q4.name, f16.name, text.name}  # projectors are not models
    assert found[q4.name].mmproj == mm_q8  # 4 bits: 8 is closer than 16
    assert found[f16.name].mmproj == mm_f16
    assert found[text.name].mmproj is None  # another repo's projector is not its own
    assert found[q4.name].tool == LM_STUDIO and found[q4.name].name == "gemma-3-4b-it-Q4_K_M"


def test_jan_names_a_model_by_its_folder(tmp_path: Path) -> None:
    model = tmp_path / "llamacpp" / "models" / "InternVL3-1B-Q8_0"
    llm = touch(model / "model.gguf")
    mmproj = touch(model / "mmproj.gguf")
    [found] = find_models([ModelFolder(JAN, tmp_path / "llamacpp" / "models")])
    assert (found.llm, found.mmproj, found.name) == (llm, mmproj, "InternVL3-1B-Q8_0")


def test_the_hub_cache_pairs_within_a_snapshot_and_follows_its_links(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    blob = touch(hub / "models--ggml-org--SmolVLM-256M-Instruct-GGUF" / "blobs" / "abc")
    snap = hub / "models--ggml-org--SmolVLM-256M-Instruct-GGUF" / "snapshots" / "rev1"
    snap.mkdir(parents=True)
    (snap / "SmolVLM-256M-Instruct-Q8_0.gguf").symlink_to(blob)
    mm_blob = touch(hub / "models--ggml-org--SmolVLM-256M-Instruct-GGUF" / "blobs" / "def")
    (snap / "mmproj-SmolVLM-256M-Instruct-Q8_0.gguf").symlink_to(mm_blob)
    [found] = find_models([ModelFolder(LLAMA_CPP, hub)])
    assert found.llm == snap / "SmolVLM-256M-Instruct-Q8_0.gguf"
    assert found.mmproj == snap / "mmproj-SmolVLM-256M-Instruct-Q8_0.gguf"


def test_the_flat_cache_pairs_by_repository_prefix(tmp_path: Path) -> None:
    cache = tmp_path / "llama.cpp"
    a = touch(cache / "ggml-org_gemma-3-4b-it-GGUF_gemma-3-4b-it-Q4_K_M.gguf")
    a_mm = touch(cache / "ggml-org_gemma-3-4b-it-GGUF_mmproj-model-f16.gguf")
    b = touch(cache / "unsloth_Qwen3-4B-GGUF_Qwen3-4B-Q4_K_M.gguf")
    found = found_in([ModelFolder(LLAMA_CPP, cache, flat=True)])
    assert found[a.name].mmproj == a_mm
    assert found[b.name].mmproj is None


def test_split_models_are_offered_once_and_hidden_files_not_at_all(tmp_path: Path) -> None:
    repo = tmp_path / "models" / "org" / "big-GGUF"
    first = touch(repo / "big-Q4_K_M-00001-of-00003.gguf")
    touch(repo / "big-Q4_K_M-00002-of-00003.gguf")
    touch(repo / "big-Q4_K_M-00003-of-00003.gguf")
    touch(repo / ".partial-download.gguf")
    touch(tmp_path / "models" / ".trash" / "old-Q4_0.gguf")
    touch(repo / "README.md")
    assert list(found_in([ModelFolder(LM_STUDIO, tmp_path / "models")])) == [first.name]


def test_missing_folders_and_files_in_place_of_folders_find_nothing(tmp_path: Path) -> None:
    not_a_folder = touch(tmp_path / "models")
    assert find_models([ModelFolder(LM_STUDIO, tmp_path / "absent"),
                        ModelFolder(JAN, not_a_folder)]) == []


@pytest.mark.parametrize(("name", "bits"), [
    ("gemma-3-4b-it-Q4_K_M.gguf", 4), ("mmproj-model-f16.gguf", 16), ("x-BF16.gguf", 16),
    ("x-IQ2_XXS.gguf", 2), ("mmproj-Q8_0.gguf", 8), ("model.gguf", 0),
])
def test_quantization_bits_from_a_file_name(name: str, bits: int) -> None:
    assert quant_bits(name) == bits


def test_models_find_and_add_found_on_the_command_line(
    tmp_path: Path, in_lm_studio: Callable[[str, str], Path],
    capsys: pytest.CaptureFixture[str]
) -> None:
    """`bluelm-desktop models --find` lists, `--add-found` adds in place (real replica
    files, made by llama.cpp's converter, in LM Studio's folder)."""
    from bluelm_desktop.cli import main as cli_main
    from bluelm_desktop.core import paths

    repo = in_lm_studio("internvl3-tiny", "InternVL3-tiny")
    data = ["--data-dir", str(tmp_path / "data")]
    try:
        assert cli_main([*data, "models", "--find"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("LM Studio: InternVL3-tiny-Q8_0 + mmproj-InternVL3-tiny-f16.gguf")
        assert cli_main([*data, "models", "--add-found", "--json"]) == 0
        [line] = capsys.readouterr().out.splitlines()
        assert json.loads(line)["added"] is True
        assert cli_main([*data, "models", "--json"]) == 0
        [listed] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert (listed["name"], listed["source"]) == ("InternVL3-tiny-Q8_0", "external")
        assert listed["mmproj"] == str(repo / "mmproj-InternVL3-tiny-f16.gguf")
        assert cli_main([*data, "models", "--find"]) == 0  # already listed: nothing new
        assert "no models of LM Studio, Jan or llama.cpp found" in capsys.readouterr().err
    finally:
        paths.set_base_dir(None)
