"""What every page's header needs: the navigation a person's roles and work give them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from identity.models import User
from identity.roles import Role
from marketplace.models import StoreStaff


@dataclass(frozen=True)
class Viewer:
    """What the header knows of the person: their roles, and whether they work at a store
    (a StoreStaff row, not a role). The pages themselves check permissions."""

    roles: frozenset[str] = frozenset()
    works_at_a_store: bool = False


def has_role(role: str) -> Callable[[Viewer], bool]:
    return lambda viewer: role in viewer.roles


# (url name, label, who sees it; None = everyone, visitors too). Each app adds its
# entries here as its pages come to exist.
NAVIGATION: list[tuple[str, Any, Callable[[Viewer], bool] | None]] = [
    ("home", _("Home"), None),
    ("catalogue:search", _("Catalogue"), None),
    ("marketplace:store_list", _("Local stores"), None),
    ("lockers:site_list", _("Pickup lockers"), None),
    ("marketplace:my_stores", _("My store"), lambda viewer: viewer.works_at_a_store),
    ("lockers:courier_sites", _("Courier rounds"), has_role(Role.COURIER)),
    ("card:registrar", _("Identity checks"), has_role(Role.REGISTRAR)),
    ("admin:index", _("Coop administration"), has_role(Role.COOP_ADMIN)),
]


def viewer_of(user: Any) -> Viewer:
    """The person's roles and whether they work at a store, in one query."""
    if user is None or not user.is_authenticated:
        return Viewer()
    rows = (
        User.objects.filter(pk=user.pk)
        .annotate(works=Exists(StoreStaff.objects.filter(user=OuterRef("pk"))))
        .values_list("groups__name", "works")
    )
    names = set()
    works = False
    for name, row_works in rows:
        names.add(name)
        works = works or row_works
    return Viewer(roles=frozenset(names & set(Role.values)), works_at_a_store=works)


def navigation(request: HttpRequest) -> dict[str, Any]:
    viewer = viewer_of(getattr(request, "user", None))
    items = []
    for url_name, label, visible in NAVIGATION:
        if visible is not None and not visible(viewer):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "current": request.path == url})
    return {"nav_items": items, "user_roles": sorted(viewer.roles)}
