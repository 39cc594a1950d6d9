"""Webhook signatures in Stripe's shape, which the offline gateway uses too: a header
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the endpoint's secret>`,
refused when older than five minutes (docs/payments.md has a worked example).

Stripe's own events are checked by the stripe library (StripeGateway); this module signs
and checks the offline gateway's, and the tests prove both agree on the same bytes."""

import hashlib
import hmac
import time

from marketplace.errors import WebhookRefused

# Stripe's tolerance: a replayed event older than this is refused.
SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_SCHEME = "v1"
# A header longer than this is not a signature (a few signatures during a secret roll).
SIGNATURE_HEADER_MAX_LENGTH = 1000


def signature_compute(*, payload: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `"{timestamp}.{payload}"` under `secret`."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(*, payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The signature header for `payload`: `t=…,v1=…`."""
    if timestamp is None:
        timestamp = int(time.time())
    signature = signature_compute(payload=payload, secret=secret, timestamp=timestamp)
    return f"t={timestamp},{SIGNATURE_SCHEME}={signature}"


def signature_verify(
    *,
    payload: bytes,
    header: str,
    secret: str,
    now: int | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> None:
    """Raise WebhookRefused unless one `v1` signature of `header` is `payload`'s under
    `secret` and its timestamp is within `tolerance` seconds of now (either way: a clock
    far ahead is as suspect as a replay)."""
    if not secret:
        raise WebhookRefused("no webhook secret is configured")
    if not header or len(header) > SIGNATURE_HEADER_MAX_LENGTH:
        raise WebhookRefused("missing or oversized signature header")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == SIGNATURE_SCHEME:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookRefused("signature header without a timestamp or a v1 signature")
    expected = signature_compute(payload=payload, secret=secret, timestamp=timestamp)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise WebhookRefused("signature does not match")
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookRefused("signature timestamp outside the tolerance")
