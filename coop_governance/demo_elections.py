"""Secret ballots in the demo: a published election (a yes/no question and a board election
by single transferable vote for 3 seats) with its record to download and verify; an
election open now, in which the demo shopper votes from the booth; a closed one waiting for
its trustees to decrypt it from their key files; and one whose key ceremony has begun.

Everything goes through the services, as the board, the trustees and the members would;
the trustees' browsers are simulated with the election package's own trustee code
(dkg.TrusteeKeys, shuffle.shuffle_step). The open and the closed elections' trustees' key
files are written to var/demo-trustee-keys/, so that a demo trustee can decrypt them from
the trustee page by opening their file there. Idempotent: an election found by its title
is left as it is."""

import datetime
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from coop_governance import elections as services
from coop_governance.election import ballots, dkg, group, shuffle
from coop_governance.election.record import ElectionContext
from coop_governance.members import member_register
from coop_governance.models import Election, Member, MemberCategory, MemberStatus
from core.demo import DemoSummary

ADMIN = "admin@demo.uniqc.coop"
SHOPPER = "shopper@demo.uniqc.coop"
BAKER = "store@demo.uniqc.coop"
PUBLISHED_TITLE = "Budget 2026 et élection du conseil d’administration"
OPEN_TITLE = "Heures d’ouverture du comptoir le soir"
COUNTING_TITLE = "Nom du nouveau comptoir de Limoilou"
CEREMONY_TITLE = "Choix du fournisseur de paniers 2027"
VOTERS = 10  # besides the admin and the shopper
KEY_DIRECTORY = Path(settings.BASE_DIR) / "var" / "demo-trustee-keys"

PUBLISHED_QUESTIONS = [
    {
        "kind": "choose",
        "text_fr": "Adoptez-vous le budget 2026\u202f?",
        "text_en": "Do you adopt the 2026 budget?",
        "answers": [{"fr": "Oui", "en": "Yes"}, {"fr": "Non", "en": "No"}],
        "min": 1,
        "max": 1,
    },
    {
        "kind": "rank",
        "text_fr": "Élection de trois administrateurs",
        "text_en": "Election of three directors",
        "answers": [
            {"fr": name, "en": name}
            for name in ("Ana Tremblay", "Bruno Gagnon", "Chloé Roy", "Dev Patel", "Émile Côté")
        ],
        "seats": 3,
        "ranks": 5,
    },
]
OPEN_QUESTIONS = [
    {
        "kind": "choose",
        "text_fr": "Quels jours le comptoir devrait-il ouvrir le soir\u202f?",
        "text_en": "Which days should the counter open in the evening?",
        "answers": [
            {"fr": "Mardi", "en": "Tuesday"},
            {"fr": "Jeudi", "en": "Thursday"},
            {"fr": "Vendredi", "en": "Friday"},
        ],
        "min": 0,
        "max": 2,
    },
]
# The published election's votes: the yes/no answer, then a ranking (candidate indexes).
PUBLISHED_CHOICES = [
    ([0], [0, 2, 1]),
    ([0], [1, 0]),
    ([1], [2, 4, 3]),
    ([0], [0, 1, 2]),
    ([0], [3, 0]),
    ([1], [4, 3, 2]),
    ([0], [0, 3]),
    ([0], [1, 2, 0]),
    ([1], [2, 1]),
    ([0], [3, 4]),
    ([0], [0]),
    ([0], [2, 0, 1]),
]


def _voters(summary: DemoSummary, people: Mapping[str, Any]) -> list[Member]:
    """The admin, the shopper and ten demo members who vote in the published election."""
    from identity.demo import DEMO_PASSWORD
    from identity.models import User
    from identity.services import user_create

    members = [
        Member.objects.get(person=people[email], status=MemberStatus.ACTIVE)
        for email in (ADMIN, SHOPPER)
    ]
    for n in range(1, VOTERS + 1):
        email = f"votant{n:02d}@demo.uniqc.coop"
        person = User.objects.filter(email=email).first()
        summary.count("election voters", person is None)
        if person is None:
            person = user_create(
                email=email,
                password=DEMO_PASSWORD,
                given_name="Votant",
                family_name=f"{n:02d}",
                email_verified=True,
            )
        member = Member.objects.filter(person=person, status=MemberStatus.ACTIVE).first()
        if member is None:
            member = member_register(
                person=person,
                category=MemberCategory.CONSUMER,
                qualifying_shares=1,
                reason="Membre de démonstration (scrutins).",
                acting_user=None,
            )
        members.append(member)
    return members


def _ceremony(election: Election, board: Any) -> dict[int, dkg.TrusteeKeys]:
    """The key ceremony, each trustee's messages posted through the services."""
    election = services.election_ceremony_start(election=election, acting_user=board)
    eid, fp = str(election.public_id), bytes.fromhex(election.fingerprint)
    trustees = list(election.trustees.select_related("user").order_by("index"))
    keys = {
        t.index: dkg.TrusteeKeys(eid, fp, t.index, election.trustee_count, election.threshold)
        for t in trustees
    }
    for t in trustees:
        message = keys[t.index].transport_key()
        services.trustee_key_post(election=election, acting_user=t.user, **message)
    transport = {t.index: keys[t.index].transport_key()["key"] for t in trustees}
    for t in trustees:
        services.trustee_deal_post(
            election=election, acting_user=t.user, **keys[t.index].deal(transport)
        )
    for t in trustees:
        received = services.shares_received(election, t)
        services.trustee_check_post(
            election=election, verification_key=keys[t.index].check(received), acting_user=t.user
        )
    return keys


def _count(election: Election, keys: dict[int, dkg.TrusteeKeys], present: list[int]) -> None:
    """The present trustees shuffle each ranked question in turn, then decrypt."""
    election.refresh_from_db()
    context = ElectionContext(
        str(election.public_id),
        bytes.fromhex(election.fingerprint),
        bytes.fromhex(election.public_key),
        election.threshold,
        {},
    )
    trustees = {t.index: t for t in election.trustees.select_related("user")}
    for index in present:
        trustee = trustees[index]
        while (task := services.mix_task_for(election, trustee)) is not None:
            width = len(task["input"][0]) if task["input"] else 0
            inputs = shuffle.decode_ballots(task["input"], width, "input")
            step = shuffle.shuffle_step(
                context,
                task["question_id"],
                task["position"],
                inputs,
                trustee=index,
                transport_secret=keys[index].transport_secret,
            )
            services.trustee_shuffle_post(
                election=election,
                question_id=task["question_id"],
                position=task["position"],
                output=step["output"],
                proof=step["proof"],
                signature=step["signature"],
                acting_user=trustee.user,
            )
    task = services.decrypt_task(election)
    for index in present:
        services.trustee_decrypt_post(
            election=election,
            tally={
                qid: keys[index].partial_decrypt(context.K, c) for qid, c in task["tally"].items()
            },
            mixed={
                qid: [keys[index].partial_decrypt(context.K, b) for b in rows]
                for qid, rows in task["mixed"].items()
            },
            acting_user=trustees[index].user,
        )


def _cast(election: Election, member: Member, choices: list) -> None:
    ballot, _secrets = ballots.encrypt_ballot(
        election.manifest,
        bytes.fromhex(election.fingerprint),
        bytes.fromhex(election.public_key),
        choices,
    )
    services.ballot_cast(election=election, ballot=ballot, user=member.person, acr="high")


def _election_new(
    summary: DemoSummary,
    people: Mapping[str, Any],
    *,
    titles: tuple[str, str],
    questions: list[dict],
    opens_in: datetime.timedelta,
    closes_in: datetime.timedelta,
) -> Election | None:
    """A demo election created by the admin, its trustees the admin, the shopper and the
    store's owner (2 of 3 decrypt); None when one of that French title is already there."""
    exists = Election.objects.filter(title_fr=titles[0]).exists()
    summary.count("elections", not exists)
    if exists:
        return None
    now = timezone.now()
    return services.election_create(
        title_fr=titles[0],
        title_en=titles[1],
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        threshold=2,
        trustee_users=[people[ADMIN], people[SHOPPER], people[BAKER]],
        questions=questions,
        acting_user=people[ADMIN],
    )


def published_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    election = _election_new(
        summary,
        people,
        titles=(PUBLISHED_TITLE, "2026 budget and election of the board of directors"),
        questions=PUBLISHED_QUESTIONS,
        opens_in=-datetime.timedelta(minutes=1),
        closes_in=datetime.timedelta(minutes=1),
    )
    if election is None:
        return
    voters = _voters(summary, people)
    keys = _ceremony(election, people[ADMIN])
    services.election_open(election_id=election.pk)
    election.refresh_from_db()
    for member, (answer, ranking) in zip(voters, PUBLISHED_CHOICES, strict=False):
        _cast(election, member, [answer, ranking])
    # One voter changes their mind: the by-laws let a new ballot replace the first.
    _cast(election, voters[2], [[0], [2, 0]])
    services.election_close(election_id=election.pk, at=election.closes_at)
    _count(election, keys, present=[1, 3])  # trustee 2 is away: 2 of 3 decrypt


def open_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    election = _election_new(
        summary,
        people,
        titles=(OPEN_TITLE, "The counter’s evening opening hours"),
        questions=OPEN_QUESTIONS,
        opens_in=-datetime.timedelta(minutes=1),
        closes_in=datetime.timedelta(days=14),
    )
    if election is None:
        return
    keys = _ceremony(election, people[ADMIN])
    services.election_open(election_id=election.pk)
    _key_files_write(election, keys)


def _key_files_write(election: Election, keys: Mapping[int, dkg.TrusteeKeys]) -> None:
    """Each trustee's key file, as their browser would have saved it."""
    KEY_DIRECTORY.mkdir(parents=True, exist_ok=True)
    for index, key in keys.items():
        path = KEY_DIRECTORY / f"{election.public_id}-trustee-{index}.json"
        path.write_text(
            json.dumps(
                {
                    "format": "uniqc-trustee-key/v1",
                    "election_id": str(election.public_id),
                    "index": index,
                    "transport_secret": group.scalar_hex(key.transport_secret),
                    "secret_share": group.scalar_hex(key.secret_share),
                },
                indent=2,
            )
        )
        path.chmod(0o600)


COUNTING_QUESTIONS = [
    {
        "kind": "choose",
        "text_fr": "Quel nom donner au comptoir de Limoilou\u202f?",
        "text_en": "What should the Limoilou counter be called?",
        "answers": [
            {"fr": "Le Panier de la 3e", "en": "Le Panier de la 3e"},
            {"fr": "Comptoir Canardière", "en": "Comptoir Canardière"},
            {"fr": "Chez nous", "en": "Chez nous"},
        ],
        "min": 1,
        "max": 1,
    }
]


def counting_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    """A closed election waiting for its trustees: sign in as the admin (trustee 1) or the
    shopper (trustee 2), open the trustee page and choose the key file from
    var/demo-trustee-keys/; two of the three decrypting publish the result."""
    election = _election_new(
        summary,
        people,
        titles=(COUNTING_TITLE, "Naming the new Limoilou counter"),
        questions=COUNTING_QUESTIONS,
        opens_in=-datetime.timedelta(minutes=1),
        closes_in=datetime.timedelta(minutes=1),
    )
    if election is None:
        return
    keys = _ceremony(election, people[ADMIN])
    services.election_open(election_id=election.pk)
    election.refresh_from_db()
    for member, answer in zip(_voters(summary, people), [0, 1, 0, 2, 0, 1, 0], strict=False):
        _cast(election, member, [[answer]])
    services.election_close(election_id=election.pk, at=election.closes_at)
    _key_files_write(election, keys)


CEREMONY_QUESTIONS = [
    {
        "kind": "choose",
        "text_fr": "Quel fournisseur retenir pour les paniers 2027\u202f?",
        "text_en": "Which supplier should we choose for the 2027 baskets?",
        "answers": [
            {"fr": "Ferme des Monts", "en": "Ferme des Monts"},
            {"fr": "Jardins de l’Île", "en": "Jardins de l’Île"},
        ],
        "min": 1,
        "max": 1,
    }
]


def ceremony_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    """An election whose key ceremony has begun: the admin, the shopper and the store's
    owner are its trustees and each makes their key on the trustee page, in turn."""
    election = _election_new(
        summary,
        people,
        titles=(CEREMONY_TITLE, "Choosing the 2027 basket supplier"),
        questions=CEREMONY_QUESTIONS,
        opens_in=datetime.timedelta(days=7),
        closes_in=datetime.timedelta(days=21),
    )
    if election is None:
        return
    services.election_ceremony_start(election=election, acting_user=people[ADMIN])


def elections_demo_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    published_load(summary=summary, people=people)
    open_load(summary=summary, people=people)
    counting_load(summary=summary, people=people)
    ceremony_load(summary=summary, people=people)
