"""The settings dialog: every user setting on four tabs, bounded by the settings' own limits.

The dialog edits a copy: it is built from a `Settings` and `chosen()` returns a new one
(the core type is frozen and validates itself), so Cancel needs no undo and the window
decides what a change means (save it, switch the theme, reload the model). Spin-box
ranges and combo entries come from `settings.limits_of`, the same limits the loader
enforces, so the dialog can never produce a value the file would reject.

What needs more than saving is said next to the setting: the performance settings reload
the model (llama.cpp fixes threads, context and batch when a context is made), and the
interface language is read when the app starts. The server page (`ServerPage`) switches
answers to a llama.cpp server; its API key is not a setting: `chosen_api_key()` hands it
to the window, which keeps it in a file of its own.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bluelm_desktop.core.engine.attention import needs_flash_attention
from bluelm_desktop.core.errors import value_line
from bluelm_desktop.core.settings import (
    BUDGET_CUSTOM,
    BUDGETS,
    THEMES,
    UI_LANGUAGES,
    InferenceSettings,
    Limits,
    ServerSettings,
    Settings,
    UISettings,
    VisionSettings,
    limits_of,
)
from bluelm_desktop.ui.i18n import tr_line
from bluelm_desktop.ui.server_settings import ServerPage

# Spin boxes need finite bounds; open-ended limits get these (and say so in the tooltip).
_INT_MAX: Final = 2**31 - 1
_FLOAT_MAX: Final = 1e6
# Offered as targets of "Translate text in image" besides the UI language; the combo box
# is editable, so any language the model knows can be typed.
TRANSLATION_TARGETS: Final = ("English", "简体中文", "日本語", "한국어", "Français", "Deutsch",
                              "Español", "Русский")
# The settings whose change needs the model reloaded (they shape llama.cpp's context).
RELOAD_FIELDS: Final = ("threads", "context", "prefill_chunk", "tile_batch", "flash_attention",
                         "kv_cache_k", "kv_cache_v", "follow_tune")


def _bounded_int(group: type, name: str) -> QSpinBox:
    """A spin box over the setting's range (QSpinBox holds 32-bit values: a larger bound,
    such as the seed's, is cut to 2³¹ − 1)."""
    limits = limits_of(group, name)
    lo = -_INT_MAX if limits.lo is None else int(limits.lo) + (1 if limits.lo_open else 0)
    hi = _INT_MAX if limits.hi is None else min(int(limits.hi), _INT_MAX)
    spin = QSpinBox()
    spin.setRange(max(lo, -_INT_MAX), hi)
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(_allowed(limits))
    return spin


def _bounded_float(group: type, name: str, decimals: int, step: float) -> QDoubleSpinBox:
    limits = limits_of(group, name)
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    lo = limits.lo if limits.lo is not None else -_FLOAT_MAX
    # An open lower bound (top_p > 0) becomes the smallest step above it.
    spin.setRange(lo + (10**-decimals if limits.lo_open else 0.0),
                  limits.hi if limits.hi is not None else _FLOAT_MAX)
    spin.setSingleStep(step)
    spin.setToolTip(_allowed(limits))
    return spin


def _allowed(limits: Limits) -> str:
    """The tooltip naming a spin box's range, in the interface language (the core's
    `Limits.describe` is English: it words the settings file's error messages)."""
    lo, hi = _number(limits.lo), _number(limits.hi)
    if lo is not None and hi is not None:
        if limits.lo_open:
            return QCoreApplication.translate(
                "SettingsDialog", "Allowed: more than {lo}, at most {hi}").format(lo=lo, hi=hi)
        return QCoreApplication.translate("SettingsDialog", "Allowed: {lo} to {hi}").format(
            lo=lo, hi=hi)
    if lo is not None:
        if limits.lo_open:
            return QCoreApplication.translate("SettingsDialog", "Allowed: more than {lo}").format(
                lo=lo)
        return QCoreApplication.translate("SettingsDialog", "Allowed: {lo} or more").format(lo=lo)
    if hi is not None:
        return QCoreApplication.translate("SettingsDialog", "Allowed: at most {hi}").format(hi=hi)
    return QCoreApplication.translate("SettingsDialog", "Allowed: any value")


def _number(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _combo(items: dict[str, str], current: str) -> QComboBox:
    """A combo box whose entries show `items`' labels and carry their keys as data."""
    combo = QComboBox()
    for key, label in items.items():
        combo.addItem(label, key)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setEnabled(False)  # the palette's quieter colour: an explanation, not a control
    return label


class SettingsDialog(QDialog):
    """Edit a copy of the settings; `chosen()` is the result after OK."""

    def __init__(self, settings: Settings, parent: QWidget | None = None,
                 api_key: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._original = settings
        self._api_key = api_key
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Settings sections"))
        self.tabs.addTab(self._performance_tab(), self.tr("Performance"))
        self.tabs.addTab(self._answers_tab(), self.tr("Answers"))
        self.tabs.addTab(self._documents_tab(), self.tr("Documents"))
        self.tabs.addTab(self._appearance_tab(), self.tr("Appearance"))
        self.server = ServerPage()
        self.tabs.addTab(self.server, self.tr("Server"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.clicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)
        self.show_settings(settings)

    # --- the tabs ------------------------------------------------------------------------

    def _performance_tab(self) -> QWidget:
        g = InferenceSettings
        self.threads = _bounded_int(g, "threads")
        self.threads.setSpecialValueText(self.tr("All cores"))
        self.context = _bounded_int(g, "context")
        self.context.setSingleStep(1024)
        self.context.setSuffix(self.tr(" tokens"))
        self.prefill_chunk = _bounded_int(g, "prefill_chunk")
        self.prefill_chunk.setSuffix(self.tr(" tokens"))
        self.tile_batch = _bounded_int(g, "tile_batch")
        self.flash_attention = _combo({"off": self.tr("Off"), "on": self.tr("On"),
                                       "auto": self.tr("Automatic (llama.cpp decides)")}, "off")
        kv_types = {"f16": self.tr("16-bit (f16)"),
                    "q8_0": self.tr("8-bit (q8_0), half the memory")}
        self.kv_cache_k = _combo(kv_types, "f16")
        self.kv_cache_v = _combo(kv_types, "f16")
        self.kv_cache_v.currentIndexChanged.connect(self._update_flash_attention)
        self.follow_tune = QCheckBox(self.tr("Use what “Measure speed” found fastest here"))
        self.follow_tune.setAccessibleDescription(self.tr(
            "For a model measured on this computer, its measured tile batch, flash "
            "attention and cache types replace the four settings above"))
        self.follow_tune.toggled.connect(self._update_follow_tune)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Threads:"), self.threads)
        form.addRow(self.tr("Context length:"), self.context)
        form.addRow(self.tr("Prefill chunk:"), self.prefill_chunk)
        form.addRow(self.tr("Tiles per encoder batch:"), self.tile_batch)
        form.addRow(self.tr("Flash attention:"), self.flash_attention)
        form.addRow(self.tr("Key cache:"), self.kv_cache_k)
        form.addRow(self.tr("Value cache:"), self.kv_cache_v)
        form.addRow(self.tr("Measured settings:"), self.follow_tune)
        form.addRow(_note(self.tr(
            "Changing these reloads the model. A longer context holds longer conversations "
            "and more pages but needs more memory. Batching tiles pays on a GPU; on a CPU "
            "one at a time is as fast (see the engine benchmark). Flash attention and an "
            "8-bit cache are measured per machine by “Measure speed” (bluelm-desktop tune), "
            "which picks them for each model unless you untick “Measured settings”. An "
            "8-bit value cache needs flash attention; a model whose attention heads cannot "
            "be stored in 8 bits keeps a 16-bit cache.")))
        return page

    def _answers_tab(self) -> QWidget:
        g = InferenceSettings
        self.temperature = _bounded_float(g, "temperature", 2, 0.05)
        self.top_p = _bounded_float(g, "top_p", 2, 0.05)
        self.top_k = _bounded_int(g, "top_k")
        self.top_k.setSpecialValueText(self.tr("Off"))
        self.repeat_penalty = _bounded_float(g, "repeat_penalty", 2, 0.05)
        self.max_tokens = _bounded_int(g, "max_tokens")
        self.max_tokens.setSuffix(self.tr(" tokens"))
        self.random_seed = QCheckBox(self.tr("Random"))
        self.seed = _bounded_int(g, "seed")
        self.seed.setAccessibleName(self.tr("Seed"))  # its row's label names the pair
        self.random_seed.setAccessibleName(self.tr("Random seed"))
        self.random_seed.toggled.connect(lambda on: self.seed.setEnabled(not on))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.random_seed)
        seed_row.addWidget(self.seed, 1)
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Temperature:"), self.temperature)
        form.addRow(self.tr("Top-p:"), self.top_p)
        form.addRow(self.tr("Top-k:"), self.top_k)
        form.addRow(self.tr("Repeat penalty:"), self.repeat_penalty)
        form.addRow(self.tr("Longest answer:"), self.max_tokens)
        form.addRow(self.tr("Seed:"), seed_row)
        form.addRow(_note(self.tr(
            "Temperature 0 always picks the likeliest word: the same question gets the same "
            "answer. A fixed seed makes sampled answers repeatable.")))
        return page

    def _documents_tab(self) -> QWidget:
        g = VisionSettings
        self.alpha = _bounded_float(g, "alpha", 2, 0.05)
        self.max_grid = _bounded_int(g, "max_grid")
        self.budget = _combo({name: self._budget_label(name) for name in BUDGETS}, "")
        self.custom_tokens = _bounded_int(g, "custom_max_image_tokens")
        self.custom_tokens.setSuffix(self.tr(" tokens"))
        self.budget.currentIndexChanged.connect(self._update_custom)
        self.pdf_dpi = _bounded_int(g, "pdf_dpi_cap")
        self.pdf_dpi.setSuffix(self.tr(" dpi"))
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Image token budget:"), self.budget)
        form.addRow(self.tr("Custom budget per page:"), self.custom_tokens)
        form.addRow(self.tr("Largest grid (tiles across and down):"), self.max_grid)
        form.addRow(self.tr("Matching tolerance α:"), self.alpha)
        form.addRow(self.tr("PDF resolution:"), self.pdf_dpi)
        form.addRow(_note(self.tr(
            "Fine print keeps the largest grid; Fast caps each page at 980 image tokens "
            "(a 2×2 grid and a thumbnail), several times quicker on a CPU. α is the "
            "paper's tolerance: a grid must gain more than α of the resolution to be "
            "preferred. These apply to documents attached from now on; the PDF resolution "
            "from the next start.")))
        return page

    def _appearance_tab(self) -> QWidget:
        labels = {"system": self.tr("Same as the system"), "light": self.tr("Light"),
                  "dark": self.tr("Dark")}
        self.theme = _combo({name: labels.get(name, name) for name in THEMES}, "")
        self.language = _combo(dict(UI_LANGUAGES), "")
        self.translation_target = QComboBox()
        self.translation_target.setEditable(True)
        self.translation_target.addItem(self.tr("Same as the interface language"), None)
        for name in TRANSLATION_TARGETS:
            self.translation_target.addItem(name, name)
        line = self.translation_target.lineEdit()
        line.setMaxLength(limits_of(UISettings, "translation_target").max_len or 64)
        line.setAccessibleName(self.tr("Translate text in images to"))
        page = QWidget()
        form = QFormLayout(page)
        form.addRow(self.tr("Theme:"), self.theme)
        form.addRow(self.tr("Interface language:"), self.language)
        form.addRow(self.tr("Translate text in images to:"), self.translation_target)
        form.addRow(_note(self.tr("The interface language changes the next time the app "
                                  "starts.")))
        return page

    def _budget_label(self, name: str) -> str:
        return {"fine print": self.tr("Fine print (no cap)"), "fast": self.tr("Fast"),
                BUDGET_CUSTOM: self.tr("Custom")}.get(name, name)

    # --- values in and out ---------------------------------------------------------------

    def show_settings(self, s: Settings) -> None:
        """Put `s`'s values into the controls (the model choice is not shown: it is the
        models page's)."""
        inf, vis, ui = s.inference, s.vision, s.ui
        self.threads.setValue(inf.threads)
        self.context.setValue(inf.context)
        self.prefill_chunk.setValue(inf.prefill_chunk)
        self.tile_batch.setValue(inf.tile_batch)
        self.flash_attention.setCurrentIndex(self.flash_attention.findData(inf.flash_attention))
        self.kv_cache_k.setCurrentIndex(self.kv_cache_k.findData(inf.kv_cache_k))
        self.kv_cache_v.setCurrentIndex(self.kv_cache_v.findData(inf.kv_cache_v))
        self._update_flash_attention()
        self.follow_tune.setChecked(inf.follow_tune)
        self._update_follow_tune()
        self.temperature.setValue(inf.temperature)
        self.top_p.setValue(inf.top_p)
        self.top_k.setValue(inf.top_k)
        self.repeat_penalty.setValue(inf.repeat_penalty)
        self.max_tokens.setValue(inf.max_tokens)
        self.random_seed.setChecked(inf.seed is None)
        self.seed.setEnabled(inf.seed is not None)
        self.seed.setValue(inf.seed if inf.seed is not None else 0)
        self.alpha.setValue(vis.alpha)
        self.max_grid.setValue(vis.max_grid)
        self.budget.setCurrentIndex(self.budget.findData(vis.budget))
        self.custom_tokens.setValue(vis.custom_max_image_tokens)
        self.pdf_dpi.setValue(vis.pdf_dpi_cap)
        self.theme.setCurrentIndex(self.theme.findData(ui.theme))
        self.language.setCurrentIndex(self.language.findData(ui.language))
        target = ui.translation_target
        index = self.translation_target.findData(target)
        if index >= 0:
            self.translation_target.setCurrentIndex(index)
        else:
            self.translation_target.setEditText(target or "")
        self._update_custom()
        self.server.show_settings(s.server, self._api_key)

    def chosen(self) -> Settings:
        """The settings as the dialog shows them; fields it does not show are kept."""
        s = self._original
        inference = dataclasses.replace(
            s.inference, threads=self.threads.value(), context=self.context.value(),
            prefill_chunk=self.prefill_chunk.value(), tile_batch=self.tile_batch.value(),
            flash_attention=str(self.flash_attention.currentData()),
            kv_cache_k=str(self.kv_cache_k.currentData()),
            kv_cache_v=str(self.kv_cache_v.currentData()),
            follow_tune=self.follow_tune.isChecked(),
            temperature=self.temperature.value(), top_p=self.top_p.value(),
            top_k=self.top_k.value(), repeat_penalty=self.repeat_penalty.value(),
            max_tokens=self.max_tokens.value(),
            seed=None if self.random_seed.isChecked() else self.seed.value())
        vision = dataclasses.replace(
            s.vision, alpha=self.alpha.value(), max_grid=self.max_grid.value(),
            budget=str(self.budget.currentData()),
            custom_max_image_tokens=self.custom_tokens.value(),
            pdf_dpi_cap=self.pdf_dpi.value())
        ui = dataclasses.replace(
            s.ui, theme=str(self.theme.currentData()), language=str(self.language.currentData()),
            translation_target=self._translation_target())
        return dataclasses.replace(s, inference=inference, vision=vision, ui=ui,
                                   server=self._chosen_server())

    def _chosen_server(self) -> ServerSettings:
        try:
            return self.server.chosen()
        except ValueError:  # (`accept` refuses it; a caller that did not accept gets this)
            return self._original.server

    def chosen_api_key(self) -> str | None:
        """The server's API key as typed (None: none); the window keeps it, not the
        settings."""
        return self.server.chosen_api_key()

    def accept(self) -> None:
        """OK: refused, with the reason on the server page, while its address or key
        cannot be used."""
        try:
            self.server.chosen()
        except ValueError as e:
            self.tabs.setCurrentWidget(self.server)
            self.server.show_error(tr_line(value_line(e)))
            return
        super().accept()

    def done(self, result: int) -> None:
        self.server.shutdown()  # a connection test still running is left to end alone
        super().done(result)

    def _translation_target(self) -> str | None:
        """None (follow the UI language) for the first entry or an empty box, else the
        text: a name the user typed is kept as typed."""
        text = self.translation_target.currentText().strip()
        first = self.translation_target.itemText(0)
        if not text or text == first:
            return None
        return " ".join(text.split())  # one line: it goes into a prompt

    def _update_follow_tune(self) -> None:
        """The four settings tune measures say, in their tooltips, that a measurement
        replaces them for measured models while the box is ticked."""
        note = self.tr("A model measured here uses its measured value instead (see "
                       "“Measured settings”).") if self.follow_tune.isChecked() else ""
        for box in (self.tile_batch, self.flash_attention, self.kv_cache_k, self.kv_cache_v):
            box.setToolTip(note)

    def _update_flash_attention(self) -> None:
        """An 8-bit value cache needs flash attention: "Off" is not offered with it."""
        quantized_v = needs_flash_attention(str(self.kv_cache_v.currentData()))
        model = self.flash_attention.model()
        off = self.flash_attention.findData("off")
        item = model.item(off) if hasattr(model, "item") else None
        if item is not None:
            item.setEnabled(not quantized_v)
        if quantized_v and self.flash_attention.currentData() == "off":
            self.flash_attention.setCurrentIndex(self.flash_attention.findData("on"))

    def _update_custom(self) -> None:
        self.custom_tokens.setEnabled(self.budget.currentData() == BUDGET_CUSTOM)

    def _on_clicked(self, button: QAbstractButton) -> None:
        role = self.buttons.buttonRole(button)
        if role == QDialogButtonBox.ButtonRole.ResetRole:
            self.show_settings(dataclasses.replace(Settings(), model=self._original.model,
                                                   server=self._original.server))


def needs_reload(before: Settings, after: Settings) -> bool:
    """Whether going from `before` to `after` changes how llama.cpp's context is made, or
    where answers come from (the server switched on or off, or another address)."""
    return server_changed(before, after) or any(
        getattr(before.inference, f) != getattr(after.inference, f) for f in RELOAD_FIELDS)


def server_changed(before: Settings, after: Settings) -> bool:
    """Whether answers now come from elsewhere: the server on or off, or another one."""
    b, a = before.server, after.server
    return b.active != a.active or (a.active and b.url != a.url)

