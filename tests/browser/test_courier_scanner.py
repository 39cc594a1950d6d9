"""The scanner and the installable courier app, in Chromium (issue 11, point 5).

- A fake camera shows a real QR code (a YUV4MPEG2 file made here from a segno image): the
  bundled decoder reads it (BarcodeDetector is hidden from the page, in case this Chromium
  has one), fills the field, announces it and sends the form.
- A camera refused, or none at all: the status says so and the typed field has the focus;
  typing the code sends the same form, and the form works with JavaScript off.
- The courier app: its manifest is what Chromium expects of an installable app, its service
  worker registers, and with the network gone the app's pages show the offline page with
  the shell's styles, from the worker's cache.
"""

import io
from pathlib import Path

import pytest
import segno
from django.conf import settings
from PIL import Image

from conftest import CHROMIUM, CHROMIUM_ARGS, csp_violations_watch
from tests.browser.test_accessibility import axe_violations, horizontal_overflow, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "UQC1.parcel-2f9c41.sig-AbC_123"
HIDE_BARCODE_DETECTOR = "delete window.BarcodeDetector; delete globalThis.BarcodeDetector;"
COURIER_EMAIL = "coursier@example.com"


def qr_y4m(text: str, path: Path, *, width: int = 640, height: int = 480, frames: int = 4):
    """A YUV4MPEG2 video (4:2:0, JPEG siting) of `frames` frames, each a QR code of `text`
    in the middle of a white picture: what Chromium's fake camera plays in a loop."""
    png = io.BytesIO()
    segno.make(text, error="m").save(png, kind="png", scale=8, border=4)
    png.seek(0)
    code = Image.open(png).convert("RGB")
    picture = Image.new("RGB", (width, height), (255, 255, 255))
    picture.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    y, u, v = picture.convert("YCbCr").split()
    chroma = (width // 2, height // 2)
    frame = b"FRAME\n" + y.tobytes() + u.resize(chroma).tobytes() + v.resize(chroma).tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)
    return path


@pytest.fixture(scope="module")
def camera_browsers(chromium, tmp_path_factory):
    """Two more Chromiums from the session's Playwright: one whose camera shows the QR
    code (permission granted by the fake UI), one with that camera but whose permission
    prompt is answered no."""
    video = qr_y4m(CODE, tmp_path_factory.mktemp("camera") / "qr.y4m")
    playwright = chromium.browser_type
    fake = ("--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}")
    showing = playwright.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", *fake],
    )
    refusing = playwright.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--deny-permission-prompts", *fake],
    )
    yield {"showing": showing, "refusing": refusing}
    showing.close()
    refusing.close()


@pytest.fixture
def scanner_site(settings, live_server):
    settings.ROOT_URLCONF = "tests.browser.scanner_urls"
    return live_server.url


@pytest.fixture
def open_page():
    """Open a page in a fresh context of a browser; the test fails on a CSP violation."""
    contexts = []

    def open_(browser, url: str, *, hide_detector: bool = True, **options):
        context = browser.new_context(base_url=url, locale="en-CA", **options)
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": url}])
        if hide_detector:
            context.add_init_script(HIDE_BARCODE_DETECTOR)
        context.violations = csp_violations_watch(context)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        violations = context.violations
        context.close()
        assert violations == []


def test_the_bundled_decoder_reads_the_label_from_the_camera_and_sends_it(
    camera_browsers, scanner_site, open_page
):
    page = open_page(camera_browsers["showing"], scanner_site)
    page.goto("/test-scanner/")
    assert page.evaluate("typeof window.BarcodeDetector") == "undefined"
    status = page.get_by_role("status")
    assert status.inner_text() == "Start the camera to scan the label, or type the code."
    page.get_by_role("button", name="Start the camera").click()
    # The code is read, announced, put in the field and the form is sent.
    page.wait_for_url("**/test-scanner/received/")
    assert page.locator("[data-received]").inner_text() == CODE


def test_the_scanner_says_what_it_does_and_stops_the_camera(
    camera_browsers, scanner_site, open_page
):
    page = open_page(camera_browsers["showing"], scanner_site)
    page.goto("/test-scanner/")
    form = page.locator("form[data-scanner]")
    # A listener that keeps the form unsent, as a page that checks the label first would.
    page.evaluate(
        """() => document.querySelector("form[data-scanner]").addEventListener(
            "scanner:code", (event) => { window.readCodes = (window.readCodes || 0) + 1;
                                         event.preventDefault(); })"""
    )
    page.get_by_role("button", name="Start the camera").click()
    page.wait_for_function("() => window.readCodes === 1")
    assert form.get_attribute("data-scanner-mode") == "bundled"
    assert page.get_by_role("status").inner_text() == f"Code read: {CODE}"
    assert page.get_by_label("Code on the label").input_value() == CODE
    assert page.url.endswith("/test-scanner/")  # not sent: the listener said no
    # The same code, still in front of the camera, is not reported again.
    page.wait_for_timeout(1500)
    assert page.evaluate("window.readCodes") == 1
    page.get_by_role("button", name="Stop the camera").click()
    assert page.get_by_role("status").inner_text() == (
        "Camera stopped. Type the code or start the camera again."
    )
    live_tracks = page.evaluate(
        """() => { const v = document.querySelector("[data-scanner-video]");
                   return v.srcObject ? v.srcObject.getTracks().length : 0; }"""
    )
    assert live_tracks == 0
    assert page.locator("[data-scanner-camera]").is_hidden()


def test_nothing_is_read_while_the_page_is_hidden(camera_browsers, scanner_site, open_page):
    page = open_page(camera_browsers["showing"], scanner_site)
    # The page's visibility, as the test says (Chromium's own is always "visible" here).
    page.context.add_init_script(
        "Object.defineProperty(Document.prototype, 'hidden', "
        "{configurable: true, get() { return Boolean(window.testHidden); }});"
    )
    page.goto("/test-scanner/")
    page.evaluate(
        """() => document.querySelector("form[data-scanner]").addEventListener(
            "scanner:code", (event) => { window.readCodes = (window.readCodes || 0) + 1;
                                         event.preventDefault(); })"""
    )
    page.evaluate("() => { window.testHidden = true; }")
    page.get_by_role("button", name="Start the camera").click()
    page.get_by_role("status").filter(has_text="Point the camera at the label.").wait_for()
    page.wait_for_timeout(1500)  # six frames' worth, with the code in front of the camera
    assert page.evaluate("() => window.readCodes") is None
    page.evaluate(
        """() => { window.testHidden = false;
                   document.dispatchEvent(new Event("visibilitychange")); }"""
    )
    page.wait_for_function("() => window.readCodes === 1")


def test_the_kiosk_reads_with_the_camera_facing_the_person(
    camera_browsers, scanner_site, open_page
):
    page = open_page(camera_browsers["showing"], scanner_site)
    page.goto("/test-scanner/kiosk/")
    assert page.locator("form[data-scanner]").get_attribute("data-facing") == "user"
    page.get_by_role("button", name="Start the camera").click()
    page.wait_for_url("**/test-scanner/received/")
    assert page.locator("[data-received]").inner_text() == CODE


def test_a_refused_camera_leaves_the_typed_code(camera_browsers, scanner_site, open_page):
    page = open_page(camera_browsers["refusing"], scanner_site)
    page.goto("/test-scanner/")
    page.get_by_role("button", name="Start the camera").click()
    status = page.get_by_role("status")
    page.wait_for_function(
        "() => document.querySelector('[data-scanner-status]').textContent.includes('type')"
    )
    assert status.inner_text() == "Camera refused — type the code."
    field = page.get_by_label("Code on the label")
    assert page.evaluate("document.activeElement.id") == "scanner-code"
    field.fill(CODE)
    page.get_by_role("button", name="Send the code").click()
    page.wait_for_url("**/test-scanner/received/")
    assert page.locator("[data-received]").inner_text() == CODE


def test_no_camera_at_all_leaves_the_typed_code(chromium, scanner_site, open_page):
    """The session's Chromium has no camera (no fake device)."""
    page = open_page(chromium, scanner_site)
    page.goto("/test-scanner/")
    page.get_by_role("button", name="Start the camera").click()
    status = page.get_by_role("status")
    status.filter(has_text="type the code").wait_for()
    assert page.evaluate("document.activeElement.id") == "scanner-code"


def test_the_form_works_without_javascript(chromium, scanner_site, open_page):
    page = open_page(chromium, scanner_site, java_script_enabled=False)
    page.goto("/test-scanner/")
    assert page.get_by_role("button", name="Start the camera").count() == 0  # hidden
    page.get_by_label("Code on the label").fill(CODE)
    page.get_by_role("button", name="Send the code").click()
    page.wait_for_url("**/test-scanner/received/")
    assert page.locator("[data-received]").inner_text() == CODE


def test_the_scanner_is_accessible_in_each_state(camera_browsers, scanner_site, open_page):
    """axe-core finds nothing before the camera starts, while it scans and after a refusal,
    on a phone's width, in French."""
    page = open_page(
        camera_browsers["showing"], scanner_site, viewport={"width": 360, "height": 740}
    )
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fr", "url": scanner_site}]
    )
    page.goto("/test-scanner/")
    assert axe_violations(page) == []
    assert horizontal_overflow(page) <= 0
    page.evaluate(
        """() => document.querySelector("form[data-scanner]").addEventListener(
            "scanner:code", (event) => event.preventDefault())"""
    )
    page.locator("[data-scanner-toggle]").click()
    page.wait_for_function(
        "() => document.querySelector('form[data-scanner]').dataset.scannerState === 'read'"
    )
    assert page.locator("[data-scanner-video]").is_visible()
    assert axe_violations(page) == []
    assert horizontal_overflow(page) <= 0
    refused = open_page(camera_browsers["refusing"], scanner_site)
    refused.goto("/test-scanner/")
    refused.locator("[data-scanner-toggle]").click()
    refused.wait_for_function(
        "() => document.querySelector('form[data-scanner]').dataset.scannerState === 'refused'"
    )
    assert axe_violations(refused) == []


# --- The installable courier app ----------------------------------------------------------


def test_the_courier_app_installs_and_opens_offline(chromium, live_server, make_person, open_page):
    make_person(COURIER_EMAIL, "courier")
    page = open_page(chromium, live_server.url, hide_detector=False)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(COURIER_EMAIL, "low"),
                "url": live_server.url,
            }
        ]
    )
    page.goto("/casiers/coursier/")
    assert page.get_by_role("heading", level=1).inner_text() == "Courier app"

    # The manifest, as Chromium reads it from the page (the DevTools protocol).
    session = page.context.new_cdp_session(page)
    manifest = session.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].endswith("/casiers/coursier/manifest.webmanifest")
    parsed = manifest.get("manifest") or {}
    if parsed:  # Chromium 12x+ also gives the parsed manifest
        assert parsed["startUrl"].endswith("/casiers/coursier/")
        assert parsed["scope"].endswith("/casiers/coursier/")
        assert parsed["display"].endswith("Standalone")

    # The worker registers, installs the shell and takes the page.
    scope = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            return registration.scope;
        }"""
    )
    assert scope == live_server.url + "/casiers/coursier/"
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    kept = page.evaluate(
        """async () => {
            const names = await caches.keys();
            const cache = await caches.open(names.find((n) => n.startsWith("uniqc-courier-")));
            return (await cache.keys()).map((r) => new URL(r.url).pathname);
        }"""
    )
    assert "/casiers/coursier/hors-ligne/" in kept
    assert "/static/lockers/vendor/zxing-qr.min.js" in kept
    # With its worker in place, Chromium finds nothing that keeps the app from installing
    # but the test's own context, which is a private one ("in-incognito").
    installability = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in installability if e["errorId"] != "in-incognito"] == []

    # No network: the app's page is the offline page, styled from the worker's cache.
    page.context.set_offline(True)
    page.goto("/casiers/coursier/")
    assert page.locator("[data-courier-offline]").is_visible()
    assert "needs the network" in page.content()
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 50
    # The bundled decoder and the scanner are there too, for the scanning pages.
    loaded = page.evaluate(
        """async () => {
            const { decodeQr } = await import("/static/lockers/vendor/zxing-qr.min.js");
            return typeof decodeQr;
        }"""
    )
    assert loaded == "function"
    # An API call without a network: a problem the app can show, not a network error.
    answer = page.evaluate(
        """async () => {
            const response = await fetch("/api/v1/");
            return [response.status, response.headers.get("Content-Type")];
        }"""
    )
    assert answer == [503, "application/problem+json"]
    page.context.set_offline(False)
