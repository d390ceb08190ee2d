"""Models the user already has: the GGUF files LM Studio, Jan and llama.cpp downloaded.

"Find models on this computer" looks where those tools keep their downloads, pairs each
LLM with its vision projector the way llama.cpp's own downloader does, and offers the
pairs in place: adding one puts its paths in the external list (`models.library`), never
copies gigabytes. A found pair is checked like any other (pre-validation, then the load
probe on first use).

Where each tool keeps its models (each checked against the tool's documentation or code):
- LM Studio: `~/.lmstudio/models/<publisher>/<model>/*.gguf` (the app's "My Models"
  folder; before 0.3 `~/.cache/lm-studio/models`).
- Jan: `<data folder>/llamacpp/models/<model id>/` with `model.gguf` and, for a vision
  model, `mmproj.gguf`; the data folder is `data_folder` in Jan's `settings.json`, by
  default `Jan/data` under the platform's application-data folder.
- llama.cpp (`-hf`, llama-server's downloads): the Hugging Face hub cache, found as
  llama.cpp's `common/hf-cache.cpp` finds it (LLAMA_CACHE, HF_HUB_CACHE,
  HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub,
  ~/.cache/huggingface/hub), and its older flat cache (`~/.cache/llama.cpp`,
  `~/Library/Caches/llama.cpp`, `%LOCALAPPDATA%\\llama.cpp`).

Pairing (llama.cpp's `find_best_sibling` in common/download.cpp): a projector is a GGUF
whose name contains "mmproj"; an LLM gets the projector in the deepest folder it shares
with it — its own folder or one above it, within the same tool's tree — and among those
the one whose quantization bits are closest to the LLM's. The flat llama.cpp cache names
files `<owner>_<repo>_<file>`, so there a projector must also share the LLM's
`<owner>_<repo>_` prefix. Split models are offered by their first part only (llama.cpp
loads the rest).

Qt-free and never raising for what it finds: an unreadable folder is skipped.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

LM_STUDIO: Final = "LM Studio"
JAN: Final = "Jan"
LLAMA_CPP: Final = "llama.cpp"

MAX_DEPTH: Final = 8  # hub cache: models--o--r/snapshots/<rev>/sub/dir/file.gguf
MAX_FILES: Final = 20_000  # per folder tree: a mistaken root (a home folder) stays quick

_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)
_BITS = re.compile(r"(?:^|[^a-z0-9])(?:i?q|bf|f)(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class ModelFolder:
    """A folder a tool keeps models in; `flat` for llama.cpp's old one-folder cache."""

    tool: str
    path: Path
    flat: bool = False


@dataclass(frozen=True)
class FoundModel:
    """An LLM file another tool downloaded, and the projector that goes with it, if any."""

    tool: str
    llm: Path
    mmproj: Path | None = None

    @property
    def name(self) -> str:
        """The model's name as the tool shows it (Jan's `<id>/model.gguf`: the id)."""
        return model_name(self.llm)


def model_name(llm: Path) -> str:
    """`foo-q4_k_m.gguf` → `foo-q4_k_m`; Jan's `<id>/model.gguf` → `<id>`."""
    stem = llm.name[: -len(".gguf")] if llm.name.lower().endswith(".gguf") else llm.name
    return llm.parent.name if stem.lower() == "model" and llm.parent.name else stem


def model_folders(env: Mapping[str, str] | None = None, home: Path | None = None,
                  platform: str | None = None) -> list[ModelFolder]:
    """Where LM Studio, Jan and llama.cpp keep models on this computer (existing or not)."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    platform = sys.platform if platform is None else platform
    folders = [ModelFolder(LM_STUDIO, home / ".lmstudio" / "models"),
               ModelFolder(LM_STUDIO, home / ".cache" / "lm-studio" / "models")]
    jan_data = _jan_data_folder(env, home, platform)
    folders.append(ModelFolder(JAN, jan_data / "llamacpp" / "models"))
    folders.append(ModelFolder(JAN, home / "jan" / "models"))  # Jan before 0.6
    folders.append(ModelFolder(LLAMA_CPP, _hf_hub_cache(env, home)))
    folders.append(ModelFolder(LLAMA_CPP, _llama_cpp_cache(env, home, platform), flat=True))
    unique: dict[Path, ModelFolder] = {}
    for folder in folders:
        unique.setdefault(folder.path, folder)
    return list(unique.values())


def _app_data(env: Mapping[str, str], home: Path, platform: str) -> Path:
    if platform == "win32":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming")
    if platform == "darwin":
        return home / "Library" / "Application Support"
    return Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")


def _jan_data_folder(env: Mapping[str, str], home: Path, platform: str) -> Path:
    """Jan's data folder: `data_folder` of its settings.json, else its default."""
    jan = _app_data(env, home, platform) / "Jan"
    try:
        settings = json.loads((jan / "settings.json").read_text(encoding="utf-8"))
        folder = settings.get("data_folder") if isinstance(settings, dict) else None
        if isinstance(folder, str) and folder:
            return Path(folder)
    except (OSError, ValueError):
        pass
    return jan / "data"


def _hf_hub_cache(env: Mapping[str, str], home: Path) -> Path:
    """The Hugging Face hub cache, in llama.cpp's order (common/hf-cache.cpp)."""
    for var, below in (("LLAMA_CACHE", ()), ("HF_HUB_CACHE", ()),
                       ("HUGGINGFACE_HUB_CACHE", ()), ("HF_HOME", ("hub",)),
                       ("XDG_CACHE_HOME", ("huggingface", "hub"))):
        if env.get(var):
            return Path(env[var], *below)
    return home / ".cache" / "huggingface" / "hub"


def _llama_cpp_cache(env: Mapping[str, str], home: Path, platform: str) -> Path:
    """llama.cpp's older flat download cache (common.cpp fs_get_cache_directory)."""
    if env.get("LLAMA_CACHE"):
        return Path(env["LLAMA_CACHE"])
    if platform == "win32":
        return Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "llama.cpp"
    if platform == "darwin":
        return home / "Library" / "Caches" / "llama.cpp"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "llama.cpp"


def find_models(folders: list[ModelFolder] | None = None) -> list[FoundModel]:
    """Every LLM GGUF under the folders, each with its projector; never raises."""
    found: list[FoundModel] = []
    seen: set[str] = set()
    for folder in model_folders() if folders is None else folders:
        for model in _find_in(folder):
            key = same_file_key(model.llm)
            if key not in seen:
                seen.add(key)
                found.append(model)
    return found


def _find_in(folder: ModelFolder) -> list[FoundModel]:
    files = list(_gguf_files(folder.path))
    projectors = [f for f in files if "mmproj" in f.name.lower()]
    models = []
    for llm in files:
        if "mmproj" in llm.name.lower() or not _first_part(llm):
            continue
        candidates = projectors
        if folder.flat:
            candidates = [p for p in projectors if _repo_prefix(p) == _repo_prefix(llm)]
        models.append(FoundModel(folder.tool, llm, _best_projector(llm, candidates)))
    return sorted(models, key=lambda m: str(m.llm).casefold())


def _gguf_files(root: Path) -> Iterator[Path]:
    """GGUF files under root (hidden folders skipped, depth and count bounded)."""
    if not root.is_dir():
        return
    count = 0
    for current, dirs, files in os.walk(root, followlinks=True, onerror=None):
        depth = len(Path(current).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth < MAX_DEPTH else []
        for name in sorted(files):
            count += 1
            if count > MAX_FILES:
                return
            path = Path(current) / name
            if name.lower().endswith(".gguf") and not name.startswith(".") and path.is_file():
                yield path


def _first_part(path: Path) -> bool:
    """False for parts 2… of a split model (`-00002-of-00003.gguf`)."""
    match = _SPLIT.search(path.name)
    return match is None or int(match.group(1)) == 1


def _repo_prefix(path: Path) -> str:
    """`<owner>_<repo>_` of a file in llama.cpp's flat cache ('' when not named so)."""
    parts = path.name.split("_")
    return "_".join(parts[:2]) + "_" if len(parts) > 2 else ""


def quant_bits(name: str) -> int:
    """The quantization bits in a file name (Q4_K_M → 4, f16 → 16, BF16 → 16); 0 if none."""
    match = _BITS.search(name)
    return int(match.group(1)) if match else 0


def _best_projector(llm: Path, projectors: list[Path]) -> Path | None:
    """llama.cpp's choice: the deepest shared folder, then the closest quantization."""
    best: tuple[int, int, str] | None = None
    choice = None
    bits = quant_bits(llm.name)
    for proj in projectors:
        if not llm.parent.is_relative_to(proj.parent):  # its folder or one above it
            continue
        rank = (-len(proj.parent.parts), abs(quant_bits(proj.name) - bits), proj.name)
        if best is None or rank < best:
            best, choice = rank, proj
    return choice


def same_file_key(path: Path) -> str:
    """A key under which two spellings of one file compare equal (symlinks, `..`)."""
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())
