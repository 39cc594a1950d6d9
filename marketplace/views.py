"""Pages of the marketplace: the store directory, a store's shelf, a staff member's stores."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from marketplace.selectors import store_listings, stores_for_staff, stores_visible


@require_GET
def store_list(request: HttpRequest) -> HttpResponse:
    """Approved stores grouped by city and neighbourhood, with how many listings each has."""
    return render(request, "marketplace/store_list.html", {"stores": stores_visible()})


@require_GET
def store_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An approved store's listings on sale, with variants, prices and availability."""
    store = get_object_or_404(stores_visible(), slug=slug)
    return render(
        request,
        "marketplace/store_detail.html",
        {"store": store, "listings": store_listings(store)},
    )


@require_GET
@login_required
@permission_required("marketplace.work_in_store", raise_exception=True)
def my_stores(request: HttpRequest) -> HttpResponse:
    """The stores the signed-in person works for, with every listing and its stock."""
    return render(request, "marketplace/my_stores.html", {"stores": stores_for_staff(request.user)})
