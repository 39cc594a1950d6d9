"""The receipt of a paid payable (PDF, Letter size), deposited in the payer's vault: who
was paid, for what, how much, when, and why no sales tax is on it."""

import io
from collections.abc import Iterator

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from civic.models import Payable
from core.templatetags.qc import date_qc, datetime_qc, money_format


def payable_receipt_title(payable: Payable) -> str:
    return _("Receipt %(reference)s") % {"reference": payable.reference}


def payable_receipt_pdf(payable: Payable, language: str = "fr") -> bytes:
    """The receipt of a paid payable, in `language` (fr or en)."""
    with translation.override(language):
        description = payable.description_fr if language == "fr" else payable.description_en
        rows = [
            (_("Paid to"), payable.client.name),
            (_("Reference"), payable.reference),
            (_("For"), str(payable.get_kind_display())),
            (_("Description"), description),
            (_("Amount paid"), money_format(payable.amount, language)),
            (_("Sales taxes (GST, QST)"), money_format(0, language)),
            (_("Paid on"), datetime_qc(payable.paid_at)),
            (_("Paid by"), payable.paid_by.get_full_name() or payable.paid_by.email),
            (_("Payment"), payable.charge_id or payable.intent_id),
        ]
        if payable.due_date:
            rows.insert(4, (_("Due on"), date_qc(payable.due_date)))
        notes = [
            _(
                "A municipal fine or fee is not a taxable supply: no GST or QST is charged. "
                "The whole amount goes to %(payee)s; the coop keeps no fee."
            )
            % {"payee": payable.client.name},
            _("Paid through Uniqc Coop. Keep this receipt: it is in your safe for six years."),
        ]
        if payable.is_test:
            notes.insert(0, _("Test payment — no money was taken."))
        return _draw(
            payable_receipt_title(payable),
            rows,
            notes,
            author=_("Uniqc Coop"),
        )


def _pdf_text(text: str) -> str:
    """Text for the PDF's standard fonts (WinAnsi): no narrow no-break space there."""
    return text.replace("\u202f", "\u00a0")


def _draw(title: str, rows: list[tuple[str, str]], notes: list[str], *, author: str) -> bytes:
    buffer = io.BytesIO()
    width, height = LETTER
    canvas = Canvas(buffer, pagesize=LETTER, invariant=True)
    canvas.setTitle(_pdf_text(title))
    canvas.setAuthor(_pdf_text(author))
    margin = 20 * mm
    y = height - margin
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(margin, y, _pdf_text(author))
    y -= 12 * mm
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(margin, y, _pdf_text(title))
    y -= 6 * mm
    canvas.line(margin, y, width - margin, y)
    y -= 10 * mm
    for label, value in rows:
        canvas.setFont("Helvetica", 11)
        canvas.drawString(margin, y, _pdf_text(label))
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawRightString(width - margin, y, _pdf_text(value)[:70])
        y -= 8 * mm
    y -= 6 * mm
    canvas.setFont("Helvetica", 9)
    for note in notes:
        for line in _wrapped(canvas, _pdf_text(note), width - 2 * margin):
            canvas.drawString(margin, y, line)
            y -= 5 * mm
        y -= 2 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrapped(canvas: Canvas, text: str, width: float) -> Iterator[str]:
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and canvas.stringWidth(candidate, "Helvetica", 9) > width:
            yield line
            line = word
        else:
            line = candidate
    if line:
        yield line
