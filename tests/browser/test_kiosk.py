"""The kiosk at a locker site, in Chromium (issue 11, point 7): a screen is set up with its
device's secret, then a shopper types their code on the keypad (or shows the QR code of
their phone to the camera facing them) and reads which compartment opened; the in-process
controller opens it and shuts the door on an empty compartment, so the parcel ends picked
up."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import CHROMIUM, CHROMIUM_ARGS, csp_violations_watch
from lockers import controller_transport, services
from lockers.kiosk_devices import kiosk_device_create
from lockers.kiosk_pickup import pickup_qr_text
from lockers.models import HostKind, ParcelStatus
from tests.browser.test_accessibility import axe_violations, horizontal_overflow
from tests.browser.test_courier_scanner import HIDE_BARCODE_DETECTOR, qr_y4m

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(settings, make_person):
    """A site run by the in-process controller, a parcel waiting there and its code, and
    the secret of the site's kiosk device."""
    settings.MQTT_URL = ""
    controller_transport._inprocess.forget()
    site, _created = services.site_upsert(
        slug="casiers-test",
        name="Casiers d’essai",
        host_kind=HostKind.DESJARDINS,
        host_name="Caisse d’essai",
        street_address="1, rue de l’Essai",
        locality="Québec",
        postal_code="G1K 3G6",
        latitude=Decimal("46.8"),
        longitude=Decimal("-71.2"),
        access_hours="Tous les jours",
        opening_hours={},
    )
    services.compartments_ensure(site=site, counts={"S": 2})
    courier = make_person("courier@example.com", "courier")
    parcel = services.parcel_create(
        external_reference="UQ-2026-000001/1",
        size_class="S",
        destination_site=site,
        acting_user=None,
    )
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    placed = services.compartment_door_event(
        compartment=deposit.compartment, kind="closed", occupied=True, at=timezone.now()
    )
    _device, secret = kiosk_device_create(site=site, name="Écran 1", acting_user=None)
    yield {
        "site": site,
        "parcel": parcel,
        "code": placed.pickup_code,
        "compartment": deposit.compartment.label,
        "secret": secret,
    }
    controller_transport._inprocess.forget()


def kiosk_context(browser, url: str):
    context = browser.new_context(
        base_url=url, locale="en-CA", viewport={"width": 1080, "height": 1920}
    )
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": url}])
    context.violations = csp_violations_watch(context)
    return context


def set_up(page, secret: str) -> None:
    page.goto("/casiers/kiosque/")
    assert page.url.endswith("/casiers/kiosque/activer/")
    page.get_by_label("Kiosk device secret").fill(secret)
    page.get_by_role("button", name="Set up this kiosk").click()
    page.wait_for_url("**/casiers/kiosque/")


def test_a_shopper_types_the_code_on_the_keypad_and_the_compartment_opens(
    chromium, live_server, waiting
):
    context = kiosk_context(chromium, live_server.url)
    page = context.new_page()
    set_up(page, waiting["secret"])
    assert page.get_by_role("heading", level=1).inner_text() == "Pick up your parcel"
    assert axe_violations(page) == []
    assert horizontal_overflow(page) == 0

    # A slip, erased, then the code: the keys type into the field without a request.
    page.locator('[data-key="9"]').click()
    page.get_by_role("button", name="Erase").click()
    for digit in waiting["code"]:
        page.locator(f'[data-key="{digit}"]').click()
    page.locator('[data-key="1"]').click()  # a seventh digit is not taken
    assert page.get_by_label("Your 6-digit pickup code").input_value() == waiting["code"]
    assert page.locator("[data-kiosk-typed]").inner_text() == "Digits typed: 6 of 6"
    page.get_by_role("button", name="Open", exact=True).click()

    result = page.get_by_role("status").filter(has_text="Compartment")
    assert (
        result.inner_text()
        .strip()
        .startswith(
            f"Compartment {waiting['compartment']} is open — take your parcel and close the door."
        )
    )
    assert axe_violations(page) == []
    waiting["parcel"].refresh_from_db()
    assert waiting["parcel"].status == ParcelStatus.PICKED_UP
    # "Done" (or the timer) brings the keypad back for the next shopper.
    page.get_by_role("link", name="Done").click()
    page.wait_for_url("**/casiers/kiosque/")
    assert page.locator("[data-kiosk-form]").is_visible()
    assert context.violations == []
    context.close()


def test_a_wrong_code_says_the_tries_left_in_plain_words(chromium, live_server, waiting):
    context = kiosk_context(chromium, live_server.url)
    page = context.new_page()
    set_up(page, waiting["secret"])
    wrong = f"{(int(waiting['code']) + 1) % 1_000_000:06d}"
    page.get_by_label("Your 6-digit pickup code").fill(wrong)
    page.get_by_label("Your 6-digit pickup code").press("Enter")
    assert page.get_by_role("alert").inner_text().strip() == (
        "This code does not match a parcel here — 4 tries left."
    )
    assert page.get_by_label("Your 6-digit pickup code").input_value() == ""
    assert axe_violations(page) == []
    assert context.violations == []
    context.close()


def test_the_qr_code_of_the_shoppers_phone_opens_the_compartment(
    chromium, live_server, waiting, tmp_path
):
    text = pickup_qr_text(site=waiting["site"], code=waiting["code"])
    video = qr_y4m(text, tmp_path / "qr.y4m")
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = kiosk_context(browser, live_server.url)
        context.add_init_script(HIDE_BARCODE_DETECTOR)
        page = context.new_page()
        set_up(page, waiting["secret"])
        page.get_by_role("button", name="Scan my QR code").click()
        # The decoder reads frames of a fake camera: on a loaded machine (CI runs the
        # suite beside other work) the first read can take longer than a click does.
        # A result of another kind, or the scanner's own status, says why it did not open.
        try:
            page.wait_for_selector("[data-kiosk-result-kind]", timeout=45_000)
        except PlaywrightTimeoutError:
            pytest.fail(f"no result after 45 s; the kiosk shows: {page.inner_text('main')!r}")
        kind = page.get_attribute("[data-kiosk-result-kind]", "data-kiosk-result-kind")
        assert kind == "opened", page.inner_text("main")
        assert f"Compartment {waiting['compartment']} is open" in page.inner_text("main")
        waiting["parcel"].refresh_from_db()
        assert waiting["parcel"].status == ParcelStatus.PICKED_UP
        assert context.violations == []
    finally:
        browser.close()
