"""The locker journey in Chromium, end to end (issue 11, first test): a store accepts and
packs a paid locker order and downloads its label; the courier types the label at the
store, then at the site, and a compartment opens; the shopper types the pickup code on the
site's kiosk; the order reads picked up. The embedded run uses the in-process controller;
the service run puts `locker_sim` and the listener on Mosquitto, so the deposit and the
pickup go through the real broker.

The shopper reads the pickup code in the email the deposit sends (Celery runs eagerly in
tests and the live server runs in this process, so the email lands in `mailoutbox`); it is
the code `parcel_in_locker` handed out (the plain code is never stored)."""

import re
import time
import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import csp_violations_watch
from lockers import controller_transport
from lockers.models import HostKind, ParcelStatus
from tests.browser.test_accessibility import session_cookie
from tests.browser.test_kiosk import kiosk_context, set_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOPPER = "acheteuse@example.com"
STAFF = "commis@example.com"
COURIER = "coursier@example.com"
EVERY_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def wait_until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def paid_locker_order(make_person):
    """A store with a listing in stock and its staff, a site near it, and a shopper's paid
    locker order there (one shipment, one S parcel), made through the services."""
    from lockers import services as lockers_services
    from marketplace.checkout import checkout_start, order_payment_succeeded
    from marketplace.models import ListingStatus, StoreRole, StoreStatus
    from marketplace.services import listing_upsert, store_staff_set, store_upsert, variant_upsert
    from marketplace.tests.shop import cart_fill, paid_event, payout_account_add

    shopper = make_person(SHOPPER, "shopper")
    staff = make_person(STAFF, "shopper")
    make_person(COURIER, "courier")
    store, _created = store_upsert(
        slug="epicerie-saint-roch",
        initial_status=StoreStatus.APPROVED,
        initial_decision_reason="Une raison donnée au commerçant.",
        name="Épicerie Saint-Roch",
        legal_name="Épicerie Saint-Roch inc.",
        neq="1170000001",
        gst_number="700000001RT0001",
        qst_number="1200000001TQ0001",
        neighbourhood="Saint-Roch",
        street_address="101, rue Saint-Joseph Est",
        locality="Québec",
        postal_code="G1K 3B6",
        latitude=Decimal("46.813960"),
        longitude=Decimal("-71.225310"),
        description="Un commerce de quartier.",
    )
    payout_account_add(store)
    store_staff_set(store=store, user=staff, role=StoreRole.STAFF, acting_user=None)
    listing, _ = listing_upsert(
        store=store,
        slug="confiture",
        title_fr="Confiture de bleuets",
        title_en="Blueberry jam",
        description_fr="Faite dans le quartier.",
        initial_status=ListingStatus.PUBLISHED,
    )
    variant, _ = variant_upsert(
        store=store,
        listing=listing,
        sku="confiture-250",
        name="250 ml",
        price=Decimal("7.50"),
        size_class="S",
        weight_grams=300,
        initial_stock=5,
    )
    site, _created = lockers_services.site_upsert(
        slug="caisse-saint-roch",
        name="Casiers caisse Saint-Roch",
        host_kind=HostKind.DESJARDINS,
        host_name="Caisse Desjardins de Québec",
        street_address="550, rue Saint-Joseph Est",
        locality="Québec",
        postal_code="G1K 3B9",
        latitude=Decimal("46.812000"),
        longitude=Decimal("-71.224000"),
        access_hours="Tous les jours",
        opening_hours=EVERY_DAY,
    )
    lockers_services.compartments_ensure(site=site, counts={"S": 2, "M": 1})
    cart = cart_fill(shopper, [(variant, 1)])
    order = checkout_start(
        cart=cart,
        buyer=shopper,
        speed="standard",
        pickup_kind="locker",
        pickup_reference=site.slug,
        idempotency_key="locker-journey",
        acting_user=shopper,
    )
    order_payment_succeeded(paid_event(order))
    order.refresh_from_db()
    return store, site, order


@pytest.fixture
def codes():
    """The pickup codes `parcel_in_locker` hands out, as the shopper's email gets them."""
    from lockers.signals import parcel_in_locker

    seen: list[str] = []

    def caught(sender, pickup_code, **kwargs):
        seen.append(pickup_code)

    parcel_in_locker.connect(caught, weak=False, dispatch_uid="test-locker-journey")
    yield seen
    parcel_in_locker.disconnect(dispatch_uid="test-locker-journey")


@pytest.fixture
def contexts(chromium, live_server):
    """Browser contexts signed in as a person (English pages); none may break the CSP."""
    opened = []

    def open_as(email: str | None, **options):
        context = chromium.new_context(base_url=live_server.url, locale="en-CA", **options)
        context.set_default_timeout(20_000)
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        if email:
            cookies.append(
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(email, "substantial"),
                    "url": live_server.url,
                }
            )
        context.add_cookies(cookies)
        context.violations = csp_violations_watch(context)
        opened.append(context)
        return context.new_page()

    yield open_as
    for context in opened:
        violations = context.violations
        context.close()
        assert violations == []


def journey(open_as, chromium, live_server, store, site, order, codes, outbox):
    from lockers.kiosk_devices import kiosk_device_create
    from lockers.labels import label_sign
    from marketplace.parcels import WINDOW_HOURS, parcel_of_shipment

    shipment = order.shipments.get()
    assert shipment.status == "paid"
    parcel = parcel_of_shipment(shipment)
    assert parcel.status == ParcelStatus.RESERVED

    # The store: accept, pack, and download the label.
    staff = open_as(STAFF)
    queue = reverse("marketplace:store_orders", args=[store.slug])
    for tab, action in (("new", "accepter"), ("to_pack", "emballee")):
        staff.goto(f"{queue}?onglet={tab}")
        card = staff.locator("section.card", has=staff.locator(f"h2:text-is('{shipment.number}')"))
        card.locator(f"form[action$='/{action}/'] button[type=submit]").click()
        staff.wait_for_load_state("networkidle")
    staff.goto(f"{queue}?onglet=ready")
    link = staff.get_by_role("link", name="Locker label (PDF)")
    href = link.get_attribute("href")
    assert href == reverse("marketplace:shipment_label", args=[store.slug, shipment.pk])
    label_pdf = staff.request.get(href)
    assert label_pdf.status == 200
    assert label_pdf.headers["content-type"] == "application/pdf"
    assert label_pdf.body().startswith(b"%PDF")
    shipment.refresh_from_db()
    parcel.refresh_from_db()
    assert shipment.status == "packed"
    assert parcel.ready_at is not None  # on the courier's manifest from now on
    # What the courier's camera reads off the label's QR code: the text the PDF carries.
    label = label_sign(
        parcel_code=parcel.public_code,
        site_slug=site.slug,
        size_class=parcel.size_class,
        window_hours=WINDOW_HOURS.get(order.speed, 24),
        issued_at=timezone.now(),
        store_name=store.name,
    )

    # The courier: the store stop, the label typed, the parcel collected.
    courier = open_as(
        COURIER,
        geolocation={"latitude": 46.8125, "longitude": -71.2150},
        permissions=["geolocation"],
    )
    courier.goto("/casiers/coursier/")
    courier.wait_for_url("**/casiers/coursier/?lat=*")
    courier.locator("[data-stop-kind=pickup] a").click()
    courier.locator("[data-scanner-input]").fill(label)
    courier.locator("[data-scanner-input]").press("Enter")
    courier.locator("[data-courier-result=picked_up]").wait_for()
    assert "is with you" in courier.locator("[data-courier-result]").inner_text()
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.WITH_COURIER

    # The site stop: the label again; a compartment opens and the door closes on the parcel.
    courier.get_by_role("link", name="Today’s stops").click()
    courier.locator("[data-stop-kind=deposit] a").click()
    courier.locator("[data-scanner-input]").fill(label)
    courier.locator("[data-scanner-input]").press("Enter")
    courier.locator("[data-courier-result=deposit]").wait_for()
    message = courier.locator(".courier-result__message").inner_text()
    assert re.fullmatch(r"Open compartment A0[12] — the door is opening\.", message), message
    compartment = message.split()[2]
    assert wait_until(
        lambda: parcel.__class__.objects.get(pk=parcel.pk).status == ParcelStatus.IN_LOCKER
    )
    assert wait_until(lambda: len(codes) == 1)
    code = codes[0]
    assert re.fullmatch(r"\d{6}", code)
    # The shopper's email carries that code.
    assert wait_until(lambda: any(SHOPPER in m.to and code in m.body for m in outbox), timeout=5), [
        m.subject for m in outbox
    ]
    shipment.refresh_from_db()
    assert shipment.status == "ready_for_pickup"

    # The kiosk at the site: the code on the keypad, the compartment opens, the door closes
    # on an empty compartment.
    _device, secret = kiosk_device_create(site=site, name="Écran 1", acting_user=None)
    kiosk_ctx = kiosk_context(chromium, live_server.url)
    try:
        kiosk = kiosk_ctx.new_page()
        set_up(kiosk, secret)
        for digit in code:
            kiosk.locator(f'[data-key="{digit}"]').click()
        kiosk.get_by_role("button", name="Open", exact=True).click()
        result = kiosk.get_by_role("status").filter(has_text="Compartment")
        assert result.inner_text().strip().startswith(f"Compartment {compartment} is open")
        assert wait_until(
            lambda: parcel.__class__.objects.get(pk=parcel.pk).status == ParcelStatus.PICKED_UP
        )
        assert kiosk_ctx.violations == []
    finally:
        kiosk_ctx.close()

    # The shopper's order page: picked up.
    shopper = open_as(SHOPPER)
    shopper.goto(reverse("orders:detail", args=[order.number]))
    status = shopper.locator("[data-shipment-status]")
    assert status.get_attribute("data-shipment-status") == "picked_up"
    assert status.inner_text().strip() == "Picked up"
    shipment.refresh_from_db()
    assert shipment.status == "picked_up"


def test_the_locker_journey_with_the_in_process_controller(
    chromium, live_server, make_person, contexts, codes, settings, mailoutbox
):
    settings.MQTT_URL = ""
    controller_transport._inprocess.forget()
    try:
        store, site, order = paid_locker_order(make_person)
        journey(contexts, chromium, live_server, store, site, order, codes, mailoutbox)
    finally:
        controller_transport._inprocess.forget()


@pytest.mark.services
def test_the_locker_journey_over_mosquitto_with_locker_sim(
    chromium, live_server, make_person, contexts, codes, settings, mailoutbox
):
    from lockers.controller_transport import MqttListener
    from lockers.controllers import (
        controller_key_create,
        controller_message_receive,
        site_is_online,
    )
    from lockers.management.commands.locker_sim import SimulatorRunner

    assert settings.MQTT_URL
    run = uuid.uuid4().hex[:10]
    settings.LOCKERS_MQTT_TOPIC_ROOT = f"test-{run}/lockers/v1"
    settings.LOCKERS_COMMAND_WAIT_SECONDS = 5
    store, site, order = paid_locker_order(make_person)
    _key, secret = controller_key_create(site=site, acting_user=None)
    listener = MqttListener(receive=controller_message_receive, client_id=f"test-listen-{run}")
    listener.start()
    assert listener.ready.wait(5)
    simulator = SimulatorRunner(
        site=site.slug,
        keys={"k1": bytes.fromhex(secret)},
        compartments=set(site.compartments.values_list("label", flat=True)),
        close_after=0.05,
        client_id=f"test-sim-{run}",
    )
    simulator.start()
    try:
        assert simulator.subscribed.wait(5)
        assert wait_until(lambda: site_is_online(site))
        journey(contexts, chromium, live_server, store, site, order, codes, mailoutbox)
        assert sum(simulator.device.opened_count.values()) == 2  # the deposit, the pickup
        assert "done" in simulator.results
    finally:
        simulator.stop()
        listener.stop()
