"""The courier app in Chromium (issue 11, point 5): a courier signs in, sees today's
manifest from their position, types a parcel's label at the store, then at its locker,
and reads which compartment opens (the in-process controller, the embedded default). An
altered label is refused in the page, before anything is sent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from conftest import TEST_PASSWORD, csp_violations_watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COURIER_EMAIL = "coursier@example.com"
EVERY_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def in_process_controller(settings):
    from lockers import controller_transport

    settings.MQTT_URL = ""
    controller_transport._inprocess.forget()
    yield
    controller_transport._inprocess.forget()


def ready_parcel():
    """A site, and a parcel a store packed for it, with its signed label."""
    from lockers import services
    from lockers.labels import label_sign
    from lockers.models import HostKind

    site, _created = services.site_upsert(
        slug="desjardins-saint-roch",
        name="Desjardins Saint-Roch",
        host_kind=HostKind.DESJARDINS,
        host_name="Caisse Desjardins",
        street_address="155, boulevard Charest Est",
        locality="Québec",
        postal_code="G1K 3G6",
        latitude=Decimal("46.811820"),
        longitude=Decimal("-71.221900"),
        access_hours="Tous les jours",
        opening_hours=EVERY_DAY,
    )
    services.compartments_ensure(site=site, counts={"S": 2, "M": 1})
    parcel = services.parcel_create(
        external_reference="UQ-2026-000042/1",
        size_class="S",
        destination_site=site,
        acting_user=None,
        origin_name="Boulangerie du Faubourg",
        origin_address="745, rue Saint-Jean, Québec",
        origin_latitude=Decimal("46.810540"),
        origin_longitude=Decimal("-71.218950"),
        deliver_by=timezone.now() + timedelta(hours=3),
    )
    services.parcel_ready(parcel=parcel, acting_user=None)
    label = label_sign(
        parcel_code=parcel.public_code,
        site_slug=site.slug,
        size_class="S",
        window_hours=4,
        issued_at=timezone.now(),
        store_name="Boulangerie du Faubourg",
    )
    return parcel, label


def test_a_courier_collects_at_the_store_and_a_compartment_opens_at_the_locker(
    chromium, live_server, make_person, in_process_controller
):
    from lockers.models import ParcelStatus

    make_person(COURIER_EMAIL, "courier")
    parcel, label = ready_parcel()
    context = chromium.new_context(
        base_url=live_server.url,
        locale="en-CA",
        geolocation={"latitude": 46.8125, "longitude": -71.2150},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    violations = csp_violations_watch(context)
    page = context.new_page()
    try:
        # Sign in: the app sends the courier to the sign-in page and back.
        page.goto("/casiers/coursier/")
        page.locator("#sign-in-password summary").click()
        page.locator("input[name=email]").fill(COURIER_EMAIL)
        page.locator("input[name=password]").fill(TEST_PASSWORD)
        page.locator("input[name=password]").press("Enter")
        # The page asks the browser for the position and reloads the round from it.
        page.wait_for_url("**/casiers/coursier/?lat=*")
        assert "The round starts from your position." in page.content()
        stops = page.locator("[data-courier-stops] > li")
        assert stops.count() == 1
        assert "Boulangerie du Faubourg" in stops.first.inner_text()
        stops.first.get_by_role("link").click()

        # An altered label is refused in the page: nothing is sent.
        field = page.locator("[data-scanner-input]")
        head, payload, signature = label.rsplit(".", 2)
        swapped = "B" if payload[5] != "B" else "C"
        field.fill(f"{head}.{payload[:5]}{swapped}{payload[6:]}.{signature}")
        field.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('form[data-scanner]').dataset.labelRefused === 'true'"
        )
        assert "not one the coop printed" in page.locator("[data-courier-verify]").inner_text()
        parcel.refresh_from_db()
        assert parcel.status == ParcelStatus.CREATED

        # The real label: checked in the page, then sent; the parcel is the courier's.
        field.fill(label)
        field.press("Enter")
        page.locator("[data-courier-result=picked_up]").wait_for()
        assert "is with you" in page.locator("[data-courier-result]").inner_text()

        # Back to the manifest: now a deposit at the locker.
        page.get_by_role("link", name="Today’s stops").click()
        page.locator("[data-stop-kind=deposit] a").click()
        page.locator("[data-scanner-input]").fill(label)
        page.locator("[data-scanner-input]").press("Enter")
        page.locator("[data-courier-result=deposit]").wait_for()
        assert (
            page.locator(".courier-result__message").inner_text()
            == "Open compartment A01 — the door is opening."
        )
        parcel.refresh_from_db()
        assert parcel.status == ParcelStatus.IN_LOCKER
    finally:
        context.close()
    assert violations == []
