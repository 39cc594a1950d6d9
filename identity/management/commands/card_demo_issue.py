"""Issue the demo card to a demo person, once: `make run` calls it before the card agent.

It personalises a new demo card file (the virtual PIV card, transport PIN 123456 kept as
the PIN) through the same issuance services as the registrar's page: the identity check,
the key generated on the card, the card's signature of the coop's challenge with that new
key (proof of possession), the certificate signed and written to the card, then the
confirmation. The demo shopper's card is issued by the demo registrar; a registrar's or
coop admin's card by the demo superuser, as the rules want. An existing card file or a
holder's active card is left alone.
"""

import base64
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from card_agent.agent import AgentError, CardAgent
from card_agent.emulator import DEFAULT_PIN
from card_agent.softcard import SoftCardSource
from identity.card import errors
from identity.card.issuance import (
    issuance_certificate_sign,
    issuance_challenge,
    issuance_check_record,
    issuance_confirm,
)
from identity.card.selectors import access_card_issue_to, card_active_for
from identity.models import IdentityDocumentType, User

DEMO_HOLDER = "shopper@demo.uniqc.coop"
DEMO_REGISTRAR = "registrar@demo.uniqc.coop"
# Registrars' and coop admins' cards come from a superuser.
DEMO_SUPERUSER = "admin@demo.uniqc.coop"
DEMO_BRANCH = "Uniqc demo branch"


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


class Command(BaseCommand):
    help = "Issue the demo card (var/demo-card.json) to the demo shopper if it is not issued."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--state", type=Path, default=Path("var/demo-card.json"))
        parser.add_argument("--holder", default=DEMO_HOLDER)
        parser.add_argument(
            "--registrar",
            action="append",
            help=f"who may issue it, in order (default: {DEMO_REGISTRAR}, {DEMO_SUPERUSER})",
        )

    def handle(
        self, *args: Any, state: Path, holder: str, registrar: list[str] | None, **options: Any
    ) -> None:
        person = User.objects.filter(email=holder).first()
        if person is None:
            self.stdout.write(f"Demo card: {holder} is missing; run seed_demo.")
            return
        issuer = demo_issuer(person, registrar or [DEMO_REGISTRAR, DEMO_SUPERUSER])
        if issuer is None:
            self.stdout.write(f"Demo card: nobody may issue {holder} a card; run seed_demo.")
            return
        if state.exists() or card_active_for(person) is not None:
            self.stdout.write(
                f"Demo card: {state} is kept as it is. To issue it again, sign in with a "
                f"registrar's card and use the registrar page (Identity checks)."
            )
            return
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
            public_key = agent.generate_key(pin=DEFAULT_PIN)
            challenge = issuance_challenge(session=session, check_id=check.pk, registrar=issuer)
            proof = agent.prove_possession(challenge=base64.b64decode(challenge), pin=DEFAULT_PIN)
            spki = public_key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            pending = issuance_certificate_sign(
                session=session,
                check_id=check.pk,
                public_key=base64.b64encode(spki).decode("ascii"),
                proof=base64.b64encode(proof).decode("ascii"),
                registrar=issuer,
            )
            agent.write_certificate(bytes(pending.certificate_der), pin=DEFAULT_PIN)
            card = issuance_confirm(
                session=session,
                check_id=check.pk,
                fingerprint=pending.fingerprint_sha256,
                registrar=issuer,
            )
        except (AgentError, errors.CardError) as failure:
            state.unlink(missing_ok=True)
            self.stderr.write(f"Demo card not issued: {failure}")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo card issued to {holder} by {issuer.email} (serial "
                f"{card.serial_number[:12]}…, PIN {DEFAULT_PIN}), in {state}."
            )
        )
