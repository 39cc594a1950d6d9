"""A fake Stripe: a small real HTTP server on 127.0.0.1 that answers the endpoints our
adapter calls, the way Stripe does, so that the adapter's own code (and the stripe
library's encoding, retries and error mapping) runs in the tests.

What it keeps to: form-encoded bodies with Stripe's bracket notation, Bearer
authentication, errors as `{"error": {"type", "code", "message"}}` with Stripe's statuses,
and idempotency keys — the same key with the same parameters replays the first answer
(`Idempotent-Replayed: true`), with other parameters it is refused (400
`idempotency_error`). It keeps state (intents, charges, transfers, reversals, refunds,
accounts), confirms an intent the way a shopper's card would (paid, or declined), and
signs webhook events with the endpoint's secret as Stripe does.

It can also lose the answer to a request it did carry out (`responses_lost`), which is how
a shopper gets charged twice when a client retries with a new key.
"""

import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

API_KEY = "sk_test_fake_4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_fake_test_secret"


class StripeFailure(Exception):
    """An error answer, in Stripe's shape."""

    def __init__(
        self, status: int, message: str, *, type_: str = "invalid_request_error", code: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message}}
        if code:
            self.body["error"]["code"] = code


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's bracket notation (`metadata[order_number]=…`) as nested dicts."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


def _int(params: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = params.get(name)
    if value is None:
        if required:
            raise StripeFailure(400, f"Missing required param: {name}.", code="parameter_missing")
        return None
    if not str(value).isdigit():
        raise StripeFailure(400, f"Invalid integer: {value}", code="parameter_invalid_integer")
    return int(value)


class FakeStripe:
    def __init__(self, *, api_key: str = API_KEY, webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.lock = threading.RLock()
        self.ids = itertools.count(1)
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.reversals: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        # Idempotency-Key -> (method and path, parameters, status, body)
        self.idempotent: dict[str, tuple[str, list[tuple[str, str]], int, dict[str, Any]]] = {}
        # Every request: (method, path, Idempotency-Key or None)
        self.requests: list[tuple[str, str, str | None]] = []
        # Answers to give before handling anything (status, body), e.g. a 500.
        self.failures: list[tuple[int, dict[str, Any]]] = []
        # How many of the next requests are carried out and then get no answer at all.
        self.responses_lost = 0
        self.server: ThreadingHTTPServer | None = None
        self.url = ""

    # --- Running ----------------------------------------------------------------------

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self.ids):08d}"

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        pairs = parse_qsl(raw if method == "POST" else split.query, keep_blank_values=True)
        key = handler.headers.get("Idempotency-Key") if method == "POST" else None
        with self.lock:
            self.requests.append((method, split.path, key))
            status, body, replayed = self._answer(handler, method, split.path, pairs, key)
            if self.responses_lost:
                self.responses_lost -= 1
                handler.close_connection = True
                # Carried out, but the client never hears of it.
                handler.connection.shutdown(2)
                return
        payload = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Request-Id", f"req_fake{next(self.ids)}")
        if replayed:
            handler.send_header("Idempotent-Replayed", "true")
        if status >= 500:
            handler.send_header("Stripe-Should-Retry", "true")
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        method: str,
        path: str,
        pairs: list[tuple[str, str]],
        key: str | None,
    ) -> tuple[int, dict[str, Any], bool]:
        if handler.headers.get("Authorization") != f"Bearer {self.api_key}":
            given = (handler.headers.get("Authorization") or "")[-4:]
            return (
                401,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": f"Invalid API Key provided: sk_****{given}",
                    }
                },
                False,
            )
        if self.failures:
            status, body = self.failures.pop(0)
            return status, body, False
        route = f"{method} {path}"
        if key is not None and key in self.idempotent:
            first_route, first_pairs, status, body = self.idempotent[key]
            if first_route != route or sorted(first_pairs) != sorted(pairs):
                return (
                    400,
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with "
                            "the same parameters they were first used with.",
                        }
                    },
                    False,
                )
            return status, body, True
        try:
            status, body = 200, self._route(method, path, _nest(pairs))
        except StripeFailure as failure:
            status, body = failure.status, failure.body
        if key is not None and status < 500:
            self.idempotent[key] = (route, pairs, status, body)
        return status, body, False

    # --- The API ----------------------------------------------------------------------

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        routes = [
            ("POST", r"/v1/payment_intents", self._intent_create),
            ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", self._intent_get),
            ("POST", r"/v1/payment_intents/(?P<id>[^/]+)/cancel", self._intent_cancel),
            ("POST", r"/v1/transfers", self._transfer_create),
            ("POST", r"/v1/transfers/(?P<id>[^/]+)/reversals", self._reversal_create),
            ("POST", r"/v1/refunds", self._refund_create),
            ("POST", r"/v1/accounts", self._account_create),
            ("GET", r"/v1/accounts/(?P<id>[^/]+)", self._account_get),
            ("POST", r"/v1/account_links", self._account_link_create),
        ]
        for route_method, pattern, view in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return view(params, **match.groupdict())
        raise StripeFailure(404, f"Unrecognized request URL ({method}: {path}).")

    def _missing(self, kind: str, id_: str, param: str = "id") -> StripeFailure:
        return StripeFailure(404, f"No such {kind}: '{id_}'", code="resource_missing")

    def _intent_create(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = _int(params, "amount")
        if not amount or amount < 50:
            raise StripeFailure(400, "Amount must be at least $0.50 cad", code="amount_too_small")
        if params.get("currency") != "cad":
            raise StripeFailure(400, "Invalid currency.", code="parameter_invalid_empty")
        intent_id = self._new_id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": "cad",
            "status": "requires_payment_method",
            "client_secret": f"{intent_id}_secret_fake",
            "transfer_group": params.get("transfer_group"),
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "latest_charge": None,
            "last_payment_error": None,
            "livemode": False,
            "created": int(time.time()),
        }
        self.intents[intent_id] = intent
        return intent

    def _intent_get(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        if id not in self.intents:
            raise self._missing("payment_intent", id)
        return self.intents[id]

    def _intent_cancel(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        intent = self._intent_get(params, id)
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeFailure(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent["status"] = "canceled"
        intent["cancellation_reason"] = params.get("cancellation_reason")
        return intent

    def _transfer_create(self, params: dict[str, Any]) -> dict[str, Any]:
        amount = _int(params, "amount")
        destination = params.get("destination", "")
        account = self.accounts.get(destination)
        if account is None:
            raise StripeFailure(
                400, f"No such destination: '{destination}'", code="resource_missing"
            )
        if account["capabilities"].get("transfers") != "active":
            raise StripeFailure(
                400,
                "Your destination account needs to have the transfers capability enabled.",
                code="insufficient_capabilities_for_transfer",
            )
        source = params.get("source_transaction")
        if source is not None:
            charge = self.charges.get(source)
            if charge is None or charge["status"] != "succeeded":
                raise StripeFailure(400, f"No such charge: '{source}'", code="resource_missing")
            already = sum(
                t["amount"] for t in self.transfers.values() if t["source_transaction"] == source
            )
            if already + amount > charge["amount"]:
                raise StripeFailure(
                    400,
                    "The amount exceeds the amount of the source transaction.",
                    code="amount_too_large",
                )
        transfer = {
            "id": self._new_id("tr"),
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "reversed": False,
            "currency": params.get("currency"),
            "destination": destination,
            "transfer_group": params.get("transfer_group"),
            "source_transaction": source,
            "livemode": False,
            "created": int(time.time()),
        }
        self.transfers[transfer["id"]] = transfer
        return transfer

    def _reversal_create(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        transfer = self.transfers.get(id)
        if transfer is None:
            raise self._missing("transfer", id)
        left = transfer["amount"] - transfer["amount_reversed"]
        amount = _int(params, "amount", required=False)
        amount = left if amount is None else amount
        if amount > left or amount <= 0:
            raise StripeFailure(
                400,
                "The reversal amount exceeds what is left on the transfer.",
                code="amount_too_large",
            )
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        reversal = {
            "id": self._new_id("trr"),
            "object": "transfer_reversal",
            "amount": amount,
            "transfer": id,
            "currency": transfer["currency"],
            "created": int(time.time()),
        }
        self.reversals[reversal["id"]] = reversal
        return reversal

    def _refund_create(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None:
            raise self._missing("payment_intent", params.get("payment_intent", ""))
        if intent["status"] != "succeeded":
            raise StripeFailure(
                400,
                "This PaymentIntent does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount"] - charge["amount_refunded"]
        amount = _int(params, "amount", required=False)
        amount = left if amount is None else amount
        if left == 0:
            raise StripeFailure(
                400, "Charge has already been refunded.", code="charge_already_refunded"
            )
        if amount > left or amount <= 0:
            raise StripeFailure(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount ({left}).",
                code="amount_too_large",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        refund = {
            "id": self._new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "currency": charge["currency"],
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return refund

    def _account_create(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("type") != "express":
            raise StripeFailure(400, "This test server only makes Express accounts.")
        requested = params.get("capabilities", {})
        account = {
            "id": self._new_id("acct"),
            "object": "account",
            "type": "express",
            "country": params.get("country"),
            "email": params.get("email"),
            "business_profile": params.get("business_profile", {}),
            "capabilities": dict.fromkeys(requested, "inactive"),
            "details_submitted": False,
            "charges_enabled": False,
            "payouts_enabled": False,
            "created": int(time.time()),
        }
        self.accounts[account["id"]] = account
        return account

    def _account_get(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        if id not in self.accounts:
            raise StripeFailure(
                403,
                "The provided key does not have access to account "
                f"'{id}' (or that account does not exist).",
                type_="invalid_request_error",
                code="account_invalid",
            )
        return self.accounts[id]

    def _account_link_create(self, params: dict[str, Any]) -> dict[str, Any]:
        account = params.get("account", "")
        if account not in self.accounts:
            raise self._missing("account", account)
        for name in ("refresh_url", "return_url"):
            if not params.get(name, "").startswith(("http://", "https://")):
                raise StripeFailure(400, f"Not a valid URL: {name}", code="url_invalid")
        if params.get("type") != "account_onboarding":
            raise StripeFailure(400, "Invalid type.")
        return {
            "object": "account_link",
            "url": f"{self.url}/connect/onboarding/{account}",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
        }

    # --- What happens outside the API: a shopper's card, an owner's onboarding --------

    def intent_confirm(self, intent_id: str, *, succeed: bool = True) -> dict[str, Any]:
        """The shopper's card pays the intent (one charge), or is declined."""
        with self.lock:
            intent = self.intents[intent_id]
            charge = {
                "id": self._new_id("ch"),
                "object": "charge",
                "amount": intent["amount"],
                "amount_refunded": 0,
                "refunded": False,
                "currency": intent["currency"],
                "payment_intent": intent_id,
                "status": "succeeded" if succeed else "failed",
                "transfer_group": intent["transfer_group"],
            }
            self.charges[charge["id"]] = charge
            intent["latest_charge"] = charge["id"]
            if succeed:
                intent["status"] = "succeeded"
                intent["amount_received"] = intent["amount"]
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "charge": charge["id"],
                }
            return dict(intent)

    def account_onboarding_complete(self, account_id: str) -> dict[str, Any]:
        """The owner finished Stripe's onboarding: transfers are active."""
        with self.lock:
            account = self.accounts[account_id]
            account["capabilities"] = {**account["capabilities"], "transfers": "active"}
            account["details_submitted"] = True
            account["payouts_enabled"] = True
            return dict(account)

    def event(
        self,
        event_type: str,
        obj: dict[str, Any],
        *,
        event_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery: the body and its Stripe-Signature header, signed with the
        endpoint's secret by the stripe library's own test helper."""
        body = json.dumps(
            {
                "id": event_id or self._new_id("evt"),
                "object": "event",
                "api_version": stripe.api_version,
                "type": event_type,
                "created": int(time.time()),
                "livemode": False,
                "data": {"object": obj},
            }
        )
        header = stripe.WebhookSignature.generate_signature_header(
            body, secret or self.webhook_secret, timestamp=timestamp
        )
        return body.encode(), {"Stripe-Signature": header}
