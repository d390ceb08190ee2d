"""The document panel's page strip: the document's pages, their plans as tooltips and,
as each page arrives, its thumbnail."""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QIcon, QPixmap

from bluelm_desktop.core.planning import PagePlan
from bluelm_desktop.ui.document_words import grid_words

AnyIndex = QModelIndex | QPersistentModelIndex

THUMB_HEIGHT: Final = 88  # px: the strip's page thumbnails


def thumb_size(width: int, height: int) -> tuple[int, int]:
    """A strip thumbnail: fixed height so the strip is even, width capped for panoramas."""
    w = max(1, round(width * THUMB_HEIGHT / height))
    return min(w, 2 * THUMB_HEIGHT), THUMB_HEIGHT


class PageListModel(QAbstractListModel):
    """The document's pages for the strip: their plans and, as they arrive, thumbnails."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pages: list[PagePlan] = []
        self._thumbs: dict[int, QPixmap] = {}
        self._blank: dict[tuple[int, int], QPixmap] = {}

    def set_pages(self, pages: list[PagePlan], keep_thumbnails: bool = False) -> None:
        self.beginResetModel()
        self._pages = list(pages)
        if not keep_thumbnails:
            self._thumbs.clear()
        self.endResetModel()

    def pages(self) -> list[PagePlan]:
        return list(self._pages)

    def has_thumbnail(self, row: int) -> bool:
        return row in self._thumbs

    def set_thumbnail(self, row: int, pixmap: QPixmap) -> None:
        if 0 <= row < len(self._pages):
            self._thumbs[row] = pixmap
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._pages)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._pages):
            return None
        page = self._pages[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(page.page)
        if role == Qt.ItemDataRole.AccessibleTextRole:  # a screen reader says more than "2"
            return self.tr("Page {page}").format(page=page.page)
        if role == Qt.ItemDataRole.DecorationRole:
            pixmap = self._thumbs.get(index.row()) or self._blank_page(page)
            # The same pixmap for the selected state: Qt would tint it with the highlight
            # colour, and a coloured page reads as "encoded" next to the overlay's tint.
            icon = QIcon(pixmap)
            icon.addPixmap(pixmap, QIcon.Mode.Selected)
            return icon
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            plan = page.plan
            if plan.whole_image:
                return self.tr("Page {page}: {width} × {height} px · whole, the model cuts "
                               "its own tiles").format(page=page.page, width=page.width,
                                                       height=page.height)
            return self.tr("Page {page}: {width} × {height} px · {grid} · {tiles} tiles · "
                           "{tokens} image tokens").format(
                page=page.page, width=page.width, height=page.height, grid=grid_words(plan),
                tiles=plan.tiles, tokens=f"{plan.image_tokens:,}")
        return None

    def _blank_page(self, page: PagePlan) -> QPixmap:
        """A white sheet the size the thumbnail will have, so the strip does not jump."""
        size = thumb_size(page.width, page.height)
        if size not in self._blank:
            pixmap = QPixmap(*size)
            pixmap.fill(QColor("white"))
            self._blank[size] = pixmap
        return self._blank[size]


