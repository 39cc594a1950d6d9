"""The courier's day (issue 11, point 5): today's manifest in route order, who may use the
courier app and its API, and what a scan at a stop does.

The manifest reads four lists in four queries whatever their length: parcels ready at
stores (any courier collects them), parcels with this courier (to deposit), expired parcels
(any courier retrieves them) and parcels this courier retrieved (back to their store).
Stops are ordered by nearest neighbour over geodesic distance from the courier's position,
the stops holding a parcel due in its locker within COURIER_URGENT_WITHIN first.

A scan's action calls lockers' services, then, after their commit and outside any
transaction, the site's controller (lockers.controllers.compartment_open). A controller
that is offline is said at once: the courier keeps the parcel, nothing stays reserved.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext
from geopy.distance import geodesic

from lockers import lock_objects
from lockers.controller_errors import ControllerOffline
from lockers.controllers import CommandOutcome, compartment_open, site_is_online
from lockers.errors import (
    ControllerUnreachable,
    CourierScopeMissing,
    LabelRefused,
    NotACourier,
    ParcelTransitionRefused,
    ParcelUnknown,
    WrongSite,
)
from lockers.labels import PARCEL_CODE_RE, LabelForged, label_verify, parcel_code_display
from lockers.models import (
    CommandPurpose,
    Compartment,
    CompartmentState,
    CustodyActor,
    CustodyEvent,
    CustodyEventKind,
    Parcel,
    ParcelStatus,
    Site,
)
from lockers.selectors import access_parcel_carry
from lockers.services import (
    Deposit,
    compartment_jammed,
    parcel_deposit_begin,
    parcel_deposit_cancel,
    parcel_pickup_from_store,
    parcel_retrieve,
    parcel_return_to_store,
)

# The OpenID Connect scope a phone app asks for to use the courier API.
COURIER_SCOPE = "courier"
# A stop holding a parcel due in its locker within this long is visited first.
COURIER_URGENT_WITHIN = timedelta(minutes=90)
# Jammed doors in a row before the courier is told to report it by hand.
DEPOSIT_JAMS_MAX = 3
# What a courier may type or scan: a label's QR text is under 400 characters.
SCAN_TEXT_MAX_LENGTH = 400
# Crockford base 32 reads these as the digits they look like.
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class StopKind:
    PICKUP = "pickup"
    DEPOSIT = "deposit"
    RETRIEVAL = "retrieval"
    RETURN = "return"
    ALL = (PICKUP, DEPOSIT, RETRIEVAL, RETURN)


# --- Who may ---------------------------------------------------------------------------


def access_courier_api(user: Any, *, scopes: frozenset[str] | None) -> None:
    """Refuse unless `user` carries parcels and, calling with a bearer token (`scopes`
    not None), the token was granted the `courier` scope."""
    if scopes is not None and COURIER_SCOPE not in scopes:
        raise CourierScopeMissing()
    if not access_parcel_carry(user):
        raise NotACourier()


# --- The manifest ----------------------------------------------------------------------


@dataclass
class Stop:
    """A place the courier goes today, and the parcels for it there. `key` is the site's
    slug, or for a store a digest of its name and address (lockers knows no stores)."""

    kind: str
    key: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    parcels: list[Parcel] = field(default_factory=list)
    site: Site | None = None
    urgent: bool = False
    deliver_by: datetime | None = None
    km_from_previous: float | None = None
    position: int = 0


@dataclass
class Manifest:
    stops: list[Stop]
    from_position: bool
    at: datetime

    @property
    def parcel_count(self) -> int:
        return sum(len(stop.parcels) for stop in self.stops)

    def stop(self, kind: str, key: str) -> Stop | None:
        return next((s for s in self.stops if s.kind == kind and s.key == key), None)


def store_key(name: str, address: str) -> str:
    return hashlib.sha256(f"{name}\n{address}".encode()).hexdigest()[:12]


def _coord(value: Any) -> float | None:
    return None if value is None else float(value)


def _by_store(kind: str, parcels: Iterable[Parcel]) -> list[Stop]:
    stops: dict[str, Stop] = {}
    for parcel in parcels:
        key = store_key(parcel.origin_name, parcel.origin_address)
        stop = stops.get(key)
        if stop is None:
            stop = stops[key] = Stop(
                kind=kind,
                key=key,
                name=parcel.origin_name or gettext("Store"),
                address=parcel.origin_address,
                latitude=_coord(parcel.origin_latitude),
                longitude=_coord(parcel.origin_longitude),
            )
        stop.parcels.append(parcel)
    return list(stops.values())


def _by_site(kind: str, parcels: Iterable[Parcel], attribute: str) -> list[Stop]:
    stops: dict[str, Stop] = {}
    for parcel in parcels:
        site = getattr(parcel, attribute)
        stop = stops.get(site.slug)
        if stop is None:
            stop = stops[site.slug] = Stop(
                kind=kind,
                key=site.slug,
                name=site.name,
                address=f"{site.street_address}, {site.locality}",
                latitude=float(site.latitude),
                longitude=float(site.longitude),
                site=site,
            )
        stop.parcels.append(parcel)
    return list(stops.values())


def _carried_by(courier: Any, kind: str) -> Exists:
    return Exists(
        CustodyEvent.objects.filter(parcel=OuterRef("pk"), kind=kind, actor_id=courier.pk)
    )


def courier_manifest(
    *,
    courier: Any,
    latitude: float | None = None,
    longitude: float | None = None,
    now: datetime | None = None,
) -> Manifest:
    """Today's stops for `courier` in route order (module docstring); four queries."""
    now = now or timezone.now()
    parcels = Parcel.objects.order_by("deliver_by", "id")
    pickups = parcels.filter(
        ready_at__isnull=False, status__in=[ParcelStatus.CREATED, ParcelStatus.RESERVED]
    ).select_related("destination_site")
    deposits = parcels.filter(
        _carried_by(courier, CustodyEventKind.PICKED_UP_FROM_STORE),
        status=ParcelStatus.WITH_COURIER,
    ).select_related("destination_site")
    retrievals = parcels.filter(status=ParcelStatus.EXPIRED, site__isnull=False).select_related(
        "site", "compartment", "destination_site"
    )
    returns = parcels.filter(
        _carried_by(courier, CustodyEventKind.RETRIEVED), status=ParcelStatus.RETRIEVED
    ).select_related("destination_site")
    stops = [
        *_by_store(StopKind.PICKUP, pickups),
        *_by_site(StopKind.DEPOSIT, deposits, "destination_site"),
        *_by_site(StopKind.RETRIEVAL, retrievals, "site"),
        *_by_store(StopKind.RETURN, returns),
    ]
    for stop in stops:
        deadlines = [p.deliver_by for p in stop.parcels if p.deliver_by is not None]
        stop.deliver_by = min(deadlines, default=None)
        stop.urgent = (
            stop.kind in (StopKind.PICKUP, StopKind.DEPOSIT)
            and stop.deliver_by is not None
            and stop.deliver_by - now <= COURIER_URGENT_WITHIN
        )
    start = (latitude, longitude) if latitude is not None and longitude is not None else None
    return Manifest(stops=route_order(stops, start=start), from_position=start is not None, at=now)


def _km(a: tuple[float, float], stop: Stop) -> float:
    return geodesic(a, (stop.latitude, stop.longitude)).km


def route_order(stops: list[Stop], *, start: tuple[float, float] | None) -> list[Stop]:
    """Nearest neighbour from `start` over geodesic distance, the urgent stops first (by
    the same rule among themselves). Without a start, the route begins at the urgent stop
    due first, else at the westernmost stop. Stops without coordinates come last."""
    located = [s for s in stops if s.latitude is not None and s.longitude is not None]
    route: list[Stop] = []
    here = start
    for group in ([s for s in located if s.urgent], [s for s in located if not s.urgent]):
        remaining = sorted(
            group,
            key=lambda s: (
                (s.deliver_by or datetime.max.replace(tzinfo=UTC), s.longitude)
                if s.urgent
                else (s.longitude, s.latitude, s.kind, s.key)
            ),
        )
        while remaining:
            if here is None:
                chosen = remaining[0]
            else:
                origin = here
                chosen = min(remaining, key=lambda s: (_km(origin, s), s.kind, s.key))
                chosen.km_from_previous = _km(origin, chosen)
            remaining.remove(chosen)
            route.append(chosen)
            here = (chosen.latitude, chosen.longitude)
    route.extend(s for s in stops if s not in located)
    for position, stop in enumerate(route, start=1):
        stop.position = position
    return route


# --- A scan ----------------------------------------------------------------------------


def parcel_from_scan(text: str) -> Parcel:
    """The parcel a scanned label or a typed code names. A label's QR text (it has dots)
    must carry our signature (LabelRefused otherwise); a typed code is the 12 characters
    printed under it, with or without its hyphens."""
    text = (text or "").strip()
    if "." in text or len(text) > SCAN_TEXT_MAX_LENGTH:
        try:
            code = label_verify(text).parcel_code
        except LabelForged as refused:
            raise LabelRefused(reason=refused.reason) from None
    else:
        code = text.upper().replace("-", "").replace(" ", "").translate(_CROCKFORD_ALIASES)
        if not PARCEL_CODE_RE.fullmatch(code):
            raise ParcelUnknown()
    parcel = (
        Parcel.objects.select_related("destination_site", "site", "compartment")
        .filter(public_code=code)
        .first()
    )
    if parcel is None:
        raise ParcelUnknown()
    return parcel


@dataclass(frozen=True)
class Redirect:
    from_site: Site
    to_site: Site
    distance_km: float | None
    reason: str


@dataclass(frozen=True)
class ScanResult:
    """What a scan did. `action`: picked_up, deposit, redirected, retrieval, returned,
    damaged, already_in_locker. `command` is the open command's outcome, when one was
    sent; `jammed` the compartments that would not open on the way."""

    action: str
    parcel: Parcel
    site: Site | None = None
    compartment_label: str = ""
    command: CommandOutcome | None = None
    redirect: Redirect | None = None
    jammed: tuple[str, ...] = ()

    @property
    def door_opening(self) -> bool:
        return self.command is not None and self.command.status == "acknowledged"

    def message(self) -> str:
        return scan_result_message(self)


REDIRECT_REASONS = {
    "site_full": lambda: gettext("the locker was full"),
    "compartment_jammed": lambda: gettext("a door was jammed and no other compartment was free"),
}


def scan_result_message(result: ScanResult) -> str:
    """What the courier reads after a scan, in the request's language."""
    code = parcel_code_display(result.parcel.public_code)
    if result.action == "picked_up":
        return gettext("Parcel %(code)s is with you. Take it to %(site)s.") % {
            "code": code,
            "site": result.parcel.destination_site.name,
        }
    if result.action == "redirected" and result.redirect is not None:
        redirect = result.redirect
        reason = REDIRECT_REASONS.get(redirect.reason, lambda: redirect.reason)()
        if redirect.distance_km is None:
            return gettext("Site full: take it to %(site)s (%(reason)s).") % {
                "site": redirect.to_site.name,
                "reason": reason,
            }
        return gettext("Site full: take it to %(site)s, %(km)s km (%(reason)s).") % {
            "site": redirect.to_site.name,
            "km": _km_text(redirect.distance_km),
            "reason": reason,
        }
    if result.action == "already_in_locker":
        return gettext("Parcel %(code)s is already in compartment %(label)s.") % {
            "code": code,
            "label": result.compartment_label,
        }
    if result.action in ("deposit", "retrieval"):
        status = result.command.status if result.command else ""
        if status == "acknowledged":
            if result.action == "retrieval":
                return gettext(
                    "Open compartment %(label)s — the door is opening. Take the parcel out."
                ) % {"label": result.compartment_label}
            return gettext("Open compartment %(label)s — the door is opening.") % {
                "label": result.compartment_label
            }
        if status == "pending":
            return gettext(
                "Compartment %(label)s: the locker has not answered yet; its door opens as "
                "soon as it does."
            ) % {"label": result.compartment_label}
        if status == "jammed":
            return gettext("Compartment %(label)s is jammed. Report it, and another one opens.") % {
                "label": result.compartment_label
            }
        return gettext(
            "The locker did not open compartment %(label)s. Keep the parcel and go to the "
            "next stop."
        ) % {"label": result.compartment_label}
    if result.action == "returned":
        return gettext("Parcel %(code)s is back at its store.") % {"code": code}
    if result.action == "damaged":
        return gettext(
            "Damage to parcel %(code)s recorded. Keep it and bring it back to its store."
        ) % {"code": code}
    return ""


def _km_text(km: float) -> str:
    return number_format(round(km, 1), decimal_pos=1)


def courier_pickup(*, parcel: Parcel, courier: Any) -> ScanResult:
    """The scan at a store: the parcel is the courier's (a repeated scan, too)."""
    parcel = parcel_pickup_from_store(parcel=parcel, courier=courier)
    return ScanResult(action="picked_up", parcel=parcel)


def _redirect_of(deposit: Deposit, asked: Site) -> Redirect:
    """The redirection of a deposit, from the deposit or, on a repeated scan, from the
    custody event that recorded it."""
    if deposit.redirected_from is not None:
        return Redirect(
            from_site=deposit.redirected_from,
            to_site=deposit.site,
            distance_km=deposit.distance_km,
            reason=deposit.redirect_reason,
        )
    event = (
        CustodyEvent.objects.filter(parcel=deposit.parcel, kind=CustodyEventKind.REDIRECTED)
        .order_by("-at", "-id")
        .first()
    )
    detail = event.detail if event else {}
    return Redirect(
        from_site=asked,
        to_site=deposit.site,
        distance_km=detail.get("distance_km"),
        reason=detail.get("reason", "site_full"),
    )


def _deposit_open(*, deposit: Deposit, courier: Any, asked: Site) -> ScanResult:
    """Open the deposit's compartment; a jammed door takes it out of service and the next
    one opens (DEPOSIT_JAMS_MAX times at most). Outside any transaction."""
    jammed: list[str] = []
    parcel = deposit.parcel
    while True:
        if deposit.site.pk != asked.pk:
            return ScanResult(
                action="redirected",
                parcel=parcel,
                site=deposit.site,
                compartment_label=deposit.compartment.label,
                redirect=_redirect_of(deposit, asked),
                jammed=tuple(jammed),
            )
        try:
            outcome = compartment_open(
                compartment=deposit.compartment,
                purpose=CommandPurpose.DEPOSIT,
                parcel_id=parcel.pk,
            )
        except ControllerOffline:
            parcel_deposit_cancel(parcel=parcel, courier=courier, reason="controller_offline")
            raise ControllerUnreachable() from None
        if outcome.status != "jammed" or len(jammed) >= DEPOSIT_JAMS_MAX:
            break
        jammed.append(deposit.compartment.label)
        deposit = compartment_jammed(parcel=parcel, courier=courier)
    if outcome.status in ("refused", "expired"):
        parcel_deposit_cancel(parcel=parcel, courier=courier, reason=f"command_{outcome.status}")
    parcel.refresh_from_db(fields=["status"])
    return ScanResult(
        action="deposit",
        parcel=parcel,
        site=deposit.site,
        compartment_label=deposit.compartment.label,
        command=outcome,
        jammed=tuple(jammed),
    )


def courier_deposit(*, parcel: Parcel, site: Site, courier: Any) -> ScanResult:
    """The scan at a site: a compartment is reserved and its door opens, or the parcel is
    redirected to the nearest site with room. A repeated scan opens the same compartment
    (or says the parcel is already in it). An offline controller: ControllerUnreachable
    at once, and no compartment stays reserved."""
    if not access_parcel_carry(courier):
        raise NotACourier()
    if parcel.status == ParcelStatus.IN_LOCKER and parcel.site_id == site.pk:
        return ScanResult(
            action="already_in_locker",
            parcel=parcel,
            site=site,
            compartment_label=parcel.compartment.label if parcel.compartment else "",
        )
    if not site_is_online(site):
        raise ControllerUnreachable()
    deposit = parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    return _deposit_open(deposit=deposit, courier=courier, asked=site)


def courier_jammed(*, parcel: Parcel, courier: Any) -> ScanResult:
    """The courier reports that the compartment given for the parcel did not open: it is
    taken out of service and another one opens (or the parcel is redirected)."""
    if not access_parcel_carry(courier):
        raise NotACourier()
    if parcel.status != ParcelStatus.WITH_COURIER or parcel.site is None:
        raise ParcelTransitionRefused()
    asked = parcel.site
    if not site_is_online(asked):
        parcel_deposit_cancel(parcel=parcel, courier=courier, reason="controller_offline")
        raise ControllerUnreachable()
    jammed_label = parcel.compartment.label if parcel.compartment else ""
    deposit = compartment_jammed(parcel=parcel, courier=courier)
    result = _deposit_open(deposit=deposit, courier=courier, asked=asked)
    return ScanResult(
        action=result.action,
        parcel=result.parcel,
        site=result.site,
        compartment_label=result.compartment_label,
        command=result.command,
        redirect=result.redirect,
        jammed=(jammed_label, *result.jammed),
    )


@transaction.atomic
def _damage_record(*, parcel: Parcel, courier: Any, note: str) -> Parcel:
    parcel = lock_objects.parcel_lock(parcel.pk)
    CustodyEvent.objects.create(
        parcel=parcel,
        kind=CustodyEventKind.EXCEPTION,
        actor=courier,
        actor_label=CustodyActor.COURIER,
        at=timezone.now(),
        detail={"reason": "damaged", "note": note[:500]},
    )
    return parcel


def courier_damaged(*, parcel: Parcel, courier: Any, note: str = "") -> ScanResult:
    """The courier reports a damaged parcel: a deposit under way is cancelled and the
    damage recorded in its chain of custody; the courier brings it back to its store."""
    if not access_parcel_carry(courier):
        raise NotACourier()
    if parcel.status not in (
        ParcelStatus.CREATED,
        ParcelStatus.RESERVED,
        ParcelStatus.WITH_COURIER,
        ParcelStatus.RETRIEVED,
    ):
        raise ParcelTransitionRefused()
    if parcel.compartment_id:
        parcel = parcel_deposit_cancel(parcel=parcel, courier=courier, reason="damaged")
    parcel = _damage_record(parcel=parcel, courier=courier, note=note)
    return ScanResult(action="damaged", parcel=parcel)


def courier_retrieve(*, parcel: Parcel, site: Site, courier: Any) -> ScanResult:
    """The courier takes an expired parcel out of its locker at `site`: the compartment's
    door opens. A repeated scan opens it again while its door has not closed."""
    if not access_parcel_carry(courier):
        raise NotACourier()
    if parcel.status == ParcelStatus.RETRIEVED:
        event = (
            CustodyEvent.objects.filter(
                parcel=parcel, kind=CustodyEventKind.RETRIEVED, actor_id=courier.pk
            )
            .order_by("-at", "-id")
            .first()
        )
        if event is None or event.site_id != site.pk:
            raise ParcelTransitionRefused()
        compartment = Compartment.objects.filter(
            site=site, label=event.compartment_label, state=CompartmentState.RESERVED
        ).first()
        if compartment is None:
            return ScanResult(action="retrieval", parcel=parcel, site=site)
    else:
        if parcel.status != ParcelStatus.EXPIRED:
            raise ParcelTransitionRefused()
        if parcel.site_id != site.pk:
            raise WrongSite()
        if not site_is_online(site):
            raise ControllerUnreachable()
        compartment = parcel_retrieve(parcel=parcel, courier=courier).compartment
    compartment.site = site
    try:
        outcome = compartment_open(
            compartment=compartment, purpose=CommandPurpose.RETRIEVAL, parcel_id=parcel.pk
        )
    except ControllerOffline:
        raise ControllerUnreachable() from None
    parcel.refresh_from_db(fields=["status"])
    return ScanResult(
        action="retrieval",
        parcel=parcel,
        site=site,
        compartment_label=compartment.label,
        command=outcome,
    )


def courier_return(*, parcel: Parcel, courier: Any, reason: str = "") -> ScanResult:
    """The courier hands the parcel back to its store (a repeat finds it done)."""
    parcel = parcel_return_to_store(parcel=parcel, courier=courier, reason=reason[:200])
    return ScanResult(action="returned", parcel=parcel)
