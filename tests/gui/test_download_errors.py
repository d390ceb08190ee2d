"""The download dialog says a network failure in one sentence naming the server.

Real failing connections through the real downloader on its thread: a local port nobody
listens on, and (with the resolver replaced, as no real name is sure not to resolve
everywhere) a name lookup that fails, as it does offline.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from bluelm_desktop.core.models import CatalogEntry
from bluelm_desktop.ui.model_download import DownloadDialog, ModelDownloads

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"),
              pytest.mark.qt_log_ignore("propagateSizeHints")]

ENTRY = CatalogEntry(id="tiny-net", title="Tiny (test)", family="internvl",
                     repo_id="test-org/Tiny-VL-GGUF", llm_file="Tiny-VL-Q4_K_M.gguf",
                     mmproj_file="mmproj-Tiny-VL-Q8_0.gguf", llm_bytes=1, mmproj_bytes=1,
                     licence="MIT", description="test pair")
WAIT_MS = 30_000


@pytest.fixture
def dialog_for(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[[str], DownloadDialog]]:
    made: list[ModelDownloads] = []

    def make(endpoint: str) -> DownloadDialog:
        downloads = ModelDownloads(tmp_path / "models", endpoint, (ENTRY,))
        made.append(downloads)
        dialog = DownloadDialog(downloads)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    yield make
    for downloads in made:
        downloads.shutdown()


def download_and_fail(qtbot: QtBot, dialog: DownloadDialog) -> str:
    with qtbot.waitSignal(dialog.downloads.failed, timeout=WAIT_MS) as failed:
        dialog.download_button.click()
    message = failed.args[1]
    assert dialog.status.text() == f"Download failed: {message}"
    assert dialog.download_button.isEnabled()  # try again when the network is back
    return str(message)


def test_a_refused_connection_is_one_sentence_naming_the_host(
        qtbot: QtBot, dialog_for: Callable[[str], DownloadDialog]) -> None:
    with socket.socket() as s:  # bound, never listening: connecting to it is refused
        s.bind(("127.0.0.1", 0))
        dialog = dialog_for(f"http://127.0.0.1:{s.getsockname()[1]}")
        message = download_and_fail(qtbot, dialog)
    assert message == "Could not reach 127.0.0.1: the connection was refused."


def test_offline_is_no_network_connection_not_an_errno(
        qtbot: QtBot, dialog_for: Callable[[str], DownloadDialog],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(host: str, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    message = download_and_fail(qtbot, dialog_for("https://huggingface.co"))
    assert message == ("Could not reach huggingface.co: no network connection "
                       "(name lookup failed).")
    assert "Errno" not in message
