"""A corpus of odd and hostile documents, generated on the fly (no binaries in the repo).

`make_corpus(folder)` writes every file and returns one `OddFile` per entry, saying what
the intake should do with it: "ok" (opens and renders), "error" (a one-line
DocumentError naming the file, the message containing `expect`), or "either" (damaged
files that MuPDF may or may not repair). The byte builders are public so other tests (the
`plan` CLI, fuzzers) can reuse them.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pymupdf
from PIL import Image

Outcome = Literal["ok", "error", "either", "password"]

PDF_PASSWORD = "open sesame"


@dataclass(frozen=True)
class OddFile:
    """One corpus entry: where it is, what it exercises, what must happen."""

    name: str
    path: Path
    outcome: Outcome
    expect: str = ""  # ok: the format; error: a fragment of the message
    why: str = ""


# -- images -------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def noise_rgb(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Incompressible pixels, so a truncation really cuts into the image data."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    return encode(Image.fromarray(noise_rgb(width, height)), "PNG")


def truncated_png() -> bytes:
    data = png_bytes(96, 96)
    return data[: len(data) // 2]


def cmyk_jpeg() -> bytes:
    """Pure cyan in CMYK: must come out as (0, 255, 255)-ish RGB."""
    return encode(Image.new("CMYK", (32, 24), (255, 0, 0, 0)), "JPEG", quality=95)


def png_16bit() -> bytes:
    """16-bit grey: left half 65535 (white), right half 32768 (mid grey)."""
    values = np.full((20, 40), 32768, dtype=np.uint16)
    values[:, :20] = 65535
    return encode(Image.fromarray(values), "PNG")


def palette_png_with_transparency() -> bytes:
    """Palette image: index 0 red (opaque), index 1 green (transparent); left half 0."""
    image = Image.new("P", (20, 10), 1)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 6))
    image.paste(0, (0, 0, 10, 10))
    return encode(image, "PNG", transparency=1)


def rgba_png() -> bytes:
    """Red at alpha 128: on white that is (255, 127, 127)."""
    return encode(Image.new("RGBA", (16, 16), (255, 0, 0, 128)), "PNG")


def animated_gif() -> bytes:
    """Three frames: red, green, blue. Only the red one may be used."""
    frames = [Image.new("RGB", (12, 10), c) for c in ("red", "lime", "blue")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80)


def exif_rotated_jpeg() -> bytes:
    """Stored 40 × 20 with a red left edge, EXIF orientation 6 (rotate 90° clockwise).

    Upright it is 20 × 40 with the red edge on top.
    """
    pixels = np.full((20, 40, 3), 255, dtype=np.uint8)
    pixels[:, :5] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(Image.fromarray(pixels), "JPEG", exif=exif.tobytes(), quality=95)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A valid PNG header (correct CRCs) claiming width × height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + png_chunk(b"IEND", b"")
    )


def multipage_tiff() -> bytes:
    """Three pages of different sizes and colours."""
    pages = [
        Image.new("RGB", (30, 40), "red"),
        Image.new("RGB", (50, 20), "lime"),
        Image.new("L", (10, 10), 128),
    ]
    return encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])


def webp_bytes() -> bytes:
    return encode(Image.new("RGB", (24, 16), (10, 20, 30)), "WEBP", lossless=True)


def bmp_bytes() -> bytes:
    return encode(Image.new("RGB", (24, 16), (200, 100, 50)), "BMP")


# -- PDFs ---------------------------------------------------------------------------------


def pdf_bytes(pages: int = 1, text: str = "Invoice 42", rotate_second: bool = False) -> bytes:
    document = pymupdf.open()
    for index in range(pages):
        page = document.new_page(width=595, height=842)  # A4 in points
        if text:
            page.insert_text((72, 100), f"{text} p{index + 1}", fontsize=24)
    if rotate_second and pages > 1:
        document[1].set_rotation(90)
    data = document.tobytes()
    document.close()
    return data


def encrypted_pdf(password: str = PDF_PASSWORD) -> bytes:
    document = pymupdf.open()
    document.new_page().insert_text((72, 100), "Confidential", fontsize=24)
    data = document.tobytes(
        encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password + "!"
    )
    document.close()
    return data


def many_pages_pdf(pages: int = 500) -> bytes:
    return pdf_bytes(pages, text="")


def broken_startxref_pdf() -> bytes:
    """The startxref offset points nowhere."""
    data = pdf_bytes(2)
    match = re.search(rb"startxref\s+(\d+)", data)
    assert match is not None
    return data[: match.start(1)] + b"9999999" + data[match.end(1) :]


def broken_xref_table_pdf() -> bytes:
    """The xref table itself (keyword and first entries) overwritten with junk."""
    data = bytearray(pdf_bytes(2))
    start = data.rfind(b"\nxref\n") + 1
    assert start > 0
    data[start : start + 60] = b"#" * 60
    return bytes(data)


def truncated_pdf() -> bytes:
    data = pdf_bytes(3)
    return data[: len(data) // 3]


def not_really_pdf() -> bytes:
    return b"%PDF-1.7\n" + b"\x00\xff garbage \x13\x37" * 40


# -- the corpus ---------------------------------------------------------------------------


def make_corpus(folder: Path) -> list[OddFile]:
    """Write every odd file under `folder` and say what must happen to each."""
    folder.mkdir(parents=True, exist_ok=True)
    entries: list[tuple[str, bytes | None, Outcome, str, str]] = [
        ("empty.png", b"", "error", "empty file", "zero bytes"),
        ("truncated.png", truncated_png(), "error", "truncated", "cut in half"),
        ("photo.jpg", png_bytes(), "ok", "PNG", "PNG content, .jpg name"),
        ("cmyk.jpg", cmyk_jpeg(), "ok", "JPEG", "CMYK JPEG"),
        ("sixteen-bit.png", png_16bit(), "ok", "PNG", "16-bit grey"),
        ("palette.png", palette_png_with_transparency(), "ok", "PNG", "P with transparency"),
        ("rgba.png", rgba_png(), "ok", "PNG", "alpha on white"),
        ("animated.gif", animated_gif(), "ok", "GIF", "first frame only"),
        ("rotated.jpg", exif_rotated_jpeg(), "ok", "JPEG", "EXIF orientation 6"),
        ("bomb.png", bomb_png(), "error", "image too large", "100,000² pixels claimed"),
        ("scan.tif", multipage_tiff(), "ok", "TIFF", "three pages"),
        ("screen.webp", webp_bytes(), "ok", "WEBP", "WebP"),
        ("old.bmp", bmp_bytes(), "ok", "BMP", "BMP"),
        ("contract.pdf", encrypted_pdf(), "password", "password required", "AES-256"),
        ("book.pdf", many_pages_pdf(), "ok", "PDF", "500 pages, 200 used"),
        ("xref-offset.pdf", broken_startxref_pdf(), "either", "PDF", "wrong startxref"),
        ("xref-table.pdf", broken_xref_table_pdf(), "either", "PDF", "junk xref table"),
        ("truncated.pdf", truncated_pdf(), "either", "PDF", "cut to a third"),
        ("fake.pdf", not_really_pdf(), "error", "fake.pdf", "PDF header, garbage body"),
        ("notes.png", b"Dear diary,\nthis is not an image.\n" * 4, "error", "text file", ""),
        ("random.bin", bytes(noise_rgb(32, 32, seed=7).tobytes()), "error", "not an image", ""),
        ("folder", None, "error", "folder", "a directory"),
        ("missing.png", None, "error", "not found", "no such file"),
    ]
    corpus = []
    for name, data, outcome, expect, why in entries:
        path = folder / name
        if name == "folder":
            path.mkdir(exist_ok=True)
        elif data is not None:
            path.write_bytes(data)
        corpus.append(OddFile(name, path, outcome, expect, why))
    return corpus


def seed_documents() -> list[bytes]:
    """Small valid files of every kind, as starting points for mutation fuzzing."""
    return [
        png_bytes(16, 12),
        encode(Image.fromarray(noise_rgb(16, 12)), "JPEG"),
        animated_gif(),
        multipage_tiff(),
        bmp_bytes(),
        webp_bytes(),
        palette_png_with_transparency(),
        pdf_bytes(1),
    ]
