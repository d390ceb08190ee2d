"""Raster images through Pillow. Runs in the document worker process only.

Pillow's decoders are C code fed with untrusted bytes, so this module is imported by the
worker (`worker.py`), never by the app's process. The format is sniffed from the content
(Pillow's `Image.open` ignores the file name; we hand it bytes), and only formats in
`ALLOWED_FORMATS` are tried: EPS would start Ghostscript, and the scientific and stub
formats (FITS, GRIB, HDF5, WMF, ...) are nothing a user drops on a document assistant.

Page rules: a TIFF's frames are pages (multi-page scans); every other multi-frame file
(animated GIF/WebP/PNG, MPO stereo pairs) is an animation and only its first frame is
used. EXIF orientation is applied, so a phone photo taken upright is upright here and its
width and height are swapped accordingly.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from bluelm_desktop.core.documents.model import (
    DocumentInfo,
    DocumentLimits,
    PageInfo,
    first_pages_used,
    one_line,
    unreadable_from,
)
from bluelm_desktop.core.documents.pixels import composite_on_white, empty_image, too_many_pixels
from bluelm_desktop.core.errors import DocumentError, Line, msg

# Formats a document or screenshot plausibly comes in. Each still goes through the pixel
# limit. Filtered at import by what this Pillow build registers (AVIF needs libavif).
_WANTED_FORMATS = (
    "PNG",
    "JPEG",
    "MPO",
    "WEBP",
    "TIFF",
    "BMP",
    "DIB",
    "GIF",
    "ICO",
    "PPM",
    "QOI",
    "PCX",
    "JPEG2000",
    "AVIF",
)
Image.init()
ALLOWED_FORMATS: tuple[str, ...] = tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)

# Frames of these formats are pages; frames of any other format are animation frames.
_PAGED_FORMATS = frozenset({"TIFF"})
_EXIF_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})
_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "La", "RGBa"})
# Signatures of the common formats, to word the error when Pillow cannot identify them.
_IMAGE_MAGIC = (
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"RIFF", "WEBP"),
    (b"BM", "BMP"),
)


@dataclass(slots=True)
class OpenedImage:
    """A Pillow image kept open in the worker between calls, with its description."""

    image: Image.Image
    info: DocumentInfo
    decoded: dict[int, np.ndarray] = field(default_factory=dict)


@contextmanager
def pillow_guard(limits: DocumentLimits) -> Iterator[list[warnings.WarningMessage]]:
    """Pillow's decompression-bomb limit set to ours, its warning made an error.

    Pillow only *warns* between its limit and twice its limit; the warning becomes an
    exception here (and nowhere else: the filter is scoped to this block). Other warnings
    (corrupt EXIF, odd metadata) are recorded and end up as notes instead of on stderr.
    """
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield caught


def open_image(data: bytes, name: str, limits: DocumentLimits, content_hash: str) -> OpenedImage:
    """Identify and describe an image, and decode its first page to prove it decodes.

    Decoding now (not only reading the header) means a truncated or corrupt file is
    rejected when it is dropped, not later halfway through encoding; the pixels are kept
    for the render that normally follows.
    """
    with pillow_guard(limits) as caught:
        try:
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        except UnidentifiedImageError:
            raise DocumentError(msg("{name}: not an image or a PDF ({what})"), name=name,
                                what=describe(data)) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DocumentError(_too_large(name, str(exc), limits)) from None
        except Exception as exc:
            raise DocumentError(_damage(name, None, exc)) from None
        fmt = image.format or "image"
        try:
            pages, frames, notes = _describe_pages(image, name, fmt, limits)
        except DocumentError:
            raise
        except Exception as exc:
            raise DocumentError(msg("{name}: damaged {format} image ({reason})"), name=name,
                                format=fmt, reason=_reason(exc)) from None
        info = DocumentInfo(
            name=name,
            kind="image",
            format=fmt,
            pages=tuple(pages),
            page_count=frames if fmt in _PAGED_FORMATS else 1,
            has_text_layer=False,
            content_hash=content_hash,
            notes=tuple(notes),
        )
        opened = OpenedImage(image=image, info=info)
    # Warnings from reading the headers become notes; decode_page adds its own.
    if caught:
        opened.info = _with_notes(opened.info, _warning_notes(caught))
    decode_page(opened, 0, name, limits)
    return opened


def decode_page(opened: OpenedImage, index: int, name: str, limits: DocumentLimits) -> np.ndarray:
    """Page `index` as uint8 RGB (H, W, 3), EXIF orientation applied, alpha on white."""
    if index in opened.decoded:
        return opened.decoded[index]
    image = opened.image
    fmt = opened.info.format
    with pillow_guard(limits) as caught:
        try:
            if image.tell() != index:
                image.seek(index)
            _check_pixels(name, image.size, limits)
            image.load()
            upright = ImageOps.exif_transpose(image)
            rgb = to_rgb(upright, name)
        except DocumentError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DocumentError(_too_large(name, str(exc), limits)) from None
        except MemoryError:
            raise
        except Exception as exc:
            raise DocumentError(_damage(name, fmt, exc)) from None
    opened.decoded = {index: rgb}  # keep one page: bounded memory
    if caught:
        opened.info = _with_notes(opened.info, _warning_notes(caught))
    return rgb


def to_rgb(image: Image.Image, name: str) -> np.ndarray:
    """Any Pillow mode as uint8 RGB.

    - 16-bit grey (I;16*) keeps its top 8 bits; 32-bit "I" and float "F" are scaled by
      their range (see `_wide_to_u8`). Pillow's own conversion clips these, which turns
      a 16-bit scan almost entirely white.
    - Alpha (RGBA, LA, PA, premultiplied) and palette/grey/RGB images with a
      transparency key are composited on white.
    - CMYK, YCbCr, 1-bit, palette and the rest go through Pillow's conversion (CMYK
      without colour management: fine for documents, approximate for photos).
    """
    mode = image.mode
    if mode == "RGB" and "transparency" not in image.info:
        return np.asarray(image, dtype=np.uint8).copy()
    if mode in _SIXTEEN_BIT_MODES or mode in ("I", "F"):
        grey = _wide_to_u8(np.asarray(image), mode)
        return np.ascontiguousarray(np.repeat(grey[..., None], 3, axis=2))
    try:
        if mode in _ALPHA_MODES or "transparency" in image.info:
            if mode == "La":  # premultiplied grey: Pillow converts it only to LA
                image = image.convert("LA")
            rgba = np.asarray(image.convert("RGBA"), dtype=np.uint8)
            return composite_on_white(rgba[..., :3], rgba[..., 3])
        return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    except ValueError:
        raise DocumentError(msg("{name}: unsupported colour mode {mode}"), name=name,
                            mode=mode) from None


def _wide_to_u8(values: np.ndarray, mode: str) -> np.ndarray:
    """16/32-bit integer or float grey to 8 bits.

    16-bit data keep their top byte (65535 → 255, exact for 8-bit data stored in 16).
    "I" holding values ≤ 255 is 8-bit data in a wide mode and is kept as is; wider
    ranges are scaled from 0 (or the minimum, if negative) to the maximum. Floats in
    [0, 1] are scaled by 255, others by their range; NaN becomes black.
    """
    if mode in _SIXTEEN_BIT_MODES:
        return (values.astype(np.uint16) >> 8).astype(np.uint8)
    data = values.astype(np.float64)
    data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
    if data.size == 0:
        return np.zeros(values.shape, np.uint8)
    low, high = float(data.min()), float(data.max())
    if mode == "I" and low >= 0 and high <= 255:
        return data.astype(np.uint8)
    if mode == "I" and low >= 0 and high <= 65535:
        return (data.astype(np.uint32) >> 8).astype(np.uint8)
    if mode == "F" and low >= 0 and high <= 1:
        return np.round(data * 255).astype(np.uint8)
    low = min(low, 0.0)
    if high <= low:
        return np.zeros(values.shape, np.uint8)
    return np.round((data - low) * (255.0 / (high - low))).astype(np.uint8)


def _describe_pages(
    image: Image.Image, name: str, fmt: str, limits: DocumentLimits
) -> tuple[list[PageInfo], int, list[Line]]:
    """Page sizes (after EXIF orientation) from headers only, the frame count, notes.

    A TIFF page after the first that cannot be read (broken directory, too many pixels)
    ends the list with a note instead of failing the whole document.
    """
    frames = _frame_count(image)
    paged = fmt in _PAGED_FORMATS
    used = min(frames, limits.max_pages) if paged else 1
    pages: list[PageInfo] = []
    notes: list[Line] = []
    if paged and frames > limits.max_pages:
        notes.append(first_pages_used(limits.max_pages, frames))
    elif not paged and frames > 1:
        notes.append(Line.of(msg("{frames} frames: only the first is used"), frames=frames))
    for index in range(used):
        try:
            pages.append(_page_info(image, index, name, limits))
        except Exception as exc:
            if index == 0:
                raise
            notes.append(unreadable_from(index + 1, _reason(exc)))
            break
    if used > 1:
        image.seek(0)
    return pages, frames, notes


def _page_info(image: Image.Image, index: int, name: str, limits: DocumentLimits) -> PageInfo:
    if index:
        image.seek(index)
    width, height = image.size
    _check_pixels(name, (width, height), limits)
    if width < 1 or height < 1:
        raise DocumentError(empty_image(name, width, height))
    if _orientation(image) in _SWAPPING_ORIENTATIONS:
        width, height = height, width
    return PageInfo(index=index, width=width, height=height)


def _frame_count(image: Image.Image) -> int:
    """How many frames; a file whose later frames are broken still has its first."""
    if not getattr(image, "is_animated", False) and image.format not in _PAGED_FORMATS:
        return 1
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:
        return 1


def _orientation(image: Image.Image) -> int | None:
    """The EXIF orientation tag, or None when absent or unreadable (corrupt EXIF)."""
    try:
        value = image.getexif().get(_EXIF_ORIENTATION)
    except Exception:
        return None
    return value if isinstance(value, int) else None


def _check_pixels(name: str, size: tuple[int, int], limits: DocumentLimits) -> None:
    """Our own pixel check, for every frame: Pillow checks only the first on open."""
    width, height = size
    if width * height > limits.max_image_pixels:
        raise DocumentError(too_many_pixels(name, width, height, limits.max_image_pixels))


def _too_large(name: str, message: str, limits: DocumentLimits) -> Line:
    """Pillow's bomb message says the pixel count; keep it, in our words."""
    match = re.search(r"\((\d+) pixels\)", message)
    if match is None:
        return Line.of(msg("{name}: image too large (too many pixels; the limit is {limit:,}), "
                           "refused as a possible decompression bomb"),
                       name=name, limit=limits.max_image_pixels)
    return Line.of(msg("{name}: image too large ({pixels:,} pixels; the limit is {limit:,}), "
                       "refused as a possible decompression bomb"),
                   name=name, pixels=int(match.group(1)), limit=limits.max_image_pixels)


def describe(data: bytes) -> Line:
    """A short guess at what non-image, non-PDF bytes are, for the error message."""
    head = data[:512]
    if head.startswith(b"PK\x03\x04"):
        return Line(msg("it is a ZIP archive; Office documents are not supported"))
    if head.startswith(b"\x1f\x8b"):
        return Line(msg("it is gzip-compressed data"))
    if head[4:8] == b"ftyp":
        return Line.of(msg("it is an ISO media file ({brand})"),
                       brand=head[8:12].decode("ascii", "replace"))
    stripped = head.lstrip()
    if stripped.startswith((b"<svg", b"<?xml", b"<!DOCTYPE", b"<html", b"<HTML")):
        return Line(msg("it is an SVG, XML or HTML file"))
    if head and b"\0" not in head and _is_text(head):
        return Line(msg("it looks like a text file"))
    for magic, fmt in _IMAGE_MAGIC:
        if head.startswith(magic) and (fmt != "WEBP" or head[8:12] == b"WEBP"):
            return Line.of(msg("it starts like a {format} file but cannot be read"), format=fmt)
    return Line.of(msg("unrecognised content starting with {bytes}"), bytes=head[:8].hex(" "))


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the 512-byte window is still text.
        return exc.start >= len(head) - 3
    return True


def _damage(name: str, fmt: str | None, exc: BaseException) -> Line:
    """'x.png: truncated PNG image (…)' / 'x.png: damaged image (…)'."""
    reason = _reason(exc)
    if "truncat" in str(exc).lower():
        if fmt is None:
            return Line.of(msg("{name}: truncated image ({reason})"), name=name, reason=reason)
        return Line.of(msg("{name}: truncated {format} image ({reason})"), name=name,
                       format=fmt, reason=reason)
    if fmt is None:
        return Line.of(msg("{name}: damaged image ({reason})"), name=name, reason=reason)
    return Line.of(msg("{name}: damaged {format} image ({reason})"), name=name, format=fmt,
                   reason=reason)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return one_line(text, 160)


def _warning_notes(caught: list[warnings.WarningMessage]) -> list[Line]:
    notes: list[Line] = []
    for warning in caught:
        note = Line.of(msg("decoder warning: {warning}"),
                       warning=one_line(str(warning.message), 160))
        if note not in notes:
            notes.append(note)
    return notes[:3]


def _with_notes(info: DocumentInfo, extra: list[Line]) -> DocumentInfo:
    notes = list(info.notes)
    notes.extend(n for n in extra if n not in notes)
    return replace(info, notes=tuple(notes[:6]))
