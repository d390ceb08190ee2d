"""Invoice fields: the JSON schema the model writes under, reading its answer, checks, export.

The model writes one JSON object constrained by `INVOICE_SCHEMA` (the sampler turns it into
a grammar). The schema stays inside what the grammar converter enforces (see
`core/engine/sampling.py`): objects with `required` and `additionalProperties: false`,
`anyOf` with null, strings with `maxLength` or an anchored `pattern`, arrays with
`maxItems`. Every part is bounded, so the grammar itself ends the answer — no string,
array or number can run on — and `longest_answer_bytes` says how long it can get.

Amounts, quantities and dates are *strings with a pattern*, not JSON numbers:
- the converter enforces no bounds on `number` (it allows `1e999`, 16+16 digits), while a
  pattern is enforced exactly: at most 12 integer and 4 decimal digits, dot as separator,
  no exponent, no thousands separators;
- a JSON number read as a float loses cents (0.1 + 0.2); a decimal string does not, and
  reads straight into `Decimal`;
- `type: ["string", "null"]` would drop `maxLength` (the converter makes a union of bare
  types), so nullable fields are written `anyOf: [{...}, {"type": "null"}]`.

`parse_invoice` never raises on model output: a cut-off or broken answer keeps every value
that was complete before the break and lists what went wrong in `Invoice.problems`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Any, Final

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.errors import BlueLMError, Line, msg
from bluelm_desktop.core.tasks.grounding import Found, find

# --- the schema -----------------------------------------------------------------------

MAX_TEXT: Final = 80  # characters of a vendor name, invoice number or item description
MAX_LINE_ITEMS: Final = 30

# The patterns' matches are ASCII, and `maxLength` next to each pattern is the length of
# its longest match: the converter ignores it there (the pattern decides), but
# `longest_answer_bytes` reads it. A unit test checks both claims.
AMOUNT_PATTERN: Final = r"^-?(0|[1-9][0-9]{0,11})([.][0-9]{1,4})?$"
AMOUNT_MAX_LENGTH: Final = 18  # "-" + 12 digits + "." + 4 digits
# Exactly the calendar dates of 1900-2099 (the grammar cannot write 2023-02-30): months
# of 31, of 30, February to the 28th, and the 29th in leap years (1900 was not one).
DATE_PATTERN: Final = (
    r"^((19|20)[0-9]{2}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    r"|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
    r"|(19(0[48]|[2468][048]|[13579][26])|20([02468][048]|[13579][26]))-02-29)$"
)
DATE_MAX_LENGTH: Final = 10
CURRENCY_PATTERN: Final = r"^[A-Z]{3}$"  # ISO 4217
CURRENCY_MAX_LENGTH: Final = 3

HEADER_FIELDS: Final = (
    "vendor", "invoice_number", "invoice_date", "due_date", "currency",
    "subtotal", "tax", "total",
)
ITEM_FIELDS: Final = ("description", "quantity", "unit_price", "amount")
_TEXT_FIELDS: Final = frozenset({"vendor", "invoice_number", "currency", "description"})
_DATE_FIELDS: Final = frozenset({"invoice_date", "due_date"})
_DECIMAL_FIELDS: Final = frozenset({"subtotal", "tax", "total", "quantity", "unit_price",
                                    "amount"})


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def invoice_schema(*, max_text: int = MAX_TEXT, max_items: int = MAX_LINE_ITEMS
                   ) -> dict[str, Any]:
    """A fresh, plain copy of the invoice schema with the given bounds.

    Every field is required (null when the invoice does not show it), so the key order
    is fixed and the model cannot stop early by leaving fields out. Tests use small
    bounds to keep the longest possible answer short; the app uses `INVOICE_SCHEMA`.
    """
    if max_text < 1 or max_items < 0:
        raise ValueError(f"bounds must be positive, got {max_text=}, {max_items=}")
    text = _nullable({"type": "string", "maxLength": max_text})
    amount = _nullable({"type": "string", "pattern": AMOUNT_PATTERN,
                        "maxLength": AMOUNT_MAX_LENGTH})
    date = _nullable({"type": "string", "pattern": DATE_PATTERN,
                      "maxLength": DATE_MAX_LENGTH})
    currency = _nullable({"type": "string", "pattern": CURRENCY_PATTERN,
                          "maxLength": CURRENCY_MAX_LENGTH})
    item = {
        "type": "object",
        "properties": {"description": text, "quantity": amount, "unit_price": amount,
                       "amount": amount},
        "required": list(ITEM_FIELDS),
        "additionalProperties": False,
    }
    kinds = {"vendor": text, "invoice_number": text, "invoice_date": date, "due_date": date,
             "currency": currency, "subtotal": amount, "tax": amount, "total": amount}
    return {
        "type": "object",
        "properties": {**kinds, "line_items": {"type": "array", "items": item,
                                               "maxItems": max_items}},
        "required": [*HEADER_FIELDS, "line_items"],
        "additionalProperties": False,
    }


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


# Read-only (shared by every extraction): pass it to SamplingParams(json_schema=...) as
# is; `invoice_schema()` gives a mutable dict (for json.dumps, or other bounds).
INVOICE_SCHEMA: Final[Mapping[str, Any]] = _frozen(invoice_schema())

# A JSON string character is at most 6 bytes: "\uXXXX" (the grammar allows escapes).
_MAX_CHAR_BYTES: Final = 6


def longest_answer_bytes(schema: Mapping[str, Any]) -> int:
    """The longest answer, in bytes, that the grammar of `schema` allows.

    Under a grammar llama.cpp never picks a token without bytes, so this (plus one for
    the end-of-generation token) is a `max_tokens` that can never cut the answer off.
    The grammar's `space` rule allows one optional space after each JSON token, which is
    counted too. Only the bounded keywords `invoice_schema` uses are understood; anything
    that could make the answer unbounded is a ValueError.
    """
    size, tokens = _longest(schema)
    return size + tokens


def _longest(schema: Mapping[str, Any]) -> tuple[int, int]:
    """(bytes, JSON tokens) of the longest value matching `schema`."""
    if "anyOf" in schema:
        return max((_longest(s) for s in schema["anyOf"]), key=sum)
    kind = schema.get("type")
    if kind == "null":
        return 4, 1
    if kind == "string":
        if "maxLength" not in schema:
            raise ValueError("a string without maxLength is unbounded")
        per_char = 1 if "pattern" in schema else _MAX_CHAR_BYTES  # patterns: ASCII only
        return 2 + per_char * int(schema["maxLength"]), 1
    if kind == "array":
        if "maxItems" not in schema:
            raise ValueError("an array without maxItems is unbounded")
        n = int(schema["maxItems"])
        item_bytes, item_tokens = _longest(schema["items"])
        commas = max(0, n - 1)
        return 2 + n * item_bytes + commas, 2 + n * item_tokens + commas
    if kind == "object":
        if schema.get("additionalProperties") is not False:
            raise ValueError("an object must say additionalProperties: false")
        props = schema.get("properties", {})
        size, tokens = 2 + max(0, len(props) - 1), 2 + max(0, len(props) - 1)
        for name, sub in props.items():
            value_bytes, value_tokens = _longest(sub)
            size += len(json.dumps(name).encode()) + 1 + value_bytes  # "key" : value
            tokens += 2 + value_tokens
        return size, tokens
    raise ValueError(f"cannot bound a value of type {kind!r}")


# --- the data -------------------------------------------------------------------------


@dataclass
class LineItem:
    """One printed line; None where the invoice (or the model) gives no value."""

    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None


@dataclass
class Invoice:
    """The fields of one invoice; mutable because the extraction table edits it in place.

    Text fields are None or non-empty without surrounding whitespace (readers normalize);
    amounts are exact decimals. `problems` says what could not be read from the model's
    answer (a cut-off, a value that is not a number, ...): shown to the user, never
    exported, and not part of equality.
    """

    vendor: str | None = None
    invoice_number: str | None = None
    invoice_date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    line_items: list[LineItem] = field(default_factory=list)
    problems: list[Line] = field(default_factory=list, compare=False)


# --- reading values -------------------------------------------------------------------

_THOUSANDS = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


def clean_text(value: str) -> str | None:
    """Stripped text, or None when nothing is left; lone surrogates (which a model can
    write as "\\ud800" and which UTF-8 cannot encode) become U+FFFD."""
    text = _SURROGATE.sub("\ufffd", value).strip()
    return text or None


def read_decimal(value: object) -> Decimal:
    """An amount from JSON or a table cell: "1234.50", "1,234.50", 1234.5 (finite only).

    Raises ValueError with a short reason; callers turn it into a problem or a refused
    edit.
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = "".join(value.split())
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError("not a number") from None
    else:
        raise ValueError("not a number")
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def read_date(value: object) -> dt.date:
    """A date written YYYY-MM-DD (the schema's form); ValueError otherwise."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise ValueError("not a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("not a calendar date") from None


def read_currency(value: str) -> str | None:
    """Stripped; a three-letter code is upper-cased (the schema asks for ISO 4217)."""
    text = clean_text(value)
    return text.upper() if text is not None and _CURRENCY.fullmatch(text) else text


# The schema's keys as a problem names them: the English line says the key the model wrote
# ("total: ... is not a number"); the template is the key itself, so a translated interface
# shows the field's label instead (the Chinese one as the extraction table's headers).
_KEY_LABELS: Final = {
    "vendor": msg("vendor"), "invoice_number": msg("invoice_number"),
    "invoice_date": msg("invoice_date"), "due_date": msg("due_date"),
    "currency": msg("currency"), "subtotal": msg("subtotal"), "tax": msg("tax"),
    "total": msg("total"), "line_items": msg("line_items"),
    "description": msg("description"), "quantity": msg("quantity"),
    "unit_price": msg("unit_price"), "amount": msg("amount"),
}


def key_label(name: str, labels: Mapping[str, str] = _KEY_LABELS) -> Line:
    """A schema key as a field of a problem `Line`: translated where it is one of `labels`
    (its English stays the key), else the key as written (data)."""
    template = labels.get(name)
    return Line.of(template) if template is not None else Line.plain(name)


# Why a value could not be read (`read_decimal`'s and `read_date`'s ValueError, and "not
# text") → the problem's template; the English is "{where}: {value} is <why>".
_UNREADABLE: Final = {
    "not a number": msg("{where}: {value} is not a number"),
    "not a finite number": msg("{where}: {value} is not a finite number"),
    "not a date written YYYY-MM-DD": msg("{where}: {value} is not a date written YYYY-MM-DD"),
    "not a calendar date": msg("{where}: {value} is not a calendar date"),
    "not text": msg("{where}: {value} is not text"),
}


def unreadable(where: Line, value: str, why: ValueError) -> Line:
    """The problem for a value that cannot be read (`why`: the reader's ValueError)."""
    template = _UNREADABLE.get(str(why))
    if template is None:  # a reason without its own template: shown in English
        return Line.plain(f"{where}: {value} is {why}")
    return Line.of(template, where=where, value=value)


def _read_value(name: str, raw: object, where: Line, problems: list[Line]) -> Any:
    """One field's value from JSON or CSV; a value that cannot be read is None + a problem."""
    if raw is None:
        return None
    try:
        if name in _DECIMAL_FIELDS:
            if isinstance(raw, str) and not raw.strip():
                return None
            return read_decimal(raw)
        if name in _DATE_FIELDS:
            if isinstance(raw, str) and not raw.strip():
                return None
            return read_date(raw)
        if isinstance(raw, Decimal):  # an invoice number written as a JSON number
            raw = format(raw, "f")
        if not isinstance(raw, str):
            raise ValueError("not text")
        if name == "currency":
            currency = read_currency(raw)
            if currency is not None and not _CURRENCY.fullmatch(currency):
                problems.append(Line.of(
                    msg("{where}: {currency!r} is not a three-letter currency code"),
                    where=where, currency=currency))
            return currency
        return clean_text(raw)
    except ValueError as e:
        problems.append(unreadable(where, _show(raw), e))
        return None


def _show(raw: object) -> str:
    text = json.dumps(raw, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _invoice_from_mapping(data: Mapping[str, Any], problems: list[Line],
                          complete: bool) -> Invoice:
    invoice = Invoice(problems=problems)
    for name in HEADER_FIELDS:
        setattr(invoice, name, _read_value(name, data.get(name), key_label(name), problems))
    items = data.get("line_items")
    if items is not None and not isinstance(items, list):
        problems.append(Line.of(msg("{field}: not a list"), field=key_label("line_items")))
        items = None
    for n, raw in enumerate(items or [], start=1):
        if not isinstance(raw, Mapping):
            problems.append(Line.of(msg("line item {n}: not an object"), n=n))
            continue
        item = LineItem()
        for name in ITEM_FIELDS:
            where = Line.of(msg("line item {n} {field}"), n=n, field=key_label(name))
            setattr(item, name, _read_value(name, raw.get(name), where, problems))
        invoice.line_items.append(item)
        unknown = sorted(set(raw) - set(ITEM_FIELDS))
        if unknown:  # the model's own keys: data
            problems.append(Line.of(msg("line item {n}: ignored unknown field(s) {fields}"),
                                    n=n, fields=", ".join(unknown)))
        if complete:
            missing = [k for k in ITEM_FIELDS if k not in raw]
            if missing:  # a list of keys stays as the schema writes them
                problems.append(Line.of(msg("line item {n}: missing {fields}"), n=n,
                                        fields=", ".join(missing)))
    unknown = sorted(set(data) - {*HEADER_FIELDS, "line_items"})
    if unknown:
        problems.append(Line.of(msg("ignored unknown field(s): {fields}"),
                                fields=", ".join(unknown)))
    if complete:
        missing = [k for k in (*HEADER_FIELDS, "line_items") if k not in data]
        if missing:
            problems.append(Line.of(msg("missing field(s): {fields}"),
                                    fields=", ".join(missing)))
    return invoice


# --- reading the model's answer -------------------------------------------------------


_MISSING: Final = object()
_JSON_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
# What a string or a number cut off at the end of the text looks like.
_STRING_START = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*'
                           r"(?:\\(?:u[0-9a-fA-F]{0,3})?)?")
_NUMBER_START = re.compile(r"-?(?:0|[1-9][0-9]*)?(?:\.[0-9]*)?(?:[eE][-+]?[0-9]*)?")
_LITERALS: Final = {"true": True, "false": False, "null": None}


class _Salvage:
    """A JSON reader that keeps what was complete before the text ends or breaks.

    Containers are kept with the members they had; a scalar that was being written
    (a string without its closing quote, a number at the very end, which may have lost
    digits) is dropped, so a cut-off never yields a wrong amount.
    """

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.pos = start
        self.broken_at: int | None = None

    def _ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n\r":
            self.pos += 1

    def _break(self, cut: bool = False) -> None:
        """Stop here; `cut`: what follows is the unfinished start of a value (the answer
        was cut off), so the break is at the end of the text, not a syntax error."""
        if self.broken_at is None:
            self.broken_at = len(self.text) if cut else self.pos

    def value(self) -> Any:
        self._ws()
        if self.pos >= len(self.text):
            self._break(cut=True)
            return _MISSING
        c = self.text[self.pos]
        if c == "{":
            return self._object()
        if c == "[":
            return self._array()
        if c == '"':
            return self._string()
        if c == "-" or c.isdigit():
            if _NUMBER_START.fullmatch(self.text, self.pos):  # at the end: digits may be lost
                self._break(cut=True)
                return _MISSING
            m = _JSON_NUMBER.match(self.text, self.pos)
            if m is None:
                self._break()
                return _MISSING
            self.pos = m.end()
            return Decimal(m.group())
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return literal
        self._break(cut=any(w.startswith(self.text[self.pos:]) for w in _LITERALS))
        return _MISSING

    def _string(self) -> Any:
        m = _JSON_STRING.match(self.text, self.pos)
        if m is None:
            self._break(cut=_STRING_START.fullmatch(self.text, self.pos) is not None)
            return _MISSING
        self.pos = m.end()
        return json.loads(m.group())

    def _syntax_error_after(self, container: dict[str, Any] | list[Any]) -> None:
        """Break here; if this is not a cut, distrust the scalar just before the error:
        in `"total": 12,34}` the 12 is half of a number written with a decimal comma."""
        self._break()
        if self.broken_at is not None and self.broken_at < len(self.text) and container:
            last = next(reversed(container)) if isinstance(container, dict) else -1
            if not isinstance(container[last], dict | list):
                del container[last]

    def _object(self) -> dict[str, Any]:
        self.pos += 1
        out: dict[str, Any] = {}
        while True:
            self._ws()
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return out
            if out:
                if not self.text.startswith(",", self.pos):
                    self._syntax_error_after(out)
                    return out
                self.pos += 1
                self._ws()
            key = self._string() if self.text.startswith('"', self.pos) else _MISSING
            if key is _MISSING:
                self._syntax_error_after(out)
                return out
            self._ws()
            if not self.text.startswith(":", self.pos):
                self._break()
                return out
            self.pos += 1
            value = self.value()
            if value is not _MISSING:
                out[key] = value
            if self.broken_at is not None:
                return out

    def _array(self) -> list[Any]:
        self.pos += 1
        out: list[Any] = []
        while True:
            self._ws()
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return out
            if out:
                if not self.text.startswith(",", self.pos):
                    self._syntax_error_after(out)
                    return out
                self.pos += 1
            value = self.value()
            if value is not _MISSING:
                out.append(value)
            if self.broken_at is not None:
                return out


def parse_invoice(text: str) -> Invoice:
    """The invoice in a model's answer, as far as it can be read; never raises on it.

    The answer is normally one JSON object (the schema's grammar sees to that); text
    around it (a code fence, a sentence) is skipped. A cut-off or broken answer keeps
    every complete value before the break. Whatever went wrong is in `problems`.
    """
    data, problems, complete = read_answer_object(text)
    if data is None:
        return Invoice(problems=problems)
    return _invoice_from_mapping(data, problems, complete)


def read_answer_object(text: str) -> tuple[Mapping[str, Any] | None, list[Line], bool]:
    """The JSON object of a model's answer, as far as it can be read; never raises on it:
    (the object or None, what went wrong, whether it was complete). Text around it (a
    code fence, a sentence) is skipped; a cut-off or broken answer keeps every complete
    value before the break. Numbers are read as exact decimals."""
    problems: list[Line] = []
    if not isinstance(text, str):
        return None, [Line.of(msg("the answer is not text"))], False
    start = text.find("{")
    if start < 0:
        return None, [Line.of(msg("the answer contains no JSON object"))], False
    decoder = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal)
    try:
        data, _ = decoder.raw_decode(text, start)
        complete = True
    except (ValueError, RecursionError):
        salvage = _Salvage(text, start)
        try:
            data = salvage.value()
        except RecursionError:  # absurdly deep nesting: nothing worth keeping
            data = {}
        where = salvage.broken_at if salvage.broken_at is not None else len(text)
        if where >= len(text.rstrip()):
            problems.append(Line.of(msg("the answer was cut off before the JSON was "
                                        "complete; the values before the cut were kept")))
        else:
            problems.append(Line.of(msg("the answer stops being valid JSON at character "
                                        "{position}; the values before it were kept"),
                                    position=where))
        complete = False
    if not isinstance(data, Mapping):
        problems.append(Line.of(msg("the answer's JSON is not an object")))
        return None, problems, False
    return data, problems, complete


# --- checks ---------------------------------------------------------------------------

# Exact arithmetic on any finite decimals; no trap, so odd values give odd sums, not errors.
_EXACT = Context(prec=200, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


def _num(value: Decimal | None) -> Decimal | None:
    return value if isinstance(value, Decimal) and value.is_finite() else None


def _fmt(value: Decimal, like: Decimal | None = None) -> str:
    """A value as written; a computed one (`like` given) with `like`'s decimals when that
    loses nothing (3 × 1.50 shows 4.50, not 4.5000), else all its digits."""
    if like is not None:
        exponent = like.as_tuple().exponent
        assert isinstance(exponent, int)  # finite
        rounded = value.quantize(Decimal(1).scaleb(exponent))
        value = rounded if rounded == value else value.normalize()
    return format(value, "f")


def check_totals(invoice: Invoice) -> list[Line]:
    """Warnings where the numbers disagree; empty when they agree or cannot be checked.

    Three checks, each only when its values are all there:
    - each line: quantity × unit price against the amount, within half a unit of the
      amount's last written digit (an amount of 4.33 for 3 × 1.443 is correct rounding);
    - the line amounts' sum against the subtotal (exact: both are sums of printed cents);
    - subtotal (or, without one, the line sum) + tax against the total (exact).
    A warning is advice for the user (shipping or a discount may be printed apart from the
    lines), not an error.
    """
    warnings: list[Line] = []
    with localcontext(_EXACT):
        for n, item in enumerate(invoice.line_items, start=1):
            q, p, a = _num(item.quantity), _num(item.unit_price), _num(item.amount)
            if q is None or p is None or a is None:
                continue
            product = q * p
            exponent = a.as_tuple().exponent
            assert isinstance(exponent, int)  # finite
            if abs(product - a) > Decimal(5).scaleb(exponent - 1):
                warnings.append(Line.of(
                    msg("Line {n}: {quantity} × {price} = {product}, but the amount is "
                        "{amount}."),
                    n=n, quantity=_fmt(q), price=_fmt(p), product=_fmt(product, a),
                    amount=_fmt(a)))
        amounts = [_num(i.amount) for i in invoice.line_items]
        line_sum: Decimal | None = None
        if amounts and all(a is not None for a in amounts):
            line_sum = sum((a for a in amounts if a is not None), Decimal(0))
        subtotal, tax, total = _num(invoice.subtotal), _num(invoice.tax), _num(invoice.total)
        if line_sum is not None and subtotal is not None and line_sum != subtotal:
            warnings.append(Line.of(
                msg("The line items add up to {sum}, but the subtotal is {subtotal}."),
                sum=_fmt(line_sum, subtotal), subtotal=_fmt(subtotal)))
        base = subtotal if subtotal is not None else line_sum
        if base is not None and total is not None:
            expected = base + (tax or 0)
            if expected != total:
                warnings.append(_total_warning(subtotal is not None, base, tax, expected,
                                               total))
    return warnings


def _total_warning(of_subtotal: bool, base: Decimal, tax: Decimal | None,
                   expected: Decimal, total: Decimal) -> Line:
    """The total disagrees with the subtotal (or, without one, the line sum) plus tax."""
    values = {"base": _fmt(base), "total": _fmt(total)}
    if tax is None:
        template = (msg("Subtotal {base}, but the total is {total}.") if of_subtotal
                    else msg("Line items {base}, but the total is {total}."))
        return Line.of(template, **values)
    template = (msg("Subtotal {base} + tax {tax} = {sum}, but the total is {total}.")
                if of_subtotal else
                msg("Line items {base} + tax {tax} = {sum}, but the total is {total}."))
    return Line.of(template, **values, tax=_fmt(tax), sum=_fmt(expected, total))


# --- against the page ------------------------------------------------------------------

# Header fields checked against the text layer; the currency is often printed only as a
# sign, so its absence says nothing.
CHECKED_FIELDS: Final = tuple(n for n in HEADER_FIELDS if n != "currency")
# The checked fields' names as a warning starts with them (the extraction table's labels).
_FIELD_NAMES: Final = {"vendor": msg("Vendor"), "invoice_number": msg("Invoice number"),
                       "invoice_date": msg("Invoice date"), "due_date": msg("Due date"),
                       "subtotal": msg("Subtotal"), "tax": msg("Tax"), "total": msg("Total")}


def fields_on_pages(invoice: Invoice, pages: Mapping[tuple[str, int], Sequence[TextSpan]]
                    ) -> dict[str, Found | None]:
    """Each checked header field that has a value: where the pages' text layer prints it
    (the first place, with its boxes), or None when no page does."""
    return {name: find(getattr(invoice, name), pages) for name in CHECKED_FIELDS
            if getattr(invoice, name) is not None}


def check_against_pages(invoice: Invoice, pages: Mapping[tuple[str, int],
                                                         Sequence[TextSpan]]) -> list[Line]:
    """Warnings for fields the pages do not print: a value the model may have misread or
    made up (the pages' text layer is exact). Empty without pages to check against."""
    if not pages:
        return []
    return [Line.of(msg("{field} {value} is not printed on the pages: check it."),
                    field=Line.of(_FIELD_NAMES[name]),
                    value=_display_value(getattr(invoice, name)))
            for name, found in fields_on_pages(invoice, pages).items() if found is None]


def _display_value(value: object) -> str:
    if isinstance(value, Decimal):
        return _fmt(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return f"“{value}”"


# --- export ---------------------------------------------------------------------------

CSV_COLUMNS: Final = (*HEADER_FIELDS, "line", *ITEM_FIELDS)
# Spreadsheets (Excel above all) only detect UTF-8 in a CSV file that starts with a BOM;
# without it a vendor name in Chinese arrives as mojibake. Readers strip it.
CSV_ENCODING: Final = "utf-8-sig"
# A cell starting with one of these is a formula to a spreadsheet: text read off an image
# must not become one (CSV injection). Such text gets a leading apostrophe, which is also
# added to text that starts with one, so reading back removes exactly one.
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r", "'")


def guard_formula(text: str) -> str:
    """`text` as a spreadsheet cell that is never a formula (see FORMULA_START)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell(value: object, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _SURROGATE.sub("\ufffd", str(value))
    return guard_formula(text) if name in _TEXT_FIELDS else text


def to_csv(invoice: Invoice) -> str:
    """RFC 4180 CSV (CRLF line ends, quotes where needed): a header row, then one row per
    line item with the invoice's fields repeated.

    One flat table rather than two sections, because that is what a spreadsheet filter or
    an accounting import can use as is. The `line` column numbers the items from 1; an
    invoice without items is one row with `line` and the item columns empty. Amounts are
    plain decimals with a dot, dates YYYY-MM-DD. Write it with `CSV_ENCODING`.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    head = [csv_cell(getattr(invoice, name), name) for name in HEADER_FIELDS]
    if not invoice.line_items:
        writer.writerow([*head, "", *[""] * len(ITEM_FIELDS)])
    for n, item in enumerate(invoice.line_items, start=1):
        writer.writerow([*head, str(n), *(csv_cell(getattr(item, k), k) for k in ITEM_FIELDS)])
    return out.getvalue()


def from_csv(text: str) -> Invoice:
    """The invoice in a CSV file written by `to_csv` (after any spreadsheet edits).

    A file without our header is a BlueLMError; values that cannot be read become
    `problems`, as with the model's answer.
    """
    text = text.removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(rows[0]) != CSV_COLUMNS:
        raise BlueLMError(msg("not an invoice CSV file: the first row must be {columns}"),
                          columns=",".join(CSV_COLUMNS))
    problems: list[Line] = []
    records = [(n, dict(zip(CSV_COLUMNS, _unescaped(row), strict=False)))
               for n, row in enumerate(rows[1:], start=2) if any(row)]
    if not records:
        return Invoice()
    first = records[0][1]
    invoice = _invoice_from_mapping({k: first.get(k) or None for k in HEADER_FIELDS},
                                    problems, complete=False)
    for n, record in records:
        if not record.get("line"):
            continue
        item = LineItem()
        for name in ITEM_FIELDS:
            where = Line.of(msg("row {n} {field}"), n=n, field=key_label(name))
            setattr(item, name, _read_value(name, record.get(name) or None, where, problems))
        invoice.line_items.append(item)
    return invoice


def _unescaped(row: Iterable[str]) -> list[str]:
    cells = list(row)
    for i, name in enumerate(CSV_COLUMNS[: len(cells)]):
        if name in _TEXT_FIELDS and cells[i].startswith("'"):
            cells[i] = cells[i][1:]
    return cells


def invoice_to_dict(invoice: Invoice) -> dict[str, Any]:
    """The schema's shape: amounts as decimal strings, dates as YYYY-MM-DD, None as null."""

    def value(v: object) -> object:
        if isinstance(v, Decimal):
            return format(v, "f")
        if isinstance(v, dt.date):
            return v.isoformat()
        return _SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v

    data: dict[str, Any] = {name: value(getattr(invoice, name)) for name in HEADER_FIELDS}
    data["line_items"] = [{k: value(getattr(i, k)) for k in ITEM_FIELDS}
                          for i in invoice.line_items]
    return data


def to_json(invoice: Invoice) -> str:
    """Pretty UTF-8 JSON in the schema's own shape, so `parse_invoice` reads it back;
    amounts stay strings to keep every cent exact in any reader."""
    return json.dumps(invoice_to_dict(invoice), ensure_ascii=False, indent=2) + "\n"
