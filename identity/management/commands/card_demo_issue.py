"""Issue the demo card to a demo person, once: `make run` calls it before the card agent.

The work is identity.demo.demo_card_issue: the registrar's issuance services, proof of
possession included. The demo shopper's card is issued by the demo registrar; a
registrar's or coop admin's card by the demo superuser, as the rules want. An existing
card file or a holder's active card is left alone.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from identity.demo import DEMO_CARD_HOLDER, DEMO_CARD_ISSUERS, demo_card_issue


class Command(BaseCommand):
    help = "Issue the demo card (var/demo-card.json) to the demo shopper if it is not issued."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--state", type=Path, default=Path("var/demo-card.json"))
        parser.add_argument("--holder", default=DEMO_CARD_HOLDER)
        parser.add_argument(
            "--registrar",
            action="append",
            help=f"who may issue it, in order (default: {', '.join(DEMO_CARD_ISSUERS)})",
        )

    def handle(
        self, *args: Any, state: Path, holder: str, registrar: list[str] | None, **options: Any
    ) -> None:
        result = demo_card_issue(state=state, holder=holder, issuers=registrar or DEMO_CARD_ISSUERS)
        if result.failed:
            self.stderr.write(result.message)
        elif result.card is not None:
            self.stdout.write(self.style.SUCCESS(result.message))
        else:
            self.stdout.write(result.message)
