"""The signature-request API for services (docs/signature-requests.md) and the public
verification endpoint.

Plain views, as the OIDC endpoints and the payables API: every body is read by
core.jsonin.json_parse, every field checked here with a stable code, every refusal a
problem document (core.problems).
"""

import base64
import binascii
import datetime
import re
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.idempotency import idempotency_key_or_problem
from core.jsonin import JsonInputError, json_parse
from core.problems import PROBLEM_CONTENT_TYPE, problem_body, problem_response
from identity.models import OidcClient, SignatureRequest, SignatureRequestStatus
from identity.oidc.client_access import ClientAccess, client_bearer_access
from identity.oidc.selectors import bearer_access
from identity.ratelimit import RateLimit, client_ip
from identity.signing import errors
from identity.signing.selectors import (
    access_signature_request_of_client,
    access_signature_requests_api,
    person_for_subject,
)
from identity.signing.services import (
    REQUEST_LIFETIME_DEFAULT,
    REQUEST_LIFETIME_MAX,
    RequestInput,
    signature_request_cancel,
    signature_request_create,
    signing_title_printable,
)
from identity.signing.verification import signatures_verify
from identity.vault.errors import VaultDocumentDeleted
from identity.vault.services import vault_document_release

FIELDS = {
    "sub",
    "title",
    "message",
    "document",
    "document_sha256",
    "expires_in",
    "disclose_name_allowed",
}
TITLE_MAX = 200
MESSAGE_MAX = 2000
SUB_MAX = 255
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
VERIFY_LIMIT = RateLimit("signature-verify-api", limit=60, window=10 * 60)


def _body_read(request: HttpRequest, limit: int) -> bytes | None:
    """The request body, up to `limit` bytes; None if it is longer. Read from the stream,
    not request.body, whose DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) is below our limits."""
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > limit:
        return None
    data = request.read(limit + 1)
    return None if len(data) > limit else data


def _body_max_bytes() -> int:
    # The PDF travels in base64 (4/3) inside a small JSON object.
    return settings.SIGNING_PDF_MAX_BYTES * 4 // 3 + 16 * 1024


class _Invalid(Exception):
    def __init__(self, errors: dict[str, tuple[str, str]]) -> None:
        super().__init__("invalid")
        self.errors = errors


def _problem(status: int, code: str, detail: str, **members: Any) -> JsonResponse:
    body = problem_body(status=status, code=code, detail=detail)
    body.update(members)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _refusal(error: errors.SigningError) -> JsonResponse:
    headers = {}
    if error.code == "insufficient_scope":
        headers["WWW-Authenticate"] = (
            'Bearer error="insufficient_scope", scope="signature_requests"'
        )
    return problem_response(
        status=error.status, code=error.code, detail=str(error), headers=headers
    )


def _client(request: HttpRequest) -> ClientAccess | JsonResponse:
    access = client_bearer_access(request.META.get("HTTP_AUTHORIZATION", ""))
    if access is None:
        return problem_response(
            status=401,
            code="invalid_token",
            detail=_("Send the service’s client-credentials access token as a Bearer token."),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    try:
        access_signature_requests_api(client=access.client, scopes=access.scopes)
    except errors.SigningError as refused:
        return _refusal(refused)
    return access


def _text(document: dict, name: str, maximum: int, errors_: dict, *, required: bool) -> str:
    value = document.get(name, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()):
        errors_[name] = ("required" if value is None else "invalid", _("Give a text."))
        return ""
    value = value.strip()
    if len(value) > maximum or "\x00" in value:
        errors_[name] = ("invalid", _("At most %(max)d characters.") % {"max": maximum})
    return value


def request_input_parse(document: dict[str, Any]) -> tuple[str, RequestInput]:
    """The person's `sub` and every field of a new request, checked; raises _Invalid."""
    found: dict[str, tuple[str, str]] = {}
    for name in sorted(set(document) - FIELDS):
        found[name] = ("unknown_field", _("This field is not known."))
    sub = document.get("sub")
    if not isinstance(sub, str) or not 0 < len(sub) <= SUB_MAX:
        found["sub"] = ("invalid", _("The person’s subject identifier, as your service got it."))
    title = _text(document, "title", TITLE_MAX, found, required=True)
    if title and not signing_title_printable(title):
        found["title"] = ("invalid", _("A title holds no control or format characters."))
    message = _text(document, "message", MESSAGE_MAX, found, required=False)
    pdf = None
    digest = document.get("document_sha256")
    encoded = document.get("document")
    if (encoded is None) == (digest is None):
        found["document"] = (
            "document_or_digest",
            _("Send either the PDF (document, base64) or its SHA-256 (document_sha256)."),
        )
    elif encoded is not None:
        try:
            if not isinstance(encoded, str):
                raise ValueError(encoded)
            pdf = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            found["document"] = ("invalid", _("The PDF, in base64."))
        else:
            if len(pdf) > settings.SIGNING_PDF_MAX_BYTES:
                found["document"] = ("too_large", _("The PDF is too large."))
    elif not isinstance(digest, str) or not SHA256_HEX.fullmatch(digest):
        found["document_sha256"] = ("invalid", _("64 lower-case hexadecimal digits."))
    expires_in = document.get("expires_in", int(REQUEST_LIFETIME_DEFAULT.total_seconds()))
    maximum = int(REQUEST_LIFETIME_MAX.total_seconds())
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        found["expires_in"] = ("invalid", _("A number of seconds."))
        expires_in = 0
    elif not 300 <= expires_in <= maximum:
        found["expires_in"] = (
            "out_of_range",
            _("From 300 seconds to 30 days (%(max)d seconds).") % {"max": maximum},
        )
    disclose = document.get("disclose_name_allowed", True)
    if not isinstance(disclose, bool):
        found["disclose_name_allowed"] = ("invalid", _("true or false."))
    if found:
        raise _Invalid(found)
    return sub, RequestInput(
        title=title,
        message=message,
        pdf=pdf,
        document_sha256=digest if pdf is None else None,
        expires_in=datetime.timedelta(seconds=expires_in),
        disclose_name_allowed=disclose,
    )


def sign_url(request: SignatureRequest) -> str:
    return settings.SITE_URL + reverse("signing:request", args=[request.public_id])


def request_document(request: SignatureRequest) -> dict[str, Any]:
    """What the service reads of its request."""
    return {
        "id": str(request.public_id),
        "status": request.status,
        "mode": request.mode,
        "title": request.title,
        "document_sha256": request.document_sha256,
        "sign_url": sign_url(request),
        "expires_at": request.expires_at.isoformat(),
        "signed_at": request.signed_at.isoformat() if request.signed_at else None,
        "disclose_name": request.disclose_name,
        "created_at": request.created_at.isoformat(),
    }


@csrf_exempt
@never_cache
@require_POST
def signature_requests_create(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/signature-requests/: 201 with the new request; the same key again,
    200 with it."""
    access = _client(request)
    if isinstance(access, JsonResponse):
        return access
    key = idempotency_key_or_problem(request)
    if isinstance(key, JsonResponse):
        return key
    if request.content_type != "application/json":
        return _problem(415, "unsupported_media_type", _("Send the body as application/json."))
    raw = _body_read(request, _body_max_bytes())
    if raw is None:
        return _problem(413, "json_too_large", _("The body is too large."))
    try:
        document = json_parse(raw, max_bytes=_body_max_bytes())
        sub, given = request_input_parse(document)
    except JsonInputError as error:
        return _problem(413 if error.code == "json_too_large" else 400, error.code, error.message)
    except _Invalid as invalid:
        return _problem(
            400,
            "invalid",
            _("The request has invalid fields: see errors."),
            errors={name: [message] for name, (_code, message) in invalid.errors.items()},
            error_codes={name: code for name, (code, _message) in invalid.errors.items()},
        )
    person = person_for_subject(client=access.client, sub=sub)
    if person is None:
        return _refusal(errors.ConsentMissing())
    try:
        created_request, created = signature_request_create(
            client=access.client, person=person, given=given, idempotency_key=key
        )
    except errors.SigningError as refused:
        return _refusal(refused)
    body = {"id": str(created_request.public_id), "status": created_request.status}
    body["sign_url"] = sign_url(created_request)
    response = JsonResponse(body, status=201 if created else 200)
    if not created:
        response["Idempotent-Replayed"] = "true"
    return response


def _own_request(access: ClientAccess, request_id: UUID) -> SignatureRequest:
    found = (
        SignatureRequest.objects.select_related("client", "signed_document")
        .filter(public_id=request_id)
        .first()
    )
    return access_signature_request_of_client(client=access.client, request=found)


@csrf_exempt
@never_cache
@require_GET
def signature_request_read(request: HttpRequest, request_id: UUID) -> JsonResponse:
    """GET /api/v1/signature-requests/<id>: the service's own request as it stands."""
    access = _client(request)
    if isinstance(access, JsonResponse):
        return access
    try:
        found = _own_request(access, request_id)
    except errors.SigningError as refused:
        return _refusal(refused)
    return JsonResponse(request_document(found))


@csrf_exempt
@never_cache
@require_GET
def signature_request_signed_document(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """GET /api/v1/signature-requests/<id>/document: the signed PDF (or the CMS in digest
    mode), once signed; in the person's vault journal as this service's download."""
    access = _client(request)
    if isinstance(access, JsonResponse):
        return access
    try:
        found = _own_request(access, request_id)
    except errors.SigningError as refused:
        return _refusal(refused)
    if found.status != SignatureRequestStatus.SIGNED:
        return _problem(409, "not_signed", _("This request is not signed."))
    document = found.signed_document
    try:
        content = vault_document_release(
            document=document,
            client=access.client,
            detail={"signature_request": str(found.public_id)},
        )
    except VaultDocumentDeleted:
        return _problem(410, "document_deleted", _("The person deleted the signed document."))
    response = HttpResponse(content, content_type=document.content_type)
    extension = "pdf" if document.content_type == "application/pdf" else "p7s"
    response["Content-Disposition"] = f'attachment; filename="{found.public_id}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csrf_exempt
@never_cache
@require_POST
def signature_request_cancel_view(request: HttpRequest, request_id: UUID) -> JsonResponse:
    """POST /api/v1/signature-requests/<id>/cancel: withdrawn while pending (repeatable)."""
    access = _client(request)
    if isinstance(access, JsonResponse):
        return access
    try:
        found = signature_request_cancel(
            request=_own_request(access, request_id), client=access.client
        )
    except errors.SigningError as refused:
        return _refusal(refused)
    return JsonResponse(request_document(found))


def _verifying_client(request: HttpRequest) -> OidcClient | JsonResponse | None:
    """The client a bearer token names (its own or a person's token), None when anonymous."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    access = client_bearer_access(header)
    if access is not None:
        return access.client
    scheme, _space, token = header.partition(" ")
    person_access = bearer_access(token) if scheme.lower() == "bearer" else None
    if person_access is not None:
        return OidcClient.objects.filter(client_id=person_access.client_id).first()
    return problem_response(
        status=401,
        code="invalid_token",
        detail=_("This access token is not valid; send none to verify anonymously."),
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


@csrf_exempt
@never_cache
@require_POST
def signatures_verify_view(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/signatures/verify: a PDF in the body; one report per signature."""
    client = _verifying_client(request)
    if isinstance(client, JsonResponse):
        return client
    if client is None and not VERIFY_LIMIT.take(client_ip(request)):
        return problem_response(
            status=429,
            code="too_many_requests",
            detail=_("Too many verifications from this address; try again later."),
            headers={"Retry-After": str(VERIFY_LIMIT.retry_after(client_ip(request)))},
        )
    if request.content_type != "application/pdf":
        return _problem(415, "unsupported_media_type", _("Send the PDF as application/pdf."))
    pdf = _body_read(request, settings.SIGNING_PDF_MAX_BYTES)
    if pdf is None:
        return _problem(413, "document_too_large", str(errors.DocumentTooLarge.message))
    try:
        reports = signatures_verify(pdf=pdf, client=client)
    except errors.SigningError as refused:
        return _refusal(refused)
    return JsonResponse({"signatures": [report.as_json() for report in reports]})
