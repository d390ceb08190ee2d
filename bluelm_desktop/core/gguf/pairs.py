"""Checks before llama.cpp sees a model pair: a bad pair is a sentence, not an abort.

llama.cpp aborts the whole process on several mismatches (a projector whose output width
is not the LLM's, a vocab without the projector's image tokens, ...), so everything that
can be checked from the GGUF headers is checked here first, in pure Python. Every header
is read by `core.gguf.check`'s bounded parser (once per file: it caches), which
refuses absurd counts and offsets before anything trusts them.
"""

from __future__ import annotations

import os
from pathlib import Path

from bluelm_desktop.core.errors import ConvertError, ModelError, VisionUnsupported, msg
from bluelm_desktop.core.gguf.check import (
    check_gguf,
    llama_cpp_archs,
    llama_cpp_projectors,
    read_header,
)
from bluelm_desktop.core.gguf.keys import (
    IMAGE_TOKENS,
    LLM_SUFFIX,
    MMPROJ_SUFFIX,
    SUPPORTED_LLM_ARCHS,
    SUPPORTED_PROJECTORS,
)
from bluelm_desktop.core.gguf.summary import (
    GGUFSummary,
    estimate_ram_bytes,
    format_bytes,
    summarize,
)


def mmproj_beside(llm: Path) -> Path | None:
    """NAME-mmproj.gguf next to NAME-llm.gguf (the converter's and the library's pairing),
    if it is there."""
    if llm.name.endswith(LLM_SUFFIX):
        candidate = llm.with_name(llm.name.removesuffix(LLM_SUFFIX) + MMPROJ_SUFFIX)
        if candidate.is_file():
            return candidate
    return None


def available_ram_bytes() -> int:
    """Memory the OS can give us now (MemAvailable on Linux; physical pages otherwise)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62  # unknown: do not refuse


def _summary(path: Path) -> GGUFSummary:
    try:
        return summarize(path)
    except ConvertError as e:
        raise ModelError(e.line) from None


def read_metadata(path: Path) -> dict[str, object]:
    """String and scalar metadata of a GGUF, and its short numeric arrays (the tokenizer's
    arrays left out). Read by the bounded parser: it also checks the file's structure."""
    header = read_header(path)
    out: dict[str, object] = {}
    for key in header.kv:
        if key.startswith("tokenizer.ggml.") or key.startswith("GGUF."):
            continue
        value = header.value(key)
        if value is not None:
            out[key] = value
    return out


def _vocab_tokens(path: Path) -> set[str]:
    """The vocabulary's token texts (decoded leniently: a token that is not valid UTF-8
    cannot be one of the image tokens looked for)."""
    return set(read_header(path).vocab)


def check_pair(llm: Path, mmproj: Path | None, n_ctx: int = 4096,
               available: int | None = None) -> int:
    """Validate an LLM (+ optional mmproj) pair; returns the RAM estimate in bytes.

    Both files pass the bounded header check first, so nothing below (gguf-py, then
    llama.cpp) ever sees a file with absurd counts, bad offsets or shapes it aborts on.
    """
    check_gguf(llm)
    if mmproj is not None:
        check_gguf(mmproj)
    s = _summary(llm)
    if s.kind != "llm":
        raise ModelError(msg("{path}: this is a vision projector, not a language model"),
                         path=llm)
    if s.architecture not in SUPPORTED_LLM_ARCHS and s.architecture not in llama_cpp_archs():
        raise ModelError(msg("{path}: architecture {arch} is not one llama.cpp knows"),
                         path=llm, arch=repr(s.architecture))
    total = estimate_ram_bytes(s, n_ctx=n_ctx)["total"]
    if mmproj is not None:
        v = _summary(mmproj)
        if v.kind != "mmproj":
            raise ModelError(msg("{path}: this is a language model, not a vision projector"),
                             path=mmproj)
        if (v.projector_type not in SUPPORTED_PROJECTORS
                and v.projector_type not in llama_cpp_projectors()):
            raise VisionUnsupported(msg("{name}: projector {projector} is not one llama.cpp "
                                        "knows; the model can still answer text"),
                                    name=mmproj.name, projector=repr(v.projector_type))
        proj_dim, n_embd = v.hparams.get("projection_dim"), s.hparams.get("n_embd")
        if proj_dim != n_embd:
            raise ModelError(msg("{path}: projector outputs {proj_dim} values per token but "
                                 "{llm} expects {n_embd}: these files are not a pair"),
                             path=mmproj, proj_dim=proj_dim, llm=llm.name, n_embd=n_embd)
        layout = SUPPORTED_PROJECTORS.get(v.projector_type or "")
        # (mtmd checks its own families' image tokens when it loads the projector)
        missing = [t for t in (IMAGE_TOKENS[layout][:2] if layout else ())
                   if t not in _vocab_tokens(llm)]
        if missing:
            raise ModelError(msg("{path}: the vocabulary lacks the image tokens {tokens} "
                                 "that {projector} needs"),
                             path=llm, tokens=", ".join(missing), projector=v.projector_type)
        total += estimate_ram_bytes(v, n_ctx=n_ctx)["total"]
    free = available_ram_bytes() if available is None else available
    if total > free:
        raise ModelError(msg("{name}: needs about {size} of memory at a {n_ctx}-token "
                             "context, only {free} is available; close other programs or "
                             "pick a smaller model or context"),
                         name=llm.name, size=format_bytes(total), n_ctx=n_ctx,
                         free=format_bytes(free))
    return total
