"""One conversation on one llama.cpp context: chunked prefill, streamed answers, KV reuse.

What is in the KV cache is tracked as a list of *items* (a token id, or one image tile's
block of embeddings). A new turn renders the whole conversation through the chat
template, compares its items with what the cache already holds, drops the cache's tail
from the first difference (`llama_memory_seq_rm`) and prefills only the rest. That one
mechanism gives:
- follow-up turns that cost only their own tokens,
- regenerate and edit (the changed tail is dropped and recomputed),
- prefill-before-Enter: a document's tiles can be prefilled as soon as they are encoded,
  and the question then only adds its own tokens.
Answers are kept as the exact token ids generated, so the next turn's prefix matches
them even when re-tokenizing the text would split it differently.

Prefill runs in chunks of `n_chunk` positions (the paper's 128): each chunk is a natural
place to stop, and stopping between `llama_decode` calls leaves the cache consistent.

An item is one KV cell; its position is usually its index. Not for models that place
image tokens in 2-D positions (M-RoPE, the Qwen2-VL family): all rows of an image chunk
share one t and the chunk moves the next position on by max(nx, ny), as llama.cpp's
mtmd lays them out. `KvCache` computes every item's position from the items
(`_positions`) and truncates by position; such chunks, like those of families whose
image tokens attend both ways, are kept and decoded whole.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bluelm_desktop.core.engine.native import LlamaContext, LlamaModel
from bluelm_desktop.core.engine.prompt import (
    ChatTemplate,
    ImageLayout,
    ImagePart,
    LayoutProfile,
    TextPart,
    TokensPart,
    build_prompt,
)
from bluelm_desktop.core.engine.sampling import (
    Sampler,
    SamplingParams,
    Utf8Stream,
    is_end_of_generation,
)
from bluelm_desktop.core.errors import Cancelled, ModelError, msg

StopCheck = Callable[[], bool]
ImageKey = tuple[str, int, int]  # (image id, tile index, row within the tile)
Item = int | ImageKey
# Given an image id and tile index, the tile's embeddings (waits for the encoder if needed).
TileSource = Callable[[str, int], np.ndarray]
# Given an image id and tile index, the chunk's (nx, ny) token grid where the model places
# image tokens in 2-D positions (M-RoPE), else None: one position per row.
GridSource = Callable[[str, int], "tuple[int, int] | None"]


def _no_grid(_image_id: str, _tile: int) -> tuple[int, int] | None:
    return None


def _never() -> bool:
    return False


@dataclass
class Image:
    """An image attached to a user message: its id (content hash) and tile layout."""

    image_id: str
    layout: ImageLayout


@dataclass
class PageText:
    """A page attached as its text layer (a born-digital PDF page): text in the prompt,
    before the question, where an image would go."""

    page_id: str
    text: str


@dataclass
class Message:
    role: str
    content: str
    images: list[Image | PageText] = field(default_factory=list)  # the pages, in order
    tokens: list[int] | None = None  # an assistant answer's exact generated ids
    status: str = "complete"  # an answer cut short (stop, full context) is "interrupted"


@dataclass
class TurnStats:
    prompt_items: int = 0
    reused_items: int = 0
    prefilled_positions: int = 0
    image_tokens: int = 0
    prefill_s: float = 0.0
    ttft_s: float = 0.0
    decode_tokens: int = 0
    decode_s: float = 0.0
    stopped: str = ""  # "eog" | "max_tokens" | "cancelled" | "context"

    @property
    def decode_tok_s(self) -> float:
        return self.decode_tokens / self.decode_s if self.decode_s > 0 else 0.0


@dataclass
class _Snapshot:
    items: list[Item]
    # LlamaContext.save_state() when the cache held `items`: in RAM, or (None) in `path`
    state: np.ndarray | None
    n_past: int  # the next position then (the item count, unless M-RoPE images)
    path: Path | None = None
    nbytes: int = 0

    def drop(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class KvCache:
    """The context's KV cache and the items it holds, position by position.

    Shared by every conversation on one context: switching conversations is a sync to the
    other conversation's items. What a switch would throw away is kept as a snapshot
    first (llama.cpp's sequence state, at most `snapshot_bytes` in all, least recently
    used dropped first: in files in `snapshot_dir` where one is given — the page cache
    holds them while memory is free, and the process does not, 496 MiB for a 9-tile page
    on the full-size model — else in RAM), and a sync restores the snapshot that shares the
    longest prefix with its items when that beats the cache itself. So going back to a
    document's conversation after a text chat elsewhere costs a copy, not a re-prefill
    of every image position (on the full-size model, a minute per page on two cores).
    Only a tail of at least `n_chunk` positions is worth a snapshot: less is re-prefilled
    in one chunk.
    """

    def __init__(self, ctx: LlamaContext, n_chunk: int = 128, snapshot_bytes: int = 0,
                 snapshot_dir: Path | None = None) -> None:
        if not 1 <= n_chunk <= ctx.n_batch:
            raise ModelError(msg("prefill chunk must be in 1..{n_batch}, got {n_chunk}"),
                             n_batch=ctx.n_batch, n_chunk=n_chunk)
        self.ctx = ctx
        self.n_chunk = n_chunk
        self.items: list[Item] = []
        self.snapshot_bytes = snapshot_bytes
        self.snapshot_dir = snapshot_dir
        self._snapshots: list[_Snapshot] = []  # most recently used last
        self._numbers = itertools.count(1)  # snapshot file names
        self.restored = 0  # positions brought back from snapshots so far (tests, stats)
        # False for families whose image tokens attend both ways (Gemma 3): each image
        # chunk is then decoded whole, in one llama_decode, with causal attention off.
        self.causal_images = True
        # M-RoPE models (the Qwen2-VL family): an image chunk's token grid. Its rows take
        # 2-D positions, t = the chunk's first position for all of them, and the chunk
        # moves the next position on by max(nx, ny): positions are no longer item indices.
        self.grid_of: GridSource = _no_grid

    def clear(self) -> None:
        self.ctx.clear()
        self.items.clear()
        for snap in self._snapshots:
            snap.drop()
        self._snapshots.clear()

    @property
    def snapshot_nbytes(self) -> int:
        """Bytes the snapshots hold now (in RAM or in their files)."""
        return sum(snap.nbytes for snap in self._snapshots)

    def _save(self, keep: int) -> None:
        """Keep the cache's contents as a snapshot before all but `keep` positions go."""
        if self.snapshot_bytes <= 0 or len(self.items) - keep < self.n_chunk:
            return
        if self.snapshot_dir is not None:
            path = self.snapshot_dir / f"{next(self._numbers)}.kv"
            try:
                snap = _Snapshot(list(self.items), None, self.ctx.n_past, path,
                                 self.ctx.save_state_file(path))
            except (ModelError, OSError):  # a full disk: no snapshot (re-prefilled later)
                path.unlink(missing_ok=True)
                return
        else:
            state = self.ctx.save_state()
            snap = _Snapshot(list(self.items), state, self.ctx.n_past, nbytes=state.nbytes)
        if snap.nbytes > self.snapshot_bytes:
            snap.drop()
            return
        # A snapshot whose items are a prefix of these is covered by the new one.
        for old in [s for s in self._snapshots if _is_prefix(s.items, self.items)]:
            old.drop()
            self._snapshots.remove(old)
        self._snapshots.append(snap)
        while self.snapshot_nbytes > self.snapshot_bytes:
            self._snapshots.pop(0).drop()

    def _restore_best(self, items: Sequence[Item], keep: int) -> int:
        """Restore the snapshot sharing the most items with `items`, if it shares at least
        a chunk more than the cache does (the current contents saved first); returns the
        positions the cache now shares with `items`."""
        best, best_keep = None, keep
        for snap in self._snapshots:
            shared = _common_prefix(snap.items, items)
            if shared > best_keep:
                best, best_keep = snap, shared
        if best is None or best_keep - keep < self.n_chunk:
            return keep
        self._save(keep)
        try:
            if best.state is not None:
                self.ctx.restore_state(best.state, best.n_past)
            else:
                assert best.path is not None
                self.ctx.restore_state_file(best.path, best.n_past)
        except ModelError:  # (its file gone or damaged): the cache is empty, prefill again
            best.drop()
            self._snapshots.remove(best)
            self.items = []
            return 0
        self.items = list(best.items)
        self._snapshots.remove(best)
        self._snapshots.append(best)  # most recently used
        self.restored += best_keep
        return best_keep

    def sync(self, items: Sequence[Item], tiles: TileSource, should_stop: StopCheck = _never,
             stats: TurnStats | None = None, want_logits: bool = True) -> None:
        """Make the KV cache hold exactly `items`: keep the common prefix, prefill the rest.

        Stops when `should_stop()`, between chunks or inside one (llama.cpp polls it during
        the decode); the cache then holds a consistent prefix of `items`, whole chunks only,
        and the next call continues from there.
        """
        stats = stats if stats is not None else TurnStats()
        if len(items) > self.ctx.n_ctx:
            raise ModelError(
                msg("the conversation needs {n} positions, the context holds {n_ctx}; start "
                    "a new conversation or lower the image detail"),
                n=len(items), n_ctx=self.ctx.n_ctx
            )
        positions = self._positions(items)
        keep = self._restore_best(items, _common_prefix(self.items, items))
        if keep == len(items) and keep > 0 and want_logits:
            keep -= 1  # re-decode the last position so there are logits to sample from
        keep = self._chunk_start(items, keep)
        if keep < len(self.items):
            self._save(keep)
            self.ctx.truncate(positions[keep])
            del self.items[keep:]
        stats.prompt_items = len(items)
        stats.reused_items = keep
        t0 = time.perf_counter()
        pos = keep
        while pos < len(items):
            if should_stop():
                raise Cancelled("prefill cancelled")
            end = self._chunk_end(items, pos)
            last = end == len(items)
            chunk = items[pos:end]
            if isinstance(chunk[0], int):
                self.ctx.decode_tokens([int(t) for t in chunk], logits=last and want_logits,
                                       should_stop=should_stop)
            else:
                self.ctx.decode_embeddings(self._rows(chunk, tiles), logits=last and want_logits,
                                           should_stop=should_stop, causal=self.causal_images,
                                           mrope=self._mrope(chunk, positions[pos:end]))
                self.ctx.advance(positions[end])  # past a whole M-RoPE chunk: max(nx, ny)
                stats.image_tokens += len(chunk)
            self.items.extend(chunk)
            stats.prefilled_positions += len(chunk)
            pos = end
        stats.prefill_s += time.perf_counter() - t0

    def _positions(self, items: Sequence[Item]) -> list[int]:
        """Each item's position (for an M-RoPE image row, its t), then the next position."""
        out: list[int] = []
        p = 0
        k = 0
        while k < len(items):
            item = items[k]
            grid = self.grid_of(item[0], item[1]) if isinstance(item, tuple) else None
            if grid is None:
                out.append(p)
                p += 1
                k += 1
                continue
            end = k + 1
            while end < len(items) and isinstance(nxt := items[end], tuple) and (
                    nxt[:2] == item[:2]):
                end += 1
            out += [p] * (end - k)
            p += max(grid)
            k = end
        out.append(p)
        return out

    def _chunk_start(self, items: Sequence[Item], keep: int) -> int:
        """`keep`, moved back to the start of an image chunk it falls inside where a chunk
        must be whole in the cache: M-RoPE rows share one t (removing from there removes
        the chunk), and non-causal rows attend to all of their chunk."""
        if keep >= len(items) or not isinstance(first := items[keep], tuple):
            return keep
        if self.causal_images and self.grid_of(first[0], first[1]) is None:
            return keep
        while keep > 0 and isinstance(prev := items[keep - 1], tuple) and (
                prev[:2] == first[:2]):
            keep -= 1
        return keep

    def _mrope(self, chunk: Sequence[Item], t: Sequence[int]) -> np.ndarray | None:
        """The (4, n) t/y/x/z positions of M-RoPE image rows (mtmd's decoder positions:
        x = t + column, y = t + row of the row in its chunk's grid, z = 0); None for
        1-D models."""
        first = chunk[0]
        assert isinstance(first, tuple)
        if self.grid_of(first[0], first[1]) is None:
            return None
        out = np.zeros((4, len(chunk)), dtype=np.int32)
        grids: dict[tuple[str, int], tuple[int, int] | None] = {}
        for i, (item, p0) in enumerate(zip(chunk, t, strict=True)):
            assert isinstance(item, tuple)
            if (key := item[:2]) not in grids:
                grids[key] = self.grid_of(*key)
            grid = grids[key]
            assert grid is not None
            nx = grid[0]
            out[0, i] = p0
            out[1, i] = p0 + item[2] // nx
            out[2, i] = p0 + item[2] % nx
        return out

    def _chunk_end(self, items: Sequence[Item], pos: int) -> int:
        """End of the next chunk: at most n_chunk positions, all tokens or all embeddings;
        with non-causal or M-RoPE images, one whole image chunk (up to n_batch rows)."""
        first = items[pos]
        is_token = isinstance(first, int)
        end = pos + 1
        if not is_token and (not self.causal_images
                             or self.grid_of(first[0], first[1]) is not None):  # type: ignore[index]
            # Whole image chunks, in n_batch pieces, as mtmd's own helper decodes them.
            # (M-RoPE rows decoded in 128-row pieces gave logits 0.25 % off llama.cpp's
            # own path on the Qwen2.5-VL replica; whole, they are identical.)
            limit = min(len(items), pos + self.ctx.n_batch)
            while (end < limit and isinstance(nxt := items[end], tuple)
                   and nxt[:2] == first[:2]):  # type: ignore[index]
                end += 1
            return end
        limit = min(len(items), pos + self.n_chunk)
        while end < limit and isinstance(items[end], int) == is_token:
            end += 1
        return end

    @staticmethod
    def _rows(chunk: Sequence[Item], tiles: TileSource) -> np.ndarray:
        """Embedding rows for a run of image items (which may span several tiles)."""
        return np.stack([tiles(k[0], k[1])[k[2]] for k in chunk if isinstance(k, tuple)])


def _common_prefix(a: Sequence[Item], b: Sequence[Item]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _is_prefix(a: Sequence[Item], b: Sequence[Item]) -> bool:
    return len(a) <= len(b) and _common_prefix(a, b) == len(a)


class ChatSession:
    """A conversation: its messages, rendered through the model's template into KV items.

    Only the engine thread uses it.
    """

    def __init__(self, model: LlamaModel, kv: KvCache, template: ChatTemplate,
                 profile: LayoutProfile) -> None:
        self.model, self.kv, self.template, self.profile = model, kv, template, profile
        self.messages: list[Message] = []

    @property
    def ctx(self) -> LlamaContext:
        return self.kv.ctx

    # --- building the item list --------------------------------------------------

    def items_for(self, messages: Sequence[Message], add_generation_prompt: bool,
                  until: str | None = None) -> list[Item]:
        """The conversation as cache items: token ids and image-tile rows.

        With `until`, stop just before that text (the engine renders a placeholder question
        to learn which prefix stays the same whatever the user will type).
        """
        rendered: list[Mapping[str, object]] = []
        layouts: list[ImageLayout] = []
        image_ids: list[str] = []
        for m in messages:
            content: list[dict[str, str]] = []
            for page in m.images:
                if isinstance(page, PageText):
                    content.append({"type": "text", "text": page.text.rstrip() + "\n\n"})
                else:
                    content.append({"type": "image"})
                    layouts.append(page.layout)
                    image_ids.append(page.image_id)
            content.append({"type": "text", "text": m.content})
            rendered.append({"role": m.role, "content": content})
        prompt = build_prompt(self.template, self.profile, rendered, layouts,
                              add_generation_prompt=add_generation_prompt)
        # Answers are re-used as the exact ids generated: find each answer's text, in order.
        answers = [(m.content, m.tokens) for m in messages
                   if m.role == "assistant" and m.tokens and m.content]
        items: list[Item] = []
        for part in prompt:
            if isinstance(part, ImagePart):
                image_id = image_ids[part.image_index]
                items.extend((image_id, part.tile_index, r) for r in range(part.n_tokens))
                continue
            if isinstance(part, TokensPart):  # mtmd's own marker tokens around slices
                items.extend(part.ids)
                continue
            assert isinstance(part, TextPart)
            text = part.text
            if until is not None and until in text:
                text = text.split(until, 1)[0]
            while answers and (at := text.find(answers[0][0])) >= 0:
                answer, ids = answers.pop(0)
                items.extend(self._tokenize(text[:at]))
                items.extend(ids or [])
                text = text[at + len(answer):]
            items.extend(self._tokenize(text))
            if until is not None and until in part.text:
                return items
        return items

    def _tokenize(self, text: str) -> list[int]:
        return self.model.tokenize(text, add_special=False, parse_special=True) if text else []

    # --- answering ---------------------------------------------------------------

    def ask(self, message: Message, tiles: TileSource, params: SamplingParams,
            should_stop: StopCheck = _never, stats: TurnStats | None = None
            ) -> Iterator[str]:
        """Add a user message and stream the answer's text.

        The answer is recorded (as interrupted text if stopped) when the generator ends.
        """
        stats = stats if stats is not None else TurnStats()
        t_start = time.perf_counter()
        self.messages.append(message)
        items = self.items_for(self.messages, add_generation_prompt=True)
        try:
            self.kv.sync(items, tiles, should_stop, stats)
        except BaseException:
            self.messages.pop()
            raise
        yield from self._generate(params, should_stop, stats, t_start)

    def regenerate(self, tiles: TileSource, params: SamplingParams,
                   should_stop: StopCheck = _never, stats: TurnStats | None = None
                   ) -> Iterator[str]:
        """Drop the last answer and answer the last user message again."""
        if self.messages and self.messages[-1].role == "assistant":
            self.messages.pop()
        if not self.messages or self.messages[-1].role != "user":
            raise ModelError(msg("there is no question to answer again"))
        stats = stats if stats is not None else TurnStats()
        t_start = time.perf_counter()
        self.kv.sync(self.items_for(self.messages, True), tiles, should_stop, stats)
        yield from self._generate(params, should_stop, stats, t_start)

    def edit(self, index: int, text: str) -> None:
        """Replace the user message at `index` (keeping its images); drop what follows."""
        if not 0 <= index < len(self.messages) or self.messages[index].role != "user":
            raise ModelError(msg("message {index} is not a question that can be edited"),
                             index=index)
        old = self.messages[index]
        del self.messages[index:]
        self.messages.append(Message("user", text, old.images))

    def _generate(self, params: SamplingParams, should_stop: StopCheck, stats: TurnStats,
                  t_start: float) -> Iterator[str]:
        stream = Utf8Stream()
        ids: list[int] = []
        text: list[str] = []
        t_first = 0.0
        try:
            with Sampler(self.model, params) as sampler:
                while len(ids) < params.max_tokens:
                    if should_stop():
                        stats.stopped = "cancelled"
                        break
                    token = sampler.sample(self.ctx)
                    if is_end_of_generation(self.model, token):
                        stats.stopped = "eog"
                        break
                    if not t_first:
                        t_first = time.perf_counter()
                        stats.ttft_s = t_first - t_start
                    ids.append(token)
                    piece = stream.feed(self.model.token_to_piece(token, special=False))
                    if len(self.kv.items) + 1 > self.ctx.n_ctx:  # cells, not positions
                        stats.stopped = "context"
                        break
                    try:
                        self.ctx.decode_tokens([token], logits=True, should_stop=should_stop)
                    except Cancelled:  # stopped inside the decode: the token never got in
                        ids.pop()
                        stats.stopped = "cancelled"
                        break
                    self.kv.items.append(token)
                    if piece:
                        text.append(piece)
                        yield piece
                else:
                    stats.stopped = "max_tokens"
            tail = stream.flush()
            if tail:
                text.append(tail)
                yield tail
        finally:
            stats.decode_tokens = len(ids)
            if t_first:
                stats.decode_s = time.perf_counter() - t_first
            if ids:
                cut = stats.stopped in ("", "cancelled", "context")  # "" = an exception
                self.messages.append(Message("assistant", "".join(text), tokens=ids,
                                             status="interrupted" if cut else "complete"))
