"""Members' proposals, their moderated discussion, and their scheduling by the board; and
the scheduler's side of online votes (opening and closing them on time).

Rules enforced here:
- An active member (or a store's owner, for the store) submits, supports and comments;
  nobody supports their own proposal; one support per member (a constraint).
- A proposal moves open → scheduled (a motion for a called assembly or an online vote) or
  open → declined (with a reason), once: the move is a conditional UPDATE, so that of two
  board members acting at once one wins and the other is refused.
- The board hides a comment with a reason (audited, the author is told) and locks or
  unlocks a discussion (audited); members flag comments for the board.
- Comments: 2,000 characters at most and COMMENT_LIMIT per member in ten minutes;
  proposals: PROPOSAL_LIMIT per member a day.
- An agenda item added to an assembly still leaves the by-laws' notice before it starts,
  so that the notice can carry it; its motion keeps the assembly's by-laws.
- An online vote opens at least now, lasts between ONLINE_VOTE_MIN and ONLINE_VOTE_MAX,
  and is put under the by-laws in force when it is scheduled.
"""

import datetime
import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coop_governance.errors import (
    AgendaBusy,
    CommentsTooFast,
    ProposalStateRefused,
    ProposalsTooFast,
    ScheduleRefused,
    SupportRefused,
    ThreadLocked,
)
from coop_governance.models import (
    AgendaItem,
    Assembly,
    AssemblyStatus,
    CommentFlag,
    Majority,
    Member,
    Motion,
    MotionStatus,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from coop_governance.selectors import (
    access_board,
    access_member_acting,
    access_members_only,
    bylaws_in_force,
    members_represented_by,
)
from coop_governance.votes import motion_close, online_motions_due
from identity.audit import audit_record
from identity.ratelimit import RateLimit

logger = logging.getLogger(__name__)

COMMENT_LIMIT = RateLimit("proposal-comment", limit=10, window=10 * 60)
PROPOSAL_LIMIT = RateLimit("proposal-submit", limit=5, window=24 * 60 * 60)
ONLINE_VOTE_MIN = datetime.timedelta(hours=1)
ONLINE_VOTE_MAX = datetime.timedelta(days=60)
# How far in the past an opening time may be when it is scheduled (the form's minute).
OPENING_GRACE = datetime.timedelta(minutes=5)


def _text(value: str) -> str:
    return (value or "").strip()


@transaction.atomic
def proposal_submit(
    *, member: Member, title: str, text: str, submit_key: uuid.UUID, acting_user: Any
) -> Proposal:
    """`acting_user`, for `member`, submits a proposal. The same `submit_key` (the form's)
    finds the proposal already made instead of making a second one."""
    access_member_acting(acting_user, member)
    existing = Proposal.objects.filter(author=member, submit_key=submit_key).first()
    if existing is not None:
        return existing
    proposal = Proposal(
        title=_text(title),
        text=_text(text),
        author=member,
        submitted_by=acting_user,
        submit_key=submit_key,
    )
    proposal.full_clean(validate_unique=False, validate_constraints=False)
    if not PROPOSAL_LIMIT.take(str(member.pk)):
        raise ProposalsTooFast()
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        # The same form sent twice at once: the other request made it.
        return Proposal.objects.get(author=member, submit_key=submit_key)
    return proposal


@transaction.atomic
def proposal_support(*, proposal: Proposal, member: Member, acting_user: Any) -> ProposalSupport:
    """`member` supports an open proposal of someone else; supporting twice is harmless."""
    access_member_acting(acting_user, member)
    proposal = Proposal.objects.get(pk=proposal.pk)
    if proposal.status != ProposalStatus.OPEN:
        raise ProposalStateRefused()
    if proposal.author_id == member.pk:
        raise SupportRefused()
    support, _created = ProposalSupport.objects.get_or_create(
        proposal=proposal, member=member, defaults={"given_by": acting_user}
    )
    return support


@transaction.atomic
def proposal_support_withdraw(*, proposal: Proposal, member: Member, acting_user: Any) -> None:
    """`member` takes their support back while the proposal is open; harmless if none."""
    access_member_acting(acting_user, member)
    if Proposal.objects.get(pk=proposal.pk).status != ProposalStatus.OPEN:
        raise ProposalStateRefused()
    ProposalSupport.objects.filter(proposal=proposal, member=member).delete()


@transaction.atomic
def comment_post(
    *, proposal: Proposal, member: Member, body: str, acting_user: Any
) -> ProposalComment:
    """`member` writes in the discussion of a proposal that is not declined and whose
    thread the board has not locked."""
    access_member_acting(acting_user, member)
    proposal = Proposal.objects.get(pk=proposal.pk)
    if proposal.thread_locked_at is not None:
        raise ThreadLocked()
    if proposal.status == ProposalStatus.DECLINED:
        raise ProposalStateRefused()
    comment = ProposalComment(
        proposal=proposal, member=member, written_by=acting_user, body=_text(body)
    )
    comment.full_clean()
    if not COMMENT_LIMIT.take(str(member.pk)):
        raise CommentsTooFast()
    comment.save()
    return comment


@transaction.atomic
def comment_flag(
    *, comment: ProposalComment, member: Member, reason: str, acting_user: Any
) -> CommentFlag:
    """`member` points a comment out to the board; a second flag by the same member is the
    first one."""
    access_member_acting(acting_user, member)
    flag = CommentFlag(comment=comment, member=member, flagged_by=acting_user, reason=_text(reason))
    flag.full_clean(validate_unique=False, validate_constraints=False)
    existing = CommentFlag.objects.filter(comment=comment, member=member).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        return CommentFlag.objects.get(comment=comment, member=member)
    return flag


@transaction.atomic
def comment_hide(*, comment: ProposalComment, reason: str, acting_user: Any) -> ProposalComment:
    """The board hides a comment from the discussion, saying why; its author still sees
    it and the reason. Hiding a hidden comment changes nothing."""
    access_board(acting_user)
    comment = ProposalComment.objects.select_related("written_by").get(pk=comment.pk)
    if comment.is_hidden:
        return comment
    comment.hidden_at = timezone.now()
    comment.hidden_by = acting_user
    comment.hidden_reason = _text(reason)
    comment.full_clean()
    # Only a comment still shown matches: of two board members at once, one hides it.
    hidden = ProposalComment.objects.filter(pk=comment.pk, hidden_at__isnull=True).update(
        hidden_at=comment.hidden_at, hidden_by=acting_user, hidden_reason=comment.hidden_reason
    )
    reason = comment.hidden_reason
    comment = ProposalComment.objects.select_related("written_by").get(pk=comment.pk)
    if hidden:
        audit_record(
            acting_user=acting_user,
            action="proposal_comment_hide",
            target=comment,
            subject_user=comment.written_by,
            detail={"proposal": comment.proposal_id, "reason": reason},
        )
    return comment


@transaction.atomic
def thread_lock_set(*, proposal: Proposal, locked: bool, acting_user: Any) -> Proposal:
    """The board closes (or reopens) a proposal's discussion to new comments."""
    access_board(acting_user)
    changed = Proposal.objects.filter(pk=proposal.pk, thread_locked_at__isnull=locked).update(
        thread_locked_at=timezone.now() if locked else None
    )
    proposal = Proposal.objects.get(pk=proposal.pk)
    if changed:
        audit_record(
            acting_user=acting_user,
            action="proposal_thread_lock" if locked else "proposal_thread_unlock",
            target=proposal,
            subject_user=proposal.submitted_by,
        )
    return proposal


def _proposal_claim(*, proposal: Proposal, acting_user: Any, **fields: Any) -> Proposal:
    """Move an open proposal to its next state: one UPDATE that only an open proposal
    matches, so that a second board member (or a retry) acting at the same time is
    refused instead of scheduling it twice."""
    now = timezone.now()
    claimed = Proposal.objects.filter(pk=proposal.pk, status=ProposalStatus.OPEN).update(
        decided_at=now, decided_by=acting_user, **fields
    )
    if not claimed:
        raise ProposalStateRefused()
    return Proposal.objects.select_related("motion", "submitted_by").get(pk=proposal.pk)


@transaction.atomic
def proposal_decline(*, proposal: Proposal, reason: str, acting_user: Any) -> Proposal:
    """The board declines an open proposal, saying why (its author and the members read
    it). Declining a declined proposal again (a retried request, two board members at
    once) finds it declined, with the first reason, and changes nothing."""
    access_board(acting_user)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"decline_reason": _("Say why the proposal is declined.")})
    Proposal._meta.get_field("decline_reason").run_validators(reason)
    current = Proposal.objects.select_related("submitted_by").get(pk=proposal.pk)
    if current.status == ProposalStatus.DECLINED:
        return current
    proposal = _proposal_claim(
        proposal=proposal,
        acting_user=acting_user,
        status=ProposalStatus.DECLINED,
        decline_reason=reason,
    )
    audit_record(
        acting_user=acting_user,
        action="proposal_decline",
        target=proposal,
        subject_user=proposal.submitted_by,
        detail={"reason": reason},
    )
    return proposal


def _motion_for(proposal: Proposal, *, majority: str, acting_user: Any, **fields: Any) -> Motion:
    if majority not in Majority.values:
        raise ValueError(f"unknown majority {majority!r}")
    motion = Motion(
        title=proposal.title,
        text=proposal.text,
        majority=majority,
        created_by=acting_user,
        **fields,
    )
    motion.full_clean()
    motion.save()
    return motion


@transaction.atomic
def proposal_schedule_assembly(
    *, proposal: Proposal, assembly: Assembly, majority: str, acting_user: Any
) -> Proposal:
    """The board puts an open proposal on the agenda of a called assembly: a new last
    agenda item with its motion, under the assembly's by-laws. The assembly must start at
    least the by-laws' notice from now, so that its notice can still carry the item."""
    access_board(acting_user)
    assembly = Assembly.objects.select_related("bylaws").get(pk=assembly.pk)
    if assembly.status != AssemblyStatus.CALLED:
        raise ScheduleRefused()
    if assembly.starts_at < timezone.now() + datetime.timedelta(days=assembly.bylaws.notice_days):
        raise ScheduleRefused()
    if Proposal.objects.filter(pk=proposal.pk).exclude(status=ProposalStatus.OPEN).exists():
        raise ProposalStateRefused()
    motion = _motion_for(
        proposal,
        majority=majority,
        acting_user=acting_user,
        bylaws=assembly.bylaws,
        assembly=assembly,
    )
    position = (
        AgendaItem.objects.filter(assembly=assembly).aggregate(top=Max("position"))["top"] or 0
    ) + 1
    try:
        with transaction.atomic():
            AgendaItem.objects.create(
                assembly=assembly,
                position=position,
                title=proposal.title,
                body=proposal.text,
                motion=motion,
            )
    except IntegrityError as error:
        raise AgendaBusy() from error
    proposal = _proposal_claim(
        proposal=proposal, acting_user=acting_user, status=ProposalStatus.SCHEDULED, motion=motion
    )
    audit_record(
        acting_user=acting_user,
        action="proposal_schedule_assembly",
        target=proposal,
        subject_user=proposal.submitted_by,
        detail={"assembly": assembly.pk, "motion": motion.pk, "position": position},
    )
    return proposal


@transaction.atomic
def proposal_schedule_online(
    *,
    proposal: Proposal,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    majority: str,
    acting_user: Any,
) -> Proposal:
    """The board puts an open proposal to an online vote of all active members between
    `opens_at` and `closes_at`, under the by-laws in force now."""
    access_board(acting_user)
    now = timezone.now()
    if opens_at < now - OPENING_GRACE:
        raise ScheduleRefused()
    if not ONLINE_VOTE_MIN <= closes_at - opens_at <= ONLINE_VOTE_MAX:
        raise ScheduleRefused()
    if Proposal.objects.filter(pk=proposal.pk).exclude(status=ProposalStatus.OPEN).exists():
        raise ProposalStateRefused()
    motion = _motion_for(
        proposal,
        majority=majority,
        acting_user=acting_user,
        bylaws=bylaws_in_force(),
        opens_at=opens_at,
        closes_at=closes_at,
    )
    proposal = _proposal_claim(
        proposal=proposal, acting_user=acting_user, status=ProposalStatus.SCHEDULED, motion=motion
    )
    audit_record(
        acting_user=acting_user,
        action="proposal_schedule_online",
        target=proposal,
        subject_user=proposal.submitted_by,
        detail={
            "motion": motion.pk,
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
        },
    )
    return proposal


# --- The scheduler's side of online votes ---------------------------------------------


def online_motions_to_open(at: Any = None) -> list[int]:
    """Online motions whose opening time has come and whose closing time has not."""
    now = at or timezone.now()
    return list(
        Motion.objects.filter(
            assembly__isnull=True,
            status=MotionStatus.SCHEDULED,
            opens_at__lte=now,
            closes_at__gt=now,
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def online_motion_open(*, motion_id: int) -> bool:
    """Mark an online motion open once its time has come (votes are taken from opens_at
    whatever this says; the status tells the pages and the members). True when this call
    opened it; a repeat, or a second scheduler at once, finds it open and does nothing."""
    now = timezone.now()
    opened = Motion.objects.filter(
        pk=motion_id,
        assembly__isnull=True,
        status=MotionStatus.SCHEDULED,
        opens_at__lte=now,
        closes_at__gt=now,
    ).update(status=MotionStatus.OPEN, opened_at=now)
    if opened:
        audit_record(
            acting_user=None, action="motion_open", target=Motion.objects.get(pk=motion_id)
        )
    return bool(opened)


def online_motions_sweep(at: Any = None) -> tuple[int, int]:
    """Open the online motions whose time came and count those whose time passed, each in
    its own transaction: one that fails is logged and left for the next run, and does not
    hold the others back. Returns how many it opened and how many it found due and
    counted (motion_close counts each once, and a second sweep finds none due)."""
    opened = closed = 0
    for pk in online_motions_to_open(at):
        try:
            opened += online_motion_open(motion_id=pk)
        except Exception:
            logger.exception("online motion %s could not be opened", pk)
    for pk in online_motions_due(at):
        try:
            motion_close(motion=Motion(pk=pk), acting_user=None)
        except Exception:
            logger.exception("online motion %s could not be counted", pk)
        else:
            closed += 1
    return opened, closed


# --- Reads with rules (the pages') -------------------------------------------------------


def acting_member(user: Any) -> Member | None:
    """The active line of the register a person acts for on these pages: their own
    membership first, else the store they own that is a member."""
    members = members_represented_by(user).filter(status="active")
    return members.filter(person=user).first() or members.order_by("number").first()


def access_proposals_read(user: Any) -> Any:
    """The proposals and their discussions are the members' and the board's."""
    return access_members_only(user)
