"""From files to an answer, headless: documents → tile plans → tiles → engine → streamed text.

The same steps the app runs when a document is dropped; `bluelm-desktop ask` drives them
from the command line.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bluelm_desktop.core.documents import DocumentService, SourceLike
from bluelm_desktop.core.engine.client import EngineClient
from bluelm_desktop.core.engine.engine import (
    Done,
    Engine,
    EngineSettings,
    Event,
    ImageReady,
    Loaded,
    Token,
)
from bluelm_desktop.core.engine.families import vision_family
from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.errors import BlueLMError, ModelError
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.planning import PreparedImage, prepare_pages
from bluelm_desktop.core.vision.tiling import TilingParams


def tiling_for(mmproj: Path, max_image_tokens: int | None = None) -> TilingParams:
    """The model's own tiling (its family, from the GGUF metadata), with the user's budget.

    `VisionUnsupported` for a projector whose image layout is not known here."""
    params = vision_family(read_metadata(mmproj), mmproj.name).tiling
    return dataclasses.replace(params, max_image_tokens=max_image_tokens)


def prepare_images(service: DocumentService, files: Sequence[SourceLike],
                   params: TilingParams, password: str | None = None) -> list[PreparedImage]:
    """Every usable page of every file, rendered at exactly the size its tiles need (the
    tiles kept, the page's pixels let go)."""
    return [dataclasses.replace(img, pixels=None) for name in files
            for img in prepare_pages(service, name, params, password)]


def translation_prompt(text: str, language: str) -> str:
    base = f"Translate the text in the image into {language}. Reply with the translation only."
    return f"{base}\n{text}" if text else base


@dataclass
class AskResult:
    text: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # settings the model could not take


def ask(llm: Path, mmproj: Path | None, files: Sequence[str], question: str,
        params: SamplingParams, settings: EngineSettings | None = None,
        max_image_tokens: int | None = None, on_text: Callable[[str], None] | None = None,
        password: str | None = None) -> AskResult:
    """Answer one question about zero or more files; streams through `on_text`."""
    if files and mmproj is None:
        raise ModelError("reading documents needs a vision projector: pass --mmproj")
    images: list[PreparedImage] = []
    if files:
        assert mmproj is not None
        with DocumentService() as service:
            images = prepare_images(service, files, tiling_for(mmproj, max_image_tokens),
                                    password)

    def submit(engine: Engine) -> list[int]:
        ids = [engine.load(llm, mmproj)]
        ids += [engine.encode_image("cli", img.image_id, img.tiles, img.layout, replace=k == 0)
                for k, img in enumerate(images)]
        ids.append(engine.ask("cli", question, [i.image_id for i in images], params))
        return ids

    def stream(event: Event) -> None:
        if isinstance(event, Token) and on_text is not None:
            on_text(event.text)

    with EngineClient(settings) as client:
        turn = client.run(submit, on_event=stream)
    if turn.failure is not None and turn.failure != "stopped":
        raise ModelError(turn.failure)
    result = AskResult(text=turn.answer)
    for loaded in turn.of(Loaded):
        result.notes.extend(loaded.notes)
    ready = turn.of(ImageReady)  # what the engine laid out, not an estimate
    stats: dict[str, Any] = {
        "tiles": sum(e.tiles for e in ready),
        "image_tokens": sum(e.image_tokens for e in ready),
        "encode_ms": sum(e.encode_s for e in ready) * 1000, "prefill_ms": 0.0}
    for done in turn.of(Done):
        s = done.stats
        stats.update(prefill_ms=s.prefill_s * 1000, ttft_ms=s.ttft_s * 1000,
                     decode_tokens=s.decode_tokens, decode_tok_s=s.decode_tok_s,
                     stopped=s.stopped)
    stats["peak_rss_mb"] = _peak_rss_mb()
    result.stats = stats
    return result


def _peak_rss_mb() -> float:
    try:
        import resource  # POSIX only: the app must still start on Windows
    except ImportError:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def load_schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise BlueLMError(f"{path}: {e.strerror or e}") from None
    except json.JSONDecodeError as e:
        raise BlueLMError(f"{path}: not valid JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(schema, dict):
        raise BlueLMError(f"{path}: a JSON schema must be an object")
    return schema

