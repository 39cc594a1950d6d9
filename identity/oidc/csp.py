"""Where a page's forms may lead: the relying parties an OpenID Connect page sends back to.

A Content-Security-Policy `form-action` applies to every redirect that follows a form's
submission, not only to the form's own target. Three of our forms end in a redirect to
a relying party: the consent form (to the client's redirect URI), the sign-in form when
it resumes an authorization request (its `next`, which may answer at once with a
redirect to the client), and the sign-out confirmation (to the client's post-logout
URI). Their pages allow, besides 'self', the origins of the URIs that client registered;
never an origin taken from the request alone.
"""

import base64
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.http import HttpRequest
from django.urls import Resolver404, resolve

from core.jsonin import JsonInputError, json_parse
from identity.models import OidcClient
from identity.oidc.pending import pending_find

# An ID token hint larger than this names no client of ours.
HINT_MAX_BYTES = 16_384


def _source(uri: str) -> str | None:
    """The CSP source that matches `uri`: its origin, or its scheme for a native app."""
    parts = urlsplit(uri)
    if not parts.scheme:
        return None
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else None
    return f"{parts.scheme}:"


def _audience(id_token_hint: str) -> list[str]:
    """The `aud` of an ID token, unverified: it only chooses whose registered URIs to read."""
    try:
        payload = id_token_hint.split(".")[1]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json_parse(raw, max_bytes=HINT_MAX_BYTES)
    except (IndexError, ValueError, JsonInputError):
        return []
    audience = claims.get("aud") if isinstance(claims, dict) else None
    if isinstance(audience, str):
        return [audience]
    if isinstance(audience, list):
        return [value for value in audience if isinstance(value, str)]
    return []


def _kept_params(request: HttpRequest, path: str) -> dict[str, str] | None:
    """The parameters of the authorization request this session keeps, if `path` is the
    way back to it (identity.oidc.pending): only the id travels through the browser."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    session = getattr(request, "session", None)  # the machine endpoints have none
    if match.view_name != "oidc:authorize_resume" or session is None:
        return None
    kept = pending_find(session, match.kwargs["request_id"], now=int(time.time()))
    return kept.params if kept is not None else None


def _parameter_sets(request: HttpRequest) -> list[dict[str, Any]]:
    """The request's own parameters, those of the authorization request this page serves
    (the consent page of a kept request), and those of the one in `next` (the sign-in page
    on the way to it)."""
    params = {**request.GET.dict(), **request.POST.dict()}
    found = [params]
    for path in (request.path_info, params.get("next") or ""):
        parts = urlsplit(path)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        kept = _kept_params(request, parts.path)
        if kept is not None:
            found.append(kept)
        elif path is not request.path_info and _is_authorize(parts.path):
            found.append(dict(parse_qsl(parts.query)))
    return found


def _is_authorize(path: str) -> bool:
    try:
        return resolve(path).view_name == "oidc:authorize"
    except Resolver404:
        return False


def form_action_sources(request: HttpRequest) -> list[str]:
    """CSP sources a form on this page may be redirected to: the registered redirect and
    post-logout URIs of the active client the request (or its `next`) names."""
    client_ids: set[str] = set()
    for params in _parameter_sets(request):
        if params.get("client_id"):
            client_ids.add(params["client_id"])
        elif params.get("id_token_hint") and params.get("post_logout_redirect_uri"):
            client_ids.update(_audience(params["id_token_hint"]))
    if not client_ids:
        return []
    sources: list[str] = []
    clients = OidcClient.objects.filter(client_id__in=client_ids, is_active=True)
    for client in clients.only("redirect_uris", "post_logout_redirect_uris"):
        for uri in [*client.redirect_uris, *client.post_logout_redirect_uris]:
            source = _source(uri) if isinstance(uri, str) else None
            if source and source not in sources:
                sources.append(source)
    return sources
