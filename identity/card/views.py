"""Card pages and endpoints: sign-in with the card, revocation for relying parties,
and a holder's declaration of a lost card."""

import base64
import binascii
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.jsonin import JsonInputError, json_parse
from identity.assurance import require_assurance, session_sign_in, url_on_this_site_or
from identity.card import errors
from identity.card.revocation import crl_der, ocsp_malformed, ocsp_respond
from identity.card.selectors import card_active_for, cards_of
from identity.card.services import card_declare_lost, card_nonce_issue, card_token_authenticate
from identity.ratelimit import client_ip
from identity.signing.tsa import REQUEST_MAX_BYTES as TSA_REQUEST_MAX_BYTES
from identity.signing.tsa import tsa_answer

# A request body larger than the largest token and its envelope is refused unread.
TOKEN_REQUEST_MAX_BYTES = 20_000
OCSP_REQUEST_MAX_BYTES = 10_000


def _error_response(error: errors.CardError) -> JsonResponse:
    response = JsonResponse(
        {"error": error.code, "message": str(error.message)}, status=error.status
    )
    if isinstance(error, errors.CardSignInThrottled):
        response["Retry-After"] = str(error.retry_after)
    return response


@never_cache
@require_GET
def sign_in_page(request: HttpRequest) -> HttpResponse:
    """The card sign-in page; its script talks to the card agent on this computer."""
    next_url = url_on_this_site_or(request, request.GET.get("next"), "")
    return render(
        request,
        "identity/card/sign_in.html",
        {"agent_url": settings.CARD_AGENT_URL, "next": next_url},
    )


@never_cache
@csrf_protect
@require_POST
def sign_in_nonce(request: HttpRequest) -> JsonResponse:
    """A fresh nonce for this browser session, replacing any earlier one."""
    try:
        nonce = card_nonce_issue(session=request.session, client_ip=client_ip(request))
    except errors.CardError as exc:
        return _error_response(exc)
    return JsonResponse({"nonce": nonce})


def _token_from_request(request: HttpRequest) -> tuple[str, Any]:
    """The token's JSON text and the `next` address from a JSON or form body."""
    if len(request.body) > TOKEN_REQUEST_MAX_BYTES:
        raise errors.TokenInvalid("request body too large")
    if request.content_type == "application/json":
        try:
            body = json_parse(request.body, max_bytes=TOKEN_REQUEST_MAX_BYTES)
        except JsonInputError as exc:
            raise errors.TokenInvalid(f"body refused: {exc.code}") from exc
        token, next_url = body.get("token"), body.get("next")
    else:
        token, next_url = request.POST.get("token"), request.POST.get("next")
    if isinstance(token, dict):
        token = json.dumps(token, separators=(",", ":"))
    if not isinstance(token, str):
        raise errors.TokenInvalid("no token")
    return token, next_url


@never_cache
@csrf_protect
@require_POST
def sign_in_token(request: HttpRequest) -> JsonResponse:
    """Check the card's token against this session's nonce; sign in at `high` if valid."""
    try:
        token, next_url = _token_from_request(request)
        card = card_token_authenticate(
            token=token, session=request.session, client_ip=client_ip(request)
        )
    except errors.CardError as exc:  # a refusal, or a CA not set up (503)
        return _error_response(exc)
    session_sign_in(request, user=card.user, acr="high", amr=["sc", "pin"])
    request.session["uniqc_card_id"] = card.pk
    return JsonResponse(
        {"redirect": url_on_this_site_or(request, next_url, reverse(settings.LOGIN_REDIRECT_URL))}
    )


@require_GET
def crl(request: HttpRequest) -> HttpResponse:
    """The issuing CA's current CRL (DER), public."""
    response = HttpResponse(crl_der(), content_type="application/pkix-crl")
    response["Cache-Control"] = "public, max-age=10"
    return response


@csrf_exempt
@require_POST
def ocsp(request: HttpRequest) -> HttpResponse:
    """The OCSP responder (RFC 6960), public: a DER request in the body."""
    if len(request.body) > OCSP_REQUEST_MAX_BYTES:
        return _ocsp_response(ocsp_malformed())
    return _ocsp_response(ocsp_respond(request.body))


@require_GET
def ocsp_get(request: HttpRequest, encoded: str) -> HttpResponse:
    """The OCSP responder's GET form: the request, base64 then URL-encoded, in the path."""
    try:
        request_der = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return _ocsp_response(ocsp_malformed())
    return _ocsp_response(ocsp_respond(request_der))


def _ocsp_response(der: bytes) -> HttpResponse:
    response = HttpResponse(der, content_type="application/ocsp-response")
    response["Cache-Control"] = "no-cache"
    return response


@csrf_exempt
@require_POST
def tsa(request: HttpRequest) -> HttpResponse:
    """The timestamp authority (RFC 3161 over HTTP), public: a DER TimeStampReq in the
    body. A refused request is a TimeStampResp with status rejection; an unreadable one is
    also answered 400; one without a length 411, a too large one 413, another content
    type 415."""
    if request.content_type != "application/timestamp-query":
        return HttpResponse(status=415)
    length = request.headers.get("Content-Length", "")
    if not length.isdigit():
        return HttpResponse(status=411)
    if int(length) > TSA_REQUEST_MAX_BYTES:
        return HttpResponse(status=413)
    answer = tsa_answer(request.body)
    response = HttpResponse(
        answer.der,
        content_type="application/timestamp-reply",
        status=400 if answer.malformed else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_GET
def card_account(request: HttpRequest) -> HttpResponse:
    """The holder's cards, and the button to declare the active one lost."""
    return render(
        request,
        "identity/card/account.html",
        {"active_card": card_active_for(request.user), "cards": cards_of(request.user)},
    )


@require_http_methods(["POST"])
@require_assurance("substantial")
def card_declare_lost_view(request: HttpRequest) -> HttpResponse:
    """Revoke the signed-in person's active card at once, as lost.

    A session signed in with a passkey (or the card) may do it; a password is not enough,
    so that a guessed password cannot take someone's card away.
    """
    try:
        card_declare_lost(user=request.user)
    except errors.NoActiveCard as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Your card is revoked: nobody can use it any more. "
                "A registrar at a partner branch can issue you a new one."
            ),
        )
    return redirect("identity:card")
