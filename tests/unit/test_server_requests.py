"""What goes to a llama-server, and the one-line errors when a server cannot be used.

The request tests build real content parts from real tiles (decoded back from the PNG
data URIs); the error tests talk to real sockets on 127.0.0.1: a port nobody listens on,
and a listener that accepts connections and never answers. No llama-server is needed
(tests/integration/test_servers.py starts real ones).
"""

from __future__ import annotations

import base64
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bluelm_desktop import cli
from bluelm_desktop.core.engine.prompt import BLUELM, INTERNVL, MTMD, ImageLayout
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.server import (
    ServerConfig,
    ServerConnection,
    ServerError,
    ServerUnavailable,
)
from bluelm_desktop.core.server.request import (
    image_part,
    merge_text,
    page_text,
    sampling_fields,
    text_part,
    tile_label,
)
from tests.llama_servers import free_port


def _tiles(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, (392, 392, 3), dtype=np.uint8) for _ in range(n)]


def _pixels(part: dict) -> np.ndarray:
    url = part["image_url"]["url"]
    head, data = url.split(",", 1)
    assert head == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


def _page(profile, layout: ImageLayout, tiles: list[np.ndarray]) -> list[dict]:
    parts = []
    for k, tile in enumerate(tiles):
        before, after = tile_label(profile, layout, k)
        parts += [text_part(before), image_part(tile), text_part(after)]
    parts.append(text_part(profile.after_image))
    return merge_text(parts)


def test_bluelm_tiles_go_in_the_familys_order_with_its_labels() -> None:
    layout = ImageLayout(cols=2, rows=2, thumbnail=True, tokens_per_tile=196)
    tiles = _tiles(5)
    parts = _page(BLUELM, layout, tiles)
    texts = [p["text"] for p in parts if p["type"] == "text"]
    assert texts == ["<|img_row_1_col_1|>", "<|img_row_1_col_2|>", "<|img_row_2_col_1|>",
                     "<|img_row_2_col_2|>", "<|img_thumbnail|>"]
    images = [p for p in parts if p["type"] == "image_url"]
    # lossless: the server decodes exactly the pixels the planner cut, in row-major order
    assert all(np.array_equal(_pixels(p), t) for p, t in zip(images, tiles, strict=True))
    assert [p["type"] for p in parts] == ["text", "image_url"] * 5
    # one tile alone carries no label (LFM2's single-tile format); InternVL none at all
    single = _page(BLUELM, ImageLayout(1, 1, False, 196), tiles[:1])
    assert [p["type"] for p in single] == ["image_url"]
    internvl = _page(INTERNVL, layout, tiles)
    assert [p["type"] for p in internvl] == ["image_url"] * 5 + ["text"]
    assert internvl[-1]["text"] == "\n"
    whole = _page(MTMD, ImageLayout(1, 1, False, 1024), tiles[:1])
    assert [p["type"] for p in whole] == ["image_url"]


def test_text_is_joined_so_the_server_adds_no_line_breaks() -> None:
    parts = merge_text([text_part(page_text("Invoice 7\nTotal 9  \n\n")), text_part(""),
                        text_part("What is the total?"), image_part(_tiles(1)[0]),
                        text_part("a"), text_part("b")])
    assert [p["type"] for p in parts] == ["text", "image_url", "text"]
    assert parts[0]["text"] == "Invoice 7\nTotal 9\n\nWhat is the total?"
    assert parts[2]["text"] == "ab"


def test_sampling_and_schema_fields() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    body = sampling_fields(SamplingParams(temperature=0.0, max_tokens=9, seed=4,
                                          json_schema=schema))
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "answer", "schema": schema}}
    assert (body["temperature"], body["max_tokens"], body["seed"]) == (0.0, 9, 4)
    assert body["min_p"] == 0.0 and body["reasoning_format"] == "none"
    assert "seed" not in sampling_fields(SamplingParams())  # random: the server draws one


def test_server_urls_are_checked_and_the_key_never_shows() -> None:
    config = ServerConfig("gpu-box:8080/v1/", api_key="s3cret-key")
    assert config.url == "http://gpu-box:8080" and config.label == "gpu-box:8080"
    assert "s3cret" not in repr(config) and "s3cret" not in str(config)
    assert ServerConfig("https://[::1]").label == "[::1]:443"
    for bad, expected in [("ftp://x:1", "not a server URL"), ("http://", "not a server URL"),
                          ("http://u:pw@h:1", "no user or password"),
                          ("h:99999", "not a server URL"), ("http://h:1/?a=b", r"no \?query")]:
        with pytest.raises(ValueError, match=expected):
            ServerConfig(bad)
    with pytest.raises(ValueError, match="one word"):
        ServerConfig("h:1", api_key="two words")


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


def test_refused_and_silent_servers_are_one_line_each(silent_listener: int) -> None:
    port = free_port()  # nobody listens there
    with ServerConnection(ServerConfig(f"127.0.0.1:{port}")) as refused, \
            pytest.raises(ServerUnavailable) as error:
        refused.check()
    assert str(error.value) == (f"127.0.0.1:{port}: connection refused (is llama-server "
                                "running there?)")
    started = time.monotonic()
    with ServerConnection(ServerConfig(f"127.0.0.1:{silent_listener}", timeout_s=0.5)) as \
            silent, pytest.raises(ServerUnavailable) as error:
        silent.check()
    assert str(error.value) == f"127.0.0.1:{silent_listener}: no answer within 0.5 s (timeout)"
    assert time.monotonic() - started < 5


def test_something_that_is_not_llama_server(tmp_path: Path) -> None:
    """An HTTP server that answers 404 to everything (a wrong port, another service)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        with ServerConnection(ServerConfig(f"127.0.0.1:{http.server_port}")) as other, \
                pytest.raises(ServerError) as error:
            other.check()
        assert str(error.value) == (f"127.0.0.1:{http.server_port}: not a llama.cpp server "
                                    "(/health: 404)")
        assert not isinstance(error.value, ServerUnavailable)  # no use trying it again
    finally:
        http.shutdown()
        http.server_close()


def test_the_command_line_says_each_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                silent_listener: int) -> None:
    port = free_port()
    cases = {
        "not a server URL: 'ftp://x:1'": ["ask", "--server", "ftp://x:1", "hi"],
        f"127.0.0.1:{port}: connection refused": ["ask", "--server", f"127.0.0.1:{port}", "hi"],
        f"127.0.0.1:{silent_listener}: no answer within 0.5 s (timeout)": [
            "ask", "--server", f"127.0.0.1:{silent_listener}", "--server-timeout", "0.5", "hi"],
        "ask needs --model LLM.gguf or --server URL": ["ask", "hi"],
        "--api-key-file is for --server": ["ask", "--model", "m.gguf", "--api-key-file",
                                           "k", "hi"],
        "batch needs --model LLM.gguf or --server URL": [
            "batch", str(tmp_path), "--task", "translate", "--out", str(tmp_path / "o.jsonl")],
        f"--server 127.0.0.1:{port} is given twice": [
            "batch", str(tmp_path), "--task", "translate", "--out", str(tmp_path / "o.jsonl"),
            "--server", f"127.0.0.1:{port}", "--server", f"http://127.0.0.1:{port}/"],
    }
    for expected, args in cases.items():
        capsys.readouterr()
        assert cli.main(args) == 2, expected
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1, err
    assert not (tmp_path / "o.jsonl").exists()
