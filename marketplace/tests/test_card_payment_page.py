"""The card page of a Stripe payment (/paiement/carte/<intent>/): Stripe.js's Payment
Element for the buyer alone, with the Content-Security-Policy relaxed for Stripe on this
page only. There is no network in the tests, so Stripe.js itself never loads: these tests
check what the page gives it (key, client secret, return address) and what it allows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from marketplace.checkout import checkout_start
from marketplace.models import Payment, PaymentStatus
from marketplace.selectors import access_card_payment_pay
from marketplace.tests.shop import cart_fill, payout_account_add, stocked

pytestmark = pytest.mark.django_db


def page(payment: Payment) -> str:
    return reverse("payments:card_payment", args=[payment.intent_id])


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def test_the_card_page_is_under_paiement():
    assert reverse("payments:card_payment", args=["pi_1"]) == "/paiement/carte/pi_1/"


def test_the_buyer_sees_the_payment_element_with_what_stripe_js_needs(
    client, make_payment, fake_stripe, settings
):
    settings.SITE_URL = "https://uniqc.example"
    payment = make_payment(gateway="stripe")
    client.force_login(payment.order.buyer)
    response = client.get(page(payment))
    assert response.status_code == 200
    html = response.content.decode()
    intent = fake_stripe.intents[payment.intent_id]
    assert 'data-publishable-key="pk_test_fake_publishable"' in html
    assert f'data-client-secret="{intent["client_secret"]}"' in html
    order_url = reverse("orders:detail", args=[payment.order.number])
    assert f'data-return-url="https://uniqc.example{order_url}"' in html
    assert '<script src="https://js.stripe.com/v3/"></script>' in html
    assert "/static/js/card-payment.js" in html
    assert "data-payment-element" in html
    assert payment.order.number in html
    # The secret is on the page for the buyer only, and never kept by a cache.
    assert "no-store" in response["Cache-Control"]
    assert Payment.objects.filter(pk=payment.pk, redirect_url=page(payment)).exists()


def test_the_card_page_relaxes_the_policy_for_stripe_only(client, make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    client.force_login(payment.order.buyer)
    policy = directives(client.get(page(payment)))
    assert "https://js.stripe.com" in policy["script-src"]
    assert "'self'" in policy["script-src"]
    assert "https://js.stripe.com" in policy["frame-src"]
    assert "https://hooks.stripe.com" in policy["frame-src"]
    assert "https://api.stripe.com" in policy["connect-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_other_pages_keep_stripe_out(client, make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    client.force_login(payment.order.buyer)
    response = client.get(reverse("orders:detail", args=[payment.order.number]))
    assert "stripe" not in response["Content-Security-Policy"]
    assert "js.stripe.com" not in response.content.decode()


def test_the_page_has_no_inline_script(client, make_payment, fake_stripe):
    from tests.test_csp import Page

    payment = make_payment(gateway="stripe")
    client.force_login(payment.order.buyer)
    parsed = Page(client.get(page(payment)).content.decode())
    assert parsed.inline_scripts == []
    assert parsed.handlers == []


def test_a_visitor_is_sent_to_sign_in(client, make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    response = client.get(page(payment))
    assert response.status_code == 302
    assert "client_secret" not in response.content.decode()


def test_someone_else_is_refused(client, make_payment, make_person, fake_stripe):
    payment = make_payment(gateway="stripe")
    client.force_login(make_person("other@example.com", "shopper"))
    response = client.get(page(payment))
    assert response.status_code == 403
    assert fake_stripe.intents[payment.intent_id]["client_secret"] not in response.content.decode()


def test_an_offline_payment_has_no_card_page(client, make_payment):
    payment = make_payment()
    client.force_login(payment.order.buyer)
    assert client.get(page(payment)).status_code == 404


def test_the_page_takes_no_post(client, make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    client.force_login(payment.order.buyer)
    assert client.post(page(payment)).status_code == 405


def test_a_payment_no_longer_waiting_says_so_without_the_form(client, make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CANCELED)
    client.force_login(payment.order.buyer)
    response = client.get(page(payment))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-card-payment" not in html
    assert "js.stripe.com" not in html
    assert fake_stripe.intents[payment.intent_id]["client_secret"] not in html


def test_a_payment_stripe_reports_paid_waits_for_its_event(client, make_payment, fake_stripe):
    """Back from 3-D Secure before the webhook: the page says the payment is being
    confirmed rather than offering the card form again."""
    payment = make_payment(gateway="stripe")
    fake_stripe.intent_confirm(payment.intent_id)
    client.force_login(payment.order.buyer)
    html = client.get(page(payment)).content.decode()
    assert "data-card-payment" not in html
    assert reverse("orders:detail", args=[payment.order.number]) in html


def test_an_intent_cancelled_at_stripe_shows_no_form(client, make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    fake_stripe.intents[payment.intent_id]["status"] = "canceled"
    client.force_login(payment.order.buyer)
    response = client.get(page(payment))
    assert response.status_code == 200
    assert "data-card-payment" not in response.content.decode()


def test_stripe_unreachable_is_a_503_with_a_notice(client, make_payment, fake_stripe, settings):
    payment = make_payment(gateway="stripe")
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard: nothing listens
    client.force_login(payment.order.buyer)
    response = client.get(page(payment))
    assert response.status_code == 503
    assert "data-card-payment" not in response.content.decode()


def test_no_publishable_key_is_a_503(client, make_payment, fake_stripe, settings):
    payment = make_payment(gateway="stripe")
    settings.STRIPE_PUBLISHABLE_KEY = ""
    client.force_login(payment.order.buyer)
    assert client.get(page(payment)).status_code == 503


# --- access_card_payment_pay, one test per refusal --------------------------------------


def test_access_lets_the_buyer_in(make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    access_card_payment_pay(acting_user=payment.order.buyer, payment=payment)


def test_access_refuses_a_visitor(make_payment, fake_stripe):
    with pytest.raises(PermissionDenied):
        access_card_payment_pay(acting_user=AnonymousUser(), payment=make_payment(gateway="stripe"))


def test_access_refuses_an_inactive_buyer(make_payment, fake_stripe):
    payment = make_payment(gateway="stripe")
    buyer = payment.order.buyer
    buyer.is_active = False
    with pytest.raises(PermissionDenied):
        access_card_payment_pay(acting_user=buyer, payment=payment)


def test_access_refuses_someone_else(make_payment, make_person, fake_stripe):
    with pytest.raises(PermissionDenied):
        access_card_payment_pay(
            acting_user=make_person("x@example.com", "shopper"),
            payment=make_payment(gateway="stripe"),
        )


# --- Where checkout sends the shopper ----------------------------------------------------


def _checkout(shopper, make_store):
    store = make_store(slug="epicerie")
    payout_account_add(store)
    cart = cart_fill(shopper, [(stocked(store, stock=5)[0], 1)])
    return checkout_start(
        cart=cart,
        buyer=shopper,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key="checkout-card-page-1",
        acting_user=shopper,
    )


def test_checkout_on_stripe_stores_the_card_page(shopper, make_store, fake_stripe):
    payment = _checkout(shopper, make_store).payment
    assert payment.redirect_url == f"/paiement/carte/{payment.intent_id}/"
    payment.full_clean()


def test_checkout_on_the_offline_gateway_stores_its_test_page(shopper, make_store):
    payment = _checkout(shopper, make_store).payment
    assert payment.redirect_url == f"/paiement/test/{payment.intent_id}/"
    payment.full_clean()


@pytest.mark.parametrize(
    "redirect", ["https://elsewhere.example/pay/", "//elsewhere.example/pay/", "paiement/x/"]
)
def test_a_payment_page_off_this_site_is_refused(make_payment, redirect):
    payment = make_payment()
    payment.redirect_url = redirect
    with pytest.raises(ValidationError):
        payment.full_clean()
