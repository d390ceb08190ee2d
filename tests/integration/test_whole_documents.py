"""Whole documents: a born-digital page goes as its text layer, a scan as tiles, a signed
page as both; a document is fitted to the context before any work, so the default
context never overflows; the text reaches the prompt and is prefilled before Enter.

The documents are generated (tests/contract_docs.py): a 10-page born-digital contract
with a known clause on each page, the same pages scanned, and the contract signed and
stamped on its last page. The engine runs the tiny synthetic model: its answers are
noise, so the tests look at what the model was given, never at what it said.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bluelm_desktop.core.assistant import ask, prepare_images
from bluelm_desktop.core.documents import DocumentService
from bluelm_desktop.core.documents.text_layer import estimate_tokens
from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import Done, EngineSettings, ImageReady
from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel
from bluelm_desktop.core.engine.prompt import ChatTemplate, profile_for
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.engine.session import ChatSession, KvCache, Message, PageText
from bluelm_desktop.core.engine.vocab import TokenCounter
from bluelm_desktop.core.errors import DocumentError
from bluelm_desktop.core.planning import (
    BOTH,
    SKIPPED,
    TEXT,
    TILES,
    document_budget,
    plan_document,
    render_pages,
)
from bluelm_desktop.core.tasks.grounding import cited_pages, ground
from bluelm_desktop.core.vision.tiling import TilingParams
from model_convert import constants as C
from tests.contract_docs import CLAUSES, contract_pdf, scanned_pdf, signed_pdf

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
DEFAULT_BUDGET = document_budget(EngineSettings().n_ctx, SamplingParams().max_tokens)
FINE = TilingParams()  # the tiler's defaults: no token cap


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("whole-documents")
    contract = contract_pdf(root / "contract.pdf", filler_sentences=2)
    return {"contract": contract,
            "scan": scanned_pdf(contract, root / "contract-scan.pdf"),
            "signed": signed_pdf(contract, root / "contract-signed.pdf", page=10)}


@pytest.fixture(scope="module")
def service() -> Iterator[DocumentService]:
    with DocumentService() as s:
        yield s


@pytest.fixture(scope="module")
def count(tiny_models) -> Iterator[TokenCounter]:
    """The tiny model's tokenizer (1.9 characters a token: denser than real ones)."""
    with TokenCounter(tiny_models(C.LAYOUT_BLUELM, "f16", "f16").llm) as counter:
        yield counter


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_born_digital_contract_goes_as_its_text(documents, service, count) -> None:
    plan = plan_document(service, documents["contract"], FINE, budget=DEFAULT_BUDGET,
                         count_tokens=count)
    assert [p.mode for p in plan.pages] == [TEXT] * 10
    assert plan.positions <= DEFAULT_BUDGET and not plan.fit_notes
    assert all(p.tokens == count(p.text) for p in plan.pages)  # counted, not estimated
    for page in plan.pages:
        title, sentence = CLAUSES[page.page]
        assert f"{page.page}. {title}" in page.text
        assert words(f"{page.page}.1 {sentence}") in words(page.text)
    prepared = list(render_pages(service, documents["contract"], plan))
    assert all(not p.tiles and p.mode == TEXT for p in prepared)
    assert prepared[3].text.startswith("[contract.pdf, page 4 of 10 — text layer]\n")
    # tens of times fewer positions than the same pages as tiles at fine print
    tiled = sum(p.plan.image_tokens for p in plan.pages)
    assert tiled > 10 * plan.positions


def test_a_scan_goes_as_tiles_fitted_to_the_budget(documents, service) -> None:
    unlimited = plan_document(service, documents["scan"], FINE)
    assert [p.mode for p in unlimited.pages] == [TILES] * 10
    assert unlimited.positions > DEFAULT_BUDGET  # 10 pages at fine print do not fit

    plan = plan_document(service, documents["scan"], FINE, budget=DEFAULT_BUDGET)
    assert plan.positions <= DEFAULT_BUDGET
    assert plan.fit_notes and "lower detail" in str(plan.fit_notes[0])
    assert all(p.mode in (TILES, SKIPPED) for p in plan.pages)
    assert plan.pages[0].mode == TILES  # pages are left out from the end, never the first


def test_a_tiny_budget_leaves_pages_out_and_says_which(documents, service) -> None:
    budget = 3 * 196  # three one-tile pages of the tiler's default tile
    plan = plan_document(service, documents["scan"], FINE, budget=budget)
    assert plan.positions <= budget
    kept = [p.page for p in plan.pages if p.mode != SKIPPED]
    assert kept == [1, 2, 3]
    assert any("pages 4–10 left out" in str(n) for n in plan.fit_notes)
    prepared = list(render_pages(service, documents["scan"], plan))
    assert [p.page for p in prepared] == [0, 1, 2]


def test_the_question_picks_the_pages_that_do_not_all_fit(documents, service, count) -> None:
    full = plan_document(service, documents["contract"], FINE, count_tokens=count)
    budget = sum(p.positions for p in full.pages[:3])  # room for about three pages
    question = "Which law governs the agreement, and which state?"
    plan = plan_document(service, documents["contract"], FINE, budget=budget,
                         count_tokens=count, question=question)
    kept = [p.page for p in plan.pages if p.mode != SKIPPED]
    assert 9 in kept, kept  # "9. Governing law … the State of Washington"
    assert plan.positions <= budget
    assert "kept the pages that match the question best" in str(plan.fit_notes[-1])
    # without a question: the first pages
    first = plan_document(service, documents["contract"], FINE, budget=budget,
                          count_tokens=count)
    assert [p.page for p in first.pages if p.mode != SKIPPED] == [1, 2, 3]


def test_answers_cite_their_pages_and_the_boxes_hold_the_ink(documents, service) -> None:
    """Injected answers (the tiny model's are noise): the values they name are found on
    the pages that print them, and each box covers printed ink on the page's render."""
    plan = plan_document(service, documents["contract"], FINE)
    pages = list(render_pages(service, documents["contract"], plan))
    words = {(p.document, p.page + 1): p.words for p in pages}
    answer = ("Either party may terminate with ninety (90) days' notice; the monthly fee "
              "is USD 4,850.00, and the laws of the State of Washington govern it.")
    found = ground(answer, words)
    assert [page for _, page in cited_pages(found)] == [4, 5, 9]
    fee = next(f for f in found if f.value == "4,850.00")
    [box] = fee.boxes
    [word] = [w for w in pages[4].words if w.bbox == box]
    assert word.text.startswith("4,850.00")
    x0, y0, x1, y1 = (round(v) for v in box)
    ink = pages[4].pixels[y0:y1, x0:x1].mean(axis=2) < 160
    assert ink.mean() > 0.05  # the highlight lands on the printed amount
    assert ground("The fee is USD 9,999.00.", words) == []  # invented: cited nowhere


def test_the_user_s_choice_of_how_a_page_goes_is_kept(documents, service) -> None:
    plan = plan_document(service, documents["signed"], FINE, modes={2: TILES, 10: TEXT})
    assert [p.mode for p in plan.pages][:3] == [TEXT, TILES, TEXT]
    prepared = list(render_pages(service, documents["signed"], plan))
    assert prepared[1].sends_tiles and not prepared[1].text
    assert prepared[9].mode == TEXT  # the user's "text" wins over the ink check
    scan = plan_document(service, documents["scan"], FINE, modes={1: TEXT})
    assert scan.pages[0].mode == TILES  # no text layer to send


def test_a_signed_page_sends_its_tiles_too(documents, service, count) -> None:
    plan = plan_document(service, documents["signed"], FINE, budget=DEFAULT_BUDGET,
                         count_tokens=count)
    assert [p.mode for p in plan.pages] == [TEXT] * 10  # predicted from the words
    prepared = list(render_pages(service, documents["signed"], plan))
    # the render found ink the words do not explain (signature, stamp) on page 10 only
    assert [p.mode for p in prepared] == [TEXT] * 9 + [BOTH]
    last = prepared[-1]
    assert last.tiles and last.text and last.page_ids == [last.text_id, last.image_id]
    assert sum(p.positions for p in prepared) <= DEFAULT_BUDGET


def test_the_bundled_invoice_goes_as_text(service) -> None:
    pdf = SAMPLES / "invoice.pdf"
    if not pdf.is_file():
        pytest.skip("resources/samples/invoice.pdf is missing (run make_samples.py)")
    plan = plan_document(service, pdf, FINE, budget=DEFAULT_BUDGET)
    assert [p.mode for p in plan.pages] == [TEXT, TEXT]
    assert "INV-2024-0417" in plan.pages[0].text
    # a table row stays one line, its cells apart
    assert any("Pendant light" in line and "$1,134.00" in line
               for line in plan.pages[0].text.splitlines())


def test_text_reaches_the_prompt(tiny_models) -> None:
    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    clause = "Either party may terminate the Agreement by giving ninety (90) days' notice."
    with LlamaModel(models.llm) as model:
        ctx = LlamaContext(model, n_ctx=1024, n_batch=256, n_threads=2)
        try:
            session = ChatSession(model, KvCache(ctx, n_chunk=64), ChatTemplate(None),
                                  profile_for("bluelm", {}))
            items = session.items_for([Message("user", "What is the notice period?",
                                               [PageText("p4", clause)])], True)
            assert all(isinstance(i, int) for i in items), "a text page is tokens only"
            text = b"".join(model.token_to_piece(i) for i in items).decode()
            assert clause in text
            assert text.index(clause) < text.index("What is the notice period?")
        finally:
            ctx.close()


def test_a_text_page_is_prefilled_before_enter(tiny_models) -> None:
    models = tiny_models(C.LAYOUT_BLUELM, "f16", "f16")
    page = "[contract.pdf, page 4 of 10 — text layer]\n" + CLAUSES[4][1] * 3
    greedy = SamplingParams(temperature=0.0, max_tokens=4, repeat_penalty=1.0)
    with EngineClient(EngineSettings(n_ctx=2048)) as client:
        turn = client.run(lambda e: [e.load(models.llm, models.mmproj),
                                     e.add_text("c", "p4#text", page)])
        assert turn.failure is None, turn.events
        ready = turn.of(ImageReady)[0]
        assert ready.tiles == 0 and ready.prefilled >= estimate_tokens(page) // 2
        turn = client.run(lambda e: [e.ask("c", "What is the notice period?",
                                           params=greedy)])
        done = turn.of(Done)[0]
        assert done.stats.reused_items >= ready.prefilled  # the page was in the KV cache
        assert done.stats.prefilled_positions < 40  # Enter costs only the question


@pytest.mark.parametrize("name", ["contract", "scan", "signed", "invoice"])
def test_the_default_context_never_overflows(name, documents, tiny_models) -> None:
    """`ask` with the app's defaults (4,096 positions, 512-token answers) on each
    document: answered, never "the conversation needs N positions"."""
    path = SAMPLES / "invoice.pdf" if name == "invoice" else documents[name]
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    models = tiny_models(C.LAYOUT_BLUELM, "q4_k_m", "q8_0")
    result = ask(models.llm, models.mmproj, [str(path)], "What is this about?",
                 SamplingParams(temperature=0.0, max_tokens=8, repeat_penalty=1.0),
                 EngineSettings(n_ctx=4096, n_batch=512))
    stats = result.stats
    assert stats["ctx"] == 4096 and stats["positions"] <= 4096
    expected_text = {"contract": 10, "scan": 0, "signed": 10, "invoice": 2}[name]
    assert stats["text_pages"] == expected_text
    assert stats["pages"] >= 1 and stats["decode_tokens"] >= 1
    assert isinstance(stats["cited_pages"], list)  # (the tiny model's answer is noise)


def test_documents_share_one_budget(documents, service) -> None:
    notes: list[str] = []
    budget = 1500
    images = prepare_images(service, [str(documents["scan"]), str(documents["contract"])],
                            FINE, budget=budget, notes=notes)
    assert sum(i.positions for i in images) <= budget
    assert notes and all(n.startswith(("contract-scan.pdf: ", "contract.pdf: "))
                         for n in notes)


def test_a_scan_fits_the_default_context_on_a_family_mtmd_slices(documents) -> None:
    """Qwen2.5-VL (mtmd lays its images out; a replica of a real converter's files): the
    budget counts mtmd's positions and hands the pages over smaller, so a 10-page scan is
    answered in the default context, never overflowing after minutes of work."""
    replica = Path(__file__).resolve().parents[1] / "fixtures" / "replicas" / "qwen25vl-tiny"
    result = ask(replica / "qwen25vl-tiny-llm.gguf", replica / "qwen25vl-tiny-mmproj.gguf",
                 [str(documents["scan"])], "What is the notice period?",
                 SamplingParams(temperature=0.0, max_tokens=4, repeat_penalty=1.0),
                 EngineSettings(n_ctx=4096, n_batch=512))
    stats = result.stats
    assert stats["positions"] <= 4096 and stats["image_pages"] >= 1
    assert stats["image_tokens"] > 500  # (mtmd's count, not one slice's estimate)


def test_a_model_without_vision_reads_the_text_layers(documents, tiny_models) -> None:
    """A text-only model (no projector): the born-digital contract is read by its text;
    the signed one too, its stamp unseen; a scan has nothing it can read: one line."""
    llm = tiny_models(C.LAYOUT_BLUELM, "f16", "f16").llm
    params = SamplingParams(temperature=0.0, max_tokens=4, repeat_penalty=1.0)
    for name in ("contract", "signed"):
        result = ask(llm, None, [str(documents[name])], "Who are the parties?", params,
                     EngineSettings(n_ctx=4096, n_batch=512))
        assert result.stats["text_pages"] == 10 and result.stats["image_pages"] == 0
        assert result.stats["positions"] <= 4096
    with pytest.raises(DocumentError, match=r"contract-scan.pdf: no text layer to read .* "
                       r"this model reads text only"):
        ask(llm, None, [str(documents["scan"])], "Who?", params)
