"""The document panel's words: a plan, a cost, a duration and a document described in the
interface language (the strings keep the panel's translation context)."""

from __future__ import annotations

import re
from typing import Final

from PySide6.QtCore import QCoreApplication

from bluelm_desktop.core.documents import DocumentInfo
from bluelm_desktop.core.estimate import Speed, format_duration
from bluelm_desktop.core.vision.tiling import TilePlan


def grid_words(plan: TilePlan) -> str:
    """'3:4 grid + thumbnail' / '1 tile': how the page is cut, as the paper writes grids."""
    if plan.grid.tiles == 1 and not plan.thumbnail:
        return QCoreApplication.translate("DocumentPanel", "1 tile")
    if plan.thumbnail:
        return QCoreApplication.translate("DocumentPanel", "{grid} grid + thumbnail").format(
            grid=plan.grid)
    return QCoreApplication.translate("DocumentPanel", "{grid} grid").format(grid=plan.grid)



_DURATION: Final = re.compile(
    r"(?:(?P<h>\d+) h (?P<hm>\d+) min|(?P<m>\d+) min(?: (?P<ms>\d+) s)?|(?P<s>\d+) s)")


def duration_words(seconds: float) -> str:
    """`core.estimate.format_duration` in the interface language: its English units
    ("3 min 20 s", "under 1 s") given translatable templates; a form it does not know is
    shown as the core wrote it."""
    text = format_duration(seconds)
    if text == "under 1 s":
        return QCoreApplication.translate("DocumentPanel", "under 1 s")
    match = _DURATION.fullmatch(text)
    if match is None:
        return text
    g = match.groupdict()
    if g["h"] is not None:
        return QCoreApplication.translate("DocumentPanel", "{hours} h {minutes} min").format(
            hours=g["h"], minutes=g["hm"])
    if g["m"] is not None and g["ms"] is not None:
        return QCoreApplication.translate("DocumentPanel", "{minutes} min {seconds} s").format(
            minutes=g["m"], seconds=g["ms"])
    if g["m"] is not None:
        return QCoreApplication.translate("DocumentPanel", "{minutes} min").format(
            minutes=g["m"])
    return QCoreApplication.translate("DocumentPanel", "{seconds} s").format(seconds=g["s"])


def cost_words(tiles: int, tokens: int, speed: Speed) -> str:
    """'13 tiles · 2,548 image tokens · ≈ 3 min 20 s'."""
    template = (QCoreApplication.translate(
                    "DocumentPanel", "{tiles} tile · {tokens} image tokens · ≈ {duration}")
                if tiles == 1 else QCoreApplication.translate(
                    "DocumentPanel", "{tiles} tiles · {tokens} image tokens · ≈ {duration}"))
    return template.format(tiles=tiles, tokens=f"{tokens:,}",
                           duration=duration_words(speed.seconds(tiles, tokens)))


def describe_info(info: DocumentInfo) -> str:
    """'PDF · 2 pages · text layer' / 'PNG image · 1240 × 1755 px'."""
    if info.kind == "pdf":
        pages = (QCoreApplication.translate("DocumentPanel", "{count} page")
                 if info.page_count == 1 else
                 QCoreApplication.translate("DocumentPanel", "{count} pages")).format(
                     count=info.page_count)
        parts = ["PDF", pages]
        if info.truncated:
            parts.append(QCoreApplication.translate("DocumentPanel", "first {count} used")
                         .format(count=len(info.pages)))
        parts.append(QCoreApplication.translate("DocumentPanel", "text layer")
                     if info.has_text_layer else
                     QCoreApplication.translate("DocumentPanel", "no text layer (scanned)"))
        return " · ".join(parts)
    fmt = (QCoreApplication.translate("DocumentPanel", "Image") if info.format == "pixels"
           else QCoreApplication.translate("DocumentPanel", "{format} image").format(
               format=info.format.upper()))
    first = info.pages[0]
    out = f"{fmt} · {first.width} × {first.height} px"
    if info.page_count > 1:
        out += " · " + QCoreApplication.translate("DocumentPanel", "{count} frames").format(
            count=info.page_count)
    return out


# --- the panel -----------------------------------------------------------------------------
