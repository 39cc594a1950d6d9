"""The marketplace's panels on the account hub: my orders, and my store for its staff."""

from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from identity.account_panels import AccountPanel
from marketplace.models import Store


def orders_context(request: HttpRequest) -> dict[str, Any] | None:
    """Everyone's orders panel. There are no orders yet: it says where they will appear."""
    return {"orders": []}


def stores_context(request: HttpRequest) -> dict[str, Any] | None:
    """The stores the person works for, with their role; hidden for everyone else."""
    stores = list(
        Store.objects.filter(staff__user=request.user)
        .annotate(my_role=F("staff__role"))
        .order_by("name")
    )
    if not stores:
        return None
    return {"stores": stores}


PANELS = (
    AccountPanel(
        key="orders",
        title=_("My orders"),
        order=100,
        template_name="marketplace/account/orders.html",
        context=orders_context,
    ),
    AccountPanel(
        key="my_store",
        title=_("My store"),
        order=110,
        template_name="marketplace/account/stores.html",
        context=stores_context,
    ),
)
