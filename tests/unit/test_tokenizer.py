"""The synthetic tokenizer, its reading into GGUF form, and llama.cpp's agreement with it.

The parity tests are the point: the app tokenizes with llama.cpp, so a GGUF vocab is only
right if llama.cpp turns every text into the ids the Hugging Face tokenizer would.
"""

# ruff: noqa: RUF001, RUF100 - full-width punctuation in the Chinese text is intended

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import gguf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, pre_tokenizers

from model_convert.constants import (
    CHAT_TOKENS,
    CHATML_TEMPLATE,
    IMAGE_TOKENS,
    LAYOUT_BLUELM,
    LAYOUT_INTERNVL,
    TOKEN_EOS,
    TOKEN_IM_END,
)
from model_convert.errors import ConvertError
from model_convert.tokenizer import (
    LLAMA3_REGEX,
    QWEN2_REGEX,
    build_synthetic_tokenizer,
    read_vocab,
    write_vocab,
)

REPO = Path(__file__).resolve().parents[2]
VOCAB = 1024
FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")

# Code points assigned as of Python 3.11's Unicode 14. Later ones (e.g. U+1352C, an
# Egyptian hieroglyph from Unicode 16) can be letters to the HF regex engine and not to
# llama.cpp's tables, or the reverse: a split difference no converter can fix.
ASSIGNED = st.characters(exclude_categories=("Cn", "Cs"))

PARITY_TEXTS = (
    "Hello, world!",
    "Total due: $2,972.55 (8% tax), EUR 1.234,56, ¥125,000",
    "1,234.56",
    "发票号码：INV-2024-0117，开票日期：2024年3月15日。\n购买方名称：北京蓝心科技有限公司",
    "Payment terms: Net 30.\nPlease pay by bank transfer.\r\n\n\tindented   \n",
    "   leading and trailing spaces   ",
    "I'll've been 'RE you sure? DON'T",
    "emoji 😀👍🏽 and a ZWJ family 👨‍👩‍👧",
    "ñandú Ölçü Ελληνικά русский العربية हिन्दी 한국어",
    "<|im_start|>user\nWhat is the total?<|im_end|>\n<|im_start|>assistant\n",
    "\x00 control \x7f chars \u00a0\u3000 odd spaces",
    "",
)


def specials_for(layout: str) -> tuple[str, ...]:
    return CHAT_TOKENS + IMAGE_TOKENS[layout]


@pytest.fixture(scope="module", params=[LAYOUT_BLUELM, LAYOUT_INTERNVL])
def layout(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def ckpt(layout: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"tok-{layout}")
    build_synthetic_tokenizer(out, specials_for(layout), VOCAB)
    return out


@pytest.fixture(scope="module")
def hf(ckpt: Path) -> Tokenizer:
    return Tokenizer.from_file(str(ckpt / "tokenizer.json"))


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text_with(specials: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Any text, with special tokens spliced in where llama.cpp must match them."""
    return st.lists(st.text(ASSIGNED, max_size=24) | st.sampled_from(specials), max_size=6).map(
        "".join
    )


# --- build_synthetic_tokenizer --------------------------------------------------------


def test_build_is_byte_identical_across_runs_and_processes(tmp_path: Path) -> None:
    specials = specials_for(LAYOUT_BLUELM)
    build_synthetic_tokenizer(tmp_path / "a", specials)
    build_synthetic_tokenizer(tmp_path / "b", specials)
    # A fresh interpreter: different hash seeds, so no dependence on set or map order.
    code = (
        "import sys; from pathlib import Path; "
        "from model_convert.tokenizer import build_synthetic_tokenizer as b; "
        "b(Path(sys.argv[1]), sys.argv[2:])"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "c"), *specials], check=True, env=env
    )
    for name in FILES:
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes(), name
        assert a == (tmp_path / "c" / name).read_bytes(), name


def test_written_files_describe_a_qwen2_chatml_tokenizer(ckpt: Path, layout: str) -> None:
    specials = specials_for(layout)
    data = load_json(ckpt / "tokenizer.json")
    assert len(data["model"]["vocab"]) == VOCAB
    assert [(t["id"], t["content"], t["special"]) for t in data["added_tokens"]] == [
        (VOCAB + i, t, True) for i, t in enumerate(specials)
    ]
    split, byte_level = data["pre_tokenizer"]["pretokenizers"]
    assert split["pattern"] == {"Regex": QWEN2_REGEX}
    assert split["behavior"] == "Isolated"
    assert byte_level["type"] == "ByteLevel"
    assert byte_level["use_regex"] is False
    assert data["decoder"]["type"] == "ByteLevel"

    config = load_json(ckpt / "tokenizer_config.json")
    assert config["chat_template"] == CHATML_TEMPLATE
    assert config["eos_token"] == config["pad_token"] == TOKEN_EOS
    assert config["bos_token"] is None
    assert config["add_bos_token"] is False
    assert config["model_max_length"] > 0
    decoder = config["added_tokens_decoder"]
    assert {int(i): d["content"] for i, d in decoder.items()} == {
        VOCAB + i: t for i, t in enumerate(specials)
    }
    assert all(d["special"] and not d["normalized"] for d in decoder.values())

    special_map = load_json(ckpt / "special_tokens_map.json")
    assert special_map["eos_token"]["content"] == TOKEN_EOS
    assert TOKEN_IM_END in special_map["additional_special_tokens"]


def test_every_byte_is_a_token(hf: Tokenizer) -> None:
    vocab = hf.get_vocab()
    assert all(symbol in vocab for symbol in pre_tokenizers.ByteLevel.alphabet())


def test_vocab_size_is_the_trained_size(tmp_path: Path) -> None:
    build_synthetic_tokenizer(tmp_path, CHAT_TOKENS, vocab_size=512)
    tok = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert tok.get_vocab_size() == 512 + len(CHAT_TOKENS)
    assert tok.token_to_id(CHAT_TOKENS[0]) == 512


def test_vocab_size_beyond_the_corpus_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="corpus"):
        build_synthetic_tokenizer(tmp_path, CHAT_TOKENS, vocab_size=100_000)


def test_special_tokens_are_single_ids_that_round_trip(hf: Tokenizer, layout: str) -> None:
    for i, token in enumerate(specials_for(layout)):
        assert hf.encode(token).ids == [VOCAB + i]
        ids = hf.encode(f"a{token}b").ids
        assert VOCAB + i in ids
        assert hf.decode(ids, skip_special_tokens=False) == f"a{token}b"


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text())
def test_any_text_round_trips(hf: Tokenizer, text: str) -> None:
    assert hf.decode(hf.encode(text).ids, skip_special_tokens=False) == text


# --- read_vocab -------------------------------------------------------------------------


def test_read_vocab_matches_tokenizer_json(ckpt: Path, layout: str) -> None:
    data = load_json(ckpt / "tokenizer.json")
    n = VOCAB + len(specials_for(layout))
    vocab = read_vocab(ckpt, n)

    assert len(vocab.tokens) == len(vocab.token_types) == n
    for text, i in data["model"]["vocab"].items():
        assert vocab.tokens[i] == text
        assert vocab.token_types[i] == gguf.TokenType.NORMAL
    for added in data["added_tokens"]:
        assert vocab.tokens[added["id"]] == added["content"]
        assert vocab.token_types[added["id"]] == gguf.TokenType.CONTROL
    assert vocab.merges == [" ".join(pair) for pair in data["model"]["merges"]]
    assert vocab.pre == "qwen2"
    assert vocab.eos_id == vocab.pad_id == VOCAB  # <|endoftext|> comes first
    assert vocab.bos_id is None
    assert vocab.chat_template == CHATML_TEMPLATE


def test_read_vocab_pads_to_the_embedding_rows(ckpt: Path, layout: str) -> None:
    n = VOCAB + len(specials_for(layout))
    vocab = read_vocab(ckpt, n + 3)
    assert vocab.tokens[n:] == [f"[PAD{n}]", f"[PAD{n + 1}]", f"[PAD{n + 2}]"]
    assert vocab.token_types[n:] == [gguf.TokenType.UNUSED] * 3
    assert vocab.tokens[:n] == read_vocab(ckpt, n).tokens


def copy_ckpt(ckpt: Path, dest: Path) -> Path:
    shutil.copytree(ckpt, dest)
    return dest


def edit_json(path: Path, change: Callable[[dict], object]) -> None:
    data = load_json(path)
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_read_vocab_accepts_string_merges(ckpt: Path, tmp_path: Path) -> None:
    d = copy_ckpt(ckpt, tmp_path / "ck")

    def to_strings(data: dict) -> None:
        data["model"]["merges"] = [" ".join(pair) for pair in data["model"]["merges"]]

    edit_json(d / "tokenizer.json", to_strings)
    assert read_vocab(d, 2000).merges == read_vocab(ckpt, 2000).merges


def test_read_vocab_without_config_falls_back_to_endoftext(ckpt: Path, tmp_path: Path) -> None:
    d = copy_ckpt(ckpt, tmp_path / "ck")
    (d / "tokenizer_config.json").unlink()
    vocab = read_vocab(d, 2000)
    assert vocab.tokens[vocab.eos_id] == TOKEN_EOS
    assert vocab.pad_id is None
    assert vocab.chat_template is None


def test_read_vocab_reads_eos_objects_and_chat_template_jinja(ckpt: Path, tmp_path: Path) -> None:
    d = copy_ckpt(ckpt, tmp_path / "ck")

    def newer_transformers(config: dict) -> None:
        config["eos_token"] = {"content": TOKEN_IM_END, "special": True}
        del config["chat_template"]

    edit_json(d / "tokenizer_config.json", newer_transformers)
    (d / "chat_template.jinja").write_text("{{ messages }}", encoding="utf-8")
    vocab = read_vocab(d, 2000)
    assert vocab.tokens[vocab.eos_id] == TOKEN_IM_END
    assert vocab.chat_template == "{{ messages }}"


LLAMA3_PRE = {
    "type": "Sequence",
    "pretokenizers": [
        {
            "type": "Split",
            "pattern": {"Regex": LLAMA3_REGEX},
            "behavior": "Isolated",
            "invert": False,
        },
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
    ],
}
GPT2_PRE = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
OTHER_PRE = {
    "type": "Sequence",
    "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": r"\p{L}+|\s+"}, "behavior": "Isolated"},
        {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False},
    ],
}


@pytest.mark.parametrize(("pre", "name"), [(LLAMA3_PRE, "llama-bpe"), (GPT2_PRE, "gpt-2")])
def test_read_vocab_names_other_known_pre_tokenizers(
    ckpt: Path, tmp_path: Path, pre: dict, name: str
) -> None:
    d = copy_ckpt(ckpt, tmp_path / "ck")
    edit_json(d / "tokenizer.json", lambda data: data.update(pre_tokenizer=pre))
    assert read_vocab(d, 2000).pre == name


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def set_model_type(data: dict) -> None:
    data["model"]["type"] = "WordPiece"


def drop_id_5(data: dict) -> None:
    vocab = data["model"]["vocab"]
    del vocab[next(t for t, i in vocab.items() if i == 5)]


def duplicate_id(data: dict) -> None:
    data["model"]["vocab"]["<dup>"] = 7


def bad_merge(data: dict) -> None:
    data["model"]["merges"][0] = "abc"


def unknown_eos(config: dict) -> None:
    config["eos_token"] = "</s>"


BAD_INPUTS: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "missing": ("tokenizer.json", Path.unlink, "missing"),
    "truncated": ("tokenizer.json", truncate, "invalid JSON"),
    "wordpiece": ("tokenizer.json", lambda p: edit_json(p, set_model_type), "WordPiece"),
    "not dense": ("tokenizer.json", lambda p: edit_json(p, drop_id_5), "dense"),
    "duplicate id": ("tokenizer.json", lambda p: edit_json(p, duplicate_id), "token id 7"),
    "bad merge": ("tokenizer.json", lambda p: edit_json(p, bad_merge), "merge"),
    "unknown regex": (
        "tokenizer.json",
        lambda p: edit_json(p, lambda data: data.update(pre_tokenizer=OTHER_PRE)),
        "unsupported pre-tokenizer",
    ),
    "no pre-tokenizer": (
        "tokenizer.json",
        lambda p: edit_json(p, lambda data: data.update(pre_tokenizer=None)),
        "unsupported pre-tokenizer",
    ),
    "config truncated": ("tokenizer_config.json", truncate, "invalid JSON"),
    "unknown eos": ("tokenizer_config.json", lambda p: edit_json(p, unknown_eos), "</s>"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_one_line_naming_the_file(ckpt: Path, tmp_path: Path, case: str) -> None:
    name, damage, problem = BAD_INPUTS[case]
    d = copy_ckpt(ckpt, tmp_path / "ck")
    damage(d / name)
    with pytest.raises(ConvertError, match=problem) as info:
        read_vocab(d, 2000)
    message = str(info.value)
    assert message.startswith(str(d / name))
    assert "\n" not in message


def test_vocab_size_smaller_than_the_tokenizer_is_refused(ckpt: Path) -> None:
    with pytest.raises(ConvertError, match="vocab_size of 1000") as info:
        read_vocab(ckpt, 1000)
    assert info.value.path == ckpt / "tokenizer.json"


# --- write_vocab and llama.cpp parity ---------------------------------------------------


def write_gguf(ckpt: Path, path: Path, rows: int) -> None:
    """A qwen2 GGUF holding only the vocab: with vocab_only, llama.cpp reads no hparams."""
    writer = gguf.GGUFWriter(str(path), "qwen2")
    write_vocab(writer, read_vocab(ckpt, rows))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_write_vocab_writes_the_gpt2_keys(ckpt: Path, tmp_path: Path) -> None:
    write_gguf(ckpt, tmp_path / "v.gguf", 2000)
    fields = gguf.GGUFReader(tmp_path / "v.gguf").fields
    keys = gguf.Keys.Tokenizer
    assert fields[keys.MODEL].contents() == "gpt2"
    assert fields[keys.PRE].contents() == "qwen2"
    assert len(fields[keys.LIST].contents()) == 2000
    assert fields[keys.MERGES].contents() == read_vocab(ckpt, 2000).merges
    assert fields[keys.EOS_ID].contents() == VOCAB
    assert fields[keys.PAD_ID].contents() == VOCAB
    assert fields[keys.BOS_ID].contents() == VOCAB  # never added, but not llama.cpp's 11
    assert fields[keys.ADD_BOS].contents() is False
    assert fields[keys.CHAT_TEMPLATE].contents() == CHATML_TEMPLATE


class LlamaVocab:
    """llama.cpp's tokenizer through its C API: a vocab_only model, no context.

    Not `Llama.detokenize`: llama-cpp-python 0.3.36 decodes each token into a 32-byte
    buffer and silently drops any longer token (the synthetic vocab has some).
    """

    def __init__(self, path: Path) -> None:
        self.c = pytest.importorskip("llama_cpp")
        params = self.c.llama_model_default_params()
        params.vocab_only = True
        self.model = self.c.llama_model_load_from_file(str(path).encode(), params)
        assert self.model, f"llama.cpp cannot load {path}"
        self.vocab = self.c.llama_model_get_vocab(self.model)

    def close(self) -> None:
        self.c.llama_model_free(self.model)

    def tokenize(self, text: str) -> list[int]:
        data = text.encode()
        ids = (self.c.llama_token * (len(data) + 1))()  # byte-level: a token per byte at most
        n = self.c.llama_tokenize(self.vocab, data, len(data), ids, len(ids), False, True)
        assert n >= 0
        return ids[:n]

    def detokenize(self, ids: list[int]) -> bytes:
        tokens = (self.c.llama_token * len(ids))(*ids)
        size = 0
        while True:  # a negative result is the size needed
            out = ctypes.create_string_buffer(size)
            n = self.c.llama_detokenize(self.vocab, tokens, len(ids), out, size, False, True)
            if n >= 0:
                return out.raw[:n]
            size = -n

    def meta(self, key: str) -> str:
        out = ctypes.create_string_buffer(4096)
        n = self.c.llama_model_meta_val_str(self.model, key.encode(), out, len(out))
        assert 0 <= n < len(out), key
        return out.raw[:n].decode()


@pytest.fixture(scope="module")
def llama(ckpt: Path, layout: str) -> Iterator[LlamaVocab]:
    path = ckpt / "vocab.gguf"
    write_gguf(ckpt, path, VOCAB + len(specials_for(layout)) + 5)  # 5 padding rows
    vocab = LlamaVocab(path)
    yield vocab
    vocab.close()


def test_llama_cpp_loads_the_vocab(llama: LlamaVocab, layout: str) -> None:
    assert llama.c.llama_vocab_n_tokens(llama.vocab) == VOCAB + len(specials_for(layout)) + 5
    assert llama.c.llama_vocab_eos(llama.vocab) == VOCAB
    assert llama.c.llama_vocab_bos(llama.vocab) == VOCAB
    assert not llama.c.llama_vocab_get_add_bos(llama.vocab)
    assert llama.meta("tokenizer.ggml.pre") == "qwen2"
    assert llama.meta("tokenizer.chat_template") == CHATML_TEMPLATE


def assert_same_ids(llama: LlamaVocab, hf: Tokenizer, text: str) -> None:
    ids = hf.encode(text).ids
    assert llama.tokenize(text) == ids, text
    assert llama.detokenize(ids) == text.encode(), text


@pytest.mark.parametrize("text", PARITY_TEXTS)
def test_llama_cpp_tokenizes_like_hf(llama: LlamaVocab, hf: Tokenizer, text: str) -> None:
    assert_same_ids(llama, hf, text)


def test_llama_cpp_matches_every_special_token(
    llama: LlamaVocab, hf: Tokenizer, layout: str
) -> None:
    assert_same_ids(llama, hf, "x".join(specials_for(layout)))


@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data())
def test_llama_cpp_tokenizes_any_text_like_hf(
    llama: LlamaVocab, hf: Tokenizer, layout: str, data: st.DataObject
) -> None:
    assert_same_ids(llama, hf, data.draw(text_with(specials_for(layout))))


@pytest.mark.parametrize(("pre", "name"), [(LLAMA3_PRE, "llama-bpe"), (GPT2_PRE, "gpt-2")])
def test_llama_cpp_agrees_on_other_pre_tokenizers(
    ckpt: Path, tmp_path: Path, pre: dict, name: str
) -> None:
    d = copy_ckpt(ckpt, tmp_path / "ck")
    edit_json(d / "tokenizer.json", lambda data: data.update(pre_tokenizer=pre))
    write_gguf(d, d / "v.gguf", 2000)
    llama = LlamaVocab(d / "v.gguf")
    hf = Tokenizer.from_file(str(d / "tokenizer.json"))
    try:
        assert llama.meta("tokenizer.ggml.pre") == name
        for text in PARITY_TEXTS:
            assert_same_ids(llama, hf, text)
    finally:
        llama.close()
