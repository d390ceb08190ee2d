"""Grounding: an answer's values found among a page's words, and only printed ones cited."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.tasks.grounding import cited_pages, ground, locate, values_in


def line(text: str, y: float = 100.0) -> list[TextSpan]:
    """Words of one printed line, 10 px a character, 1 space apart."""
    out, x = [], 0.0
    for word in text.split():
        out.append(TextSpan(word, (x, y, x + 10 * len(word), y + 12)))
        x += 10 * (len(word) + 1)
    return out


INVOICE = (line("Invoice number INV-2024-0417", 50) + line("Issue date March 12, 2024", 70)
           + line("Northwind Lighting Co. 418 Harbor Street", 90)
           + line("Total due (USD) $5,438.16", 300))
TERMS = line("Payment Net 30, bank transfer", 50) + line("Late payments accrue 1.5% a month", 70)


def test_values_of_an_answer() -> None:
    answer = ("The total due is $5,438.16, issued on March 12, 2024 as invoice INV-2024-0417 "
              "by Northwind Lighting Co.; payment terms: 30 days.")
    assert values_in(answer) == ["$5,438.16", "March 12, 2024", "INV-2024-0417",
                                 "Northwind Lighting Co", "30"]
    assert values_in("Nothing to check here.") == []


def test_amounts_match_printed_amounts_whatever_their_form() -> None:
    [boxes] = locate("5438.16", INVOICE)
    assert boxes == (INVOICE[-1].bbox,)
    assert locate("$5,438.16", INVOICE) == [boxes]
    assert locate("5,438.2", INVOICE) == []  # a different number is not found


def test_a_date_and_a_name_match_their_run_of_words() -> None:
    [date] = locate("March 12, 2024", INVOICE)
    assert len(date) == 3 and date[0] == INVOICE[5].bbox  # "March"
    [name] = locate("Northwind Lighting Co", INVOICE)
    assert [b[1] for b in name] == [90, 90, 90]


def test_answers_cite_only_the_pages_their_values_are_printed_on() -> None:
    pages = {("invoice.pdf", 1): INVOICE, ("invoice.pdf", 2): TERMS}
    found = ground("The total is $5,438.16 and late payments accrue 1.5% a month.", pages)
    assert {(f.value, f.page) for f in found} == {("$5,438.16", 1), ("1.5%", 2)}
    assert cited_pages(found) == [("invoice.pdf", 1), ("invoice.pdf", 2)]
    invented = ground("The total is $9,999.99 (invoice INV-1999-0001).", pages)
    assert invented == []  # a model's invention is not found anywhere


words = st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.,$%-]{0,8}", fullmatch=True),
                 min_size=1, max_size=30)


@given(words, st.data())
def test_a_run_of_printed_words_is_always_found_where_it_is(printed: list[str],
                                                             data: st.DataObject) -> None:
    spans = line(" ".join(printed))
    start = data.draw(st.integers(0, len(printed) - 1))
    end = data.draw(st.integers(start + 1, min(len(printed), start + 4)))
    value = " ".join(printed[start:end])
    places = locate(value, spans)
    expected = tuple(s.bbox for s in spans[start:end])
    if any(ch.isalnum() for ch in value):
        assert expected in places


def test_invoice_fields_are_checked_against_the_text_layer() -> None:
    import datetime as dt
    from decimal import Decimal

    from bluelm_desktop.core.tasks.invoice import Invoice, check_against_pages, fields_on_pages

    pages = {("invoice.pdf", 1): INVOICE, ("invoice.pdf", 2): TERMS}
    invoice = Invoice(vendor="Northwind Lighting Co.", invoice_number="INV-2024-0417",
                      invoice_date=dt.date(2024, 3, 12), currency="USD",
                      total=Decimal("5438.16"), tax=Decimal("1.50"))
    found = fields_on_pages(invoice, pages)
    assert {name: (f.page if f else None) for name, f in found.items()} == {
        "vendor": 1, "invoice_number": 1, "invoice_date": 1, "total": 1,
        "tax": None}  # page 2 prints "1.5%", a rate, not an amount of 1.50
    invoice.total = Decimal("5483.16")  # misread
    assert [str(w) for w in check_against_pages(invoice, pages)] == [
        "Tax 1.50 is not printed on the pages: check it.",
        "Total 5483.16 is not printed on the pages: check it."]
    assert check_against_pages(invoice, {}) == []
