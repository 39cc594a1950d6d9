"""The shopper's journey in Chromium, on the demo data `make run` loads: search the
catalogue, open a listing, add it to the cart, add a listing of a second store from that
store's page, see the cart by store, check out (a password session is stepped up first),
choose standard pickup, see each store's GST and QST, pay on the offline gateway's test
page, and see two paid shipments; then each store's staff accepts and packs theirs, and the
shopper's order shows it. A declined card cancels the order and puts the stock back.

The live server shares the test's database connection on SQLite: the test reads the
database only once the page is idle (networkidle), never while a request runs.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import csp_violations_watch
from tests.browser.test_accessibility import session_cookie
from tests.demo_pages import DEMO_STORE, RETAILER, RETAILER_STORE, STORE_WORKER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOPPER = "acheteuse@example.com"
# The bakery's loaf (6.25 $) and the hardware store's smoke alarm (34.99 $), one each.
BREAD = f"/catalogue/{DEMO_STORE}/pain-de-mie-complet/"
ALARM = f"/catalogue/{RETAILER_STORE}/detecteur-de-fumee/"
# Hand-computed: GST 5 % and QST 9.975 % of each invoice, rounded half up to the cent.
# 6.25 → 0.3125 → 0.31 and 0.6234 → 0.62; 34.99 → 1.7495 → 1.75 and 3.4903 → 3.49.
TAXES = {"Boulangerie du Faubourg": ("0,31", "0,62"), "Quincaillerie Masson": ("1,75", "3,49")}
PAID_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"


@pytest.fixture
def demo(db, make_person, settings):
    """The demo data (stores, listings with photos, staff, offline payout accounts), and a
    shopper of our own with an empty cart (the demo shopper's already holds items)."""
    from config.management.commands.seed_demo import demo_seed

    settings.MARKETPLACE_CHECKOUT_ACR = "substantial"
    demo_seed()
    make_person(SHOPPER, "shopper")


@pytest.fixture
def browser_context(chromium, live_server):
    """A fresh context; the test fails if a page breaks its Content-Security-Policy."""
    contexts = []

    def open_as(email: str, acr: str = "low"):
        context = chromium.new_context(base_url=live_server.url, locale="fr-CA")
        context.set_default_timeout(15_000)
        context.violations = csp_violations_watch(context)
        signed_in(context, live_server.url, email, acr)
        contexts.append(context)
        return context.new_page()

    yield open_as
    for context in contexts:
        violations = context.violations
        context.close()
        assert violations == []


def signed_in(context, url: str, email: str, acr: str) -> None:
    """The context's session: `email` signed in at `acr`, as the sign-in leaves it."""
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie(email, acr), "url": url}]
    )


def money(text: str) -> str:
    """The amount of a money text ("1,75 $" with its no-break space), spaces made plain."""
    return re.sub(r"\s+", " ", text).strip()


def idle(page) -> None:
    page.wait_for_load_state("networkidle")


def checkout_standard(page, live_server) -> None:
    """From the cart page: check out (identity steps the password session up first: the
    test then signs in at `substantial`, as the step-up would) and choose standard pickup."""
    page.click(f"a[href='{reverse('cart:checkout')}']")
    # A password sign-in is not enough to pay: identity asks for more, then comes back.
    assert not page.url.split("?")[0].endswith(reverse("cart:checkout"))
    assert "next=" in page.url
    idle(page)
    signed_in(page.context, live_server.url, SHOPPER, "substantial")
    page.goto(reverse("cart:checkout"))
    page.check("#speed-standard")
    page.click("form[data-speed-form] button[type=submit]")
    page.wait_for_url(re.compile(r"speed=standard"))


def pay(page, card: str) -> str:
    """Place the order and pay with `card` on the offline gateway's test page; the order's
    page answers. Returns the order's number."""
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(r"/paiement/test/"))
    assert page.locator("[data-test-payment-banner]").is_visible()
    number = page.locator("[data-order-number]").inner_text().strip()
    page.fill("input[name=card_number]", card)
    page.fill("input[name=expiry]", "12/34")
    page.fill("input[name=cvc]", "123")
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(re.escape(reverse("orders:detail", args=[number]))))
    idle(page)
    return number


def queue_act(page, store: str, shipment: str, tab: str, action: str) -> None:
    """In `store`'s order queue, on `tab`, do `action` (the action's address: accepter,
    emballee) on `shipment`'s card."""
    page.goto(reverse("marketplace:store_orders", args=[store]) + f"?onglet={tab}")
    card = page.locator("section.card", has=page.locator(f"h2:text-is('{shipment}')"))
    card.locator(f"form[action$='/{action}/'] button[type=submit]").click()
    idle(page)


def test_a_shopper_buys_from_two_stores_and_each_store_accepts_and_packs(
    demo, browser_context, live_server
):
    from marketplace.models import Order

    page = browser_context(SHOPPER)

    # Search the catalogue; the results come in place.
    page.goto(reverse("catalogue:search"))
    page.fill("#id_q", "pain de mie")
    page.press("#id_q", "Enter")
    page.locator(f"#catalogue-results a[href='{BREAD}']").click()
    page.wait_for_url(re.compile(re.escape(BREAD)))

    # The listing: its photo (served, not broken) and a form per variant in stock.
    gallery = page.locator("[data-listing-gallery] img").first
    assert gallery.get_attribute("alt")
    assert gallery.evaluate("img => img.complete && img.naturalWidth > 0")
    page.locator("form[data-add-to-cart] button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(BREAD)))
    assert "Pain de mie complet" in page.locator(".messages").inner_text()
    assert page.locator("[data-cart-count]").inner_text() == "1"

    # A second store: from its page (position, map link), to its listing.
    page.goto(reverse("marketplace:store_detail", args=[RETAILER_STORE]))
    assert (
        page.locator("[data-store-map]")
        .get_attribute("href")
        .startswith("https://www.openstreetmap.org/?mlat=45.547810&mlon=-73.573990")
    )
    page.locator(f"a[href='{ALARM}']").click()
    page.wait_for_url(re.compile(re.escape(ALARM)))
    page.locator("form[data-add-to-cart] button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(ALARM)))
    assert page.locator("[data-cart-count]").inner_text() == "2"

    # The cart, by store.
    page.click("[data-cart-link]")
    page.wait_for_url(re.compile(re.escape(reverse("cart:detail"))))
    titles = page.locator("#cart-body section.card h2").all_inner_texts()
    assert sorted(titles) == ["Boulangerie du Faubourg", "Quincaillerie Masson"]

    # Checkout: each store's invoice with its GST and QST, as computed by hand.
    checkout_standard(page, live_server)
    for name, (gst, qst) in TAXES.items():
        invoice = page.locator("section.card", has=page.locator(f"h2:has-text('{name}')"))
        assert money(invoice.locator("[data-invoice-gst]").inner_text()) == f"{gst} $"
        assert money(invoice.locator("[data-invoice-qst]").inner_text()) == f"{qst} $"

    # Pay on the offline gateway's test page; the order's page shows two paid shipments.
    number = pay(page, PAID_CARD)
    assert page.locator("[data-order-status]").get_attribute("data-order-status") == "paid"
    statuses = page.locator("[data-shipment-status]")
    assert statuses.count() == 2
    assert {statuses.nth(i).get_attribute("data-shipment-status") for i in range(2)} == {"paid"}
    assert page.locator("[data-cart-count]").inner_text() == "0"
    idle(page)

    # Each store's staff accepts, then packs, their shipment.
    shipments = {
        name: heading.split(" · ")[0].strip()
        for heading in page.locator("main section.card h2").all_inner_texts()
        for name in TAXES
        if name in heading
    }
    for email, store, name in (
        (STORE_WORKER, DEMO_STORE, "Boulangerie du Faubourg"),
        (RETAILER, RETAILER_STORE, "Quincaillerie Masson"),
    ):
        staff = browser_context(email)
        queue_act(staff, store, shipments[name], "new", "accepter")
        queue_act(staff, store, shipments[name], "to_pack", "emballee")

    page.reload()
    idle(page)
    statuses = page.locator("[data-shipment-status]")
    assert {statuses.nth(i).get_attribute("data-shipment-status") for i in range(2)} == {"packed"}
    order = Order.objects.get(number=number)
    assert sorted(order.shipments.values_list("status", flat=True)) == ["packed", "packed"]


def test_a_declined_card_cancels_the_order_and_puts_the_stock_back(
    demo, browser_context, live_server
):
    from marketplace.models import Order, Variant

    alarm = Variant.objects.get(store__slug=RETAILER_STORE, listing__slug="detecteur-de-fumee")
    stock = alarm.stock
    page = browser_context(SHOPPER)
    page.goto(ALARM)
    page.locator("form[data-add-to-cart] button[type=submit]").first.click()
    page.wait_for_url(re.compile(re.escape(ALARM)))
    page.goto(reverse("cart:detail"))
    checkout_standard(page, live_server)
    number = pay(page, DECLINED_CARD)
    assert page.locator("[data-order-status]").get_attribute("data-order-status") == "cancelled"
    assert page.locator(f"a[href='{reverse('cart:detail')}']").count() >= 1
    idle(page)
    alarm.refresh_from_db()
    assert alarm.stock == stock
    assert Order.objects.get(number=number).status == "cancelled"
