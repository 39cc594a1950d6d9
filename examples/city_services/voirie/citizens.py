"""The signed-in citizen, as this service knows them: the claims Uniqc released, no more."""

from dataclasses import asdict, dataclass
from typing import Any

from django.http import HttpRequest

from voirie.models import ADULT_ONLY_CATEGORIES

SESSION_CITIZEN = "voirie_citizen"
SESSION_ID_TOKEN = "voirie_id_token"  # noqa: S105 (a session key, not a secret)


@dataclass(frozen=True)
class Citizen:
    sub: str
    # None when Uniqc has no birth date on file or the citizen chose not to share it.
    age_over_18: bool | None
    locale: str | None

    @property
    def language(self) -> str | None:
        """The interface language of the `locale` claim ("en-CA" -> "en")."""
        return self.locale.split("-")[0].lower() if self.locale else None


def citizen_sign_in(request: HttpRequest, *, claims: dict[str, Any], id_token: str) -> Citizen:
    """Start a session for the person Uniqc vouched for, under a new session key."""
    age_over_18, locale = claims.get("age_over_18"), claims.get("locale")
    citizen = Citizen(
        sub=claims["sub"],
        age_over_18=age_over_18 if isinstance(age_over_18, bool) else None,
        locale=locale if isinstance(locale, str) else None,
    )
    request.session.cycle_key()
    request.session[SESSION_CITIZEN] = asdict(citizen)
    request.session[SESSION_ID_TOKEN] = id_token
    return citizen


def citizen_from_session(request: HttpRequest) -> Citizen | None:
    data = request.session.get(SESSION_CITIZEN)
    return Citizen(**data) if data else None


def citizen_sign_out(request: HttpRequest) -> str | None:
    """End the session here; return the ID token to hint Uniqc whom to sign out."""
    id_token = request.session.get(SESSION_ID_TOKEN)
    request.session.flush()
    return id_token


def access_category(citizen: Citizen, category: str) -> bool:
    """Whether `citizen` may file a report of `category`: claims are for adults only."""
    if category not in ADULT_ONLY_CATEGORIES:
        return True
    return citizen.age_over_18 is True
