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

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.enqueue import enqueue_on_commit
from core.sealed import key_sealer
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
SIGNATURE_HEADER = "Uniqc-Signature"
# Waits after the 1st, 2nd … failed attempt; after the last one the delivery has failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed attempt whose worker died is due again after this (longer than any call).
CLAIM_LEASE = timedelta(minutes=2)
# How long the previous secret still signs after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
EXCERPT_MAX = 200
URL_MAX = 500
SWEEP_BATCH = 100


# --- Signing ------------------------------------------------------------------------------


def signature_header(*, secrets_: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 of `<t>.<body>` under each secret."""
    signed = str(timestamp).encode() + b"." + body
    parts = [f"t={timestamp}"]
    for secret in secrets_:
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        parts.append(f"v1={digest}")
    return ",".join(parts)


def _seal(secret: str) -> str:
    return key_sealer().encrypt(secret.encode()).decode()


def _unseal(sealed: str) -> str:
    return key_sealer().decrypt(sealed.encode()).decode()


def endpoint_signing_secrets(endpoint: WebhookEndpoint, *, now: Any = None) -> list[str]:
    """The secrets that sign now: the current one, then the previous one until its end."""
    now = now or timezone.now()
    found = [_unseal(endpoint.secret_sealed)]
    if endpoint.previous_secret_sealed and endpoint.previous_secret_expires_at > now:
        found.append(_unseal(endpoint.previous_secret_sealed))
    return found


def _secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


# --- Where we may send ------------------------------------------------------------------


def _address_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def webhook_url_check(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and one checked address to connect to for `url`; raise
    WebhookUrlRefused unless it is https (http too when MARKETPLACE_WEBHOOK_ALLOW_PRIVATE)
    and every address its host resolves to is public (or private ones are allowed)."""
    allow_private = settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE
    if not isinstance(url, str) or len(url) > URL_MAX or any(c.isspace() for c in url):
        raise WebhookUrlRefused(_("Give a web address of at most 500 characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlRefused(_("This is not a web address.")) from None
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed_schemes:
        raise WebhookUrlRefused(_("The address must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise WebhookUrlRefused(_("The address needs a host name, without a user or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise WebhookUrlRefused(_("The host name of this address is not found.")) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise WebhookUrlRefused(_("The host name of this address is not found."))
    if not allow_private and not all(_address_public(a) for a in addresses):
        raise WebhookUrlRefused(
            _("The address is on a private network: webhooks go to public addresses only.")
        )
    return parts.scheme, parts.hostname, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address we checked, whatever the DNS says now."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address we checked; the certificate is checked for the host name."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PostResult:
    status: int | None
    excerpt: str
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def webhook_post(*, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST `body` to `url` once, with a short timeout and no redirect followed (a 3xx
    is a failure); never raises for the receiver's faults."""
    try:
        scheme, host, port, address = webhook_url_check(url)
    except WebhookUrlRefused as refused:
        return PostResult(None, "", str(refused.message)[:EXCERPT_MAX])
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        host, address, port=port, timeout=settings.MARKETPLACE_WEBHOOK_TIMEOUT_SECONDS
    )
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(1024).decode("utf-8", errors="replace")[:EXCERPT_MAX]
        return PostResult(response.status, excerpt, "")
    except TimeoutError:
        return PostResult(None, "", "timeout")
    except (OSError, http.client.HTTPException) as error:
        return PostResult(None, "", f"{type(error).__name__}: {error}"[:EXCERPT_MAX])
    finally:
        connection.close()


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


def _event_id() -> str:
    return f"evt_{secrets.token_hex(12)}"


def _body(*, event_id: str, event_type: str, created: int, data: dict) -> str:
    """The body as sent: compact JSON, keys sorted, UTF-8 (stored as it goes out)."""
    document = {"id": event_id, "type": event_type, "created": created, "data": data}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Uniqc-Webhooks/1",
        "Uniqc-Event-Id": delivery.event_id,
        "Uniqc-Event-Type": delivery.event_type,
        SIGNATURE_HEADER: signature_header(
            secrets_=endpoint_signing_secrets(endpoint), timestamp=timestamp, body=body
        ),
    }
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
    if result.succeeded:
        status, next_at = WebhookDeliveryStatus.SUCCEEDED, None
    elif attempt.number >= MAX_ATTEMPTS:
        status, next_at = WebhookDeliveryStatus.FAILED, None
    else:
        status, next_at = WebhookDeliveryStatus.PENDING, now + BACKOFF[attempt.number - 1]
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
