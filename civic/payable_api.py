"""The payables API for city services (docs/payables.md): create, read and cancel, with the
service's own client-credentials token (scope `payables`).

Plain views, as the OIDC endpoints: every body is read by core.jsonin.json_parse, every
field checked here with a stable code, every refusal a problem document (core.problems).
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from civic.models import Payable, PayableKind
from civic.payable_errors import PayableError
from civic.payable_selectors import access_payable_of_client, access_payables_api
from civic.payables import (
    CURRENCY,
    PayableInput,
    payable_cancel,
    payable_create,
    payable_pay_url,
    payable_payment_code,
)
from core.idempotency import idempotency_key_or_problem
from core.jsonin import JsonInputError, json_parse
from core.problems import PROBLEM_CONTENT_TYPE, problem_body, problem_response
from identity.oidc.client_access import ClientAccess, client_bearer_access

BODY_MAX_BYTES = 8 * 1024
FIELDS = {"reference", "kind", "description", "amount", "currency", "due_date", "sub"}
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,59}")
AMOUNT = re.compile(r"[0-9]{1,8}\.[0-9]{2}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TEXT_MAX = 300
SUB_MAX = 255


class _Invalid(Exception):
    def __init__(self, errors: dict[str, tuple[str, str]]) -> None:
        super().__init__("invalid")
        self.errors = errors


def _problem(status: int, code: str, detail: str, **members: Any) -> JsonResponse:
    body = problem_body(status=status, code=code, detail=detail)
    body.update(members)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _refusal(error: PayableError) -> JsonResponse:
    headers = {}
    if error.code == "insufficient_scope":
        headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope", scope="payables"'
    return problem_response(
        status=error.http_status, code=error.code, detail=str(error.message), headers=headers
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
        access_payables_api(client=access.client, scopes=access.scopes)
    except PayableError as refused:
        return _refusal(refused)
    return access


def _text(value: Any, *, field: str, maximum: int, errors: dict) -> str:
    if not isinstance(value, str) or not value.strip():
        errors[field] = ("required", _("Give a text."))
        return ""
    value = value.strip()
    if len(value) > maximum or any(ord(c) < 32 for c in value):
        errors[field] = (
            "invalid",
            _("At most %(max)d characters, on one line.") % {"max": maximum},
        )
    return value


def payable_input_parse(document: dict[str, Any]) -> PayableInput:
    """Every field of a new payable, checked; raises _Invalid with each field's code."""
    errors: dict[str, tuple[str, str]] = {}
    for name in sorted(set(document) - FIELDS):
        errors[name] = ("unknown_field", _("This field is not known."))
    reference = document.get("reference")
    if not isinstance(reference, str) or not REFERENCE.fullmatch(reference):
        errors["reference"] = (
            "invalid",
            _("1 to 60 letters, digits, dots, dashes, slashes or underscores."),
        )
    kind = document.get("kind")
    if kind not in PayableKind.values:
        errors["kind"] = ("invalid_choice", _("One of: %s.") % ", ".join(PayableKind.values))
    description = document.get("description")
    fr = en = ""
    if not isinstance(description, dict) or set(description) != {"fr", "en"}:
        errors["description"] = ("invalid", _("An object with the texts “fr” and “en”."))
    else:
        fr = _text(description["fr"], field="description.fr", maximum=TEXT_MAX, errors=errors)
        en = _text(description["en"], field="description.en", maximum=TEXT_MAX, errors=errors)
    amount_raw = document.get("amount")
    amount = Decimal(0)
    if not isinstance(amount_raw, str) or not AMOUNT.fullmatch(amount_raw):
        errors["amount"] = ("invalid", _("A string with two decimals, such as “75.00”."))
    else:
        try:
            amount = Decimal(amount_raw)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            errors["amount"] = ("invalid", _("A string with two decimals, such as “75.00”."))
        if amount <= 0:
            errors["amount"] = ("not_positive", _("More than zero."))
    currency = document.get("currency")
    if currency != CURRENCY:
        errors["currency"] = ("unsupported_currency", _("Only CAD."))
    due_raw = document.get("due_date")
    due = None
    if due_raw is not None:
        try:
            if not isinstance(due_raw, str) or not DATE.fullmatch(due_raw):
                raise ValueError(due_raw)
            due = date.fromisoformat(due_raw)
        except ValueError:
            errors["due_date"] = ("invalid", _("A date as YYYY-MM-DD, or null."))
    sub = document.get("sub")
    if sub is not None and (not isinstance(sub, str) or not 0 < len(sub) <= SUB_MAX):
        errors["sub"] = ("invalid", _("The person’s subject identifier, as your service got it."))
    if errors:
        raise _Invalid(errors)
    return PayableInput(
        reference=reference,
        kind=kind,
        description_fr=fr,
        description_en=en,
        amount=amount,
        currency=CURRENCY,
        due_date=due,
        sub=sub,
    )


def payable_document(payable: Payable) -> dict[str, Any]:
    """What the service reads of its payable."""
    return {
        "id": str(payable.public_id),
        "reference": payable.reference,
        "kind": payable.kind,
        "description": {"fr": payable.description_fr, "en": payable.description_en},
        "amount": f"{payable.amount:.2f}",
        "currency": payable.currency,
        "due_date": payable.due_date.isoformat() if payable.due_date else None,
        "status": payable.status,
        "pay_url": payable_pay_url(payable),
        "payment_code": payable_payment_code(payable),
        "paid_at": payable.paid_at.isoformat() if payable.paid_at else None,
        "created_at": payable.created_at.isoformat(),
    }


@csrf_exempt
@never_cache
@require_POST
def payables_create(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/payables/: 201 with the new payable; the same key again, 200 with it."""
    access = _client(request)
    if isinstance(access, JsonResponse):
        return access
    key = idempotency_key_or_problem(request)
    if isinstance(key, JsonResponse):
        return key
    if request.content_type != "application/json":
        return _problem(415, "unsupported_media_type", _("Send the body as application/json."))
    try:
        document = json_parse(request.body, max_bytes=BODY_MAX_BYTES)
        given = payable_input_parse(document)
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
    try:
        payable, code, created = payable_create(
            client=access.client, idempotency_key=key, given=given
        )
    except PayableError as refused:
        return _refusal(refused)
    body = {
        "id": str(payable.public_id),
        "pay_url": payable_pay_url(payable),
        "payment_code": code,
        "status": payable.status,
    }
    response = JsonResponse(body, status=201 if created else 200)
    if not created:
        response["Idempotent-Replayed"] = "true"
    return response


def _own_payable(access: ClientAccess, payable_id: UUID) -> Payable:
    found = Payable.objects.select_related("client").filter(public_id=payable_id).first()
    return access_payable_of_client(client=access.client, payable=found)


@csrf_exempt
@never_cache
@require_GET
def payable_read(request: HttpRequest, payable_id: UUID) -> JsonResponse:
    """GET /api/v1/payables/<id>: the service's own payable as it stands."""
    access = _client(request)
    if isinstance(access, JsonResponse):
        return access
    try:
        payable = _own_payable(access, payable_id)
    except PayableError as refused:
        return _refusal(refused)
    return JsonResponse(payable_document(payable))


@csrf_exempt
@never_cache
@require_POST
def payable_cancel_view(request: HttpRequest, payable_id: UUID) -> JsonResponse:
    """POST /api/v1/payables/<id>/cancel: cancelled if open, refunded if paid (repeatable)."""
    access = _client(request)
    if isinstance(access, JsonResponse):
        return access
    try:
        payable = payable_cancel(client=access.client, payable=_own_payable(access, payable_id))
    except PayableError as refused:
        return _refusal(refused)
    return JsonResponse(payable_document(payable))
