"""Answers through llama.cpp's own `llama-server`: real servers on 127.0.0.1, the tiny pair.

The binary is built from the llama-cpp-python sdist with the Python wheel's CPU options
and cached (tests/llama_servers.py, scripts/build_llama_server.sh): the first run on a
machine builds it (about 20 minutes on 2 cores), every later run finds it. Checked here:
- `ask --server` streams an answer, honours a JSON schema (the server's own grammar: a
  random-weight model writes valid JSON only under it), and sends a BlueLM page as its
  tiles — the server's prompt is the in-process one plus mtmd's begin/end pair per tile;
- `batch --server A --server B` over 20 files records each once, and both servers answer;
- `kill -9` of one server mid-run: its files go to the other, each still recorded once;
- a server without `--mmproj`: one line saying so; a wrong API key: one line, the key in
  no output;
- stop mid-answer: the stream is closed and the server stops generating (its slot idle);
- model files written by llama.cpp's own converter (the replicas: InternVL3, Qwen2.5-VL,
  LFM2-VL, SmolVLM) served by llama-server answer a page, as our tiles and whole.
The weights are random: answers are noise, so structure is checked, never content.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from bluelm_desktop.core.engine.engine import Done, Stopped, Token
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.engine.vocab import TokenCounter
from bluelm_desktop.core.server import (
    ServerClient,
    ServerConfig,
    ServerConnection,
    check_server,
)
from model_convert import constants as C
from tests.llama_servers import BUILD_SCRIPT, REPO, LlamaServer, server_binary

pytestmark = pytest.mark.slow

QUESTION = "What is the total?"


@pytest.fixture(scope="module")
def binary() -> Path:
    return server_binary()


@pytest.fixture(scope="module")
def models(tiny_models: Callable[..., Any]) -> Any:
    return tiny_models(C.LAYOUT_BLUELM)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="module")
def vision_server(binary: Path, models: Any, logs: Path) -> Iterator[LlamaServer]:
    with LlamaServer(binary, models.llm, models.mmproj, logs / "vision.log", slots=2) as s:
        yield s


@pytest.fixture(scope="module")
def second_server(binary: Path, models: Any, logs: Path) -> Iterator[LlamaServer]:
    with LlamaServer(binary, models.llm, models.mmproj, logs / "second.log", slots=2) as s:
        yield s


def _invoice(path: Path, number: int = 42, size: tuple[int, int] = (800, 1000)) -> Path:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).text((50, 50), f"INVOICE {number}   Total: 1,234.56 EUR",
                             fill="black")
    img.save(path)
    return path


def _cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "bluelm_desktop.cli", "--data-dir",
                           str(cwd / "data"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_server_is_built_like_the_wheel() -> None:
    """The same CPU options as scripts/setup.sh's llama-cpp-python build, the AMX module
    left out, one module per CPU generation beside the binary."""
    setup = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    script = BUILD_SCRIPT.read_text(encoding="utf-8")

    def value(text: str, name: str) -> str:
        line = next(line for line in text.splitlines() if line.strip().startswith(name + "="))
        return line.split("=", 1)[1].strip().strip('"').split(";")[0].strip().strip('"')

    wheel = value(setup, "LLAMA_CMAKE_ARGS").split()
    server = value(script, "CPU_ARGS").split()
    assert server == [a for a in wheel if not a.startswith("-DGGML_BACKEND_DIR")]
    assert value(setup, "LLAMA_DROP") == value(script, "DROP")
    folder = server_binary().parent
    modules = sorted(p.name for p in folder.glob("libggml-cpu-*.so"))
    assert "libggml-cpu-haswell.so" in modules and "libggml-cpu-x64.so" in modules
    assert "libggml-cpu-sapphirerapids.so" not in modules
    info = (folder / "BUILD-INFO").read_text(encoding="utf-8")
    assert "-DGGML_CPU_ALL_VARIANTS=ON" in info and "-DLLAMA_USE_PREBUILT_UI=OFF" in info


def test_check_says_what_the_server_serves(vision_server: LlamaServer, binary: Path,
                                           models: Any, logs: Path) -> None:
    with ServerConnection(ServerConfig(vision_server.url)) as connection:
        info = connection.check()
        assert (info.vision, info.slots, info.n_ctx) == (True, 2, 2048)
        assert info.model == Path(models.llm).name
        # the planner's count of a text page, as the in-process tokenizer makes it
        with TokenCounter(models.llm) as local:
            for text in ("<|im_start|>user\nInvoice 42, total 1,234.56 EUR", "发票 总计"):
                assert connection.count_tokens(text) == local(text) > 0
    with LlamaServer(binary, models.llm, None, logs / "blind.log") as blind:
        assert check_server(ServerConfig(blind.url)).vision is False  # no --mmproj


def test_ask_streams_and_sends_the_tiles_of_our_layout(vision_server: LlamaServer,
                                                       models: Any, tmp_path: Path) -> None:
    _invoice(tmp_path / "inv.png")  # 800×1000: a 2:3 grid and a thumbnail, 7 tiles
    common = ("inv.png", QUESTION, "--max-tokens", "8", "--seed", "3", "--temperature", "0",
              "--stats")
    local = _cli("ask", "--model", str(models.llm), "--mmproj", str(models.mmproj),
                 "--ctx", "2048", *common, cwd=tmp_path)
    remote = _cli("ask", "--server", vision_server.url, "--mmproj", str(models.mmproj),
                  *common, cwd=tmp_path)
    assert local.returncode == 0 and remote.returncode == 0, local.stderr + remote.stderr
    assert remote.stdout.strip()
    mine = json.loads(local.stderr.strip().splitlines()[-1])
    theirs = json.loads(remote.stderr.strip().splitlines()[-1])
    assert theirs["tiles"] == mine["tiles"] == 7
    assert theirs["image_tokens"] == mine["image_tokens"] == 7 * 196
    assert theirs["ttft_ms"] > 0 and theirs["decode_tokens"] >= 1
    # The same conversation, except that mtmd wraps each of the 7 tiles in its own
    # <|image_start|>…<|image_end|> where the trained layout has one pair around all.
    assert theirs["positions"] == mine["positions"] + 2 * 7 - 2, (mine, theirs)
    assert "answers come from llama-server at 127.0.0.1" in remote.stderr
    # Without the projector file here the page goes whole and the server's mtmd lays it
    # out (lfm2: 512-px slices and a thumbnail, not our 392-px tiles) …
    _invoice(tmp_path / "small.png", size=(400, 300))
    whole = _cli("ask", "--server", vision_server.url, "small.png", *common[1:], cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    stats = json.loads(whole.stderr.strip().splitlines()[-1])
    assert stats["tiles"] == 1 and stats["positions"] > 100
    # … and a page bigger than the slot's context is that server's refusal, in one line.
    big = _cli("ask", "--server", vision_server.url, *common, cwd=tmp_path)
    assert big.returncode == 2 and big.stderr.count("\n") == 1, big.stderr
    assert "exceeds the available context size (2048 tokens)" in big.stderr


def test_ask_with_a_json_schema_gets_valid_json(vision_server: LlamaServer,
                                                tmp_path: Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({
        "type": "object", "properties": {"paid": {"type": "boolean"},
                                         "count": {"type": "integer", "minimum": 0,
                                                   "maximum": 9}},
        "required": ["paid", "count"], "additionalProperties": False}))
    for seed in ("1", "2"):
        proc = _cli("ask", "--server", vision_server.url, "Extract the fields.",
                    "--json-schema", str(schema), "--seed", seed, "--max-tokens", "64",
                    cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        answer = json.loads(proc.stdout)
        assert set(answer) == {"paid", "count"} and isinstance(answer["paid"], bool)
        assert 0 <= answer["count"] <= 9


def test_a_server_without_vision_is_one_clear_line(binary: Path, models: Any, logs: Path,
                                                   tmp_path: Path) -> None:
    _invoice(tmp_path / "inv.png")
    docs = tmp_path / "docs"
    docs.mkdir()
    _invoice(docs / "scan.png")
    with LlamaServer(binary, models.llm, None, logs / "blind2.log") as blind:
        proc = _cli("ask", "--server", blind.url, "inv.png", QUESTION, cwd=tmp_path)
        assert proc.returncode == 2
        assert proc.stderr == (f"bluelm-desktop: {blind.url[7:]}: the server has no vision "
                               "projector (llama-server was started without --mmproj); "
                               "inv.png page 1 needs one\n")
        out = tmp_path / "r.jsonl"
        batch = _cli("batch", str(docs), "--task", "ask", "--question", QUESTION,
                     "--server", blind.url, "--out", str(out), cwd=tmp_path)
        assert batch.returncode == 2, batch.stderr
        [record] = _jsonl(out)
        assert not record["ok"] and "has no vision projector" in record["error"], record
        assert record["error"].startswith("scan.png: ")


def test_batch_spreads_twenty_files_over_two_servers(vision_server: LlamaServer,
                                                     second_server: LlamaServer, models: Any,
                                                     tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(20):
        _invoice(docs / f"inv-{n:02d}.png", n, (500, 400))
    out = tmp_path / "fields.csv"
    args = ("batch", str(docs), "--task", "extract-invoice", "--mmproj", str(models.mmproj),
            "--server", vision_server.url, "--server", second_server.url, "--max-tokens",
            "16", "--max-grid", "1", "--out", str(out))
    proc = _cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    import csv

    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["file"] for r in rows) == sorted(p.name for p in docs.iterdir())
    assert all(r["ok"] == "true" for r in rows)
    last = proc.stderr.strip().splitlines()[-1]
    a, b = vision_server.url[7:], second_server.url[7:]
    counts = {label: int(last.split(f"{label}: ")[1].split(",")[0].split(")")[0])
              for label in (a, b)}
    assert sum(counts.values()) == 20 and min(counts.values()) >= 1, last
    again = _cli(*args, cwd=tmp_path)  # resume: all 20 recorded, nothing sent
    assert again.returncode == 0 and "resuming: 20 of 20" in again.stderr, again.stderr


def test_losing_a_server_mid_run_loses_no_file(binary: Path, models: Any, logs: Path,
                                               tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(20):
        _invoice(docs / f"inv-{n:02d}.png", n, (500, 400))
    out = tmp_path / "answers.jsonl"
    with LlamaServer(binary, models.llm, models.mmproj, logs / "stays.log", slots=2) as stays, \
            LlamaServer(binary, models.llm, models.mmproj, logs / "dies.log", slots=2) as dies:
        # Long answers, so that the server is answering when it dies.
        child = subprocess.Popen(
            [sys.executable, "-m", "bluelm_desktop.cli", "--data-dir", str(tmp_path / "data"),
             "batch", str(docs), "--task", "ask", "--question", "Describe it.", "--mmproj",
             str(models.mmproj), "--server", stays.url, "--server", dies.url,
             "--max-tokens", "300", "--max-grid", "1", "--out", str(out)],
            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 120
            while not (out.exists() and out.read_bytes().count(b"\n") >= 2):
                assert child.poll() is None and time.monotonic() < deadline, "no records"
                time.sleep(0.01)
            dies.kill()
            _, err = child.communicate(timeout=300)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == 0, err
    records = _jsonl(out)
    assert sorted(r["file"] for r in records) == sorted(p.name for p in docs.iterdir())
    assert all(r["ok"] for r in records), [r for r in records if not r["ok"]]
    gone = dies.url[7:]
    assert f"{gone}: " in err and "goes to another server" in err, err
    assert "moved to another server" in err.strip().splitlines()[-1], err


def test_api_key_refused_and_never_shown(binary: Path, models: Any, logs: Path,
                                         tmp_path: Path) -> None:
    key = "k3y-" + "x" * 20
    (tmp_path / "key").write_text(key + "\n")
    (tmp_path / "wrong").write_text("nope\n")
    with LlamaServer(binary, models.llm, None, logs / "keyed.log", api_key=key) as keyed:
        ok = _cli("ask", "--server", keyed.url, "--api-key-file", "key", "Hello",
                  "--max-tokens", "4", cwd=tmp_path)
        wrong = _cli("ask", "--server", keyed.url, "--api-key-file", "wrong", "Hello",
                     cwd=tmp_path)
        none = _cli("ask", "--server", keyed.url, "Hello", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert wrong.returncode == 2 and wrong.stderr.endswith("the API key was refused (401)\n")
    assert none.returncode == 2 and none.stderr.endswith("no API key was given (401)\n")
    for proc in (ok, wrong, none):
        assert key not in proc.stdout + proc.stderr
    assert not any(key in p.read_text(errors="replace") for p in tmp_path.rglob("*")
                   if p.is_file() and p.name != "key")


def test_stop_mid_answer_closes_the_stream(vision_server: LlamaServer) -> None:
    """The client's stop ends the turn at once, and the server stops generating: its log
    says it cancelled the task, whose slot held far fewer positions than the answer asked
    for would need (greedy decoding of this model runs to the token limit)."""
    params = SamplingParams(temperature=0.0, max_tokens=1800, seed=5)
    with ServerClient(ServerConfig(vision_server.url)) as client:
        turn = client.start(lambda engine: [engine.load(),
                                            engine.ask("c", "Tell a long story.",
                                                       params=params)])
        turn.wait_for(Token, count=20, timeout=60)
        stop_at = time.perf_counter()
        client.cancel(turn)
        assert turn.finished.wait(5)
        stopped_after = time.perf_counter() - stop_at
        assert turn.of(Stopped) and not turn.of(Done)
        assert turn.failure == "stopped" and len(turn.text) >= 20
        # the conversation goes on: the stopped answer was kept, as the engine keeps it
        again = client.run(lambda engine: [engine.ask("c", "Go on.", params=SamplingParams(
            max_tokens=4, seed=1))])
        assert again.failure is None and again.of(Done)
        assert again.of(Done)[0].stats.reused_items > 20  # the server's cache held it
    assert stopped_after < 1.0, stopped_after
    deadline = time.monotonic() + 5
    while True:
        lines = vision_server.log.read_text(errors="replace").splitlines()
        cancelled = [k for k, line in enumerate(lines) if "cancel task" in line]
        if cancelled:
            break
        assert time.monotonic() < deadline, "the server did not cancel the answer"
        time.sleep(0.05)
    release = next(line for line in lines[cancelled[-1]:] if "stop processing" in line)
    held = int(release.split("n_tokens =")[1].split(",")[0])
    assert held < 400, release  # far from the 1,800 tokens asked for


def test_the_windows_requests_work_on_a_server(vision_server: LlamaServer) -> None:
    """What the chat window sends besides ask: a text page before the question,
    regenerate, edit, and a newer question that replaces one still being answered."""
    quick = SamplingParams(temperature=0.0, max_tokens=4, seed=1)
    with ServerClient(ServerConfig(vision_server.url)) as client:
        first = client.run(lambda engine: [
            engine.load(), engine.add_text("w", "p1#text", "Invoice 7. Total 99.00 EUR."),
            engine.ask("w", QUESTION, params=quick)])
        assert first.failure is None, first.failure
        [done] = first.of(Done)
        again = client.run(lambda engine: [engine.regenerate("w", quick)])
        assert again.failure is None
        [redone] = again.of(Done)
        # the same conversation sent again: the server's cache held all but the answer
        assert redone.stats.prompt_items == done.stats.prompt_items
        assert redone.stats.reused_items >= done.stats.prompt_items - 2
        edited = client.run(lambda engine: [engine.edit("w", 0, "Who issued it?", quick)])
        assert edited.failure is None and edited.of(Done)
        bad = client.run(lambda engine: [engine.edit("w", 1, "x", quick)])  # an answer
        assert bad.failure == "message 1 is not a question that can be edited"
        long = SamplingParams(temperature=0.0, max_tokens=1800, seed=1)
        turn = client.start(lambda engine: [engine.ask("v", "Tell a long story.", params=long),
                                            engine.ask("v", "Just one word.", params=quick)])
        assert turn.finished.wait(30)
        assert len(turn.of(Stopped)) == 1 and len(turn.of(Done)) == 1  # latest wins


REPLICAS = REPO / "tests" / "fixtures" / "replicas"


@pytest.mark.parametrize("replica", ["internvl3-tiny", "qwen25vl-tiny", "lfm2vl-tiny",
                                     "smolvlm-tiny"])
def test_models_written_by_llama_cpps_converter_answer_through_a_server(
        replica: str, binary: Path, logs: Path, tmp_path: Path) -> None:
    """What users serve: files from convert_hf_to_gguf.py, not ours. With the projector
    file here the page goes as the planner's tiles (the family's own layout where it is
    ours, mtmd's slices for the rest); without it, a page that fits a slot goes whole and
    the server's mtmd lays it out; a page that does not fit is one line, never a crash."""
    llm = REPLICAS / replica / f"{replica}-llm.gguf"
    mmproj = REPLICAS / replica / f"{replica}-mmproj.gguf"
    _invoice(tmp_path / "inv.png")
    _invoice(tmp_path / "small.png", size=(400, 300))
    common = ("--max-tokens", "6", "--seed", "3", "--temperature", "0", "--stats")
    with LlamaServer(binary, llm, mmproj, logs / f"{replica}.log") as server:
        tiles = _cli("ask", "--server", server.url, "--mmproj", str(mmproj), "inv.png",
                     QUESTION, *common, cwd=tmp_path)
        whole = _cli("ask", "--server", server.url, "small.png", QUESTION, *common,
                     cwd=tmp_path)
        assert server.process is not None and server.process.poll() is None  # not crashed
    for run in (tiles, whole):  # (random weights: the answer may be all newlines)
        assert run.returncode == 0, run.stderr
        stats = json.loads(run.stderr.strip().splitlines()[-1])
        assert stats["image_tokens"] > 0 and stats["decode_tokens"] >= 1, stats
    assert f"{replica}-llm.gguf, with vision" in tiles.stderr


def test_a_bluelm_file_sent_whole_needs_the_servers_image_max_tokens(
        binary: Path, models: Any, logs: Path, tmp_path: Path) -> None:
    """Our BlueLM files name mtmd's lfm2 projector (the same graph), and mtmd cuts a big
    image for it into LFM2-VL's 512-px tiles; a BlueLM encoder has 14-px patches, and
    clip.cpp aborts the server on the token count ("Invalid number of output tokens").
    The app sends its own 392-px tiles when it has the projector file; for a whole page,
    llama-server must be started with --image-max-tokens large enough that mtmd does not
    tile (README, "What is sent to a server"). Both halves are checked here, so the day
    llama.cpp changes either, this test says the README is out of date."""
    _invoice(tmp_path / "inv.png")  # 800×1000: more than 256 tokens' worth of pixels
    common = ("inv.png", QUESTION, "--max-tokens", "4", "--seed", "3", "--stats")
    with LlamaServer(binary, models.llm, models.mmproj, logs / "whole-tiled.log",
                     ctx=8192) as server:
        tiled = _cli("ask", "--server", server.url, *common, cwd=tmp_path)
        assert server.process is not None
        assert server.process.wait(30) != 0  # aborted
    assert tiled.returncode == 2 and tiled.stderr.count("\n") == 1, tiled.stderr
    assert "Invalid number of output tokens" in server.log.read_text(errors="replace")

    with LlamaServer(binary, models.llm, models.mmproj, logs / "whole-untiled.log",
                     ctx=8192, extra=("--image-max-tokens", "4096")) as server:
        whole = _cli("ask", "--server", server.url, *common, cwd=tmp_path)
        assert server.process is not None and server.process.poll() is None
    assert whole.returncode == 0, whole.stderr
    stats = json.loads(whole.stderr.strip().splitlines()[-1])
    # The server's count: one image of 812×1008 px (aligned to 28), 29 × 36 tokens, no
    # slices and no thumbnail; then the prompt's few dozen tokens of text.
    assert 29 * 36 < stats["positions"] < 29 * 36 + 64, stats
