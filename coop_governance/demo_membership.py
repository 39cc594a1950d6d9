"""Membership in the demo: a person who can join (the retailer, whose identity the demo
registrar checked; the hardware store they own can join too), an online vote open on the
members' page, and a member (the courier) whose request to leave waits for the board.
Idempotent: each row is found again by its natural key."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from coop_governance.members import member_register
from coop_governance.models import (
    Majority,
    Member,
    MemberCategory,
    MemberStatus,
    Motion,
    Withdrawal,
    WithdrawalStatus,
)
from coop_governance.selectors import bylaws_in_force
from coop_governance.withdrawals import withdrawal_request
from core.demo import DemoSummary
from identity.card.services import identity_check_record
from identity.models import IdentityDocumentType
from identity.selectors import identity_proven

# Can join: a proven adult, not a member (signing in with a passkey or the card to pay).
DEMO_JOINER = "retailer@demo.uniqc.coop"
DEMO_REGISTRAR = "registrar@demo.uniqc.coop"
# A member whose request to leave waits on the board's page (/cooperative/retraits/).
DEMO_LEAVER = "courier@demo.uniqc.coop"
DEMO_MOTION_TITLE = "Adopter la politique d’achat local 2027"
DEMO_MOTION_BODY = (
    "Que la coopérative privilégie, à prix comparable, les commerces membres situés à moins "
    "de 50 km du point de cueillette."
)


def joiner_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    """The retailer's identity checked at the counter (a passport), so that they can join."""
    person = people[DEMO_JOINER]
    proven = identity_proven(person)
    summary.count("membership demo", not proven)
    if not proven:
        identity_check_record(
            person=person,
            document_type=IdentityDocumentType.PASSPORT,
            document_last4="4821",
            branch="Caisse Desjardins du Plateau",
            registrar=people[DEMO_REGISTRAR],
        )


def leaver_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    """The courier, a supporting member since last spring, asks to leave."""
    person = people[DEMO_LEAVER]
    member = Member.objects.filter(person=person).exclude(status=MemberStatus.WITHDRAWN).first()
    summary.count("membership demo", member is None)
    if member is None:
        if Member.objects.filter(person=person, status=MemberStatus.WITHDRAWN).exists():
            return  # the board approved the demo's request since: leave it so
        member = member_register(
            person=person,
            category=MemberCategory.SUPPORTER,
            qualifying_shares=1,
            reason="Adhésion au comptoir (démo).",
            acting_user=None,
        )
    if not Withdrawal.objects.filter(member=member).exists():
        withdrawal_request(
            member=member,
            reason="Je déménage à Gaspé l’été prochain.",
            acting_user=person,
        )
    summary.count(
        "membership demo",
        not Withdrawal.objects.filter(member=member, status=WithdrawalStatus.PENDING).exists(),
    )


def open_vote_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    """An online vote open for a week, on the members' page."""
    exists = Motion.objects.filter(title=DEMO_MOTION_TITLE).exists()
    summary.count("membership demo", not exists)
    if exists:
        return
    now = timezone.now()
    Motion.objects.create(
        title=DEMO_MOTION_TITLE,
        text=DEMO_MOTION_BODY,
        majority=Majority.SIMPLE,
        bylaws=bylaws_in_force(),
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
        created_by=people["admin@demo.uniqc.coop"],
    )


def membership_demo_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    joiner_load(summary=summary, people=people)
    leaver_load(summary=summary, people=people)
    open_vote_load(summary=summary, people=people)
