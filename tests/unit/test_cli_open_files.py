"""`bluelm-desktop FILE…` opens the window with the files; a command's name stays a command.

The rule (cli.parse_args): the first argument that is not an option decides. A command's
name there runs the command; anything else — a path with a folder in it, any other name,
anything after `--` — is a file to open. These run the real parser and `main`; only the
window itself (`start_gui`) is replaced, by a recorder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bluelm_desktop import cli
from bluelm_desktop.core import paths


@pytest.fixture(autouse=True)
def _forget_data_dir() -> Iterator[None]:
    """`main` applies --data-dir to the process; the next test starts without it."""
    yield
    paths.set_base_dir(None)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """The files each `start_gui` call was given (the window is not opened)."""
    calls: list[list[Path]] = []

    def record(files: object = ()) -> int:
        calls.append(list(files))  # type: ignore[call-overload]
        return 0

    monkeypatch.setattr(cli, "start_gui", record)
    return calls


@pytest.fixture
def in_folder_with_command_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder holds files called `ask` and `plan`, and an image."""
    for name in ("ask", "plan", "shot.png"):
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_command_name_runs_the_command_even_beside_a_file_of_that_name(
        in_folder_with_command_names: Path) -> None:
    args = cli.parse_args(["plan", "shot.png", "--json"])
    assert args.command == "plan" and args.files == ["shot.png"] and args.json
    assert args.open_files == []
    args = cli.parse_args(["--data-dir", "d", "models"])
    assert args.command == "models" and args.data_dir == Path("d")


@pytest.mark.parametrize("argv", [["./ask"], ["--", "ask"], ["shot.png", "ask"],
                                  ["--data-dir", "d", "./plan"]])
def test_a_path_with_a_folder_or_after_dashes_is_a_file(
        in_folder_with_command_names: Path, opened: list[list[Path]],
        argv: list[str]) -> None:
    args = cli.parse_args(argv)
    assert args.command is None
    assert cli.main(argv) == 0
    named = [a for a in argv if a not in ("--", "--data-dir", "d")]
    assert opened == [[in_folder_with_command_names / Path(a) for a in named]]
    assert all(f.is_absolute() for f in opened[0])


def test_the_data_folder_s_value_is_not_mistaken_for_the_command(
        in_folder_with_command_names: Path) -> None:
    # "ask" here is --data-dir's value; the first operand is the image.
    args = cli.parse_args(["--data-dir", "ask", "shot.png"])
    assert args.command is None and args.data_dir == Path("ask")
    assert args.open_files == ["shot.png"]


def test_a_missing_file_or_a_folder_is_one_line_and_exit_2(
        in_folder_with_command_names: Path, opened: list[list[Path]],
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["modles"]) == 2  # a mistyped command: not a file either
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "modles: no such file" in err and "models" in err
    assert cli.main(["./gone.png"]) == 2
    err = capsys.readouterr().err
    assert "./gone.png: no such file" in err and "command" not in err
    assert cli.main([str(in_folder_with_command_names)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert opened == []  # the window never opened


def test_help_tells_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.parse_args(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "[FILE ...]" in text and "COMMAND" in text
    assert "./ask" in text and "--" in text
    assert all(command in text for command in cli.COMMANDS)


def test_the_command_names_are_the_parser_s_commands() -> None:
    for command in cli.COMMANDS:
        with pytest.raises(SystemExit) as done:  # each exists: its own --help, exit 0
            cli.build_parser().parse_args([command, "--help"])
        assert done.value.code == 0
    with pytest.raises(SystemExit) as done:
        cli.build_parser().parse_args(["nosuchcommand"])
    assert done.value.code == 2
