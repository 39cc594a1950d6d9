"""POST /api/v1/checkout/: an Idempotency-Key, the checkout assurance level, the cart as
the shopper saw it; one order and one payment per key; and the whole flow of a phone app,
from an empty cart to a paid order with two shipments."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from marketplace.models import Order, OrderStatus, Payment, ShipmentStatus, Variant
from marketplace.tests.api.conftest import bearer, bearer_token
from marketplace.tests.shop import cart_fill, payout_account_add, stocked

pytestmark = pytest.mark.django_db

CHECKOUT = "/api/v1/checkout/"
KEY = "0b9c4f7e-2f4e-4d61-9d0a-7c1f3e5a9b21"
BODY = {"speed": "standard", "pickup_kind": "store_counter"}
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return json.loads(response.content)


@pytest.fixture
def auth(phone_app, shopper) -> dict[str, str]:
    """A token from a sign-in at the checkout's level (substantial, by default)."""
    return bearer(bearer_token(client=phone_app, user=shopper, acr="substantial"))


@pytest.fixture
def stores(make_store):
    a = make_store(slug="epicerie")
    b = make_store(slug="librairie")
    for store in (a, b):
        payout_account_add(store)
    return a, b


@pytest.fixture
def filled(shopper, stores):
    a, b = stores
    va, vb = stocked(a, stock=5), stocked(b, stock=5)
    cart_fill(shopper, [(va[0], 2), (vb[0], 1)])
    return va, vb


def checkout(api, auth, body=BODY, key: str | None = KEY, **extra):
    headers = dict(auth, **extra)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.post(CHECKOUT, json.dumps(body), content_type="application/json", **headers)


def test_checkout_answers_201_with_the_order(api, auth, filled, shopper):
    response = checkout(api, auth)
    assert response.status_code == 201, response.content
    order = response.json()
    stored = Order.objects.get(buyer=shopper)
    assert order["number"] == stored.number
    assert response["Location"] == f"http://testserver/api/v1/orders/{stored.number}/"
    assert order["status"] == "placed"
    assert order["speed"] == "standard"
    # Times in UTC, as docs/api.md says.
    assert order["placed_at"].endswith("Z")
    assert order["pay_before"].endswith("Z")
    assert order["cancellable"] is True
    first, second = order["shipments"]
    assert first["number"] == f"{stored.number}-1"
    assert second["number"] == f"{stored.number}-2"
    assert first["store"] == {
        "slug": "epicerie",
        "name": stored.shipments.get(sequence=1).store.name,
    }
    # 2 times 4.50 = 9.00: GST 0.45, QST 0.90 (0.89775).
    assert (first["subtotal"], first["gst"], first["qst"], first["total"]) == (
        "9.00",
        "0.45",
        "0.90",
        "10.35",
    )
    assert (first["gst_collected_by"], first["qst_collected_by"]) == ("store", "store")
    assert [line["quantity"] for line in first["lines"]] == [2]
    assert first["pickup_point"]["kind"] == "store_counter"
    # Two shipments at 2.99: 5.98, GST 0.30 (0.299), QST 0.60 (0.596...).
    assert order["pickup_fee"] == {
        "fee": "5.98",
        "gst": "0.30",
        "qst": "0.60",
        "total": "6.88",
        "collected_by": "coop",
    }
    totals = order["totals"]
    assert totals["total"] == f"{stored.total:.2f}"
    assert Decimal(totals["total"]) == (
        Decimal(first["total"]) + Decimal(second["total"]) + Decimal("6.88")
    )
    payment = order["payment"]
    assert payment["gateway"] == "offline"
    assert payment["is_test"] is True
    assert payment["status"] == "pending"
    intent = Payment.objects.get(order=stored).intent_id
    assert payment["redirect_url"] == f"http://testserver/paiement/test/{intent}/"
    assert payment["client_secret"] is None
    assert [event["to_status"] for event in order["events"]] == ["placed"]


def test_a_retry_with_the_same_key_gives_the_same_order_and_one_payment(api, auth, filled):
    first = checkout(api, auth)
    again = checkout(api, auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["payment"]["redirect_url"] == first.json()["payment"]["redirect_url"]
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api, auth, filled):
    checkout(api, auth)
    response = checkout(api, auth, body={**BODY, "speed": "express"})
    assert problem_of(response, 422)["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_a_new_key_after_checkout_finds_the_cart_empty(api, auth, filled):
    checkout(api, auth)
    response = checkout(api, auth, key="another-key")
    assert problem_of(response, 409)["code"] == "cart_empty"


def test_an_empty_cart_is_refused(api, auth, stores):
    assert problem_of(checkout(api, auth), 409)["code"] == "cart_empty"


def test_a_cart_changed_since_seen_is_refused_with_the_changes(api, auth, filled, shopper):
    va, _vb = filled
    Variant.objects.filter(pk=va[0].pk).update(price=Decimal("4.75"))
    problem = problem_of(checkout(api, auth), 409)
    assert problem["code"] == "cart_changed"
    [change] = problem["changes"]
    assert change["kind"] == "price"
    assert change["variant_id"] == va[0].pk
    assert (change["price_seen"], change["price_now"]) == ("4.50", "4.75")
    assert change["line_id"] is not None
    assert not Order.objects.exists()
    # Accepted on its line, the same request goes through with a new key.
    accept = api.patch(
        f"/api/v1/cart/lines/{change['line_id']}/",
        json.dumps({"accept_changes": True}),
        content_type="application/json",
        **auth,
    )
    assert accept.status_code == 200
    assert checkout(api, auth, key="after-review").status_code == 201


def test_a_pickup_point_not_offered_yet_is_refused(api, auth, filled):
    problem = problem_of(checkout(api, auth, body={**BODY, "pickup_kind": "home_delivery"}), 400)
    assert list(problem["errors"]) == ["pickup_kind"]
    assert not Order.objects.exists()


# --- The assurance level -------------------------------------------------------------------


def test_a_token_below_the_checkout_level_gets_the_step_up_challenge(
    api, phone_app, shopper, filled
):
    low = bearer(bearer_token(client=phone_app, user=shopper, acr="low"))
    response = checkout(api, low)
    problem = problem_of(response, 401)
    assert problem["code"] == "insufficient_user_authentication"
    assert response["WWW-Authenticate"] == (
        'Bearer error="insufficient_user_authentication", acr_values="substantial"'
    )
    assert not Order.objects.exists()


def test_the_level_is_the_settings(api, phone_app, shopper, filled, settings):
    settings.MARKETPLACE_CHECKOUT_ACR = "high"
    response = checkout(
        api, bearer(bearer_token(client=phone_app, user=shopper, acr="substantial"))
    )
    assert 'acr_values="high"' in response["WWW-Authenticate"]


def test_a_session_below_the_level_is_refused_with_a_403(filled, shopper, sign_in_at):
    browser = Client(enforce_csrf_checks=False)
    sign_in_at(browser, shopper, "low")
    response = browser.post(
        CHECKOUT, json.dumps(BODY), content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert problem_of(response, 403)["code"] == "insufficient_user_authentication"


def test_a_session_at_the_level_checks_out(filled, shopper, sign_in_at):
    browser = Client()
    sign_in_at(browser, shopper, "substantial")
    response = browser.post(
        CHECKOUT, json.dumps(BODY), content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert response.status_code == 201, response.content


def test_a_token_without_the_marketplace_scope_is_refused(api, phone_app, shopper, filled):
    token = bearer_token(client=phone_app, user=shopper, scope="openid", acr="substantial")
    assert problem_of(checkout(api, bearer(token)), 403)["code"] == "insufficient_scope"


def test_nobody_is_refused(api, filled):
    assert problem_of(checkout(api, {}), 401)["code"] == "not_authenticated"


# --- Bad input -------------------------------------------------------------------------------


def test_a_missing_key_is_a_400(api, auth, filled):
    assert problem_of(checkout(api, auth, key=None), 400)["code"] == "idempotency_key_required"


@pytest.mark.parametrize("key", ["x" * 256, "clé", " ", "tab\there"])
def test_a_bad_key_is_a_400(api, auth, filled, key):
    assert problem_of(checkout(api, auth, key=key), 400)["code"] == "invalid_idempotency_key"
    assert not Order.objects.exists()


@pytest.mark.parametrize("key", ["a", "with space", "x" * 255])
def test_any_key_the_api_reads_is_one_checkout_keeps(api, auth, filled, key):
    assert checkout(api, auth, key=key).status_code == 201
    assert Order.objects.get().checkout_key == key


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"speed": "warp"},
        {"speed": 4},
        {"speed": None},
        {"speed": ["standard"]},
        {"speed": "standard", "pickup_kind": "roof"},
    ],
)
def test_bad_fields_are_a_400(api, auth, filled, body):
    assert problem_of(checkout(api, auth, body=body), 400)["code"] == "invalid"


def test_malformed_json_is_a_400(api, auth, filled):
    response = api.post(
        CHECKOUT, b'{"speed": ', content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY, **auth
    )
    assert problem_of(response, 400)["code"] == "json_invalid"


def test_an_oversized_body_is_a_413(api, auth, filled):
    body = json.dumps({**BODY, "padding": "x" * 70_000})
    response = api.post(
        CHECKOUT, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=KEY, **auth
    )
    assert problem_of(response, 413)["code"] == "json_too_large"


# --- The whole flow ----------------------------------------------------------------------------


def test_a_phone_app_fills_a_cart_from_two_stores_pays_and_sees_two_paid_shipments(
    api, auth, shopper, stores
):
    a, b = stores
    va, vb = stocked(a, stock=5), stocked(b, stock=5)
    for variant, quantity in ((va[0], 2), (vb[1], 1), (va[1], 1)):
        response = api.post(
            "/api/v1/cart/lines/",
            json.dumps({"variant_id": variant.pk, "quantity": quantity}),
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 201, response.content
    cart = api.get("/api/v1/cart/", **auth).json()
    assert [group["store"]["slug"] for group in cart["stores"]] == ["epicerie", "librairie"]
    expected = next(e for e in cart["checkout"] if e["speed"] == "express")["totals"]["total"]

    placed = checkout(api, auth, body={"speed": "express", "pickup_kind": "store_counter"})
    assert placed.status_code == 201, placed.content
    order = placed.json()
    assert order["totals"]["total"] == expected
    assert len(order["shipments"]) == 2

    # The shopper pays on the offline gateway's page, in the browser, as the buyer.
    browser = Client()
    browser.force_login(shopper)
    paid = browser.post(order["payment"]["redirect_url"].removeprefix("http://testserver"), CARD)
    assert paid.status_code == 302

    seen = api.get(f"/api/v1/orders/{order['number']}/", **auth).json()
    assert seen["status"] == OrderStatus.PAID
    assert seen["paid_at"] is not None
    assert seen["payment"]["status"] == "succeeded"
    assert seen["payment"]["redirect_url"] is None
    assert [s["status"] for s in seen["shipments"]] == [ShipmentStatus.PAID] * 2
    assert [s["number"] for s in seen["shipments"]] == [
        f"{order['number']}-1",
        f"{order['number']}-2",
    ]
    assert "paid" in [event["to_status"] for event in seen["events"]]
    assert api.get("/api/v1/cart/", **auth).json()["stores"] == []
    listed = api.get("/api/v1/orders/", **auth).json()
    assert [o["number"] for o in listed["results"]] == [order["number"]]
    assert listed["results"][0]["status"] == "paid"
