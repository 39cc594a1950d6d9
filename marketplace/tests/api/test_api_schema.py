"""The OpenAPI description: valid, complete, and true of the running API (Schemathesis
generates requests from it and none may get a server error)."""

import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from marketplace.checkout import checkout_start
from marketplace.models import Cart, Category
from marketplace.tests.api.conftest import bearer_token
from marketplace.tests.api.store_keys import key_for
from marketplace.tests.shop import cart_fill, stocked

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/stores/": {"get"},
    "/api/v1/stores/{slug}/": {"get"},
    "/api/v1/categories/": {"get"},
    "/api/v1/cart/": {"get"},
    "/api/v1/cart/lines/": {"post"},
    "/api/v1/cart/lines/{line_id}/": {"patch", "delete"},
    "/api/v1/checkout/": {"post"},
    "/api/v1/lockers/nearest/": {"get"},
    "/api/v1/orders/": {"get"},
    "/api/v1/orders/{number}/": {"get"},
    "/api/v1/orders/{number}/cancel/": {"post"},
    "/api/v1/catalogue/": {"get"},
    "/api/v1/catalogue/{store_slug}/{listing_slug}/": {"get"},
    # lockers' courier API (docs/courier-api.md).
    "/api/v1/courier/manifest/": {"get"},
    "/api/v1/courier/scan-at-store/": {"post"},
    "/api/v1/courier/deposit/": {"post"},
    "/api/v1/courier/jammed/": {"post"},
    "/api/v1/courier/damaged/": {"post"},
    "/api/v1/courier/retrieve/": {"post"},
    "/api/v1/courier/return-to-store/": {"post"},
    # lockers' kiosk API (docs/kiosk.md)
    "/api/v1/kiosk/pickup/": {"post"},
    "/api/v1/kiosk/status/": {"get"},
    # the point-of-sale API, for a store's own systems (docs/store-api.md)
    "/api/v1/store/key/": {"get"},
    "/api/v1/store/listings/": {"get", "post"},
    "/api/v1/store/listings/{id}/": {"get", "patch"},
    "/api/v1/store/variants/": {"get", "post"},
    "/api/v1/store/variants/{id}/": {"get", "patch"},
    "/api/v1/store/stock/": {"post"},
}
# The store API's operations whose acceptance depends on the store's rows.
STORE_DATA_DEPENDENT = {
    "/api/v1/store/listings/",
    "/api/v1/store/listings/{id}/",
    "/api/v1/store/variants/",
    "/api/v1/store/variants/{id}/",
    "/api/v1/store/stock/",
}
OPERATION_COUNT = sum(len(methods) for methods in ENDPOINTS.values())


@pytest.fixture
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_the_schema_lists_the_endpoints(schema):
    assert {path: set(operations) for path, operations in schema["paths"].items()} == ENDPOINTS


def test_the_schema_documents_both_ways_to_sign_in(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["uniqcOidc"]["type"] == "openIdConnect"
    assert schemes["uniqcOidc"]["openIdConnectUrl"].endswith("/.well-known/openid-configuration")
    assert schemes["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": schemes["sessionCookie"]["description"],
    }
    operation = schema["paths"]["/api/v1/stores/"]["get"]
    assert {"uniqcOidc": ["marketplace"]} in operation["security"]


def test_every_operation_documents_its_problems(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "429"):
                content = operation["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], (path, method, status)
    detail = schema["paths"]["/api/v1/stores/{slug}/"]["get"]["responses"]
    assert detail["404"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }


def test_checkout_documents_its_key_its_bodies_and_its_problems(schema):
    operation = schema["paths"]["/api/v1/checkout/"]["post"]
    [key] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert (key["in"], key["required"]) == ("header", True)
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CheckoutRequest"}
    responses = operation["responses"]
    for status in ("200", "201"):
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Order"
        }
    assert responses["409"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/CartChangedProblem"
    }
    for status in ("400", "401", "403", "413", "422", "502"):
        assert list(responses[status]["content"]) == ["application/problem+json"], status
    order = schema["components"]["schemas"]["Order"]["properties"]
    assert {"number", "shipments", "pickup_fee", "totals", "payment", "events"} <= set(order)
    shipment = schema["components"]["schemas"]["Shipment"]["properties"]
    assert {"gst", "qst", "gst_collected_by", "qst_collected_by", "lines"} <= set(shipment)


def test_the_schema_and_its_docs_page_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/stores/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """The WSGI application, as the real server runs it, inside the test's transaction:
    a request's start and end must not close the database connection (Django's test
    client unhooks the same receivers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("wsgi_in_test_transaction")
@pytest.mark.parametrize("signed_in", ["bearer", "store_key", "nobody"])
def test_generated_requests_never_get_a_server_error(
    make_store, phone_app, shopper, signed_in, request
):
    """Schemathesis, in-process against the WSGI application: requests made from the
    schema (valid and not), with a bearer token or none; a few examples per operation.
    The person has a cart from two stores, an order, and a token at the checkout's
    level, so that the generated requests reach the cart, checkout and orders."""
    stores = [make_store(slug="epicerie"), make_store(slug="librairie")]
    Category.objects.create(slug="pain", name_fr="Pain")
    variants = [v for store in stores for v in stocked(store, stock=20)]
    cart_fill(shopper, [(variants[0], 1)])
    checkout_start(
        cart=Cart.objects.get(owner=shopper),
        buyer=shopper,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key="schemathesis-order",
        acting_user=shopper,
    )
    cart_fill(shopper, [(v, 1) for v in variants])
    headers = {}
    if signed_in == "bearer":
        token = bearer_token(client=phone_app, user=shopper, acr="substantial")
        headers["Authorization"] = f"Bearer {token}"
    if signed_in == "store_key":
        # The point-of-sale API's key, of the first store; a high rate so that the
        # generated requests are not throttled.
        request.getfixturevalue("settings").API_RATE_STORE_KEY = "100000/min"
        headers["Authorization"] = f"Bearer {key_for(stores[0])[1]}"
    api = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    # A NUL in a JSON string is refused by design (core.jsonin: 400 json_invalid), which
    # OpenAPI cannot say: generate no NUL, so that every schema-valid body is one we accept.
    api.config.generation.update(allow_x00=False)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == OPERATION_COUNT
    statuses: list[int] = []
    store_statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case) -> None:
            if case.headers and "Idempotency-Key" in case.headers:
                # Hypothesis repeats its simplest keys: a key sent again with another body
                # is rightly refused (422 idempotency_key_reused, tested on its own), which
                # Schemathesis would count as a valid request rejected.
                case.headers["Idempotency-Key"] = f"schemathesis-{uuid.uuid4()}"
            excluded = []
            if case.operation.path in STORE_DATA_DEPENDENT:
                # A schema-valid body may name what the store does not have (a listing
                # id, a category, a SKU) or publish what cannot be yet: a 400 or 409,
                # which OpenAPI cannot say.
                excluded.append(positive_data_acceptance)
            if case.operation.path == "/api/v1/catalogue/":
                # Its parameters depend on each other (lat with lon, price_min at most
                # price_max, a distance needs a position) and name rows (category,
                # store): a schema-valid query may be a 400, which OpenAPI cannot say.
                excluded.append(positive_data_acceptance)
            response = case.call_and_validate(headers=headers, excluded_checks=excluded)
            statuses.append(response.status_code)
            if case.operation.path.startswith("/api/v1/store/"):
                store_statuses.append(response.status_code)

        no_server_error()
    # The generated requests reached the views: some found what they asked for.
    assert len(statuses) >= 3 * OPERATION_COUNT
    assert 200 in statuses
    if signed_in == "store_key":
        # The key reached the store's listings and variants, not only refusals.
        assert 200 in store_statuses
    else:
        # Refused (or a path no route matches, such as a negative id): never served.
        assert set(store_statuses) <= {401, 404}
