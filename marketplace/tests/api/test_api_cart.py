"""The cart endpoints: GET /api/v1/cart/, POST /api/v1/cart/lines/, PATCH and DELETE
/api/v1/cart/lines/{id}/ — the person's own cart only, bad input a problem, never a 500."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import CartLine, Variant
from marketplace.tests.api.conftest import bearer, bearer_token
from marketplace.tests.shop import cart_fill, stocked

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart/"
LINES = "/api/v1/cart/lines/"


def line_url(line_id: int) -> str:
    return f"{LINES}{line_id}/"


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return json.loads(response.content)


@pytest.fixture
def auth(phone_app, shopper) -> dict[str, str]:
    return bearer(bearer_token(client=phone_app, user=shopper))


@pytest.fixture
def other(make_person):
    return make_person("autre@example.com", "shopper")


@pytest.fixture
def other_auth(phone_app, other) -> dict[str, str]:
    return bearer(bearer_token(client=phone_app, user=other))


@pytest.fixture
def variants(make_store):
    a = make_store(slug="epicerie")
    b = make_store(slug="librairie")
    return stocked(a, stock=10), stocked(b, stock=10)


def post(api, url, body, auth):
    return api.post(url, json.dumps(body), content_type="application/json", **auth)


def patch(api, url, body, auth):
    return api.patch(url, json.dumps(body), content_type="application/json", **auth)


# --- Reading the cart -----------------------------------------------------------------


def test_an_empty_cart(api, auth):
    response = api.get(CART, **auth)
    assert response.status_code == 200
    body = response.json()
    assert body["stores"] == []
    assert body["item_count"] == 0
    assert body["has_changes"] is False
    assert body["totals"]["total"] == "0.00"


def test_the_cart_grouped_by_store_with_invoices_and_totals(api, auth, shopper, variants):
    va, vb = variants
    cart_fill(shopper, [(va[0], 2), (vb[0], 1), (va[2], 1)])
    body = api.get(CART, **auth).json()
    assert [group["store"]["slug"] for group in body["stores"]] == ["epicerie", "librairie"]
    first = body["stores"][0]
    assert [line["variant_id"] for line in first["lines"]] == [va[0].pk, va[2].pk]
    line = first["lines"][0]
    assert line["quantity"] == 2
    assert line["unit_price"] == line["price_seen"] == "4.50"
    assert line["line_total"] == "9.00"
    assert line["listing_title"] == "Article 0"
    assert line["currency"] == "CAD"
    assert line["changes"] == []
    # 9.00 + 4.50 = 13.50: GST 0.68 (0.675 half up), QST 1.35 (1.346625).
    assert first["invoice"] == {
        "subtotal": "13.50",
        "gst": "0.68",
        "qst": "1.35",
        "total": "15.53",
        "gst_collected_by": "store",
        "qst_collected_by": "store",
    }
    assert body["item_count"] == 4
    assert body["totals"]["goods_subtotal"] == "18.00"
    standard = next(e for e in body["checkout"] if e["speed"] == "standard")
    # Two shipments at 2.99: 5.98 before taxes.
    assert standard["totals"]["fee"] == "5.98"


def test_a_changed_price_is_shown_not_applied(api, auth, shopper, variants):
    va, _vb = variants
    cart_fill(shopper, [(va[0], 1)])
    Variant.objects.filter(pk=va[0].pk).update(price=Decimal("5.00"))
    body = api.get(CART, **auth).json()
    line = body["stores"][0]["lines"][0]
    assert (line["price_seen"], line["unit_price"]) == ("4.50", "5.00")
    assert line["changes"] == ["price"]
    assert body["has_changes"] is True


def _cart_queries(client, auth) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CART, **auth).status_code == 200
    return len(queries)


def test_a_cart_of_1_and_of_20_lines_costs_the_same_queries(api, auth, shopper, make_store):
    stores = [make_store(listings=5) for _ in range(2)]
    variants = [v for store in stores for v in stocked(store, stock=10)]
    cart_fill(shopper, [(variants[0], 1)])
    one = _cart_queries(api, auth)
    cart_fill(shopper, [(v, 1) for v in variants[1:20]])
    assert CartLine.objects.filter(cart__owner=shopper).count() == 20
    assert _cart_queries(api, auth) == one


# --- Adding ---------------------------------------------------------------------------


def test_adding_a_line_answers_201_with_the_line(api, auth, shopper, variants):
    va, _vb = variants
    response = post(api, LINES, {"variant_id": va[0].pk, "quantity": 2}, auth)
    assert response.status_code == 201, response.content
    line = response.json()
    assert (line["variant_id"], line["quantity"], line["price_seen"]) == (va[0].pk, 2, "4.50")
    assert CartLine.objects.get(cart__owner=shopper).pk == line["id"]


def test_adding_a_variant_already_there_adds_to_its_quantity(api, auth, variants):
    va, _vb = variants
    post(api, LINES, {"variant_id": va[0].pk, "quantity": 2}, auth)
    response = post(api, LINES, {"variant_id": va[0].pk}, auth)
    assert response.status_code == 201
    assert response.json()["quantity"] == 3


def test_adding_more_than_the_stock_is_capped_at_it(api, auth, variants):
    va, _vb = variants
    response = post(api, LINES, {"variant_id": va[0].pk, "quantity": 50}, auth)
    assert response.json()["quantity"] == 10


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"variant_id": "abc"},
        {"variant_id": None},
        {"variant_id": 1.5},
        {"variant_id": True},
        {"variant_id": [1]},
        {"variant_id": -1},
        {"variant_id": 0},
        {"variant_id": 2**63},
        {"variant_id": 10**40},
        {"variant_id": 1, "quantity": 0},
        {"variant_id": 1, "quantity": -3},
        {"variant_id": 1, "quantity": 100},
        {"variant_id": 1, "quantity": 10**30},
        {"variant_id": 1, "quantity": "lots"},
        {"variant_id": 1, "quantity": {"n": 1}},
    ],
)
def test_bad_fields_are_a_400(api, auth, variants, body):
    problem = problem_of(post(api, LINES, body, auth), 400)
    assert problem["code"] == "invalid"
    assert problem["errors"]


def test_an_unknown_variant_is_refused(api, auth, variants):
    assert problem_of(post(api, LINES, {"variant_id": 999999}, auth), 409)["code"] == (
        "cart_line_refused"
    )


def test_a_variant_out_of_stock_is_refused(api, auth, variants):
    va, _vb = variants
    Variant.objects.filter(pk=va[0].pk).update(stock=0)
    assert problem_of(post(api, LINES, {"variant_id": va[0].pk}, auth), 409)["code"] == (
        "cart_line_refused"
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{", "json_invalid"),
        (b"[1, 2]", "json_not_object"),
        (b'{"variant_id": 1' + b"0" * 5000 + b"}", "json_invalid"),
        (b"[" * 100 + b"]" * 100, "json_too_deep"),
    ],
)
def test_malformed_json_is_a_400(api, auth, body, code):
    response = api.post(LINES, body, content_type="application/json", **auth)
    assert problem_of(response, 400)["code"] == code


def test_a_body_not_json_is_a_415(api, auth):
    response = api.post(LINES, "variant_id=1", content_type="text/plain", **auth)
    assert problem_of(response, 415)["code"] == "unsupported_media_type"


# --- Changing and removing -------------------------------------------------------------


@pytest.fixture
def line(shopper, variants) -> CartLine:
    va, _vb = variants
    cart_fill(shopper, [(va[0], 2)])
    return CartLine.objects.get(cart__owner=shopper)


def test_setting_a_quantity(api, auth, line):
    response = patch(api, line_url(line.pk), {"quantity": 5}, auth)
    assert response.status_code == 200, response.content
    assert response.json()["quantity"] == 5
    line.refresh_from_db()
    assert line.quantity == 5


def test_a_quantity_of_0_removes_the_line(api, auth, line):
    response = patch(api, line_url(line.pk), {"quantity": 0}, auth)
    assert response.status_code == 204
    assert not CartLine.objects.filter(pk=line.pk).exists()


def test_accepting_a_changed_price(api, auth, line):
    Variant.objects.filter(pk=line.variant_id).update(price=Decimal("3.99"))
    response = patch(api, line_url(line.pk), {"accept_changes": True}, auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["price_seen"], body["unit_price"], body["changes"]) == ("3.99", "3.99", [])


def test_accepting_a_line_no_longer_on_sale_removes_it(api, auth, line):
    Variant.objects.filter(pk=line.variant_id).update(stock=0)
    response = patch(api, line_url(line.pk), {"accept_changes": True, "quantity": 1}, auth)
    assert response.status_code == 204
    assert not CartLine.objects.filter(pk=line.pk).exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"quantity": -1}, {"quantity": 100}, {"quantity": "x"}, {"accept_changes": "maybe"}],
)
def test_a_bad_change_is_a_400(api, auth, line, body):
    assert problem_of(patch(api, line_url(line.pk), body, auth), 400)["code"] == "invalid"


def test_removing_a_line(api, auth, line):
    assert api.delete(line_url(line.pk), **auth).status_code == 204
    assert not CartLine.objects.filter(pk=line.pk).exists()


# --- Another person's line: not found, untouched ----------------------------------------


def test_another_persons_line_is_not_found_to_change(api, other_auth, line):
    problem = problem_of(patch(api, line_url(line.pk), {"quantity": 1}, other_auth), 404)
    assert problem["code"] == "not_found"
    line.refresh_from_db()
    assert line.quantity == 2


def test_another_persons_line_is_not_found_to_accept(api, other_auth, line):
    body = {"accept_changes": True}
    assert problem_of(patch(api, line_url(line.pk), body, other_auth), 404)["code"] == "not_found"


def test_another_persons_line_is_not_found_to_remove(api, other_auth, line):
    assert problem_of(api.delete(line_url(line.pk), **other_auth), 404)["code"] == "not_found"
    assert CartLine.objects.filter(pk=line.pk).exists()


def test_another_persons_cart_is_never_shown(api, other_auth, line):
    assert api.get(CART, **other_auth).json()["stores"] == []


def test_an_anonymous_carts_line_is_not_found(api, auth, variants):
    from marketplace.cart import cart_create, cart_line_add

    anonymous = cart_create(owner=None)
    va, _vb = variants
    line = cart_line_add(cart=anonymous, variant_id=va[0].pk, quantity=1, acting_user=None)
    assert problem_of(api.delete(line_url(line.pk), **auth), 404)["code"] == "not_found"


@pytest.mark.parametrize("line_id", [999999, 2**63, 10**30])
def test_an_unknown_line_is_not_found(api, auth, line_id):
    assert problem_of(api.delete(line_url(line_id), **auth), 404)["code"] == "not_found"


# --- Who may call -------------------------------------------------------------------------


CALLS = [
    ("get", CART, None),
    ("post", LINES, {"variant_id": 1}),
    ("patch", f"{LINES}1/", {"quantity": 1}),
    ("delete", f"{LINES}1/", None),
]


def _call(api, method, url, body, headers):
    if body is None:
        return getattr(api, method)(url, **headers)
    return getattr(api, method)(url, json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize(("method", "url", "body"), CALLS)
def test_a_token_without_the_marketplace_scope_is_refused(
    api, phone_app, shopper, method, url, body
):
    token = bearer_token(client=phone_app, user=shopper, scope="openid profile")
    problem = problem_of(_call(api, method, url, body, bearer(token)), 403)
    assert problem["code"] == "insufficient_scope"


@pytest.mark.parametrize(("method", "url", "body"), CALLS)
def test_nobody_is_refused(api, method, url, body):
    assert problem_of(_call(api, method, url, body, {}), 401)["code"] == "not_authenticated"


def test_the_session_needs_its_csrf_token(api, shopper, variants):
    api.force_login(shopper)
    response = post(api, LINES, {"variant_id": variants[0][0].pk}, {})
    assert problem_of(response, 403)["code"] == "csrf_failed"
