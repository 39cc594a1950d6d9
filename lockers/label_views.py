"""The published label keys, for the courier app that checks labels offline."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from lockers.label_keys import LABEL_JWKS_MAX_AGE_SECONDS, label_jwks_document


@require_GET
@cache_control(public=True, max_age=LABEL_JWKS_MAX_AGE_SECONDS)
def label_keys(request: HttpRequest) -> HttpResponse:
    """The JWKS of label keys (RFC 8037 Ed25519): staged, active and recently retired."""
    response = HttpResponse(label_jwks_document(), content_type="application/jwk-set+json")
    # The courier app is served from our origin; other verifiers may fetch it too.
    response["Access-Control-Allow-Origin"] = "*"
    return response
