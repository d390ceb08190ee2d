"""What the document intake hands to the rest of the app: sources, limits and descriptions.

Everything here is a small frozen dataclass that pickles, because it crosses the boundary
to the document worker process (see `service.py`). Nothing here imports Pillow or PyMuPDF:
the parent process never decodes untrusted bytes itself.

Sizes are in pixels. A PDF page has no pixel size of its own, so it is given at the
*planning DPI* (200 by default: small print stays legible to a 384-px tile model, and an
A4 page at 200 dpi, ≈ 1654 × 2339, is larger than any canvas at G = 4, so a plan never
has to enlarge it); its size in points is kept beside it so the caller can render at any
other resolution.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

# (one_line is imported from here by the document modules)
from bluelm_desktop.core.errors import Line, msg, one_line

DocumentKind = Literal["image", "pdf"]

POINTS_PER_INCH = 72.0
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """Bounds that keep one hostile or merely huge file from taking the app down.

    The defaults, and why:
    - `max_file_bytes` 256 MiB: the file (or pasted bytes) is read into the worker's
      memory; scanned 200-page PDFs are well under this, and anything larger is not a
      document someone asks a 3B model about.
    - `max_image_pixels` 100 MP: a 600-dpi A3 scan (70 MP) and a 50-MP camera photo pass;
      a decoded 100-MP RGBA image already takes 400 MB. Pillow's own limit is set to this
      value in the worker and its DecompressionBombWarning is turned into an error, so a
      header claiming 100,000 × 100,000 pixels is refused before a byte is decoded.
    - `max_pages` 200: a 500-page PDF opens, but only its first 200 pages are described,
      rendered and read (the description carries a note). Even 200 pages at ~13 tiles
      each is hours of encoding on a laptop CPU; planning more would only mislead.
    - `max_render_pixels` 40 MP: the most any render returns (A4 at 600 dpi is 35 MP).
      The tile canvas needs far less (1536² ≈ 2.4 MP at G = 4); the cap only keeps an
      absurd request or a huge page from producing a multi-gigabyte array. Larger requests
      are scaled down keeping the aspect ratio; the caller reads the array's shape.
    - `timeout_s` 20 s per call (open, render or text): a normal page renders in well
      under a second; a file that takes longer is hostile or pathological, and the
      worker is killed.
    - `startup_timeout_s` 60 s: spawning the worker and importing PyMuPDF takes ~1 s
      here, but a cold start of a frozen app on a slow disk can take much longer; it is
      not counted against the file being opened.
    - `max_worker_memory_bytes` 4 GiB: address space the worker may add to what it had
      after its imports (Linux only, RLIMIT_AS). A decoder asked for an absurd allocation
      then fails with an error instead of waking the OOM killer, which could pick the app.
      None: no limit.
    - `planning_dpi` 200: see the module docstring.
    """

    max_file_bytes: int = 256 * MIB
    max_image_pixels: int = 100_000_000
    max_pages: int = 200
    max_render_pixels: int = 40_000_000
    timeout_s: float = 20.0
    startup_timeout_s: float = 60.0
    max_worker_memory_bytes: int | None = 4096 * MIB
    planning_dpi: float = 200.0

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_image_pixels", "max_pages", "max_render_pixels"):
            if getattr(self, name) < 1:
                raise ValueError(f"DocumentLimits.{name} must be at least 1")
        if self.timeout_s <= 0 or self.startup_timeout_s <= 0 or self.planning_dpi <= 0:
            raise ValueError("DocumentLimits: timeouts and planning_dpi must be positive")


@dataclass(frozen=True, slots=True)
class PageInfo:
    """One page (an image is one page; a TIFF may have several).

    `width`/`height` are pixels: as decoded (after EXIF orientation) for an image, at the
    planning DPI for a PDF page. `width_pt`/`height_pt` are a PDF page's size in points
    (1/72 in, after its /Rotate and crop box), None for images.
    """

    index: int
    width: int
    height: int
    width_pt: float | None = None
    height_pt: float | None = None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What `DocumentService.probe` learns about a document without rendering it all.

    `pages` holds at most `DocumentLimits.max_pages` entries; `page_count` is the number
    the file really has (`truncated` tells them apart). `content_hash` is the SHA-256 of
    the file's bytes (of the pixels for an in-memory image), the key the embedding cache
    and the history's attachments use. `notes` are one-line remarks for the user (pages
    left out, first frame of an animation used, a damaged PDF repaired, decoder warnings):
    `Line`s, so the interface shows them in its language (`str(note)` is the English).
    """

    name: str
    kind: DocumentKind
    format: str
    pages: tuple[PageInfo, ...]
    page_count: int
    has_text_layer: bool
    content_hash: str
    encrypted: bool = False
    planning_dpi: float | None = None
    notes: tuple[Line, ...] = ()

    @property
    def truncated(self) -> bool:
        """True when the file has more pages than the limit lets us use."""
        return self.page_count > len(self.pages)


@dataclass(frozen=True, slots=True)
class TextSpan:
    """One word of a PDF's text layer, in reading (content-stream) order.

    `bbox` is (x0, y0, x1, y1) in the pixel coordinates of the render the caller asked
    for (same `target_size`), so it lines up with tiles and overlays without conversion.
    `block` and `line` group words the way MuPDF found them on the page.
    """

    text: str
    bbox: tuple[float, float, float, float]
    block: int = 0
    line: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class DocumentSource:
    """Where a document comes from: a file, bytes in memory, or an RGB array.

    Files, clipboard pastes (encoded bytes or pixels) and screen captures (pixels) all
    enter through this one type, so the rest of the app has a single path. `name` is what
    error messages and the UI show ("scan.png", "Clipboard image", "Screen capture").
    Build one with `from_path`, `from_bytes` or `from_array`.
    """

    name: str
    path: Path | None = None
    data: bytes | None = field(default=None, repr=False)
    array: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        given = sum(x is not None for x in (self.path, self.data, self.array))
        if given != 1:
            raise ValueError("DocumentSource needs exactly one of path, data or array")

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> DocumentSource:
        """A file on disk; its name in messages is the file's base name."""
        p = Path(path)
        return cls(name=one_line(p.name or str(p)), path=p)

    @classmethod
    def from_bytes(cls, data: bytes, name: str) -> DocumentSource:
        """An encoded image or PDF in memory (a clipboard paste, a download)."""
        return cls(name=one_line(name), data=bytes(data))

    @classmethod
    def from_array(cls, array: np.ndarray, name: str) -> DocumentSource:
        """Pixels in memory (a screen capture, a decoded clipboard image).

        Accepted: uint8 arrays shaped (H, W, 3) RGB, (H, W, 4) RGBA (composited on white)
        or (H, W) grey. The array is not copied; do not modify it while it is in use.
        """
        return cls(name=one_line(name), array=np.asarray(array))

    @classmethod
    def of(cls, source: SourceLike) -> DocumentSource:
        """Accept a ready source or a path."""
        if isinstance(source, DocumentSource):
            return source
        if isinstance(source, str | os.PathLike):
            return cls.from_path(source)
        raise TypeError(f"not a document source: {type(source).__name__}")


SourceLike = DocumentSource | str | os.PathLike[str]


def fit_pixels(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """(width, height) scaled down, keeping the aspect ratio, to at most `max_pixels`."""
    width, height = max(1, int(width)), max(1, int(height))
    if width * height <= max_pixels:
        return width, height
    scale = (max_pixels / (width * height)) ** 0.5
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    while w * h > max_pixels:  # float rounding can leave it one row over
        if w >= h:
            w -= 1
        else:
            h -= 1
    return w, h


def check_target_size(target_size: tuple[int, int] | None) -> tuple[int, int] | None:
    """A malformed target size is the caller's bug (ValueError), not the document's."""
    if target_size is None:
        return None
    ok = (
        isinstance(target_size, tuple | list)
        and len(target_size) == 2
        and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in target_size)
        and all(int(v) >= 1 for v in target_size)
    )
    if not ok:
        raise ValueError(f"invalid target size {target_size!r}: need two ints ≥ 1")
    return int(target_size[0]), int(target_size[1])


def first_pages_used(used: int, count: int) -> Line:
    """The note on a document with more pages than the limit (images and PDFs)."""
    return Line.of(msg("only the first {used} of {count} pages are used"), used=used,
                   count=count)


def unreadable_from(page: int, reason: str) -> Line:
    """The note on a document whose pages from `page` (1-based) on cannot be read."""
    return Line.of(msg("pages from {page} on cannot be read ({reason})"), page=page,
                   reason=reason)
