"""Payments' writes: webhook events received once and handed to their handler, the offline
gateway's test payments, and stores' payout accounts (Connect onboarding).

No function here calls the gateway while it holds a row lock or an open transaction: the
event is stored and committed first, its handler runs on its own (the order handlers
lock, call out and lock again as checkout does), and the outcome is recorded after."""

import datetime
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.writes import changed_fields_save
from identity.audit import audit_record
from marketplace.errors import (
    MarketplaceError,
    OfflinePaymentRefused,
    PaymentEventHandlerFailed,
    WebhookRefused,
)
from marketplace.gateways import GatewayEvent, payment_gateway
from marketplace.gateways.events import event_handler, event_parse
from marketplace.gateways.offline import OfflineGateway, offline_payment_event
from marketplace.models import Payment, PaymentEvent, PaymentStatus, PayoutAccount, Store
from marketplace.selectors import access_payout_manage, access_test_payment_pay

logger = logging.getLogger(__name__)

# Stripe's events are a few kilobytes; a body far larger is not one of theirs.
WEBHOOK_BODY_MAX_BYTES = 64 * 1024
# How long a delivery may run an event's handler before another delivery of the same
# event may take over (the first process is then presumed dead).
DISPATCH_LEASE = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class WebhookOutcome:
    """What a delivery did: `processed` (its handler ran now), `stored` (a type without
    handler, acknowledged), `duplicate` (already handled, or being handled by another
    delivery: nothing done)."""

    status: str
    event_id: str
    event_type: str


def payment_webhook_receive(
    *, gateway_name: str, payload: bytes, headers: Mapping[str, str]
) -> WebhookOutcome:
    """Verify a webhook delivery, store its event once by (gateway, event id), and run the
    event's handler once.

    Raises WebhookRefused for a body or signature that does not hold (nothing stored) and
    PaymentEventHandlerFailed when the handler failed (the event stays unprocessed and the
    next delivery runs it). Events may come twice, concurrently, or out of order: the unique
    constraint stores one row, a claim on that row lets one delivery run the handler, and
    the handlers themselves do not assume any order.
    """
    if len(payload) > WEBHOOK_BODY_MAX_BYTES:
        raise WebhookRefused("the body is too large")
    gateway = payment_gateway(gateway_name)
    event = gateway.webhook_event_parse(payload=payload, headers=headers)
    row, created = _payment_event_store(event=event, gateway_name=gateway.name)
    if not created and not _payment_event_claim(row):
        return WebhookOutcome("duplicate", event.event_id, event.event_type)
    return _payment_event_dispatch(row=row, event=event)


def _payment_event_store(*, event: GatewayEvent, gateway_name: str) -> tuple[PaymentEvent, bool]:
    """The event's row, claimed for this delivery when it is new. On PostgreSQL a
    concurrent insert of the same id waits for this one to commit, then fails on the
    unique constraint and finds this row."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row = PaymentEvent.objects.create(
                gateway=gateway_name,
                event_id=event.event_id,
                event_type=event.event_type,
                created=datetime.datetime.fromtimestamp(event.created, tz=datetime.UTC),
                payload=event.payload,
                dispatch_started_at=now,
                dispatch_attempts=1,
            )
    except IntegrityError:
        return PaymentEvent.objects.get(gateway=gateway_name, event_id=event.event_id), False
    return row, True


def _payment_event_claim(row: PaymentEvent) -> bool:
    """Claim an event delivered again for this delivery: only when it is not processed
    and no other delivery is running its handler (or that one's lease lapsed). One
    conditional UPDATE, so two deliveries cannot both win."""
    now = timezone.now()
    claimed = (
        PaymentEvent.objects.filter(pk=row.pk, processed_at__isnull=True)
        .filter(
            Q(dispatch_started_at__isnull=True) | Q(dispatch_started_at__lt=now - DISPATCH_LEASE)
        )
        .update(dispatch_started_at=now, dispatch_attempts=F("dispatch_attempts") + 1)
    )
    return claimed == 1


def _payment_event_dispatch(*, row: PaymentEvent, event: GatewayEvent) -> WebhookOutcome:
    """Run the event's handler, then mark the event processed; on failure release the
    claim so that the gateway's next delivery runs it again."""
    try:
        handler = event_handler(event.event_type)
        if handler is not None:
            handler(event)
    # Whatever a handler raises, the claim must be released and the gateway asked to
    # deliver again; the error is logged in full and named on the row.
    except Exception as error:
        logger.exception("payment event %s (%s) failed", event.event_id, event.event_type)
        code = getattr(error, "code", "") if isinstance(error, MarketplaceError) else ""
        PaymentEvent.objects.filter(pk=row.pk).update(
            dispatch_started_at=None, dispatch_error=(code or type(error).__name__)[:200]
        )
        raise PaymentEventHandlerFailed from error
    PaymentEvent.objects.filter(pk=row.pk).update(processed_at=timezone.now(), dispatch_error="")
    status = "processed" if handler is not None else "stored"
    return WebhookOutcome(status, event.event_id, event.event_type)


def payment_events_redispatch(*, limit: int = 100) -> int:
    """Run again the handler of each event stored but not processed whose claim is free
    or lapsed (its handler failed, or its process died): Stripe would deliver it again,
    the offline gateway never does. Returns how many were processed now."""
    lapsed = timezone.now() - DISPATCH_LEASE
    waiting = (
        PaymentEvent.objects.filter(processed_at__isnull=True)
        .filter(Q(dispatch_started_at__isnull=True) | Q(dispatch_started_at__lt=lapsed))
        .order_by("created", "id")[:limit]
    )
    processed = 0
    for row in waiting:
        if not _payment_event_claim(row):
            continue  # a delivery took it meanwhile
        event = event_parse(gateway=row.gateway, payload=json.dumps(row.payload).encode())
        try:
            _payment_event_dispatch(row=row, event=event)
        except PaymentEventHandlerFailed:
            continue
        processed += 1
    return processed


# --- The offline gateway's test payments ----------------------------------------------


def offline_payment_submit(
    *, payment: Payment, succeeded: bool, acting_user: Any
) -> WebhookOutcome:
    """Pay (or be declined on) the offline gateway's test page: build the event Stripe
    would send, sign it with the offline gateway's key and deliver it through the webhook
    path (payment_webhook_receive), exactly as an outside delivery would arrive. No money
    moves; the order handlers do the rest.

    Only the order's buyer may, and only while the payment waits.
    """
    access_test_payment_pay(acting_user=acting_user, payment=payment)
    if payment.gateway != OfflineGateway.name or not payment.intent_id:
        raise OfflinePaymentRefused
    if payment.status != PaymentStatus.PENDING:
        raise OfflinePaymentRefused
    body = offline_payment_event(
        intent_id=payment.intent_id,
        amount=payment.amount,
        currency=payment.currency,
        reference=payment.order.number,
        succeeded=succeeded,
    )
    gateway = OfflineGateway()
    return payment_webhook_receive(
        gateway_name=gateway.name, payload=body, headers=gateway.event_sign(payload=body)
    )


# --- Payout accounts (Connect onboarding) ---------------------------------------------


def payout_account_key(*, store: Store, gateway_name: str) -> str:
    """The idempotency key of a store's account creation: derived from what never changes
    (the store and the gateway), so that every retry, from any request, sends the same
    key and the gateway opens one account, never two."""
    return f"uniqc-payout-account-{gateway_name}-store-{store.pk}"


def payout_account_onboard(
    *, store: Store, acting_user: Any, refresh_url: str, return_url: str
) -> str:
    """Start or resume a store's onboarding at the configured gateway; returns where the
    owner goes next (Stripe's onboarding, or straight back for the offline gateway).

    The account is opened once (a PayoutAccount row records it); a store connected to
    another gateway gets an account at this one. The offline gateway's account can
    receive transfers at once, and says it is a test.
    """
    access_payout_manage(acting_user=acting_user, store=store)
    gateway = payment_gateway()
    account = PayoutAccount.objects.filter(store=store).first()
    if account is None or account.gateway != gateway.name:
        account_id = gateway.account_create(
            store_name=store.name,
            email=getattr(acting_user, "email", "") or "",
            idempotency_key=payout_account_key(store=store, gateway_name=gateway.name),
        )
        account = _payout_account_record(
            store=store,
            gateway_name=gateway.name,
            account_id=account_id,
            is_test=gateway.is_test,
            acting_user=acting_user,
        )
    if gateway.is_test and gateway.name == OfflineGateway.name:
        payout_account_sync(payout_account=account, acting_user=acting_user)
    return gateway.account_link(
        account_id=account.account_id, refresh_url=refresh_url, return_url=return_url
    )


@transaction.atomic
def _payout_account_record(
    *, store: Store, gateway_name: str, account_id: str, is_test: bool, acting_user: Any
) -> PayoutAccount:
    """Record the store's account at `gateway_name`, replacing one at another gateway.
    Audited: the store's money goes there."""
    values = {
        "gateway": gateway_name,
        "account_id": account_id,
        "is_test": is_test,
        "transfers_enabled": False,
        "details_submitted": False,
    }
    account = PayoutAccount.objects.filter(store=store).first()
    if account is not None and account.gateway == gateway_name:
        return account  # another request of the same owner recorded it first
    if account is None:
        account = PayoutAccount(store=store, **values)
        account.full_clean()
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:
            return PayoutAccount.objects.get(store=store)
    else:
        changed_fields_save(account, values, frozenset(values))
    audit_record(
        acting_user=acting_user,
        action="store.payout_account_connect",
        target=store,
        detail={"gateway": gateway_name, "account_id": account_id, "is_test": is_test},
    )
    return account


def payout_account_sync(*, payout_account: PayoutAccount, acting_user: Any) -> PayoutAccount:
    """Bring the account's state (can it receive transfers, is onboarding finished) up to
    what the gateway reports now. Reading the gateway rather than an event's copy makes
    the result right whatever order `account.updated` events arrive in. `acting_user`
    None is the system (a webhook); a person must be allowed to manage the store's
    payouts. A change is audited."""
    if acting_user is not None:
        access_payout_manage(acting_user=acting_user, store=payout_account.store)
    state = payment_gateway(payout_account.gateway).account_state(
        account_id=payout_account.account_id
    )
    return _payout_account_state_save(
        payout_account=payout_account,
        transfers_enabled=state.transfers_enabled,
        details_submitted=state.details_submitted,
        acting_user=acting_user,
    )


@transaction.atomic
def _payout_account_state_save(
    *,
    payout_account: PayoutAccount,
    transfers_enabled: bool,
    details_submitted: bool,
    acting_user: Any,
) -> PayoutAccount:
    values = {"transfers_enabled": transfers_enabled, "details_submitted": details_submitted}
    if changed_fields_save(payout_account, values, frozenset(values)):
        audit_record(
            acting_user=acting_user,
            action="store.payout_account_state",
            target=payout_account.store,
            detail=values,
        )
    return payout_account


def payout_account_event_apply(event: GatewayEvent) -> None:
    """The `account.updated` handler: refresh the account the event names; an account we
    do not know (another platform's, or deleted) is ignored."""
    account = (
        PayoutAccount.objects.select_related("store")
        .filter(gateway=event.gateway, account_id=event.account_id)
        .first()
    )
    if account is not None and event.account_id:
        payout_account_sync(payout_account=account, acting_user=None)
