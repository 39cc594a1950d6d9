"""Pages of the marketplace: the store directory, a store's shelf, a staff member's stores,
and a retailer's application."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
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
