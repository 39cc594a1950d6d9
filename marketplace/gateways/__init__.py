"""The payment gateway interface, and the one function that picks the configured gateway.

Two adapters implement it: `offline` (the embedded default and the demo: no money moves,
every page says so) and `stripe` (PaymentIntents, separate charges and transfers to each
store's connected account). Checkout and the webhook view speak only this interface.

Every call that creates something at the gateway takes an idempotency key the caller has
stored beforehand and sends again on every retry; no call here is made while rows are
locked.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class PaymentStart:
    """What the gateway answered to a new payment: its id and where the shopper pays."""

    intent_id: str
    redirect_url: str
    client_secret: str = ""


@dataclass(frozen=True)
class GatewayEvent:
    """A webhook event whose signature held, in the gateway's own words (`type`, `data`)
    and normalised (`intent_id`, `charge_id`) for the handlers."""

    event_id: str
    event_type: str
    created: int  # seconds since the epoch, as the gateway stamped it
    intent_id: str = ""
    charge_id: str = ""
    failure_reason: str = ""
    account_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    # Which gateway sent it (the name in MARKETPLACE_PAYMENT_GATEWAYS), and for payment
    # events the amount the gateway says was paid, in `currency` (upper case).
    gateway: str = ""
    amount: Decimal | None = None
    currency: str = ""


@dataclass(frozen=True)
class PaymentState:
    """A payment as the gateway reports it now: its status in Stripe's words
    (`requires_payment_method`, `processing`, `succeeded`, `canceled`…) and, for the
    shopper's own page only, the secret their browser confirms it with (never stored)."""

    intent_id: str
    status: str
    client_secret: str = ""

    @property
    def settled_or_settling(self) -> bool:
        """Paid, or being paid: a failure reported earlier is no longer the last word."""
        return self.status in ("processing", "requires_capture", "succeeded")


@dataclass(frozen=True)
class AccountState:
    """A connected account as the gateway reports it."""

    account_id: str
    transfers_enabled: bool
    details_submitted: bool


class PaymentGateway(Protocol):
    name: str
    is_test: bool
    # The request header that carries the webhook signature (`t=…,v1=…`).
    signature_header: str

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
        """Create (or, with the same key, find again) the payment of one order."""
        ...

    def payment_cancel(self, *, intent_id: str, idempotency_key: str) -> None:
        """Cancel a payment not yet made (the hold lapsed or the shopper cancelled)."""
        ...

    def payment_state(self, *, intent_id: str) -> PaymentState:
        """Where the payment stands now at the gateway (events may be old or out of order)."""
        ...

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
        """Send a store its share of a charge; returns the transfer's id."""
        ...

    def transfer_reverse(self, *, transfer_id: str, amount: Decimal, idempotency_key: str) -> str:
        """Take back part or all of a transfer; returns the reversal's id."""
        ...

    def refund_create(self, *, intent_id: str, amount: Decimal, idempotency_key: str) -> str:
        """Give back part or all of a payment; returns the refund's id."""
        ...

    def account_create(self, *, store_name: str, email: str, idempotency_key: str) -> str:
        """Open a connected account for a store; returns its id."""
        ...

    def account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """Where the store's owner goes to finish onboarding."""
        ...

    def account_state(self, *, account_id: str) -> AccountState: ...

    def webhook_event_parse(self, *, payload: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """Check the signature and return the event; raises WebhookRefused if it fails."""
        ...


def payment_gateway(name: str | None = None) -> PaymentGateway:
    """The gateway named in `MARKETPLACE_PAYMENT_GATEWAY` (or `name`), from
    `MARKETPLACE_PAYMENT_GATEWAYS`, a map of name to dotted class path."""
    chosen = name or settings.MARKETPLACE_PAYMENT_GATEWAY
    return import_string(settings.MARKETPLACE_PAYMENT_GATEWAYS[chosen])()
