"""The lockers' panels on the account hub: my parcels, or the rounds for couriers."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from identity.account_panels import AccountPanel
from lockers.selectors import sites_visible


def parcels_context(request: HttpRequest) -> dict[str, Any] | None:
    """Everyone's parcels panel, but a courier's: there are no parcels yet, so it says
    where they will appear."""
    if request.user.has_perm("lockers.carry_parcels"):
        return None
    return {"parcels": []}


def rounds_context(request: HttpRequest) -> dict[str, Any] | None:
    """A courier's panel: how many sites their rounds visit; hidden for everyone else."""
    if not request.user.has_perm("lockers.carry_parcels"):
        return None
    return {"site_count": sites_visible().count()}


PANELS = (
    AccountPanel(
        key="parcels",
        title=_("My parcels"),
        order=200,
        template_name="lockers/account/parcels.html",
        context=parcels_context,
    ),
    AccountPanel(
        key="courier_rounds",
        title=_("Courier rounds"),
        order=200,
        template_name="lockers/account/rounds.html",
        context=rounds_context,
    ),
)
