"""Owners for llama.cpp's native handles (model, context, mtmd context), through llama-cpp-python.

Every handle has one owner with an explicit `close()`; children are closed before their
parents (an mtmd context before the model it was made with: the reverse order segfaults).
Arguments are validated here before they reach C, because several mistakes abort the
whole process instead of returning an error (DESIGN §5: n_batch of 0 or above the
context's, more tokens than n_batch in one decode, reading logits that were not requested,
a NULL embedding pointer).

Only this module and `sampling.py` import `llama_cpp`, lazily, so the rest of the core
starts fast and imports without the native library.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bluelm_desktop.core.engine.attention import (
    FLASH_ATTENTION,
    KV_BLOCK,
    KV_TYPES,
    needs_flash_attention,
)
from bluelm_desktop.core.engine.prompt import MediaSlice, Segment
from bluelm_desktop.core.errors import Cancelled, Line, ModelError, msg
from bluelm_desktop.core.machine import cores

_init_lock = threading.Lock()
_initialised = False
_log_callback: Any = None  # keep the ctypes callback alive for the process lifetime


def _lib() -> Any:
    import llama_cpp

    return llama_cpp


def _mtmd() -> Any:
    from llama_cpp import mtmd_cpp

    return mtmd_cpp


def init_backend(quiet: bool | None = None) -> None:
    """Initialise llama.cpp once per process and route its ~900 log lines per load away.

    A llama.cpp built with `GGML_BACKEND_DL` (our portable build: one CPU backend per CPU
    generation, see scripts/setup.sh) has its backends as loadable modules beside
    libllama; they are loaded from there first, and ggml picks the best CPU variant this
    processor can run. Set BLUELM_NATIVE_LOG=1 to see llama.cpp's own log (for debugging a
    model file).
    """
    global _initialised, _log_callback
    if quiet is None:
        quiet = os.environ.get("BLUELM_NATIVE_LOG", "") in ("", "0")
    with _init_lock:
        if _initialised:
            return
        os.environ.setdefault("GGML_NO_BACKTRACE", "1")  # an abort must not start gdb
        lib = _lib()
        if quiet:  # before the backends load: loading them logs too
            _log_callback = lib.llama_log_callback(lambda level, text, user_data: None)
            lib.llama_log_set(_log_callback, ctypes.c_void_p(0))
            try:
                mtmd = _mtmd()
                mtmd.mtmd_log_set(_log_callback, ctypes.c_void_p(0))
                mtmd.mtmd_helper_log_set(_log_callback, ctypes.c_void_p(0))
            except (ImportError, AttributeError):
                pass
        _load_backend_modules()
        lib.llama_backend_init()  # loads nothing more once a backend is registered
        _initialised = True


def lib_dir() -> Path:
    """Where llama-cpp-python loads libllama from (its documented LLAMA_CPP_LIB_PATH first).

    Found without importing llama_cpp, which would load the libraries.
    """
    override = os.environ.get("LLAMA_CPP_LIB_PATH")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        raise ModelError(msg("llama-cpp-python is not installed (run scripts/setup.sh)"))
    return Path(spec.origin).parent / "lib"


def _module_name(stem: str) -> str:
    if sys.platform == "win32":
        return f"{stem}.dll"
    return f"lib{stem}.dylib" if sys.platform == "darwin" else f"lib{stem}.so"


def _load_backend_modules() -> None:
    """Register the backend modules of a GGML_BACKEND_DL build, if this is one.

    ggml looks for them beside the executable (python) and in the working directory, never
    beside libggml, so it is told where they are. A build that links its CPU backend
    into libggml has no such modules and needs nothing.
    """
    folder = lib_dir()
    if not any(folder.glob(_module_name("ggml-cpu-*"))):
        return
    # Through libllama's own handle (the path llama_cpp opened, so the same one): dlsym
    # then finds the libggml libllama links (libggml.so.0). Opening libggml.so by name
    # would load a second copy — the wheel ships both as separate files — whose backend
    # registry libllama never sees.
    libllama = ctypes.CDLL(str(folder / _module_name("llama")))
    load_all = libllama.ggml_backend_load_all_from_path
    load_all.argtypes = [ctypes.c_char_p]
    load_all.restype = None
    load_all(str(folder).encode())


@dataclass(frozen=True)
class BuildInfo:
    """What the loaded llama.cpp was built with and runs on (after `init_backend`)."""

    system_info: str  # llama_print_system_info(): "CPU : SSE3 = 1 | ... | REPACK = 1 |"
    cpu_variant: str | None  # the CPU backend module ggml chose ("haswell", ...), if one

    @property
    def features(self) -> dict[str, bool]:
        """The CPU features the loaded CPU backend was compiled to use, by ggml's names."""
        found: dict[str, bool] = {}
        for part in self.system_info.split("|"):
            name, sep, value = part.rpartition("=")
            if sep:
                found[name.split(":")[-1].strip()] = value.strip() == "1"
        return found

    @property
    def amx(self) -> bool:
        """Whether its matrix products can take ggml's AMX path (see `use_extra_buffers`)."""
        return self.features.get("AMX_INT8", False)

    def describe(self) -> str:
        """One line for logs and reports: the variant and the widest SIMD it uses."""
        simd = [f for f in ("AMX_INT8", "AVX512", "AVX2", "AVX", "SSE3")
                if self.features.get(f)]
        variant = self.cpu_variant or "built in"
        return f"llama.cpp CPU backend: {variant} ({simd[0] if simd else 'no SIMD'})"


def build_info() -> BuildInfo:
    init_backend()
    text = (_lib().llama_print_system_info() or b"").decode("utf-8", "replace").strip()
    return BuildInfo(text, _loaded_cpu_variant())


def _loaded_cpu_variant() -> str | None:
    """The libggml-cpu-<variant> module mapped into this process (Linux), else None."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in maps.splitlines():
        name = line.rsplit("/", 1)[-1]
        if name.startswith("libggml-cpu-") and ".so" in name:
            return name.removeprefix("libggml-cpu-").split(".so", 1)[0]
    return None


def use_extra_buffers() -> bool:
    """Whether models load with llama.cpp's extra buffer types (CPU weight repacking, AMX).

    - Off where the CPU backend has ggml's AMX kernels: built by Debian 12's GCC 12 (and
      any GCC whose header does the same) their tile configuration is dead-store-
      eliminated — that compiler's `_tile_loadconfig` tells it only 8 of the 64 bytes are
      read — so the first `tilezero` raises SIGILL. Our own builds carry no AMX kernels;
      this protects a llama-cpp-python built with `-march=native` on an AMX machine.
    - Off where it has AVX-512: the repacked layouts' kernels are written for AVX2/NEON,
      and on the AVX-512 Xeon here they cost a quarter of the prefill speed, 1 GB of RAM
      on a 3B model and 0.8 s of load (tests/benchmarks/reports/cpu_builds.md).
    - On elsewhere (AVX2 machines, llama.cpp's own default), where they were made to pay.

    BLUELM_EXTRA_BUFFERS=1 or 0 overrides the choice.
    """
    forced = os.environ.get("BLUELM_EXTRA_BUFFERS", "")
    if forced in ("0", "1"):
        return forced == "1"
    info = build_info()
    return not (info.amx or info.features.get("AVX512", False))


class LlamaModel:
    """A loaded GGUF language model (weights mmapped)."""

    def __init__(self, path: Path, n_gpu_layers: int = 0, vocab_only: bool = False,
                 progress: Callable[[float], bool] | None = None) -> None:
        """`progress(fraction)` is called during the load; returning False cancels it."""
        init_backend()
        lib = _lib()
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(msg("{path}: file not found"), path=self.path)
        params = lib.llama_model_default_params()
        params.n_gpu_layers = n_gpu_layers
        params.vocab_only = vocab_only
        params.use_extra_bufts = use_extra_buffers()
        cancelled = False
        if progress is not None:

            def on_progress(fraction: float, _user: Any) -> bool:
                nonlocal cancelled
                try:
                    keep_going = bool(progress(float(fraction)))
                except Exception:  # an exception must not unwind through C
                    keep_going = False
                cancelled = cancelled or not keep_going
                return keep_going

            callback = lib.llama_progress_callback(on_progress)  # alive until the load returns
            params.progress_callback = callback
        ptr = lib.llama_model_load_from_file(str(self.path).encode(), params)
        if not ptr:
            if cancelled:
                raise Cancelled(f"{self.path}: loading cancelled")
            raise ModelError(msg("{path}: llama.cpp could not load this model"), path=self.path)
        self._ptr: Any = ptr
        self.vocab = lib.llama_model_get_vocab(ptr)
        self.n_embd = int(lib.llama_model_n_embd(ptr))
        self.n_vocab = int(lib.llama_vocab_n_tokens(self.vocab))
        self._children: list[Any] = []

    @property
    def ptr(self) -> Any:
        if self._ptr is None:
            raise ModelError(f"{self.path}: model already closed")
        return self._ptr

    def tokenize(
        self, text: str, add_special: bool = False, parse_special: bool = True
    ) -> list[int]:
        lib = _lib()
        data = text.encode("utf-8")
        cap = len(data) + 16
        buf = (lib.llama_token * cap)()
        n = lib.llama_tokenize(self.vocab, data, len(data), buf, cap, add_special, parse_special)
        if n < 0:
            cap = -n
            buf = (lib.llama_token * cap)()
            n = lib.llama_tokenize(
                self.vocab, data, len(data), buf, cap, add_special, parse_special
            )
        return list(buf[:n])

    def special_texts(self) -> tuple[str, str, bool]:
        """(BOS text, EOS text, whether the vocab adds BOS), from the tokenizer's keys.

        What a chat template prints for `bos_token`/`eos_token` (llama.cpp passes the same),
        and whether a prompt must start with BOS (tokenizer.ggml.add_bos_token).
        """
        lib = _lib()

        def text(token: int) -> str:
            if token < 0:  # LLAMA_TOKEN_NULL: the vocab has none
                return ""
            return self.token_to_piece(token, special=True).decode("utf-8", "replace")

        return (text(int(lib.llama_vocab_bos(self.vocab))),
                text(int(lib.llama_vocab_eos(self.vocab))),
                bool(lib.llama_vocab_get_add_bos(self.vocab)))

    def meta(self, key: str) -> str | None:
        """A GGUF metadata value of the model as text (None when the key is absent)."""
        lib = _lib()
        buf = ctypes.create_string_buffer(256)
        n = lib.llama_model_meta_val_str(self.ptr, key.encode(), buf, len(buf))
        return buf.value.decode("utf-8", "replace") if n >= 0 else None

    def head_sizes(self) -> tuple[int, int]:
        """(K, V) values per attention head, as llama.cpp reads them from the file."""
        arch = self.meta("general.architecture") or ""
        n_head = max(1, int(_lib().llama_model_n_head(self.ptr)))
        default = self.n_embd // n_head
        sizes = []
        for key in ("key_length", "value_length"):
            value = self.meta(f"{arch}.attention.{key}")
            sizes.append(int(value) if value and value.isdigit() else default)
        return sizes[0], sizes[1]

    def token_to_piece(self, token: int, special: bool = True) -> bytes:
        lib = _lib()
        buf = ctypes.create_string_buffer(64)
        n = lib.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, special)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = lib.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, special)
        return buf.raw[:n]

    def close(self) -> None:
        for child in reversed(self._children):
            child.close()
        self._children.clear()
        if self._ptr is not None:
            _lib().llama_model_free(self._ptr)
            self._ptr = None

    def __enter__(self) -> LlamaModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kv_type_problem(model: LlamaModel, type_k: str, type_v: str) -> str | None:
    """Why this model cannot keep its KV cache in these types, or None if it can.

    A quantized type stores blocks (32 values for q8_0): each head's keys and values must
    fill whole blocks. llama.cpp checks this only with flash attention; without it a K
    cache of head size 80 (BlueLM's 2560 / 32 heads) is cut mid-block and attention reads
    garbage, silently. So it is checked here for both.
    """
    line = kv_type_line(model, type_k, type_v)
    return None if line is None else str(line)


def kv_type_line(model: LlamaModel, type_k: str, type_v: str) -> Line | None:
    """`kv_type_problem` as a translatable `Line` (what the GUI shows)."""
    k_size, v_size = model.head_sizes()
    for name, kind, size in (("K", type_k, k_size), ("V", type_v, v_size)):
        block = KV_BLOCK[kind]
        if size % block:
            return Line.of(msg("a {kind} {name} cache needs heads of a multiple of {block} "
                               "values; this model's have {size}"),
                           kind=kind, name=name, block=block, size=size)
    return None


def check_kv_types(model: LlamaModel, flash_attention: str, type_k: str, type_v: str) -> None:
    """Raise ModelError for a combination llama.cpp would refuse or compute wrongly."""
    if flash_attention not in FLASH_ATTENTION:
        raise ModelError(msg("flash attention must be one of {choices}"),
                         choices=", ".join(FLASH_ATTENTION))
    for kind in (type_k, type_v):
        if kind not in KV_TYPES:
            raise ModelError(msg("KV cache type must be one of {choices}, got {kind}"),
                             choices=", ".join(KV_TYPES), kind=kind)
    if needs_flash_attention(type_v) and flash_attention == "off":
        raise ModelError(msg("a {kind} V cache needs flash attention (llama.cpp transposes V "
                             "without it, which a quantized type cannot be)"), kind=type_v)
    problem = kv_type_line(model, type_k, type_v)
    if problem:
        raise ModelError(msg("{name}: {problem}"), name=model.path.name, problem=problem)


class LlamaContext:
    """An inference context (KV cache) over a model; one sequence, positions from 0."""

    def __init__(
        self,
        model: LlamaModel,
        n_ctx: int = 2048,
        n_batch: int = 512,
        n_threads: int | None = None,
        flash_attention: str = "auto",
        type_k: str = "f16",
        type_v: str = "f16",
    ) -> None:
        lib = _lib()
        if n_batch <= 0 or n_batch > n_ctx:
            raise ModelError(msg("n_batch must be in 1..n_ctx ({n_ctx}), got {n_batch}"),
                             n_ctx=n_ctx, n_batch=n_batch)
        check_kv_types(model, flash_attention, type_k, type_v)
        self.model = model
        self.n_ctx = n_ctx
        self.n_batch = n_batch
        threads = n_threads or cores()
        params = lib.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = n_batch
        params.n_ubatch = n_batch
        params.n_threads = threads
        params.n_threads_batch = threads
        params.flash_attn_type = FLASH_ATTENTION[flash_attention]
        params.type_k = KV_TYPES[type_k]
        params.type_v = KV_TYPES[type_v]
        ptr = lib.llama_init_from_model(model.ptr, params)
        if not ptr:
            raise ModelError(msg("{path}: could not create a context of {n_ctx} tokens"),
                             path=model.path, n_ctx=n_ctx)
        self._ptr: Any = ptr
        self._abort_fn: Any = None  # the installed ctypes abort callback (see _set_abort)
        model._children.append(self)
        self.n_past = 0

    @property
    def ptr(self) -> Any:
        """The raw llama_context pointer, for the sampler (engine-internal use only)."""
        if self._ptr is None:
            raise ModelError("context already closed")
        return self._ptr

    def _decode(self, n: int, fill: Any, logits: bool, embd_width: int = 0,
                should_stop: Callable[[], bool] | None = None,
                mrope: np.ndarray | None = None) -> None:
        """One llama_decode of n positions after n_past.

        `mrope`: for embeddings of a model with 2-D image positions, a (4, n) array of
        each row's positions (t, y, x, z sections, as llama.cpp reads them); n_past then
        stays, and the caller moves it on past the whole image chunk (`advance`).

        With `should_stop`, llama.cpp asks it after every node of the graph (ggml's abort
        callback, on this thread): a stop then takes effect within milliseconds instead of
        after the whole batch, which for a 128-position chunk of a 3B model on two cores is
        seconds. An aborted decode raises Cancelled; llama.cpp has already removed the
        batch's positions from the KV cache, so the cache holds the n_past it held before.
        """
        lib = _lib()
        if self._ptr is None:
            raise ModelError("context already closed")
        if n <= 0 or n > self.n_batch:
            raise ModelError(f"a decode takes 1..{self.n_batch} positions, got {n}")
        if self.n_past + n > self.n_ctx:
            raise ModelError(msg("context full: {n_past} + {n} > {n_ctx} positions"),
                             n_past=self.n_past, n=n, n_ctx=self.n_ctx)
        batch = lib.llama_batch_init(n, embd_width, 1)
        # llama_batch_free frees batch.pos: its own address is put back before. (Kept as an
        # int: a pointer read from a ctypes field is a view of the field, not a copy.)
        own_pos = ctypes.cast(batch.pos, ctypes.c_void_p).value
        try:
            batch.n_tokens = n
            for i in range(n):
                batch.pos[i] = self.n_past + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = 1 if logits else 0
            if mrope is not None:  # section-major: all t, then all y, x, z
                sections = np.ascontiguousarray(mrope, dtype=np.int32).reshape(-1)
                positions = (lib.llama_pos * sections.size)(*sections.tolist())
                batch.pos = ctypes.cast(positions, ctypes.POINTER(lib.llama_pos))
            fill(batch)
            if should_stop is not None:
                self._set_abort(should_stop)
            try:
                rc = lib.llama_decode(self._ptr, batch)
            finally:
                if should_stop is not None:
                    self._set_abort(None)
        finally:
            batch.pos = ctypes.cast(own_pos, ctypes.POINTER(lib.llama_pos))
            lib.llama_batch_free(batch)
        if rc == 2 and should_stop is not None:
            self._n_logits = 0
            raise Cancelled("decode aborted")
        if rc != 0:
            raise ModelError(msg("llama_decode failed with code {code}"), code=rc)
        if mrope is None:  # (M-RoPE rows: the caller moves n_past on, `advance`)
            self.n_past += n
        self._n_logits = n if logits else 0

    def _set_abort(self, should_stop: Callable[[], bool] | None) -> None:
        """Install (or with None remove) the check llama.cpp polls during a decode.

        The ctypes callback is kept on self while installed: C holds only its pointer.
        It is installed per decode rather than once, so a decode without a check does not
        take the GIL at every graph node.
        """
        lib = _lib()
        if should_stop is None:
            lib.llama_set_abort_callback(self.ptr, lib.ggml_abort_callback(), None)
            self._abort_fn = None
            return

        def abort(_data: Any) -> bool:
            try:
                return bool(should_stop())
            except Exception:  # an exception cannot cross into C: treat it as "go on"
                return False

        self._abort_fn = lib.ggml_abort_callback(abort)
        lib.llama_set_abort_callback(self.ptr, self._abort_fn, None)

    def decode_tokens(self, tokens: Sequence[int], logits: bool = True,
                      should_stop: Callable[[], bool] | None = None) -> None:
        """Append tokens (at most n_batch); logits for every one if asked."""
        n_vocab = self.model.n_vocab
        if any(t < 0 or t >= n_vocab for t in tokens):
            raise ModelError(f"token id out of range 0..{n_vocab - 1}")

        def fill(batch: Any) -> None:
            for i, t in enumerate(tokens):
                batch.token[i] = t

        self._decode(len(tokens), fill, logits, should_stop=should_stop)

    def decode_embeddings(self, embd: np.ndarray, logits: bool = True,
                          should_stop: Callable[[], bool] | None = None,
                          causal: bool = True, mrope: np.ndarray | None = None) -> None:
        """Append rows of input embeddings (image tokens), at most n_batch rows.

        `causal=False`: the rows attend to each other both ways, as families whose image
        tokens see the whole image were trained (Gemma 3; `MtmdContext.non_causal`); the
        whole image must then come in one call. `mrope`: the rows' 2-D positions (see
        `_decode`) for models that place image tokens so (the Qwen2-VL family).
        """
        embd = np.ascontiguousarray(embd, dtype=np.float32)
        if embd.ndim != 2 or embd.shape[1] != self.model.n_embd:
            raise ModelError(
                f"embeddings must be (n, {self.model.n_embd}), got {tuple(embd.shape)}"
            )

        def fill(batch: Any) -> None:
            ctypes.memmove(batch.embd, embd.ctypes.data, embd.nbytes)

        if not causal:
            _lib().llama_set_causal_attn(self.ptr, False)
        try:
            self._decode(embd.shape[0], fill, logits, embd_width=self.model.n_embd,
                         should_stop=should_stop, mrope=mrope)
        finally:
            if not causal:
                _lib().llama_set_causal_attn(self.ptr, True)

    def logits(self) -> np.ndarray:
        """Logits of the last decode, one row per position (only if they were requested)."""
        n = getattr(self, "_n_logits", 0)
        if n == 0:
            raise ModelError("the last decode requested no logits")
        lib = _lib()
        ptr = lib.llama_get_logits(self._ptr)
        return np.ctypeslib.as_array(ptr, shape=(n, self.model.n_vocab)).copy()

    def advance(self, n_past: int) -> None:
        """Move the next position on to `n_past` (past an M-RoPE image chunk, which takes
        fewer positions than rows)."""
        if n_past < self.n_past:
            raise ModelError(f"positions only move forward: {n_past} < {self.n_past}")
        self.n_past = n_past

    def clear(self) -> None:
        lib = _lib()
        lib.llama_memory_clear(lib.llama_get_memory(self._ptr), True)
        self.n_past = 0

    def truncate(self, n_keep: int) -> None:
        """Drop every position from `n_keep` on (regenerate, edit, a cancelled turn)."""
        if not 0 <= n_keep <= self.n_past:
            raise ModelError(f"cannot keep {n_keep} of {self.n_past} positions")
        lib = _lib()
        if not lib.llama_memory_seq_rm(lib.llama_get_memory(self._ptr), 0, n_keep, -1):
            raise ModelError(msg("llama.cpp could not remove the tail of the KV cache"))
        self.n_past = n_keep
        self._n_logits = 0

    def save_state(self) -> np.ndarray:
        """A copy of the KV cache's contents (sequence 0), for `restore_state`.

        Its size is the cache's in bytes for `n_past` positions (all layers, K and V).
        """
        lib = _lib()
        size = lib.llama_state_seq_get_size(self.ptr, 0)
        buf = np.empty(size, dtype=np.uint8)
        got = lib.llama_state_seq_get_data(
            self.ptr, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), size, 0)
        if got != size:
            raise ModelError(f"llama.cpp copied {got} of {size} bytes of the KV cache")
        return buf

    def save_state_file(self, path: Path) -> int:
        """`save_state` into a file (written by llama.cpp, never held in this process's
        memory as a whole); returns its size in bytes."""
        lib = _lib()
        if lib.llama_state_seq_save_file(self.ptr, os.fsencode(path), 0, None, 0) == 0:
            raise ModelError(msg("llama.cpp could not write the KV cache to {path}"), path=path)
        return path.stat().st_size

    def restore_state_file(self, path: Path, n_past: int) -> None:
        """`restore_state` from a `save_state_file` file."""
        if not 0 < n_past <= self.n_ctx:
            raise ModelError(f"a saved state of {n_past} positions does not fit {self.n_ctx}")
        lib = _lib()
        self.clear()
        count = ctypes.c_size_t(0)
        tokens = (ctypes.c_int32 * 1)()
        if lib.llama_state_seq_load_file(self.ptr, os.fsencode(path), 0, tokens, 1,
                                         ctypes.byref(count)) == 0:
            self.clear()
            raise ModelError(msg("llama.cpp could not restore the KV cache from {path}"),
                             path=path)
        self.n_past = n_past
        self._n_logits = 0

    def restore_state(self, state: np.ndarray, n_past: int) -> None:
        """Make the KV cache hold what `save_state` copied when it held `n_past` positions."""
        if not 0 < n_past <= self.n_ctx:
            raise ModelError(f"a saved state of {n_past} positions does not fit {self.n_ctx}")
        lib = _lib()
        self.clear()
        state = np.ascontiguousarray(state, dtype=np.uint8)
        got = lib.llama_state_seq_set_data(
            self.ptr, state.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), state.size, 0)
        if got == 0:
            self.clear()
            raise ModelError(msg("llama.cpp could not restore a saved KV cache"))
        self.n_past = n_past
        self._n_logits = 0

    @property
    def has_logits(self) -> bool:
        """Whether the last decode asked for logits (sampling without them aborts)."""
        return getattr(self, "_n_logits", 0) > 0

    def set_threads(self, n_threads: int) -> None:
        _lib().llama_set_n_threads(self.ptr, n_threads, n_threads)

    def close(self) -> None:
        if self._ptr is not None:
            _lib().llama_free(self._ptr)
            self._ptr = None
            if self in self.model._children:
                self.model._children.remove(self)


class BatchNotSupported(ModelError):
    """The projector cannot encode several tiles in one pass (mtmd returned 3)."""


def _bitmap(image: np.ndarray) -> Any:
    """An mtmd bitmap of an (H, W, 3) uint8 RGB array (mtmd copies the pixels)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ModelError(f"an image must be (H, W, 3) uint8, got {tuple(image.shape)}")
    h, w = image.shape[:2]
    data = (ctypes.c_ubyte * image.nbytes).from_buffer_copy(image.tobytes())
    return _mtmd().mtmd_bitmap_init(w, h, data)


def _tokenize_media(ctx: Any, path: Path, chunks: Any, text: bytes,
                    bitmaps: Sequence[Any]) -> None:
    """mtmd_tokenize of `text` (special tokens parsed, none added) into `chunks`."""
    mtmd = _mtmd()
    inp = mtmd.mtmd_input_text()
    inp.text = text
    inp.text_len = len(text)
    inp.add_special = False
    inp.parse_special = True
    array = (mtmd.mtmd_bitmap_p_ctypes * len(bitmaps))(*bitmaps)
    rc = mtmd.mtmd_tokenize(ctx, chunks, ctypes.byref(inp), array, len(bitmaps))
    if rc != 0:
        raise ModelError(msg("{path}: {function} failed with code {code}"), path=path,
                         function="mtmd_tokenize", code=rc)


class _ImageChunk:
    """One tile tokenized by mtmd into exactly one image chunk; frees its native parts."""

    def __init__(self, mtmd_ctx: Any, path: Path, tile: np.ndarray) -> None:
        mtmd = _mtmd()
        self.bitmap = _bitmap(tile)
        h, w = tile.shape[:2]
        self.chunks = mtmd.mtmd_input_chunks_init()
        try:
            _tokenize_media(mtmd_ctx, path, self.chunks, mtmd.mtmd_default_marker(),
                            [self.bitmap])
            images = []
            for i in range(mtmd.mtmd_input_chunks_size(self.chunks)):
                chunk = mtmd.mtmd_input_chunks_get(self.chunks, i)
                if mtmd.mtmd_input_chunk_get_type(chunk) == mtmd.MTMD_INPUT_CHUNK_TYPE_IMAGE:
                    images.append(chunk)
            if len(images) != 1:
                raise ModelError(
                    f"{path}: a {w}x{h} tile became {len(images)} image chunks, expected 1"
                )
            self.chunk = images[0]
            self.n_tokens = int(mtmd.mtmd_input_chunk_get_n_tokens(self.chunk))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        mtmd = _mtmd()
        if self.chunks is not None:
            mtmd.mtmd_input_chunks_free(self.chunks)
            self.chunks = None
        if self.bitmap is not None:
            mtmd.mtmd_bitmap_free(self.bitmap)
            self.bitmap = None


def _layout(mtmd: MtmdContext, chunks: Any) -> tuple[list[Segment], list[Any]]:
    """mtmd's tokenization as segments (text token ids, `MediaSlice`s) and the image chunks
    themselves, in order; an empty text chunk is left out."""
    lib = _mtmd()
    mrope = mtmd.uses_mrope()
    segments: list[Segment] = []
    images: list[Any] = []
    for i in range(lib.mtmd_input_chunks_size(chunks)):
        chunk = lib.mtmd_input_chunks_get(chunks, i)
        kind = lib.mtmd_input_chunk_get_type(chunk)
        if kind == lib.MTMD_INPUT_CHUNK_TYPE_TEXT:
            n = ctypes.c_size_t(0)
            ids = lib.mtmd_input_chunk_get_tokens_text(chunk, ctypes.byref(n))
            if n.value:
                segments.append(tuple(int(ids[k]) for k in range(n.value)))
        elif kind == lib.MTMD_INPUT_CHUNK_TYPE_IMAGE:
            images.append(chunk)
            segments.append(_media_slice(mtmd, chunk, mrope))
        else:
            raise ModelError(f"{mtmd.path.name}: mtmd made a non-image chunk of an image")
    return segments, images


def _media_slice(mtmd: MtmdContext, chunk: Any, mrope: bool) -> MediaSlice:
    """An image chunk's rows and, for an M-RoPE model, its nx × ny grid; refuses a chunk
    whose positions follow neither scheme (a layout the KV cache could not place)."""
    lib = _mtmd()
    rows = int(lib.mtmd_input_chunk_get_n_tokens(chunk))
    n_pos = int(lib.mtmd_input_chunk_get_n_pos(chunk))
    grid = None
    if mrope:
        tokens = lib.mtmd_input_chunk_get_tokens_image(chunk)
        grid = (int(lib.mtmd_image_tokens_get_nx(tokens)),
                int(lib.mtmd_image_tokens_get_ny(tokens)))
    piece = MediaSlice(rows, grid)
    if (grid is not None and grid[0] * grid[1] != rows) or piece.n_pos != n_pos:
        raise ModelError(msg("{name}: an image chunk of {rows} tokens takes {n_pos} positions "
                             "in a layout the app cannot place"),
                         name=mtmd.path.name, rows=rows, n_pos=n_pos)
    return piece


class MediaImage:
    """A whole image as mtmd itself lays it out for its family: `mtmd_tokenize` of the media
    marker, which slices and resizes the image and writes the family's markers around
    the slices (what llama-mtmd-cli and llama-server feed the model).

    `segments` is that layout in order: a tuple of text token ids, or a `MediaSlice` (one
    image chunk's embedding rows, and its token grid where the model places image tokens
    in 2-D positions); `encode(k)` encodes the k-th image chunk. Keeps the native chunks
    until `close()`; not thread-safe (one encoder thread uses it).
    """

    def __init__(self, mtmd: MtmdContext, image: np.ndarray) -> None:
        lib = _mtmd()
        self.mtmd = mtmd
        self._bitmap = _bitmap(image)
        self._chunks = lib.mtmd_input_chunks_init()
        self._images: list[Any] = []
        try:
            _tokenize_media(mtmd.ptr, mtmd.path, self._chunks, lib.mtmd_default_marker(),
                            [self._bitmap])
            segments, self._images = _layout(mtmd, self._chunks)
            if not self._images:
                raise ModelError(f"{mtmd.path.name}: mtmd made no image chunk of an image")
        except BaseException:
            self.close()
            raise
        self.segments: tuple[Segment, ...] = tuple(segments)

    @property
    def n_images(self) -> int:
        """Image chunks (slices, overview) the image became."""
        return len(self._images)

    def encode(self, k: int) -> np.ndarray:
        """The embeddings of the k-th image chunk: (its rows, n_embd)."""
        lib = _mtmd()
        if self._chunks is None:
            raise ModelError("the image was already released")
        chunk = self._images[k]
        rc = lib.mtmd_encode_chunk(self.mtmd.ptr, chunk)
        if rc != 0:
            raise ModelError(msg("{path}: {function} failed with code {code}"),
                             path=self.mtmd.path, function="mtmd_encode_chunk", code=rc)
        return self.mtmd._out(lib.mtmd_get_output_embd(self.mtmd.ptr),
                              int(lib.mtmd_input_chunk_get_n_tokens(chunk)))

    def close(self) -> None:
        lib = _mtmd()
        self._images = []
        if self._chunks is not None:
            lib.mtmd_input_chunks_free(self._chunks)
            self._chunks = None
        if self._bitmap is not None:
            lib.mtmd_bitmap_free(self._bitmap)
            self._bitmap = None


class MtmdContext:
    """The vision encoder + projector (an mmproj GGUF), bound to the LLM it feeds.

    Tiles must already be the model's image size: mtmd then neither slices nor resizes
    them, so each tile is one image chunk whose embeddings are exactly that tile's.
    """

    def __init__(
        self,
        mmproj: Path,
        model: LlamaModel,
        n_threads: int | None = None,
        use_gpu: bool = False,
        batch_max_tokens: int = 4096,
    ) -> None:
        mtmd = _mtmd()
        self.path = Path(mmproj)
        if not self.path.is_file():
            raise ModelError(msg("{path}: file not found"), path=self.path)
        self.model = model
        params = mtmd.mtmd_context_params_default()
        params.use_gpu = use_gpu
        params.print_timings = False
        params.n_threads = n_threads or cores()
        params.warmup = False
        params.batch_max_tokens = batch_max_tokens
        ptr = mtmd.mtmd_init_from_file(str(self.path).encode(), model.ptr, params)
        if not ptr:
            raise ModelError(msg("{path}: llama.cpp could not load this projector"),
                             path=self.path)
        self._ptr: Any = ptr
        model._children.append(self)

    def _out(self, ptr: Any, n_tokens: int) -> np.ndarray:
        if not ptr:
            raise ModelError(msg("{path}: the encoder produced no output"), path=self.path)
        return np.ctypeslib.as_array(ptr, shape=(n_tokens, self.model.n_embd)).copy()

    def encode_tile(self, tile: np.ndarray) -> np.ndarray:
        """Encode one RGB uint8 tile (S, S, 3) into (n_tokens, n_embd) embeddings."""
        mtmd = _mtmd()
        img = _ImageChunk(self._ptr, self.path, tile)
        try:
            rc = mtmd.mtmd_encode_chunk(self._ptr, img.chunk)
            if rc != 0:
                raise ModelError(msg("{path}: {function} failed with code {code}"),
                                 path=self.path, function="mtmd_encode_chunk", code=rc)
            return self._out(mtmd.mtmd_get_output_embd(self._ptr), img.n_tokens)
        finally:
            img.close()

    def encode_tiles(self, tiles: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Encode several tiles in one pass of the ViT (mtmd's batch API).

        Embeddings are identical to one-by-one encoding; whether it is faster depends on
        the hardware (DESIGN §5: not on a 2-core CPU, it should on a GPU). Raises
        BatchNotSupported when the projector cannot batch (lfm2, idefics3).
        """
        if len(tiles) == 1:
            return [self.encode_tile(tiles[0])]
        mtmd = _mtmd()
        images: list[_ImageChunk] = []
        batch = None
        try:
            for tile in tiles:
                images.append(_ImageChunk(self._ptr, self.path, tile))
            batch = mtmd.mtmd_batch_init(self._ptr)
            if not batch:
                raise ModelError(msg("{path}: {function} failed"), path=self.path,
                                 function="mtmd_batch_init")
            for img in images:
                rc = mtmd.mtmd_batch_add_chunk(batch, img.chunk)
                if rc == 3:
                    raise BatchNotSupported(f"{self.path}: this projector cannot batch tiles")
                if rc == 2:
                    raise BatchNotSupported(
                        f"{self.path}: {len(tiles)} tiles exceed the batch token limit"
                    )
                if rc != 0:
                    raise ModelError(msg("{path}: {function} failed with code {code}"),
                                     path=self.path, function="mtmd_batch_add_chunk", code=rc)
            rc = mtmd.mtmd_batch_encode(batch)
            if rc != 0:
                raise ModelError(msg("{path}: {function} failed with code {code}"),
                                 path=self.path, function="mtmd_batch_encode", code=rc)
            return [
                self._out(mtmd.mtmd_batch_get_output_embd(batch, img.chunk), img.n_tokens)
                for img in images
            ]
        finally:
            if batch:
                mtmd.mtmd_batch_free(batch)
            for img in images:
                img.close()

    def supports_batch(self) -> bool:
        """Whether the projector can batch (probed once with two small placeholder tiles)."""
        if not hasattr(self, "_supports_batch"):
            size = self.image_size
            tile = np.zeros((size, size, 3), np.uint8)
            try:
                self.encode_tiles([tile, tile])
                self._supports_batch = True
            except BatchNotSupported:
                self._supports_batch = False
        return self._supports_batch

    def tokenize(self, text: str, images: Sequence[np.ndarray]) -> list[Segment]:
        """mtmd's own tokenization of `text`, each `marker` in it replaced by an image: text
        token ids and `MediaSlice`s, as `MediaImage.segments` holds them for one image.

        The family's whole slicing and layout (its markers, tiles, thumbnail) is mtmd's:
        what llama-mtmd-cli and llama-server feed the model. Tokenized, not encoded.
        """
        mtmd = _mtmd()
        bitmaps = []
        chunks = mtmd.mtmd_input_chunks_init()
        try:
            for image in images:
                bitmaps.append(_bitmap(image))
            _tokenize_media(self._ptr, self.path, chunks, text.encode("utf-8"), bitmaps)
            return _layout(self, chunks)[0]
        finally:
            mtmd.mtmd_input_chunks_free(chunks)
            for bitmap in bitmaps:
                mtmd.mtmd_bitmap_free(bitmap)

    @property
    def ptr(self) -> Any:
        """The raw mtmd_context pointer (engine-internal use only)."""
        if self._ptr is None:
            raise ModelError(f"{self.path.name}: projector already closed")
        return self._ptr

    def supports_vision(self) -> bool:
        """Whether the projector encodes images (an audio-only mmproj does not)."""
        return bool(_mtmd().mtmd_support_vision(self.ptr))

    def uses_mrope(self) -> bool:
        """Whether the LLM places image tokens in 2-D positions (M-RoPE: Qwen2-VL, Qwen2.5-VL,
        Qwen3-VL …): their positions are not one per embedding row."""
        return bool(_mtmd().mtmd_decode_use_mrope(self.ptr))

    def non_causal(self) -> bool:
        """Whether an image's tokens attend to each other both ways (Gemma 3)."""
        return bool(_mtmd().mtmd_decode_use_non_causal(self.ptr, None))

    @staticmethod
    def marker() -> str:
        """The text mtmd replaces with an image (`<__media__>`)."""
        return _mtmd().mtmd_default_marker().decode()

    def tile_tokens(self, side: int) -> int:
        """The LLM positions mtmd makes of one side × side tile (tokenized, not encoded).

        What the prompt must reserve per tile; read from llama.cpp itself rather than
        computed, so a layout can be checked against it when the model loads.
        """
        img = _ImageChunk(self._ptr, self.path, np.zeros((side, side, 3), np.uint8))
        try:
            return img.n_tokens
        finally:
            img.close()

    @property
    def image_size(self) -> int:
        """The tile side the projector was trained on (clip.vision.image_size)."""
        if not hasattr(self, "_image_size"):
            from bluelm_desktop.core.gguf.check import read_header

            size = read_header(self.path).value("clip.vision.image_size")
            if not isinstance(size, int):
                raise ModelError(msg("{name}: no {key}"), name=self.path.name,
                                 key="clip.vision.image_size")
            self._image_size = size
        return self._image_size

    def close(self) -> None:
        if self._ptr is not None:
            _mtmd().mtmd_free(self._ptr)
            self._ptr = None
            if self in self.model._children:
                self.model._children.remove(self)
