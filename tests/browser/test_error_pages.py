"""A person who lands on a missing page, in Chromium: the site's own page, in French, then
in English through the header's switch, and no Content-Security-Policy violation (the
page fixture fails the test on any)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_missing_page_is_ours_in_both_languages(page, settings):
    settings.DEBUG = False
    response = page.goto("/cette-page-n-existe-pas/")
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert page.locator("#error-page").is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/cette-page-n-existe-pas/")
    assert page.locator("html").get_attribute("lang") == "en-CA"
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    page.get_by_role("link", name="Go to the home page").click()
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).is_visible()
