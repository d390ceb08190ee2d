"""The settings dialog, alone and in the real window on the tiny synthetic model."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from bluelm_desktop.core import settings as settings_io
from bluelm_desktop.core.settings import (
    BUDGET_CUSTOM,
    InferenceSettings,
    Settings,
    UISettings,
    VisionSettings,
    limits_of,
)
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.settings_dialog import SettingsDialog, needs_reload
from bluelm_desktop.ui.theme import apply_theme

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints"),
              pytest.mark.usefixtures("gui_thread_gc", "no_thread_left")]

OpenWindow = Callable[..., MainWindow]


def custom_settings() -> Settings:
    return Settings(
        inference=InferenceSettings(threads=1, context=8192, prefill_chunk=64, tile_batch=2,
                                    flash_attention="auto", kv_cache_k="q8_0",
                                    kv_cache_v="q8_0", temperature=0.3, top_p=0.8, top_k=20,
                                    repeat_penalty=1.2, max_tokens=300, seed=42),
        vision=VisionSettings(alpha=0.25, max_grid=3, budget=BUDGET_CUSTOM,
                              custom_max_image_tokens=1500, pdf_dpi_cap=150),
        ui=UISettings(theme="dark", language="zh_CN", translation_target="Deutsch"),
    )


def test_the_dialog_shows_and_returns_every_setting_unchanged(qtbot: QtBot) -> None:
    s = custom_settings()
    dialog = SettingsDialog(s)
    qtbot.addWidget(dialog)
    assert dialog.chosen() == s
    assert dialog.custom_tokens.isEnabled()  # a custom budget: its number is editable
    assert dialog.seed.isEnabled()  # a fixed seed: the seed box is live


def test_the_controls_are_bounded_by_the_settings_limits(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    context = limits_of(InferenceSettings, "context")
    assert (dialog.context.minimum(), dialog.context.maximum()) == (context.lo, context.hi)
    dialog.context.setValue(1)  # below the limit: the spin box clamps it
    dialog.top_p.setValue(0.0)  # top_p must be > 0: the box stops one step above
    chosen = dialog.chosen()  # would raise ValueError if any value were out of range
    assert chosen.inference.context == context.lo
    assert chosen.inference.top_p > 0


def test_random_seed_empty_target_and_restore_defaults(qtbot: QtBot) -> None:
    dialog = SettingsDialog(custom_settings())
    qtbot.addWidget(dialog)
    dialog.random_seed.setChecked(True)
    dialog.translation_target.setEditText("  ")
    chosen = dialog.chosen()
    assert chosen.inference.seed is None
    assert chosen.ui.translation_target is None  # follows the UI language again
    dialog.translation_target.setEditText("Português  do Brasil")
    assert dialog.chosen().ui.translation_target == "Português do Brasil"

    reset = dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
    reset.click()
    assert dialog.chosen() == Settings()


def test_needs_reload_only_for_the_context_settings() -> None:
    s = Settings()

    def inference(**kw: object) -> Settings:
        return dataclasses.replace(s, inference=dataclasses.replace(s.inference, **kw))

    assert needs_reload(s, inference(context=8192))
    assert needs_reload(s, inference(threads=1))
    assert needs_reload(s, inference(flash_attention="on"))
    assert needs_reload(s, inference(kv_cache_k="q8_0"))
    assert not needs_reload(s, inference(temperature=1.5))
    assert not needs_reload(s, dataclasses.replace(s, ui=UISettings(theme="dark")))


def test_an_8_bit_value_cache_turns_flash_attention_on(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    off = dialog.flash_attention.findData("off")
    dialog.flash_attention.setCurrentIndex(off)
    dialog.kv_cache_v.setCurrentIndex(dialog.kv_cache_v.findData("q8_0"))
    assert dialog.flash_attention.currentData() == "on"
    assert not dialog.flash_attention.model().item(off).isEnabled()  # not offered with it
    chosen = dialog.chosen()
    assert (chosen.inference.flash_attention, chosen.inference.kv_cache_v) == ("on", "q8_0")
    dialog.kv_cache_v.setCurrentIndex(dialog.kv_cache_v.findData("f16"))
    assert dialog.flash_attention.model().item(off).isEnabled()


def test_theme_switches_and_comes_back_to_the_system_look(qapp: QApplication) -> None:
    before = (qapp.style().name(), qapp.palette().color(QPalette.ColorRole.Window).name())
    try:
        apply_theme(qapp, "dark")
        assert qapp.style().name().lower() == "fusion"
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        apply_theme(qapp, "light")
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 180
    finally:
        apply_theme(qapp, "system")
    after = (qapp.style().name(), qapp.palette().color(QPalette.ColorRole.Window).name())
    assert after == before


def test_ok_in_the_window_saves_reloads_and_applies(
        qtbot: QtBot, open_window: OpenWindow, tmp_path: Path, qapp: QApplication) -> None:
    window = open_window(vision=True, save_settings=True)
    assert window.bridge.engine.settings.n_ctx == Settings().inference.context
    loads: list[object] = []
    window.bridge.loaded.connect(loads.append)

    def edit_and_accept() -> None:
        dialog = window.settings_dialog
        assert dialog is not None and dialog.isVisible()
        dialog.context.setValue(2048)
        dialog.temperature.setValue(0.7)
        dialog.max_grid.setValue(2)
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(0, edit_and_accept)
    try:
        window.settings_button.click()  # modal: returns once the dialog is accepted
        assert window.activity_label.text() == "Settings saved: reloading the model."
        assert qapp.style().name().lower() == "fusion"  # the look changed at once
        qtbot.waitUntil(lambda: bool(loads), timeout=60_000)  # the model was reloaded
        assert window.bridge.engine.settings.n_ctx == 2048
        assert window.controller.tiling is not None
        assert window.controller.tiling.max_grid == 2
        saved = settings_io.load(tmp_path / "settings.toml")
        assert saved.inference.context == 2048
        assert saved.inference.temperature == pytest.approx(0.7)
        assert saved.ui.theme == "dark"
        assert window.settings.sampling_params().temperature == pytest.approx(0.7)
    finally:
        apply_theme(qapp, "system")


def test_cancel_changes_nothing(qtbot: QtBot, open_window: OpenWindow, tmp_path: Path) -> None:
    window = open_window(vision=False, save_settings=True)
    before = window.settings

    def edit_and_cancel() -> None:
        dialog = window.settings_dialog
        assert dialog is not None
        dialog.context.setValue(2048)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, edit_and_cancel)
    window.show_settings_dialog()
    assert window.settings == before
    assert not (tmp_path / "settings.toml").exists()
