"""What every page's header needs: the navigation a person's permissions give them."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from identity.roles import user_roles

# (url name, label, the permission the page asks for; None = everyone, visitors too).
# Each app adds its entries here as its pages come to exist. The link follows the same
# permission as the page, so that no one is shown a page they would be refused.
NAVIGATION: list[tuple[str, Any, str | None]] = [
    ("home", _("Home"), None),
    ("marketplace:store_list", _("Local stores"), None),
    ("lockers:site_list", _("Pickup lockers"), None),
    ("marketplace:my_stores", _("My store"), "marketplace.work_in_store"),
    ("lockers:courier_sites", _("Courier rounds"), "lockers.carry_parcels"),
    ("card:registrar", _("Identity checks"), "identity.issue_cards"),
    ("admin:index", _("Coop administration"), "identity.administer_coop"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles = user_roles(user) if user is not None else set()
    items = []
    for url_name, label, permission in NAVIGATION:
        if permission is not None and not (user is not None and user.has_perm(permission)):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "current": request.path == url})
    return {"nav_items": items, "user_roles": sorted(roles)}
