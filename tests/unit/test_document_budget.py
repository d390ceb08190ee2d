"""The document budget (planning.fit_to_budget), a pure function: whatever the pages, the
plan fits, says what it did, and keeps the pages a question is about."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bluelm_desktop.core.planning import (
    SKIPPED,
    TEXT,
    TILES,
    PagePlan,
    document_budget,
    fit_to_budget,
)
from bluelm_desktop.core.vision.tiling import TilingParams, plan_image

PARAMS = TilingParams()


def page(number: int, text_tokens: int | None, size: tuple[int, int] = (1240, 1755),
         text: str = "") -> PagePlan:
    plan = plan_image(*size, PARAMS)
    if text_tokens is None:
        return PagePlan(number, *size, plan)
    return PagePlan(number, *size, plan, mode=TEXT, text=text or f"page {number}",
                    tokens=text_tokens)


pages_strategy = st.lists(
    st.one_of(st.none(), st.integers(1, 3000)), min_size=1, max_size=12
).map(lambda kinds: [page(i + 1, k) for i, k in enumerate(kinds)])


@given(pages_strategy, st.integers(0, 40_000))
def test_the_plan_fits_and_says_so(pages: list[PagePlan], budget: int) -> None:
    fitted, notes = fit_to_budget(pages, PARAMS, budget)
    assert len(fitted) == len(pages)
    assert sum(p.positions for p in fitted) <= budget
    assert all(p.mode in (TEXT, TILES, SKIPPED) for p in fitted)
    if sum(p.positions for p in pages) <= budget:
        assert fitted == pages and notes == ()
    else:
        assert notes
    skipped = [p.mode == SKIPPED for p in fitted]
    assert skipped == sorted(skipped), "without a question, pages are left out from the end"
    if any(skipped):
        assert any(" left out" in str(n) for n in notes)


@given(st.integers(512, 131_072), st.integers(1, 131_072))
def test_the_budget_leaves_room_for_the_answer_and_the_question(n_ctx: int,
                                                                  max_tokens: int) -> None:
    budget = document_budget(n_ctx, max_tokens)
    assert 256 <= budget <= n_ctx
    assert budget >= n_ctx - n_ctx // 4 - 256  # an answer takes at most a quarter


def test_a_question_keeps_the_pages_it_is_about() -> None:
    pages = [page(1, 100, text="parties and definitions"),
             page(2, 100, text="fees payable monthly"),
             page(3, 100, text="governing law: the State of Washington"),
             page(4, 100, text="signatures")]
    fitted, notes = fit_to_budget(pages, PARAMS, 200, question="Which law governs it?")
    assert [p.page for p in fitted if p.mode != SKIPPED] == [1, 3]
    assert "pages 2, 4 left out" in str(notes[-1]) and "match the question" in str(notes[-1])
