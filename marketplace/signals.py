"""Signals the marketplace sends for other apps.

A payment event whose intent is not an order's (a member's share purchase, started by
the coop's governance) is handed on here, so that the marketplace does not import the app
that started the payment. Receivers take `event` (a GatewayEvent), find their own row by
`event.gateway` and `event.intent_id`, return True when the intent was theirs, and are
idempotent: the gateway delivers an event more than once and out of order. An exception
in a receiver leaves the event unprocessed, so that it is delivered again."""

from django.dispatch import Signal

payment_succeeded = Signal()
payment_failed = Signal()
