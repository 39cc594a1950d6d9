"""Writes to the member register: a new line, and every change of status with its reason.
Each change is written to the register's history and the audit trail in its transaction,
and the person's `membership` claim is pushed into identity at once, so that the next ID
token tells the truth."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from coop_governance.errors import AlreadyAMember, StatusChangeRefused
from coop_governance.lock_objects import member_lock
from coop_governance.models import Member, MemberCategory, MemberStatus, MemberStatusChange
from identity.audit import audit_record
from identity.oidc.services import membership_status_set

# Where a status may go: a withdrawal is final (joining again opens a new line).
STATUS_MOVES = {
    MemberStatus.ACTIVE: {MemberStatus.SUSPENDED, MemberStatus.WITHDRAWN},
    MemberStatus.SUSPENDED: {MemberStatus.ACTIVE, MemberStatus.WITHDRAWN},
    MemberStatus.WITHDRAWN: set(),
}


def membership_claim_push(member: Member) -> None:
    """Tell identity what the person's membership is now (a store has no claim)."""
    if member.person_id is None:
        return
    active = member.status == MemberStatus.ACTIVE
    membership_status_set(
        user=member.person, is_member=active, category=member.category if active else ""
    )


@transaction.atomic
def member_register(
    *,
    category: str,
    qualifying_shares: int,
    reason: str,
    acting_user: Any,
    person: Any = None,
    store: Any = None,
) -> Member:
    """Open a line of the register under the next number, active from now. Refused with
    AlreadyAMember when the person or store already has an open line (the database's
    partial unique constraints decide between two at once)."""
    if store is not None:
        category = MemberCategory.PRODUCER
    now = timezone.now()
    # The register's numbers follow one another; the unique constraint settles a race.
    number = (Member.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    member = Member(
        number=number,
        category=category,
        person=person,
        store=store,
        qualifying_shares=qualifying_shares,
        status=MemberStatus.ACTIVE,
        joined_at=now,
        status_changed_at=now,
    )
    member.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as error:
        raise AlreadyAMember() from error
    MemberStatusChange.objects.create(
        member=member,
        status_from="",
        status_to=MemberStatus.ACTIVE,
        reason=reason,
        acting_user=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        changed_at=now,
    )
    audit_record(
        acting_user=acting_user,
        action="member_register",
        target=member,
        subject_user=person,
        detail={"number": number, "category": category, "shares": qualifying_shares},
    )
    membership_claim_push(member)
    return member


@transaction.atomic
def member_status_change(*, member: Member, status: str, reason: str, acting_user: Any) -> Member:
    """Move a member to `status` for `reason` (suspension, reinstatement, withdrawal).
    Permission is the caller's (the board's pages check access_board)."""
    if not reason.strip():
        raise StatusChangeRefused()
    member = member_lock(member.pk)
    if status not in STATUS_MOVES[MemberStatus(member.status)]:
        raise StatusChangeRefused()
    previous = member.status
    member.status = status
    member.status_changed_at = timezone.now()
    member.save(update_fields=["status", "status_changed_at"])
    MemberStatusChange.objects.create(
        member=member,
        status_from=previous,
        status_to=status,
        reason=reason.strip(),
        acting_user=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        changed_at=member.status_changed_at,
    )
    audit_record(
        acting_user=acting_user,
        action="member_status_change",
        target=member,
        subject_user=member.person,
        detail={"from": previous, "to": status, "reason": reason.strip()},
    )
    membership_claim_push(member)
    return member
