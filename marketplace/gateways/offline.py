"""The offline gateway: the embedded default and the demo. No money moves; the shopper
pays on our own test page (/paiement/test/<intent>/), which sends the same webhook events
Stripe would, signed with a key of our own, to the same webhook path.

Ids are derived from the idempotency key, so a retried call finds the same payment, as it
would at Stripe."""

import hashlib
from decimal import Decimal

from marketplace.gateways import AccountState, PaymentStart

OFFLINE_PAYMENT_PATH = "/paiement/test/{intent_id}/"


def _id(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_test_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"


class OfflineGateway:
    name = "offline"
    is_test = True

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
