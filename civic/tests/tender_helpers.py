"""Building calls for tenders in tests, through the services: officials with the permission,
a key ceremony run by dkg.TrusteeKeys (what trustee.js does in the browser), suppliers'
representatives with a card, bids encrypted as tender.js does."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.utils import timezone

from civic import tender_crypto as tc
from civic import tenders as services
from civic.models import TenderCall
from coop_governance.election import dkg

ALL_PERMISSIONS = ("add_tendercall", "add_supplierrepresentative")


def official_make(person_create, email: str):
    person = person_create(email, "shopper")
    person.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="civic", codename__in=ALL_PERMISSIONS)
    )
    # has_perm caches per instance: read the person again.
    return type(person).objects.get(pk=person.pk)


@dataclass
class Ceremony:
    call: TenderCall
    keys: dict[int, dkg.TrusteeKeys] = field(default_factory=dict)


def call_make(
    *,
    creator,
    officials: list,
    threshold: int = 2,
    deadline: datetime.datetime | None = None,
    reference: str = "VQ-2027-001",
) -> TenderCall:
    return services.tender_call_create(
        reference=reference,
        title="Déneigement des trottoirs",
        description="Contrat de trois ans.",
        deadline=deadline or timezone.now() + datetime.timedelta(days=7),
        threshold=threshold,
        officials=officials,
        acting_user=creator,
    )


def ceremony_run(call: TenderCall, officials: list, *, creator) -> Ceremony:
    """Start the ceremony and run every official's three steps; the call is then open."""
    call = services.tender_ceremony_start(call=call, acting_user=creator)
    fp = bytes.fromhex(call.fingerprint)
    n = len(officials)
    keys = {i: dkg.TrusteeKeys(call.eid, fp, i, n, call.threshold) for i in range(1, n + 1)}
    transport = {}
    for i, person in enumerate(officials, start=1):
        transport[i] = keys[i].transport_key()
        services.official_key_post(call=call, acting_user=person, **transport[i])
    deals = {}
    for i, person in enumerate(officials, start=1):
        deals[i] = keys[i].deal({j: t["key"] for j, t in transport.items()})
        services.official_deal_post(call=call, acting_user=person, **deals[i])
    for j, person in enumerate(officials, start=1):
        call.refresh_from_db()
        official = call.officials.get(index=j)
        X = keys[j].check(services.shares_received(call, official))
        services.official_check_post(call=call, verification_key=X, acting_user=person)
    call.refresh_from_db()
    return Ceremony(call, keys)


def bid_encrypt(call: TenderCall, neq: str, plaintext: bytes) -> tuple[dict, bytes]:
    bid, _ = tc.bid_encrypt(
        call.eid, bytes.fromhex(call.fingerprint), bytes.fromhex(call.public_key), neq, plaintext
    )
    ciphertext = bid.pop("ciphertext")
    return bid, ciphertext


def deadline_pass(call: TenderCall) -> None:
    TenderCall.objects.filter(pk=call.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    call.refresh_from_db()


def opening_post(ceremony: Ceremony, index: int, person) -> None:
    call = ceremony.call
    call.refresh_from_db()
    task = services.opening_task(call)
    shares = ceremony.keys[index].partial_decrypt(
        bytes.fromhex(call.public_key), task["tally"]["bids"]
    )
    services.official_opening_post(call=call, tally={"bids": shares}, mixed={}, acting_user=person)
