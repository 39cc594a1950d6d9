"""A pickup at a kiosk through the service the page and the API share (lockers/kiosk_pickup.py)."""

import pytest
from django.core import mail

from lockers.errors import KioskControllerOffline, KioskLocked, PickupCodeRefused
from lockers.kiosk_pickup import kiosk_pickup, pickup_code_read, pickup_qr_text
from lockers.models import CompartmentState, ParcelStatus
from lockers.tests.kiosk_helpers import kiosk_setup, wrong_code

pytestmark = pytest.mark.django_db

__all__ = ["kiosk_setup"]


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("482913", (None, "482913")),
        (" 482 913 ", (None, "482913")),
        ("482-913", (None, "482913")),
        ("UQP1.metro-berri-uqam.482913", ("metro-berri-uqam", "482913")),
        ("UQP1.metro-berri-uqam.48291", (None, "UQP1.metro-berri-uqam.48291")),
        ("", (None, "")),
    ],
)
def test_a_code_is_read_typed_or_from_the_qr_code(text, read):
    assert pickup_code_read(text) == read


def test_the_right_code_opens_the_compartment_and_the_parcel_ends_picked_up(inprocess, kiosk_setup):
    waiting = kiosk_setup.waiting
    pickup = kiosk_pickup(device=kiosk_setup.device, text=waiting.code)
    assert (pickup.compartment_label, pickup.status) == (waiting.compartment, "opened")
    waiting.parcel.refresh_from_db()
    # The in-process controller shuts the door on an empty compartment.
    assert waiting.parcel.status == ParcelStatus.PICKED_UP
    assert waiting.parcel.compartment is None
    compartment = waiting.site.compartments.get(label=waiting.compartment)
    assert compartment.state == CompartmentState.AVAILABLE


def test_the_qr_code_opens_the_compartment(inprocess, kiosk_setup):
    waiting = kiosk_setup.waiting
    text = pickup_qr_text(site=waiting.site, code=waiting.code)
    assert text == f"UQP1.{waiting.site.slug}.{waiting.code}"
    assert kiosk_pickup(device=kiosk_setup.device, text=text).status == "opened"


def test_another_sites_code_opens_nothing_here(inprocess, kiosk_setup):
    other = kiosk_setup.other
    for text in (other.code, pickup_qr_text(site=other.site, code=other.code)):
        with pytest.raises(PickupCodeRefused):
            kiosk_pickup(device=kiosk_setup.device, text=text)
    other.parcel.refresh_from_db()
    assert other.parcel.status == ParcelStatus.IN_LOCKER


def test_five_wrong_codes_lock_the_kiosk_and_alert_support(
    inprocess, kiosk_setup, django_capture_on_commit_callbacks, settings
):
    settings.LOCKERS_SUPPORT_EMAIL = "support@example.com"
    waiting = kiosk_setup.waiting
    left = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            with pytest.raises(PickupCodeRefused) as refused:
                kiosk_pickup(device=kiosk_setup.device, text=wrong_code(waiting.code))
            left.append(refused.value.attempts_left)
        with pytest.raises(KioskLocked):
            kiosk_pickup(device=kiosk_setup.device, text=wrong_code(waiting.code))
    assert left == [4, 3, 2, 1]
    assert [message.to for message in mail.outbox] == [["support@example.com"]]
    # Even the right code waits for the end of the lockout.
    with pytest.raises(KioskLocked):
        kiosk_pickup(device=kiosk_setup.device, text=waiting.code)


def test_an_offline_controller_is_said_at_once_and_support_is_told_once(
    device_transport, kiosk_setup, django_capture_on_commit_callbacks, settings
):
    settings.LOCKERS_SUPPORT_EMAIL = "support@example.com"
    waiting = kiosk_setup.waiting
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            with pytest.raises(KioskControllerOffline):
                kiosk_pickup(device=kiosk_setup.device, text=waiting.code)
    assert device_transport.sent == []
    assert len(mail.outbox) == 1
    assert waiting.compartment in mail.outbox[0].body
    waiting.parcel.refresh_from_db()
    assert waiting.parcel.status == ParcelStatus.IN_LOCKER


def test_a_jammed_door_is_said_at_once_and_support_is_told(
    wire, courier, django_capture_on_commit_callbacks, settings
):
    from django.core.cache import cache

    from lockers.controller_inprocess import DeviceOptions
    from lockers.errors import KioskCompartmentNotOpened
    from lockers.kiosk_devices import kiosk_device_create
    from lockers.tests.kiosk_helpers import parcel_waiting

    cache.clear()  # support's alerts are throttled through it
    settings.LOCKERS_SUPPORT_EMAIL = "support@example.com"
    wired = wire(options=DeviceOptions())
    wired.device.heartbeat()
    waiting = parcel_waiting(site=wired.site, courier=courier)
    wired.device.options.jammed = {waiting.compartment}
    device, _secret = kiosk_device_create(site=wired.site, name="Écran", acting_user=None)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(KioskCompartmentNotOpened) as failed,
    ):
        kiosk_pickup(device=device, text=waiting.code)
    assert failed.value.compartment == waiting.compartment
    assert failed.value.problem_extensions() == {"compartment": waiting.compartment}
    assert len(mail.outbox) == 1
    waiting.parcel.refresh_from_db()
    assert waiting.parcel.status == ParcelStatus.IN_LOCKER
    compartment = wired.site.compartments.get(label=waiting.compartment)
    assert compartment.state == CompartmentState.OUT_OF_SERVICE
