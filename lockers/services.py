"""Every write to lockers goes through a function here."""

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.writes import changed_fields_save
from identity.audit import audit_record
from identity.validators import postal_code_normalize
from lockers import lock_objects
from lockers.errors import (
    AlreadyExtended,
    KioskLocked,
    LockersError,
    NoRoom,
    NoRoomNearby,
    NotACourier,
    ParcelTransitionRefused,
    PickupCodeRefused,
    ReferenceTaken,
    WrongSite,
)
from lockers.models import (
    SIZE_CLASS_LABEL_LETTER,
    Compartment,
    CompartmentState,
    CustodyActor,
    CustodyEvent,
    CustodyEventKind,
    HostKind,
    KioskLockout,
    Parcel,
    ParcelStatus,
    Reservation,
    ReservationState,
    ReservationWindow,
    Site,
    SizeClass,
)
from lockers.parcel_states import parcel_move
from lockers.selectors import access_parcel_carry, room_by_site, sites_nearest
from lockers.signals import (
    kiosk_locked,
    parcel_collected,
    parcel_expired,
    parcel_extended,
    parcel_in_locker,
    parcel_picked_up,
    parcel_pickup_reminder,
    parcel_redirected,
    parcel_returned,
    reservation_lapsed,
)

# The fields of a site that site_update may change (the slug is its natural key).
SITE_FIELDS = frozenset(
    {
        "name",
        "host_kind",
        "host_name",
        "street_address",
        "locality",
        "postal_code",
        "latitude",
        "longitude",
        "access_hours",
        "opening_hours",
        "is_active",
    }
)


def _as_list(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _site_fields_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """Bring values to the form the database gives back, so that equal means unchanged."""
    if "postal_code" in fields:
        fields["postal_code"] = postal_code_normalize(fields["postal_code"])
    for name in ("latitude", "longitude"):
        if name in fields and not isinstance(fields[name], Decimal):
            fields[name] = Decimal(str(fields[name]))
    if "opening_hours" in fields and isinstance(fields["opening_hours"], Mapping):
        fields["opening_hours"] = {
            day: [_as_list(interval) for interval in intervals]
            if isinstance(intervals, list | tuple)
            else intervals
            for day, intervals in fields["opening_hours"].items()
        }
    return fields


@transaction.atomic
def site_create(
    *,
    slug: str,
    name: str,
    host_kind: HostKind | str,
    host_name: str,
    street_address: str,
    locality: str,
    postal_code: str,
    latitude: Decimal,
    longitude: Decimal,
    access_hours: str,
    opening_hours: Mapping[str, Any] | None = None,
    is_active: bool = True,
    acting_user: Any,
) -> Site:
    """Create a locker site after validating every field, opening hours included.

    Recorded in the audit trail with `acting_user` (None: the system, loading sites).
    """
    fields = _site_fields_normalize(
        {
            "name": name,
            "host_kind": host_kind,
            "host_name": host_name,
            "street_address": street_address,
            "locality": locality,
            "postal_code": postal_code,
            "latitude": latitude,
            "longitude": longitude,
            "access_hours": access_hours,
            "opening_hours": opening_hours or {},
            "is_active": is_active,
        }
    )
    site = Site(slug=slug, **fields)
    site.full_clean()
    site.save()
    audit_record(acting_user=acting_user, action="site.create", target=site)
    return site


@transaction.atomic
def site_update(*, site: Site, acting_user: Any, **fields: Any) -> Site:
    """Change the given fields of `site`; nothing is written when every value is the same,
    an audit event naming the changed fields otherwise (opening or closing a site is
    its own action)."""
    values = _site_fields_normalize(dict(fields))
    changed = sorted(name for name, value in values.items() if getattr(site, name) != value)
    if changed_fields_save(site, values, SITE_FIELDS):
        if changed == ["is_active"]:
            action = "site.activate" if site.is_active else "site.deactivate"
        else:
            action = "site.update"
        audit_record(
            acting_user=acting_user, action=action, target=site, detail={"fields": changed}
        )
    return site


@transaction.atomic
def site_upsert(*, slug: str, **fields: Any) -> tuple[Site, bool]:
    """Create the site with this slug or bring it to these values; True when created."""
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        return site_create(slug=slug, acting_user=None, **fields), True
    return site_update(site=site, acting_user=None, **fields), False


@transaction.atomic
def compartments_ensure(*, site: Site, counts: Mapping[str, int]) -> list[Compartment]:
    """Give `site` at least `counts[size]` compartments of each size; return those added.

    New compartments are available and labelled with their size's letter (A small,
    B medium, C large) and the next free number: A01, A02… Existing compartments are
    never changed or removed, since they may hold parcels.
    """
    wanted = {SizeClass(size): count for size, count in counts.items()}
    if any(count < 0 for count in wanted.values()):
        raise ValueError("compartment counts cannot be negative")
    existing = list(site.compartments.values_list("label", "size_class"))
    labels = {label for label, _size in existing}
    have = {size: sum(1 for _label, s in existing if s == size) for size in SizeClass}
    added: list[Compartment] = []
    for size, count in wanted.items():
        letter = SIZE_CLASS_LABEL_LETTER[size]
        number = 0
        for _missing in range(count - have[size]):
            number += 1
            while f"{letter}{number:02d}" in labels:
                number += 1
            label = f"{letter}{number:02d}"
            labels.add(label)
            compartment = Compartment(site=site, label=label, size_class=size)
            compartment.full_clean()
            compartment.save()
            added.append(compartment)
    return added


# --- Parcels, reservations, deposits, pickups (issue 11) ----------------------------------

PICKUP_CODE_LABEL = b"uniqc.lockers.pickup-code.v1"
PICKUP_CODE_DIGITS = 6
CROCKFORD_BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_LENGTH = 12


def public_code_new() -> str:
    """Twelve random Crockford base 32 characters (60 bits): the parcel's printed name."""
    return "".join(secrets.choice(CROCKFORD_BASE32) for _ in range(PUBLIC_CODE_LENGTH))


def pickup_code_digest(*, site_id: int, code: str) -> str:
    """HMAC-SHA256 of a pickup code under a key of its own, derived from SECRET_KEY and
    the site: a kiosk finds the parcel with one indexed equality, and a leaked table does
    not give the codes away without the secret. (Rotating SECRET_KEY voids the codes of
    parcels in lockers at that moment: support issues new ones.)"""
    key = hmac.new(
        settings.SECRET_KEY.encode(), PICKUP_CODE_LABEL + b":" + str(site_id).encode(), "sha256"
    ).digest()
    return hmac.new(key, code.encode(), "sha256").hexdigest()


def _hours(name: str) -> timedelta:
    return timedelta(hours=getattr(settings, name))


def _custody(
    parcel: Parcel,
    kind: str,
    *,
    actor_label: str,
    actor: Any = None,
    site: Site | None = None,
    compartment: Compartment | None = None,
    at: datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> CustodyEvent:
    return CustodyEvent.objects.create(
        parcel=parcel,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label,
        site=site,
        compartment_label=compartment.label if compartment else "",
        at=at or timezone.now(),
        detail=detail or {},
    )


def _send_on_commit(signal: Any, sender: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: signal.send(sender=sender, **kwargs))


def _require_courier(courier: Any) -> None:
    if not access_parcel_carry(courier):
        raise NotACourier()


@transaction.atomic
def parcel_create(
    *,
    external_reference: str,
    size_class: SizeClass | str,
    destination_site: Site,
    acting_user: Any,
    origin_name: str = "",
    origin_address: str = "",
    origin_latitude: Decimal | None = None,
    origin_longitude: Decimal | None = None,
    deliver_by: datetime | None = None,
) -> Parcel:
    """Register a parcel the caller names by `external_reference` (unique), collected
    from `origin_*` (for the courier's round) and due in its locker by `deliver_by`. A
    retry with the same reference, size and destination finds the parcel made the first
    time."""
    existing = Parcel.objects.filter(external_reference=external_reference).first()
    if existing is not None:
        if (existing.size_class, existing.destination_site_id) != (
            SizeClass(size_class),
            destination_site.pk,
        ):
            raise ReferenceTaken()
        return existing
    parcel = Parcel(
        public_code=public_code_new(),
        external_reference=external_reference,
        size_class=SizeClass(size_class),
        destination_site=destination_site,
        origin_name=origin_name,
        origin_address=origin_address,
        origin_latitude=origin_latitude,
        origin_longitude=origin_longitude,
        deliver_by=deliver_by,
    )
    parcel.full_clean()
    parcel.save()
    _custody(
        parcel,
        CustodyEventKind.CREATED,
        actor=acting_user,
        actor_label=CustodyActor.STORE,
        detail={"destination_site": destination_site.slug},
    )
    audit_record(acting_user=acting_user, action="parcel.create", target=parcel)
    return parcel


@transaction.atomic
def parcel_ready(*, parcel: Parcel, acting_user: Any) -> Parcel:
    """The store packed and labelled the parcel: couriers see it in their manifest from
    now on. A second call (a label printed again) changes nothing."""
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.ready_at is not None:
        return parcel
    if parcel.status not in (ParcelStatus.CREATED, ParcelStatus.RESERVED):
        raise ParcelTransitionRefused()
    parcel.ready_at = timezone.now()
    Parcel.objects.filter(pk=parcel.pk).update(ready_at=parcel.ready_at)
    _custody(parcel, CustodyEventKind.LABELLED, actor=acting_user, actor_label=CustodyActor.STORE)
    audit_record(acting_user=acting_user, action="parcel.ready", target=parcel)
    return parcel


def _room_left(*, site_id: int, size_class: str, parcel_id: int, now: datetime) -> int:
    """Room of a size at a site for this parcel (call with the site's room locked)."""
    return room_by_site([site_id], now=now, exclude_parcel_id=parcel_id)[site_id][size_class]


@transaction.atomic
def reservation_hold(
    *,
    parcel: Parcel,
    site: Site,
    expires_at: datetime,
    window: ReservationWindow | str = ReservationWindow.STANDARD,
    window_end: datetime | None = None,
    acting_user: Any = None,
) -> Reservation:
    """Hold room of the parcel's size at `site` until `expires_at` (NoRoom when there is
    none: available compartments minus unexpired holds). Holding again at the same site
    moves the expiry (checkout confirms a paid hold this way); at another site, the old
    hold is released. The parcel's destination becomes `site`."""
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status not in (ParcelStatus.CREATED, ParcelStatus.RESERVED):
        raise ParcelTransitionRefused()
    now = timezone.now()
    held = Reservation.objects.filter(parcel=parcel, state=ReservationState.HELD).first()
    if held is not None and held.site_id == site.pk:
        Reservation.objects.filter(pk=held.pk, state=ReservationState.HELD).update(
            expires_at=expires_at, window=window, window_end=window_end
        )
        held.refresh_from_db()
        return held
    lock_objects.compartments_lock_for_room(site_id=site.pk, size_class=parcel.size_class)
    if (
        not site.is_active
        or _room_left(site_id=site.pk, size_class=parcel.size_class, parcel_id=parcel.pk, now=now)
        < 1
    ):
        raise NoRoom()
    if held is not None:
        Reservation.objects.filter(pk=held.pk, state=ReservationState.HELD).update(
            state=ReservationState.RELEASED
        )
    reservation = Reservation(
        site=site,
        size_class=parcel.size_class,
        parcel=parcel,
        window=window,
        window_end=window_end,
        expires_at=expires_at,
    )
    reservation.full_clean()
    reservation.save()
    updates: dict[str, Any] = {"destination_site": site}
    if parcel.status == ParcelStatus.CREATED:
        parcel_move(parcel=parcel, to=ParcelStatus.RESERVED, **updates)
    else:
        Parcel.objects.filter(pk=parcel.pk).update(**updates)
        parcel.destination_site = site
    _custody(
        parcel,
        CustodyEventKind.RESERVED,
        actor=acting_user,
        actor_label=CustodyActor.SYSTEM,
        site=site,
        detail={"window": str(window), "expires_at": expires_at.isoformat()},
    )
    return reservation


@dataclass(frozen=True)
class ParcelRequest:
    """One parcel for `parcels_create_held`: parcel_create's arguments but the site."""

    external_reference: str
    size_class: str
    origin_name: str = ""
    origin_address: str = ""
    origin_latitude: Decimal | None = None
    origin_longitude: Decimal | None = None
    deliver_by: datetime | None = None


@transaction.atomic(savepoint=False)
def parcels_create_held(
    *,
    requests: list[ParcelRequest],
    site: Site,
    expires_at: datetime,
    window: ReservationWindow | str = ReservationWindow.STANDARD,
    window_end: datetime | None = None,
    acting_user: Any = None,
) -> list[Parcel]:
    """parcel_create then reservation_hold for several new parcels bound for one site, in
    a constant number of queries whatever their number (a checkout's path): all or none.
    NoRoom when the site lacks room for any size (available compartments minus unexpired
    holds); an IntegrityError when a reference exists already (the caller's references
    are new: a checkout's order number is). No savepoint: a failure rolls back the
    caller's transaction."""
    if not requests:
        return []
    wanted: dict[str, int] = {}
    for request in requests:
        size = SizeClass(request.size_class).value
        wanted[size] = wanted.get(size, 0) + 1
    for size in sorted(wanted):
        lock_objects.compartments_lock_for_room(site_id=site.pk, size_class=size)
    now = timezone.now()
    room = room_by_site([site.pk], now=now)[site.pk]
    if not site.is_active or any(room[size] < count for size, count in wanted.items()):
        raise NoRoom()
    parcels = Parcel.objects.bulk_create(
        [
            Parcel(
                public_code=public_code_new(),
                external_reference=request.external_reference,
                size_class=SizeClass(request.size_class),
                destination_site=site,
                status=ParcelStatus.RESERVED,
                origin_name=request.origin_name,
                origin_address=request.origin_address,
                origin_latitude=request.origin_latitude,
                origin_longitude=request.origin_longitude,
                deliver_by=request.deliver_by,
                created_at=now,
            )
            for request in requests
        ]
    )
    Reservation.objects.bulk_create(
        [
            Reservation(
                site=site,
                size_class=parcel.size_class,
                parcel=parcel,
                window=window,
                window_end=window_end,
                expires_at=expires_at,
                created_at=now,
            )
            for parcel in parcels
        ]
    )
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    CustodyEvent.objects.bulk_create(
        [
            event
            for parcel in parcels
            for event in (
                CustodyEvent(
                    parcel=parcel,
                    kind=CustodyEventKind.CREATED,
                    actor=actor,
                    actor_label=CustodyActor.STORE,
                    at=now,
                    detail={"destination_site": site.slug},
                ),
                CustodyEvent(
                    parcel=parcel,
                    kind=CustodyEventKind.RESERVED,
                    actor=actor,
                    actor_label=CustodyActor.SYSTEM,
                    site=site,
                    at=now,
                    detail={"window": str(window), "expires_at": expires_at.isoformat()},
                ),
            )
        ]
    )
    # The custody events name who made them (the audit log's full_clean would cost six
    # queries a checkout cannot spend; parcel_create audits the one-by-one path).
    return parcels


def _reservation_end(*, reservation: Reservation, state: str) -> Reservation:
    parcel = lock_objects.parcel_lock(reservation.parcel_id)
    reservation = lock_objects.reservation_lock(reservation.pk)
    if reservation.state != ReservationState.HELD:
        return reservation
    Reservation.objects.filter(pk=reservation.pk).update(state=state)
    reservation.state = state
    if parcel.status == ParcelStatus.RESERVED:
        parcel_move(parcel=parcel, to=ParcelStatus.CREATED)
    return reservation


@transaction.atomic
def reservation_release(*, reservation: Reservation, acting_user: Any = None) -> Reservation:
    """Give a hold's room back (the shopper cancelled); a repeat changes nothing."""
    return _reservation_end(reservation=reservation, state=ReservationState.RELEASED)


@transaction.atomic
def reservation_lapse(*, reservation: Reservation) -> Reservation:
    """End a hold whose payment failed or timed out; `reservation_lapsed` is sent once."""
    was_held = reservation.state == ReservationState.HELD
    reservation = _reservation_end(reservation=reservation, state=ReservationState.LAPSED)
    if was_held and reservation.state == ReservationState.LAPSED:
        _send_on_commit(
            reservation_lapsed,
            Reservation,
            reservation=reservation,
            parcel=Parcel.objects.get(pk=reservation.parcel_id),
        )
    return reservation


def reservations_lapse_expired(*, now: datetime | None = None) -> int:
    """For beat: every hold past its expiry lapses, each in its own transaction."""
    moment = now or timezone.now()
    lapsed = 0
    for reservation in Reservation.objects.filter(
        state=ReservationState.HELD, expires_at__lte=moment
    ).order_by("pk"):
        if reservation_lapse(reservation=reservation).state == ReservationState.LAPSED:
            lapsed += 1
    return lapsed


@transaction.atomic
def parcel_pickup_from_store(*, parcel: Parcel, courier: Any) -> Parcel:
    """The courier scanned the parcel at the store: custody passes to the courier. A
    repeated scan by a courier finds it already done."""
    _require_courier(courier)
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status == ParcelStatus.WITH_COURIER:
        return parcel
    parcel_move(parcel=parcel, to=ParcelStatus.WITH_COURIER, site=None)
    _custody(parcel, CustodyEventKind.PICKED_UP_FROM_STORE, actor=courier, actor_label="courier")
    audit_record(acting_user=courier, action="parcel.pickup_from_store", target=parcel)
    _send_on_commit(parcel_collected, Parcel, parcel=parcel)
    return parcel


@dataclass(frozen=True)
class Deposit:
    """Where the courier puts the parcel: `compartment` (reserved for it) at `site`.
    When the destination was full, `redirected_from` is the site it was bound to."""

    parcel: Parcel
    site: Site
    compartment: Compartment
    redirected_from: Site | None = None
    redirect_reason: str = ""
    distance_km: float | None = None


def _compartment_choose(compartments: list[Compartment]) -> Compartment | None:
    """An available compartment, keeping the accessible ones for last."""
    free = [c for c in compartments if c.state == CompartmentState.AVAILABLE]
    return min(free, key=lambda c: (c.is_accessible, c.pk), default=None)


def _deposit_assign(
    *, parcel: Parcel, site: Site, courier: Any, reason: str, now: datetime
) -> Deposit:
    """Reserve a compartment for the parcel at `site`, or at the nearest open site with
    room when it is full; with the parcel locked and no compartment of its own."""
    compartments = lock_objects.compartments_lock_for_room(
        site_id=site.pk, size_class=parcel.size_class
    )
    compartment = None
    if (
        site.is_active
        and _room_left(site_id=site.pk, size_class=parcel.size_class, parcel_id=parcel.pk, now=now)
        >= 1
    ):
        compartment = _compartment_choose(compartments)
    target, redirected_from, distance = site, None, None
    if compartment is None:
        for choice in sites_nearest(
            latitude=site.latitude,
            longitude=site.longitude,
            sizes={parcel.size_class: 1},
            window_end=now,
            limit=5,
            radius_km=settings.LOCKERS_REDIRECT_MAX_KM,
            available_only=True,
            exclude_site_ids=[site.pk],
        ):
            compartment = lock_objects.compartment_take_free(
                site=choice.site, size_class=parcel.size_class
            )
            if compartment is not None:
                target, redirected_from, distance = choice.site, site, choice.distance_km
                break
        if compartment is None:
            raise NoRoomNearby()
    if not Compartment.objects.filter(pk=compartment.pk, state=CompartmentState.AVAILABLE).update(
        state=CompartmentState.RESERVED
    ):
        raise NoRoom()  # another transaction took it: impossible under the room lock
    compartment.state = CompartmentState.RESERVED
    Parcel.objects.filter(pk=parcel.pk).update(
        compartment=compartment, site=target, destination_site=target
    )
    parcel.compartment, parcel.site, parcel.destination_site = compartment, target, target
    for held in Reservation.objects.filter(parcel=parcel, state=ReservationState.HELD):
        lock_objects.reservation_lock(held.pk)
        used = held.site_id == target.pk
        Reservation.objects.filter(pk=held.pk).update(
            state=ReservationState.USED if used else ReservationState.RELEASED
        )
    if redirected_from is not None:
        _custody(
            parcel,
            CustodyEventKind.REDIRECTED,
            actor=courier,
            actor_label=CustodyActor.COURIER,
            site=target,
            at=now,
            detail={
                "reason": reason,
                "from_site": redirected_from.slug,
                "from_site_name": redirected_from.name,
                "distance_km": round(distance or 0.0, 3),
            },
        )
        _send_on_commit(
            parcel_redirected,
            Parcel,
            parcel=parcel,
            from_site=redirected_from,
            to_site=target,
            reason=reason,
            distance_km=distance,
        )
    _custody(
        parcel,
        CustodyEventKind.DEPOSITED,
        actor=courier,
        actor_label=CustodyActor.COURIER,
        site=target,
        compartment=compartment,
        at=now,
    )
    return Deposit(
        parcel=parcel,
        site=target,
        compartment=compartment,
        redirected_from=redirected_from,
        redirect_reason=reason if redirected_from else "",
        distance_km=distance,
    )


@transaction.atomic
def parcel_deposit_begin(*, parcel: Parcel, site: Site, courier: Any) -> Deposit:
    """The courier scanned the parcel at `site`: reserve a free compartment of its size
    for it, or, when the site is full, one at the nearest open site with room (the parcel
    is redirected there: custody event and `parcel_redirected` signal). The caller sends
    the open command after the commit; the door closed with the parcel inside puts it in
    the locker (`compartment_door_event`). A repeated scan finds the same compartment."""
    _require_courier(courier)
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status == ParcelStatus.WITH_COURIER and parcel.compartment_id:
        compartment = Compartment.objects.select_related("site").get(pk=parcel.compartment_id)
        return Deposit(parcel=parcel, site=compartment.site, compartment=compartment)
    if parcel.status != ParcelStatus.WITH_COURIER:
        raise ParcelTransitionRefused()
    if parcel.destination_site_id != site.pk:
        raise WrongSite()
    return _deposit_assign(
        parcel=parcel, site=site, courier=courier, reason="site_full", now=timezone.now()
    )


def _deposit_undo(parcel: Parcel, compartments: list[Compartment], state: str) -> Compartment:
    compartment = next(c for c in compartments if c.pk == parcel.compartment_id)
    Compartment.objects.filter(pk=compartment.pk).update(state=state)
    compartment.state = state
    Parcel.objects.filter(pk=parcel.pk).update(compartment=None, site=None)
    parcel.compartment, parcel.site = None, None
    return compartment


def _deposit_in_progress_lock(
    *, parcel: Parcel, courier: Any
) -> tuple[Parcel, list[Compartment] | None]:
    """Lock the parcel and, when a deposit of it is under way (with the courier, a
    compartment reserved for it), the site's compartments of its size; None for those
    when no deposit is under way."""
    _require_courier(courier)
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status != ParcelStatus.WITH_COURIER or not parcel.compartment_id:
        return parcel, None
    compartments = lock_objects.compartments_lock_for_room(
        site_id=parcel.site_id, size_class=parcel.size_class
    )
    return parcel, compartments


def _deposit_undo_recorded(
    parcel: Parcel, compartments: list[Compartment], state: str, *, courier: Any, reason: str
) -> Compartment:
    """Undo the deposit under way, leaving its compartment in `state`, and record why in
    the parcel's custody."""
    site = parcel.site
    compartment = _deposit_undo(parcel, compartments, state)
    _custody(
        parcel,
        CustodyEventKind.EXCEPTION,
        actor=courier,
        actor_label=CustodyActor.COURIER,
        site=site,
        compartment=compartment,
        detail={"reason": reason},
    )
    return compartment


@transaction.atomic
def parcel_deposit_cancel(*, parcel: Parcel, courier: Any, reason: str) -> Parcel:
    """A deposit that cannot go on (the controller is offline, the parcel is damaged):
    the compartment is available again and the parcel stays with the courier."""
    parcel, compartments = _deposit_in_progress_lock(parcel=parcel, courier=courier)
    if compartments is None:
        return parcel
    _deposit_undo_recorded(
        parcel, compartments, CompartmentState.AVAILABLE, courier=courier, reason=reason
    )
    return parcel


@transaction.atomic
def compartment_jammed(*, parcel: Parcel, courier: Any) -> Deposit:
    """The compartment reserved for the parcel's deposit would not open: it goes out of
    service and another one is reserved (at the nearest site with room if it was the
    last one). The caller sends the open command for the new one after the commit."""
    parcel, compartments = _deposit_in_progress_lock(parcel=parcel, courier=courier)
    if compartments is None:
        raise ParcelTransitionRefused()
    site = parcel.site
    jammed = _deposit_undo_recorded(
        parcel,
        compartments,
        CompartmentState.OUT_OF_SERVICE,
        courier=courier,
        reason="compartment_jammed",
    )
    audit_record(
        acting_user=courier,
        action="compartment.out_of_service",
        target=jammed,
        detail={"reason": "jammed"},
    )
    return _deposit_assign(
        parcel=parcel,
        site=site,
        courier=courier,
        reason="compartment_jammed",
        now=timezone.now(),
    )


@transaction.atomic
def compartment_mark_out_of_service(
    *, compartment: Compartment, reason: str, acting_user: Any
) -> Compartment:
    """Take a compartment out of service (a parcel inside stays there until it leaves)."""
    compartment = lock_objects.compartment_lock(compartment.pk)
    if compartment.state != CompartmentState.OUT_OF_SERVICE:
        Compartment.objects.filter(pk=compartment.pk).update(state=CompartmentState.OUT_OF_SERVICE)
        compartment.state = CompartmentState.OUT_OF_SERVICE
        audit_record(
            acting_user=acting_user,
            action="compartment.out_of_service",
            target=compartment,
            detail={"reason": reason},
        )
    return compartment


@transaction.atomic
def compartment_return_to_service(*, compartment: Compartment, acting_user: Any) -> Compartment:
    """Put a repaired compartment back: available when no parcel is in it, else occupied."""
    compartment = lock_objects.compartment_lock(compartment.pk)
    if compartment.state == CompartmentState.OUT_OF_SERVICE:
        inside = Parcel.objects.filter(compartment=compartment).exists()
        state = CompartmentState.OCCUPIED if inside else CompartmentState.AVAILABLE
        Compartment.objects.filter(pk=compartment.pk).update(state=state)
        compartment.state = state
        audit_record(acting_user=acting_user, action="compartment.in_service", target=compartment)
    return compartment


@dataclass(frozen=True)
class DoorOutcome:
    """What a door event did: `result` is "placed", "picked_up", "deposit_aborted",
    "emptied", "left_inside" or "recorded"; `pickup_code` is set once, when placed."""

    result: str
    compartment: Compartment
    parcel: Parcel | None = None
    pickup_code: str | None = None


def _pickup_code_issue(parcel: Parcel, site_id: int) -> tuple[str, str]:
    """A fresh 6-digit code and its digest, unused by the parcels in lockers at the site."""
    while True:
        code = f"{secrets.randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"
        digest = pickup_code_digest(site_id=site_id, code=code)
        if not Parcel.objects.filter(
            site_id=site_id, status=ParcelStatus.IN_LOCKER, pickup_code_digest=digest
        ).exists():
            return code, digest


@transaction.atomic
def compartment_door_event(
    *,
    compartment: Compartment,
    kind: str,
    occupied: bool | None,
    at: datetime,
    source: str = CustodyActor.CONTROLLER,
) -> DoorOutcome:
    """Apply a door event the site's controller reported (applied once, in order, by the
    protocol layer). Door closed on the parcel being deposited: it is in the locker, and
    its pickup code is issued (returned here and sent with `parcel_in_locker`, never
    stored in clear). Door closed on an empty compartment whose parcel was in the
    locker: picked up (`parcel_picked_up`). `occupied` None (no sensor) counts as the
    deposit done, and never as a pickup."""
    if kind not in ("opened", "closed"):
        raise ValueError(f"unknown door event {kind!r}")
    inside = Parcel.objects.filter(compartment_id=compartment.pk).values_list("pk", flat=True)
    parcel_id = inside.first()
    parcel = lock_objects.parcel_lock(parcel_id) if parcel_id else None
    if parcel is not None and parcel.compartment_id != compartment.pk:
        parcel = None  # it left between the read and the lock
    compartment = lock_objects.compartment_lock(compartment.pk)
    site = compartment.site
    detail = {"occupied": occupied, "source": source}
    if kind == "opened":
        if parcel is not None:
            _custody(
                parcel,
                CustodyEventKind.DOOR_OPENED,
                actor_label=CustodyActor.CONTROLLER,
                site=site,
                compartment=compartment,
                at=at,
                detail=detail,
            )
        return DoorOutcome("recorded", compartment, parcel)
    if parcel is None:
        return _door_closed_without_parcel(compartment, occupied)
    if parcel.status == ParcelStatus.WITH_COURIER:
        if occupied is False:
            _deposit_undo(parcel, [compartment], CompartmentState.AVAILABLE)
            _custody(
                parcel,
                CustodyEventKind.EXCEPTION,
                actor_label=CustodyActor.CONTROLLER,
                site=site,
                compartment=compartment,
                at=at,
                detail={**detail, "reason": "closed_empty"},
            )
            return DoorOutcome("deposit_aborted", compartment, parcel)
        code, digest = _pickup_code_issue(parcel, site.pk)
        expires_at = at + _hours("LOCKERS_HOLD_HOURS")
        parcel_move(
            parcel=parcel,
            to=ParcelStatus.IN_LOCKER,
            pickup_code_digest=digest,
            placed_at=at,
            expires_at=expires_at,
        )
        Compartment.objects.filter(pk=compartment.pk).update(state=CompartmentState.OCCUPIED)
        compartment.state = CompartmentState.OCCUPIED
        _custody(
            parcel,
            CustodyEventKind.DOOR_CLOSED,
            actor_label=CustodyActor.CONTROLLER,
            site=site,
            compartment=compartment,
            at=at,
            detail={**detail, "placed": True},
        )
        _send_on_commit(
            parcel_in_locker,
            Parcel,
            parcel=parcel,
            site=site,
            compartment=compartment,
            pickup_code=code,
            expires_at=expires_at,
        )
        return DoorOutcome("placed", compartment, parcel, pickup_code=code)
    if parcel.status == ParcelStatus.IN_LOCKER and occupied is False:
        parcel_move(parcel=parcel, to=ParcelStatus.PICKED_UP, compartment=None, site=None)
        Compartment.objects.filter(pk=compartment.pk).update(state=CompartmentState.AVAILABLE)
        compartment.state = CompartmentState.AVAILABLE
        _custody(
            parcel,
            CustodyEventKind.PICKED_UP,
            actor_label=CustodyActor.SHOPPER,
            site=site,
            compartment=compartment,
            at=at,
            detail=detail,
        )
        _send_on_commit(parcel_picked_up, Parcel, parcel=parcel, at=at)
        return DoorOutcome("picked_up", compartment, parcel)
    _custody(
        parcel,
        CustodyEventKind.DOOR_CLOSED,
        actor_label=CustodyActor.CONTROLLER,
        site=site,
        compartment=compartment,
        at=at,
        detail=detail,
    )
    return DoorOutcome("recorded", compartment, parcel)


def _door_closed_without_parcel(compartment: Compartment, occupied: bool | None) -> DoorOutcome:
    """A door with no parcel assigned: a retrieval's compartment emptied becomes available;
    anything left inside takes the compartment out of service until someone checks."""
    if occupied is True and compartment.state != CompartmentState.OUT_OF_SERVICE:
        Compartment.objects.filter(pk=compartment.pk).update(state=CompartmentState.OUT_OF_SERVICE)
        compartment.state = CompartmentState.OUT_OF_SERVICE
        audit_record(
            acting_user=None,
            action="compartment.out_of_service",
            target=compartment,
            detail={"reason": "left_inside"},
        )
        return DoorOutcome("left_inside", compartment)
    if occupied is False and compartment.state == CompartmentState.RESERVED:
        Compartment.objects.filter(pk=compartment.pk).update(state=CompartmentState.AVAILABLE)
        compartment.state = CompartmentState.AVAILABLE
        return DoorOutcome("emptied", compartment)
    return DoorOutcome("recorded", compartment)


@dataclass(frozen=True)
class KioskOpening:
    """The parcel a pickup code names, and the compartment the kiosk opens."""

    parcel: Parcel
    compartment: Compartment


def kiosk_code_enter(*, site: Site, code: str, now: datetime | None = None) -> KioskOpening:
    """The parcel waiting at `site` under this 6-digit code, whose compartment the caller
    opens after this returns. A wrong code counts (PickupCodeRefused with the attempts
    left); LOCKERS_KIOSK_MAX_WRONG_CODES in a row lock the kiosk for
    LOCKERS_KIOSK_LOCKOUT_MINUTES (KioskLocked with the time) and alert support. The count
    is committed before the error is raised: do not call this inside a transaction that
    the error would roll back."""
    outcome = _kiosk_code_check(site=site, code=code, now=now or timezone.now())
    if isinstance(outcome, LockersError):
        raise outcome
    return outcome


@transaction.atomic
def _kiosk_code_check(*, site: Site, code: str, now: datetime) -> KioskOpening | LockersError:
    lockout = lock_objects.kiosk_lockout_lock(site.pk)
    if lockout.locked_until is not None and lockout.locked_until > now:
        return KioskLocked(until=lockout.locked_until)
    code = (code or "").strip()
    parcel = None
    if len(code) == PICKUP_CODE_DIGITS and code.isascii() and code.isdigit():
        parcel = (
            Parcel.objects.filter(
                site=site,
                status=ParcelStatus.IN_LOCKER,
                pickup_code_digest=pickup_code_digest(site_id=site.pk, code=code),
            )
            .select_related("compartment")
            .first()
        )
    if parcel is not None:
        if lockout.failed_attempts:
            KioskLockout.objects.filter(pk=lockout.pk).update(failed_attempts=0)
        audit_record(acting_user=None, action="kiosk.code_accepted", target=parcel)
        return KioskOpening(parcel=parcel, compartment=parcel.compartment)
    KioskLockout.objects.filter(pk=lockout.pk).update(
        failed_attempts=F("failed_attempts") + 1, last_failure_at=now
    )
    lockout.refresh_from_db()
    audit_record(
        acting_user=None,
        action="kiosk.code_refused",
        target=site,
        detail={"attempts": lockout.failed_attempts},
    )
    limit = settings.LOCKERS_KIOSK_MAX_WRONG_CODES
    if lockout.failed_attempts < limit:
        return PickupCodeRefused(attempts_left=limit - lockout.failed_attempts)
    until = now + timedelta(minutes=settings.LOCKERS_KIOSK_LOCKOUT_MINUTES)
    KioskLockout.objects.filter(pk=lockout.pk).update(failed_attempts=0, locked_until=until)
    audit_record(
        acting_user=None,
        action="kiosk.locked",
        target=site,
        detail={"until": until.isoformat(), "attempts": limit},
    )
    from lockers.tasks import kiosk_lockout_alert

    enqueue_on_commit(kiosk_lockout_alert, site.pk, until.isoformat())
    _send_on_commit(kiosk_locked, Site, site=site, until=until)
    return KioskLocked(until=until)


@transaction.atomic
def parcel_pickup_code_reissue(*, parcel: Parcel, acting_user: Any) -> str:
    """A new pickup code for a parcel in its locker (the shopper lost the message, or
    SECRET_KEY was rotated): the old code stops working, the new one is returned once and
    sent again with `parcel_in_locker`."""
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status != ParcelStatus.IN_LOCKER:
        raise ParcelTransitionRefused()
    code, digest = _pickup_code_issue(parcel, parcel.site_id)
    Parcel.objects.filter(pk=parcel.pk).update(pickup_code_digest=digest)
    parcel.pickup_code_digest = digest
    audit_record(acting_user=acting_user, action="parcel.pickup_code_reissue", target=parcel)
    compartment = Compartment.objects.select_related("site").get(pk=parcel.compartment_id)
    _send_on_commit(
        parcel_in_locker,
        Parcel,
        parcel=parcel,
        site=compartment.site,
        compartment=compartment,
        pickup_code=code,
        expires_at=parcel.expires_at,
    )
    return code


@transaction.atomic
def parcel_extend(*, parcel: Parcel, acting_user: Any) -> Parcel:
    """Move a waiting parcel's deadline by LOCKERS_EXTENSION_HOURS, once."""
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status != ParcelStatus.IN_LOCKER:
        raise ParcelTransitionRefused()
    if parcel.extended:
        raise AlreadyExtended()
    expires_at = parcel.expires_at + _hours("LOCKERS_EXTENSION_HOURS")
    Parcel.objects.filter(pk=parcel.pk).update(expires_at=expires_at, extended=True)
    parcel.expires_at, parcel.extended = expires_at, True
    _custody(
        parcel,
        CustodyEventKind.EXTENDED,
        actor=acting_user,
        actor_label=CustodyActor.SHOPPER,
        site=parcel.site,
        detail={"expires_at": expires_at.isoformat()},
    )
    audit_record(
        acting_user=acting_user,
        action="parcel.extend",
        target=parcel,
        detail={"expires_at": expires_at.isoformat()},
    )
    _send_on_commit(parcel_extended, Parcel, parcel=parcel, expires_at=expires_at)
    return parcel


@dataclass(frozen=True)
class ExpiryRun:
    reminded: int
    expired: int


@transaction.atomic
def _parcel_remind(parcel_id: int, now: datetime) -> bool:
    parcel = lock_objects.parcel_lock(parcel_id)
    if parcel.status != ParcelStatus.IN_LOCKER or parcel.reminder_sent_at is not None:
        return False
    Parcel.objects.filter(pk=parcel.pk).update(reminder_sent_at=now)
    parcel.reminder_sent_at = now
    _custody(
        parcel,
        CustodyEventKind.REMINDER,
        actor_label=CustodyActor.SYSTEM,
        site=parcel.site,
        at=now,
    )
    _send_on_commit(parcel_pickup_reminder, Parcel, parcel=parcel, expires_at=parcel.expires_at)
    return True


@transaction.atomic
def _parcel_expire(parcel_id: int, now: datetime) -> bool:
    parcel = lock_objects.parcel_lock(parcel_id)
    if parcel.status != ParcelStatus.IN_LOCKER or parcel.expires_at > now:
        return False
    parcel_move(parcel=parcel, to=ParcelStatus.EXPIRED)
    _custody(
        parcel,
        CustodyEventKind.EXPIRED,
        actor_label=CustodyActor.SYSTEM,
        site=parcel.site,
        at=now,
        detail={"expires_at": parcel.expires_at.isoformat()},
    )
    _send_on_commit(parcel_expired, Parcel, parcel=parcel)
    return True


def parcels_expiry_run(*, now: datetime | None = None) -> ExpiryRun:
    """For beat: remind the shoppers of parcels waiting LOCKERS_REMINDER_HOURS, and mark
    for retrieval those past their deadline; one transaction per parcel, and a second run
    does nothing more."""
    moment = now or timezone.now()
    waiting = Parcel.objects.filter(status=ParcelStatus.IN_LOCKER)
    expired = sum(
        _parcel_expire(pk, moment)
        for pk in waiting.filter(expires_at__lte=moment).values_list("pk", flat=True)
    )
    reminded = sum(
        _parcel_remind(pk, moment)
        for pk in waiting.filter(
            reminder_sent_at__isnull=True,
            placed_at__lte=moment - _hours("LOCKERS_REMINDER_HOURS"),
        ).values_list("pk", flat=True)
    )
    return ExpiryRun(reminded=reminded, expired=expired)


@dataclass(frozen=True)
class Retrieval:
    """The expired parcel the courier takes back, and the compartment to open for it."""

    parcel: Parcel
    compartment: Compartment


@transaction.atomic
def parcel_retrieve(*, parcel: Parcel, courier: Any) -> Retrieval:
    """The courier takes an expired parcel out of its locker (custody: courier). The
    compartment stays reserved until its door closes empty; the caller sends the open
    command after the commit."""
    _require_courier(courier)
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status != ParcelStatus.EXPIRED:
        raise ParcelTransitionRefused()
    compartment = lock_objects.compartment_lock(parcel.compartment_id)
    site = parcel.site
    parcel_move(parcel=parcel, to=ParcelStatus.RETRIEVED, compartment=None, site=None)
    Compartment.objects.filter(pk=compartment.pk).update(state=CompartmentState.RESERVED)
    compartment.state = CompartmentState.RESERVED
    _custody(
        parcel,
        CustodyEventKind.RETRIEVED,
        actor=courier,
        actor_label=CustodyActor.COURIER,
        site=site,
        compartment=compartment,
    )
    audit_record(acting_user=courier, action="parcel.retrieve", target=parcel)
    return Retrieval(parcel=parcel, compartment=compartment)


@transaction.atomic
def parcel_return_to_store(*, parcel: Parcel, courier: Any, reason: str = "") -> Parcel:
    """The courier hands the parcel back to its store: a retrieved parcel, or one still
    with the courier (damaged, or no locker with room); `parcel_returned` is sent."""
    _require_courier(courier)
    parcel = lock_objects.parcel_lock(parcel.pk)
    if parcel.status == ParcelStatus.RETURNED:
        return parcel
    if parcel.compartment_id:
        raise ParcelTransitionRefused()
    parcel_move(parcel=parcel, to=ParcelStatus.RETURNED, site=None)
    _custody(
        parcel,
        CustodyEventKind.RETURNED,
        actor=courier,
        actor_label=CustodyActor.COURIER,
        detail={"reason": reason} if reason else {},
    )
    audit_record(acting_user=courier, action="parcel.return_to_store", target=parcel)
    _send_on_commit(parcel_returned, Parcel, parcel=parcel)
    return parcel
