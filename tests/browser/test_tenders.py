"""A sealed bid in Chromium: the representative, signed in with her card, chooses her file
on the call's page; tender-bid.js encrypts it in the browser (the bundle's encryptBid) and
sends only the ciphertext; the page shows the receipt that the public board lists. After
the deadline two of the three officials open the bids (in Python, through the services) and
the file comes back byte for byte."""

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from conftest import csp_violations_watch, person_create
from tests.browser.test_accessibility import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEQ = "1164000018"
CONTENT = "Soumission de Déneigement Capitale inc. — prix forfaitaire 397 000 $".encode()


def _card(person):
    from identity.card.ca import card_certificate_issue
    from identity.card.services import card_register, identity_check_record
    from identity.models import IdentityDocumentType

    registrar = person_create("guichet@example.org", "registrar")
    check = identity_check_record(
        person=person,
        document_type=IdentityDocumentType.DRIVERS_LICENCE,
        document_last4="7K3Q",
        branch="Caisse Desjardins de Limoilou",
        registrar=registrar,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    return card_register(
        person=person,
        certificate=card_certificate_issue(public_key=key.public_key(), user=person),
        identity_check=check,
        registrar=registrar,
    )


def _session_with_card(email: str, card) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    from identity.assurance import SESSION_CARD_ID

    key = session_cookie(email, "high")
    session = SessionStore(session_key=key)
    session[SESSION_CARD_ID] = card.pk
    session.save()
    return key


def test_a_bid_encrypted_in_chromium_opens_after_the_deadline(
    chromium, live_server, card_settings, settings, tmp_path
):
    from civic import tender_crypto as tc
    from civic import tenders as services
    from civic.models import Bid, TenderCall, TenderStatus
    from civic.tests import tender_helpers as helpers

    settings.VAULT_ROOT = tmp_path / "vault"
    creator = helpers.official_make(person_create, "acheteuse@ville.example")
    officials = [
        helpers.official_make(person_create, f"officiel{i}@ville.example") for i in (1, 2, 3)
    ]
    ceremony = helpers.ceremony_run(
        helpers.call_make(creator=creator, officials=officials), officials, creator=creator
    )
    call = ceremony.call
    person = person_create("camille@capitale.example", "shopper", given_name="Camille")
    services.supplier_representative_approve(
        neq=NEQ, legal_name="Déneigement Capitale inc.", person=person, acting_user=creator
    )
    card = _card(person)

    context = chromium.new_context(base_url=live_server.url, locale="fr-CA")
    context.set_default_timeout(20_000)
    violations = csp_violations_watch(context)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": _session_with_card(person.email, card),
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(reverse("civic:tender_detail", args=[call.public_id]))
    bid_file = tmp_path / "soumission.txt"
    bid_file.write_bytes(CONTENT)
    page.set_input_files("#tender-file", str(bid_file))
    page.click("#tender-bid-form button[type=submit]")
    page.wait_for_selector("[data-tender-receipt]:not([hidden])")
    shown_hash = page.inner_text("[data-receipt-hash]").strip()
    bid = Bid.objects.get(call=call)
    assert shown_hash == bid.receipt_hash
    assert page.inner_text("[data-receipt-position]").strip() == "1"
    # The server never saw the file in clear.
    assert CONTENT not in (settings.VAULT_ROOT / bid.blob_name).read_bytes()
    context.close()
    assert violations == []

    helpers.deadline_pass(call)
    assert services.tender_calls_sweep() == 1
    helpers.opening_post(ceremony, 1, officials[0])
    helpers.opening_post(ceremony, 3, officials[2])
    call = TenderCall.objects.get(pk=call.pk)
    assert call.status == TenderStatus.OPENED
    assert tc.verify_tender_record(call.record.record).ok
    assert services.bid_contents(call=call, bid=bid, acting_user=officials[1]) == CONTENT
