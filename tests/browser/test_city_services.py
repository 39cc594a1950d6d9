"""The city's example service signs a citizen in with Uniqc, end to end, in Chromium.

The example (examples/city_services) runs as its own process, with its own database,
and talks to Uniqc (live_server) only over HTTP, through Authlib's OIDC client.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page

from conftest import csp_violations_watch
from identity.oidc.services import oidc_client_create
from identity.services import user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "city_services"
PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the example app exited with status {process.returncode}")
        try:
            requests.get(url, timeout=1)
        except requests.ConnectionError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"the example app did not answer at {url} within {timeout} s")


@pytest.fixture
def uniqc(live_server, settings) -> str:
    """Uniqc's issuer: the live server, as discovery and ID tokens name it."""
    settings.SITE_URL = live_server.url
    cache.clear()  # sign-in rate limits live in the cache
    return live_server.url


@pytest.fixture
def city_app(uniqc, tmp_path) -> Iterator[tuple[str, str]]:
    """The example app registered with Uniqc and serving; yields (its URL, its client_id)."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    created = oidc_client_create(
        name="Ville de Québec · Voirie",
        redirect_uris=[f"{base_url}/auth/callback"],
        post_logout_redirect_uris=[f"{base_url}/"],
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "city_site.settings",
        "UNIQC_ISSUER": uniqc,
        "CITY_BASE_URL": base_url,
        "CITY_CLIENT_ID": created.client.client_id,
        "CITY_CLIENT_SECRET": created.client_secret,
        "CITY_SECRET_KEY": "city-services-test-key-" + "x" * 40,
        "CITY_DATA_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v0"], cwd=EXAMPLE_DIR, env=env, check=True, timeout=60
    )
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=EXAMPLE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_answering(base_url + "/", server)
        yield base_url, created.client.client_id
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def page(chromium) -> Iterator[Page]:
    """A fresh French-speaking browser, with no cookie for either site."""
    context = chromium.new_context(locale="fr-CA")
    context.set_default_timeout(15_000)
    violations = csp_violations_watch(context)
    yield context.new_page()
    context.close()
    assert violations == []


def make_citizen(email: str, **fields: Any) -> Any:
    fields.setdefault("given_name", "Camille")
    fields.setdefault("family_name", "Gagnon")
    return user_create(email=email, password=PASSWORD, email_verified=True, **fields)


def sign_in_through_uniqc(page: Page, *, city_url: str, uniqc: str, email: str) -> list[str]:
    """From the example's home page, sign in on Uniqc and allow; return the claims asked."""
    page.goto(city_url + "/")
    page.locator("main a#sign-in").click()

    page.wait_for_url(f"{uniqc}/compte/connexion/**")
    # The password is the fallback, folded away below the passkey and the card.
    page.locator("#sign-in-password summary").click()
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")

    consent = page.locator("form#oidc-consent")
    consent.wait_for()
    boxes = consent.locator("input[type=checkbox][name=claim]")
    asked = sorted(boxes.evaluate_all("boxes => boxes.map(box => box.value)"))
    consent.locator("button[name=decision][value=allow]").click()
    page.wait_for_url(city_url + "/")
    return asked


def test_citizen_signs_in_reports_a_pothole_and_signs_out(page, uniqc, city_app):
    city_url, _client_id = city_app
    citizen = make_citizen("camille@example.com", birth_date=date(1990, 5, 17))

    page.goto(city_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    asked = sign_in_through_uniqc(page, city_url=city_url, uniqc=uniqc, email=citizen.email)
    # Uniqc's consent page listed exactly what the service asked for.
    assert asked == ["age_over_18", "locale"]

    # Signed in: a pairwise identifier, not the person's public id, and nothing else.
    sub = page.locator("#citizen-sub").inner_text().strip()
    assert sub
    assert sub != str(citizen.public_id)
    assert citizen.email not in page.content()
    assert citizen.given_name not in page.content()
    assert page.locator("#citizen-age").inner_text().strip() == "18 ans ou plus"
    assert page.locator("#citizen-locale").inner_text().strip() == "fr-CA"
    assert page.get_by_text("Identifiant Uniqc pour ce service").is_visible()

    # File a report; it is listed under the citizen's reports.
    page.locator("a#report-new").click()
    form = page.locator("form#report-form")
    form.locator("select[name=category]").select_option("pothole")
    form.locator("input[name=address]").fill("1200, boulevard Charest Ouest, Québec")
    form.locator("input[name=latitude]").fill("46.811900")
    form.locator("input[name=longitude]").fill("-71.233500")
    form.locator("textarea[name=description]").fill("Nid-de-poule profond, voie de droite.")
    form.locator("button[type=submit]").click()
    page.wait_for_url(city_url + "/")
    reports = page.locator("table#my-reports tbody tr")
    assert reports.count() == 1
    row = reports.first.inner_text()
    assert "V-000001" in row
    assert "Nid-de-poule" in row
    assert "boulevard Charest Ouest" in row

    # Sign out through Uniqc's RP-initiated logout, and land back here signed out.
    page.locator("button#sign-out").click()
    status = page.get_by_role("status")
    status.wait_for()
    assert "Votre session est terminée, ici et sur Uniqc." in status.inner_text()
    assert page.url == city_url + "/"
    assert page.locator("#citizen-sub").count() == 0
    # Uniqc's session ended too: signing in again asks for a passkey, a card or the password again.
    page.locator("main a#sign-in").click()
    page.wait_for_url(f"{uniqc}/compte/connexion/**")
    assert page.locator("#passkey-sign-in").is_visible()
    page.locator("#sign-in-password summary").click()
    assert page.locator("input[name=password]").is_visible()
    # Consent is remembered: the sign-in form's answer redirects through the authorization
    # endpoint straight to the service, which the sign-in page's form-action allows.
    page.locator("input[name=email]").fill(citizen.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(city_url + "/")
    assert page.locator("#citizen-sub").inner_text().strip() == sub


def test_minor_is_served_in_their_language_and_cannot_file_a_claim(page, uniqc, city_app):
    city_url, _client_id = city_app
    today = timezone.localdate()
    minor = make_citizen(
        "jeune@example.com",
        birth_date=today.replace(year=today.year - 16, day=1),
        preferred_language="en",
    )
    sign_in_through_uniqc(page, city_url=city_url, uniqc=uniqc, email=minor.email)

    # The browser asks for French; the `locale` claim says English, and wins.
    assert page.locator("html").get_attribute("lang") == "en-CA"
    assert page.locator("#citizen-age").inner_text().strip() == "under 18"

    page.locator("a#report-new").click()
    form = page.locator("form#report-form")
    form.locator("select[name=category]").select_option("vehicle_damage")
    form.locator("input[name=address]").fill("Rue Saint-Jean at Rue Racine")
    form.locator("textarea[name=description]").fill("A pothole broke my bicycle wheel.")
    form.locator("button[type=submit]").click()

    error = page.locator("#id_category_error")
    error.wait_for()
    assert "18 or older" in error.inner_text()
    assert page.locator("select[name=category]").get_attribute("aria-invalid") == "true"
    page.goto(city_url + "/")
    assert page.locator("table#my-reports tbody tr").inner_text().strip() == (
        "You have not reported anything yet."
    )
