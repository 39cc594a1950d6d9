"""The courier app as an installable web app (issue 11, point 5): its shell page, its web
app manifest, its service worker and the page the worker shows without a network.

All four live under /casiers/coursier/, so that the service worker, served from there,
controls the app's pages and no other (no Service-Worker-Allowed header is needed). The
worker precaches the shell's static files under a version that is a hash of their bytes
(and of the offline page's template), so that a changed file changes sw.js, which the
browser then installs again; pages and API calls always go to the network first.
"""

import hashlib
import json
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The theme of config/static/css/uniqc.css: --color-brand-dark (the header) and
# --color-paper.
THEME_COLOR = "#063d3a"
BACKGROUND_COLOR = "#ffffff"

# The app shell: what the courier's phone keeps, so that the app opens and looks right
# with no network. Files that are not there (yet) are left out.
SHELL_STATIC_FILES = (
    "css/uniqc.css",
    "js/ui.js",
    "vendor/htmx.min.js",
    "img/logo.svg",
    "img/favicon.svg",
    "lockers/scanner.css",
    "lockers/scanner.js",
    "lockers/scanner-ui.js",
    "lockers/courier-app.js",
    "lockers/courier.css",
    "lockers/courier-manifest.js",
    "lockers/courier-stop.js",
    "lockers/label-verify.js",
    "lockers/vendor/zxing-qr.min.js",
    "lockers/icons/courier-192.png",
    "lockers/icons/courier-512.png",
)
OFFLINE_TEMPLATE = "lockers/courier_offline.html"


@cache
def _shell_files() -> tuple[tuple[str, ...], str]:
    """(the shell's static paths that exist, the hash of their bytes and of the offline
    page's template). Computed once per process: static files change with a deploy."""
    digest = hashlib.sha256()
    present = []
    for path in SHELL_STATIC_FILES:
        found = finders.find(path)
        if not found:
            continue
        present.append(path)
        digest.update(path.encode() + b"\0")
        with open(found, "rb") as file:
            digest.update(hashlib.sha256(file.read()).digest())
    template = get_template(OFFLINE_TEMPLATE).origin.name
    with open(template, "rb") as file:
        digest.update(hashlib.sha256(file.read()).digest())
    return tuple(present), digest.hexdigest()[:16]


def shell_version() -> str:
    return _shell_files()[1]


def shell_urls() -> list[str]:
    """What the service worker precaches: the offline page and the shell's static files."""
    paths, _version = _shell_files()
    return [reverse("lockers:courier_offline"), *(static(path) for path in paths)]


@require_GET
def courier_manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the language of the request (the page links it with
    crossorigin="use-credentials", so that the language cookie comes along)."""
    home = reverse("lockers:courier_app")
    icons = []
    for size in (192, 512):
        for purpose in ("any", "maskable"):
            icons.append(
                {
                    "src": static(f"lockers/icons/courier-{size}.png"),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": purpose,
                }
            )
    manifest = {
        "id": home,
        "name": _("Uniqc Courier"),
        "short_name": pgettext("app name under its icon", "Courier"),
        "description": _("Pickups at stores and deposits in the coop's lockers."),
        "lang": get_language(),
        "dir": "ltr",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    response = HttpResponse(
        json.dumps(manifest, ensure_ascii=False, indent=2),
        content_type="application/manifest+json; charset=utf-8",
    )
    patch_cache_control(response, no_cache=True, max_age=0)
    patch_vary_headers(response, ("Cookie",))
    return response


@require_GET
def courier_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the app's own path so that its scope is the app. Never
    kept by a cache without asking: its bytes carry the shell's version."""
    config = {
        "version": shell_version(),
        "shell": shell_urls(),
        "offline": reverse("lockers:courier_offline"),
        "api": "/api/",
    }
    body = render_to_string(
        "lockers/courier_sw.js",
        {"version": config["version"], "config_json": json.dumps(config)},
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_GET
def courier_offline(request: HttpRequest) -> HttpResponse:
    """What the app shows when a page cannot be reached: in French and in English, since
    the worker keeps one copy for whichever language the courier reads."""
    return render(request, OFFLINE_TEMPLATE)
