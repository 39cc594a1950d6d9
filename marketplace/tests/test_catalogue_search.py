"""The catalogue's selector, on SQLite (FTS5) and PostgreSQL (full text, french + unaccent):
words in French and English with and without accents, filters, sorting, pagination,
distance, what shoppers must not see, query counts and arbitrary text."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.errors import CatalogueQueryInvalid
from marketplace.models import Listing, ListingStatus, StoreStatus
from marketplace.search import (
    PAGE_SIZE_MAX,
    QUERY_MAX_LENGTH,
    CatalogueSort,
    catalogue_choices,
    catalogue_search,
    sqlite_match_expression,
    stores_within,
)
from marketplace.search_index import search_index_missing
from marketplace.services import (
    listing_status_set,
    listing_upsert,
    store_suspend,
    store_update,
)
from marketplace.tests.conftest import SAINT_ROCH, add_listing


def titles(page):
    return [result.listing.title_fr for result in page.results]


# --- The index is whole ------------------------------------------------------------------


def test_every_trigger_of_the_search_index_is_installed(db):
    """A migration that remakes marketplace_listing on SQLite without ending with
    ListingSearchIndex() loses these (marketplace/search_index.py)."""
    assert search_index_missing(connection) == []


def test_the_listings_are_never_scanned_in_parallel(db, postgresql_only):
    """Many short searches at once: parallel workers only make them wait for cores
    (marketplace/search_index.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE oid = 'marketplace_listing'::regclass"
        )
        (options,) = cursor.fetchone()
    assert "parallel_workers=0" in options


def test_listing_search_index_puts_back_what_a_table_remake_loses(shelf):
    """What a migration remaking marketplace_listing does on SQLite (its triggers go with
    the old table; on PostgreSQL the trigger is dropped by hand here), then the
    ListingSearchIndex() operation's work."""
    from marketplace.search_index import (
        SQLITE_TRIGGERS,
        VECTOR_TRIGGER,
        search_index_create,
    )

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {VECTOR_TRIGGER} ON marketplace_listing")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
    assert search_index_missing(connection) != []
    add_listing(shelf["baker"], "Brioche tressée")
    assert titles(catalogue_search(text="brioche")) == []  # the index missed it

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The deferred foreign key checks of the rows above would stop ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

        class SchemaEditor:
            """The two things search_index_create asks of a migration's schema editor."""

            def __init__(self) -> None:
                self.connection = connection

            def execute(self, sql: str) -> None:
                cursor.execute(sql)

        search_index_create(SchemaEditor())
        search_index_create(SchemaEditor())  # twice is harmless
    assert search_index_missing(connection) == []
    assert titles(catalogue_search(text="brioche")) == ["Brioche tressée"]
    add_listing(shelf["baker"], "Chausson aux pommes")
    assert titles(catalogue_search(text="chausson")) == ["Chausson aux pommes"]


def test_the_index_follows_new_changed_and_deleted_listings(shelf):
    listing = add_listing(shelf["baker"], "Brioche tressée")
    assert titles(catalogue_search(text="brioche")) == ["Brioche tressée"]
    listing_upsert(
        store=listing.store,
        slug=listing.slug,
        title_fr="Chausson aux pommes",
        description_fr="Feuilleté.",
    )
    assert titles(catalogue_search(text="brioche")) == []
    assert titles(catalogue_search(text="chausson")) == ["Chausson aux pommes"]
    listing.variants.all().delete()
    listing.delete()
    assert titles(catalogue_search(text="chausson")) == []


# --- Words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pain", ["Pain de campagne au levain"]),
        ("PAIN levain", ["Pain de campagne au levain"]),
        ("bread", ["Pain de campagne au levain"]),
        ("sourdough", ["Pain de campagne au levain"]),
        ("fromage", ["Fromage en grains", "Cheddar vieilli"]),
        ("fromages", ["Fromage en grains", "Cheddar vieilli"]),
        ("cheese", ["Fromage en grains"]),
        ("chômeur", ["Pouding chômeur à l’érable"]),
        ("chomeur", ["Pouding chômeur à l’érable"]),
        ("croustillante", ["Pain de campagne au levain"]),
        ("loaf", ["Pain de campagne au levain"]),
        ("aucun mot connu", []),
    ],
)
def test_words_in_french_and_english_with_or_without_accents(shelf, text, expected):
    assert titles(catalogue_search(text=text)) == expected


def test_maple_is_found_with_or_without_its_accent_and_in_english(shelf):
    expected = {"Pouding chômeur à l’érable", "Bougie à l’érable"}
    for text in ("érable", "erable", "ÉRABLE", "maple"):
        assert set(titles(catalogue_search(text=text))) == expected, text


def test_the_title_ranks_before_the_description(shelf):
    """ "fromage" is in one title and in the other's description only."""
    page = catalogue_search(text="fromage", sort=CatalogueSort.RELEVANCE)
    assert titles(page) == ["Fromage en grains", "Cheddar vieilli"]
    assert page.results[0].listing.search_rank > page.results[1].listing.search_rank


def test_stemming_on_postgresql(shelf, postgresql_only):
    add_listing(shelf["baker"], "Croissants pur beurre", description_fr="Feuilletés.")
    assert titles(catalogue_search(text="croissant")) == ["Croissants pur beurre"]
    assert titles(catalogue_search(text="feuilleté")) == ["Croissants pur beurre"]
    assert titles(catalogue_search(text="breads")) == ["Pain de campagne au levain"]


def test_a_result_carries_what_a_card_shows(shelf):
    with translation.override("en"):
        (result,) = catalogue_search(text="pain").results
        assert result.title == "Country sourdough bread"
        assert result.category.name == "Bakery"
    assert result.store_name == shelf["baker"].name
    assert result.store_slug == "boulangerie"
    assert result.lowest_price == Decimal("4.25")
    assert result.several_prices
    assert result.in_stock
    assert result.distance_km is None
    assert result.url == "/catalogue/boulangerie/" + result.listing.slug + "/"


def test_too_long_a_text_is_refused_with_a_clear_message(shelf):
    catalogue_search(text="a" * QUERY_MAX_LENGTH)
    with pytest.raises(CatalogueQueryInvalid) as refused:
        catalogue_search(text="a" * (QUERY_MAX_LENGTH + 1))
    assert refused.value.code == "catalogue_query_invalid"
    assert "200" in str(refused.value.message)


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("pain", '"pain"*'),
        ('pain" OR "x', '"pain"* "OR"* "x"*'),
        ("NEAR(a b)", '"NEAR"* "a"* "b"*'),
        ("fromages*", '"fromage"*'),
        ("-^:", ""),
        ("crème_brûlée", '"crème"* "brûlée"*'),
    ],
)
def test_words_reach_fts5_as_quoted_strings_only(text, expression):
    assert sqlite_match_expression(text) == expression


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=QUERY_MAX_LENGTH))
def test_any_text_is_searched_without_an_error(shelf, text):
    page = catalogue_search(text=text)
    assert page.total == len(page.results) or page.total > len(page.results)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.lists(
        st.sampled_from(
            [
                '"',
                "*",
                "NEAR",
                "OR",
                "AND",
                "NOT",
                "(",
                ")",
                ":",
                "^",
                "-",
                "+",
                "'",
                "\\",
                "&",
                "|",
                "!",
                "<->",
                "\x00",
                "é",
                "日本",
                "🧀",
                "pain",
                " ",
                "title_fr:",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_search_syntax_in_the_text_is_never_an_error(shelf, text):
    catalogue_search(text=text)


# --- Who is seen -------------------------------------------------------------------------


def test_unpublished_draft_and_unapproved_listings_are_not_found(shelf, make_store):
    draft = add_listing(shelf["baker"], "Pain brouillon", status=ListingStatus.DRAFT)
    hidden = add_listing(shelf["baker"], "Pain retiré")
    listing_status_set(listing=hidden, status=ListingStatus.UNPUBLISHED, acting_user=None)
    pending = make_store(slug="en-attente", status=StoreStatus.PENDING, listings=0)
    add_listing(pending, "Pain en attente")
    assert titles(catalogue_search(text="pain")) == ["Pain de campagne au levain"]
    store_suspend(store=shelf["baker"], reason="Une raison.", acting_user=None)
    assert titles(catalogue_search(text="pain")) == []
    assert draft.pk and hidden.pk


def test_a_listing_without_variants_is_not_found(shelf):
    add_listing(shelf["baker"], "Pain sans format", prices=())
    assert titles(catalogue_search(text="pain")) == ["Pain de campagne au levain"]


# --- Filters -----------------------------------------------------------------------------


def test_a_category_includes_its_sub_categories(shelf):
    page = catalogue_search(category=shelf["food"])
    assert page.total == 4
    bakery = shelf["baker"].listings.first().category
    assert set(titles(catalogue_search(category=bakery))) == {
        "Pain de campagne au levain",
        "Pouding chômeur à l’érable",
    }


def test_filter_by_store(shelf):
    assert set(titles(catalogue_search(store=shelf["cheesemonger"]))) == {
        "Fromage en grains",
        "Cheddar vieilli",
    }


def test_price_range_keeps_listings_with_a_variant_in_it(shelf):
    page = catalogue_search(price_min=Decimal("10"), price_max=Decimal("15"), sort="price")
    assert titles(page) == ["Fromage en grains", "Pouding chômeur à l’érable"]
    # The price shown is the cheapest variant in the range.
    assert page.results[0].lowest_price == Decimal("10.50")


def test_in_stock_only(shelf):
    found = titles(catalogue_search(in_stock=True))
    assert "Pouding chômeur à l’érable" not in found
    assert len(found) == 4
    out = catalogue_search(text="pouding").results
    assert out[0].in_stock is False


# --- Sorting and pages -------------------------------------------------------------------


def test_sort_by_price_both_ways_and_newest(shelf):
    assert titles(catalogue_search(sort="price"))[:2] == [
        "Pain de campagne au levain",
        "Fromage en grains",
    ]
    assert titles(catalogue_search(sort="-price"))[0] == "Bougie à l’érable"
    Listing.objects.filter(title_fr="Cheddar vieilli").update(
        published_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert titles(catalogue_search())[0] == "Cheddar vieilli"
    assert titles(catalogue_search(sort="newest"))[0] == "Cheddar vieilli"


def test_an_unknown_sort_is_refused(shelf):
    with pytest.raises(CatalogueQueryInvalid):
        catalogue_search(sort="price; DROP TABLE")


def test_pages(shelf):
    first = catalogue_search(page_size=2, sort="price")
    assert (first.total, first.pages, first.page, len(first.results)) == (5, 3, 1, 2)
    assert first.has_next and not first.has_previous
    last = catalogue_search(page_size=2, page=3, sort="price")
    assert titles(last) == ["Bougie à l’érable"]
    assert (last.first_index, last.last_index) == (5, 5)
    # Past the last page: the last page.
    assert catalogue_search(page_size=2, page=99, sort="price").page == 3
    everything = titles(catalogue_search(page_size=2, page=1, sort="price"))
    everything += titles(catalogue_search(page_size=2, page=2, sort="price"))
    everything += titles(last)
    assert len(set(everything)) == 5


def test_a_price_sort_pages_through_every_listing_once(shelf, make_store):
    _many(make_store, 12, shelf["food"])
    for sort in ("price", "-price"):
        seen = []
        for number in (1, 2, 3, 4, 5):
            seen += titles(catalogue_search(sort=sort, page=number, page_size=4))
        assert len(seen) == len(set(seen)) == 17, sort
        prices = [
            r.lowest_price
            for n in (1, 2, 3, 4, 5)
            for r in catalogue_search(sort=sort, page=n, page_size=4).results
        ]
        assert prices == sorted(prices, reverse=sort == "-price")


def test_a_price_sort_with_words_and_filters(shelf):
    page = catalogue_search(text="fromage", sort="-price", in_stock=True)
    assert titles(page) == ["Cheddar vieilli", "Fromage en grains"]
    page = catalogue_search(text="érable", sort="price", price_max=Decimal("20"))
    assert titles(page) == ["Pouding chômeur à l’érable"]


def test_a_broad_search_counts_up_to_a_limit(shelf, monkeypatch):
    monkeypatch.setattr("marketplace.search.COUNT_LIMIT", 3)
    page = catalogue_search(page_size=2, page=9)
    assert (page.total, page.total_capped, page.pages, page.page) == (3, True, 2, 2)
    assert catalogue_search(text="fromage").total_capped is False


def test_the_page_size_is_capped(shelf):
    assert catalogue_search(page_size=10_000).page_size == PAGE_SIZE_MAX


def _many(make_store, count, category):
    store = make_store(slug="beaucoup", listings=0)
    for index in range(count):
        add_listing(store, f"Pain numéro {index}", prices=("3.00", "4.00"), category=category)


@pytest.mark.parametrize("sort", ["relevance", "price", "distance"])
def test_queries_do_not_grow_with_the_page_size(make_store, django_assert_num_queries, shelf, sort):
    _many(make_store, 50, shelf["food"])
    kwargs = {"text": "pain", "sort": sort, "position": SAINT_ROCH, "category": shelf["food"]}
    if sort == "distance":
        kwargs["max_distance_km"] = 50
    # The category tree and the stores come from the cache (catalogue_choices, two
    # queries when it is cold); then the total, the page's ids, the page's rows, and
    # for a distance sort, the stores near the position.
    catalogue_choices()
    with django_assert_num_queries(4 if sort == "distance" else 3) as ten:
        assert len(catalogue_search(page_size=10, **kwargs).results) == 10
    with django_assert_num_queries(len(ten.captured_queries)):
        assert len(catalogue_search(page_size=50, **kwargs).results) == 50


# --- Distance ----------------------------------------------------------------------------


def test_distance_is_geodesic_and_shown(shelf):
    page = catalogue_search(position=SAINT_ROCH, sort="distance")
    distances = [round(result.distance_km, 1) for result in page.results]
    # Saint-Roch (0 km), Limoilou (about 1.5 km), Montréal (about 230 km).
    assert distances[:2] == [0.0, 0.0]
    assert 1.3 < distances[2] < 1.6
    assert 225 < distances[-1] < 240
    # Without a distance filter or sort, the distance is still on the card.
    assert catalogue_search(text="bougie", position=SAINT_ROCH).results[0].distance_km > 225


def test_a_maximum_distance_keeps_the_stores_that_near(shelf):
    assert set(titles(catalogue_search(position=SAINT_ROCH, max_distance_km=1))) == {
        "Pain de campagne au levain",
        "Pouding chômeur à l’érable",
    }
    assert len(titles(catalogue_search(position=SAINT_ROCH, max_distance_km=5))) == 4
    assert len(titles(catalogue_search(position=SAINT_ROCH, max_distance_km=200))) == 4


def test_stores_without_coordinates_are_left_out_of_a_distance_search(shelf):
    store_update(store=shelf["baker"], acting_user=None, latitude=None, longitude=None)
    found = titles(catalogue_search(position=SAINT_ROCH, max_distance_km=50))
    assert found and "Pain de campagne au levain" not in found
    sorted_found = titles(catalogue_search(position=SAINT_ROCH, sort="distance"))
    assert "Pain de campagne au levain" not in sorted_found


def test_the_bounding_box_does_not_cut_off_a_store_just_inside(shelf):
    from marketplace.models import Store

    limoilou = stores_within(
        latitude=SAINT_ROCH[0],
        longitude=SAINT_ROCH[1],
        km=1.5,
        stores=Store.objects.filter(slug="fromagerie"),
    )
    assert list(limoilou.values()) and 1.4 < next(iter(limoilou.values())) <= 1.5


def test_a_distance_needs_a_position(shelf):
    with pytest.raises(CatalogueQueryInvalid):
        catalogue_search(max_distance_km=5)
    with pytest.raises(CatalogueQueryInvalid):
        catalogue_search(sort="distance")


# --- The demo catalogue --------------------------------------------------------------------


def test_the_demo_catalogue_answers_french_and_english_searches(db):
    from core.demo import DemoSummary
    from identity import demo as identity_demo
    from marketplace.demo import demo_load

    demo_load(summary=DemoSummary(), people=identity_demo.demo_load(summary=DemoSummary()))
    for text in ("pain", "fromage", "bread", "cheese", "érable", "erable", "maple"):
        assert catalogue_search(text=text).total >= 2, text
    # Several top-level categories have listings under them.
    from marketplace.models import Category

    for slug in ("alimentation", "maison", "loisirs"):
        category = Category.objects.get(slug=slug)
        assert catalogue_search(category=category).total >= 3, slug


def test_a_distance_sort_pages_through_stores_nearest_first(shelf, make_store):
    """Pages that start inside a store and cross into the next one."""
    _many(make_store, 7, shelf["food"])  # a fourth store, in Saint-Roch too
    everything = titles(catalogue_search(position=SAINT_ROCH, sort="distance", page_size=50))
    assert len(everything) == 12
    assert everything[-1] == "Bougie à l’érable"  # Montréal, the farthest
    paged = []
    for number in (1, 2, 3, 4):
        page = catalogue_search(position=SAINT_ROCH, sort="distance", page=number, page_size=3)
        assert page.total == 12
        paged += titles(page)
    assert paged == everything
    distances = [
        r.distance_km
        for r in catalogue_search(position=SAINT_ROCH, sort="distance", page_size=50).results
    ]
    assert distances == sorted(distances)
