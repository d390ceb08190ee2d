"""Pure parts of the document intake, in-process: data model, pixel conversions, sniffing.

These functions normally run in the worker; here they are called directly on images we
build ourselves, so every colour mode and edge case is checked without a process hop.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bluelm_desktop.core.documents import (
    DocumentError,
    DocumentInfo,
    DocumentLimits,
    DocumentService,
    DocumentSource,
    PageInfo,
    TextSpan,
)
from bluelm_desktop.core.documents.images import ALLOWED_FORMATS, _wide_to_u8, describe, to_rgb
from bluelm_desktop.core.documents.model import check_target_size, fit_pixels, one_line
from bluelm_desktop.core.documents.pixels import array_to_rgb, composite_on_white, resize_rgb
from bluelm_desktop.core.documents.worker import sniff_kind, verb

# -- colour modes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "colour", "expected"),
    [
        ("1", 1, (255, 255, 255)),
        ("L", 77, (77, 77, 77)),
        ("P", 0, (0, 0, 0)),
        ("RGB", (1, 2, 3), (1, 2, 3)),
        ("RGBX", (1, 2, 3, 0), (1, 2, 3)),
        ("RGBA", (255, 0, 0, 0), (255, 255, 255)),
        ("RGBA", (255, 0, 0, 255), (255, 0, 0)),
        ("RGBA", (0, 0, 0, 128), (127, 127, 127)),
        ("RGBa", (0, 0, 0, 0), (255, 255, 255)),
        ("LA", (0, 0), (255, 255, 255)),
        ("LA", (10, 255), (10, 10, 10)),
        ("La", (0, 0), (255, 255, 255)),
        ("PA", (0, 0), (255, 255, 255)),
        ("CMYK", (0, 0, 0, 0), (255, 255, 255)),
        ("CMYK", (0, 0, 0, 255), (0, 0, 0)),
        ("YCbCr", (255, 128, 128), (255, 255, 255)),
        ("I;16", 65535, (255, 255, 255)),
        ("I;16", 32768, (128, 128, 128)),
        ("I;16B", 256, (1, 1, 1)),
        ("F", 1.0, (255, 255, 255)),
    ],
)
def test_every_mode_becomes_rgb(mode: str, colour: object, expected: tuple[int, int, int]) -> None:
    rgb = to_rgb(Image.new(mode, (5, 3), colour), "x")  # type: ignore[arg-type]
    assert rgb.shape == (3, 5, 3) and rgb.dtype == np.uint8 and rgb.flags.c_contiguous
    assert np.abs(rgb[1, 2].astype(int) - expected).max() <= 1


def test_transparency_keys_become_white() -> None:
    palette = Image.new("P", (4, 1), 0)
    palette.putpalette([9, 9, 9, 200, 0, 0] + [0] * 762)
    palette.putpixel((0, 0), 1)
    palette.info["transparency"] = 0
    assert to_rgb(palette, "x")[0].tolist() == [[200, 0, 0]] + [[255, 255, 255]] * 3

    grey = Image.new("L", (2, 1), 50)
    grey.putpixel((1, 0), 51)
    grey.info["transparency"] = 50
    assert to_rgb(grey, "x")[0].tolist() == [[255, 255, 255], [51, 51, 51]]

    rgb = Image.new("RGB", (2, 1), (1, 2, 3))
    rgb.putpixel((1, 0), (4, 5, 6))
    rgb.info["transparency"] = (1, 2, 3)
    assert to_rgb(rgb, "x")[0].tolist() == [[255, 255, 255], [4, 5, 6]]


def test_wide_integer_and_float_grey() -> None:
    assert _wide_to_u8(np.array([[0, 65535, 32768]], np.uint16), "I;16").tolist() == [[0, 255, 128]]
    # "I" with 8-bit values is 8-bit data in a wide mode: kept.
    assert _wide_to_u8(np.array([[0, 200]], np.int32), "I").tolist() == [[0, 200]]
    # 16-bit values in "I" (older Pillow's 16-bit PNGs) keep their top byte.
    assert _wide_to_u8(np.array([[0, 65535]], np.int32), "I").tolist() == [[0, 255]]
    # Wider or signed ranges are stretched.
    assert _wide_to_u8(np.array([[-100, 0, 100]], np.int32), "I").tolist() == [[0, 127, 255]]
    assert _wide_to_u8(np.array([[0, 10**6]], np.int32), "I").tolist() == [[0, 255]]
    assert _wide_to_u8(np.array([[0.0, 0.5, 1.0]], np.float32), "F").tolist() == [[0, 128, 255]]
    assert _wide_to_u8(np.array([[np.nan, 2.0, 4.0]], np.float32), "F").tolist() == [[0, 128, 255]]
    assert _wide_to_u8(np.zeros((2, 2), np.float32), "F").tolist() == [[0, 0], [0, 0]]


def test_composite_is_exact_at_the_ends() -> None:
    rgb = np.array([[[10, 20, 30]] * 3], np.uint8)
    alpha = np.array([[0, 255, 128]], np.uint8)
    assert composite_on_white(rgb, alpha).tolist() == [
        [[255, 255, 255], [10, 20, 30], [132, 137, 142]]
    ]


# -- in-memory arrays ---------------------------------------------------------------------


def test_array_sources_are_validated() -> None:
    grey = np.full((2, 3), 9, np.uint8)
    assert array_to_rgb(grey, "x", 100).shape == (2, 3, 3)
    single = np.full((2, 3, 1), 9, np.uint8)
    assert array_to_rgb(single, "x", 100)[0, 0].tolist() == [9, 9, 9]
    for bad, fragment in [
        (np.zeros((2, 2, 3), np.float32), "must be uint8"),
        (np.zeros((2, 2, 2), np.uint8), "must be (H, W)"),
        (np.zeros((2,), np.uint8), "must be (H, W)"),
        (np.zeros((0, 5, 3), np.uint8), "empty image"),
        (np.zeros((20, 20, 3), np.uint8), "image too large"),
    ]:
        with pytest.raises(DocumentError, match=f"^Screen capture: .*{re.escape(fragment)}"):
            array_to_rgb(bad, "Screen capture", 100)


def test_array_probe_and_render_need_no_worker() -> None:
    pixels = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    service = DocumentService()
    source = DocumentSource.from_array(pixels, "Capture")
    info = service.probe(source)
    assert (info.kind, info.page_count, info.pages[0].width, info.pages[0].height) == (
        "image",
        1,
        6,
        4,
    )
    assert np.array_equal(service.render(source), pixels)
    assert service.render(source, 0, (3, 2)).shape == (2, 3, 3)
    with pytest.raises(DocumentError, match=r"^Capture: there is no page 2"):
        service.render(source, 1)
    same = service.probe(DocumentSource.from_array(pixels.copy(), "Other")).content_hash
    assert same == info.content_hash
    assert service.worker_pid is None
    service.close()


def test_resize_rgb() -> None:
    rgb = np.zeros((10, 20, 3), np.uint8)
    assert resize_rgb(rgb, (20, 10)) is rgb
    assert resize_rgb(rgb, (7, 3)).shape == (3, 7, 3)


# -- the data model -----------------------------------------------------------------------


def test_sources() -> None:
    source = DocumentSource.of("/some/where/scan.png")
    assert source.name == "scan.png" and source.path == Path("/some/where/scan.png")
    assert DocumentSource.of(source) is source
    assert DocumentSource.from_bytes(b"x", "Clip\nboard").name == "Clip board"
    with pytest.raises(ValueError, match="exactly one"):
        DocumentSource(name="x")
    with pytest.raises(ValueError, match="exactly one"):
        DocumentSource(name="x", path=Path("a"), data=b"b")
    with pytest.raises(TypeError):
        DocumentSource.of(42)  # type: ignore[arg-type]


def test_description_types_pickle() -> None:
    """They cross the process boundary."""
    info = DocumentInfo(
        name="a.pdf",
        kind="pdf",
        format="PDF",
        pages=(PageInfo(0, 10, 20, 3.6, 7.2),),
        page_count=300,
        has_text_layer=True,
        content_hash="00",
        notes=("n",),
    )
    assert pickle.loads(pickle.dumps(info)) == info
    assert info.truncated
    span = TextSpan("word", (1.0, 2.0, 3.0, 4.0), 1, 2)
    assert pickle.loads(pickle.dumps(span)) == span
    assert pickle.loads(pickle.dumps(DocumentLimits())) == DocumentLimits()


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_pages"):
        DocumentLimits(max_pages=0)
    with pytest.raises(ValueError, match="positive"):
        DocumentLimits(timeout_s=0)


def test_target_size_mistakes_are_the_callers() -> None:
    assert check_target_size(None) is None
    assert check_target_size((3, np.int64(4))) == (3, 4)
    for bad in [(0, 5), (5,), (1.5, 2), (True, 2), "ab"]:
        with pytest.raises(ValueError, match="invalid target size"):
            check_target_size(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DocumentService().render("whatever.png", 0, (0, 0))
    with pytest.raises(TypeError):
        DocumentService().render("whatever.png", "1")  # type: ignore[arg-type]


@given(
    width=st.integers(1, 100_000),
    height=st.integers(1, 100_000),
    limit=st.integers(1, 50_000_000),
)
def test_fit_pixels_stays_within_the_limit(width: int, height: int, limit: int) -> None:
    w, h = fit_pixels(width, height, limit)
    assert 1 <= w <= width and 1 <= h <= height
    assert w * h <= limit
    if width * height <= limit:
        assert (w, h) == (width, height)
    elif min(w, h) > 50:
        assert abs(w / h - width / height) / (width / height) < 0.05


def test_one_line() -> None:
    assert one_line("a\nb\r\n\tc\x00d") == "a b c d"
    assert len(one_line("x" * 1000)) == 300
    assert one_line("x" * 1000).endswith("…")


# -- sniffing and naming ------------------------------------------------------------------


def test_sniffing() -> None:
    assert sniff_kind(b"%PDF-1.7\n") == "pdf"
    assert sniff_kind(b"junk before header %PDF-1.4") == "pdf"
    assert sniff_kind(b"\x89PNG\r\n\x1a\n") == "image"
    assert str(describe(b"PK\x03\x04rest")).startswith("it is a ZIP archive")
    assert str(describe(b"\x1f\x8b\x08")) == "it is gzip-compressed data"
    assert str(describe(b"\0\0\0\x18ftypheic")) == "it is an ISO media file (heic)"
    assert str(describe(b"  <svg xmlns=...>")) == "it is an SVG, XML or HTML file"
    assert str(describe("naïve text".encode())) == "it looks like a text file"
    assert str(describe(b"\x00\x01\x02")) == "unrecognised content starting with 00 01 02"
    assert (str(describe(b"\xff\xd8\xff\xee junk"))
            == "it starts like a JPEG file but cannot be read")
    assert str(describe(b"RIFF\0\0\0\0WAVE")).startswith("unrecognised")
    assert "EPS" not in ALLOWED_FORMATS and {"PNG", "JPEG", "TIFF", "GIF"} <= set(ALLOWED_FORMATS)


def test_verbs() -> None:
    assert str(verb("probe", 0)) == "opening"
    assert str(verb("render", 2)) == "rendering page 3"
    assert str(verb("text", 0)) == "reading the text of page 1"
