"""GET /api/v1/catalogue/ and /api/v1/catalogue/{store}/{listing}/: the search's filters,
sorts and pages, its refusals (problem+json, never a 5xx), its constant query count, and
a listing's variants as a phone app adds them to the cart."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from marketplace.models import ListingStatus
from marketplace.search import catalogue_choices
from marketplace.services import listing_photo_add, listing_status_set, store_suspend
from marketplace.tests.conftest import SAINT_ROCH, add_listing

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/catalogue/"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [result["title"] for result in response.json()["results"]]


def problem(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# --- Results -----------------------------------------------------------------------------


def test_everything_newest_first_without_words(api, shelf):
    response = api.get(SEARCH)
    assert titles(response)[0] == "Bougie à l’érable"
    page = response.json()
    assert page["count"] == 5
    assert page["count_capped"] is False
    assert page["next"] is None and page["previous"] is None


def test_a_result_says_what_a_card_shows(api, shelf):
    (result,) = api.get(SEARCH, {"q": "grains"}).json()["results"]
    assert result["title"] == "Fromage en grains"
    assert result["store"] == {"slug": "fromagerie", "name": result["store"]["name"]}
    assert result["category"] == {"slug": "fromagerie", "name": "Fromagerie"}
    assert result["lowest_price"] == "5.75"
    assert result["several_prices"] is True
    assert result["currency"] == "CAD"
    assert result["in_stock"] is True
    assert result["distance_km"] is None
    assert result["thumbnail"] is None
    assert result["url"].endswith(f"/api/v1/catalogue/fromagerie/{result['slug']}/")
    assert result["web_url"].startswith("http://testserver/")
    assert isinstance(result["id"], int)


def test_titles_in_the_requests_language(api, shelf):
    response = api.get(SEARCH, {"q": "curds"}, HTTP_COOKIE="django_language=en")
    assert titles(response) == ["Cheese curds"]
    assert response.json()["results"][0]["category"]["name"] == "Cheese shop"
    assert response["Content-Language"] == "en"


def test_words_in_french_and_english_accents_optional(api, shelf):
    without_accent = set(titles(api.get(SEARCH, {"q": "erable"})))
    assert without_accent == set(titles(api.get(SEARCH, {"q": "érable"})))
    assert "Bougie à l’érable" in without_accent
    assert titles(api.get(SEARCH, {"q": "sourdough"})) == ["Pain de campagne au levain"]


def test_filters(api, shelf):
    assert titles(api.get(SEARCH, {"category": "fromagerie", "sort": "price"})) == [
        "Fromage en grains",
        "Cheddar vieilli",
    ]
    # A parent category includes its sub-categories.
    assert len(titles(api.get(SEARCH, {"category": "alimentation"}))) == 4
    assert set(titles(api.get(SEARCH, {"store": "boulangerie"}))) == {
        "Pain de campagne au levain",
        "Pouding chômeur à l’érable",
    }
    assert titles(api.get(SEARCH, {"price_min": "15", "price_max": "20"})) == ["Cheddar vieilli"]
    in_stock = titles(api.get(SEARCH, {"in_stock": "true"}))
    assert "Pouding chômeur à l’érable" not in in_stock and len(in_stock) == 4
    assert titles(api.get(SEARCH, {"sort": "-price"}))[0] == "Bougie à l’érable"


def test_the_price_shown_is_the_cheapest_that_meets_the_filters(api, shelf):
    (result,) = api.get(SEARCH, {"q": "sourdough", "price_min": "5"}).json()["results"]
    assert result["lowest_price"] == "7.50"


def test_distance_from_the_position_given(api, shelf):
    lat, lon = SAINT_ROCH
    response = api.get(SEARCH, {"lat": lat, "lon": lon, "max_km": 5, "sort": "distance"})
    results = response.json()["results"]
    assert len(results) == 4  # not Montréal
    assert [round(result["distance_km"], 1) for result in results][:2] == [0.0, 0.0]
    assert 1.3 < results[-1]["distance_km"] < 1.6


def test_pages(api, shelf):
    first = api.get(SEARCH, {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert "page=2" in first["next"] and "page_size=2" in first["next"]
    last = api.get(first["next"].replace("http://testserver", "")).json()
    assert last["previous"] is not None
    third = api.get(SEARCH, {"page_size": 2, "page": 3}).json()
    assert len(third["results"]) == 1 and third["next"] is None
    assert problem(api.get(SEARCH, {"page_size": 2, "page": 4}), 404)["code"] == "invalid_page"


def test_nothing_found_is_an_empty_page(api, shelf):
    page = api.get(SEARCH, {"q": "xylophone"}).json()
    assert page["count"] == 0 and page["results"] == []


def test_what_shoppers_may_not_see_is_not_found(api, shelf, make_store):
    add_listing(shelf["baker"], "Brioche secrète", status=ListingStatus.DRAFT)
    assert titles(api.get(SEARCH, {"q": "brioche"})) == []
    shown = add_listing(shelf["baker"], "Brioche tressée")
    assert titles(api.get(SEARCH, {"q": "brioche"})) == ["Brioche tressée"]
    listing_status_set(listing=shown, status=ListingStatus.UNPUBLISHED, acting_user=None)
    assert titles(api.get(SEARCH, {"q": "brioche"})) == []
    assert titles(api.get(SEARCH, {"store": "boulangerie"}))
    store_suspend(store=shelf["baker"], reason="Fermé.", acting_user=None)
    assert titles(api.get(SEARCH, {"q": "sourdough"})) == []
    # Its slug is no longer a store to filter by: the cache forgot it.
    assert "store" in problem(api.get(SEARCH, {"store": "boulangerie"}))["errors"]


# --- Refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"q": "p" * 201}, "q"),
        ({"category": "inconnue"}, "category"),
        ({"category": "pas une slug!"}, "category"),
        ({"store": "inconnu"}, "store"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_min": "abc"}, "price_min"),
        ({"price_max": "1e400"}, "price_max"),
        ({"price_max": "NaN"}, "price_max"),
        ({"price_max": "12.345"}, "price_max"),
        ({"price_max": "1000000"}, "price_max"),
        ({"price_min": "20", "price_max": "10"}, "price_max"),
        ({"in_stock": "peut-être"}, "in_stock"),
        ({"lat": "91", "lon": "0"}, "lat"),
        ({"lat": "nan", "lon": "0"}, "lat"),
        ({"lat": "46.8", "lon": "inf"}, "lon"),
        ({"lat": "46.8"}, "lon"),
        ({"lon": "-71.2"}, "lat"),
        ({"max_km": "5"}, "max_km"),
        ({"lat": "46.8", "lon": "-71.2", "max_km": "0"}, "max_km"),
        ({"lat": "46.8", "lon": "-71.2", "max_km": "201"}, "max_km"),
        ({"sort": "distance"}, "sort"),
        ({"sort": "au hasard"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "un"}, "page"),
        ({"page": "10001"}, "page"),
        ({"page_size": "51"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_a_bad_value_is_a_400_naming_its_field(api, shelf, query, field):
    body = problem(api.get(SEARCH, query))
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]


def test_a_nul_character_is_a_400(api, shelf):
    # Refused by the site's middleware before any view (core), as on every page.
    assert api.get(SEARCH, {"q": "pain\x00"}).status_code == 400


def test_the_listing_endpoint_refuses_what_shoppers_may_not_see(api, shelf):
    draft = add_listing(shelf["baker"], "Brioche secrète", status=ListingStatus.DRAFT)
    assert problem(api.get(f"/api/v1/catalogue/boulangerie/{draft.slug}/"), 404)
    assert problem(api.get("/api/v1/catalogue/boulangerie/inconnu/"), 404)["code"] == "not_found"
    shown = add_listing(shelf["baker"], "Brioche tressée")
    url = f"/api/v1/catalogue/boulangerie/{shown.slug}/"
    assert api.get(url).status_code == 200
    # Another store's slug with this listing's slug is not it.
    assert problem(api.get(f"/api/v1/catalogue/fromagerie/{shown.slug}/"), 404)
    store_suspend(store=shelf["baker"], reason="Fermé.", acting_user=None)
    assert problem(api.get(url), 404)["code"] == "not_found"


# --- Queries -----------------------------------------------------------------------------


def _photo(listing, store_worker) -> None:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(out, format="JPEG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    listing_photo_add(
        listing=listing,
        upload=SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg"),
        alt_fr="Une miche",
        alt_en="A loaf",
        acting_user=store_worker,
    )


@pytest.fixture
def fifty(make_store, shelf, store_worker, settings, tmp_path):
    """Fifty more breads in one store, every tenth with a photo."""
    from marketplace.services import store_staff_set

    settings.MEDIA_ROOT = tmp_path
    store = make_store(slug="beaucoup", listings=0)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    for index in range(50):
        listing = add_listing(
            store, f"Pain numéro {index}", prices=("3.00", "4.00"), category=shelf["food"]
        )
        if index % 10 == 0:
            _photo(listing, store_worker)
    return store


@pytest.mark.parametrize("sort", ["relevance", "price", "distance", "newest"])
def test_queries_do_not_grow_with_the_page_size(api, fifty, sort):
    lat, lon = SAINT_ROCH
    query = {"q": "numéro", "sort": sort, "category": "alimentation", "lat": lat, "lon": lon}
    if sort == "distance":
        query["max_km"] = 50
    catalogue_choices()  # as on a running site: the categories and stores are cached
    with CaptureQueriesContext(connection) as ten:
        response = api.get(SEARCH, query | {"page_size": 10})
    assert len(response.json()["results"]) == 10
    with CaptureQueriesContext(connection) as fifty_results:
        response = api.get(SEARCH, query | {"page_size": 50})
    results = response.json()["results"]
    assert len(results) == 50
    assert len(fifty_results.captured_queries) == len(ten.captured_queries)
    # The total, the ids, the rows, the photos; the stores near the position by distance.
    assert len(ten.captured_queries) == (5 if sort == "distance" else 4)
    with_photos = [result for result in results if result["thumbnail"]]
    assert len(with_photos) == 5
    thumbnail = with_photos[0]["thumbnail"]
    assert thumbnail["url"].startswith("http://testserver/media/")
    assert thumbnail["alt"] == "Une miche"
    assert thumbnail["width"] > 0 and thumbnail["height"] > 0


# --- One listing -------------------------------------------------------------------------


def test_a_listing_with_its_variants_cheapest_first(api, shelf, store_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from marketplace.services import store_staff_set

    store_staff_set(store=shelf["baker"], user=store_worker, acting_user=None)
    listing = shelf["baker"].listings.get(title_fr="Pain de campagne au levain")
    _photo(listing, store_worker)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(f"/api/v1/catalogue/boulangerie/{listing.slug}/")
    assert response.status_code == 200
    assert len(captured.captured_queries) == 3  # the listing, its variants, its photos
    body = response.json()
    assert body["title"] == "Pain de campagne au levain"
    assert body["title_en"] == "Country sourdough bread"
    assert body["store"]["slug"] == "boulangerie"
    assert body["category"]["slug"] == "boulangerie"
    assert [variant["price"] for variant in body["variants"]] == ["4.25", "7.50"]
    variant = body["variants"][0]
    assert set(variant) == {"id", "sku", "name", "price", "currency", "in_stock", "size_class"}
    assert variant["id"] == listing.variants.get(price="4.25").pk
    assert variant["currency"] == "CAD"
    assert variant["in_stock"] is True
    assert variant["size_class"] == "S"
    (photo,) = body["photos"]
    assert photo["url"].startswith("http://testserver/media/")
    assert photo["thumbnail"]["url"] != photo["url"]
    assert photo["alt"] == "Une miche"
    assert body["web_url"].endswith(f"/boulangerie/{listing.slug}/")


def test_the_result_links_to_the_listing(api, shelf):
    (result,) = api.get(SEARCH, {"q": "cheddar"}).json()["results"]
    listing = api.get(result["url"].replace("http://testserver", "")).json()
    assert listing["id"] == result["id"]
    assert listing["variants"][0]["price"] == result["lowest_price"]


# --- The schema --------------------------------------------------------------------------


def test_the_schema_documents_the_catalogue(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    search = schema["paths"]["/api/v1/catalogue/"]["get"]
    parameters = {parameter["name"] for parameter in search["parameters"]}
    assert parameters == {
        "q",
        "category",
        "store",
        "price_min",
        "price_max",
        "in_stock",
        "lat",
        "lon",
        "max_km",
        "sort",
        "page",
        "page_size",
    }
    assert {"200", "400", "404"} <= set(search["responses"])
    assert list(search["responses"]["400"]["content"]) == ["application/problem+json"]
    listing = schema["paths"]["/api/v1/catalogue/{store_slug}/{listing_slug}/"]["get"]
    assert "404" in listing["responses"]
