"""The API's locker choice: GET /api/v1/lockers/nearest/ for the cart, and a checkout
with `pickup_kind: locker` and `pickup_site`."""

import json

import pytest

from lockers.models import Compartment, CompartmentState, Parcel
from marketplace.models import Order
from marketplace.tests.api.conftest import bearer, bearer_token
from marketplace.tests.shop import cart_fill, payout_account_add, stocked
from marketplace.tests.test_locker_orders import locker_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(phone_app, shopper) -> dict[str, str]:
    return bearer(bearer_token(client=phone_app, user=shopper, acr="substantial"))


@pytest.fixture
def filled(make_store, shopper):
    store = make_store(slug="epicerie")
    payout_account_add(store)
    cart_fill(shopper, [(stocked(store, stock=5)[0], 1)])
    return store


def test_nearest_lists_sites_with_their_room(api, auth, filled):
    near = locker_site()
    full = locker_site(slug="metro-berri", latitude="46.815000", counts={"S": 0, "M": 0, "L": 1})
    response = api.get("/api/v1/lockers/nearest/?lat=46.812&lon=-71.224", **auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["fits"] is True
    assert body["sizes"] == {"S": 1}
    by_slug = {site["slug"]: site for site in body["sites"]}
    assert by_slug[near.slug]["available"] is True
    assert by_slug[full.slug]["available"] is False
    assert by_slug[full.slug]["unavailable"][0]["code"] == "no_room"


def test_nearest_refuses_a_point_off_the_earth(api, auth, filled):
    assert api.get("/api/v1/lockers/nearest/?lat=91&lon=0", **auth).status_code == 400


def test_checkout_in_a_locker_and_a_full_one(api, auth, filled):
    site = locker_site()
    body = {"speed": "standard", "pickup_kind": "locker", "pickup_site": site.slug}
    missing = api.post(
        "/api/v1/checkout/",
        json.dumps({"speed": "standard", "pickup_kind": "locker"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-locker-0",
        **auth,
    )
    assert missing.status_code == 409
    assert missing.json()["code"] == "locker_site_unknown"
    Compartment.objects.filter(site=site).update(state=CompartmentState.OUT_OF_SERVICE)
    full = api.post(
        "/api/v1/checkout/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-locker-1",
        **auth,
    )
    assert full.status_code == 409
    assert full.json()["code"] == "locker_full"
    Compartment.objects.filter(site=site).update(state=CompartmentState.AVAILABLE)
    placed = api.post(
        "/api/v1/checkout/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-locker-2",
        **auth,
    )
    assert placed.status_code == 201, placed.content
    order = Order.objects.get()
    assert placed.json()["pickup_kind"] == "locker"
    assert Parcel.objects.filter(external_reference=f"{order.number}/1").exists()
