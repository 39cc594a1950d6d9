"""An OpenID Connect relying party's view of Uniqc: a real client library over HTTP."""

import base64
import io
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.test import Client
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from identity.models import OidcAccessToken, OidcGrant, OidcRefreshToken
from identity.oidc import keys, validation
from identity.oidc.claims import claims_requested
from identity.oidc.services import digest, oidc_client_create
from identity.tests.conftest import PASSWORD

REDIRECT_URI = "https://rp.example/callback"


class ConsentForm(HTMLParser):
    """The consent form as a browser shows it: its hidden fields, and the claims it lists
    with those a person can untick and that are ticked."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hidden: list[tuple[str, str]] = []
        self.claims: list[str] = []
        self.ticked: list[str] = []
        self.found = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == "oidc-consent":
            self.found = True
        if tag != "input" or not self.found:
            return
        kind, name, value = attributes.get("type"), attributes.get("name"), attributes.get("value")
        if kind == "hidden":
            self.hidden.append((name or "", value or ""))
        elif kind == "checkbox":
            self.claims.append(value or "")
            if "checked" in attributes and "disabled" not in attributes:
                self.ticked.append(value or "")

    def answer(self, decision: str, untick: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The fields a browser submits: hidden ones, the ticks left, and the button."""
        ticks = [("claim", name) for name in self.ticked if name not in untick]
        return [*self.hidden, *ticks, ("decision", decision)]


@dataclass
class Provider:
    """Uniqc as a relying party finds it: through discovery, with a browser of its own."""

    base_url: str
    config: dict[str, Any]
    browser: requests.Session
    sessions: list[requests.Session] = field(default_factory=list)
    # The PKCE verifier of hand-made authorization requests and of `redeem`.
    code_verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    def token_request(
        self, data: dict[str, str], *, auth: tuple[str, str] | None = None, timeout: float = 5
    ) -> requests.Response:
        """A POST to the token endpoint as a program sends it: HTTP Basic `auth`, or none."""
        return requests.post(self.config["token_endpoint"], data=data, auth=auth, timeout=timeout)

    def redeem(
        self, registered: "Registered", code: str, *, timeout: float = 5
    ) -> requests.Response:
        """Exchange an authorization code as `registered`, authenticated with its secret,
        with the PKCE verifier of `authorization_url`."""
        return self.token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": self.code_verifier,
            },
            auth=registered.basic_auth,
            timeout=timeout,
        )

    def sign_in(self, email: str = "alice@example.com", password: str = PASSWORD) -> None:
        """Post the sign-in form, as a person does."""
        login_url = self.base_url + "/compte/connexion/"
        self.browser.get(login_url)
        response = self.browser.post(
            login_url,
            data={
                "csrfmiddlewaretoken": self.browser.cookies["csrftoken"],
                "email": email,
                "password": password,
            },
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text

    def visit(
        self,
        url: str,
        *,
        sign_in_as: str | None = None,
        consent: str | None = "allow",
        untick: tuple[str, ...] = (),
    ) -> Any:
        """Follow redirects on Uniqc; return the redirect that leaves it (or the last page).

        When the provider sends the browser to its sign-in page and `sign_in_as` is given,
        sign in there and carry on. On the consent page, answer `consent` ("allow" or
        "deny") with the claims in `untick` unticked; None stops there.
        """
        response = self.browser.get(url, allow_redirects=False)
        for _ in range(10):
            if response.status_code == 200 and consent is not None:
                form = ConsentForm(response.text)
                if form.found:
                    response = self.browser.post(
                        self.base_url + "/oidc/authorize/consent",
                        data=form.answer(consent, untick),
                        allow_redirects=False,
                    )
                    consent = None
                    continue
            if response.status_code != 302:
                return response
            location = urljoin(url, response.headers["Location"])
            if not location.startswith(self.base_url):
                return location
            parts = urlsplit(location)
            if parts.path == "/compte/connexion/" and sign_in_as is not None:
                next_url = parse_qs(parts.query)["next"][0]
                self.sign_in(sign_in_as)
                location = self.base_url + next_url
                sign_in_as = None
            url = location
            response = self.browser.get(url, allow_redirects=False)
        raise AssertionError("redirect loop")

    def authorization_url(self, registered: "Registered | None", **params: Any) -> str:
        """A hand-made authorization request, for requests a library would refuse to make.

        It carries an S256 challenge of `code_verifier` unless `code_challenge` is given
        (None: no challenge at all)."""
        if registered is not None:
            params.setdefault("client_id", registered.client_id)
        params.setdefault("redirect_uri", REDIRECT_URI)
        if "code_challenge" not in params:
            params["code_challenge"] = create_s256_code_challenge(self.code_verifier)
            params.setdefault("code_challenge_method", "S256")
        params = {name: value for name, value in params.items() if value is not None}
        return self.config["authorization_endpoint"] + "?" + urlencode(params)

    def relying_party(self, registered: "Registered", **kwargs: Any) -> OAuth2Session:
        kwargs.setdefault("scope", "openid")
        kwargs.setdefault("redirect_uri", REDIRECT_URI)
        if registered.client_secret is None:
            kwargs.setdefault("token_endpoint_auth_method", "none")
        session = OAuth2Session(registered.client_id, registered.client_secret, **kwargs)
        self.sessions.append(session)
        return session

    def jwks(self) -> KeySet:
        return KeySet.import_key_set(requests.get(self.config["jwks_uri"], timeout=5).json())

    def id_token_claims(self, id_token: str) -> dict[str, Any]:
        """Claims of an ID token whose signature checks against the published JWKS."""
        token = jwt.decode(id_token, self.jwks(), algorithms=["ES256", "RS256"])
        return token.claims

    def code_flow(
        self,
        registered: "Registered",
        *,
        scope: str = "openid",
        pkce: bool = True,
        sign_in_as: str | None = None,
        untick: tuple[str, ...] = (),
        **params: Any,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Run the authorization code flow for the signed-in browser.

        Returns the token response and the authorization response parameters.
        """
        session_options = {"code_challenge_method": "S256"} if pkce else {}
        session_options.update(
            (name, params.pop(name)) for name in ("token_endpoint_auth_method",) if name in params
        )
        rp = self.relying_party(registered, scope=scope, **session_options)
        verifier = secrets.token_urlsafe(48) if pkce else None
        url, state = rp.create_authorization_url(
            self.config["authorization_endpoint"], code_verifier=verifier, **params
        )
        location = self.visit(url, sign_in_as=sign_in_as, untick=untick)
        assert isinstance(location, str), getattr(location, "text", location)
        response = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert response.get("state") == state, response
        assert "code" in response, response
        token = rp.fetch_token(
            self.config["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier=verifier,
        )
        return dict(token), response


@dataclass
class Registered:
    client_id: str
    client_secret: str | None
    client: Any

    @property
    def basic_auth(self) -> tuple[str, str | None]:
        """Its credentials, for HTTP Basic (client_secret_basic)."""
        return (self.client_id, self.client_secret)


@pytest.fixture
def provider(live_server, settings, monkeypatch) -> Iterator[Provider]:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    settings.SITE_URL = live_server.url
    browser = requests.Session()
    config = browser.get(live_server.url + "/.well-known/openid-configuration").json()
    provider = Provider(base_url=live_server.url, config=config, browser=browser)
    yield provider
    # Idle keep-alive connections hold server threads, and their database connections.
    for session in [browser, *provider.sessions]:
        session.close()


@pytest.fixture
def register() -> Callable[..., Registered]:
    def make(**fields: Any) -> Registered:
        fields.setdefault("name", "Ville de Québec")
        fields.setdefault("redirect_uris", [REDIRECT_URI])
        created = oidc_client_create(**fields)
        return Registered(created.client.client_id, created.client_secret, created.client)

    return make


def query_params(location: str) -> dict[str, str]:
    """The parameters of a redirect to the relying party."""
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


# Direct requests through Django's test client, for what no relying party library shows.


@pytest.fixture
def http() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def confidential():
    created = oidc_client_create(name="Ville de Québec", redirect_uris=["https://rp.example/cb"])
    basic = f"{created.client.client_id}:{created.client_secret}".encode()
    return created.client, "Basic " + base64.b64encode(basic).decode()


def grant_for(client, user, scope: str) -> OidcGrant:
    """A grant as the consent flow leaves it: every claim of the scope released."""
    released = claims_requested(
        scope=scope, claims_request={}, allowed_scopes=set(client.allowed_scopes.split())
    )
    return OidcGrant.objects.create(client=client, user=user, scope=scope, released_claims=released)


def _token_for(model, client, user, scope: str, lifetime: timedelta) -> str:
    """A live token of `model` under a grant of its own; the token itself."""
    token = secrets.token_urlsafe(32)
    model.objects.create(
        token_digest=digest(token),
        grant=grant_for(client, user, scope),
        client=client,
        user=user,
        scope=scope,
        expires_at=timezone.now() + lifetime,
    )
    return token


def access_token_for(client, user, scope: str) -> str:
    return _token_for(OidcAccessToken, client, user, scope, timedelta(hours=1))


def refresh_token_for(client, user, scope: str) -> str:
    return _token_for(OidcRefreshToken, client, user, scope, timedelta(days=1))


def token_post(http: Client, basic: str, body: str):
    return http.post(
        "/oidc/token",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic,
    )


@dataclass
class SectorDocuments:
    """Sector identifier documents by address, as the network would serve them."""

    served: dict[str, bytes] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    def serve(self, address: str, redirect_uris: list[str]) -> str:
        self.served[address] = json.dumps(redirect_uris).encode()
        return address


@pytest.fixture
def sector_documents(monkeypatch) -> SectorDocuments:
    """Fakes the network at the HTTP boundary (the opener identity.oidc.validation builds),
    so the fetch's own checks still run; an address not served is unreachable."""
    documents = SectorDocuments()

    class Opener:
        def open(self, request: urllib.request.Request, timeout: float) -> io.BytesIO:
            documents.fetched.append(request.full_url)
            if request.full_url not in documents.served:
                raise urllib.error.URLError("unreachable")
            return io.BytesIO(documents.served[request.full_url])

    monkeypatch.setattr(validation.urllib.request, "build_opener", lambda *handlers: Opener())
    return documents


@pytest.fixture(autouse=True)
def jwks_fresh() -> None:
    """Each test reads its own keys: the JWKS served from memory (identity.oidc.keys) would
    otherwise show the keys of the test before for up to JWKS_RECHECK_SECONDS."""
    keys.jwks_forget()
