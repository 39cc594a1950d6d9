"""A shopper searches the catalogue in Chromium: the results change in place when a filter
changes (htmx), the count is announced, the address follows, and "Near me" sorts by
distance from the browser's position."""

import pytest

from marketplace.services import category_upsert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(make_store):
    from marketplace.tests.conftest import add_listing

    bakery, _ = category_upsert(slug="boulangerie", name_fr="Boulangerie", name_en="Bakery")
    store = make_store(slug="boulangerie", listings=0)
    add_listing(store, "Pain au levain", category=bakery, prices=("7.50",))
    add_listing(store, "Pain de mie", category=bakery, prices=("4.25",))
    add_listing(store, "Tarte au sucre", category=bakery, prices=("16.00",))
    return store


def test_filters_update_the_results_in_place(page, shop):
    page.goto("/catalogue/?q=pain")
    count = page.locator("#catalogue-count")
    assert count.inner_text() == "2 résultats"
    assert count.get_attribute("role") == "status"
    # A marker on the page: a full reload would lose it.
    page.evaluate("window.notReloaded = true")

    page.get_by_text("Filtres et tri").or_(page.get_by_text("Filters and sorting")).click()
    page.locator("#id_sort").select_option("price")
    page.wait_for_url("**sort=price**")
    first = page.locator("#catalogue-results .product-card__title").first
    first.filter(has_text="Pain de mie").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert "price_min=" not in page.url  # empty fields stay out of the address

    page.locator("#id_q").fill("tarte")
    page.locator("#catalogue-count", has_text="1 résultat").wait_for()
    assert page.evaluate("window.notReloaded") is True


def test_near_me_uses_the_browsers_position(chromium, live_server, shop):
    context = chromium.new_context(
        base_url=live_server.url,
        locale="fr-CA",
        geolocation={"latitude": 46.8139, "longitude": -71.2253},
        permissions=["geolocation"],
    )
    page = context.new_page()
    try:
        page.goto("/catalogue/")
        page.locator(".catalogue__more summary").click()
        near_me = page.locator("[data-near-me-button]")
        assert near_me.is_visible()
        near_me.click()
        page.wait_for_url("**lat=46.814**")
        assert "distance=10" in page.url
        page.locator(".catalogue-card .badge--neutral").first.wait_for()
        assert "km" in page.locator(".catalogue-card .badge--neutral").first.inner_text()
    finally:
        context.close()
