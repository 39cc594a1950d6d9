"""Two sweeps of the services' webhooks at once, between real transactions on PostgreSQL:
each thread has its own connection, and a barrier brings both to the claim together. One
attempt is sent."""

import pytest
from django.db import connection

from core.tests.races import all_at_once, barrier_before
from identity import webhooks
from identity.models import ClientWebhookDelivery
from identity.oidc.services import oidc_client_create
from identity.webhooks import (
    client_webhook_deliveries_sweep,
    client_webhook_endpoint_set,
    client_webhook_send,
)
from marketplace.tests.webhook_receiver import Receiver

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

SWEEPS = 2


def test_two_sweeps_at_once_send_one_attempt(monkeypatch):
    city = oidc_client_create(name="Ville", redirect_uris=["https://ville.example/cb"]).client
    receiver = Receiver().start()
    try:
        receiver.answers.append(500)
        client_webhook_endpoint_set(client=city, url=receiver.url, enabled=True, acting_user=None)
        # Outside a transaction the first attempt goes at once: the receiver fails it.
        delivery = client_webhook_send(
            client=city, event_type="payable.paid", subject="p-1", data={"id": "p-1"}
        )
        assert len(receiver.received) == 1
        ClientWebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=delivery.created_at
        )
        # Both sweeps have found the delivery due before either claims it.
        barrier_before(monkeypatch, webhooks, "_claim", SWEEPS)

        made = all_at_once(lambda n: client_webhook_deliveries_sweep(), SWEEPS)

        assert sorted(made) == [0, 1]
        assert len(receiver.received) == 2
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.status == "succeeded"
        assert delivery.leased_until is None
        assert connection.vendor == "postgresql"
    finally:
        receiver.stop()
