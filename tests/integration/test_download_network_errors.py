"""A download that cannot reach the hub says why, and where, in fields the UI can word.

Real failing connections: a local port nobody listens on (refused), one that accepts and
never answers (timeout), a hub with a self-signed certificate (TLS), HTTP error statuses
from the local fake hub. A failed name lookup needs a name that cannot resolve: the
resolver is replaced for that one case (a real lookup would depend on this machine's DNS).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_hub import FakeHub, Status

from bluelm_desktop.core.errors import DownloadError
from bluelm_desktop.core.models import CatalogEntry, download, download_pair
from bluelm_desktop.core.models.download import NetworkError

REPO = "test-org/Tiny-VL-GGUF"
LLM_FILE, MMPROJ_FILE = "Tiny-VL-Q4_K_M.gguf", "mmproj-Tiny-VL-Q8_0.gguf"
ENTRY = CatalogEntry(id="tiny-net", title="Tiny", family="internvl", repo_id=REPO,
                     llm_file=LLM_FILE, mmproj_file=MMPROJ_FILE, llm_bytes=1, mmproj_bytes=1,
                     licence="MIT", description="test pair")
FILES = {LLM_FILE: b"L" * 4096, MMPROJ_FILE: b"M" * 4096}  # the failures come first


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "RETRY_WAIT_S", 0.01)


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub(REPO, FILES) as served:
        yield served
    from huggingface_hub.utils import close_session

    close_session()


def fail(endpoint: str, tmp_path: Path) -> NetworkError:
    with pytest.raises(DownloadError) as e:
        download_pair(ENTRY, tmp_path, endpoint=endpoint)
    assert isinstance(e.value, NetworkError), repr(e.value)
    assert "\n" not in str(e.value)
    return e.value


def test_a_refused_connection_names_the_host(tmp_path: Path) -> None:
    with socket.socket() as s:  # bound, never listening: connecting to it is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        error = fail(f"http://127.0.0.1:{port}", tmp_path)
    assert (error.reason, error.host, error.file) == (download.REFUSED, "127.0.0.1", LLM_FILE)
    assert str(error).startswith(f"{REPO}/{LLM_FILE}: cannot connect")


def test_a_name_that_does_not_resolve_is_a_failed_lookup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(host: str, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    error = fail("http://hub.example.invalid", tmp_path)
    assert (error.reason, error.host) == (download.NAME_LOOKUP, "hub.example.invalid")
    assert error.detail == "Name or service not known"


def test_a_server_that_never_answers_times_out(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "HEAD_TIMEOUT_S", 0.3)
    with socket.socket() as s:  # listening, never accepting: the request gets no answer
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        error = fail(f"http://127.0.0.1:{s.getsockname()[1]}", tmp_path)
    assert (error.reason, error.host) == (download.TIMEOUT, "127.0.0.1")


def test_http_statuses_carry_the_status(hub: FakeHub, tmp_path: Path) -> None:
    hub.faults[LLM_FILE] = [Status(503)]  # the GET of the file, after both HEADs
    error = fail(hub.endpoint, tmp_path)
    assert (error.reason, error.status, error.host, error.file) == (
        download.HTTP, 503, "127.0.0.1", LLM_FILE)
    hub.missing.add(MMPROJ_FILE)  # a HEAD answered 404
    error = fail(hub.endpoint, tmp_path)
    assert (error.reason, error.status, error.file) == (download.HTTP, 404, MMPROJ_FILE)


def test_an_untrusted_certificate_is_a_tls_failure(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30)
    with FakeHub(REPO, FILES, tls=(cert, key)) as served:
        error = fail(served.endpoint, tmp_path / "models")
    assert (error.reason, error.host) == (download.TLS_CERTIFICATE, "127.0.0.1")
    assert "self-signed" in error.detail or "certificate" in error.detail


def test_a_file_problem_is_not_a_network_error(hub: FakeHub, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "_free_bytes", lambda path: 1024)
    with pytest.raises(DownloadError) as e:
        download_pair(ENTRY, tmp_path, endpoint=hub.endpoint)
    assert not isinstance(e.value, NetworkError)
    assert "not enough free disk space" in str(e.value)
