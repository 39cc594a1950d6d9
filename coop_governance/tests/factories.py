"""Test data for the governance app: by-laws, members, a board, assemblies and motions.
Members are written straight to the register here; joining through payment has its own
tests (test_membership*)."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone

from conftest import person_create
from coop_governance.models import (
    Assembly,
    AssemblyKind,
    AssemblyStatus,
    AttendanceSignature,
    BoardMandate,
    BoardSeats,
    Bylaws,
    Majority,
    Member,
    MemberCategory,
    MemberStatus,
    Motion,
)


def bylaws_make(**fields: Any) -> Bylaws:
    """A version of the by-laws in force since yesterday (the next version number)."""
    version = (Bylaws.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    seats = fields.pop("seats", {"consumer": 3, "worker": 2, "producer": 2, "supporter": 1})
    fields.setdefault("in_force_from", timezone.now() - datetime.timedelta(days=1))
    fields.setdefault("quorum_rule", "count")
    if fields["quorum_rule"] == "count":
        fields.setdefault("quorum_count", 5)
    bylaws = Bylaws(version=version, text_fr="Règlements", text_en="By-laws", **fields)
    bylaws.full_clean()
    bylaws.save()
    for category, count in seats.items():
        BoardSeats.objects.create(bylaws=bylaws, category=category, seats=count)
    return bylaws


def member_make(
    person: Any = None,
    *,
    store: Any = None,
    category: str = MemberCategory.CONSUMER,
    status: str = MemberStatus.ACTIVE,
    shares: int = 1,
    email: str | None = None,
) -> Member:
    """A line of the register for `person` (made if None) or for `store`."""
    if person is None and store is None:
        number = Member.objects.count() + 1
        person = person_create(email or f"member{number}-{Member.objects.count()}@example.org")
    number = (Member.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    member = Member(
        number=number,
        category=MemberCategory.PRODUCER if store is not None else category,
        person=person,
        store=store,
        qualifying_shares=shares,
        status=status,
    )
    member.full_clean()
    member.save()
    return member


def board_seat_give(member: Member) -> BoardMandate:
    return BoardMandate.objects.create(
        member=member,
        category=member.category,
        started_on=timezone.localdate() - datetime.timedelta(days=30),
    )


def assembly_make(bylaws: Bylaws, *, status: str = AssemblyStatus.OPEN, **fields: Any) -> Assembly:
    now = timezone.now()
    fields.setdefault("called_at", now - datetime.timedelta(days=bylaws.notice_days + 1))
    fields.setdefault("starts_at", now - datetime.timedelta(minutes=5))
    assembly = Assembly.objects.create(
        kind=fields.pop("kind", AssemblyKind.ANNUAL),
        title=fields.pop("title", "Assemblée générale annuelle"),
        bylaws=bylaws,
        status=status,
        **fields,
    )
    return assembly


def motion_make(bylaws: Bylaws, *, assembly: Assembly | None = None, **fields: Any) -> Motion:
    if assembly is None and "opens_at" not in fields:
        fields["opens_at"] = timezone.now() - datetime.timedelta(hours=1)
        fields["closes_at"] = timezone.now() + datetime.timedelta(days=7)
    return Motion.objects.create(
        title=fields.pop("title", "Adopter les états financiers"),
        majority=fields.pop("majority", Majority.SIMPLE),
        bylaws=bylaws,
        assembly=assembly,
        **fields,
    )


def register_sign(assembly: Assembly, member: Member, acr: str = "substantial") -> None:
    AttendanceSignature.objects.create(
        assembly=assembly, member=member, signed_by=member.person, acr=acr
    )


SHARE_PRICE = Decimal("10.00")
