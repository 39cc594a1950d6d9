"""Pages of the marketplace: the store directory, a store's shelf, a staff member's stores,
and a retailer's application."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from identity.assurance import require_assurance
from marketplace.errors import StoreApplicationPending
from marketplace.forms import StoreApplicationForm
from marketplace.models import Store, StoreStatus
from marketplace.selectors import (
    STORE_APPLY_ACR,
    access_store_apply,
    store_listings,
    stores_for_staff,
    stores_visible,
)
from marketplace.services import store_apply


@require_GET
def store_list(request: HttpRequest) -> HttpResponse:
    """Approved stores grouped by city and neighbourhood, with how many listings each has."""
    return render(request, "marketplace/store_list.html", {"stores": stores_visible()})


# Map links open openstreetmap.org at this zoom (a street and its neighbours).
MAP_ZOOM = 17


def openstreetmap_url(latitude: Decimal, longitude: Decimal) -> str:
    """openstreetmap.org with a marker at the position: a link, never tiles in our pages."""
    query = urlencode({"mlat": f"{latitude:f}", "mlon": f"{longitude:f}"})
    return f"https://www.openstreetmap.org/?{query}#map={MAP_ZOOM}/{latitude:f}/{longitude:f}"


def position_text(latitude: Decimal, longitude: Decimal) -> str:
    """The position as people read it, in the active language: 45,54781° N, 73,57399° O."""
    north = pgettext("compass point", "N") if latitude >= 0 else pgettext("compass point", "S")
    east = pgettext("compass point", "E") if longitude >= 0 else pgettext("compass point", "W")
    latitude_text = formats.number_format(abs(latitude), 5)
    longitude_text = formats.number_format(abs(longitude), 5)
    return f"{latitude_text}°\u00a0{north}, {longitude_text}°\u00a0{east}"


@require_GET
def store_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An approved store: its hours, its position (a link to a map) and its listings on
    sale, with photos, variants, prices and availability, each linking to the catalogue."""
    store = get_object_or_404(stores_visible(), slug=slug)
    position = None
    if store.latitude is not None and store.longitude is not None:
        position = {
            "text": position_text(store.latitude, store.longitude),
            "map_url": openstreetmap_url(store.latitude, store.longitude),
        }
    return render(
        request,
        "marketplace/store_detail.html",
        {"store": store, "listings": store_listings(store), "position": position},
    )


@require_GET
@login_required
@permission_required("marketplace.work_in_store", raise_exception=True)
def my_stores(request: HttpRequest) -> HttpResponse:
    """The stores the signed-in person works for, with every listing and its stock, and
    the coop's decision on each (the reason of a refusal or a suspension)."""
    return render(request, "marketplace/my_stores.html", {"stores": stores_for_staff(request.user)})


@require_http_methods(["GET", "POST"])
@require_assurance(STORE_APPLY_ACR)
def store_application(request: HttpRequest) -> HttpResponse:
    """A retailer applies to sell through the coop; the store waits, pending, for the
    coop's decision, with them as its owner. Invalid input is answered 400, a second
    application while one waits 409."""
    access_store_apply(request.user)
    pending = Store.objects.filter(applicant=request.user, status=StoreStatus.PENDING).first()
    form = StoreApplicationForm(request.POST if request.method == "POST" else None)
    status = 200
    if pending is not None:
        status = 409 if request.method == "POST" else 200
    elif form.is_bound:
        if form.is_valid():
            try:
                store = store_apply(applicant=request.user, **form.store_fields())
            except StoreApplicationPending as refused:
                form.add_error(None, refused.message)
                status = 409
            except ValidationError as invalid:
                form.add_error(None, invalid)
                status = 400
            else:
                messages.success(
                    request,
                    _("Your application for %(name)s is sent: the coop will answer by email.")
                    % {"name": store.name},
                )
                return redirect("marketplace:my_stores")
        else:
            status = 400
    return render(
        request,
        "marketplace/store_application.html",
        {"form": form, "pending": pending},
        status=status,
    )
