"""Identity's demo data: one person per role (`manage.py seed_demo` loads them first, since
every app above needs people), and the demo card (`manage.py card_demo_issue`, which
`make run` calls once the coop's CA exists).

Every person is invented. Natural key: a person's email. Loading never undoes what
happened since: demo people keep their password and any role an administrator gave them.
"""

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.module_loading import import_string

from card_agent import piv
from card_agent.agent import AgentError, CardAgent
from card_agent.emulator import DEFAULT_PIN
from card_agent.softcard import SoftCardSource
from core.demo import DemoSummary
from identity.card import errors
from identity.card.issuance import (
    card_signing_key_add,
    issuance_certificates_sign,
    issuance_challenge,
    issuance_check_record,
    issuance_confirm,
)
from identity.card.selectors import access_card_issue_to, card_active_for
from identity.models import Card, IdentityDocumentType, User
from identity.roles import Role, user_roles
from identity.services import user_create, user_roles_set

DEMO_PASSWORD = "uniqc-demo-2026"  # noqa: S105 - published on purpose: demo accounts only

# --- People ---------------------------------------------------------------------------
DEMO_PEOPLE: list[dict[str, Any]] = [
    {
        "email": "shopper@demo.uniqc.coop",
        "given_name": "Camille",
        "family_name": "Tremblay",
        "birth_date": date.fromisoformat("1991-04-17"),
        "role": Role.SHOPPER,
        "locality": "Québec",
    },
    {
        "email": "store@demo.uniqc.coop",
        "given_name": "Mathieu",
        "family_name": "Gagnon",
        "birth_date": date.fromisoformat("1984-09-02"),
        # Works at a store through marketplace.demo.DEMO_STAFF (a StoreStaff row), not a role.
        "role": Role.SHOPPER,
        "locality": "Québec",
    },
    {
        "email": "retailer@demo.uniqc.coop",
        "given_name": "Samuel",
        "family_name": "Bergeron",
        "birth_date": date.fromisoformat("1988-05-19"),
        # Applies for stores in marketplace.demo (one refused, one waiting), not a role.
        "role": Role.SHOPPER,
        "locality": "Montréal",
    },
    {
        "email": "courier@demo.uniqc.coop",
        "given_name": "Sophie",
        "family_name": "Côté",
        "birth_date": date.fromisoformat("1997-12-11"),
        "role": Role.COURIER,
        "locality": "Montréal",
    },
    {
        "email": "registrar@demo.uniqc.coop",
        "given_name": "Jean-François",
        "family_name": "Roy",
        "birth_date": date.fromisoformat("1972-06-24"),
        "role": Role.REGISTRAR,
        "locality": "Québec",
    },
    {
        "email": "admin@demo.uniqc.coop",
        "given_name": "Isabelle",
        "family_name": "Bouchard",
        "birth_date": date.fromisoformat("1980-03-08"),
        "role": Role.COOP_ADMIN,
        "locality": "Montréal",
        "superuser": True,
    },
]


def _person_ensure(person: dict[str, Any], summary: DemoSummary) -> User:
    """The demo person with this email, created with the demo password if missing.

    An existing person keeps their password and attributes; they get the demo role
    if they lost it, and keep any other role an administrator gave them.
    """
    user = User.objects.filter(email=person["email"]).first()
    if user is None:
        user = user_create(
            email=person["email"],
            password=DEMO_PASSWORD,
            given_name=person["given_name"],
            family_name=person["family_name"],
            email_verified=True,
            roles=[person["role"]],
            locality=person["locality"],
            birth_date=person["birth_date"],
            is_superuser=person.get("superuser", False),
        )
        summary.count("people", created=True)
        return user
    roles = user_roles(user)
    if person["role"] not in roles:
        user_roles_set(user=user, roles=roles | {person["role"]})
    summary.count("people", created=False)
    return user


def demo_load(*, summary: DemoSummary) -> dict[str, User]:
    """Make sure every demo person exists with their role; the people by email."""
    return {person["email"]: _person_ensure(person, summary) for person in DEMO_PEOPLE}


# --- The demo card ----------------------------------------------------------------------
DEMO_CARD_HOLDER = "shopper@demo.uniqc.coop"
# Who issues it, in order: the demo registrar, and for a registrar's or coop admin's card
# (which a registrar may not issue) the demo superuser.
DEMO_CARD_ISSUERS = ["registrar@demo.uniqc.coop", "admin@demo.uniqc.coop"]
# Where the demo card's identity check happened: a place's proper name, which reads the same
# in French and English (it is stored with the check and shown to both).
DEMO_BRANCH = "Caisse Desjardins de Limoilou"


@dataclass(frozen=True)
class DemoCardResult:
    """What demo_card_issue did: `card` is the card issued now (None if none was), and
    `failed` says that issuance was tried and went wrong."""

    message: str
    card: Card | None = None
    failed: bool = False


def demo_issuer(person: User, candidates: list[str]) -> User | None:
    """The first of `candidates` (emails) allowed to issue `person` a card."""
    for email in candidates:
        issuer = User.objects.filter(email=email).first()
        if issuer is None:
            continue
        try:
            access_card_issue_to(registrar=issuer, person=person)
        except errors.CardIssueRefused:
            continue
        return issuer
    return None


def _spki_b64(public_key) -> str:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(spki).decode("ascii")


def demo_card_issue(*, state: Path, holder: str, issuers: list[str]) -> DemoCardResult:
    """Issue `holder` a new demo card in the file `state` (the virtual PIV card, transport
    PIN kept as the PIN), through the registrar's issuance services, once.

    The steps are those of the registrar's page: the identity check, the two keys generated
    on the card (slot 9A to sign in, slot 9C to sign documents), the card's signatures of
    the coop's challenge with each new key (proofs of possession), both certificates signed
    and written to the card, then the confirmation, by the first of `issuers` the rules
    allow. An existing card file or an active card of the holder is left alone, except
    that a card file made before slot 9C, holding the holder's active card, gets its
    signature key (`demo_signing_key_add`); a failed issuance leaves no card file.
    """
    person = User.objects.filter(email=holder).first()
    if person is None:
        return DemoCardResult(f"Demo card: {holder} is missing; run seed_demo.")
    issuer = demo_issuer(person, issuers)
    if issuer is None:
        return DemoCardResult(f"Demo card: nobody may issue {holder} a card; run seed_demo.")
    active = card_active_for(person)
    if state.exists() and active is not None and not active.has_signing_key:
        return demo_signing_key_add(state=state, card=active, issuer=issuer)
    if state.exists() or active is not None:
        return DemoCardResult(
            f"Demo card: {state} is kept as it is. To issue it again, sign in with a "
            f"registrar's card and use the registrar page (Identity checks)."
        )
    state.parent.mkdir(parents=True, exist_ok=True)
    agent = CardAgent(SoftCardSource.from_file(state))
    session = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    try:
        check = issuance_check_record(
            session=session,
            person=person,
            document_type=IdentityDocumentType.PASSPORT,
            document_last4="DEMO",
            branch=DEMO_BRANCH,
            registrar=issuer,
        )
        keys, proofs = {}, {}
        for slot in (piv.SLOT_AUTHENTICATION, piv.SLOT_SIGNATURE):
            keys[slot] = _spki_b64(agent.generate_key(pin=DEFAULT_PIN, slot=slot))
        challenge = issuance_challenge(session=session, check_id=check.pk, registrar=issuer)
        for slot in keys:
            proof = agent.prove_possession(
                challenge=base64.b64decode(challenge), pin=DEFAULT_PIN, slot=slot
            )
            proofs[slot] = base64.b64encode(proof).decode("ascii")
        pending = issuance_certificates_sign(
            session=session,
            check_id=check.pk,
            public_key=keys[piv.SLOT_AUTHENTICATION],
            proof=proofs[piv.SLOT_AUTHENTICATION],
            signing_public_key=keys[piv.SLOT_SIGNATURE],
            signing_proof=proofs[piv.SLOT_SIGNATURE],
            registrar=issuer,
        )
        agent.write_certificate(bytes(pending.certificate_der), pin=DEFAULT_PIN)
        agent.write_certificate(
            bytes(pending.signing_certificate_der), pin=DEFAULT_PIN, slot=piv.SLOT_SIGNATURE
        )
        card = issuance_confirm(
            session=session,
            check_id=check.pk,
            fingerprint=pending.fingerprint_sha256,
            registrar=issuer,
        )
    except (AgentError, errors.CardError) as failure:
        state.unlink(missing_ok=True)
        return DemoCardResult(f"Demo card not issued: {failure}", failed=True)
    return DemoCardResult(
        f"Demo card issued to {holder} by {issuer.email} (serial "
        f"{card.serial_number[:12]}…, PIN {DEFAULT_PIN}), in {state}.",
        card=card,
    )


def demo_signing_key_add(*, state: Path, card: Card, issuer: User) -> DemoCardResult:
    """Give the demo card in `state`, issued before slot 9C, its signature key, as the
    registrar's page does (`card_signing_key_add`): a new identity check, the card's 9A
    proof that it is `card`, the 9C key generated and proved, its certificate written.

    Only if the file holds `card`'s sign-in certificate; the demo card's PIN is read from
    its file (a software demo card keeps it in clear)."""
    source = SoftCardSource.from_file(state)
    agent = CardAgent(source)
    pin = source.card.to_state()["pin"]
    session = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    try:
        if agent.certificate() != bytes(card.certificate_der):
            return DemoCardResult(f"Demo card: {state} holds another card; it is kept as it is.")
        check = issuance_check_record(
            session=session,
            person=card.user,
            document_type=IdentityDocumentType.PASSPORT,
            document_last4="DEMO",
            branch=DEMO_BRANCH,
            registrar=issuer,
        )
        challenge = base64.b64decode(
            issuance_challenge(session=session, check_id=check.pk, registrar=issuer)
        )
        proof = agent.prove_possession(challenge=challenge, pin=pin)
        signing_key = agent.generate_key(pin=pin, slot=piv.SLOT_SIGNATURE)
        signing_proof = agent.prove_possession(
            challenge=challenge, pin=pin, slot=piv.SLOT_SIGNATURE
        )
        card = card_signing_key_add(
            session=session,
            check_id=check.pk,
            proof=base64.b64encode(proof).decode("ascii"),
            signing_public_key=_spki_b64(signing_key),
            signing_proof=base64.b64encode(signing_proof).decode("ascii"),
            registrar=issuer,
        )
        agent.write_certificate(
            bytes(card.signing_certificate_der), pin=pin, slot=piv.SLOT_SIGNATURE
        )
    except (AgentError, errors.CardError) as failure:
        return DemoCardResult(f"Demo card: no signature key added: {failure}", failed=True)
    return DemoCardResult(
        f"Demo card in {state}: signature key added by {issuer.email} (signing serial "
        f"{card.signing_serial_number[:12]}…).",
        card=card,
    )
