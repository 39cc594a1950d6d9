"""What every page's header needs: the navigation a person's roles give them."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from identity.roles import Role, user_roles

# (url name, label, roles that see it; None = everyone, including visitors).
# Each app adds its entries here as its pages come to exist.
NAVIGATION: list[tuple[str, Any, set[str] | None]] = [
    ("home", _("Home"), None),
    ("marketplace:store_list", _("Local stores"), None),
    ("lockers:site_list", _("Pickup lockers"), None),
    ("marketplace:my_stores", _("My store"), {Role.STORE_STAFF}),
    ("lockers:courier_sites", _("Courier rounds"), {Role.COURIER}),
    ("card:registrar", _("Identity checks"), {Role.REGISTRAR}),
    ("admin:index", _("Coop administration"), {Role.COOP_ADMIN}),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    roles = user_roles(request.user) if hasattr(request, "user") else set()
    items = []
    for url_name, label, allowed in NAVIGATION:
        if allowed is not None and not (roles & allowed):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "current": request.path == url})
    return {"nav_items": items, "user_roles": sorted(roles)}
