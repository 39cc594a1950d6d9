"""Couriers depositing at one site at the same moment, between real transactions on
PostgreSQL: each thread has its own connection, and a barrier lets them all reach the
compartments' lock together."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from lockers import lock_objects, services
from lockers.models import Compartment, CompartmentState, Parcel

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

COURIERS = 10
FREE = 6


def test_ten_deposits_into_six_free_compartments_six_stay_four_are_redirected(
    make_site, courier, monkeypatch
):
    site = make_site(counts={"S": FREE, "M": 0, "L": 0})
    nearby = make_site(latitude="46.823770", longitude="-71.231470", counts={"S": 6})
    parcels = []
    for n in range(COURIERS):
        parcel = services.parcel_create(
            external_reference=f"race/{n}", size_class="S", destination_site=site, acting_user=None
        )
        parcels.append(services.parcel_pickup_from_store(parcel=parcel, courier=courier))

    barrier = threading.Barrier(COURIERS, timeout=30)
    lock_for_room = lock_objects.compartments_lock_for_room

    def wait_then_lock(**kwargs):
        barrier.wait()
        return lock_for_room(**kwargs)

    monkeypatch.setattr(services.lock_objects, "compartments_lock_for_room", wait_then_lock)

    def deposit(n: int):
        try:
            return services.parcel_deposit_begin(parcel=parcels[n], site=site, courier=courier)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=COURIERS) as pool:
        deposits = list(pool.map(deposit, range(COURIERS)))

    at_site = [d for d in deposits if d.redirected_from is None]
    redirected = [d for d in deposits if d.redirected_from is not None]
    assert len(at_site) == FREE
    assert len(redirected) == COURIERS - FREE
    assert {d.site.pk for d in redirected} == {nearby.pk}
    compartments = [d.compartment.pk for d in deposits]
    assert len(set(compartments)) == COURIERS
    assert Counter(
        Compartment.objects.filter(pk__in=compartments).values_list("state", flat=True)
    ) == {CompartmentState.RESERVED: COURIERS}
    assert Parcel.objects.filter(compartment__isnull=False).count() == COURIERS


def test_ten_holds_for_six_free_compartments_hold_six(make_site, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from lockers.errors import NoRoom
    from lockers.models import Reservation, ReservationState

    site = make_site(counts={"S": FREE, "M": 0, "L": 0})
    parcels = [
        services.parcel_create(
            external_reference=f"hold/{n}", size_class="S", destination_site=site, acting_user=None
        )
        for n in range(COURIERS)
    ]
    barrier = threading.Barrier(COURIERS, timeout=30)
    lock_for_room = lock_objects.compartments_lock_for_room

    def wait_then_lock(**kwargs):
        barrier.wait()
        return lock_for_room(**kwargs)

    monkeypatch.setattr(services.lock_objects, "compartments_lock_for_room", wait_then_lock)
    later = timezone.now() + timedelta(hours=1)

    def hold(n: int):
        try:
            return services.reservation_hold(parcel=parcels[n], site=site, expires_at=later)
        except NoRoom as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=COURIERS) as pool:
        outcomes = list(pool.map(hold, range(COURIERS)))

    assert sum(isinstance(o, Reservation) for o in outcomes) == FREE
    assert sum(isinstance(o, NoRoom) for o in outcomes) == COURIERS - FREE
    assert Reservation.objects.filter(site=site, state=ReservationState.HELD).count() == FREE
