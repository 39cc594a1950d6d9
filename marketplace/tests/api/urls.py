"""The API's URLs, and endpoints built on its base view for the tests alone: the cart and
checkout endpoints will be built the same way (a POST with a JSON body and an
Idempotency-Key, at an assurance level)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import include, path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from marketplace.api.authentication import assurance_require, request_assurance
from marketplace.api.idempotency import idempotency_key
from marketplace.api.views import PUBLIC, ApiView
from marketplace.errors import TransitionRefused


class QuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=99)


class Echo(ApiView):
    """A signed-in person's POST, answered with what the API understood of it."""

    def post(self, request: Request) -> Response:
        return Response(
            {
                "received": request.data,
                "idempotency_key": idempotency_key(request),
                "user": request.user.email,
                "acr": request_assurance(request),
            }
        )


class Assured(ApiView):
    def post(self, request: Request) -> Response:
        assurance_require(request, "substantial")
        return Response({"done": True})


class Refusing(ApiView):
    """Raises what it is asked to, as a view or a service would."""

    def post(self, request: Request, what: str) -> Response:
        if what == "marketplace":
            raise TransitionRefused()
        if what == "http404":
            raise Http404
        if what == "denied":
            raise PermissionDenied
        if what == "invalid":
            serializer = QuantitySerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
        return Response({})


class OncePerHour(SimpleRateThrottle):
    rate = "1/hour"

    def get_cache_key(self, request: Request, view: object) -> str:
        return "test-api-throttle"


class Throttled(ApiView):
    permission_classes = PUBLIC
    throttle_classes = [OncePerHour]

    def get(self, request: Request) -> Response:
        return Response({})


class OncePerHourPerAddress(SimpleRateThrottle):
    """Counts each client address apart, as DRF's anonymous throttle does (get_ident)."""

    rate = "1/hour"

    def get_cache_key(self, request: Request, view: object) -> str:
        return f"test-api-throttle-{self.get_ident(request)}"


class ThrottledPerAddress(Throttled):
    throttle_classes = [OncePerHourPerAddress]


urlpatterns = [
    path("", include("config.urls")),
    path("api/test/echo/", Echo.as_view()),
    path("api/test/assured/", Assured.as_view()),
    path("api/test/refusing/<str:what>/", Refusing.as_view()),
    path("api/test/throttled/", Throttled.as_view()),
    path("api/test/throttled-per-address/", ThrottledPerAddress.as_view()),
]
