"""The Stripe adapter: one PaymentIntent per order, separate transfers to each store's
Express account (`transfer_group` = the order, `source_transaction` = the charge), refunds
and transfer reversals, Connect onboarding, and webhooks checked by the stripe library.

Every call that creates something sends the caller's stored idempotency key, and the
library's own network retries send that same key again. Every failure — a refusal, a
network error, a bad key — becomes PaymentGatewayError, whose message carries no secret
and no text from Stripe (Stripe's messages can quote part of the key)."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketplace.errors import PaymentGatewayError, WebhookRefused
from marketplace.gateways import AccountState, GatewayEvent, PaymentStart, PaymentState
from marketplace.gateways.events import event_parse
from marketplace.gateways.signatures import (
    SIGNATURE_HEADER_MAX_LENGTH,
    SIGNATURE_TOLERANCE_SECONDS,
)

logger = logging.getLogger(__name__)

# A shopper waits on checkout: better to fail and retry with the same key than hang 80 s.
STRIPE_TIMEOUT_SECONDS = 20
# The library retries network errors, 409 and 5xx itself, with the same idempotency key.
STRIPE_NETWORK_RETRIES = 2


def amount_in_cents(amount: Decimal) -> int:
    """`amount` in the smallest unit Stripe counts (cents for CAD); an amount with a
    fraction of a cent is a bug upstream, not something to round here."""
    cents = amount * 100
    if cents != cents.to_integral_value() or cents < 0:
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


@contextmanager
def _stripe_call(action: str) -> Iterator[None]:
    """Turn any failure of the stripe library into PaymentGatewayError, logging Stripe's
    error type and code (never its message) for the people who run the coop."""
    try:
        yield
    except stripe.StripeError as error:
        code = getattr(error, "code", None) or ""
        logger.warning(
            "Stripe refused %s: %s %s (HTTP %s, request %s)",
            action,
            type(error).__name__,
            code,
            getattr(error, "http_status", None),
            getattr(error, "request_id", None),
        )
        refused = PaymentGatewayError(
            _("The payment service refused this operation; nothing was charged twice.")
        )
        refused.gateway_code = code or type(error).__name__
        raise refused from None


def _field(obj: Any, name: str) -> Any:
    """A field of a StripeObject (a dict subclass), None when absent."""
    try:
        return obj[name]
    except (KeyError, TypeError):
        return None


class StripeGateway:
    name = "stripe"
    is_test = False
    signature_header = "Stripe-Signature"

    def __init__(self) -> None:
        if not settings.STRIPE_SECRET_KEY:
            raise PaymentGatewayError(_("The Stripe gateway is not configured."))
        base = settings.STRIPE_API_BASE or stripe.DEFAULT_API_BASE
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": base, "connect": base},
            max_network_retries=STRIPE_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
        )
        self.is_test = settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_"))

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
        """One PaymentIntent per order, keyed by the order's stored idempotency key: a
        retry returns the same intent. Its transfer group is the order's number, which
        the transfers to the stores name too."""
        params: dict[str, Any] = {
            "amount": amount_in_cents(amount),
            "currency": currency.lower(),
            "transfer_group": reference,
            "description": description,
            "metadata": {"order_number": reference},
            "automatic_payment_methods": {"enabled": True},
        }
        with _stripe_call("payment_intents.create"):
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        # Stripe has no hosted page for a bare PaymentIntent: the shopper pays on our own
        # card page (Stripe.js's Payment Element) or in a phone app (Stripe's mobile SDKs),
        # either confirming the intent with its client secret.
        return PaymentStart(
            intent_id=intent.id,
            redirect_url=reverse("payments:card_payment", args=[intent.id]),
            client_secret=intent.client_secret or "",
        )

    def payment_cancel(self, *, intent_id: str, idempotency_key: str) -> None:
        """Cancel an intent not yet paid; an intent already cancelled is left as it is."""
        try:
            with _stripe_call("payment_intents.cancel"):
                self.client.v1.payment_intents.cancel(
                    intent_id,
                    params={"cancellation_reason": "abandoned"},
                    options={"idempotency_key": idempotency_key},
                )
        except PaymentGatewayError:
            with _stripe_call("payment_intents.retrieve"):
                intent = self.client.v1.payment_intents.retrieve(intent_id)
            if intent.status != "canceled":
                raise

    def payment_state(self, *, intent_id: str) -> PaymentState:
        """The intent as Stripe has it now, with its client secret (for the buyer's page)."""
        with _stripe_call("payment_intents.retrieve"):
            intent = self.client.v1.payment_intents.retrieve(intent_id)
        return PaymentState(
            intent_id=intent.id,
            status=_field(intent, "status") or "",
            client_secret=_field(intent, "client_secret") or "",
        )

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
        """A store's share of a charge to its connected account. `source_transaction`
        ties it to the charge, so it goes out when the charge's funds arrive rather than
        from the coop's available balance."""
        params = {
            "amount": amount_in_cents(amount),
            "currency": currency.lower(),
            "destination": destination,
            "transfer_group": transfer_group,
            "source_transaction": source_charge,
        }
        with _stripe_call("transfers.create"):
            transfer = self.client.v1.transfers.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return transfer.id

    def transfer_reverse(self, *, transfer_id: str, amount: Decimal, idempotency_key: str) -> str:
        with _stripe_call("transfers.reversals.create"):
            reversal = self.client.v1.transfers.reversals.create(
                transfer_id,
                params={"amount": amount_in_cents(amount)},
                options={"idempotency_key": idempotency_key},
            )
        return reversal.id

    def refund_create(self, *, intent_id: str, amount: Decimal, idempotency_key: str) -> str:
        """Refund `amount` of the intent's charge (all of it or part)."""
        with _stripe_call("refunds.create"):
            refund = self.client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount_in_cents(amount)},
                options={"idempotency_key": idempotency_key},
            )
        return refund.id

    def account_create(self, *, store_name: str, email: str, idempotency_key: str) -> str:
        """An Express account in Canada that can receive transfers."""
        params: dict[str, Any] = {
            "type": "express",
            "country": "CA",
            "capabilities": {"transfers": {"requested": True}},
            "business_profile": {"name": store_name},
        }
        if email:
            params["email"] = email
        with _stripe_call("accounts.create"):
            account = self.client.v1.accounts.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return account.id

    def account_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """A single-use onboarding link (it expires within minutes: make one per visit)."""
        with _stripe_call("account_links.create"):
            link = self.client.v1.account_links.create(
                params={
                    "account": account_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                }
            )
        return link.url

    def account_state(self, *, account_id: str) -> AccountState:
        """Transfers are possible once the `transfers` capability is active."""
        with _stripe_call("accounts.retrieve"):
            account = self.client.v1.accounts.retrieve(account_id)
        capabilities = _field(account, "capabilities") or {}
        return AccountState(
            account_id=account.id,
            transfers_enabled=_field(capabilities, "transfers") == "active",
            details_submitted=bool(_field(account, "details_submitted")),
        )

    def webhook_event_parse(self, *, payload: bytes, headers: Mapping[str, str]) -> GatewayEvent:
        """Check `Stripe-Signature` with the library (HMAC-SHA256, 300 s) under the
        platform endpoint's secret or the Connect endpoint's, then parse."""
        header = headers.get(self.signature_header, "")
        if len(header) > SIGNATURE_HEADER_MAX_LENGTH:
            raise WebhookRefused("oversized signature header")
        # The platform's endpoint and the Connect endpoint (events of the stores'
        # accounts) may both post here, each signing with its own secret.
        secrets = [
            secret
            for secret in (settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_CONNECT_WEBHOOK_SECRET)
            if secret
        ]
        if not secrets:
            raise WebhookRefused("no Stripe webhook secret is configured")
        for secret in secrets:
            try:
                stripe.WebhookSignature.verify_header(
                    payload, header, secret, SIGNATURE_TOLERANCE_SECONDS
                )
            except (stripe.SignatureVerificationError, UnicodeDecodeError):
                continue
            return event_parse(gateway=self.name, payload=payload)
        raise WebhookRefused("the Stripe signature does not hold")
