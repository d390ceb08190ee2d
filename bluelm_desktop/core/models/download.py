"""Download a catalog model pair from the Hugging Face hub: resumable, cancellable, verified.

`download_pair` fetches an entry's LLM and mmproj into a staging folder
(`models_dir/.downloads/<id>/`, a dot-folder the library scan skips), checks each file's
sha256 against the hub's (and the catalog pin, if any), checks the pair with the same GGUF
checks the engine applies before loading, and only then renames both into `models_dir` as
`<id>-llm.gguf` + `<id>-mmproj.gguf`, the names `models.library.scan` pairs up. Nothing
ever appears at those names unless it is complete and verified.

Why not `hf_hub_download(local_dir=...)`: in the installed huggingface_hub (2.4) it writes
every attempt to a process-unique temporary file and deletes it when the attempt fails, so
an interrupted or cancelled download always restarts from byte 0 (its resume only covers
retries inside one call); it streams in 10 MiB pieces, so a cancel flag checked from its
progress bar would wait up to 10 MiB; and with `hf_xet` installed it hands xet-stored
files (most GGUFs today) to a Rust downloader with its own cache under the user's home and
its own progress thread. So the hub's own pieces are used where they matter - the
`/resolve` URL (`hf_hub_url`), the HEAD that yields size, sha256 and commit
(`get_hf_file_metadata`, which also stops at the CDN redirect so the token stays on the
hub), its shared HTTP client (`get_session`: TLS always verified, against the system store
or `SSL_CERT_FILE`; `HF_HUB_OFFLINE` honoured) and its typed HTTP errors
(`hf_raise_for_status`) - and the transfer itself is a plain ranged GET into a partial file
we own, which survives failures and cancels.
The GET goes to the `/resolve` URL pinned at the commit the HEAD reported, so both files
come from one revision and the client follows the CDN redirect without the token
(httpx2 drops Authorization on a cross-origin redirect).

Telemetry: huggingface_hub sends none unless asked (`send_telemetry`, never called here);
its user-agent would carry library versions, so ours replaces it. No token is read from the
user's HF login unless one is passed: the catalog repositories are public, and an implicit
token must not travel to a custom `endpoint`.

Qt-free and blocking: the UI runs it on a worker thread and passes a `threading.Event` to
cancel. Importing this module touches no network and does not import huggingface_hub.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import shutil
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from bluelm_desktop import __version__
from bluelm_desktop.core.errors import BlueLMError, Cancelled, DownloadError, Line, msg, one_line
from bluelm_desktop.core.gguf import keys as C
from bluelm_desktop.core.models.catalog import CatalogEntry

if TYPE_CHECKING:
    from huggingface_hub import HfFileMetadata

STAGING_DIR: Final = ".downloads"  # under models_dir; dot-folders are skipped by the scan
PARTIAL_SUFFIX: Final = ".part"
CHUNK_BYTES: Final = 256 * 1024  # cancel and progress granularity
HASH_BLOCK_BYTES: Final = 4 * 1024 * 1024
HEAD_TIMEOUT_S: Final = 10.0  # huggingface_hub's own default for the metadata HEAD
READ_TIMEOUT_S: Final = 30.0  # a stalled transfer is abandoned (and retried) after this
MAX_RETRIES: Final = 3  # transfer attempts in a row that add no byte before giving up
RETRY_WAIT_S = 1.0  # between attempts; not Final so tests can shorten it
DISK_MARGIN_BYTES: Final = 64 * 1024 * 1024  # left free after the download
USER_AGENT: Final = f"bluelm-desktop/{__version__}"
_SHA256_RE: Final = re.compile(r"[0-9a-f]{64}")
_GIT_SHA1_RE: Final = re.compile(r"[0-9a-f]{40}")

ProgressCallback = Callable[["DownloadProgress"], None]


class DownloadCancelled(Cancelled):
    """The user cancelled: a silent outcome. The partial file is kept; the next call resumes.

    A `Cancelled` (not a `DownloadError`), so code that already treats cancellation as
    silent does so here too, and `except DownloadError` never swallows a cancel.
    """


# Why the hub could not be reached (`NetworkError.reason`); the UI says each in a sentence.
NAME_LOOKUP: Final = "name-lookup"  # DNS failed: offline, as a rule
UNREACHABLE: Final = "unreachable"  # no route: no network, or it is down
REFUSED: Final = "refused"  # nothing listens there (or a firewall says no)
CONNECT: Final = "connect"  # another failure to connect
TIMEOUT: Final = "timeout"  # connecting or reading took too long
TLS_CERTIFICATE: Final = "tls-certificate"  # the server's certificate is not trusted
TLS: Final = "tls"  # another TLS failure
BROKEN: Final = "broken"  # the connection broke off mid-answer
HTTP: Final = "http"  # the server answered with an error status (`NetworkError.status`)
NETWORK_REASONS: Final = (NAME_LOOKUP, UNREACHABLE, REFUSED, CONNECT, TIMEOUT,
                          TLS_CERTIFICATE, TLS, BROKEN, HTTP)


class NetworkError(DownloadError):
    """The hub (or its CDN) could not be reached, or answered with an error status.

    `str()` is the usual one English line ("repo/file: cannot connect (...)"); the fields
    let the UI say it in the user's words and language: `host` (the server tried),
    `reason` (one of `NETWORK_REASONS`), `status` (the HTTP status, for `HTTP`),
    `detail` (the system's words, for the curious), `file` (the repository file) and
    `attempts` (tries in a row that brought nothing, when a transfer gave up).
    """

    def __init__(self, message: str | Line, *, host: str, reason: str, file: str,
                 status: int | None = None, detail: str = "", attempts: int = 0) -> None:
        super().__init__(message)
        self.host = host
        self.reason = reason
        self.file = file
        self.status = status
        self.detail = detail
        self.attempts = attempts


@dataclass(frozen=True)
class DownloadProgress:
    """Where a download stands; sent after every chunk written, so throttle in the UI.

    Byte counts are what is on disk, so a resumed download starts at the bytes it already
    had. They only go down if the server ignores a resume request and the file restarts.
    `verifying` is set once per file while its sha256 is computed (seconds for a GB file).
    """

    file_name: str  # the file's name in the repository
    file_done: int
    file_total: int
    done: int  # both files together
    total: int
    verifying: bool = False

    @property
    def fraction(self) -> float:
        """Overall progress from 0.0 to 1.0."""
        return min(self.done / self.total, 1.0) if self.total > 0 else 0.0


@dataclass
class _FileJob:
    """One file of the pair: where it comes from, what it must hash to, where it goes."""

    repo_file: str
    url: str  # the /resolve URL at the commit the HEAD reported
    size: int | None
    hub_etag: str | None
    pin: str | None
    partial: Path
    staged: Path  # the verified file: its final name, in a staging folder named by its etag


_active_lock = threading.Lock()
_active: set[str] = set()  # entry ids being downloaded in this process


def final_paths(entry: CatalogEntry, models_dir: Path) -> tuple[Path, Path]:
    """Where `download_pair` puts the entry's LLM and mmproj (whether or not they exist yet)."""
    models_dir = Path(models_dir)
    return models_dir / f"{entry.id}{C.LLM_SUFFIX}", models_dir / f"{entry.id}{C.MMPROJ_SUFFIX}"


def staging_dir(entry: CatalogEntry, models_dir: Path) -> Path:
    """The folder holding the entry's partial files between attempts."""
    return Path(models_dir) / STAGING_DIR / entry.id


def download_pair(
    entry: CatalogEntry,
    models_dir: Path,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> tuple[Path, Path]:
    """Download, verify and install `entry`; returns the final (LLM, mmproj) paths.

    `endpoint` is the hub's base URL (None: huggingface_hub's default, which honours
    `HF_ENDPOINT` for mirrors). `token` is sent to the hub only (gated or private repos).
    Raises `DownloadError` (one line naming the repository file and the problem) or
    `DownloadCancelled`; after either, nothing is at the final names and a partial file
    that can still be resumed is kept in the staging folder.
    """
    models_dir = Path(models_dir)
    with _claim(entry):
        try:
            return _download(entry, models_dir, endpoint, token, progress, cancel)
        finally:
            _remove_empty_staging(entry, models_dir)


def _download(
    entry: CatalogEntry,
    models_dir: Path,
    endpoint: str | None,
    token: str | None,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> tuple[Path, Path]:
    hub = _import_hub(entry)
    _check_cancel(entry, cancel)
    stage = staging_dir(entry, models_dir)
    try:
        stage.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(msg("{folder}: cannot create the folder: {problem}"),
                            folder=stage, problem=_os_problem(e)) from None

    endpoint = endpoint.rstrip("/") if endpoint else None
    # False, not None: None would make huggingface_hub send the user's saved HF login.
    hub_token: str | bool = token if token is not None else False
    # Both HEADs first: a missing file fails before gigabytes of the other are fetched,
    # and the overall fraction needs both sizes from the start.
    jobs = [
        _plan(hub, entry, repo_file, pin, stage, final.name, endpoint, hub_token)
        for repo_file, pin, final in zip(
            (entry.llm_file, entry.mmproj_file),
            (entry.llm_sha256, entry.mmproj_sha256),
            final_paths(entry, models_dir),
            strict=True,
        )
    ]
    _check_disk_space(entry, stage, jobs)

    headers = hub.build_hf_headers(
        token=hub_token, headers={"user-agent": USER_AGENT, "accept-encoding": "identity"}
    )
    total = sum(j.size if j.size is not None else 0 for j in jobs)
    report = _Reporter(progress, total)
    for job in jobs:
        if not job.staged.is_file():  # verified by an earlier call that failed later on
            _transfer(hub, entry, job, headers, report, cancel)
            _verify(entry, job, report, cancel)
        report.finished(job)
    _validate_pair(entry, jobs[0].staged, jobs[1].staged)
    return _install(entry, models_dir, stage, jobs[0].staged, jobs[1].staged)


# --- asking the hub ----------------------------------------------------------------------


def _import_hub(entry: CatalogEntry) -> _Hub:
    """huggingface_hub, imported on first use so the app starts fast and offline."""
    try:
        import huggingface_hub
        import huggingface_hub.utils
    except ImportError as e:
        raise DownloadError(
            msg("{repo}: cannot download: huggingface_hub is not installed ({error})"),
            repo=entry.repo_id, error=str(e),
        ) from None
    return _Hub(huggingface_hub, huggingface_hub.utils)


class _Hub:
    """The few huggingface_hub functions used, gathered so the import stays in one place."""

    def __init__(self, hf: ModuleType, utils: ModuleType) -> None:
        self.hf_hub_url = hf.hf_hub_url
        self.get_hf_file_metadata = hf.get_hf_file_metadata
        self.build_hf_headers = utils.build_hf_headers
        self.get_session = utils.get_session
        self.hf_raise_for_status = utils.hf_raise_for_status


def _plan(
    hub: _Hub,
    entry: CatalogEntry,
    repo_file: str,
    pin: str | None,
    stage: Path,
    final_name: str,
    endpoint: str | None,
    token: str | bool,
) -> _FileJob:
    """HEAD one file: its size, its sha256 (the LFS etag) and the commit to fetch it from."""
    where = f"{entry.repo_id}/{repo_file}"
    url = hub.hf_hub_url(entry.repo_id, repo_file, revision=entry.revision, endpoint=endpoint)
    try:
        meta: HfFileMetadata = hub.get_hf_file_metadata(
            url, token=token, headers={"user-agent": USER_AGENT}, timeout=HEAD_TIMEOUT_S,
            endpoint=endpoint,
        )
    except Exception as e:
        raise _failure(e, entry, repo_file, url) from None
    if meta.commit_hash is None or meta.etag is None:
        raise DownloadError(
            msg("{file}: the server's answer lacks the X-Repo-Commit or ETag header; "
                "it is not a Hugging Face hub"), file=where,
        )
    etag = meta.etag.lower()
    if pin is not None and _SHA256_RE.fullmatch(etag) and etag != pin.lower():
        # The repository changed the file since the catalog was written: refuse up front.
        raise DownloadError(
            msg("{file}: the hub's sha256 is {etag} but the catalog pins {pin}; "
                "the catalog entry is out of date"), file=where, etag=etag, pin=pin.lower(),
        )
    tag = re.sub(r"[^0-9A-Za-z]", "", etag)[:64] or "unknown"
    # Partial and verified files are named by the etag: a new upstream version starts
    # afresh instead of appending to, or installing, bytes of the old one.
    partial = stage / f"{repo_file}.{tag}{PARTIAL_SUFFIX}"
    staged = stage / tag / final_name
    for stale in stage.glob(f"{_glob_escape(repo_file)}.*{PARTIAL_SUFFIX}"):
        if stale != partial:
            stale.unlink(missing_ok=True)
    for stale in stage.glob(f"*/{_glob_escape(final_name)}"):
        if stale != staged:
            _remove_staged(stale)
    pinned_url = hub.hf_hub_url(
        entry.repo_id, repo_file, revision=meta.commit_hash, endpoint=endpoint
    )
    return _FileJob(repo_file, pinned_url, meta.size, etag, pin, partial, staged)


def _glob_escape(name: str) -> str:
    """`name` with glob metacharacters escaped (repository file names may contain `[`)."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _check_disk_space(entry: CatalogEntry, stage: Path, jobs: list[_FileJob]) -> None:
    """Refuse before transferring what cannot fit (the final rename needs no extra space)."""
    need = sum(
        max(j.size - _size(j.partial), 0)
        for j in jobs
        if j.size is not None and not j.staged.is_file()
    )
    if need == 0:
        return
    free = _free_bytes(stage)
    if free is not None and need + DISK_MARGIN_BYTES > free:
        raise DownloadError(
            msg("{repo}: not enough free disk space in {folder}: {need} needed, {free} free"),
            repo=entry.repo_id, folder=stage.parent.parent, need=_human(need),
            free=_human(free),
        )


def _free_bytes(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None  # unknown: let the writes tell


# --- the transfer ------------------------------------------------------------------------


class _Restart(Exception):
    """The partial file is not a prefix of the remote file (416, or a shifted range)."""


class _ShortRead(Exception):
    """The server ended the body early without an error the client noticed."""


class _Reporter:
    """Turns bytes on disk into `DownloadProgress` events for the caller's callback."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self._callback = callback
        self._total = total
        self._finished = 0  # bytes of files already complete

    def update(self, job: _FileJob, file_done: int, *, verifying: bool = False) -> None:
        if self._callback is None:
            return
        file_total = job.size if job.size is not None else file_done
        self._callback(DownloadProgress(
            job.repo_file, file_done, file_total, self._finished + file_done,
            max(self._total, self._finished + file_done), verifying,
        ))

    def finished(self, job: _FileJob) -> None:
        self.update(job, _size(job.staged))
        self._finished += _size(job.staged)


def _transfer(
    hub: _Hub,
    entry: CatalogEntry,
    job: _FileJob,
    headers: dict[str, str],
    report: _Reporter,
    cancel: threading.Event | None,
) -> None:
    """Bring `job.partial` up to the full file, resuming from whatever it holds.

    A dropped connection or a stall is retried from where it stopped; MAX_RETRIES attempts
    in a row that add nothing end the call with a `DownloadError`, keeping the partial.
    """
    import httpx2  # huggingface_hub's HTTP client; its errors are the transient ones

    transient = (httpx2.TransportError, _ShortRead)
    failures = (OSError, httpx2.HTTPError)  # HfHubHTTPError is an OSError; so is a full disk
    fruitless = 0
    while True:
        _check_cancel(entry, cancel)
        have = _size(job.partial)
        if job.size is not None and have > job.size:
            job.partial.unlink()
            have = 0
        report.update(job, have)
        if job.size is not None and have == job.size:
            return
        try:
            _stream(hub, entry, job, headers, have, report, cancel)
            return
        except _Restart:
            job.partial.unlink(missing_ok=True)
            fruitless += 1
            error: BaseException = DownloadError(
                Line.of(msg("the server does not resume this file")))
        except transient as e:
            fruitless = 0 if _size(job.partial) > have else fruitless + 1
            error = e
        except failures as e:
            raise _failure(e, entry, job.repo_file, job.url) from None
        if fruitless >= MAX_RETRIES:
            raise _failure(error, entry, job.repo_file, job.url, attempts=MAX_RETRIES) from None
        waiter = cancel if cancel is not None else threading.Event()
        if waiter.wait(RETRY_WAIT_S):  # a cancel cuts the wait short
            _check_cancel(entry, cancel)


def _stream(
    hub: _Hub,
    entry: CatalogEntry,
    job: _FileJob,
    headers: dict[str, str],
    have: int,
    report: _Reporter,
    cancel: threading.Event | None,
) -> None:
    """One GET from byte `have` to the end, appended to the partial file."""
    request_headers = dict(headers)
    if have > 0:
        request_headers["range"] = f"bytes={have}-"
    session = hub.get_session()
    with session.stream("GET", job.url, headers=request_headers, timeout=READ_TIMEOUT_S) as r:
        if have > 0 and r.status_code == 416:
            raise _Restart
        if r.status_code >= 400:
            r.read()  # error bodies are small; hf_raise_for_status reads them for its message
        hub.hf_raise_for_status(r)
        restart = have > 0 and r.status_code != 206
        if have > 0 and not restart and not _range_starts_at(r.headers.get("content-range"), have):
            raise _Restart
        with _open_partial(job.partial) as f:
            if restart:  # the server ignored the Range header: it sends the whole file
                f.truncate(0)
                have = 0
            for chunk in r.iter_bytes(CHUNK_BYTES):
                f.write(chunk)
                have += len(chunk)
                report.update(job, have)
                if cancel is not None and cancel.is_set():
                    f.flush()
                    _check_cancel(entry, cancel)
            f.flush()
            os.fsync(f.fileno())
    if job.size is not None and have < job.size:
        raise _ShortRead(Line.of(msg("the server sent {have} of {size} bytes"), have=have,
                                 size=job.size))


def _open_partial(path: Path) -> io.BufferedWriter:
    """The partial file for appending; a full disk or a read-only folder is a DownloadError."""
    try:
        return path.open("ab")
    except OSError as e:
        raise DownloadError(msg("{path}: cannot write: {problem}"), path=path,
                            problem=_os_problem(e)) from None


def _range_starts_at(content_range: str | None, start: int) -> bool:
    """Whether a 206's `Content-Range: bytes A-B/N` begins at `start`."""
    m = re.fullmatch(r"\s*bytes\s+(\d+)-\d+/(\d+|\*)\s*", content_range or "")
    return m is not None and int(m.group(1)) == start


# --- verification, validation, installation ----------------------------------------------


def _verify(
    entry: CatalogEntry, job: _FileJob, report: _Reporter, cancel: threading.Event | None
) -> None:
    """Compare the finished file with the hub's hash and the pin; a bad file is deleted.

    The hub's etag of an LFS file is its sha256; a file kept in git has its git blob sha1
    instead, which is checked the same way. An etag in neither form (some mirrors) leaves
    the size and the GGUF checks, plus the pin if the catalog has one.
    """
    where = f"{entry.repo_id}/{job.repo_file}"
    size = _size(job.partial)
    report.update(job, size, verifying=True)
    if job.size is not None and size != job.size:
        job.partial.unlink(missing_ok=True)
        raise DownloadError(msg("{file}: downloaded {size} bytes, the hub says {expected}"),
                            file=where, size=size, expected=job.size)
    sha256 = hashlib.sha256()
    git_sha1 = hashlib.sha1(f"blob {size}\0".encode())  # git's object id of the same bytes
    try:
        for block in _blocks(job.partial):
            sha256.update(block)
            git_sha1.update(block)
            _check_cancel(entry, cancel)
    except OSError as e:
        raise DownloadError(msg("{path}: cannot read: {problem}"), path=job.partial,
                            problem=_os_problem(e)) from None
    got = sha256.hexdigest()
    mismatch = msg("{file}: {hash} mismatch: expected {expected}, got {got}; "
                   "the damaged file was deleted, download it again")
    expected: list[tuple[str, dict[str, str], str, str]] = []  # (template, what, want, got)
    if job.hub_etag is not None and _SHA256_RE.fullmatch(job.hub_etag):
        expected.append((mismatch, {"hash": "sha256"}, job.hub_etag, got))
    elif job.hub_etag is not None and _GIT_SHA1_RE.fullmatch(job.hub_etag):
        expected.append((mismatch, {"hash": "git sha1"}, job.hub_etag, git_sha1.hexdigest()))
    if job.pin is not None:
        expected.append((msg("{file}: pinned sha256 mismatch: expected {expected}, got {got}; "
                             "the damaged file was deleted, download it again"), {},
                         job.pin.lower(), got))
    for template, what, want, have in expected:
        if want != have:
            job.partial.unlink(missing_ok=True)
            raise DownloadError(template, file=where, **what, expected=want, got=have)
    try:
        job.staged.parent.mkdir(exist_ok=True)
        os.replace(job.partial, job.staged)
    except OSError as e:
        raise DownloadError(msg("{path}: cannot rename: {problem}"), path=job.staged,
                            problem=_os_problem(e)) from None


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while block := f.read(HASH_BLOCK_BYTES):
            yield block


def _validate_pair(entry: CatalogEntry, llm: Path, mmproj: Path) -> None:
    """The checks the library and the engine apply, so a listed model is a runnable one.

    A failure deletes both files: they matched the hub's hashes, so downloading again
    would bring the same unusable files (the catalog entry is wrong).
    """
    # Imported here: they pull in gguf and numpy, which the catalog screen does not need.
    from bluelm_desktop.core.errors import ModelError
    from bluelm_desktop.core.gguf.pairs import check_pair
    from bluelm_desktop.core.models.library import load_pair

    problem = load_pair(entry.id, llm, mmproj).problem
    if problem is None:
        try:
            check_pair(llm, mmproj, available=1 << 62)  # memory is the loader's question
        except ModelError as e:
            problem = e.line
    if problem is not None:
        _remove_staged(llm)
        _remove_staged(mmproj)
        raise DownloadError(msg("{repo}: not a usable model pair: {problem}"),
                            repo=entry.repo_id, problem=problem)


def _install(
    entry: CatalogEntry, models_dir: Path, stage: Path, llm: Path, mmproj: Path
) -> tuple[Path, Path]:
    """Rename both files into the models folder: the projector first, then the LLM.

    Each rename is atomic; the LLM goes last because the scan lists a pair as soon as its
    LLM exists, so it never shows a half-installed model as text-only.
    """
    final_llm, final_mmproj = final_paths(entry, models_dir)
    try:
        os.replace(mmproj, final_mmproj)
        try:
            os.replace(llm, final_llm)
        except OSError:
            final_mmproj.unlink(missing_ok=True)
            raise
    except OSError as e:
        raise DownloadError(msg("{folder}: cannot install {model}: {problem}"),
                            folder=models_dir, model=entry.id, problem=_os_problem(e)) from None
    shutil.rmtree(stage, ignore_errors=True)
    return final_llm, final_mmproj


# --- small helpers -----------------------------------------------------------------------


@contextmanager
def _claim(entry: CatalogEntry) -> Iterator[None]:
    """Refuses a second concurrent download of one entry (both would append to one file)."""
    with _active_lock:
        if entry.id in _active:
            raise DownloadError(msg("{model}: already being downloaded"), model=entry.id)
        _active.add(entry.id)
    try:
        yield
    finally:
        with _active_lock:
            _active.discard(entry.id)


def _check_cancel(entry: CatalogEntry, cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(msg("{model}: download cancelled"), model=entry.id)


def _remove_empty_staging(entry: CatalogEntry, models_dir: Path) -> None:
    """Leave no empty staging folders behind (a partial file keeps its folder)."""
    stage = staging_dir(entry, models_dir)
    for folder in (*stage.glob("*/"), stage, stage.parent):
        with suppress(OSError):
            folder.rmdir()  # only succeeds when empty


def _remove_staged(path: Path) -> None:
    """Delete a staged file and its etag folder if that leaves it empty."""
    path.unlink(missing_ok=True)
    with suppress(OSError):
        path.parent.rmdir()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _human(n: int) -> str | Line:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return Line.of(msg("{n} bytes"), n=n)


def _os_problem(e: OSError) -> str | Line:
    """What the system said (its own words: data), or our sentence for a full disk."""
    if e.errno == errno.ENOSPC:
        return Line.of(msg("the disk is full"))
    return e.strerror or str(e)


def _failure(e: BaseException, entry: CatalogEntry, repo_file: str, url: str,
             attempts: int = 0) -> DownloadError:
    """The error to raise for `e`, met while fetching `url`: a `NetworkError` when the
    network or the server is to blame, else a plain `DownloadError`; one line either way."""
    where, problem = f"{entry.repo_id}/{repo_file}", _wire_problem(e, entry)
    message = (Line.of(msg("{file}: {problem} (after {attempts} attempts; downloading again "
                           "resumes what was kept)"), file=where, problem=problem,
                       attempts=attempts)
               if attempts else Line.of(msg("{file}: {problem}"), file=where, problem=problem))
    found = _network_reason(e)
    if found is None:
        return DownloadError(message)
    reason, detail = found
    status = None
    if reason == HTTP:
        response = getattr(e, "response", None)
        status = getattr(response, "status_code", None)
    return NetworkError(message, host=_host_of(e, url), reason=reason, file=repo_file,
                        status=status, detail=detail, attempts=attempts)


def _network_reason(e: BaseException) -> tuple[str, str] | None:
    """(reason, detail) when `e` is the network's or the server's doing, else None."""
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(e, HfHubHTTPError):
        return (HTTP, "") if getattr(e.response, "status_code", None) else None
    if isinstance(e, _ShortRead):
        return BROKEN, one_line(e)
    if not isinstance(e, httpx2.TransportError):
        return None
    chain = _chain(e)
    cause = _ssl_cause(e)
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(e):
        verify = getattr(cause, "verify_message", None)
        return TLS_CERTIFICATE, one_line(verify or cause or e)
    if cause is not None:
        return TLS, one_line(cause)
    if any(isinstance(x, socket.gaierror) for x in chain) or _NAME_LOOKUP_RE.search(str(e)):
        lookup = next((x for x in chain if isinstance(x, socket.gaierror)), e)
        return NAME_LOOKUP, one_line(getattr(lookup, "strerror", None) or lookup)
    if isinstance(e, httpx2.TimeoutException) or any(isinstance(x, TimeoutError) for x in chain):
        return TIMEOUT, one_line(e)
    codes = {x.errno for x in chain if isinstance(x, OSError) and x.errno is not None}
    if codes & {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN}:
        return UNREACHABLE, one_line(e)
    if errno.ECONNREFUSED in codes or any(isinstance(x, ConnectionRefusedError) for x in chain):
        return REFUSED, one_line(e)
    if isinstance(e, httpx2.ConnectError):
        return CONNECT, one_line(e)
    return BROKEN, one_line(e) or type(e).__name__


# getaddrinfo's words when no exception object says so: glibc, macOS, Windows (11001)
_NAME_LOOKUP_RE: Final = re.compile(
    r"Name or service not known|Temporary failure in name resolution|"
    r"nodename nor servname|getaddrinfo failed|No address associated with hostname")


def _chain(e: BaseException) -> list[BaseException]:
    """`e` and the exceptions under it (cause or context), without cycles."""
    seen: list[BaseException] = []
    current: BaseException | None = e
    while current is not None and all(current is not x for x in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _host_of(e: BaseException, url: str) -> str:
    """The server `e` happened at: its request's (a CDN after a redirect), else `url`'s."""
    for holder in (e, getattr(e, "response", None)):
        try:
            host = holder.request.url.host  # type: ignore[union-attr]
        except (AttributeError, RuntimeError):  # httpx2: "request has not been set"
            continue
        if isinstance(host, str) and host:
            return host
    return urlsplit(url).hostname or url


def _wire_problem(e: BaseException, entry: CatalogEntry) -> Line | str:
    """One line for what went wrong between us and the hub, from huggingface_hub's types."""
    import httpx2
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalTokenNotFoundError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(e, RemoteEntryNotFoundError):
        return Line.of(msg("no such file in the repository (HTTP 404)"))
    if isinstance(e, RevisionNotFoundError):
        return Line.of(msg("no revision {revision!r} in the repository"),
                       revision=entry.revision)
    if isinstance(e, GatedRepoError):
        return Line.of(msg("the repository is gated: accept its terms on the hub and give "
                           "a token"))
    if isinstance(e, RepositoryNotFoundError):
        return Line.of(msg("no such repository (or it is private and needs a token)"))
    if isinstance(e, HfHubHTTPError):
        status = e.response.status_code if e.response is not None else None
        if status == 404:
            return Line.of(msg("not found on the server (HTTP 404)"))
        if status in (401, 403):
            return Line.of(msg("access denied (HTTP {status}); the repository may need a "
                               "token"), status=status)
        return Line.of(msg("the server answered HTTP {status}"), status=status)
    if isinstance(e, OfflineModeIsEnabled):
        return Line.of(msg("HF_HUB_OFFLINE is set, so huggingface_hub refuses to go online"))
    if isinstance(e, LocalTokenNotFoundError):
        return Line.of(msg("no Hugging Face token found"))
    if isinstance(e, httpx2.TransportError):
        cause = _ssl_cause(e)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return Line.of(msg("TLS certificate verification failed ({detail})"),
                           detail=str(cause.verify_message or cause))
        if cause is not None or "CERTIFICATE_VERIFY_FAILED" in str(e):
            return Line.of(msg("TLS failed ({detail})"), detail=one_line(cause or e))
        if isinstance(e, httpx2.TimeoutException):
            return Line.of(msg("the connection timed out"))
        if isinstance(e, httpx2.ConnectError):
            return Line.of(msg("cannot connect ({detail})"), detail=one_line(e))
        return Line.of(msg("the connection broke ({detail})"),
                       detail=one_line(e) or type(e).__name__)
    if isinstance(e, OSError):
        return _os_problem(e)
    if isinstance(e, BlueLMError):
        return e.line
    if isinstance(e, _ShortRead) and isinstance(e.args[0], Line):
        return e.args[0]
    return one_line(e) or type(e).__name__


def _ssl_cause(e: BaseException) -> ssl.SSLError | None:
    """The ssl error under an httpx2 error, if any (it keeps the original as cause/context)."""
    seen: set[int] = set()
    current: BaseException | None = e
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


