"""The parcel's way through the site's own controller (the in-process one, the embedded
default): the open command sent after a deposit scan or a kiosk code, and the door events
it reports, move the parcel through lockers' services (lockers/receivers.py)."""

import pytest

from lockers import services
from lockers.controllers import compartment_open
from lockers.models import CompartmentState, ParcelStatus
from lockers.selectors import parcel_timeline

pytestmark = pytest.mark.django_db


def test_deposit_and_pickup_through_the_in_process_controller(
    inprocess, make_site, courier, signals_caught
):
    site = make_site()
    parcel = services.parcel_create(
        external_reference="UQ-2026-000001/1",
        size_class="S",
        destination_site=site,
        acting_user=None,
    )
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)

    outcome = compartment_open(
        compartment=deposit.compartment, purpose="deposit", parcel_id=parcel.pk
    )

    assert outcome.status == "acknowledged"
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.IN_LOCKER
    deposit.compartment.refresh_from_db()
    assert deposit.compartment.state == CompartmentState.OCCUPIED
    [(_name, placed)] = [(n, kw) for n, kw in signals_caught if n == "parcel_in_locker"]
    code = placed["pickup_code"]
    assert len(code) == 6 and code.isdigit()

    opening = services.kiosk_code_enter(site=site, code=code)
    assert (
        compartment_open(
            compartment=opening.compartment, purpose="pickup", parcel_id=parcel.pk
        ).status
        == "acknowledged"
    )

    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.PICKED_UP
    opening.compartment.refresh_from_db()
    assert opening.compartment.state == CompartmentState.AVAILABLE
    assert signals_caught[-1][0] == "parcel_picked_up"
    assert [entry.kind for entry in parcel_timeline(parcel)] == [
        "created",
        "picked_up_from_store",
        "deposited",
        "door_opened",
        "door_closed",
        "door_opened",
        "picked_up",
    ]


def test_a_door_event_for_a_compartment_the_site_lacks_is_dropped_not_raised(make_site, caplog):
    from django.utils import timezone

    from lockers.controller_signals import compartment_door_event

    site = make_site()
    compartment_door_event.send(
        sender=type(site),
        site=site,
        compartment_label="Z99",
        kind="closed",
        occupied=True,
        at=timezone.now(),
        sequence=1,
        command_id=None,
    )
    assert "does not have" in caplog.text


def test_a_jam_reported_by_the_controller_takes_the_compartment_out_of_service(make_site):
    from django.utils import timezone

    from lockers.controller_signals import compartment_jammed

    site = make_site()
    compartment = site.compartments.first()
    compartment_jammed.send(
        sender=type(site),
        site=site,
        compartment_label=compartment.label,
        at=timezone.now(),
        sequence=1,
        command_id=None,
    )
    compartment.refresh_from_db()
    assert compartment.state == CompartmentState.OUT_OF_SERVICE
