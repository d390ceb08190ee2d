"""Contract terms: the schema's answer read back, clause pages checked against the text
layer, CSV / JSON export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.tasks import quick_action
from bluelm_desktop.core.tasks.contract import (
    CONTRACT_SCHEMA,
    CSV_COLUMNS,
    Clause,
    Contract,
    contract_to_csv,
    contract_to_json,
    parse_contract,
    verify_clause_pages,
)
from bluelm_desktop.core.tasks.invoice import longest_answer_bytes

ANSWER = json.dumps({
    "title": "Services Agreement",
    "parties": "Northwind Lighting Co. (Supplier); Bluefield Architecture LLC (Client)",
    "effective_date": "2024-03-01", "term": "24 months", "renewal": "12 months, automatic",
    "notice_period": "90 days", "amounts": "USD 4,850.00 a month",
    "governing_law": "State of Washington", "signatories": "Dana Whitfield; Omar Reyes",
    "clauses": [{"title": "Notice period", "page": "3", "summary": "90 days' notice."},
                {"title": "Governing law", "page": "9", "summary": "Washington."},
                {"title": "Force majeure", "page": "2", "summary": "Invented."}],
})


def words(text: str) -> list[TextSpan]:
    return [TextSpan(w, (10.0 * i, 0, 10.0 * i + 9, 10)) for i, w in enumerate(text.split())]


def test_the_answer_is_read_into_terms_and_clauses() -> None:
    contract = parse_contract(ANSWER)
    assert contract.problems == []
    assert contract.effective_date == dt.date(2024, 3, 1)
    assert contract.notice_period == "90 days"
    assert [(c.title, c.page) for c in contract.clauses] == [
        ("Notice period", 3), ("Governing law", 9), ("Force majeure", 2)]
    assert parse_contract(contract_to_json(contract)) == contract  # JSON reads back


def test_clause_pages_are_checked_against_the_text_layer() -> None:
    contract = parse_contract(ANSWER)
    pages = {("contract.pdf", 4): words("4. Notice period Either party may terminate"),
             ("contract.pdf", 9): words("9. Governing law This Agreement is governed")}
    verify_clause_pages(contract, pages)
    notice, law, invented = contract.clauses
    assert (notice.page, notice.verified) == (4, True)  # the model said 3: it is on 4
    assert (law.page, law.verified) == (9, True)
    assert (invented.page, invented.verified) == (2, False)  # printed nowhere


def test_a_broken_answer_keeps_what_was_complete() -> None:
    contract = parse_contract(ANSWER[:200])
    assert contract.title == "Services Agreement" and contract.problems
    assert parse_contract("no JSON here").problems


def test_csv_has_a_row_per_clause_and_guards_formulas() -> None:
    contract = Contract(title="=HYPERLINK(1)", clauses=[Clause("Term", 2, "24 months"),
                                                        Clause("Fees", None, None)])
    rows = list(csv.reader(io.StringIO(contract_to_csv(contract))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 3
    assert rows[1][0] == "'=HYPERLINK(1)"
    assert rows[1][-3:] == ["Term", "2", "24 months"] and rows[2][-2:] == ["", ""]


def test_the_quick_action_constrains_a_bounded_answer() -> None:
    action = quick_action("extract-contract")
    assert action.returns_contract and action.needs_image
    params = action.sampling_params()
    assert params.json_schema == CONTRACT_SCHEMA and params.temperature == 0.0
    assert longest_answer_bytes(CONTRACT_SCHEMA) > 0  # the grammar's answer is bounded
    assert "clauses" in action.prompt()
