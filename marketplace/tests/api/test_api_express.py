"""Express pickup through the API: the cart says beforehand whether checkout takes it
(with why not), and POST /api/v1/checkout/ refuses it, as a problem, while a store of
the cart is closed today."""

import json

import pytest

from marketplace.models import Order, StoreRole, Variant
from marketplace.services import store_staff_set
from marketplace.store_settings import store_closure_add, store_today
from marketplace.tests.api.conftest import bearer, bearer_token
from marketplace.tests.shop import cart_fill, payout_account_add, stocked

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart/"
CHECKOUT = "/api/v1/checkout/"


@pytest.fixture
def auth(phone_app, shopper) -> dict[str, str]:
    return bearer(bearer_token(client=phone_app, user=shopper, acr="substantial"))


@pytest.fixture
def store(make_store):
    shop = make_store(slug="epicerie")
    payout_account_add(shop)
    return shop


@pytest.fixture
def closed_today(store, make_person):
    owner = make_person("owner@example.com", "shopper")
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    return store_closure_add(
        store=store, first_day=store_today(), last_day=None, reason="Inventaire", acting_user=owner
    )


def estimates(api, auth) -> dict[str, dict]:
    response = api.get(CART, HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert response.status_code == 200, response.content
    return {entry["speed"]: entry for entry in response.json()["checkout"]}


def test_the_cart_offers_express_when_every_store_can(api, auth, shopper, store):
    cart_fill(shopper, [(stocked(store)[0], 1)])
    express = estimates(api, auth)["express"]
    assert express["available"] is True and express["unavailable_reasons"] == []


def test_express_on_a_closed_day_is_announced_then_refused(api, auth, shopper, store, closed_today):
    variant = stocked(store, stock=4)[0]
    cart_fill(shopper, [(variant, 1)])
    offered = estimates(api, auth)
    assert offered["standard"]["available"] is True
    assert offered["express"]["available"] is False
    [reason] = offered["express"]["unavailable_reasons"]
    assert store.name in reason
    response = api.post(
        CHECKOUT,
        json.dumps({"speed": "express", "pickup_kind": "store_counter"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="express-api-key-1",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "express_unavailable"
    # In the shopper's language (their profile's, French here), naming the store and why.
    assert f"{store.name} est fermé aujourd’hui (Inventaire)" in problem["detail"]
    assert not Order.objects.exists()
    assert Variant.objects.get(pk=variant.pk).stock == 4
