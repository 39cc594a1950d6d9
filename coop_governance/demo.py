"""The coop's governance in the demo: the founding by-laws, the register's first members and
the board. Each later part (joining, assemblies, proposals, ristournes) adds its own demo
module, called from demo_load below in that order."""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from coop_governance.members import member_register
from coop_governance.models import BoardMandate, BoardSeats, Bylaws, Member, MemberCategory
from core.demo import DemoSummary

BYLAWS_TEXT_FR = """1. La coopérative est une coopérative de solidarité, régie par la Loi sur les
   coopératives.
2. Est membre la personne ou l’entreprise qui souscrit la part de qualification (10\u00a0$)
   et que le conseil admet. Un membre, un vote, quel que soit le nombre de parts\u202f; aucun
   vote par procuration.
3. L’assemblée est convoquée par un avis d’au moins 10\u00a0jours\u202f; le quorum est de 10
   membres.
4. Une résolution spéciale demande les deux tiers des voix exprimées.
5. Les trop-perçus sont d’abord versés à la réserve, puis attribués en ristournes aux membres au
   prorata de leurs achats."""
BYLAWS_TEXT_EN = """1. The coop is a solidarity cooperative governed by the Cooperatives Act.
2. A member is a person or business that subscribes the qualifying share ($10) and whom the board
   admits. One member, one vote, whatever the shares held; no proxy votes.
3. An assembly is called with at least 10 days' notice; its quorum is 10 members.
4. A special resolution needs two thirds of the votes cast.
5. Surpluses go first to the reserve, then to members as patronage refunds in proportion to their
   purchases."""
FOUNDING_SEATS = {
    MemberCategory.CONSUMER: 3,
    MemberCategory.WORKER: 2,
    MemberCategory.PRODUCER: 2,
    MemberCategory.SUPPORTER: 1,
}
# The demo's members: the coop's administrator sits on the board; the shopper is a member.
DEMO_MEMBERS = [
    ("admin@demo.uniqc.coop", MemberCategory.WORKER, True),
    ("shopper@demo.uniqc.coop", MemberCategory.CONSUMER, False),
]
DEMO_MEMBER_STORE = "boulangerie-du-faubourg"


def bylaws_founding_load(*, summary: DemoSummary) -> Bylaws:
    """Version 1 of the by-laws, in force since the coop's founding."""
    bylaws, created = Bylaws.objects.get_or_create(
        version=1,
        defaults={
            "in_force_from": datetime.datetime(2026, 1, 15, 17, 0, tzinfo=datetime.UTC),
            "share_price": Decimal("10.00"),
            "qualifying_shares": 1,
            "quorum_rule": "count",
            "quorum_count": 10,
            "notice_days": 10,
            "text_fr": BYLAWS_TEXT_FR,
            "text_en": BYLAWS_TEXT_EN,
        },
    )
    if created:
        for category, seats in FOUNDING_SEATS.items():
            BoardSeats.objects.create(bylaws=bylaws, category=category, seats=seats)
    summary.count("by-laws", created)
    return bylaws


def members_load(
    *, summary: DemoSummary, people: Mapping[str, Any], stores: Mapping[str, Any]
) -> None:
    for email, category, on_board in DEMO_MEMBERS:
        person = people[email]
        member = Member.objects.filter(person=person).exclude(status="withdrawn").first()
        summary.count("members", member is None)
        if member is None:
            member = member_register(
                person=person,
                category=category,
                qualifying_shares=1,
                reason="Membre fondateur (démo).",
                acting_user=None,
            )
        if on_board and not member.board_mandates.filter(ended_on__isnull=True).exists():
            BoardMandate.objects.create(
                member=member,
                category=category,
                started_on=timezone.localdate() - datetime.timedelta(days=300),
            )
    store = stores[DEMO_MEMBER_STORE]
    exists = Member.objects.filter(store=store).exclude(status="withdrawn").exists()
    summary.count("members", not exists)
    if not exists:
        member_register(
            store=store,
            category=MemberCategory.PRODUCER,
            qualifying_shares=1,
            reason="Commerce membre fondateur (démo).",
            acting_user=None,
        )


def demo_load(
    *, summary: DemoSummary, people: Mapping[str, Any], stores: Mapping[str, Any]
) -> None:
    bylaws_founding_load(summary=summary)
    members_load(summary=summary, people=people, stores=stores)
    # Each part's demo, assemblies before proposals (a proposal goes on the agenda of
    # the assembly called ahead): a person who can join, an open vote, a request to
    # leave; assemblies past, in session and called; proposals in each state; last
    # fiscal year's ristournes, adopted, with the statements.
    from coop_governance.demo_assemblies import demo_assemblies_load
    from coop_governance.demo_membership import membership_demo_load
    from coop_governance.demo_proposals import proposals_demo_load
    from coop_governance.demo_ristournes import ristournes_demo_load

    membership_demo_load(summary=summary, people=people)
    demo_assemblies_load(summary=summary, people=people)
    proposals_demo_load(summary=summary, people=people)
    ristournes_demo_load(summary=summary, people=people, stores=stores)
    # Secret ballots: one published with its record, one open for the shopper's booth.
    from coop_governance.demo_elections import elections_demo_load

    elections_demo_load(summary=summary, people=people)
