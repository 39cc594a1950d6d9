"""The city's side of Uniqc's signature requests (Uniqc's docs/signature-requests.md): a
client-credentials token with the scope `signature_requests`, the request that asks a
citizen to sign a PDF with their card, and the download of the signed PDF. HTTP only: no
Uniqc code is imported."""

import base64
from typing import Any

import requests
from django.conf import settings

from voirie.payables import client_token

TIMEOUT = 30
SCOPE = "signature_requests"
EXPIRES_IN = 7 * 86400  # a week to sign, Uniqc's default said out loud


class SignaturesUnavailable(Exception):
    """Uniqc did not answer as hoped (unreachable, refused): `code` is its problem code."""

    def __init__(self, status: int, code: str = "") -> None:
        super().__init__(f"{status} {code}".strip())
        self.status = status
        self.code = code


def _problem(response: requests.Response) -> SignaturesUnavailable:
    code = ""
    if response.headers.get("Content-Type", "").startswith("application/problem+json"):
        code = str(response.json().get("code", ""))
    return SignaturesUnavailable(response.status_code, code)


def signature_request_create(
    *, idempotency_key: str, sub: str, title: str, message: str, pdf: bytes
) -> dict[str, Any]:
    """POST /api/v1/signature-requests/ with the permit's stored key: a retry finds the same
    request. Returns {"id", "status", "sign_url"}."""
    try:
        response = requests.post(
            f"{settings.UNIQC_ISSUER}/api/v1/signature-requests/",
            json={
                "sub": sub,
                "title": title,
                "message": message,
                "document": base64.b64encode(pdf).decode("ascii"),
                "expires_in": EXPIRES_IN,
            },
            headers={
                "Authorization": f"Bearer {client_token(SCOPE)}",
                "Idempotency-Key": idempotency_key,
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise SignaturesUnavailable(0, type(error).__name__) from error
    if response.status_code not in (200, 201):
        raise _problem(response)
    return response.json()


def signed_document_fetch(*, request_id: str) -> bytes:
    """GET /api/v1/signature-requests/<id>/document: the signed PDF."""
    try:
        response = requests.get(
            f"{settings.UNIQC_ISSUER}/api/v1/signature-requests/{request_id}/document",
            headers={"Authorization": f"Bearer {client_token(SCOPE)}"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise SignaturesUnavailable(0, type(error).__name__) from error
    if response.status_code != 200:
        raise _problem(response)
    if response.headers.get("Content-Type") != "application/pdf":
        raise SignaturesUnavailable(response.status_code, "not_a_pdf")
    return response.content


def signature_check(*, pdf: bytes) -> dict[str, Any]:
    """POST /api/v1/signatures/verify with the city's token: each signature's verdict, its
    level, and the signer as the city knows them (`signer.sub`)."""
    try:
        response = requests.post(
            f"{settings.UNIQC_ISSUER}/api/v1/signatures/verify",
            data=pdf,
            headers={
                "Authorization": f"Bearer {client_token(SCOPE)}",
                "Content-Type": "application/pdf",
            },
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise SignaturesUnavailable(0, type(error).__name__) from error
    if response.status_code != 200:
        raise _problem(response)
    return response.json()
