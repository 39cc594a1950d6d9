"""Card signatures on the server, on one core, each beside a baseline measured in the
same run:

- bare ECDSA P-256: one verification, and one signature (what the TSA's signature costs);
- TSA responses per second (`tsa_respond`: parse, TSTInfo, signed attributes, ECDSA);
- signatures made per second server-side (`pades_prepare` + `pades_finish` for a one-page
  PDF, a software P-256 key standing in for the card: timestamp, OCSP answers, DSS);
- B-LT validations per second (`signatures_verify`: pyHanko's validation from the PDF's own
  DSS, no fetching, plus the card lookup) for a one-page and a 50-page PDF.

A temporary card CA and a SQLite database in a temporary directory (migrated first, not
timed). Never fails on speed.

    python -m bench.signatures
Environment: BENCH_SECONDS (3, the time spent on each figure).
"""

import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))


def per_second(function: Callable[[], object], seconds: float = SECONDS) -> tuple[float, float]:
    """Calls per second over about `seconds` (at least three calls), and the median ms."""
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return len(times) / sum(times), statistics.median(times) * 1000


def django_setup(directory: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.CARD_CA_DIR = Path(directory) / "ca"
    settings.CARD_CA_PASSPHRASE = "bench-passphrase"  # noqa: S105 - a throwaway CA
    settings.VAULT_ROOT = Path(directory) / "vault"
    settings.SITE_URL = "https://uniqc.coop"


def soft_card():
    """An active card with a 9C certificate over a software key, as the tests make one."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from identity.card.ca import card_certificate_issue, card_signing_certificate_issue
    from identity.card.services import card_register, identity_check_record
    from identity.models import IdentityDocumentType
    from identity.roles import Role
    from identity.services import user_create

    registrar = user_create(
        email="registrar@bench.example",
        password=None,
        given_name="R",
        family_name="R",
        roles=(Role.REGISTRAR,),
        email_verified=True,
    )
    person = user_create(
        email="person@bench.example", password=None, given_name="P", family_name="P"
    )
    check = identity_check_record(
        person=person,
        document_type=IdentityDocumentType.PASSPORT,
        document_last4="1234",
        branch="Bench",
        registrar=registrar,
    )
    auth_key = ec.generate_private_key(ec.SECP256R1())
    card = card_register(
        person=person,
        certificate=card_certificate_issue(public_key=auth_key.public_key(), user=person),
        identity_check=check,
        registrar=registrar,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    pseudonym = secrets.token_hex(16)
    certificate = card_signing_certificate_issue(public_key=key.public_key(), pseudonym=pseudonym)
    card.signing_serial_number = format(certificate.serial_number, "x")
    card.signing_certificate_der = certificate.public_bytes(serialization.Encoding.DER)
    card.signing_fingerprint_sha256 = certificate.fingerprint(hashes.SHA256()).hex()
    card.signing_pseudonym = pseudonym
    card.save()
    return key, certificate


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        django_setup(directory)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run()


def run() -> None:
    import hashlib

    from asn1crypto import tsp
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from identity.card.ca import ca_init
    from identity.signing.pades import pades_finish, pades_prepare
    from identity.signing.tsa import tsa_respond
    from identity.signing.verification import signatures_verify
    from identity.tests.signing.pdfs import pdf_make

    ca_init()
    key, certificate = soft_card()
    rows: list[tuple[str, float, float]] = []

    message = b"x" * 200
    bare_signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    public_key = key.public_key()
    rows.append(
        (
            "baseline: bare ECDSA P-256 verify",
            *per_second(
                lambda: public_key.verify(bare_signature, message, ec.ECDSA(hashes.SHA256()))
            ),
        )
    )
    rows.append(
        (
            "baseline: bare ECDSA P-256 sign",
            *per_second(lambda: key.sign(message, ec.ECDSA(hashes.SHA256()))),
        )
    )

    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(b"bench").digest(),
            },
            "nonce": 123456789,
            "cert_req": True,
        }
    ).dump()
    tsa_respond(request)  # the TSA's key and certificate are made on first use
    rows.append(("TSA response (tsa_respond)", *per_second(lambda: tsa_respond(request))))

    one_page = pdf_make(1)

    def sign(pdf: bytes) -> bytes:
        prepared = pades_prepare(pdf=pdf, certificate=certificate, title="Bench")
        signature = key.sign(prepared.signed_attributes, ec.ECDSA(hashes.SHA256()))
        return pades_finish(prepared=prepared, signature=signature, certificate=certificate)

    rows.append(("PAdES B-LT signature made, 1 page", *per_second(lambda: sign(one_page))))

    for pages in (1, 50):
        signed = sign(pdf_make(pages))
        reports = signatures_verify(pdf=signed, client=None)
        assert reports and reports[0].valid and reports[0].level == "B-LT", reports
        rows.append(
            (
                f"B-LT validation, {pages} page(s), {len(signed) // 1024} KB",
                *per_second(lambda signed=signed: signatures_verify(pdf=signed, client=None)),
            )
        )

    width = max(len(name) for name, _, _ in rows)
    print(f"Card signatures, one core, {SECONDS:g} s per figure")
    for name, rate, median_ms in rows:
        print(f"  {name:<{width}}  {rate:>10.1f}/s  median {median_ms:8.3f} ms")


if __name__ == "__main__":
    main()
