"""Quick actions (translate, extract invoice fields, summarize) and invoice data; no Qt.

Typical use by the chat window (each action is an ordinary chat turn)::

    action = quick_action("translate")  # or "extract-invoice", "summarize"
    target = (settings.ui.effective_translation_target() if action.id == "translate"
              else default_target(settings.ui.language))
    text = action.prompt(typed_text, target)
    engine.ask(conversation, text, image_ids, action.sampling_params(user_params))
    ...  # stream the answer as for any turn; then, for the invoice action:
    if action.returns_invoice:
        invoice = parse_invoice(answer)  # never raises; invoice.problems says what failed
        warnings = check_totals(invoice)  # or ui.extraction_table.ExtractionPanel.show_answer

Export with `to_csv` / `to_json` (write the CSV with `CSV_ENCODING`).
"""

from bluelm_desktop.core.tasks.invoice import (
    CSV_COLUMNS,
    CSV_ENCODING,
    INVOICE_SCHEMA,
    Invoice,
    LineItem,
    check_totals,
    from_csv,
    invoice_schema,
    longest_answer_bytes,
    parse_invoice,
    to_csv,
    to_json,
)
from bluelm_desktop.core.tasks.prompts import (
    ACTION_IDS,
    LANGUAGES,
    QUICK_ACTIONS,
    ActionId,
    Language,
    QuickAction,
    default_target,
    find_language,
    language_for_prompt,
    quick_action,
)

__all__ = [
    "ACTION_IDS",
    "CSV_COLUMNS",
    "CSV_ENCODING",
    "INVOICE_SCHEMA",
    "LANGUAGES",
    "QUICK_ACTIONS",
    "ActionId",
    "Invoice",
    "Language",
    "LineItem",
    "QuickAction",
    "check_totals",
    "default_target",
    "find_language",
    "from_csv",
    "invoice_schema",
    "language_for_prompt",
    "longest_answer_bytes",
    "parse_invoice",
    "quick_action",
    "to_csv",
    "to_json",
]
