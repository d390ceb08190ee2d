"""Session-scoped synthetic models: made once by the converter, reused by the whole suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from model_convert.convert import Converted, convert
from model_convert.synth import synth

ConvertTiny = Callable[[str, str, str], Converted]


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
