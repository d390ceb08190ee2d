"""Generated whole documents for the text-layer-first tests: a born-digital contract with
known clauses on known pages, the same pages as a scan (images only, no text layer), and
a mixed one (text pages, one of them signed and stamped in ink the text layer lacks).

Made with PyMuPDF, as a word processor's PDF export would be: real text objects in a
standard font, ruled headings, page numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pymupdf

PAGE: Final = pymupdf.paper_rect("a4")
# page (1-based) → a clause we can look for: (title, sentence holding the value)
CLAUSES: Final = {
    1: ("Parties", "This Services Agreement is made between Northwind Lighting Co. "
                   "(the Supplier) and Bluefield Architecture LLC (the Client)."),
    2: ("Term", "The Agreement starts on 1 March 2024 and runs for an initial term of "
                "twenty-four (24) months."),
    3: ("Renewal", "The Agreement renews automatically for successive periods of twelve "
                   "(12) months unless either party gives notice."),
    4: ("Notice period", "Either party may terminate the Agreement by giving ninety (90) "
                         "days' written notice to the other party."),
    5: ("Fees", "The Client shall pay a monthly fee of USD 4,850.00, invoiced on the "
                "first business day of each month."),
    6: ("Late payment", "Amounts unpaid after thirty (30) days bear interest at 1.5 % "
                        "per month."),
    7: ("Liability", "The Supplier's total liability is capped at USD 116,400.00, the "
                     "fees of the initial term."),
    8: ("Confidentiality", "Each party keeps the other's confidential information secret "
                           "for five (5) years after the Agreement ends."),
    9: ("Governing law", "This Agreement is governed by the laws of the State of "
                         "Washington."),
    10: ("Signatures", "Signed for the Supplier by Dana Whitfield, Director, and for the "
                       "Client by Omar Reyes, Managing Partner."),
}
FILLER: Final = ("The parties agree that this clause is to be read together with the "
                 "definitions in the schedule, and that headings are for convenience "
                 "only. ")


def contract_pdf(path: Path, pages: int = 10, filler_sentences: int = 3) -> Path:
    """A born-digital contract, one clause per page (CLAUSES)."""
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        page = doc.new_page(width=PAGE.width, height=PAGE.height)
        title, sentence = CLAUSES[(number - 1) % len(CLAUSES) + 1]
        page.insert_text((72, 80), "SERVICES AGREEMENT", fontsize=9, fontname="helv")
        page.draw_line((72, 88), (PAGE.width - 72, 88), width=0.8)
        page.insert_text((72, 130), f"{number}. {title}", fontsize=16, fontname="hebo")
        body = f"{number}.1 {sentence} " + FILLER * filler_sentences
        page.insert_textbox(pymupdf.Rect(72, 150, PAGE.width - 72, 520), body,
                            fontsize=11, fontname="helv")
        page.insert_text((PAGE.width / 2 - 20, PAGE.height - 40), f"Page {number} of {pages}",
                         fontsize=9, fontname="helv")
    doc.save(path)
    doc.close()
    return path


def scanned_pdf(source: Path, path: Path, dpi: int = 150) -> Path:
    """`source`'s pages as images only: what a scanner makes (no text layer)."""
    src = pymupdf.open(source)
    doc = pymupdf.open()
    for page in src:
        pix = page.get_pixmap(dpi=dpi)
        new = doc.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, pixmap=pix)
    doc.save(path)
    doc.close()
    src.close()
    return path


def signed_pdf(source: Path, path: Path, page: int) -> Path:
    """`source` with a handwritten signature and a round stamp drawn on page `page`
    (1-based): ink that is not text."""
    doc = pymupdf.open(source)
    p = doc[page - 1]
    shape = p.new_shape()
    x, y = 90.0, 600.0
    points = [(x + i * 6, y + (18 if i % 2 else -14) + i * 0.8) for i in range(40)]
    shape.draw_polyline(points)
    shape.finish(color=(0.05, 0.1, 0.45), width=2.2)
    shape.draw_circle((430, 640), 58)
    shape.finish(color=(0.6, 0.05, 0.05), width=5)
    shape.draw_circle((430, 640), 40)
    shape.finish(color=(0.6, 0.05, 0.05), width=3)
    for k in range(6):
        shape.draw_line((395, 615 + k * 10), (465, 625 + k * 8))
    shape.finish(color=(0.6, 0.05, 0.05), width=3)
    shape.commit()
    doc.save(path)
    doc.close()
    return path
