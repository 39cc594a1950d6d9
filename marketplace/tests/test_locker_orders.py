"""A locker order through the services: the size each shipment needs, holds taken at
checkout and confirmed, released or lapsed with the payment, the parcel made ready when
the store packs, and the shipments following lockers' signals (each received twice)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from lockers import signals as lockers_signals
from lockers.models import (
    Compartment,
    HostKind,
    Parcel,
    ParcelStatus,
    Reservation,
    ReservationState,
)
from lockers.services import compartments_ensure, pickup_code_digest, site_upsert
from lockers.tests.conftest import ROUND_THE_CLOCK
from marketplace.checkout import (
    CheckoutInvalid,
    LockerFull,
    checkout_start,
    order_payment_failed,
    order_payment_succeeded,
    orders_hold_lapse,
)
from marketplace.errors import LockerActionRefused, LockerShipmentNotAtCounter
from marketplace.locker_orders import locker_code_reissue, locker_extend
from marketplace.models import (
    Order,
    PickupKind,
    Refund,
    ShipmentStatus,
    StoreRole,
    Variant,
)
from marketplace.orders import shipment_accept, shipment_pack, shipment_ready, shipment_refuse
from marketplace.parcels import parcel_fit, parcels_of_order
from marketplace.pickup import LockerPickup, pickup_point_for
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, failed_event, paid_event, payout_account_add, stocked


def locker_site(slug="caisse-saint-roch", counts=None, latitude="46.812000"):
    site, _created = site_upsert(
        slug=slug,
        name=f"Casiers {slug}",
        host_kind=HostKind.DESJARDINS,
        host_name="Caisse Desjardins de Québec",
        street_address="550, rue Saint-Joseph Est",
        locality="Québec",
        postal_code="G1K 3B9",
        latitude=Decimal(latitude),
        longitude=Decimal("-71.224000"),
        # Open round the clock: what the tests check must not depend on the hour they run.
        access_hours="Jour et nuit",
        opening_hours=ROUND_THE_CLOCK,
    )
    compartments_ensure(site=site, counts=counts or {"S": 2, "M": 1, "L": 1})
    return site


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def store(make_store):
    store = make_store(slug="epicerie")
    payout_account_add(store)
    return store


def locker_checkout(shopper, store, site, *, key="locker-key-1", items=None, speed="standard"):
    variants = stocked(store, stock=5)
    cart = cart_fill(shopper, items or [(variants[0], 1)])
    return checkout_start(
        cart=cart,
        buyer=shopper,
        speed=speed,
        pickup_kind=PickupKind.LOCKER,
        pickup_reference=site.slug,
        idempotency_key=key,
        acting_user=shopper,
    )


def test_parcel_fit_stacks_heights_and_says_why_none():
    assert parcel_fit([("S", 1, 100)]).size_class == "S"
    assert parcel_fit([("S", 2, 100)]).size_class == "M"
    assert parcel_fit([("M", 2, 100)]).size_class == "L"
    too_big = parcel_fit([("L", 2, 100)])
    assert not too_big.fits and too_big.reason
    too_heavy = parcel_fit([("S", 1, 26_000)])
    assert not too_heavy.fits and "kg" in too_heavy.reason


def test_checkout_holds_room_per_shipment_until_the_payment_hold(shopper, store):
    site = locker_site()
    order = locker_checkout(shopper, store, site)
    assert order.pickup_kind == PickupKind.LOCKER
    assert order.pickup_reference == site.slug
    parcel = Parcel.objects.get(external_reference=f"{order.number}/1")
    assert parcel.size_class == "S"
    assert parcel.destination_site == site
    assert parcel.origin_name == store.name
    assert parcel.origin_latitude == store.latitude
    assert parcel.deliver_by == order.placed_at + timedelta(hours=24)
    assert parcel.status == ParcelStatus.RESERVED
    hold = Reservation.objects.get(parcel=parcel)
    assert hold.state == ReservationState.HELD
    assert hold.expires_at == order.reserved_until


def test_a_full_locker_refuses_the_checkout_and_takes_nothing(shopper, store):
    site = locker_site(counts={"S": 0, "M": 0, "L": 0})
    stock_before = stocked(store, stock=5)[0].stock
    with pytest.raises(LockerFull):
        locker_checkout(shopper, store, site)
    assert not Order.objects.exists()
    assert not Parcel.objects.exists()
    assert Variant.objects.get(pk=store.variants.order_by("pk")[0].pk).stock == stock_before


def test_an_unknown_site_or_too_big_a_shipment_is_refused(shopper, store):
    site = locker_site()
    variants = stocked(store, stock=5)
    cart = cart_fill(shopper, [(variants[0], 1)])
    with pytest.raises(CheckoutInvalid):
        checkout_start(
            cart=cart,
            buyer=shopper,
            speed="standard",
            pickup_kind=PickupKind.LOCKER,
            pickup_reference="nowhere",
            idempotency_key="k",
            acting_user=shopper,
        )
    Variant.objects.filter(pk=variants[1].pk).update(size_class="L")
    cart_fill(shopper, [(variants[1], 2)])
    with pytest.raises(CheckoutInvalid) as refused:
        checkout_start(
            cart=cart,
            buyer=shopper,
            speed="standard",
            pickup_kind=PickupKind.LOCKER,
            pickup_reference=site.slug,
            idempotency_key="k2",
            acting_user=shopper,
        )
    assert not isinstance(refused.value, LockerFull)
    assert not Parcel.objects.exists()


def test_payment_confirms_the_hold_until_the_window_end(shopper, store):
    site = locker_site()
    order = locker_checkout(shopper, store, site, speed="express")
    order_payment_succeeded(paid_event(order))
    hold = Reservation.objects.get(parcel__external_reference=f"{order.number}/1")
    assert hold.state == ReservationState.HELD
    assert hold.expires_at == order.placed_at + timedelta(hours=4)


def test_a_declined_payment_or_a_lapsed_hold_releases_the_room(shopper, store, make_person):
    site = locker_site()
    order = locker_checkout(shopper, store, site)
    order_payment_failed(failed_event(order))
    assert Reservation.objects.get().state == ReservationState.RELEASED
    assert Parcel.objects.get().status == ParcelStatus.CREATED

    other = make_person("other@example.com", "shopper")
    second = locker_checkout(other, store, site, key="other-key")
    Order.objects.filter(pk=second.pk).update(reserved_until=timezone.now() - timedelta(minutes=1))
    assert orders_hold_lapse() == 1
    hold = Reservation.objects.get(parcel__external_reference=f"{second.number}/1")
    assert hold.state == ReservationState.RELEASED


@pytest.fixture
def paid_locker_order(shopper, store, store_worker):
    store_staff_set(store=store, user=store_worker, role=StoreRole.STAFF, acting_user=None)
    site = locker_site()
    order = locker_checkout(shopper, store, site)
    order_payment_succeeded(paid_event(order))
    order.refresh_from_db()
    return order


def test_the_store_refusing_releases_the_hold(paid_locker_order, store_worker):
    shipment = paid_locker_order.shipments.get()
    shipment_refuse(shipment=shipment, reason="Rupture de stock.", acting_user=store_worker)
    assert Reservation.objects.get().state == ReservationState.RELEASED


def test_packing_readies_the_parcel_and_the_counter_cannot_hand_it_over(
    paid_locker_order, store_worker
):
    shipment = paid_locker_order.shipments.get()
    shipment_accept(shipment=shipment, acting_user=store_worker)
    shipment_pack(shipment=shipment, acting_user=store_worker)
    parcel = Parcel.objects.get()
    assert parcel.ready_at is not None
    with pytest.raises(LockerShipmentNotAtCounter):
        shipment_ready(shipment=shipment, acting_user=store_worker)


def test_pickup_point_is_the_locker_and_follows_a_redirect(paid_locker_order):
    shipment = paid_locker_order.shipments.get()
    point = pickup_point_for(order=paid_locker_order, shipment=shipment)
    assert isinstance(point, LockerPickup)
    with translation.override("en"):
        assert point.label() == "Locker at Casiers caisse-saint-roch (Caisse Desjardins de Québec)"
    other = locker_site(slug="metro-berri", latitude="46.820000")
    Parcel.objects.update(destination_site=other)
    assert pickup_point_for(order=paid_locker_order, shipment=shipment).site == other


def _in_locker(order):
    """Put the order's parcel in a compartment as a deposit would, with code 123456."""
    parcel = Parcel.objects.get(external_reference=f"{order.number}/1")
    compartment = Compartment.objects.filter(
        site=parcel.destination_site, size_class=parcel.size_class
    ).first()
    Reservation.objects.filter(parcel=parcel).update(state=ReservationState.USED)
    Parcel.objects.filter(pk=parcel.pk).update(
        status=ParcelStatus.IN_LOCKER,
        compartment=compartment,
        site=parcel.destination_site,
        placed_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=72),
        pickup_code_digest=pickup_code_digest(site_id=parcel.destination_site_id, code="123456"),
    )
    parcel.refresh_from_db()
    return parcel


def _send_twice(signal, **kwargs):
    for _ in range(2):
        signal.send(sender=Parcel, **kwargs)


def test_signals_move_the_shipment_once_and_mail_the_code_with_its_qr(
    paid_locker_order, store_worker, committed, settings
):
    settings.LANGUAGE_CODE = "en"
    Order.objects.filter(pk=paid_locker_order.pk).update(language="en")
    shipment = paid_locker_order.shipments.get()
    shipment_accept(shipment=shipment, acting_user=store_worker)
    shipment_pack(shipment=shipment, acting_user=store_worker)
    parcel = Parcel.objects.get()
    with committed():
        _send_twice(lockers_signals.parcel_collected, parcel=parcel)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.WITH_COURIER
    parcel = _in_locker(paid_locker_order)
    mail.outbox.clear()
    with committed():
        lockers_signals.parcel_in_locker.send(
            sender=Parcel,
            parcel=parcel,
            site=parcel.site,
            compartment=parcel.compartment,
            pickup_code="654321",
            expires_at=parcel.expires_at,
        )
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.READY_FOR_PICKUP
    (message,) = mail.outbox
    assert "654321" in message.body
    assert parcel.site.street_address in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "cid:pickup-code" in html
    assert any(
        getattr(part, "get_content_type", lambda: "")() == "image/png"
        for part in message.attachments
    )
    with committed():
        _send_twice(lockers_signals.parcel_picked_up, parcel=parcel, at=timezone.now())
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKED_UP


def test_expiry_refunds_the_items_and_keeps_the_fee_then_the_return(
    paid_locker_order, store_worker, committed
):
    shipment = paid_locker_order.shipments.get()
    shipment_accept(shipment=shipment, acting_user=store_worker)
    shipment_pack(shipment=shipment, acting_user=store_worker)
    parcel = _in_locker(paid_locker_order)
    with committed():
        lockers_signals.parcel_in_locker.send(
            sender=Parcel,
            parcel=parcel,
            site=parcel.site,
            compartment=parcel.compartment,
            pickup_code="654321",
            expires_at=parcel.expires_at,
        )
    with committed():
        _send_twice(lockers_signals.parcel_expired, parcel=parcel)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.EXPIRED
    # The items and their taxes go back; the pickup fee is kept, even for the last one.
    (refund,) = Refund.objects.filter(order=paid_locker_order)
    assert refund.shipment_id == shipment.pk
    assert refund.amount == shipment.total < paid_locker_order.total
    with committed():
        _send_twice(lockers_signals.parcel_returned, parcel=parcel)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.RETURNED
    assert Refund.objects.filter(order=paid_locker_order).count() == 1


def test_expiry_of_one_of_two_shipments_refunds_its_invoice_only(
    shopper, make_store, store, committed
):
    other = make_store(slug="librairie")
    payout_account_add(other)
    site = locker_site()
    va, vb = stocked(store, stock=5), stocked(other, stock=5)
    order = locker_checkout(shopper, store, site, items=[(va[0], 1), (vb[0], 1)])
    order_payment_succeeded(paid_event(order))
    first = order.shipments.get(sequence=1)
    Order.objects.filter(pk=order.pk)  # shipments move through the signals below
    from marketplace.models import Shipment

    Shipment.objects.filter(order=order).update(status=ShipmentStatus.READY_FOR_PICKUP)
    parcel = parcels_of_order(order)[1]
    with committed():
        lockers_signals.parcel_expired.send(sender=Parcel, parcel=parcel)
    refund = Refund.objects.get(order=order)
    first.refresh_from_db()
    assert refund.amount == first.total


def test_redirect_and_reminder_emails(paid_locker_order, committed):
    parcel = Parcel.objects.get()
    other = locker_site(slug="metro-berri", latitude="46.820000")
    mail.outbox.clear()
    with committed():
        lockers_signals.parcel_redirected.send(
            sender=Parcel,
            parcel=parcel,
            from_site=parcel.destination_site,
            to_site=other,
            reason="site_full",
            distance_km=0.9,
        )
    (message,) = mail.outbox
    assert other.name in message.body
    parcel = _in_locker(paid_locker_order)
    with committed():
        lockers_signals.parcel_pickup_reminder.send(
            sender=Parcel, parcel=parcel, expires_at=parcel.expires_at
        )
    assert len(mail.outbox) == 2


def test_code_reissue_and_extension_for_the_buyer_only(
    paid_locker_order, shopper, make_person, committed
):
    shipment = paid_locker_order.shipments.get()
    other = make_person("other@example.com", "shopper")
    with pytest.raises(PermissionDenied):
        locker_code_reissue(order=paid_locker_order, shipment=shipment, acting_user=other)
    with pytest.raises(LockerActionRefused):  # not in its locker yet
        locker_code_reissue(order=paid_locker_order, shipment=shipment, acting_user=shopper)
    parcel = _in_locker(paid_locker_order)
    with committed():
        code = locker_code_reissue(order=paid_locker_order, shipment=shipment, acting_user=shopper)
    assert len(code) == 6 and code.isdigit()
    parcel.refresh_from_db()
    assert parcel.pickup_code_digest == pickup_code_digest(site_id=parcel.site_id, code=code)
    extended = locker_extend(order=paid_locker_order, shipment=shipment, acting_user=shopper)
    assert extended.extended
    with pytest.raises(LockerActionRefused):
        locker_extend(order=paid_locker_order, shipment=shipment, acting_user=shopper)
    with pytest.raises(PermissionDenied):
        locker_extend(order=paid_locker_order, shipment=shipment, acting_user=other)


def test_a_locker_checkout_query_count(make_store, make_person):
    """The same number of queries for 1 and 5 shipments, at most 30 (bench/checkout.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    locker_site(counts={"S": 10, "M": 10, "L": 10})
    stores = [make_store(listings=1) for _ in range(5)]
    for each in stores:
        payout_account_add(each)
    counts = []
    for n, count in enumerate((1, 5)):
        buyer = make_person(f"q{n}@example.com", "shopper")
        cart = cart_fill(buyer, [(stocked(s, stock=5)[0], 1) for s in stores[:count]])
        with CaptureQueriesContext(connection) as captured:
            checkout_start(
                cart=cart,
                buyer=buyer,
                speed="standard",
                pickup_kind=PickupKind.LOCKER,
                pickup_reference="caisse-saint-roch",
                idempotency_key=f"q-{n}",
                acting_user=buyer,
            )
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 30


def test_a_parcel_returned_before_any_locker_refunds_its_share_of_the_fee(
    shopper, make_store, store, committed
):
    other = make_store(slug="librairie")
    payout_account_add(other)
    site = locker_site()
    va, vb = stocked(store, stock=5), stocked(other, stock=5)
    order = locker_checkout(shopper, store, site, items=[(va[0], 1), (vb[0], 1)])
    order_payment_succeeded(paid_event(order))
    from marketplace.models import Shipment

    Shipment.objects.filter(order=order).update(status=ShipmentStatus.WITH_COURIER)
    first = order.shipments.get(sequence=1)
    with committed():
        _send_twice(lockers_signals.parcel_returned, parcel=parcels_of_order(order)[1])
    first.refresh_from_db()
    assert first.status == ShipmentStatus.RETURNED
    refund = Refund.objects.get(order=order)
    fee_total = order.total - sum(s.total for s in order.shipments.all())
    assert refund.amount == first.total + (fee_total / 2).quantize(Decimal("0.01"))


def test_the_pickup_code_crosses_the_queue_sealed(paid_locker_order, committed, monkeypatch):
    """The mail task's arguments (what the broker keeps) never hold the code in clear; a
    seal for another purpose, a forged one or an expired one sends the mail without it."""
    from core.sealed import SealBroken, seal, unseal
    from marketplace import tasks

    sent = []
    monkeypatch.setattr(
        tasks.send_locker_email, "apply_async", lambda args, kwargs: sent.append(args)
    )
    parcel = _in_locker(paid_locker_order)
    with committed():
        lockers_signals.parcel_in_locker.send(
            sender=Parcel,
            parcel=parcel,
            site=parcel.site,
            compartment=parcel.compartment,
            pickup_code="654321",
            expires_at=parcel.expires_at,
        )
    (args,) = sent
    assert "654321" not in repr(args)
    extra = args[3]
    assert tasks._pickup_code(extra) == "654321"
    assert tasks._pickup_code({"sealed_code": seal("654321", purpose="another")}) == ""
    assert tasks._pickup_code({"sealed_code": extra["sealed_code"][:-4] + "AAAA"}) == ""
    assert tasks._pickup_code({"code": "654321"}) == ""
    with pytest.raises(SealBroken):
        unseal(extra["sealed_code"], purpose=tasks.PICKUP_CODE_SEAL, max_age=-1)
