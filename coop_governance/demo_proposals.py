"""The proposals and online votes in the demo: one open for discussion (supported, with a
comment the board hid), one in an online vote open now (with a comment a member flagged),
one voted and counted, one declined, and, when an assembly is called far enough ahead, one
on its agenda.

Everything goes through the services, as the members and the board would. Two things only
a demo does: the closed vote's times are moved into the past after its votes (a vote
cannot be scheduled in the past), and the demo's own posts are taken back from the
members' rate limits, so that loading it again and again (the tests do) never trips them.
Idempotent: a proposal found by its title is left as it is. Its French uses no ; : ! ?
(members' words are shown as they are in the English interface too, whose typography
puts no space before them)."""

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from coop_governance.models import (
    Assembly,
    AssemblyStatus,
    Member,
    Motion,
    OpenVote,
    Proposal,
)
from coop_governance.proposals import (
    COMMENT_LIMIT,
    PROPOSAL_LIMIT,
    comment_flag,
    comment_hide,
    comment_post,
    proposal_decline,
    proposal_schedule_assembly,
    proposal_schedule_online,
    proposal_submit,
    proposal_support,
    thread_lock_set,
)
from coop_governance.votes import motion_close, open_vote_cast
from core.demo import DemoSummary

ADMIN = "admin@demo.uniqc.coop"
SHOPPER = "shopper@demo.uniqc.coop"
BAKER = "store@demo.uniqc.coop"  # owns the bakery, a member store

OPEN_TITLE = "Un jardin collectif sur le toit de l’entrepôt"
VOTING_TITLE = "Ouvrir les comptoirs le dimanche après-midi"
CLOSED_TITLE = "Une politique d’achat local pour les produits frais"
DECLINED_TITLE = "Vendre des billets de loterie au comptoir"
ASSEMBLY_TITLE = "Un siège de plus au conseil pour les travailleurs"


def _submit(member: Member, person: Any, title: str, text: str) -> Proposal:
    proposal = proposal_submit(
        member=member, title=title, text=text, submit_key=uuid.uuid4(), acting_user=person
    )
    PROPOSAL_LIMIT.reset(str(member.pk))
    return proposal


def _comment(proposal: Proposal, member: Member, person: Any, body: str) -> Any:
    comment = comment_post(proposal=proposal, member=member, body=body, acting_user=person)
    COMMENT_LIMIT.reset(str(member.pk))
    return comment


def _vote(motion: Motion, member: Member, person: Any, choice: str) -> None:
    open_vote_cast(motion=motion, member=member, choice=choice, user=person, acr="high")


def proposals_demo_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    admin, shopper, baker = people[ADMIN], people[SHOPPER], people[BAKER]
    members = {
        "admin": Member.objects.get(person=admin, status="active"),
        "shopper": Member.objects.get(person=shopper, status="active"),
        "bakery": Member.objects.get(
            store__slug="boulangerie-du-faubourg", status="active", person__isnull=True
        ),
    }
    now = timezone.now()
    existing = set(Proposal.objects.values_list("title", flat=True))

    summary.count("proposals", OPEN_TITLE not in existing)
    if OPEN_TITLE not in existing:
        garden = _submit(
            members["shopper"],
            shopper,
            OPEN_TITLE,
            "Le toit plat de l’entrepôt de Saint-Roch reçoit du soleil toute la journée. "
            "Je propose d’y installer une vingtaine de bacs pour cultiver des légumes et des "
            "fines herbes, entretenus par des membres bénévoles. Les récoltes seraient "
            "vendues au comptoir de la coop, au profit du fonds d’éducation.",
        )
        proposal_support(proposal=garden, member=members["admin"], acting_user=admin)
        proposal_support(proposal=garden, member=members["bakery"], acting_user=baker)
        _comment(
            garden,
            members["admin"],
            admin,
            "Bonne idée. Il faudra vérifier la charge que le toit peut porter. Le conseil "
            "demandera l’avis d’un ingénieur.",
        )
        ad = _comment(
            garden,
            members["bakery"],
            baker,
            "Venez goûter nos croissants, deux pour un ce samedi à la boulangerie.",
        )
        comment_hide(
            comment=ad,
            reason="Publicité. La discussion porte sur la proposition.",
            acting_user=admin,
        )
        _comment(
            garden,
            members["shopper"],
            shopper,
            "Merci. Je peux coordonner les bénévoles le samedi matin.",
        )

    summary.count("proposals", VOTING_TITLE not in existing)
    if VOTING_TITLE not in existing:
        sunday = _submit(
            members["bakery"],
            baker,
            VOTING_TITLE,
            "Beaucoup de membres font leurs courses le dimanche. Nous proposons d’ouvrir les "
            "comptoirs de retrait de 12 h à 17 h le dimanche, à l’essai pendant six mois.",
        )
        proposal_support(proposal=sunday, member=members["shopper"], acting_user=shopper)
        sunday = proposal_schedule_online(
            proposal=sunday,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=6),
            majority="simple",
            acting_user=admin,
        )
        _vote(sunday.motion, members["admin"], admin, "for")
        rude = _comment(
            sunday,
            members["shopper"],
            shopper,
            "Ceux qui ne veulent pas travailler le dimanche peuvent chercher un emploi ailleurs.",
        )
        comment_flag(
            comment=rude,
            member=members["bakery"],
            reason="Propos méprisants envers les travailleurs",
            acting_user=baker,
        )

    summary.count("proposals", CLOSED_TITLE not in existing)
    if CLOSED_TITLE not in existing:
        local = _submit(
            members["admin"],
            admin,
            CLOSED_TITLE,
            "La coop achète ses fruits et légumes d’abord aux producteurs à moins de 150 km, "
            "quand ils en ont, même à un prix un peu plus élevé.",
        )
        local = proposal_schedule_online(
            proposal=local,
            opens_at=now,
            closes_at=now + datetime.timedelta(hours=1),
            majority="simple",
            acting_user=admin,
        )
        motion = local.motion
        _vote(motion, members["admin"], admin, "for")
        _vote(motion, members["shopper"], shopper, "for")
        _vote(motion, members["bakery"], baker, "against")
        # The vote took place last month (demo history), then the scheduler counts it.
        opened = now - datetime.timedelta(days=30)
        Motion.objects.filter(pk=motion.pk).update(
            opens_at=opened, closes_at=opened + datetime.timedelta(days=7)
        )
        OpenVote.objects.filter(motion=motion).update(cast_at=opened + datetime.timedelta(days=1))
        motion_close(motion=Motion.objects.get(pk=motion.pk), acting_user=None)
        thread_lock_set(proposal=local, locked=True, acting_user=admin)

    summary.count("proposals", DECLINED_TITLE not in existing)
    if DECLINED_TITLE not in existing:
        lottery = _submit(
            members["shopper"],
            shopper,
            DECLINED_TITLE,
            "Vendre des billets de loterie au comptoir attirerait de nouveaux clients.",
        )
        proposal_decline(
            proposal=lottery,
            reason="La vente de billets de loterie demande un permis que la coop n’a pas, et "
            "elle s’éloigne de notre mission.",
            acting_user=admin,
        )

    assembly = (
        Assembly.objects.filter(status=AssemblyStatus.CALLED, starts_at__gt=now)
        .select_related("bylaws")
        .order_by("starts_at")
        .first()
    )
    can_schedule = assembly is not None and assembly.starts_at >= now + datetime.timedelta(
        days=assembly.bylaws.notice_days
    )
    if can_schedule and ASSEMBLY_TITLE not in existing:
        seat = _submit(
            members["admin"],
            admin,
            ASSEMBLY_TITLE,
            "Les travailleurs sont maintenant douze. Le conseil propose de leur donner un "
            "troisième siège. C’est un changement aux règlements, donc une résolution spéciale.",
        )
        proposal_schedule_assembly(
            proposal=seat, assembly=assembly, majority="special", acting_user=admin
        )
        summary.count("proposals", True)
