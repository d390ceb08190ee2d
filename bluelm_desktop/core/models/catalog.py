"""The built-in catalog: vision model pairs (LLM GGUF + mmproj GGUF) the app offers to download.

Every entry is a real llama.cpp-compatible repository on the Hugging Face hub whose projector
type our engine runs (`core.gguf.keys.SUPPORTED_PROJECTORS`: `internvl`, `lfm2`) and whose
LLM architecture it loads (qwen2 for InternVL3, lfm2 for LFM2-VL). Sizes are for the
progress bar and the "needs N GB of disk" line before anything is fetched; the download
itself trusts the hub's `X-Linked-Size` and sha256, not these numbers.

How the entries were confirmed (no network here; from stored public pages and code, 2025):
- repo ids and file names of all four: download URLs
  `https://huggingface.co/<repo>/resolve/main/<file>` quoted in several public projects
  (app model lists, setup scripts) and the llama.cpp multimodal docs, which list
  `ggml-org/InternVL3-*-Instruct-GGUF` and LiquidAI's LFM2-VL GGUF repos as ready-made pairs;
- exact byte sizes of both InternVL3 pairs: a public model list giving each file's
  Content-Length (675,206,560 + 332,567,840 and 1,116,758,816 + 337,012,000);
- LFM2-VL-450M-Q8_0.gguf (379,215,264) and its Q8_0 projector (103,890,016): byte counts
  quoted for the same files in a mirror repository, so approximate for LiquidAI's own;
- LFM2-VL-1.6B: only rounded sizes (0.65 GB and 0.53 GB) from a public download table.
No sha256 is pinned: none of the sources quoted one. `download_pair` checks every file
against the sha256 the hub reports, so a pin only adds protection against a repository
changing its files; add them here once they are read off the hub's file pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from bluelm_desktop.core.errors import msg

FAMILY_INTERNVL: Final = "internvl"  # InternViT + pixel shuffle + MLP, Qwen2 LLM
FAMILY_LFM2: Final = "lfm2"  # SigLIP2 NaFlex + pixel unshuffle + MLP, LFM2 LLM
DEFAULT_REVISION: Final = "main"

LICENCE_INTERNVL3: Final = msg("MIT (InternVL3) + Apache-2.0 (its Qwen2.5 LLM)")
LICENCE_LFM: Final = msg("LFM Open License v1.0 (free below USD 10M annual revenue)")


@dataclass(frozen=True)
class CatalogEntry:
    """One downloadable model: which two files of which repository, and what to call them.

    `id` is a slug: the files are saved as `<id>-llm.gguf` and `<id>-mmproj.gguf`, the
    names the model library pairs up, so it must stay stable across releases (renaming it
    would orphan models users already downloaded).
    """

    id: str
    title: str
    family: str  # the mmproj's projector type, a key of SUPPORTED_PROJECTORS
    repo_id: str
    llm_file: str
    mmproj_file: str
    llm_bytes: int  # approximate, for display before the hub is asked
    mmproj_bytes: int
    licence: str  # English, marked with `msg`: the UI shows it translated (a `Line`)
    description: str  # likewise
    revision: str = DEFAULT_REVISION
    llm_sha256: str | None = None  # pins: None when not known
    mmproj_sha256: str | None = None

    @property
    def size_bytes(self) -> int:
        """Approximate download size of both files (what the UI shows before starting)."""
        return self.llm_bytes + self.mmproj_bytes


CATALOG: Final[tuple[CatalogEntry, ...]] = (
    CatalogEntry(
        id="internvl3-1b-q8_0",
        title="InternVL3 1B",
        family=FAMILY_INTERNVL,
        repo_id="ggml-org/InternVL3-1B-Instruct-GGUF",
        llm_file="InternVL3-1B-Instruct-Q8_0.gguf",
        mmproj_file="mmproj-InternVL3-1B-Instruct-Q8_0.gguf",
        llm_bytes=675_206_560,
        mmproj_bytes=332_567_840,
        licence=LICENCE_INTERNVL3,
        description=msg("1B parameters (Qwen2.5-0.5B LLM): quick on documents and screenshots."),
    ),
    CatalogEntry(
        id="internvl3-2b-q4_k_m",
        title="InternVL3 2B",
        family=FAMILY_INTERNVL,
        repo_id="ggml-org/InternVL3-2B-Instruct-GGUF",
        llm_file="InternVL3-2B-Instruct-Q4_K_M.gguf",
        mmproj_file="mmproj-InternVL3-2B-Instruct-Q8_0.gguf",
        llm_bytes=1_116_758_816,
        mmproj_bytes=337_012_000,
        licence=LICENCE_INTERNVL3,
        description=msg("2B parameters (Qwen2.5-1.5B LLM): better answers, about twice as slow."),
    ),
    CatalogEntry(
        id="lfm2-vl-450m-q8_0",
        title="LFM2-VL 450M",
        family=FAMILY_LFM2,
        repo_id="LiquidAI/LFM2-VL-450M-GGUF",
        llm_file="LFM2-VL-450M-Q8_0.gguf",
        mmproj_file="mmproj-LFM2-VL-450M-Q8_0.gguf",
        llm_bytes=379_215_264,
        mmproj_bytes=103_890_016,
        licence=LICENCE_LFM,
        description=msg("The smallest pair, under 500 MB: for older laptops; English only."),
    ),
    CatalogEntry(
        id="lfm2-vl-1.6b-q4_0",
        title="LFM2-VL 1.6B",
        family=FAMILY_LFM2,
        repo_id="LiquidAI/LFM2-VL-1.6B-GGUF",
        llm_file="LFM2-VL-1.6B-Q4_0.gguf",
        mmproj_file="mmproj-LFM2-VL-1.6B-Q8_0.gguf",
        llm_bytes=698_000_000,
        mmproj_bytes=569_000_000,
        licence=LICENCE_LFM,
        description=msg("1.6B parameters with a larger vision encoder than the 450M; "
                        "English only."),
    ),
)


def entry_by_id(entry_id: str) -> CatalogEntry | None:
    """The catalog entry with this id, or None (an id saved by an older or newer release)."""
    return next((e for e in CATALOG if e.id == entry_id), None)
