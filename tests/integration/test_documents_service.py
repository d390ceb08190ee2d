"""The document intake end to end, through the real worker process.

Every odd file is probed and rendered (or rejected with one line naming it) by one worker,
which must survive them all; crashes and hangs are forced for real (the worker segfaults,
aborts or loops) and the next call must work; nothing is left running after close().
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from odd_files import (
    PDF_PASSWORD,
    OddFile,
    make_corpus,
    pdf_bytes,
    png_bytes,
    seed_documents,
)

from bluelm_desktop.core.documents import (
    DocumentError,
    DocumentLimits,
    DocumentService,
    DocumentSource,
    PasswordRequired,
)
from bluelm_desktop.core.errors import Line

pytestmark = pytest.mark.slow

CORPUS_NAMES = [
    "empty.png",
    "truncated.png",
    "photo.jpg",
    "cmyk.jpg",
    "sixteen-bit.png",
    "palette.png",
    "rgba.png",
    "animated.gif",
    "rotated.jpg",
    "bomb.png",
    "scan.tif",
    "screen.webp",
    "old.bmp",
    "contract.pdf",
    "book.pdf",
    "xref-offset.pdf",
    "xref-table.pdf",
    "truncated.pdf",
    "fake.pdf",
    "notes.png",
    "random.bin",
    "folder",
    "missing.png",
]


@pytest.fixture(scope="module", autouse=True)
def no_worker_outlives_the_module() -> Iterator[None]:
    yield
    left = [p for p in multiprocessing.active_children() if p.name == "bluelm-document-worker"]
    assert not left, f"document workers left running: {left}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, OddFile]:
    files = make_corpus(tmp_path_factory.mktemp("odd"))
    assert sorted(f.name for f in files) == sorted(CORPUS_NAMES)
    return {f.name: f for f in files}


@pytest.fixture(scope="module")
def service() -> Iterator[DocumentService]:
    """One worker for the whole module: it must survive every file thrown at it."""
    with DocumentService(DocumentLimits(timeout_s=10)) as svc:
        svc.warm_up()
        yield svc


def assert_one_line(error: BaseException, name: str) -> str:
    message = str(error)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{name}: "), message
    assert len(message) < 400
    return message


# -- the odd-file corpus ------------------------------------------------------------------


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_odd_file_is_opened_or_rejected_in_one_line(
    service: DocumentService, corpus: dict[str, OddFile], name: str
) -> None:
    odd = corpus[name]
    pid = service.worker_pid
    try:
        info = service.probe(odd.path)
    except DocumentError as error:
        message = assert_one_line(error, name)
        assert odd.outcome in ("error", "either", "password"), message
        if odd.outcome != "either":
            assert odd.expect in message
        if odd.outcome == "password":
            assert isinstance(error, PasswordRequired)
    else:
        assert odd.outcome in ("ok", "either"), f"{name} should have been rejected"
        assert info.name == name
        assert info.format == odd.expect
        for page in info.pages[:3]:
            rgb = service.render(odd.path, page.index, (40, 30))
            assert rgb.shape == (30, 40, 3) and rgb.dtype == np.uint8
    # One bad file never costs the worker: the same process serves the next one.
    assert service.worker_pid == pid


def test_png_named_jpg_is_sniffed_by_content(
    service: DocumentService, corpus: dict[str, OddFile]
) -> None:
    info = service.probe(corpus["photo.jpg"].path)
    assert (info.kind, info.format, info.pages[0].width, info.pages[0].height) == (
        "image",
        "PNG",
        64,
        48,
    )
    rgb = service.render(corpus["photo.jpg"].path)
    assert rgb.shape == (48, 64, 3)


def test_colour_modes_come_out_as_rgb_on_white(
    service: DocumentService, corpus: dict[str, OddFile]
) -> None:
    cyan = service.render(corpus["cmyk.jpg"].path)
    assert np.abs(cyan[12, 16].astype(int) - (0, 255, 255)).max() <= 3

    grey = service.render(corpus["sixteen-bit.png"].path)
    assert grey.shape == (20, 40, 3)
    assert tuple(grey[5, 5]) == (255, 255, 255) and tuple(grey[5, 30]) == (128, 128, 128)

    palette = service.render(corpus["palette.png"].path)
    assert tuple(palette[5, 2]) == (255, 0, 0)  # opaque red index
    assert tuple(palette[5, 15]) == (255, 255, 255)  # transparent index → white

    rgba = service.render(corpus["rgba.png"].path)
    assert np.abs(rgba[8, 8].astype(int) - (255, 127, 127)).max() <= 1


def test_animated_gif_uses_the_first_frame(
    service: DocumentService, corpus: dict[str, OddFile]
) -> None:
    info = service.probe(corpus["animated.gif"].path)
    assert info.page_count == 1 and len(info.pages) == 1
    assert any("3 frames" in str(note) for note in info.notes)
    assert tuple(service.render(corpus["animated.gif"].path)[5, 5]) == (255, 0, 0)
    with pytest.raises(DocumentError, match=r"^animated\.gif: there is no page 2"):
        service.render(corpus["animated.gif"].path, 1)


def test_exif_orientation_is_applied(service: DocumentService, corpus: dict[str, OddFile]) -> None:
    info = service.probe(corpus["rotated.jpg"].path)
    assert (info.pages[0].width, info.pages[0].height) == (20, 40)
    rgb = service.render(corpus["rotated.jpg"].path)
    assert rgb.shape == (40, 20, 3)
    # The red left edge of the stored image is the top edge when upright.
    assert rgb[1, 10, 0] > 200 and rgb[1, 10, 1] < 60
    assert rgb[38, 10].min() > 200


def test_multipage_tiff_pages(service: DocumentService, corpus: dict[str, OddFile]) -> None:
    path = corpus["scan.tif"].path
    info = service.probe(path)
    assert info.page_count == 3
    assert [(p.width, p.height) for p in info.pages] == [(30, 40), (50, 20), (10, 10)]
    assert tuple(service.render(path, 1)[0, 0]) == (0, 255, 0)
    assert tuple(service.render(path, 2)[0, 0]) == (128, 128, 128)
    assert tuple(service.render(path, 0)[0, 0]) == (255, 0, 0)


@pytest.fixture(scope="module")
def small() -> Iterator[DocumentService]:
    """A service with tiny pixel limits."""
    with DocumentService(DocumentLimits(max_image_pixels=10_000, max_render_pixels=100_000)) as svc:
        yield svc


def test_decompression_bomb_limit_covers_pillows_warning_band(
    small: DocumentService, tmp_path: Path
) -> None:
    """Pillow only *warns* between its limit and twice it; that must be an error too."""
    path = tmp_path / "wide.png"
    path.write_bytes(png_bytes(150, 100))  # 15,000 pixels: between 10,000 and 20,000
    with pytest.raises(DocumentError) as caught:
        small.probe(path)
    assert "image too large" in assert_one_line(caught.value, "wide.png")
    assert "15,000" in str(caught.value)
    path.write_bytes(png_bytes(100, 100))  # at the limit: fine
    assert small.probe(path).pages[0].width == 100


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(png_bytes(64, 64))
    with DocumentService(DocumentLimits(max_file_bytes=1000)) as svc:
        with pytest.raises(DocumentError, match=r"^big\.png: file too large"):
            svc.probe(path)
        assert svc.worker_pid is None  # refused without starting a decoder


def test_render_is_capped_at_the_pixel_limit(small: DocumentService, tmp_path: Path) -> None:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf_bytes(1))
    rgb = small.render(path, 0, (2000, 2000))
    assert rgb.shape[0] * rgb.shape[1] <= 100_000
    assert abs(rgb.shape[0] - rgb.shape[1]) <= 1  # aspect ratio kept


# -- PDFs ---------------------------------------------------------------------------------


def test_pdf_probe_and_exact_render_sizes(service: DocumentService, tmp_path: Path) -> None:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf_bytes(2, rotate_second=True))
    info = service.probe(path)
    assert (info.kind, info.format, info.page_count, info.has_text_layer) == ("pdf", "PDF", 2, True)
    first, second = info.pages
    assert (first.width_pt, first.height_pt) == (595, 842)
    assert (first.width, first.height) == (round(595 * 200 / 72), round(842 * 200 / 72))
    assert (second.width, second.height) == (first.height, first.width)  # /Rotate 90
    for size in [(384, 543), (1001, 999), (1, 1), (97, 3)]:
        assert service.render(path, 0, size).shape == (size[1], size[0], 3)
    default = service.render(path, 1)
    assert default.shape == (second.height, second.width, 3)


def test_pdf_text_boxes_land_on_the_ink(service: DocumentService, tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf_bytes(2, text="Hello", rotate_second=True))
    for page in (0, 1):  # page 2 is rotated: boxes must follow the rotation
        size = (600, 848) if page == 0 else (848, 600)
        spans = service.text(path, page, size)
        assert [s.text for s in spans] == ["Hello", f"p{page + 1}"]
        ink = service.render(path, page, size).min(axis=2) < 128
        boxes = np.zeros_like(ink)
        for span in spans:
            x0, y0, x1, y1 = (round(v) for v in span.bbox)
            assert ink[max(0, y0) : y1, max(0, x0) : x1].sum() > 20, span
            boxes[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2] = True
        assert (ink & ~boxes).sum() <= 0.02 * ink.sum()


def test_encrypted_pdf_needs_and_accepts_a_password(
    service: DocumentService, corpus: dict[str, OddFile]
) -> None:
    path = corpus["contract.pdf"].path
    with pytest.raises(PasswordRequired, match=r"^contract\.pdf: password required$") as asked:
        service.probe(path)
    # The worker's message crosses the pipe as its template and fields (translatable).
    assert asked.value.line == Line.of("{name}: password required", name="contract.pdf")
    with pytest.raises(DocumentError, match=r"^contract\.pdf: wrong password$") as caught:
        service.probe(path, password="guess")
    assert not isinstance(caught.value, PasswordRequired)
    info = service.probe(path, password=PDF_PASSWORD)
    assert info.encrypted and info.page_count == 1
    assert [s.text for s in service.text(path, password=PDF_PASSWORD)] == ["Confidential"]
    assert service.render(path, 0, (60, 80), password=PDF_PASSWORD).shape == (80, 60, 3)
    with pytest.raises(PasswordRequired):  # the worker's cache does not leak the password
        service.render(path, 0, (60, 80))


def test_worker_errors_keep_their_template_across_the_pipe(service: DocumentService) -> None:
    with pytest.raises(DocumentError) as caught:
        service.probe(DocumentSource.from_bytes(b"just some words\n", "notes.txt"))
    line = caught.value.line
    assert line.template == "{name}: not an image or a PDF ({what})"
    assert line.values["name"] == "notes.txt"
    assert line.values["what"] == Line("it looks like a text file")
    assert str(caught.value) == "notes.txt: not an image or a PDF (it looks like a text file)"


def test_500_page_pdf_uses_the_first_200(
    service: DocumentService, corpus: dict[str, OddFile]
) -> None:
    path = corpus["book.pdf"].path
    info = service.probe(path)
    assert info.page_count == 500 and len(info.pages) == 200 and info.truncated
    assert str(info.notes[0]) == "only the first 200 of 500 pages are used"
    assert service.render(path, 199, (50, 70)).shape == (70, 50, 3)
    with pytest.raises(DocumentError, match=r"^book\.pdf: page 201 is beyond the 200-page limit"):
        service.render(path, 200, (50, 70))
    with pytest.raises(DocumentError, match=r"^book\.pdf: there is no page 501"):
        service.render(path, 500)


def test_broken_xref_is_repaired_with_a_note(
    service: DocumentService, corpus: dict[str, OddFile]
) -> None:
    """MuPDF 1.2x repairs both; if a future version gives up, it must still be one line."""
    for name in ("xref-offset.pdf", "xref-table.pdf"):
        try:
            info = service.probe(corpus[name].path)
        except DocumentError as error:
            assert_one_line(error, name)
            continue
        assert info.page_count == 2
        assert any("repaired" in str(note) for note in info.notes), info.notes
        assert service.render(corpus[name].path, 1, (20, 30)).shape == (30, 20, 3)


# -- in-memory sources --------------------------------------------------------------------


def test_bytes_and_arrays_enter_through_the_same_api(service: DocumentService) -> None:
    pasted = DocumentSource.from_bytes(png_bytes(30, 20), "Clipboard image")
    info = service.probe(pasted)
    assert (info.name, info.format, info.pages[0].width) == ("Clipboard image", "PNG", 30)
    assert service.render(pasted, 0, (15, 10)).shape == (10, 15, 3)

    pdf = DocumentSource.from_bytes(pdf_bytes(1), "Downloaded invoice")
    assert service.probe(pdf).kind == "pdf"
    assert service.text(pdf)[0].text == "Invoice"

    rgba = np.zeros((10, 20, 4), dtype=np.uint8)
    rgba[..., 0] = 255
    rgba[:, :10, 3] = 255
    capture = DocumentSource.from_array(rgba, "Screen capture")
    info = service.probe(capture)
    assert (info.format, info.pages[0].width, info.pages[0].height) == ("pixels", 20, 10)
    rgb = service.render(capture)
    assert tuple(rgb[5, 2]) == (255, 0, 0) and tuple(rgb[5, 15]) == (255, 255, 255)
    assert service.render(capture, 0, (40, 20)).shape == (20, 40, 3)
    assert service.text(capture) == []

    with pytest.raises(DocumentError, match=r"^Screen capture: image array must be uint8"):
        service.probe(DocumentSource.from_array(np.zeros((4, 4, 3)), "Screen capture"))
    with pytest.raises(DocumentError, match=r"^Clipboard image: empty file"):
        service.probe(DocumentSource.from_bytes(b"", "Clipboard image"))


def test_same_content_same_hash(service: DocumentService, tmp_path: Path) -> None:
    data = png_bytes(10, 10)
    path = tmp_path / "a.png"
    path.write_bytes(data)
    from_file = service.probe(path).content_hash
    assert from_file == service.probe(DocumentSource.from_bytes(data, "x")).content_hash
    path.write_bytes(png_bytes(11, 10))  # changed on disk: no stale cache
    assert service.probe(path).content_hash != from_file


def test_relative_paths_follow_the_callers_working_directory(
    service: DocumentService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker keeps the directory it started in; paths are resolved by the caller."""
    for index, width in enumerate((12, 13)):
        folder = tmp_path / f"d{index}"
        folder.mkdir()
        (folder / "same.png").write_bytes(png_bytes(width, 5))
        monkeypatch.chdir(folder)
        assert service.probe("same.png").pages[0].width == width


def test_same_bytes_under_another_name(service: DocumentService) -> None:
    data = png_bytes(9, 9)
    assert service.probe(DocumentSource.from_bytes(data, "first")).name == "first"
    assert service.probe(DocumentSource.from_bytes(data, "second")).name == "second"


# -- crashes, hangs, shutdown -------------------------------------------------------------


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DocumentService, Path]]:
    """A service whose worker the tests break on purpose (shared: spawning costs ~1 s)."""
    path = tmp_path_factory.mktemp("faulty") / "x.png"
    path.write_bytes(png_bytes(8, 8))
    with DocumentService(DocumentLimits(timeout_s=1.5), allow_test_faults=True) as svc:
        yield svc, path


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("crash", r"^x\.png: the image decoder crashed \(signal 11, SIGSEGV\)$"),
        ("abort", r"^x\.png: the image decoder crashed \(signal 6, SIGABRT\)$"),
        ("exit", r"^x\.png: the image decoder stopped unexpectedly \(exit code 3\)$"),
        ("hang", r"^x\.png: opening took longer than 1\.5 s$"),
    ],
)
def test_worker_failure_costs_one_call(
    faulty: tuple[DocumentService, Path], fault: str, message: str
) -> None:
    svc, path = faulty
    if os.name != "posix" and fault in ("crash", "abort"):
        message = r"^x\.png: the image decoder crashed"
    assert svc.probe(path).format == "PNG"
    before = svc.worker_pid
    svc.inject_fault(fault)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(DocumentError, match=message):
        svc.probe(path)
    if fault == "hang":
        assert time.monotonic() - started < 5
    assert svc.worker_pid is None  # killed and reaped
    assert svc.render(path).shape == (8, 8, 3)  # the next call gets a fresh worker
    assert svc.worker_pid not in (None, before)


def test_pdf_crash_is_named_as_such(faulty: tuple[DocumentService, Path], tmp_path: Path) -> None:
    svc, _ = faulty
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf_bytes(1))
    svc.inject_fault("crash")
    with pytest.raises(DocumentError, match=r"^x\.pdf: the PDF renderer crashed"):
        svc.render(path, 0, (10, 10))
    assert svc.render(path, 0, (10, 10)).shape == (10, 10, 3)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux-only")
def test_out_of_memory_is_an_error_not_a_dead_app(faulty: tuple[DocumentService, Path]) -> None:
    svc, path = faulty
    svc.probe(path)
    pid = svc.worker_pid
    svc.inject_fault("oom")
    with pytest.raises(DocumentError, match=r"^x\.png: not enough memory for opening") as oom:
        svc.probe(path)
    assert oom.value.line.values["doing"] == Line("opening")  # a nested line, not English
    assert svc.worker_pid == pid  # a MemoryError is caught in the worker, which lives on
    assert svc.probe(path).format == "PNG"


def test_worker_killed_while_idle_is_replaced_silently(
    faulty: tuple[DocumentService, Path],
) -> None:
    svc, path = faulty
    svc.probe(path)
    pid = svc.worker_pid
    assert pid is not None
    os.kill(pid, 9)
    time.sleep(0.2)
    assert svc.probe(path).format == "PNG"  # not blamed on this file


def test_close_leaves_no_child_process(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(png_bytes(8, 8))
    svc = DocumentService()
    svc.probe(path)
    pid = svc.worker_pid
    assert pid is not None
    assert pid in [p.pid for p in multiprocessing.active_children()]
    svc.close()
    assert svc.worker_pid is None
    assert pid not in [p.pid for p in multiprocessing.active_children()]
    svc.close()  # idempotent
    with DocumentService() as again:  # and a closed service can be used again
        again.probe(path)
        pid = again.worker_pid
    assert pid not in [p.pid for p in multiprocessing.active_children()]


def test_close_during_a_hung_call(tmp_path: Path) -> None:
    """Closing the window mid-render: the call ends at once, nothing is left behind."""
    path = tmp_path / "x.png"
    path.write_bytes(png_bytes(8, 8))
    svc = DocumentService(DocumentLimits(timeout_s=30), allow_test_faults=True)
    svc.warm_up()
    pid = svc.worker_pid
    errors: list[BaseException] = []

    def call() -> None:
        try:
            svc.probe(path)
        except BaseException as error:
            errors.append(error)

    svc.inject_fault("hang")
    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    svc.close()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert len(errors) == 1 and isinstance(errors[0], DocumentError)
    assert str(errors[0]) == "x.png: cancelled, the document service was closed"
    assert pid not in [p.pid for p in multiprocessing.active_children()]


def test_calls_from_several_threads_are_serialised(
    service: DocumentService, tmp_path: Path
) -> None:
    paths = []
    for index in range(4):
        path = tmp_path / f"p{index}.pdf"
        path.write_bytes(pdf_bytes(2, text=f"doc{index}"))
        paths.append(path)
    results: dict[int, str] = {}

    def work(index: int) -> None:
        for _ in range(3):
            results[index] = service.text(paths[index], 1)[0].text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {i: f"doc{i}" for i in range(4)}


# -- fuzzing ------------------------------------------------------------------------------

SEEDS = seed_documents()


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """Random bytes, or a valid seed with bytes overwritten and/or its tail cut."""
    if draw(st.booleans()):
        return draw(st.binary(min_size=0, max_size=2048))
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for position, value in draw(
        st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=12)
    ):
        data[position] = value
    cut = draw(st.integers(1, len(data)))
    return bytes(data[:cut])


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=mutated_documents())
def test_fuzzed_bytes_never_escape_as_anything_but_document_error(
    service: DocumentService, data: bytes
) -> None:
    source = DocumentSource.from_bytes(data, "fuzz.bin")
    try:
        info = service.probe(source)
    except DocumentError as error:
        assert_one_line(error, "fuzz.bin")
        return
    try:
        rgb = service.render(source, 0, (32, 32))
    except DocumentError as error:
        assert_one_line(error, "fuzz.bin")
    else:
        assert rgb.shape == (32, 32, 3)
    assert info.pages
