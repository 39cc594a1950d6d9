"""Issue the demo card to the demo shopper, once: `make run` calls it before the card agent.

It personalises a new demo card file (the virtual PIV card, transport PIN 123456 kept as
the PIN) the way the registrar's page does: key generated on the card, certificate signed
by the coop CA and written to the card, then the identity check and the card recorded by
the demo registrar. An existing card file or a holder's active card is left alone.
"""

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from identity.card.agent import AgentError, CardAgent
from identity.card.ca import card_certificate_issue
from identity.card.emulator import DEFAULT_PIN
from identity.card.selectors import card_active_for
from identity.card.services import card_register, identity_check_record
from identity.card.softcard import SoftCardSource
from identity.models import IdentityDocumentType, User

DEMO_HOLDER = "shopper@demo.uniqc.coop"
DEMO_REGISTRAR = "registrar@demo.uniqc.coop"
DEMO_BRANCH = "Uniqc demo branch"


class Command(BaseCommand):
    help = "Issue the demo card (var/demo-card.json) to the demo shopper if it is not issued."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--state", type=Path, default=Path("var/demo-card.json"))
        parser.add_argument("--holder", default=DEMO_HOLDER)
        parser.add_argument("--registrar", default=DEMO_REGISTRAR)

    def handle(self, *args: Any, state: Path, holder: str, registrar: str, **options: Any) -> None:
        person = User.objects.filter(email=holder).first()
        issuer = User.objects.filter(email=registrar).first()
        if person is None or issuer is None:
            self.stdout.write(f"Demo card: {holder} or {registrar} is missing; run seed_demo.")
            return
        if state.exists() or card_active_for(person) is not None:
            self.stdout.write(
                f"Demo card: {state} is kept as it is. To issue it again, sign in as "
                f"{registrar} and use the registrar page (Identity checks)."
            )
            return
        state.parent.mkdir(parents=True, exist_ok=True)
        agent = CardAgent(SoftCardSource.from_file(state))
        try:
            public_key = agent.generate_key(pin=DEFAULT_PIN)
            certificate = card_certificate_issue(public_key=public_key, user=person)
            agent.write_certificate(
                certificate.public_bytes(serialization.Encoding.DER), pin=DEFAULT_PIN
            )
        except AgentError as failure:
            state.unlink(missing_ok=True)
            self.stderr.write(f"Demo card not issued: {failure}")
            return
        with transaction.atomic():
            check = identity_check_record(
                person=person,
                document_type=IdentityDocumentType.PASSPORT,
                document_last4="DEMO",
                branch=DEMO_BRANCH,
                registrar=issuer,
            )
            card = card_register(
                person=person, certificate=certificate, identity_check=check, registrar=issuer
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo card issued to {holder} (serial {card.serial_number[:12]}…, "
                f"PIN {DEFAULT_PIN}), in {state}."
            )
        )
