"""The document panel's words: a plan, a cost, a duration and a document described in the
interface language (the strings keep the panel's translation context)."""

from __future__ import annotations

import re
from typing import Final

from PySide6.QtCore import QCoreApplication

from bluelm_desktop.core.documents import DocumentInfo
from bluelm_desktop.core.estimate import Speed, format_duration
from bluelm_desktop.core.planning import SKIPPED, DocumentPlan, PagePlan
from bluelm_desktop.core.vision.tiling import TilePlan
from bluelm_desktop.ui.i18n import tr_line


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


def page_cost_words(page: PagePlan, plan: DocumentPlan, speed: Speed) -> tuple[str, str]:
    """(rich text, tooltip): what the page sends and costs: "Page 2: 13 tiles (3:4 grid +
    thumbnail) · 2,548 image tokens · ≈ 1 min 20 s…", its text layer, or left out."""
    where = (QCoreApplication.translate("DocumentPanel", "Page {page}: ").format(page=page.page)
             if len(plan.pages) > 1 else "")
    if page.mode == SKIPPED:
        return (where + QCoreApplication.translate(
            "DocumentPanel", "<b>left out</b> · the context has no room for it"),
            " ".join(tr_line(note) for note in plan.fit_notes))
    text = (QCoreApplication.translate(
        "DocumentPanel", "<b>its text layer</b> · ≈ {tokens} tokens").format(
            tokens=f"{page.text_tokens:,}") if page.sends_text else "")
    if not page.sends_tiles:
        return (where + QCoreApplication.translate(
            "DocumentPanel", "{text} · no tiles to encode (born-digital: exact and fast)")
            .format(text=text), QCoreApplication.translate(
            "DocumentPanel", "The page's words are in the PDF and cover what is printed on "
            "it, so the model reads them as text: no tiles to encode."))
    if page.sends_text:
        where += text + " + "
    tiles = page.plan
    if tiles.whole_image:  # the model's own layout: nothing to estimate honestly
        return (where + QCoreApplication.translate(
            "DocumentPanel", "<b>Whole page</b> · the model cuts it into its own tiles "
            "(llama.cpp), counted when encoding starts"), QCoreApplication.translate(
            "DocumentPanel", "This model lays out its images itself, as it was trained; the "
            "tile grid and the image-token budget apply to models whose tiles the app cuts."))
    cost = (QCoreApplication.translate(
        "DocumentPanel", "<b>{tiles} tile</b> ({grid}) · <b>{tokens}</b> image tokens · "
        "≈ <b>{duration}</b> to encode and prefill") if tiles.tiles == 1 else
        QCoreApplication.translate(
        "DocumentPanel", "<b>{tiles} tiles</b> ({grid}) · <b>{tokens}</b> image tokens · "
        "≈ <b>{duration}</b> to encode and prefill"))
    return where + cost.format(
        tiles=tiles.tiles, grid=grid_words(tiles), tokens=f"{tiles.image_tokens:,}",
        duration=duration_words(speed.seconds(tiles.tiles, tiles.image_tokens))), speed_tip(
        speed)


def total_words(plan: DocumentPlan, speed: Speed) -> str:
    """"All 10 pages: 8 as text (≈ 3,100 tokens) · 26 tiles · … · 2 left out"."""
    pages = plan.pages
    tiled = [p for p in pages if p.sends_tiles]
    parts = []
    text_pages = [p for p in pages if p.sends_text]
    if text_pages:
        parts.append(QCoreApplication.translate(
            "DocumentPanel", "{count} as text (≈ {tokens} tokens)").format(
                count=len(text_pages), tokens=f"{sum(p.text_tokens for p in pages):,}"))
    if tiled:
        parts.append(cost_words(sum(p.plan.tiles for p in tiled), plan.image_tokens, speed))
    skipped = sum(1 for p in pages if p.mode == SKIPPED)
    if skipped:
        parts.append(QCoreApplication.translate("DocumentPanel", "{count} left out").format(
            count=skipped))
    return QCoreApplication.translate("DocumentPanel", "All {count} pages: {cost}").format(
        count=len(pages), cost=" · ".join(parts))


def speed_tip(speed: Speed) -> str:
    """Where the estimate's figures come from (a guess, or `tune` on this computer)."""
    return QCoreApplication.translate(
        "DocumentPanel", "Estimated before anything runs: {per_tile} s per tile to encode and "
        "{speed} image tokens per second to prefill ({source}). The answer starts after "
        "this.").format(per_tile=f"{speed.per_tile_s:.2f}", speed=f"{speed.prefill_tok_s:,.0f}",
                        source=tr_line(speed.source) if speed.source else
                        QCoreApplication.translate("DocumentPanel", "default figures"))

