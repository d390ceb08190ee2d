"""The core's messages: English templates with named fields (`core/errors.py`).

`str()` of an error is the English line the CLI prints; the error keeps its template and
fields so the GUI can translate it (tests/gui/test_translations.py shows that part).
"""

from __future__ import annotations

import pickle
import string
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from bluelm_desktop.core.errors import (
    BlueLMError,
    ConvertError,
    DocumentError,
    HistoryError,
    Line,
    describe,
    fill,
    line_of,
    msg,
)

FIELD_NAMES = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8)
VALUES = st.one_of(st.integers(), st.text(max_size=20), st.floats(allow_nan=False))


def test_an_error_keeps_its_template_and_fields() -> None:
    error = DocumentError(msg("{name}: there is no page {page}"), name="scan.pdf", page=4)
    assert str(error) == "scan.pdf: there is no page 4"
    assert error.line.template == "{name}: there is no page {page}"
    assert error.line.values == {"name": "scan.pdf", "page": 4}
    assert describe(error) == "scan.pdf: there is no page 4"


def test_a_marked_template_without_fields_is_still_translatable() -> None:
    error = HistoryError(msg("the history is locked by another program"))
    assert error.line.template == "the history is locked by another program"
    assert error.line.fields == () and str(error) == error.line.template


def test_a_plain_string_is_shown_as_written() -> None:
    error = HistoryError("braces {stay} as text")
    assert str(error) == "braces {stay} as text"
    assert str(error.line) == "braces {stay} as text"
    assert error.line == Line.plain("braces {stay} as text")  # shown as is, untranslated


def test_a_line_inside_a_line_reads_in_english() -> None:
    cause = Line.of(msg("rendering page {page}"), page=3)
    error = DocumentError(msg("{name}: not enough memory for {what}"), name="a.pdf", what=cause)
    assert str(error) == "a.pdf: not enough memory for rendering page 3"


def test_errors_cross_a_process_boundary_with_their_line() -> None:
    error = DocumentError(msg("{name}: file not found"), name="x.png")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is DocumentError and again.line == error.line
    assert str(again) == str(error)


def test_convert_error_names_the_file() -> None:
    error = ConvertError(Path("model.gguf"), "tensor\nmissing")
    assert str(error) == "model.gguf: tensor missing" and error.problem == "tensor missing"


def test_anything_else_is_an_internal_error_with_its_type() -> None:
    assert describe(ValueError("bad\nvalue")) == "internal error: ValueError: bad value"
    assert describe(KeyError()) == "internal error: KeyError"
    assert describe(BlueLMError()) == "BlueLMError"
    assert line_of(ValueError("x")).template == "internal error: {kind}: {error}"


def test_a_template_that_does_not_match_its_fields_still_shows_them() -> None:
    """A translator's typo ({nmae}) must not turn an error message into a crash."""
    assert fill("{nmae}: 找不到", {"name": "a.png"}) == "{nmae}: 找不到 (name=a.png)"
    assert fill("{name", {"name": "a.png"}) == "{name (name=a.png)"


@given(st.dictionaries(FIELD_NAMES, VALUES, max_size=4))
@example({"template": 0, "cls": "x"})  # a field may share a name with a parameter
def test_every_field_of_a_template_is_filled(values: dict[str, object]) -> None:
    template = " · ".join(f"{k}={{{k}}}" for k in values) or "nothing"
    line = Line.of(template, **values)
    assert str(line) == (" · ".join(f"{k}={v}" for k, v in values.items()) or "nothing")
    error = BlueLMError(msg(template), **values)
    assert str(error) == str(line) and error.line == line
    assert pickle.loads(pickle.dumps(line)) == line
