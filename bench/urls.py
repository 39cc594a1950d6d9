"""The site's URLs plus a trivial view: the ceiling every endpoint is compared with."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial", trivial),
    path("", include("config.urls")),
]
