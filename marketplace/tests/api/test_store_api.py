"""The point-of-sale API (/api/v1/store/, docs/store-api.md), through HTTP: its keys,
each refusal, each endpoint, a key never reaching another store, the bulk stock update
(all or nothing, constant queries, reservations respected) and the rate limit per key."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern

from identity.models import AuditEvent
from marketplace.api import store_urls
from marketplace.checkout import checkout_start
from marketplace.models import (
    Cart,
    Listing,
    ReservationStatus,
    StockReservation,
    StoreApiKey,
    StoreStatus,
    Variant,
)
from marketplace.search_cache import CATALOGUE_VERSION_KEY
from marketplace.services import (
    payout_account_record,
    store_staff_remove,
    store_suspend,
)
from marketplace.store_api import KEY_PATTERN, store_api_key_digest, store_api_key_revoke
from marketplace.tests.api.store_keys import auth, key_for, owner_of
from marketplace.tests.shop import cart_fill, stocked

pytestmark = pytest.mark.django_db

BASE = "/api/v1/store/"


def call(client, method, path, key, body=None, **headers):
    kwargs = {**auth(key), **headers} if key is not None else dict(headers)
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = "application/json"
    return getattr(client, method)(path, **kwargs)


def problem_code(response):
    assert response["Content-Type"] == "application/problem+json", response.content
    return response.json()["code"]


@pytest.fixture
def store(make_store):
    return make_store(slug="epicerie")


@pytest.fixture
def other(make_store):
    return make_store(slug="librairie")


@pytest.fixture
def owner(store):
    return owner_of(store)


@pytest.fixture
def key(store, owner):
    return key_for(store, owner=owner)[1]


# --- Keys ------------------------------------------------------------------------------


def test_a_key_is_shown_once_and_stored_as_a_digest(store, owner):
    api_key, key = key_for(store, owner=owner, scope="read")
    match = KEY_PATTERN.fullmatch(key)
    assert match is not None
    assert api_key.prefix == match.group(1)
    stored = StoreApiKey.objects.get(pk=api_key.pk)
    assert stored.secret_digest == store_api_key_digest(key)
    assert key not in {getattr(stored, f.attname) for f in StoreApiKey._meta.concrete_fields}
    event = AuditEvent.objects.get(action="store_api_key.create")
    assert (event.acting_user, event.target_id) == (owner, str(api_key.pk))
    assert key not in json.dumps(event.detail)


def test_revoking_is_audited_once_and_the_key_then_opens_nothing(client, store, owner):
    api_key, key = key_for(store, owner=owner)
    assert call(client, "get", BASE + "key/", key).status_code == 200
    store_api_key_revoke(api_key=api_key, acting_user=owner)
    store_api_key_revoke(api_key=api_key, acting_user=owner)
    assert AuditEvent.objects.filter(action="store_api_key.revoke").count() == 1
    response = call(client, "get", BASE + "key/", key)
    assert response.status_code == 401
    assert problem_code(response) == "invalid_store_api_key"


@pytest.mark.parametrize("who", ["staff", "stranger", "inactive owner"])
def test_only_an_active_owner_makes_keys(store, owner, who):
    from django.core.exceptions import PermissionDenied

    from identity.services import user_create
    from marketplace.services import store_staff_set
    from marketplace.store_api import store_api_key_create

    person = user_create(
        email=f"{who.replace(' ', '')}@example.com",
        password="x" * 12,
        given_name="Alex",
        family_name="Roy",
    )
    if who == "staff":
        store_staff_set(store=store, user=person, role="staff", acting_user=None)
    if who == "inactive owner":
        person = owner
        person.is_active = False
        person.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        store_api_key_create(store=store, name="x", scope="read", acting_user=person)


def test_a_store_not_approved_gets_no_key(make_store):
    pending = make_store(slug="en-attente", status=StoreStatus.PENDING)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        key_for(pending)


# --- Authentication ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer not-a-store-key",
        "Bearer uqs_0123456789abcdef_" + "A" * 43,
        "Bearer uqs_0123456789ABCDEF_" + "A" * 43,
        "Bearer uqs_0123456789abcdef_" + "A" * 400,
    ],
    ids=["basic", "empty", "garbage", "unknown", "bad-prefix", "too-long"],
)
def test_a_malformed_or_unknown_key_is_a_401_with_its_challenge(client, key, header):
    response = client.get(BASE + "listings/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert problem_code(response) == "invalid_store_api_key"
    assert response["WWW-Authenticate"].startswith("Bearer realm=")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_no_key_is_a_401_not_authenticated(client, key):
    response = client.get(BASE + "listings/")
    assert response.status_code == 401
    assert problem_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="uniqc-store-api"'


def test_the_right_prefix_with_a_wrong_secret_is_refused(client, store, owner):
    api_key, key = key_for(store, owner=owner)
    forged = f"{api_key.prefix}_{'B' * 43}"
    assert forged != key
    response = call(client, "get", BASE + "key/", forged)
    assert response.status_code == 401


def test_a_key_of_a_suspended_store_is_refused_clearly(client, store, key):
    store_suspend(store=store, reason="Plaintes répétées.", acting_user=None)
    response = call(client, "get", BASE + "listings/", key)
    assert response.status_code == 403
    assert problem_code(response) == "store_not_approved"


def test_a_key_whose_maker_no_longer_owns_the_store_is_refused(client, store, owner, key):
    store_staff_remove(store=store, user=owner, acting_user=None)
    response = call(client, "get", BASE + "listings/", key)
    assert response.status_code == 403
    assert problem_code(response) == "api_key_owner_left"


def test_last_use_is_written_at_most_once_a_minute(client, store, owner):
    api_key, key = key_for(store, owner=owner)
    assert api_key.last_used_at is None
    call(client, "get", BASE + "key/", key)
    first = StoreApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None
    call(client, "get", BASE + "key/", key)
    assert StoreApiKey.objects.get(pk=api_key.pk).last_used_at == first
    StoreApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first - timedelta(minutes=2))
    call(client, "get", BASE + "key/", key)
    assert StoreApiKey.objects.get(pk=api_key.pk).last_used_at > first


def test_the_key_endpoint_says_which_store_and_scope(client, store, owner):
    api_key, key = key_for(store, owner=owner, scope="read")
    body = call(client, "get", BASE + "key/", key).json()
    assert body["prefix"] == api_key.prefix
    assert body["scope"] == "read"
    assert body["store"]["slug"] == "epicerie"


# --- Every endpoint, with another store's key -------------------------------------------


def _other_listing(other):
    return Listing.objects.filter(store=other).order_by("pk").first()


def _other_variant(other):
    return Variant.objects.filter(store=other).order_by("pk").first()


def _other_state(other):
    return (
        list(Listing.objects.filter(store=other).order_by("pk").values()),
        list(Variant.objects.filter(store=other).order_by("pk").values()),
    )


# (name, method, path of `other`'s data, body, status): each endpoint and method of
# store_urls, aimed at the other store's data.
CROSS_STORE_CASES = [
    ("key", "get", lambda o: "key/", None, 200),
    ("listing_list", "get", lambda o: "listings/", None, 200),
    (
        "listing_list",
        "post",
        lambda o: "listings/",
        {"title_fr": "Intrus", "description_fr": "Ailleurs."},
        201,
    ),
    ("listing_detail", "get", lambda o: f"listings/{_other_listing(o).pk}/", None, 404),
    (
        "listing_detail",
        "patch",
        lambda o: f"listings/{_other_listing(o).pk}/",
        {"title_fr": "Volé"},
        404,
    ),
    ("variant_list", "get", lambda o: "variants/", None, 200),
    ("variant_list", "get", lambda o: f"variants/?sku={_other_variant(o).sku}", None, 200),
    ("variant_list", "post", lambda o: "variants/", "other-listing", 400),
    ("variant_detail", "get", lambda o: f"variants/{_other_variant(o).pk}/", None, 404),
    (
        "variant_detail",
        "patch",
        lambda o: f"variants/{_other_variant(o).pk}/",
        {"price": "0.50"},
        404,
    ),
    ("stock", "post", lambda o: "stock/", "other-sku", 400),
]


def test_the_cross_store_cases_cover_every_endpoint():
    names = {p.name for p in store_urls.urlpatterns if isinstance(p, URLPattern)}
    assert {case[0] for case in CROSS_STORE_CASES} == names
    for pattern in store_urls.urlpatterns:
        view = pattern.callback.view_class
        methods = {m for m in ("get", "post", "patch", "put", "delete") if hasattr(view, m)}
        covered = {case[1] for case in CROSS_STORE_CASES if case[0] == pattern.name}
        assert methods == covered, pattern.name


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "expected"),
    CROSS_STORE_CASES,
    ids=[f"{c[1]}-{c[0]}-{i}" for i, c in enumerate(CROSS_STORE_CASES)],
)
def test_a_key_never_reads_or_changes_another_stores_data(
    client, store, other, key, name, method, path, body, expected
):
    """The key of `store` aimed at `other`'s listings, variants and SKUs: nothing of
    `other` is shown or changed, whatever the endpoint."""
    other_listings = set(Listing.objects.filter(store=other).values_list("pk", flat=True))
    other_variants = set(Variant.objects.filter(store=other).values_list("pk", flat=True))
    if body == "other-listing":
        body = {
            "listing": _other_listing(other).pk,
            "sku": "INTRUS-1",
            "name": "Intrus",
            "price": "1.00",
            "size_class": "S",
            "weight_grams": 10,
        }
    elif body == "other-sku":
        body = {"items": [{"sku": _other_variant(other).sku, "stock": 999}]}
    before = _other_state(other)
    url = BASE + path(other)
    response = call(client, method, url, key, body, HTTP_IDEMPOTENCY_KEY=f"x-{name}-{method}")
    assert response.status_code == expected, response.content
    assert _other_state(other) == before
    text = response.content.decode()
    assert "librairie" not in text  # the other store's slug, in its SKUs and its name
    assert "Magasin 2" not in text
    payload = response.json()
    if isinstance(payload, dict) and "results" in payload:
        shown = {row["id"] for row in payload["results"]}
        assert bool(shown) == ("sku=" not in url)  # its own rows, none of the other's
        assert not shown & (other_listings if name == "listing_list" else other_variants)
    if isinstance(payload, dict) and "listing" in payload and "sku" in payload:
        assert payload["listing"] not in other_listings


# --- Listings and variants -----------------------------------------------------------------


def test_listings_are_paginated_with_their_variants(client, store, key):
    body = call(client, "get", BASE + "listings/?page_size=1", key).json()
    assert body["count"] == 2
    assert body["next"]
    [listing] = body["results"]
    assert [v["sku"] for v in listing["variants"]] == ["epicerie-0-A", "epicerie-0-B"]
    assert listing["variants"][0]["price"] == "4.50"


def test_listing_reads_cost_the_same_for_2_and_20_listings(client, store, key, make_store):
    from marketplace.tests.conftest import add_listing

    call(client, "get", BASE + "listings/", key)  # the key's first use is noted once
    with CaptureQueriesContext(connection) as few:
        call(client, "get", BASE + "listings/", key)
    for i in range(18):
        add_listing(store, f"Article en plus {i}")
    with CaptureQueriesContext(connection) as many:
        response = call(client, "get", BASE + "listings/", key)
    assert response.json()["count"] == 20
    assert len(many) == len(few)


def test_a_listing_is_created_once_per_idempotency_key(client, store, owner, key):
    body = {"title_fr": "Pain de campagne", "description_fr": "Au levain.", "category": None}
    first = call(client, "post", BASE + "listings/", key, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    assert first.json()["status"] == "draft"
    again = call(client, "post", BASE + "listings/", key, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Listing.objects.filter(store=store, title_fr="Pain de campagne").count() == 1
    event = AuditEvent.objects.get(action="listing.create")
    assert event.acting_user == owner
    changed = dict(body, title_fr="Autre pain")
    reused = call(client, "post", BASE + "listings/", key, changed, HTTP_IDEMPOTENCY_KEY="k-1")
    assert reused.status_code == 422
    assert problem_code(reused) == "idempotency_key_reused"


def test_a_create_without_idempotency_key_is_refused(client, key):
    body = {"title_fr": "Pain", "description_fr": "Au levain."}
    response = call(client, "post", BASE + "listings/", key, body)
    assert response.status_code == 400
    assert problem_code(response) == "idempotency_key_required"


def test_invalid_listing_fields_are_named(client, key):
    body = {"title_fr": "", "category": "inconnue"}
    response = call(client, "post", BASE + "listings/", key, body, HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 400
    assert problem_code(response) == "invalid"
    assert {"title_fr", "description_fr", "category"} <= set(response.json()["errors"])


def test_a_listing_is_changed_and_published(client, store, key):
    listing = Listing.objects.filter(store=store).order_by("pk").first()
    response = call(
        client, "patch", f"{BASE}listings/{listing.pk}/", key, {"title_en": "Country bread"}
    )
    assert response.status_code == 200
    assert response.json()["title_en"] == "Country bread"
    assert AuditEvent.objects.filter(action="listing.update", target_id=str(listing.pk)).exists()
    unpublished = call(
        client, "patch", f"{BASE}listings/{listing.pk}/", key, {"status": "unpublished"}
    )
    assert unpublished.json()["status"] == "unpublished"
    refused = call(client, "patch", f"{BASE}listings/{listing.pk}/", key, {"status": "published"})
    assert refused.status_code == 409
    assert problem_code(refused) == "payout_account_required"
    payout_account_record(
        store=store, gateway="offline", account_id="acct_epicerie", transfers_enabled=True,
        is_test=True, acting_user=None,
    )  # fmt: skip
    published = call(client, "patch", f"{BASE}listings/{listing.pk}/", key, {"status": "published"})
    assert published.json()["status"] == "published"


def test_a_variant_is_created_changed_and_found_by_sku(client, store, key):
    listing = Listing.objects.filter(store=store).order_by("pk").first()
    body = {
        "listing": listing.pk,
        "sku": "PAIN-800",
        "name": "800 g",
        "price": "6.50",
        "size_class": "S",
        "weight_grams": 850,
        "stock": 14,
    }
    created = call(client, "post", BASE + "variants/", key, body, HTTP_IDEMPOTENCY_KEY="v-1")
    assert created.status_code == 201
    assert created.json()["stock"] == 14
    duplicate = call(client, "post", BASE + "variants/", key, body, HTTP_IDEMPOTENCY_KEY="v-2")
    assert duplicate.status_code == 400
    assert "sku" in duplicate.json()["errors"]
    variant_id = created.json()["id"]
    changed = call(client, "patch", f"{BASE}variants/{variant_id}/", key, {"price": "7.25"})
    assert changed.status_code == 200
    assert Variant.objects.get(pk=variant_id).price == Decimal("7.25")
    found = call(client, "get", BASE + "variants/?sku=PAIN-800", key).json()
    assert [v["id"] for v in found["results"]] == [variant_id]
    assert call(client, "get", BASE + "variants/?sku=NOPE", key).json()["count"] == 0
    assert call(client, "get", f"{BASE}variants/{variant_id}/", key).json()["sku"] == "PAIN-800"


def test_a_bad_variant_change_is_a_400(client, store, key):
    variant = Variant.objects.filter(store=store).first()
    for body in ({"price": "0"}, {"size_class": "XL"}, {}, {"weight_grams": -1}):
        response = call(client, "patch", f"{BASE}variants/{variant.pk}/", key, body)
        assert response.status_code == 400, body
        assert problem_code(response) == "invalid"


# --- A read-only key -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "listings/", {"title_fr": "Pain", "description_fr": "Au levain."}),
        ("patch", "listings/{listing}/", {"title_fr": "Pain"}),
        ("post", "variants/", {"listing": 1}),
        ("patch", "variants/{variant}/", {"price": "1.00"}),
        ("post", "stock/", {"items": [{"sku": "epicerie-0-A", "stock": 9}]}),
    ],
)
def test_a_read_only_key_cannot_write(client, store, owner, method, path, body):
    _api_key, key = key_for(store, owner=owner, scope="read")
    listing = Listing.objects.filter(store=store).first()
    variant = Variant.objects.filter(store=store).first()
    before = _other_state(store)
    url = BASE + path.format(listing=listing.pk, variant=variant.pk)
    response = call(client, method, url, key, body, HTTP_IDEMPOTENCY_KEY="ro-1")
    assert response.status_code == 403
    assert problem_code(response) == "api_key_read_only"
    assert _other_state(store) == before
    assert call(client, "get", BASE + "listings/", key).status_code == 200


# --- Bulk stock -----------------------------------------------------------------------------


def test_stock_is_set_by_sku(client, store, key):
    cache.set(CATALOGUE_VERSION_KEY, "before")
    items = [{"sku": "epicerie-0-A", "stock": 12}, {"sku": "epicerie-1-B", "stock": 0}]
    response = call(client, "post", BASE + "stock/", key, {"items": items})
    assert response.status_code == 200
    assert response.json()["items"][0] == {
        "sku": "epicerie-0-A",
        "on_hand": 12,
        "reserved": 0,
        "stock": 12,
    }
    assert Variant.objects.get(store=store, sku="epicerie-0-A").stock == 12
    assert cache.get(CATALOGUE_VERSION_KEY) is None  # the search forgets what it showed
    [event] = AuditEvent.objects.filter(action="variant.stock_bulk_set")
    assert event.detail["changes"] == [{"sku": "epicerie-0-A", "before": 3, "after": 12}]
    assert event.detail["api_key"].startswith("uqs_")


def test_stock_held_by_a_pending_checkout_is_respected(client, store, key, make_person):
    [small, *_rest] = stocked(store, stock=5)
    shopper = make_person("lea@example.com", "shopper")
    cart_fill(shopper, [(small, 2)])
    checkout_start(
        cart=Cart.objects.get(owner=shopper),
        buyer=shopper,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key="pos-held",
        acting_user=shopper,
    )
    assert StockReservation.objects.get(variant=small).status == ReservationStatus.HELD
    small.refresh_from_db()
    assert small.stock == 3
    response = call(
        client, "post", BASE + "stock/", key, {"items": [{"sku": small.sku, "stock": 10}]}
    )
    assert response.json()["items"] == [
        {"sku": small.sku, "on_hand": 10, "reserved": 2, "stock": 8}
    ]
    small.refresh_from_db()
    assert small.stock == 8
    low = call(client, "post", BASE + "stock/", key, {"items": [{"sku": small.sku, "stock": 1}]})
    assert low.json()["items"][0]["stock"] == 0


def test_one_bad_item_changes_nothing_and_every_bad_item_is_named(client, store, key):
    before = _other_state(store)
    items = [
        {"sku": "epicerie-0-A", "stock": 7},
        {"sku": "INCONNU", "stock": 1},
        {"sku": "epicerie-0-B", "stock": -1},
        {"sku": "epicerie-0-A", "stock": 2},
        {"sku": "epicerie-1-A", "stock": "beaucoup"},
    ]
    response = call(client, "post", BASE + "stock/", key, {"items": items})
    assert response.status_code == 400
    assert problem_code(response) == "invalid"
    errors = response.json()["errors"]
    assert set(errors) >= {"items[2].stock", "items[4].stock"}
    assert _other_state(store) == before
    # With every value well formed, the rules of the whole request: unknown and twice.
    items[2]["stock"] = 1
    items[4]["stock"] = 1
    response = call(client, "post", BASE + "stock/", key, {"items": items})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"items[1].sku", "items[3].sku"}
    assert _other_state(store) == before
    assert not AuditEvent.objects.filter(action="variant.stock_bulk_set").exists()


@pytest.mark.parametrize("count", [0, 1001])
def test_between_1_and_1000_items(client, key, count):
    items = [{"sku": f"S{i}", "stock": 1} for i in range(count)]
    response = call(client, "post", BASE + "stock/", key, {"items": items})
    assert response.status_code == 400
    assert "items" in response.json()["errors"]


def _variants(store, count):
    listing = Listing.objects.filter(store=store).first()
    Variant.objects.bulk_create(
        Variant(
            store=store,
            listing=listing,
            sku=f"BULK-{i:05d}",
            name=f"Format {i}",
            price=Decimal("2.00"),
            size_class="S",
            weight_grams=100,
            stock=1,
        )
        for i in range(count)
    )


def test_a_bulk_update_costs_the_same_queries_for_10_and_1000_skus(client, store, owner, settings):
    settings.API_RATE_STORE_KEY = "1000/min"
    _variants(store, 1000)
    counts = {}
    for count in (10, 1000):
        # A key per run: the first request of a key also notes its last use.
        _api_key, key = key_for(store, owner=owner, name=f"Caisse {count}")
        items = [{"sku": f"BULK-{i:05d}", "stock": 5 + count} for i in range(count)]
        with CaptureQueriesContext(connection) as queries:
            response = call(client, "post", BASE + "stock/", key, {"items": items})
        assert response.status_code == 200
        counts[count] = len(queries)
    assert counts[10] == counts[1000]
    assert Variant.objects.filter(store=store, sku__startswith="BULK-", stock=1005).count() == 1000


def test_a_bulk_update_with_an_idempotency_key_is_done_once(client, store, key):
    items = [{"sku": "epicerie-0-A", "stock": 20}]
    first = call(client, "post", BASE + "stock/", key, {"items": items}, HTTP_IDEMPOTENCY_KEY="s1")
    Variant.objects.filter(store=store, sku="epicerie-0-A").update(stock=4)  # a sale since
    again = call(client, "post", BASE + "stock/", key, {"items": items}, HTTP_IDEMPOTENCY_KEY="s1")
    assert again.json() == first.json()
    assert Variant.objects.get(store=store, sku="epicerie-0-A").stock == 4


# --- Rate limit per key ----------------------------------------------------------------------


def test_each_key_has_its_own_rate_limit_with_retry_after(client, store, owner, settings):
    settings.API_RATE_STORE_KEY = "3/min"
    _api_key, key = key_for(store, owner=owner)
    _other_key, second = key_for(store, owner=owner, name="Caisse 2")
    for _ in range(3):
        assert call(client, "get", BASE + "key/", key).status_code == 200
    limited = call(client, "get", BASE + "key/", key)
    assert limited.status_code == 429
    assert problem_code(limited) == "throttled"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert call(client, "get", BASE + "key/", second).status_code == 200


def test_the_docs_key_format_and_test_vector_hold():
    from pathlib import Path

    from marketplace.demo_store_api import DEMO_STORE_API_KEY

    docs = (Path(__file__).resolve().parents[3] / "docs" / "store-api.md").read_text()
    assert KEY_PATTERN.fullmatch(DEMO_STORE_API_KEY)
    assert f"key     {DEMO_STORE_API_KEY}" in docs
    assert f"sha256  {store_api_key_digest(DEMO_STORE_API_KEY)}" in docs
    assert KEY_PATTERN.fullmatch("uqs_0123456789abcdef_Jx1u0mV9p3W0Ue1o6gM3k5B8yQ2rT7cD4fH9sL0aZ_w")


def test_a_draft_cannot_be_unpublished(client, store, key):
    body = {"title_fr": "Brouillon", "description_fr": "Pas encore."}
    draft = call(client, "post", BASE + "listings/", key, body, HTTP_IDEMPOTENCY_KEY="d-1").json()
    response = call(
        client, "patch", f"{BASE}listings/{draft['id']}/", key, {"status": "unpublished"}
    )
    assert response.status_code == 400, response.content
    assert problem_code(response) == "invalid"
    assert Listing.objects.get(pk=draft["id"]).status == "draft"


def test_a_body_over_256_kib_or_not_json_is_refused(client, key):
    big = '{"items": [' + ",".join(['{"sku": "%s", "stock": 1}' % ("X" * 60)] * 3500) + "]}"
    assert len(big) > 256 * 1024
    response = client.post(BASE + "stock/", big, content_type="application/json", **auth(key))
    assert response.status_code == 413
    assert problem_code(response) == "json_too_large"
    form = client.post(BASE + "stock/", "items=1", content_type="text/plain", **auth(key))
    assert form.status_code == 415
    assert problem_code(form) == "unsupported_media_type"


def test_a_store_key_never_reaches_a_log_whole(store, owner):
    from core.logredact import redact

    api_key, key = key_for(store, owner=owner)
    secret = key.removeprefix(f"{api_key.prefix}_")
    for text in (f"sync with {key} failed", f"key={key}", f"Authorization: Bearer {key}"):
        assert secret not in redact(text)
    assert api_key.prefix in redact(f"sync with {key} failed")
