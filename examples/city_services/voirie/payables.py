"""The city's side of Uniqc's payables (Uniqc's docs/payables.md): a client-credentials
token, the API call that asks a citizen to pay, and the check of the signed webhook that
says it was paid. HTTP only: no Uniqc code is imported."""

import hashlib
import hmac
import time
from typing import Any

import requests
from django.conf import settings

TIMEOUT = 10
SIGNATURE_TOLERANCE = 300


class PayablesUnavailable(Exception):
    """Uniqc did not create the payable (unreachable, refused): the ticket waits."""


def _discovery() -> dict[str, Any]:
    url = f"{settings.UNIQC_ISSUER}/.well-known/openid-configuration"
    response = requests.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def client_token(scope: str = "payables") -> str:
    """An access token of this service itself (client credentials, for `scope`)."""
    response = requests.post(
        _discovery()["token_endpoint"],
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(settings.CITY_CLIENT_ID, settings.CITY_CLIENT_SECRET),
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def payable_request(*, idempotency_key: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /api/v1/payables/ with the ticket's stored key: a retry finds the same payable.
    Returns {"id", "pay_url", "payment_code", "status"}."""
    try:
        response = requests.post(
            f"{settings.UNIQC_ISSUER}/api/v1/payables/",
            json=body,
            headers={
                "Authorization": f"Bearer {client_token()}",
                "Idempotency-Key": idempotency_key,
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise PayablesUnavailable(str(error)) from error
    if response.status_code not in (200, 201):
        code = response.json().get("code", "") if response.content else ""
        raise PayablesUnavailable(f"{response.status_code} {code}")
    return response.json()


def signature_verify(header: str, body: bytes, secret: str, *, now: float | None = None) -> bool:
    """Uniqc-Signature, as Uniqc's docs/service-webhooks.md says: `t` within five minutes,
    an HMAC-SHA256 of `t.body` equal to any `v1`, compared in constant time."""
    timestamp, signatures = None, []
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if not secret or not timestamp or not timestamp.isdigit() or not signatures:
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > SIGNATURE_TOLERANCE:
        return False
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
