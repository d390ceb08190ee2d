"""The extraction table: an invoice's fields, editable, checked as they change, exportable.

Two models over one `Invoice` (the data lives there, never in widgets):
- `InvoiceFieldsModel`: the header fields as a form, one row per field and one column of
  values, the field names in the vertical header;
- `LineItemsModel`: one row per line item (description, quantity, unit price, amount).
Two models rather than one, because the two parts have different columns: one table with
a form section above the items would give every column two meanings, and sorting,
selection and editors would have to know which part a row is in.

Edits are parsed as the core reads the model's answer (`read_decimal`, `read_date`, ...)
and written into the `Invoice` in place; a value that cannot be read is refused, with a
sentence saying why. `ExtractionPanel` shows both tables, re-runs `check_totals` after
every edit and shows the warnings, and exports CSV / JSON atomically (QSaveFile).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QIODevice,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSaveFile,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.documents.model import TextSpan
from bluelm_desktop.core.errors import Line
from bluelm_desktop.core.tasks.grounding import Found
from bluelm_desktop.core.tasks.invoice import (
    CSV_ENCODING,
    HEADER_FIELDS,
    ITEM_FIELDS,
    Invoice,
    LineItem,
    check_against_pages,
    check_totals,
    clean_text,
    fields_on_pages,
    parse_invoice,
    read_currency,
    read_date,
    read_decimal,
    to_csv,
    to_json,
)
from bluelm_desktop.ui.i18n import tr_line

AnyIndex = QModelIndex | QPersistentModelIndex

# (parent, caption, suggested path, name filter) → chosen path, "" when cancelled: the
# shape of QFileDialog.getSaveFileName's first result, so tests can pass a lambda.
FileChooser = Callable[[QWidget, str, str, str], str]

_AMOUNTS: Final = frozenset({"subtotal", "tax", "total", "quantity", "unit_price", "amount"})
_DATES: Final = frozenset({"invoice_date", "due_date"})


def _display(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return format(value, "f") if not isinstance(value, str) else value


class _InvoiceModel(QAbstractTableModel):
    """What both models share: the invoice they edit, and reading a typed cell."""

    edited = Signal()  # a cell of the invoice changed (it is changed in place)
    editRejected = Signal(str)  # a typed value could not be read; the sentence says why

    def __init__(self, invoice: Invoice | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._invoice = invoice if invoice is not None else Invoice()

    def invoice(self) -> Invoice:
        return self._invoice

    def set_invoice(self, invoice: Invoice) -> None:
        self.beginResetModel()
        self._invoice = invoice
        self.endResetModel()

    def retranslate(self) -> None:
        """Headers again, after the UI language changed."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        if self.rowCount() > 0:
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, self.rowCount() - 1)

    def _read(self, name: str, text: str) -> Any:
        """The value typed into a cell of field `name`; ValueError says why not."""
        text = str(text)
        if not text.strip():
            return None
        if name in _AMOUNTS:
            try:
                return read_decimal(text)
            except ValueError:
                raise ValueError(self.tr("“{text}” is not a number: write amounts like 1234.50.")
                                 .format(text=text.strip())) from None
        if name in _DATES:
            try:
                return read_date(text)
            except ValueError:
                raise ValueError(self.tr("“{text}” is not a date: write dates as YYYY-MM-DD.")
                                 .format(text=text.strip())) from None
        if name == "currency":
            return read_currency(text)
        return clean_text(text)

    def _store(self, target: object, name: str, index: AnyIndex, value: object) -> bool:
        try:
            parsed = self._read(name, str(value) if value is not None else "")
        except ValueError as e:
            self.editRejected.emit(str(e))
            return False
        old = getattr(target, name)
        # Compared as shown too: 1.5 → 1.50 is the same number but a visible edit.
        if old != parsed or _display(old) != _display(parsed):
            setattr(target, name, parsed)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole,
                                                 Qt.ItemDataRole.EditRole])
            self.edited.emit()
        return True

    def _alignment(self, name: str) -> Qt.AlignmentFlag:
        if name in _AMOUNTS:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class InvoiceFieldsModel(_InvoiceModel):
    """The invoice's header fields as a form: row = field (named in the vertical header),
    one column of values, every value editable; with the pages' text layer known
    (`set_pages`), a second column says where each value is printed, or that it is not."""

    def __init__(self, invoice: Invoice | None = None, parent: QObject | None = None) -> None:
        super().__init__(invoice, parent)
        self._pages: Mapping[tuple[str, int], Sequence[TextSpan]] = {}
        self._found: dict[str, Found | None] = {}

    def set_pages(self, pages: Mapping[tuple[str, int], Sequence[TextSpan]]) -> None:
        """The text layers of the pages the invoice was read from (empty: none known)."""
        self.beginResetModel()
        self._pages = pages
        self._found = fields_on_pages(self._invoice, pages) if pages else {}
        self.endResetModel()

    def pages(self) -> Mapping[tuple[str, int], Sequence[TextSpan]]:
        return self._pages

    def found(self) -> dict[str, Found | None]:
        """Field → where its value is printed (None: on no page); checked fields only."""
        return dict(self._found)

    def set_invoice(self, invoice: Invoice) -> None:
        self._found = fields_on_pages(invoice, self._pages) if self._pages else {}
        super().set_invoice(invoice)

    def field_labels(self) -> tuple[str, ...]:
        return (self.tr("Vendor"), self.tr("Invoice number"), self.tr("Invoice date"),
                self.tr("Due date"), self.tr("Currency"), self.tr("Subtotal"),
                self.tr("Tax"), self.tr("Total"))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's API)
        return 0 if parent.isValid() else len(HEADER_FIELDS)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else (2 if self._pages else 1)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(HEADER_FIELDS):
            return None
        name = HEADER_FIELDS[index.row()]
        if index.column() == 1:
            return self._on_page(name, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return _display(getattr(self._invoice, name))
        # Left-aligned even for amounts: in a one-column form the value belongs next to
        # its label, not a window's width away.
        if role == Qt.ItemDataRole.ToolTipRole and name in _DATES:
            return self.tr("YYYY-MM-DD")
        return None

    def _on_page(self, name: str, role: int) -> Any:
        """The second column: "✓ p. 1" where the value is printed, "not on the page"."""
        if name not in self._found:
            return None  # no value, or a field not checked (the currency)
        found = self._found[name]
        if role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("✓ p. {page}").format(page=found.page) if found is not None
                    else self.tr("✗ not on the page"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return (self.tr("Printed on page {page} of {document}: the value is exact.")
                    .format(page=found.page, document=Path(found.document).name)
                    if found is not None else
                    self.tr("The page's text does not print this value: check it."))
        if role == Qt.ItemDataRole.ForegroundRole and found is None:
            return QColor(179, 38, 30)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            labels = self.field_labels()
            return labels[section] if 0 <= section < len(labels) else None
        return {0: self.tr("Value"), 1: self.tr("On the page")}.get(section)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() == 1:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable)

    def setData(self, index: AnyIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != 0
                or not 0 <= index.row() < len(HEADER_FIELDS)):
            return False
        name = HEADER_FIELDS[index.row()]
        stored = self._store(self._invoice, name, index, value)
        if stored and self._pages:  # the edited value, looked for again
            self._found = fields_on_pages(self._invoice, self._pages)
            mark = self.index(index.row(), 1)
            self.dataChanged.emit(mark, mark)
        return stored


class LineItemsModel(_InvoiceModel):
    """One row per line item; rows can be added (a line the model missed) and removed."""

    def column_titles(self) -> tuple[str, ...]:
        return (self.tr("Description"), self.tr("Quantity"), self.tr("Unit price"),
                self.tr("Amount"))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._invoice.line_items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ITEM_FIELDS)

    def _valid(self, index: AnyIndex) -> bool:
        return (index.isValid() and 0 <= index.row() < len(self._invoice.line_items)
                and 0 <= index.column() < len(ITEM_FIELDS))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        name = ITEM_FIELDS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return _display(getattr(self._invoice.line_items[index.row()], name))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment(name)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        titles = self.column_titles()
        return titles[section] if 0 <= section < len(titles) else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not self._valid(index):
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable)

    def setData(self, index: AnyIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not self._valid(index):
            return False
        item = self._invoice.line_items[index.row()]
        return self._store(item, ITEM_FIELDS[index.column()], index, value)

    def insertRows(self, row: int, count: int,
                   parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        items = self._invoice.line_items
        if parent.isValid() or count < 1 or not 0 <= row <= len(items):
            return False
        self.beginInsertRows(QModelIndex(), row, row + count - 1)
        items[row:row] = [LineItem() for _ in range(count)]
        self.endInsertRows()
        self.edited.emit()
        return True

    def removeRows(self, row: int, count: int,
                   parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        items = self._invoice.line_items
        if parent.isValid() or count < 1 or row < 0 or row + count > len(items):
            return False
        self.beginRemoveRows(QModelIndex(), row, row + count - 1)
        del items[row:row + count]
        self.endRemoveRows()
        self.edited.emit()
        return True


def save_file_dialog(parent: QWidget, caption: str, suggested: str, name_filter: str) -> str:
    return QFileDialog.getSaveFileName(parent, caption, suggested, name_filter)[0]


def write_atomically(path: str | Path, data: bytes) -> str | None:
    """Write the whole file or leave the old one: QSaveFile writes a temporary file
    beside it and renames it over the target on commit. Returns None, or why not."""
    out = QSaveFile(str(path))
    if not out.open(QIODevice.OpenModeFlag.WriteOnly):
        return out.errorString()
    if out.write(data) != len(data):
        reason = out.errorString()
        out.cancelWriting()
        out.commit()  # discards the temporary file; the old file stays
        return reason
    if not out.commit():
        return out.errorString()
    return None


UNSAFE_NAME = re.compile(r"[^\w.-]+")


def export_to_file(parent: QWidget, choose_file: FileChooser, path: str | Path | None,
                   suggested: Path, suffix: str, caption: str, name_filter: str,
                   data: bytes) -> tuple[Path | None, str | None]:
    """Write an export: to `path`, or where the user chooses (starting at `suggested`).
    (the path written, None) on success, (None, None) if the user cancelled, (path, why)
    when it could not be written; the old file is never half-replaced."""
    if path is None:
        chosen = choose_file(parent, caption, str(suggested), name_filter)
        if not chosen:
            return None, None
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(f".{suffix}")
    path = Path(path)
    return path, write_atomically(path, data)


class ExtractionPanel(QWidget):
    """The invoice's fields and line items, editable, with totals warnings and export.

    `set_invoice(invoice)` (or `show_answer(text)`, which parses the model's answer
    first) shows an invoice; edits change that object in place and re-check the totals.
    `choose_file` replaces the save dialog (tests pass a function returning a path).
    """

    edited = Signal()  # the invoice changed; `invoice()` has the new values
    exported = Signal(str)  # the path just written
    exportFailed = Signal(str)  # one sentence, also shown in the panel

    def __init__(self, parent: QWidget | None = None, *,
                 choose_file: FileChooser | None = None) -> None:
        super().__init__(parent)
        self._choose_file: FileChooser = choose_file or save_file_dialog
        self._last_dir = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        invoice = Invoice()
        self.fields_model = InvoiceFieldsModel(invoice, self)
        self.items_model = LineItemsModel(invoice, self)

        self._fields_title = QLabel(self)
        self.fields_view = QTableView(self)
        self.fields_view.setModel(self.fields_model)
        self.fields_view.horizontalHeader().setStretchLastSection(True)
        self.fields_view.horizontalHeader().hide()
        self.fields_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # The row labels' column fits the longest label (a cached size clipped "发票号码").
        self.fields_model.headerDataChanged.connect(self._fit_row_labels)
        self.fields_model.modelReset.connect(self._fit_row_labels)
        self._fit_row_labels()
        self.fields_view.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.Fixed)

        self._items_title = QLabel(self)
        for title in (self._fields_title, self._items_title):
            font = title.font()
            font.setBold(True)
            title.setFont(font)
        self.items_view = QTableView(self)
        self.items_view.setModel(self.items_model)
        header = self.items_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(ITEM_FIELDS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.items_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)

        self.add_button = QPushButton(self)
        self.remove_button = QPushButton(self)
        self.warnings_label = QLabel(self)
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings_label.setObjectName("extractionWarnings")
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.export_csv_button = QPushButton(self)
        self.export_json_button = QPushButton(self)

        rows = QHBoxLayout()
        rows.addWidget(self.add_button)
        rows.addWidget(self.remove_button)
        rows.addStretch(1)
        exports = QHBoxLayout()
        exports.addWidget(self.status_label, 1)
        exports.addWidget(self.export_csv_button)
        exports.addWidget(self.export_json_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self._fields_title)
        layout.addWidget(self.fields_view)
        layout.addWidget(self._items_title)
        layout.addWidget(self.items_view, 1)
        layout.addLayout(rows)
        layout.addWidget(self.warnings_label)
        layout.addLayout(exports)

        for model in (self.fields_model, self.items_model):
            model.edited.connect(self._on_edited)
            model.editRejected.connect(self._show_status)
        self.add_button.clicked.connect(self.add_line)
        self.remove_button.clicked.connect(self.remove_selected_lines)
        self.export_csv_button.clicked.connect(lambda: self.export_csv())
        self.export_json_button.clicked.connect(lambda: self.export_json())
        self.items_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.items_model.modelReset.connect(self._update_buttons)
        self.items_model.rowsRemoved.connect(self._update_buttons)

        self._has_invoice = False
        self._retranslate()
        self._refresh_warnings()
        self._fit_fields_view()
        self._update_buttons()

    # --- showing an invoice ---------------------------------------------------------

    def invoice(self) -> Invoice:
        """The invoice shown, with the user's edits (the object given to `set_invoice`)."""
        return self.fields_model.invoice()

    def set_invoice(self, invoice: Invoice) -> None:
        """Show `invoice`; edits will change it in place."""
        self.fields_model.set_invoice(invoice)
        self.items_model.set_invoice(invoice)
        self._has_invoice = True
        self._show_status("")
        self._refresh_warnings()
        self._fit_fields_view()
        self._update_buttons()

    def show_answer(self, text: str, pages: Mapping[tuple[str, int],
                                                    Sequence[TextSpan]] | None = None
                    ) -> Invoice:
        """Parse the model's answer (never fails: problems are shown) and show it; with
        the text layers of the pages it was read from, each field is checked against
        them (document, page 1-based → words)."""
        invoice = parse_invoice(text)
        self.fields_model.set_pages(pages or {})
        self.set_invoice(invoice)
        return invoice

    def clear(self) -> None:
        """Show no invoice (another conversation, without an extraction, is open)."""
        self.fields_model.set_pages({})
        self.set_invoice(Invoice())
        self._has_invoice = False
        self._refresh_warnings()
        self._update_buttons()

    def _fit_row_labels(self) -> None:
        header = self.fields_view.verticalHeader()
        metrics = header.fontMetrics()
        labels = self.fields_model.field_labels()
        widest = max((metrics.horizontalAdvance(str(label)) for label in labels), default=0)
        header.setMinimumWidth(widest + 2 * metrics.averageCharWidth() + 8)

    def table_json(self) -> str:
        """The invoice shown, edits included, as JSON that `show_answer` reads back."""
        return to_json(self.invoice())

    def warning_lines(self) -> list[Line]:
        """The warnings as the core says them: reading problems first, then totals checks,
        then fields the pages do not print. Computed afresh from the invoice and its
        pages (so a reopened conversation, whose table is read again, has them too)."""
        invoice = self.invoice()
        if not self._has_invoice:
            return []
        return [*invoice.problems, *check_totals(invoice),
                *check_against_pages(invoice, self.fields_model.pages())]

    def warnings(self) -> list[str]:
        """What the warnings line shows, one line each, in the interface's language."""
        return [tr_line(line) for line in self.warning_lines()]

    def add_line(self) -> None:
        """An empty line item after the selected one (at the end without a selection)."""
        rows = self._selected_rows()
        row = rows[-1] + 1 if rows else self.items_model.rowCount()
        self.items_model.insertRows(row, 1)
        self.items_view.setCurrentIndex(self.items_model.index(row, 0))
        self.items_view.edit(self.items_model.index(row, 0))

    def remove_selected_lines(self) -> None:
        for row in reversed(self._selected_rows()):
            self.items_model.removeRows(row, 1)

    def _selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.items_view.selectionModel().selectedRows()})

    # --- export ---------------------------------------------------------------------

    def export_csv(self, path: str | Path | None = None) -> bool:
        """Write the invoice as CSV (UTF-8 with BOM, for spreadsheets) to `path`, or to a
        file the user chooses; False if cancelled or failed (the panel says why)."""
        return self._export(path, "csv", self.tr("Export invoice as CSV"),
                            self.tr("CSV files (*.csv)"),
                            lambda inv: to_csv(inv).encode(CSV_ENCODING))

    def export_json(self, path: str | Path | None = None) -> bool:
        """Write the invoice as UTF-8 JSON to `path`, or to a file the user chooses."""
        return self._export(path, "json", self.tr("Export invoice as JSON"),
                            self.tr("JSON files (*.json)"),
                            lambda inv: to_json(inv).encode("utf-8"))

    def _export(self, path: str | Path | None, suffix: str, caption: str, name_filter: str,
                encode: Callable[[Invoice], bytes]) -> bool:
        written, error = export_to_file(
            self, self._choose_file, path, Path(self._last_dir) / self._suggested_name(suffix),
            suffix, caption, name_filter, encode(self.invoice()))
        if written is None:
            return False  # cancelled: nothing to say
        path = written
        if error is not None:
            message = self.tr("Could not save {name}: {error}").format(name=path.name, error=error)
            self._show_status(message)
            self.exportFailed.emit(message)
            return False
        self._last_dir = str(path.parent)
        self._show_status(self.tr("Saved {name}.").format(name=path.name))
        self.exported.emit(str(path))
        return True

    def _suggested_name(self, suffix: str) -> str:
        number = self.invoice().invoice_number
        stem = UNSAFE_NAME.sub("-", number).strip("-.")[:40] if number else ""
        return f"invoice-{stem}.{suffix}" if stem else f"invoice.{suffix}"

    # --- keeping the view current ---------------------------------------------------

    def _on_edited(self) -> None:
        self._show_status("")
        self._refresh_warnings()
        self.edited.emit()

    def _refresh_warnings(self) -> None:
        lines = self.warnings()
        self.warnings_label.setText("\n".join(f"⚠ {line}" for line in lines))
        self.warnings_label.setVisible(bool(lines))

    def _show_status(self, text: str) -> None:
        self.status_label.setText(text)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self._selected_rows()))
        for button in (self.add_button, self.export_csv_button, self.export_json_button):
            button.setEnabled(self._has_invoice)

    def _fit_fields_view(self) -> None:
        """The form shows all its rows, no scroll bar and no empty space under them."""
        view = self.fields_view
        view.setFixedHeight(view.verticalHeader().length() + 2 * view.frameWidth())

    def showEvent(self, event: QShowEvent) -> None:
        self._fit_fields_view()  # the style and font are final now
        super().showEvent(event)

    def _retranslate(self) -> None:
        self._fields_title.setText(self.tr("Invoice"))
        self._items_title.setText(self.tr("Line items"))
        self.fields_view.setAccessibleName(self.tr("Invoice fields"))
        self.fields_view.setAccessibleDescription(self.tr(
            "One field a row, editable: F2 or typing changes a value"))
        self.items_view.setAccessibleName(self.tr("Line items"))
        self.items_view.setAccessibleDescription(self.tr(
            "One line of the invoice a row, editable: F2 or typing changes a value"))
        self.add_button.setText(self.tr("Add line"))
        self.remove_button.setText(self.tr("Remove line"))
        self.export_csv_button.setText(self.tr("Export CSV…"))
        self.export_json_button.setText(self.tr("Export JSON…"))
        self.fields_model.retranslate()
        self.items_model.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            self._refresh_warnings()
        super().changeEvent(event)
