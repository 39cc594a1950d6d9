"""The minutes of an assembly, built from its record alone (never typed by hand): the
assembly, the by-laws it was held under, the attendance register with names and times,
and each point of the agenda with its motion's text, count and outcome; exported as PDF
(ReportLab, as the locker labels are)."""

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from coop_governance.assemblies import Quorum, assembly_quorum
from coop_governance.models import AgendaItem, Assembly, AttendanceSignature, MotionStatus
from coop_governance.votes import MotionCount, motion_count


@dataclass(frozen=True)
class RegisterLine:
    number: int
    name: str
    signed_at: Any
    remote: bool


@dataclass(frozen=True)
class MinutesPoint:
    item: AgendaItem
    count: MotionCount | None
    adopted: bool | None


@dataclass(frozen=True)
class Minutes:
    assembly: Assembly
    quorum: Quorum
    register: list[RegisterLine]
    points: list[MinutesPoint]


def _member_name(signature: AttendanceSignature) -> str:
    member = signature.member
    if member.store_id is not None:
        signer = signature.signed_by
        return f"{member.store.name} ({signer.given_name} {signer.family_name})"
    return f"{member.person.given_name} {member.person.family_name}"


def assembly_minutes(assembly: Assembly) -> Minutes:
    """The record of the assembly, in the order the minutes give it."""
    signatures = (
        AttendanceSignature.objects.filter(assembly=assembly)
        .select_related("member__person", "member__store", "signed_by")
        .order_by("signed_at", "pk")
    )
    register = [
        RegisterLine(
            number=signature.member.number,
            name=_member_name(signature),
            signed_at=signature.signed_at,
            remote=signature.remote,
        )
        for signature in signatures
    ]
    points = []
    for item in assembly.agenda.select_related("motion").order_by("position"):
        motion = item.motion
        if motion is None or motion.status != MotionStatus.CLOSED:
            points.append(MinutesPoint(item=item, count=None, adopted=None))
        else:
            points.append(
                MinutesPoint(item=item, count=motion_count(motion), adopted=motion.adopted)
            )
    return Minutes(
        assembly=assembly, quorum=assembly_quorum(assembly), register=register, points=points
    )


def _when(value: Any) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _pdf_text(text: str) -> str:
    """Text for ReportLab's standard fonts (WinAnsi): the narrow no-break space French
    typography puts before ; : ! ? is not among its glyphs; the no-break space is."""
    return escape(str(text).replace("\u202f", "\u00a0"))


def minutes_pdf(assembly: Assembly) -> bytes:
    """The minutes as a Letter-size PDF, in the active language."""
    minutes = assembly_minutes(assembly)
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(_pdf_text(text), style)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=(_("Minutes: %(title)s") % {"title": assembly.title}).replace("\u202f", "\u00a0"),
        author="Uniqc Coop",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        invariant=True,
    )
    story: list[Any] = [
        para(_("Minutes: %(title)s") % {"title": assembly.title}, styles["Title"]),
        para(
            _("%(kind)s held on %(when)s under version %(version)s of the by-laws.")
            % {
                "kind": assembly.get_kind_display(),
                "when": _when(assembly.opened_at or assembly.starts_at),
                "version": assembly.bylaws.version,
            }
        ),
    ]
    if assembly.place:
        story.append(para(_("Place: %(place)s") % {"place": assembly.place}))
    if assembly.video_url:
        story.append(para(_("Video room: %(url)s") % {"url": assembly.video_url}))
    if assembly.closed_at:
        story.append(para(_("Closed on %(when)s.") % {"when": _when(assembly.closed_at)}))
    story.append(
        para(
            _("Members present: %(present)s; quorum: %(required)s (%(state)s).")
            % {
                "present": minutes.quorum.present,
                "required": minutes.quorum.required,
                "state": _("reached") if minutes.quorum.met else _("not reached"),
            }
        )
    )
    story += [Spacer(1, 4 * mm), para(_("Attendance register"), styles["Heading2"])]
    rows = [[para(_("No."), small), para(_("Member"), small), para(_("Signed at"), small)]]
    for line in minutes.register:
        where = _("remote") if line.remote else _("in the room")
        rows.append(
            [
                para(str(line.number), small),
                para(line.name, small),
                para(f"{_when(line.signed_at)} ({where})", small),
            ]
        )
    if len(rows) == 1:
        story.append(para(_("Nobody signed the register.")))
    else:
        table = Table(rows, colWidths=[18 * mm, 90 * mm, 66 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    story += [Spacer(1, 4 * mm), para(_("Agenda and resolutions"), styles["Heading2"])]
    for point in minutes.points:
        item = point.item
        story.append(para(f"{item.position}. {item.title}", styles["Heading3"]))
        if item.body:
            story.append(para(item.body))
        if item.motion is None:
            continue
        story.append(
            para(
                _("Resolution: %(title)s (%(majority)s)")
                % {"title": item.motion.title, "majority": item.motion.get_majority_display()}
            )
        )
        if item.motion.text and item.motion.text != item.body:
            story.append(para(item.motion.text))
        if point.count is None:
            story.append(para(_("Not put to the vote.")))
            continue
        story.append(
            para(
                _("For: %(for)s; against: %(against)s; abstentions: %(abstain)s.")
                % {
                    "for": point.count.votes_for,
                    "against": point.count.votes_against,
                    "abstain": point.count.votes_abstain,
                }
            )
        )
        story.append(para(_("Adopted.") if point.adopted else _("Not adopted.")))
    story += [
        Spacer(1, 6 * mm),
        para(
            _("Minutes generated from the coop’s record on %(when)s")
            % {"when": _when(timezone.now())},
            small,
        ),
    ]
    document.build(story)
    return buffer.getvalue()
