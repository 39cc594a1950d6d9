"""Two retry sweeps at once, between real transactions on PostgreSQL: each thread has its
own connection, and a barrier brings both to the row lock together. One attempt is sent."""

import pytest
from django.db import connection

from core.tests.races import all_at_once, barrier_before
from core.tests.webhook_receiver import Receiver
from marketplace import lock_objects
from marketplace.models import StoreRole, WebhookAttempt, WebhookDelivery, WebhookEvent
from marketplace.services import store_staff_set
from marketplace.webhooks import (
    webhook_deliveries_sweep,
    webhook_endpoint_create,
    webhook_event_record,
)

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

SWEEPS = 2


def test_two_sweeps_at_once_send_one_attempt(make_store, make_person, monkeypatch):
    store = make_store(slug="epicerie")
    owner = make_person("owner@example.com", "shopper")
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    receiver = Receiver().start()
    try:
        receiver.answers.append(500)
        endpoint, _secret = webhook_endpoint_create(
            store=store, url=receiver.url, events=["order.paid"], acting_user=owner
        )
        # Outside a transaction the first attempt goes at once: the receiver fails it.
        delivery = webhook_event_record(
            endpoint=endpoint, event_type=WebhookEvent.ORDER_PAID, subject="UQ-1-1", data={}
        )
        assert len(receiver.received) == 1
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
        # Both sweeps have found the delivery due before either locks it.
        barrier_before(monkeypatch, lock_objects, "webhook_delivery_due_lock", SWEEPS)

        made = all_at_once(lambda n: webhook_deliveries_sweep(), SWEEPS)

        assert sorted(made) == [0, 1]
        assert len(receiver.received) == 2
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.status == "succeeded"
        assert list(
            WebhookAttempt.objects.filter(delivery=delivery).values_list("number", flat=True)
        ) == [1, 2]
        assert connection.vendor == "postgresql"
    finally:
        receiver.stop()
