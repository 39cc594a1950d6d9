"""HTTP endpoints of the OpenID Connect provider. Protocol rules live in
identity.oidc.server, what the authorization endpoint decides in identity.oidc.policy."""

import json
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any
from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
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

from identity.assurance import LEVELS, SESSION_AMR, SESSION_AUTH_TIME, session_assurance
from identity.models import IdTokenAlg, OidcClient, OidcConsent
from identity.oidc.claims import (
    CLAIM_LABELS,
    CLAIMS_SUPPORTED,
    SCOPE_PERMISSIONS,
    ClaimsRequestError,
    claim_values,
    claims_released,
)
from identity.oidc.clients import ClientChanged, client_copies
from identity.oidc.keys import JWKS_MAX_AGE_SECONDS, jwks_document, jwks_public
from identity.oidc.pending import (
    PendingRequest,
    PendingTooLarge,
    pending_drop,
    pending_find,
    pending_params,
    pending_sign_in_sent,
    pending_store,
)
from identity.oidc.policy import (
    AskConsent,
    AuthorizationParams,
    AuthorizationParamsError,
    ClientFlags,
    ConsentAnswer,
    Decision,
    Issue,
    Refuse,
    SessionState,
    SignIn,
    StoredConsent,
    authorization_decision,
    authorization_params,
)
from identity.oidc.server import issuer, server
from identity.oidc.services import digest, oidc_consent_record
from identity.oidc.subjects import subject_for
from identity.oidc.token_store import access_token_for_userinfo


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


@csrf_exempt  # OIDC Core 3.1.2.1: a relying party may POST the authorization request.
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """Authorization endpoint: code flow only, with sign-in and step-up as the request asks."""
    try:
        oauth_request = server.create_oauth2_request(request)
    except OAuth2Error as error:  # a request Authlib refuses outright (plain http)
        return _authorization_error(request, error)
    return _authorize(request, oauth_request, pending=None, answer=None)


@never_cache
@require_GET
def authorize_resume(request: HttpRequest, request_id: str) -> HttpResponse:
    """Back from the sign-in page: carry on with the request kept under `request_id`."""
    found = pending_find(request.session, request_id, now=int(time.time()))
    if found is None:
        return _pending_unknown(request)
    try:
        oauth_request = _kept_request(request, found)
    except OAuth2Error as error:
        return _authorization_error(request, error)
    return _authorize(request, oauth_request, pending=found, answer=None)


@never_cache
@require_POST
def authorize_consent(request: HttpRequest) -> HttpResponse:
    """The person's answer on the consent page (a CSRF-protected form): the id of the
    request kept for them, the decision, and the claims left ticked."""
    found = pending_find(request.session, request.POST.get("request", ""), now=int(time.time()))
    if found is None:
        return _pending_unknown(request)
    answer = ConsentAnswer(
        allowed=request.POST.get("decision") == "allow",
        ticked=frozenset(request.POST.getlist("claim")),
    )
    try:
        oauth_request = _kept_request(request, found)
    except OAuth2Error as error:
        return _authorization_error(request, error)
    return _authorize(request, oauth_request, pending=found, answer=answer)


def _pending_unknown(request: HttpRequest) -> HttpResponse:
    """An answer for a request this session does not hold: never a redirect, since where
    to is part of the request."""
    context = {
        "error": "invalid_request",
        "message": gettext(
            "This sign-in request is no longer open: it was already answered, it expired, "
            "or it began in another browser. Go back to the service and start again."
        ),
    }
    return render(request, "identity/oidc/error.html", context, status=400)


def _kept_request(request: HttpRequest, found: PendingRequest) -> OAuth2Request:
    """The kept authorization request, to be checked again as if it had just arrived."""
    oauth_request = server.create_oauth2_request(request)
    oauth_request.payload = BasicOAuth2Payload(found.params)
    return oauth_request


def _consent_grant(oauth_request: OAuth2Request, user: Any) -> Any:
    """The protocol checks of the request (Authlib's get_consent_grant, for a request
    that may be a kept one)."""
    oauth_request.user = user
    try:
        if invalid_error_characters(oauth_request.payload.response_type or ""):
            # Authlib would quote it in its error's description, which RFC 6749 limits
            # to printable ASCII: its ValueError would be a 500.
            raise InvalidRequestError("Invalid 'response_type'.")
        grant = server.get_authorization_grant(oauth_request)
        grant.validate_no_multiple_request_parameter(oauth_request)
        grant.validate_consent_request()
    except OAuth2Error as error:
        error.state = oauth_request.payload.state
        raise
    return grant


def _authorize(
    request: HttpRequest,
    oauth_request: OAuth2Request,
    *,
    pending: PendingRequest | None,
    answer: ConsentAnswer | None,
) -> HttpResponse:
    data = oauth_request.payload.data
    user = request.user if request.user.is_authenticated else None
    now = int(time.time())
    try:
        grant = _consent_grant(oauth_request, user)
    except OAuth2Error as error:
        if not data.get("response_type") and error.redirect_uri:
            error = InvalidRequestError(
                "Missing 'response_type'.", redirect_uri=error.redirect_uri, state=error.state
            )
        return _authorization_finish(request, pending, _authorization_error(request, error))
    redirect_uri, state = grant.request.payload.redirect_uri, grant.request.payload.state
    try:
        response = _authorize_valid(request, oauth_request, grant, pending, answer, now)
    except (AuthorizationParamsError, ClaimsRequestError, PendingTooLarge) as error:
        invalid = InvalidRequestError(str(error) or None, redirect_uri=redirect_uri, state=state)
        response = _authorization_finish(request, pending, _authorization_error(request, invalid))
    return response


def _authorization_finish(
    request: HttpRequest, pending: PendingRequest | None, response: HttpResponse
) -> HttpResponse:
    """The request is answered: a kept request is used up."""
    if pending is not None:
        pending_drop(request.session, pending.id, now=int(time.time()))
    return response


def _hinted_subject(data: dict[str, str], client: OidcClient) -> str | None:
    """The `sub` of the request's id_token_hint (OIDC Core 3.1.2.1): an ID token this
    issuer gave this client, expired or not; AuthorizationParamsError for any other."""
    hint = data.get("id_token_hint")
    if not hint:
        return None
    claims = _id_token_hint_claims(hint)
    audience = claims.get("aud") if claims else None
    audiences = audience if isinstance(audience, list) else [audience]
    if claims is None or client.client_id not in audiences or not claims.get("sub"):
        raise AuthorizationParamsError("id_token_hint is not an ID token issued to this client.")
    return str(claims["sub"])


def _stored_consent(user: Any, client: OidcClient) -> StoredConsent | None:
    found = OidcConsent.objects.filter(user=user, client=client).first()
    if found is None:
        return None
    return StoredConsent(
        claims_asked=frozenset(found.claims_asked),
        claims_granted=frozenset(found.claims_granted),
    )


def _decision(
    request: HttpRequest,
    grant: Any,
    params: AuthorizationParams,
    pending: PendingRequest | None,
    answer: ConsentAnswer | None,
    now: int,
) -> Decision:
    """The policy's decision (identity.oidc.policy), from this session and this client."""
    client: OidcClient = grant.request.client
    user = grant.request.user
    hint_checked = user is not None and params.hinted_subject is not None
    session = SessionState(
        signed_in=user is not None,
        acr=session_assurance(request),
        # This session's own sign-in time: a sign-in elsewhere (the user's last_login)
        # is no proof that this browser's person signed in again.
        auth_time=int(request.session.get(SESSION_AUTH_TIME) or 0) if user is not None else 0,
        subject=subject_for(user=user, client=client) if hint_checked else None,
    )
    consulted = user is not None and answer is None and not client.is_internal
    return authorization_decision(
        session=session,
        params=params,
        client=ClientFlags(
            is_internal=client.is_internal,
            allowed_scopes=frozenset(client.allowed_scopes.split()),
        ),
        consent=_stored_consent(user, client) if consulted else None,
        answer=answer,
        sign_in_sent_at=pending.sign_in_sent_at if pending is not None else None,
        now=now,
    )


def _authorize_valid(
    request: HttpRequest,
    oauth_request: OAuth2Request,
    grant: Any,
    pending: PendingRequest | None,
    answer: ConsentAnswer | None,
    now: int,
) -> HttpResponse:
    """Carry out the policy's decision on a request that passed the protocol checks."""
    data = oauth_request.payload.data
    client: OidcClient = grant.request.client
    user = grant.request.user
    params = authorization_params(
        data, scope=grant.request.scope, hinted_subject=_hinted_subject(data, client)
    )
    decision = _decision(request, grant, params, pending, answer, now)
    redirect_uri, state = grant.request.payload.redirect_uri, grant.request.payload.state
    match decision:
        case SignIn(level=level):
            if pending is None:
                pending = pending_store(request.session, pending_params(data), now=now)
            pending_sign_in_sent(request.session, pending.id, now=now)
            return _sign_in_redirect(pending, level)
        case Refuse(error=code):
            refusal = OAuth2Error(error=code, redirect_uri=redirect_uri, state=state)
            return _authorization_finish(request, pending, _authorization_error(request, refusal))
        case AskConsent(claims=claims, essential=essential):
            if pending is None:
                pending = pending_store(request.session, pending_params(data), now=now)
            return _consent_page(request, client, user, pending, claims, essential)
        case Issue(released=released, requested=requested, consent_given=consent_given):
            if consent_given:
                oidc_consent_record(
                    user=user,
                    client=client,
                    claims_asked=list(requested),
                    claims_granted=list(released),
                )
            grant.assurance = _session_assurance(request)
            grant.claims_request = params.claims_request
            grant.released_claims = list(released)
            response = server.create_authorization_response(
                request=oauth_request, grant_user=user, grant=grant
            )
            return _authorization_finish(request, pending, _with_issuer(response))
    raise AssertionError(decision)


def _sign_in_redirect(pending: PendingRequest, level: str | None) -> HttpResponse:
    """Send the person to the sign-in that reaches the level asked, then back to the
    kept request.

    `high` is only reached with the card; the password page also offers passkeys
    (`substantial`).
    """
    next_url = reverse("oidc:authorize_resume", args=[pending.id])
    sign_in = reverse("card_login:sign_in") if level == "high" else reverse("identity:login")
    return redirect(sign_in + "?" + urlencode({"next": next_url}))


def _claim_preview(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):
        return value.get("formatted", "")
    return str(value)


def _consent_page(
    request: HttpRequest,
    client: OidcClient,
    user: Any,
    pending: PendingRequest,
    requested: tuple[str, ...],
    essential: frozenset[str],
) -> HttpResponse:
    asked_claims = [name for name in requested if name in CLAIM_LABELS]
    values = claim_values(user=user, names=asked_claims)
    claims = [
        {
            "name": name,
            "label": CLAIM_LABELS[name],
            "preview": _claim_preview(values[name]) if name in values else None,
            "essential": name in essential,
        }
        for name in asked_claims
    ]
    permissions = [SCOPE_PERMISSIONS[name] for name in requested if name in SCOPE_PERMISSIONS]
    context = {
        "client": client,
        "claims": claims,
        "permissions": permissions,
        "request_id": pending.id,
    }
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
    names = claims_released(
        scope=access.scope,
        claims_request=access.grant.claims,
        target="userinfo",
        allowed_scopes=set(access.client.allowed_scopes.split()),
        released=access.grant.released_claims,
    )
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
@cache_control(public=True, max_age=JWKS_MAX_AGE_SECONDS)
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
