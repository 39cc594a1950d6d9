"""Signed webhooks to services (OIDC clients): what became of the signature requests and
payables a service made (docs/service-webhooks.md is the receiver's side).

The same scheme as the stores' webhooks (core.webhooks, docs/store-webhooks.md):

- An event is a `ClientWebhookDelivery` row written in the caller's transaction with the
  exact body (`client_webhook_send`); the first attempt is enqueued on commit. A
  rolled-back change leaves no row and sends nothing; a lost task is picked up by the
  sweep (beat). One delivery per (endpoint, event type, subject): a repeated event gives
  the delivery written first.
- An attempt is claimed in a short transaction (the row locked with SKIP LOCKED, a lease
  written, the attempt counted), the POST is made with no lock held, then the outcome is
  recorded (only by the latest attempt). Failures wait as core.webhooks.BACKOFF says.
- A service's endpoint has one URL and a sealed secret; after a rotation the previous
  secret also signs for 24 hours.
"""

import time
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import webhooks as signed
from core.enqueue import enqueue_on_commit
from identity.audit import audit_record
from identity.errors import IdentityError
from identity.models import (
    ClientWebhookDelivery,
    ClientWebhookDeliveryStatus,
    ClientWebhookEndpoint,
    ClientWebhookEvent,
    OidcClient,
)

PENDING = ClientWebhookDeliveryStatus.PENDING


class ClientWebhookUrlRefused(IdentityError):
    """A webhook URL we will not call: not https, or a host on a private network."""

    code = "webhook_url_refused"
    message = gettext_lazy("This address cannot receive webhooks.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.message = message or self.message


class ClientWebhookEndpointMissing(IdentityError):
    code = "webhook_endpoint_missing"
    message = gettext_lazy("The service has no webhook endpoint switched on.")


# --- Who may manage a service's endpoint --------------------------------------------------


def access_client_webhooks_manage(*, acting_user: Any, client: OidcClient) -> None:
    """Raise PermissionDenied unless `acting_user` may set, rotate, test and read the log of
    `client`'s webhook endpoint: a staff member who may change OIDC clients. None is the
    system (demo data, commands)."""
    if acting_user is None:
        return
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not acting_user.is_staff:
        raise PermissionDenied
    if not acting_user.has_perm("identity.change_oidcclient"):
        raise PermissionDenied


def client_webhook_url_check(url: str) -> None:
    """Raise ClientWebhookUrlRefused unless we may call `url` (core.webhooks)."""
    try:
        signed.webhook_url_check(url)
    except signed.WebhookUrlRefused as refused:
        raise ClientWebhookUrlRefused(refused.message) from None


# --- The service's endpoint ---------------------------------------------------------------


@transaction.atomic
def client_webhook_endpoint_set(
    *, client: OidcClient, url: str, enabled: bool, acting_user: Any
) -> tuple[ClientWebhookEndpoint, str | None]:
    """Give `client` its webhook endpoint, or change its URL or switch it on or off.
    Returns the endpoint and, when it was just made, its secret (shown once). Switched on,
    its waiting deliveries are due at once."""
    access_client_webhooks_manage(acting_user=acting_user, client=client)
    client_webhook_url_check(url)
    endpoint = ClientWebhookEndpoint.objects.select_for_update().filter(client=client).first()
    secret = None
    if endpoint is None:
        secret = signed.secret_new()
        endpoint = ClientWebhookEndpoint(
            client=client,
            secret_sealed=signed.secret_seal(secret),
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
    endpoint.url = url
    endpoint.enabled = bool(enabled)
    endpoint.full_clean()
    endpoint.save()
    audit_record(
        acting_user=acting_user,
        action="oidc_client.webhook_endpoint_created"
        if secret
        else "oidc_client.webhook_endpoint_updated",
        target=endpoint,
        detail={"client": client.client_id, "url": url, "enabled": endpoint.enabled},
    )
    if endpoint.enabled:
        ClientWebhookDelivery.objects.filter(endpoint=endpoint, status=PENDING).update(
            next_attempt_at=timezone.now(), leased_until=None
        )
    return endpoint, secret


@transaction.atomic
def client_webhook_secret_rotate(*, endpoint: ClientWebhookEndpoint, acting_user: Any) -> str:
    """A new signing secret, shown once; the old one also signs for 24 hours so the
    service can switch without losing an event."""
    access_client_webhooks_manage(acting_user=acting_user, client=endpoint.client)
    endpoint = ClientWebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = signed.secret_new()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = timezone.now() + signed.ROTATION_OVERLAP
    endpoint.secret_sealed = signed.secret_seal(secret)
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
        action="oidc_client.webhook_secret_rotated",
        target=endpoint,
        detail={"client": endpoint.client.client_id},
    )
    return secret


def client_webhook_signing_secrets(
    endpoint: ClientWebhookEndpoint, *, now: datetime | None = None
) -> list[str]:
    """The secrets that sign now: the current one, then the previous one until its end."""
    return signed.signing_secrets(
        secret_sealed=endpoint.secret_sealed,
        previous_secret_sealed=endpoint.previous_secret_sealed,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
        now=now,
    )


# --- Events -------------------------------------------------------------------------------


def _delivery_record(
    *, endpoint: ClientWebhookEndpoint, event_type: str, subject: str, data: dict, now: datetime
) -> ClientWebhookDelivery:
    if event_type != ClientWebhookEvent.PING:
        found = ClientWebhookDelivery.objects.filter(
            endpoint=endpoint, event_type=event_type, subject=subject
        ).first()
        if found is not None:
            return found
    event_id = signed.event_id_new()
    delivery = ClientWebhookDelivery(
        endpoint=endpoint,
        event_id=event_id,
        event_type=event_type,
        subject=subject,
        payload=signed.event_body(
            event_id=event_id, event_type=event_type, created=int(now.timestamp()), data=data
        ),
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        return ClientWebhookDelivery.objects.get(
            endpoint=endpoint, event_type=event_type, subject=subject
        )
    from identity.tasks import client_webhook_delivery_send

    enqueue_on_commit(client_webhook_delivery_send, delivery.pk)
    return delivery


def client_webhook_send(
    *, client: OidcClient, event_type: str, subject: str, data: dict, now: datetime | None = None
) -> ClientWebhookDelivery | None:
    """Tell `client` of an event about `subject` (a request's or payable's id): a delivery
    written in the caller's transaction, sent once it commits. None when the client has
    no endpoint or has switched it off. The same event (type and subject) sent twice gives
    the delivery written first."""
    if event_type not in ClientWebhookEvent.values or event_type == ClientWebhookEvent.PING:
        raise ValueError(f"not a service event: {event_type}")
    endpoint = ClientWebhookEndpoint.objects.filter(client=client, enabled=True).first()
    if endpoint is None:
        return None
    return _delivery_record(
        endpoint=endpoint,
        event_type=event_type,
        subject=str(subject),
        data=data,
        now=now or timezone.now(),
    )


@transaction.atomic
def client_webhook_ping(
    *, endpoint: ClientWebhookEndpoint, acting_user: Any
) -> ClientWebhookDelivery:
    """Send a test event (`ping`) to the service's endpoint now."""
    access_client_webhooks_manage(acting_user=acting_user, client=endpoint.client)
    if not endpoint.enabled:
        raise ClientWebhookEndpointMissing(_("Switch the endpoint on before sending a test event."))
    delivery = _delivery_record(
        endpoint=endpoint,
        event_type=ClientWebhookEvent.PING,
        subject="",
        data={"client_id": endpoint.client.client_id},
        now=timezone.now(),
    )
    audit_record(
        acting_user=acting_user,
        action="oidc_client.webhook_ping",
        target=endpoint,
        detail={"event_id": delivery.event_id},
    )
    return delivery


# --- Sending ------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(status=PENDING, next_attempt_at__lte=now, endpoint__enabled=True) & (
        Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    )


def _claim(delivery_id: int) -> tuple[ClientWebhookDelivery, int] | None:
    """Take the next attempt of a due delivery: lock it (skipped if another holds it),
    lease it past the call, and count the attempt. None if it is not due."""
    now = timezone.now()
    with transaction.atomic():
        # The only row lock of service webhooks, taken alone in its own transaction.
        delivery = (
            ClientWebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(_due(now), pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        number = delivery.attempts + 1
        ClientWebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=number, leased_until=now + signed.CLAIM_LEASE
        )
        delivery.attempts = number
    return delivery, number


def client_webhook_attempt(*, delivery_id: int) -> signed.PostResult | None:
    """Make the next attempt of a delivery if it is due: POST its body, signed now, with
    no lock held; record what came back and when to try again. None if it was not due
    (sent already, switched off, or another worker has it)."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return None
    delivery, number = claimed
    endpoint = delivery.endpoint
    body = delivery.payload.encode()
    headers = signed.event_headers(
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        body=body,
        secrets_=client_webhook_signing_secrets(endpoint),
        timestamp=int(time.time()),
    )
    result = signed.webhook_post(url=endpoint.url, body=body, headers=headers)
    status, next_at = signed.delivery_outcome(
        attempt_number=number, result=result, now=timezone.now()
    )
    # Only the latest attempt records its outcome: one whose lease ran out while it
    # waited, and that another worker took over, does not overwrite the newer one.
    ClientWebhookDelivery.objects.filter(pk=delivery.pk, attempts=number).update(
        status=status,
        next_attempt_at=next_at,
        leased_until=None,
        last_response_status=result.status,
        last_response_excerpt=(result.excerpt or result.error)[: signed.EXCERPT_MAX],
    )
    return result


def client_webhook_deliveries_sweep(*, now: datetime | None = None) -> int:
    """Every minute (beat): attempt each due delivery of an enabled endpoint, oldest due
    first; the number of attempts made."""
    now = now or timezone.now()
    due = list(
        ClientWebhookDelivery.objects.filter(_due(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[: signed.SWEEP_BATCH]
    )
    made = 0
    for delivery_id in due:
        if client_webhook_attempt(delivery_id=delivery_id) is not None:
            made += 1
    return made
