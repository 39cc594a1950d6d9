from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lockers.label_keys import (
    LABEL_KEY_STAGED_FOR,
    LabelKeyNotStaged,
    LabelKeyPromotionTooEarly,
    label_key_promote,
    label_key_promotion_due,
    label_key_stage,
    label_keys_reseal,
    label_keys_retire,
)


class Command(BaseCommand):
    help = (
        "Parcel label signing keys, rotated in stages like the OIDC keys: `stage` publishes "
        "the next key at /casiers/etiquettes/cles.json; `promote`, at least "
        f"{int(LABEL_KEY_STAGED_FOR.total_seconds() // 3600)} hours later (when every "
        "courier's phone holds it), makes it sign and retires the old key, published while "
        "its labels are in use; `retire` deletes keys whose publication has ended; `reseal` "
        "seals every private key under the first KEY_ENCRYPTION_KEY."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="action", required=True)
        subcommands.add_parser("stage", help="Publish the next label key (it does not sign yet).")
        subcommands.add_parser(
            "promote", help="Make the staged key sign, once it has been published long enough."
        )
        subcommands.add_parser("retire", help="Delete keys whose publication has ended.")
        subcommands.add_parser(
            "reseal", help="Seal every private key under the first KEY_ENCRYPTION_KEY."
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "retire":
            self.stdout.write(f"deleted {label_keys_retire()}")
        elif action == "reseal":
            self.stdout.write(f"resealed {label_keys_reseal()}")
        elif action == "stage":
            key = label_key_stage()
            due = label_key_promotion_due(key)
            self.stdout.write(f"{key.kid} staged; promote after {due.isoformat()}")
        else:
            try:
                key = label_key_promote()
            except LabelKeyNotStaged as error:
                raise CommandError("No label key is staged; run `label_keys stage`.") from error
            except LabelKeyPromotionTooEarly as error:
                raise CommandError(
                    f"The staged key may sign from {error.due_at.isoformat()} (couriers' "
                    "phones may not hold it yet)."
                ) from error
            self.stdout.write(f"{key.kid} signs")
