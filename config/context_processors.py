"""What every page's header needs: the navigation a person's roles and work give them, and
how many items their cart holds."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from identity.models import User
from identity.roles import Role
from marketplace.cart import SESSION_CART
from marketplace.models import CartLine, StoreStaff


@dataclass(frozen=True)
class Viewer:
    """What the header knows of the person: their roles, whether they work at a store
    (a StoreStaff row, not a role) and how many items their cart holds. The pages
    themselves check permissions."""

    roles: frozenset[str] = frozenset()
    works_at_a_store: bool = False
    cart_items: int = 0


def has_role(role: str) -> Callable[[Viewer], bool]:
    return lambda viewer: role in viewer.roles


# (url name, label, who sees it; None = everyone, visitors too). Each app adds its
# entries here as its pages come to exist.
NAVIGATION: list[tuple[str, Any, Callable[[Viewer], bool] | None]] = [
    ("home", _("Home"), None),
    ("catalogue:search", _("Catalogue"), None),
    ("marketplace:store_list", _("Local stores"), None),
    ("lockers:site_list", _("Pickup lockers"), None),
    ("governance:dashboard", _("The coop"), None),
    ("marketplace:my_stores", _("My store"), lambda viewer: viewer.works_at_a_store),
    ("lockers:courier_sites", _("Courier rounds"), has_role(Role.COURIER)),
    ("card:registrar", _("Identity checks"), has_role(Role.REGISTRAR)),
    ("admin:index", _("Coop administration"), has_role(Role.COOP_ADMIN)),
]


def _cart_items(lines: Any) -> Any:
    """The sum of `lines`' quantities, as a subquery (0 for no line)."""
    total = lines.order_by().values("cart").annotate(items=Sum("quantity")).values("items")
    return Coalesce(Subquery(total[:1], output_field=IntegerField()), 0)


def viewer_of(user: Any, cart_id: Any = None) -> Viewer:
    """The person's roles, whether they work at a store, and the items in their cart, in
    one query; for a visitor, the items of the anonymous cart `cart_id` the session names
    (one query, none without a cart)."""
    if user is None or not user.is_authenticated:
        if not isinstance(cart_id, int):
            return Viewer()
        items = CartLine.objects.filter(cart_id=cart_id, cart__owner__isnull=True).aggregate(
            items=Sum("quantity")
        )["items"]
        return Viewer(cart_items=items or 0)
    rows = (
        User.objects.filter(pk=user.pk)
        .annotate(
            works=Exists(StoreStaff.objects.filter(user=OuterRef("pk"))),
            # The header's cart link: folded into this query rather than one of its own.
            cart_items=_cart_items(CartLine.objects.filter(cart__owner=OuterRef("pk"))),
        )
        .values_list("groups__name", "works", "cart_items")
    )
    names = set()
    works = False
    items = 0
    for name, row_works, row_items in rows:
        names.add(name)
        works = works or row_works
        items = row_items
    return Viewer(
        roles=frozenset(names & set(Role.values)), works_at_a_store=works, cart_items=items
    )


def navigation(request: HttpRequest) -> dict[str, Any]:
    session = getattr(request, "session", None)
    viewer = viewer_of(
        getattr(request, "user", None), session.get(SESSION_CART) if session is not None else None
    )
    items = []
    for url_name, label, visible in NAVIGATION:
        if visible is not None and not visible(viewer):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "current": request.path == url})
    return {
        "nav_items": items,
        "user_roles": sorted(viewer.roles),
        "cart_items": viewer.cart_items,
        "cart_url": reverse("cart:detail"),
    }
