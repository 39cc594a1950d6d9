from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from identity.models import IdTokenAlg
from identity.oidc.keys import signing_key_rotate


class Command(BaseCommand):
    help = (
        "Rotate ID token signing keys: a new active key per algorithm; the retired key stays "
        "in the JWKS until the ID tokens it signed have expired."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="action", required=True)
        rotate = subcommands.add_parser("rotate", help="Make a new signing key.")
        rotate.add_argument(
            "--alg",
            choices=IdTokenAlg.values,
            action="append",
            help="Algorithm to rotate (repeatable); default: all.",
        )

    def handle(self, *args: Any, action: str, alg: list[str] | None = None, **options: Any) -> None:
        for name in alg or IdTokenAlg.values:
            key = signing_key_rotate(alg=name)
            self.stdout.write(f"{key.alg} {key.kid}")
