"""A person pays a city's payable through the pages and the offline gateway: found by its
reference and code, paid once whatever is clicked or replayed, the receipt in their vault,
the amount transferred to the city, and the city told by a signed webhook it can verify
with docs/store-webhooks.md's code alone."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civic.models import Payable, PayableStatus
from civic.payables import payable_cancel, payable_payment_start, payable_payment_succeeded
from civic.tests.conftest import PASSWORD, TICKET
from identity.models import ClientWebhookDelivery, VaultDocument, VaultDocumentKind
from identity.oidc.subjects import subject_for
from identity.vault.services import vault_document_open
from identity.webhooks import client_webhook_endpoint_set
from marketplace.gateways import GatewayEvent
from marketplace.tests.webhook_receiver import Receiver, verify

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}
DECLINED = {**CARD, "card_number": "4000 0000 0000 0002"}


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def hooked(city, receiver):
    """The city listens for its webhooks; `city.webhook_secret` checks them."""
    _endpoint, secret = client_webhook_endpoint_set(
        client=city.client, url=receiver.url, enabled=True, acting_user=None
    )
    city.webhook_secret = secret
    return city


@pytest.fixture
def ticket(city):
    return city.create(TICKET).json()


def _browser(person) -> Client:
    browser = Client()
    assert browser.login(username=person.email, password=PASSWORD)
    browser.cookies["django_language"] = "en"
    return browser


def _pay(browser: Client, payable_id: str, card: dict = CARD):
    start = browser.post(f"/ville/paiements/{payable_id}/")
    assert start.status_code == 302, start.content
    assert start["Location"] == f"/ville/paiements/{payable_id}/payer"
    return browser.post(start["Location"], card)


def _paid_events(receiver) -> list[dict]:
    return [
        json.loads(r.body)
        for r in receiver.received
        if json.loads(r.body)["type"] == "payable.paid"
    ]


def test_a_person_finds_a_payable_by_its_reference_and_code(alice, ticket):
    browser = _browser(alice)
    page = browser.get("/ville/paiements/")
    assert page.status_code == 200
    found = browser.post(
        "/ville/paiements/",
        {"reference": TICKET["reference"], "payment_code": ticket["payment_code"].lower()},
    )
    assert found.status_code == 302
    assert found["Location"] == f"/ville/paiements/{ticket['id']}/"
    page = browser.get(found["Location"])
    assert page.status_code == 200
    assert b"75.00" in page.content and b"Ville de Qu" in page.content


def test_a_wrong_code_finds_nothing(alice, ticket):
    response = Client().post(
        "/ville/paiements/", {"reference": TICKET["reference"], "payment_code": "AAAA-BBBB-CCCC"}
    )
    assert response.status_code == 400


def test_guessing_codes_is_slowed_down(ticket, settings):
    guesser = Client()
    statuses = [
        guesser.post(
            "/ville/paiements/",
            {"reference": TICKET["reference"], "payment_code": f"AAAA-BBBB-{n:04d}"},
        ).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_the_payable_page_needs_a_sign_in(ticket):
    response = Client().get(f"/ville/paiements/{ticket['id']}/")
    assert response.status_code == 302
    assert "/compte/" in response["Location"] or "login" in response["Location"]


def test_paying_settles_once_with_a_receipt_a_transfer_and_a_webhook(
    alice, hooked, ticket, receiver, django_capture_on_commit_callbacks
):
    browser = _browser(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = _pay(browser, ticket["id"])
    assert response.status_code == 302
    payable = Payable.objects.get()
    assert payable.status == PayableStatus.PAID
    assert payable.paid_by == alice
    assert payable.paid_at is not None
    assert payable.transfer_id.startswith("tr_")
    # The receipt, in alice's vault, kept six years, from the city.
    receipt = payable.receipt
    assert receipt.owner == alice
    assert receipt.kind == VaultDocumentKind.RECEIPT
    assert receipt.source_client == hooked.client
    assert receipt.source_app == "civic"
    assert receipt.keep_until - timezone.now() > timedelta(days=6 * 365)
    pdf = vault_document_open(document=receipt, actor_user=alice)
    assert pdf.startswith(b"%PDF")
    # The city hears of it, signed as docs/store-webhooks.md says.
    [event] = _paid_events(receiver)
    got = next(r for r in receiver.received if json.loads(r.body)["type"] == "payable.paid")
    assert verify(got.headers["Uniqc-Signature"], got.body, hooked.webhook_secret)
    assert event["data"] == {
        "id": ticket["id"],
        "reference": TICKET["reference"],
        "amount": "75.00",
        "paid_at": payable.paid_at.isoformat(),
    }
    page = browser.get(f"/ville/paiements/{ticket['id']}/")
    assert page.status_code == 200
    assert b'data-payable-status="paid"' in page.content


def test_the_payer_sub_goes_to_the_city_only_with_the_permission(
    consented, hooked, ticket, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _pay(_browser(consented), ticket["id"])
    [event] = _paid_events(receiver)
    assert event["data"]["payer_sub"] == subject_for(user=consented, client=hooked.client)


def test_double_clicks_make_one_payment(alice, ticket, django_capture_on_commit_callbacks):
    browser = _browser(alice)
    browser.post(f"/ville/paiements/{ticket['id']}/")
    intent = Payable.objects.get().intent_id
    browser.post(f"/ville/paiements/{ticket['id']}/")
    assert Payable.objects.get().intent_id == intent
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/ville/paiements/{ticket['id']}/payer", CARD)
        again = browser.post(f"/ville/paiements/{ticket['id']}/payer", CARD)
    assert again.status_code == 409
    assert VaultDocument.objects.count() == 1


def test_a_replayed_gateway_event_settles_once(
    alice, hooked, ticket, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _pay(_browser(alice), ticket["id"])
    payable = Payable.objects.get()
    event = GatewayEvent(
        event_id="evt_replayed",
        event_type="payment_intent.succeeded",
        created=0,
        intent_id=payable.intent_id,
        charge_id="ch_other",
        gateway=payable.gateway,
        amount=payable.amount,
        currency="CAD",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert payable_payment_succeeded(sender=GatewayEvent, event=event) is True
        assert payable_payment_succeeded(sender=GatewayEvent, event=event) is True
    assert VaultDocument.objects.count() == 1
    assert ClientWebhookDelivery.objects.filter(event_type="payable.paid").count() == 1
    assert len(_paid_events(receiver)) == 1
    assert Payable.objects.get().charge_id == payable.charge_id


def test_another_intent_is_not_a_payable(alice, ticket):
    event = GatewayEvent(
        event_id="evt_x", event_type="payment_intent.succeeded", created=0, intent_id="pi_other"
    )
    assert payable_payment_succeeded(sender=GatewayEvent, event=event) is False


def test_a_wrong_amount_does_not_settle(alice, ticket):
    payable = payable_payment_start(payable=Payable.objects.get(), acting_user=alice)
    event = GatewayEvent(
        event_id="evt_short",
        event_type="payment_intent.succeeded",
        created=0,
        intent_id=payable.intent_id,
        gateway=payable.gateway,
        amount=payable.amount - 1,
        currency="CAD",
    )
    assert payable_payment_succeeded(sender=GatewayEvent, event=event) is True
    assert Payable.objects.get().status == PayableStatus.OPEN


def test_a_declined_card_leaves_it_open_then_it_is_paid(
    alice, ticket, django_capture_on_commit_callbacks
):
    browser = _browser(alice)
    _pay(browser, ticket["id"], DECLINED)
    assert Payable.objects.get().status == PayableStatus.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/ville/paiements/{ticket['id']}/payer", CARD)
    assert Payable.objects.get().status == PayableStatus.PAID


def test_someone_else_cannot_pay_what_another_started(alice, bob, ticket):
    _browser(alice).post(f"/ville/paiements/{ticket['id']}/")
    browser = _browser(bob)
    page = browser.get(f"/ville/paiements/{ticket['id']}/")
    assert page.status_code == 200
    assert b"data-payable-pay" not in page.content
    browser.post(f"/ville/paiements/{ticket['id']}/")
    assert Payable.objects.get().paid_by == alice


def test_a_paid_payable_is_hidden_from_others(
    alice, bob, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _pay(_browser(alice), ticket["id"])
    assert _browser(bob).get(f"/ville/paiements/{ticket['id']}/").status_code == 404


def test_a_payable_addressed_to_someone_is_hidden_from_others(city, consented, bob):
    sub = subject_for(user=consented, client=city.client)
    created = city.create({**TICKET, "sub": sub}).json()
    assert _browser(bob).get(f"/ville/paiements/{created['id']}/").status_code == 404
    assert _browser(consented).get(f"/ville/paiements/{created['id']}/").status_code == 200


def test_cancelling_an_open_payable_tells_the_city(
    hooked, ticket, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        hooked.cancel(ticket["id"])
    [got] = receiver.received
    assert verify(got.headers["Uniqc-Signature"], got.body, hooked.webhook_secret)
    assert json.loads(got.body)["type"] == "payable.cancelled"


def test_a_cancelled_payable_cannot_be_paid(alice, city, ticket):
    city.cancel(ticket["id"])
    browser = _browser(alice)
    response = browser.post(f"/ville/paiements/{ticket['id']}/")
    assert response.status_code == 302
    assert Payable.objects.get().intent_id == ""


def test_cancelling_a_paid_payable_refunds_it(
    alice, hooked, ticket, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _pay(_browser(alice), ticket["id"])
    with django_capture_on_commit_callbacks(execute=True):
        response = hooked.cancel(ticket["id"])
    assert response.json()["status"] == "refunded"
    payable = Payable.objects.get()
    assert payable.status == PayableStatus.REFUNDED
    assert payable.refund_id.startswith("re_")
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["payable.paid", "payable.refunded"]


def test_paid_after_it_was_cancelled_is_refunded(alice, city, ticket):
    payable = payable_payment_start(payable=Payable.objects.get(), acting_user=alice)
    payable_cancel(client=city.client, payable=payable)
    event = GatewayEvent(
        event_id="evt_late",
        event_type="payment_intent.succeeded",
        created=0,
        intent_id=payable.intent_id,
        gateway=payable.gateway,
        amount=payable.amount,
        currency="CAD",
    )
    assert payable_payment_succeeded(sender=GatewayEvent, event=event) is True
    payable.refresh_from_db()
    assert payable.status == PayableStatus.CANCELLED
    assert not VaultDocument.objects.exists()


def test_the_pages_work_in_french(alice, ticket):
    browser = _browser(alice)
    browser.cookies["django_language"] = "fr"
    assert browser.get(f"/ville/paiements/{ticket['id']}/").status_code == 200
    assert browser.get("/ville/paiements/").status_code == 200


def test_a_refund_while_the_transfer_is_in_flight_takes_the_transfer_back(
    alice, city, ticket, monkeypatch, django_capture_on_commit_callbacks
):
    from civic.payables import payable_refund_send, payable_transfer_send
    from marketplace.gateways.offline import OfflineGateway

    with django_capture_on_commit_callbacks(execute=False):
        _pay(_browser(alice), ticket["id"])
    payable = Payable.objects.get()
    assert payable.status == PayableStatus.PAID and payable.transfer_id == ""
    reversed_ = []
    real_create = OfflineGateway.transfer_create

    def create_while_refunded(self, **kwargs):
        # The city cancels, and the refund runs, while the transfer is on its way.
        with django_capture_on_commit_callbacks(execute=False):
            payable_cancel(client=city.client, payable=payable)
        payable_refund_send(payable_pk=payable.pk)
        return real_create(self, **kwargs)

    monkeypatch.setattr(OfflineGateway, "transfer_create", create_while_refunded)
    monkeypatch.setattr(
        OfflineGateway, "transfer_reverse", lambda self, **kwargs: reversed_.append(kwargs) or "trr"
    )
    payable_transfer_send(payable_pk=payable.pk)
    payable.refresh_from_db()
    assert payable.status == PayableStatus.REFUNDED
    assert payable.refund_id and payable.transfer_id
    assert [r["transfer_id"] for r in reversed_] == [payable.transfer_id]
