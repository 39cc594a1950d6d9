"""The kiosk's pages (issue 11, point 7): the touch screen at a site where shoppers type or
show their pickup code. docs/kiosk.md says how a screen is set up and what it can do.

A screen signs in once, at /casiers/kiosque/activer/, with its device's secret (made by a
coop admin, lockers.kiosk_devices); the secret is then kept in a signed, HttpOnly,
SameSite=Strict cookie (Secure in production) and checked at every request, so that a
revoked device is signed out at its next one. The kiosk page acts only on the device's
own site. French first; a shopper's choice of English lasts one visit (`lang` in the
address and the forms), so the next shopper finds the screen in French again. Every step
works without JavaScript; kiosk.js adds the keypad's typing, the camera and the return
to the keypad after a while.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lockers.errors import (
    KioskCompartmentNotOpened,
    KioskControllerOffline,
    KioskLocked,
    PickupCodeRefused,
)
from lockers.kiosk_devices import SECRET_MAX_LENGTH, kiosk_device_authenticate
from lockers.kiosk_pickup import CODE_MAX_LENGTH, kiosk_pickup
from lockers.models import KioskDevice, KioskLockout

KIOSK_COOKIE = "uniqc_kiosk"
KIOSK_COOKIE_SALT = "lockers.kiosk-device"
# Browsers keep a cookie 400 days at most; the screen is set up again after that.
KIOSK_COOKIE_MAX_AGE = timedelta(days=400)
LANGUAGES = ("fr", "en")
CODE_DIGITS = 6
# Seconds before the page goes back to the keypad (kiosk.js): after a door opened, and
# after any other answer (so that the next shopper does not read it).
RETURN_AFTER_OPENED = 15
RETURN_AFTER_OTHER = 30
KEYPAD = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]


def request_kiosk_device(request: HttpRequest) -> KioskDevice | None:
    """The live device whose secret the request's kiosk cookie holds, or None."""
    secret = request.get_signed_cookie(
        KIOSK_COOKIE,
        default=None,
        salt=KIOSK_COOKIE_SALT,
        max_age=KIOSK_COOKIE_MAX_AGE,
    )
    return kiosk_device_authenticate(secret) if secret else None


def kiosk_cookie_set(response: HttpResponse, secret: str) -> None:
    response.set_signed_cookie(
        KIOSK_COOKIE,
        secret,
        salt=KIOSK_COOKIE_SALT,
        max_age=int(KIOSK_COOKIE_MAX_AGE.total_seconds()),
        path=reverse("lockers:kiosk"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def _language(request: HttpRequest) -> str:
    """The language of this visit: `lang` when given, else the request's (French first)."""
    asked = request.POST.get("lang") or request.GET.get("lang")
    if asked in LANGUAGES:
        translation.activate(asked)
        request.LANGUAGE_CODE = asked
    return translation.get_language()


def kiosk_device_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view runs for a signed-in kiosk device (request.kiosk_device); a screen with no
    cookie goes to the activation page; one whose device was revoked is signed out there."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _language(request)
        device = request_kiosk_device(request)
        if device is not None:
            request.kiosk_device = device
            return view(request, *args, **kwargs)
        if KIOSK_COOKIE not in request.COOKIES:
            return HttpResponseRedirect(reverse("lockers:kiosk_activate"))
        response = _activate_page(request, signed_out=True, status=403)
        response.delete_cookie(KIOSK_COOKIE, path=reverse("lockers:kiosk"), samesite="Strict")
        return response

    return wrapped


def _activate_page(
    request: HttpRequest, *, error: str = "", signed_out: bool = False, status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "lockers/kiosk/activate.html",
        {"error": error, "signed_out": signed_out, "secret_max_length": SECRET_MAX_LENGTH},
        status=status,
    )
    # The visit's language, which the locale middleware does not know of.
    response["Content-Language"] = translation.get_language()
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def kiosk_activate(request: HttpRequest) -> HttpResponse:
    """Set up this screen as a kiosk: the device's secret, typed once, is kept in the
    screen's cookie."""
    _language(request)
    if request.method == "GET":
        return _activate_page(request)
    secret = request.POST.get("secret", "").strip()
    device = kiosk_device_authenticate(secret)
    if device is None:
        error = _("This secret does not belong to a kiosk device, or the device was revoked.")
        return _activate_page(request, error=error, status=400)
    response = HttpResponseRedirect(reverse("lockers:kiosk"))
    kiosk_cookie_set(response, secret)
    return response


def _locked_until(device: KioskDevice) -> Any:
    until = (
        KioskLockout.objects.filter(site_id=device.site_id)
        .values_list("locked_until", flat=True)
        .first()
    )
    return until if until is not None and until > timezone.now() else None


def _time(moment: Any) -> str:
    return formats.time_format(timezone.localtime(moment), "TIME_FORMAT")


def _page(
    request: HttpRequest,
    *,
    code: str = "",
    result: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    device = request.kiosk_device
    language = translation.get_language()
    locked_until = _locked_until(device)
    if locked_until is not None and result is None:
        result = _locked_result(locked_until)
    response = render(
        request,
        "lockers/kiosk/kiosk.html",
        {
            "device": device,
            "site": device.site,
            "code": code,
            "result": result,
            "locked": locked_until is not None,
            "keypad": KEYPAD,
            "language": language,
            "other_language": "en" if language == "fr" else "fr",
        },
        status=status,
    )
    response["Content-Language"] = language
    return response


def _locked_result(until: Any) -> dict[str, Any]:
    return {
        "kind": "locked",
        "message": _("Too many wrong codes: this kiosk accepts codes again at %(time)s.")
        % {"time": _time(until)},
        "return_after": RETURN_AFTER_OTHER,
    }


def _typed(code: str, key: str) -> str:
    """The code after a key of the keypad, pressed without JavaScript."""
    if key == "back":
        return code[:-1]
    if key == "clear":
        return ""
    if len(key) == 1 and key.isdigit() and len(code) < CODE_DIGITS:
        return code + key
    return code


@never_cache
@require_http_methods(["GET", "POST"])
@kiosk_device_required
def kiosk(request: HttpRequest) -> HttpResponse:
    """The keypad and the camera; a code sent opens its compartment at the device's site."""
    if request.method == "GET":
        return _page(request)
    code = request.POST.get("code", "")[:CODE_MAX_LENGTH]
    key = request.POST.get("key")
    if key is not None:
        return _page(request, code=_typed(code.strip(), key))
    try:
        pickup = kiosk_pickup(device=request.kiosk_device, text=code)
    except PickupCodeRefused as refused:
        message = ngettext(
            "This code does not match a parcel here — %(count)s try left.",
            "This code does not match a parcel here — %(count)s tries left.",
            refused.attempts_left,
        ) % {"count": refused.attempts_left}
        result = {"kind": "refused", "message": message, "return_after": RETURN_AFTER_OTHER}
        return _page(request, result=result, status=400)
    except KioskLocked as locked:
        return _page(request, result=_locked_result(locked.until), status=429)
    except KioskControllerOffline:
        result = {
            "kind": "offline",
            "message": _("This locker cannot open right now; support has been told."),
            "return_after": RETURN_AFTER_OTHER,
        }
        return _page(request, result=result, status=503)
    except KioskCompartmentNotOpened as failed:
        result = {
            "kind": "offline",
            "message": _("Compartment %(compartment)s did not open; support has been told.")
            % {"compartment": failed.compartment},
            "return_after": RETURN_AFTER_OTHER,
        }
        return _page(request, result=result, status=503)
    if pickup.status == "opened":
        message = _("Compartment %(compartment)s is open — take your parcel and close the door.")
    else:
        message = _("Compartment %(compartment)s is opening — take your parcel and close the door.")
    result = {
        "kind": "opened",
        "compartment": pickup.compartment_label,
        "message": message % {"compartment": pickup.compartment_label},
        "return_after": RETURN_AFTER_OPENED,
    }
    return _page(request, result=result)
