"""The document panel on the sample documents and on broken ones, offscreen.

Every wait is on a signal or a condition (qtbot.waitSignal / waitUntil), never a sleep;
Qt warnings fail the test, and every test ends with the panel's loader thread stopped and
its document process gone.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.documents import DocumentSource
from bluelm_desktop.core.estimate import Speed, format_duration
from bluelm_desktop.core.planning import DocumentPlan
from bluelm_desktop.core.vision.tiling import (
    BUDGET_PRESETS,
    TilingParams,
    cut_tiles,
    plan_image,
)
from bluelm_desktop.ui.document_panel import DocumentPanel, rgb_to_qimage
from bluelm_desktop.ui.tile_overlay import EMPTY_MESSAGE, tile_boxes

pytestmark = pytest.mark.qt_log_level_fail("WARNING")

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
LOAD_MS = 30_000  # the first call spawns the document worker (~1 s here), generous for CI
FINE = TilingParams()  # the model's full grid: no token cap
FAST_BUDGET = BUDGET_PRESETS["fast"]


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped samples; made into a temporary folder if this checkout lacks them."""
    if all((SAMPLES / n).is_file() for n in ("invoice.png", "invoice.pdf")):
        return SAMPLES
    sys.path.insert(0, str(SAMPLES))
    try:
        import make_samples
    finally:
        sys.path.remove(str(SAMPLES))
    out = tmp_path_factory.mktemp("samples")
    make_samples.main(["--out", str(out)])
    return out


@pytest.fixture
def open_panel(qtbot: QtBot) -> Iterator[Callable[..., DocumentPanel]]:
    """`open_panel()` → a panel (not shown: see test_model_setup); stopped at teardown."""
    panels: list[DocumentPanel] = []

    def open_(**kwargs: object) -> DocumentPanel:
        panel = DocumentPanel(**kwargs)  # type: ignore[arg-type]
        panel.resize(900, 800)
        qtbot.addWidget(panel)
        panels.append(panel)
        return panel

    yield open_
    for panel in panels:
        panel.shutdown()
        assert not panel._documents.running, "the documents thread outlived the panel"
    assert multiprocessing.active_children() == [], "a document worker process outlived it"


def load(qtbot: QtBot, panel: DocumentPanel, source: DocumentSource | Path,
         tiling: TilingParams = FINE) -> DocumentPlan:
    """Show `source` and wait for its plan and for the page's pixels."""
    with qtbot.waitSignal(panel.documentReady, timeout=LOAD_MS) as ready:
        panel.show_document(source, tiling)
    plan = ready.args[0]
    assert isinstance(plan, DocumentPlan)
    qtbot.waitUntil(lambda: panel.overlay._pixmap is not None, timeout=LOAD_MS)
    return plan


def test_invoice_shows_the_plans_grid_and_cost(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    speed = Speed(per_tile_s=2.0, prefill_tok_s=100.0, source="test")
    panel = open_panel(speed=speed)

    plan = load(qtbot, panel, samples / "invoice.png")

    expected = plan_image(1240, 1755, FINE)
    assert [p.plan for p in plan.pages] == [expected]
    assert panel.plan is plan and panel.current_page == 1
    shown = panel.overlay.plan
    assert shown == expected
    assert len(tile_boxes(shown)) == expected.grid.tiles
    assert expected.thumbnail and expected.tiles == expected.grid.tiles + 1
    assert not panel.strip.isVisibleTo(panel), "one page: no strip"
    assert panel.title_label.text() == "invoice.png"
    assert panel.details_label.text() == "PNG image · 1240 × 1755 px"
    cost = panel.cost_label.text()
    assert f"<b>{expected.tiles} tiles</b>" in cost
    assert f"<b>{expected.image_tokens:,}</b> image tokens" in cost
    seconds = expected.tiles * 2.0 + expected.image_tokens / 100.0
    assert format_duration(seconds) in cost
    assert not panel.grab().isNull()


def test_fast_replans_with_fewer_tokens(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    panel = open_panel()
    fine = load(qtbot, panel, samples / "invoice.png")
    fast_button = next(b for b in panel.budget_buttons.buttons()
                       if b.property("preset") == "fast")
    assert not fast_button.isChecked()

    budgets: list[int | None] = []
    plans: list[DocumentPlan] = []
    panel.budgetChanged.connect(budgets.append)
    panel.documentReady.connect(plans.append)
    qtbot.mouseClick(fast_button, Qt.MouseButton.LeftButton)  # re-plans at once: arithmetic

    assert budgets == [FAST_BUDGET]
    assert len(plans) == 1
    fast = plans[0]
    assert fast_button.isChecked()
    assert panel.tiling.max_image_tokens == FAST_BUDGET
    assert fast.image_tokens <= FAST_BUDGET < fine.image_tokens
    assert panel.overlay.plan == fast.pages[0].plan
    assert f"<b>{fast.image_tokens:,}</b> image tokens" in panel.cost_label.text()
    assert panel.overlay._pixmap is not None, "the page stays drawn: no re-render"


def test_switch_flipped_while_opening_applies_to_the_plan(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    panel = open_panel()
    fast_button = next(b for b in panel.budget_buttons.buttons()
                       if b.property("preset") == "fast")
    with qtbot.waitSignal(panel.documentReady, timeout=LOAD_MS) as ready:
        panel.show_document(samples / "invoice.png", FINE)
        with qtbot.waitSignal(panel.budgetChanged):
            fast_button.click()
    assert ready.args[0].image_tokens <= FAST_BUDGET
    assert panel.overlay.plan == plan_image(1240, 1755, panel.tiling)


def test_switch_follows_the_tiling_given(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    panel = open_panel()
    with qtbot.assertNotEmitted(panel.budgetChanged):
        load(qtbot, panel, samples / "invoice.png", TilingParams(max_image_tokens=FAST_BUDGET))
    checked = [b.property("preset") for b in panel.budget_buttons.buttons() if b.isChecked()]
    assert checked == ["fast"]
    load(qtbot, panel, samples / "invoice.png", TilingParams(max_image_tokens=1234))
    assert not any(b.isChecked() for b in panel.budget_buttons.buttons()), "custom cap"


def test_multi_page_pdf_has_a_page_strip(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    panel = open_panel()
    plan = load(qtbot, panel, samples / "invoice.pdf")

    assert len(plan.pages) == 2
    assert panel.strip.isVisibleTo(panel)
    assert panel.pages.rowCount() == 2
    assert panel.details_label.text() == "PDF · 2 pages · text layer"
    qtbot.waitUntil(lambda: all(panel.pages.has_thumbnail(r) for r in range(2)),
                    timeout=LOAD_MS)
    assert panel.total_label.isVisibleTo(panel)
    assert panel.total_label.text().startswith("All 2 pages: ")
    assert panel.cost_label.text().startswith("Page 1: ")

    panel.strip.setCurrentIndex(panel.pages.index(1))
    assert panel.current_page == 2
    assert panel.overlay.plan == plan.pages[1].plan
    qtbot.waitUntil(lambda: panel.overlay._pixmap is not None, timeout=LOAD_MS)
    assert panel.cost_label.text().startswith("Page 2: ")


def test_broken_file_fails_with_one_line(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], tmp_path: Path, samples: Path
) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    panel = open_panel()

    with qtbot.assertNotEmitted(panel.documentReady), \
            qtbot.waitSignal(panel.failed, timeout=LOAD_MS) as failed:
        panel.show_document(broken, FINE)

    message = failed.args[0]
    assert isinstance(message, str) and message.startswith("broken.png: ")
    assert "\n" not in message
    assert panel.plan is None
    assert panel.overlay.message == message
    assert panel.details_label.text() == "Could not be opened"
    assert not panel.grab().isNull()
    # and the panel still works
    assert len(load(qtbot, panel, samples / "invoice.png").pages) == 1


def test_a_new_document_supersedes_one_still_loading(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    panel = open_panel()
    ready: list[DocumentPlan] = []
    panel.documentReady.connect(ready.append)
    panel.show_document(samples / "invoice.pdf", FINE)
    plan = load(qtbot, panel, samples / "invoice.png")
    assert ready == [plan]
    assert len(plan.pages) == 1 and not panel.strip.isVisibleTo(panel)


def test_progress_tints_encoded_tiles(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel]
) -> None:
    white = np.full((1400, 1000, 3), 255, dtype=np.uint8)
    panel = open_panel()
    plan = load(qtbot, panel, DocumentSource.from_array(white, "Screen capture"))
    tiles = plan.pages[0].plan.tiles
    assert tiles >= 4

    panel.set_progress(2, tiles)
    assert panel.overlay.done == 2
    assert panel.status_label.text() == f"Encoding page 1: 2 of {tiles} tiles"
    image = panel.overlay.grab().toImage()

    def color_at(number: int) -> QColor:
        center = panel.overlay.tile_rect(number).center().toPoint()
        return image.pixelColor(QPoint(center.x(), center.y()))

    tinted, plain = color_at(1), color_at(3)
    assert tinted.green() - tinted.red() > 20, tinted.name()
    assert abs(plain.green() - plain.red()) < 8, plain.name()

    panel.set_progress(1, tiles + 5)  # a superseded plan's progress: ignored
    assert panel.overlay.done == 2
    panel.set_progress(tiles, tiles)
    assert panel.overlay.done == tiles
    assert panel.status_label.text() == f"Page 1 encoded ({tiles} tiles)"


def test_speed_change_updates_the_estimate(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    panel = open_panel()
    plan = load(qtbot, panel, samples / "invoice.png").pages[0].plan
    panel.set_speed(Speed(per_tile_s=60.0, prefill_tok_s=1.0, source="slow"))
    expected = format_duration(plan.tiles * 60.0 + plan.image_tokens)
    assert expected in panel.cost_label.text()
    assert "slow" in panel.cost_label.toolTip()


def test_clear_returns_to_the_empty_state(
    qtbot: QtBot, open_panel: Callable[..., DocumentPanel], samples: Path
) -> None:
    panel = open_panel()
    load(qtbot, panel, samples / "invoice.pdf")
    panel.clear()
    assert panel.plan is None and panel.source is None
    assert panel.overlay.plan is None and panel.overlay.message == EMPTY_MESSAGE
    assert not panel.strip.isVisibleTo(panel)
    assert panel.cost_label.text() == ""
    assert panel.pages.rowCount() == 0
    panel.set_progress(1, 2)  # nothing shown: ignored, no error
    assert not panel.grab().isNull()


def test_empty_panel_needs_no_thread(open_panel: Callable[..., DocumentPanel]) -> None:
    panel = open_panel()
    assert not panel._documents.running
    assert panel.overlay.message == EMPTY_MESSAGE
    assert not panel.grab().isNull()


@pytest.mark.parametrize("size, tiling", [
    ((1240, 1755), FINE),
    ((3000, 400), FINE),
    ((500, 500), TilingParams(thumbnail="always")),
    ((1654, 2339), TilingParams(max_image_tokens=FAST_BUDGET)),
])
def test_overlay_boxes_are_the_tiles_the_encoder_cuts(
    size: tuple[int, int], tiling: TilingParams
) -> None:
    """Numbers, order and padding-only tiles match `cut_tiles`, the encoder's input."""
    w, h = size
    plan = plan_image(w, h, tiling)
    tiles = [t for t in cut_tiles(np.zeros((h, w, 3), np.uint8), plan) if not t.is_thumbnail]
    boxes = tile_boxes(plan)
    assert [(b.row, b.col) for b in boxes] == [(t.row, t.col) for t in tiles]
    assert [b.number for b in boxes] == [t.index + 1 for t in tiles]
    assert [b.padding_only for b in boxes] == [t.source_rect is None for t in tiles]


def test_rgb_to_qimage_owns_its_pixels() -> None:
    rgb = np.zeros((3, 5, 3), np.uint8)
    rgb[1, 2] = (10, 200, 30)
    image = rgb_to_qimage(rgb)
    rgb[1, 2] = 0
    assert (image.width(), image.height()) == (5, 3)
    assert image.pixelColor(2, 1) == QColor(10, 200, 30)
    with pytest.raises(ValueError):
        rgb_to_qimage(np.zeros((3, 5), np.uint8))
