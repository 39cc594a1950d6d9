"""The only place in lockers that locks rows (select_for_update).

One global order, so that two transactions never wait on each other in a cycle:

    parcels (primary-key order) → compartments (primary-key order) → reservations
    (primary-key order) → kiosk lockouts

A service that needs several takes them in this order and re-reads what it decides on
after the lock (the functions here return fresh rows). A caller that also needs
marketplace rows (variants, orders, shipments: marketplace/lock_objects.py) takes those
first, then lockers rows: marketplace's order comes BEFORE this one.

Two kinds of compartment lock: `compartments_lock_for_room` takes every compartment of one
size at one site and waits, which serialises every decision about room there (holds and
deposits); `compartment_take_free` takes one free compartment at another site without
ever waiting (SKIP LOCKED), for a redirection made while the first site's compartments
are held, so that two redirections crossing between two sites never wait on each other.
Nothing here calls the outside world; callers never do while these locks are held.
"""

from collections.abc import Iterable

from django.db import connection

from lockers.models import (
    Compartment,
    CompartmentState,
    KioskLockout,
    Parcel,
    Reservation,
    Site,
)


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("rows are locked inside the transaction that uses them")


def parcel_lock(parcel_id: int) -> Parcel:
    """Lock one parcel and return it as it is now."""
    _require_transaction()
    return Parcel.objects.select_for_update().get(pk=parcel_id)


def parcels_lock(parcel_ids: Iterable[int]) -> dict[int, Parcel]:
    """Lock these parcels in primary-key order; by id."""
    _require_transaction()
    rows = Parcel.objects.select_for_update().filter(pk__in=sorted(set(parcel_ids))).order_by("pk")
    return {parcel.pk: parcel for parcel in rows}


def compartment_lock(compartment_id: int) -> Compartment:
    """Lock one compartment (take its parcel first), with its site read in the same query."""
    _require_transaction()
    return (
        Compartment.objects.select_for_update(of=("self",))
        .select_related("site")
        .get(pk=compartment_id)
    )


def compartments_lock_for_room(*, site_id: int, size_class: str) -> list[Compartment]:
    """Lock every compartment of `size_class` at the site, in primary-key order, and return
    them as they are now: whoever holds them alone decides on that room (take parcels
    first)."""
    _require_transaction()
    return list(
        Compartment.objects.select_for_update()
        .filter(site_id=site_id, size_class=size_class)
        .order_by("pk")
    )


def compartment_take_free(*, site: Site, size_class: str) -> Compartment | None:
    """Lock one available compartment of `size_class` at `site` that no one else has
    locked, without waiting; None when there is none."""
    _require_transaction()
    return (
        Compartment.objects.select_for_update(skip_locked=True)
        .filter(site=site, size_class=size_class, state=CompartmentState.AVAILABLE)
        .order_by("pk")
        .first()
    )


def reservation_lock(reservation_id: int) -> Reservation:
    """Lock one reservation (take its parcel first)."""
    _require_transaction()
    return Reservation.objects.select_for_update().get(pk=reservation_id)


def kiosk_lockout_lock(site_id: int) -> KioskLockout:
    """Lock the wrong-code counter of a site's kiosk, making it the first time."""
    _require_transaction()
    KioskLockout.objects.bulk_create([KioskLockout(site_id=site_id)], ignore_conflicts=True)
    return KioskLockout.objects.select_for_update().get(site_id=site_id)
