"""Passkey pages and endpoints: the holder's list, adding one after a card sign-in,
renaming, removal, and usernameless sign-in."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from core.jsonin import JsonInputError, json_parse
from identity.assurance import session_card_id, session_sign_in, url_on_this_site_or
from identity.passkeys import errors
from identity.passkeys.selectors import access_passkey, passkeys_of
from identity.passkeys.services import (
    passkey_authenticate,
    passkey_authentication_options,
    passkey_register,
    passkey_registration_options,
    passkey_remove,
    passkey_rename,
)
from identity.ratelimit import client_ip

# A request body larger than any credential and its envelope is refused unread.
CREDENTIAL_REQUEST_MAX_BYTES = 64_000


def _error_response(error: errors.PasskeyError) -> JsonResponse:
    response = JsonResponse(
        {"error": error.code, "message": str(error.message)}, status=error.status
    )
    if isinstance(error, errors.PasskeySignInThrottled):
        response["Retry-After"] = str(error.retry_after)
    return response


def _json_body(request: HttpRequest, invalid: type[errors.PasskeyError]) -> dict[str, Any]:
    """The body as a JSON object within the size and depth limits, or `invalid`."""
    try:
        return json_parse(request.body, max_bytes=CREDENTIAL_REQUEST_MAX_BYTES)
    except JsonInputError as exc:
        raise invalid(f"body refused: {exc.code}") from exc


@login_required
@never_cache
@require_GET
def passkey_list(request: HttpRequest) -> HttpResponse:
    """The holder's passkeys, and adding one when the session was signed in with the card."""
    return render(
        request,
        "identity/passkeys/list.html",
        {
            "passkeys": passkeys_of(request.user),
            "can_add": session_card_id(request) is not None,
            "card_sign_in_url": reverse("card_login:sign_in") + "?next=" + request.path,
        },
    )


@never_cache
@csrf_protect
@require_POST
def passkey_register_options(request: HttpRequest) -> JsonResponse:
    """Creation options for a new passkey; 403 unless signed in with the card."""
    if not request.user.is_authenticated:
        return _error_response(errors.CardSessionRequired())
    try:
        options = passkey_registration_options(
            session=request.session, user=request.user, card_id=session_card_id(request)
        )
    except errors.PasskeyError as exc:
        return _error_response(exc)
    return JsonResponse(options)


@never_cache
@csrf_protect
@require_POST
def passkey_register_view(request: HttpRequest) -> JsonResponse:
    """Keep the new passkey the browser created; 403 unless signed in with the card."""
    if not request.user.is_authenticated:
        return _error_response(errors.CardSessionRequired())
    try:
        body = _json_body(request, errors.RegistrationInvalid)
        passkey = passkey_register(
            session=request.session,
            user=request.user,
            card_id=session_card_id(request),
            credential=body.get("credential"),
            name=body.get("name"),
        )
    except errors.PasskeyError as exc:
        return _error_response(exc)
    messages.success(request, _("Passkey “%(name)s” added.") % {"name": passkey.name})
    return JsonResponse({"redirect": reverse("identity:passkeys:list")})


@login_required
@require_POST
def passkey_rename_view(request: HttpRequest, passkey_id: int) -> HttpResponse:
    """Rename one of the holder's passkeys."""
    try:
        passkey = access_passkey(user=request.user, passkey_id=passkey_id)
        passkey_rename(passkey=passkey, name=request.POST.get("name"), acting_user=request.user)
    except errors.PasskeyNotFound:
        return HttpResponse(status=404)
    except errors.PasskeyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Passkey renamed."))
    return redirect("identity:passkeys:list")


@login_required
@require_POST
def passkey_remove_view(request: HttpRequest, passkey_id: int) -> HttpResponse:
    """Remove one of the holder's passkeys: it no longer signs anyone in."""
    try:
        passkey = access_passkey(user=request.user, passkey_id=passkey_id)
    except errors.PasskeyNotFound:
        return HttpResponse(status=404)
    passkey_remove(passkey=passkey, acting_user=request.user)
    messages.success(
        request,
        _("Passkey “%(name)s” removed: it no longer signs you in.") % {"name": passkey.name},
    )
    return redirect("identity:passkeys:list")


@never_cache
@csrf_protect
@require_POST
def sign_in_options(request: HttpRequest) -> JsonResponse:
    """Request options for a usernameless passkey sign-in, bound to this session."""
    try:
        options = passkey_authentication_options(
            session=request.session, client_ip=client_ip(request)
        )
    except errors.PasskeyError as exc:
        return _error_response(exc)
    return JsonResponse(options)


@never_cache
@csrf_protect
@require_POST
def sign_in(request: HttpRequest) -> JsonResponse:
    """Check a passkey's assertion; sign its holder in at `substantial` if valid."""
    try:
        body = _json_body(request, errors.SignInRequestInvalid)
        result = passkey_authenticate(
            session=request.session,
            credential=body.get("credential"),
            client_ip=client_ip(request),
        )
    except errors.PasskeyError as exc:
        return _error_response(exc)
    session_sign_in(request, user=result.passkey.user, acr="substantial", amr=result.amr)
    return JsonResponse(
        {
            "redirect": url_on_this_site_or(
                request, body.get("next"), reverse(settings.LOGIN_REDIRECT_URL)
            )
        }
    )
