from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.errors import SigningKeyNotStaged, SigningKeyPromotionTooEarly
from identity.models import IdTokenAlg
from identity.oidc.keys import (
    SIGNING_KEY_STAGED_FOR,
    signing_key_promote,
    signing_key_promotion_due,
    signing_key_stage,
    signing_keys_reseal,
    signing_keys_retire,
)


class Command(BaseCommand):
    help = (
        "ID token signing keys, rotated in stages: `stage` publishes the next key in the "
        "JWKS; `promote`, at least "
        f"{int(SIGNING_KEY_STAGED_FOR.total_seconds() // 60)} minutes later (when every "
        "relying party's cached JWKS holds it), makes it sign and retires the old key, "
        "published until its ID tokens expire; `retire` deletes keys whose publication has "
        "ended; `reseal` seals every private key under the first KEY_ENCRYPTION_KEY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="action", required=True)
        for action, text in (
            ("stage", "Publish the next signing key (it does not sign yet)."),
            ("promote", "Make the staged key sign, once it has been published long enough."),
        ):
            subcommand = subcommands.add_parser(action, help=text)
            subcommand.add_argument(
                "--alg",
                choices=IdTokenAlg.values,
                action="append",
                help="Algorithm (repeatable); default: all.",
            )
        subcommands.add_parser("retire", help="Delete keys whose publication has ended.")
        subcommands.add_parser(
            "reseal", help="Seal every private key under the first KEY_ENCRYPTION_KEY."
        )

    def handle(self, *args: Any, action: str, alg: list[str] | None = None, **options: Any) -> None:
        if action == "retire":
            self.stdout.write(f"deleted {signing_keys_retire()}")
        elif action == "reseal":
            self.stdout.write(f"resealed {signing_keys_reseal()}")
        elif action == "stage":
            for name in alg or IdTokenAlg.values:
                key = signing_key_stage(alg=name)
                due = signing_key_promotion_due(key)
                self.stdout.write(f"{key.alg} {key.kid} staged; promote after {due.isoformat()}")
        else:
            for name in alg or IdTokenAlg.values:
                try:
                    key = signing_key_promote(alg=name)
                except SigningKeyNotStaged as error:
                    raise CommandError(
                        f"{name}: no key is staged; run `oidc_keys stage`."
                    ) from error
                except SigningKeyPromotionTooEarly as error:
                    raise CommandError(
                        f"{name}: the staged key may sign from {error.due_at.isoformat()} "
                        "(relying parties may not have it in their cached JWKS yet)."
                    ) from error
                self.stdout.write(f"{key.alg} {key.kid} signs")
