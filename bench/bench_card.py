"""Card token validation per second on one core, beside one bare ECDSA P-256 verification.

The validation measured is every check the server makes on a token except the card
record lookup (one indexed query by fingerprint), which depends on the database.
"""

import base64
import json
import tempfile
import uuid
from types import SimpleNamespace

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.test import override_settings

from bench.timing import rate

ORIGIN = "https://uniqc.coop"


def run() -> list[tuple[str, float, str]]:
    from identity.card import validation
    from identity.card.ca import ca_cache_clear, ca_init, card_certificate_issue

    with (
        tempfile.TemporaryDirectory() as directory,
        override_settings(CARD_CA_DIR=directory, CARD_CA_PASSPHRASE="bench", SITE_URL=ORIGIN),  # noqa: S106
    ):
        ca_init()
        key = ec.generate_private_key(ec.SECP256R1())
        user = SimpleNamespace(public_id=uuid.uuid4())
        certificate = card_certificate_issue(public_key=key.public_key(), user=user)
        nonce = base64.b64encode(b"n" * 32).decode()
        data = validation.signed_data(origin=ORIGIN, nonce=nonce)
        der_signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der_signature)
        token = json.dumps(
            {
                "unverifiedCertificate": base64.b64encode(
                    certificate.public_bytes(serialization.Encoding.DER)
                ).decode(),
                "algorithm": "ES256",
                "signature": base64.b64encode(
                    r.to_bytes(32, "big") + s.to_bytes(32, "big")
                ).decode(),
                "format": "web-eid:1.0",
                "appVersion": "https://uniqc.coop/agent/0.1.0",
            }
        )
        public_key = key.public_key()

        def bare_verify() -> None:
            public_key.verify(der_signature, data, ec.ECDSA(hashes.SHA256()))

        def validate() -> None:
            parsed = validation.token_parse(token)
            validation.certificate_validity_check(parsed.certificate, now=_now())
            validation.certificate_purpose_check(parsed.certificate)
            validation.certificate_chain_check(parsed.certificate)
            validation.signature_check(parsed, origin=ORIGIN, nonce=nonce)

        rows = [
            ("card: bare ECDSA P-256 verification", rate(bare_verify), "verifications/s"),
            ("card: token validation (no DB lookup)", rate(validate), "tokens/s"),
        ]
        ca_cache_clear()
    return rows


def _now():
    import datetime

    return datetime.datetime.now(tz=datetime.UTC)
