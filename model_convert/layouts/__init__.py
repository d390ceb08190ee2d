"""Source layouts, looked up by name (`bluelm`, `internvl`) or by config.json architecture."""

from __future__ import annotations

from pathlib import Path

from model_convert import constants as C
from model_convert.errors import ConvertError
from model_convert.layouts.base import GGUFTensor, Layout, TextConfig, VisionConfig


def get_layout(name: str) -> Layout:
    if name == C.LAYOUT_BLUELM:
        from model_convert.layouts.bluelm import BlueLMLayout

        return BlueLMLayout()
    if name == C.LAYOUT_INTERNVL:
        from model_convert.layouts.internvl import InternVLLayout

        return InternVLLayout()
    raise ValueError(f"unknown layout {name!r}")


_BY_ARCH = {C.HF_ARCH_BLUELM: C.LAYOUT_BLUELM, C.HF_ARCH_INTERNVL: C.LAYOUT_INTERNVL}


def layout_for(architecture: str, config_path: Path) -> Layout:
    """The layout of a checkpoint whose config.json names `architecture`."""
    if architecture not in _BY_ARCH:
        known = ", ".join(sorted(_BY_ARCH))
        raise ConvertError(
            config_path, f"unsupported architecture {architecture!r} (known: {known})"
        )
    return get_layout(_BY_ARCH[architecture])


__all__ = ["GGUFTensor", "Layout", "TextConfig", "VisionConfig", "get_layout", "layout_for"]
