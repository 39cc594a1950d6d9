"""The kiosk API (docs/kiosk.md): a vendor's kiosk screen opens compartments at its own
site with the shopper's pickup code, and reads its site's state.

Errors are problem documents (settings.REST_FRAMEWORK's handler turns lockers' errors
into them): pickup_code_refused (400, attempts_left), kiosk_locked (429, locked_until and
Retry-After), controller_offline and compartment_not_opened (503), invalid_kiosk_credential
(401, `WWW-Authenticate: Kiosk`).
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.api_input import BoundedJsonParser
from core.problems import PROBLEM_CONTENT_TYPE
from lockers.api.kiosk_authentication import (
    KIOSK_SCHEME,
    InvalidKioskCredential,
    IsKioskDevice,
    KioskDeviceAuthentication,
)
from lockers.api.kiosk_serializers import (
    KioskPickupRequestSerializer,
    KioskPickupSerializer,
    KioskProblemSerializer,
    KioskStatusSerializer,
)
from lockers.controllers import site_is_online
from lockers.kiosk_pickup import kiosk_pickup
from lockers.models import KioskLockout

# A pickup request is a code: a few dozen bytes.
KIOSK_JSON_MAX_BYTES = 4 * 1024


class KioskJsonParser(BoundedJsonParser):
    """application/json, one JSON object of at most KIOSK_JSON_MAX_BYTES."""

    max_bytes = KIOSK_JSON_MAX_BYTES


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=KioskProblemSerializer, description=description)


AUTH_PROBLEMS = {
    (401, PROBLEM_CONTENT_TYPE): _problem(
        "No kiosk credential (not_authenticated), or a secret that is unknown or revoked "
        "(invalid_kiosk_credential)."
    ),
    (403, PROBLEM_CONTENT_TYPE): _problem(
        "permission_denied: the request was not made by a kiosk device."
    ),
}
THROTTLED = _problem("throttled: too many requests from this address; wait Retry-After seconds.")


class KioskApiView(APIView):
    """A kiosk device's request: its secret, its own site, JSON in and out."""

    authentication_classes = [KioskDeviceAuthentication]
    permission_classes = [IsKioskDevice]
    parser_classes = [KioskJsonParser]
    # By address, at the API's rate for visitors (REST_FRAMEWORK's "anon"): a kiosk asks
    # a few times a minute; a secret copied elsewhere is slowed down besides the lockout.
    throttle_classes = [AnonRateThrottle]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, NotAuthenticated | InvalidKioskCredential):
            # The API's handler names the bearer scheme; this API's scheme is the kiosk's.
            response["WWW-Authenticate"] = KIOSK_SCHEME
        return response


class KioskPickupView(KioskApiView):
    @extend_schema(
        operation_id="kiosk_pickup",
        summary="Open the compartment of a pickup code",
        description=(
            "The shopper's 6-digit code, or the text of their QR code "
            "(`UQP1.<site slug>.<6 digits>`), at the device's own site. Five wrong codes in "
            "a row lock the site's kiosks for 10 minutes and alert support. The door "
            "closed on an empty compartment marks the parcel picked up."
        ),
        request=KioskPickupRequestSerializer,
        responses={
            200: KioskPickupSerializer,
            (400, PROBLEM_CONTENT_TYPE): _problem(
                "pickup_code_refused (with attempts_left), or bad input (json_invalid, invalid)."
            ),
            **AUTH_PROBLEMS,
            (413, PROBLEM_CONTENT_TYPE): _problem("json_too_large: the body is over 4 KiB."),
            (415, PROBLEM_CONTENT_TYPE): _problem(
                "unsupported_media_type: the body is not application/json."
            ),
            (429, PROBLEM_CONTENT_TYPE): _problem(
                "kiosk_locked: too many wrong codes; locked_until, and Retry-After seconds. "
                "Or throttled: too many requests from this address."
            ),
            (503, PROBLEM_CONTENT_TYPE): _problem(
                "controller_offline: the site's controller is offline; or "
                "compartment_not_opened (with compartment). Support has been told."
            ),
        },
        examples=[OpenApiExample("A typed code", value={"code": "482913"}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        body = KioskPickupRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pickup = kiosk_pickup(device=request.auth, text=body.validated_data["code"])
        return Response(
            KioskPickupSerializer(
                {"compartment": pickup.compartment_label, "status": pickup.status}
            ).data
        )


class KioskStatusView(KioskApiView):
    @extend_schema(
        operation_id="kiosk_status",
        summary="The device's site: its controller online, its kiosks locked",
        responses={
            200: KioskStatusSerializer,
            **AUTH_PROBLEMS,
            (429, PROBLEM_CONTENT_TYPE): THROTTLED,
        },
    )
    def get(self, request: Request) -> Response:
        device = request.auth
        site = device.site
        locked_until = (
            KioskLockout.objects.filter(site=site).values_list("locked_until", flat=True).first()
        )
        if locked_until is not None and locked_until <= timezone.now():
            locked_until = None
        return Response(
            KioskStatusSerializer(
                {
                    "device": device.name,
                    "site": {"slug": site.slug, "name": site.name},
                    "online": site_is_online(site),
                    "locked_until": locked_until,
                }
            ).data
        )
