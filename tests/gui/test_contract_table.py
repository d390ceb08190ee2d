"""The contract table: terms and clauses from an answer, clause pages checked against the
page, edits, export (offscreen)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.tasks.contract import parse_contract
from bluelm_desktop.ui.contract_table import ContractPanel

pytestmark = pytest.mark.qt_log_level_fail("WARNING")

ANSWER = json.dumps({
    "title": "Services Agreement", "parties": "Northwind (Supplier); Bluefield (Client)",
    "effective_date": "2024-03-01", "term": "24 months", "renewal": None,
    "notice_period": "90 days", "amounts": None, "governing_law": "Washington",
    "signatories": None,
    "clauses": [{"title": "Notice period", "page": "4", "summary": "90 days."},
                {"title": "Escrow", "page": "6", "summary": "Made up."}]})


def words(text: str) -> list[TextSpan]:
    return [TextSpan(w, (10.0 * i, 0, 10.0 * i + 9, 10)) for i, w in enumerate(text.split())]


@pytest.fixture
def panel(qtbot: QtBot, tmp_path: Path) -> Iterator[ContractPanel]:
    host = QWidget()
    qtbot.addWidget(host)
    widget = ContractPanel(host, choose_file=lambda *_: str(tmp_path / "terms"))
    widget.setGeometry(0, 0, 700, 700)
    host.show()
    yield widget


def test_terms_and_clauses_with_their_pages_checked(panel: ContractPanel,
                                                     tmp_path: Path) -> None:
    panel.show_answer(ANSWER, {("contract.pdf", 4): words("4. Notice period Either party")})
    terms, clauses = panel.terms_model, panel.clauses_model
    assert terms.headerData(5, Qt.Orientation.Vertical) == "Notice period"
    assert terms.data(terms.index(5, 0)) == "90 days"
    assert clauses.rowCount() == 2
    assert clauses.data(clauses.index(0, 1)) == "4 ✓"  # printed on page 4
    assert clauses.data(clauses.index(1, 1)) == "6"  # the model's word only
    assert "not found" in clauses.data(clauses.index(1, 1), Qt.ItemDataRole.ToolTipRole)

    assert not terms.setData(terms.index(2, 0), "1 March")  # not a date: refused
    assert panel.status_label.text().startswith("“1 March” is not a date")
    assert terms.setData(terms.index(1, 0), "Northwind Lighting Co. (Supplier)")
    assert panel.export_json()
    saved = parse_contract((tmp_path / "terms.json").read_text(encoding="utf-8"))
    assert saved.parties == "Northwind Lighting Co. (Supplier)"
    assert panel.export_csv(tmp_path / "terms.csv")
    assert (tmp_path / "terms.csv").read_bytes().startswith(b"\xef\xbb\xbftitle,parties")
