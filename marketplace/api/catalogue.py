"""GET /api/v1/catalogue/ and /api/v1/catalogue/{store}/{listing}/: the catalogue's
search and a listing with its variants, for a phone app (docs/api.md, "The catalogue").

The search's query string is read by one serializer, CatalogueQuerySerializer, with the
limits of the catalogue's own page; every bad value is a 400 `invalid` naming its field,
and the search runs through the same selector as the page (marketplace.search).
"""

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.urls import replace_query_param

from marketplace.api.schema import ApiAutoSchema
from marketplace.api.views import PUBLIC, ApiView
from marketplace.errors import CatalogueQueryInvalid
from marketplace.models import Currency, Listing, ListingPhoto, SizeClass, Store, Variant
from marketplace.search import (
    DISTANCE_MAX_KM,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    QUERY_MAX_LENGTH,
    CataloguePage,
    CatalogueResult,
    CatalogueSort,
    CoverThumbnail,
    SearchRow,
    catalogue_choices,
    catalogue_listing,
    catalogue_search_rows,
    cover_thumbnails,
    query_text_clean,
)
from marketplace.search_cache import (
    catalogue_version,
    etag_of,
    response_cached,
    response_key,
    response_store,
    results_key,
    search_cache_seconds,
)

# Pages a search may ask for: past COUNT_LIMIT results there is none anyway.
PAGE_MAX = 10_000
PRICE_MAX = 100_000


def _absolute(request: Request, path_or_url: str) -> str:
    return request.build_absolute_uri(path_or_url)


# --- The query -----------------------------------------------------------------------------


class CatalogueQuerySerializer(serializers.Serializer):
    """The search's query string, each value within its limits."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=QUERY_MAX_LENGTH,
        help_text="Words to look for, French or English, accents optional; every word must match.",
    )
    category = serializers.SlugField(
        required=False, max_length=80, help_text="A category's slug: it and its sub-categories."
    )
    store = serializers.SlugField(
        required=False, max_length=120, help_text="An approved store's slug."
    )
    price_min = serializers.DecimalField(
        required=False,
        max_digits=8,
        decimal_places=2,
        min_value=0,
        max_value=PRICE_MAX,
        help_text="Lowest price, CAD (`12.50`): a variant at this price or more.",
    )
    price_max = serializers.DecimalField(
        required=False,
        max_digits=8,
        decimal_places=2,
        min_value=0,
        max_value=PRICE_MAX,
        help_text="Highest price, CAD: a variant at this price or less.",
    )
    in_stock = serializers.BooleanField(
        required=False, default=False, help_text="`true`: only a variant in stock counts."
    )
    lat = serializers.FloatField(
        required=False, min_value=-90, max_value=90, help_text="The shopper's latitude."
    )
    lon = serializers.FloatField(
        required=False, min_value=-180, max_value=180, help_text="The shopper's longitude."
    )
    max_km = serializers.FloatField(
        required=False,
        min_value=0.1,
        max_value=DISTANCE_MAX_KM,
        help_text="Only stores this near `lat`, `lon` (km).",
    )
    sort = serializers.ChoiceField(
        required=False,
        choices=CatalogueSort.values,
        help_text="`relevance` (the default with `q`), `newest` (the default without), "
        "`price`, `-price`, `distance` (needs `lat`, `lon`).",
    )
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=PAGE_MAX)
    page_size = serializers.IntegerField(
        required=False,
        default=PAGE_SIZE_DEFAULT,
        min_value=1,
        max_value=PAGE_SIZE_MAX,
        help_text=f"Results per page, at most {PAGE_SIZE_MAX}.",
    )

    def validate_category(self, slug: str) -> Any:
        category = catalogue_choices().category(slug)
        if category is None:
            raise ValidationError(_("No category has this slug."), code="unknown")
        return category

    def validate_store(self, slug: str) -> int:
        store_id = catalogue_choices().store_id(slug)
        if store_id is None:
            raise ValidationError(_("No approved store has this slug."), code="unknown")
        return store_id

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(
                {"price_max": [_("The highest price is below the lowest.")]}, code="invalid"
            )
        if ("lat" in data) != ("lon" in data):
            missing = "lon" if "lat" in data else "lat"
            raise ValidationError(
                {missing: [_("Give both the latitude and the longitude.")]}, code="required"
            )
        if "lat" not in data:
            if "max_km" in data:
                raise ValidationError(
                    {"max_km": [_("Give your position (lat, lon) to search by distance.")]},
                    code="required",
                )
            if data.get("sort") == CatalogueSort.DISTANCE:
                raise ValidationError(
                    {"sort": [_("Give your position (lat, lon) to sort by distance.")]},
                    code="required",
                )
        return data


# --- What the search answers -------------------------------------------------------------


class NamedRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="In the request's language.")


class ThumbnailSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt = serializers.CharField(help_text="What the photo shows, in the request's language.")


def _thumbnail(request: Request, photo: ListingPhoto | None) -> dict[str, Any] | None:
    if photo is None:
        return None
    width, height = photo.thumbnail_small_size
    return {
        "url": _absolute(request, photo.thumbnail_small.url),
        "width": width,
        "height": height,
        "alt": photo.alt,
    }


class CatalogueResultSerializer(serializers.Serializer):
    """One listing found: what a result card shows."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
    title = serializers.CharField(help_text="In the request's language.")
    store = NamedRefSerializer()
    category = NamedRefSerializer(allow_null=True)
    lowest_price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="The cheapest variant that meets the price and stock filters.",
    )
    several_prices = serializers.BooleanField(help_text="Its variants differ in price: “from”.")
    currency = serializers.CharField()
    in_stock = serializers.BooleanField(help_text="A variant of it is in stock.")
    distance_km = serializers.FloatField(
        allow_null=True, help_text="From `lat`, `lon` to the store; null without a position."
    )
    thumbnail = ThumbnailSerializer(allow_null=True, help_text="Its first photo, if any.")
    url = serializers.URLField(help_text="GET it here: the listing with its variants.")
    web_url = serializers.URLField(help_text="The listing's page on the site.")

    def to_representation(self, result: CatalogueResult) -> dict[str, Any]:
        request = self.context["request"]
        listing = result.listing
        category = listing.category
        return {
            "id": listing.pk,
            "slug": listing.slug,
            "title": listing.title,
            "store": {"slug": listing.store.slug, "name": listing.store.name},
            "category": (
                {"slug": category.slug, "name": category.name} if category is not None else None
            ),
            "lowest_price": f"{result.lowest_price:.2f}",
            "several_prices": result.several_prices,
            # A check constraint keeps every variant in CAD, the only currency.
            "currency": Currency.CAD.value,
            "in_stock": result.in_stock,
            "distance_km": (
                round(result.distance_km, 2) if result.distance_km is not None else None
            ),
            "thumbnail": _thumbnail(request, self.context["covers"].get(listing.pk)),
            "url": _absolute(
                request, reverse("api:catalogue_listing", args=[listing.store.slug, listing.slug])
            ),
            "web_url": _absolute(request, result.url),
        }


class CataloguePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Listings found, counted up to 1000 (see `count_capped`)."
    )
    count_capped = serializers.BooleanField(
        help_text="More than 1000 match: `count` is 1000; narrow the search to see the rest."
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CatalogueResultSerializer(many=True)


class CatalogueSchema(ApiAutoSchema):
    """The search also answers 400 (a bad query) and 404 (a page past the last)."""

    def _problem_statuses(self) -> list[int]:
        return sorted({*super()._problem_statuses(), 400, 404})


def _result_json(request: Request, row: SearchRow, cover: CoverThumbnail | None) -> dict[str, Any]:
    """CatalogueResultSerializer's representation, from plain values."""
    store_slug = row.store_slug
    return {
        "id": row.id,
        "slug": row.slug,
        "title": row.title,
        "store": {"slug": store_slug, "name": row.store_name},
        "category": (
            {"slug": row.category_slug, "name": row.category_name}
            if row.category_slug is not None
            else None
        ),
        "lowest_price": f"{row.lowest_price:.2f}",
        "several_prices": row.several_prices,
        # A check constraint keeps every variant in CAD, the only currency.
        "currency": Currency.CAD.value,
        "in_stock": row.in_stock,
        "distance_km": round(row.distance_km, 2) if row.distance_km is not None else None,
        "thumbnail": (
            {
                "url": _absolute(request, cover.path),
                "width": cover.width,
                "height": cover.height,
                "alt": cover.alt,
            }
            if cover is not None
            else None
        ),
        "url": _absolute(request, reverse("api:catalogue_listing", args=[store_slug, row.slug])),
        "web_url": _absolute(request, reverse("catalogue:listing", args=[store_slug, row.slug])),
    }


def _query_normal(data: dict[str, Any]) -> dict[str, str]:
    """The validated query as the search reads it, in one spelling: the results' cache
    key (the category by id, the store by id, numbers as their values)."""
    normal = {}
    for name, value in data.items():
        if name == "q":
            value = query_text_clean(value)
        elif name == "category":
            value = value.pk
        normal[name] = repr(value)
    return normal


# Media ranges of an Accept header that DRF answers with the plain JSON (its only
# renderer, without `indent`): the cached answer is given only to those.
_ACCEPT_PLAIN_JSON = frozenset({"", "*/*", "application/*", "application/json"})
# The headers of an answer that are its own (the middleware adds the rest every time).
_ANSWER_HEADERS = ("Content-Type", "Content-Language", "Allow", "Vary")


def _accepts_plain_json(request: HttpRequest) -> bool:
    ranges = [part.strip() for part in request.META.get("HTTP_ACCEPT", "").split(",")]
    return all(";" not in part for part in ranges) and any(
        part in _ACCEPT_PLAIN_JSON for part in ranges
    )


def _answer_key(request: HttpRequest) -> str | None:
    """The cache key of the API's answer to this GET; None when it is not cached (the
    cache is off, another method, an Accept header asking for something else)."""
    if request.method != "GET" or search_cache_seconds() <= 0:
        return None
    if not _accepts_plain_json(request):
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # Django's own answer, on the usual path
    return response_key(
        language=translation.get_language() or "",
        scheme=request.scheme,
        host=host,
        full_path=request.get_full_path(),
    )


def _client_holds(request: HttpRequest, etag: str) -> bool:
    """If-None-Match names `etag` (weakly compared, RFC 9110 13.1.2) or is `*`."""
    matches = request.META.get("HTTP_IF_NONE_MATCH", "")
    return matches.strip() == "*" or etag in {
        tag.strip().removeprefix("W/") for tag in matches.split(",")
    }


def _answer(request: HttpRequest, body: bytes, headers: dict[str, str]) -> HttpResponse:
    """An answer from its bytes, or 304 Not Modified when the client holds them
    (If-None-Match)."""
    if _client_holds(request, headers["ETag"]):
        response = HttpResponseNotModified()
        for name in ("ETag", "Cache-Control", "Content-Language", "Vary"):
            if name in headers:
                response[name] = headers[name]
        return response
    response = HttpResponse(body)
    for name, value in headers.items():
        response[name] = value
    return response


class CatalogueSearch(ApiView):
    """Published listings of approved stores: words, category, store, price, stock and
    distance, sorted; a page at a time, the same number of queries whatever its size.

    Cached (marketplace/search_cache.py): the results of a query under the catalogue's
    version, and the exact answer to a URL, given to a visitor (no credentials: no
    session cookie, no Authorization) before DRF's machinery, after the throttles. Only
    a 200 is stored; a bad query always takes the usual path to its problem document.
    """

    permission_classes = PUBLIC
    pagination_class = None
    schema = CatalogueSchema()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = _answer_key(request)
        visitor = (
            "HTTP_AUTHORIZATION" not in request.META
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )
        if key is not None and visitor:
            answered = self._visitor_answer(request, key)
            if answered is not None:
                return answered
        self.answer_version: str | None = None
        response = super().dispatch(request, *args, **kwargs)
        if key is not None and response.status_code == 200 and self.answer_version:
            stored = self._answer_store(response)
            if stored is not None and _client_holds(request, stored[1]["ETag"]):
                return _answer(request, *stored)
        return response

    def _visitor_answer(self, request: HttpRequest, key: str) -> HttpResponseBase | None:
        """The cached answer for a visitor, the throttles counted as DRF counts them;
        None (the usual path) when there is none or a throttle refuses (the usual path
        then answers the problem document). Two cache round trips: one read for the
        version, the answer and the throttles' histories, one write for the histories."""
        self.headers = self.default_response_headers
        visitor = Request(request)
        throttles = self.get_throttles()
        batched, others = [], []
        for throttle in throttles:
            simple = isinstance(throttle, SimpleRateThrottle) and throttle.cache is cache
            if simple and throttle.rate is not None:
                throttle.key = throttle.get_cache_key(visitor, self)
                if throttle.key is not None:
                    batched.append(throttle)
                    continue
            elif not simple:
                others.append(throttle)
        cached = response_cached(key, also=[throttle.key for throttle in batched])
        if cached is None:
            return None
        body, headers, found = cached
        histories: dict[int, dict[str, list[float]]] = {}
        for throttle in batched:
            # SimpleRateThrottle.allow_request, its read and write batched.
            throttle.history = list(found.get(throttle.key) or [])
            throttle.now = throttle.timer()
            while throttle.history and throttle.history[-1] <= throttle.now - throttle.duration:
                throttle.history.pop()
            if len(throttle.history) >= throttle.num_requests:
                return None
            throttle.history.insert(0, throttle.now)
            histories.setdefault(throttle.duration, {})[throttle.key] = throttle.history
        for throttle in others:
            if not throttle.allow_request(visitor, self):
                return None
        for duration, by_key in histories.items():
            cache.set_many(by_key, duration)
        return _answer(request, body, headers)

    def _answer_store(self, response: HttpResponseBase) -> tuple[bytes, dict[str, str]] | None:
        """Keep a 200 with its ETag, its key in the language it was answered in; its
        body and headers (None when it came from the cache)."""
        if isinstance(response, Response):
            response.render()
        if not isinstance(response, HttpResponse) or "ETag" in response:
            return None  # answered from the cache already
        request = self.request._request
        language = response.get("Content-Language", "")
        body = response.content
        headers = {name: response[name] for name in _ANSWER_HEADERS if name in response}
        headers["ETag"] = etag_of(body, language)
        headers["Cache-Control"] = "no-cache"
        response["ETag"] = headers["ETag"]
        response["Cache-Control"] = headers["Cache-Control"]
        with translation.override(language or None):
            key = _answer_key(request)
        if key is not None:
            response_store(key=key, version=self.answer_version, body=body, headers=headers)
        return body, headers

    @extend_schema(
        tags=["catalogue"],
        operation_id="catalogue_search",
        summary="Search the catalogue",
        parameters=[CatalogueQuerySerializer],
        responses=CataloguePageSerializer,
    )
    def get(self, request: Request) -> HttpResponseBase:
        # Signed in, or with a token: authenticated and throttled by now, and given the
        # same bytes as a visitor in the same language.
        key = _answer_key(request._request)
        cached = response_cached(key) if key is not None else None
        if cached is not None:
            return _answer(request._request, cached[0], cached[1])
        query = CatalogueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        # Read before the database: what is stored under it is never newer than it.
        version = catalogue_version()
        language = translation.get_language() or ""
        found_key = (
            results_key(version=version, language=language, query=_query_normal(data))
            if version is not None
            else None
        )
        found = cache.get(found_key) if found_key is not None else None
        if not isinstance(found, tuple):
            found = self._search(data)
            if found_key is not None:
                cache.set(found_key, found, search_cache_seconds())
        page, covers = found
        if page.page != data["page"]:
            # The selector gives the last page for one past it; the API says so instead.
            raise NotFound(_("Invalid page."), code="invalid_page")
        url = request.build_absolute_uri()
        self.answer_version = version
        return Response(
            {
                "count": page.total,
                "count_capped": page.total_capped,
                "next": replace_query_param(url, "page", page.page + 1) if page.has_next else None,
                "previous": (
                    replace_query_param(url, "page", page.page - 1) if page.has_previous else None
                ),
                "results": [_result_json(request, row, covers.get(row.id)) for row in page.results],
            }
        )

    def _search(self, data: dict[str, Any]) -> tuple[CataloguePage, dict[int, CoverThumbnail]]:
        position = (data["lat"], data["lon"]) if "lat" in data else None
        try:
            page = catalogue_search_rows(
                text=data["q"],
                category=data.get("category"),
                # The serializer found the approved store: its id is all the filter needs.
                store=Store(pk=data["store"]) if "store" in data else None,
                price_min=data.get("price_min"),
                price_max=data.get("price_max"),
                in_stock=data["in_stock"],
                position=position,
                max_distance_km=data.get("max_km"),
                sort=data.get("sort", ""),
                page=data["page"],
                page_size=data["page_size"],
            )
        except CatalogueQueryInvalid as refused:
            # The serializer's limits are the selector's; this is a safety net.
            raise ValidationError({"non_field_errors": [str(refused.message)]}) from refused
        return page, cover_thumbnails([row.id for row in page.results])


# --- One listing -----------------------------------------------------------------------------


class CatalogueVariantSerializer(serializers.ModelSerializer):
    """A variant as a shopper picks it: its id is what the cart's lines take."""

    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    in_stock = serializers.SerializerMethodField()
    size_class = serializers.ChoiceField(
        choices=SizeClass.values, help_text="The parcel size it needs at pickup: S, M or L."
    )

    class Meta:
        model = Variant
        fields = ["id", "sku", "name", "price", "currency", "in_stock", "size_class"]
        read_only_fields = fields

    def get_in_stock(self, variant: Variant) -> bool:
        return variant.stock > 0


class PhotoSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The photo, at most 2048 pixels on its longer side.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    thumbnail = ThumbnailSerializer()
    alt = serializers.CharField(help_text="What the photo shows, in the request's language.")

    def to_representation(self, photo: ListingPhoto) -> dict[str, Any]:
        request = self.context["request"]
        return {
            "url": _absolute(request, photo.image.url),
            "width": photo.width,
            "height": photo.height,
            "thumbnail": _thumbnail(request, photo),
            "alt": photo.alt,
        }


class CatalogueListingSerializer(serializers.ModelSerializer):
    """A published listing with its variants, cheapest first, and its photos in order."""

    title = serializers.CharField(help_text="In the request's language.")
    description = serializers.CharField(help_text="In the request's language.")
    store = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True)
    variants = CatalogueVariantSerializer(many=True)
    web_url = serializers.SerializerMethodField(help_text="The listing's page on the site.")

    class Meta:
        model = Listing
        fields = [
            "id",
            "slug",
            "title",
            "title_fr",
            "title_en",
            "description",
            "store",
            "category",
            "photos",
            "variants",
            "web_url",
        ]
        read_only_fields = fields

    @extend_schema_field(NamedRefSerializer)
    def get_store(self, listing: Listing) -> dict[str, str]:
        return {"slug": listing.store.slug, "name": listing.store.name}

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_category(self, listing: Listing) -> dict[str, str] | None:
        if listing.category is None:
            return None
        return {"slug": listing.category.slug, "name": listing.category.name}

    def get_web_url(self, listing: Listing) -> str:
        return _absolute(
            self.context["request"],
            reverse("catalogue:listing", args=[listing.store.slug, listing.slug]),
        )


class CatalogueListingDetail(ApiView):
    """A published listing of an approved store; any other is not found. Three queries."""

    permission_classes = PUBLIC
    pagination_class = None

    @extend_schema(
        tags=["catalogue"],
        operation_id="catalogue_listing",
        summary="One listing with its variants",
        responses=CatalogueListingSerializer,
    )
    def get(self, request: Request, store_slug: str, listing_slug: str) -> Response:
        listing = catalogue_listing(store_slug=store_slug, listing_slug=listing_slug)
        if listing is None:
            raise NotFound()
        prefetch_related_objects(
            [listing], Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id"))
        )
        return Response(CatalogueListingSerializer(listing, context={"request": request}).data)


# Added to /api/v1/ by marketplace/api/urls.py.
urlpatterns = [
    path("catalogue/", CatalogueSearch.as_view(), name="catalogue"),
    path(
        "catalogue/<slug:store_slug>/<slug:listing_slug>/",
        CatalogueListingDetail.as_view(),
        name="catalogue_listing",
    ),
]
