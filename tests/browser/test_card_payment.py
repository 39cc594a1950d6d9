"""The card page of a Stripe payment in Chromium, with no network: Playwright answers
https://js.stripe.com/v3/ with a stand-in for the few calls of Stripe.js that our
card-payment.js makes (`Stripe()`, `elements()`, `create("payment")`, `on("ready")`,
`mount`, `confirmPayment`). What this proves: the page's policy lets Stripe.js load from
js.stripe.com and nothing breaks the Content-Security-Policy (the page fixture fails the
test on any violation); our script gives Stripe.js the publishable key, the client secret
and the return address; after a confirmation the shopper is back on their order, which
our webhook marks paid when the (fake) Stripe delivers `payment_intent.succeeded` over
HTTP; a declined card shows Stripe's message and the way to the order."""

import json
import urllib.request
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser.test_accessibility import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUYER = "buyer@example.com"

# Stripe.js as far as our script uses it. A confirmation goes where Stripe sends the
# shopper after paying: the return address with the intent's id and `redirect_status`.
STRIPE_JS_STAND_IN = """
window.stripeStandIn = { decline: false, calls: [] };
window.Stripe = function (key, options) {
  window.stripeStandIn.calls.push(["Stripe", key, options.locale]);
  var clientSecret = null;
  return {
    elements: function (options) {
      clientSecret = options.clientSecret;
      window.stripeStandIn.calls.push(["elements", clientSecret]);
      return {
        create: function (type) {
          var handlers = {};
          return {
            on: function (name, handler) { handlers[name] = handler; },
            mount: function (node) {
              node.setAttribute("data-mounted", type);
              setTimeout(function () { if (handlers.ready) handlers.ready(); }, 0);
            },
          };
        },
      };
    },
    confirmPayment: function (options) {
      if (window.stripeStandIn.decline) {
        var declined = { type: "card_error", message: "Votre carte a été refusée." };
        return Promise.resolve({ error: declined });
      }
      var intent = clientSecret.split("_secret_")[0];
      window.location.assign(options.confirmParams.return_url +
        "?payment_intent=" + intent + "&redirect_status=succeeded");
      return new Promise(function () {});
    },
  };
};
"""


@pytest.fixture
def fake_stripe(settings, live_server):
    from marketplace.tests.fake_stripe import FakeStripe

    fake = FakeStripe().start()
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_SECRET_KEY = fake.api_key
    settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake_publishable"
    settings.MARKETPLACE_PAYMENT_GATEWAY = "stripe"
    settings.SITE_URL = live_server.url
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def order(fake_stripe, make_person):
    """A buyer's order from one store connected to the fake Stripe, waiting for payment."""
    from marketplace.cart import cart_create, cart_line_add
    from marketplace.checkout import checkout_start
    from marketplace.gateways.stripe_gateway import StripeGateway
    from marketplace.services import (
        listing_upsert,
        payout_account_record,
        store_upsert,
        variant_upsert,
    )

    buyer = make_person(BUYER, "shopper")
    store, _ = store_upsert(
        slug="fromagerie-test",
        initial_status="approved",
        name="Fromagerie Test",
        legal_name="Fromagerie Test inc.",
        neq="1170000098",
        gst_number="700000098RT0001",
        qst_number="1200000098TQ0001",
        neighbourhood="Saint-Roch",
        street_address="101, rue Saint-Joseph Est",
        locality="Québec",
        postal_code="G1K 3B6",
        latitude=Decimal("46.813960"),
        longitude=Decimal("-71.225310"),
    )
    account_id = StripeGateway().account_create(
        store_name=store.name, email="", idempotency_key="browser-card-page-account"
    )
    fake_stripe.account_onboarding_complete(account_id)
    payout_account_record(
        store=store,
        gateway="stripe",
        account_id=account_id,
        transfers_enabled=True,
        details_submitted=True,
        is_test=True,
        acting_user=None,
    )
    listing, _ = listing_upsert(
        store=store,
        slug="cheddar",
        title_fr="Cheddar vieilli",
        description_fr="Deux ans.",
        initial_status="published",
    )
    variant, _ = variant_upsert(
        store=store,
        listing=listing,
        sku="CHEDDAR-200",
        name="200 g",
        price=Decimal("9.50"),
        size_class="S",
        weight_grams=200,
        initial_stock=5,
    )
    cart = cart_create(owner=buyer)
    cart_line_add(cart=cart, variant_id=variant.pk, quantity=2, acting_user=buyer)
    return checkout_start(
        cart=cart,
        buyer=buyer,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key="browser-card-page-checkout",
        acting_user=buyer,
    )


@pytest.fixture
def card_page(page, live_server, order):
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(BUYER, "substantial"),
                "url": live_server.url,
            }
        ]
    )
    page.route(
        "https://js.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body=STRIPE_JS_STAND_IN
        ),
    )
    page.goto(order.payment.redirect_url)
    page.locator("[data-card-payment-submit]:not([disabled])").wait_for()
    return page


def test_the_buyer_pays_and_comes_back_to_an_order_the_webhook_marks_paid(
    card_page, live_server, order, fake_stripe
):
    from marketplace.models import Order

    page = card_page
    intent = fake_stripe.intents[order.payment.intent_id]
    calls = page.evaluate("window.stripeStandIn.calls")
    assert calls == [
        ["Stripe", "pk_test_fake_publishable", "fr-CA"],
        ["elements", intent["client_secret"]],
    ]
    assert page.locator("[data-payment-element]").get_attribute("data-mounted") == "payment"

    page.locator("[data-card-payment-submit]").click()
    order_path = reverse("orders:detail", args=[order.number])
    page.wait_for_url(f"**{order_path}?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"payment_intent": [intent["id"]], "redirect_status": ["succeeded"]}

    # Stripe confirms the intent and delivers its event to our endpoint, over HTTP.
    paid = fake_stripe.intent_confirm(intent["id"])
    body, headers = fake_stripe.event("payment_intent.succeeded", paid)
    request = urllib.request.Request(
        live_server.url + reverse("payments:webhook", args=["stripe"]),
        data=body,
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.load(answer)["status"] == "processed"

    page.reload()
    assert page.locator("[data-order-status]").get_attribute("data-order-status") == "paid"
    assert Order.objects.get(pk=order.pk).status == "paid"
    [transfer] = fake_stripe.transfers.values()
    assert transfer["source_transaction"] == paid["latest_charge"]


def test_a_declined_card_shows_stripes_message_and_the_way_to_the_order(card_page, order):
    page = card_page
    page.evaluate("window.stripeStandIn.decline = true")
    page.locator("[data-card-payment-submit]").click()
    message = page.locator("[data-card-payment-message]")
    message.wait_for()
    assert message.inner_text() == "Votre carte a été refusée."
    assert page.locator("[data-card-payment-declined]").is_visible()
    assert page.locator("[data-card-payment-submit]").is_disabled()
    link = page.locator("[data-card-payment-declined] a")
    assert link.get_attribute("href") == reverse("orders:detail", args=[order.number])


def test_without_stripe_js_the_page_says_the_form_could_not_load(
    page, live_server, order, fake_stripe
):
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(BUYER, "substantial"),
                "url": live_server.url,
            }
        ]
    )
    page.route("https://js.stripe.com/**", lambda route: route.abort())
    page.goto(order.payment.redirect_url)
    message = page.locator("[data-card-payment-message]")
    message.wait_for()
    assert "formulaire" in message.inner_text() or "card form" in message.inner_text()
    assert page.locator("[data-card-payment-submit]").is_disabled()
