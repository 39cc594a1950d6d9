"""Passkey assertion verifications per second on one core, beside one bare ECDSA P-256
verification measured in the same run.

The verification measured is what the server does with an assertion once it has the
stored passkey: parse the JSON the page posts, then py_webauthn's checks (client data,
challenge, origin, RP ID hash, flags, COSE key decoding, signature). The passkey lookup
(one indexed query by credential id) and the sign-count update depend on the database.
"""

import base64
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bench.timing import rate

ORIGIN = "https://uniqc.coop"
RP_ID = "uniqc.coop"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def run() -> list[tuple[str, float, str]]:
    from webauthn import verify_authentication_response
    from webauthn.helpers import encode_cbor, parse_authentication_credential_json

    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    cose_key = encode_cbor(
        {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")}
    )
    challenge = os.urandom(32)
    credential_id = os.urandom(32)
    # A user-verified assertion (flags UP | UV) with sign count 7.
    auth_data = hashlib.sha256(RP_ID.encode()).digest() + bytes([0x05]) + struct.pack(">I", 7)
    client_data = json.dumps(
        {"type": "webauthn.get", "challenge": _b64url(challenge), "origin": ORIGIN}
    ).encode()
    signed = auth_data + hashlib.sha256(client_data).digest()
    signature = key.sign(signed, ec.ECDSA(hashes.SHA256()))
    assertion = json.dumps(
        {
            "id": _b64url(credential_id),
            "rawId": _b64url(credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": _b64url(client_data),
                "authenticatorData": _b64url(auth_data),
                "signature": _b64url(signature),
                "userHandle": _b64url(os.urandom(16)),
            },
        }
    )
    public_key = key.public_key()

    def bare_verify() -> None:
        public_key.verify(signature, signed, ec.ECDSA(hashes.SHA256()))

    def verify_assertion() -> None:
        verify_authentication_response(
            credential=parse_authentication_credential_json(assertion),
            expected_challenge=challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            credential_public_key=cose_key,
            credential_current_sign_count=0,
            require_user_verification=True,
        )

    verify_assertion()  # fails loudly here, not as a meaningless figure, if it is wrong
    return [
        ("passkey: bare ECDSA P-256 verification", rate(bare_verify), "verifications/s"),
        ("passkey: assertion verification (no DB)", rate(verify_assertion), "assertions/s"),
    ]
