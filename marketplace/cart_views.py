"""The cart's pages and checkout: thin views over marketplace.cart and marketplace.checkout.

Every form works without JavaScript (a POST answered by a redirect); with HTMX, a change
of quantity answers the cart's fragment, swapped in place.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from identity.assurance import require_assurance
from marketplace.cart import (
    cart_changes_accept,
    cart_for_request,
    cart_line_add,
    cart_line_quantity_set,
    cart_line_remove,
    cart_view,
)
from marketplace.checkout import (
    CheckoutInvalid,
    ExpressUnavailable,
    LockerFull,
    LockerSiteUnknown,
    checkout_start,
)
from marketplace.errors import (
    CartChanged,
    CartEmpty,
    CartLineRefused,
    IdempotencyKeyReused,
    PaymentGatewayError,
)
from marketplace.models import PickupKind, Speed
from marketplace.parcels import locker_offer
from marketplace.store_hours import express_refusals
from marketplace.taxes import fee_invoice, order_totals, pickup_fee

# A `next` path longer than this is not one of our pages.
NEXT_MAX_LENGTH = 500


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _cart_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    view = cart_view(cart_for_request(request))
    template = (
        "marketplace/cart/cart_body.html" if _is_htmx(request) else "marketplace/cart/cart.html"
    )
    return render(request, template, {"view": view}, status=status)


@require_http_methods(["GET"])
def cart_detail(request: HttpRequest) -> HttpResponse:
    """The cart, grouped by store, with each store's invoice and what changed since the
    shopper added each line."""
    return _cart_page(request)


def _next_path(request: HttpRequest) -> str | None:
    """The page of this site the form asks to come back to (`next`), or None."""
    target = request.POST.get("next", "")
    if not target.startswith("/") or len(target) > NEXT_MAX_LENGTH:
        return None
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return target


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add a variant to the cart (made on first use); back to the page the form names
    (`next`, on this site) with a message saying what was added, or to the cart."""
    cart = cart_for_request(request, create=True)
    try:
        line = cart_line_add(
            cart=cart,
            variant_id=request.POST.get("variant"),
            quantity=request.POST.get("quantity", "1"),
            acting_user=request.user,
        )
    except CartLineRefused as refused:
        messages.error(request, refused.message)
        return _cart_page(request, status=400)
    target = _next_path(request)
    if target is None:
        messages.success(request, _("Added to your cart."))
        return redirect("cart:detail")
    variant = line.variant
    messages.success(
        request,
        _("Added to your cart: %(title)s — %(variant)s (quantity in your cart: %(quantity)s).")
        % {"title": variant.listing.title, "variant": variant.name, "quantity": line.quantity},
    )
    return redirect(target)


@require_POST
def cart_line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    """Set a line's quantity (0 removes it)."""
    cart = cart_for_request(request)
    if cart is None:
        return _cart_page(request, status=404)
    try:
        cart_line_quantity_set(
            cart=cart,
            line_id=line_id,
            quantity=request.POST.get("quantity"),
            acting_user=request.user,
        )
    except CartLineRefused as refused:
        messages.error(request, refused.message)
        return _cart_page(request, status=400)
    if _is_htmx(request):
        return _cart_page(request)
    return redirect("cart:detail")


@require_POST
def cart_line_delete(request: HttpRequest, line_id: int) -> HttpResponse:
    cart = cart_for_request(request)
    if cart is None:
        return _cart_page(request, status=404)
    try:
        cart_line_remove(cart=cart, line_id=line_id, acting_user=request.user)
    except CartLineRefused:
        return _cart_page(request, status=404)
    if _is_htmx(request):
        return _cart_page(request)
    return redirect("cart:detail")


@require_POST
def cart_accept(request: HttpRequest) -> HttpResponse:
    """The shopper has read what changed and accepts it."""
    cart = cart_for_request(request)
    if cart is not None:
        cart_changes_accept(cart=cart, acting_user=request.user)
        messages.success(request, _("Your cart now shows today’s prices and stock."))
    return redirect("cart:detail")


def _checkout_context(request: HttpRequest, speed: str) -> dict:
    view = cart_view(cart_for_request(request))
    # Said before the shopper pays: which store cannot take express now, and why.
    express_refused = express_refusals((group.store for group in view.stores), timezone.now())
    if express_refused and speed == Speed.EXPRESS:
        speed = Speed.STANDARD
    data = request.POST if request.method == "POST" else request.GET
    pickup_kind = data.get("pickup_kind") or PickupKind.STORE_COUNTER
    if pickup_kind not in PickupKind.values:
        pickup_kind = PickupKind.STORE_COUNTER
    offer = locker_offer(
        view=view,
        speed=speed,
        user=request.user,
        lat=data.get("lat"),
        lon=data.get("lon"),
        where=data.get("where", ""),
        # The sites are looked for once the shopper picks the locker.
        find=pickup_kind == PickupKind.LOCKER,
    )
    fees = {choice: pickup_fee(choice) for choice in Speed.values}
    fee = fee_invoice(speed=speed, shipments=len(view.stores))
    totals = order_totals((group.invoice for group in view.stores), fee)
    return {
        "view": view,
        "speeds": [(value, label, fees[value]) for value, label in Speed.choices],
        "express_refused": express_refused,
        "speed": speed,
        "pickup_kind": pickup_kind,
        "pickup_site": data.get("pickup_site", ""),
        "locker": offer,
        "fee": fee,
        "totals": totals,
        # Made when the page renders: a second submit of this page is the same checkout.
        "idempotency_key": str(uuid.uuid4()),
    }


def checkout(request: HttpRequest) -> HttpResponse:
    """Checkout, at the assurance level of MARKETPLACE_CHECKOUT_ACR (read per request)."""
    return require_assurance(settings.MARKETPLACE_CHECKOUT_ACR)(_checkout)(request)


@require_http_methods(["GET", "POST"])
def _checkout(request: HttpRequest) -> HttpResponse:
    """Choose express or standard pickup, see each store's invoice with its taxes and who
    collects the QST, and pay: the order is placed and the shopper goes to the payment
    page. A cart that changed is sent back for review."""
    speed = request.POST.get("speed") or request.GET.get("speed") or Speed.STANDARD
    if speed not in Speed.values:
        speed = Speed.STANDARD
    context = _checkout_context(request, speed)
    if request.method == "GET":
        if context["view"].is_empty:
            return redirect("cart:detail")
        return render(request, "marketplace/cart/checkout.html", context)
    cart = cart_for_request(request)
    status = 400
    try:
        if cart is None:
            raise CartEmpty()
        order = checkout_start(
            cart=cart,
            buyer=request.user,
            speed=request.POST.get("speed", ""),
            pickup_kind=request.POST.get("pickup_kind", PickupKind.STORE_COUNTER),
            pickup_reference=request.POST.get("pickup_site", ""),
            idempotency_key=request.POST.get("idempotency_key"),
            acting_user=request.user,
        )
    except CartChanged as changed:
        messages.warning(request, changed.message)
        return redirect("cart:detail")
    except CartEmpty as empty:
        messages.error(request, empty.message)
        return redirect("cart:detail")
    except IdempotencyKeyReused as reused:
        context["error"] = reused.message
        status = 409
    except CheckoutInvalid as invalid:
        context["error"] = invalid.message
        # A full locker: the page comes back to choose another one; a store that cannot
        # take express now: the page comes back with standard offered.
        status = (
            409 if isinstance(invalid, LockerFull | LockerSiteUnknown | ExpressUnavailable) else 400
        )
    except PaymentGatewayError as failed:
        # The order is placed: sending this page again, with the same key, finishes it.
        context["error"] = failed.message
        context["idempotency_key"] = request.POST.get("idempotency_key")
        status = 502
    else:
        payment = order.payment
        if payment.redirect_url:
            return redirect(payment.redirect_url)
        return redirect("orders:detail", number=order.number)
    return render(request, "marketplace/cart/checkout.html", context, status=status)
