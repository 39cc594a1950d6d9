"""The site's own error pages, with DEBUG off as under `make run` and in production: each
says what happened and what to do, in the person's language, with the right status; a
program gets problem+json (RFC 9457) instead."""

import json
import re

import pytest
from django.conf import settings as django_settings
from django.template import loader
from django.test import Client
from django.utils import translation

from tests.test_csp import assert_strict_policy

pytestmark = [pytest.mark.django_db, pytest.mark.urls("config.tests.urls_errors")]

# (path, method, status, the page's heading msgid)
PAGES = {
    "404": ("/no-such-page/", "get", 404, "Page not found"),
    "403": ("/test-errors/refuse/", "get", 403, "Access refused"),
    "400": ("/test-errors/malformed/", "get", 400, "Request not understood"),
    "429": ("/test-errors/throttled/", "get", 429, "Too many attempts"),
    "500": ("/test-errors/crash/", "get", 500, "Something went wrong"),
    "csrf": ("/test-errors/form/", "post", 403, "This form has expired"),
}


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


def browser(language: str) -> Client:
    """A browser that answers a crash with the page a person gets, and sends no CSRF
    token; English is chosen by the language switch's cookie (French is the default)."""
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    if language != "fr":
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text_in(language: str, msgid: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_each_error_page_in_each_language(page, language):
    path, method, status, heading = PAGES[page]
    response = getattr(browser(language), method)(path, HTTP_ACCEPT="text/html")
    html = response.content.decode()
    assert response.status_code == status, html[:500]
    assert response["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}-CA">' in html
    assert 'id="error-page"' in html
    assert f"<h1>{text_in(language, heading)}</h1>" in html
    # The site's header and footer: the way home is always there.
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert re.search(r'<a class="button[^"]*" href="/">', html)
    assert "Traceback" not in html and "URLconf" not in html


@pytest.mark.parametrize("page", [page for page in PAGES if page != "500"])
def test_the_error_pages_have_the_sites_navigation_and_a_strict_policy(page):
    path, method, _status, _heading = PAGES[page]
    response = getattr(browser("fr"), method)(path, HTTP_ACCEPT="text/html")
    assert 'aria-label="Navigation principale"' in response.content.decode()
    assert_strict_policy(response)


def test_the_404_lists_no_url_pattern():
    """Django's technical 404 (DEBUG on) lists every pattern with its name; ours none,
    not even the test-only patterns of this URLconf."""
    html = browser("en").get("/no-such-page/").content.decode()
    assert "<h1>Page not found</h1>" in html
    assert "URLconf" not in html
    assert "[name=" not in html
    assert "test-errors" not in html


def test_the_403_offers_a_visitor_to_sign_in_and_come_back():
    html = browser("en").get("/test-errors/refuse/").content.decode()
    assert 'href="/compte/connexion/?next=/test-errors/refuse/"' in html


def test_the_500_page_renders_without_a_request_or_any_context():
    """Django's own handler renders 500.html with an empty Context; ours passes no
    request, so no context processor reads a database that may be what failed."""
    html = loader.get_template("500.html").render({})
    assert 'id="error-page" data-status="500"' in html
    assert "/static/css/uniqc.css" in html


def test_a_crash_in_a_view_is_the_500_page_even_when_the_database_is_gone(monkeypatch):
    """The header's navigation reads the database; the 500 page must not need it."""
    from config import context_processors

    def database_down(request):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(context_processors, "viewer_of", database_down)
    response = browser("en").get("/test-errors/crash/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()


def test_the_429_page_says_when_to_try_again():
    response = browser("en").get("/test-errors/throttled/", HTTP_ACCEPT="text/html")
    assert response.status_code == 429
    assert response["Retry-After"] == "125"
    html = response.content.decode()
    assert "You can try again in 3 minutes." in html
    with translation.override("fr"):
        french = translation.ngettext(
            "You can try again in %(minutes)s minute.",
            "You can try again in %(minutes)s minutes.",
            3,
        ) % {"minutes": 3}
    response = browser("fr").get("/test-errors/throttled/", HTTP_ACCEPT="text/html")
    assert french in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "headers"),
    [
        ("/api/test-errors/throttled/", 429, {}),
        ("/test-errors/throttled/", 429, {"HTTP_ACCEPT": "application/json"}),
        ("/api/no-such-endpoint/", 404, {}),
        ("/api/test-errors/crash/", 500, {}),
    ],
)
def test_a_program_gets_problem_json(path, status, headers):
    response = browser("fr").get(path, **headers)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert problem["status"] == status
    assert problem["title"]
    if status == 429:
        assert response["Retry-After"] == "125"


def test_a_browser_on_an_api_address_gets_the_page():
    response = browser("en").get("/api/no-such-endpoint/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_api_docs_and_schema_are_unchanged():
    assert browser("en").get("/api/docs/").status_code == 200
    schema = browser("en").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "openapi" in json.loads(schema.content)


def test_an_unknown_host_is_the_400_page(settings):
    """DisallowedHost is raised before the session and the user are set up: the page
    still renders, with no header navigation that needs them."""
    settings.ALLOWED_HOSTS = ["uniqc.example"]
    response = browser("en").get("/", HTTP_HOST="evil.example", HTTP_ACCEPT="text/html")
    assert response.status_code == 400
    assert "<h1>Request not understood</h1>" in response.content.decode()
