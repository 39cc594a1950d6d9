"""Open votes (a show of hands) on motions: one member, one vote, whatever the shares held;
no proxies; the assurance the by-laws ask for; at an assembly only the members in its
register vote. A motion's count is written once, at its closing.

Counting rule (docs in the README's governance section): abstentions are recorded but are
not votes cast. An ordinary resolution passes when the votes for outnumber the votes
against; a special one when the votes for are at least the by-laws' fraction (two thirds by
default) of the votes cast. A motion with no vote cast is not adopted.
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from coop_governance.errors import (
    AlreadyVoted,
    AssuranceTooLow,
    MotionNotOpen,
    MotionStateRefused,
    NotInRegister,
)
from coop_governance.lock_objects import member_lock, motion_lock
from coop_governance.models import (
    AssemblyStatus,
    AttendanceSignature,
    Bylaws,
    Majority,
    Member,
    Motion,
    MotionStatus,
    OpenVote,
    VoteChoice,
)
from coop_governance.selectors import access_board, access_member_acting
from identity.assurance import level_satisfies
from identity.audit import audit_record


@dataclass(frozen=True)
class MotionCount:
    votes_for: int
    votes_against: int
    votes_abstain: int

    @property
    def cast(self) -> int:
        """Votes cast: for and against (an abstention is not a vote cast)."""
        return self.votes_for + self.votes_against


def motion_count(motion: Motion) -> MotionCount:
    """The counted votes now: one row per member (a replaced vote is not counted)."""
    if motion.status == MotionStatus.CLOSED:
        return MotionCount(motion.votes_for, motion.votes_against, motion.votes_abstain)
    counts = OpenVote.objects.filter(motion=motion, replaced_at__isnull=True).aggregate(
        votes_for=Count("pk", filter=Q(choice=VoteChoice.FOR)),
        votes_against=Count("pk", filter=Q(choice=VoteChoice.AGAINST)),
        votes_abstain=Count("pk", filter=Q(choice=VoteChoice.ABSTAIN)),
    )
    return MotionCount(**counts)


def is_adopted(*, bylaws: Bylaws, majority: str, count: MotionCount) -> bool:
    """Whether `count` carries a motion of this majority under these by-laws (integers
    only: for * denominator >= numerator * cast, no rounding)."""
    if count.cast == 0:
        return False
    if majority == Majority.SPECIAL:
        return (
            count.votes_for * bylaws.special_majority_denominator
            >= bylaws.special_majority_numerator * count.cast
        )
    return count.votes_for > count.votes_against


def motion_accepts_votes(motion: Motion, at: Any = None) -> bool:
    """An assembly's motion while the chair holds it open; an online one between its
    opening and closing times, until it is counted."""
    now = at or timezone.now()
    if motion.is_online:
        return (
            motion.status in (MotionStatus.SCHEDULED, MotionStatus.OPEN)
            and motion.opens_at <= now < motion.closes_at
        )
    return motion.status == MotionStatus.OPEN


@transaction.atomic
def open_vote_cast(*, motion: Motion, member: Member, choice: str, user: Any, acr: str) -> OpenVote:
    """`user`, acting for `member`, votes `choice` on `motion`. A second vote replaces the
    first when the motion's by-laws say so; otherwise it is refused."""
    if choice not in VoteChoice.values:
        raise ValueError(f"unknown choice {choice!r}")
    motion = motion_lock(motion.pk)
    member = member_lock(member.pk)
    access_member_acting(user, member)
    if not level_satisfies(acr, motion.bylaws.vote_assurance):
        raise AssuranceTooLow()
    if not motion_accepts_votes(motion):
        raise MotionNotOpen()
    if (
        not motion.is_online
        and not AttendanceSignature.objects.filter(
            assembly_id=motion.assembly_id, member=member
        ).exists()
    ):
        raise NotInRegister()
    now = timezone.now()
    earlier = OpenVote.objects.filter(motion=motion, member=member, replaced_at__isnull=True)
    if earlier.exists():
        if not motion.bylaws.revote_replaces:
            raise AlreadyVoted()
        earlier.update(replaced_at=now)
    vote = OpenVote(motion=motion, member=member, choice=choice, cast_by=user, acr=acr, cast_at=now)
    vote.full_clean()
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError as error:  # pragma: no cover - the locks above serialise votes
        raise AlreadyVoted() from error
    return vote


@transaction.atomic
def motion_open(*, motion: Motion, acting_user: Any) -> Motion:
    """The chair opens an assembly's motion to the vote, while the assembly sits."""
    access_board(acting_user)
    motion = motion_lock(motion.pk)
    if motion.is_online or motion.status != MotionStatus.SCHEDULED:
        raise MotionStateRefused()
    if motion.assembly.status != AssemblyStatus.OPEN:
        raise MotionStateRefused()
    motion.status = MotionStatus.OPEN
    motion.opened_at = timezone.now()
    motion.save(update_fields=["status", "opened_at"])
    audit_record(acting_user=acting_user, action="motion_open", target=motion)
    return motion


@transaction.atomic
def motion_close(*, motion: Motion, acting_user: Any) -> Motion:
    """Close the vote and write its count once: the chair at an assembly, or (acting_user
    None) the scheduler after an online vote's closing time. A closed motion is left as it
    is, so a repeat is harmless."""
    if acting_user is not None:
        access_board(acting_user)
    motion = motion_lock(motion.pk)
    if motion.status == MotionStatus.CLOSED:
        return motion
    if motion.status == MotionStatus.CANCELLED:
        raise MotionStateRefused()
    if motion.is_online:
        if timezone.now() < motion.closes_at:
            raise MotionStateRefused()
    elif motion.status != MotionStatus.OPEN:
        raise MotionStateRefused()
    count = motion_count(motion)
    motion.status = MotionStatus.CLOSED
    motion.closed_at = timezone.now()
    motion.votes_for = count.votes_for
    motion.votes_against = count.votes_against
    motion.votes_abstain = count.votes_abstain
    motion.adopted = is_adopted(bylaws=motion.bylaws, majority=motion.majority, count=count)
    motion.full_clean()
    motion.save()
    audit_record(
        acting_user=acting_user,
        action="motion_close",
        target=motion,
        detail={
            "for": count.votes_for,
            "against": count.votes_against,
            "abstain": count.votes_abstain,
            "adopted": motion.adopted,
        },
    )
    return motion


def online_motions_due(at: Any = None) -> list[int]:
    """The online motions whose closing time has passed and that are not counted yet."""
    return list(
        Motion.objects.filter(
            assembly__isnull=True,
            status__in=(MotionStatus.SCHEDULED, MotionStatus.OPEN),
            closes_at__lte=at or timezone.now(),
        ).values_list("pk", flat=True)
    )
