from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.health import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report each service as ok, embedded or down; HTTP 503 when one is down."""
    healthy, checks = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks},
        status=200 if healthy else 503,
    )


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")
