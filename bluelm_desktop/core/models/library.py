"""The models the app can run: GGUF pairs in the models folder plus files the user added.

A model is an LLM GGUF and, for images, the vision projector (mmproj) GGUF that goes with
it. The converter writes `<name>-llm.gguf` + `<name>-mmproj.gguf`, so pairs in the models
folder are found by name; any other LLM GGUF there is a text-only model. Files the user
already has elsewhere are not copied (they are often several GiB): their paths are kept in
a small JSON list (`config_dir()/models.json`) that `scan` reads too.

Scanning never raises for bad input. A damaged, truncated or mismatched file becomes an
entry with an `error` line, so the setup screen and `bluelm-desktop models` can show the
user what is wrong with which file instead of hiding it or crashing.

Qt-free: the UI runs these functions on a worker thread, since reading the header of a
real model (a 150k-token vocabulary) takes long enough to freeze a window.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bluelm_desktop.core import paths
from bluelm_desktop.core.durable import write_atomically
from bluelm_desktop.core.errors import ConvertError, Line, ModelError, msg
from bluelm_desktop.core.gguf import keys as C
from bluelm_desktop.core.gguf.check import check_gguf
from bluelm_desktop.core.gguf.summary import (
    KIND_LLM,
    KIND_MMPROJ,
    GGUFSummary,
    estimate_ram_bytes,
    summarize,
)
from bluelm_desktop.core.models.discover import (
    FoundModel,
    find_models,
    model_name,
    same_file_key,
)

N_CTX_ESTIMATE: Final = 4096  # the context the "Est. RAM" column is computed for
DEMO_MODEL_NAME: Final = "bluelm-demo-tiny"
EXTERNAL_LIST_FILE: Final = "models.json"
EXTERNAL_LIST_VERSION: Final = 1
GGUF_SUFFIX: Final = ".gguf"

KIND_VISION_TEXT: Final = "vision + text"
KIND_TEXT_ONLY: Final = "text only"
SOURCE_LIBRARY: Final = "library"  # a file in the models folder
SOURCE_EXTERNAL: Final = "external"  # a file listed in models.json, left where it is

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ModelPair:
    """One runnable model (or one broken entry, when `error` is set) as the library sees it.

    The summaries are kept so the details view can print them without reading the files
    again on the GUI thread; they are plain data and outlive the files.
    """

    name: str
    llm_path: Path
    mmproj_path: Path | None
    source: str = SOURCE_LIBRARY
    layout: str | None = None  # bluelm.layout of the LLM ("bluelm", "internvl"); None if foreign
    llm_type: str | None = None  # the LLM's matrix precision, e.g. "q4_k + q6_k"
    llm_bytes: int = 0
    mmproj_bytes: int = 0
    ram_bytes: int | None = None  # LLM at N_CTX_ESTIMATE + mmproj for one tile; None: unknown
    error: str | None = None  # the English line (the CLI, --json); the UI shows `problem`
    llm_summary: GGUFSummary | None = field(default=None, repr=False, compare=False)
    mmproj_summary: GGUFSummary | None = field(default=None, repr=False, compare=False)
    # `error` as a translatable line; give either, the other follows.
    problem: Line | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.problem is not None and self.error is None:
            object.__setattr__(self, "error", str(self.problem))
        elif self.error is not None and self.problem is None:
            object.__setattr__(self, "problem", Line.plain(self.error))

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def kind(self) -> str:
        """What the model can be asked about; a vision model needs its projector."""
        return KIND_VISION_TEXT if self.mmproj_path is not None else KIND_TEXT_ONLY

    @property
    def size_bytes(self) -> int:
        """Disk space of both files together (what deleting the model would free)."""
        return self.llm_bytes + self.mmproj_bytes

    @property
    def is_demo(self) -> bool:
        """The random-weight demo: it runs, but its answers are noise; the UI says so."""
        return self.source == SOURCE_LIBRARY and self.name == DEMO_MODEL_NAME

    def to_json(self) -> dict[str, object]:
        """One JSON object per model, as `bluelm-desktop models --json` prints it."""
        return {
            "name": self.name,
            "ok": self.ok,
            "kind": self.kind if self.ok else None,  # unknown for a file we cannot read
            "source": self.source,
            "llm": str(self.llm_path),
            "mmproj": None if self.mmproj_path is None else str(self.mmproj_path),
            "layout": self.layout,
            "llm_type": self.llm_type,
            "size_bytes": self.size_bytes,
            "ram_bytes": self.ram_bytes,
            "ram_n_ctx": N_CTX_ESTIMATE,
            "demo": self.is_demo,
            "error": self.error,
        }


@dataclass(frozen=True)
class ExternalModel:
    """One entry of models.json: files the user added from elsewhere."""

    llm: Path
    mmproj: Path | None = None


# --- reading one model -----------------------------------------------------------------


def precision_label(summary: GGUFSummary) -> str:
    """The LLM's weight types, largest share first ("q4_k + q6_k" for a q4_k_m file).

    f32 is left out when anything else is present: norms are always f32 and say nothing
    about how the model was quantized. Read from the tensors rather than general.file_type
    because the tensors are what llama.cpp loads, whatever the header claims.
    """
    by_bytes = sorted(summary.tensor_bytes.items(), key=lambda kv: (-kv[1], kv[0]))
    names = [name for name, _ in by_bytes if name != "f32"] or ["f32"]
    return " + ".join(names[:2]) + (" + …" if len(names) > 2 else "")


def load_pair(
    name: str, llm: Path, mmproj: Path | None, source: str = SOURCE_LIBRARY
) -> ModelPair:
    """Read both files' headers into a `ModelPair`; every problem becomes its `error`."""
    llm_bytes = _file_size(llm)
    mmproj_bytes = _file_size(mmproj) if mmproj is not None else 0
    broken = ModelPair(name, llm, mmproj, source, llm_bytes=llm_bytes, mmproj_bytes=mmproj_bytes)

    # The bounded pre-check first: gguf-py's reader trusts the header's counts and could
    # be made to allocate gigabytes by a crafted file during a mere library scan.
    for path in (llm, mmproj):
        if path is not None:
            try:
                check_gguf(path)
            except ModelError as e:
                return _with_error(broken, e.line)
    llm_summary = _summary_of(llm, KIND_LLM, msg("{name}: is a vision projector (mmproj), "
                                                 "not a language model"))
    if isinstance(llm_summary, Line):
        return _with_error(broken, llm_summary)
    mmproj_summary: GGUFSummary | None = None
    if mmproj is not None:
        found = _summary_of(mmproj, KIND_MMPROJ, msg("{name}: is a language model, not a "
                                                     "vision projector (mmproj)"))
        if isinstance(found, Line):
            return _with_error(broken, found)
        mmproj_summary = found

    layout = llm_summary.tiling.get("layout")
    return ModelPair(
        name=name,
        llm_path=llm,
        mmproj_path=mmproj,
        source=source,
        layout=layout if isinstance(layout, str) else None,
        llm_type=precision_label(llm_summary),
        llm_bytes=llm_summary.file_size,
        mmproj_bytes=mmproj_summary.file_size if mmproj_summary is not None else 0,
        ram_bytes=_ram_estimate(llm_summary, mmproj_summary),
        llm_summary=llm_summary,
        mmproj_summary=mmproj_summary,
    )


def _ram_estimate(llm: GGUFSummary, mmproj: GGUFSummary | None) -> int | None:
    """LLM at N_CTX_ESTIMATE plus the projector; None when a file lacks an hparam it needs.

    A missing estimate is not an error: llama.cpp may still load the file, we just cannot
    say beforehand how much memory it will take.
    """
    try:
        total = estimate_ram_bytes(llm, n_ctx=N_CTX_ESTIMATE)["total"]
        if mmproj is not None:
            total += estimate_ram_bytes(mmproj)["total"]
    except ConvertError:
        return None
    return total


def _with_error(pair: ModelPair, problem: Line) -> ModelPair:
    return ModelPair(
        pair.name,
        pair.llm_path,
        pair.mmproj_path,
        pair.source,
        llm_bytes=pair.llm_bytes,
        mmproj_bytes=pair.mmproj_bytes,
        problem=problem,
    )


def _summary_of(path: Path, kind: str, wrong_kind: str) -> GGUFSummary | Line:
    """The file's summary, or one line saying why it cannot be one of `kind` (`wrong_kind`:
    the template, with the file's {name})."""
    try:
        summary = summarize(path)
    except ConvertError as e:
        return _problem(e)
    return summary if summary.kind == kind else Line.of(wrong_kind, name=path.name)


def _problem(e: ConvertError) -> Line:
    """The converter's message with the file's name only; the full path is in the entry."""
    return Line.of(msg("{name}: {problem}"), name=e.path.name, problem=e.problem_line)


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _model_name(path: Path) -> str:
    """`foo-llm.gguf` → `foo`; Jan's `<id>/model.gguf` → `<id>`; any other `bar.gguf` → `bar`."""
    if path.name.endswith(C.LLM_SUFFIX):
        return path.name[: -len(C.LLM_SUFFIX)]
    return model_name(path)


# --- the library ------------------------------------------------------------------------


def scan(models_dir: Path, external_list: Path | None = None) -> list[ModelPair]:
    """Every model in `models_dir` and in the external list, sorted by name; never raises.

    `external_list` defaults to `config_dir()/models.json`. An external entry whose LLM
    is also in `models_dir` is listed once, as a library model.
    """
    models_dir = Path(models_dir)
    if external_list is None:
        external_list = default_external_list()
    pairs = _scan_folder(models_dir)
    seen = {same_file_key(p.llm_path) for p in pairs}
    try:
        externals = read_external_list(external_list)
    except ModelError as e:
        pairs.append(ModelPair(external_list.name, external_list, None, SOURCE_EXTERNAL,
                               problem=e.line))
        externals = []
    for ext in externals:
        if same_file_key(ext.llm) in seen:
            continue
        seen.add(same_file_key(ext.llm))
        pairs.append(load_pair(_model_name(ext.llm), ext.llm, ext.mmproj, SOURCE_EXTERNAL))
    return sorted(pairs, key=lambda p: (p.name.casefold(), p.source, str(p.llm_path)))


def _scan_folder(models_dir: Path) -> list[ModelPair]:
    """Pairs by name, then single LLM files; orphaned projectors become error entries."""
    try:
        files = sorted(
            p for p in models_dir.iterdir()
            # Dot files are the converter's temporaries and editors' droppings.
            if p.name.lower().endswith(GGUF_SUFFIX) and not p.name.startswith(".")
            and p.is_file()
        )
    except FileNotFoundError:
        return []
    except OSError as e:
        return [ModelPair(models_dir.name, models_dir, None,
                          problem=Line.of(msg("cannot read the models folder: {error}"),
                                          error=e.strerror or str(e)))]

    names = {p.name for p in files}
    used: set[str] = set()
    pairs: list[ModelPair] = []
    for path in files:
        if not path.name.endswith(C.LLM_SUFFIX):
            continue
        name = path.name[: -len(C.LLM_SUFFIX)]
        mmproj_name = f"{name}{C.MMPROJ_SUFFIX}"
        mmproj = models_dir / mmproj_name if mmproj_name in names else None
        used.update((path.name, mmproj_name))
        pairs.append(load_pair(name, path, mmproj))
    for path in files:
        if path.name in used:
            continue
        if path.name.endswith(C.MMPROJ_SUFFIX):
            name = path.name[: -len(C.MMPROJ_SUFFIX)]
            pairs.append(ModelPair(
                name, path, None, llm_bytes=_file_size(path),
                problem=Line.of(msg("{name}: vision projector without its LLM ({llm})"),
                                name=path.name, llm=f"{name}{C.LLM_SUFFIX}"),
            ))
            continue
        pairs.append(load_pair(_model_name(path), path, None))
    return pairs


# --- the external list (models.json) ----------------------------------------------------


def default_external_list() -> Path:
    return paths.config_dir() / EXTERNAL_LIST_FILE


def read_external_list(list_path: Path) -> list[ExternalModel]:
    """The user's added files; a missing list is empty, a damaged one is a `ModelError`.

    A damaged list is reported rather than treated as empty, so the next `add` does not
    silently overwrite entries the user made.
    """
    try:
        text = list_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ModelError(msg("{path}: cannot read: {problem}"), path=list_path,
                         problem=e.strerror or str(e)) from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ModelError(msg("{path}: not valid JSON ({error})"), path=list_path,
                         error=str(e)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), list):
        raise ModelError(msg('{path}: expected {{"version": 1, "models": [...]}}'),
                         path=list_path)
    version = doc.get("version")
    if not isinstance(version, int) or version > EXTERNAL_LIST_VERSION:
        raise ModelError(msg("{path}: version {version!r} is newer than this app understands"),
                         path=list_path, version=version)
    entries: list[ExternalModel] = []
    for item in doc["models"]:
        llm = item.get("llm") if isinstance(item, dict) else None
        mmproj = item.get("mmproj") if isinstance(item, dict) else None
        if not isinstance(llm, str) or not (mmproj is None or isinstance(mmproj, str)):
            raise ModelError(msg("{path}: bad entry {entry!r}"), path=list_path, entry=item)
        entries.append(ExternalModel(Path(llm), Path(mmproj) if mmproj else None))
    return entries


def write_external_list(list_path: Path, entries: Iterable[ExternalModel]) -> None:
    """Replace the list atomically: a crash mid-write leaves the old list, never half."""
    doc = {
        "version": EXTERNAL_LIST_VERSION,
        "models": [
            {"llm": str(e.llm), "mmproj": None if e.mmproj is None else str(e.mmproj)}
            for e in entries
        ],
    }
    write_atomically(list_path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))


def add_external(list_path: Path, llm: Path, mmproj: Path | None = None) -> ModelPair:
    """Check the files and record them in the list; a bad file is a `ModelError`, not listed.

    Adding an LLM that is already listed replaces its projector, so choosing the files
    again fixes a wrong pairing instead of making a duplicate.
    """
    llm = Path(llm).expanduser().absolute()
    mmproj = Path(mmproj).expanduser().absolute() if mmproj is not None else None
    pair = load_pair(_model_name(llm), llm, mmproj, SOURCE_EXTERNAL)
    if pair.problem is not None:
        raise ModelError(pair.problem)
    key = same_file_key(llm)
    entries = [e for e in read_external_list(list_path) if same_file_key(e.llm) != key]
    entries.append(ExternalModel(llm, mmproj))
    try:
        write_external_list(list_path, entries)
    except OSError as e:
        raise ModelError(msg("{path}: cannot write: {problem}"), path=list_path,
                         problem=e.strerror or str(e)) from None
    return pair


def not_yet_listed(found: Iterable[FoundModel], models_dir: Path,
                   external_list: Path) -> list[FoundModel]:
    """The found models whose LLM the library does not list yet, in its folder or in its
    external list: by path, without reading a header (`scan` would read every one)."""
    listed: set[str] = set()
    with contextlib.suppress(OSError):
        listed |= {same_file_key(p) for p in models_dir.iterdir()
                   if p.name.lower().endswith(GGUF_SUFFIX)}
    with contextlib.suppress(ModelError):  # a damaged list: scan reports it, add refuses
        listed |= {same_file_key(e.llm) for e in read_external_list(external_list)}
    return [f for f in found if same_file_key(f.llm) not in listed]


def add_found(list_path: Path, found: Iterable[FoundModel]) -> list[ModelPair]:
    """Add models found on this computer in place; one that fails its checks comes back
    as an entry with its `error` (and is not listed), the others are listed."""
    added = []
    for model in found:
        try:
            added.append(add_external(list_path, model.llm, model.mmproj))
        except ModelError as e:
            added.append(ModelPair(model.name, model.llm, model.mmproj, SOURCE_EXTERNAL,
                                   problem=e.line))
    return added


@dataclass(frozen=True)
class ModelLibrary:
    """Where the library lives; the UI and the CLI receive one instead of reading paths.

    Passing it in (rather than calling `paths` everywhere) lets tests point a panel at a
    temporary folder without touching global state.
    """

    models_dir: Path
    external_list: Path
    work_dir: Path

    @classmethod
    def from_paths(cls) -> ModelLibrary:
        """The library under the app's directories (honours `--data-dir`)."""
        return cls(paths.models_dir(), default_external_list(), paths.cache_dir())

    def scan(self) -> list[ModelPair]:
        return scan(self.models_dir, self.external_list)

    def add_external(self, llm: Path, mmproj: Path | None = None) -> ModelPair:
        return add_external(self.external_list, llm, mmproj)

    def find_on_computer(self) -> list[FoundModel]:
        """Models LM Studio, Jan and llama.cpp downloaded that the library lacks."""
        return not_yet_listed(find_models(), self.models_dir, self.external_list)

    def add_found(self, found: Iterable[FoundModel]) -> list[ModelPair]:
        return add_found(self.external_list, found)

