"""Manage the coop's card certificate authority: `init`, `status`, `crl`, `tsa-renew`."""

import sys
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.card.ca import ca_init, ca_status
from identity.card.errors import CaAlreadyInitialised, CaNotInitialised
from identity.card.revocation import crl_build


class Command(BaseCommand):
    help = "Create the card CA (root and issuing), show its status, or write the current CRL."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        init = actions.add_parser("init", help="Create the root and issuing CA.")
        init.add_argument(
            "--force",
            action="store_true",
            help="Replace an existing CA (every card it issued stops working).",
        )
        actions.add_parser("status", help="Show the CA's certificates.")
        crl = actions.add_parser("crl", help="Write the current CRL (DER).")
        crl.add_argument("--output", "-o", help="File to write; default: standard output.")
        actions.add_parser(
            "tsa-renew",
            help="Give the timestamp authority a new key and one-year certificate.",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action.replace('-', '_')}")(**options)
        except (CaAlreadyInitialised, CaNotInitialised) as exc:
            raise CommandError(str(exc)) from exc

    def _init(self, *, force: bool, **options: Any) -> None:
        root, issuing = ca_init(force=force)
        self.stdout.write(self.style.SUCCESS("Card CA created."))
        for label, cert in (("root", root), ("issuing", issuing)):
            self.stdout.write(
                f"{label}: {cert.subject.rfc4514_string()} "
                f"sha256={cert.fingerprint(hashes.SHA256()).hex()} "
                f"until {cert.not_valid_after_utc:%Y-%m-%d}"
            )

    def _status(self, **options: Any) -> None:
        status = ca_status()
        self.stdout.write(f"directory: {status['directory']}")
        if not status["initialised"]:
            raise CommandError("No card CA here; run `manage.py card_ca init`.")
        for label in ("root", "issuing"):
            cert = status[label]
            if cert is None:
                self.stdout.write(f"{label}: missing")
                continue
            self.stdout.write(
                f"{label}: {cert['subject']} serial={cert['serial']} "
                f"valid {cert['not_before']:%Y-%m-%d} to {cert['not_after']:%Y-%m-%d} "
                f"sha256={cert['fingerprint_sha256']}"
            )
        readable = "yes" if status["key_readable"] else "NO (check CARD_CA_PASSPHRASE)"
        self.stdout.write(f"issuing key readable: {readable}")

    def _crl(self, *, output: str | None, **options: Any) -> None:
        from cryptography.hazmat.primitives import serialization

        der = crl_build().public_bytes(serialization.Encoding.DER)
        if output:
            with open(output, "wb") as handle:
                handle.write(der)
            self.stdout.write(f"CRL written to {output} ({len(der)} bytes).")
        else:
            sys.stdout.buffer.write(der)

    def _tsa_renew(self, **options: Any) -> None:
        from identity.signing.tsa import tsa_certificate_renew

        row = tsa_certificate_renew()
        self.stdout.write(
            self.style.SUCCESS(
                f"TSA certificate {row.serial_number} sha256={row.fingerprint_sha256} "
                f"until {row.not_after:%Y-%m-%d}; the previous one is retired."
            )
        )
