"""Calls for tenders in the demo: one open for bids, for which the demo shopper (Camille
Tremblay, who holds the demo card) is the approved representative of a snow-removal
supplier and can bid from the call's page once signed in with her card; and one already
opened, with its board, its opening record to download and verify, and the opened bids that
its officials can read.

Everything goes through the services, as the officials, the representatives and the beat
task would; the officials' browsers are simulated with the election package's own trustee
code (dkg.TrusteeKeys), and the bids are encrypted as tender.js does (tender_crypto). The
open call's officials' key files are written to var/demo-trustee-keys/ (as the elections'),
so that a demo official can open its bids from the official page after its deadline.

Bids carry the card of the representative who sent them: the opened call's two demo
bidders get a card from the demo registrar, which needs the card CA (`make run` creates it
before seeding). Without it, the opened call waits for a seed that finds one. Idempotent: a
call found by its reference is left as it is."""

import datetime
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone

from civic import tender_crypto as tc
from civic import tenders as services
from civic.models import SupplierRepresentative, TenderCall
from coop_governance.election import dkg, group
from core.demo import DemoSummary

ADMIN = "admin@demo.uniqc.coop"
SHOPPER = "shopper@demo.uniqc.coop"
REGISTRAR = "registrar@demo.uniqc.coop"
KEY_DIRECTORY = Path(settings.BASE_DIR) / "var" / "demo-trustee-keys"
OPEN_REFERENCE = "VQ-2027-014"
OPENED_REFERENCE = "VQ-2026-087"
OFFICIALS = [
    ("nadia.levesque@demo.uniqc.coop", "Nadia", "Lévesque"),
    ("olivier.morin@demo.uniqc.coop", "Olivier", "Morin"),
]
# (NEQ, legal name, representative's email, given name, family name)
PELLETIER = ("2264000016", "Entretien Pelletier inc.", "marc.pelletier@demo.uniqc.coop")
FORTIN = ("3364000014", "Trottoirs Fortin ltée", "julie.fortin@demo.uniqc.coop")
SUPPLIERS = [
    ("1164000018", "Déneigement Capitale inc.", SHOPPER, "", ""),
    (*PELLETIER, "Marc", "Pelletier"),
    (*FORTIN, "Julie", "Fortin"),
]
# The opened call's bids, in the order received: the third replaces the first.
OPENED_BIDS = [
    (PELLETIER[0], "Entretien Pelletier inc., prix forfaitaire\u00a0: 412\u00a0500,00\u00a0$"),
    (FORTIN[0], "Trottoirs Fortin ltée, prix forfaitaire\u00a0: 398\u00a0750,00\u00a0$"),
    (PELLETIER[0], "Entretien Pelletier inc., prix révisé\u00a0: 389\u00a0900,00\u00a0$"),
]


def _person(summary: DemoSummary, email: str, given: str, family: str) -> Any:
    from identity.demo import DEMO_PASSWORD
    from identity.models import User
    from identity.services import user_create

    person = User.objects.filter(email=email).first()
    summary.count("tender people", person is None)
    if person is None:
        person = user_create(
            email=email,
            password=DEMO_PASSWORD,
            given_name=given,
            family_name=family,
            email_verified=True,
        )
    return person


def _officials(summary: DemoSummary, people: Mapping[str, Any]) -> list[Any]:
    """The admin (a coop admin holds the tender permissions) and two city officials who
    hold them as their own permissions."""
    permissions = Permission.objects.filter(
        content_type__app_label="civic",
        codename__in=["add_tendercall", "view_tendercall", "add_supplierrepresentative"],
    )
    officials = [people[ADMIN]]
    for email, given, family in OFFICIALS:
        person = _person(summary, email, given, family)
        missing = permissions.exclude(pk__in=person.user_permissions.values("pk"))
        if missing.exists():
            person.user_permissions.add(*missing)
        officials.append(type(person).objects.get(pk=person.pk))
    return officials


def _representatives(summary: DemoSummary, people: Mapping[str, Any]) -> dict[str, Any]:
    """Each demo supplier's representative, approved by the admin; by NEQ."""
    out = {}
    for neq, name, email, given, family in SUPPLIERS:
        person = people.get(email) or _person(summary, email, given, family)
        mandate = SupplierRepresentative.objects.filter(
            supplier__neq=neq, person=person, revoked_at__isnull=True
        ).first()
        summary.count("supplier representatives", mandate is None)
        if mandate is None:
            services.supplier_representative_approve(
                neq=neq, legal_name=name, person=person, acting_user=people[ADMIN]
            )
        out[neq] = person
    return out


def _ceremony(call: TenderCall, officials: list[Any], admin: Any) -> dict[int, dkg.TrusteeKeys]:
    call = services.tender_ceremony_start(call=call, acting_user=admin)
    fp = bytes.fromhex(call.fingerprint)
    n = len(officials)
    keys = {i: dkg.TrusteeKeys(call.eid, fp, i, n, call.threshold) for i in range(1, n + 1)}
    transport = {i: keys[i].transport_key() for i in keys}
    for i, person in enumerate(officials, start=1):
        services.official_key_post(call=call, acting_user=person, **transport[i])
    for i, person in enumerate(officials, start=1):
        deal = keys[i].deal({j: t["key"] for j, t in transport.items()})
        services.official_deal_post(call=call, acting_user=person, **deal)
    for j, person in enumerate(officials, start=1):
        official = call.officials.get(index=j)
        X = keys[j].check(services.shares_received(call, official))
        services.official_check_post(call=call, verification_key=X, acting_user=person)
    return keys


def _call_new(
    summary: DemoSummary,
    *,
    reference: str,
    title: str,
    description: str,
    deadline_in: datetime.timedelta,
    officials: list[Any],
    admin: Any,
) -> TenderCall | None:
    exists = TenderCall.objects.filter(reference=reference).exists()
    summary.count("calls for tenders", not exists)
    if exists:
        return None
    return services.tender_call_create(
        reference=reference,
        title=title,
        description=description,
        deadline=timezone.now() + deadline_in,
        threshold=2,
        officials=officials,
        acting_user=admin,
    )


def _key_files_write(call: TenderCall, keys: Mapping[int, dkg.TrusteeKeys]) -> None:
    """Each official's key file, as the trustee page would have saved it."""
    KEY_DIRECTORY.mkdir(parents=True, exist_ok=True)
    for index, key in keys.items():
        path = KEY_DIRECTORY / f"{call.public_id}-official-{index}.json"
        path.write_text(
            json.dumps(
                {
                    "format": "uniqc-trustee-key/v1",
                    "election_id": call.eid,
                    "index": index,
                    "transport_secret": group.scalar_hex(key.transport_secret),
                    "secret_share": group.scalar_hex(key.secret_share),
                },
                indent=2,
            )
        )
        path.chmod(0o600)


def open_call_load(*, summary: DemoSummary, people: Mapping[str, Any], officials, reps) -> None:
    """Open for three weeks; the shopper may bid for Déneigement Capitale inc."""
    call = _call_new(
        summary,
        reference=OPEN_REFERENCE,
        title="Déneigement des trottoirs, arrondissement de La Cité-Limoilou (2027-2030)",
        description=(
            "Déneigement et déglaçage de 84\u00a0km de trottoirs, trois saisons. Le devis et "
            "le bordereau de prix sont joints. La soumission est un seul fichier (PDF)."
        ),
        deadline_in=datetime.timedelta(days=21),
        officials=officials,
        admin=people[ADMIN],
    )
    if call is None:
        return
    keys = _ceremony(call, officials, people[ADMIN])
    _key_files_write(call, keys)


def _card_for(person: Any, registrar: Any) -> Any:
    """The person's active card, issued now by the demo registrar if they have none."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from identity.card.ca import card_certificate_issue
    from identity.card.selectors import card_active_for
    from identity.card.services import card_register, identity_check_record
    from identity.demo import DEMO_BRANCH
    from identity.models import IdentityDocumentType

    card = card_active_for(person)
    if card is not None:
        return card
    check = identity_check_record(
        person=person,
        document_type=IdentityDocumentType.DRIVERS_LICENCE,
        document_last4="4M2P",
        branch=DEMO_BRANCH,
        registrar=registrar,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    return card_register(
        person=person,
        certificate=card_certificate_issue(public_key=key.public_key(), user=person),
        identity_check=check,
        registrar=registrar,
    )


def opened_call_load(*, summary: DemoSummary, people: Mapping[str, Any], officials, reps) -> None:
    """Three bids (one replaced), closed at its deadline, opened by officials 1 and 3."""
    from identity.card.ca import ca_exists

    if not ca_exists():
        summary.count("calls for tenders waiting for the card CA", True)
        return
    call = _call_new(
        summary,
        reference=OPENED_REFERENCE,
        title="Entretien des parcs et espaces verts, secteur Saint-Roch (2026)",
        description="Tonte, taille et ramassage des feuilles dans 12 parcs, d’avril à novembre.",
        deadline_in=datetime.timedelta(minutes=1),
        officials=officials,
        admin=people[ADMIN],
    )
    if call is None:
        return
    keys = _ceremony(call, officials, people[ADMIN])
    call.refresh_from_db()
    for neq, text in OPENED_BIDS:
        person = reps[neq]
        card = _card_for(person, people[REGISTRAR])
        bid, _ = tc.bid_encrypt(
            call.eid,
            bytes.fromhex(call.fingerprint),
            bytes.fromhex(call.public_key),
            neq,
            text.encode(),
        )
        ciphertext = bid.pop("ciphertext")
        services.bid_submit(
            call=call, bid=bid, ciphertext=ciphertext, user=person, acr="high", card_id=card.pk
        )
    # The clock moves to the deadline, as the beat task would find it.
    services.tender_call_close(call_id=call.pk, at=call.deadline)
    for index in (1, 3):  # official 2 is away: 2 of 3 open
        call.refresh_from_db()
        task = services.opening_task(call)
        shares = keys[index].partial_decrypt(bytes.fromhex(call.public_key), task["tally"]["bids"])
        services.official_opening_post(
            call=call,
            tally={"bids": shares},
            mixed={},
            acting_user=officials[index - 1],
            at=call.deadline,
        )


def tenders_demo_load(*, summary: DemoSummary, people: Mapping[str, Any]) -> None:
    officials = _officials(summary, people)
    reps = _representatives(summary, people)
    open_call_load(summary=summary, people=people, officials=officials, reps=reps)
    opened_call_load(summary=summary, people=people, officials=officials, reps=reps)
