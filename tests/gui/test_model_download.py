"""Downloading a catalog model from the models page, against a local fake hub.

The real downloader (huggingface_hub's client) talks to `fake_hub.FakeHub` on 127.0.0.1;
the tiny synthetic pair is served as a catalog entry. Waits are on signals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_hub import Drop, FakeHub, Status
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from bluelm_desktop.core import paths
from bluelm_desktop.core.models import CATALOG, CatalogEntry, final_paths
from bluelm_desktop.core.models import download as download_module
from bluelm_desktop.core.models.library import ModelLibrary
from bluelm_desktop.ui.model_download import COL_STATE, DownloadDialog, ModelDownloads
from bluelm_desktop.ui.model_setup import ModelSetupPanel
from model_convert import constants as C

# The dialog is shown; the offscreen platform has no window manager to pass size hints
# or raise() to, and says so: those two notes are the only messages let through.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]

REPO = "test-org/Tiny-VL-GGUF"
LLM_FILE, MMPROJ_FILE = "Tiny-VL-Q4_K_M.gguf", "mmproj-Tiny-VL-Q8_0.gguf"
ENTRY = CatalogEntry(id="tiny-internvl", title="Tiny InternVL (test)", family="internvl",
                     repo_id=REPO, llm_file=LLM_FILE, mmproj_file=MMPROJ_FILE,
                     llm_bytes=1, mmproj_bytes=1, licence="MIT", description="test pair")
WAIT_MS = 30_000


@pytest.fixture
def hub(tiny_models: Callable[..., object]) -> Iterator[Callable[..., FakeHub]]:
    made: list[FakeHub] = []

    def start(**knobs: object) -> FakeHub:
        models = tiny_models(C.LAYOUT_INTERNVL)
        files = {LLM_FILE: models.llm.read_bytes(),  # type: ignore[attr-defined]
                 MMPROJ_FILE: models.mmproj.read_bytes()}  # type: ignore[attr-defined]
        made.append(FakeHub(REPO, files, **knobs))  # type: ignore[arg-type]
        return made[-1]

    yield start
    from huggingface_hub.utils import close_session

    close_session()
    for h in made:
        h.close()


@pytest.fixture
def panel_for(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[Callable[[FakeHub], ModelSetupPanel]]:
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "data"))
    monkeypatch.setattr(download_module, "RETRY_WAIT_S", 0.01)
    paths.set_base_dir(None)
    panels: list[ModelSetupPanel] = []

    def make(hub: FakeHub) -> ModelSetupPanel:
        library = ModelLibrary.from_paths()
        downloads = ModelDownloads(library.models_dir, hub.endpoint, (ENTRY,))
        panel = ModelSetupPanel(library, downloads=downloads)
        qtbot.addWidget(panel)
        panels.append(panel)
        qtbot.waitSignal(panel.models_changed, timeout=WAIT_MS).wait()
        return panel

    yield make
    for panel in panels:
        panel.shutdown()
        assert not panel.downloads._thread.isRunning(), "the download thread outlived it"
    paths.set_base_dir(None)


def state(dialog: DownloadDialog) -> str:
    return str(dialog.catalog.data(dialog.catalog.index(0, COL_STATE)))


def test_download_from_the_dialog_installs_and_selects_the_model(
        qtbot: QtBot, hub: Callable[..., FakeHub], panel_for) -> None:
    panel = panel_for(hub())
    assert panel.model.rowCount() == 0
    panel.download_button.click()
    dialog = panel.download_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.selected() == ENTRY and dialog.download_button.isEnabled()
    progress: list[float] = []
    panel.downloads.progress.connect(lambda p: progress.append(p.fraction))
    with (qtbot.waitSignal(panel.models_changed, timeout=WAIT_MS),
          qtbot.waitSignal(panel.downloads.finished, timeout=WAIT_MS)):
        dialog.download_button.click()
        assert not dialog.download_button.isEnabled()  # one download at a time
        assert dialog.cancel_button.isEnabled()
    assert progress and progress[-1] == pytest.approx(1.0)
    assert progress == sorted(progress)
    pair = panel.selected_pair()
    assert pair is not None and pair.ok and pair.mmproj_path is not None
    assert pair.llm_path == final_paths(ENTRY, panel.downloads.models_dir)[0]
    assert state(dialog) == "Installed" and not dialog.download_button.isEnabled()
    assert "Installed as tiny-internvl-llm.gguf" in dialog.status.text()
    assert panel.status_label.text() == "Downloaded and checked tiny-internvl-llm.gguf."


def test_a_failed_download_is_one_line_and_a_retry_resumes(
        qtbot: QtBot, hub: Callable[..., FakeHub], panel_for) -> None:
    h = hub()
    # Half the LLM arrives, then the hub answers 503: the call gives up, the half stays.
    h.faults[LLM_FILE] = [Drop(after=len(h.files[LLM_FILE]) // 2), Status(503)]
    panel = panel_for(h)
    panel.open_downloads()
    dialog = panel.download_dialog
    assert dialog is not None
    with qtbot.waitSignal(panel.downloads.failed, timeout=WAIT_MS) as failed:
        dialog.download_button.click()
    message = failed.args[1]
    assert "\n" not in message and LLM_FILE in message and "503" in message
    assert dialog.status.text().startswith("Download failed: ")
    assert panel.status_label.text() == message  # the page says it too, in its error colour
    assert state(dialog) == "Partly downloaded (resumes)"
    assert dialog.download_button.isEnabled()
    served_before = len(h.gets(LLM_FILE))
    with qtbot.waitSignal(panel.downloads.finished, timeout=WAIT_MS):
        dialog.download_button.click()
    resumed = h.gets(LLM_FILE)[served_before:]
    assert resumed and resumed[0].range is not None and resumed[0].status == 206


def test_cancel_keeps_the_page_usable_and_closing_shuts_the_thread(
        qtbot: QtBot, hub: Callable[..., FakeHub], panel_for) -> None:
    panel = panel_for(hub())
    panel.open_downloads()
    dialog = panel.download_dialog
    assert dialog is not None

    def cancel_at_first_progress(_p: object) -> None:
        panel.downloads.cancel()

    panel.downloads.progress.connect(cancel_at_first_progress)
    with qtbot.waitSignal(panel.downloads.stopped, timeout=WAIT_MS):
        dialog.download_button.click()
    assert "cancelled" in dialog.status.text().lower()
    assert not any(p.exists() for p in final_paths(ENTRY, panel.downloads.models_dir))
    assert dialog.download_button.isEnabled() and not dialog.cancel_button.isEnabled()
    dialog.close()  # a closed dialog does not stop anything; the panel owns the download
    assert panel.download_button.isEnabled()


def test_the_built_in_catalog_is_shown_with_sizes(qtbot: QtBot, tmp_path: Path) -> None:
    downloads = ModelDownloads(tmp_path)
    try:
        dialog = DownloadDialog(downloads)
        qtbot.addWidget(dialog)
        model = dialog.catalog
        assert model.rowCount() == len(CATALOG) > 0
        titles = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
        assert titles == [e.title for e in CATALOG]
        size = str(model.data(model.index(0, 2)))
        assert size.startswith("≈ ") and ("MiB" in size or "GiB" in size)
        tip = str(model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole))
        assert CATALOG[0].repo_id in tip
    finally:
        downloads.shutdown()
