"""A PDF signed through the whole stack in Chromium, nothing faked: the signing page ->
the agent's bridge (GET /signing-certificate, POST /sign-document) -> pyscard -> pcscd ->
vpcd -> the virtual card's slot 9C -> back to the server, which timestamps, adds its OCSP
answers and stores the signed PDF in the person's safe. The result validates at PAdES
B-LT from its own DSS, and the verification page says so.

The card is issued as in test_card_sign_in.py (both slots), the person signs in with it,
and the bridge takes the PIN on the page (the only mode a browser alone can drive).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from identity.models import SignatureRequestStatus
from identity.signing.services import signature_request_own_create
from identity.signing.verification import signatures_verify
from identity.tests.signing.pdfs import pdf_make
from identity.vault.services import _document_decrypt
from tests.browser import test_card_sign_in as card_tests
from tests.browser.test_card_sign_in import PIN, card_sign_in

# The card sign-in test's fixtures: the site by its loopback address, a French page, the
# test CA, and a card issued through the agent with both slots.
site = card_tests.site
page = card_tests.page
card_settings = card_tests.card_settings
issued = card_tests.issued

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vault_root(settings, tmp_path):
    settings.VAULT_ROOT = tmp_path / "vault"


def test_a_pdf_signed_with_the_card_validates_at_b_lt(page, issued, bridge, vault_root):
    request = signature_request_own_create(
        person=issued.person, pdf=pdf_make(3), title="Bail de logement"
    )
    sign_url = f"/coffre/signatures/{request.public_id}/"
    card_sign_in(page, PIN, next_url=sign_url)
    page.wait_for_url(f"**{sign_url}")
    page.locator("#signing-pin").wait_for()  # the bridge answered pinEntry "page"
    page.check("#signing-disclose")
    page.fill("#signing-pin", PIN)
    page.click("#signing-submit")
    page.wait_for_url("**/coffre/documents/**", timeout=60_000)

    request.refresh_from_db()
    assert request.status == SignatureRequestStatus.SIGNED
    assert request.card == issued.card
    assert request.disclose_name is True
    signed = _document_decrypt(request.signed_document)
    # Playwright's event loop runs in this thread; pyHanko's validation runs its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(signatures_verify, pdf=signed, client=None).result()[0]
    assert report.valid
    assert report.level == "B-LT"
    assert report.card.serial == issued.card.signing_serial_number
    assert report.signer == {"name": "Marie Gagnon"}

    page.goto("/signatures/verifier/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "bail.pdf", "mimeType": "application/pdf", "buffer": signed}],
    )
    page.click("#verify-form button[type=submit]")
    results = page.locator("#verify-results")
    results.wait_for()
    assert "Marie Gagnon" in results.text_content()
    assert "B-LT" in results.text_content()


def test_a_wrong_pin_signs_nothing(page, issued, bridge, vault_root):
    request = signature_request_own_create(person=issued.person, pdf=pdf_make(), title="Bail")
    sign_url = f"/coffre/signatures/{request.public_id}/"
    card_sign_in(page, PIN, next_url=sign_url)
    page.wait_for_url(f"**{sign_url}")
    page.locator("#signing-pin").wait_for()
    page.fill("#signing-pin", "11112222")
    page.click("#signing-submit")
    page.locator("#signing-progress.error").wait_for()
    request.refresh_from_db()
    assert request.status == SignatureRequestStatus.PENDING
