"""The catalogue: what shoppers find, by words, category, store, price, stock and distance.

One selector, `catalogue_search`, on PostgreSQL and SQLite alike; the full-text index it
reads is described in marketplace/search_index.py.
"""

import functools
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from geopy.distance import geodesic

from marketplace.errors import CatalogueQueryInvalid
from marketplace.models import (
    Category,
    Listing,
    ListingPhoto,
    ListingStatus,
    Store,
    StoreStatus,
    Variant,
    in_language,
)
from marketplace.search_index import FTS_TABLE, UNACCENT_FUNCTION, VECTOR_COLUMN

QUERY_MAX_LENGTH = 200
PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 50
# Counting every match of a broad search costs more than the page itself: past this
# many, the page says "more than", and asks for a narrower search to go further.
COUNT_LIMIT = 1000
DISTANCE_MAX_KM = 200
# Words of a query given to SQLite's FTS5; more only slow it down and rarely match.
SQLITE_MAX_WORDS = 16
# Kilometres in one degree of latitude at its shortest (at the equator, 110.574 km): the
# bounding box is never too small.
KM_PER_DEGREE_LATITUDE = 110.574
KM_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111.320


class CatalogueSort(models.TextChoices):
    RELEVANCE = "relevance", _("Relevance")
    PRICE_ASCENDING = "price", _("Price, lowest first")
    PRICE_DESCENDING = "-price", _("Price, highest first")
    NEWEST = "newest", _("Newest first")
    DISTANCE = "distance", _("Nearest first")


@dataclass(frozen=True)
class CatalogueResult:
    """What a catalogue card shows of one listing. `listing` has its store and category
    loaded; `lowest_price` is the cheapest variant that meets the price and stock filters."""

    listing: Listing
    lowest_price: Decimal
    several_prices: bool
    in_stock: bool
    distance_km: float | None

    @property
    def title(self) -> str:
        return self.listing.title

    @property
    def store_name(self) -> str:
        return self.listing.store.name

    @property
    def store_slug(self) -> str:
        return self.listing.store.slug

    @property
    def category(self) -> Category | None:
        return self.listing.category

    @property
    def url(self) -> str:
        return reverse("catalogue:listing", args=[self.listing.store.slug, self.listing.slug])


# What a SearchRow reads of a listing and its store and category (Listing.values()).
SEARCH_ROW_FIELDS = (
    "slug",
    "title_fr",
    "title_en",
    "store_id",
    "store__slug",
    "store__name",
    "store__latitude",
    "store__longitude",
    "category__slug",
    "category__name_fr",
    "category__name_en",
)
_PRICE_FIELDS = ("lowest_price", "highest_price", "highest_stock")


@dataclass(frozen=True)
class SearchRow:
    """A CatalogueResult as plain values: titles and names already in the active
    language. Picklable and cheap: what the JSON API shows and caches."""

    id: int
    slug: str
    title: str
    store_slug: str
    store_name: str
    category_slug: str | None
    category_name: str | None
    lowest_price: Decimal
    several_prices: bool
    in_stock: bool
    distance_km: float | None


@dataclass(frozen=True)
class CataloguePage:
    results: list[CatalogueResult] | list[SearchRow]
    total: int
    page: int
    pages: int
    page_size: int
    # More than COUNT_LIMIT listings match: `total` is COUNT_LIMIT.
    total_capped: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        """The rank of the page's first result, from 1 (0 when there is none)."""
        return (self.page - 1) * self.page_size + 1 if self.results else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.page_size + len(self.results)


def query_text_clean(text: str) -> str:
    """`text` without control characters (NUL, which PostgreSQL refuses, among them) or
    unpaired surrogates, spaces collapsed; CatalogueQueryInvalid when it is longer than
    QUERY_MAX_LENGTH characters."""
    if len(text) > QUERY_MAX_LENGTH:
        raise CatalogueQueryInvalid(
            _("Search with at most %(limit)d characters.") % {"limit": QUERY_MAX_LENGTH}
        )
    kept = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cs", "Zl", "Zp"} else char for char in text
    )
    return " ".join(kept.split())


def sqlite_match_expression(text: str) -> str:
    """`text` as an FTS5 MATCH expression that cannot be read as FTS5 syntax: its words
    (letters and digits), each a quoted string and a prefix, all required. A word that
    ends in s or x is looked up without it, so that "fromages" finds "fromage" (SQLite
    has no stemmer). Empty when `text` has no word."""
    words = re.findall(r"[^\W_]+", text)[:SQLITE_MAX_WORDS]
    terms = []
    for word in words:
        stem = word[:-1] if len(word) > 3 and word[-1] in "sxSX" else word
        terms.append('"' + stem.replace('"', '""') + '"*')
    return " ".join(terms)


def category_with_descendants(category: Category) -> list[int]:
    """The ids of `category` and of every category under it, at any depth, from the
    cached choices (catalogue_choices: no query when they are cached)."""
    return catalogue_choices().descendants(category.pk)


def _bounding_box(
    latitude: float, longitude: float, km: float
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A box of latitudes and longitudes that holds every point within `km` of the
    position (a little more: the geodesic filter decides)."""
    margin = km * 1.01 + 0.1
    delta_latitude = margin / KM_PER_DEGREE_LATITUDE
    nearest_pole = min(90.0, abs(latitude) + delta_latitude)
    cosine = math.cos(math.radians(nearest_pole))
    if cosine < 0.01:
        delta_longitude = 180.0
    else:
        delta_longitude = min(180.0, margin / (KM_PER_DEGREE_LONGITUDE_AT_EQUATOR * cosine))

    def decimal(value: float) -> Decimal:
        return Decimal(f"{value:.6f}")

    return (
        decimal(latitude - delta_latitude),
        decimal(latitude + delta_latitude),
        decimal(longitude - delta_longitude),
        decimal(longitude + delta_longitude),
    )


def stores_within(
    *, latitude: float, longitude: float, km: float | None, stores: QuerySet[Store]
) -> dict[int, float]:
    """Each of `stores` placed on the map within `km` of the position (all of them when
    `km` is None), by id, with its geodesic distance in km. One query, through the index
    on the stores' position when `km` is given."""
    rows = stores.filter(latitude__isnull=False)
    if km is not None:
        south, north, west, east = _bounding_box(latitude, longitude, km)
        rows = rows.filter(latitude__range=(south, north))
        # A box across the antimeridian is two ranges of longitudes; the coop's stores
        # are in Québec, so one range clamped to ±180 keeps every store inside.
        rows = rows.filter(longitude__range=(max(west, Decimal(-180)), min(east, Decimal(180))))
    distances = {}
    for pk, store_latitude, store_longitude in rows.values_list("pk", "latitude", "longitude"):
        distance = geodesic((latitude, longitude), (store_latitude, store_longitude)).km
        if km is None or distance <= km:
            distances[pk] = distance
    return distances


# The full-text SQL; only constant names are formatted in, the words go as parameters.
_PG_QUERY = (
    f"(plainto_tsquery('pg_catalog.french'::regconfig, {UNACCENT_FUNCTION}(%s)) || "
    f"plainto_tsquery('pg_catalog.english'::regconfig, {UNACCENT_FUNCTION}(%s)))"
)
_PG_RANK = f"ts_rank(marketplace_listing.{VECTOR_COLUMN}, {_PG_QUERY})"
_PG_MATCH = f"marketplace_listing.{VECTOR_COLUMN} @@ {_PG_QUERY}"
# bm25 is lower for a better match; titles weigh ten times the descriptions.
_SQLITE_RANK = (
    f"(SELECT -bm25({FTS_TABLE}, 10.0, 10.0, 1.0, 1.0) FROM {FTS_TABLE} "  # noqa: S608
    f"WHERE {FTS_TABLE} MATCH %s AND rowid = marketplace_listing.id)"
)
_SQLITE_MATCH = (
    f"marketplace_listing.id IN (SELECT rowid FROM {FTS_TABLE} "  # noqa: S608
    f"WHERE {FTS_TABLE} MATCH %s)"
)


def _text_match(text: str) -> tuple[RawSQL, RawSQL] | None:
    """The rank (higher is better) and the match condition of `text` on the listing
    table (marketplace_listing, in a query on listings or joined from variants); None
    when `text` has no word to look for."""
    if connection.vendor == "postgresql":
        params = (text, text)
        rank = RawSQL(_PG_RANK, params, FloatField())  # noqa: S611
        match = RawSQL(_PG_MATCH, params, BooleanField())  # noqa: S611
        return rank, match
    expression = sqlite_match_expression(text)
    if not expression:
        return None
    rank = RawSQL(_SQLITE_RANK, (expression,), FloatField())  # noqa: S611
    match = RawSQL(_SQLITE_MATCH, (expression,), BooleanField())  # noqa: S611
    return rank, match


def _distance_page_ids(
    *,
    listings: QuerySet[Listing],
    per_store: dict[int, int],
    nearest_first: list[int],
    offset: int,
    size: int,
) -> list[int]:
    """The ids of a page of `listings` by distance: the stores in `nearest_first` order
    (with `per_store`, how many listings each has), each store's newest first. Only the
    stores the page reaches are read."""
    window, start, skip = [], 0, 0
    for store_id in nearest_first:
        end = start + per_store[store_id]
        if end > offset and start < offset + size:
            if not window:
                skip = offset - start  # the page starts this far into its first store
            window.append(store_id)
        start = end
    if not window:
        return []
    rank = Case(
        *(When(store_id=pk, then=Value(index)) for index, pk in enumerate(window)),
        output_field=models.IntegerField(),
    )
    return list(
        listings.filter(store_id__in=window)
        .annotate(store_rank=rank)
        .order_by("store_rank", "-published_at", "-id")
        .values_list("pk", flat=True)[skip : skip + size]
    )


def _price_page_ids(
    *,
    variant_filter: Q,
    listing_filter: Q,
    text_match: RawSQL | None,
    descending: bool,
    offset: int,
    size: int,
) -> list[int]:
    """The ids of a page of listings sorted by their cheapest variant that meets
    `variant_filter`. The variants are walked in price order (index
    marketplace_variant_price), each listing met at its cheapest variant: the database
    stops once the page is full instead of pricing every listing that matches."""
    cheapest = (
        Variant.objects.filter(variant_filter, listing=OuterRef("listing_id"))
        .order_by("price", "id")
        .values("id")[:1]
    )
    walk = Variant.objects.filter(variant_filter, listing_filter, id=Subquery(cheapest))
    if text_match is not None:
        walk = walk.filter(text_match)
    order = ["-price", "-id"] if descending else ["price", "id"]
    return list(walk.order_by(*order).values_list("listing_id", flat=True)[offset : offset + size])


def catalogue_search(
    *,
    text: str = "",
    category: Category | None = None,
    store: Store | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    in_stock: bool = False,
    position: tuple[float, float] | None = None,
    max_distance_km: float | None = None,
    sort: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE_DEFAULT,
    lean: bool = False,
) -> CataloguePage:
    """Published listings of approved stores that have a variant within the price range
    (in stock when `in_stock`), match every word of `text` (French and English, accents
    ignored), sit in `category` or below it, belong to `store`, and, with `position`
    (latitude, longitude) and `max_distance_km`, whose store is that near.

    The order is `sort`: relevance when there are words (the default then), else the
    newest first (the default without words); distance needs `position`. `page_size` is
    at most PAGE_SIZE_MAX; a page past the last gives the last. The total is counted up
    to COUNT_LIMIT (`total_capped` past it), and only those pages are offered.

    The query count does not depend on the page size: one for the total, one for the
    page's ids, one for its rows, one for the stores near `position` with a distance or
    its sort; the category tree comes from the cache (catalogue_choices).
    Raises CatalogueQueryInvalid for a text longer than QUERY_MAX_LENGTH, a distance
    without a position, or an unknown sort. `lean`: results are SearchRow, not
    CatalogueResult (catalogue_search_rows).
    """
    text = query_text_clean(text)
    if sort not in CatalogueSort.values and sort != "":
        raise CatalogueQueryInvalid(_("Choose a sort order from the list."))
    if (max_distance_km is not None or sort == CatalogueSort.DISTANCE) and position is None:
        raise CatalogueQueryInvalid(_("Give your position to search by distance."))
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    if sort in ("", CatalogueSort.RELEVANCE):
        sort = CatalogueSort.RELEVANCE if text else CatalogueSort.NEWEST
    empty = CataloguePage(results=[], total=0, page=1, pages=1, page_size=page_size)

    # What a variant must meet (price range, stock), and what its listing must meet, the
    # same conditions written from the listing and from the variant.
    variant_filter = Q()
    if price_min is not None:
        variant_filter &= Q(price__gte=price_min)
    if price_max is not None:
        variant_filter &= Q(price__lte=price_max)
    if in_stock:
        variant_filter &= Q(stock__gt=0)
    conditions = {"status": ListingStatus.PUBLISHED, "store__status": StoreStatus.APPROVED}
    if category is not None:
        conditions["category_id__in"] = category_with_descendants(category)
    if store is not None:
        conditions["store_id"] = store.pk
    distances: dict[int, float] | None = None
    if position is not None and (max_distance_km is not None or sort == CatalogueSort.DISTANCE):
        distances = stores_within(
            latitude=position[0],
            longitude=position[1],
            km=max_distance_km,
            stores=Store.objects.filter(status=StoreStatus.APPROVED),
        )
        conditions["store_id__in"] = list(distances)
    text_rank = text_match = None
    if text:
        matched = _text_match(text)
        if matched is None:
            return empty
        text_rank, text_match = matched

    variants = Variant.objects.filter(variant_filter, listing=OuterRef("pk"))
    listings = Listing.objects.filter(Exists(variants), **conditions)
    if text_match is not None:
        # Ranked only where the order is the rank: a count (a sliced one keeps its
        # annotations) or a per-store count would compute it for every match.
        listings = listings.filter(text_match)

    if sort == CatalogueSort.DISTANCE:
        # Every listing of a store is as far: the stores, nearest first, are the order.
        per_store = dict(listings.order_by().values_list("store_id").annotate(count=Count("pk")))
        nearest_first = sorted(per_store, key=lambda pk: ((distances or {})[pk], pk))
        total, total_capped = sum(per_store.values()), False
    else:
        total = listings.order_by()[: COUNT_LIMIT + 1].count()
        total_capped = total > COUNT_LIMIT
        total = min(total, COUNT_LIMIT)
    pages = max(1, math.ceil(total / page_size))
    page = max(1, min(page, pages))
    offset = (page - 1) * page_size

    # The page's ids first, from narrow rows (a sort carries every selected column), then
    # the page's rows with what the cards show, computed for those rows only.
    if sort in (CatalogueSort.PRICE_ASCENDING, CatalogueSort.PRICE_DESCENDING):
        ids = _price_page_ids(
            variant_filter=variant_filter,
            listing_filter=Q(**{f"listing__{key}": value for key, value in conditions.items()}),
            text_match=text_match,
            descending=sort == CatalogueSort.PRICE_DESCENDING,
            offset=offset,
            size=page_size,
        )
    elif sort == CatalogueSort.DISTANCE:
        ids = _distance_page_ids(
            listings=listings,
            per_store=per_store,
            nearest_first=nearest_first,
            offset=offset,
            size=page_size,
        )
    else:
        ordering = {
            CatalogueSort.RELEVANCE: [F("search_rank").desc(), "-published_at", "-id"],
            CatalogueSort.NEWEST: ["-published_at", "-id"],
        }[sort]
        if sort == CatalogueSort.RELEVANCE:
            listings = listings.annotate(search_rank=text_rank)
        ids = list(
            listings.order_by(*ordering).values_list("pk", flat=True)[offset : offset + page_size]
        )
    prices = Variant.objects.filter(variant_filter, listing=OuterRef("pk")).values("price")
    page_rows = Listing.objects.filter(pk__in=ids).annotate(
        lowest_price=Subquery(prices.order_by("price")[:1]),
        highest_price=Subquery(prices.order_by("-price")[:1]),
        highest_stock=Subquery(
            Variant.objects.filter(listing=OuterRef("pk")).order_by("-stock").values("stock")[:1]
        ),
    )

    def distance_of(store_id: int, latitude: Any, longitude: Any) -> float | None:
        if position is None:
            return None
        if distances is not None:
            return distances.get(store_id)
        if latitude is None:
            return None
        return geodesic(position, (latitude, longitude)).km

    results: list[Any] = []
    if lean:
        # Plain rows, no model instances: what the API's results show, and no more.
        by_id_row = {
            row["pk"]: row for row in page_rows.values("pk", *SEARCH_ROW_FIELDS, *_PRICE_FIELDS)
        }
        for pk in ids:
            row = by_id_row.get(pk)
            if row is None:
                continue
            results.append(
                SearchRow(
                    id=pk,
                    slug=row["slug"],
                    title=in_language(row["title_fr"], row["title_en"]),
                    store_slug=row["store__slug"],
                    store_name=row["store__name"],
                    category_slug=row["category__slug"],
                    category_name=(
                        in_language(row["category__name_fr"], row["category__name_en"])
                        if row["category__slug"] is not None
                        else None
                    ),
                    lowest_price=row["lowest_price"],
                    several_prices=row["lowest_price"] != row["highest_price"],
                    in_stock=bool(row["highest_stock"]),
                    distance_km=distance_of(
                        row["store_id"], row["store__latitude"], row["store__longitude"]
                    ),
                )
            )
    else:
        page_rows = page_rows.select_related("store", "category")
        if text_rank is not None:
            page_rows = page_rows.annotate(search_rank=text_rank)
        by_id = {listing.pk: listing for listing in page_rows}
        for pk in ids:
            listing = by_id.get(pk)
            if listing is None:
                continue
            results.append(
                CatalogueResult(
                    listing=listing,
                    lowest_price=listing.lowest_price,
                    several_prices=listing.lowest_price != listing.highest_price,
                    in_stock=bool(listing.highest_stock),
                    distance_km=distance_of(
                        listing.store_id, listing.store.latitude, listing.store.longitude
                    ),
                )
            )
    return CataloguePage(
        results=results,
        total=total,
        page=page,
        pages=pages,
        page_size=page_size,
        total_capped=total_capped,
    )


def catalogue_search_rows(**query: Any) -> CataloguePage:
    """`catalogue_search` with plain rows for results (SearchRow): the same listings in
    the same order, read with the same queries, without building model instances (the
    JSON API's results)."""
    return catalogue_search(**query, lean=True)


@dataclass(frozen=True)
class CategoryNode:
    category: Category
    children: list["CategoryNode"]
    depth: int


def category_tree() -> list[CategoryNode]:
    """Every category as a tree, each level by position: the catalogue's navigation.
    One query."""
    categories = list(Category.objects.order_by("position", "slug"))
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)

    def nodes(parent_id: int | None, depth: int, seen: frozenset[int]) -> list[CategoryNode]:
        return [
            CategoryNode(category, nodes(category.pk, depth + 1, seen | {category.pk}), depth)
            for category in by_parent.get(parent_id, [])
            if category.pk not in seen
        ]

    return nodes(None, 0, frozenset())


def category_tree_flat(tree: list[CategoryNode]) -> list[CategoryNode]:
    """The tree's nodes in reading order, parents before their children."""
    flat = []
    for node in tree:
        flat.append(node)
        flat.extend(category_tree_flat(node.children))
    return flat


def category_ancestors(category: Category, tree: list[CategoryNode]) -> list[Category]:
    """`category`'s parents, the root first, from a tree already loaded (no query)."""
    parents = {node.category.pk: node.category.parent_id for node in category_tree_flat(tree)}
    by_id = {node.category.pk: node.category for node in category_tree_flat(tree)}
    ancestors = []
    parent_id = parents.get(category.pk)
    while parent_id is not None and parent_id in by_id and len(ancestors) < len(by_id):
        ancestors.insert(0, by_id[parent_id])
        parent_id = parents.get(parent_id)
    return ancestors


def catalogue_listing(*, store_slug: str, listing_slug: str) -> Listing | None:
    """The published listing `listing_slug` of the approved store `store_slug`, with its
    store, category and variants (cheapest first); None when shoppers may not see it.
    Two queries."""
    return (
        Listing.objects.filter(
            store__slug=store_slug,
            store__status=StoreStatus.APPROVED,
            slug=listing_slug,
            status=ListingStatus.PUBLISHED,
        )
        .select_related("store", "category")
        .prefetch_related(
            models.Prefetch("variants", queryset=Variant.objects.order_by("price", "sku"))
        )
        .first()
    )


# --- What every catalogue request needs and few change: cached -------------------------

# The cache holds a version (a random token) and the choices under it. Each process keeps
# the last choices it read beside their version, and reads only the short version from the
# cache while it stays the same: no unpickling a few hundred stores on every request.
# "1" names this shape: a deploy that changes CatalogueChoices never reads the previous one.
CATALOGUE_CHOICES_VERSION_KEY = "marketplace:catalogue-choices:1:version"
CATALOGUE_CHOICES_CACHE_KEY = "marketplace:catalogue-choices:1:{version}"
# A bound on staleness should an invalidation be missed (a raw UPDATE elsewhere); every
# change through the models or the store decisions forgets the version at once.
CATALOGUE_CHOICES_SECONDS = 600


@dataclass(frozen=True)
class CatalogueChoices:
    """The category tree and the approved stores ((id, slug, name), by name): the
    catalogue's navigation and filter choices, the same for every request."""

    tree: list[CategoryNode]
    stores: list[tuple[int, str, str]]

    def category(self, slug: str) -> Category | None:
        return next(
            (node.category for node in category_tree_flat(self.tree) if node.category.slug == slug),
            None,
        )

    def store_id(self, slug: str) -> int | None:
        """The id of the approved store `slug`; None for any other."""
        return self._store_ids.get(slug)

    @functools.cached_property
    def _store_ids(self) -> dict[str, int]:
        return {slug: pk for pk, slug, _name in self.stores}

    @functools.cached_property
    def store_choices(self) -> list[tuple[str, str]]:
        """(slug, name) of each approved store, by name: the store filter's choices."""
        return [(slug, name) for _pk, slug, name in self.stores]

    def descendants(self, category_id: int) -> list[int]:
        """`category_id` and the ids of every category under it, at any depth."""
        children: dict[int | None, list[int]] = {}
        for node in category_tree_flat(self.tree):
            children.setdefault(node.category.parent_id, []).append(node.category.pk)
        found, queue = [], [category_id]
        while queue:
            pk = queue.pop()
            if pk in found:
                continue
            found.append(pk)
            queue.extend(children.get(pk, []))
        return found


def _catalogue_choices_read() -> CatalogueChoices:
    """From the database: two queries."""
    return CatalogueChoices(
        tree=category_tree(),
        stores=list(
            Store.objects.filter(status=StoreStatus.APPROVED)
            .order_by("name", "pk")
            .values_list("pk", "slug", "name")
        ),
    )


# This process's last choices, by version; replaced whole, never changed in place.
_choices_read: tuple[str, CatalogueChoices] | None = None


def catalogue_choices() -> CatalogueChoices:
    """The category tree and the approved stores, through Django's cache: one cache read
    while they have not changed, two queries when the cache has forgotten them
    (catalogue_choices_forget, or after CATALOGUE_CHOICES_SECONDS)."""
    global _choices_read
    version = cache.get(CATALOGUE_CHOICES_VERSION_KEY)
    if version is None:
        # Of several processes starting a version at once, the first to add it wins.
        cache.add(CATALOGUE_CHOICES_VERSION_KEY, uuid.uuid4().hex, CATALOGUE_CHOICES_SECONDS)
        version = cache.get(CATALOGUE_CHOICES_VERSION_KEY)
        if version is None:  # a cache that keeps nothing (DummyCache): read every time
            return _catalogue_choices_read()
    read = _choices_read
    if read is not None and read[0] == version:
        return read[1]
    key = CATALOGUE_CHOICES_CACHE_KEY.format(version=version)
    choices = cache.get(key)
    if not isinstance(choices, CatalogueChoices):
        choices = _catalogue_choices_read()
        cache.set(key, choices, CATALOGUE_CHOICES_SECONDS)
    _choices_read = (version, choices)
    return choices


def catalogue_choices_forget() -> None:
    """Drop the cached choices: a category or a store changed. Now, for the rest of this
    transaction, and again once it commits, so that a request that read the old rows in
    the meantime does not keep them cached."""
    cache.delete(CATALOGUE_CHOICES_VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(CATALOGUE_CHOICES_VERSION_KEY))


def cover_photos(listing_ids: list[int]) -> dict[int, ListingPhoto]:
    """The first photo (by position) of each of these listings that has one. One query
    (none without ids), whatever their number."""
    if not listing_ids:
        return {}
    covers: dict[int, ListingPhoto] = {}
    photos = ListingPhoto.objects.filter(listing_id__in=listing_ids).order_by(
        "listing_id", "position", "id"
    )
    for photo in photos:
        covers.setdefault(photo.listing_id, photo)
    return covers


@dataclass(frozen=True)
class CoverThumbnail:
    """The small thumbnail of a listing's first photo, as plain values."""

    path: str
    width: int
    height: int
    alt: str


def cover_thumbnails(listing_ids: list[int]) -> dict[int, CoverThumbnail]:
    """cover_photos as plain values (the small thumbnail's URL path, size and text in the
    active language), without model instances. One query (none without ids)."""
    if not listing_ids:
        return {}
    storage = ListingPhoto._meta.get_field("thumbnail_small").storage
    covers: dict[int, CoverThumbnail] = {}
    rows = (
        ListingPhoto.objects.filter(listing_id__in=listing_ids)
        .order_by("listing_id", "position", "id")
        .values_list("listing_id", "thumbnail_small", "width", "height", "alt_fr", "alt_en")
    )
    for listing_id, thumbnail, width, height, alt_fr, alt_en in rows:
        if listing_id in covers:
            continue
        size = ListingPhoto(width=width, height=height).thumbnail_small_size
        covers[listing_id] = CoverThumbnail(
            path=storage.url(thumbnail),
            width=size[0],
            height=size[1],
            alt=in_language(alt_fr, alt_en),
        )
    return covers
