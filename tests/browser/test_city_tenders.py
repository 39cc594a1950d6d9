"""The city's example service lists its calls for tenders as Uniqc publishes them and, for
an opened call, downloads the public opening record and shows its summary: end to end, in
Chromium, the example running as its own process against Uniqc's live server.

The opened call's record is the whole record of docs/tender-vectors.json (section 10 of
docs/tender-record.md): 4 bids, the first superseded, 2 opened, 1 unopenable."""

import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from civic.models import TenderCall, TenderRecord, TenderStatus
from identity.oidc.services import oidc_client_create
from tests.browser import test_city_services as city_services
from tests.browser.test_city_services import (
    EXAMPLE_DIR,
    _free_port,
    _wait_until_answering,
    make_citizen,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

uniqc = city_services.uniqc
page = city_services.page

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "tender-vectors.json"


def _call(*, reference: str, status: str, record: dict, author) -> TenderCall:
    manifest = {**record["manifest"], "reference": reference}
    call = TenderCall.objects.create(
        reference=reference,
        title=manifest["title"],
        deadline=timezone.now() - datetime.timedelta(days=1),
        threshold=manifest["threshold"],
        status=status,
        manifest=manifest,
        fingerprint=record["fingerprint"],
        public_key=record["public_key"],
        created_by=author,
    )
    if status == TenderStatus.OPENED:
        TenderRecord.objects.create(call=call, record=record)
    return call


@pytest.fixture
def calls() -> tuple[TenderCall, TenderCall]:
    record = json.loads(VECTORS.read_text())["record"]
    author = make_citizen("achats@example.com")
    opened = _call(
        reference="VQ-2027-001", status=TenderStatus.OPENED, record=record, author=author
    )
    still_open = _call(
        reference="VQ-2027-002", status=TenderStatus.OPEN, record=record, author=author
    )
    return opened, still_open


@pytest.fixture
def city_app(uniqc, calls, tmp_path) -> Iterator[str]:
    """The example app following both calls; yields its URL."""
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
        "CITY_TENDER_CALLS": ",".join(str(call.public_id) for call in calls),
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
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_the_city_lists_its_calls_and_summarises_an_opened_calls_record(
    page, uniqc, city_app, calls
):
    opened, still_open = calls
    page.goto(city_app + "/")
    page.locator("a#tenders-link").click()
    rows = page.locator("table#tenders tbody tr[data-call]")
    assert rows.count() == 2
    first = page.locator(f"tr[data-call='{opened.public_id}']")
    assert first.get_attribute("data-status") == "opened"
    assert "VQ-2027-001" in first.inner_text()
    second = page.locator(f"tr[data-call='{still_open.public_id}']")
    assert second.get_attribute("data-status") == "open"
    assert second.locator("a.opening-link").count() == 0

    first.locator("a.opening-link").click()
    page.locator("#opening-summary").wait_for()
    assert page.locator("#record-bids").inner_text() == "4"
    assert page.locator("#record-live").inner_text() == "3"
    assert page.locator("#record-opened").inner_text() == "2"
    assert page.locator("#record-unopenable").inner_text() == "1"
    assert page.locator("#record-officials").inner_text() == "2 sur 3 (2 nécessaires)"
    assert page.locator("#record-checkpoints tbody tr").count() == 5
    assert page.locator("#record-checkpoints tbody tr[data-final]").count() == 1
    # The page reads the record; it says that it does not check the proofs, and how to.
    assert page.locator("#record-not-verified").is_visible()
    assert "python -m civic.verify_tender" in page.content()
    download = page.locator("a#record-download").get_attribute("href")
    assert download == f"{uniqc}/ville/appels-d-offres/{opened.public_id}/dossier.json"
    assert requests.get(download, timeout=10).json() == opened.record.record


def test_a_call_the_city_does_not_follow_or_not_opened_shows_no_record(uniqc, city_app, calls):
    _opened, still_open = calls
    answer = requests.get(f"{city_app}/appels-d-offres/{still_open.public_id}/", timeout=10)
    assert answer.status_code == 200
    assert "opening-summary" not in answer.text
    stranger = "5b0a8c1e-7d2f-4e61-9a3b-2c4d6e8f0a1b"
    assert requests.get(f"{city_app}/appels-d-offres/{stranger}/", timeout=10).status_code == 404
