"""Which claims a client receives: from granted scopes, and from the `claims` request.

Claims are computed when they are released (age_over_18 on the day of release), so a
relying party never receives the attribute it is derived from.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jsonin import JsonInputError, json_parse
from identity.models import MembershipStatus, User

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": ("given_name", "family_name", "name"),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
    "age": ("age_over_18",),
    "membership": ("member", "membership_category"),
    "locale": ("locale",),
}
CLAIM_SCOPE = {claim: scope for scope, claims in SCOPE_CLAIMS.items() for claim in claims}
CLAIMS_SUPPORTED = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "at_hash",
    *CLAIM_SCOPE,
)
LOCALES = {"fr": "fr-CA", "en": "en-CA"}
CLAIM_LABELS = {
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "name": _("Full name"),
    "email": _("Email address"),
    "email_verified": _("Whether your email address is verified"),
    "address": _("Postal address"),
    "phone_number": _("Phone number"),
    "phone_number_verified": _("Whether your phone number is verified"),
    "age_over_18": _("Whether you are 18 or older"),
    "member": _("Whether you are a member of the coop"),
    "membership_category": _("Your membership category"),
    "locale": _("Your language"),
}
# Scopes that let the client act for the person in one of the coop's JSON APIs: no claim
# is released for them, but the person is told, and agrees, as for a claim. Their names
# never collide with a claim's.
SCOPE_PERMISSIONS = {
    "marketplace": _(
        "Use your cart and your orders at the coop’s local stores for you, including paying "
        "for an order"
    ),
    "courier": _(
        "Carry parcels for the coop as its courier: see your manifest, collect parcels at "
        "stores and put them in lockers"
    ),
    "signature_requests": _(
        "Ask you to sign documents with your card; you read each one and decide"
    ),
    "vault": _(
        "Read the documents of your safe that you choose to share with it, for the time you say"
    ),
    "payables": _("Send you amounts to pay (tickets, permit fees) and hear when they are paid"),
}
# What a release row may name besides claims: documents the person released to the service
# from their safe (identity.vault, identity.signing); never asked for at sign-in.
RELEASE_LABELS = {
    "shared_document": _("A document from your safe, shared by you"),
    "signed_document": _("A document you signed at its request"),
}
CONSENT_LABELS = {**CLAIM_LABELS, **SCOPE_PERMISSIONS, **RELEASE_LABELS}


# Every supported claim with `essential` and a few `values` fits in far less.
CLAIMS_REQUEST_MAX_BYTES = 8_000


class ClaimsRequestError(ValueError):
    """The `claims` authorization parameter is not a valid claims request."""


def claims_request_parse(raw: str | None) -> dict[str, dict[str, Any]]:
    """Parse the `claims` parameter (OIDC Core 5.5) into {"userinfo": {...}, "id_token": {...}}."""
    if not raw:
        return {}
    try:
        value = json_parse(raw, max_bytes=CLAIMS_REQUEST_MAX_BYTES)
    except JsonInputError as error:
        raise ClaimsRequestError(f"claims refused: {error.message}") from error
    parsed: dict[str, dict[str, Any]] = {}
    for target in ("userinfo", "id_token"):
        members = value.get(target)
        if members is None:
            continue
        if not isinstance(members, dict):
            raise ClaimsRequestError(f"claims.{target} is not a JSON object")
        parsed[target] = {
            name: spec if isinstance(spec, dict) else None for name, spec in members.items()
        }
    return parsed


def _age_over_18(user: User) -> bool | None:
    if user.birth_date is None:
        return None
    today = timezone.localdate()
    try:
        eighteenth = user.birth_date.replace(year=user.birth_date.year + 18)
    except ValueError:  # born on 29 February
        eighteenth = date(user.birth_date.year + 18, 3, 1)
    return today >= eighteenth


def _address(user: User) -> dict[str, str] | None:
    if not (user.street_address or user.locality or user.postal_code):
        return None
    lines = [user.street_address, f"{user.locality} {user.region}  {user.postal_code}".strip()]
    structured = {
        "street_address": user.street_address,
        "locality": user.locality,
        "region": user.region,
        "postal_code": user.postal_code,
        "country": user.country,
    }
    structured = {key: value for key, value in structured.items() if value}
    structured["formatted"] = "\n".join(line for line in lines if line) + f"\n{user.country}"
    return structured


def _membership(user: User) -> MembershipStatus | None:
    try:
        return user.membership_status
    except MembershipStatus.DoesNotExist:
        return None


CLAIM_VALUES: dict[str, Callable[[User], Any]] = {
    "given_name": lambda user: user.given_name or None,
    "family_name": lambda user: user.family_name or None,
    "name": lambda user: user.full_name or None,
    "email": lambda user: user.email,
    "email_verified": lambda user: user.email_verified,
    "address": _address,
    "phone_number": lambda user: user.phone or None,
    # No phone verification exists yet: say so rather than imply one.
    "phone_number_verified": lambda user: False if user.phone else None,
    "age_over_18": _age_over_18,
    "member": lambda user: bool((status := _membership(user)) and status.is_member),
    "membership_category": lambda user: (
        status.category or None if (status := _membership(user)) and status.is_member else None
    ),
    "locale": lambda user: LOCALES.get(user.preferred_language, "fr-CA"),
}


def claim_names_for(
    *, scope: str, claims_request: dict[str, Any], target: str, allowed_scopes: set[str]
) -> list[str]:
    """Names of the claims to release to `target` ("userinfo" or "id_token").

    Scope claims go to userinfo (OIDC Core 5.4 for the code flow); claims named in the
    `claims` request go to the target they were asked for, if the client may ask for
    their scope.
    """
    names: list[str] = []
    if target == "userinfo":
        for granted in scope.split():
            names.extend(SCOPE_CLAIMS.get(granted, ()))
    for name in claims_request.get(target, {}):
        if name in CLAIM_SCOPE and CLAIM_SCOPE[name] in allowed_scopes and name not in names:
            names.append(name)
    return names


def claims_released(
    *,
    scope: str,
    claims_request: dict[str, Any],
    target: str,
    allowed_scopes: set[str],
    released: list[str],
) -> list[str]:
    """Names of the claims `target` receives: those the request asks for it
    (claim_names_for) that the person released for this grant, and no other."""
    granted = set(released)
    return [
        name
        for name in claim_names_for(
            scope=scope, claims_request=claims_request, target=target, allowed_scopes=allowed_scopes
        )
        if name in granted
    ]


def claim_values(*, user: User, names: list[str]) -> dict[str, Any]:
    """Values of the named claims; a claim without a value is left out."""
    values = {}
    for name in names:
        value = CLAIM_VALUES[name](user)
        if value is not None:
            values[name] = value
    return values


def claims_requested(
    *, scope: str, claims_request: dict[str, Any], allowed_scopes: set[str]
) -> list[str]:
    """Every claim a request could release, to userinfo or the ID token, then the
    permissions its scopes ask for (SCOPE_PERMISSIONS), which the person agrees to as well."""
    names = claim_names_for(
        scope=scope, claims_request=claims_request, target="userinfo", allowed_scopes=allowed_scopes
    )
    for name in claim_names_for(
        scope=scope, claims_request=claims_request, target="id_token", allowed_scopes=allowed_scopes
    ):
        if name not in names:
            names.append(name)
    names.extend(
        granted
        for granted in scope.split()
        if granted in SCOPE_PERMISSIONS and granted in allowed_scopes and granted not in names
    )
    return names


def claims_essential(claims_request: dict[str, Any]) -> set[str]:
    """Claims the client marked essential (OIDC Core 5.5.1): the person cannot untick them."""
    return {
        name
        for members in claims_request.values()
        for name, spec in members.items()
        if isinstance(spec, dict) and spec.get("essential") is True
    }
