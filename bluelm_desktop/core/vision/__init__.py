"""Vision planning without Qt: which tile grid an image gets (`resolution`) and the tiles
themselves (`tiling`).

`resolution` is pure arithmetic so the CLI, the settings dialog and the tests can ask
"how many tiles would this page cost?" without decoding a pixel. `tiling` is the only part
that touches pixels (numpy + Pillow); it is deliberately not imported here, so importing
the package (or `resolution`) stays cheap: `from bluelm_desktop.core.vision import tiling`.
"""

from __future__ import annotations

from bluelm_desktop.core.vision.resolution import (
    RULE_INTERNVL,
    RULE_LLAVA_NEXT,
    RULE_RELAXED,
    RULES,
    Grid,
    candidates,
    canvas,
    effective_resolution,
    fit,
    internvl_match,
    llava_next_match,
    match,
    relaxed_match,
    wasted_resolution,
)

__all__ = [
    "RULES",
    "RULE_INTERNVL",
    "RULE_LLAVA_NEXT",
    "RULE_RELAXED",
    "Grid",
    "candidates",
    "canvas",
    "effective_resolution",
    "fit",
    "internvl_match",
    "llava_next_match",
    "match",
    "relaxed_match",
    "wasted_resolution",
]
