"""The "Connected services" page: what each service received, and revoking its access."""

import datetime
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import requests
from authlib.integrations.requests_client import OAuthError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from identity.models import OidcClaimRelease, OidcConsent, OidcGrant
from identity.oidc.claims import CLAIM_LABELS
from identity.oidc.selectors import RELEASE_LOG_LIMIT
from identity.oidc.services import oidc_consent_record
from identity.tests.oidc.conftest import ConsentForm

LIST_URL = reverse("identity:connected_services")
UTC = datetime.UTC
QUEBEC = ZoneInfo("America/Toronto")


def revoke_url(registered) -> str:
    return reverse("identity:connected_service_revoke", args=[registered.client_id])


@dataclass
class Service:
    name: str = ""
    granted: list[str] = field(default_factory=list)
    # One entry per row of the release log: (datetime attribute, claim names).
    releases: list[tuple[str, list[str]]] = field(default_factory=list)
    # When consent was first given and last changed, as datetime attributes.
    consent_times: list[str] = field(default_factory=list)
    caption: str = ""
    revoke_action: str = ""
    revoke_label: str = ""
    htmx_confirm: str = ""
    links: list[str] = field(default_factory=list)


class ServicesPage(HTMLParser):
    """The services on the page as a person reads them, in order."""

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self.services: list[Service] = []
        self.empty = False
        self._text_into: str | None = None
        self._row: tuple[str, list[str]] | None = None
        self.feed(html_text)

    @property
    def names(self) -> list[str]:
        return [service.name for service in self.services]

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "p" and "empty-state" in classes:
            self.empty = True
        if tag == "section" and "connected-service" in classes:
            self.services.append(Service())
        if not self.services:
            return
        current = self.services[-1]
        if tag in ("h2", "caption"):
            self._text_into = tag
        elif tag == "li" and "data-claim" in attributes:
            current.granted.append(attributes["data-claim"] or "")
        elif tag == "tr":
            self._row = ("", [])
        elif tag == "time" and self._row is not None:
            self._row = (attributes["datetime"] or "", self._row[1])
        elif tag == "time":
            current.consent_times.append(attributes["datetime"] or "")
        elif tag == "span" and self._row is not None and "data-claim" in attributes:
            self._row[1].append(attributes["data-claim"] or "")
        elif tag == "a" and attributes.get("href"):
            current.links.append(attributes["href"] or "")
        elif tag == "img":
            current.links.append(attributes.get("src") or "")
        elif tag == "form":
            current.revoke_action = attributes.get("action") or ""
            current.htmx_confirm = attributes.get("hx-confirm") or ""
        elif tag == "button":
            current.revoke_label = attributes.get("aria-label") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == self._text_into:
            self._text_into = None
        if tag == "tr" and self._row is not None:
            if self._row[0]:
                self.services[-1].releases.append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._text_into == "h2":
            self.services[-1].name += data.strip()
        elif self._text_into == "caption":
            self.services[-1].caption += data.strip()


def label(name: str) -> str:
    """A claim's label as the French page shows it."""
    with translation.override("fr"):
        return html.escape(str(CLAIM_LABELS[name]))


def quebec_time(moment: datetime.datetime) -> str:
    """A moment as the page's datetime attributes give it: Québec's wall clock and offset."""
    return moment.astimezone(QUEBEC).strftime("%Y-%m-%dT%H:%M:%S%z")


def consent(user, registered, *granted: str) -> OidcConsent:
    names = list(granted)
    return oidc_consent_record(
        user=user, client=registered.client, claims_asked=names, claims_granted=names
    )


def release(user, registered, claims: list[str], at: datetime.datetime) -> None:
    # The token endpoint writes these; a log of many releases is quicker built here.
    OidcClaimRelease.objects.create(
        user=user, client=registered.client, claims=claims, released_at=at
    )


def asks_consent(provider, registered, scope: str = "openid") -> bool:
    url = provider.authorization_url(registered, response_type="code", scope=scope)
    page = provider.visit(url, consent=None)
    return not isinstance(page, str) and ConsentForm(page.text).found


def browser_post(provider, path: str, data: dict[str, str]) -> requests.Response:
    """Submit a form of the page as the signed-in browser does, CSRF token included."""
    provider.browser.get(provider.base_url + LIST_URL)
    token = provider.browser.cookies["csrftoken"]
    return provider.browser.post(
        provider.base_url + path,
        data={"csrfmiddlewaretoken": token, **data},
        allow_redirects=False,
    )


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return alice


# Through the real flow: a relying party, a browser, the token endpoint.


@pytest.mark.django_db(transaction=True)
def test_page_lists_the_consented_service_its_claims_and_each_release(provider, register, alice):
    registered = register(
        logo_url="https://ville.example/logo.png",
        policy_url="https://ville.example/vie-privee",
        terms_url="https://ville.example/conditions",
    )
    provider.sign_in()
    provider.code_flow(registered, scope="openid email age", untick=("email",))
    provider.code_flow(registered, scope="openid email age")

    response = provider.browser.get(provider.base_url + LIST_URL)

    assert response.status_code == 200
    page = ServicesPage(response.text)
    assert page.names == ["Ville de Québec"]
    service = page.service("Ville de Québec")
    assert service.granted == ["age_over_18", "email_verified"]
    for name in service.granted:
        assert label(name) in response.text
    logged = OidcClaimRelease.objects.filter(user=alice).order_by("-released_at", "-id")
    assert service.releases == [
        (quebec_time(row.released_at), ["email_verified", "age_over_18"]) for row in logged
    ]
    assert len(service.releases) == 2
    assert service.links[:3] == [
        "https://ville.example/logo.png",
        "https://ville.example/vie-privee",
        "https://ville.example/conditions",
    ]
    assert "Ville de Québec" in service.caption
    given = OidcConsent.objects.get(user=alice, client=registered.client)
    assert service.consent_times == [quebec_time(given.created_at), quebec_time(given.updated_at)]
    assert "Ville de Québec" in service.revoke_label


@pytest.mark.django_db(transaction=True)
def test_revoking_ends_consent_and_every_token_in_one_confirmed_step(provider, register, alice):
    registered = register()
    provider.sign_in()
    token, _ = provider.code_flow(registered, scope="openid email")
    path = revoke_url(registered)

    confirmation = browser_post(provider, path, {})
    assert confirmation.status_code == 200
    assert 'name="confirm" value="yes"' in confirmation.text
    assert OidcConsent.objects.filter(user=alice).exists()

    revoked = browser_post(provider, path, {"confirm": "yes"})
    assert revoked.status_code == 302
    assert revoked.headers["Location"] == LIST_URL
    page = provider.browser.get(provider.base_url + LIST_URL)
    assert ServicesPage(page.text).names == []
    assert "Ville de Québec" in page.text  # the confirmation message
    assert not OidcConsent.objects.filter(user=alice).exists()
    assert not OidcGrant.objects.filter(user=alice, revoked_at__isnull=True).exists()
    with pytest.raises(OAuthError, match="invalid_grant"):
        provider.relying_party(registered).refresh_token(
            provider.config["token_endpoint"], refresh_token=token["refresh_token"]
        )
    userinfo = requests.get(
        provider.config["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert userinfo.status_code == 401
    assert asks_consent(provider, registered, scope="openid email")


@pytest.mark.django_db(transaction=True)
def test_revoking_again_finds_the_work_done(provider, register, alice):
    registered = register()
    provider.sign_in()
    provider.code_flow(registered)
    path = revoke_url(registered)
    assert browser_post(provider, path, {"confirm": "yes"}).status_code == 302

    again = browser_post(provider, path, {"confirm": "yes"})

    assert again.status_code == 302
    assert again.headers["Location"] == LIST_URL


@pytest.mark.django_db(transaction=True)
def test_revoking_one_service_leaves_the_others_signed_in(provider, register, alice):
    kept, revoked = register(name="Bibliothèque"), register(name="Ville de Québec")
    provider.sign_in()
    kept_token, _ = provider.code_flow(kept)
    provider.code_flow(revoked)

    browser_post(provider, revoke_url(revoked), {"confirm": "yes"})

    refreshed = provider.relying_party(kept).refresh_token(
        provider.config["token_endpoint"], refresh_token=kept_token["refresh_token"]
    )
    assert "access_token" in refreshed
    assert ServicesPage(provider.browser.get(provider.base_url + LIST_URL).text).names == [
        "Bibliothèque"
    ]


# Through the Django test client.


@pytest.mark.django_db
def test_release_log_is_in_quebec_time_newest_first_and_capped(client, signed_in, register):
    registered = register()
    consent(signed_in, registered, "locale")
    first = datetime.datetime(2025, 1, 15, 17, 30, tzinfo=UTC)
    extra = 3
    for day in range(RELEASE_LOG_LIMIT + extra):
        release(signed_in, registered, ["locale"], first + datetime.timedelta(days=day))

    response = client.get(LIST_URL)

    service = ServicesPage(response.content.decode()).service("Ville de Québec")
    assert len(service.releases) == RELEASE_LOG_LIMIT
    newest = first + datetime.timedelta(days=RELEASE_LOG_LIMIT + extra - 1)
    assert newest.isoformat() == "2025-02-06T17:30:00+00:00"
    assert service.releases[0] == ("2025-02-06T12:30:00-0500", ["locale"])
    assert service.releases[-1][0] == "2025-01-18T12:30:00-0500"
    assert 'class="muted release-log-rest"' in response.content.decode()
    rest = response.content.decode().split("release-log-rest")[1].split("</p>")[0]
    assert re.search(rf"\b{extra}\b", rest), rest


@pytest.mark.django_db
def test_a_release_with_no_claims_says_only_the_identifier_went(client, signed_in, register):
    registered = register()
    consent(signed_in, registered)
    release(signed_in, registered, [], datetime.datetime(2025, 7, 1, 16, 0, tzinfo=UTC))

    service = ServicesPage(client.get(LIST_URL).content.decode()).service("Ville de Québec")

    assert service.granted == []
    assert service.releases == [("2025-07-01T12:00:00-0400", [])]


@pytest.mark.django_db
def test_another_persons_consents_are_never_shown(client, signed_in, register, make_user):
    bob = make_user("bob@example.com", given_name="Bob")
    mine, theirs = register(name="Bibliothèque"), register(name="Clinique")
    consent(signed_in, mine, "email")
    consent(bob, theirs, "phone_number")
    release(bob, theirs, ["phone_number"], datetime.datetime(2025, 3, 1, tzinfo=UTC))
    release(bob, mine, ["email"], datetime.datetime(2025, 3, 2, tzinfo=UTC))

    page = ServicesPage(client.get(LIST_URL).content.decode())

    assert page.names == ["Bibliothèque"]
    assert page.service("Bibliothèque").releases == []


@pytest.mark.django_db
def test_revoking_another_persons_service_is_not_found(client, signed_in, register, make_user):
    bob = make_user("bob@example.com", given_name="Bob")
    theirs = register()
    consent(bob, theirs, "email")

    response = client.post(revoke_url(theirs), {"confirm": "yes"})

    assert response.status_code == 404
    assert OidcConsent.objects.filter(user=bob, client=theirs.client).exists()


@pytest.mark.django_db
def test_revoking_a_service_never_consented_to_is_not_found(client, signed_in, register):
    never = register()

    assert client.post(revoke_url(never), {"confirm": "yes"}).status_code == 404
    assert client.post(revoke_url(never)).status_code == 404


@pytest.mark.django_db
def test_revoking_an_unknown_client_is_not_found(client, signed_in):
    url = reverse("identity:connected_service_revoke", args=["no-such-client"])
    assert client.post(url, {"confirm": "yes"}).status_code == 404


@pytest.mark.django_db
def test_get_on_the_revoke_url_does_not_revoke(client, signed_in, register):
    registered = register()
    consent(signed_in, registered, "email")

    response = client.get(revoke_url(registered), {"confirm": "yes"})

    assert response.status_code == 405
    assert OidcConsent.objects.filter(user=signed_in, client=registered.client).exists()


@pytest.mark.django_db
def test_revoking_needs_the_csrf_token(register, signed_in):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(signed_in)
    registered = register()
    consent(signed_in, registered, "email")

    response = browser.post(revoke_url(registered), {"confirm": "yes"})

    assert response.status_code == 403
    assert OidcConsent.objects.filter(user=signed_in, client=registered.client).exists()


@pytest.mark.django_db
def test_revoking_without_confirmation_only_asks(client, signed_in, register):
    registered = register()
    consent(signed_in, registered, "email")

    response = client.post(revoke_url(registered))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>" in body and "Ville de Québec" in body
    assert f'action="{revoke_url(registered)}"' in body
    assert OidcConsent.objects.filter(user=signed_in, client=registered.client).exists()


@pytest.mark.django_db
def test_revoking_by_htmx_returns_the_updated_list(client, signed_in, register):
    kept, revoked = register(name="Bibliothèque"), register(name="Ville de Québec")
    consent(signed_in, kept, "email")
    consent(signed_in, revoked, "email")
    page = ServicesPage(client.get(LIST_URL).content.decode())
    form = page.service("Ville de Québec")
    assert form.revoke_action == revoke_url(revoked)
    assert "Ville de Québec" in form.htmx_confirm

    response = client.post(revoke_url(revoked), {"confirm": "yes"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="connected-services"' in body
    assert 'role="status"' in body and "Ville de Québec" in body
    assert ServicesPage(body).names == ["Bibliothèque"]
    assert "HX-Request" in response["Vary"]
    assert not OidcConsent.objects.filter(user=signed_in, client=revoked.client).exists()


@pytest.mark.django_db
def test_revoking_the_last_service_by_htmx_shows_the_empty_state(client, signed_in, register):
    registered = register()
    consent(signed_in, registered, "email")

    response = client.post(revoke_url(registered), {"confirm": "yes"}, HTTP_HX_REQUEST="true")

    assert ServicesPage(response.content.decode()).empty


@pytest.mark.django_db
def test_empty_state_when_no_service_is_connected(client, signed_in):
    response = client.get(LIST_URL)

    assert response.status_code == 200
    page = ServicesPage(response.content.decode())
    assert page.empty
    assert page.names == []


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, register, alice):
    registered = register()
    consent(alice, registered, "email")
    login = reverse("identity:login")

    listing = client.get(LIST_URL)
    revoking = client.post(revoke_url(registered), {"confirm": "yes"})

    assert listing.status_code == 302
    assert listing.url == f"{login}?next={LIST_URL}"
    assert revoking.status_code == 302
    assert revoking.url == f"{login}?next={LIST_URL}"
    assert OidcConsent.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_profile_links_to_connected_services(client, signed_in):
    body = client.get(reverse("identity:profile")).content.decode()
    assert f'href="{LIST_URL}"' in body


@pytest.mark.django_db
def test_query_count_does_not_grow_with_services_or_releases(
    client, signed_in, register, django_assert_max_num_queries
):
    def page_queries(services: int) -> int:
        OidcConsent.objects.filter(user=signed_in).delete()
        for number in range(services):
            registered = register(
                name=f"Service {services}-{number}", logo_url="https://s.example/logo.png"
            )
            consent(signed_in, registered, "email", "locale")
            for day in range(RELEASE_LOG_LIMIT + 2):
                at = datetime.datetime(2025, 1, 1, tzinfo=UTC) + datetime.timedelta(days=day)
                release(signed_in, registered, ["email", "locale"], at)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST_URL)
        assert len(ServicesPage(response.content.decode()).names) == services
        return len(queries)

    one, five = page_queries(1), page_queries(5)
    assert one == five
    with django_assert_max_num_queries(5):
        client.get(LIST_URL)
