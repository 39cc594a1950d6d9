"""Every error of the API as an RFC 9457 problem document with a stable `code`
(core.problems), whatever raised it: DRF's exceptions, Django's Http404 and
PermissionDenied, and the marketplace's own errors (marketplace.errors).

An error this handler does not know (a bug) is left to Django, whose 500 answer on an
/api/ path is a problem document too (config/views.py); bad input never gets there:
every parse and validation error is one of the exceptions below.
"""

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.api_input import PayloadTooLarge  # noqa: F401 - raised by the parsers
from core.problems import PROBLEM_CONTENT_TYPE, problem_body
from identity.oidc.api_authentication import CsrfFailed, InvalidToken  # noqa: F401
from lockers.errors import LockersError
from marketplace.errors import CartChanged, MarketplaceError

# A marketplace error's status when its class names none (`http_status`): the request
# was understood but conflicts with the state of what it acts on.
MARKETPLACE_ERROR_STATUS = status.HTTP_409_CONFLICT


class InsufficientScope(exceptions.PermissionDenied):
    """A live token that was not granted the scope the API needs (RFC 6750)."""

    default_detail = _("The access token was not granted the “marketplace” scope.")
    default_code = "insufficient_scope"


class InsufficientAssurance(exceptions.APIException):
    """The person signed in at a lower assurance level than the request needs
    (RFC 9470's `insufficient_user_authentication`): 401 for a bearer token, whose app
    signs in again with `acr_values`; 403 for a browser session, stepped up by a page."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = _("Sign in again at a higher assurance level to do this.")
    default_code = "insufficient_user_authentication"

    def __init__(self, *, required: str, bearer: bool) -> None:
        super().__init__()
        self.required = required
        self.bearer = bearer
        if bearer:
            self.status_code = status.HTTP_401_UNAUTHORIZED


def _field_errors(detail: Any) -> dict[str, Any]:
    """A validation error's messages by field; errors of the whole body under
    `non_field_errors`, as DRF names them."""
    if isinstance(detail, dict):
        return {str(name): _field_errors_value(value) for name, value in detail.items()}
    return {"non_field_errors": _field_errors_value(detail)}


def _field_errors_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(name): _field_errors_value(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_field_errors_value(item) for item in value]
    return str(value)


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _www_authenticate(exc: exceptions.APIException) -> str | None:
    """The RFC 6750 challenge for a refusal of the bearer token (or of no credentials)."""
    if isinstance(exc, InvalidToken):
        return 'Bearer error="invalid_token"'
    if isinstance(exc, InsufficientScope):
        return 'Bearer error="insufficient_scope", scope="marketplace"'
    if isinstance(exc, InsufficientAssurance) and exc.bearer:
        return f'Bearer error="insufficient_user_authentication", acr_values="{exc.required}"'
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return "Bearer"
    return None


def problem(
    *,
    status_code: int,
    code: str,
    detail: str = "",
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Response:
    """A problem document as a DRF response; `extensions` are members of the problem's
    own (RFC 9457 3.2), such as a changed cart's `changes`."""
    body = problem_body(status=status_code, code=code, detail=detail, errors=errors)
    body.update(extensions or {})
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _cart_changes(exc: CartChanged) -> list[dict[str, Any]]:
    """What changed in the cart since the shopper saw it (checkout.CartChange), amounts as
    strings with two decimals as everywhere in the API."""
    return [
        {
            "kind": change.kind,
            "line_id": change.line_id,
            "variant_id": change.variant_id,
            "title": change.title,
            "price_seen": f"{change.price_seen:.2f}",
            "price_now": f"{change.price_now:.2f}",
            "quantity": change.quantity,
            "stock": change.stock,
        }
        for change in exc.changes
    ]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]: the problem document of `exc`, or
    None (Django's 500) for an exception that is not a refusal."""
    if isinstance(exc, MarketplaceError):
        return problem(
            status_code=getattr(exc, "http_status", MARKETPLACE_ERROR_STATUS),
            code=exc.code,
            detail=str(exc.message),
            extensions={"changes": _cart_changes(exc)} if isinstance(exc, CartChanged) else None,
        )
    if isinstance(exc, LockersError):
        headers = {}
        if exc.http_status == status.HTTP_429_TOO_MANY_REQUESTS and hasattr(exc, "until"):
            seconds = max(1, math.ceil((exc.until - timezone.now()).total_seconds()))
            headers["Retry-After"] = str(seconds)
        return problem(
            status_code=exc.http_status,
            code=exc.code,
            detail=str(exc.message),
            headers=headers,
            extensions=exc.problem_extensions(),
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    challenge = _www_authenticate(exc)
    if challenge is not None and (
        exc.status_code == status.HTTP_401_UNAUTHORIZED or isinstance(exc, InsufficientScope)
    ):
        headers["WWW-Authenticate"] = challenge
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status_code=exc.status_code,
            code="invalid",
            detail=str(_("The request has invalid fields: see errors.")),
            errors=_field_errors(exc.detail),
        )
    detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
    return problem(
        status_code=exc.status_code, code=_code_of(exc), detail=str(detail), headers=headers
    )
