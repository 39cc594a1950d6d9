"""The same checkout sent twice at once (a phone app retrying before the first answer
came back), between real transactions on PostgreSQL: one order, one payment, and both
answers name it."""

import json

import pytest
from django.test import Client

from core.tests.races import all_at_once, barrier_before
from marketplace import checkout
from marketplace.models import Order, Payment
from marketplace.tests.api.conftest import bearer, bearer_token
from marketplace.tests.shop import cart_fill, payout_account_add, stocked

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def test_two_checkouts_with_one_key_at_once_make_one_order(
    make_store, phone_app, shopper, monkeypatch
):
    store = make_store(listings=1)
    payout_account_add(store)
    cart_fill(shopper, [(stocked(store, stock=5)[0], 1)])
    auth = bearer(bearer_token(client=phone_app, user=shopper, acr="substantial"))

    # Both requests have looked for an order with their key (none) before either locks.
    barrier_before(monkeypatch, checkout.lock_objects, "variants_lock", 2)

    def send(_n: int):
        return Client().post(
            "/api/v1/checkout/",
            json.dumps({"speed": "standard"}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="same-key-twice",
            **auth,
        )

    answers = all_at_once(send, 2)

    assert sorted(a.status_code for a in answers) == [200, 201], [a.content for a in answers]
    assert {a.json()["number"] for a in answers} == {Order.objects.get().number}
    assert Payment.objects.count() == 1
