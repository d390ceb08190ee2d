"""The extraction table offscreen: fill from an invoice, edit cells (through the model and
through a real editor), watch the totals warning come and go, export and read back.

Qt warnings fail these tests; the save dialog is replaced by a function (`choose_file`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.tasks import (
    CSV_ENCODING,
    Invoice,
    LineItem,
    from_csv,
    parse_invoice,
    to_json,
)
from bluelm_desktop.ui.extraction_table import (
    ExtractionPanel,
    InvoiceFieldsModel,
    LineItemsModel,
)

pytestmark = pytest.mark.qt_log_level_fail("WARNING")

D = Decimal
SUBTOTAL_ROW, TAX_ROW, TOTAL_ROW = 5, 6, 7
AMOUNT_COL = 3


def sample() -> Invoice:
    return Invoice(
        vendor="上海蓝天贸易有限公司", invoice_number="INV/2024-07",
        invoice_date=dt.date(2024, 3, 15), due_date=None, currency="CNY",
        subtotal=D("150.00"), tax=D("19.50"), total=D("169.50"),
        line_items=[LineItem("咨询服务", D("2"), D("50.00"), D("100.00")),
                    LineItem("=SUM(A1:A9)", D("1"), D("50.00"), D("50.00"))])


class Chooser:
    """Stands in for QFileDialog.getSaveFileName: answers with a path, records the asks."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str, str]] = []

    def __call__(self, parent: QWidget, caption: str, suggested: str, name_filter: str) -> str:
        self.asked.append((caption, suggested, name_filter))
        return self.answer


@pytest.fixture
def panel(qtbot: QtBot, tmp_path: Path) -> Iterator[ExtractionPanel]:
    """A shown panel (cell editors need focus), inside a host window without a layout:
    the offscreen platform warns "does not support propagateSizeHints()" for top-level
    windows with one, and Qt warnings fail these tests."""
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(700, 700)
    widget = ExtractionPanel(host, choose_file=Chooser(str(tmp_path / "out.csv")))
    widget.setGeometry(0, 0, 700, 700)
    widget.set_invoice(sample())
    host.show()
    qtbot.waitExposed(host)
    yield widget  # the host stays referenced (and alive) until the test ends
    host.close()


def _cell(model: InvoiceFieldsModel | LineItemsModel, row: int, col: int = 0) -> str:
    return str(model.data(model.index(row, col)))


def test_fills_from_an_invoice(panel: ExtractionPanel) -> None:
    fields, items = panel.fields_model, panel.items_model
    assert (fields.rowCount(), fields.columnCount()) == (8, 1)
    assert [_cell(fields, r) for r in range(8)] == [
        "上海蓝天贸易有限公司", "INV/2024-07", "2024-03-15", "", "CNY", "150.00", "19.50",
        "169.50"]
    assert fields.headerData(0, Qt.Orientation.Vertical) == "Vendor"
    assert (items.rowCount(), items.columnCount()) == (2, 4)
    assert [_cell(items, 0, c) for c in range(4)] == ["咨询服务", "2", "50.00", "100.00"]
    assert items.headerData(2, Qt.Orientation.Horizontal) == "Unit price"
    amount_alignment = items.data(items.index(0, AMOUNT_COL), Qt.ItemDataRole.TextAlignmentRole)
    assert amount_alignment & Qt.AlignmentFlag.AlignRight
    assert panel.warnings() == [] and not panel.warnings_label.isVisible()
    assert panel.fields_view.verticalScrollBar().maximum() == 0  # the whole form shows


def test_edit_updates_the_invoice_and_the_totals_warning(panel: ExtractionPanel,
                                                         qtbot: QtBot) -> None:
    items, fields = panel.items_model, panel.fields_model
    with qtbot.waitSignal(panel.edited):
        assert items.setData(items.index(0, AMOUNT_COL), "90")
    assert panel.invoice().line_items[0].amount == D(90)
    assert panel.warnings_label.isVisible()
    assert panel.warnings() == [
        "Line 1: 2 × 50.00 = 100, but the amount is 90.",  # shown as precise as the amount
        "The line items add up to 140.00, but the subtotal is 150.00.",
    ]
    assert "⚠ Line 1" in panel.warnings_label.text()
    with qtbot.waitSignal(panel.edited):
        assert items.setData(items.index(0, AMOUNT_COL), "100.00")
    assert panel.warnings() == [] and not panel.warnings_label.isVisible()
    with qtbot.waitSignal(panel.edited):
        assert fields.setData(fields.index(TOTAL_ROW, 0), " 1,169.50 ")
    assert panel.invoice().total == D("1169.50")
    assert _cell(fields, TOTAL_ROW) == "1169.50"
    assert panel.warnings() == [
        "Subtotal 150.00 + tax 19.50 = 169.50, but the total is 1169.50."]


def test_unreadable_edit_is_refused_with_a_reason(panel: ExtractionPanel,
                                                  qtbot: QtBot) -> None:
    fields = panel.fields_model
    with qtbot.waitSignal(fields.editRejected) as rejected:
        assert not fields.setData(fields.index(TAX_ROW, 0), "about 20")
    assert "“about 20” is not a number" in rejected.args[0]
    assert panel.status_label.text() == rejected.args[0]
    assert panel.invoice().tax == D("19.50")
    assert not fields.setData(fields.index(2, 0), "15/03/2024")
    assert "YYYY-MM-DD" in panel.status_label.text()
    assert fields.setData(fields.index(2, 0), "")  # empty: not known
    assert panel.invoice().invoice_date is None
    assert fields.setData(fields.index(4, 0), "usd")
    assert panel.invoice().currency == "USD"
    assert panel.status_label.text() == ""  # a good edit clears the complaint


def test_edit_through_the_cell_editor(panel: ExtractionPanel, qtbot: QtBot) -> None:
    view, items = panel.items_view, panel.items_model
    index = items.index(1, AMOUNT_COL)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "50.00"
    editor.selectAll()
    qtbot.keyClicks(editor, "55.00")
    with qtbot.waitSignal(panel.edited):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert panel.invoice().line_items[1].amount == D("55.00")
    assert any("Line 2" in w for w in panel.warnings())


def test_add_and_remove_lines(panel: ExtractionPanel, qtbot: QtBot) -> None:
    assert not panel.remove_button.isEnabled()
    with qtbot.waitSignal(panel.edited):
        panel.add_button.click()
    assert len(panel.invoice().line_items) == 3
    assert panel.invoice().line_items[2] == LineItem()
    assert panel.warnings() == []  # an empty line has no amount: the sum is not checked
    panel.items_view.setFocus()  # closes the editor add_line opened
    panel.items_view.selectRow(0)
    assert panel.remove_button.isEnabled()
    with qtbot.waitSignal(panel.edited):
        panel.remove_button.click()
    assert [i.description for i in panel.invoice().line_items] == ["=SUM(A1:A9)", None]


def test_export_csv_and_json_and_read_back(panel: ExtractionPanel, qtbot: QtBot,
                                           tmp_path: Path) -> None:
    panel.items_model.setData(panel.items_model.index(0, 0), "咨询服务 (修改)")
    chooser = Chooser(str(tmp_path / "invoice"))  # no suffix: one is added
    panel._choose_file = chooser
    with qtbot.waitSignal(panel.exported) as saved:
        panel.export_csv_button.click()
    csv_path = Path(saved.args[0])
    assert csv_path == tmp_path / "invoice.csv"
    assert chooser.asked[0][1].endswith("invoice-INV-2024-07.csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets then read UTF-8
    assert b"'=SUM(A1:A9)" in raw  # text from the image never becomes a formula
    assert from_csv(raw.decode(CSV_ENCODING)) == panel.invoice()
    assert panel.status_label.text() == "Saved invoice.csv."

    json_path = tmp_path / "sub" / "x.json"
    json_path.parent.mkdir()
    with qtbot.waitSignal(panel.exported):
        assert panel.export_json(json_path)
    text = json_path.read_text(encoding="utf-8")
    assert json.loads(text)["line_items"][0]["description"] == "咨询服务 (修改)"
    back = parse_invoice(text)
    assert back == panel.invoice() and back.problems == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invoice.csv", "sub"]  # no temps


def test_export_over_an_existing_file_and_cancel(panel: ExtractionPanel,
                                                 tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    assert panel.export_json(target)
    assert parse_invoice(target.read_text(encoding="utf-8")) == sample()
    panel._choose_file = Chooser("")  # the user pressed Cancel: nothing happens, no word
    assert not panel.export_csv()
    assert panel.status_label.text() == "Saved out.json."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_export_failure_is_a_sentence_and_keeps_nothing(panel: ExtractionPanel,
                                                        qtbot: QtBot, tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "x.csv"
    with qtbot.waitSignal(panel.exportFailed) as failed:
        assert not panel.export_csv(missing)
    assert failed.args[0].startswith("Could not save x.csv: ")
    assert panel.status_label.text() == failed.args[0]
    assert not missing.parent.exists()


def test_show_answer_shows_problems(qtbot: QtBot) -> None:
    panel = ExtractionPanel(choose_file=Chooser(""))
    qtbot.addWidget(panel)
    assert not panel.export_csv_button.isEnabled()  # nothing to export yet
    cut = to_json(sample())[:200]
    invoice = panel.show_answer(cut)
    assert panel.export_csv_button.isEnabled()
    assert invoice.vendor == "上海蓝天贸易有限公司" and invoice.line_items == []
    assert panel.warnings()[0].startswith("the answer was cut off")
    assert "cut off" in panel.warnings_label.text()


def test_models_ignore_invalid_indexes() -> None:
    fields, items = InvoiceFieldsModel(sample()), LineItemsModel(sample())
    assert fields.data(QModelIndex()) is None and items.data(items.index(9, 0)) is None
    assert not items.setData(items.index(9, 0), "x")
    assert not items.removeRows(1, 5) and not items.insertRows(7, 1)
    assert fields.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def _printed(*lines: str) -> list[TextSpan]:
    """Words of printed lines, 10 px a character (a text layer, as MuPDF gives it)."""
    out: list[TextSpan] = []
    for row, text in enumerate(lines):
        x = 0.0
        for word in text.split():
            out.append(TextSpan(word, (x, 20.0 * row, x + 10 * len(word), 20.0 * row + 12)))
            x += 10 * (len(word) + 1)
    return out


def test_each_field_is_checked_against_the_page(panel: ExtractionPanel) -> None:
    """Fields the page prints are marked with their page; a misread total is flagged, and
    typing the printed value clears the flag."""
    page = _printed("上海蓝天贸易有限公司", "Invoice INV/2024-07 Issued March 15, 2024",
                    "Subtotal ¥150.00 Tax ¥19.50", "Total due ¥169.50")
    answer = to_json(sample()).replace("169.50", "196.50")  # the model misread the total
    panel.show_answer(answer, {("invoice.pdf", 1): page})
    model = panel.fields_model
    assert model.columnCount() == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "On the page"

    def mark(row: int) -> str:
        return model.data(model.index(row, 1))

    assert [mark(r) for r in (0, 1, 2, 5, 6)] == ["✓ p. 1"] * 5
    assert mark(3) is None and mark(4) is None  # no due date; the currency is not checked
    assert mark(TOTAL_ROW) == "✗ not on the page"
    assert "Total 196.50 is not printed on the pages: check it." in panel.warnings()
    assert model.setData(model.index(TOTAL_ROW, 0), "169.50")
    assert mark(TOTAL_ROW) == "✓ p. 1"
    assert not any("not printed" in w for w in panel.warnings())
    assert not model.setData(model.index(TOTAL_ROW, 1), "x")  # the mark is not editable


def test_without_pages_there_is_no_check(panel: ExtractionPanel) -> None:
    panel.show_answer(to_json(sample()))
    assert panel.fields_model.columnCount() == 1
    assert not any("not printed" in w for w in panel.warnings())
