"""/api/v1/courier/: the courier app's endpoints (docs/courier-api.md). Thin: who may
call (lockers.courier.access_courier_api), what was sent, one call into lockers.courier."""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from identity.oidc.selectors import BearerAccess
from lockers import courier
from lockers.api.authentication import (
    BearerTokenAuthentication,
    CsrfSessionAuthentication,
    request_scopes,
)
from lockers.api.courier_serializers import (
    DamagedIn,
    ManifestOut,
    ManifestQuery,
    ReturnIn,
    ScanIn,
    ScanResultOut,
    SiteScanIn,
)
from lockers.api.parsers import BoundedJsonParser
from lockers.api.schema import LockersAutoSchema
from lockers.models import Site

LANGUAGES_SUPPORTED = {code for code, _name in settings.LANGUAGES}


class CourierAccess(BasePermission):
    """A courier (carry_parcels); with a bearer token, one granted the `courier` scope."""

    def has_permission(self, request: Request, view: Any) -> bool:
        courier.access_courier_api(request.user, scopes=request_scopes(request))
        return True


class CourierApiView(APIView):
    authentication_classes = [BearerTokenAuthentication, CsrfSessionAuthentication]
    permission_classes = [IsAuthenticated, CourierAccess]
    parser_classes = [BoundedJsonParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [UserRateThrottle]
    schema = LockersAutoSchema()
    input_class: type[serializers.Serializer] = ScanIn

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """A bearer token's person is answered in their language, as a session is."""
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

    def read(self, request: Request) -> dict[str, Any]:
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def site(slug: str) -> Site:
        site = Site.objects.filter(slug=slug).first()
        if site is None:
            raise NotFound(_("No locker site has this slug."), code="site_unknown")
        return site

    @staticmethod
    def answer(result: courier.ScanResult) -> Response:
        return Response(ScanResultOut(result).data)


@extend_schema(
    tags=["courier"],
    summary="Today's manifest: stops in route order",
    parameters=[
        OpenApiParameter("lat", float, description="The courier's latitude (WGS 84)."),
        OpenApiParameter("lon", float, description="The courier's longitude."),
    ],
    responses=ManifestOut,
)
class CourierManifest(CourierApiView):
    """Pickups at stores, deposits at sites, retrievals and returns; four queries."""

    def get(self, request: Request) -> Response:
        query = ManifestQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        manifest = courier.courier_manifest(
            courier=request.user,
            latitude=query.validated_data.get("lat"),
            longitude=query.validated_data.get("lon"),
        )
        return Response(ManifestOut(manifest).data)


@extend_schema(
    tags=["courier"],
    summary="Scan at a store: the parcel is yours",
    request=ScanIn,
    responses=ScanResultOut,
)
class CourierScanAtStore(CourierApiView):
    def post(self, request: Request) -> Response:
        data = self.read(request)
        parcel = courier.parcel_from_scan(data["label"])
        return self.answer(courier.courier_pickup(parcel=parcel, courier=request.user))


@extend_schema(
    tags=["courier"],
    summary="Scan at a site: a compartment opens",
    request=SiteScanIn,
    responses=ScanResultOut,
)
class CourierDeposit(CourierApiView):
    input_class = SiteScanIn

    def post(self, request: Request) -> Response:
        data = self.read(request)
        site = self.site(data["site"])
        parcel = courier.parcel_from_scan(data["label"])
        return self.answer(courier.courier_deposit(parcel=parcel, site=site, courier=request.user))


@extend_schema(
    tags=["courier"],
    summary="The compartment did not open: another one does",
    request=ScanIn,
    responses=ScanResultOut,
)
class CourierJammed(CourierApiView):
    def post(self, request: Request) -> Response:
        parcel = courier.parcel_from_scan(self.read(request)["label"])
        return self.answer(courier.courier_jammed(parcel=parcel, courier=request.user))


@extend_schema(
    tags=["courier"], summary="Report a damaged parcel", request=DamagedIn, responses=ScanResultOut
)
class CourierDamaged(CourierApiView):
    input_class = DamagedIn

    def post(self, request: Request) -> Response:
        data = self.read(request)
        parcel = courier.parcel_from_scan(data["label"])
        return self.answer(
            courier.courier_damaged(parcel=parcel, courier=request.user, note=data["note"])
        )


@extend_schema(
    tags=["courier"],
    summary="Take an expired parcel out of its locker",
    request=SiteScanIn,
    responses=ScanResultOut,
)
class CourierRetrieve(CourierApiView):
    input_class = SiteScanIn

    def post(self, request: Request) -> Response:
        data = self.read(request)
        site = self.site(data["site"])
        parcel = courier.parcel_from_scan(data["label"])
        return self.answer(courier.courier_retrieve(parcel=parcel, site=site, courier=request.user))


@extend_schema(
    tags=["courier"],
    summary="Hand a parcel back to its store",
    request=ReturnIn,
    responses=ScanResultOut,
)
class CourierReturnToStore(CourierApiView):
    input_class = ReturnIn

    def post(self, request: Request) -> Response:
        data = self.read(request)
        parcel = courier.parcel_from_scan(data["label"])
        return self.answer(
            courier.courier_return(parcel=parcel, courier=request.user, reason=data["reason"])
        )
