"""What the kiosk's tests share: a parcel waiting in a site's locker with its code, and a
kiosk device of that site."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone

from lockers import services
from lockers.kiosk_devices import kiosk_device_create
from lockers.models import KioskDevice, Parcel, Site

_counter = {"n": 0}


@dataclass
class Waiting:
    parcel: Parcel
    site: Site
    code: str
    compartment: str


def parcel_waiting(*, site: Site, courier) -> Waiting:
    """A parcel placed in a compartment of `site` (the controller reported the door
    closed on it), and its 6-digit pickup code."""
    _counter["n"] += 1
    parcel = services.parcel_create(
        external_reference=f"UQ-2026-{_counter['n']:06d}/1",
        size_class="S",
        destination_site=site,
        acting_user=None,
    )
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    outcome = services.compartment_door_event(
        compartment=deposit.compartment, kind="closed", occupied=True, at=timezone.now()
    )
    parcel.refresh_from_db()
    return Waiting(parcel, site, outcome.pickup_code, deposit.compartment.label)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def kiosk_setup(make_site, courier):
    """(waiting parcel, its site's kiosk device, the device's secret), and a parcel waiting
    at another site. The cache starts empty: support's alerts are throttled through it,
    and another test's site may have had the same id."""
    cache.clear()
    site = make_site()
    other_site = make_site()
    waiting = parcel_waiting(site=site, courier=courier)
    other = parcel_waiting(site=other_site, courier=courier)
    device, secret = kiosk_device_create(site=site, name="Écran 1", acting_user=None)
    return KioskSetup(waiting=waiting, other=other, device=device, secret=secret)


@dataclass
class KioskSetup:
    waiting: Waiting
    other: Waiting
    device: KioskDevice
    secret: str
