"""The byte-level BPE tokenizer: a synthetic one for test checkpoints, and its GGUF form.

The app never runs the Hugging Face tokenizer; llama.cpp re-implements it from the GGUF
keys (`tokenizer.ggml.*`). That only works when the checkpoint's pre-tokenizer regex is
one llama.cpp knows by name, so the synthetic tokenizer copies Qwen2's exactly and
`read_vocab` refuses any regex it cannot name rather than letting llama.cpp silently
fall back to a different split. `read_vocab` parses tokenizer.json as plain JSON so the
converter does not need `tokenizers` (or `transformers`) at conversion time.
"""

# ruff: noqa: RUF001, RUF100 - full-width punctuation in the Chinese text is intended

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import gguf

from model_convert.constants import CHATML_TEMPLATE, TOKEN_EOS, TOKEN_IM_END
from model_convert.errors import ConvertError

_T = TypeVar("_T")

# Split regexes exactly as they appear in the source tokenizer.json files, keyed to the
# `tokenizer.ggml.pre` name under which llama.cpp (src/llama-vocab.cpp) runs an
# equivalent split.
QWEN2_REGEX: Final = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA3_REGEX: Final = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_SPLIT_PRE: Final = {QWEN2_REGEX: "qwen2", LLAMA3_REGEX: "llama-bpe"}
PRE_GPT2: Final = "gpt-2"  # a lone ByteLevel pre-tokenizer with its built-in GPT-2 regex

# Context length advertised in tokenizer_config.json; Qwen2's own value.
_MODEL_MAX_LENGTH: Final = 32768

# Training text for the synthetic tokenizer: the kinds of text the app sees (invoices,
# contracts, chat, simplified Chinese, amounts), so common words become single tokens
# and tests exercise multi-token words, CJK and digits alike.
_CORPUS: Final = (
    "INVOICE No. INV-2024-0117\n"
    "Date: 2024-03-15    Due date: 2024-04-14\n"
    "Bill to: Northwind Trading Ltd., 42 Harbour Road, Suite 300, Singapore 018956\n"
    "Ship to: Contoso Electronics GmbH, Industriestrasse 7, 80331 Munich, Germany\n"
    "Item  Description                 Qty   Unit price    Amount\n"
    "1     Laptop stand (aluminium)      12   $45.00        $540.00\n"
    "2     USB-C docking station          5   $129.99       $649.95\n"
    "3     Wireless keyboard & mouse     20   $38.50        $770.00\n"
    "4     Installation service (hours)   8   $95.00        $760.00\n"
    "Subtotal: $2,719.95\nTax (8%): $217.60\nShipping: $35.00\nTotal due: $2,972.55\n"
    "Payment terms: Net 30. Please pay by bank transfer to account 0123-456789-01.\n"
    "Late payments incur interest of 1.5% per month on the outstanding balance.\n"
    "Amounts: EUR 1.234,56 | GBP £980.10 | JPY ¥125,000 | CNY ¥8,888.88 | USD $0.99\n"
    "Receipt #00042 - 3 x coffee @ 4.50 = 13.50; 1 x bagel @ 2.75 = 2.75; total 16.25\n",
    "SERVICE AGREEMENT\n"
    'This Service Agreement (the "Agreement") is entered into as of January 1, 2024 '
    '(the "Effective Date") by and between Alpha Corp. ("Provider") and Beta LLC '
    '("Client").\n'
    "1. Services. Provider shall perform the services described in Exhibit A.\n"
    "2. Term. This Agreement begins on the Effective Date and continues for twelve (12) "
    "months unless terminated earlier in accordance with Section 8.\n"
    "3. Fees. Client shall pay Provider the fees set forth in Exhibit B within thirty "
    "(30) days of receipt of each invoice.\n"
    "4. Confidentiality. Each party shall keep the other party's Confidential Information "
    "secret and shall not disclose it to any third party without prior written consent.\n"
    "5. Liability. In no event shall either party be liable for indirect, incidental or "
    "consequential damages. The total liability shall not exceed the fees paid.\n"
    "6. Governing law. This Agreement is governed by the laws of the State of New York.\n"
    "IN WITNESS WHEREOF, the parties have executed this Agreement on the date first "
    "written above.\nSigned: ____________________    Name: Jane Doe    Title: CEO\n",
    "User: Can you read this receipt and tell me the total?\n"
    "Assistant: Sure! The total on the receipt is $16.25, paid by card on 2024-03-15.\n"
    "User: What's the tax rate on the invoice? I'm not sure it's right.\n"
    "Assistant: The invoice charges 8% tax on a subtotal of $2,719.95, which is $217.60. "
    "That looks correct.\n"
    "User: Please summarize the contract in three bullet points.\n"
    "Assistant: - The agreement runs for 12 months.\n- Fees are due within 30 days.\n"
    "- Liability is capped at the fees paid.\n"
    "User: Thanks, that's helpful. Could you also translate it into Chinese?\n"
    "Assistant: Of course. Here is the translation. Let me know if you'd like changes.\n"
    "User: Where is the signature on this page? Describe the image.\n"
    "Assistant: The signature is at the bottom right, next to the date and the title.\n",
    "发票号码：INV-2024-0117\n开票日期：2024年3月15日\n"
    "购买方名称：北京蓝心科技有限公司\n纳税人识别号：91110108MA01234567\n"
    "销售方名称：上海数码贸易有限公司\n地址、电话：上海市浦东新区世纪大道100号\n"
    "货物或应税劳务名称  规格型号  单位  数量  单价  金额  税率  税额\n"
    "笔记本电脑支架  铝合金  个  12  45.00  540.00  13%  70.20\n"
    "无线键盘鼠标套装  标准  套  20  38.50  770.00  13%  100.10\n"
    "价税合计（大写）：壹仟肆佰捌拾元叁角整  （小写）￥1,480.30\n"
    "备注：请于收到发票后三十日内付款。\n",
    "合同编号：HT-2024-008\n"
    "甲方：北京蓝心科技有限公司\n乙方：上海数码贸易有限公司\n"
    "第一条 服务内容：乙方应按照附件一的要求向甲方提供技术服务。\n"
    "第二条 合同期限：本合同自双方签字之日起生效，有效期为十二个月。\n"
    "第三条 付款方式：甲方应在收到发票后三十日内支付服务费用。\n"
    "第四条 保密条款：双方应对在合作过程中知悉的商业秘密承担保密义务。\n"
    "第五条 违约责任：任何一方违反本合同约定的，应承担相应的违约责任。\n"
    "第六条 争议解决：因本合同引起的争议，双方应友好协商解决。\n"
    "甲方（盖章）：          乙方（盖章）：\n签订日期：2024年1月1日\n",
    "用户：请帮我看一下这张发票的总金额是多少？\n"
    "助手：这张发票的价税合计为人民币1,480.30元，开票日期是2024年3月15日。\n"
    "用户：合同的有效期是多久？\n助手：合同有效期为十二个月，自双方签字之日起生效。\n"
    "用户：谢谢！请把图片中的文字识别出来。\n助手：好的，以下是图片中的文字内容。\n",
    "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 25 30 50 75 99 100 250 500 "
    "1000 2024 2025 3.14159 2.71828 -42 +7 1e-5 0.001 99.9% 1/2 3:45 PM 12:00 AM\n"
    "Phone: +1 (555) 010-9999 | Email: billing@example.com | Web: https://example.com/pay\n"
    "Punctuation: . , ; : ! ? ' \" ( ) [ ] { } < > / \\ | - _ = + * & ^ % $ # @ ~ `\n"
    "中文标点：，。、；：？！“”‘’（）《》【】…—\n"
    "def total(items):\n    return sum(item.qty * item.price for item in items)\n",
)


@dataclass(frozen=True)
class GGUFVocab:
    """A BPE vocabulary in the shape llama.cpp's `gpt2` tokenizer reads from GGUF."""

    tokens: list[str]
    token_types: list[int]  # gguf.TokenType values
    merges: list[str]  # "a b" form
    pre: str  # llama.cpp pre-tokenizer name
    eos_id: int
    pad_id: int | None
    bos_id: int | None
    chat_template: str | None


def build_synthetic_tokenizer(
    out_dir: Path, special_tokens: Sequence[str], vocab_size: int = 1024
) -> None:
    """Train a Qwen2-style byte-level BPE on the built-in corpus and save it HF-style.

    Deterministic (same bytes every run) so synthetic checkpoints and their GGUFs are
    reproducible. `vocab_size` counts the trained tokens; `special_tokens` follow them.
    """
    # Imported here: only synthesis needs the library, conversion reads plain JSON.
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, processors, trainers
    from tokenizers import pre_tokenizers as pre

    if TOKEN_EOS not in special_tokens or len(set(special_tokens)) != len(special_tokens):
        raise ValueError(f"special_tokens must be unique and include {TOKEN_EOS}")

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre.Sequence(
        [
            pre.Split(Regex(QWEN2_REGEX), behavior="isolated", invert=False),
            pre.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        show_progress=False,
        initial_alphabet=pre.ByteLevel.alphabet(),  # every byte, so any UTF-8 encodes
    )
    tokenizer.train_from_iterator(_CORPUS, trainer=trainer)
    if tokenizer.get_vocab_size() != vocab_size:
        raise ValueError(
            f"the built-in corpus yields {tokenizer.get_vocab_size()} tokens, not {vocab_size}"
        )
    tokenizer.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in special_tokens]
    )

    def entry(content: str) -> dict[str, Any]:
        return {
            "content": content,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
        }

    config = {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": {
            str(vocab_size + i): {**entry(t), "special": True} for i, t in enumerate(special_tokens)
        },
        "additional_special_tokens": [t for t in special_tokens if t != TOKEN_EOS],
        "bos_token": None,
        "chat_template": CHATML_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": TOKEN_EOS,
        "errors": "replace",
        "model_max_length": _MODEL_MAX_LENGTH,
        "pad_token": TOKEN_EOS,
        "split_special_tokens": False,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": None,
    }
    special_map = {
        "additional_special_tokens": config["additional_special_tokens"],
        "eos_token": entry(TOKEN_EOS),
        "pad_token": entry(TOKEN_EOS),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_text(out_dir / "tokenizer.json", tokenizer.to_str(pretty=True))
    _write_text(out_dir / "tokenizer_config.json", json.dumps(config, indent=2, ensure_ascii=False))
    _write_text(
        out_dir / "special_tokens_map.json", json.dumps(special_map, indent=2, ensure_ascii=False)
    )


def _write_text(path: Path, text: str) -> None:
    """Write UTF-8 with "\\n" line ends on every platform, so outputs compare byte for byte."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text + "\n")


def read_vocab(ckpt_dir: Path, vocab_size: int) -> GGUFVocab:
    """Read a checkpoint's BPE tokenizer for GGUF, padded to the model's `vocab_size` rows.

    Plain JSON, checked field by field: a bad tokenizer must be one clear line naming the
    file, not a wrong-but-loadable GGUF. The normalizer is ignored, as llama.cpp's own
    converter does (GGUF has no key for it; Qwen2's NFC is a no-op on NFC text).
    """
    path = ckpt_dir / "tokenizer.json"
    data = _as(dict, _load_json(path), path, "top level")
    model = _as(dict, data.get("model"), path, "model")
    if model.get("type") != "BPE":
        raise ConvertError(path, f"model.type is {model.get('type')!r}; only BPE is supported")
    pre = _detect_pre(data.get("pre_tokenizer"), path)

    by_id: dict[int, tuple[str, int]] = {}  # id -> (text, token type)
    for text, raw_id in _as(dict, model.get("vocab"), path, "model.vocab").items():
        i = _as(int, raw_id, path, f"id of {text!r}")
        if i in by_id:
            raise ConvertError(path, f"token id {i} is both {by_id[i][0]!r} and {text!r}")
        by_id[i] = (text, gguf.TokenType.NORMAL)
    for raw_added in _as(list, data.get("added_tokens", []), path, "added_tokens"):
        added = _as(dict, raw_added, path, "added_tokens entry")
        text = _as(str, added.get("content"), path, "added_tokens content")
        i = _as(int, added.get("id"), path, f"id of added token {text!r}")
        kind = gguf.TokenType.CONTROL if added.get("special") else gguf.TokenType.USER_DEFINED
        # GPT-2 style files repeat some vocab entries here; same id and text is fine.
        if by_id.get(i, (text,))[0] != text:
            raise ConvertError(path, f"token id {i} is both {by_id[i][0]!r} and {text!r}")
        by_id[i] = (text, kind)

    n = len(by_id)
    twice = [t for t, c in Counter(t for t, _ in by_id.values()).items() if c > 1]
    if twice:
        raise ConvertError(path, f"token {twice[0]!r} has more than one id")
    if set(by_id) != set(range(n)):
        missing = min(set(range(n)) - set(by_id))
        raise ConvertError(path, f"token ids are not dense 0..{n - 1} (id {missing} is missing)")
    if n > vocab_size:
        raise ConvertError(path, f"{n} tokens do not fit the model's vocab_size of {vocab_size}")
    # Embedding rows past the tokenizer are padding, named the way llama.cpp's converter does.
    tokens = [by_id[i][0] for i in range(n)] + [f"[PAD{i}]" for i in range(n, vocab_size)]
    types = [int(by_id[i][1]) for i in range(n)] + [int(gguf.TokenType.UNUSED)] * (vocab_size - n)
    merges = [_merge(m, path) for m in _as(list, model.get("merges", []), path, "model.merges")]

    config_path = ckpt_dir / "tokenizer_config.json"
    config = _as(dict, _load_json(config_path, optional=True), config_path, "top level")
    ids = {text: i for i, text in enumerate(tokens)}

    def token_id(key: str) -> int | None:
        value = config.get(key)
        text = value.get("content") if isinstance(value, dict) else value
        if text is None:
            return None
        if not isinstance(text, str) or text not in ids:
            raise ConvertError(config_path, f"{key} {text!r} is not in {path.name}")
        return ids[text]

    eos_id = token_id("eos_token")
    if eos_id is None:
        eos_id = next((ids[t] for t in (TOKEN_EOS, TOKEN_IM_END) if t in ids), None)
    if eos_id is None:
        raise ConvertError(config_path, "no eos_token, and neither <|endoftext|> nor <|im_end|>")
    return GGUFVocab(
        tokens=tokens,
        token_types=types,
        merges=merges,
        pre=pre,
        eos_id=eos_id,
        pad_id=token_id("pad_token"),
        bos_id=token_id("bos_token"),
        chat_template=_chat_template(config, ckpt_dir, config_path),
    )


def _load_json(path: Path, *, optional: bool = False) -> Any:
    """Parse a JSON file into one ConvertError line on failure; an optional one may be absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        if optional:
            return {}
        raise ConvertError(path, "missing") from e
    except OSError as e:
        raise ConvertError(path, f"cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ConvertError(path, f"not UTF-8 text: {e}") from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ConvertError(
            path, f"invalid JSON, truncated or corrupt? ({e.msg} at line {e.lineno})"
        ) from e


def _as(kind: type[_T], value: object, path: Path, what: str) -> _T:
    """`value` if it is a `kind` (bool is not an int here), else a ConvertError."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConvertError(path, f"{what} should be a JSON {kind.__name__}, got {value!r:.60}")
    return value


def _merge(merge: object, path: Path) -> str:
    """Normalize a merge to llama.cpp's "a b" (older files store strings, newer pairs)."""
    parts = merge.split(" ") if isinstance(merge, str) else merge
    if not (
        isinstance(parts, list)
        and len(parts) == 2
        and all(isinstance(p, str) and p and " " not in p for p in parts)
    ):
        raise ConvertError(path, f"bad merge {merge!r:.60}; expected 'a b' or ['a', 'b']")
    return f"{parts[0]} {parts[1]}"


def _detect_pre(pre: object, path: Path) -> str:
    """Name the llama.cpp pre-tokenizer whose split matches tokenizer.json's, or refuse."""
    if _is_byte_level(pre, use_regex=True):
        return PRE_GPT2
    steps = pre.get("pretokenizers") if isinstance(pre, dict) else None
    regex = None
    if isinstance(pre, dict) and pre.get("type") == "Sequence" and isinstance(steps, list):
        split = steps[0] if steps and isinstance(steps[0], dict) else {}
        pattern = split.get("pattern")
        regex = pattern.get("Regex") if isinstance(pattern, dict) else None
        if (
            len(steps) == 2
            and split.get("type") == "Split"
            and split.get("behavior") == "Isolated"
            and not split.get("invert", False)
            and _is_byte_level(steps[1], use_regex=False)
            and regex in _SPLIT_PRE
        ):
            return _SPLIT_PRE[regex]
    shown = f"regex {regex!r:.80}" if regex else json.dumps(pre)[:120]
    raise ConvertError(
        path,
        f"unsupported pre-tokenizer {shown}; supported: {', '.join(_SPLIT_PRE.values())}, "
        f"{PRE_GPT2} (llama.cpp would split text differently)",
    )


def _is_byte_level(step: object, *, use_regex: bool) -> bool:
    return (
        isinstance(step, dict)
        and step.get("type") == "ByteLevel"
        and step.get("use_regex", True) is use_regex
        and not step.get("add_prefix_space", False)
    )


def _chat_template(config: dict[str, Any], ckpt_dir: Path, config_path: Path) -> str | None:
    """tokenizer_config's chat_template, else chat_template.jinja (newer transformers)."""
    template = config.get("chat_template")
    if template is None:
        jinja = ckpt_dir / "chat_template.jinja"
        try:
            return jinja.read_text(encoding="utf-8") if jinja.is_file() else None
        except (OSError, UnicodeDecodeError) as e:
            raise ConvertError(jinja, f"cannot read: {e}") from e
    return _as(str, template, config_path, "chat_template")


def write_vocab(writer: gguf.GGUFWriter, vocab: GGUFVocab) -> None:
    """Add the `tokenizer.ggml.*` keys llama.cpp's BPE ("gpt2") tokenizer loads."""
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(vocab.pre)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.token_types)
    writer.add_token_merges(vocab.merges)
    writer.add_eos_token_id(vocab.eos_id)
    if vocab.pad_id is not None:
        writer.add_pad_token_id(vocab.pad_id)
    # Left unset, llama.cpp's BOS defaults to id 11 (GPT-2's ","), which would surface as
    # `bos_token` in templates; Qwen2's own GGUFs name <|endoftext|> (= EOS) instead.
    writer.add_bos_token_id(vocab.eos_id if vocab.bos_id is None else vocab.bos_id)
    # ChatML models take no BOS; without this key llama.cpp would add one to llama-bpe vocabs.
    writer.add_add_bos_token(False)
    if vocab.chat_template is not None:
        writer.add_chat_template(vocab.chat_template)
