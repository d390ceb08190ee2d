"""Downloading a catalog pair with the real huggingface_hub against a local fake hub.

The payload is the tiny synthetic GGUF pairs (about 1.2 MB + 0.7 MB), so a chunk of
`CHUNK_BYTES` is a fraction of a file and resume, cancel and progress have room to show.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_hub import Drop, FakeHub, Status

from bluelm_desktop.core.errors import Cancelled, DownloadError
from bluelm_desktop.core.gguf.keys import SUPPORTED_PROJECTORS
from bluelm_desktop.core.models import (
    CATALOG,
    CatalogEntry,
    DownloadCancelled,
    DownloadProgress,
    download,
    download_pair,
    entry_by_id,
    final_paths,
    staging_dir,
)
from bluelm_desktop.core.models import library as model_library
from model_convert import constants as C

REPO = "test-org/Tiny-VL-GGUF"
LLM_FILE = "Tiny-VL-Q4_K_M.gguf"
MMPROJ_FILE = "mmproj-Tiny-VL-Q8_0.gguf"
FAMILY = {C.LAYOUT_BLUELM: "lfm2", C.LAYOUT_INTERNVL: "internvl"}


def make_entry(layout: str = C.LAYOUT_INTERNVL, **overrides: object) -> CatalogEntry:
    fields: dict[str, object] = dict(
        id=f"tiny-{layout}", title="Tiny", family=FAMILY[layout], repo_id=REPO,
        llm_file=LLM_FILE, mmproj_file=MMPROJ_FILE, llm_bytes=1, mmproj_bytes=1,
        licence="MIT", description="test pair",
    )
    fields.update(overrides)
    return CatalogEntry(**fields)  # type: ignore[arg-type]


@pytest.fixture
def pair_files(tiny_models: Callable[..., object]) -> Callable[[str], dict[str, bytes]]:
    def get(layout: str = C.LAYOUT_INTERNVL) -> dict[str, bytes]:
        converted = tiny_models(layout)
        return {LLM_FILE: converted.llm.read_bytes(),  # type: ignore[attr-defined]
                MMPROJ_FILE: converted.mmproj.read_bytes()}  # type: ignore[attr-defined]
    return get


@pytest.fixture
def serve(pair_files: Callable[[str], dict[str, bytes]]) -> Iterator[Callable[..., FakeHub]]:
    """`serve(layout=..., **knobs)` → a running FakeHub with that layout's pair."""
    hubs: list[FakeHub] = []

    def start(layout: str = C.LAYOUT_INTERNVL, files: dict[str, bytes] | None = None,
              **knobs: object) -> FakeHub:
        hub = FakeHub(REPO, files if files is not None else pair_files(layout), **knobs)  # type: ignore[arg-type]
        hubs.append(hub)
        return hub

    yield start
    from huggingface_hub.utils import close_session

    close_session()  # drop pooled keep-alive connections to the servers about to go
    for hub in hubs:
        hub.close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "RETRY_WAIT_S", 0.01)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def partials(entry: CatalogEntry, models_dir: Path) -> list[Path]:
    return sorted(staging_dir(entry, models_dir).glob(f"*{download.PARTIAL_SUFFIX}"))


def assert_nothing_installed(entry: CatalogEntry, models_dir: Path) -> None:
    assert not any(p.exists() for p in final_paths(entry, models_dir))
    assert model_library.scan(models_dir, models_dir / "none.json") == []


# --- the happy path ----------------------------------------------------------------------


@pytest.mark.parametrize("layout", [C.LAYOUT_INTERNVL, C.LAYOUT_BLUELM])
def test_complete_download_is_installed_and_listed(serve, tmp_path: Path, layout: str) -> None:
    hub = serve(layout)
    entry = make_entry(layout)
    llm, mmproj = download_pair(entry, tmp_path, endpoint=hub.endpoint)

    assert (llm.name, mmproj.name) == (f"{entry.id}-llm.gguf", f"{entry.id}-mmproj.gguf")
    assert (llm, mmproj) == final_paths(entry, tmp_path)
    assert sha256(llm) == hub.sha256(LLM_FILE)
    assert sha256(mmproj) == hub.sha256(MMPROJ_FILE)
    assert not (tmp_path / download.STAGING_DIR).exists()  # staging cleaned up
    [pair] = model_library.scan(tmp_path, tmp_path / "none.json")
    assert pair.ok, pair.error
    assert (pair.name, pair.kind) == (entry.id, model_library.KIND_VISION_TEXT)
    # Fetched at the commit the HEAD reported, so both files come from one revision.
    gets = [r.path for r in hub.requests if r.method == "GET"]
    assert len(gets) == 2 and all(f"/{REPO}/resolve/{hub.commit}/" in p for p in gets)
    heads = [r.path for r in hub.requests if r.method == "HEAD"]
    assert len(heads) == 2 and all(f"/{REPO}/resolve/main/" in p for p in heads)


def test_progress_rises_monotonically_to_the_total(serve, tmp_path: Path) -> None:
    hub = serve()
    events: list[DownloadProgress] = []
    download_pair(make_entry(), tmp_path, endpoint=hub.endpoint, progress=events.append)

    total = len(hub.files[LLM_FILE]) + len(hub.files[MMPROJ_FILE])
    transfer = [e for e in events if not e.verifying]
    assert len(transfer) > 4  # several chunks, not one event per file
    assert all(e.total == total for e in events)
    done = [e.done for e in events]
    assert done == sorted(done)
    for name in (LLM_FILE, MMPROJ_FILE):
        mine = [e.file_done for e in events if e.file_name == name]
        assert mine == sorted(mine) and mine[-1] == len(hub.files[name])
    assert [e.file_name for e in events if e.verifying] == [LLM_FILE, MMPROJ_FILE]
    assert events[-1].done == total and events[-1].fraction == 1.0


def test_cdn_redirect_keeps_the_token_on_the_hub(serve, tmp_path: Path) -> None:
    hub = serve(cdn=True)
    download_pair(make_entry(), tmp_path, endpoint=hub.endpoint, token="hf_secret")

    hub_requests = [r for r in hub.requests if r.role == "hub"]
    cdn_requests = [r for r in hub.requests if r.role == "cdn"]
    assert {r.method for r in hub_requests} == {"HEAD", "GET"}
    assert all(r.authorization == "Bearer hf_secret" for r in hub_requests)
    assert len(cdn_requests) == 2 and all(r.authorization is None for r in cdn_requests)


def test_no_implicit_token_from_the_users_login(serve, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_from_the_environment")
    hub = serve()
    download_pair(make_entry(), tmp_path, endpoint=hub.endpoint)
    assert hub.requests and all(r.authorization is None for r in hub.requests)


def test_a_file_kept_in_git_is_checked_by_its_git_sha1(serve, tmp_path: Path) -> None:
    hub = serve(lfs=False)
    llm, _ = download_pair(make_entry(), tmp_path, endpoint=hub.endpoint)
    assert sha256(llm) == hub.sha256(LLM_FILE)


# --- resume ------------------------------------------------------------------------------


def test_a_dropped_connection_is_resumed_within_the_call(serve, tmp_path: Path) -> None:
    hub = serve()
    size = len(hub.files[LLM_FILE])
    hub.faults[LLM_FILE] = [Drop(after=size // 2)]
    llm, _ = download_pair(make_entry(), tmp_path, endpoint=hub.endpoint)

    assert sha256(llm) == hub.sha256(LLM_FILE)
    first, second = hub.gets(LLM_FILE)
    assert first.range is None and second.range is not None
    assert second.status == 206 and 0 < int(second.range.split("=")[1][:-1]) <= size // 2
    assert hub.bytes_served(LLM_FILE) < 2 * size


def test_an_interrupted_download_resumes_on_the_next_call(serve, tmp_path: Path) -> None:
    hub = serve()
    entry = make_entry()
    size = len(hub.files[LLM_FILE])
    hub.faults[LLM_FILE] = [Drop(after=size // 2), Status(503)]  # the network then goes away

    with pytest.raises(DownloadError) as e:
        download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert LLM_FILE in str(e.value) and "503" in str(e.value) and "\n" not in str(e.value)
    [partial] = partials(entry, tmp_path)
    kept = partial.stat().st_size
    assert 0 < kept < size
    assert_nothing_installed(entry, tmp_path)

    served_before = len(hub.gets(LLM_FILE))
    llm, _ = download_pair(entry, tmp_path, endpoint=hub.endpoint)
    resumed = hub.gets(LLM_FILE)[served_before:]
    assert [r.range for r in resumed] == [f"bytes={kept}-"]
    assert resumed[0].status == 206 and resumed[0].body_bytes == size - kept
    assert hub.bytes_served(LLM_FILE) < 2 * size
    assert sha256(llm) == hub.sha256(LLM_FILE)


def test_a_partial_that_no_longer_fits_the_file_restarts(serve, tmp_path: Path) -> None:
    hub = serve()
    entry = make_entry()
    size = len(hub.files[LLM_FILE])
    hub.faults[LLM_FILE] = [Drop(after=size // 2), Status(503)]
    with pytest.raises(DownloadError):
        download_pair(entry, tmp_path, endpoint=hub.endpoint)
    [partial] = partials(entry, tmp_path)
    partial.write_bytes(b"\0" * (size + 10))  # longer than the file: cannot be a prefix

    llm, _ = download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert sha256(llm) == hub.sha256(LLM_FILE)


# --- cancel ------------------------------------------------------------------------------


def test_cancel_stops_within_a_chunk_and_the_next_call_resumes(serve, tmp_path: Path) -> None:
    hub = serve()
    entry = make_entry()
    size = len(hub.files[LLM_FILE])
    cancel = threading.Event()

    def cancel_after_first_chunk(p: DownloadProgress) -> None:
        if p.file_name == LLM_FILE and p.file_done > 0:
            cancel.set()

    with pytest.raises(DownloadCancelled) as e:
        download_pair(entry, tmp_path, endpoint=hub.endpoint, progress=cancel_after_first_chunk,
                      cancel=cancel)
    assert isinstance(e.value, Cancelled) and not isinstance(e.value, DownloadError)
    assert_nothing_installed(entry, tmp_path)
    [partial] = partials(entry, tmp_path)
    assert partial.stat().st_size == download.CHUNK_BYTES < size
    assert hub.gets(MMPROJ_FILE) == []  # stopped before the second file

    llm, mmproj = download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert hub.gets(LLM_FILE)[-1].range == f"bytes={download.CHUNK_BYTES}-"
    assert sha256(llm) == hub.sha256(LLM_FILE) and sha256(mmproj) == hub.sha256(MMPROJ_FILE)


def test_cancel_before_start_touches_no_network(serve, tmp_path: Path) -> None:
    hub = serve()
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(DownloadCancelled):
        download_pair(make_entry(), tmp_path, endpoint=hub.endpoint, cancel=cancel)
    assert hub.requests == []


# --- failures ----------------------------------------------------------------------------


def test_corrupted_bytes_fail_the_sha256_check_and_are_deleted(serve, tmp_path: Path) -> None:
    hub = serve(corrupt={MMPROJ_FILE})
    entry = make_entry()
    with pytest.raises(DownloadError) as e:
        download_pair(entry, tmp_path, endpoint=hub.endpoint)
    message = str(e.value)
    assert MMPROJ_FILE in message and "sha256" in message and "\n" not in message
    assert hub.sha256(MMPROJ_FILE) in message  # expected ...
    served = hashlib.sha256(hub._body(MMPROJ_FILE)).hexdigest()
    assert served in message  # ... and got
    assert_nothing_installed(entry, tmp_path)
    assert partials(entry, tmp_path) == []  # the bad bytes are gone, not resumed from

    hub.corrupt.clear()
    _, mmproj = download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert sha256(mmproj) == hub.sha256(MMPROJ_FILE)
    assert len(hub.gets(LLM_FILE)) == 1  # the verified LLM was kept, not fetched again


def test_a_wrong_pin_is_refused_before_downloading(serve, tmp_path: Path) -> None:
    hub = serve()
    entry = make_entry(llm_sha256="ab" * 32)
    with pytest.raises(DownloadError, match=f"{LLM_FILE}: the hub's sha256 .* pins abab"):
        download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert [r for r in hub.requests if r.method == "GET"] == []


def test_a_right_pin_passes(serve, tmp_path: Path) -> None:
    hub = serve()
    entry = make_entry(llm_sha256=hub.sha256(LLM_FILE), mmproj_sha256=hub.sha256(MMPROJ_FILE))
    llm, _ = download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert sha256(llm) == entry.llm_sha256


def test_a_missing_file_names_it_and_fetches_nothing(serve, tmp_path: Path) -> None:
    hub = serve(missing={MMPROJ_FILE})
    entry = make_entry()
    with pytest.raises(DownloadError) as e:
        download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert str(e.value) == f"{REPO}/{MMPROJ_FILE}: no such file in the repository (HTTP 404)"
    assert [r for r in hub.requests if r.method == "GET"] == []
    assert_nothing_installed(entry, tmp_path)
    assert list(tmp_path.iterdir()) == []  # not even an empty staging folder


def test_a_full_disk_mid_transfer_is_one_line(serve, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    hub = serve()
    entry = make_entry()
    real_open = download._open_partial

    class FillsUp(io.BufferedWriter):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            if self.tell() > 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(data)

    def open_small_disk(path: Path) -> io.BufferedWriter:
        real_open(path).close()
        return FillsUp(io.FileIO(path, "a"))

    monkeypatch.setattr(download, "_open_partial", open_small_disk)
    with pytest.raises(DownloadError) as e:
        download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert str(e.value) == f"{REPO}/{LLM_FILE}: the disk is full"
    assert_nothing_installed(entry, tmp_path)
    [partial] = partials(entry, tmp_path)  # kept: resumes once space is freed
    assert partial.stat().st_size == download.CHUNK_BYTES


def test_a_second_download_of_the_same_entry_is_refused(serve, tmp_path: Path) -> None:
    hub = serve()
    entry = make_entry()
    started, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def hold(p: DownloadProgress) -> None:
        started.set()
        release.wait(timeout=10)

    def first() -> None:
        outcome.append(download_pair(entry, tmp_path, endpoint=hub.endpoint, progress=hold))

    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert started.wait(timeout=10)
        with pytest.raises(DownloadError, match=f"{entry.id}: already being downloaded"):
            download_pair(entry, tmp_path, endpoint=hub.endpoint)
    finally:
        release.set()
        worker.join(timeout=10)
    assert outcome == [final_paths(entry, tmp_path)]


def test_a_file_that_is_not_gguf_is_refused(serve, tmp_path: Path, pair_files) -> None:
    files = pair_files(C.LAYOUT_INTERNVL)
    files[LLM_FILE] = b"<html>not a model</html>" * 100
    hub = serve(files=files)
    entry = make_entry()
    with pytest.raises(DownloadError, match=f"{REPO}: not a usable model pair: .*not a GGUF"):
        download_pair(entry, tmp_path, endpoint=hub.endpoint)
    assert_nothing_installed(entry, tmp_path)
    assert [p for p in staging_dir(entry, tmp_path).rglob("*") if p.is_file()] == []


def test_not_enough_disk_space_is_refused_up_front(serve, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    hub = serve()
    monkeypatch.setattr(download, "_free_bytes", lambda path: 1024)
    with pytest.raises(DownloadError, match=r"not enough free disk space.*1\.0 KiB free"):
        download_pair(make_entry(), tmp_path, endpoint=hub.endpoint)
    assert [r for r in hub.requests if r.method == "GET"] == []


def test_an_unreachable_hub_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:  # bound, never listening: connecting to it is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with pytest.raises(DownloadError) as e:
            download_pair(make_entry(), tmp_path, endpoint=f"http://127.0.0.1:{port}")
    assert str(e.value).startswith(f"{REPO}/{LLM_FILE}: cannot connect")
    assert "\n" not in str(e.value)


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=30,
    )
    return cert, key


def test_a_self_signed_certificate_is_refused(serve, tmp_path: Path, self_signed) -> None:
    hub = serve(tls=self_signed)
    assert hub.endpoint.startswith("https://")
    with pytest.raises(DownloadError) as e:
        download_pair(make_entry(), tmp_path, endpoint=hub.endpoint)
    assert str(e.value).startswith(f"{REPO}/{LLM_FILE}: TLS certificate verification failed")
    assert "\n" not in str(e.value)
    assert hub.requests == []  # the handshake failed: no request got through


# --- the catalog and the import ------------------------------------------------------------


def test_catalog_entries_are_well_formed() -> None:
    ids = [e.id for e in CATALOG]
    assert len(CATALOG) >= 3 and len(set(ids)) == len(ids)
    for e in CATALOG:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*", e.id), e.id
        assert e.family in SUPPORTED_PROJECTORS, e.id
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", e.repo_id), e.repo_id
        assert e.llm_file.endswith(".gguf") and e.mmproj_file.endswith(".gguf"), e.id
        assert "mmproj" in e.mmproj_file.lower() and "mmproj" not in e.llm_file.lower(), e.id
        assert e.llm_bytes > 0 and e.mmproj_bytes > 0 and e.size_bytes < 4 << 30, e.id
        for pin in (e.llm_sha256, e.mmproj_sha256):
            assert pin is None or re.fullmatch(r"[0-9a-f]{64}", pin), e.id
        assert e.title and e.licence and e.description and "\n" not in e.description
        assert entry_by_id(e.id) is e
    assert entry_by_id("no-such-model") is None
    assert {e.family for e in CATALOG} == set(SUPPORTED_PROJECTORS)


def test_importing_the_package_stays_offline_and_light() -> None:
    code = ("import sys, bluelm_desktop.core.models; "
            "print(sorted(m for m in ('huggingface_hub', 'httpx2', 'gguf', 'PySide6') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    assert out.strip() == "[]"
