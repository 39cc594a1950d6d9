"""Webhooks to stores: real deliveries to a receiver on 127.0.0.1 checked with a verifier
written only from docs/store-webhooks.md; retries with backoff, replay, the owner's pages,
what we refuse to call, and who may do what (one test per refusal)."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from core.tests.webhook_receiver import Receiver, verify
from identity.models import AuditEvent
from marketplace import orders
from marketplace.checkout import checkout_start, order_payment_succeeded
from marketplace.errors import WebhookUrlRefused
from marketplace.models import (
    Order,
    ShipmentStatus,
    StoreRole,
    StoreStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked
from marketplace.webhook_selectors import access_store_webhooks_manage
from marketplace.webhooks import (
    BACKOFF,
    MAX_ATTEMPTS,
    signature_header,
    webhook_deliveries_sweep,
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_event_record,
    webhook_secret_rotate,
    webhook_url_check,
)

ALL_EVENTS = ["order.paid", "order.cancelled", "parcel.picked_up"]
DOCS = Path(django_settings.BASE_DIR) / "docs" / "store-webhooks.md"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def store(make_store):
    found = make_store(slug="epicerie")
    payout_account_add(found)
    return found


@pytest.fixture
def owner(make_person, store):
    person = make_person("owner@example.com", "shopper")
    store_staff_set(store=store, user=person, role=StoreRole.OWNER, acting_user=None)
    return person


@pytest.fixture
def hooked(store, owner, receiver):
    """The store's endpoint at the receiver, and its secret."""
    return webhook_endpoint_create(
        store=store, url=receiver.url, events=ALL_EVENTS, acting_user=owner
    )


def _paid_order(shopper, store, committed, key: str = "webhook-key") -> Order:
    variants = stocked(store, stock=5)
    with committed():
        order = checkout_start(
            cart=cart_fill(shopper, [(variants[0], 2), (variants[1], 1)]),
            buyer=shopper,
            speed="express",
            pickup_kind="store_counter",
            idempotency_key=key,
            acting_user=shopper,
        )
        order = Order.objects.select_related("payment").get(pk=order.pk)
        order_payment_succeeded(paid_event(order))
    return Order.objects.get(pk=order.pk)


def _due_now(delivery: WebhookDelivery) -> None:
    """Time passes: the delivery's next attempt is due."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


# --- Signed as the docs say ------------------------------------------------------------


def test_a_paid_order_reaches_its_store_signed_as_the_docs_say(
    shopper, store, hooked, receiver, committed
):
    _endpoint, secret = hooked
    order = _paid_order(shopper, store, committed)

    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.path == "/hooks/uniqc"
    assert verify(got.headers["Uniqc-Signature"], got.body, secret)
    assert not verify(got.headers["Uniqc-Signature"], got.body + b" ", secret)
    assert not verify(got.headers["Uniqc-Signature"], got.body, "whsec_another")
    event = json.loads(got.body)
    shipment = order.shipments.get()
    assert event["type"] == "order.paid"
    assert got.headers["Uniqc-Event-Id"] == event["id"]
    assert event["id"].startswith("evt_")
    assert event["data"]["order"]["number"] == order.number
    assert event["data"]["shipment"]["number"] == shipment.number
    assert event["data"]["shipment"]["total"] == f"{shipment.total:.2f}"
    assert sorted(line["quantity"] for line in event["data"]["shipment"]["lines"]) == [1, 2]
    # The shopper's own data stays with the coop.
    assert b"shopper@example.com" not in got.body
    assert shopper.family_name.encode() not in got.body
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload.encode() == got.body
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert delivery.next_attempt_at is None
    assert delivery.last_response_status == 200


def test_a_signature_too_old_is_refused_by_the_docs_receiver(
    shopper, store, hooked, receiver, committed
):
    _endpoint, secret = hooked
    _paid_order(shopper, store, committed)
    got = receiver.received[0]
    t = int(re.search(r"t=(\d+)", got.headers["Uniqc-Signature"]).group(1))
    assert verify(got.headers["Uniqc-Signature"], got.body, secret, now=t + 299)
    assert not verify(got.headers["Uniqc-Signature"], got.body, secret, now=t + 301)


def test_the_docs_test_vector_is_what_we_compute():
    docs = DOCS.read_text()
    secret = re.search(r"Secret: `([^`]+)`", docs).group(1)
    timestamp = int(re.search(r"Timestamp: `(\d+)`", docs).group(1))
    body = re.search(r"Body \(exact bytes\): `([^`]+)`", docs).group(1).encode()
    header = re.search(r"Header: `([^`]+)`", docs).group(1)
    assert signature_header(secrets_=[secret], timestamp=timestamp, body=body) == header
    assert verify(header, body, secret, now=timestamp + 10)


def test_after_a_rotation_both_secrets_verify_for_a_while(
    shopper, store, owner, hooked, receiver, committed
):
    endpoint, old_secret = hooked
    new_secret = webhook_secret_rotate(endpoint=endpoint, acting_user=owner)
    _paid_order(shopper, store, committed)
    got = receiver.received[0]
    assert got.headers["Uniqc-Signature"].count("v1=") == 2
    assert verify(got.headers["Uniqc-Signature"], got.body, new_secret)
    assert verify(got.headers["Uniqc-Signature"], got.body, old_secret)
    assert AuditEvent.objects.filter(action="marketplace.webhook_secret_rotated").exists()

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with committed():
        webhook_event_record(
            endpoint=WebhookEndpoint.objects.get(pk=endpoint.pk),
            event_type=WebhookEvent.PING,
            subject="",
            data={},
        )
    later = receiver.received[1]
    assert later.headers["Uniqc-Signature"].count("v1=") == 1
    assert verify(later.headers["Uniqc-Signature"], later.body, new_secret)
    assert not verify(later.headers["Uniqc-Signature"], later.body, old_secret)


def test_the_secret_is_stored_sealed(hooked):
    endpoint, secret = hooked
    assert secret not in endpoint.secret_sealed
    assert secret.startswith("whsec_")


# --- The events --------------------------------------------------------------------------


def test_a_cancelled_paid_order_and_a_counter_pickup_are_told(
    shopper, store, owner, hooked, receiver, committed, make_store
):
    order = _paid_order(shopper, store, committed)
    with committed():
        orders.order_cancel(order=order, acting_user=shopper)
    assert [json.loads(r.body)["type"] for r in receiver.received] == [
        "order.paid",
        "order.cancelled",
    ]

    second = _paid_order(shopper, store, committed, key="webhook-key-2")
    shipment = second.shipments.get()
    with committed():
        for step in (
            orders.shipment_accept,
            orders.shipment_pack,
            orders.shipment_ready,
            orders.shipment_picked_up,
        ):
            shipment = step(shipment=shipment, acting_user=owner)
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types[-2:] == ["order.paid", "parcel.picked_up"]
    picked = json.loads(receiver.received[-1].body)
    assert picked["data"]["shipment"]["status"] == ShipmentStatus.PICKED_UP


def test_a_locker_pickup_is_told(shopper, store, hooked, receiver, committed):
    """lockers' parcel_picked_up signal moves the shipment (marketplace/receivers.py); the
    move writes the event."""
    from types import SimpleNamespace

    from lockers import signals as lockers_signals
    from lockers.models import Parcel

    order = _paid_order(shopper, store, committed)
    shipment = order.shipments.get()
    from marketplace.models import Order as OrderModel
    from marketplace.models import PickupKind

    OrderModel.objects.filter(pk=order.pk).update(pickup_kind=PickupKind.LOCKER)
    type(shipment).objects.filter(pk=shipment.pk).update(status=ShipmentStatus.READY_FOR_PICKUP)
    shipment.refresh_from_db()
    parcel = SimpleNamespace(external_reference=f"{order.number}/{shipment.sequence}")
    with committed():
        lockers_signals.parcel_picked_up.send(sender=Parcel, parcel=parcel, at=timezone.now())
    assert json.loads(receiver.received[-1].body)["type"] == "parcel.picked_up"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKED_UP
    # The signal delivered twice makes no second event.
    with committed():
        lockers_signals.parcel_picked_up.send(sender=Parcel, parcel=parcel, at=timezone.now())
    assert WebhookDelivery.objects.filter(event_type="parcel.picked_up").count() == 1


def test_only_the_subscribed_events_are_sent(shopper, store, owner, receiver, committed):
    webhook_endpoint_create(
        store=store, url=receiver.url, events=["parcel.picked_up"], acting_user=owner
    )
    _paid_order(shopper, store, committed)
    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_store_without_an_endpoint_gets_nothing(shopper, store, committed):
    _paid_order(shopper, store, committed)
    assert not WebhookDelivery.objects.exists()


def test_nothing_is_written_or_sent_for_a_rolled_back_change(
    shopper, store, hooked, receiver, committed
):
    order = _paid_order(shopper, store, committed)
    receiver.received.clear()
    shipment = order.shipments.get()

    class Abandon(Exception):
        pass

    with committed(), pytest.raises(Abandon), transaction.atomic():
        orders.order_cancel(order=order, acting_user=shopper)
        assert WebhookDelivery.objects.filter(event_type="order.cancelled").exists()
        raise Abandon
    assert not WebhookDelivery.objects.filter(event_type="order.cancelled").exists()
    assert receiver.received == []
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PAID


def test_an_event_recorded_twice_is_one_delivery_with_one_id(
    shopper, store, hooked, receiver, committed
):
    endpoint, _secret = hooked
    order = _paid_order(shopper, store, committed)
    first = WebhookDelivery.objects.get()
    with committed():
        again = webhook_event_record(
            endpoint=endpoint,
            event_type=WebhookEvent.ORDER_PAID,
            subject=order.shipments.get().number,
            data={"other": True},
        )
    assert again.pk == first.pk
    assert again.event_id == first.event_id
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.received) == 1


# --- Retries ----------------------------------------------------------------------------


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    shopper, store, hooked, receiver, committed, settings, client, owner
):
    settings.MARKETPLACE_WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.hang_seconds = 1.5
    receiver.answers.extend([500, "hang"])
    _endpoint, secret = hooked

    before = timezone.now()
    _paid_order(shopper, store, committed)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_response_status == 500
    assert before + BACKOFF[0] <= delivery.next_attempt_at <= timezone.now() + BACKOFF[0]

    # Not due yet: the sweep leaves it.
    assert webhook_deliveries_sweep() == 0
    _due_now(delivery)
    assert webhook_deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert delivery.last_response_status is None
    assert delivery.last_response_excerpt == "timeout"
    assert delivery.next_attempt_at >= timezone.now() + BACKOFF[1] - timedelta(seconds=5)

    _due_now(delivery)
    assert webhook_deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert delivery.next_attempt_at is None
    attempts = list(delivery.attempt_log.all())
    assert [(a.number, a.response_status, a.error, a.succeeded) for a in attempts] == [
        (1, 500, "", False),
        (2, None, "timeout", False),
        (3, 200, "", True),
    ]
    # Every attempt sent the same event, each signed when it went.
    bodies = {r.body for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1
    assert all(verify(r.headers["Uniqc-Signature"], r.body, secret) for r in receiver.received)

    client.force_login(owner)
    client.cookies["django_language"] = "en"
    with override("en"):
        page = client.get(reverse("marketplace:store_webhooks", args=[store.slug]))
        detail = client.get(
            reverse("marketplace:store_webhook_delivery", args=[store.slug, delivery.pk])
        )
    assert page.status_code == 200
    assert delivery.event_id.encode() in page.content or b"order.paid" in page.content
    assert detail.status_code == 200
    html = detail.content.decode()
    assert html.count("data-attempt=") == 3
    assert "receiver error" in html
    assert "no answer" in html
    assert delivery.event_id in html


def test_after_the_last_attempt_the_delivery_has_failed(
    shopper, store, hooked, receiver, committed
):
    receiver.answers.extend([503] * MAX_ATTEMPTS)
    _paid_order(shopper, store, committed)
    delivery = WebhookDelivery.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        _due_now(delivery)
        webhook_deliveries_sweep()
    delivery.refresh_from_db()
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    assert webhook_deliveries_sweep() == 0
    assert len(receiver.received) == MAX_ATTEMPTS


def test_a_redirect_is_a_failure_and_is_not_followed(shopper, store, hooked, receiver, committed):
    elsewhere = Receiver().start()
    try:
        receiver.answers.append(("redirect", elsewhere.url))
        _paid_order(shopper, store, committed)
    finally:
        elsewhere.stop()
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_response_status == 302
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert elsewhere.received == []


def test_a_disabled_endpoint_keeps_its_deliveries_until_switched_on(
    shopper, store, owner, hooked, receiver, committed
):
    from marketplace.webhooks import webhook_endpoint_update

    endpoint, _secret = hooked
    receiver.answers.append(500)
    _paid_order(shopper, store, committed)
    delivery = WebhookDelivery.objects.get()
    webhook_endpoint_update(
        endpoint=endpoint, url=receiver.url, events=ALL_EVENTS, enabled=False, acting_user=owner
    )
    _due_now(delivery)
    assert webhook_deliveries_sweep() == 0
    webhook_endpoint_update(
        endpoint=endpoint, url=receiver.url, events=ALL_EVENTS, enabled=True, acting_user=owner
    )
    assert webhook_deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED


# --- Replay and the test event -----------------------------------------------------------


def test_the_owner_replays_a_delivery_and_it_is_audited(
    shopper, store, owner, hooked, receiver, committed, client
):
    _endpoint, secret = hooked
    _paid_order(shopper, store, committed)
    delivery = WebhookDelivery.objects.get()
    client.force_login(owner)
    with committed():
        response = client.post(
            reverse("marketplace:store_webhook_replay", args=[store.slug, delivery.pk])
        )
    assert response.status_code == 302
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body
    assert verify(
        receiver.received[1].headers["Uniqc-Signature"], receiver.received[1].body, secret
    )
    replayed = WebhookAttempt.objects.get(delivery=delivery, number=2)
    assert replayed.replay_by == owner
    assert replayed.succeeded
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.SUCCEEDED
    assert delivery.replay_requested_by is None
    audit = AuditEvent.objects.get(action="marketplace.webhook_delivery_replayed")
    assert audit.acting_user == owner
    assert audit.detail["event_id"] == delivery.event_id


def test_a_failed_delivery_replayed_gets_one_more_attempt(
    shopper, store, owner, hooked, receiver, committed
):
    receiver.answers.extend([500] * MAX_ATTEMPTS)
    _paid_order(shopper, store, committed)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.FAILED, next_attempt_at=None, attempts=MAX_ATTEMPTS
    )
    WebhookAttempt.objects.filter(delivery=delivery).update(number=MAX_ATTEMPTS)
    with committed():
        webhook_delivery_replay(delivery=delivery, acting_user=owner)
    delivery.refresh_from_db()
    assert delivery.attempts == MAX_ATTEMPTS + 1
    assert delivery.status == WebhookDeliveryStatus.FAILED


def test_the_owner_sends_a_test_event(store, owner, hooked, receiver, committed, client):
    _endpoint, secret = hooked
    client.force_login(owner)
    with committed():
        response = client.post(reverse("marketplace:store_webhook_ping", args=[store.slug]))
    assert response.status_code == 302
    event = json.loads(receiver.received[0].body)
    assert event["type"] == "ping"
    assert event["data"]["store"]["slug"] == store.slug
    assert verify(
        receiver.received[0].headers["Uniqc-Signature"], receiver.received[0].body, secret
    )


# --- The owner's pages -------------------------------------------------------------------


def test_the_owner_adds_an_endpoint_and_sees_its_secret_once(
    store, owner, receiver, client, committed
):
    client.force_login(owner)
    url = reverse("marketplace:store_webhooks", args=[store.slug])
    with override("en"):
        assert client.get(url).status_code == 200
        response = client.post(url, {"url": receiver.url, "events": ["order.paid"]})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    secret = re.search(r"data-webhook-secret>(whsec_[^<]+)<", response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get(store=store)
    assert endpoint.events == ["order.paid"]
    assert endpoint.created_by == owner
    assert secret.encode() not in client.get(url).content
    assert AuditEvent.objects.filter(action="marketplace.webhook_endpoint_created").exists()

    # The secret shown signs the test event.
    with committed():
        client.post(reverse("marketplace:store_webhook_ping", args=[store.slug]))
    got = receiver.received[0]
    assert verify(got.headers["Uniqc-Signature"], got.body, secret)

    # Switched off and back on, a new address.
    response = client.post(url, {"url": receiver.url + "/v2", "events": ALL_EVENTS})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.url.endswith("/v2")


def test_the_log_is_newest_first_and_paginated(store, owner, hooked, client):
    endpoint, _secret = hooked
    start = timezone.now() - timedelta(days=1)
    for n in range(25):
        webhook_event_record(
            endpoint=endpoint,
            event_type=WebhookEvent.ORDER_PAID,
            subject=f"UQ-2026-{n:06d}-1",
            data={},
            now=start + timedelta(minutes=n),
        )
    client.force_login(owner)
    url = reverse("marketplace:store_webhooks", args=[store.slug])
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert first.count("data-delivery=") == 20
    assert second.count("data-delivery=") == 5
    assert first.index("UQ-2026-000024-1") < first.index("UQ-2026-000023-1")
    assert "UQ-2026-000000-1" in second


def test_the_store_tools_link_to_webhooks_for_owners_only(store, owner, make_person, client):
    clerk = make_person("clerk@example.com", "shopper")
    store_staff_set(store=store, user=clerk, role=StoreRole.STAFF, acting_user=None)
    link = reverse("marketplace:store_webhooks", args=[store.slug]).encode()
    client.force_login(owner)
    assert link in client.get(reverse("marketplace:my_stores")).content
    client.force_login(clerk)
    assert link not in client.get(reverse("marketplace:my_stores")).content


# --- Where we refuse to send -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hooks",
        "ftp://example.com/hooks",
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://172.16.0.1/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://0.0.0.0/hooks",
        "https://user:pass@example.com/hooks",
        "https://exa mple.com/hooks",
        "https://no-such-host.invalid/hooks",
        "https://example.com:99999/hooks",
        "https://" + "a" * 500 + ".com/",
    ],
)
def test_private_or_unsafe_urls_are_refused(url, settings):
    settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(WebhookUrlRefused):
        webhook_url_check(url)


def test_a_public_https_url_is_accepted(settings, monkeypatch):
    settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
    import socket

    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 443))],
    )
    assert webhook_url_check("https://hooks.example.com/uniqc") == (
        "https",
        "hooks.example.com",
        443,
        "8.8.8.8",
    )


def test_a_host_with_one_private_address_among_public_ones_is_refused(settings, monkeypatch):
    settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
    import socket

    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443)),
        ],
    )
    with pytest.raises(WebhookUrlRefused):
        webhook_url_check("https://rebind.example.com/uniqc")


def test_the_form_refuses_a_private_url(store, owner, client, settings):
    settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    with override("en"):
        response = client.post(
            reverse("marketplace:store_webhooks", args=[store.slug]),
            {"url": "https://127.0.0.1/hooks", "events": ALL_EVENTS},
        )
    assert response.status_code == 400
    assert b"private network" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_a_url_turned_private_since_it_was_saved_is_not_called(
    shopper, store, hooked, receiver, committed, settings
):
    settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
    _paid_order(shopper, store, committed)
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert "https://" in delivery.last_response_excerpt


# --- Who may --------------------------------------------------------------------------------


def test_a_visitor_cannot_manage_webhooks(store):
    with pytest.raises(PermissionDenied):
        access_store_webhooks_manage(acting_user=AnonymousUser(), store=store)


def test_a_staff_member_who_is_not_owner_cannot_manage_webhooks(store, make_person):
    clerk = make_person("clerk@example.com", "shopper")
    store_staff_set(store=store, user=clerk, role=StoreRole.STAFF, acting_user=None)
    with pytest.raises(PermissionDenied):
        access_store_webhooks_manage(acting_user=clerk, store=store)


def test_another_stores_owner_cannot_manage_webhooks(store, make_store, make_person):
    other = make_store(slug="librairie")
    neighbour = make_person("neighbour@example.com", "shopper")
    store_staff_set(store=other, user=neighbour, role=StoreRole.OWNER, acting_user=None)
    with pytest.raises(PermissionDenied):
        access_store_webhooks_manage(acting_user=neighbour, store=store)


def test_an_inactive_owner_cannot_manage_webhooks(store, owner):
    owner.is_active = False
    with pytest.raises(PermissionDenied):
        access_store_webhooks_manage(acting_user=owner, store=store)


def test_the_owner_of_a_suspended_store_cannot_manage_webhooks(store, owner):
    store.status = StoreStatus.SUSPENDED
    with pytest.raises(PermissionDenied):
        access_store_webhooks_manage(acting_user=owner, store=store)


def test_a_coop_admin_who_is_not_owner_cannot_manage_webhooks(store, make_person):
    admin = make_person("admin@example.com", "shopper", is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        access_store_webhooks_manage(acting_user=admin, store=store)


@pytest.mark.parametrize(
    "name,method,extra",
    [
        ("store_webhooks", "get", []),
        ("store_webhooks", "post", []),
        ("store_webhook_secret", "post", []),
        ("store_webhook_ping", "post", []),
        ("store_webhook_delivery", "get", ["delivery"]),
        ("store_webhook_replay", "post", ["delivery"]),
    ],
)
def test_every_page_refuses_a_staff_member_and_another_owner(
    name, method, extra, store, hooked, make_store, make_person, client
):
    endpoint, _secret = hooked
    delivery = webhook_event_record(
        endpoint=endpoint, event_type=WebhookEvent.PING, subject="", data={}
    )
    args = [store.slug] + [delivery.pk for _ in extra]
    url = reverse(f"marketplace:{name}", args=args)
    clerk = make_person("clerk@example.com", "shopper")
    store_staff_set(store=store, user=clerk, role=StoreRole.STAFF, acting_user=None)
    other = make_store(slug="librairie")
    neighbour = make_person("neighbour@example.com", "shopper")
    store_staff_set(store=other, user=neighbour, role=StoreRole.OWNER, acting_user=None)
    for person in (clerk, neighbour):
        client.force_login(person)
        assert getattr(client, method)(url).status_code == 403
    client.logout()
    assert getattr(client, method)(url).status_code == 302  # to sign in
    assert WebhookAttempt.objects.count() == 0


def test_another_stores_delivery_is_not_found(
    store, owner, hooked, make_store, make_person, client
):
    other = make_store(slug="librairie")
    neighbour = make_person("neighbour@example.com", "shopper")
    store_staff_set(store=other, user=neighbour, role=StoreRole.OWNER, acting_user=None)
    endpoint, _secret = hooked
    delivery = webhook_event_record(
        endpoint=endpoint, event_type=WebhookEvent.PING, subject="", data={}
    )
    client.force_login(neighbour)
    url = reverse("marketplace:store_webhook_delivery", args=[other.slug, delivery.pk])
    assert client.get(url).status_code == 404


# --- The demo ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_bakery_has_a_webhook_log_with_a_retried_delivery(
    django_capture_on_commit_callbacks,
):
    from core.demo import DemoSummary
    from core.tests.queries import no_writes
    from identity import demo as identity_demo
    from marketplace.demo import demo_load

    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(summary=DemoSummary(), people=people)
    endpoint = WebhookEndpoint.objects.get(store__slug="boulangerie-du-faubourg")
    assert endpoint.url.startswith("http://127.0.0.1:")
    deliveries = list(endpoint.deliveries.all())
    assert len(deliveries) >= 3
    assert all(d.status == WebhookDeliveryStatus.SUCCEEDED for d in deliveries)
    retried = [d for d in deliveries if d.attempts == 2]
    assert len(retried) == 1
    assert [(a.response_status, a.succeeded) for a in retried[0].attempt_log.all()] == [
        (500, False),
        (204, True),
    ]
    with no_writes():
        demo_load(summary=DemoSummary(), people=people)


def test_events_of_a_switched_off_endpoint_wait_for_it(
    shopper, store, owner, hooked, receiver, committed
):
    from marketplace.webhooks import webhook_endpoint_update

    endpoint, _secret = hooked
    webhook_endpoint_update(
        endpoint=endpoint, url=receiver.url, events=ALL_EVENTS, enabled=False, acting_user=owner
    )
    _paid_order(shopper, store, committed)
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert delivery.attempts == 0
    webhook_endpoint_update(
        endpoint=endpoint, url=receiver.url, events=ALL_EVENTS, enabled=True, acting_user=owner
    )
    assert webhook_deliveries_sweep() == 1
    assert len(receiver.received) == 1


def test_a_test_event_needs_the_endpoint_switched_on(store, owner, hooked, receiver, client):
    from marketplace.webhooks import webhook_endpoint_update

    endpoint, _secret = hooked
    webhook_endpoint_update(
        endpoint=endpoint, url=receiver.url, events=ALL_EVENTS, enabled=False, acting_user=owner
    )
    client.force_login(owner)
    response = client.post(reverse("marketplace:store_webhook_ping", args=[store.slug]))
    assert response.status_code == 302
    assert not WebhookDelivery.objects.exists()
