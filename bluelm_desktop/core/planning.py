"""What a document will cost before anything runs: pages → tile plans → image tokens.

Shared by `bluelm-desktop plan` and the document panel. Each page is planned from its
pixel size (a PDF page at the service's planning DPI, default 200); nothing is decoded
or rendered beyond what probing the file needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bluelm_desktop.core.documents import DocumentService, DocumentSource
from bluelm_desktop.core.errors import DocumentError
from bluelm_desktop.core.vision.tiling import TilePlan, TilingParams, plan_image


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
    file: str
    pages: list[PagePlan]
    notes: tuple[str, ...] = ()

    @property
    def image_tokens(self) -> int:
        return sum(p.plan.image_tokens for p in self.pages)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "ok": True,
                               "pages": [p.to_json() for p in self.pages]}
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def plan_document(service: DocumentService, source: DocumentSource | str,
                  params: TilingParams, password: str | None = None) -> DocumentPlan:
    """Probe a document and plan every usable page. Raises DocumentError (one line)."""
    src = DocumentSource.of(source)
    info = service.probe(src, password=password)
    if not info.pages:
        raise DocumentError(f"{info.name}: no pages to read")
    pages = [PagePlan(p.index + 1, p.width, p.height, plan_image(p.width, p.height, params))
             for p in info.pages]
    return DocumentPlan(str(source), pages, tuple(info.notes))
