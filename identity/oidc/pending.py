"""Authorization requests waiting for the person, kept in their session.

A request that needs the person (to sign in, or to answer the consent page) is kept here
under an opaque random id, and only the id travels through the browser: the consent
form and the way back from the sign-in page carry it, never the request's parameters,
so nothing a relying party or a page adds to them can change the request or the answer.
A request is kept for a short time, a few per session, and used once.
"""

import json
import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

SESSION_PENDING = "uniqc_oidc_pending"
PENDING_LIFETIME_SECONDS = 30 * 60
PENDING_MAX = 5
# The parameters the authorization endpoint reads (OAuth 2.0, OIDC Core 3.1.2.1, PKCE);
# any other is ignored, and so is not kept.
PENDING_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "response_mode",
    "prompt",
    "max_age",
    "acr_values",
    "claims",
    "id_token_hint",
    "login_hint",
    "display",
    "ui_locales",
    "claims_locales",
    "code_challenge",
    "code_challenge_method",
)
# Longer requests are refused: a session holds a few of them.
PENDING_MAX_CHARS = 16_384


class PendingTooLarge(ValueError):
    """The request's parameters are too long to be kept."""


@dataclass(frozen=True)
class PendingRequest:
    """An authorization request the person has not finished answering."""

    id: str
    params: dict[str, str]
    created_at: int
    # When the endpoint last sent the person to sign in for this request (epoch seconds).
    sign_in_sent_at: int | None


def _kept(session: MutableMapping[str, Any], now: int) -> dict[str, dict[str, Any]]:
    """The session's pending requests that have not expired."""
    kept = session.get(SESSION_PENDING)
    if not isinstance(kept, dict):
        return {}
    return {
        request_id: entry
        for request_id, entry in kept.items()
        if entry["created_at"] + PENDING_LIFETIME_SECONDS > now
    }


def _save(session: MutableMapping[str, Any], kept: dict[str, dict[str, Any]]) -> None:
    if kept:
        session[SESSION_PENDING] = kept
    else:
        session.pop(SESSION_PENDING, None)


def pending_params(data: Mapping[str, str]) -> dict[str, str]:
    """The parameters of an authorization request worth keeping; PendingTooLarge when
    they are too long to keep."""
    params = {name: data[name] for name in PENDING_PARAMS if data.get(name)}
    if len(json.dumps(params)) > PENDING_MAX_CHARS:
        raise PendingTooLarge("The request's parameters are too long.")
    return params


def pending_store(
    session: MutableMapping[str, Any], params: dict[str, str], *, now: int
) -> PendingRequest:
    """Keep a validated request's parameters (from pending_params) under a new id; the
    oldest request goes when the session already holds PENDING_MAX."""
    kept = _kept(session, now)
    while len(kept) >= PENDING_MAX:
        oldest = min(kept, key=lambda request_id: kept[request_id]["created_at"])
        del kept[oldest]
    request_id = secrets.token_urlsafe(16)
    kept[request_id] = {"params": params, "created_at": now, "sign_in_sent_at": None}
    _save(session, kept)
    return PendingRequest(request_id, params, now, None)


def pending_find(
    session: MutableMapping[str, Any], request_id: str, *, now: int
) -> PendingRequest | None:
    """The session's request of that id, or None if it has none (unknown, expired, used,
    or another session's)."""
    entry = _kept(session, now).get(request_id)
    if entry is None:
        return None
    return PendingRequest(
        request_id, dict(entry["params"]), entry["created_at"], entry["sign_in_sent_at"]
    )


def pending_sign_in_sent(session: MutableMapping[str, Any], request_id: str, *, now: int) -> None:
    """Record that the person was sent to sign in for this request, now: only a sign-in
    after this moment is fresh for it."""
    kept = _kept(session, now)
    if request_id in kept:
        kept[request_id] = {**kept[request_id], "sign_in_sent_at": now}
        _save(session, kept)


def pending_drop(session: MutableMapping[str, Any], request_id: str, *, now: int) -> None:
    """Forget a request once it is answered: an id is used once."""
    kept = _kept(session, now)
    kept.pop(request_id, None)
    _save(session, kept)
