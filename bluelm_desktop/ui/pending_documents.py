"""What the next question will be about: the documents of one drop (or paste, or capture)
while they are read and encoded, page by page, and the progress line the user waits on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from bluelm_desktop.core.documents import DocumentSource
from bluelm_desktop.core.documents.model import TextSpan

if TYPE_CHECKING:  # the history is optional (the app runs without it)
    from bluelm_desktop.core.history import Attachment


@dataclass
class PendingPage:
    """One page handed to the engine for the next question."""

    image_id: str
    name: str
    tiles: int
    done: int = 0
    ready: bool = False


@dataclass
class PendingDocuments:
    """What the next question will be about: one drop, paste or capture."""

    ticket: int
    sources: tuple[DocumentSource, ...]
    pages: list[PendingPage] = field(default_factory=list)
    page_counts: dict[str, int] = field(default_factory=dict)  # document → its pages
    reading: bool = True  # the documents thread is still reading or tiling
    attachments: list[Attachment] = field(default_factory=list)
    left_out: bool = False  # pages that did not fit the context were left out
    # (document, page 1-based) → its text layer, boxes in 0..1 of the page: where an
    # answer's values are looked for
    words: dict[tuple[str, int], tuple[TextSpan, ...]] = field(default_factory=dict)
    question: str = ""  # the question the pages were chosen for ("" : none yet)
    # document name → page (1-based) → how the user chose to send it (planning.TEXT, ...)
    modes: dict[str, dict[int, str]] = field(default_factory=dict)
    # The engine holds these documents in the conversation's context already (an earlier
    # question sent them): a follow-up sees them without reading them again.
    in_context: bool = False
    # The conversation's documents from an earlier question, read again (after a restart
    # or another model): a follow-up sees them, it does not attach them anew.
    carried: bool = False

    @property
    def follows_up(self) -> bool:
        """A question sent now sees documents an earlier question saw (not a new drop)."""
        return self.in_context or self.carried

    @property
    def stored(self) -> bool:
        """The conversation's documents taken back from the history's copies, not read
        yet (ticket 0: no batch reads them until a model that reads images is loaded)."""
        return self.ticket == 0 and not self.in_context

    def sees_text(self) -> str:
        """"invoice.pdf (2 pages), scan.png": what a question sent now would see."""
        return sees_text(self.names, self.page_counts)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]

    @property
    def ready(self) -> bool:
        return not self.reading and all(p.ready for p in self.pages)

    @property
    def total_pages(self) -> int:
        known = sum(self.page_counts.values())
        unknown = len(self.sources) - len(self.page_counts)
        return max(known + unknown, len(self.pages), 1)

    def progress_text(self, in_sentence: bool = False) -> str:
        """"Reading page 2 of 3 (tile 4 of 9)" — what the user is waiting for; with
        `in_sentence`, as it reads after a dash ("invoice.png — reading page 2 of 3")."""
        done = sum(1 for p in self.pages if p.ready)
        current = next((p for p in self.pages if not p.ready), None)
        total = self.total_pages
        if current is None and not self.reading:
            return (QCoreApplication.translate("ChatController", "ready") if in_sentence
                    else QCoreApplication.translate("ChatController", "Ready"))
        page = min(done + 1, total)
        if current is None or current.tiles == 0:  # (a text page: no tiles to count)
            template = (QCoreApplication.translate("ChatController",
                                                   "reading page {page} of {total}")
                        if in_sentence else
                        QCoreApplication.translate("ChatController",
                                                   "Reading page {page} of {total}"))
            return template.format(page=page, total=total)
        template = (QCoreApplication.translate(
                        "ChatController",
                        "reading page {page} of {total} (tile {done} of {tiles})")
                    if in_sentence else
                    QCoreApplication.translate(
                        "ChatController",
                        "Reading page {page} of {total} (tile {done} of {tiles})"))
        return template.format(page=page, total=total, done=current.done, tiles=current.tiles)


def sees_text(names: Sequence[str], page_counts: Mapping[str, int]) -> str:
    """"invoice.pdf (2 pages), scan.png": documents with their page counts where known."""
    parts = []
    for name in names:
        pages = page_counts.get(name)
        if not pages:  # (not read yet in this run: the count is not known)
            parts.append(name)
        elif pages == 1:
            parts.append(QCoreApplication.translate(
                "ChatController", "{name} (1 page)").format(name=name))
        else:
            parts.append(QCoreApplication.translate(
                "ChatController", "{name} ({pages} pages)").format(name=name, pages=pages))
    return ", ".join(parts)
