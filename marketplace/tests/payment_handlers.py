"""Stand-ins for the order handlers of marketplace.checkout (another part of the work),
for the payments tests: they record each event they are given and settle the payment as
the real ones would, so that the tests see how many times each event was dispatched."""

import threading
import time

from marketplace.gateways import GatewayEvent
from marketplace.models import Payment, PaymentStatus

CALLS: list[GatewayEvent] = []
LOCK = threading.Lock()
# Seconds a handler takes: a race test widens the window in which a duplicate arrives.
DELAY = {"seconds": 0.0}
FAILURES = {"left": 0}


def _record(event: GatewayEvent) -> None:
    time.sleep(DELAY["seconds"])
    with LOCK:
        if FAILURES["left"]:
            FAILURES["left"] -= 1
            raise RuntimeError("the order handler failed")
        CALLS.append(event)


def order_payment_succeeded(event: GatewayEvent) -> None:
    _record(event)
    Payment.objects.filter(gateway=event.gateway, intent_id=event.intent_id).update(
        status=PaymentStatus.SUCCEEDED, charge_id=event.charge_id
    )


def order_payment_failed(event: GatewayEvent) -> None:
    _record(event)
    Payment.objects.filter(gateway=event.gateway, intent_id=event.intent_id).update(
        status=PaymentStatus.FAILED, failure_reason=event.failure_reason
    )
