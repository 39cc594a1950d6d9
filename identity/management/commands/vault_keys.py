from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.vault import crypto, errors
from identity.vault.selectors import vault_key_counts
from identity.vault.services import REWRAP_BATCH, vault_keys_rewrap


class Command(BaseCommand):
    help = (
        "The vault's wrapping keys (VAULT_KEYS). `status` counts live documents per key id; "
        "`rewrap` wraps every data key still under an older key with the first key, in "
        "batches, without touching the files. To rotate: put a new key first in VAULT_KEYS, "
        "restart every process, run `rewrap`, check `status` shows only the first key, then "
        "drop the old one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="action", required=True)
        subcommands.add_parser("status", help="Live documents per wrapping key id.")
        rewrap = subcommands.add_parser(
            "rewrap", help="Wrap every data key under an older key with the first key."
        )
        rewrap.add_argument(
            "--batch",
            type=int,
            default=REWRAP_BATCH,
            help=f"Rows per transaction (default {REWRAP_BATCH}).",
        )

    def handle(self, *args: Any, action: str, batch: int = REWRAP_BATCH, **options: Any) -> None:
        configured = [key.kek_id for key in crypto.vault_keys()]
        if action == "status":
            counts = vault_key_counts()
            for row in counts:
                if row["kek_id"] == configured[0]:
                    state = "current"
                elif row["kek_id"] in configured:
                    state = "old, configured"
                else:
                    state = "NOT CONFIGURED"
                self.stdout.write(f"{row['kek_id']} {row['documents']} {state}")
            if not counts:
                self.stdout.write("no documents")
            return
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        try:
            rewrapped = vault_keys_rewrap(batch=batch)
        except errors.VaultKeyUnknown as error:
            raise CommandError(
                f"a document's key is wrapped by {error.kek_id}, which VAULT_KEYS no longer "
                "holds: put that key back (after the first) and run rewrap again."
            ) from error
        self.stdout.write(f"rewrapped {rewrapped} under {configured[0]}")
