"""The API's endpoints, thin: authenticate, authorise, read or call one service, render.

A new endpoint derives from `ApiView` (or `ApiMixin` with a DRF generic view) and gets
everything the API shares; it states only who may call it (`PERSONAL` by default, or
`PUBLIC`) and, for a POST that creates money or stock movements, reads
`idempotency_key(request)` (marketplace/api/idempotency.py) and passes it to its service.
"""

from typing import Any

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from identity.oidc.selectors import BearerAccess
from marketplace.api.authentication import BearerTokenAuthentication, CsrfSessionAuthentication
from marketplace.api.pagination import ApiPagination
from marketplace.api.parsers import BoundedJsonParser
from marketplace.api.permissions import MarketplaceScope
from marketplace.api.schema import ApiAutoSchema
from marketplace.api.serializers import CategorySerializer, StoreSerializer
from marketplace.selectors import category_tree, stores_visible

# Who may call: anyone (a token, if one is sent, must still be valid and scoped), or a
# signed-in person only.
PUBLIC = [MarketplaceScope, AllowAny]
LANGUAGES_SUPPORTED = {code for code, _name in settings.LANGUAGES}
PERSONAL = [MarketplaceScope, IsAuthenticated]


class ApiMixin:
    """What every endpoint of /api/v1/ shares."""

    # The bearer token first: its challenge is the one a 401 carries.
    authentication_classes = [BearerTokenAuthentication, CsrfSessionAuthentication]
    permission_classes = PERSONAL
    parser_classes = [BoundedJsonParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [AnonRateThrottle, UserRateThrottle]
    pagination_class = ApiPagination
    schema = ApiAutoSchema()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """After authentication: answer a bearer token's person in their language, as
        the site's middleware does for a signed-in session (a language cookie first)."""
        super().initial(request, *args, **kwargs)
        if not isinstance(request.auth, BearerAccess):
            return
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in LANGUAGES_SUPPORTED:
            return
        if request.user.preferred_language in LANGUAGES_SUPPORTED:
            translation.activate(request.user.preferred_language)
            request.LANGUAGE_CODE = request.user.preferred_language

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        return response


class ApiView(ApiMixin, APIView):
    pass


@extend_schema(tags=["stores"], summary="Approved stores, by city, neighbourhood and name")
class StoreList(ApiMixin, generics.ListAPIView):
    """Stores the coop approved, a page at a time; two queries whatever the page size."""

    permission_classes = PUBLIC
    serializer_class = StoreSerializer

    def get_queryset(self) -> Any:
        return stores_visible()


@extend_schema(tags=["stores"], summary="One approved store")
class StoreDetail(ApiMixin, generics.RetrieveAPIView):
    """An approved store by its slug; any other store is not found."""

    permission_classes = PUBLIC
    serializer_class = StoreSerializer
    lookup_field = "slug"

    def get_queryset(self) -> Any:
        return stores_visible()


@extend_schema(
    tags=["catalogue"],
    summary="The category tree",
    responses=CategorySerializer(many=True),
)
class CategoryTree(ApiView):
    """The roots, each with its children down to the leaves; not paginated (a few dozen)."""

    permission_classes = PUBLIC
    pagination_class = None

    def get(self, request: Request) -> Response:
        categories = category_tree()
        return Response(
            CategorySerializer(categories, many=True, context={"request": request}).data
        )
