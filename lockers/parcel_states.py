"""Where a parcel may go next, and the one way to move it.

Every move is a conditional UPDATE from the status read (a concurrent move makes it fail,
never both succeed), in the caller's transaction; the caller records the custody event.
A redirection is not a move: the parcel stays with the courier and changes destination.
"""

from typing import Any

from django.db import connection

from lockers.errors import ParcelTransitionRefused
from lockers.models import Parcel, ParcelStatus

P = ParcelStatus

PARCEL_TRANSITIONS: dict[str, frozenset[str]] = {
    # A hold lapsed or released sends a reserved parcel back to created.
    P.CREATED: frozenset({P.RESERVED, P.WITH_COURIER}),
    P.RESERVED: frozenset({P.CREATED, P.WITH_COURIER}),
    # Damaged, or no locker nearby with room: back to the store.
    P.WITH_COURIER: frozenset({P.IN_LOCKER, P.RETURNED}),
    P.IN_LOCKER: frozenset({P.PICKED_UP, P.EXPIRED}),
    P.EXPIRED: frozenset({P.RETRIEVED}),
    P.RETRIEVED: frozenset({P.RETURNED}),
    P.PICKED_UP: frozenset(),
    P.RETURNED: frozenset(),
}


def parcel_can_move(parcel: Parcel, to: str) -> bool:
    return to in PARCEL_TRANSITIONS.get(parcel.status, frozenset())


def parcel_move(*, parcel: Parcel, to: str, **updates: Any) -> None:
    """Move `parcel` to `to` with these other field values, if its table allows it from
    the status read; refused when it does not or another transaction moved it first."""
    if not connection.in_atomic_block:
        raise RuntimeError("a parcel moves inside the transaction of the service that moves it")
    origin = parcel.status
    if not parcel_can_move(parcel, to):
        raise ParcelTransitionRefused()
    updates["status"] = to
    if not Parcel.objects.filter(pk=parcel.pk, status=origin).update(**updates):
        raise ParcelTransitionRefused()
    for name, value in updates.items():
        setattr(parcel, name, value)
