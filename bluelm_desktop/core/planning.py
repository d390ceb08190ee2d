"""A document's pages, planned once and rendered once: pages → tile plans → tiles.

One path for every caller: `bluelm-desktop plan` and the document panel show a plan
before anything runs (`plan_document`: probing the file, nothing decoded or rendered
beyond that); the app, `ask` and `batch` then render each planned page at exactly the
size its tiles need and cut it (`render_pages`, or both at once with `prepare_pages`).
Each page is planned from its pixel size (a PDF page at the service's planning DPI,
default 200).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from bluelm_desktop.core.documents import DocumentInfo, DocumentService, DocumentSource
from bluelm_desktop.core.documents.model import SourceLike
from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.errors import DocumentError
from bluelm_desktop.core.vision.tiling import TilePlan, TilingParams, cut_tiles, plan_image


@dataclass(frozen=True)
class PagePlan:
    page: int  # 1-based, as people count pages
    width: int
    height: int
    plan: TilePlan

    def to_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "width": self.width,
            "height": self.height,
            "grid": [self.plan.grid.cols, self.plan.grid.rows],
            "tiles": self.plan.tiles,
            "thumbnail": self.plan.thumbnail,
            "image_tokens": self.plan.image_tokens,
        }


@dataclass(frozen=True)
class DocumentPlan:
    file: str  # the name people know it by (a path as given, or the source's name)
    pages: list[PagePlan]
    notes: tuple[str, ...] = ()
    info: DocumentInfo | None = None  # what probing learnt (its hash keys the encodings)

    @property
    def image_tokens(self) -> int:
        return sum(p.plan.image_tokens for p in self.pages)

    def replanned(self, params: TilingParams) -> DocumentPlan:
        """The same pages under other tiling (the switch flipped): arithmetic only."""
        return dataclasses.replace(self, pages=[
            dataclasses.replace(p, plan=plan_image(p.width, p.height, params))
            for p in self.pages])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "ok": True,
                               "pages": [p.to_json() for p in self.pages]}
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class PreparedImage:
    """One page, tiled for the model: what the engine encodes."""

    image_id: str
    name: str
    tiles: list[np.ndarray]
    layout: ImageLayout
    document: str = ""  # the document's name (one document gives several pages)
    page: int = 0  # 0-based index of the page in its document
    page_count: int = 1  # usable pages of the document (the app says "page 2 of 3")
    pixels: np.ndarray | None = None  # the page as rendered for its tiles (the app shows it)

    def without_tiles(self) -> PreparedImage:
        """This page once its tiles went to the engine: what the interface keeps."""
        return dataclasses.replace(self, tiles=[])


def plan_document(service: DocumentService, source: SourceLike, params: TilingParams,
                  password: str | None = None) -> DocumentPlan:
    """Probe a document and plan every usable page. Raises DocumentError (one line)."""
    src = DocumentSource.of(source)
    info = service.probe(src, password=password)
    if not info.pages:
        raise DocumentError(f"{info.name}: no pages to read")
    pages = [PagePlan(p.index + 1, p.width, p.height, plan_image(p.width, p.height, params))
             for p in info.pages]
    return DocumentPlan(_label(source), pages, tuple(info.notes), info)


def render_pages(service: DocumentService, source: SourceLike, plan: DocumentPlan,
                 password: str | None = None) -> Iterator[PreparedImage]:
    """Render each planned page once, at the size its tiles need, and cut it.

    A generator, so the app can hand page 1 to the encoder while page 2 renders.
    """
    src = DocumentSource.of(source)
    assert plan.info is not None, "a plan from plan_document"
    for page in plan.pages:
        index = page.page - 1
        pixels = service.render(src, index, target_size=page.plan.scaled_size,
                                password=password)
        h, w = pixels.shape[:2]
        # The page was rendered at the plan's scaled size: cut it as a w×h source.
        tiles_plan = dataclasses.replace(page.plan, source_size=(w, h), scaled_size=(w, h))
        tiles = [t.pixels for t in cut_tiles(pixels, tiles_plan)]
        grid = tiles_plan.grid
        image_id = f"{plan.info.content_hash}:p{index}:{grid}:{tiles_plan.tile_size}"
        yield PreparedImage(image_id, f"{plan.file} p{page.page}", tiles,
                            ImageLayout(grid.cols, grid.rows, tiles_plan.thumbnail,
                                        tiles_plan.tokens_per_tile),
                            document=plan.file, page=index, page_count=len(plan.pages),
                            pixels=pixels)


def prepare_pages(service: DocumentService, source: SourceLike, params: TilingParams,
                  password: str | None = None) -> Iterator[PreparedImage]:
    """`plan_document`, then `render_pages`: the pages of one document (a file, a paste,
    a screen capture), one at a time."""
    plan = plan_document(service, source, params, password)
    yield from render_pages(service, source, plan, password)


def _label(source: SourceLike) -> str:
    return source.name if isinstance(source, DocumentSource) else str(source)
