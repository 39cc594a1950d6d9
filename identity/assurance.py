"""Assurance levels of a signed-in session, as OpenID Connect `acr` values.

`low`: a password (staff and development). `substantial`: a passkey the card vouched
for. `high`: the card itself. Other apps ask for a level here; they never read card
or passkey tables.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth import login
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy, pgettext_lazy

LEVELS = ("low", "substantial", "high")
SESSION_ACR = "uniqc_acr"
SESSION_AMR = "uniqc_amr"
SESSION_AUTH_TIME = "uniqc_auth_time"
# The card a card sign-in used; a passkey added in that session records it as its voucher.
SESSION_CARD_ID = "uniqc_card_id"


@dataclass(frozen=True)
class LevelExplained:
    """A level in plain words: the way of signing in that reaches it, and what it allows."""

    level: str
    name: Any
    way: Any
    allows: Any


# What people read on the sign-in page and their account page. Keep `allows` true to the
# views: require_assurance("substantial") and ("high") are what these sentences promise.
LEVELS_EXPLAINED = (
    LevelExplained(
        level="low",
        name=pgettext_lazy("assurance level", "Basic"),
        way=gettext_lazy("Password"),
        allows=gettext_lazy(
            "Browse the local stores and fill a cart, keep your profile, use connected "
            "services that ask for no more."
        ),
    ),
    LevelExplained(
        level="substantial",
        name=pgettext_lazy("assurance level", "Substantial"),
        way=gettext_lazy("Passkey added after signing in with your card"),
        allows=gettext_lazy(
            "Everything a password allows, plus paying for an order, declaring your card "
            "lost and the services that ask for more than a password."
        ),
    ),
    LevelExplained(
        level="high",
        name=pgettext_lazy("assurance level", "High"),
        way=gettext_lazy("Card, with its reader and PIN"),
        allows=gettext_lazy(
            "Everything, plus what must be really you: voting in the coop, signing, adding "
            "a passkey, replacing a card, and a registrar’s work at the counter."
        ),
    ),
)


def level_explained(level: str | None) -> LevelExplained | None:
    """The plain-words description of `level`, or None for a visitor."""
    return next((item for item in LEVELS_EXPLAINED if item.level == level), None)


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


def _sign_in_url_for(level: str) -> str:
    from django.urls import reverse

    return reverse("card_login:sign_in" if level == "high" else "identity:login")


def url_on_this_site_or(request: HttpRequest, candidate: Any, default: str) -> str:
    """`candidate` if it is a URL of this site (same host, and https when the request is),
    else `default`: where a person is sent back after signing in, never elsewhere."""
    if isinstance(candidate, str) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def require_assurance(level: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a view run only for a session signed in at `level` or above.

    Anyone below is sent to the sign-in that reaches the level (the card for `high`; the
    sign-in page, which offers passkeys, for `substantial`) and brought back: to this page
    for a GET, to the page the form was on for any other method.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown assurance level {level!r}")

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if level_satisfies(session_assurance(request), level):
                return view(request, *args, **kwargs)
            from django.contrib import messages
            from django.shortcuts import redirect
            from django.utils.http import urlencode
            from django.utils.translation import gettext as _

            back = request.get_full_path()
            if request.method != "GET":
                back = url_on_this_site_or(request, request.META.get("HTTP_REFERER"), "/")
            if request.user.is_authenticated:
                messages.info(
                    request,
                    _("This step needs your card.")
                    if level == "high"
                    else _("This step needs your passkey or your card."),
                )
            return redirect(_sign_in_url_for(level) + "?" + urlencode({"next": back}))

        return wrapped

    return decorator
