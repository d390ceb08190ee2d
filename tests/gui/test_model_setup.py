"""The model setup panel on real (synthetic) GGUF files, offscreen.

Every wait is on a signal or a condition (qtbot.waitSignal / waitUntil), never a sleep;
Qt warnings fail the test, and every test ends with the library thread stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from bluelm_desktop.core import paths
from bluelm_desktop.core.gguf.summary import format_summary, summarize
from bluelm_desktop.core.models.library import DEMO_MODEL_NAME, ModelLibrary
from bluelm_desktop.ui.main_window import MainWindow
from bluelm_desktop.ui.model_setup import (
    COL_KIND,
    COL_LAYOUT,
    COL_NAME,
    COL_PRECISION,
    COL_RAM,
    COL_SIZE,
    COL_STATUS,
    ModelSetupPanel,
)
from model_convert.convert import convert

pytestmark = pytest.mark.qt_log_level_fail("WARNING")

SCAN_TIMEOUT_MS = 10_000
DEMO_TIMEOUT_MS = 120_000  # synth + convert + quantize: ~1 s here, generous for slow CI


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelLibrary]:
    """A library in a temporary data directory; the user's real folders are never read."""
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    paths.set_base_dir(None)
    yield ModelLibrary.from_paths()
    paths.set_base_dir(None)


@pytest.fixture
def open_panel(qtbot: QtBot, library: ModelLibrary) -> Iterator[Callable[[], ModelSetupPanel]]:
    """`open_panel()` → a panel whose first scan has arrived; its thread stopped at teardown.

    Panels are not shown: the offscreen platform warns "does not support
    propagateSizeHints()" for every top-level window with a layout, which would drown the
    warnings that matter. `grab()` renders them when a test needs painting.
    """
    panels: list[ModelSetupPanel] = []

    def open_() -> ModelSetupPanel:
        panel = ModelSetupPanel(library)
        qtbot.addWidget(panel)
        panels.append(panel)
        qtbot.waitSignal(panel.models_changed, timeout=SCAN_TIMEOUT_MS).wait()
        return panel

    yield open_
    for panel in panels:
        panel.shutdown()
        assert not panel.tasks._thread.isRunning(), "the library thread outlived the panel"


def cell(panel: ModelSetupPanel, row: int, column: int, role: int = 0) -> object:
    model = panel.model
    return model.data(model.index(row, column), role or Qt.ItemDataRole.DisplayRole)


def column_texts(panel: ModelSetupPanel, column: int) -> list[str]:
    return [str(cell(panel, row, column)) for row in range(panel.model.rowCount())]


def row_named(panel: ModelSetupPanel, name: str) -> int:
    return column_texts(panel, COL_NAME).index(name)


def converted_into(models_dir: Path, checkpoint: Path, name: str) -> None:
    """Real files, as the converter writes them: `<name>-llm.gguf` + `<name>-mmproj.gguf`."""
    convert(checkpoint, models_dir, name=name)


def test_lists_the_pairs_in_the_models_folder(
    open_panel: Callable[[], ModelSetupPanel],
    library: ModelLibrary,
    tiny_checkpoint: Callable[[str], Path],
) -> None:
    converted_into(library.models_dir, tiny_checkpoint("bluelm"), "tiny-bluelm")
    converted_into(library.models_dir, tiny_checkpoint("internvl"), "tiny-internvl")
    (library.models_dir / "tiny-internvl-mmproj.gguf").rename(library.models_dir / "x.bin")

    panel = open_panel()

    assert [panel.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "Name", "Kind", "Layout", "LLM precision", "Size on disk", "Est. RAM at 4k ctx", "Status"
    ]
    assert column_texts(panel, COL_NAME) == ["tiny-bluelm", "tiny-internvl"]
    assert column_texts(panel, COL_KIND) == ["vision + text", "text only"]
    assert column_texts(panel, COL_LAYOUT) == ["bluelm", "internvl"]
    assert column_texts(panel, COL_PRECISION) == ["q4_k + q6_k", "q4_k + q6_k"]
    assert all(text.endswith("MiB") for text in column_texts(panel, COL_SIZE))
    assert all(text.endswith("MiB") for text in column_texts(panel, COL_RAM))
    assert column_texts(panel, COL_STATUS) == ["Ready", "Ready"]
    assert panel.status_label.text() == "2 models."


def test_empty_library_says_what_to_do(open_panel: Callable[[], ModelSetupPanel]) -> None:
    panel = open_panel()
    assert panel.model.rowCount() == 0
    hint = panel.table.placeholder_text()
    assert "Add GGUF files" in hint and "Create demo model" in hint
    assert panel.status_label.text() == "0 models."
    assert not panel.table.grab().isNull()  # paints the hint over the empty table
    assert not panel.details.isVisibleTo(panel), "no details pane with nothing to select"


def test_broken_gguf_is_a_row_with_an_error_not_a_crash(
    open_panel: Callable[[], ModelSetupPanel],
    library: ModelLibrary,
    tiny_checkpoint: Callable[[str], Path],
) -> None:
    converted_into(library.models_dir, tiny_checkpoint("bluelm"), "good")
    (library.models_dir / "broken.gguf").write_bytes(bytes(range(256)) * 40)

    panel = open_panel()

    broken = row_named(panel, "broken")
    status = str(cell(panel, broken, COL_STATUS))
    assert status.startswith("Error: broken.gguf: not a GGUF file")
    assert cell(panel, broken, COL_STATUS, Qt.ItemDataRole.ForegroundRole) is not None
    assert cell(panel, broken, COL_KIND) == cell(panel, broken, COL_RAM) == "—"
    assert cell(panel, row_named(panel, "good"), COL_STATUS) == "Ready"
    assert "1 with problems" in panel.status_label.text()

    panel.table.selectRow(broken)
    assert "not a GGUF file" in panel.details.toPlainText()


def test_selecting_a_model_shows_the_inspectors_summary(
    qtbot: QtBot,
    open_panel: Callable[[], ModelSetupPanel],
    library: ModelLibrary,
    tiny_checkpoint: Callable[[str], Path],
) -> None:
    converted_into(library.models_dir, tiny_checkpoint("bluelm"), "tiny")
    converted_into(library.models_dir, tiny_checkpoint("internvl"), "tiny2")
    panel = open_panel()
    assert panel.selected_pair() is not None, "the first model is selected from the start"
    assert panel.selected_pair().name == "tiny"
    assert "tiny-llm.gguf" in panel.details.toPlainText()

    panel.table.selectRow(row_named(panel, "tiny2"))
    assert "tiny2-llm.gguf" in panel.details.toPlainText()
    panel.table.selectRow(row_named(panel, "tiny"))

    text = panel.details.toPlainText()
    llm = summarize(library.models_dir / "tiny-llm.gguf")
    mmproj = summarize(library.models_dir / "tiny-mmproj.gguf")
    assert format_summary(llm, 4096) in text
    assert format_summary(mmproj, 4096) in text
    assert panel.details.isReadOnly()

    # The selection survives a refresh (the rows are rebuilt from a new scan).
    with qtbot.waitSignal(panel.models_changed, timeout=SCAN_TIMEOUT_MS):
        panel.refresh_button.click()
    assert panel.selected_pair() is not None and panel.selected_pair().name == "tiny"


def test_create_demo_model_button_adds_the_demo_to_the_table(
    qtbot: QtBot, open_panel: Callable[[], ModelSetupPanel], library: ModelLibrary
) -> None:
    panel = open_panel()
    assert panel.demo_button.isEnabled()

    with qtbot.waitSignal(panel.demo_created, timeout=DEMO_TIMEOUT_MS) as created:
        qtbot.mouseClick(panel.demo_button, Qt.MouseButton.LeftButton)
        assert not panel.demo_button.isEnabled(), "no second conversion while one runs"
        assert not panel.add_button.isEnabled()

    pair = created.args[0]
    assert panel.details.isVisibleTo(panel)
    assert pair.name == DEMO_MODEL_NAME and pair.ok
    assert column_texts(panel, COL_NAME) == [DEMO_MODEL_NAME]
    assert "random weights" in str(cell(panel, 0, COL_STATUS))
    assert "random weights" in panel.status_label.text()
    assert panel.demo_button.isEnabled() and panel.add_button.isEnabled()
    assert panel.selected_pair() == pair
    assert (library.models_dir / f"{DEMO_MODEL_NAME}-mmproj.gguf").is_file()


def test_demo_failure_is_one_line_in_the_status(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "models"
    not_a_folder.write_text("")
    library = ModelLibrary(not_a_folder, tmp_path / "models.json", tmp_path / "cache")
    panel = ModelSetupPanel(library)
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.tasks.busy_changed, timeout=DEMO_TIMEOUT_MS,
                              check_params_cb=lambda busy: not busy):
            panel.demo_button.click()
        message = panel.status_label.text()
        assert message == f"Could not create the demo model: {not_a_folder}: File exists"
        assert "\n" not in message and "Traceback" not in message
        assert panel.demo_button.isEnabled()
    finally:
        panel.shutdown()


def test_add_gguf_files_records_them_without_copying(
    qtbot: QtBot,
    open_panel: Callable[[], ModelSetupPanel],
    library: ModelLibrary,
    tiny_checkpoint: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "downloads"
    converted_into(elsewhere, tiny_checkpoint("internvl"), "mine")
    answers = iter([str(elsewhere / "mine-llm.gguf"), str(elsewhere / "mine-mmproj.gguf")])
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_args: (next(answers), ""))
    )
    panel = open_panel()

    with qtbot.waitSignal(panel.models_changed, timeout=SCAN_TIMEOUT_MS):
        panel.add_button.click()

    assert column_texts(panel, COL_NAME) == ["mine"]
    assert cell(panel, 0, COL_KIND) == "vision + text"
    assert "external" in str(cell(panel, 0, COL_STATUS))
    assert list(library.models_dir.iterdir()) == []
    listed = json.loads(library.external_list.read_text())["models"]
    assert listed == [
        {"llm": str(elsewhere / "mine-llm.gguf"), "mmproj": str(elsewhere / "mine-mmproj.gguf")}
    ]


def test_adding_a_bad_file_reports_it_and_adds_nothing(
    qtbot: QtBot, open_panel: Callable[[], ModelSetupPanel], library: ModelLibrary,
    tmp_path: Path,
) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"\x00" * 100)
    panel = open_panel()

    with qtbot.waitSignal(panel.tasks.busy_changed, timeout=SCAN_TIMEOUT_MS,
                          check_params_cb=lambda busy: not busy):
        panel.add_files(junk, None)

    assert panel.status_label.text().startswith("Could not add the files: junk.gguf: not a GGUF")
    assert panel.model.rowCount() == 0
    assert not library.external_list.exists()


def test_main_window_frames_the_panel(qtbot: QtBot, library: ModelLibrary) -> None:
    window = MainWindow(library, paths.data_dir())
    qtbot.addWidget(window)
    try:
        assert window.windowTitle() == "BlueLM Desktop"
        assert (window.width(), window.height()) == (1100, 700)
        assert str(paths.data_dir()) in window.data_dir_label.text()
        # No model chosen yet: the setup panel is the first page, inside the window's frame.
        assert window.pages.currentWidget() is window.model_page
        assert window.model_page.panel is window.model_setup
        qtbot.waitSignal(window.model_setup.models_changed, timeout=SCAN_TIMEOUT_MS).wait()
    finally:
        window.close()
    assert not window.model_setup.tasks._thread.isRunning()
    assert not window.bridge.documents_thread.isRunning()


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the dialog is a shown top-level window
def test_find_models_on_this_computer_adds_other_apps_models_in_place(
    qtbot: QtBot, open_panel: Callable[[], ModelSetupPanel], library: ModelLibrary,
    in_lm_studio: Callable[[str, str], Path],
) -> None:
    """A model LM Studio downloaded (llama.cpp's converter wrote it) is found, offered,
    and added where it is."""
    repo = in_lm_studio("smolvlm-tiny", "SmolVLM-tiny")
    panel = open_panel()

    with qtbot.waitSignal(panel.tasks.found, timeout=SCAN_TIMEOUT_MS):
        panel.find_button.click()
    dialog = panel.found_dialog
    assert dialog is not None and dialog.list.count() == 1
    assert dialog.list.item(0).text() == (
        "LM Studio: SmolVLM-tiny-Q8_0 — vision + text, with mmproj-SmolVLM-tiny-f16.gguf")
    with qtbot.waitSignal(panel.models_changed, timeout=SCAN_TIMEOUT_MS):
        dialog.add_button.click()

    assert column_texts(panel, COL_NAME) == ["SmolVLM-tiny-Q8_0"]
    assert cell(panel, 0, COL_KIND) == "vision + text"
    assert panel.status_label.text() == "Added 1 model(s), left where they are."
    assert list(library.models_dir.iterdir()) == []  # nothing copied
    listed = json.loads(library.external_list.read_text())["models"]
    assert listed == [{"llm": str(repo / "SmolVLM-tiny-Q8_0.gguf"),
                       "mmproj": str(repo / "mmproj-SmolVLM-tiny-f16.gguf")}]

    with qtbot.waitSignal(panel.tasks.found, timeout=SCAN_TIMEOUT_MS):
        panel.find_button.click()  # found again: already listed, so nothing to offer
    assert panel.status_label.text().startswith("No models of LM Studio, Jan or llama.cpp")
