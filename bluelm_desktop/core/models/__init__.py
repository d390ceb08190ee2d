"""The models the app runs: the library (`library`: the models folder and files added in
place), the models other apps downloaded (`discover`), the built-in catalog (`catalog`)
and the download of a catalog pair (`download`). The file format itself is `core.gguf`.

Importing this package is cheap and offline: huggingface_hub (and the GGUF readers used to
check a finished download) are imported only when a download starts.
"""

from __future__ import annotations

from bluelm_desktop.core.models.catalog import CATALOG, CatalogEntry, entry_by_id
from bluelm_desktop.core.models.download import (
    DownloadCancelled,
    DownloadProgress,
    download_pair,
    final_paths,
    staging_dir,
)

__all__ = [
    "CATALOG",
    "CatalogEntry",
    "DownloadCancelled",
    "DownloadProgress",
    "download_pair",
    "entry_by_id",
    "final_paths",
    "staging_dir",
]
