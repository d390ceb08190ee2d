"""How pages are planned when a llama-server answers (see `request` for how they are sent)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Final

from bluelm_desktop.core.engine.families import WHOLE_IMAGE_SIDE, vision_family
from bluelm_desktop.core.errors import VisionUnsupported
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.vision.tiling import TilingParams

# A whole page's positions for the document budget when the projector file is not here:
# mtmd's count depends on the family (a LFM2-VL page is a few hundred, a Qwen2-VL page up
# to 4,096). An estimate, on the high side of the common families; a page that still does
# not fit is the server's one-line refusal of that file, never a crash.
WHOLE_PAGE_TOKENS: Final = 1024


def server_tiling(mmproj: Path | None = None, max_image_tokens: int | None = None
                  ) -> TilingParams:
    """The tiling pages get for a server: the projector's own when its file is here
    (`mmproj`, the file the server was started with: tiles of ours for BlueLM and
    InternVL, the page whole for the families mtmd lays out), else the page whole, at
    most 2,048 px a side. (Whether the server can take images at all is `ServerInfo.vision`.)"""
    params: TilingParams | None = None
    if mmproj is not None:
        try:
            params = vision_family(read_metadata(mmproj), mmproj.name).tiling
        except VisionUnsupported:
            params = None
    if params is None:
        params = TilingParams(tile_size=WHOLE_IMAGE_SIDE, tokens_per_tile=WHOLE_PAGE_TOKENS,
                              max_grid=1, whole_image=True)
    return dataclasses.replace(params, max_image_tokens=max_image_tokens)
