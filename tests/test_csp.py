"""Every HTML page carries a Content-Security-Policy that only its own scripts satisfy."""

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME
from identity.oidc.services import oidc_client_create
from identity.roles import Role
from identity.services import user_create
from identity.tests.card_fixtures import CA_PASSPHRASE

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"


def _paths(patterns, prefix: str = "") -> Iterator[str]:
    """The path of every URL pattern that takes no argument."""
    for pattern in patterns:
        route = str(pattern.pattern).removeprefix("^").removesuffix("$")
        if "<" in route or re.search(r"[()\[\]*+?\\|]", route):
            continue
        if isinstance(pattern, URLResolver):
            yield from _paths(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + route


class Page(HTMLParser):
    """What a page asks the browser to run: its scripts, handlers and style attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inline_scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        inline = tag == "script" and "src" not in attributes
        if inline and attributes.get("type") != "application/json":
            self.inline_scripts.append(attributes)
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        if "style" in attributes:
            self.styles.append(tag)


def directives(response) -> dict[str, list[str]]:
    policy = response[CSP]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_strict_policy(response) -> None:
    """The header is there, with a nonce that the page's inline scripts, and only they,
    carry; the page has no inline handler or style attribute."""
    assert CSP in response, response.request["PATH_INFO"]
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    [nonce] = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    page = Page(response.content.decode())
    path = response.request["PATH_INFO"]
    for script in page.inline_scripts:
        assert f"'nonce-{script.get('nonce')}'" == nonce, path
    assert page.handlers == [], path
    assert page.styles == [], path


@pytest.fixture
def staff_client(settings) -> Client:
    """A coop admin and registrar, superuser, signed in with a card (`high`)."""
    user = user_create(
        email="root@example.com",
        password="correct horse battery staple",
        given_name="Root",
        family_name="Admin",
        email_verified=True,
        roles=(Role.REGISTRAR, Role.COOP_ADMIN),
        is_superuser=True,
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_ACR] = "high"
    session[SESSION_AMR] = ["sc", "pin"]
    session[SESSION_AUTH_TIME] = int(time.time())
    session.save()
    return client


def test_every_page_without_arguments_has_a_strict_policy_with_a_nonce(
    staff_client, settings, card_ca_dir
):
    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
    paths = sorted(set(_paths(get_resolver().url_patterns)))
    checked = []
    for client in (Client(), staff_client):
        for path in paths:
            response = client.get(path)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            if b"<html" not in response.content.lower():
                continue  # a redirect, or a bare status such as a 405
            if path == reverse("api-docs"):
                continue  # Swagger UI: its own policy, below
            assert_strict_policy(response)
            checked.append(path)
    # The pages people use most are among those checked, for both visitors.
    for name in (
        "home",
        "identity:login",
        "identity:signup",
        "identity:profile",
        "card_login:sign_in",
    ):
        assert reverse(name) in checked, name
    assert "/admin/" in checked
    assert len(checked) > 20, checked


def test_the_sign_in_page_script_runs_only_with_the_header_nonce(client):
    response = client.get(reverse("identity:login"))
    assert_strict_policy(response)
    assert len(Page(response.content.decode()).inline_scripts) == 1


def test_each_response_has_its_own_nonce(client):
    first = directives(client.get(reverse("identity:login")))["script-src"]
    second = directives(client.get(reverse("identity:login")))["script-src"]
    assert first != second


def test_connect_src_names_the_card_agent_as_configured_now(client, settings):
    settings.CARD_AGENT_URL = "http://127.0.0.1:45678"
    response = client.get(reverse("card_login:sign_in"))
    assert_strict_policy(response)
    assert directives(response)["connect-src"] == ["'self'", "http://127.0.0.1:45678"]


def test_api_docs_load_swagger_ui_from_our_static_files_and_no_other_host(client, settings):
    response = client.get(reverse("api-docs"))
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "https://" not in page and "http://" not in page
    script = client.get(reverse("api-docs") + "?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "validatorUrl" in script.content.decode()
    policy = directives(response)
    assert all(source.startswith("'") for source in policy["script-src"]), policy
    assert "'unsafe-inline'" not in policy["script-src"]
    # No host but ours, except the card agent on this computer.
    agent = settings.CARD_AGENT_URL
    assert [s for sources in policy.values() for s in sources if "//" in s] == [agent]
    home = directives(client.get(reverse("home")))
    assert "style-src" not in home


# --- form-action: where the redirects after a form may go ------------------------------

RP = "https://rp.example"


@pytest.fixture
def alice():
    return user_create(
        email="alice@example.com",
        password="correct horse battery staple",
        given_name="Alice",
        family_name="Tremblay",
        email_verified=True,
    )


@pytest.fixture
def rp_client():
    return oidc_client_create(
        name="Ville",
        redirect_uris=[f"{RP}/callback"],
        post_logout_redirect_uris=["https://bye.example/"],
    ).client


def _authorize_path(client_id: str, **params: str) -> str:
    query = {"client_id": client_id, "response_type": "code", "scope": "openid", **params}
    return reverse("oidc:authorize") + "?" + urlencode(query)


def test_the_sign_in_page_resuming_an_authorization_allows_its_client(client, rp_client):
    next_url = _authorize_path(rp_client.client_id, redirect_uri=f"{RP}/callback")
    response = client.get(reverse("identity:login") + "?" + urlencode({"next": next_url}))
    assert directives(response)["form-action"] == [
        "'self'",
        RP,
        "https://bye.example",
    ]


def _kept_request_path(client, rp_client) -> str:
    """The way back to an authorization request the endpoint kept for a signed-out person
    (identity.oidc.pending): the sign-in page's `next`, carrying only an opaque id."""
    path = _authorize_path(
        rp_client.client_id,
        redirect_uri=f"{RP}/callback",
        code_challenge="a" * 43,
        code_challenge_method="S256",
    )
    sent = client.get(path, secure=True)
    assert sent.status_code == 302, sent.content.decode()
    next_url = parse_qs(urlsplit(sent["Location"]).query)["next"][0]
    assert rp_client.client_id not in next_url
    return next_url


def test_the_sign_in_page_resuming_a_kept_request_allows_its_client(client, rp_client):
    next_url = _kept_request_path(client, rp_client)
    response = client.get(reverse("identity:login") + "?" + urlencode({"next": next_url}))
    assert RP in directives(response)["form-action"]


def test_the_consent_page_of_a_kept_request_allows_its_client(client, rp_client, alice, sign_in_at):
    next_url = _kept_request_path(client, rp_client)
    sign_in_at(client, alice, "low")
    response = client.get(next_url, secure=True)
    assert response.status_code == 200, response.content.decode()
    assert 'id="oidc-consent"' in response.content.decode()
    assert RP in directives(response)["form-action"]


def test_a_kept_request_of_another_session_allows_nothing(client, rp_client):
    next_url = _kept_request_path(client, rp_client)
    other = Client()
    response = other.get(reverse("identity:login") + "?" + urlencode({"next": next_url}))
    assert RP not in directives(response).get("form-action", [])


def test_the_consent_page_allows_its_client(client, rp_client, alice):
    client.force_login(alice)
    path = _authorize_path(
        rp_client.client_id,
        redirect_uri=f"{RP}/callback",
        code_challenge="a" * 43,
        code_challenge_method="S256",
    )
    response = client.get(path, secure=True)
    assert response.status_code == 200, response.content.decode()
    assert 'id="oidc-consent"' in response.content.decode()
    assert_strict_policy(response)
    assert RP in directives(response)["form-action"]


def test_the_sign_out_confirmation_allows_the_clients_post_logout_uri(client, rp_client, alice):
    client.force_login(alice)
    query = {"client_id": rp_client.client_id, "post_logout_redirect_uri": "https://bye.example/"}
    response = client.get(reverse("oidc:end_session") + "?" + urlencode(query))
    assert response.status_code == 200
    assert "https://bye.example" in directives(response)["form-action"]


@pytest.mark.parametrize(
    "next_url",
    [
        # An origin named by the request alone, for no client.
        _authorize_path("nobody", redirect_uri="https://evil.example/cb"),
        # Another site's address in `next`.
        "https://evil.example/oidc/authorize?client_id=x",
        "/compte/profil/?client_id=x",
    ],
)
def test_form_action_never_takes_an_origin_from_the_request(client, next_url, rp_client):
    response = client.get(reverse("identity:login") + "?" + urlencode({"next": next_url}))
    assert directives(response)["form-action"] == ["'self'"]


def test_form_action_names_only_uris_the_client_registered(client, rp_client):
    next_url = _authorize_path(rp_client.client_id, redirect_uri="https://evil.example/cb")
    response = client.get(reverse("identity:login") + "?" + urlencode({"next": next_url}))
    assert "https://evil.example" not in directives(response)["form-action"]


def test_an_inactive_client_allows_nothing(client, rp_client):
    type(rp_client).objects.filter(pk=rp_client.pk).update(is_active=False)
    next_url = _authorize_path(rp_client.client_id, redirect_uri=f"{RP}/callback")
    response = client.get(reverse("identity:login") + "?" + urlencode({"next": next_url}))
    assert directives(response)["form-action"] == ["'self'"]
