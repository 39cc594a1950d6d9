"""Payables between real transactions on PostgreSQL: each thread has its own connection,
and a barrier brings both to the payable's row lock together. A replayed gateway event
settles once (one receipt, one webhook); two clicks start one payment."""

import pytest
from django.db import connection

from civic import payables
from civic.models import Payable, PayableStatus
from civic.payables import payable_payment_start, payable_payment_succeeded
from civic.tests.conftest import TICKET
from core.tests.races import all_at_once, barrier_before
from identity.models import ClientWebhookDelivery, VaultDocument
from identity.webhooks import client_webhook_endpoint_set
from marketplace.gateways import GatewayEvent
from marketplace.tests.webhook_receiver import Receiver

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

RACERS = 2


def test_a_gateway_event_replayed_at_once_settles_once(city, alice, monkeypatch):
    receiver = Receiver().start()
    try:
        client_webhook_endpoint_set(
            client=city.client, url=receiver.url, enabled=True, acting_user=None
        )
        city.create(TICKET)
        payable = payable_payment_start(payable=Payable.objects.get(), acting_user=alice)

        def event(n: int) -> GatewayEvent:
            return GatewayEvent(
                event_id=f"evt_{n}",
                event_type="payment_intent.succeeded",
                created=0,
                intent_id=payable.intent_id,
                charge_id=f"ch_{n}",
                gateway=payable.gateway,
                amount=payable.amount,
                currency="CAD",
            )

        barrier_before(monkeypatch, payables, "payable_lock", RACERS)
        answers = all_at_once(
            lambda n: payable_payment_succeeded(sender=GatewayEvent, event=event(n)), RACERS
        )

        assert answers == [True, True]
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID
        assert VaultDocument.objects.count() == 1
        assert ClientWebhookDelivery.objects.filter(event_type="payable.paid").count() == 1
        assert [r.headers["Uniqc-Event-Type"] for r in receiver.received] == ["payable.paid"]
        assert payable.transfer_id
        assert connection.vendor == "postgresql"
    finally:
        receiver.stop()


def test_two_clicks_at_once_start_one_payment(city, alice, monkeypatch):
    city.create(TICKET)
    payable = Payable.objects.get()
    barrier_before(monkeypatch, payables, "payable_lock", RACERS)

    started = all_at_once(
        lambda n: payable_payment_start(payable=payable, acting_user=alice).intent_id, RACERS
    )

    assert started[0] == started[1] != ""
    assert Payable.objects.get().intent_id == started[0]
