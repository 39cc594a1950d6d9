from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.forms import SPECIMEN_INITIAL, SPECIMEN_INVALID, SpecimenForm
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


# The coop's own pages, linked from every page's footer: url path, name, template.
COOP_PAGES = [
    ("a-propos/", "about", "pages/about.html"),
    ("confidentialite/", "privacy", "pages/privacy.html"),
    ("accessibilite/", "accessibility", "pages/accessibility.html"),
    ("conditions/", "terms", "pages/terms.html"),
    ("nous-joindre/", "contact", "pages/contact.html"),
]


@require_GET
def coop_page(request: HttpRequest, *, template: str) -> HttpResponse:
    """One of the coop's plain-language pages (about, privacy, accessibility...)."""
    return render(request, template)


@require_GET
def design_system(request: HttpRequest) -> HttpResponse:
    """The style guide: every component of docs/design-system.md, with invented content
    (it shows no one's data)."""
    return render(
        request,
        "pages/design.html",
        {
            "form": SpecimenForm(initial=SPECIMEN_INITIAL),
            "invalid_form": SpecimenForm(
                data=SPECIMEN_INVALID, initial=SPECIMEN_INITIAL, prefix="invalid"
            ),
        },
    )
