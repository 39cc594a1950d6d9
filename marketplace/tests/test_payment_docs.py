"""docs/payments.md's worked signature example is what our signer, our verifier and the
stripe library all compute."""

import re
from pathlib import Path

import stripe
from django.conf import settings

from marketplace.gateways.signatures import signature_header, signature_verify

DOC = Path(settings.BASE_DIR) / "docs" / "payments.md"


def _example() -> tuple[str, int, bytes, str]:
    text = DOC.read_text()
    section = text.split("### Worked example", 1)[1]
    blocks = re.findall(r"```\n(.*?)\n```", section, flags=re.S)
    secret, body, header = blocks[0], blocks[1], blocks[2]
    timestamp = int(re.search(r"Timestamp: `(\d+)`", section).group(1))
    return secret, timestamp, body.encode(), header


def test_the_worked_example_is_our_signature():
    secret, timestamp, body, header = _example()
    assert signature_header(payload=body, secret=secret, timestamp=timestamp) == header
    signature_verify(payload=body, header=header, secret=secret, now=timestamp + 10)


def test_the_worked_example_is_stripes_signature():
    secret, timestamp, body, header = _example()
    assert (
        stripe.WebhookSignature.generate_signature_header(
            body.decode(), secret, timestamp=timestamp
        )
        == header
    )
