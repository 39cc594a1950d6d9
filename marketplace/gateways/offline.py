"""The offline gateway: the embedded default and the demo. No money moves; the shopper
pays on our own test page (/paiement/test/<intent>/), which sends the same webhook events
Stripe would, signed with a key of our own, to the same webhook path.

Ids are derived from the idempotency key, so a retried call finds the same payment, as it
would at Stripe."""

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings

from marketplace.gateways import AccountState, GatewayEvent, PaymentStart, PaymentState
from marketplace.gateways.events import event_parse
from marketplace.gateways.signatures import signature_header, signature_verify

OFFLINE_PAYMENT_PATH = "/paiement/test/{intent_id}/"
OFFLINE_SIGNATURE_HEADER = "Uniqc-Signature"
# The test cards, as Stripe's test mode knows them (spaces are the shopper's business).
CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"


def offline_webhook_secret() -> str:
    """The key that signs the offline gateway's events: the setting, or one derived from
    SECRET_KEY so that every installation has its own without configuring anything."""
    if settings.MARKETPLACE_OFFLINE_WEBHOOK_SECRET:
        return settings.MARKETPLACE_OFFLINE_WEBHOOK_SECRET
    derived = hmac.new(
        settings.SECRET_KEY.encode(), b"uniqc offline payment webhooks", hashlib.sha256
    ).hexdigest()
    return f"whsec_{derived}"


def offline_payment_event(
    *,
    intent_id: str,
    amount: Decimal,
    currency: str,
    reference: str,
    succeeded: bool,
    created: int | None = None,
) -> bytes:
    """The body of the event the test payment page sends: Stripe's event shape, so that one
    parser reads both gateways' events (docs/payments.md).

    A success's event and charge ids derive from the intent, so that a form sent twice
    delivers the same event twice, which the webhook stores once; each decline is an
    attempt of its own."""
    created = int(time.time()) if created is None else created
    obj: dict[str, Any] = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": int(amount * 100),
        "currency": currency.lower(),
        "metadata": {"order_number": reference},
        "transfer_group": reference,
        "livemode": False,
    }
    if succeeded:
        event_type = "payment_intent.succeeded"
        event_id = _id("evt", f"{intent_id}:succeeded")
        obj |= {
            "status": "succeeded",
            "amount_received": obj["amount"],
            "latest_charge": _id("ch", intent_id),
            "last_payment_error": None,
        }
    else:
        event_type = "payment_intent.payment_failed"
        event_id = f"evt_test_{uuid.uuid4().hex[:24]}"
        obj |= {
            "status": "requires_payment_method",
            "amount_received": 0,
            "latest_charge": None,
            "last_payment_error": {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
            },
        }
    event = {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": created,
        "livemode": False,
        "data": {"object": obj},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def _id(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_test_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


class OfflineGateway:
    name = "offline"
    is_test = True
    signature_header = OFFLINE_SIGNATURE_HEADER

    def payment_start(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        idempotency_key: str,
        description: str,
        return_url: str,
    ) -> PaymentStart:
        intent_id = _id("pi", idempotency_key)
        return PaymentStart(
            intent_id=intent_id, redirect_url=OFFLINE_PAYMENT_PATH.format(intent_id=intent_id)
        )

    def payment_cancel(self, *, intent_id: str, idempotency_key: str) -> None:
        return None

    def payment_state(self, *, intent_id: str) -> PaymentState:
        # The offline gateway keeps no state: its test page's events are the last word.
        return PaymentState(intent_id=intent_id, status="requires_payment_method")

    def transfer_create(
        self,
        *,
        destination: str,
        amount: Decimal,
        currency: str,
        transfer_group: str,
        source_charge: str,
        idempotency_key: str,
    ) -> str:
        return _id("tr", idempotency_key)

    def transfer_reverse(self, *, transfer_id: str, amount: Decimal, idempotency_key: str) -> str:
        return _id("trr", idempotency_key)

    def refund_create(self, *, intent_id: str, amount: Decimal, idempotency_key: str) -> str:
        return _id("re", idempotency_key)

    def account_create(self, *, store_name: str, email: str, idempotency_key: str) -> str:
        return _id("acct", idempotency_key)

    def account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        # Nothing to fill in: the test account is ready at once.
        return return_url

    def account_state(self, *, account_id: str) -> AccountState:
        return AccountState(account_id=account_id, transfers_enabled=True, details_submitted=True)

    def webhook_event_parse(self, *, payload: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """Check `Uniqc-Signature` (Stripe's scheme under our own key), then parse."""
        signature_verify(
            payload=payload,
            header=headers.get(self.signature_header, ""),
            secret=offline_webhook_secret(),
        )
        return event_parse(gateway=self.name, payload=payload)

    def event_sign(self, *, payload: bytes) -> dict[str, str]:
        """The headers that deliver `payload` as this gateway's event."""
        return {
            self.signature_header: signature_header(
                payload=payload, secret=offline_webhook_secret()
            )
        }
