"""The assemblies in the demo: last spring's annual assembly, closed, with its register,
votes and minutes; a special assembly in session now, whose register and quorum show live;
a special assembly called for the coming weeks, with its agenda, a document and a change of
the by-laws, its notice sent; and next year's annual assembly, its agenda being written.

Everything goes through the services. The past assembly's record is then dated back to
the day it was held (the services stamp the present moment), so that its minutes tell a
coherent story. Idempotent: an assembly found by its title is left as it is.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from coop_governance import assemblies as services
from coop_governance.bylaws_changes import bylaws_change_propose
from coop_governance.members import member_register
from coop_governance.models import (
    Assembly,
    AssemblyStatus,
    AttendanceSignature,
    Member,
    MemberCategory,
    MemberStatus,
    Motion,
    OpenVote,
)
from coop_governance.selectors import bylaws_in_force
from coop_governance.votes import open_vote_cast
from core.demo import DemoSummary

BOARD = "admin@demo.uniqc.coop"
SHOPPER = "shopper@demo.uniqc.coop"
# Members of the demo beyond the demo people: enough for the founding quorum of 10.
NEIGHBOURS = [
    ("Gabrielle", "Tremblay"),
    ("Étienne", "Côté"),
    ("Marie-Ève", "Gagnon"),
    ("Jacques", "Bouchard"),
    ("Sophie", "Lavoie"),
    ("Antoine", "Pelletier"),
    ("Nadia", "Bélanger"),
    ("Louis", "Roy"),
    ("Chantal", "Morin"),
    ("Olivier", "Fortin"),
    ("Isabelle", "Gauthier"),
]
PAST_TITLE = "Assemblée générale annuelle 2026"
SITTING_TITLE = "Assemblée extraordinaire sur le point de retrait de la rue Saint-Joseph"
COMING_TITLE = "Assemblée extraordinaire sur l’avis de convocation"
DRAFT_TITLE = "Assemblée générale annuelle 2027"


def neighbours_load(*, summary: DemoSummary) -> list[Member]:
    """The demo's other members, people with the demo password (demo accounts only)."""
    from identity.demo import DEMO_PASSWORD
    from identity.models import User
    from identity.services import user_create

    members = []
    for n, (given, family) in enumerate(NEIGHBOURS, start=1):
        email = f"membre{n:02d}@demo.uniqc.coop"
        person = User.objects.filter(email=email).first()
        summary.count("people", person is None)
        if person is None:
            person = user_create(
                email=email,
                password=DEMO_PASSWORD,
                given_name=given,
                family_name=family,
                email_verified=True,
                locality="Québec",
            )
        member = Member.objects.filter(person=person).exclude(status="withdrawn").first()
        summary.count("members", member is None)
        if member is None:
            member = member_register(
                person=person,
                category=MemberCategory.WORKER if n % 4 == 0 else MemberCategory.CONSUMER,
                qualifying_shares=1 + (n % 3) * 5,
                reason="Adhésion (démo).",
                acting_user=None,
            )
        members.append(member)
    return members


def _called(
    *, title: str, kind: str, days_ahead: float, place: str, chair: Any, items: list
) -> Assembly:
    assembly = services.assembly_call(
        kind=kind,
        title=title,
        # An evening, 19 h in Québec.
        starts_at=(timezone.localtime() + datetime.timedelta(days=days_ahead)).replace(
            hour=19, minute=0, second=0, microsecond=0
        ),
        place=place,
        video_room=True,
        acting_user=chair,
    )
    for item_title, body, resolution in items:
        services.agenda_item_add(
            assembly=assembly,
            title=item_title,
            body=body,
            resolution=resolution,
            acting_user=chair,
        )
    return assembly


def _present(assembly: Assembly, members: list[Member]) -> None:
    for member in members:
        services.attendance_sign(
            assembly=assembly, member=member, user=member.person, acr="high", remote=False
        )


def past_assembly_load(*, chair: Any, members: list[Member]) -> Assembly:
    """Held some 60 days ago: twelve members present, two resolutions counted, closed."""
    assembly = _called(
        title=PAST_TITLE,
        kind="annual",
        days_ahead=bylaws_in_force().notice_days + 1,
        place="Salle communautaire, 870, avenue De Salaberry, Québec",
        chair=chair,
        items=[
            ("Ouverture et quorum", "", ""),
            (
                "Adopter les états financiers 2025",
                "Les états financiers vérifiés de l’exercice 2025.",
                "simple",
            ),
            (
                "Nommer l’auditeur pour 2026",
                "Le conseil propose de reconduire le cabinet actuel.",
                "simple",
            ),
        ],
    )
    services.assembly_notice_send(assembly=assembly, acting_user=chair)
    services.assembly_open(assembly=assembly, acting_user=chair)
    _present(assembly, members[:12])
    choices = {
        0: ["for"] * 9 + ["against", "abstain", "for"],
        1: ["for"] * 5 + ["against"] * 6 + ["abstain"],
    }
    for index, motion in enumerate(
        Motion.objects.filter(assembly=assembly).order_by("agenda_item__position")
    ):
        services.assembly_motion_open(motion=motion, acting_user=chair)
        for member, choice in zip(members[:12], choices[index], strict=True):
            open_vote_cast(
                motion=motion, member=member, choice=choice, user=member.person, acr="high"
            )
        services.assembly_motion_close(motion=motion, acting_user=chair)
    services.assembly_close(assembly=assembly, acting_user=chair)
    _date_back(assembly)
    return assembly


def _date_back(assembly: Assembly) -> None:
    """Move the record of a demo assembly to the evening it was held, keeping its order."""
    held = max(
        timezone.now() - datetime.timedelta(days=60),
        assembly.bylaws.in_force_from + datetime.timedelta(days=30),
    ).replace(hour=23, minute=0, second=0, microsecond=0)  # 19 h in Québec
    shift = assembly.starts_at - held
    Assembly.objects.filter(pk=assembly.pk).update(
        called_at=held - datetime.timedelta(days=assembly.bylaws.notice_days + 5),
        notice_sent_at=held - datetime.timedelta(days=assembly.bylaws.notice_days + 5),
        starts_at=held,
        opened_at=held + datetime.timedelta(minutes=5),
        closed_at=held + datetime.timedelta(minutes=95),
    )
    for n, signature in enumerate(AttendanceSignature.objects.filter(assembly=assembly)):
        AttendanceSignature.objects.filter(pk=signature.pk).update(
            signed_at=held - datetime.timedelta(minutes=20 - n)
        )
    for n, motion in enumerate(Motion.objects.filter(assembly=assembly).order_by("pk")):
        opened = held + datetime.timedelta(minutes=20 + 30 * n)
        Motion.objects.filter(pk=motion.pk).update(
            created_at=motion.created_at - shift,
            opened_at=opened,
            closed_at=opened + datetime.timedelta(minutes=15),
        )
        OpenVote.objects.filter(motion=motion).update(
            cast_at=opened + datetime.timedelta(minutes=5)
        )


def sitting_assembly_load(*, chair: Any, members: list[Member]) -> Assembly:
    """In session since a few minutes: four members signed; the demo shopper has not."""
    assembly = _called(
        title=SITTING_TITLE,
        kind="special",
        days_ahead=bylaws_in_force().notice_days + 1,
        place="Caisse Desjardins de Québec, 550, rue Saint-Joseph Est",
        chair=chair,
        items=[
            ("Ouverture et quorum", "", ""),
            (
                "Ouvrir un point de retrait rue Saint-Joseph",
                "Louer dix casiers à la caisse, de 7 h à 22 h, pour deux ans.",
                "simple",
            ),
        ],
    )
    services.assembly_notice_send(assembly=assembly, acting_user=chair)
    # The notice went out in time; the session is now.
    now = timezone.now()
    Assembly.objects.filter(pk=assembly.pk).update(
        called_at=now - datetime.timedelta(days=assembly.bylaws.notice_days + 4),
        notice_sent_at=now - datetime.timedelta(days=assembly.bylaws.notice_days + 4),
        starts_at=now - datetime.timedelta(minutes=10),
    )
    assembly = services.assembly_open(assembly=assembly, acting_user=chair)
    _present(assembly, members[:4])
    return assembly


def coming_assembly_load(*, chair: Any) -> Assembly:
    """Called for three weeks from now, with a document and a change of the by-laws."""
    assembly = _called(
        title=COMING_TITLE,
        kind="special",
        days_ahead=21,
        place="Salle communautaire, 870, avenue De Salaberry, Québec",
        chair=chair,
        items=[("Ouverture et quorum", "", "")],
    )
    item = bylaws_change_propose(
        assembly=assembly,
        title="Porter l’avis de convocation à 14 jours",
        body="Pour laisser aux membres le temps de lire les documents avant l’assemblée.",
        terms={"notice_days": 14},
        acting_user=chair,
    )
    services.agenda_document_add(
        item=item,
        title="Loi sur les coopératives (C-67.2)",
        url="https://www.legisquebec.gouv.qc.ca/fr/document/lc/C-67.2",
        acting_user=chair,
    )
    services.assembly_notice_send(assembly=assembly, acting_user=chair)
    return assembly


def draft_assembly_load(*, chair: Any) -> Assembly:
    """Called for next spring, its agenda being written: the board's forms show."""
    return _called(
        title=DRAFT_TITLE,
        kind="annual",
        days_ahead=120,
        place="Salle communautaire, 870, avenue De Salaberry, Québec",
        chair=chair,
        items=[
            ("Ouverture et quorum", "", ""),
            ("Adopter les états financiers 2026", "", "simple"),
        ],
    )


def demo_assemblies_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    chair = people[BOARD]
    neighbours = neighbours_load(summary=summary)
    board_member = Member.objects.get(person=chair, status=MemberStatus.ACTIVE)
    present = [board_member, *neighbours]
    loaders = [
        (PAST_TITLE, lambda: past_assembly_load(chair=chair, members=present)),
        (SITTING_TITLE, lambda: sitting_assembly_load(chair=chair, members=present)),
        (COMING_TITLE, lambda: coming_assembly_load(chair=chair)),
        (DRAFT_TITLE, lambda: draft_assembly_load(chair=chair)),
    ]
    for title, load in loaders:
        exists = (
            Assembly.objects.filter(title=title).exclude(status=AssemblyStatus.CANCELLED).exists()
        )
        summary.count("assemblies", not exists)
        if not exists:
            load()
