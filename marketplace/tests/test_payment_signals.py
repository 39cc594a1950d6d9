"""Payment events for an intent that is no order's are handed on through
marketplace.signals (a member's share purchase, say), without the marketplace importing the
app that started the payment."""

import pytest

from marketplace.gateways.offline import OfflineGateway, offline_payment_event
from marketplace.models import PaymentEvent
from marketplace.payments import payment_webhook_receive
from marketplace.signals import payment_failed, payment_succeeded

pytestmark = pytest.mark.django_db


def deliver(*, succeeded: bool, intent_id: str = "pi_elsewhere"):
    body = offline_payment_event(
        intent_id=intent_id, amount=10, currency="CAD", reference="PART-1", succeeded=succeeded
    )
    gateway = OfflineGateway()
    return payment_webhook_receive(
        gateway_name="offline", payload=body, headers=gateway.event_sign(payload=body)
    )


@pytest.fixture
def received():
    events = []

    def claim(sender, event, **kwargs):
        events.append(event)
        return True

    payment_succeeded.connect(claim, dispatch_uid="test-succeeded")
    payment_failed.connect(claim, dispatch_uid="test-failed")
    yield events
    payment_succeeded.disconnect(dispatch_uid="test-succeeded")
    payment_failed.disconnect(dispatch_uid="test-failed")


@pytest.mark.parametrize("succeeded", [True, False])
def test_an_intent_that_is_no_orders_goes_to_the_signal(received, succeeded, caplog):
    assert deliver(succeeded=succeeded).status == "processed"
    [event] = received
    assert (event.gateway, event.intent_id) == ("offline", "pi_elsewhere")
    assert "unknown intent" not in caplog.text


def test_a_failing_receiver_leaves_the_event_to_be_delivered_again():
    from marketplace.errors import PaymentEventHandlerFailed

    def broken(sender, event, **kwargs):
        raise RuntimeError("down")

    payment_succeeded.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(PaymentEventHandlerFailed):
            deliver(succeeded=True)
    finally:
        payment_succeeded.disconnect(dispatch_uid="test-broken")
    assert PaymentEvent.objects.get().processed_at is None
