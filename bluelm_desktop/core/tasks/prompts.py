"""Quick actions: the prompt each one sends and how its answer is sampled.

A quick action is an ordinary chat turn: the chat window sends `action.prompt(...)` as the
user's message with `action.sampling_params(base)`, streams the answer like any other and
stores both in history. Only the invoice action does more: its answer also fills the
extraction table (`parse_invoice`).

Prompts are short and explicit, and ask the model to use only what it can see: a
vision model asked about an invoice will otherwise "complete" missing fields. They are
written in English whatever the UI language, because that is what the models follow best;
the *answer's* language is named in the prompt instead (by its English name and its own
name, e.g. "Simplified Chinese (简体中文)", which also disambiguates "Chinese").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from bluelm_desktop.core.engine.sampling import SamplingParams
from bluelm_desktop.core.tasks.contract import (
    CONTRACT_SCHEMA,
    EXTRACT_CONTRACT_MAX_TOKENS,
    extract_contract_prompt,
)
from bluelm_desktop.core.tasks.invoice import INVOICE_SCHEMA

# --- languages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Language:
    """A language answers can be written in: `native` is shown in choosers, `english`
    goes into prompts next to it. `code` is the Qt/POSIX style locale code."""

    code: str
    native: str
    english: str

    @property
    def prompt_name(self) -> str:
        """How prompts name it: "Deutsch" → "German (Deutsch)"; "English" stays."""
        return self.english if self.native == self.english else f"{self.english} ({self.native})"


LANGUAGES: Final[tuple[Language, ...]] = (
    Language("en", "English", "English"),
    Language("zh_CN", "简体中文", "Simplified Chinese"),
    Language("zh_TW", "繁體中文", "Traditional Chinese"),
    Language("ja", "日本語", "Japanese"),
    Language("ko", "한국어", "Korean"),
    Language("de", "Deutsch", "German"),
    Language("fr", "Français", "French"),
    Language("es", "Español", "Spanish"),
    Language("it", "Italiano", "Italian"),
    Language("pt", "Português", "Portuguese"),
    Language("ru", "Русский", "Russian"),
    Language("ar", "العربية", "Arabic"),
    Language("hi", "हिन्दी", "Hindi"),
    Language("vi", "Tiếng Việt", "Vietnamese"),
)
ENGLISH: Final = LANGUAGES[0]

# Locale codes that name a language by script or region rather than by our code.
_ALIASES: Final[Mapping[str, str]] = MappingProxyType({
    "zh": "zh_CN", "zh_hans": "zh_CN", "zh_sg": "zh_CN",
    "zh_hant": "zh_TW", "zh_hk": "zh_TW", "zh_mo": "zh_TW",
})
_MAX_FREE_NAME: Final = 64  # the settings' limit on a typed target language


def find_language(name_or_code: str) -> Language | None:
    """The known language a code ("zh_CN", "zh-Hans", "de_AT"), an own name ("日本語")
    or an English name ("german") stands for; None if it is none of ours."""
    key = name_or_code.strip()
    folded = key.casefold()
    for lang in LANGUAGES:
        if folded in (lang.native.casefold(), lang.english.casefold()):
            return lang
    code = folded.replace("-", "_")
    for candidate in (code, code.split("_")[0]):
        candidate = _ALIASES.get(candidate, candidate).casefold()
        for lang in LANGUAGES:
            if lang.code.casefold() == candidate:
                return lang
    return None


def default_target(ui_language: str) -> str:
    """The translation target when the user has chosen none: the UI language's own
    name ("en" → "English", "zh_CN" → "简体中文"), the names settings use too."""
    return (find_language(ui_language) or ENGLISH).native


def language_for_prompt(target: str | None) -> str:
    """How a prompt names the target: a known language in English and its own name; any
    other text (a language we do not list, typed by the user) as typed, on one line."""
    if target is None or not target.strip():
        return ENGLISH.prompt_name
    lang = find_language(target)
    if lang is not None:
        return lang.prompt_name
    return " ".join(target.split())[:_MAX_FREE_NAME]


# --- prompts --------------------------------------------------------------------------


def translate_prompt(text: str = "", target: str | None = None) -> str:
    """Translate the text in the attached image; `text` (what the user typed with the
    action) follows as a further instruction or as more text to translate."""
    base = (f"Translate all the text visible in the image into {language_for_prompt(target)}. "
            "Keep the original order and line breaks. Translate only what is visible: do "
            "not add, explain or summarize anything. Reply with the translation only.")
    return _with_user_text(base, text)


def summarize_prompt(text: str = "", target: str | None = None) -> str:
    """Summarize the attached document (or the typed text); in `target` when given."""
    base = ("Summarize the attached document in at most five short bullet points: what it "
            "is, who issued it and to whom, and the key facts, amounts and dates. Use only "
            "what is visible in it; if a part is unreadable, say so instead of guessing.")
    if target is not None and target.strip():
        base += f" Write the summary in {language_for_prompt(target)}."
    return _with_user_text(base, text)


def extract_invoice_prompt(text: str = "", target: str | None = None) -> str:
    """Ask for the schema's JSON. The grammar enforces the shape, but a model told the
    conventions (dates, codes, plain decimals) fills them in far better than one that
    only meets them as constraints mid-answer. `target` is ignored: field values stay as
    printed."""
    del target
    base = ("Extract the fields of the invoice in the image as JSON with the keys vendor, "
            "invoice_number, invoice_date, due_date, currency, subtotal, tax, total and "
            "line_items (each with description, quantity, unit_price and amount). Use only "
            "what is printed on the invoice and write null for anything it does not show. "
            "Write dates as YYYY-MM-DD, the currency as a three-letter ISO 4217 code such as "
            "EUR, USD or CNY, and amounts as plain numbers with a dot for decimals and no "
            "thousands separators or currency signs, e.g. \"1234.50\". Give one line item "
            "per printed line, in order.")
    return _with_user_text(base, text)


def _with_user_text(base: str, text: str) -> str:
    text = text.strip()
    return f"{base}\n\n{text}" if text else base


# --- the actions ----------------------------------------------------------------------

ActionId = Literal["translate", "extract-invoice", "extract-contract", "summarize"]
ACTION_IDS: Final[tuple[ActionId, ...]] = get_args(ActionId)

_PROMPTS: Final = MappingProxyType({
    "translate": translate_prompt,
    "extract-invoice": extract_invoice_prompt,
    "extract-contract": extract_contract_prompt,
    "summarize": summarize_prompt,
})

# Invoice answers are at most this long in tokens: 30 line items of a typical invoice
# take ~1,500 with any common tokenizer. Longer output is cut off and `parse_invoice`
# keeps what was complete (the schema's own bound, ~20 k bytes, is far above any context).
EXTRACT_MAX_TOKENS: Final = 2048


@dataclass(frozen=True)
class QuickAction:
    """One quick action: its id, an English label (the UI translates it with
    `QCoreApplication.translate("QuickAction", label)`), whether it needs an attached
    image, and the sampling settings it overrides on top of the user's."""

    id: ActionId
    label: str
    needs_image: bool
    overrides: Mapping[str, Any] = field(hash=False, compare=False)

    def prompt(self, text: str = "", target: str | None = None) -> str:
        """The user message to send. `text`: what the user typed along with the action
        (may be empty). `target`: the answer's language — for translate, the settings'
        translation target (None: English); for summarize, the UI language (None: the
        model's choice); ignored by extraction."""
        return str(_PROMPTS[self.id](text, target))

    def sampling_params(self, base: SamplingParams | None = None) -> SamplingParams:
        """`base` (the user's settings; defaults if None) with this action's overrides."""
        return dataclasses.replace(base or SamplingParams(), **self.overrides)

    @property
    def returns_invoice(self) -> bool:
        """Whether the answer is invoice JSON for `parse_invoice` and the table."""
        return self.id == "extract-invoice"

    @property
    def returns_contract(self) -> bool:
        """Whether the answer is contract JSON for `parse_contract` and its table."""
        return self.id == "extract-contract"


QUICK_ACTIONS: Final[tuple[QuickAction, ...]] = (
    QuickAction(
        "translate", "Translate text in image", needs_image=True,
        # Low temperature: a translation has one right answer. No repeat penalty: it
        # would push the model off words the source text itself repeats (table headers).
        overrides=MappingProxyType({"temperature": 0.2, "repeat_penalty": 1.0,
                                    "max_tokens": 1024}),
    ),
    QuickAction(
        "extract-invoice", "Extract invoice fields", needs_image=True,
        # Greedy, and no repeat penalty: it would turn "100.00" into "100.01" and drop
        # repeated digits and words from amounts and descriptions.
        overrides=MappingProxyType({"temperature": 0.0, "repeat_penalty": 1.0,
                                    "max_tokens": EXTRACT_MAX_TOKENS,
                                    "json_schema": INVOICE_SCHEMA}),
    ),
    QuickAction(
        "extract-contract", "Extract contract terms", needs_image=True,
        overrides=MappingProxyType({"temperature": 0.0, "repeat_penalty": 1.0,
                                    "max_tokens": EXTRACT_CONTRACT_MAX_TOKENS,
                                    "json_schema": CONTRACT_SCHEMA}),
    ),
    QuickAction(
        "summarize", "Summarize", needs_image=False,
        overrides=MappingProxyType({"temperature": 0.3, "max_tokens": 512}),
    ),
)


def quick_action(action_id: str) -> QuickAction:
    """The action with this id; KeyError names the known ones."""
    for action in QUICK_ACTIONS:
        if action.id == action_id:
            return action
    raise KeyError(f"no quick action {action_id!r} (known: {', '.join(ACTION_IDS)})")
