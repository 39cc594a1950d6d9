"""A test-only URLconf: the site's own, plus a page that includes the scanner and a page
that answers its form (tests/browser/test_courier_scanner.py)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from config.urls import urlpatterns as site_urlpatterns

PAGE = engines["django"].from_string(
    """{% extends "base.html" %}
{% block title %}Scanner{% endblock %}
{% block content %}
<h1>Scanner</h1>
{% url 'scanner_test_received' as action %}
{% include "lockers/includes/scanner.html" with action=action %}
{% endblock %}"""
)
KIOSK = engines["django"].from_string(
    """{% extends "base.html" %}
{% block title %}Kiosk{% endblock %}
{% block content %}
<h1>Kiosk</h1>
{% url 'scanner_test_received' as action %}
{% with name="pickup" prefix="kiosk" facing="user" label="Pickup code" %}
{% include "lockers/includes/scanner.html" with action=action %}
{% endwith %}
{% endblock %}"""
)
RECEIVED = engines["django"].from_string(
    """{% extends "base.html" %}
{% block title %}Received{% endblock %}
{% block content %}<h1>Received</h1><p data-received>{{ code }}</p>{% endblock %}"""
)


@require_GET
def scanner_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render({}, request))


@require_GET
def kiosk_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(KIOSK.render({}, request))


@require_POST
def scanner_received(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("code") or request.POST.get("pickup", "")
    return HttpResponse(RECEIVED.render({"code": code}, request))


urlpatterns = [
    path("test-scanner/", scanner_page, name="scanner_test_page"),
    path("test-scanner/kiosk/", kiosk_page, name="scanner_test_kiosk"),
    path("test-scanner/received/", scanner_received, name="scanner_test_received"),
    *site_urlpatterns,
]
