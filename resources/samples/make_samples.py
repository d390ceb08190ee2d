"""Make the sample documents the app and its tests use: every pixel and word is ours.

    python resources/samples/make_samples.py [--out DIR]

Writes, next to this script unless --out says otherwise:
- `invoice.pdf`: a two-page invoice (page 1 the invoice, page 2 terms and a remittance
  slip) drawn with PyMuPDF's built-in Helvetica, so it has a real text layer.
- `invoice.png`: page 1 of that PDF rendered at 150 dpi (a "scanned" copy, no text layer).
- `contract.png`: one dense page of a services agreement at 150 dpi: small print, for
  trying the fine-print setting.
- `screenshot-en-zh.png`: a mock desktop chat app with English and Simplified Chinese text,
  for the "Translate text in image" action.

Fonts come from the system through fontconfig (`fc-match`, `fc-list`): DejaVu Sans for
Latin text and a CJK font (Noto Sans CJK SC on Debian: `apt-get install fonts-noto-cjk`)
for Chinese. Without a CJK font the Chinese lines are still drawn, with whatever font
exists (they will show as boxes), and the script says so. Outputs are deterministic
(no dates, no random ids), so re-running it does not churn the repository.

Every amount on the invoice is computed here, so the totals add up: the extraction
tests can check a model's answer against `INVOICE` below.
"""

from __future__ import annotations

import argparse
import html
import io
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Final

import pymupdf
from PIL import Image, ImageDraw, ImageFont

HERE: Final = Path(__file__).resolve().parent
DPI: Final = 150  # a typical office scan: small print stays readable, files stay small
MAX_BYTES: Final = 300 * 1024  # what the repository is willing to carry per sample

A4: Final = pymupdf.paper_rect("a4")  # 595 × 842 pt
INK: Final = (0.13, 0.15, 0.19)
MUTED: Final = (0.42, 0.45, 0.50)
ACCENT: Final = (0.09, 0.33, 0.62)
RULE: Final = (0.82, 0.84, 0.87)
BAND: Final = (0.94, 0.96, 0.98)


# --- the invoice's content ----------------------------------------------------------------


def money(value: Decimal) -> str:
    return f"${value.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"


@dataclass(frozen=True)
class LineItem:
    sku: str
    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Invoice:
    vendor: str
    vendor_address: tuple[str, ...]
    number: str
    issue_date: str
    due_date: str
    po_number: str
    currency: str
    bill_to: tuple[str, ...]
    ship_to: tuple[str, ...]
    items: tuple[LineItem, ...]
    tax_rate: Decimal
    shipping: Decimal

    @property
    def subtotal(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal(0))

    @property
    def tax(self) -> Decimal:
        return (self.subtotal * self.tax_rate).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax + self.shipping


INVOICE: Final = Invoice(
    vendor="Northwind Lighting Co.",
    vendor_address=("418 Harbor Street, Suite 200", "Portland, OR 97209", "United States",
                    "billing@northwind-lighting.example  ·  +1 503 555 0142"),
    number="INV-2024-0417",
    issue_date="March 12, 2024",
    due_date="April 11, 2024",
    po_number="PO-88213",
    currency="USD",
    bill_to=("Bluefield Architecture LLC", "Attn: Accounts Payable", "77 Cedar Avenue",
             "Seattle, WA 98101"),
    ship_to=("Bluefield Architecture LLC", "Site office, Pier 57 renovation",
             "1301 Alaskan Way", "Seattle, WA 98101"),
    items=(
        LineItem("NW-PL120", "Pendant light, brushed brass, 120 cm", 6, Decimal("189.00")),
        LineItem("NW-LS04", "LED strip, warm white 2700 K, 5 m roll", 14, Decimal("42.50")),
        LineItem("NW-DR10", "Dimmable driver, 100 W, 0-10 V", 7, Decimal("64.90")),
        LineItem("NW-WS22", "Wall sconce, matte black, IP44", 10, Decimal("78.00")),
        LineItem("NW-TR3M", "Track rail, 3 m, with end caps", 4, Decimal("96.25")),
        LineItem("NW-SP15", "Track spotlight, 15 W, 36° beam", 18, Decimal("54.00")),
        LineItem("SVC-INST", "On-site installation support (hours)", 6, Decimal("85.00")),
    ),
    tax_rate=Decimal("0.101"),
    shipping=Decimal("120.00"),
)


# --- fonts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0


def _run(args: Sequence[str]) -> str:
    if shutil.which(args[0]) is None:
        return ""
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=20,
                              check=False).stdout
    except OSError:
        return ""


def find_latin_font(bold: bool = False) -> FontFile | None:
    """DejaVu Sans (fontconfig's best match when it is missing), or None without fc-match."""
    style = "Bold" if bold else "Book"
    out = _run(["fc-match", "-f", "%{file}|%{index}", f"DejaVu Sans:style={style}"])
    if "|" in out:
        path, index = out.rsplit("|", 1)
        if path and Path(path).is_file():
            return FontFile(path, int(index or 0))
    return None


def find_cjk_font(bold: bool = False) -> FontFile | None:
    """A font with Simplified Chinese coverage, preferring a sans-serif 'SC' face."""
    out = _run(["fc-list", ":lang=zh-cn", "--format", "%{file}|%{index}|%{family}|%{style}\n"])
    best: tuple[int, FontFile] | None = None
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) != 4 or not Path(parts[0]).is_file():
            continue
        path, index, family, style = parts
        score = 0
        score += 4 if "SC" in family.split(",")[0] else 0
        score += 2 if "Sans" in family and "Mono" not in family else 0
        score += 1 if ("Bold" in style) == bold else 0
        if best is None or score > best[0]:
            best = (score, FontFile(path, int(index or 0)))
    return best[1] if best else None


class Fonts:
    """Pillow fonts by role and size; says once when Chinese cannot be drawn properly."""

    def __init__(self) -> None:
        self.latin = find_latin_font(), find_latin_font(bold=True)
        self.cjk = find_cjk_font(), find_cjk_font(bold=True)
        self.cjk_missing = self.cjk[0] is None
        if self.cjk_missing:
            print("make_samples: no CJK font found (try `apt-get install fonts-noto-cjk`); "
                  "the Chinese text in screenshot-en-zh.png is drawn with a Latin font and "
                  "will show as boxes", file=sys.stderr)
        self._cache: dict[tuple[bool, bool, int], ImageFont.FreeTypeFont
                          | ImageFont.ImageFont] = {}

    def get(self, size: int, bold: bool = False, cjk: bool = False
            ) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        key = (bold, cjk, size)
        if key not in self._cache:
            choices = (self.cjk if cjk and not self.cjk_missing else self.latin)
            font = choices[1 if bold else 0] or choices[0]
            if font is None:
                self._cache[key] = ImageFont.load_default(size)
            else:
                self._cache[key] = ImageFont.truetype(font.path, size, index=font.index)
        return self._cache[key]


def has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


# --- PDF drawing helpers --------------------------------------------------------------------


REGULAR: Final = "helv"
BOLD: Final = "hebo"


class Page:
    """Thin wrapper over a PyMuPDF page: text at baseline positions, left or right aligned."""

    def __init__(self, page: pymupdf.Page) -> None:
        self.page = page

    def text(self, x: float, y: float, text: str, size: float = 9.5, bold: bool = False,
             color: tuple[float, float, float] = INK, align: str = "left") -> None:
        font = BOLD if bold else REGULAR
        if align != "left":
            width = pymupdf.get_text_length(text, fontname=font, fontsize=size)
            x -= width if align == "right" else width / 2
        self.page.insert_text((x, y), text, fontname=font, fontsize=size, color=color)

    def lines(self, x: float, y: float, lines: Sequence[str], size: float = 9.5,
              leading: float = 13.0, color: tuple[float, float, float] = INK) -> float:
        for i, line in enumerate(lines):
            self.text(x, y + i * leading, line, size, color=color)
        return y + len(lines) * leading

    def rule(self, x0: float, y: float, x1: float, color: tuple[float, float, float] = RULE,
             width: float = 0.75, dashes: str | None = None) -> None:
        self.page.draw_line((x0, y), (x1, y), color=color, width=width, dashes=dashes)

    def box(self, rect: pymupdf.Rect, fill: tuple[float, float, float],
            color: tuple[float, float, float] | None = None, radius: float | None = None) -> None:
        self.page.draw_rect(rect, color=color, fill=fill, width=0.75, radius=radius)

    def paragraph(self, rect: pymupdf.Rect, text: str, size: float = 8.0,
                  bold: bool = False, color: tuple[float, float, float] = INK) -> None:
        """Justified text in a box; refuses to lose words silently when it does not fit."""
        spare = self.page.insert_textbox(rect, text, fontname=BOLD if bold else REGULAR,
                                         fontsize=size, color=color,
                                         align=pymupdf.TEXT_ALIGN_JUSTIFY)
        if spare < 0:
            raise RuntimeError(f"text does not fit its box ({-spare:.0f} pt short): {text[:40]}…")


def logo(page: Page, x: float, y: float) -> None:
    """A small mark: a filled rounded square with a lamp-like arc. Drawn, not a file."""
    page.box(pymupdf.Rect(x, y, x + 34, y + 34), fill=ACCENT, radius=0.18)
    shape = page.page.new_shape()
    shape.draw_circle((x + 17, y + 19), 7.5)
    shape.finish(color=(1, 1, 1), fill=(1.0, 0.83, 0.35), width=1.4)
    shape.draw_line((x + 17, y + 5), (x + 17, y + 11.5))
    shape.finish(color=(1, 1, 1), width=1.6)
    shape.commit()


def footer(page: Page, number: int, total: int) -> None:
    page.rule(48, 800, A4.width - 48)
    page.text(48, 814, "Northwind Lighting Co.  ·  EIN 93-4417720  ·  "
                       "Registered in Oregon, USA", 7.5, color=MUTED)
    page.text(A4.width - 48, 814, f"Page {number} of {total}", 7.5, color=MUTED, align="right")


# --- invoice ---------------------------------------------------------------------------------


def invoice_page_1(page: Page, inv: Invoice) -> None:
    left, right = 48.0, A4.width - 48
    logo(page, left, 48)
    page.text(left + 44, 62, inv.vendor, 13, bold=True)
    page.lines(left + 44, 76, inv.vendor_address[:2], 8.5, 11, MUTED)

    page.text(right, 68, "INVOICE", 24, bold=True, color=ACCENT, align="right")
    meta = (("Invoice number", inv.number), ("Issue date", inv.issue_date),
            ("Due date", inv.due_date), ("PO number", inv.po_number),
            ("Currency", inv.currency))
    y = 90.0
    for label, value in meta:
        page.text(right - 110, y, label, 8.5, color=MUTED, align="right")
        page.text(right, y, value, 8.5, bold=True, align="right")
        y += 12.5

    y = 168.0
    page.rule(left, y, right)
    for x, title, block in ((left, "BILL TO", inv.bill_to), (left + 190, "SHIP TO", inv.ship_to)):
        page.text(x, y + 20, title, 7.5, bold=True, color=MUTED)
        page.lines(x, y + 34, block, 9, 12.5)
    page.text(left + 380, y + 20, "PAYMENT", 7.5, bold=True, color=MUTED)
    page.lines(left + 380, y + 34, ("Net 30, bank transfer", f"Reference: {inv.number}",
                                    "See page 2 for details"), 9, 12.5)

    # line items
    y = 262.0
    cols = (left + 8, left + 80, right - 170, right - 92, right - 8)  # sku, desc, qty, unit, amt
    page.box(pymupdf.Rect(left, y, right, y + 22), fill=ACCENT)
    white = (1.0, 1.0, 1.0)
    page.text(cols[0], y + 14.5, "ITEM", 8, bold=True, color=white)
    page.text(cols[1], y + 14.5, "DESCRIPTION", 8, bold=True, color=white)
    page.text(cols[2], y + 14.5, "QTY", 8, bold=True, color=white, align="right")
    page.text(cols[3], y + 14.5, "UNIT PRICE", 8, bold=True, color=white, align="right")
    page.text(cols[4], y + 14.5, "AMOUNT", 8, bold=True, color=white, align="right")
    y += 22
    row_h = 24.0
    for i, item in enumerate(inv.items):
        if i % 2:
            page.box(pymupdf.Rect(left, y, right, y + row_h), fill=BAND)
        base = y + 15.5
        page.text(cols[0], base, item.sku, 8.5, color=MUTED)
        page.text(cols[1], base, item.description, 9)
        page.text(cols[2], base, str(item.quantity), 9, align="right")
        page.text(cols[3], base, money(item.unit_price), 9, align="right")
        page.text(cols[4], base, money(item.amount), 9, align="right")
        y += row_h
    page.rule(left, y, right, color=INK, width=1)

    # totals
    y += 24
    label_x, value_x = right - 120, right - 8
    rows = (("Subtotal", money(inv.subtotal)),
            (f"Sales tax ({inv.tax_rate * 100:.1f}%)", money(inv.tax)),
            ("Shipping", money(inv.shipping)))
    for label, value in rows:
        page.text(label_x, y, label, 9, color=MUTED, align="right")
        page.text(value_x, y, value, 9, align="right")
        y += 16
    page.box(pymupdf.Rect(right - 230, y - 6, right, y + 22), fill=BAND, color=ACCENT)
    page.text(label_x, y + 12, f"Total due ({inv.currency})", 10.5, bold=True, align="right")
    page.text(value_x, y + 12, money(inv.total), 12, bold=True, color=ACCENT, align="right")

    # payment details and a note
    y += 56
    page.text(left, y, "PAYMENT DETAILS", 7.5, bold=True, color=MUTED)
    page.lines(left, y + 14, ("Bank: Columbia Pacific Bank, Portland OR",
                              "Account name: Northwind Lighting Co.",
                              "Account no.: 4471 0093 2218   ·   Routing (ABA): 123006800",
                              f"Please quote {inv.number} with your payment."), 9, 12.5)
    page.text(left + 300, y, "NOTES", 7.5, bold=True, color=MUTED)
    page.paragraph(pymupdf.Rect(left + 300, y + 5, right, y + 70),
                   "Goods remain the property of Northwind Lighting Co. until paid in full. "
                   "Late payments accrue interest at 1.5% per month. Thank you for your "
                   "business!", 8.5, color=INK)
    footer(page, 1, 2)


TERMS: Final = (
    ("1. Payment.", "Invoices are payable within thirty (30) days of the issue date by bank "
     "transfer to the account shown on page 1. Payments must quote the invoice number."),
    ("2. Late payment.", "Overdue amounts bear interest at 1.5% per month, or the highest "
     "rate permitted by law if lower, from the due date until paid in full."),
    ("3. Delivery.", "Risk passes to the buyer on delivery to the ship-to address. "
     "Shortages or visible damage must be reported in writing within five (5) business "
     "days of delivery."),
    ("4. Returns.", "Unused goods in their original packaging may be returned within "
     "thirty (30) days for a credit, less a 15% restocking fee. Custom lengths and "
     "installation services are not returnable."),
    ("5. Warranty.", "Luminaires and drivers carry a five-year limited warranty against "
     "defects in materials and workmanship when installed by a licensed electrician."),
    ("6. Disputes.", "Questions about this invoice should be sent to "
     "billing@northwind-lighting.example within fourteen (14) days of receipt."),
)


def invoice_page_2(page: Page, inv: Invoice) -> None:
    left, right = 48.0, A4.width - 48
    logo(page, left, 48)
    page.text(left + 44, 62, inv.vendor, 13, bold=True)
    page.text(left + 44, 76, f"Invoice {inv.number}  ·  Terms and remittance", 8.5, color=MUTED)
    page.text(left, 130, "Terms and conditions of sale", 14, bold=True)
    y = 150.0
    for title, body in TERMS:
        page.text(left, y + 10, title, 9, bold=True)
        page.paragraph(pymupdf.Rect(left + 80, y, right, y + 40), body, 9)
        y += 46

    # remittance slip below a dashed cut line
    y = 540.0
    page.rule(left, y, right, color=MUTED, dashes="[4 3] 0")
    page.text(A4.width / 2, y - 6, "Detach and return this part with your payment", 7.5,
              color=MUTED, align="center")
    page.text(left, y + 34, "REMITTANCE ADVICE", 12, bold=True, color=ACCENT)
    fields = (("Invoice number", inv.number), ("Customer", inv.bill_to[0]),
              ("Due date", inv.due_date), ("Amount due", f"{money(inv.total)} {inv.currency}"),
              ("Amount paid", ""), ("Payment date", ""))
    y += 58
    for label, value in fields:
        page.text(left, y, label, 9, color=MUTED)
        page.text(left + 120, y, value, 9.5, bold=True)
        page.rule(left + 120, y + 4, left + 330)
        y += 24
    page.box(pymupdf.Rect(right - 170, 590, right, 690), fill=BAND, color=RULE)
    page.lines(right - 160, 610, ("Send to:", inv.vendor, *inv.vendor_address[:2]), 8.5, 13)
    footer(page, 2, 2)


def make_invoice_pdf(inv: Invoice) -> bytes:
    doc = pymupdf.open()
    invoice_page_1(Page(doc.new_page(width=A4.width, height=A4.height)), inv)
    invoice_page_2(Page(doc.new_page(width=A4.width, height=A4.height)), inv)
    return _pdf_bytes(doc, f"Invoice {inv.number}")


def _pdf_bytes(doc: pymupdf.Document, title: str) -> bytes:
    """Saved with fixed metadata and no new file id, so re-running changes no byte."""
    doc.set_metadata({"title": title, "author": "BlueLM Desktop sample generator",
                      "creator": "make_samples.py", "producer": "PyMuPDF",
                      "creationDate": "D:20240312090000Z", "modDate": "D:20240312090000Z"})
    data = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
    doc.close()
    return bytes(data)


# --- contract --------------------------------------------------------------------------------


INTRO: Final = (
    "This Document Services Agreement (the \"Agreement\") is made on 18 March 2024 between "
    "Archway Records Management Inc., a Washington corporation with offices at 2200 Westlake "
    "Avenue, Seattle, WA 98121 (the \"Provider\"), and Bluefield Architecture LLC, 77 Cedar "
    "Avenue, Seattle, WA 98101 (the \"Client\"). The parties agree as follows:"
)
CLAUSES: Final = (
    ("1. Services.", "The Provider shall perform the document digitisation, indexing and "
     "quality-control services described in Schedule A (the \"Services\") in a professional "
     "and workmanlike manner, using personnel with the skills and experience reasonably "
     "required, and in accordance with the service levels set out in Schedule B."),
    ("2. Term.", "This Agreement commences on 1 April 2024 (the \"Effective Date\") and "
     "continues for an initial term of twenty-four (24) months. It renews automatically for "
     "successive twelve (12) month periods unless either party gives written notice of "
     "non-renewal at least ninety (90) days before the end of the then-current term."),
    ("3. Fees and payment.", "The Client shall pay the fees set out in Schedule C. The "
     "Provider shall invoice monthly in arrears; invoices are payable within thirty (30) "
     "days of receipt. Fees are exclusive of applicable taxes. Fees may be adjusted once "
     "per year by no more than the change in the Consumer Price Index over the preceding "
     "twelve months, on sixty (60) days' written notice."),
    ("4. Confidentiality.", "Each party shall keep confidential all information disclosed by "
     "the other that is marked confidential or would reasonably be understood to be "
     "confidential, shall use it only to perform this Agreement, and shall not disclose it "
     "except to its employees and advisers who need to know it and are bound by equivalent "
     "obligations. These obligations survive termination for five (5) years."),
    ("5. Data protection.", "The Provider shall process personal data contained in the "
     "Client's documents only on the Client's documented instructions, shall implement "
     "appropriate technical and organisational measures to protect it, and shall notify the "
     "Client without undue delay, and in any event within forty-eight (48) hours, after "
     "becoming aware of a personal data breach."),
    ("6. Intellectual property.", "All documents, images and metadata delivered to the Client "
     "under this Agreement are the property of the Client. The Provider retains ownership of "
     "its pre-existing tools and know-how and grants the Client a non-exclusive licence to use "
     "any such tools embedded in the deliverables."),
    ("7. Warranties.", "Each party warrants that it has full power and authority to enter "
     "into this Agreement. Except as expressly stated, no other warranties, express or "
     "implied, including warranties of merchantability or fitness for a particular purpose, "
     "are given."),
    ("8. Limitation of liability.", "Neither party shall be liable for any indirect, "
     "incidental or consequential loss. Each party's total liability arising out of or in "
     "connection with this Agreement in any contract year shall not exceed the fees paid or "
     "payable in that year, save for liability for breach of clauses 4 and 5, fraud, or death "
     "or personal injury caused by negligence, which is not limited."),
    ("9. Termination.", "Either party may terminate this Agreement with immediate effect by "
     "written notice if the other commits a material breach that is not remedied within "
     "thirty (30) days of notice requiring it to be remedied, or becomes insolvent. On "
     "termination the Provider shall return or securely destroy all Client materials."),
    ("10. Governing law.", "This Agreement is governed by the laws of the State of "
     "Washington. The parties submit to the exclusive jurisdiction of the state and federal "
     "courts located in King County, Washington."),
    ("11. Notices.", "Notices under this Agreement must be in writing and delivered by hand, "
     "by courier or by email with confirmation of receipt to the addresses in the preamble, "
     "or to such other address as a party notifies in writing. A notice is effective on "
     "receipt, or on the next business day if received after 5 p.m. local time."),
    ("12. Entire agreement.", "This Agreement, together with its Schedules, constitutes the "
     "entire agreement between the parties and supersedes all prior proposals, negotiations "
     "and understandings relating to its subject matter. No amendment is effective unless "
     "made in writing and signed by authorised representatives of both parties."),
)


def contract_page(page: Page) -> None:
    left, right = 56.0, A4.width - 56
    page.text(A4.width / 2, 70, "DOCUMENT SERVICES AGREEMENT", 15, bold=True, align="center")
    page.text(A4.width / 2, 86, "Agreement No. DSA-2024-031", 8.5, color=MUTED, align="center")
    # One HTML box for the body, so clause headings can be bold inside justified text.
    paragraphs = [f"<p class='intro'>{html.escape(INTRO)}</p>"] + [
        f"<p><b>{html.escape(title)}</b> {html.escape(body)}</p>" for title, body in CLAUSES
    ]
    css = ("* {font-family: sans-serif; font-size: 8pt; line-height: 1.3; color: #21262f;"
           " text-align: justify;} p {margin: 0 0 5pt 0;} p.intro {font-size: 8.5pt;"
           " margin-bottom: 9pt;}")
    body = pymupdf.Rect(left, 104, right, 690)
    spare, scale = page.page.insert_htmlbox(body, "".join(paragraphs), css=css, scale_low=1)
    if spare < 0 or scale != 1:
        raise RuntimeError("the contract's clauses do not fit the page")
    # signature blocks
    y = 712.0
    for x, party, name, role in ((left, "provider", "Dana K. Whitfield",
                                  "Chief Operating Officer"),
                                 (left + 250, "client", "Marcus Lee", "Managing Partner")):
        page.text(x, y, f"Signed for the {party}:", 8, color=MUTED)
        page.rule(x, y + 28, x + 200, color=INK)
        page.text(x, y + 40, name, 8.5, bold=True)
        page.text(x, y + 51, role, 8, color=MUTED)
        page.text(x, y + 65, "Date: ____________________", 8, color=MUTED)
    page.rule(48, 800, A4.width - 48)
    page.text(48, 814, "DSA-2024-031  ·  Confidential", 7.5, color=MUTED)
    page.text(A4.width - 48, 814, "Page 1 of 4  ·  Initials: ______ / ______", 7.5,
              color=MUTED, align="right")


def make_contract_pdf() -> bytes:
    doc = pymupdf.open()
    contract_page(Page(doc.new_page(width=A4.width, height=A4.height)))
    return _pdf_bytes(doc, "Document Services Agreement DSA-2024-031")


# --- rendering to PNG ------------------------------------------------------------------------


def render_png(pdf: bytes, page: int = 0, dpi: int = DPI) -> bytes:
    """A page as a PNG, palettised: text on paper needs few colours, and a 256-colour
    PNG of an A4 page is a third of the RGB one with no visible difference."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        pix = doc[page].get_pixmap(dpi=dpi, alpha=False)
        image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    return png_bytes(image, dpi)


def png_bytes(image: Image.Image, dpi: int | None = None, colors: int = 256) -> bytes:
    quantized = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=0)
    out = io.BytesIO()
    extra = {"dpi": (dpi, dpi)} if dpi else {}
    quantized.save(out, "PNG", optimize=True, **extra)
    return out.getvalue()


# --- the app screenshot ---------------------------------------------------------------------


RGB = tuple[int, int, int]
WINDOW_BG: Final[RGB] = (245, 246, 248)
SIDEBAR_BG: Final[RGB] = (232, 235, 240)
TEXT: Final[RGB] = (33, 37, 41)
SUBTLE: Final[RGB] = (110, 117, 128)
BLUE: Final[RGB] = (34, 102, 204)
BUBBLE_ME: Final[RGB] = (149, 222, 120)
WHITE: Final[RGB] = (255, 255, 255)


class Canvas:
    """Pillow drawing with font choice per string (CJK font only where CJK appears)."""

    def __init__(self, size: tuple[int, int], fonts: Fonts) -> None:
        self.image = Image.new("RGB", size, WINDOW_BG)
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = fonts

    def font(self, text: str, size: int, bold: bool = False
             ) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return self.fonts.get(size, bold, cjk=has_cjk(text))

    def text(self, xy: tuple[float, float], text: str, size: int = 15, fill: RGB = TEXT,
             bold: bool = False, anchor: str = "la") -> None:
        self.draw.text(xy, text, font=self.font(text, size, bold), fill=fill, anchor=anchor)

    def width(self, text: str, size: int, bold: bool = False) -> float:
        return self.draw.textlength(text, font=self.font(text, size, bold))

    def wrap(self, text: str, size: int, max_width: float) -> list[str]:
        """Greedy wrapping that breaks between words, or between any two CJK characters."""
        lines: list[str] = []
        current = ""
        tokens: list[str] = []
        word = ""
        for ch in text:
            if has_cjk(ch) or ch == " ":
                if word:
                    tokens.append(word)
                    word = ""
                tokens.append(ch)
            else:
                word += ch
        if word:
            tokens.append(word)
        for token in tokens:
            trial = current + token
            if current and self.width(trial, size) > max_width:
                lines.append(current.rstrip())
                current = token.lstrip()
            else:
                current = trial
        if current:
            lines.append(current.rstrip())
        return lines

    def avatar(self, center: tuple[int, int], radius: int, color: RGB, label: str) -> None:
        x, y = center
        self.draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)
        self.text((x, y), label, int(radius * 0.9), WHITE, bold=True, anchor="mm")


@dataclass(frozen=True)
class Message:
    mine: bool
    author: str
    time: str
    text: str


CHAT: Final = (
    Message(False, "王芳 Wang Fang", "09:41",
            "早上好！明天下午三点在 3 号会议室开项目评审会，请提前准备第三季度报告。"),
    Message(True, "Me", "09:43",
            "Good morning! Sure — I'll send the Q3 report by noon tomorrow."),
    Message(False, "王芳 Wang Fang", "09:44",
            "好的，谢谢。另外，供应商的发票 INV-2024-0417 还没有付款，请财务部确认一下截止日期。"),
    Message(True, "Me", "09:46",
            "The due date is April 11. I've asked finance to process it this week."),
    Message(False, "王芳 Wang Fang", "09:47",
            "太好了。会后我们一起去吃午饭吧！"),
)

CONTACTS: Final = (
    ("王芳 Wang Fang", "太好了。会后我们一起去吃午饭吧", "09:47", (226, 94, 84), "王"),
    ("Project Pier 57", "Marcus: drawings v3 uploaded", "09:12", (63, 140, 199), "P"),
    ("财务部 Finance", "发票已开具，请查收。", "昨天", (70, 160, 110), "财"),
    ("David Chen 陈大卫", "Let's move the call to Friday.", "昨天", (150, 110, 190), "D"),
    ("设计组 Design team", "李明: 新的灯具样品到了", "周一", (230, 150, 60), "设"),
    ("IT Helpdesk", "Your ticket #4471 was resolved.", "3/8", (120, 128, 140), "IT"),
)


def make_screenshot(fonts: Fonts, size: tuple[int, int] = (1280, 800)) -> Image.Image:
    """A chat app window as it would be captured: title bar, contacts, conversation, composer."""
    w, h = size
    c = Canvas(size, fonts)
    d = c.draw
    # title bar
    d.rectangle((0, 0, w, 38), fill=(222, 225, 230))
    for i, color in enumerate(((237, 106, 94), (245, 191, 79), (98, 197, 84))):
        d.ellipse((14 + i * 22, 12, 28 + i * 22, 26), fill=color)
    c.text((w / 2, 19), "Teamline — 王芳 Wang Fang", 14, SUBTLE, anchor="mm")
    d.line((0, 38, w, 38), fill=(200, 204, 210))

    # sidebar
    side = 330
    d.rectangle((0, 39, side, h), fill=SIDEBAR_BG)
    d.rounded_rectangle((16, 54, side - 16, 88), radius=8, fill=WHITE)
    c.text((32, 71), "搜索 Search", 14, SUBTLE, anchor="lm")
    y = 104
    for i, (name, preview, when, color, initial) in enumerate(CONTACTS):
        if i == 0:
            d.rectangle((0, y - 6, side, y + 62), fill=(210, 216, 226))
        c.avatar((44, y + 28), 22, color, initial)
        c.text((78, y + 8), name, 15, TEXT, bold=True)
        c.text((side - 16, y + 10), when, 12, SUBTLE, anchor="ra")
        c.text((78, y + 34), preview, 13, SUBTLE)
        y += 68
    d.line((side, 39, side, h), fill=(200, 204, 210))

    # conversation header
    x0 = side + 1
    d.rectangle((x0, 39, w, 96), fill=WHITE)
    c.text((x0 + 24, 56), "王芳 Wang Fang", 18, TEXT, bold=True)
    c.text((x0 + 24, 80), "采购经理 · Procurement Manager · 在线 Online", 13, SUBTLE)
    d.line((x0, 96, w, 96), fill=(220, 223, 228))

    # messages
    y = 118
    c.text(((x0 + w) / 2, y), "今天 Today", 12, SUBTLE, anchor="mm")
    y += 22
    max_bubble = 520
    for msg in CHAT:
        lines = c.wrap(msg.text, 16, max_bubble - 32)
        line_h = 24
        bubble_w = max(c.width(line, 16) for line in lines) + 32
        bubble_h = len(lines) * line_h + 16
        if msg.mine:
            bx1 = w - 80
            bx0 = bx1 - bubble_w
            c.avatar((w - 44, y + 20), 20, (90, 110, 140), "我")
        else:
            bx0 = x0 + 80
            bx1 = bx0 + bubble_w
            c.avatar((x0 + 44, y + 20), 20, (226, 94, 84), "王")
        c.text((bx0 if not msg.mine else bx1, y), msg.time, 11, SUBTLE,
               anchor="la" if not msg.mine else "ra")
        top = y + 18
        d.rounded_rectangle((bx0, top, bx1, top + bubble_h), radius=10,
                            fill=BUBBLE_ME if msg.mine else WHITE,
                            outline=None if msg.mine else (226, 228, 232))
        for i, line in enumerate(lines):
            c.text((bx0 + 16, top + 8 + i * line_h), line, 16, TEXT)
        y = top + bubble_h + 14

    # a shared file card
    card = (x0 + 80, y + 6, x0 + 80 + 360, y + 78)
    d.rounded_rectangle(card, radius=10, fill=WHITE, outline=(226, 228, 232))
    d.rounded_rectangle((card[0] + 14, card[1] + 14, card[0] + 58, card[1] + 58), radius=6,
                        fill=(220, 60, 50))
    c.text((card[0] + 36, card[1] + 36), "PDF", 13, WHITE, bold=True, anchor="mm")
    c.text((card[0] + 72, card[1] + 16), "第三季度报告_Q3-report.pdf", 15, TEXT, bold=True)
    c.text((card[0] + 72, card[1] + 42), "2.4 MB · 点击下载 Click to download", 13, SUBTLE)

    # composer
    d.rectangle((x0, h - 110, w, h), fill=WHITE)
    d.line((x0, h - 110, w, h - 110), fill=(220, 223, 228))
    for i, label in enumerate(("表情", "文件", "截图")):
        c.text((x0 + 24 + i * 56, h - 96), label, 13, SUBTLE)
    c.text((x0 + 24, h - 64), "输入消息… Type a message", 16, (160, 166, 175))
    d.rounded_rectangle((w - 130, h - 50, w - 24, h - 16), radius=6, fill=BLUE)
    c.text((w - 77, h - 33), "发送 Send", 14, WHITE, bold=True, anchor="mm")
    return c.image


# --- main ------------------------------------------------------------------------------------


def write(path: Path, data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise SystemExit(f"make_samples: {path.name} is {len(data):,} bytes, over the "
                         f"{MAX_BYTES:,}-byte limit for samples")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a half-written sample never reaches a test
    print(f"make_samples: wrote {path} ({len(data) / 1024:.0f} KiB)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    invoice_pdf = make_invoice_pdf(INVOICE)
    write(out / "invoice.pdf", invoice_pdf)
    write(out / "invoice.png", render_png(invoice_pdf))
    write(out / "contract.png", render_png(make_contract_pdf()))
    fonts = Fonts()
    write(out / "screenshot-en-zh.png", png_bytes(make_screenshot(fonts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
