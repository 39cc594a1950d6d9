"""GET /api/v1/stores/, /api/v1/stores/{slug}/ and /api/v1/categories/."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Category, StoreStatus

pytestmark = pytest.mark.django_db


def test_the_list_shows_approved_stores_only(api, make_store):
    make_store(slug="epicerie", listings=2)
    make_store(slug="en-attente", status=StoreStatus.PENDING)
    response = api.get("/api/v1/stores/")
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    assert page["next"] is None and page["previous"] is None
    (store,) = page["results"]
    assert store["slug"] == "epicerie"
    assert store["neighbourhood"] == "Saint-Roch"
    assert store["address"]["locality"] == "Québec"
    assert store["address"]["postal_code"] == "G1K 3B6"
    assert store["coordinates"] == {"latitude": 46.81396, "longitude": -71.22531}
    assert list(store["opening_hours"]) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert store["listing_count"] == 2
    assert store["web_url"].endswith("/boutiques/epicerie/")
    # What the coop keeps about the business is not for shoppers' apps.
    assert not {"neq", "legal_name", "applicant", "gst_number", "status"} & set(store)


def test_the_list_is_paginated_with_a_cap(api, make_store):
    for _ in range(3):
        make_store(listings=0)
    page = api.get("/api/v1/stores/?page_size=2").json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert "page=2" in page["next"]
    assert len(api.get("/api/v1/stores/?page=2&page_size=2").json()["results"]) == 1
    # Past the cap, the cap.
    assert len(api.get("/api/v1/stores/?page_size=1000").json()["results"]) == 3


def test_a_page_past_the_last_is_a_problem(api, make_store):
    make_store(listings=0)
    response = api.get("/api/v1/stores/?page=9")
    assert response.status_code == 404
    assert response.json()["code"] == "invalid_page"


def _queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_3_and_12_stores(api, make_store):
    for _ in range(3):
        make_store(listings=1)
    three = _queries(api, "/api/v1/stores/?page_size=50")
    for _ in range(9):
        make_store(listings=1)
    assert _queries(api, "/api/v1/stores/?page_size=50") == three
    assert three <= 3


def test_a_store_by_its_slug(api, make_store):
    make_store(slug="epicerie")
    response = api.get("/api/v1/stores/epicerie/")
    assert response.status_code == 200
    assert response.json()["slug"] == "epicerie"


@pytest.mark.parametrize("status", [StoreStatus.PENDING, StoreStatus.REFUSED])
def test_a_store_not_approved_is_not_found(api, make_store, status):
    make_store(slug="cachee", status=status)
    response = api.get("/api/v1/stores/cachee/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_the_category_tree(api):
    food = Category.objects.create(slug="alimentation", name_fr="Alimentation", name_en="Food")
    Category.objects.create(slug="pain", name_fr="Pain", parent=food, position=1)
    Category.objects.create(slug="fromages", name_fr="Fromages", name_en="Cheese", parent=food)
    Category.objects.create(slug="livres", name_fr="Livres", name_en="Books", position=1)
    with CaptureQueriesContext(connection) as captured:
        api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = api.get("/api/v1/categories/")
    assert len(captured) == 1
    tree = response.json()
    assert [root["slug"] for root in tree] == ["alimentation", "livres"]
    assert tree[0]["name"] == "Food"
    assert [child["slug"] for child in tree[0]["children"]] == ["fromages", "pain"]
    assert tree[0]["children"][1] == {
        "slug": "pain",
        "name": "Pain",
        "name_fr": "Pain",
        "name_en": "",
        "children": [],
    }
