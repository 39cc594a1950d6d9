"""The one rule for an Idempotency-Key from outside (a header of our APIs, or a field of a
page's form): 1 to 255 printable ASCII characters, a space only inside. A header may quote
it as a structured-field string ("…", draft-ietf-httpapi-idempotency-key-header); the
quotes are not part of the key, and a key holding a quote or a backslash is refused."""

import re

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from core.problems import PROBLEM_CONTENT_TYPE, problem_body

IDEMPOTENCY_KEY_PATTERN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?")


def idempotency_header_key(raw: str) -> str | None:
    """The key an Idempotency-Key header carries, or None when it breaks the rule."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(value) or '"' in value or "\\" in value:
        return None
    return value


def idempotency_key_or_problem(request: HttpRequest) -> str | JsonResponse:
    """The request's Idempotency-Key header by the rule above, or the problem+json answer
    (400 `idempotency_key_required` or `invalid_idempotency_key`) an API returns instead."""
    raw = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if raw is None:
        code = "idempotency_key_required"
        detail = _("This request needs an Idempotency-Key header, the same on every retry.")
    else:
        value = idempotency_header_key(raw)
        if value is not None:
            return value
        code = "invalid_idempotency_key"
        detail = _("The Idempotency-Key header must be 1 to 255 printable ASCII characters.")
    return JsonResponse(
        problem_body(status=400, code=code, detail=detail),
        status=400,
        content_type=PROBLEM_CONTENT_TYPE,
    )
