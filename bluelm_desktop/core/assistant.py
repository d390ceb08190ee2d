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
from bluelm_desktop.core.engine.vocab import TokenCounter
from bluelm_desktop.core.errors import BlueLMError, ModelError
from bluelm_desktop.core.gguf.pairs import read_metadata
from bluelm_desktop.core.planning import (
    Counter,
    PreparedImage,
    document_budget,
    plan_document,
    render_pages,
)
from bluelm_desktop.core.server import (
    ServerClient,
    ServerConfig,
    ServerConnection,
    no_vision,
    server_tiling,
)
from bluelm_desktop.core.tasks.grounding import cited_pages, ground
from bluelm_desktop.core.vision.tiling import TilingParams


def tiling_for(mmproj: Path, max_image_tokens: int | None = None) -> TilingParams:
    """The model's own tiling (its family, from the GGUF metadata), with the user's budget.

    `VisionUnsupported` for a projector whose image layout is not known here."""
    params = vision_family(read_metadata(mmproj), mmproj.name).tiling
    return dataclasses.replace(params, max_image_tokens=max_image_tokens)


def prepare_images(service: DocumentService, files: Sequence[SourceLike],
                   params: TilingParams, password: str | None = None,
                   budget: int | None = None, notes: list[str] | None = None,
                   count_tokens: Counter | None = None, question: str = "",
                   vision: bool = True) -> list[PreparedImage]:
    """Every usable page of every file, as its plan sends it (text layer first), within
    `budget` positions for all of them together (None: no limit); the tiles kept, the
    pages' pixels let go. What fitting the budget took is added to `notes`; when not
    every page fits, those that match `question` best are kept. `vision=False`: text
    layers only (`plan_document`)."""
    out: list[PreparedImage] = []
    for name in files:
        left = None if budget is None else max(budget - sum(p.positions for p in out), 1)
        plan = plan_document(service, name, params, password, left,
                             count_tokens=count_tokens, question=question, vision=vision)
        if notes is not None:
            label = plan.info.name if plan.info is not None else plan.file
            notes.extend(f"{label}: {note}" for note in plan.fit_notes)
        out += [dataclasses.replace(img, pixels=None)
                for img in render_pages(service, name, plan, password)]
    return out


def translation_prompt(text: str, language: str) -> str:
    base = f"Translate the text in the image into {language}. Reply with the translation only."
    return f"{base}\n{text}" if text else base


@dataclass
class AskResult:
    text: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # settings the model could not take


def ask(llm: Path | None, mmproj: Path | None, files: Sequence[str], question: str,
        params: SamplingParams, settings: EngineSettings | None = None,
        max_image_tokens: int | None = None, on_text: Callable[[str], None] | None = None,
        password: str | None = None, server: ServerConfig | None = None) -> AskResult:
    """Answer one question about zero or more files; streams through `on_text`.

    With `server`, a llama-server answers (`core.server`): `llm`/`mmproj` are then
    optional, the server's model files as they are here, read for their tokenizer and
    projector family only."""
    if server is not None:
        return _ask_server(server, llm, mmproj, files, question, params, settings,
                           max_image_tokens, on_text, password)
    if llm is None:
        raise ModelError("no model: give the LLM file, or a server")
    images: list[PreparedImage] = []
    settings = settings or EngineSettings()
    fitting: list[str] = []  # what fitting the documents into the context took
    if files:  # (without a projector: the documents' text layers only)
        tiling = tiling_for(mmproj, max_image_tokens) if mmproj else TilingParams()
        with DocumentService() as service, TokenCounter(llm) as count:
            images = prepare_images(service, files, tiling, password,
                                    document_budget(settings.n_ctx, params.max_tokens),
                                    fitting, count, question, vision=mmproj is not None)
    with EngineClient(settings) as client:
        return _answer(client, llm, mmproj, images, question, params, settings.n_ctx,
                       fitting, on_text)


def _ask_server(server: ServerConfig, llm: Path | None, mmproj: Path | None,
                files: Sequence[str], question: str, params: SamplingParams,
                settings: EngineSettings | None, max_image_tokens: int | None,
                on_text: Callable[[str], None] | None, password: str | None) -> AskResult:
    """`ask` through a llama-server: its slot's context is the budget, its tokenizer (or
    the LLM file's, when here) counts text pages, its projector decides what is sent."""
    images: list[PreparedImage] = []
    fitting: list[str] = []
    with ServerConnection(server) as connection:
        info = connection.check()
        n_ctx = min(info.n_ctx, settings.n_ctx) if settings is not None else info.n_ctx
        if files:
            count = TokenCounter(llm) if llm is not None else None
            try:
                with DocumentService() as service:
                    images = prepare_images(
                        service, files, server_tiling(mmproj, max_image_tokens), password,
                        document_budget(n_ctx, params.max_tokens), fitting,
                        count or connection.count_tokens, question)
            finally:
                if count is not None:
                    count.close()
            if not info.vision:  # pages that go as images need a projector there
                needing = [i for i in images if i.sends_tiles]
                if needing:
                    page = needing[0]
                    raise no_vision(info, f"{Path(page.document).name} page {page.page + 1}")
    with ServerClient(server) as client:
        return _answer(client, llm, mmproj, images, question, params, n_ctx, fitting,
                       on_text)


def _answer(client: EngineClient, llm: Path | None, mmproj: Path | None,
            images: Sequence[PreparedImage], question: str, params: SamplingParams,
            n_ctx: int, fitting: list[str], on_text: Callable[[str], None] | None
            ) -> AskResult:
    """Load, hand over the pages, ask; the answer and its statistics."""

    def submit(engine: Engine) -> list[int]:
        ids = [engine.load(llm, mmproj)]
        for k, img in enumerate(images):
            ids += img.submit_to(engine, "cli", first=k == 0)
        ids.append(engine.ask("cli", question, [i for img in images for i in img.page_ids],
                              params))
        return ids

    def stream(event: Event) -> None:
        if isinstance(event, Token) and on_text is not None:
            on_text(event.text)

    turn = client.run(submit, on_event=stream)
    if turn.failure is not None and turn.failure != "stopped":
        raise ModelError(turn.failure)
    result = AskResult(text=turn.answer)
    for loaded in turn.of(Loaded):
        result.notes.extend(loaded.notes)
    result.notes.extend(fitting)
    ready = turn.of(ImageReady)  # what the engine laid out, not an estimate
    pages = {(i.document, i.page) for i in images}
    stats: dict[str, Any] = {
        "pages": len(pages),
        "text_pages": sum(1 for i in images if i.text),
        "image_pages": sum(1 for i in images if i.sends_tiles),
        "ctx": n_ctx,
        "tiles": sum(e.tiles for e in ready),
        "image_tokens": sum(e.image_tokens for e in ready),
        "encode_ms": sum(e.encode_s for e in ready) * 1000, "prefill_ms": 0.0}
    for done in turn.of(Done):
        s = done.stats
        stats.update(positions=s.prompt_items, prefill_ms=s.prefill_s * 1000,
                     ttft_ms=s.ttft_s * 1000,
                     decode_tokens=s.decode_tokens, decode_tok_s=s.decode_tok_s,
                     stopped=s.stopped)
    found = ground(result.text, {(i.document, i.page + 1): i.words for i in images if i.words})
    cited = cited_pages(found)
    stats["cited_pages"] = ([page for _, page in cited] if len({i.document for i in images}) < 2
                            else [f"{Path(doc).name} p{page}" for doc, page in cited])
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

