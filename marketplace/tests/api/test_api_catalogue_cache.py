"""The catalogue search's cache (marketplace/search_cache.py): the API's answer is the
same bytes as before the cache and the plain rows; a repeat is answered from the cache
(a visitor's without a query), with an ETag; a bad query is never cached; credentials,
throttles and content negotiation still decide; and every write to what a search shows
is seen by the next search once it commits, on every write path."""

import io
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import translation
from PIL import Image
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.urls import replace_query_param

from marketplace import orders
from marketplace.api.catalogue import (
    CatalogueQuerySerializer,
    CatalogueResultSerializer,
    CatalogueSearch,
)
from marketplace.checkout import checkout_start, order_payment_succeeded, order_release
from marketplace.models import (
    Category,
    Listing,
    ListingPhoto,
    ListingStatus,
    Order,
    OrderStatus,
    Store,
    Variant,
)
from marketplace.search import catalogue_search, cover_photos
from marketplace.search_cache import catalogue_changed, catalogue_version
from marketplace.services import (
    category_upsert,
    listing_photo_add,
    listing_photo_move,
    listing_photo_remove,
    listing_status_set,
    listing_update,
    store_staff_set,
    store_suspend,
    store_update,
    variant_update,
    variant_upsert,
)
from marketplace.tests.api.conftest import bearer, bearer_token
from marketplace.tests.conftest import SAINT_ROCH, add_listing
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/catalogue/"


def _jpeg(colour: str = "red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def pictured(shelf, store_worker, settings, tmp_path):
    """The shelf, the bakery's sourdough with two photos."""
    settings.MEDIA_ROOT = tmp_path
    store_staff_set(store=shelf["baker"], user=store_worker, acting_user=None)
    bread = Listing.objects.get(title_fr="Pain de campagne au levain")
    listing_photo_add(
        listing=bread, upload=_jpeg(), alt_fr="Une miche", alt_en="A loaf", acting_user=store_worker
    )
    listing_photo_add(
        listing=bread, upload=_jpeg("blue"), alt_fr="La mie", acting_user=store_worker
    )
    return shelf


def _body_before_the_cache(params: dict, language: str) -> bytes:
    """What GET /api/v1/catalogue/ answered before the plain rows and the cache: model
    instances through CatalogueResultSerializer (the code this change replaced)."""
    request = Request(RequestFactory().get(SEARCH, params))
    with translation.override(language):
        query = CatalogueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        page = catalogue_search(
            text=data["q"],
            category=data.get("category"),
            store=Store(pk=data["store"]) if "store" in data else None,
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
            in_stock=data["in_stock"],
            position=(data["lat"], data["lon"]) if "lat" in data else None,
            max_distance_km=data.get("max_km"),
            sort=data.get("sort", ""),
            page=data["page"],
            page_size=data["page_size"],
        )
        url = request.build_absolute_uri()
        context = {
            "request": request,
            "covers": cover_photos([result.listing.pk for result in page.results]),
        }
        body = {
            "count": page.total,
            "count_capped": page.total_capped,
            "next": replace_query_param(url, "page", page.page + 1) if page.has_next else None,
            "previous": (
                replace_query_param(url, "page", page.page - 1) if page.has_previous else None
            ),
            "results": CatalogueResultSerializer(page.results, many=True, context=context).data,
        }
    return JSONRenderer().render(body)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "pain"},
        {"q": "érable"},
        {"category": "alimentation", "sort": "price", "in_stock": "true"},
        {"sort": "-price", "price_max": "10"},
        {"lat": SAINT_ROCH[0], "lon": SAINT_ROCH[1], "sort": "distance"},
        {"lat": SAINT_ROCH[0], "lon": SAINT_ROCH[1], "max_km": "5"},
        {"lat": SAINT_ROCH[0], "lon": SAINT_ROCH[1]},
        {"page_size": "2", "page": "2"},
        {"store": "fromagerie"},
    ],
)
def test_the_answer_is_byte_for_byte_what_the_serializers_gave(api, pictured, params, language):
    api.cookies["django_language"] = language
    expected = _body_before_the_cache(params, language)
    first = api.get(SEARCH, params)
    assert first.status_code == 200, first.content
    assert first.content == expected
    # And the same bytes again, from the cache.
    assert api.get(SEARCH, params).content == expected


# --- Answered from the cache -----------------------------------------------------------


def test_a_visitors_repeat_costs_no_query_and_the_same_headers(
    api, shelf, django_assert_num_queries
):
    first = api.get(SEARCH, {"q": "pain"})
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = api.get(SEARCH, {"q": "pain"})
    assert again.content == first.content
    assert dict(again.headers) == dict(first.headers)
    assert again["Content-Type"] == "application/json"
    assert again["ETag"].startswith('"') and again["Cache-Control"] == "no-cache"


def test_an_etag_the_client_holds_is_a_304(api, shelf):
    etag = api.get(SEARCH)["ETag"]
    not_modified = api.get(SEARCH, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    # The same tag on a search the cache has forgotten: still not modified.
    catalogue_changed()
    assert api.get(SEARCH, HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304
    # Once the catalogue changes, the bytes change and so does the tag.
    add_listing(shelf["baker"], "Baguette")
    changed = api.get(SEARCH, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_same_query_spelled_otherwise_shares_the_results_not_the_links(api, shelf):
    one = api.get(SEARCH + "?sort=newest&page_size=1").json()
    other = api.get(SEARCH + "?page_size=1&sort=newest&unknown=1").json()
    assert one["results"] == other["results"]
    # The links keep every parameter of the URL asked for, unknown ones included.
    assert one["next"] == "http://testserver/api/v1/catalogue/?page=2&page_size=1&sort=newest"
    assert other["next"].endswith("&unknown=1")


def test_each_language_its_own_answer(api, shelf):
    french = api.get(SEARCH, {"q": "grains"})
    api.cookies["django_language"] = "en"
    english = api.get(SEARCH, {"q": "grains"})
    assert french.json()["results"][0]["title"] == "Fromage en grains"
    assert english.json()["results"][0]["title"] == "Cheese curds"
    assert (french["Content-Language"], english["Content-Language"]) == ("fr", "en")
    assert french["ETag"] != english["ETag"]


@pytest.mark.parametrize(
    ("params", "status"),
    [({"page_size": "500"}, 400), ({"sort": "cheapest"}, 400), ({"page": "99"}, 404)],
)
def test_a_bad_query_is_never_cached(api, shelf, params, status):
    for _attempt in range(3):
        response = api.get(SEARCH, params)
        assert response.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        assert "ETag" not in response


def test_the_throttles_count_the_answers_from_the_cache(api, shelf, monkeypatch):
    class TwoPerHour(AnonRateThrottle):
        scope = "test-catalogue-cache"
        THROTTLE_RATES = {"test-catalogue-cache": "2/hour"}

    monkeypatch.setattr(CatalogueSearch, "throttle_classes", [TwoPerHour])
    assert api.get(SEARCH).status_code == 200  # searched
    assert api.get(SEARCH).status_code == 200  # from the cache
    refused = api.get(SEARCH)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert "Retry-After" in refused


def test_a_bad_token_is_refused_even_for_a_cached_answer(api, shelf, shopper, phone_app):
    assert api.get(SEARCH).status_code == 200
    refused = api.get(SEARCH, **bearer("not-a-token"))
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    unscoped = bearer_token(client=phone_app, user=shopper, scope="openid")
    assert api.get(SEARCH, **bearer(unscoped)).status_code == 403
    scoped = bearer_token(client=phone_app, user=shopper)
    answered = api.get(SEARCH, **bearer(scoped))
    assert answered.status_code == 200
    assert answered.content == api.get(SEARCH).content


def test_a_signed_in_person_gets_the_same_bytes(api, shelf, shopper):
    visitor = api.get(SEARCH, {"q": "pain"})
    api.force_login(shopper)
    signed_in = api.get(SEARCH, {"q": "pain"})
    assert signed_in.status_code == 200
    assert signed_in.content == visitor.content
    assert signed_in["ETag"] == visitor["ETag"]


def test_an_accept_header_json_cannot_answer_is_still_refused(api, shelf):
    assert api.get(SEARCH).status_code == 200
    assert api.get(SEARCH, HTTP_ACCEPT="text/html").status_code == 406
    indented = api.get(SEARCH, HTTP_ACCEPT="application/json; indent=2")
    assert indented.status_code == 200
    assert indented.content.startswith(b"{\n")


def test_no_cache_when_the_setting_is_zero(api, shelf, settings):
    settings.MARKETPLACE_SEARCH_CACHE_SECONDS = 0
    first = api.get(SEARCH, {"q": "pain"})
    assert "ETag" not in first
    add_listing(shelf["baker"], "Pain aux olives")
    assert "Pain aux olives" in [
        r["title"] for r in api.get(SEARCH, {"q": "pain"}).json()["results"]
    ]


# --- Every write is seen by the next search ----------------------------------------------


def _search(api, **params) -> dict:
    response = api.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def _titles(api, **params) -> list[str]:
    return [result["title"] for result in _search(api, **params)["results"]]


def _result(api, title: str, **params) -> dict:
    return next(r for r in _search(api, **params)["results"] if r["title"] == title)


def test_a_search_during_a_write_is_forgotten_when_it_commits(
    db, settings, django_capture_on_commit_callbacks
):
    settings.MARKETPLACE_SEARCH_CACHE_SECONDS = 60
    before = catalogue_version()
    with django_capture_on_commit_callbacks(execute=True):
        catalogue_changed()
        # Another process searching now reads the rows the write is replacing.
        during = catalogue_version()
        assert during != before
    assert catalogue_version() not in (before, during)


def test_a_listing_changed_or_unpublished(api, shelf, django_capture_on_commit_callbacks):
    bread = Listing.objects.get(title_fr="Pain de campagne au levain")
    assert "Pain de campagne au levain" in _titles(api)
    with django_capture_on_commit_callbacks(execute=True):
        listing_update(listing=bread, acting_user=None, title_fr="Pain au levain naturel")
    assert "Pain au levain naturel" in _titles(api)
    with django_capture_on_commit_callbacks(execute=True):
        listing_status_set(listing=bread, status=ListingStatus.UNPUBLISHED, acting_user=None)
    assert "Pain au levain naturel" not in _titles(api)


def test_a_new_listing_and_a_new_variant(api, shelf, django_capture_on_commit_callbacks):
    assert _titles(api, q="brioche") == []
    with django_capture_on_commit_callbacks(execute=True):
        brioche = add_listing(shelf["baker"], "Brioche tressée", prices=("6.00",))
    assert _titles(api, q="brioche") == ["Brioche tressée"]
    with django_capture_on_commit_callbacks(execute=True):
        variant_upsert(
            store=shelf["baker"],
            listing=brioche,
            sku="brioche-mini",
            name="Mini",
            price="2.00",
            size_class="S",
            weight_grams=50,
            initial_stock=4,
        )
    assert _result(api, "Brioche tressée", q="brioche")["lowest_price"] == "2.00"


def test_a_price_and_a_stock_set_by_the_store(api, shelf, django_capture_on_commit_callbacks):
    curds = Listing.objects.get(title_fr="Fromage en grains")
    variant = curds.variants.order_by("price").first()
    assert _result(api, "Fromage en grains")["lowest_price"] == "5.75"
    with django_capture_on_commit_callbacks(execute=True):
        variant_update(variant=variant, acting_user=None, price="4.99")
    assert _result(api, "Fromage en grains")["lowest_price"] == "4.99"
    assert "Fromage en grains" in _titles(api, in_stock="true")
    for each in curds.variants.all():
        with django_capture_on_commit_callbacks(execute=True):
            # The stock is set by a conditional UPDATE: no post_save.
            variant_update(variant=each, acting_user=None, stock=0, stock_seen=each.stock)
    assert "Fromage en grains" not in _titles(api, in_stock="true")
    assert _result(api, "Fromage en grains")["in_stock"] is False


def test_a_store_renamed_moved_or_suspended(api, shelf, django_capture_on_commit_callbacks):
    cheese = shelf["cheesemonger"]
    assert _result(api, "Fromage en grains")["store"]["slug"] == "fromagerie"
    with django_capture_on_commit_callbacks(execute=True):
        store_update(store=cheese, acting_user=None, name="La Fromagerie du quartier")
    assert _result(api, "Fromage en grains")["store"]["name"] == "La Fromagerie du quartier"
    near = {"lat": SAINT_ROCH[0], "lon": SAINT_ROCH[1], "max_km": "5"}
    assert "Fromage en grains" in _titles(api, **near)
    with django_capture_on_commit_callbacks(execute=True):
        store_update(store=cheese, acting_user=None, latitude=Decimal("45.5"))
    assert "Fromage en grains" not in _titles(api, **near)
    with django_capture_on_commit_callbacks(execute=True):
        store_suspend(store=cheese, reason="Fermé.", acting_user=None)
    assert "Fromage en grains" not in _titles(api)


def test_a_category_renamed(api, shelf, django_capture_on_commit_callbacks):
    assert _result(api, "Fromage en grains")["category"]["name"] == "Fromagerie"
    with django_capture_on_commit_callbacks(execute=True):
        category_upsert(slug="fromagerie", name_fr="Fromages fins", name_en="Fine cheese")
    assert _result(api, "Fromage en grains")["category"]["name"] == "Fromages fins"
    assert Category.objects.get(slug="fromagerie").name_fr == "Fromages fins"


def test_photos_added_moved_and_removed(
    api, shelf, store_worker, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    store_staff_set(store=shelf["baker"], user=store_worker, acting_user=None)
    bread = Listing.objects.get(title_fr="Pain de campagne au levain")
    title = "Pain de campagne au levain"
    assert _result(api, title)["thumbnail"] is None
    with django_capture_on_commit_callbacks(execute=True):
        listing_photo_add(
            listing=bread, upload=_jpeg(), alt_fr="Une miche", acting_user=store_worker
        )
        listing_photo_add(
            listing=bread, upload=_jpeg("blue"), alt_fr="La mie", acting_user=store_worker
        )
    assert _result(api, title)["thumbnail"]["alt"] == "Une miche"
    second = ListingPhoto.objects.get(listing=bread, alt_fr="La mie")
    with django_capture_on_commit_callbacks(execute=True):
        # Positions change by UPDATE: no post_save.
        listing_photo_move(photo=second, offset=-1, acting_user=store_worker)
    assert _result(api, title)["thumbnail"]["alt"] == "La mie"
    for photo in ListingPhoto.objects.filter(listing=bread):
        with django_capture_on_commit_callbacks(execute=True):
            listing_photo_remove(photo=photo, acting_user=store_worker)
    assert _result(api, title)["thumbnail"] is None


# Checkout and orders change stock by UPDATE, under row locks.


@pytest.fixture
def grocer(make_store):
    store = make_store(slug="epicerie", listings=1)
    payout_account_add(store)
    stocked(store, stock=1)
    return store


def _checkout(shopper, variants, key: str) -> Order:
    order = checkout_start(
        cart=cart_fill(shopper, [(variant, 1) for variant in variants]),
        buyer=shopper,
        speed="express",
        pickup_kind="store_counter",
        idempotency_key=key,
        acting_user=shopper,
    )
    return Order.objects.select_related("payment").get(pk=order.pk)


def test_checkout_takes_the_last_units_and_a_cancel_gives_them_back(
    api, grocer, shopper, django_capture_on_commit_callbacks
):
    variants = list(grocer.variants.order_by("pk"))
    in_stock = {"store": "epicerie", "in_stock": "true"}
    assert _search(api, **in_stock)["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        order = _checkout(shopper, variants, "cache-test-1")
    assert _search(api, **in_stock)["count"] == 0
    assert _search(api, store="epicerie")["results"][0]["in_stock"] is False
    with django_capture_on_commit_callbacks(execute=True):
        order_release(order_id=order.pk, to=OrderStatus.CANCELLED, actor=shopper, reason="Test.")
    assert _search(api, **in_stock)["count"] == 1


def test_a_paid_order_cancelled_puts_the_units_back(
    api, grocer, shopper, django_capture_on_commit_callbacks
):
    variants = list(grocer.variants.order_by("pk"))
    in_stock = {"store": "epicerie", "in_stock": "true"}
    with django_capture_on_commit_callbacks(execute=True):
        order = _checkout(shopper, variants, "cache-test-2")
        order_payment_succeeded(paid_event(order))
    assert _search(api, **in_stock)["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_cancel(order=Order.objects.get(pk=order.pk), acting_user=shopper)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    assert _search(api, **in_stock)["count"] == 1


def test_a_sale_that_leaves_units_keeps_the_cached_searches(api, make_store, shopper):
    """Only running out (or coming back) changes what a search shows."""
    store = make_store(slug="epicerie", listings=1)
    payout_account_add(store)
    variants = stocked(store, stock=5)
    _search(api, store="epicerie")
    version = catalogue_version()
    _checkout(shopper, variants[:1], "cache-test-3")
    assert catalogue_version() == version
    assert Variant.objects.get(pk=variants[0].pk).stock == 4


# --- Real transactions on PostgreSQL -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_search_while_a_price_change_is_uncommitted_is_not_served_after_it(
    postgresql_only, shelf, settings
):
    """Another connection changes a price and holds its transaction open; a search in
    the meantime sees (and caches) the old price; once the change commits, the next
    search shows the new one."""
    from django.test import Client

    api = Client(HTTP_ACCEPT="application/json")
    variant = Listing.objects.get(title_fr="Fromage en grains").variants.order_by("price")[0]
    written, release = threading.Event(), threading.Event()

    def write() -> None:
        try:
            with transaction.atomic():
                variant_update(
                    variant=Variant.objects.get(pk=variant.pk), acting_user=None, price="1.99"
                )
                written.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    assert written.wait(10)
    assert _result(api, "Fromage en grains")["lowest_price"] == "5.75"
    assert _result(api, "Fromage en grains")["lowest_price"] == "5.75"  # cached
    release.set()
    writer.join(10)
    assert _result(api, "Fromage en grains")["lowest_price"] == "1.99"
