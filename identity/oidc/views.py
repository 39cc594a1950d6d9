"""HTTP endpoints of the OpenID Connect provider. Policy lives in identity.oidc.server."""

import json
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError, InvalidClientError, InvalidRequestError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from identity.assurance import (
    LEVELS,
    SESSION_AMR,
    SESSION_AUTH_TIME,
    level_satisfies,
    session_assurance,
)
from identity.models import IdTokenAlg, OidcClient, OidcConsent
from identity.oidc.claims import (
    CLAIM_LABELS,
    CLAIMS_SUPPORTED,
    ClaimsRequestError,
    claim_names_for,
    claim_values,
    claims_essential,
    claims_request_parse,
    claims_requested,
)
from identity.oidc.clients import ClientChanged, client_copies
from identity.oidc.keys import jwks_document, jwks_public
from identity.oidc.server import issuer, server
from identity.oidc.services import digest, oidc_consent_record
from identity.oidc.subjects import subject_for
from identity.oidc.token_store import access_token_for_userinfo

# Added to the authorization request when we send the person to sign in: the sign-in
# that follows is fresh enough for prompt=login, max_age and acr_values.
LOGIN_AFTER_PARAM = "uniqc_login_after"


class UnmetAuthenticationRequirementsError(OAuth2Error):
    error = "unmet_authentication_requirements"


def no_store(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Responses carrying tokens or claims are never stored (RFC 6749 section 5.1). Set
    outright: never_cache also computes Expires and merges directives, a cost the token
    endpoint would pay on every request for nothing."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Pragma", "no-cache")
        return response

    return wrapped


def _absolute(name: str) -> str:
    return issuer() + reverse(name)


def _with_issuer(response: HttpResponse) -> HttpResponse:
    """RFC 9207: every authorization response redirect carries `iss`."""
    if response.has_header("Location"):
        response["Location"] = add_params_to_uri(response["Location"], [("iss", issuer())])
    return response


def _authorization_error(request: HttpRequest, error: OAuth2Error) -> HttpResponse:
    """Redirect to a validated redirect URI, or show a page: never redirect elsewhere."""
    if error.redirect_uri:
        return _with_issuer(server.handle_error_response(request, error))
    context = {"error": error.error, "description": error.description}
    return render(request, "identity/oidc/error.html", context, status=400)


def _session_assurance(request: HttpRequest) -> tuple[str | None, list[str], int]:
    if not request.user.is_authenticated:
        return None, [], 0
    auth_time = request.session.get(SESSION_AUTH_TIME)
    if auth_time is None and request.user.last_login:
        auth_time = int(request.user.last_login.timestamp())
    return (
        session_assurance(request),
        list(request.session.get(SESSION_AMR, [])),
        int(auth_time or 0),
    )


def _int_param(data: dict[str, str], name: str) -> int | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise InvalidRequestError(f"'{name}' must be a non-negative integer.")
    return int(value)


def _required_level(acr_values: str | None) -> str | None:
    """The lowest level the client accepts among those it asked for (in any order)."""
    asked = [level for level in (acr_values or "").split() if level in LEVELS]
    return min(asked, key=LEVELS.index) if asked else None


def _sign_in_redirect(
    request: HttpRequest, data: dict[str, str], required: str | None
) -> HttpResponse:
    """Send the person to the sign-in that reaches the level asked, then back here.

    `high` is only reached with the card; the password page also offers passkeys
    (`substantial`).
    """
    params = {**data, LOGIN_AFTER_PARAM: str(int(time.time()))}
    next_url = reverse("oidc:authorize") + "?" + urlencode(params)
    sign_in = reverse("card_login:sign_in") if required == "high" else reverse("identity:login")
    return redirect(sign_in + "?" + urlencode({"next": next_url}))


@csrf_exempt  # OIDC Core 3.1.2.1: a relying party may POST the authorization request.
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """Authorization endpoint: code flow only, with sign-in and step-up as the request asks."""
    data = {**request.GET.dict(), **request.POST.dict()}
    return _authorize(request, data, consent_answer=None)


CONSENT_FORM_FIELDS = ("csrfmiddlewaretoken", "decision", "claim")


@never_cache
@require_POST
def authorize_consent(request: HttpRequest) -> HttpResponse:
    """The person's answer on the consent page (a CSRF-protected form)."""
    data = {
        name: value
        for name, value in request.POST.dict().items()
        if name not in CONSENT_FORM_FIELDS
    }
    if request.POST.get("decision") == "allow":
        answer: list[str] | None = request.POST.getlist("claim")
    else:
        answer = None
    return _authorize(request, data, consent_answer=answer, denied=answer is None)


def _authorize(
    request: HttpRequest,
    data: dict[str, str],
    *,
    consent_answer: list[str] | None,
    denied: bool = False,
) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    try:
        grant = server.get_consent_grant(request, end_user=user)
    except OAuth2Error as error:
        if not data.get("response_type") and error.redirect_uri:
            error = InvalidRequestError(
                "Missing 'response_type'.", redirect_uri=error.redirect_uri, state=error.state
            )
        return _authorization_error(request, error)
    redirect_uri, state = grant.request.payload.redirect_uri, grant.request.payload.state
    try:
        if denied:
            raise AccessDeniedError()
        claims_request = claims_request_parse(data.get("claims"))
        response = _authorize_granted(request, grant, data, user, claims_request, consent_answer)
    except ClaimsRequestError as error:
        response = _authorization_error(
            request, InvalidRequestError(str(error), redirect_uri=redirect_uri, state=state)
        )
    except OAuth2Error as error:
        error.redirect_uri, error.state = redirect_uri, state
        response = _authorization_error(request, error)
    return response


def _authorize_granted(
    request: HttpRequest,
    grant: Any,
    data: dict[str, str],
    user: Any,
    claims_request: dict[str, Any],
    consent_answer: list[str] | None,
) -> HttpResponse:
    prompts = set((data.get("prompt") or "").split())
    acr, amr, auth_time = _session_assurance(request)
    login_after = _int_param(data, LOGIN_AFTER_PARAM)
    fresh = user is not None and login_after is not None and auth_time >= login_after
    max_age = _int_param(data, "max_age")
    required = _required_level(data.get("acr_values"))

    needs_sign_in = user is None
    if "login" in prompts and not fresh:
        needs_sign_in = True
    if max_age is not None and time.time() - auth_time > max_age and not fresh:
        needs_sign_in = True
    if required and not level_satisfies(acr, required):
        if fresh:
            raise UnmetAuthenticationRequirementsError()
        needs_sign_in = True
    if needs_sign_in:
        if "none" in prompts:
            raise LoginRequiredError()
        return _sign_in_redirect(request, data, required)

    client: OidcClient = grant.request.client
    requested = claims_requested(
        scope=grant.request.scope,
        claims_request=claims_request,
        allowed_scopes=set(client.allowed_scopes.split()),
    )
    essential = claims_essential(claims_request)
    if client.is_internal:
        released = requested
    elif consent_answer is not None:
        released = [name for name in requested if name in consent_answer or name in essential]
        oidc_consent_record(
            user=user, client=client, claims_asked=requested, claims_granted=released
        )
    else:
        consent = OidcConsent.objects.filter(user=user, client=client).first()
        if (
            "consent" in prompts
            or consent is None
            or not set(requested) <= set(consent.claims_asked)
        ):
            if "none" in prompts:
                raise ConsentRequiredError()
            return _consent_page(request, client, data, user, requested, essential)
        released = [name for name in requested if name in consent.claims_granted]

    grant.assurance = (acr, amr, auth_time)
    grant.claims_request = claims_request
    grant.released_claims = released
    response = server.create_authorization_response(request, grant_user=user, grant=grant)
    return _with_issuer(response)


def _claim_preview(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):
        return value.get("formatted", "")
    return str(value)


def _consent_page(
    request: HttpRequest,
    client: OidcClient,
    data: dict[str, str],
    user: Any,
    requested: list[str],
    essential: set[str],
) -> HttpResponse:
    values = claim_values(user=user, names=requested)
    claims = [
        {
            "name": name,
            "label": CLAIM_LABELS[name],
            "preview": _claim_preview(values[name]) if name in values else None,
            "essential": name in essential,
        }
        for name in requested
    ]
    context = {"client": client, "claims": claims, "params": data}
    return render(request, "identity/oidc/consent.html", context)


# Grants whose writes are atomic on their own (identity.oidc.token_store.tokens_rotate and
# tokens_store_for_client): they need no transaction around the whole request.
SELF_CONTAINED_GRANTS = frozenset({"refresh_token", "client_credentials"})


def _token_response(request: HttpRequest, grant_type: str | None) -> HttpResponse:
    if grant_type in SELF_CONTAINED_GRANTS:
        return server.create_token_response(request)
    with transaction.atomic():
        return server.create_token_response(request)


@csrf_exempt
@no_store
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    """Token endpoint. The code grant claims its code while validating and stores tokens
    later: one transaction, so that a concurrent reuse that revokes the grant sees them.
    A request answered from an out-of-date copy of its client stored nothing; it is
    answered again from the client's row (identity.oidc.clients)."""
    grant_type = request.POST.get("grant_type", request.GET.get("grant_type"))
    try:
        return _token_response(request, grant_type)
    except ClientChanged as changed:
        client_copies.forget(changed.client_id)
    try:
        return _token_response(request, grant_type)
    except ClientChanged as changed:
        # Changed again between our read and our write: the client's state is in flux.
        client_copies.forget(changed.client_id)
        by_basic = request.headers.get("Authorization", "")[:6].lower() == "basic "
        error = InvalidClientError(
            description="The client changed during the request.",
            status_code=401 if by_basic else 400,
        )
        return server.handle_error_response(request, error)


@csrf_exempt
@no_store
@require_POST
def introspect(request: HttpRequest) -> HttpResponse:
    return server.create_endpoint_response("introspection", request)


@csrf_exempt
@no_store
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        return server.create_endpoint_response("revocation", request)


def _invalid_token() -> HttpResponse:
    response = JsonResponse({"error": "invalid_token"}, status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@csrf_exempt
@no_store
@require_http_methods(["GET", "POST"])
def userinfo(request: HttpRequest) -> HttpResponse:
    """Claims about the person, for an access token in the header or the form body."""
    scheme, _, token_string = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        token_string = request.POST.get("access_token", "") if request.method == "POST" else ""
    if not token_string:
        response = JsonResponse({"error": "invalid_request"}, status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    # None unless live: not expired or revoked, its grant live, its client and person active.
    access = access_token_for_userinfo(digest(token_string.strip()))
    if access is None or "openid" not in access.scope.split():
        return _invalid_token()
    names = claim_names_for(
        scope=access.scope,
        claims_request=access.grant.claims,
        target="userinfo",
        allowed_scopes=set(access.client.allowed_scopes.split()),
    )
    released = set(access.grant.released_claims)
    names = [name for name in names if name in released]
    claims = {"sub": subject_for(user=access.user, client=access.client)}
    claims.update(claim_values(user=access.user, names=names))
    return JsonResponse(claims)


@require_GET
@cache_control(public=True, max_age=3600)
def discovery(request: HttpRequest) -> HttpResponse:
    body = _discovery_document(issuer(), get_urlconf(), get_script_prefix())
    return HttpResponse(body, content_type="application/json")


@lru_cache(maxsize=8)
def _discovery_document(site_url: str, urlconf: str | None, script_prefix: str) -> bytes:
    """The provider metadata, serialized once per issuer and URL configuration."""
    return json.dumps(
        {
            "issuer": site_url,
            "authorization_endpoint": _absolute("oidc:authorize"),
            "token_endpoint": _absolute("oidc:token"),
            "userinfo_endpoint": _absolute("oidc:userinfo"),
            "jwks_uri": _absolute("oidc:jwks"),
            "introspection_endpoint": _absolute("oidc:introspect"),
            "revocation_endpoint": _absolute("oidc:revoke"),
            "end_session_endpoint": _absolute("oidc:end_session"),
            "scopes_supported": list(server.scopes_supported),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["pairwise", "public"],
            "id_token_signing_alg_values_supported": list(IdTokenAlg.values),
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "introspection_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "claims_supported": list(CLAIMS_SUPPORTED),
            "claims_parameter_supported": True,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "acr_values_supported": list(LEVELS),
            "prompt_values_supported": ["none", "login", "consent"],
            "authorization_response_iss_parameter_supported": True,
            "ui_locales_supported": ["fr-CA", "en-CA"],
            "claims_locales_supported": ["fr-CA", "en-CA"],
        }
    ).encode()


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request: HttpRequest) -> HttpResponse:
    return HttpResponse(jwks_document(), content_type="application/json")


def _id_token_hint_claims(hint: str) -> dict[str, Any] | None:
    """Claims of an ID token we signed (possibly expired), or None."""
    try:
        keys = KeySet.import_key_set(jwks_public())
        token = jwt.decode(hint, keys, algorithms=list(IdTokenAlg.values))
    except (JoseError, ValueError):
        return None
    if token.claims.get("iss") != issuer():
        return None
    return token.claims


def _logout_error(request: HttpRequest, description: str) -> HttpResponse:
    context = {"error": "invalid_request", "description": description}
    return render(request, "identity/oidc/error.html", context, status=400)


def _logout_finish(request: HttpRequest, params: dict[str, str]) -> HttpResponse:
    logout(request)
    target = params.get("post_logout_redirect_uri")
    if target:
        state = params.get("state")
        return redirect(add_params_to_uri(target, [("state", state)]) if state else target)
    return render(request, "identity/oidc/logged_out.html")


def _logout_request(request: HttpRequest, params: dict[str, str]) -> Any:
    """(client, hint claims) of a valid RP-initiated logout request, or an error response."""
    client = None
    hint_claims = None
    if params.get("id_token_hint"):
        hint_claims = _id_token_hint_claims(params["id_token_hint"])
        if hint_claims is None:
            return _logout_error(request, "id_token_hint is not an ID token from this issuer.")
        audience = hint_claims.get("aud")
        audience = audience[0] if isinstance(audience, list) and audience else audience
        client = OidcClient.objects.filter(client_id=audience).first()
    if params.get("client_id"):
        if client is not None and client.client_id != params["client_id"]:
            return _logout_error(request, "client_id does not match id_token_hint.")
        client = OidcClient.objects.filter(client_id=params["client_id"]).first()
    target = params.get("post_logout_redirect_uri")
    if target and (client is None or target not in client.post_logout_redirect_uris):
        return _logout_error(request, "post_logout_redirect_uri is not registered.")
    return client, hint_claims


LOGOUT_PARAMS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")


@csrf_exempt  # A relying party may POST the logout request; CSRF is checked on confirmation.
@never_cache
@require_http_methods(["GET", "POST"])
def end_session(request: HttpRequest) -> HttpResponse:
    """RP-initiated logout. A verified id_token_hint for the signed-in person signs out at
    once; otherwise the person confirms."""
    source = request.POST if request.method == "POST" else request.GET
    params = {name: source[name] for name in LOGOUT_PARAMS if source.get(name)}
    checked = _logout_request(request, params)
    if isinstance(checked, HttpResponse):
        return checked
    client, hint_claims = checked
    user = request.user
    if not user.is_authenticated:
        return _logout_finish(request, params)
    if hint_claims and client and hint_claims.get("sub") == subject_for(user=user, client=client):
        return _logout_finish(request, params)
    return render(
        request, "identity/oidc/logout_confirm.html", {"client": client, "params": params}
    )


@never_cache
@require_POST
def end_session_confirm(request: HttpRequest) -> HttpResponse:
    """The person confirmed signing out (CSRF-protected form)."""
    params = {name: request.POST[name] for name in LOGOUT_PARAMS if request.POST.get(name)}
    checked = _logout_request(request, params)
    if isinstance(checked, HttpResponse):
        return checked
    return _logout_finish(request, params)
