"""Session-scoped synthetic models: made once by the converter, reused by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bluelm_desktop.core import paths
from model_convert.convert import Converted, convert
from model_convert.synth import synth

ConvertTiny = Callable[[str, str, str], Converted]


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The whole run (and every child process it starts) keeps its data, config and cache
    in a temporary folder unless a test picks one itself: the user's real folders are never
    read or written, whatever a code path under test defaults to."""
    if os.environ.get(paths.ENV_DATA_DIR):
        yield
        return
    os.environ[paths.ENV_DATA_DIR] = str(tmp_path_factory.mktemp("data-dir"))
    try:
        yield
    finally:
        os.environ.pop(paths.ENV_DATA_DIR, None)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`tiny_checkpoint(layout)` → a tiny random-weight checkpoint folder (cached)."""
    root = tmp_path_factory.mktemp("ckpt")
    made: dict[str, Path] = {}

    def get(layout: str) -> Path:
        if layout not in made:
            made[layout] = synth(layout, "tiny", root / f"{layout}-tiny")
        return made[layout]

    return get


@pytest.fixture(scope="session")
def tiny_models(
    tmp_path_factory: pytest.TempPathFactory, tiny_checkpoint: Callable[[str], Path]
) -> ConvertTiny:
    """`tiny_models(layout, llm_type, vision_type)` → converted GGUF pair (cached)."""
    root = tmp_path_factory.mktemp("gguf")
    made: dict[tuple[str, str, str], Converted] = {}

    def get(layout: str, llm_type: str = "q4_k_m", vision_type: str = "q8_0") -> Converted:
        key = (layout, llm_type, vision_type)
        if key not in made:
            made[key] = convert(
                tiny_checkpoint(layout), root / "-".join(key), llm_type, vision_type
            )
        return made[key]

    return get


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `bluelm-convert ARGS` in-process; returns (exit status, stdout, stderr)."""
    from model_convert.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        rc = main(list(args))
        out, err = capsys.readouterr()
        return rc, out, err

    return run


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of its own, with none of the variables that move the model caches of
    LM Studio, Jan or llama.cpp elsewhere: "find models on this computer" sees only what
    a test puts there, never the developer's real downloads."""
    home = tmp_path / "home"
    home.mkdir()
    for var in ("LLAMA_CACHE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME",
                "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def in_lm_studio(empty_home: Path) -> Callable[[str, str], Path]:
    """`in_lm_studio(replica, name)` → the folder where LM Studio would keep that replica
    (tests/fixtures/replicas/<replica>) as `<name>-Q8_0.gguf` + `mmproj-<name>-f16.gguf`,
    its download names; linked, not copied."""

    def put(replica: str, name: str) -> Path:
        files = Path(__file__).resolve().parent / "fixtures" / "replicas" / replica
        repo = empty_home / ".lmstudio" / "models" / "ggml-org" / f"{name}-GGUF"
        repo.mkdir(parents=True)
        (repo / f"{name}-Q8_0.gguf").symlink_to(files / f"{replica}-llm.gguf")
        (repo / f"mmproj-{name}-f16.gguf").symlink_to(files / f"{replica}-mmproj.gguf")
        return repo

    return put

