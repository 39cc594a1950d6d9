"""The site's own pages: home, the health report, and the answers to a request that fails.

The error pages (404, 403, 400, 429, the CSRF refusal) are ordinary pages of the site,
rendered with the request: the header, the footer and the active language. A program
rather than a person (a JSON API path, or a client that asks for JSON and not HTML) gets
the same status as problem+json (RFC 9457, core.problems), with a stable `code`. The
500 page is rendered with no request and no context processor: the error may be the
database's, and the header's navigation and the session both read it.
"""

import logging
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from config.forms import SPECIMEN_INITIAL, SPECIMEN_INVALID, SpecimenForm
from config.health import health_report
from core.problems import problem_response

logger = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/"


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


# --- Errors ---------------------------------------------------------------------------


def wants_problem_json(request: HttpRequest) -> bool:
    """A program rather than a person: a client that does not ask for HTML, on an API path
    or asking for JSON. A browser always lists text/html in Accept."""
    accept = request.headers.get("Accept", "")
    if "text/html" in accept:
        return False
    return request.path.startswith(API_PATH_PREFIX) or "json" in accept


def _error_page(
    request: HttpRequest,
    *,
    status: int,
    template: str,
    title: str,
    code: str | None = None,
    context: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    if wants_problem_json(request):
        return problem_response(status=status, title=title, code=code, headers=headers)
    with translation.override(_language_of(request)):
        response = render(request, template, context or {}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _language_of(request: HttpRequest) -> str:
    """The language the locale middleware chose, or, for a request refused before it ran
    (an unknown Host), the one the language cookie asks for: French otherwise."""
    chosen = getattr(request, "LANGUAGE_CODE", None)
    if chosen:
        return chosen
    asked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return asked if asked in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, status=400, template="400.html", title="Bad Request")


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, status=403, template="403.html", title="Forbidden")


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Never lists the site's URL patterns (Django's technical 404 does, with DEBUG on)."""
    return _error_page(request, status=404, template="404.html", title="Not Found")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form refused because its page was too old, was sent
    from elsewhere, or the browser kept no cookie. The reason goes to the log only."""
    logger.warning("CSRF failure: %s path=%s", reason, request.path)
    return _error_page(
        request, status=403, template="403_csrf.html", title="Forbidden", code="csrf_failed"
    )


def too_many_requests(request: HttpRequest, *, retry_after: int | None = None) -> HttpResponse:
    """The answer to a request refused for too many attempts: when to try again, in the
    Retry-After header (seconds) and on the page (whole minutes)."""
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    minutes = math.ceil(retry_after / 60) if retry_after else None
    return _error_page(
        request,
        status=429,
        template="429.html",
        title="Too Many Requests",
        context={"retry_after": retry_after, "minutes": minutes},
        headers=headers,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, self-contained: rendered without the request, so no context processor
    (the navigation, the session's user) reads a database that may be what failed. The
    language is the one the locale middleware activated, if it ran."""
    if wants_problem_json(request):
        return problem_response(status=500, title="Internal Server Error")
    return HttpResponse(loader.get_template("500.html").render({}), status=500)
