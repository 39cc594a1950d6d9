"""The OpenAPI description: valid, complete, and true of the running API (Schemathesis
generates requests from it and none may get a server error)."""

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

from marketplace.models import Category
from marketplace.tests.api.conftest import bearer_token

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/stores/": {"get"},
    "/api/v1/stores/{slug}/": {"get"},
    "/api/v1/categories/": {"get"},
    "/api/v1/catalogue/": {"get"},
    "/api/v1/catalogue/{store_slug}/{listing_slug}/": {"get"},
}


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
@pytest.mark.parametrize("signed_in", ["bearer", "nobody"])
def test_generated_requests_never_get_a_server_error(make_store, phone_app, shopper, signed_in):
    """Schemathesis, in-process against the WSGI application: requests made from the
    schema (valid and not), with a bearer token or none; a few examples per operation."""
    make_store(slug="epicerie")
    Category.objects.create(slug="pain", name_fr="Pain")
    headers = {}
    if signed_in == "bearer":
        headers["Authorization"] = f"Bearer {bearer_token(client=phone_app, user=shopper)}"
    api = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == len(ENDPOINTS)
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case) -> None:
            excluded = []
            if case.operation.path == "/api/v1/catalogue/":
                # Its parameters depend on each other (lat with lon, price_min at most
                # price_max, a distance needs a position) and name rows (category,
                # store): a schema-valid query may be a 400, which OpenAPI cannot say.
                excluded.append(positive_data_acceptance)
            response = case.call_and_validate(headers=headers, excluded_checks=excluded)
            statuses.append(response.status_code)

        no_server_error()
    # The generated requests reached the views: some found what they asked for.
    assert len(statuses) >= 3 * len(ENDPOINTS)
    assert 200 in statuses
