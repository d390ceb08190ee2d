"""Invoice fields: schema bounds, reading model answers (whole, cut off, garbled), totals
checks in exact decimals, CSV/JSON round trips; and the quick actions' prompts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bluelm_desktop.core.engine.sampling import SamplingParams, json_schema_to_grammar
from bluelm_desktop.core.errors import BlueLMError, Line
from bluelm_desktop.core.tasks import (
    ACTION_IDS,
    CSV_COLUMNS,
    CSV_ENCODING,
    INVOICE_SCHEMA,
    LANGUAGES,
    QUICK_ACTIONS,
    Invoice,
    LineItem,
    check_totals,
    default_target,
    find_language,
    from_csv,
    invoice_schema,
    language_for_prompt,
    longest_answer_bytes,
    parse_invoice,
    quick_action,
    to_csv,
    to_json,
)
from bluelm_desktop.core.tasks.invoice import (
    AMOUNT_MAX_LENGTH,
    AMOUNT_PATTERN,
    CURRENCY_MAX_LENGTH,
    CURRENCY_PATTERN,
    DATE_MAX_LENGTH,
    DATE_PATTERN,
    HEADER_FIELDS,
    ITEM_FIELDS,
    clean_text,
    read_decimal,
)

D = Decimal


def english(lines: list[Line]) -> list[str]:
    """Problems and warnings as the English lines they say."""
    return [str(line) for line in lines]


# Every property runs without hypothesis's deadline: on a loaded CI runner an example's
# time is the machine's, not the property's.

# --- strategies -------------------------------------------------------------------------

texts = st.text(max_size=40).map(clean_text).filter(lambda t: t is not None)
decimals = st.one_of(
    st.decimals(min_value=-10**12, max_value=10**12, places=2),
    st.decimals(allow_nan=False, allow_infinity=False),
)
currencies = st.from_regex(r"[A-Z]{3}", fullmatch=True)


def invoices(text: st.SearchStrategy[Any] | None = None,
             number: st.SearchStrategy[Any] | None = None,
             date: st.SearchStrategy[Any] | None = None,
             currency: st.SearchStrategy[Any] | None = None,
             max_items: int = 5) -> st.SearchStrategy[Invoice]:
    """Invoices as the readers produce them (normalized text, finite decimals, ISO-code
    currency), each field possibly None; pass strategies to put anything else in."""
    text = text if text is not None else st.none() | texts
    number = number if number is not None else st.none() | decimals
    date = date if date is not None else st.none() | st.dates()
    currency = currency if currency is not None else st.none() | currencies
    items = st.builds(LineItem, description=text, quantity=number, unit_price=number,
                      amount=number)
    return st.builds(Invoice, vendor=text, invoice_number=text, invoice_date=date,
                     due_date=date, currency=currency, subtotal=number, tax=number,
                     total=number, line_items=st.lists(items, max_size=max_items))


# Anything at all in the fields: what a careless caller could put in an Invoice.
anything = st.one_of(st.none(), st.text(), st.decimals(), st.dates(), st.integers())
wild_invoices = invoices(text=anything, number=anything, date=anything, currency=anything)


def sample() -> Invoice:
    return Invoice(
        vendor="Muster GmbH", invoice_number="RE-2024-0042", invoice_date=dt.date(2024, 3, 15),
        due_date=dt.date(2024, 4, 14), currency="EUR", subtotal=D("150.00"), tax=D("28.50"),
        total=D("178.50"),
        line_items=[LineItem("Beratung", D("2"), D("50.00"), D("100.00")),
                    LineItem("Reisekosten", D("1"), D("50.00"), D("50.00"))])


def test_core_tasks_import_no_qt() -> None:
    code = ("import sys, bluelm_desktop.core.tasks; "
            "sys.exit(any(m.startswith('PySide6') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- the schema -------------------------------------------------------------------------


def _rules(grammar: str) -> dict[str, str]:
    return dict(line.split(" ::= ", 1) for line in grammar.splitlines() if " ::= " in line)


def test_schema_grammar_is_finite() -> None:
    """No `*`, no `+`, no recursion: the grammar's language is finite, so the grammar
    itself ends every answer, whatever the model's weights."""
    rules = _rules(json_schema_to_grammar(INVOICE_SCHEMA))
    literals = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]')
    graph: dict[str, set[str]] = {}
    for name, body in rules.items():
        bare = literals.sub(" ", body)
        assert "*" not in bare and "+" not in bare, f"{name} repeats without bound: {body}"
        graph[name] = set(re.findall(r"[a-zA-Z0-9-]+", bare)) & set(rules)
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"recursive rule: {' → '.join((*path, name))}"
        if name not in done:
            for dep in graph[name]:
                visit(dep, (*path, name))
            done.add(name)

    visit("root", ())


def test_schema_is_read_only_and_plain_copies_are_fresh() -> None:
    with pytest.raises(TypeError):
        INVOICE_SCHEMA["type"] = "array"  # type: ignore[index]
    plain = invoice_schema()
    assert json.loads(json.dumps(plain)) == plain
    plain["properties"]["vendor"] = {}
    assert "anyOf" in invoice_schema()["properties"]["vendor"]
    assert SamplingParams(json_schema=INVOICE_SCHEMA).json_schema is INVOICE_SCHEMA


def test_schema_uses_only_bounded_keywords_the_converter_enforces() -> None:
    """`type: [..., "null"]` would silently drop maxLength in the converter: nullables are
    anyOf, and every string has a bound."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert not isinstance(node.get("type"), list)
            if node.get("type") == "string":
                assert "maxLength" in node
            if node.get("type") == "array":
                assert "maxItems" in node
            assert node.get("type") not in ("number", "integer")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(invoice_schema())


@pytest.mark.parametrize(("pattern", "max_length"), [
    (AMOUNT_PATTERN, AMOUNT_MAX_LENGTH), (DATE_PATTERN, DATE_MAX_LENGTH),
    (CURRENCY_PATTERN, CURRENCY_MAX_LENGTH)])
@settings(deadline=None, max_examples=200)
@given(data=st.data())
def test_patterns_match_short_ascii_only(pattern: str, max_length: int, data: st.DataObject
                                         ) -> None:
    """`longest_answer_bytes` counts a pattern string as maxLength ASCII bytes."""
    match = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda s: "\n" not in s))
    assert match.isascii() and len(match) <= max_length


@settings(deadline=None, max_examples=300)
@given(st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2110, 12, 31)))
def test_date_pattern_is_exactly_the_calendar(day: dt.date) -> None:
    """Every date of 1900-2099 and nothing else, so a date the grammar lets the model
    write always reads (no 2023-02-29)."""
    assert bool(re.fullmatch(DATE_PATTERN, day.isoformat())) == (1900 <= day.year <= 2099)


@settings(deadline=None)
@given(st.from_regex(DATE_PATTERN, fullmatch=True))
def test_every_date_the_grammar_allows_is_real(text: str) -> None:
    assert dt.date.fromisoformat(text.strip())


@settings(deadline=None)
@given(st.decimals(min_value=-(10**12) + 1, max_value=10**12 - 1, places=2))
def test_exported_amounts_match_the_schema_pattern(value: Decimal) -> None:
    """What we export in the schema's range is what the schema asks the model for."""
    assert re.fullmatch(AMOUNT_PATTERN, format(value, "f")) or value == 0


def test_longest_answer_bound() -> None:
    small = invoice_schema(max_text=2, max_items=1)
    # Written out by hand: every string at its longest (escapes are 6 bytes a character),
    # every optional space present.
    text, amount = '"' + "\\u00e9" * 2 + '"', '"-' + "9" * 12 + "." + "9" * 4 + '"'
    item = ("{ " + ", ".join(f'"{k}" : {text if k == "description" else amount} '
                              for k in ITEM_FIELDS) + "}")
    values = {"vendor": text, "invoice_number": text, "invoice_date": '"2024-03-15"',
              "due_date": '"2024-03-15"', "currency": '"EUR"', "subtotal": amount,
              "tax": amount, "total": amount, "line_items": "[ " + item + " ]"}
    longest = "{ " + ", ".join(f'"{k}" : {v} ' for k, v in values.items()) + "} "
    assert parse_invoice(longest).problems == []
    assert longest_answer_bytes(small) == len(longest.encode())
    assert longest_answer_bytes(INVOICE_SCHEMA) > longest_answer_bytes(small)
    for unbounded in ({"type": "string"}, {"type": "number"},
                      {"type": "array", "items": {"type": "null"}},
                      {"type": "object", "properties": {}}):
        with pytest.raises(ValueError):
            longest_answer_bytes(unbounded)


# --- reading the model's answer -------------------------------------------------------


def test_reads_the_grammars_spacing_and_normalizes() -> None:
    answer = ('{"vendor" : " ACME Ltd. " ,"invoice_number" : "INV-7" ,"invoice_date" : '
              '"2024-02-29" ,"due_date" : null ,"currency" : "usd" ,"subtotal" : "10.00" ,'
              '"tax" : "0" ,"total" : "10.00" ,"line_items" : [{"description" : "Widget" ,'
              '"quantity" : "4" ,"unit_price" : "2.50" ,"amount" : "10.00"} ]} ')
    invoice = parse_invoice(answer)
    assert invoice.problems == []
    assert invoice == Invoice("ACME Ltd.", "INV-7", dt.date(2024, 2, 29), None, "USD",
                              D("10.00"), D("0"), D("10.00"),
                              [LineItem("Widget", D(4), D("2.50"), D("10.00"))])


def test_text_around_the_json_and_numbers_as_json_numbers() -> None:
    answer = ('Here is the data:\n```json\n{"vendor": "A", "invoice_number": 1042, "total": '
              '1234.56, "subtotal": "1,200.00", "tax": 34.56, "line_items": []}\n```\n')
    invoice = parse_invoice(answer)
    assert (invoice.invoice_number, invoice.total, invoice.subtotal) == (
        "1042", D("1234.56"), D("1200.00"))
    assert english(invoice.problems) == [
        "missing field(s): invoice_date, due_date, currency"]


@pytest.mark.parametrize(("answer", "problem"), [
    ("", "no JSON object"),
    ("I cannot read this invoice.", "no JSON object"),
    ('{"total": "1O.00"}', 'total: "1O.00" is not a number'),
    ('{"total": NaN}', "total: NaN is not a finite number"),
    ('{"total": true}', "total: true is not a number"),
    ('{"invoice_date": "2023-02-30"}', "not a calendar date"),
    ('{"invoice_date": "15.03.2024"}', "not a date written YYYY-MM-DD"),
    ('{"currency": "€"}', "'€' is not a three-letter currency code"),
    ('{"vendor": ["a"]}', "vendor: [\"a\"] is not text"),
    ('{"line_items": {"a": 1}}', "line_items: not a list"),
    ('{"line_items": [1]}', "line item 1: not an object"),
    ('{"notes": "x"}', "ignored unknown field(s): notes"),
    ('{"line_items": [{"sku": "x"}]}', "line item 1: ignored unknown field(s) sku"),
    ("[1, 2]", "no JSON object"),
    ('{"a": 1} trailing', "missing field(s)"),
    ("{" + "[" * 50_000, "stops being valid JSON"),
    ('{"vendor": "x", "total": 12,34}', "stops being valid JSON at character 28"),
])
def test_every_problem_is_a_sentence_not_an_exception(answer: str, problem: str) -> None:
    invoice = parse_invoice(answer)
    assert any(problem in str(p) for p in invoice.problems), invoice.problems


def test_the_number_before_a_syntax_error_is_distrusted() -> None:
    """`12,34` is 12.34 written with a decimal comma: reading 12 would be wrong."""
    got = parse_invoice('{"vendor": "x", "total": 12,34}')
    assert (got.vendor, got.total) == ("x", None)
    assert parse_invoice('{"vendor": "x", "total": 12').total is None  # a cut: 12 of 12xx


def test_lone_surrogate_escape_becomes_a_replacement_character() -> None:
    invoice = parse_invoice('{"vendor": "A\\ud800B"}')
    assert invoice.vendor == "A\ufffdB"
    to_csv(invoice).encode(CSV_ENCODING)  # always encodable


@settings(deadline=None, max_examples=150)
@given(invoices(), st.data())
def test_cut_off_answer_keeps_only_values_that_were_complete(invoice: Invoice,
                                                            data: st.DataObject) -> None:
    """Whatever the cut, nothing read is wrong: every value is the original one or None
    (an amount cut from 1234.50 to 12 is dropped, never kept)."""
    whole = to_json(invoice).strip()
    cut = data.draw(st.integers(0, len(whole) - 1))
    got = parse_invoice(whole[:cut])
    assert got.problems
    for name in HEADER_FIELDS:
        assert getattr(got, name) in (None, getattr(invoice, name)), name
    assert len(got.line_items) <= len(invoice.line_items)
    for read, original in zip(got.line_items, invoice.line_items, strict=False):
        for name in ITEM_FIELDS:
            assert getattr(read, name) in (None, getattr(original, name)), name
    if cut > 0 and whole[:cut].strip():
        assert any("cut off" in str(p) for p in got.problems), got.problems


@settings(deadline=None, max_examples=200)
@given(invoices(), st.data())
def test_garbled_answer_never_raises(invoice: Invoice, data: st.DataObject) -> None:
    text = to_json(invoice)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        junk = data.draw(st.sampled_from(["", "}", "]", ",", '"', ":", "\\", "x", "\x00",
                                          "{", "[", "nul", "1e9999", "-"]))
        drop = data.draw(st.integers(0, 3))
        text = text[:at] + junk + text[at + drop:]
    got = parse_invoice(text)
    for name in HEADER_FIELDS:
        value = getattr(got, name)
        assert value is None or type(value) is type(getattr(sample(), name)), name
    for item in got.line_items:
        assert all(v is None or isinstance(v, str | Decimal)
                   for v in (item.description, item.quantity, item.unit_price, item.amount))


@settings(deadline=None)
@given(st.text())
@example('{"vendor": "\\u')
@example('{"vendor": "x", "tax": -')
@example('{"vendor": "x", "tax": tr')
def test_any_text_at_all_never_raises(text: str) -> None:
    assert isinstance(parse_invoice(text), Invoice)


@pytest.mark.parametrize("tail", ['"\\u00', "-", "1.", "1e", "nul", "", '"ab'])
def test_a_value_cut_mid_token_is_a_cut_not_a_syntax_error(tail: str) -> None:
    got = parse_invoice('{"vendor": "x", "tax": ' + tail)
    assert got.vendor == "x" and got.tax is None
    assert any("cut off" in str(p) for p in got.problems), got.problems


# --- totals -----------------------------------------------------------------------------


def test_consistent_invoice_has_no_warnings() -> None:
    assert check_totals(sample()) == []
    assert check_totals(Invoice()) == []


def test_decimal_sums_are_exact() -> None:
    """0.1 + 0.2 is 0.3 here; in floats it is not, and this would warn."""
    invoice = Invoice(subtotal=D("0.3"), total=D("0.3"), line_items=[
        LineItem(amount=D("0.1")), LineItem(amount=D("0.2"))])
    assert check_totals(invoice) == []


def test_each_mismatch_is_named() -> None:
    invoice = sample()
    invoice.line_items[0].amount = D("90.00")
    invoice.total = D("178.51")
    assert english(check_totals(invoice)) == [
        "Line 1: 2 × 50.00 = 100.00, but the amount is 90.00.",
        "The line items add up to 140.00, but the subtotal is 150.00.",
        "Subtotal 150.00 + tax 28.50 = 178.50, but the total is 178.51.",
    ]


def test_line_amount_is_checked_to_its_written_precision() -> None:
    ok = Invoice(line_items=[LineItem(quantity=D(3), unit_price=D("1.443"), amount=D("4.33"))])
    assert check_totals(ok) == []
    off = Invoice(line_items=[LineItem(quantity=D(3), unit_price=D("1.443"), amount=D("4.34"))])
    assert english(check_totals(off)) == ["Line 1: 3 × 1.443 = 4.329, but the amount is 4.34."]


def test_without_a_subtotal_the_line_sum_plus_tax_is_checked() -> None:
    invoice = Invoice(tax=D("1.90"), total=D("12.00"), line_items=[
        LineItem(amount=D("10.00"))])
    assert english(check_totals(invoice)) == [
        "Line items 10.00 + tax 1.90 = 11.90, but the total is 12.00."]
    invoice.tax = None
    assert english(check_totals(invoice)) == ["Line items 10.00, but the total is 12.00."]


def test_missing_or_non_finite_values_skip_their_checks() -> None:
    invoice = Invoice(subtotal=D("5"), tax=D("NaN"), total=D("Infinity"), line_items=[
        LineItem(quantity=D(2), unit_price=None, amount=D("3")), LineItem(amount=None)])
    assert check_totals(invoice) == []


@settings(deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=2), min_size=1,
                max_size=30),
       st.decimals(min_value=0, max_value=10**8, places=2))
def test_totals_property(amounts: list[Decimal], tax: Decimal) -> None:
    subtotal = sum(amounts, D(0))
    invoice = Invoice(subtotal=subtotal, tax=tax, total=subtotal + tax,
                      line_items=[LineItem(amount=a) for a in amounts])
    assert check_totals(invoice) == []
    invoice.total = subtotal + tax + D("0.01")
    assert len(check_totals(invoice)) == 1


@settings(deadline=None)
@given(wild_invoices)
def test_checks_and_exports_never_crash_on_any_invoice(invoice: Invoice) -> None:
    assert all(isinstance(w, Line) and str(w) for w in check_totals(invoice))
    to_csv(invoice).encode(CSV_ENCODING)
    to_json(invoice).encode("utf-8")


# --- export -----------------------------------------------------------------------------


@settings(deadline=None)
@given(invoices())
def test_json_round_trip(invoice: Invoice) -> None:
    back = parse_invoice(to_json(invoice))
    assert back == invoice
    assert back.problems == []


@settings(deadline=None)
@given(invoices())
def test_csv_round_trip(invoice: Invoice) -> None:
    text = to_csv(invoice)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + max(1, len(invoice.line_items))
    back = from_csv(text)
    assert back == invoice
    assert back.problems == []
    assert from_csv(text.encode(CSV_ENCODING).decode(CSV_ENCODING)) == invoice


def test_csv_layout() -> None:
    text = to_csv(sample())
    assert text.splitlines()[1] == ("Muster GmbH,RE-2024-0042,2024-03-15,2024-04-14,EUR,"
                                    "150.00,28.50,178.50,1,Beratung,2,50.00,100.00")
    assert text.endswith("\r\n") and text.count("\r\n") == 3
    empty = to_csv(Invoice(vendor="A"))
    assert empty.splitlines()[1] == "A,,,,,,,,,,,,"


@settings(deadline=None)
@given(st.sampled_from(["=", "+", "-", "@", "\t", "'"]), texts)
def test_csv_text_never_starts_a_formula(start: str, rest: str) -> None:
    text = clean_text(start + rest) or rest
    invoice = Invoice(vendor=text, line_items=[LineItem(description=text)])
    row = next(csv.DictReader(io.StringIO(to_csv(invoice), newline="")))
    for cell in (row["vendor"], row["description"]):
        assert not cell.startswith(("=", "+", "-", "@", "\t"))
    assert from_csv(to_csv(invoice)) == invoice


def test_negative_amounts_are_not_escaped() -> None:
    row = to_csv(Invoice(total=D("-5.00"))).splitlines()[1]
    assert ",-5.00," in row


def test_foreign_csv_is_a_one_line_error() -> None:
    with pytest.raises(BlueLMError, match="not an invoice CSV"):
        from_csv("a,b\n1,2\n")
    edited = to_csv(sample()).replace("178.50", "lots")
    back = from_csv(edited)
    assert back.total is None and english(back.problems) == ['total: "lots" is not a number']


def test_read_decimal_accepts_what_people_type() -> None:
    assert read_decimal(" 1,234.50 ") == D("1234.50")
    assert read_decimal("-0.5") == D("-0.5")
    for bad in ("1.234,50", "abc", "inf", "", True):
        with pytest.raises(ValueError):
            read_decimal(bad)


# --- quick actions ----------------------------------------------------------------------


def test_actions_and_their_sampling() -> None:
    assert tuple(a.id for a in QUICK_ACTIONS) == ACTION_IDS
    assert ACTION_IDS == ("translate", "extract-invoice", "extract-contract", "summarize")
    base = SamplingParams(temperature=0.9, repeat_penalty=1.3, top_k=20, seed=5)
    extract = quick_action("extract-invoice").sampling_params(base)
    assert (extract.temperature, extract.repeat_penalty, extract.json_schema) == (
        0.0, 1.0, INVOICE_SCHEMA)
    assert (extract.top_k, extract.seed) == (20, 5)  # the user's other choices stay
    assert quick_action("translate").sampling_params(base).json_schema is None
    assert quick_action("extract-invoice").returns_invoice
    assert not quick_action("summarize").returns_invoice
    assert quick_action("extract-contract").returns_contract
    with pytest.raises(KeyError, match="known: translate"):
        quick_action("ocr")
    with pytest.raises(AttributeError):
        quick_action("summarize").label = "x"  # type: ignore[misc]


@pytest.mark.parametrize(("target", "named"), [
    ("简体中文", "Simplified Chinese (简体中文)"), ("zh_CN", "Simplified Chinese (简体中文)"),
    ("zh-Hans", "Simplified Chinese (简体中文)"), ("zh_HK", "Traditional Chinese (繁體中文)"),
    ("English", "English"), ("en_US", "English"), ("Deutsch", "German (Deutsch)"),
    ("german", "German (Deutsch)"), ("日本語", "Japanese (日本語)"), (None, "English"),
    ("  Swahili\n", "Swahili"),
])
def test_translate_prompt_names_the_target(target: str | None, named: str) -> None:
    prompt = quick_action("translate").prompt("", target)
    assert f"into {named}." in prompt
    assert "only" in prompt and "visible" in prompt


def test_default_target_follows_the_ui_language() -> None:
    assert default_target("en") == "English"
    assert default_target("zh_CN") == "简体中文"
    assert default_target("xx") == "English"
    assert find_language(default_target("zh_CN")) == find_language("zh_CN")
    assert len({lang.native for lang in LANGUAGES}) == len(LANGUAGES)
    assert language_for_prompt("x" * 500) == "x" * 64


def test_prompts_carry_the_users_text_and_stay_short() -> None:
    for action in QUICK_ACTIONS:
        prompt = action.prompt("  Focus on page 2.  ", "Deutsch")
        assert prompt.endswith("\n\nFocus on page 2.")
        assert len(prompt) < 800
        assert action.prompt() == action.prompt("", None).strip()
    summary = quick_action("summarize")
    assert "German (Deutsch)" in summary.prompt("", "Deutsch")
    assert "Write the summary" not in summary.prompt()
    extract = quick_action("extract-invoice").prompt()
    for key in (*HEADER_FIELDS, *ITEM_FIELDS, "YYYY-MM-DD", "ISO 4217", "null"):
        assert key in extract
