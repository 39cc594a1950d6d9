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
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from identity.models import OidcClient


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
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return []
    audience = claims.get("aud") if isinstance(claims, dict) else None
    if isinstance(audience, str):
        return [audience]
    if isinstance(audience, list):
        return [value for value in audience if isinstance(value, str)]
    return []


def _parameter_sets(request: HttpRequest) -> list[dict[str, Any]]:
    """The request's own parameters, and those of the authorization request in `next`."""
    params = {**request.GET.dict(), **request.POST.dict()}
    found = [params]
    parts = urlsplit(params.get("next") or "")
    if parts.scheme or parts.netloc or not parts.path:
        return found
    try:
        authorize = reverse("oidc:authorize")
    except NoReverseMatch:  # a URLconf without the provider
        return found
    if parts.path == authorize:
        found.append(dict(parse_qsl(parts.query)))
    return found


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
