"""The buyer's orders: GET /api/v1/orders/, GET /api/v1/orders/{number}/ and
POST /api/v1/orders/{number}/cancel/ — never another person's order."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.checkout import checkout_start, order_payment_succeeded
from marketplace.models import Order, OrderStatus, ShipmentStatus, StoreRole, Variant
from marketplace.orders import shipment_accept
from marketplace.services import store_staff_set
from marketplace.tests.api.conftest import bearer, bearer_token
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return json.loads(response.content)


@pytest.fixture
def auth(phone_app, shopper) -> dict[str, str]:
    return bearer(bearer_token(client=phone_app, user=shopper))


@pytest.fixture
def other_auth(phone_app, make_person) -> dict[str, str]:
    other = make_person("autre@example.com", "shopper")
    return bearer(bearer_token(client=phone_app, user=other))


@pytest.fixture
def stores(make_store):
    a = make_store(slug="epicerie", listings=5)
    b = make_store(slug="librairie", listings=5)
    for store in (a, b):
        payout_account_add(store)
    return a, b


@pytest.fixture
def place(shopper, stores):
    """Place an order of one unit from each store, through checkout."""
    a, b = stores
    va, vb = stocked(a, stock=50), stocked(b, stock=50)
    counter = {"n": 0}

    def make(buyer=None) -> Order:
        counter["n"] += 1
        buyer = buyer or shopper
        cart = cart_fill(buyer, [(va[0], 1), (vb[0], 1)])
        return checkout_start(
            cart=cart,
            buyer=buyer,
            speed="standard",
            pickup_kind="store_counter",
            idempotency_key=f"key-{counter['n']}",
            acting_user=buyer,
        )

    return make


def test_the_list_newest_first(api, auth, place):
    first, second = place(), place()
    body = api.get(ORDERS, **auth).json()
    assert body["count"] == 2
    assert [o["number"] for o in body["results"]] == [second.number, first.number]
    summary = body["results"][0]
    assert summary["status"] == "placed"
    assert summary["total"] == f"{second.total:.2f}"
    assert [s["number"] for s in summary["shipments"]] == [
        f"{second.number}-1",
        f"{second.number}-2",
    ]


def test_the_list_is_paginated(api, auth, place):
    for _ in range(3):
        place()
    body = api.get(f"{ORDERS}?page_size=2", **auth).json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"].endswith("page=2&page_size=2")
    assert problem_of(api.get(f"{ORDERS}?page=9", **auth), 404)["code"] == "invalid_page"


def test_the_list_shows_only_the_persons_orders(api, other_auth, place):
    place()
    assert api.get(ORDERS, **other_auth).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def _list_queries(client, auth) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{ORDERS}?page_size=50", **auth).status_code == 200
    return len(queries)


def test_a_list_of_1_and_of_20_orders_costs_the_same_queries(api, auth, place):
    place()
    one = _list_queries(api, auth)
    for _ in range(19):
        place()
    assert Order.objects.count() == 20
    assert _list_queries(api, auth) == one


def test_an_order_with_its_shipments_and_timeline(api, auth, place):
    order = place()
    order_payment_succeeded(paid_event(order))
    body = api.get(f"{ORDERS}{order.number}/", **auth).json()
    assert body["number"] == order.number
    assert body["status"] == "paid"
    assert body["pay_before"] is None
    assert [s["status"] for s in body["shipments"]] == ["paid", "paid"]
    assert [e["to_status"] for e in body["events"] if e["shipment"] is None] == [
        "placed",
        "paid",
    ]
    assert {e["shipment"] for e in body["events"]} >= {f"{order.number}-1"}
    assert body["web_url"] == f"http://testserver/commandes/{order.number}/"


def test_an_order_costs_the_same_queries_with_more_lines(api, auth, shopper, stores):
    a, b = stores

    def queries_for(items) -> int:
        cart = cart_fill(shopper, items)
        order = checkout_start(
            cart=cart,
            buyer=shopper,
            speed="express",
            pickup_kind="store_counter",
            idempotency_key=f"k-{len(items)}",
            acting_user=shopper,
        )
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{ORDERS}{order.number}/", **auth).status_code == 200
        return len(captured)

    va, vb = stocked(a, stock=50), stocked(b, stock=50)
    assert queries_for([(va[0], 1), (vb[0], 1)]) == queries_for([(v, 1) for v in va[1:] + vb[1:]])


# --- Cancel ------------------------------------------------------------------------------------


def cancel(api, number, auth):
    return api.post(f"{ORDERS}{number}/cancel/", **auth)


def test_cancelling_a_placed_order_gives_the_stock_back(api, auth, place):
    order = place()
    variant_id = order.shipments.first().lines.first().variant_id
    before = Variant.objects.get(pk=variant_id).stock
    response = cancel(api, order.number, auth)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancellable"] is False
    assert Variant.objects.get(pk=variant_id).stock == before + 1


def test_cancelling_a_paid_order_no_store_started_refunds_it(api, auth, place):
    order = place()
    order_payment_succeeded(paid_event(order))
    body = cancel(api, order.number, auth).json()
    assert body["status"] == "refunded"
    assert body["totals"]["refunded"] == body["totals"]["total"]


def test_an_order_a_store_started_on_is_not_cancellable(api, auth, place, store_worker):
    order = place()
    order_payment_succeeded(paid_event(order))
    shipment = order.shipments.get(sequence=1)
    store_staff_set(store=shipment.store, user=store_worker, role=StoreRole.STAFF, acting_user=None)
    shipment_accept(shipment=shipment, acting_user=store_worker)
    problem = problem_of(cancel(api, order.number, auth), 409)
    assert problem["code"] == "order_not_cancellable"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.shipments.get(sequence=1).status == ShipmentStatus.ACCEPTED


def test_a_cancelled_order_is_not_cancelled_again(api, auth, place):
    order = place()
    cancel(api, order.number, auth)
    assert problem_of(cancel(api, order.number, auth), 409)["code"] == "order_not_cancellable"


# --- Another person's order: not found ------------------------------------------------------


def test_another_persons_order_is_not_found(api, other_auth, place):
    order = place()
    problem = problem_of(api.get(f"{ORDERS}{order.number}/", **other_auth), 404)
    assert problem["code"] == "not_found"


def test_another_persons_order_is_not_found_to_cancel(api, other_auth, place):
    order = place()
    assert problem_of(cancel(api, order.number, other_auth), 404)["code"] == "not_found"
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


@pytest.mark.parametrize(
    "number", ["UQ-2026-999999", "nope", "x" * 21, "UQ%202026", "UQ-2026-000001%27"]
)
def test_an_unknown_number_is_not_found(api, auth, number):
    assert problem_of(api.get(f"{ORDERS}{number}/", **auth), 404)["code"] == "not_found"


# --- Who may call -----------------------------------------------------------------------------


CALLS = [
    ("get", ORDERS),
    ("get", f"{ORDERS}UQ-2026-000001/"),
    ("post", f"{ORDERS}UQ-2026-000001/cancel/"),
]


@pytest.mark.parametrize(("method", "url"), CALLS)
def test_a_token_without_the_marketplace_scope_is_refused(api, phone_app, shopper, method, url):
    token = bearer_token(client=phone_app, user=shopper, scope="openid profile")
    problem = problem_of(getattr(api, method)(url, **bearer(token)), 403)
    assert problem["code"] == "insufficient_scope"


@pytest.mark.parametrize(("method", "url"), CALLS)
def test_nobody_is_refused(api, method, url):
    assert problem_of(getattr(api, method)(url), 401)["code"] == "not_authenticated"
