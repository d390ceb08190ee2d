"""The contract table: a contract's key terms and its clauses, editable, exportable.

Two models over one `Contract` (the data lives there, never in widgets), as the invoice
table has: `ContractTermsModel`, the terms as a form (one row per term, named in the
vertical header), and `ClausesModel`, one row per clause (title, page, summary). A
clause's page says whether it was found printed there ("4 ✓", from the text layer) or is
the model's word only. `ContractPanel` shows both and exports CSV / JSON atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.tasks.contract import (
    CONTRACT_FIELDS,
    Contract,
    contract_to_csv,
    contract_to_json,
    parse_contract,
    verify_clause_pages,
)
from bluelm_desktop.core.tasks.invoice import CSV_ENCODING, clean_text, read_date
from bluelm_desktop.ui.extraction_table import (
    UNSAFE_NAME,
    FileChooser,
    export_to_file,
    save_file_dialog,
)
from bluelm_desktop.ui.i18n import tr_line

AnyIndex = QModelIndex | QPersistentModelIndex
Pages = Mapping[tuple[str, int], Sequence[TextSpan]]


class _ContractModel(QAbstractTableModel):
    """What both models share: the contract they edit, every cell editable."""

    edited = Signal()  # a cell of the contract changed (it is changed in place)

    def __init__(self, contract: Contract | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._contract = contract or Contract()

    def set_contract(self, contract: Contract) -> None:
        self.beginResetModel()
        self._contract = contract
        self.endResetModel()

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable)


class ContractTermsModel(_ContractModel):
    """The contract's terms as a form: row = term, one editable column of values."""

    editRejected = Signal(str)

    def labels(self) -> tuple[str, ...]:
        return (self.tr("Title"), self.tr("Parties"), self.tr("Effective date"),
                self.tr("Term"), self.tr("Renewal"), self.tr("Notice period"),
                self.tr("Amounts"), self.tr("Governing law"), self.tr("Signatories"))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's API)
        return 0 if parent.isValid() else len(CONTRACT_FIELDS)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(CONTRACT_FIELDS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = getattr(self._contract, CONTRACT_FIELDS[index.row()])
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole and index.row() == 2:
            return self.tr("YYYY-MM-DD")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            labels = self.labels()
            return labels[section] if 0 <= section < len(labels) else None
        return self.tr("Value") if section == 0 else None

    def setData(self, index: AnyIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        name = CONTRACT_FIELDS[index.row()]
        text = str(value or "")
        if name == "effective_date":
            try:
                parsed: object = read_date(text) if text.strip() else None
            except ValueError:
                self.editRejected.emit(self.tr("“{text}” is not a date: write dates as "
                                               "YYYY-MM-DD.").format(text=text.strip()))
                return False
        else:
            parsed = clean_text(text)
        setattr(self._contract, name, parsed)
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True


class ClausesModel(_ContractModel):
    """One row per clause: title, page ("4 ✓" when the title is printed there), summary."""

    def titles(self) -> tuple[str, ...]:
        return self.tr("Clause"), self.tr("Page"), self.tr("Summary")

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._contract.clauses)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._contract.clauses):
            return None
        clause = self._contract.clauses[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole and column == 1:
            if clause.page is None:
                return ""
            return f"{clause.page} ✓" if clause.verified else str(clause.page)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            value = (clause.title, clause.page, clause.summary)[column]
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and clause.page is not None:
            return (self.tr("The clause's title is printed on this page.") if clause.verified
                    else self.tr("The page the model gave; the title was not found printed "
                                 "there."))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        titles = self.titles()
        return titles[section] if 0 <= section < len(titles) else None

    def setData(self, index: AnyIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        clause = self._contract.clauses[index.row()]
        text = str(value or "").strip()
        if index.column() == 1:
            if text and not text.isdigit():
                return False
            clause.page, clause.verified = (int(text) if text else None), False
        elif index.column() == 0:
            clause.title = clean_text(text)
        else:
            clause.summary = clean_text(text)
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True


class ContractPanel(QWidget):
    """The contract's terms and clauses, editable, with CSV / JSON export."""

    edited = Signal()  # the user changed a term or a clause; `contract()` has the values
    exported = Signal(str)
    exportFailed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *,
                 choose_file: FileChooser | None = None) -> None:
        super().__init__(parent)
        self._choose_file: FileChooser = choose_file or save_file_dialog
        self._last_dir = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        self._contract = Contract()
        self.terms_model = ContractTermsModel(self._contract, self)
        self.clauses_model = ClausesModel(self._contract, self)
        self.terms_view = QTableView(self)
        self.terms_view.setModel(self.terms_model)
        self.terms_view.horizontalHeader().hide()
        self.terms_view.horizontalHeader().setStretchLastSection(True)
        self.terms_view.setAccessibleName(self.tr("Contract terms"))
        self.clauses_view = QTableView(self)
        self.clauses_view.setModel(self.clauses_model)
        self.clauses_view.setAccessibleName(self.tr("Clauses"))
        header = self.clauses_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.problems_label = QLabel(self)
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label = QLabel(self)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.export_csv_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_json_button = QPushButton(self.tr("Export JSON…"), self)
        terms_title, clauses_title = QLabel(self.tr("Key terms")), QLabel(self.tr("Clauses"))
        for title in (terms_title, clauses_title):
            font = title.font()
            font.setBold(True)
            title.setFont(font)
        exports = QHBoxLayout()
        exports.addWidget(self.status_label, 1)
        exports.addWidget(self.export_csv_button)
        exports.addWidget(self.export_json_button)
        layout = QVBoxLayout(self)
        layout.addWidget(terms_title)
        layout.addWidget(self.terms_view, 1)
        layout.addWidget(clauses_title)
        layout.addWidget(self.clauses_view, 1)
        layout.addWidget(self.problems_label)
        layout.addLayout(exports)
        self.terms_model.editRejected.connect(self.status_label.setText)
        self.terms_model.edited.connect(self.edited)
        self.clauses_model.edited.connect(self.edited)
        self.export_csv_button.clicked.connect(lambda: self.export_csv())
        self.export_json_button.clicked.connect(lambda: self.export_json())

    def contract(self) -> Contract:
        return self._contract

    def show_answer(self, text: str, pages: Pages | None = None) -> Contract:
        """Read the model's answer (never fails: problems are shown), check its clause
        pages against the pages' text layers, and show it."""
        contract = parse_contract(text)
        if pages:
            verify_clause_pages(contract, pages)
        self._contract = contract
        self.terms_model.set_contract(contract)
        self.clauses_model.set_contract(contract)
        self.problems_label.setText("\n".join(tr_line(p) for p in contract.problems))
        self.status_label.setText("")
        return contract

    def clear(self) -> None:
        """Show no contract (another conversation, without an extraction, is open)."""
        self._contract = Contract()
        self.terms_model.set_contract(self._contract)
        self.clauses_model.set_contract(self._contract)
        self.problems_label.setText("")
        self.status_label.setText("")

    def table_json(self) -> str:
        """The contract shown, edits included, as JSON that `show_answer` reads back."""
        return contract_to_json(self._contract)

    def export_csv(self, path: str | Path | None = None) -> bool:
        return self._export(path, "csv", self.tr("Export contract terms as CSV"),
                            self.tr("CSV files (*.csv)"),
                            lambda c: contract_to_csv(c).encode(CSV_ENCODING))

    def export_json(self, path: str | Path | None = None) -> bool:
        return self._export(path, "json", self.tr("Export contract terms as JSON"),
                            self.tr("JSON files (*.json)"),
                            lambda c: contract_to_json(c).encode("utf-8"))

    def _export(self, path: str | Path | None, suffix: str, caption: str, name_filter: str,
                encode: Callable[[Contract], bytes]) -> bool:
        stem = UNSAFE_NAME.sub("-", self._contract.title or "").strip("-.")[:40]
        suggested = Path(self._last_dir) / f"contract{'-' + stem if stem else ''}.{suffix}"
        written, error = export_to_file(self, self._choose_file, path, suggested, suffix,
                                        caption, name_filter, encode(self._contract))
        if written is None:
            return False  # cancelled
        path = written
        if error is not None:
            message = self.tr("Could not save {name}: {error}").format(name=path.name,
                                                                        error=error)
            self.status_label.setText(message)
            self.exportFailed.emit(message)
            return False
        self._last_dir = str(path.parent)
        self.status_label.setText(self.tr("Saved {name}.").format(name=path.name))
        self.exported.emit(str(path))
        return True
