"""The offline gateway's test payment page (/paiement/test/<intent>/): only the buyer
pays, the two test cards send the events Stripe would, through the webhook path, and
every page says no money moves."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext, override

from marketplace.errors import OfflinePaymentRefused
from marketplace.models import PaymentEvent, PaymentStatus
from marketplace.payments import offline_payment_submit
from marketplace.selectors import access_test_payment_pay

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}
DECLINED = {**CARD, "card_number": "4000 0000 0000 0002"}


def page(payment) -> str:
    return reverse("payments:test_payment", args=[payment.intent_id])


def test_the_path_is_the_one_the_offline_gateway_gives(make_payment):
    payment = make_payment()
    assert payment.redirect_url == page(payment) == f"/paiement/test/{payment.intent_id}/"


def test_the_buyer_sees_the_order_and_amount_labelled_as_a_test(client, make_payment):
    payment = make_payment(total="57.49")
    client.force_login(payment.order.buyer)
    response = client.get(page(payment))
    assert response.status_code == 200
    html = response.content.decode()
    assert payment.order.number in html
    assert "57,49" in html
    # The French catalogue says "Paiement de test — aucune somme n’est prélevée".
    assert "data-test-payment-banner" in html
    with override("fr"):
        assert gettext("Test payment — no money is taken") in html
    assert 'name="card_number"' in html


def test_the_test_card_pays_through_the_webhook(client, make_payment, order_handlers):
    payment = make_payment()
    client.force_login(payment.order.buyer)
    response = client.post(page(payment), CARD)
    assert response.status_code == 302
    assert response["Location"] == f"/commandes/{payment.order.number}/"
    [event] = order_handlers
    assert event.event_type == "payment_intent.succeeded"
    assert (event.gateway, event.intent_id) == ("offline", payment.intent_id)
    assert event.charge_id.startswith("ch_test_")
    stored = PaymentEvent.objects.get()
    assert stored.processed_at is not None
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def test_the_declined_card_sends_the_failure(client, make_payment, order_handlers):
    payment = make_payment()
    client.force_login(payment.order.buyer)
    response = client.post(page(payment), DECLINED)
    assert response.status_code == 302
    [event] = order_handlers
    assert event.event_type == "payment_intent.payment_failed"
    assert event.failure_reason == "generic_decline"
    assert event.charge_id == ""


def test_another_card_is_a_form_error(client, make_payment, order_handlers):
    payment = make_payment()
    client.force_login(payment.order.buyer)
    response = client.post(page(payment), {**CARD, "card_number": "5555 5555 5555 4444"})
    assert response.status_code == 400
    # French puts no-break spaces between the groups of digits.
    assert "4242 4242 4242 4242" in response.content.decode().replace("\xa0", " ")
    assert order_handlers == []


@pytest.mark.parametrize(
    "field, value", [("expiry", "13/30"), ("expiry", "soon"), ("cvc", "12"), ("cvc", "abcd")]
)
def test_an_implausible_expiry_or_code_is_a_form_error(client, make_payment, field, value):
    payment = make_payment()
    client.force_login(payment.order.buyer)
    response = client.post(page(payment), {**CARD, field: value})
    assert response.status_code == 400
    assert PaymentEvent.objects.count() == 0


def test_a_payment_settled_is_not_paid_again(client, make_payment, order_handlers):
    payment = make_payment()
    client.force_login(payment.order.buyer)
    client.post(page(payment), CARD)
    response = client.post(page(payment), CARD)
    assert response.status_code == 409
    assert len(order_handlers) == 1
    assert 'name="card_number"' not in client.get(page(payment)).content.decode()


def test_a_double_submit_is_one_event(make_payment, order_handlers):
    payment = make_payment()
    buyer = payment.order.buyer
    first = offline_payment_submit(payment=payment, succeeded=True, acting_user=buyer)
    # The first request's handler has not settled the payment when the second arrives.
    payment.status = PaymentStatus.PENDING
    second = offline_payment_submit(payment=payment, succeeded=True, acting_user=buyer)
    assert (first.status, second.status) == ("processed", "duplicate")
    assert len(order_handlers) == 1


def test_the_handler_not_there_yet_still_returns_to_the_order(client, make_payment, monkeypatch):
    from marketplace.gateways import events

    monkeypatch.setitem(
        events.EVENT_HANDLERS, "payment_intent.succeeded", "marketplace.nowhere.handler"
    )
    payment = make_payment()
    client.force_login(payment.order.buyer)
    response = client.post(page(payment), CARD)
    assert response.status_code == 302
    assert PaymentEvent.objects.get().processed_at is None


# --- Refusals, one per rule -----------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client, make_payment):
    response = client.get(page(make_payment()))
    assert response.status_code == 302
    assert "/compte/" in response["Location"] or "login" in response["Location"]


def test_another_person_is_refused(client, make_payment, make_person, order_handlers):
    payment = make_payment()
    client.force_login(make_person("someone@example.com", "shopper"))
    assert client.get(page(payment)).status_code == 403
    assert client.post(page(payment), CARD).status_code == 403
    assert order_handlers == []


def test_an_unknown_intent_is_not_found(client, shopper):
    client.force_login(shopper)
    assert client.get("/paiement/test/pi_test_nothing/").status_code == 404


def test_a_stripe_payment_has_no_test_page(client, make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    client.force_login(payment.order.buyer)
    assert client.get(page(payment)).status_code == 404


def test_access_refuses_a_visitor(make_payment):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        access_test_payment_pay(acting_user=AnonymousUser(), payment=make_payment())


def test_access_refuses_an_inactive_buyer(make_payment):
    payment = make_payment()
    buyer = payment.order.buyer
    buyer.is_active = False
    with pytest.raises(PermissionDenied):
        access_test_payment_pay(acting_user=buyer, payment=payment)


def test_access_refuses_someone_else(make_payment, make_person):
    with pytest.raises(PermissionDenied):
        access_test_payment_pay(
            acting_user=make_person("x@example.com", "shopper"), payment=make_payment()
        )


def test_the_service_refuses_a_stripe_payment(make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    with pytest.raises(OfflinePaymentRefused):
        offline_payment_submit(payment=payment, succeeded=True, acting_user=payment.order.buyer)
