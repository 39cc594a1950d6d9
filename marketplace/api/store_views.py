"""/api/v1/store/: the point-of-sale API (docs/store-api.md). A store's own system reads
and changes the store's listings and variants and sends its stock counts, with one of the
store's API keys; it never sees or changes another store's data (every query starts from
the key's store).

Thin, as the shopper API: authenticate the key, authorise (marketplace.store_api), check
the shape of the input, call the service that the store's pages call (so validation and
the audit trail are shared), render. Creates take an Idempotency-Key.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from core.api_input import BoundedJsonParser
from marketplace.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotency_key
from marketplace.api.pagination import ApiPagination
from marketplace.api.store_authentication import (
    STORE_KEY_CHALLENGE,
    STORE_KEY_INVALID_CHALLENGE,
    HasStoreApiKey,
    InvalidStoreApiKey,
    StoreApiKeyAuthentication,
)
from marketplace.api.store_schema import StoreAutoSchema
from marketplace.api.store_serializers import (
    ApiKeyInfoSerializer,
    ListingCreateSerializer,
    ListingUpdateSerializer,
    StockUpdateResultSerializer,
    StockUpdateSerializer,
    StoreListingSerializer,
    StoreVariantSerializer,
    VariantCreateSerializer,
    VariantUpdateSerializer,
    errors_flat,
)
from marketplace.errors import StoreApiIdempotencyKeyReused
from marketplace.models import Listing, StoreApiIdempotentRequest, StoreApiKey, Variant
from marketplace.services import (
    listing_create,
    listing_status_set,
    listing_update,
    variant_create,
    variant_update,
)
from marketplace.store_api import variants_stock_set

# 1,000 stock items of a 64-character SKU are about 90 KB of JSON.
STORE_API_JSON_MAX_BYTES = 256 * 1024
SKU_PARAMETER = OpenApiParameter(
    name="sku",
    type={"type": "string", "minLength": 1, "maxLength": 64},
    location=OpenApiParameter.QUERY,
    required=False,
    description="Only the variant with this SKU (exact, at most 64 characters).",
)
IDEMPOTENCY_KEY_OPTIONAL = OpenApiParameter(
    name=IDEMPOTENCY_KEY_PARAMETER.name,
    type=IDEMPOTENCY_KEY_PARAMETER.type,
    location=OpenApiParameter.HEADER,
    required=False,
    description=IDEMPOTENCY_KEY_PARAMETER.description,
)


class StoreJsonParser(BoundedJsonParser):
    max_bytes = STORE_API_JSON_MAX_BYTES


class StoreKeyRateThrottle(SimpleRateThrottle):
    """Requests per store key (settings.API_RATE_STORE_KEY), whoever sends them."""

    scope = "store_key"

    def get_rate(self) -> str:
        return settings.API_RATE_STORE_KEY

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, StoreApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    """The serializer's data, or a 400 naming each bad field on one level."""
    if not serializer.is_valid():
        raise ValidationError(errors_flat(serializer.errors))
    return serializer.validated_data


class StoreApiView(APIView):
    authentication_classes = [StoreApiKeyAuthentication]
    permission_classes = [HasStoreApiKey]
    parser_classes = [StoreJsonParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [StoreKeyRateThrottle]
    pagination_class = ApiPagination
    schema = StoreAutoSchema()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoValidationError):
            detail = (
                exc.message_dict
                if hasattr(exc, "error_dict")
                else {"non_field_errors": exc.messages}
            )
            exc = ValidationError(detail)
        response = super().handle_exception(exc)
        if isinstance(exc, InvalidStoreApiKey):
            response["WWW-Authenticate"] = STORE_KEY_INVALID_CHALLENGE
        elif isinstance(exc, NotAuthenticated):
            response["WWW-Authenticate"] = STORE_KEY_CHALLENGE
        return response

    @property
    def api_key(self) -> StoreApiKey:
        return self.request.auth

    def listings(self) -> QuerySet[Listing]:
        """The key's store's listings, each with its variants by SKU: two queries a page."""
        return (
            Listing.objects.filter(store_id=self.api_key.store_id)
            .select_related("category")
            .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("sku")))
            .order_by("id")
        )

    def variants(self) -> QuerySet[Variant]:
        return Variant.objects.filter(store_id=self.api_key.store_id).order_by("id")

    def listing(self, pk: int) -> Listing:
        return generics.get_object_or_404(self.listings().select_related("store"), pk=pk)

    def variant(self, pk: int) -> Variant:
        return generics.get_object_or_404(self.variants().select_related("listing__store"), pk=pk)

    def paginated(self, queryset: QuerySet, serializer_class: type) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)

    def idempotent(
        self, request: Request, work: Callable[[], Response], *, required: bool = True
    ) -> Response:
        """Do `work` once per Idempotency-Key of this store key: a retry with the same key
        and body gets the first answer again (header Idempotent-Replayed: true); the same
        key with another request is a 422. Without a key (where not required), just do it."""
        key = idempotency_key(request, required=required)
        if key is None:
            return work()
        digest = hashlib.sha256(
            json.dumps(
                [request.method, request.path, request.data], sort_keys=True, default=str
            ).encode()
        ).hexdigest()

        def replay() -> Response | None:
            done = StoreApiIdempotentRequest.objects.filter(api_key=self.api_key, key=key).first()
            if done is None:
                return None
            if done.request_digest != digest:
                raise StoreApiIdempotencyKeyReused
            return Response(
                done.response, status=done.status_code, headers={"Idempotent-Replayed": "true"}
            )

        replayed = replay()
        if replayed is not None:
            return replayed
        try:
            with transaction.atomic():
                response = work()
                StoreApiIdempotentRequest.objects.create(
                    api_key=self.api_key,
                    key=key,
                    request_digest=digest,
                    status_code=response.status_code,
                    response=response.data,
                )
        except IntegrityError:
            # The same key in another request at the same moment: its answer is ours.
            replayed = replay()
            if replayed is None:
                raise
            return replayed
        return response


TAGS = ["store"]


class KeyInfo(StoreApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="store_key_info",
        summary="The key and its store",
        description="What this key is: its prefix, name, scope, when it was made and last "
        "used, and its store. A cheap way for a till to test its key.",
        responses={200: ApiKeyInfoSerializer},
    )
    def get(self, request: Request) -> Response:
        key = self.api_key
        return Response(
            ApiKeyInfoSerializer(
                {
                    "prefix": key.prefix,
                    "name": key.name,
                    "scope": key.scope,
                    "created_at": key.created_at,
                    "last_used_at": key.last_used_at,
                    "store": {
                        "slug": key.store.slug,
                        "name": key.store.name,
                        "status": key.store.status,
                    },
                }
            ).data
        )


class ListingList(StoreApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="store_listings_list",
        summary="The store's listings, with their variants",
        description="Every listing of the key's store, whatever its status (draft, "
        "published, unpublished), by id, a page at a time (`page`, `page_size` up to 100).",
        parameters=[
            OpenApiParameter("page", int, OpenApiParameter.QUERY, required=False),
            OpenApiParameter("page_size", int, OpenApiParameter.QUERY, required=False),
        ],
        responses={200: StoreListingSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(self.listings(), StoreListingSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="store_listings_create",
        summary="Add a listing (a draft)",
        description="A new listing, a draft until it is published (PATCH status). Its slug "
        "comes from its French title.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ListingCreateSerializer,
        responses={201: StoreListingSerializer},
        examples=[
            OpenApiExample(
                "A listing",
                request_only=True,
                value={
                    "title_fr": "Pain de campagne",
                    "description_fr": "Levain naturel, farine du Québec.",
                    "title_en": "Country bread",
                    "category": "boulangerie",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        def work() -> Response:
            fields = _valid(ListingCreateSerializer(data=request.data))
            listing = listing_create(store=self.api_key.store, acting_user=request.user, **fields)
            return Response(
                StoreListingSerializer(self.listing(listing.pk)).data,
                status=status.HTTP_201_CREATED,
            )

        return self.idempotent(request, work)


class ListingDetail(StoreApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="store_listings_retrieve",
        summary="One listing of the store, with its variants",
        responses={200: StoreListingSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(StoreListingSerializer(self.listing(pk)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="store_listings_partial_update",
        summary="Change a listing's words, category or status",
        description="Only the fields sent change. `status: published` needs a variant and "
        "the store's payout account (409 otherwise); a published listing is withdrawn with "
        "`unpublished`, never back to draft. All or nothing.",
        request=ListingUpdateSerializer,
        responses={200: StoreListingSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        listing = self.listing(pk)
        fields = _valid(ListingUpdateSerializer(data=request.data))
        new_status = fields.pop("status", None)
        with transaction.atomic():
            if fields:
                listing_update(listing=listing, acting_user=request.user, **fields)
            if new_status is not None:
                listing_status_set(listing=listing, status=new_status, acting_user=request.user)
        return Response(StoreListingSerializer(self.listing(pk)).data)


class VariantList(StoreApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="store_variants_list",
        summary="The store's variants",
        description="Every variant of the key's store by id, a page at a time; `sku` keeps "
        "the one with that SKU.",
        parameters=[
            SKU_PARAMETER,
            OpenApiParameter("page", int, OpenApiParameter.QUERY, required=False),
            OpenApiParameter("page_size", int, OpenApiParameter.QUERY, required=False),
        ],
        responses={200: StoreVariantSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        variants = self.variants()
        sku = request.query_params.get("sku")
        if sku is not None:
            if len(sku) > 64:
                raise ValidationError({"sku": [_("A SKU has at most 64 characters.")]})
            variants = variants.filter(sku=sku)
        return self.paginated(variants, StoreVariantSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="store_variants_create",
        summary="Add a variant to a listing",
        description="A variant of one of the store's listings, its SKU unique in the store "
        "(400 `sku` otherwise); `stock` is the units on hand.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=VariantCreateSerializer,
        responses={201: StoreVariantSerializer},
        examples=[
            OpenApiExample(
                "A variant",
                request_only=True,
                value={
                    "listing": 12,
                    "sku": "PAIN-CAMP-800",
                    "name": "800 g",
                    "price": "6.50",
                    "size_class": "S",
                    "weight_grams": 850,
                    "stock": 14,
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        def work() -> Response:
            fields = _valid(VariantCreateSerializer(data=request.data))
            listing = (
                Listing.objects.filter(store_id=self.api_key.store_id, pk=fields.pop("listing"))
                .select_related("store")
                .first()
            )
            if listing is None:
                raise ValidationError({"listing": [_("No listing of this store has this id.")]})
            variant = variant_create(listing=listing, acting_user=request.user, **fields)
            return Response(StoreVariantSerializer(variant).data, status=status.HTTP_201_CREATED)

        return self.idempotent(request, work)


class VariantDetail(StoreApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="store_variants_retrieve",
        summary="One variant of the store",
        responses={200: StoreVariantSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(StoreVariantSerializer(self.variant(pk)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="store_variants_partial_update",
        summary="Change a variant's name, price, parcel or low-stock threshold",
        description="Only the fields sent change. The SKU stays; the stock moves with POST "
        "/api/v1/store/stock/.",
        request=VariantUpdateSerializer,
        responses={200: StoreVariantSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        variant = self.variant(pk)
        fields = _valid(VariantUpdateSerializer(data=request.data))
        variant = variant_update(variant=variant, acting_user=request.user, **fields)
        return Response(StoreVariantSerializer(variant).data)


class StockUpdate(StoreApiView):
    @extend_schema(
        tags=TAGS,
        operation_id="store_stock_update",
        summary="Set the stock of up to 1,000 variants by SKU",
        description="Each item is a SKU and the units on hand the till counts. All or "
        "nothing: a SKU the store does not have, a SKU twice or a bad count is a 400 naming "
        "every bad item (`items[<index>].sku`, `items[<index>].stock`), and nothing changes. "
        "Units held by checkouts not yet paid are subtracted: `stock` is what is left to "
        "sell online. An Idempotency-Key is optional.",
        parameters=[IDEMPOTENCY_KEY_OPTIONAL],
        request=StockUpdateSerializer,
        responses={200: StockUpdateResultSerializer},
        examples=[
            OpenApiExample(
                "Two counts",
                request_only=True,
                value={
                    "items": [
                        {"sku": "PAIN-CAMP-800", "stock": 14},
                        {"sku": "CROIS-4", "stock": 0},
                    ]
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        def work() -> Response:
            body = _valid(StockUpdateSerializer(data=request.data))
            levels = variants_stock_set(
                store=self.api_key.store,
                items=[(item["sku"], item["stock"]) for item in body["items"]],
                acting_user=request.user,
                api_key=self.api_key,
            )
            return Response(StockUpdateResultSerializer({"items": levels}).data)

        return self.idempotent(request, work, required=False)
