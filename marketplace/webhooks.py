"""Webhooks to stores: a store's owner gives a URL, and we POST it a signed JSON event when
one of its orders is paid or cancelled and when a parcel of it is picked up
(docs/store-webhooks.md is the receiver's side).

- An event is a `WebhookDelivery` row written in the transaction of the change it reports
  (shipment_move calls `shipment_moved`), with the exact body; the first attempt is
  enqueued on commit. A rolled-back change leaves no row and sends nothing; a lost task
  is picked up by the sweep (beat), so no event is lost.
- An attempt is claimed in a short transaction (the row locked with SKIP LOCKED, its
  next attempt pushed past the call, an attempt row numbered), then the POST is made with
  no lock held, then the outcome is recorded. Two sweeps never send the same attempt.
- Failures wait 1 min, 5 min, 30 min, 2 h, 12 h; after the sixth attempt the delivery
  has failed. An owner may replay any delivery: one attempt now, audited.
- We only call https URLs on public addresses, never follow a redirect, and connect to
  the address we checked (no second DNS answer in between).
"""

import time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import webhooks as signed
from core.enqueue import enqueue_on_commit
from core.webhooks import (  # noqa: F401 - the names this module always offered
    BACKOFF,
    CLAIM_LEASE,
    EXCERPT_MAX,
    MAX_ATTEMPTS,
    ROTATION_OVERLAP,
    SIGNATURE_HEADER,
    SWEEP_BATCH,
    URL_MAX,
    PostResult,
    signature_header,
    webhook_post,
)
from identity.audit import audit_record
from marketplace import lock_objects
from marketplace.errors import WebhookEndpointMissing, WebhookUrlRefused
from marketplace.models import (
    WEBHOOK_SUBSCRIBABLE,
    Shipment,
    ShipmentStatus,
    Store,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from marketplace.webhook_selectors import access_store_webhooks_manage

S = ShipmentStatus

# Signing, the back-off and where we may send live in core.webhooks (shared with the
# services' webhooks, identity/webhooks.py); what follows is the stores' part.

_seal = signed.secret_seal
_unseal = signed.secret_unseal
_secret_new = signed.secret_new


def endpoint_signing_secrets(endpoint: WebhookEndpoint, *, now: Any = None) -> list[str]:
    """The secrets that sign now: the current one, then the previous one until its end."""
    return signed.signing_secrets(
        secret_sealed=endpoint.secret_sealed,
        previous_secret_sealed=endpoint.previous_secret_sealed,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
        now=now,
    )


def webhook_url_check(url: str) -> tuple[str, str, int, str]:
    """core.webhooks.webhook_url_check, its refusal as the marketplace's coded error."""
    try:
        return signed.webhook_url_check(url)
    except signed.WebhookUrlRefused as refused:
        raise WebhookUrlRefused(refused.message) from None


# --- The owner's endpoint -----------------------------------------------------------------


def _events_clean(events: Any) -> list[str]:
    return [e for e in WEBHOOK_SUBSCRIBABLE if e in set(events or [])]


@transaction.atomic
def webhook_endpoint_create(
    *, store: Store, url: str, events: list[str], acting_user: Any
) -> tuple[WebhookEndpoint, str]:
    """Give `store` a webhook endpoint; returns it and its secret, shown once."""
    access_store_webhooks_manage(acting_user=acting_user, store=store)
    webhook_url_check(url)
    secret = _secret_new()
    endpoint = WebhookEndpoint(
        store=store,
        url=url,
        secret_sealed=_seal(secret),
        events=_events_clean(events),
        enabled=True,
        created_by=acting_user,
    )
    endpoint.full_clean()
    endpoint.save()
    audit_record(
        acting_user=acting_user,
        action="marketplace.webhook_endpoint_created",
        target=endpoint,
        detail={"store": store.slug, "url": url, "events": endpoint.events},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, events: list[str], enabled: bool, acting_user: Any
) -> WebhookEndpoint:
    """Change where and what a store's endpoint receives, or switch it off (its pending
    deliveries, and the events recorded meanwhile, wait; switched on, they are due at
    once and the next sweep sends them)."""
    access_store_webhooks_manage(acting_user=acting_user, store=endpoint.store)
    webhook_url_check(url)
    endpoint.url = url
    endpoint.events = _events_clean(events)
    endpoint.enabled = bool(enabled)
    endpoint.full_clean()
    endpoint.save(update_fields=["url", "events", "enabled", "updated_at"])
    audit_record(
        acting_user=acting_user,
        action="marketplace.webhook_endpoint_updated",
        target=endpoint,
        detail={"url": url, "events": endpoint.events, "enabled": endpoint.enabled},
    )
    if endpoint.enabled:
        WebhookDelivery.objects.filter(
            endpoint=endpoint, status=WebhookDeliveryStatus.PENDING
        ).update(next_attempt_at=timezone.now())
    return endpoint


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint, acting_user: Any) -> str:
    """A new signing secret, shown once; the old one also signs for 24 hours so the
    receiver can switch without losing an event."""
    access_store_webhooks_manage(acting_user=acting_user, store=endpoint.store)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = _secret_new()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret_sealed = _seal(secret)
    endpoint.save(
        update_fields=[
            "secret_sealed",
            "previous_secret_sealed",
            "previous_secret_expires_at",
            "updated_at",
        ]
    )
    audit_record(
        acting_user=acting_user,
        action="marketplace.webhook_secret_rotated",
        target=endpoint,
        detail={"store": endpoint.store.slug},
    )
    return secret


# --- Events -------------------------------------------------------------------------------


_event_id = signed.event_id_new
_body = signed.event_body


def _money(value: Any) -> str:
    return f"{value:.2f}"


def shipment_event_data(shipment: Shipment) -> dict:
    """What a store is told of its part of an order: numbers, lines, its invoice and its
    share. Never the shopper's name, email, phone or address."""
    order = shipment.order
    return {
        "order": {
            "number": order.number,
            "placed_at": order.placed_at.isoformat(),
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "speed": order.speed,
            "pickup_kind": order.pickup_kind,
            "currency": order.currency,
        },
        "shipment": {
            "number": shipment.number,
            "status": shipment.status,
            "lines": [
                {
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price": _money(line.unit_price),
                    "line_total": _money(line.line_total),
                }
                for line in shipment.lines.order_by("pk")
            ],
            "subtotal": _money(shipment.subtotal),
            "gst": _money(shipment.gst),
            "qst": _money(shipment.qst),
            "total": _money(shipment.total),
            "gst_collected_by": shipment.gst_collected_by,
            "qst_collected_by": shipment.qst_collected_by,
            "commission": _money(shipment.commission),
            "payout": _money(shipment.payout),
        },
    }


# Which shipment moves a store hears about. A cancel is told only when the store had been
# told the order was paid; a refusal is the store's own doing.
_MOVES = {
    S.PAID: (frozenset({S.PLACED}), WebhookEvent.ORDER_PAID),
    S.CANCELLED: (frozenset({S.PAID, S.ACCEPTED}), WebhookEvent.ORDER_CANCELLED),
    S.PICKED_UP: (frozenset({S.READY_FOR_PICKUP}), WebhookEvent.PARCEL_PICKED_UP),
}


def shipment_moved(*, shipment: Shipment, origin: str, to: str) -> WebhookDelivery | None:
    """Called by shipment_move inside its transaction: write the event its store
    subscribed to for this move, and send it once the transaction commits."""
    move = _MOVES.get(to)
    if move is None or origin not in move[0]:
        return None
    # Written even while the endpoint is switched off: it waits, and goes when switched on.
    endpoint = WebhookEndpoint.objects.filter(store_id=shipment.store_id).first()
    if endpoint is None or move[1] not in endpoint.events:
        return None
    return webhook_event_record(
        endpoint=endpoint,
        event_type=move[1],
        subject=shipment.number,
        data=shipment_event_data(shipment),
    )


def webhook_event_record(
    *, endpoint: WebhookEndpoint, event_type: str, subject: str, data: dict, now: Any = None
) -> WebhookDelivery:
    """Write one delivery for this event, due now, sent after the commit. The same event
    (type and subject, for an endpoint) recorded twice gives the delivery written first."""
    now = now or timezone.now()
    if event_type != WebhookEvent.PING:
        found = WebhookDelivery.objects.filter(
            endpoint=endpoint, event_type=event_type, subject=subject
        ).first()
        if found is not None:
            return found
    event_id = _event_id()
    delivery = WebhookDelivery(
        endpoint=endpoint,
        event_id=event_id,
        event_type=event_type,
        subject=subject,
        payload=_body(
            event_id=event_id, event_type=event_type, created=int(now.timestamp()), data=data
        ),
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return WebhookDelivery.objects.get(
            endpoint=endpoint, event_type=event_type, subject=subject
        )
    from marketplace.tasks import webhook_delivery_send

    enqueue_on_commit(webhook_delivery_send, delivery.pk)
    return delivery


@transaction.atomic
def webhook_ping(*, endpoint: WebhookEndpoint, acting_user: Any) -> WebhookDelivery:
    """Send a test event (`ping`) to the store's endpoint now."""
    access_store_webhooks_manage(acting_user=acting_user, store=endpoint.store)
    if not endpoint.enabled:
        raise WebhookEndpointMissing(_("Switch the endpoint on before sending a test event."))
    delivery = webhook_event_record(
        endpoint=endpoint,
        event_type=WebhookEvent.PING,
        subject="",
        data={"store": {"slug": endpoint.store.slug, "name": endpoint.store.name}},
    )
    audit_record(
        acting_user=acting_user,
        action="marketplace.webhook_ping",
        target=endpoint,
        detail={"event_id": delivery.event_id},
    )
    return delivery


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, acting_user: Any) -> WebhookDelivery:
    """The owner asks for one more attempt of a delivery now (same event id and body):
    audited, and recorded on the attempt it makes."""
    access_store_webhooks_manage(acting_user=acting_user, store=delivery.endpoint.store)
    if not delivery.endpoint.enabled:
        raise WebhookEndpointMissing(_("Switch the endpoint on before replaying an event."))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDeliveryStatus.PENDING,
        next_attempt_at=timezone.now(),
        replay_requested_by=acting_user,
    )
    audit_record(
        acting_user=acting_user,
        action="marketplace.webhook_delivery_replayed",
        target=delivery,
        detail={"event_id": delivery.event_id, "event_type": delivery.event_type},
    )
    from marketplace.tasks import webhook_delivery_send

    enqueue_on_commit(webhook_delivery_send, delivery.pk)
    delivery.refresh_from_db()
    return delivery


# --- Sending ------------------------------------------------------------------------------


def _claim(delivery_id: int) -> tuple[WebhookDelivery, WebhookAttempt] | None:
    """Take the next attempt of a due delivery: lock it (skipped if another holds it),
    push its next attempt past the call, and number the attempt. None if not due."""
    now = timezone.now()
    with transaction.atomic():
        delivery = lock_objects.webhook_delivery_due_lock(delivery_id, now)
        if delivery is None:
            return None
        number = delivery.attempts + 1
        attempt = WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=now,
            replay_by_id=delivery.replay_requested_by_id,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=number, next_attempt_at=now + CLAIM_LEASE, replay_requested_by=None
        )
        delivery.attempts = number
    return delivery, attempt


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookAttempt | None:
    """Make the next attempt of a delivery if it is due: POST its body, signed now, with
    no lock held; record what came back and when to try again. None if it was not due
    (sent already, or another worker has it)."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return None
    delivery, attempt = claimed
    endpoint = delivery.endpoint
    body = delivery.payload.encode()
    timestamp = int(time.time())
    headers = signed.event_headers(
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        body=body,
        secrets_=endpoint_signing_secrets(endpoint),
        timestamp=timestamp,
    )
    result = webhook_post(url=endpoint.url, body=body, headers=headers)
    return _outcome_record(delivery=delivery, attempt=attempt, result=result)


@transaction.atomic
def _outcome_record(
    *, delivery: WebhookDelivery, attempt: WebhookAttempt, result: PostResult
) -> WebhookAttempt:
    now = timezone.now()
    attempt.finished_at = now
    attempt.response_status = result.status
    attempt.response_excerpt = result.excerpt
    attempt.error = result.error
    attempt.succeeded = result.succeeded
    attempt.save()
    status, next_at = signed.delivery_outcome(attempt_number=attempt.number, result=result, now=now)
    # Only the latest attempt records its outcome: one whose lease ran out while it
    # waited, and that another worker took over, does not overwrite the newer one.
    WebhookDelivery.objects.filter(pk=delivery.pk, attempts=attempt.number).update(
        status=status,
        next_attempt_at=next_at,
        last_response_status=result.status,
        last_response_excerpt=(result.excerpt or result.error)[:EXCERPT_MAX],
    )
    return attempt


def webhook_deliveries_sweep(*, now: Any = None) -> int:
    """Every minute (beat): attempt each due delivery of an enabled endpoint, oldest due
    first; the number of attempts made."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__enabled=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    made = 0
    for delivery_id in due:
        if webhook_delivery_attempt(delivery_id=delivery_id) is not None:
            made += 1
    return made
