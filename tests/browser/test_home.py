"""A person opens the site in Chromium: French first, English on request, keyboard usable."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_is_french_and_switches_to_english(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Votre identité")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en-CA"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Your identity")

    # The choice sticks across pages, and the switch offers French back.
    page.goto("/healthz")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en-CA"
    assert page.get_by_role("button", name="Français").is_visible()


def test_skip_link_is_first_on_keyboard_and_moves_focus_to_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_home_fits_a_phone_screen(page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_the_api_docs_render_offline_from_our_static_files(page):
    """Swagger UI comes from our static files (drf-spectacular-sidecar): the page renders
    the API's title with no network, and breaks no Content-Security-Policy rule (the page
    fixture fails the test on any violation)."""
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    page.get_by_text("Uniqc Coop API").first.wait_for()
    base = page.url.split("/api/")[0]
    assert [url for url in requests if not url.startswith(("blob:", "data:", base))] == []
