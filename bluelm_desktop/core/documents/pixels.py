"""Pixel conversions shared by the worker and the in-memory path: always uint8 RGB (H, W, 3).

The tiler and the encoder take one format only, so every source ends here: grey, alpha
and 16-bit data are converted once, transparent areas become white (documents are
black on white; black would read as ink), and sizes are capped. Arrays pasted or captured
in memory come through `array_to_rgb` in the calling process, with numpy only: they are
pixels we made ourselves, not untrusted encoded bytes, so they need no worker.
"""

from __future__ import annotations

import numpy as np

from bluelm_desktop.core.documents.model import fit_pixels
from bluelm_desktop.core.errors import DocumentError, Line, msg


def composite_on_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blend uint8 RGB over white with a uint8 alpha (rounded, exact at 0 and 255)."""
    a = alpha.astype(np.uint16)[..., None]
    out = (rgb.astype(np.uint16) * a + 255 * (255 - a) + 127) // 255
    return out.astype(np.uint8)


def array_to_rgb(array: np.ndarray, name: str, max_pixels: int) -> np.ndarray:
    """An in-memory image as contiguous uint8 RGB; RGBA is composited on white.

    Raises DocumentError for anything else (wrong dtype or shape, empty, too many
    pixels), since the array may come from a clipboard we do not control.
    """
    if not isinstance(array, np.ndarray):
        raise DocumentError(msg("{name}: not an image array ({type})"), name=name,
                            type=type(array).__name__)
    if array.dtype != np.uint8:
        raise DocumentError(msg("{name}: image array must be uint8, not {dtype}"), name=name,
                            dtype=str(array.dtype))
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise DocumentError(
            msg("{name}: image array must be (H, W), (H, W, 3) or (H, W, 4), not {shape}"),
            name=name, shape=str(array.shape))
    height, width = int(array.shape[0]), int(array.shape[1])
    if height == 0 or width == 0:
        raise DocumentError(empty_image(name, width, height))
    if width * height > max_pixels:
        raise DocumentError(too_many_pixels(name, width, height, max_pixels))
    channels = array.shape[2]
    if channels == 1:
        return np.ascontiguousarray(np.repeat(array, 3, axis=2))
    if channels == 4:
        return composite_on_white(array[..., :3], array[..., 3])
    return np.ascontiguousarray(array)


def empty_image(name: str, width: int, height: int) -> Line:
    return Line.of(msg("{name}: empty image ({width} × {height} pixels)"), name=name,
                   width=width, height=height)


def too_many_pixels(name: str, width: int, height: int, limit: int) -> Line:
    return Line.of(msg("{name}: image too large ({width:,} × {height:,} = {pixels:,} pixels; "
                       "the limit is {limit:,})"),
                   name=name, width=width, height=height, pixels=width * height, limit=limit)


def resize_rgb(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize uint8 RGB to exactly (width, height) with Lanczos (sharp enough for print).

    `reducing_gap` lets Pillow shrink big downscales in two steps, several times faster
    with no visible loss. Pillow is imported here, not at module level, so the parent
    process only loads it when an in-memory image needs resizing.
    """
    from PIL import Image

    width, height = size
    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb
    image = Image.fromarray(rgb, "RGB")
    resized = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(resized, dtype=np.uint8).copy()


def output_size(
    natural: tuple[int, int], target: tuple[int, int] | None, max_pixels: int
) -> tuple[int, int]:
    """The size a render returns: the target (else the natural size), capped in pixels."""
    width, height = target if target is not None else natural
    return fit_pixels(width, height, max_pixels)
