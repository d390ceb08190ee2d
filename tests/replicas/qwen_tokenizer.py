"""Qwen2.5's tokenizer as Hugging Face files, rebuilt from llama.cpp's own copy of its vocab.

`vendor/llama.cpp/models/ggml-vocab-qwen2.gguf` (in the llama-cpp-python sdist) holds the
Qwen2 byte-level BPE vocabulary and merges llama.cpp tests its tokenizer with, and
`ggml-vocab-qwen2.gguf.inp/.out` the token ids llama.cpp expects for 46 test strings.
From it this writes tokenizer.json / tokenizer_config.json as Qwen2.5 models ship them:
the 151,643 BPE tokens, Qwen2's pre-tokenizer (NFC, its split regex, byte-level), and the
22 special tokens of Qwen2.5 (ids 151643–151664) plus those a model family adds after
them (InternVL: <img>, </img>, <IMG_CONTEXT>, … from 151665). `check_against_llama_cpp`
proves the result tokenizes the test strings exactly as llama.cpp does.

Used by make_replicas.py only (needs the sdist; not part of the test run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

N_BPE = 151643  # Qwen2's byte-level BPE tokens; specials start here
# Qwen2.5's special tokens, in id order from 151643 (its tokenizer_config.json).
QWEN25_SPECIALS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
    "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>",
    "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
    "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
    "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
)
# Qwen2's pre-tokenizer split (tokenizer.json of every Qwen2/2.5 model).
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
               r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
# <tool_call> and the FIM/repo tokens are "special": false in Qwen2.5's tokenizer_config.
NOT_SPECIAL = {"<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
               "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"}


def _read_vocab(vocab_gguf: Path) -> tuple[list[str], list[str]]:
    import gguf

    reader = gguf.GGUFReader(vocab_gguf)
    tokens = list(reader.fields["tokenizer.ggml.tokens"].contents())
    merges = list(reader.fields["tokenizer.ggml.merges"].contents())
    return tokens[:N_BPE], merges


def build(vocab_gguf: Path, extra_specials: Sequence[str] = ()) -> Tokenizer:
    tokens, merges = _read_vocab(vocab_gguf)
    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)},
                     merges=[tuple(m.split(" ", 1)) for m in merges],
                     fuse_unk=False, byte_fallback=False)
    tok = Tokenizer(bpe)
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.add_tokens([AddedToken(t, special=t not in NOT_SPECIAL, normalized=False)
                    for t in (*QWEN25_SPECIALS, *extra_specials)])
    return tok


def write(out_dir: Path, vocab_gguf: Path, chat_template: str,
          extra_specials: Sequence[str] = (), model_max_length: int = 32768,
          eos_token: str = "<|im_end|>") -> None:
    """tokenizer.json, tokenizer_config.json and special_tokens_map.json into `out_dir`."""
    tok = build(vocab_gguf, extra_specials)
    tok.save(str(out_dir / "tokenizer.json"))
    added = {}
    for i, t in enumerate((*QWEN25_SPECIALS, *extra_specials)):
        added[str(N_BPE + i)] = {"content": t, "lstrip": False, "normalized": False,
                                 "rstrip": False, "single_word": False,
                                 "special": t not in NOT_SPECIAL}
    config = {
        "add_bos_token": False, "add_prefix_space": False, "added_tokens_decoder": added,
        "additional_special_tokens": [t for t in (*QWEN25_SPECIALS[1:], *extra_specials)
                                      if t not in NOT_SPECIAL],
        "bos_token": None, "chat_template": chat_template, "clean_up_tokenization_spaces": False,
        "eos_token": eos_token, "errors": "replace", "model_max_length": model_max_length,
        "pad_token": "<|endoftext|>", "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2,
                                                              ensure_ascii=False))
    (out_dir / "special_tokens_map.json").write_text(json.dumps(
        {"eos_token": eos_token, "pad_token": "<|endoftext|>"}, indent=2))
    for stale in ("vocab.json", "merges.txt"):
        (out_dir / stale).unlink(missing_ok=True)


def check_against_llama_cpp(vocab_gguf: Path) -> int:
    """Tokenize llama.cpp's test strings; raise on the first that differs. Returns the count."""
    tok = build(vocab_gguf)
    inputs = vocab_gguf.with_suffix(".gguf.inp").read_text(encoding="utf-8")
    outputs = vocab_gguf.with_suffix(".gguf.out").read_text(encoding="utf-8")
    texts = inputs.split("\n__ggml_vocab_test__\n")
    expected = outputs.split("\n")
    n = 0
    for text, want in zip(texts, expected, strict=False):
        got = tok.encode(text, add_special_tokens=False).ids
        want_ids = [int(x) for x in want.split()]
        if got != want_ids:
            raise AssertionError(f"{text!r}: {got} != llama.cpp's {want_ids}")
        n += 1
    return n
