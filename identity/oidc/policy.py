"""What the authorization endpoint does with a request: the whole policy, as one pure
function of plain values (no request, no database, no clock of its own).

The view gathers the values (the session's assurance, the request's parameters, the
client's flags, the stored consent, the person's answer) and carries out the decision:
send the person to sign in, refuse with an error code, show the consent page, or issue
a code releasing the named claims.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from identity.assurance import LEVELS, level_satisfies
from identity.oidc.claims import (
    SCOPE_PERMISSIONS,
    claims_essential,
    claims_request_parse,
    claims_requested,
)


class AuthorizationParamsError(ValueError):
    """A parameter of the authorization request is malformed (invalid_request)."""


@dataclass(frozen=True)
class AuthorizationParams:
    """What the policy reads from an authorization request."""

    scope: str
    prompts: frozenset[str] = frozenset()
    max_age: int | None = None
    # The lowest level the client accepts among those it asked for, if any.
    required_level: str | None = None
    claims_request: dict[str, Any] = field(default_factory=dict)
    # The `sub` of the verified id_token_hint, if the request carried one.
    hinted_subject: str | None = None


def _non_negative_int(data: Mapping[str, str], name: str) -> int | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if not value.isascii() or not value.isdigit():
        raise AuthorizationParamsError(f"'{name}' must be a non-negative integer.")
    return int(value)


def required_level(acr_values: str | None) -> str | None:
    """The lowest level the client accepts among those it asked for (in any order)."""
    asked = [level for level in (acr_values or "").split() if level in LEVELS]
    return min(asked, key=LEVELS.index) if asked else None


def authorization_params(
    data: Mapping[str, str], *, scope: str, hinted_subject: str | None = None
) -> AuthorizationParams:
    """The request's parameters as the policy reads them; AuthorizationParamsError (or
    ClaimsRequestError, a ValueError too) when one is malformed. `scope` is the scope
    granted by the protocol checks; `hinted_subject` the verified id_token_hint's `sub`."""
    return AuthorizationParams(
        scope=scope,
        prompts=frozenset((data.get("prompt") or "").split()),
        max_age=_non_negative_int(data, "max_age"),
        required_level=required_level(data.get("acr_values")),
        claims_request=claims_request_parse(data.get("claims")),
        hinted_subject=hinted_subject,
    )


@dataclass(frozen=True)
class SessionState:
    """The person's browser session, as far as the policy is concerned."""

    signed_in: bool
    acr: str | None = None
    auth_time: int = 0
    # The subject the requesting client knows the signed-in person by.
    subject: str | None = None


@dataclass(frozen=True)
class ClientFlags:
    is_internal: bool
    allowed_scopes: frozenset[str]


@dataclass(frozen=True)
class StoredConsent:
    """What the person consented to for this client last time."""

    claims_asked: frozenset[str]
    claims_granted: frozenset[str]


@dataclass(frozen=True)
class ConsentAnswer:
    """The person's answer on the consent page: allowed or not, and the claims ticked."""

    allowed: bool
    ticked: frozenset[str] = frozenset()


# The decisions.


@dataclass(frozen=True)
class SignIn:
    """Send the person to sign in, at `level` or above when a level was asked (step-up)."""

    level: str | None


@dataclass(frozen=True)
class Refuse:
    """Answer the client with this error code."""

    error: str


@dataclass(frozen=True)
class AskConsent:
    """Show the consent page for these claims; the essential ones cannot be unticked."""

    claims: tuple[str, ...]
    essential: frozenset[str]


@dataclass(frozen=True)
class Issue:
    """Issue a code releasing these claims, of those the request asked; `consent_given`
    when the person just answered (their answer is to be remembered)."""

    released: tuple[str, ...]
    requested: tuple[str, ...]
    consent_given: bool = False


Decision = SignIn | Refuse | AskConsent | Issue

LOGIN_REQUIRED = "login_required"
CONSENT_REQUIRED = "consent_required"
ACCESS_DENIED = "access_denied"
UNMET_AUTHENTICATION_REQUIREMENTS = "unmet_authentication_requirements"


def sign_in_is_fresh(session: SessionState, sign_in_sent_at: int | None) -> bool:
    """True when the person signed in after the endpoint sent them to sign in for this
    request. Both times are whole seconds: a sign-in in the same second counts."""
    return (
        session.signed_in and sign_in_sent_at is not None and session.auth_time >= sign_in_sent_at
    )


def _sign_in_decision(
    *, session: SessionState, params: AuthorizationParams, fresh: bool, now: float
) -> Decision | None:
    """Whether the person must (again) sign in first, or cannot be signed in as asked."""
    needs_sign_in = not session.signed_in
    if "login" in params.prompts and not fresh:
        needs_sign_in = True
    if params.max_age is not None and now - session.auth_time > params.max_age and not fresh:
        needs_sign_in = True
    if params.hinted_subject is not None and params.hinted_subject != session.subject:
        if fresh:
            # Signed in again, as someone other than the person the client named.
            return Refuse(LOGIN_REQUIRED)
        needs_sign_in = True
    if params.required_level and not level_satisfies(session.acr, params.required_level):
        if fresh:
            return Refuse(UNMET_AUTHENTICATION_REQUIREMENTS)
        needs_sign_in = True
    if not needs_sign_in:
        return None
    if "none" in params.prompts:
        return Refuse(LOGIN_REQUIRED)
    return SignIn(level=params.required_level)


def authorization_decision(
    *,
    session: SessionState,
    params: AuthorizationParams,
    client: ClientFlags,
    consent: StoredConsent | None,
    answer: ConsentAnswer | None,
    sign_in_sent_at: int | None,
    now: float,
) -> Decision:
    """What to do with an authorization request that passed the protocol checks.

    Sign-in first: a signed-out person, `prompt=login`, a sign-in older than `max_age`,
    an `id_token_hint` naming someone else, or a level below `acr_values` sends the
    person to sign in, unless they already did so for this request since
    `sign_in_sent_at` (then a level still too low, or another person, is an error).
    Then consent: internal clients are not asked; the person's answer releases the
    claims asked that they left ticked, and the essential ones; otherwise the stored
    consent answers if it covers every claim asked and `prompt=consent` was not given.
    `prompt=none` turns every question to the person into an error.
    """
    if answer is not None and not answer.allowed:
        return Refuse(ACCESS_DENIED)
    fresh = sign_in_is_fresh(session, sign_in_sent_at)
    sign_in = _sign_in_decision(session=session, params=params, fresh=fresh, now=now)
    if sign_in is not None:
        return sign_in

    requested = claims_requested(
        scope=params.scope,
        claims_request=params.claims_request,
        allowed_scopes=set(client.allowed_scopes),
    )
    essential = frozenset(claims_essential(params.claims_request))
    if client.is_internal:
        return Issue(released=tuple(requested), requested=tuple(requested))
    if answer is not None:
        # A permission (SCOPE_PERMISSIONS) has no tick box: allowing the request grants it.
        released = [
            name
            for name in requested
            if name in answer.ticked or name in essential or name in SCOPE_PERMISSIONS
        ]
        return Issue(released=tuple(released), requested=tuple(requested), consent_given=True)
    if "consent" in params.prompts or consent is None or not set(requested) <= consent.claims_asked:
        if "none" in params.prompts:
            return Refuse(CONSENT_REQUIRED)
        return AskConsent(claims=tuple(requested), essential=essential)
    released = [name for name in requested if name in consent.claims_granted]
    return Issue(released=tuple(released), requested=tuple(requested))
