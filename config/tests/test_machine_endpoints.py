"""config.middleware.MachineEndpointsMiddleware: the endpoints programs call skip the
browser's middleware; every other URL keeps it."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def http() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


def test_a_token_request_skips_the_browsers_middleware(http):
    http.cookies["sessionid"] = "a-stale-session"
    http.cookies["django_language"] = "en"
    response = http.post("/oidc/token", {"grant_type": "client_credentials"})
    # The view the URLconf names answered it: an OAuth error, in JSON.
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "Content-Language" not in response.headers
    assert "X-Frame-Options" not in response.headers
    assert "Content-Security-Policy" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert not response.cookies
    assert response.headers["Content-Length"] == str(len(response.content))


def test_it_keeps_the_middleware_every_response_gets(http):
    response = http.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_page_keeps_the_browsers_middleware(http):
    http.cookies["django_language"] = "en"
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "'nonce-" in response.headers["Content-Security-Policy"]
    assert "Cookie" in response.headers["Vary"]


def test_a_page_that_takes_a_near_path_is_not_mistaken_for_an_endpoint(http):
    response = http.post("/oidc/token/", {"grant_type": "client_credentials"})
    assert "Content-Language" in response.headers


@pytest.mark.urls("config.tests.urls_pages_only")
def test_a_urlconf_without_the_endpoints_serves_its_own_views(http):
    response = http.post("/oidc/token")
    assert response.content == b"page"
    assert "Content-Language" in response.headers
