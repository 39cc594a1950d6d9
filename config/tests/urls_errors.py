"""The site's URLconf with views that fail, for the error pages' tests (swapped in by
`urls`), so that no route of the real site exists only to fail."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns
from identity.errors import SignInThrottled


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def malformed(request: HttpRequest) -> HttpResponse:
    raise BadRequest


def throttled(request: HttpRequest) -> HttpResponse:
    raise SignInThrottled(retry_after=125, reason="client")


@csrf_protect
def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("accepted")


urlpatterns = [
    path("test-errors/crash/", crash),
    path("test-errors/refuse/", refuse),
    path("test-errors/malformed/", malformed),
    path("test-errors/throttled/", throttled),
    path("api/test-errors/throttled/", throttled),
    path("api/test-errors/crash/", crash),
    path("test-errors/form/", form),
    *site_urlpatterns,
]
