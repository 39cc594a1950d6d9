"""Order pages: the shopper's history and timeline, and a store's queue with its packing
slips. Thin: authorise (order_selectors.access_*), call one service, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from marketplace import orders
from marketplace.errors import MarketplaceError
from marketplace.models import Shipment, Store
from marketplace.order_selectors import (
    QUEUE_TABS,
    access_order_cancel,
    access_order_view,
    access_shipment_manage,
    access_store_orders,
    order_cancellable,
    order_detail,
    orders_of,
    status_label,
    store_queue,
)
from marketplace.pickup import pickup_point_for


@require_GET
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """The signed-in person's orders, newest first."""
    return render(request, "marketplace/orders/list.html", {"orders": orders_of(request.user)})


@require_GET
@login_required
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    """One order: its shipments with their invoices, where to pick each up, and its
    timeline. Only its buyer sees it (anyone else: 404, the number says nothing)."""
    order = order_detail(number)
    if order is None:
        raise Http404
    try:
        access_order_view(acting_user=request.user, order=order)
    except PermissionDenied:
        raise Http404 from None
    shipments = list(order.shipments.all())
    lockers = _locker_views(order, shipments)
    return render(
        request,
        "marketplace/orders/detail.html",
        {
            "order": order,
            "shipments": [
                (
                    s,
                    pickup_point_for(
                        order=order, shipment=s, parcel=lockers.get(s.pk, {}).get("parcel")
                    ),
                    lockers.get(s.pk),
                )
                for s in shipments
            ],
            "cancellable": order_cancellable(order, shipments),
            "payment": getattr(order, "payment", None),
            "timeline": [(event, status_label(event)) for event in order.events.all()],
        },
    )


def _locker_views(order: Any, shipments: list[Shipment]) -> dict[int, dict]:
    """Shipment id → its parcel, the parcel's timeline in plain words and what the buyer
    may do (show the code again, keep it 24 h more), for a locker order."""
    from lockers.models import ParcelStatus
    from lockers.selectors import parcel_timeline
    from marketplace.locker_orders import is_locker_order
    from marketplace.parcels import parcels_of_order

    if not is_locker_order(order):
        return {}
    parcels = parcels_of_order(order)
    views = {}
    for shipment in shipments:
        parcel = parcels.get(shipment.sequence)
        if parcel is None:
            continue
        in_locker = parcel.status == ParcelStatus.IN_LOCKER
        views[shipment.pk] = {
            "parcel": parcel,
            "timeline": parcel_timeline(parcel),
            "in_locker": in_locker,
            "can_extend": in_locker and not parcel.extended,
        }
    return views


@require_POST
@login_required
def order_cancel_view(request: HttpRequest, number: str) -> HttpResponse:
    order = order_detail(number)
    if order is None:
        raise Http404
    try:
        access_order_cancel(acting_user=request.user, order=order)
    except PermissionDenied:
        raise Http404 from None
    try:
        orders.order_cancel(order=order, acting_user=request.user)
    except MarketplaceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Your order is cancelled."))
    return redirect("orders:detail", number=order.number)


def _store_for(request: HttpRequest, store_slug: str) -> Store:
    store = get_object_or_404(Store, slug=store_slug)
    access_store_orders(acting_user=request.user, store=store)
    return store


@require_GET
@login_required
def store_orders(request: HttpRequest, store_slug: str) -> HttpResponse:
    """A store's order queue: new (to accept or refuse), to pack, and ready."""
    store = _store_for(request, store_slug)
    tab = request.GET.get("onglet", "new")
    if tab not in QUEUE_TABS:
        tab = "new"
    return render(
        request,
        "marketplace/orders/store_queue.html",
        {
            "store": store,
            "tab": tab,
            "tabs": [
                ("new", _("New")),
                ("to_pack", _("To pack")),
                ("ready", _("Ready")),
            ],
            "shipments": store_queue(store=store, tab=tab),
        },
    )


SHIPMENT_ACTIONS = {
    "accepter": orders.shipment_accept,
    "emballee": orders.shipment_pack,
    "prete": orders.shipment_ready,
    "recuperee": orders.shipment_picked_up,
}


@require_POST
@login_required
def shipment_action(
    request: HttpRequest, store_slug: str, shipment_id: int, action: str
) -> HttpResponse:
    """One step of a shipment by the store: accept, refuse (with a reason), packed, ready
    at the counter, picked up."""
    store = _store_for(request, store_slug)
    shipment = get_object_or_404(
        Shipment.objects.select_related("store"), pk=shipment_id, store=store
    )
    access_shipment_manage(acting_user=request.user, shipment=shipment)
    try:
        if action == "refuser":
            orders.shipment_refuse(
                shipment=shipment, reason=request.POST.get("reason", ""), acting_user=request.user
            )
        elif action in SHIPMENT_ACTIONS:
            SHIPMENT_ACTIONS[action](shipment=shipment, acting_user=request.user)
        else:
            raise Http404
    except MarketplaceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("%(number)s is updated.") % {"number": shipment.number})
    url = reverse("marketplace:store_orders", kwargs={"store_slug": store.slug})
    tab = request.POST.get("back_tab")
    if tab in QUEUE_TABS:
        url += f"?onglet={tab}"
    return redirect(url)


@require_GET
@login_required
def packing_slip(request: HttpRequest, store_slug: str, shipment_id: int) -> HttpResponse:
    """A printable packing slip: the shipment's number, the shopper's name, its lines."""
    store = _store_for(request, store_slug)
    shipment = get_object_or_404(
        Shipment.objects.select_related("order__buyer", "store").prefetch_related("lines"),
        pk=shipment_id,
        store=store,
    )
    return render(
        request,
        "marketplace/orders/packing_slip.html",
        {"shipment": shipment, "store": store, "custody": _shipment_custody(shipment)},
    )


def _shipment_custody(shipment: Shipment) -> list[Any]:
    """The chain of custody of a locker shipment's parcel, for its store: each event with
    who (a role, never a courier's name), where and when; empty for a counter pickup."""
    from lockers.selectors import parcel_timeline
    from marketplace.locker_orders import is_locker_order
    from marketplace.parcels import parcels_of_order

    if not is_locker_order(shipment.order):
        return []
    parcel = parcels_of_order(shipment.order).get(shipment.sequence)
    return parcel_timeline(parcel) if parcel is not None else []


# --- Lockers ------------------------------------------------------------------------------


@require_GET
@login_required
def shipment_label(request: HttpRequest, store_slug: str, shipment_id: int) -> HttpResponse:
    """The A6 label PDF of a packed locker shipment, for its store's staff only."""
    from marketplace.parcels import parcel_of_shipment, shipment_label_pdf

    store = _store_for(request, store_slug)
    shipment = get_object_or_404(
        Shipment.objects.select_related("order", "store"), pk=shipment_id, store=store
    )
    access_shipment_manage(acting_user=request.user, shipment=shipment)
    parcel = parcel_of_shipment(shipment)
    if parcel is None or parcel.ready_at is None:
        raise Http404
    response = HttpResponse(shipment_label_pdf(shipment, parcel), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="etiquette-{shipment.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _buyer_shipment(request: HttpRequest, number: str, shipment_id: int) -> tuple:
    order = order_detail(number)
    if order is None:
        raise Http404
    try:
        access_order_view(acting_user=request.user, order=order)
    except PermissionDenied:
        raise Http404 from None
    shipment = get_object_or_404(
        Shipment.objects.select_related("store"), pk=shipment_id, order=order
    )
    return order, shipment


@require_POST
@login_required
def locker_code_view(request: HttpRequest, number: str, shipment_id: int) -> HttpResponse:
    """Show a new pickup code and its QR once, to the buyer (it replaces the emailed one)."""
    import segno

    from marketplace.locker_orders import locker_code_reissue

    order, shipment = _buyer_shipment(request, number, shipment_id)
    try:
        code = locker_code_reissue(order=order, shipment=shipment, acting_user=request.user)
    except MarketplaceError as refused:
        messages.error(request, refused.message)
        return redirect("orders:detail", number=order.number)
    qr = segno.make(code, error="m").svg_inline(scale=6, title=_("QR code of your pickup code"))
    response = render(
        request,
        "marketplace/orders/locker_code.html",
        {"order": order, "shipment": shipment, "code": code, "qr": qr},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def locker_extend_view(request: HttpRequest, number: str, shipment_id: int) -> HttpResponse:
    """Keep the buyer's parcel 24 hours more in its locker, once."""
    from marketplace.locker_orders import locker_extend

    order, shipment = _buyer_shipment(request, number, shipment_id)
    try:
        locker_extend(order=order, shipment=shipment, acting_user=request.user)
    except MarketplaceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Your parcel waits 24 hours more."))
    return redirect("orders:detail", number=order.number)
