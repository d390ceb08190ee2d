"""Contract terms: the schema the model answers in, reading its answer, the clause list's
pages checked against the text layer, CSV / JSON export.

The terms a reader of a contract looks for first — who the parties are, when it starts,
how long it runs, how it renews, the notice period, the money, the governing law, who
signed — as text fields (contracts word them too variously for numbers), the start date
as a date; then the clauses with the page each is on. A clause's page is what the model
said, checked against the pages' text layers: where the clause's title is printed, that
page is kept as verified (`Clause.verified`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.errors import Line, msg
from bluelm_desktop.core.tasks.grounding import locate
from bluelm_desktop.core.tasks.invoice import (
    DATE_MAX_LENGTH,
    DATE_PATTERN,
    clean_text,
    guard_formula,
    key_label,
    read_answer_object,
    read_date,
)

CONTRACT_FIELDS: Final = ("title", "parties", "effective_date", "term", "renewal",
                          "notice_period", "amounts", "governing_law", "signatories")
CLAUSE_FIELDS: Final = ("title", "page", "summary")
MAX_TEXT: Final = 240  # characters of a term (parties with their roles, a summary)
MAX_CLAUSES: Final = 40
EXTRACT_CONTRACT_MAX_TOKENS: Final = 2048
CSV_COLUMNS: Final = (*CONTRACT_FIELDS, "clause", *CLAUSE_FIELDS)
# The schema's keys as a problem names them (see invoice.key_label): the English says the
# key, a translated interface the contract table's label.
_KEY_LABELS: Final = {
    "title": msg("title"), "parties": msg("parties"), "effective_date": msg("effective_date"),
    "term": msg("term"), "renewal": msg("renewal"), "notice_period": msg("notice_period"),
    "amounts": msg("amounts"), "governing_law": msg("governing_law"),
    "signatories": msg("signatories"), "clauses": msg("clauses"),
}


@dataclass
class Clause:
    title: str | None = None
    page: int | None = None  # 1-based, as the model said (or as found)
    summary: str | None = None
    verified: bool = field(default=False, compare=False)  # the title is printed there


@dataclass
class Contract:
    """A contract's terms; mutable because the table edits it in place."""

    title: str | None = None
    parties: str | None = None
    effective_date: dt.date | None = None
    term: str | None = None
    renewal: str | None = None
    notice_period: str | None = None
    amounts: str | None = None
    governing_law: str | None = None
    signatories: str | None = None
    clauses: list[Clause] = field(default_factory=list)
    problems: list[Line] = field(default_factory=list, compare=False)


def contract_schema(*, max_text: int = MAX_TEXT, max_clauses: int = MAX_CLAUSES
                    ) -> dict[str, Any]:
    """Every field required (null where the contract says nothing), so the key order is
    fixed and the model cannot stop early by leaving fields out."""
    text = {"anyOf": [{"type": "string", "maxLength": max_text}, {"type": "null"}]}
    date = {"anyOf": [{"type": "string", "pattern": DATE_PATTERN,
                       "maxLength": DATE_MAX_LENGTH}, {"type": "null"}]}
    page = {"anyOf": [{"type": "string", "pattern": "^[1-9][0-9]{0,3}$", "maxLength": 4},
                      {"type": "null"}]}
    clause = {"type": "object",
              "properties": {"title": text, "page": page, "summary": text},
              "required": list(CLAUSE_FIELDS), "additionalProperties": False}
    kinds = {name: (date if name == "effective_date" else text) for name in CONTRACT_FIELDS}
    return {"type": "object",
            "properties": {**kinds, "clauses": {"type": "array", "items": clause,
                                                "maxItems": max_clauses}},
            "required": [*CONTRACT_FIELDS, "clauses"], "additionalProperties": False}


CONTRACT_SCHEMA: Final = contract_schema()


def extract_contract_prompt(text: str = "", target: str | None = None) -> str:
    del target  # terms stay as written
    base = ("Extract the key terms of the contract as JSON with the keys title, parties "
            "(each party's name and role, separated by semicolons), effective_date "
            "(YYYY-MM-DD), term, renewal, notice_period, amounts (fees, caps and other sums, "
            "with their currency), governing_law, signatories (who signed, for which party) "
            "and clauses: one entry per numbered clause, with its title, the page it is on "
            "(the number from the page header) and a one-sentence summary. Use only what "
            "the contract says and write null for anything it does not state.")
    return f"{base}\n\n{text.strip()}" if text.strip() else base


def parse_contract(text: str) -> Contract:
    """The contract in a model's answer, as far as it can be read; never raises on it."""
    data, problems, complete = read_answer_object(text)
    contract = Contract(problems=problems)
    if data is None:
        return contract
    for name in CONTRACT_FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(Line.of(msg("{field}: not text"),
                                    field=key_label(name, _KEY_LABELS)))
            continue
        if name == "effective_date":
            try:
                contract.effective_date = read_date(value)
            except ValueError as e:
                problems.append(_bad_date(key_label(name, _KEY_LABELS), e))
        else:
            setattr(contract, name, clean_text(value))
    clauses = data.get("clauses")
    if clauses is not None and not isinstance(clauses, list):
        problems.append(Line.of(msg("{field}: not a list"),
                                field=key_label("clauses", _KEY_LABELS)))
        clauses = None
    for n, raw in enumerate(clauses or [], start=1):
        if not isinstance(raw, Mapping):
            problems.append(Line.of(msg("clause {n}: not an object"), n=n))
            continue
        page = raw.get("page")
        number = int(page) if isinstance(page, str) and page.isdigit() else None
        title, summary = raw.get("title"), raw.get("summary")
        contract.clauses.append(Clause(
            clean_text(title) if isinstance(title, str) else None, number,
            clean_text(summary) if isinstance(summary, str) else None))
    if complete:
        missing = [k for k in (*CONTRACT_FIELDS, "clauses") if k not in data]
        if missing:
            problems.append(Line.of(msg("missing {fields}"), fields=", ".join(missing)))
    return contract


def _bad_date(where: Line, why: ValueError) -> Line:
    """"effective_date: not a calendar date" (the value itself is not repeated)."""
    if str(why) == "not a calendar date":
        return Line.of(msg("{field}: not a calendar date"), field=where)
    if str(why) == "not a date written YYYY-MM-DD":
        return Line.of(msg("{field}: not a date written YYYY-MM-DD"), field=where)
    return Line.plain(f"{where}: {why}")  # a reason without its own template


def verify_clause_pages(contract: Contract,
                        pages: Mapping[tuple[str, int], Sequence[TextSpan]]) -> None:
    """Check each clause's page against the pages' text layers (document, page 1-based →
    words): where its title is printed, that page is the clause's, verified."""
    for clause in contract.clauses:
        clause.verified = False
        if not clause.title:
            continue
        printed = sorted(page for (_, page), words in pages.items()
                         if locate(clause.title, words))
        if printed:
            clause.page = clause.page if clause.page in printed else printed[0]
            clause.verified = True


def contract_to_dict(contract: Contract) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    if contract.effective_date is not None:
        out["effective_date"] = contract.effective_date.isoformat()
    out["clauses"] = [{"title": c.title, "page": str(c.page) if c.page else None,
                       "summary": c.summary} for c in contract.clauses]
    return out


def contract_to_json(contract: Contract) -> str:
    """Pretty UTF-8 JSON in the schema's shape, so `parse_contract` reads it back."""
    return json.dumps(contract_to_dict(contract), ensure_ascii=False, indent=2) + "\n"


def contract_to_csv(contract: Contract) -> str:
    """RFC 4180 CSV: one row per clause with the terms repeated (one row without clauses).
    Text that a spreadsheet would take for a formula is quoted (`csv_cell`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    head = [_cell(getattr(contract, name)) for name in CONTRACT_FIELDS]
    for n, clause in enumerate(contract.clauses or [None], start=1):
        if clause is None:
            writer.writerow([*head, "", "", "", ""])
            continue
        writer.writerow([*head, n, _cell(clause.title), clause.page if clause.page else "",
                         _cell(clause.summary)])
    return out.getvalue()


def _cell(value: object) -> str:
    """A CSV cell: dates YYYY-MM-DD; text guarded against spreadsheet formulas."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return guard_formula(str(value))

