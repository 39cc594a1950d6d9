"""The city's example service asks a citizen to sign a permit application with their card,
end to end, in Chromium and nothing faked on the card's side: the city makes the PDF and
creates the signature request with its own client credentials over HTTP; the citizen signs
on Uniqc's signing page through the agent's bridge, pcscd and the virtual card's slot 9C;
Uniqc's signed webhook reaches the city, which downloads the signed PDF; the PDF validates
at PAdES B-LT.

The example (examples/city_services) runs as its own process against Uniqc's live server,
by the loopback address the bridge's origins name (test_card_sign_in's `site`)."""

import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone

from identity.models import OidcClient, SignatureRequest, SignatureRequestStatus
from identity.oidc.claims import SCOPE_PERMISSIONS
from identity.oidc.services import oidc_client_create, oidc_client_update
from identity.signing.services import signature_requests_expire
from identity.signing.verification import signatures_verify
from identity.webhooks import client_webhook_endpoint_set
from tests.browser import test_card_sign_in as card_tests
from tests.browser.test_card_sign_in import PIN, PROFILE, card_sign_in, french
from tests.browser.test_city_services import (
    EXAMPLE_DIR,
    _free_port,
    _wait_until_answering,
    make_citizen,
    sign_in_through_uniqc,
)

# The card sign-in test's fixtures: the site by its loopback address, a French page, the
# test CA, and a card issued through the agent with both slots.
site = card_tests.site
page = card_tests.page
card_settings = card_tests.card_settings
issued = card_tests.issued

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city_app(site, card_settings, tmp_path, settings) -> Iterator[tuple[str, OidcClient]]:
    """The example app registered with Uniqc (issuer: `site`), allowed to ask for
    signatures, with its webhook endpoint; yields its URL and its client."""
    settings.VAULT_ROOT = tmp_path / "vault"
    cache.clear()  # sign-in rate limits live in the cache
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    created = oidc_client_create(
        name="Ville de Québec · Voirie",
        redirect_uris=[f"{base_url}/auth/callback"],
        post_logout_redirect_uris=[f"{base_url}/"],
        allowed_scopes="openid age locale signature_requests",
    )
    _endpoint, webhook_secret = client_webhook_endpoint_set(
        client=created.client, url=f"{base_url}/uniqc/webhooks", enabled=True, acting_user=None
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "city_site.settings",
        "UNIQC_ISSUER": site,
        "CITY_BASE_URL": base_url,
        "CITY_CLIENT_ID": created.client.client_id,
        "CITY_CLIENT_SECRET": created.client_secret,
        "CITY_WEBHOOK_SECRET": webhook_secret,
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
        yield base_url, created.client
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _city_sign_in(page, city_url: str) -> list[str]:
    """Signed in on Uniqc with the card, the citizen signs in to the city and allows;
    returns the permissions the consent page listed."""
    card_sign_in(page, PIN)
    page.wait_for_url(lambda url: urlsplit(url).path == PROFILE)
    page.goto(city_url + "/")
    page.locator("main a#sign-in").click()
    consent = page.locator("form#oidc-consent")
    consent.wait_for()
    permissions = consent.locator("ul.permissions li").all_inner_texts()
    consent.locator("button[name=decision][value=allow]").click()
    page.wait_for_url(city_url + "/")
    return permissions


def _apply(page, city_url: str):
    page.locator("a#my-permits-link").click()
    page.wait_for_url(city_url + "/permis/")
    form = page.locator("form#permit-form")
    form.locator("input[name=address]").fill("1200, boulevard Charest Ouest, Québec")
    moving_day = timezone.localdate() + datetime.timedelta(days=14)
    form.locator("input[name=starts_on]").fill(moving_day.isoformat())
    form.locator("input[name=ends_on]").fill((moving_day + datetime.timedelta(days=1)).isoformat())
    form.locator("button[type=submit]").click()
    row = page.locator("table#my-permits tbody tr[data-permit]")
    row.wait_for()
    return row


def test_a_permit_application_signed_with_the_card_reaches_the_city_signed(
    page, issued, bridge, city_app
):
    city_url, _client = city_app
    # The consent page asked whether the city may ask for signatures with the card.
    assert _city_sign_in(page, city_url) == [french(SCOPE_PERMISSIONS["signature_requests"])]

    # The city makes the application's PDF and asks Uniqc for the citizen's signature.
    row = _apply(page, city_url)
    assert row.get_attribute("data-permit") == "PERMIS-000001"
    assert row.get_attribute("data-status") == "to_sign"
    request = SignatureRequest.objects.get()
    assert request.person == issued.person
    assert request.status == SignatureRequestStatus.PENDING
    assert request.title.endswith("PERMIS-000001")

    # The citizen follows the link and signs on Uniqc with the card (slot 9C, PIN on the page).
    row.locator("a.sign-link").click()
    page.wait_for_url(f"**/coffre/signatures/{request.public_id}/")
    page.locator("#signing-pin").wait_for()  # the bridge answered pinEntry "page"
    page.fill("#signing-pin", PIN)
    page.click("#signing-submit")
    page.wait_for_url("**/coffre/documents/**", timeout=60_000)
    request.refresh_from_db()
    assert request.status == SignatureRequestStatus.SIGNED

    # Uniqc's signed webhook reached the city, which fetched the signed PDF.
    page.goto(city_url + "/permis/")
    row = page.locator("table#my-permits tbody tr[data-permit]")
    assert row.get_attribute("data-status") == "signed"
    # It had Uniqc verify the PDF it received: valid, and signed by this citizen (its sub).
    check = row.locator(".signature-check")
    assert check.get_attribute("data-signature") == "valid"
    assert "valide (B-LT)" in check.inner_text()
    link = row.locator("a.signed-pdf").get_attribute("href")
    answer = page.request.get(city_url + link)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    signed = answer.body()
    # Playwright's event loop runs in this thread; pyHanko's validation runs its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        reports = pool.submit(signatures_verify, pdf=signed, client=request.client).result()
    assert len(reports) == 1
    assert reports[0].valid
    assert reports[0].level == "B-LT"
    assert reports[0].card.serial == issued.card.signing_serial_number
    # The city's copy is the application it made, signed: its text is in the signed revision.
    assert b"PERMIS-000001" in signed


def test_a_declined_application_shows_declined_at_the_city(page, issued, bridge, city_app):
    city_url, _client = city_app
    _city_sign_in(page, city_url)
    row = _apply(page, city_url)
    row.locator("a.sign-link").click()
    request = SignatureRequest.objects.get()
    page.wait_for_url(f"**/coffre/signatures/{request.public_id}/")
    page.click("#signing-decline")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        request.refresh_from_db()
        if request.status == SignatureRequestStatus.DECLINED:
            break
        time.sleep(0.2)
    assert request.status == SignatureRequestStatus.DECLINED
    page.goto(city_url + "/permis/")
    row = page.locator("table#my-permits tbody tr[data-permit]")
    assert row.get_attribute("data-status") == "declined"


def test_an_application_left_unsigned_shows_expired_at_the_city(page, site, city_app):
    city_url, _client = city_app
    citizen = make_citizen("camille@example.com")
    sign_in_through_uniqc(page, city_url=city_url, uniqc=site, email=citizen.email)
    row = _apply(page, city_url)
    assert row.get_attribute("data-status") == "to_sign"
    request = SignatureRequest.objects.get()

    # A week later Uniqc's beat task closes it and tells the city.
    assert signature_requests_expire(now=request.expires_at) == 1
    page.reload()
    row = page.locator("table#my-permits tbody tr[data-permit]")
    assert row.get_attribute("data-status") == "expired"
    assert row.locator("a.sign-link").count() == 0


def test_a_citizen_who_never_allowed_signatures_is_told_and_can_send_again(page, site, city_app):
    city_url, client = city_app
    # The citizen signed in while the city was not yet allowed to ask for signatures.
    scopes = client.allowed_scopes
    oidc_client_update(client=client, acting_user=None, allowed_scopes="openid age locale")
    citizen = make_citizen("camille@example.com")
    sign_in_through_uniqc(page, city_url=city_url, uniqc=site, email=citizen.email)
    oidc_client_update(client=client, acting_user=None, allowed_scopes=scopes)

    # Uniqc answers 403 consent_missing: the application waits, and the page says why.
    row = _apply(page, city_url)
    assert row.get_attribute("data-status") == "draft"
    assert "vous n’avez pas permis à ce service" in page.get_by_role("status").inner_text()
    assert SignatureRequest.objects.count() == 0
    assert row.locator("a.application-pdf").count() == 1


def test_the_city_refuses_a_signature_webhook_it_cannot_verify(city_app):
    city_app, _client = city_app
    body = json.dumps(
        {
            "created": 1,
            "data": {"id": "x", "signed_at": "2026-12-01T14:00:03+00:00"},
            "id": "evt_x",
            "type": "signature_request.signed",
        }
    ).encode()
    for header in ("", "t=1,v1=00", f"t={int(time.time())},v1={'0' * 64}"):
        answer = requests.post(
            f"{city_app}/uniqc/webhooks",
            data=body,
            headers={"Uniqc-Signature": header, "Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 400
