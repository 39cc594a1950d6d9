"""The catalogue's pages over HTTP: search, filters, pages, htmx's partial answers, bad
input (a 400 with the form's errors, never a 500), browsing by category and a listing's
page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.models import ListingStatus, StoreStatus
from marketplace.search import QUERY_MAX_LENGTH
from marketplace.services import category_upsert, listing_status_set
from marketplace.tests.conftest import SAINT_ROCH, add_listing

SEARCH = "/catalogue/"


def results_of(response) -> list[str]:
    page = response.context["page"]
    return [result.listing.title_fr for result in page.results] if page else []


def test_the_catalogue_lists_everything_newest_first(client, shelf):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert len(results_of(response)) == 5
    assert "5 résultats" in response.content.decode() or "5 results" in response.content.decode()


def test_a_search_in_french_and_in_english(client, shelf):
    assert results_of(client.get(SEARCH, {"q": "erable"})) == [
        "Bougie à l’érable",
        "Pouding chômeur à l’érable",
    ] or set(results_of(client.get(SEARCH, {"q": "erable"}))) == {
        "Bougie à l’érable",
        "Pouding chômeur à l’érable",
    }
    assert results_of(client.get(SEARCH, {"q": "bread"})) == ["Pain de campagne au levain"]


def test_filters_from_the_query_string(client, shelf):
    response = client.get(
        SEARCH,
        {
            "category": "alimentation",
            "store": "fromagerie",
            "price_min": "10",
            "price_max": "20",
            "in_stock": "on",
            "sort": "-price",
        },
    )
    assert response.status_code == 200
    assert results_of(response) == ["Cheddar vieilli", "Fromage en grains"]


def test_a_french_decimal_comma_is_a_price(client, shelf):
    response = client.get(SEARCH, {"price_max": "5,00"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert results_of(response) == ["Pain de campagne au levain"]


def test_distance_from_the_browsers_position(client, shelf):
    response = client.get(
        SEARCH, {"lat": SAINT_ROCH[0], "lon": SAINT_ROCH[1], "distance": "2", "sort": "distance"}
    )
    assert response.status_code == 200
    assert len(results_of(response)) == 4
    assert "km" in response.content.decode()


def test_distance_from_the_address_saved_in_the_profile(client, shelf, make_person):
    person = make_person("voisin@example.com", "shopper")
    person.latitude, person.longitude = Decimal("46.8139"), Decimal("-71.2253")
    person.save(update_fields=["latitude", "longitude"])
    client.force_login(person)
    response = client.get(SEARCH, {"distance": "1"})
    assert response.status_code == 200
    assert set(results_of(response)) == {
        "Pain de campagne au levain",
        "Pouding chômeur à l’érable",
    }


@pytest.mark.parametrize(
    "query",
    [
        {"q": "a" * (QUERY_MAX_LENGTH + 1)},
        {"price_min": "abc"},
        {"price_min": "-1"},
        {"price_min": "1e400"},
        {"price_min": "20", "price_max": "10"},
        {"page": "0"},
        {"page": "x"},
        {"page": "99999999999999999999"},
        {"per_page": "51"},
        {"sort": "id; DROP TABLE marketplace_listing"},
        {"category": "nulle-part"},
        {"store": "nulle-part"},
        {"distance": "3"},
        {"distance": "10"},
        {"sort": "distance"},
        {"lat": "46.8"},
        {"lat": "91", "lon": "0"},
        {"lat": "nan", "lon": "0"},
        {"lat": "inf", "lon": "0"},
    ],
)
def test_bad_input_is_a_400_with_the_forms_errors(client, shelf, query):
    response = client.get(SEARCH, query)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert 'class="error-summary"' in response.content.decode()


def test_a_nul_character_is_a_400(client, shelf):
    # Refused before the view, by the site's middleware; never a 500.
    assert client.get(SEARCH, {"q": "pain\x00"}).status_code == 400


def test_too_long_a_query_says_how_long_it_may_be(client, shelf):
    response = client.get(SEARCH, {"q": "a" * 201}, HTTP_ACCEPT_LANGUAGE="en")
    assert "200" in response.content.decode()


def test_pages_of_results(client, shelf):
    response = client.get(SEARCH, {"per_page": 2, "sort": "price"})
    assert response.context["page"].pages == 3
    assert "page=2" in response.content.decode()
    last = client.get(SEARCH, {"per_page": 2, "sort": "price", "page": 3})
    assert results_of(last) == ["Bougie à l’érable"]


def test_htmx_gets_the_results_region_only(client, shelf):
    response = client.get(SEARCH, {"q": "pain"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'hx-swap-oob="innerHTML"' in body
    assert "Pain de campagne" in body or "Country sourdough" in body
    assert "HX-Request" in response["Vary"]


def test_htmx_gets_the_errors_in_the_region_with_a_200_that_it_swaps(client, shelf):
    response = client.get(SEARCH, {"price_min": "abc"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()


def test_a_history_restore_gets_the_whole_page(client, shelf):
    response = client.get(
        SEARCH, {"q": "pain"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_the_page_works_without_javascript(client, shelf):
    body = client.get(SEARCH).content.decode()
    assert 'method="get"' in body
    assert 'role="search"' in body
    assert 'type="submit"' in body
    assert 'id="catalogue-count"' in body and 'role="status"' in body
    # The "near me" button needs the script: hidden until it runs.
    assert "data-near-me hidden" in body


@pytest.mark.parametrize("size", [10, 50])
def test_the_page_costs_the_same_queries_for_10_and_50_results(
    client, shelf, make_store, django_assert_num_queries, size
):
    store = make_store(slug="beaucoup", listings=0)
    for index in range(50):
        add_listing(store, f"Pain numéro {index}", prices=("3.00", "4.00"))
    client.get(SEARCH)  # the session and the language settle
    with django_assert_num_queries(_queries_for_ten(client)) as captured:
        response = client.get(SEARCH, {"q": "pain", "per_page": size})
    assert len(response.context["page"].results) == size
    assert captured


def _queries_for_ten(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        client.get(SEARCH, {"q": "pain", "per_page": 10})
    return len(ten.captured_queries)


def test_a_category_page_shows_its_sub_categories_listings(client, shelf):
    response = client.get(reverse("catalogue:category", args=["alimentation"]))
    assert response.status_code == 200
    assert len(results_of(response)) == 4
    body = response.content.decode()
    assert 'aria-current="page"' in body
    assert reverse("catalogue:category", args=["boulangerie"]) in body
    bakery = client.get(reverse("catalogue:category", args=["boulangerie"]), {"q": "pain"})
    assert results_of(bakery) == ["Pain de campagne au levain"]
    # The breadcrumb names the parent category.
    assert reverse("catalogue:category", args=["alimentation"]) in bakery.content.decode()


def test_an_unknown_category_is_a_404(client, shelf):
    assert client.get(reverse("catalogue:category", args=["nulle-part"])).status_code == 404


def test_an_empty_category_says_so(client, shelf):
    category_upsert(slug="vide", name_fr="Vide", name_en="Empty")
    response = client.get(reverse("catalogue:category", args=["vide"]))
    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()


def test_a_listings_page_shows_its_variants(client, shelf):
    listing = shelf["baker"].listings.get(title_fr="Pain de campagne au levain")
    response = client.get(reverse("catalogue:listing", args=["boulangerie", listing.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Format 0" in body and "Format 1" in body
    assert "4,25" in body or "4.25" in body
    assert reverse("marketplace:store_detail", args=["boulangerie"]) in body


def test_a_listing_shoppers_may_not_see_is_a_404(client, shelf, make_store):
    listing = shelf["baker"].listings.get(title_fr="Pain de campagne au levain")
    url = reverse("catalogue:listing", args=["boulangerie", listing.slug])
    listing_status_set(listing=listing, status=ListingStatus.UNPUBLISHED, acting_user=None)
    assert client.get(url).status_code == 404
    pending = make_store(slug="en-attente", status=StoreStatus.PENDING, listings=0)
    hidden = add_listing(pending, "Pain en attente")
    assert (
        client.get(reverse("catalogue:listing", args=["en-attente", hidden.slug])).status_code
        == 404
    )
    assert client.get("/catalogue/boulangerie/nulle-part/").status_code == 404


def test_the_catalogue_is_in_the_navigation(client, db):
    nav = [item["url"] for item in client.get("/").context["nav_items"]]
    assert SEARCH in nav
