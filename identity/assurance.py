"""Assurance levels of a signed-in session, as OpenID Connect `acr` values.

`low`: a password (staff and development). `substantial`: a passkey the card vouched
for. `high`: the card itself. Other apps ask for a level here; they never read card
or passkey tables.
"""

import time
from typing import Any

from django.contrib.auth import login
from django.http import HttpRequest

LEVELS = ("low", "substantial", "high")
SESSION_ACR = "uniqc_acr"
SESSION_AMR = "uniqc_amr"
SESSION_AUTH_TIME = "uniqc_auth_time"
# The card a card sign-in used; a passkey added in that session records it as its voucher.
SESSION_CARD_ID = "uniqc_card_id"


def session_sign_in(
    request: HttpRequest, *, user: Any, acr: str, amr: list[str], backend: str | None = None
) -> None:
    """Sign `user` in on this request's session and record how they proved who they are."""
    if acr not in LEVELS:
        raise ValueError(f"unknown assurance level {acr!r}")
    login(request, user, backend=backend or "django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ACR] = acr
    request.session[SESSION_AMR] = list(amr)
    request.session[SESSION_AUTH_TIME] = int(time.time())


def session_assurance(request: HttpRequest) -> str | None:
    """The level this session was signed in at, or None for a visitor."""
    if not request.user.is_authenticated:
        return None
    return request.session.get(SESSION_ACR, "low")


def level_satisfies(level: str | None, required: str) -> bool:
    """True when `level` is at least `required`."""
    if level is None:
        return False
    return LEVELS.index(level) >= LEVELS.index(required)


def session_card_id(request: HttpRequest) -> int | None:
    """The id of the card this session was signed in with, or None if it was not a card."""
    if not request.user.is_authenticated or request.session.get(SESSION_ACR) != "high":
        return None
    card_id = request.session.get(SESSION_CARD_ID)
    return card_id if isinstance(card_id, int) else None
