"""Webhook events: their one parser (Stripe's event shape, which the offline gateway
sends too) and the table that says which handler each type goes to.

The handlers are named by dotted path so that this module imports none of them: the order
handlers live in marketplace.checkout, the payout-account one in marketplace.payments.
Each handler takes a GatewayEvent, is idempotent and does not assume any order of
arrival: Stripe delivers events more than once and out of order."""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils.module_loading import import_string

from marketplace.errors import WebhookRefused
from marketplace.gateways import GatewayEvent

# Event type -> the handler's dotted path. A type absent here is stored and acknowledged.
EVENT_HANDLERS: dict[str, str] = {
    "payment_intent.succeeded": "marketplace.checkout.order_payment_succeeded",
    "payment_intent.payment_failed": "marketplace.checkout.order_payment_failed",
    "account.updated": "marketplace.payments.payout_account_event_apply",
}

EVENT_ID_MAX_LENGTH = 255
EVENT_TYPE_MAX_LENGTH = 100
FAILURE_REASON_MAX_LENGTH = 200
# Objects whose id fields we read; a longer id is not one the gateway gives.
OBJECT_ID_MAX_LENGTH = 255


def event_handler(event_type: str) -> Callable[[GatewayEvent], None] | None:
    """The handler of `event_type`, or None for a type we only store."""
    path = EVENT_HANDLERS.get(event_type)
    return import_string(path) if path else None


def _text(value: Any, *, limit: int = OBJECT_ID_MAX_LENGTH) -> str:
    """A string field of the event, or "" when absent or not a plausible string."""
    if isinstance(value, str) and len(value) <= limit:
        return value
    return ""


def _id_of(value: Any) -> str:
    """An id that Stripe may give either as a string or as the expanded object."""
    if isinstance(value, dict):
        return _text(value.get("id"))
    return _text(value)


def _amount(cents: Any) -> Decimal | None:
    if isinstance(cents, int) and not isinstance(cents, bool) and cents >= 0:
        return Decimal(cents) / 100
    return None


def _failure_reason(error: Any) -> str:
    """Stripe's `last_payment_error`: its decline code, else its code, else its message."""
    if not isinstance(error, dict):
        return ""
    for key in ("decline_code", "code", "message"):
        reason = _text(error.get(key), limit=FAILURE_REASON_MAX_LENGTH)
        if reason:
            return reason
    return ""


def event_parse(*, gateway: str, payload: bytes) -> GatewayEvent:
    """The GatewayEvent a verified body describes; raises WebhookRefused when the body is
    not an event of Stripe's shape (`id`, `type`, `created`, `data.object`)."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise WebhookRefused("the body is not JSON") from error
    if not isinstance(data, dict):
        raise WebhookRefused("the body is not a JSON object")
    event_id = _text(data.get("id"), limit=EVENT_ID_MAX_LENGTH)
    event_type = _text(data.get("type"), limit=EVENT_TYPE_MAX_LENGTH)
    created = data.get("created")
    body = data.get("data")
    if not event_id or not event_type:
        raise WebhookRefused("an event needs an id and a type")
    if not isinstance(created, int) or isinstance(created, bool) or created < 0:
        raise WebhookRefused("an event needs its creation time")
    if not isinstance(body, dict) or not isinstance(body.get("object"), dict):
        raise WebhookRefused("an event needs data.object")
    obj: dict[str, Any] = body["object"]
    kind = obj.get("object")
    fields: dict[str, Any] = {}
    if kind == "payment_intent":
        fields = {
            "intent_id": _text(obj.get("id")),
            "charge_id": _id_of(obj.get("latest_charge")),
            "failure_reason": _failure_reason(obj.get("last_payment_error")),
            "amount": _amount(obj.get("amount_received") or obj.get("amount")),
            "currency": _text(obj.get("currency"), limit=3).upper(),
        }
    elif kind == "charge":
        fields = {
            "intent_id": _id_of(obj.get("payment_intent")),
            "charge_id": _text(obj.get("id")),
            "failure_reason": _text(obj.get("failure_code"), limit=FAILURE_REASON_MAX_LENGTH),
            "amount": _amount(obj.get("amount")),
            "currency": _text(obj.get("currency"), limit=3).upper(),
        }
    elif kind == "account":
        fields = {"account_id": _text(obj.get("id"))}
    return GatewayEvent(
        event_id=event_id,
        event_type=event_type,
        created=created,
        payload=data,
        gateway=gateway,
        **fields,
    )
