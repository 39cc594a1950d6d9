"""The courier app as an installable web app: its shell page, manifest, service worker,
offline page, and the scanner include (lockers/pwa_views.py)."""

import json
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from lockers import pwa_views

pytestmark = pytest.mark.django_db

APP = "/casiers/coursier/"


def test_the_urls_are_those_the_manifest_and_the_worker_need():
    assert reverse("lockers:courier_app") == APP
    assert reverse("lockers:courier_manifest") == APP + "manifest.webmanifest"
    # Served from the app's own path, the worker's scope covers the app's pages.
    assert reverse("lockers:courier_service_worker") == APP + "sw.js"
    assert reverse("lockers:courier_offline").startswith(APP)


def test_the_app_sends_a_visitor_to_sign_in_and_refuses_a_shopper(client, shopper):
    response = client.get(APP)
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))
    client.force_login(shopper)
    assert client.get(APP).status_code == 403


def test_the_app_links_its_manifest_and_its_worker(client, courier):
    client.force_login(courier)
    response = client.get(APP)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<link rel="manifest" href="/casiers/coursier/manifest.webmanifest"' in html
    assert 'crossorigin="use-credentials"' in html
    assert 'data-service-worker="/casiers/coursier/sw.js"' in html
    assert '<meta name="theme-color" content="#063d3a">' in html


def test_the_manifest_is_valid_and_french_first(client):
    response = client.get(reverse("lockers:courier_manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    manifest = json.loads(response.content)
    assert manifest["lang"] == "fr"  # its French name arrives with the catalogue
    assert manifest["start_url"] == APP
    assert manifest["scope"] == APP
    assert manifest["display"] == "standalone"
    css = (settings.BASE_DIR / "config/static/css/uniqc.css").read_text()
    assert f"--color-brand-dark: {manifest['theme_color']};" in css
    assert f"--color-paper: {manifest['background_color']};" in css
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png"
        assert client.get(icon["src"]).status_code == 200


def test_the_manifest_speaks_english_on_request(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    manifest = json.loads(client.get(reverse("lockers:courier_manifest")).content)
    assert manifest["name"] == "Uniqc Courier"
    assert manifest["lang"] == "en"


def test_the_icons_are_the_sizes_they_claim():
    from PIL import Image

    for size in (192, 512):
        with Image.open(finders.find(f"lockers/icons/courier-{size}.png")) as image:
            assert image.size == (size, size)
            assert image.mode == "RGB"  # no transparent corners


def _worker_config(body: str) -> dict:
    return json.loads(re.search(r"^const CONFIG = (.*);$", body, re.MULTILINE).group(1))


def test_the_service_worker_is_javascript_never_cached_without_asking(client):
    response = client.get(reverse("lockers:courier_service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    assert "Service-Worker-Allowed" not in response
    body = response.content.decode()
    config = _worker_config(body)
    assert config["version"] == pwa_views.shell_version()
    assert config["offline"] == reverse("lockers:courier_offline")
    assert config["shell"][0] == reverse("lockers:courier_offline")
    for url in (
        "/static/css/uniqc.css",
        "/static/lockers/scanner.js",
        "/static/lockers/scanner-ui.js",
        "/static/lockers/vendor/zxing-qr.min.js",
        "/static/lockers/icons/courier-192.png",
    ):
        assert url in config["shell"]
    # Every file it precaches is served; a file missing would make its install fail.
    for url in config["shell"]:
        assert client.get(url).status_code == 200, url
    assert all(url.startswith("/") and not url.startswith("//") for url in config["shell"])


def test_the_worker_version_follows_the_bytes_of_the_shell(tmp_path, settings):
    pwa_views._shell_files.cache_clear()
    before = pwa_views.shell_version()
    changed = tmp_path / "static"
    (changed / "css").mkdir(parents=True)
    (changed / "css" / "uniqc.css").write_text("/* changed */")
    settings.STATICFILES_DIRS = [str(changed), *settings.STATICFILES_DIRS]
    try:
        pwa_views._shell_files.cache_clear()
        assert pwa_views.shell_version() != before
    finally:
        pwa_views._shell_files.cache_clear()


def test_the_offline_page_speaks_both_languages_and_names_no_one(client, courier):
    client.force_login(courier)
    response = client.get(reverse("lockers:courier_offline"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr-CA">' in html
    assert 'lang="en-CA"' in html
    assert 'id="offline-fr"' in html and 'id="offline-en"' in html
    assert "needs the network" in html  # English at least
    assert courier.email not in html
    assert "csrfmiddlewaretoken" not in html


def _scanner(**context) -> str:
    request = RequestFactory().get("/")
    request.csp_nonce = "n"
    return render_to_string(
        "lockers/includes/scanner.html", {"action": "/scan/", **context}, request=request
    )


def test_the_scanner_include_is_a_plain_form_that_works_without_javascript():
    html = _scanner()
    form = re.search(r"<form[^>]*>", html).group(0)
    assert 'method="post"' in form
    assert 'action="/scan/"' in form
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<input type="text" id="scanner-code" name="code"[^>]*required', html)
    assert '<label for="scanner-code">' in html
    assert '<button type="submit"' in html
    # The camera's button and view are hidden until the script shows them.
    assert re.search(r"<button[^>]*data-scanner-toggle hidden", html)
    assert re.search(r"<div[^>]*data-scanner-camera hidden", html)
    assert 'role="status"' in html and 'aria-live="polite"' in html
    assert "data-msg-scanning=" in html and "data-msg-refused=" in html


def test_the_scanner_include_takes_a_name_a_label_and_an_error():
    html = _scanner(name="parcel", label="Colis", error="Code inconnu", prefix="pickup")
    assert 'name="parcel"' in html
    assert '<label for="pickup-code">Colis</label>' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="pickup-code_helptext pickup-code_error"' in html
