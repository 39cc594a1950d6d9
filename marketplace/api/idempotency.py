"""The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header), read
with its limits. An endpoint that creates money or stock movements (checkout) requires
it and stores it with what it created, so that a retry with the same key finds the
result instead of doing the work again (STYLE.md: keys are stored, not invented per try).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from marketplace.checkout import IDEMPOTENCY_KEY_PATTERN

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 255
# Checkout's own rule for its keys: 1 to 255 printable ASCII characters, a space only inside.
_KEY = IDEMPOTENCY_KEY_PATTERN


class InvalidIdempotencyKey(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _(
        "The Idempotency-Key header must be 1 to 255 printable ASCII characters "
        "(a UUID is a good key)."
    )
    default_code = "invalid_idempotency_key"


class IdempotencyKeyRequired(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _(
        "This request needs an Idempotency-Key header: a key of your own, the same on "
        "every retry of this request."
    )
    default_code = "idempotency_key_required"


def idempotency_key(request: Request, *, required: bool = True) -> str | None:
    """The request's idempotency key: the header's value, bare or as a quoted string
    (the draft's Structured Field form), checked against the limits. None when the header
    is absent and not `required`."""
    raw = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if raw is None:
        if required:
            raise IdempotencyKeyRequired()
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
        if '"' in value or "\\" in value:
            raise InvalidIdempotencyKey()
    if not _KEY.fullmatch(value):
        raise InvalidIdempotencyKey()
    return value


# For @extend_schema(parameters=[...]) on every view that reads the key.
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_KEY_HEADER,
    # The rule of IDEMPOTENCY_KEY_PATTERN, as a JSON Schema (ECMA 262) pattern.
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
        "pattern": "^[!-~]([ -~]{0,253}[!-~])?$",
    },
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "A key of the client's choosing (1 to 255 printable ASCII characters; a UUID is a "
        "good one), the same on every retry of one request: a retry returns the first "
        "answer instead of doing the work twice."
    ),
)
