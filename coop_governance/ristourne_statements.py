"""A member's ristourne statement (PDF, Letter size) and the board's CSV of a year's
allocations. The statement says what the members adopted for that member: the year,
the eligible purchases, the ristourne and how it is paid, and the rule that shared it."""

import csv
import io
from collections.abc import Iterator

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from coop_governance.models import RistourneAllocation, RistourneComputation
from core.templatetags.qc import date_qc, money_format

CSV_COLUMNS = (
    "member_number",
    "category",
    "eligible_purchases",
    "ristourne",
    "cash",
    "preferred_shares",
)


def member_name(allocation: RistourneAllocation) -> str:
    """The member as the register names it: the person's full name, or the store's."""
    member = allocation.member
    if member.store_id is not None:
        return member.store.legal_name or member.store.name
    return member.person.get_full_name()


def statement_pdf(allocation: RistourneAllocation, language: str = "fr") -> bytes:
    """The statement of one allocation, in `language` (fr or en)."""
    computation = allocation.computation
    year = allocation.fiscal_year
    with translation.override(language):
        money = lambda amount: money_format(amount, language)  # noqa: E731
        title = _("Ristourne statement, fiscal year %(year)s") % {"year": year}
        rows = [
            (_("Member"), f"#{allocation.member.number} · {member_name(allocation)}"),
            (_("Category"), str(allocation.member.get_category_display())),
            (
                _("Fiscal year"),
                _("from %(start)s to %(end)s")
                % {"start": date_qc(year.starts_on), "end": date_qc(year.ends_on)},
            ),
            (_("Your eligible purchases"), money(allocation.purchases)),
            (_("All members’ eligible purchases"), money(computation.member_purchases)),
            (_("Ristournes adopted for all members"), money(computation.distributable)),
            (_("Your ristourne"), money(allocation.amount)),
            (_("Paid in cash"), money(allocation.cash)),
            (_("Paid in preferred shares"), money(allocation.shares)),
        ]
        adopted = computation.motion.closed_at if computation.motion_id else None
        notes = [
            _(
                "Eligible purchases: goods before taxes bought on the marketplace and paid "
                "during the fiscal year while you were a member, less refunds."
            ),
            _(
                "Your ristourne is the amount adopted in proportion to your purchases, to the "
                "cent; the cents left over go to the largest remainders (Cooperatives Act, "
                "s. 143)."
            ),
        ]
        if adopted is not None:
            notes.append(
                _("Adopted by the members on %(date)s.") % {"date": date_qc(adopted.date())}
            )
        return statement_draw(title, rows, notes, author=_("Uniqc Coop"))


def _pdf_text(text: str) -> str:
    """Text for the PDF's standard fonts (WinAnsi): they have the no-break space, not the
    narrow one French puts before ; ! ?."""
    return text.replace("\u202f", "\u00a0")


def statement_draw(
    title: str, rows: list[tuple[str, str]], notes: list[str], *, author: str
) -> bytes:
    title, author = _pdf_text(title), _pdf_text(author)
    rows = [(_pdf_text(label), _pdf_text(value)) for label, value in rows]
    notes = [_pdf_text(note) for note in notes]
    buffer = io.BytesIO()
    width, height = LETTER
    canvas = Canvas(buffer, pagesize=LETTER, invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    margin = 20 * mm
    y = height - margin
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(margin, y, author)
    y -= 12 * mm
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(margin, y, title)
    y -= 6 * mm
    canvas.line(margin, y, width - margin, y)
    y -= 10 * mm
    for label, value in rows:
        canvas.setFont("Helvetica", 11)
        canvas.drawString(margin, y, label)
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawRightString(width - margin, y, value)
        y -= 8 * mm
    y -= 6 * mm
    canvas.setFont("Helvetica", 9)
    for note in notes:
        for line in _wrapped(canvas, note, width - 2 * margin):
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


def allocations_csv(computation: RistourneComputation) -> bytes:
    """The year's allocations for the board: UTF-8 with a byte order mark, CRLF, a header
    of CSV_COLUMNS, one line per member by number, amounts with a point and two decimals
    (as a spreadsheet reads them in any language)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    allocations = (
        RistourneAllocation.objects.filter(computation=computation)
        .select_related("member")
        .order_by("member__number")
        .values_list("member__number", "member__category", "purchases", "amount", "cash", "shares")
        .iterator(chunk_size=5000)
    )
    for number, category, purchases, amount, cash, shares in allocations:
        writer.writerow(
            [number, category, f"{purchases:.2f}", f"{amount:.2f}", f"{cash:.2f}", f"{shares:.2f}"]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
