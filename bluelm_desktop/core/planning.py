"""A document's pages, planned once and rendered once: pages → what each sends → tiles.

One path for every caller: `bluelm-desktop plan` and the document panel show a plan
before anything runs (`plan_document`: probing the file and reading its text layer,
nothing rendered); the app, `ask` and `batch` then render each planned page at exactly
the size its tiles need and cut it (`render_pages`, or both at once with
`prepare_pages`). Each page is planned from its pixel size (a PDF page at the service's
planning DPI, default 200).

Text layer first: a PDF page whose text layer holds its words goes to the model as that
text (`text_layer.layout_text`), not as tiles — exact, and tens of times fewer
positions. The plan predicts it from the words; the render confirms it against the ink
(`text_layer.ink_coverage`): a page with ink its words do not explain (a stamp, a
signature) sends its tiles as well. Scanned pages and images go as tiles.

A document budget: given the positions the context has for documents, the plan fits
them before any work: tile pages share what the text pages leave (down to one tile each),
then pages are left out from the end, each step said in the plan's notes. Never an error
after minutes of encoding.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from rank_bm25 import BM25Okapi

from bluelm_desktop.core.documents import DocumentInfo, DocumentService, DocumentSource
from bluelm_desktop.core.documents.model import SourceLike, TextSpan
from bluelm_desktop.core.documents.text_layer import (
    MIN_WORDS,
    TEXT_COVERAGE,
    estimate_tokens,
    ink_coverage,
    layout_text,
    scaled,
)
from bluelm_desktop.core.engine.engine import Engine
from bluelm_desktop.core.engine.prompt import ImageLayout
from bluelm_desktop.core.errors import DocumentError, Line, msg
from bluelm_desktop.core.vision.tiling import TilePlan, TilingParams, cut_tiles, plan_image

Counter = Callable[[str], int]  # text → its tokens (`engine.vocab.TokenCounter`)
QUESTION_RESERVE: Final = 256  # positions kept for the question and the template's markers


def document_budget(n_ctx: int, max_tokens: int) -> int:
    """Positions one question's documents may take: the context less room for the answer
    and the question. The answer is given `max_tokens`, but at most a quarter of the
    context (an answer set to "as long as it likes" would otherwise leave documents
    nothing; it still runs until the context is full). Never below one tile's worth."""
    return max(n_ctx - min(max_tokens, n_ctx // 4) - QUESTION_RESERVE, 256)


# How a page goes to the model.
TILES: Final = "tiles"  # its pixels, cut into tiles (an image, a scanned page)
TEXT: Final = "text"  # its text layer alone (a born-digital page)
BOTH: Final = "text+tiles"  # its text layer and its tiles (ink the words do not explain)
SKIPPED: Final = "skipped"  # left out: the context has no room for it


@dataclass(frozen=True)
class PagePlan:
    page: int  # 1-based, as people count pages
    width: int
    height: int
    plan: TilePlan
    mode: str = TILES
    text: str = ""  # the text layer as the prompt has it, headed (modes TEXT and BOTH)
    words: tuple[TextSpan, ...] = ()  # the text layer, boxes in this width × height
    tokens: int = 0  # the text's positions: counted by the model's tokenizer, or estimated
    chosen: bool = False  # the mode is the user's (the render's ink check leaves it be)

    @property
    def sends_tiles(self) -> bool:
        return self.mode in (TILES, BOTH)

    @property
    def sends_text(self) -> bool:
        return self.mode in (TEXT, BOTH)

    @property
    def text_tokens(self) -> int:
        """The text's positions, if the text goes."""
        return self.tokens if self.sends_text else 0

    @property
    def positions(self) -> int:
        """Context positions the page takes: its text and its tiles, as it goes."""
        return self.text_tokens + (self.plan.image_tokens if self.sends_tiles else 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "width": self.width,
            "height": self.height,
            "mode": self.mode,
            "grid": [self.plan.grid.cols, self.plan.grid.rows],
            "tiles": self.plan.tiles if self.sends_tiles else 0,
            "thumbnail": self.plan.thumbnail and self.sends_tiles,
            "image_tokens": self.plan.image_tokens if self.sends_tiles else 0,
            "text_tokens": self.text_tokens,
        }


@dataclass(frozen=True)
class DocumentPlan:
    file: str  # the name people know it by (a path as given, or the source's name)
    pages: list[PagePlan]
    notes: tuple[Line, ...] = ()  # what probing noticed (DocumentInfo.notes)
    info: DocumentInfo | None = None  # what probing learnt (its hash keys the encodings)

    budget: int | None = None  # context positions the document may take (None: no limit)
    fit_notes: tuple[Line, ...] = ()  # what fitting the budget took, in words
    params: TilingParams | None = None  # the tiling it was planned with

    @property
    def all_notes(self) -> tuple[Line, ...]:
        return (*self.notes, *self.fit_notes)

    @property
    def image_tokens(self) -> int:
        return sum(p.plan.image_tokens for p in self.pages if p.sends_tiles)

    @property
    def positions(self) -> int:
        return sum(p.positions for p in self.pages)

    def replanned(self, params: TilingParams) -> DocumentPlan:
        """The same pages under other tiling (the switch flipped): arithmetic only."""
        pages = [dataclasses.replace(p, plan=plan_image(p.width, p.height, params),
                                     mode=_unskipped(p)) for p in self.pages]
        fitted, notes = fit_to_budget(pages, params, self.budget)
        return dataclasses.replace(self, pages=fitted, fit_notes=notes, params=params)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "ok": True,
                               "pages": [p.to_json() for p in self.pages]}
        if self.all_notes:
            out["notes"] = [str(note) for note in self.all_notes]  # (English)
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
    text: str = ""  # the page's text layer, when it goes as text (then maybe no tiles)
    text_tokens: int = 0  # its positions (PagePlan.tokens)
    words: tuple[TextSpan, ...] = ()  # its text layer, boxes in the pixels of `pixels`
    mode: str = TILES  # how the page goes (PagePlan.mode, as the render confirmed it)

    def without_tiles(self) -> PreparedImage:
        """This page once its tiles went to the engine: what the interface keeps."""
        return dataclasses.replace(self, tiles=[])

    @property
    def sends_tiles(self) -> bool:
        return self.mode in (TILES, BOTH)

    @property
    def text_id(self) -> str:
        """The engine's id for the page's text (its tiles have `image_id`)."""
        return f"{self.image_id}#text"

    @property
    def page_ids(self) -> list[str]:
        """The engine ids of what the page sends, in prompt order: text, then tiles."""
        return [*([self.text_id] if self.text else []),
                *([self.image_id] if self.sends_tiles else [])]

    @property
    def ready_id(self) -> str:
        """The id whose `ImageReady` says the whole page is ready (its last part)."""
        return self.page_ids[-1]

    @property
    def image_tokens(self) -> int:
        return self.layout.image_tokens if self.sends_tiles else 0

    @property
    def positions(self) -> int:
        """Context positions the page takes: its text and its tiles."""
        return self.text_tokens + self.image_tokens

    def submit_to(self, engine: Engine, conversation: str, first: bool) -> list[int]:
        """Hand the page to `engine` for the conversation's next question, text first;
        `first`: the first page of a drop (it replaces what was pending). The tiles must
        still be here (not `without_tiles`). Returns the request ids, in order."""
        ids = []
        if self.text:
            ids.append(engine.add_text(conversation, self.text_id, self.text, replace=first))
        if self.sends_tiles:
            ids.append(engine.encode_image(conversation, self.image_id, self.tiles,
                                           self.layout, replace=first and not self.text))
        return ids


def plan_document(service: DocumentService, source: SourceLike, params: TilingParams,
                  password: str | None = None, budget: int | None = None,
                  text_first: bool = True, count_tokens: Counter | None = None,
                  question: str = "", modes: Mapping[int, str] | None = None,
                  vision: bool = True) -> DocumentPlan:
    """Probe a document, read its text layer, plan every usable page to fit `budget`
    positions (None: no limit). `count_tokens`: the model's tokenizer (`TokenCounter`);
    without it a text's positions are estimated high. `question`: what the pages are
    for, to choose those to keep when not all fit. `modes`: the user's choice per page
    (1-based → TEXT, TILES or BOTH; TEXT and BOTH only where the page has a text layer).
    `vision=False` (a model without a projector): pages go as their text layer or not at
    all. Raises DocumentError (one line), also when a text-only model has nothing to read."""
    src = DocumentSource.of(source)
    info = service.probe(src, password=password)
    if not info.pages:
        raise DocumentError(msg("{name}: no pages to read"), name=info.name)
    pages = []
    for p in info.pages:
        page = PagePlan(p.index + 1, p.width, p.height, plan_image(p.width, p.height, params))
        if text_first and info.has_text_layer:
            words = tuple(service.text(src, p.index, (p.width, p.height), password=password))
            page = dataclasses.replace(page, words=words)  # (where answers are found)
            if sum(1 for w in words if w.text.strip()) >= MIN_WORDS:
                text = _page_text(info.name, p.index + 1, len(info.pages), layout_text(words))
                tokens = count_tokens(text) if count_tokens else estimate_tokens(text)
                page = dataclasses.replace(page, mode=TEXT, text=text, words=words,
                                           tokens=tokens)
        chosen = (modes or {}).get(page.page)
        if chosen == TILES or (chosen in (TEXT, BOTH) and page.text):
            page = dataclasses.replace(page, mode=chosen, chosen=True)
        if not vision:  # its text, kept as text (no ink check), or nothing
            page = dataclasses.replace(page, mode=TEXT if page.text else SKIPPED, chosen=True)
        pages.append(page)
    unread = [p.page for p in pages if p.mode == SKIPPED]
    if len(unread) == len(pages):
        raise DocumentError(msg("{name}: no text layer to read (a scan or a picture); this "
                                "model reads text only: choose one with a vision projector"),
                            name=info.name)
    fitted, notes = fit_to_budget([p for p in pages if p.mode != SKIPPED], params, budget,
                                  question)
    fitted = iter(fitted)
    pages = [p if p.mode == SKIPPED else next(fitted) for p in pages]
    if unread:
        notes = (Line.of(msg("{pages} left out: no text layer, and this model reads text only"),
                         pages=_page_list(unread)), *notes)
    return DocumentPlan(_label(source), pages, tuple(info.notes), info, budget, notes, params)


def fit_to_budget(pages: list[PagePlan], params: TilingParams, budget: int | None,
                  question: str = "") -> tuple[list[PagePlan], tuple[Line, ...]]:
    """The pages made to fit `budget` positions, and what that took, in words.

    First the tile pages share what the text pages leave, each down to one tile; then
    pages are left out: those that match `question` least (Okapi BM25 on their text
    layers), or without a question, or among pages with no text, from the end."""
    if budget is None or sum(p.positions for p in pages) <= budget:
        return pages, ()
    notes: list[Line] = []
    tiled = {i for i, p in enumerate(pages) if p.sends_tiles and params.can_shrink}
    if tiled:
        left = budget - sum(p.text_tokens for p in pages) - sum(
            p.plan.image_tokens for i, p in enumerate(pages) if p.sends_tiles and i not in tiled)
        share = max(left // len(tiled), 1)
        cap = min(share, params.max_image_tokens or share)
        smaller = dataclasses.replace(params, max_image_tokens=cap)
        pages = [dataclasses.replace(p, plan=plan_image(p.width, p.height, smaller))
                 if i in tiled else p for i, p in enumerate(pages)]
        notes.append(Line.of(msg("pages read at lower detail to fit the context ({budget:,} "
                                 "positions for documents)"), budget=budget))
    order = _by_relevance(pages, question)  # the pages to keep first
    kept: set[int] = set()
    used = 0
    for i in order:
        if used + pages[i].positions > budget:
            break
        kept.add(i)
        used += pages[i].positions
    if len(kept) < len(pages):
        out = [p.page for i, p in enumerate(pages) if i not in kept]
        if question and any(p.text for p in pages):
            notes.append(Line.of(msg("{pages} left out: the context holds {budget:,} positions "
                                     "for documents (kept the pages that match the question "
                                     "best); a larger context in Settings reads more"),
                                 pages=_page_list(out), budget=budget))
        else:
            notes.append(Line.of(msg("{pages} left out: the context holds {budget:,} positions "
                                     "for documents; a larger context in Settings reads more"),
                                 pages=_page_list(out), budget=budget))
        pages = [p if i in kept else dataclasses.replace(p, mode=SKIPPED)
                 for i, p in enumerate(pages)]
    return pages, tuple(notes)


def _by_relevance(pages: list[PagePlan], question: str) -> list[int]:
    """Page indices, the ones to keep first: by BM25 score for `question` on the pages'
    text (ties and pages without text in document order)."""
    if not question.strip() or not any(p.text for p in pages):
        return list(range(len(pages)))
    corpus = [_terms(p.text) for p in pages]
    query = _terms(question)
    if not query or not any(corpus):
        return list(range(len(pages)))
    scores = BM25Okapi([doc or ["\0"] for doc in corpus]).get_scores(query)
    return sorted(range(len(pages)), key=lambda i: (-float(scores[i]), i))


def _terms(text: str) -> list[str]:
    return [t for t in re.findall(r"\w+", text.lower()) if len(t) > 1 or t.isdigit()]


def _page_list(numbers: list[int]) -> Line:
    """[4, 5, 6, 9] → 'pages 4–6, 9'; [7] → 'page 7'."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    if len(numbers) == 1:
        return Line.of(msg("page {pages}"), pages=parts[0])
    return Line.of(msg("pages {pages}"), pages=", ".join(parts))


def _unskipped(page: PagePlan) -> str:
    """A page's mode before any budget (a re-plan starts from there)."""
    if page.mode != SKIPPED:
        return page.mode
    return TEXT if page.text else TILES


def render_pages(service: DocumentService, source: SourceLike, plan: DocumentPlan,
                 password: str | None = None) -> Iterator[PreparedImage]:
    """Render each planned page once, at the size its tiles need, and cut it.

    A generator, so the app can hand page 1 to the encoder while page 2 renders.
    """
    src = DocumentSource.of(source)
    assert plan.info is not None, "a plan from plan_document"
    room = None if plan.budget is None else plan.budget - plan.positions
    for page in plan.pages:
        if page.mode == SKIPPED:
            continue
        index = page.page - 1
        pixels = service.render(src, index, target_size=page.plan.scaled_size,
                                password=password)
        h, w = pixels.shape[:2]
        mode = page.mode
        # The page was rendered at the plan's scaled size: cut it as a w×h source.
        tiles_plan = dataclasses.replace(page.plan, source_size=(w, h), scaled_size=(w, h))
        one_tile = page.plan.tokens_per_tile
        if mode == TEXT and not page.chosen and (room is None or room >= one_tile) and ink_coverage(
                pixels, scaled(page.words, w / page.width, h / page.height)) < TEXT_COVERAGE:
            # Ink the text layer does not explain: its tiles too, as many as there is room
            # for (a smaller grid, the pixels scaled down to it).
            mode = BOTH
            if room is not None and room < page.plan.image_tokens and plan.params:
                capped = dataclasses.replace(plan.params, max_image_tokens=room)
                tiles_plan = dataclasses.replace(plan_image(w, h, capped), source_size=(w, h))
            room = None if room is None else room - tiles_plan.image_tokens
        tiles = ([t.pixels for t in cut_tiles(pixels, tiles_plan)]
                 if mode in (TILES, BOTH) else [])
        grid = tiles_plan.grid
        image_id = f"{plan.info.content_hash}:p{index}:{grid}:{tiles_plan.tile_size}"
        text = page.text if mode in (TEXT, BOTH) else ""
        yield PreparedImage(image_id, f"{plan.file} p{page.page}", tiles,
                            ImageLayout(grid.cols, grid.rows, tiles_plan.thumbnail,
                                        tiles_plan.tokens_per_tile),
                            document=plan.file, page=index, page_count=len(plan.pages),
                            pixels=pixels, text=text, text_tokens=page.tokens if text else 0,
                            mode=mode,
                            words=tuple(scaled(page.words, w / page.width, h / page.height)))


def _page_text(document: str, page: int, pages: int, text: str) -> str:
    """A page's text as the prompt holds it: headed with where it comes from, so the model
    can say which page an answer is on."""
    where = f"{document}, page {page} of {pages}" if pages > 1 else document
    return f"[{where} — text layer]\n{text}"


def prepare_pages(service: DocumentService, source: SourceLike, params: TilingParams,
                  password: str | None = None, budget: int | None = None
                  ) -> Iterator[PreparedImage]:
    """`plan_document`, then `render_pages`: the pages of one document (a file, a paste,
    a screen capture), one at a time."""
    plan = plan_document(service, source, params, password, budget)
    yield from render_pages(service, source, plan, password)


def _label(source: SourceLike) -> str:
    return source.name if isinstance(source, DocumentSource) else str(source)
