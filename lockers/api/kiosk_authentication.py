"""Who is calling the kiosk API: a kiosk device, by its secret (docs/kiosk.md).

    Authorization: Kiosk uqk_...

The secret is the one a coop admin was shown once when making the device; a revoked
device's secret is refused at once. The device acts only on its own site.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from lockers.kiosk_devices import kiosk_device_authenticate
from lockers.models import KioskDevice

KIOSK_SCHEME = "Kiosk"


class InvalidKioskCredential(AuthenticationFailed):
    default_detail = _("The kiosk device’s secret is not valid: it is unknown or revoked.")
    default_code = "invalid_kiosk_credential"


class KioskDeviceAuthentication(BaseAuthentication):
    """`Authorization: Kiosk <secret>`: request.auth is the device, request.user nobody."""

    def authenticate(self, request: Request) -> tuple[Any, KioskDevice] | None:
        scheme, _space, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != KIOSK_SCHEME.lower():
            return None
        device = kiosk_device_authenticate(credentials.strip())
        if device is None:
            raise InvalidKioskCredential()
        return AnonymousUser(), device

    def authenticate_header(self, request: Request) -> str:
        return KIOSK_SCHEME


class IsKioskDevice(BasePermission):
    """A live kiosk device signed the request in."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, KioskDevice)


class KioskDeviceScheme(OpenApiAuthenticationExtension):
    target_class = "lockers.api.kiosk_authentication.KioskDeviceAuthentication"
    name = "kioskDevice"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A kiosk device's secret, made by a coop admin and shown once, sent as "
                "`Authorization: Kiosk <secret>` (docs/kiosk.md). The device acts only on "
                "its own locker site."
            ),
        }
