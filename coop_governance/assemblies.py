"""Assemblies of the members: calling one with the by-laws' notice, its agenda and documents,
the notice mailed to every active member, the attendance register and its quorum, and the
chair's acts in session (opening, putting motions to the vote, closing).

Quorum rule (README, governance section): a number of members, or a share of the active
members. The share is counted on the active members when the chair opens the assembly, and
that figure is kept on the assembly (`quorum_required`): the bar does not move while the
assembly sits, whoever joins or is suspended meanwhile. Before the opening the page shows the
figure it would be now. The members present are those who signed the register, counted live.
Motions are put to the vote only while the quorum is reached.
"""

import datetime
import math
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from coop_governance.errors import (
    AssemblyStateRefused,
    AssuranceTooLow,
    DocumentRefused,
    MotionStateRefused,
    NoticeTooShort,
    QuorumNotMet,
    RegisterClosed,
    VideoRoomMissing,
)
from coop_governance.lock_objects import member_lock
from coop_governance.models import (
    AgendaDocument,
    AgendaItem,
    Assembly,
    AssemblyKind,
    AssemblyStatus,
    AttendanceSignature,
    Bylaws,
    Majority,
    Member,
    Motion,
    MotionStatus,
    QuorumRule,
)
from coop_governance.selectors import access_board, access_member_acting, bylaws_in_force
from core.enqueue import enqueue_on_commit
from identity.assurance import level_satisfies
from identity.audit import audit_record

# The register opens this long before the assembly starts, for the members arriving.
REGISTER_OPENS_BEFORE = datetime.timedelta(hours=1)
# An agenda document: a PDF of at most this size (or a link to a document kept elsewhere).
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class Quorum:
    """The members present (signatures in the register) against the quorum required."""

    present: int
    required: int

    @property
    def met(self) -> bool:
        return self.present >= self.required

    @property
    def missing(self) -> int:
        return max(self.required - self.present, 0)


def quorum_required_under(bylaws: Bylaws, *, active_members: int) -> int:
    """The members present the by-laws ask for: their number, or their share of the active
    members rounded up (and at least one)."""
    if bylaws.quorum_rule == QuorumRule.COUNT:
        return bylaws.quorum_count
    share = Decimal(active_members) * bylaws.quorum_percent / Decimal(100)
    return max(math.ceil(share), 1)


def _active_members() -> int:
    from coop_governance.selectors import active_members_count

    return active_members_count()


def assembly_quorum(assembly: Assembly) -> Quorum:
    """The quorum now: one COUNT of the register, and the figure fixed at the opening (or
    the one the by-laws would give now, before it)."""
    present = AttendanceSignature.objects.filter(assembly_id=assembly.pk).count()
    required = assembly.quorum_required
    if required is None:
        required = quorum_required_under(assembly.bylaws, active_members=_active_members())
    return Quorum(present=present, required=required)


def notice_is_long_enough(bylaws: Bylaws, *, starts_at: datetime.datetime, at: Any = None) -> bool:
    """True when `starts_at` is at least the by-laws' notice days after `at` (now)."""
    return starts_at - (at or timezone.now()) >= datetime.timedelta(days=bylaws.notice_days)


def video_room_url() -> str:
    """A new room in the coop's video service (COOP_VIDEO_ROOM_URL), with a name nobody
    guesses."""
    base = settings.COOP_VIDEO_ROOM_URL
    if not base:
        raise VideoRoomMissing()
    return f"{base.rstrip('/')}/ag-{secrets.token_urlsafe(12)}"


@transaction.atomic
def assembly_call(
    *,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    place: str,
    video_room: bool,
    acting_user: Any,
) -> Assembly:
    """The board calls an assembly under the by-laws in force now, which it keeps. Refused
    with NoticeTooShort when it starts within the by-laws' notice days."""
    access_board(acting_user)
    if kind not in AssemblyKind.values:
        raise ValueError(f"unknown assembly kind {kind!r}")
    bylaws = bylaws_in_force()
    now = timezone.now()
    if not notice_is_long_enough(bylaws, starts_at=starts_at, at=now):
        raise NoticeTooShort()
    assembly = Assembly(
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        place=place.strip(),
        video_url=video_room_url() if video_room else "",
        bylaws=bylaws,
        status=AssemblyStatus.CALLED,
        called_at=now,
        called_by=acting_user,
    )
    assembly.full_clean()
    assembly.save()
    audit_record(
        acting_user=acting_user,
        action="assembly_call",
        target=assembly,
        detail={"bylaws": bylaws.version, "starts_at": starts_at.isoformat()},
    )
    return assembly


def _agenda_open(assembly: Assembly) -> Assembly:
    """The assembly, re-read, if its agenda can still change: called, notice not sent (a
    changed agenda would need a new notice)."""
    assembly = Assembly.objects.select_related("bylaws").get(pk=assembly.pk)
    if assembly.status != AssemblyStatus.CALLED or assembly.notice_sent_at is not None:
        raise AssemblyStateRefused()
    return assembly


@transaction.atomic
def agenda_item_add(
    *,
    assembly: Assembly,
    title: str,
    body: str = "",
    resolution: str = "",
    acting_user: Any,
) -> AgendaItem:
    """Add a point at the end of the agenda; with `resolution` (simple or special) it
    carries a motion under the assembly's by-laws."""
    access_board(acting_user)
    assembly = _agenda_open(assembly)
    if resolution and resolution not in Majority.values:
        raise ValueError(f"unknown majority {resolution!r}")
    motion = None
    if resolution:
        motion = Motion(
            title=title.strip(),
            text=body.strip(),
            majority=resolution,
            bylaws=assembly.bylaws,
            assembly=assembly,
            created_by=acting_user,
        )
        motion.full_clean()
        motion.save()
    position = (assembly.agenda.aggregate(top=Max("position"))["top"] or 0) + 1
    item = AgendaItem(
        assembly=assembly, position=position, title=title.strip(), body=body.strip(), motion=motion
    )
    item.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as error:  # two board members adding at once: the second retries
        raise AssemblyStateRefused() from error
    audit_record(
        acting_user=acting_user,
        action="agenda_item_add",
        target=assembly,
        detail={"position": position, "title": item.title, "resolution": resolution},
    )
    return item


def document_upload_check(upload: UploadedFile) -> None:
    """A document the notice may carry: a PDF (by its first bytes, not its name) of at
    most DOCUMENT_MAX_BYTES."""
    if not upload.size or upload.size > DOCUMENT_MAX_BYTES:
        raise DocumentRefused()
    upload.seek(0)
    head = upload.read(len(DOCUMENT_MAGIC))
    upload.seek(0)
    if head != DOCUMENT_MAGIC:
        raise DocumentRefused()


@transaction.atomic
def agenda_document_add(
    *,
    item: AgendaItem,
    title: str,
    url: str = "",
    upload: UploadedFile | None = None,
    acting_user: Any,
) -> AgendaDocument:
    """Attach a document to an agenda item before the notice goes: an uploaded PDF (stored
    under a name of ours) or a link, one of the two."""
    access_board(acting_user)
    _agenda_open(item.assembly)
    if bool(url) == (upload is not None):
        raise DocumentRefused()
    document = AgendaDocument(item=item, title=title.strip(), url=url, added_by=acting_user)
    if upload is not None:
        document_upload_check(upload)
        document.size = upload.size
        document.file.save(f"{uuid.uuid4().hex}.pdf", upload, save=False)
    document.full_clean()
    document.save()
    audit_record(
        acting_user=acting_user,
        action="agenda_document_add",
        target=item.assembly,
        detail={"item": item.position, "title": document.title},
    )
    return document


@transaction.atomic
def assembly_notice_send(*, assembly: Assembly, acting_user: Any) -> Assembly:
    """Send the notice (once): refused when the assembly now starts within the by-laws'
    notice days or has no agenda. A repeat finds the notice sent and does nothing more;
    the mail goes after the commit, by the task, which skips whoever already has it."""
    access_board(acting_user)
    assembly = Assembly.objects.select_related("bylaws").get(pk=assembly.pk)
    if assembly.notice_sent_at is not None:
        return assembly
    if assembly.status != AssemblyStatus.CALLED or not assembly.agenda.exists():
        raise AssemblyStateRefused()
    now = timezone.now()
    if not notice_is_long_enough(assembly.bylaws, starts_at=assembly.starts_at, at=now):
        raise NoticeTooShort()
    sent = Assembly.objects.filter(pk=assembly.pk, notice_sent_at__isnull=True).update(
        notice_sent_at=now
    )
    if not sent:  # another request sent it between our read and our write
        assembly.refresh_from_db()
        return assembly
    assembly.notice_sent_at = now
    audit_record(acting_user=acting_user, action="assembly_notice_send", target=assembly)
    from coop_governance.assembly_tasks import assembly_notice_mail

    enqueue_on_commit(assembly_notice_mail, assembly.pk)
    return assembly


@transaction.atomic
def assembly_open(*, assembly: Assembly, acting_user: Any) -> Assembly:
    """The chair opens the assembly (after its notice went) and the quorum is fixed from
    the by-laws it was called under."""
    access_board(acting_user)
    assembly = Assembly.objects.select_related("bylaws").get(pk=assembly.pk)
    if assembly.notice_sent_at is None:
        raise AssemblyStateRefused()
    required = quorum_required_under(assembly.bylaws, active_members=_active_members())
    now = timezone.now()
    opened = Assembly.objects.filter(pk=assembly.pk, status=AssemblyStatus.CALLED).update(
        status=AssemblyStatus.OPEN, opened_at=now, quorum_required=required
    )
    if not opened:
        raise AssemblyStateRefused()
    assembly.refresh_from_db()
    audit_record(
        acting_user=acting_user,
        action="assembly_open",
        target=assembly,
        detail={"quorum_required": required},
    )
    return assembly


@transaction.atomic
def assembly_close(*, assembly: Assembly, acting_user: Any) -> Assembly:
    """The chair closes the assembly; refused while one of its motions is open."""
    access_board(acting_user)
    if Motion.objects.filter(assembly_id=assembly.pk, status=MotionStatus.OPEN).exists():
        raise AssemblyStateRefused()
    closed = Assembly.objects.filter(pk=assembly.pk, status=AssemblyStatus.OPEN).update(
        status=AssemblyStatus.CLOSED, closed_at=timezone.now()
    )
    if not closed:
        raise AssemblyStateRefused()
    assembly.refresh_from_db()
    quorum = assembly_quorum(assembly)
    audit_record(
        acting_user=acting_user,
        action="assembly_close",
        target=assembly,
        detail={"present": quorum.present},
    )
    return assembly


def register_is_open(assembly: Assembly, at: Any = None) -> bool:
    """The register takes signatures from an hour before the start while called, and
    while the assembly sits."""
    now = at or timezone.now()
    if assembly.status == AssemblyStatus.OPEN:
        return True
    return (
        assembly.status == AssemblyStatus.CALLED
        and assembly.notice_sent_at is not None
        and now >= assembly.starts_at - REGISTER_OPENS_BEFORE
    )


@transaction.atomic
def attendance_sign(
    *, assembly: Assembly, member: Member, user: Any, acr: str, remote: bool = False
) -> AttendanceSignature:
    """`user`, for `member` (themself, or the store they own), signs the register at the
    by-laws' assurance. An active member only; one line per member, so a repeat (a retried
    request, a second tab) returns the line already signed."""
    assembly = Assembly.objects.select_related("bylaws").get(pk=assembly.pk)
    member = member_lock(member.pk)
    access_member_acting(user, member)
    if not level_satisfies(acr, assembly.bylaws.vote_assurance):
        raise AssuranceTooLow()
    if not register_is_open(assembly):
        raise RegisterClosed()
    signature = AttendanceSignature(
        assembly=assembly, member=member, signed_by=user, acr=acr, remote=remote
    )
    signature.full_clean(validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError:
        return AttendanceSignature.objects.get(assembly=assembly, member=member)
    return signature


@transaction.atomic
def assembly_motion_open(*, motion: Motion, acting_user: Any) -> Motion:
    """The chair puts an agenda motion to the vote, while the quorum is reached."""
    from coop_governance.votes import motion_open

    access_board(acting_user)
    if motion.assembly_id is None:
        raise MotionStateRefused()
    if not assembly_quorum(motion.assembly).met:
        raise QuorumNotMet()
    return motion_open(motion=motion, acting_user=acting_user)


@transaction.atomic
def assembly_motion_close(*, motion: Motion, acting_user: Any) -> Motion:
    """The chair closes the vote: its count is written once (votes.motion_close), and an
    adopted change of the by-laws becomes their next version in the same transaction."""
    from coop_governance.bylaws_changes import bylaws_change_adopt
    from coop_governance.votes import motion_close

    access_board(acting_user)
    motion = motion_close(motion=motion, acting_user=acting_user)
    if motion.adopted and hasattr(motion, "bylaws_change"):
        bylaws_change_adopt(motion=motion, acting_user=acting_user)
    return motion
