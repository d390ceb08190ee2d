"""PDFs through PyMuPDF. Runs in the document worker process only.

PyMuPDF is not thread-safe, holds the GIL while MuPDF works, and MuPDF is C code parsing
untrusted files; so it lives in the worker process, one call at a time, and the app's
process never imports it. MuPDF repairs many damaged files (a wrong startxref offset, a
mangled xref table); a repaired file opens with a note, one it cannot repair is a
DocumentError. MuPDF's own messages are kept out of stderr and read back as notes.

Coordinates: PyMuPDF gives a page's rectangle after its /Rotate and crop box, but text
positions in the unrotated page; `page.rotation_matrix` maps the latter onto the former,
and one scale maps points onto the pixels of the render the caller asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymupdf

from bluelm_desktop.core.documents.model import (
    POINTS_PER_INCH,
    DocumentInfo,
    DocumentLimits,
    PageInfo,
    TextSpan,
    first_pages_used,
    fit_pixels,
    one_line,
    unreadable_from,
)
from bluelm_desktop.core.errors import DocumentError, Line, PasswordRequired, msg

# `has_text_layer` looks at this many leading pages: text extraction costs ~1 ms per
# simple page, but a scanned book's pages are large images and a probe must stay fast.
TEXT_LAYER_PAGES_CHECKED = 8


def quiet_mupdf() -> None:
    """Keep MuPDF's errors and warnings off stderr; they come back as notes instead."""
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)


@dataclass(slots=True)
class OpenedPdf:
    """An authenticated PyMuPDF document kept open in the worker between calls."""

    document: pymupdf.Document
    info: DocumentInfo


def open_pdf(
    data: bytes,
    name: str,
    limits: DocumentLimits,
    content_hash: str,
    password: str | None,
) -> OpenedPdf:
    """Open, authenticate and describe a PDF (page sizes of at most `max_pages` pages)."""
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        # From bytes with an explicit type: PyMuPDF would otherwise guess from a path's
        # extension, and we have already sniffed the content.
        document = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:
        raise DocumentError(msg("{name}: not a readable PDF ({reason})"), name=name,
                            reason=_reason(exc)) from None
    encrypted = bool(document.needs_pass)
    if encrypted:
        if password is None:
            document.close()
            raise PasswordRequired(msg("{name}: password required"), name=name)
        if not document.authenticate(password):
            document.close()
            raise DocumentError(msg("{name}: wrong password"), name=name)
    try:
        return OpenedPdf(document, _describe(document, name, limits, content_hash, encrypted))
    except BaseException:
        document.close()
        raise


def _describe(
    document: pymupdf.Document,
    name: str,
    limits: DocumentLimits,
    content_hash: str,
    encrypted: bool,
) -> DocumentInfo:
    try:
        count = int(document.page_count)
    except Exception as exc:
        raise DocumentError(_damaged(name, exc)) from None
    if count < 1:
        raise DocumentError(msg("{name}: the PDF has no pages"), name=name)
    scale = limits.planning_dpi / POINTS_PER_INCH
    pages: list[PageInfo] = []
    notes: list[Line] = []
    for index in range(min(count, limits.max_pages)):
        try:
            rect = document[index].rect
        except Exception as exc:
            if index == 0:
                raise DocumentError(_damaged(name, exc)) from None
            notes.append(unreadable_from(index + 1, _reason(exc)))
            break
        if not (rect.width > 0 and rect.height > 0):
            if index == 0:
                raise DocumentError(msg("{name}: page 1 has no area ({width} × {height})"),
                                    name=name, width=rect.width, height=rect.height)
            notes.append(Line.of(msg("pages from {page} on have no area and are left out"),
                                 page=index + 1))
            break
        pages.append(
            PageInfo(
                index=index,
                width=max(1, round(rect.width * scale)),
                height=max(1, round(rect.height * scale)),
                width_pt=float(rect.width),
                height_pt=float(rect.height),
            )
        )
    if count > limits.max_pages:
        notes.insert(0, first_pages_used(limits.max_pages, count))
    if document.is_repaired:
        warning = _first_warning()
        notes.append(Line.of(msg("the file was damaged and MuPDF repaired it (MuPDF: {warning})"),
                             warning=warning) if warning else
                     Line(msg("the file was damaged and MuPDF repaired it")))
    return DocumentInfo(
        name=name,
        kind="pdf",
        format="PDF",
        pages=tuple(pages),
        page_count=count,
        has_text_layer=_has_text(document, len(pages)),
        content_hash=content_hash,
        encrypted=encrypted,
        planning_dpi=limits.planning_dpi,
        notes=tuple(notes),
    )


def _has_text(document: pymupdf.Document, usable: int) -> bool:
    for index in range(min(usable, TEXT_LAYER_PAGES_CHECKED)):
        try:
            if document[index].get_text("text").strip():
                return True
        except Exception:
            continue
    return False


def render_size(
    page: PageInfo, target: tuple[int, int] | None, limits: DocumentLimits
) -> tuple[int, int]:
    """The pixel size a render of `page` has: the target (else planning DPI), capped."""
    width, height = target if target is not None else (page.width, page.height)
    return fit_pixels(width, height, limits.max_render_pixels)


def render_page(opened: OpenedPdf, index: int, size: tuple[int, int], name: str) -> np.ndarray:
    """Page `index` rendered to exactly `size` = (width, height) as uint8 RGB.

    The zoom is chosen per axis so the page fills the size (a caller asking for another
    aspect ratio gets the page stretched). MuPDF rounds the page's pixel box outwards,
    so a crop box at a fractional offset can come out one pixel larger; that pixel is
    cropped (or padded with white) so the array is exactly what was asked for.
    """
    width, height = size
    try:
        page = opened.document[index]
        rect = page.rect
        matrix = pymupdf.Matrix(width / rect.width, height / rect.height)
        pixmap = page.get_pixmap(matrix=matrix, colorspace=pymupdf.csRGB, alpha=False)
        samples = np.frombuffer(pixmap.samples_mv, dtype=np.uint8)
        rows = samples.reshape(pixmap.height, pixmap.stride)[:, : pixmap.width * 3]
        rgb = rows.reshape(pixmap.height, pixmap.width, 3)
    except MemoryError:
        raise
    except Exception as exc:
        raise DocumentError(msg("{name}: page {page} cannot be rendered ({reason})"),
                            name=name, page=index + 1, reason=_reason(exc)) from None
    return _exact(rgb, width, height)


def _exact(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    out = np.full((height, width, 3), 255, dtype=np.uint8)
    h, w = min(height, rgb.shape[0]), min(width, rgb.shape[1])
    out[:h, :w] = rgb[:h, :w]
    return out


def page_text(opened: OpenedPdf, index: int, size: tuple[int, int], name: str) -> list[TextSpan]:
    """The words of page `index` with boxes in the pixels of a `size` render."""
    width, height = size
    try:
        page = opened.document[index]
        rect = page.rect
        to_pixels = page.rotation_matrix * pymupdf.Matrix(width / rect.width, height / rect.height)
        words = page.get_text("words")
    except MemoryError:
        raise
    except Exception as exc:
        raise DocumentError(msg("{name}: the text of page {page} cannot be read ({reason})"),
                            name=name, page=index + 1, reason=_reason(exc)) from None
    spans = []
    for x0, y0, x1, y1, word, block, line, _ in words:
        box = pymupdf.Rect(x0, y0, x1, y1) * to_pixels
        spans.append(
            TextSpan(
                text=str(word),
                bbox=(float(box.x0), float(box.y0), float(box.x1), float(box.y1)),
                block=int(block),
                line=int(line),
            )
        )
    return spans


def _first_warning() -> str:
    """MuPDF's first warning (its own words), or ""."""
    try:
        lines = [ln for ln in pymupdf.TOOLS.mupdf_warnings().splitlines() if ln.strip()]
    except Exception:
        return ""
    return one_line(lines[0], 120) if lines else ""


def _damaged(name: str, exc: BaseException) -> Line:
    return Line.of(msg("{name}: damaged PDF ({reason})"), name=name, reason=_reason(exc))


def _reason(exc: BaseException) -> str:
    return one_line(str(exc) or type(exc).__name__, 160)
