"""A store's owner, in Chromium, opens the sales dashboard: Chart.js (vendored) draws the
sales per day on the canvas from the page's JSON, with no console error and no
Content-Security-Policy violation, on a wide screen and on a phone."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import csp_violations_watch
from tests.browser.shops import owned_store
from tests.browser.test_accessibility import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER = "owner@example.com"


@pytest.fixture
def store(make_person):
    """An approved store owned by OWNER, with three paid orders over the last days."""
    from marketplace.checkout import checkout_start, order_payment_succeeded
    from marketplace.models import Order
    from marketplace.tests.conftest import add_listing
    from marketplace.tests.shop import cart_fill, paid_event, payout_account_add

    owner = make_person(OWNER, "shopper")
    shopper = make_person("shopper@example.com", "shopper")
    store = owned_store(owner)
    payout_account_add(store)
    listing = add_listing(store, "Marteau", prices=("24.99",), stock=50)
    variant = listing.variants.get()
    for n, days_ago in enumerate((1, 3, 3, 8)):
        order = checkout_start(
            cart=cart_fill(shopper, [(variant, n + 1)]),
            buyer=shopper,
            speed="standard",
            pickup_kind="store_counter",
            idempotency_key=f"browser-sales-{n}",
            acting_user=shopper,
        )
        order = Order.objects.select_related("payment").get(pk=order.pk)
        order_payment_succeeded(paid_event(order))
        Order.objects.filter(pk=order.pk).update(
            paid_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    return store


@pytest.mark.parametrize("width", [1280, 390])
def test_the_chart_renders_without_errors(chromium, live_server, store, width):
    context = chromium.new_context(
        base_url=live_server.url, locale="fr-CA", viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(10_000)
    violations = csp_violations_watch(context)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(OWNER, "low"),
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(reverse("marketplace:my_stores"))
    page.click(f"a[href='{reverse('marketplace:store_sales', args=[store.slug])}']")
    page.wait_for_selector("canvas[data-chart-ready=true]")
    page.wait_for_selector("canvas[data-chart-drawn=true]")

    chart = page.evaluate(
        """() => {
            const chart = window.uniqcSalesChart;
            return {
                isChart: chart instanceof window.Chart,
                version: window.Chart.version,
                points: chart.data.datasets[0].data.length,
                total: chart.data.datasets[0].data.reduce((a, b) => a + b, 0),
            };
        }"""
    )
    assert chart["isChart"]
    assert chart["version"] == "4.6.1"
    assert chart["points"] == 30
    # 1 + 2 + 3 + 4 hammers at 24.99 before taxes.
    assert chart["total"] == pytest.approx(249.90)

    # Something was drawn: the canvas has pixels of the brand colour, not only blanks.
    drawn = page.evaluate(
        """() => {
            const canvas = document.querySelector("[data-sales-chart]");
            const pixels = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let coloured = 0;
            for (let i = 0; i < pixels.length; i += 4) {
                if (pixels[i + 3] > 0 && pixels[i + 1] > pixels[i] + 30) coloured += 1;
            }
            return {coloured, width: canvas.getBoundingClientRect().width};
        }"""
    )
    assert drawn["coloured"] > 300
    assert drawn["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The same figures as a table, behind a disclosure.
    page.click("details.sales-table summary")
    assert page.locator("[data-sales-table] tbody tr").count() == 30
    context.close()
    assert violations == []
    assert errors == []
