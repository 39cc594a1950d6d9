"""Checkout and the payment's outcome.

Checkout follows Saleor's shape in three short transactions (`checkout_start`):

(a) lock the cart's variants (lock_objects order), re-read them, refuse a cart that
    changed (price, stock, no longer on sale), take the stock with F() and write
    reservation rows held until now + MARKETPLACE_PAYMENT_HOLD_MINUTES, and create the
    order, one shipment per store with its invoice, the lines and the payment row with
    its idempotency key;
(b) ask the gateway for the payment with no lock held, sending the stored key;
(c) store the gateway's payment id and where the shopper pays.

A retry with the same Idempotency-Key finds the order by (buyer, key) and finishes (b)
and (c) if a crash stopped them, with the same stored payment key: one order, one
PaymentIntent. The same key with another request is refused (IdempotencyKeyReused).

The gateway's events land in `order_payment_succeeded` and `order_payment_failed`, both
idempotent and correct in any order:

- success on a placed order: paid, reservations consumed, shipments paid; after commit,
  one transfer per shipment (marketplace.tasks.order_transfers_send);
- success on an order no longer placed (cancelled, hold lapsed, stock released): the
  payment is refunded in full and the order's timeline says why;
- failure (a declined card): the stock goes back and the order is cancelled at once, and
  its payment is cancelled at the gateway, so that a retry on the same PaymentIntent
  cannot succeed later. We chose this over keeping a declined order open until its hold
  lapses: stock another shopper could buy is not held for a card that failed, and the
  lines go back into the shopper's cart, so trying again is one click. A failure after
  a success changes nothing.
"""

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.enqueue import enqueue_on_commit
from core.idempotency import IDEMPOTENCY_KEY_PATTERN
from marketplace import lock_objects
from marketplace.cart import cart_create, variant_on_sale
from marketplace.errors import CartChanged, CartEmpty, IdempotencyKeyReused, MarketplaceError
from marketplace.gateways import GatewayEvent, payment_gateway
from marketplace.models import (
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    PickupKind,
    Refund,
    ReservationStatus,
    Shipment,
    ShipmentStatus,
    Speed,
    StockReservation,
    Variant,
)
from marketplace.order_states import order_move, shipment_move
from marketplace.pickup import pickup_point_for
from marketplace.search_cache import catalogue_changed
from marketplace.signals import payment_failed, payment_succeeded
from marketplace.store_hours import express_refusals
from marketplace.taxes import fee_invoice, order_totals, store_invoice

logger = logging.getLogger(__name__)


# Where shipments may wait: the store's counter, or a locker site the shopper chose
# (`pickup_reference`: the site's slug).
PICKUP_KINDS_OFFERED = (PickupKind.STORE_COUNTER, PickupKind.LOCKER)


class CheckoutInvalid(MarketplaceError):
    """A checkout request whose speed, pickup point or key is not one we accept."""

    code = "checkout_invalid"
    message = _("This checkout request is not valid.")
    # The API's status: understood, but not a checkout we can do.
    http_status = 422


class LockerSiteUnknown(CheckoutInvalid):
    """No active locker site has the slug a locker checkout names (or none was named)."""

    code = "locker_site_unknown"
    message = _("Choose a locker among those offered.")
    # The sites change (one may close between the list and the checkout): a conflict.
    http_status = 409


class LockerFull(CheckoutInvalid):
    """The chosen locker has no room left for a parcel of the order: nothing was taken."""

    code = "locker_full"
    message = _("The locker you chose has no room left for your parcels; choose another one.")
    http_status = 409


class ExpressUnavailable(CheckoutInvalid):
    """Express pickup asked of a cart with a store that cannot take it now (closed today,
    or no time left to prepare it: marketplace.store_hours); nothing was taken."""

    code = "express_unavailable"
    message = _("Express pickup is not available now; choose standard pickup.")
    http_status = 409


@dataclass(frozen=True)
class CartChange:
    """One thing that differs from what the shopper saw: `kind` is `price`, `stock` or
    `unavailable`."""

    kind: str
    variant_id: int
    title: str
    price_seen: Decimal
    price_now: Decimal
    quantity: int
    stock: int
    # The cart line that changed, for the shopper (or an app) to review and accept it.
    line_id: int | None = None


def checkout_fingerprint(*, speed: str, pickup_kind: str, pickup_reference: str = "") -> str:
    """A digest of what the shopper asked with an Idempotency-Key (the request body; the
    cart is ours and is emptied by the checkout)."""
    body = json.dumps(
        {"speed": speed, "pickup_kind": pickup_kind, "pickup_reference": pickup_reference},
        sort_keys=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


# 1 to 255 printable ASCII characters; a space may appear inside, not at either end. The
# API reads its Idempotency-Key header by the same rule (marketplace/api/idempotency.py).


def idempotency_key_parse(value: Any) -> str:
    """An Idempotency-Key from outside: 1 to 255 printable ASCII characters, a space only
    inside (the page sends a UUID; docs/api.md states the rule for programs)."""
    if not isinstance(value, str):
        raise CheckoutInvalid(_("An Idempotency-Key is required."))
    key = value.strip()
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise CheckoutInvalid(_("The Idempotency-Key must be 1 to 255 printable ASCII characters."))
    return key


def _order_for_key(*, buyer: Any, key: str, fingerprint: str) -> Order | None:
    order = Order.objects.filter(buyer=buyer, checkout_key=key).select_related("payment").first()
    if order is not None and order.checkout_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return order


def checkout_start(
    *,
    cart: Cart,
    buyer: Any,
    speed: str,
    pickup_kind: str,
    idempotency_key: str,
    acting_user: Any,
    pickup_reference: str = "",
) -> Order:
    """Place `buyer`'s order for everything in `cart` and start its payment; the same
    `idempotency_key` again returns the same order (and never starts a second payment).

    The caller has checked the assurance level (MARKETPLACE_CHECKOUT_ACR). Raises
    CartEmpty, CartChanged (nothing taken; the changes listed), CheckoutInvalid,
    IdempotencyKeyReused or PaymentGatewayError (the order is placed; retry with the
    same key). The order's `replayed` says whether an earlier request with this key
    made it.
    """
    if speed not in Speed.values:
        raise CheckoutInvalid(_("Choose express or standard pickup."))
    if pickup_kind not in PICKUP_KINDS_OFFERED:
        raise CheckoutInvalid(_("Choose the store’s counter or a locker."))
    site = None
    if pickup_kind == PickupKind.LOCKER:
        site = locker_site_for(pickup_reference)
    else:
        pickup_reference = ""
    key = idempotency_key_parse(idempotency_key)
    fingerprint = checkout_fingerprint(
        speed=speed, pickup_kind=pickup_kind, pickup_reference=pickup_reference
    )
    order = _order_for_key(buyer=buyer, key=key, fingerprint=fingerprint)
    replayed = order is not None
    if order is None:
        try:
            order = _checkout_reserve(
                cart=cart,
                buyer=buyer,
                speed=speed,
                pickup_kind=pickup_kind,
                key=key,
                fingerprint=fingerprint,
                site=site,
            )
        except (IntegrityError, CartEmpty, CartChanged):
            # A concurrent request with the same key committed first (this one then finds
            # the cart emptied, or the key taken): its order is ours.
            order = _order_for_key(buyer=buyer, key=key, fingerprint=fingerprint)
            if order is None:
                raise
            replayed = True
    order.payment = payment_begin(order=order)
    order.replayed = replayed
    return order


def _order_number(year: int) -> str:
    return f"UQ-{year}-{lock_objects.order_number_next(year):06d}"


@transaction.atomic
def _checkout_reserve(
    *,
    cart: Cart,
    buyer: Any,
    speed: str,
    pickup_kind: str,
    key: str,
    fingerprint: str,
    site: Any = None,
) -> Order:
    """Transaction (a): take the stock and write the order, and for a locker order a
    parcel per shipment with room held at `site` until the payment's hold. A constant
    number of queries whatever the cart (plus a few per shipment for a locker)."""
    variant_ids = list(CartLine.objects.filter(cart=cart).values_list("variant_id", flat=True))
    if not variant_ids:
        raise CartEmpty()
    variants = lock_objects.variants_lock(variant_ids)
    # Re-read after the lock: a concurrent checkout of the same cart may have emptied it.
    lines = list(CartLine.objects.filter(cart=cart).order_by("created_at", "id"))
    if not lines:
        raise CartEmpty()
    changes = _cart_changes(lines, variants)
    if changes:
        raise CartChanged(changes)

    now = timezone.now()
    gateway = payment_gateway()
    by_store: dict[int, list[tuple[CartLine, Variant]]] = {}
    for line in lines:
        variant = variants[line.variant_id]
        by_store.setdefault(variant.store_id, []).append((line, variant))
    invoices = []
    for store_lines in by_store.values():
        store = store_lines[0][1].store
        subtotal = sum((variant.price * line.quantity for line, variant in store_lines), Decimal(0))
        invoices.append(
            (store, store_invoice(subtotal=subtotal, small_supplier=store.small_supplier))
        )
    if speed == Speed.EXPRESS:
        refused = express_refusals((store for store, _invoice in invoices), now)
        if refused:
            raise ExpressUnavailable(" ".join(verdict.reason for verdict in refused))
    fee = fee_invoice(speed=speed, shipments=len(invoices))
    totals = order_totals((invoice for _store, invoice in invoices), fee)

    # The counter is locked last among the rows that checkouts share, so that the
    # checkouts of the same year wait on it as briefly as possible.
    number = _order_number(timezone.localtime(now).year)
    order = Order.objects.create(
        number=number,
        buyer=buyer,
        speed=speed,
        pickup_kind=pickup_kind,
        pickup_reference=site.slug if site is not None else "",
        goods_subtotal=totals.goods_subtotal,
        fee=totals.fee,
        gst=totals.gst,
        qst=totals.qst,
        total=totals.total,
        checkout_key=key,
        checkout_fingerprint=fingerprint,
        reserved_until=now + timedelta(minutes=settings.MARKETPLACE_PAYMENT_HOLD_MINUTES),
        language=(translation.get_language() or "fr")[:8],
        placed_at=now,
    )
    shipments = Shipment.objects.bulk_create(
        [
            Shipment(
                order=order,
                sequence=sequence,
                store=store,
                subtotal=invoice.subtotal,
                gst=invoice.gst,
                qst=invoice.qst,
                total=invoice.total,
                gst_collected_by=invoice.gst_collected_by,
                qst_collected_by=invoice.qst_collected_by,
                commission=invoice.commission,
                payout=invoice.payout,
            )
            for sequence, (store, invoice) in enumerate(invoices, start=1)
        ]
    )
    shipment_of_store = {shipment.store_id: shipment for shipment in shipments}
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                shipment=shipment_of_store[variant.store_id],
                variant=variant,
                sku=variant.sku,
                title=f"{variant.listing.title} — {variant.name}"[:300],
                unit_price=variant.price,
                quantity=line.quantity,
                line_total=variant.price * line.quantity,
                size_class=variant.size_class,
            )
            for line in lines
            for variant in [variants[line.variant_id]]
        ]
    )
    StockReservation.objects.bulk_create(
        [
            StockReservation(
                variant_id=line.variant_id,
                order=order,
                quantity=line.quantity,
                reserved_until=order.reserved_until,
            )
            for line in lines
        ]
    )
    _stock_change({line.variant_id: -line.quantity for line in lines}, variants)
    Payment.objects.create(
        order=order,
        gateway=gateway.name,
        is_test=gateway.is_test,
        idempotency_key=f"payment-{uuid.uuid4()}",
        amount=order.total,
        currency=order.currency,
    )
    OrderEvent.objects.create(
        order=order, to_status=OrderStatus.PLACED, actor=buyer, created_at=now
    )
    if site is not None:
        _locker_holds_take(order=order, shipments=shipments, by_store=by_store, site=site)
    CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()

    # The store hears once per crossing: the stock was above its threshold and now is not.
    crossed = [
        line.variant_id
        for line in lines
        for variant in [variants[line.variant_id]]
        if variant.stock > variant.low_stock_threshold >= variant.stock - line.quantity
    ]
    if crossed:
        from marketplace.tasks import send_low_stock_email

        enqueue_on_commit(send_low_stock_email, crossed)
    return order


def locker_site_for(slug: Any) -> Any:
    """The active locker site a checkout names by its slug, or CheckoutInvalid."""
    from lockers.models import Site

    site = None
    if isinstance(slug, str) and slug:
        site = Site.objects.filter(slug=slug, is_active=True).first()
    if site is None:
        raise LockerSiteUnknown()
    return site


def _locker_holds_take(
    *,
    order: Order,
    shipments: list[Shipment],
    by_store: dict[int, list[tuple[CartLine, Variant]]],
    site: Any,
) -> None:
    """A parcel per shipment, collected at its store and due by the window's end, with
    room held at `site` until the payment's hold. A shipment too big for a locker is
    refused (CheckoutInvalid), a full site too (LockerFull): the transaction rolls back."""
    from lockers.errors import NoRoom
    from lockers.services import ParcelRequest, parcels_create_held
    from marketplace.parcels import (
        RESERVATION_WINDOW,
        parcel_fit,
        parcel_reference,
        store_origin,
        window_end,
    )

    deliver_by = window_end(speed=order.speed, placed_at=order.placed_at)
    requests = []
    for shipment in shipments:
        items = [
            (variant.size_class, line.quantity, variant.weight_grams)
            for line, variant in by_store[shipment.store_id]
        ]
        fit = parcel_fit(items)
        if not fit.fits:
            raise CheckoutInvalid(
                _("%(store)s: %(reason)s Choose the store’s counter.")
                % {"store": shipment.store.name, "reason": fit.reason}
            )
        requests.append(
            ParcelRequest(
                external_reference=parcel_reference(
                    order_number=order.number, sequence=shipment.sequence
                ),
                size_class=fit.size_class,
                deliver_by=deliver_by,
                **store_origin(shipment.store),
            )
        )
    try:
        parcels_create_held(
            requests=requests,
            site=site,
            expires_at=order.reserved_until,
            window=RESERVATION_WINDOW.get(order.speed, RESERVATION_WINDOW["standard"]),
            window_end=deliver_by,
            acting_user=order.buyer,
        )
    except NoRoom as full:
        raise LockerFull() from full


def _locker_holds_confirm(order: Order) -> None:
    """The order is paid: each parcel's hold lasts until its window's end (holding again
    at the same site moves the expiry). A hold lost meanwhile is left to the deposit,
    which redirects the parcel when the site is full."""
    if order.pickup_kind != PickupKind.LOCKER:
        return
    from lockers.errors import LockersError
    from lockers.services import reservation_hold
    from marketplace.parcels import RESERVATION_WINDOW, parcels_of_order, window_end

    deliver_by = window_end(speed=order.speed, placed_at=order.placed_at)
    for parcel in parcels_of_order(order).values():
        try:
            reservation_hold(
                parcel=parcel,
                site=parcel.destination_site,
                expires_at=deliver_by,
                window=RESERVATION_WINDOW.get(order.speed, RESERVATION_WINDOW["standard"]),
                window_end=deliver_by,
            )
        except LockersError:
            logger.warning("order %s: the hold of parcel %s was lost", order.number, parcel.pk)


def locker_holds_release(order: Order, *, sequences: Any = None) -> None:
    """Give back the room held for the order's parcels (all, or those of `sequences`):
    the payment failed or lapsed, the order was cancelled or a store refused its part."""
    if order.pickup_kind != PickupKind.LOCKER:
        return
    from lockers.services import reservation_release
    from marketplace.parcels import held_reservations, parcels_of_order

    parcels = parcels_of_order(order)
    if sequences is not None:
        parcels = {seq: parcel for seq, parcel in parcels.items() if seq in set(sequences)}
    held = held_reservations(parcel.pk for parcel in parcels.values())
    for reservation in held.values():
        reservation_release(reservation=reservation)


def _cart_changes(lines: list[CartLine], variants: dict[int, Variant]) -> list[CartChange]:
    changes = []
    for line in lines:
        variant = variants.get(line.variant_id)
        if variant is None:
            # A line added after the cart was first read: the shopper reviews it.
            changes.append(
                CartChange(
                    "unavailable",
                    line.variant_id,
                    "",
                    line.price_seen,
                    line.price_seen,
                    line.quantity,
                    0,
                    line.pk,
                )
            )
            continue
        kind = ""
        if not variant_on_sale(variant):
            kind = "unavailable"
        elif variant.stock < line.quantity:
            kind = "stock"
        elif variant.price != line.price_seen:
            kind = "price"
        if kind:
            changes.append(
                CartChange(
                    kind=kind,
                    variant_id=variant.pk,
                    title=f"{variant.listing.title} — {variant.name}",
                    price_seen=line.price_seen,
                    price_now=variant.price,
                    quantity=line.quantity,
                    stock=variant.stock,
                    line_id=line.pk,
                )
            )
    return changes


def _stock_change(deltas: dict[int, int], locked: dict[int, Variant]) -> None:
    """Add `deltas` (negative: take) to the variants' stock in one UPDATE, with F(): the
    rows are locked by the caller (`locked`, as read under the lock), and the database
    refuses a stock below zero."""
    if not deltas:
        return
    # The search shows only whether a variant is in stock: when one runs out or comes
    # back, the cached searches go (an UPDATE sends no post_save).
    for pk, delta in deltas.items():
        variant = locked.get(pk)
        if variant is None or (variant.stock > 0) != (variant.stock + delta > 0):
            catalogue_changed()
            break
    Variant.objects.filter(pk__in=list(deltas)).update(
        stock=F("stock")
        + Case(*(When(pk=pk, then=Value(delta)) for pk, delta in deltas.items()), default=Value(0))
    )


def payment_begin(*, order: Order) -> Payment:
    """Transactions (b) and (c): ask the gateway for the order's payment with its stored
    key, no lock held, and store its id and page. Does nothing once stored, or when the
    order is no longer waiting for payment.

    The gateway's client secret (Stripe's, for a phone app's payment sheet) is not
    stored: the returned payment carries it in `client_secret` when this call started
    the payment, and "" otherwise."""
    payment = Payment.objects.get(order=order)
    payment.client_secret = ""
    if payment.intent_id or order.status != OrderStatus.PLACED:
        return payment
    gateway = payment_gateway(payment.gateway)
    started = gateway.payment_start(
        reference=order.number,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=payment.idempotency_key,
        description=_("Order %(number)s") % {"number": order.number},
        return_url=f"{settings.SITE_URL}{reverse('orders:detail', args=[order.number])}",
    )
    Payment.objects.filter(pk=payment.pk, intent_id="").update(
        intent_id=started.intent_id, redirect_url=started.redirect_url
    )
    payment.refresh_from_db()
    payment.client_secret = started.client_secret
    return payment


# --- The payment's outcome -------------------------------------------------------------


def _payment_for(intent_id: str) -> Payment | None:
    if not intent_id:
        return None
    return Payment.objects.filter(intent_id=intent_id).first()


def _payment_elsewhere(signal: Any, event: GatewayEvent) -> None:
    """An event for an intent that is no order's goes to the app that started it (a
    member's shares); one that nobody claims is logged."""
    answers = signal.send(sender=GatewayEvent, event=event) if event.intent_id else []
    if not any(claimed for _receiver, claimed in answers):
        logger.warning(
            "payment event %s for an unknown intent %s", event.event_type, event.intent_id
        )


def _event_pays(event: GatewayEvent, payment: Payment) -> bool:
    """True unless the gateway reports another amount or currency than the payment asked
    for (an event without them, as older test events, is taken at the payment's word)."""
    if event.amount is not None and event.amount != payment.amount:
        return False
    return not (event.currency and event.currency != payment.currency)


def _payment_mismatch_record(*, order: Order, payment: Payment, event: GatewayEvent) -> None:
    """A success for another sum than the order's: the order is not marked paid (its hold
    lapses as if unpaid), the order's history says why, and the coop's admins are told so
    that a person settles it with the gateway."""
    reason = _(
        "The payment service reported %(paid)s %(paid_currency)s for an order of "
        "%(total)s %(currency)s: not accepted, support will settle it."
    ) % {
        "paid": event.amount,
        "paid_currency": event.currency or payment.currency,
        "total": payment.amount,
        "currency": payment.currency,
    }
    OrderEvent.objects.create(
        order=order, from_status=order.status, to_status=order.status, reason=reason
    )
    logger.error(
        "payment %s (order %s): the gateway reported %s %s, the payment asked for %s %s",
        payment.intent_id,
        order.number,
        event.amount,
        event.currency,
        payment.amount,
        payment.currency,
    )
    transaction.on_commit(
        lambda: mail_admins(
            f"Payment amount mismatch on order {order.number}",
            f"Intent {payment.intent_id}: the gateway reported {event.amount} "
            f"{event.currency}; the payment asked for {payment.amount} {payment.currency}.",
            fail_silently=True,
        )
    )


def order_payment_succeeded(event: GatewayEvent) -> None:
    """The shopper paid: the order is paid, its stock sold, its shipments go to the
    stores, and each store's transfer follows the commit. Paid too late (the order is no
    longer placed), the payment is refunded in full. A second delivery changes nothing."""
    payment = _payment_for(event.intent_id)
    if payment is None:
        _payment_elsewhere(payment_succeeded, event)
        return
    with transaction.atomic():
        order = lock_objects.order_lock(payment.order_id)
        shipments = lock_objects.shipments_lock(order.pk)
        payment = lock_objects.payment_lock(order.pk)
        if payment is None or payment.status == PaymentStatus.SUCCEEDED:
            return
        if not _event_pays(event, payment):
            _payment_mismatch_record(order=order, payment=payment, event=event)
            return
        Payment.objects.filter(pk=payment.pk).update(
            status=PaymentStatus.SUCCEEDED, charge_id=event.charge_id, failure_reason=""
        )
        now = timezone.now()
        if order.status == OrderStatus.PLACED:
            order_move(order=order, to=OrderStatus.PAID, reason=_("Payment received."))
            Order.objects.filter(pk=order.pk).update(paid_at=now)
            StockReservation.objects.filter(order=order, status=ReservationStatus.HELD).update(
                status=ReservationStatus.CONSUMED
            )
            for shipment in shipments:
                shipment_move(shipment=shipment, to=ShipmentStatus.PAID)
            _locker_holds_confirm(order)
            from marketplace.tasks import order_transfers_send, send_order_email

            enqueue_on_commit(order_transfers_send, order.pk)
            enqueue_on_commit(send_order_email, order.pk, "paid")
            return
        # The order ended before the money arrived (hold lapsed, cancelled, declined
        # then paid): nothing is sold, so everything goes back.
        refundable = order.total - order.refunded_amount
        if refundable <= 0:
            return
        reason = _("Payment received after the order was %(status)s: refunded in full.") % {
            "status": order.get_status_display().lower()
        }
        refund = Refund.objects.create(
            order=order,
            gateway=payment.gateway,
            idempotency_key=f"{payment.idempotency_key}-late",
            amount=refundable,
            reason=reason,
        )
        Order.objects.filter(pk=order.pk).update(refunded_amount=order.total)
        OrderEvent.objects.create(
            order=order, from_status=order.status, to_status=order.status, reason=reason
        )
        from marketplace.tasks import refund_send

        enqueue_on_commit(refund_send, refund.pk)


def order_payment_failed(event: GatewayEvent) -> None:
    """The card was declined: the stock goes back, the order is cancelled, its lines go
    back into the shopper's cart and its payment is cancelled at the gateway. Only a
    pending payment fails, and only if the gateway does not report it paid (or being
    paid) since: after a success, or a second time, nothing changes."""
    payment = _payment_for(event.intent_id)
    if payment is None:
        _payment_elsewhere(payment_failed, event)
        return
    if payment.status != PaymentStatus.PENDING:
        return
    # A decline may be delivered after a later attempt on the same intent paid (Stripe
    # sends events out of order): ask the gateway, with no lock held, where the payment
    # stands now. Paid or being paid, the order waits for that attempt's own event.
    state = payment_gateway(payment.gateway).payment_state(intent_id=payment.intent_id)
    if state.settled_or_settling:
        logger.info("payment %s failed once but is %s now", payment.pk, state.status)
        return
    reason = _("Payment declined.")
    if event.failure_reason:
        reason = f"{reason} {event.failure_reason}"[:200]
    order_release(
        order_id=payment.order_id,
        to=OrderStatus.CANCELLED,
        actor=None,
        reason=reason,
        payment_status=PaymentStatus.FAILED,
        cart_restore=True,
    )


@transaction.atomic
def order_release(
    *,
    order_id: int,
    to: str,
    actor: Any,
    reason: str,
    payment_status: str = PaymentStatus.CANCELED,
    cart_restore: bool = False,
) -> bool:
    """End a placed order (cancelled or expired): its held stock goes back once, its
    shipments end with it, its payment is marked (the gateway is told after, outside the
    locks). False, changing nothing, when the order is no longer placed or its payment is
    no longer pending."""
    variant_ids = StockReservation.objects.filter(
        order_id=order_id, status=ReservationStatus.HELD
    ).values_list("variant_id", flat=True)
    locked = lock_objects.variants_lock(list(variant_ids))
    order = lock_objects.order_lock(order_id)
    shipments = lock_objects.shipments_lock(order_id)
    payment = lock_objects.payment_lock(order_id)
    if order.status != OrderStatus.PLACED:
        return False
    if payment is not None and payment.status != PaymentStatus.PENDING:
        return False
    held = list(StockReservation.objects.filter(order=order, status=ReservationStatus.HELD))
    _stock_change({r.variant_id: r.quantity for r in held}, locked)
    StockReservation.objects.filter(pk__in=[r.pk for r in held]).update(
        status=ReservationStatus.RELEASED
    )
    order_move(order=order, to=to, actor=actor, reason=reason)
    shipment_to = ShipmentStatus.EXPIRED if to == OrderStatus.EXPIRED else ShipmentStatus.CANCELLED
    for shipment in shipments:
        shipment_move(shipment=shipment, to=shipment_to, actor=actor)
    locker_holds_release(order)
    if payment is not None:
        Payment.objects.filter(pk=payment.pk).update(
            status=payment_status, failure_reason=reason[:200]
        )
        from marketplace.tasks import payment_cancel

        # After the commit, no lock held: the gateway must not take this payment later.
        enqueue_on_commit(payment_cancel, payment.pk)
    if cart_restore:
        _cart_restore(order)
    return True


def _cart_restore(order: Order) -> None:
    """Put an ended order's lines back in the buyer's cart at their order price, so that
    trying again is one click; lines already there are left as they are."""
    cart = Cart.objects.filter(owner_id=order.buyer_id).first() or cart_create(owner=order.buyer)
    lines = OrderLine.objects.filter(shipment__order=order)
    CartLine.objects.bulk_create(
        [
            CartLine(
                cart=cart,
                variant_id=line.variant_id,
                quantity=line.quantity,
                price_seen=line.unit_price,
            )
            for line in lines
        ],
        ignore_conflicts=True,
    )


def orders_hold_lapse(*, now: Any = None) -> int:
    """Expire every placed order whose stock hold has passed (at most 500 a run): its stock
    goes back and its payment is cancelled at the gateway after each commit. Idempotent;
    returns how many expired."""
    now = now or timezone.now()
    lapsed = list(
        Order.objects.filter(status=OrderStatus.PLACED, reserved_until__lt=now).values_list(
            "pk", flat=True
        )[:500]
    )
    expired = 0
    for order_id in lapsed:
        if order_release(
            order_id=order_id,
            to=OrderStatus.EXPIRED,
            actor=None,
            reason=_("Not paid in time: the stock was released."),
        ):
            expired += 1
    return expired


def pickup_for(order: Order, shipment: Shipment) -> Any:
    """Where a shipment of `order` waits for its shopper."""
    return pickup_point_for(order=order, shipment=shipment)
