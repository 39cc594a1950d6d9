"""lockers.demo: eight sites of every kind of host, each with its compartments."""

import pytest

from core.demo import DemoSummary
from core.tests.queries import no_writes
from lockers.demo import SITES, demo_load
from lockers.models import Compartment, CompartmentState, HostKind, Site

pytestmark = pytest.mark.django_db


def test_eight_sites_of_every_kind_with_six_small_four_medium_two_large():
    summary = DemoSummary()
    sites = demo_load(summary=summary)
    assert set(sites) == {site["slug"] for site in SITES}
    assert Site.objects.count() == 8 == summary.created["locker sites"]
    assert summary.created["compartments"] == 8 * 12
    # Every kind of host but "other", which the demo does not need.
    assert set(Site.objects.values_list("host_kind", flat=True)) == set(HostKind.values) - {
        HostKind.OTHER
    }
    assert set(Site.objects.values_list("locality", flat=True)) == {"Québec", "Montréal"}
    for site in Site.objects.all():
        sizes = list(site.compartments.values_list("size_class", flat=True))
        assert (sizes.count("S"), sizes.count("M"), sizes.count("L")) == (6, 4, 2)
    # No demo courier (identity's demo people are not loaded here): no parcels.
    assert not Compartment.objects.exclude(state=CompartmentState.AVAILABLE).exists()


def test_parcels_in_every_state_with_their_custody(make_person):
    from lockers.demo import DEMO_COURIER_EMAIL, PARCELS
    from lockers.models import CustodyEvent, Parcel, ParcelStatus

    make_person(DEMO_COURIER_EMAIL, "courier")
    summary = DemoSummary()
    demo_load(summary=summary)
    assert summary.created["parcels"] == len(PARCELS)
    statuses = dict(
        Parcel.objects.filter(external_reference__startswith="demo/commande-").values_list(
            "external_reference", "status"
        )
    )
    assert statuses == {reference: state for reference, _s, _site, state in PARCELS}
    assert set(statuses.values()) == set(ParcelStatus.values) - {ParcelStatus.RETRIEVED}
    waiting = Parcel.objects.get(status=ParcelStatus.IN_LOCKER)
    assert waiting.compartment.state == CompartmentState.OCCUPIED
    returned = Parcel.objects.get(status=ParcelStatus.RETURNED)
    assert list(
        CustodyEvent.objects.filter(parcel=returned).order_by("id").values_list("kind", flat=True)
    ) == [
        "created",
        "reserved",
        "picked_up_from_store",
        "deposited",
        "door_closed",
        "expired",
        "retrieved",
        "returned",
    ]
    for row in Parcel.objects.all():
        row.full_clean()
    again = DemoSummary()
    with no_writes():
        demo_load(summary=again)
    assert (again.created["parcels"], again.existing["parcels"]) == (0, len(PARCELS))


def test_every_row_passes_full_clean():
    demo_load(summary=DemoSummary())
    for model in (Site, Compartment):
        for row in model.objects.all():
            row.full_clean()


def test_a_reload_writes_nothing_and_keeps_the_compartments_state():
    demo_load(summary=DemoSummary())
    Compartment.objects.filter(label="A01").update(state=CompartmentState.OCCUPIED)
    summary = DemoSummary()
    with no_writes():
        demo_load(summary=summary)
    assert summary.created.total() == 0
    assert (summary.existing["locker sites"], summary.existing["compartments"]) == (8, 96)
    assert Compartment.objects.filter(state=CompartmentState.OCCUPIED).count() == 8


def test_the_demo_courier_has_a_manifest_with_stops(make_person):
    from lockers.courier import courier_manifest
    from lockers.demo import DEMO_COURIER_EMAIL

    courier = make_person(DEMO_COURIER_EMAIL, "courier")
    demo_load(summary=DemoSummary())
    demo_load(summary=DemoSummary())  # a second load adds nothing
    manifest = courier_manifest(courier=courier)
    kinds = [stop.kind for stop in manifest.stops]
    assert kinds[0] == "pickup" and manifest.stops[0].urgent  # the express parcel due soon
    assert {"pickup", "deposit", "retrieval"} <= set(kinds)


def test_the_demo_kiosk_signs_in_with_the_published_secret_and_its_parcel_gets_a_code(
    make_person, inprocess
):
    from lockers.demo import (
        DEMO_COURIER_EMAIL,
        DEMO_KIOSK_SECRET,
        DEMO_KIOSK_SITE,
        kiosk_demo_sign_in,
    )
    from lockers.kiosk_devices import kiosk_device_authenticate
    from lockers.kiosk_pickup import kiosk_pickup
    from lockers.models import KioskDevice

    make_person(DEMO_COURIER_EMAIL, "courier")
    demo_load(summary=DemoSummary())
    second = DemoSummary()
    demo_load(summary=second)
    assert second.existing["kiosk devices"] == 1
    assert KioskDevice.objects.count() == 1
    device = kiosk_device_authenticate(DEMO_KIOSK_SECRET)
    assert device.site.slug == DEMO_KIOSK_SITE
    lines = kiosk_demo_sign_in()
    assert DEMO_KIOSK_SECRET in lines[0]
    code = lines[1].rsplit(" ", 1)[1]
    assert kiosk_pickup(device=device, text=code).status == "opened"
