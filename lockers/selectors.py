"""Reads of lockers that carry rules: which sites people see, how a courier's round runs."""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.db.models import Count, FloatField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext
from geopy.distance import geodesic

from lockers.models import (
    Compartment,
    CompartmentState,
    CustodyActor,
    CustodyEvent,
    CustodyEventKind,
    Parcel,
    Reservation,
    ReservationState,
    Site,
    SizeClass,
)

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class SizeCount:
    """Compartments of one size at a site: how many are free, how many exist."""

    size_class: str
    label: str
    free: int
    total: int


def sites_visible() -> QuerySet[Site]:
    """Active sites, by city then name, each annotated `free_<s|m|l>` and `total_<s|m|l>`.

    Free means available: neither reserved, occupied nor out of service. One query.
    """
    annotations = {}
    for size in SizeClass:
        key = size.value.lower()
        annotations[f"free_{key}"] = Count(
            "compartments",
            filter=Q(
                compartments__size_class=size,
                compartments__state=CompartmentState.AVAILABLE,
            ),
        )
        annotations[f"total_{key}"] = Count("compartments", filter=Q(compartments__size_class=size))
    return Site.objects.filter(is_active=True).annotate(**annotations).order_by("locality", "name")


def site_size_counts(site: Site) -> list[SizeCount]:
    """The free and total compartments of each size of a site from `sites_visible()`."""
    return [
        SizeCount(
            size_class=size.value,
            label=size.label,
            free=getattr(site, f"free_{size.value.lower()}"),
            total=getattr(site, f"total_{size.value.lower()}"),
        )
        for size in SizeClass
    ]


def sites_with_free_compartments() -> list[Site]:
    """Active sites with `size_counts` (a list of SizeCount, small to large) attached."""
    sites = list(sites_visible())
    for site in sites:
        site.size_counts = site_size_counts(site)
    return sites


def distance_km(a: Site, b: Site) -> float:
    """Great-circle distance between two sites (haversine); for display and ordering only."""
    lat1, lon1, lat2, lon2 = (
        math.radians(float(v)) for v in (a.latitude, a.longitude, b.latitude, b.longitude)
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@dataclass
class RoundStop:
    site: Site
    position: int
    km_from_previous: float | None
    open_now: bool
    hours_today: list[list[str]]


@dataclass
class CityRound:
    locality: str
    stops: list[RoundStop] = field(default_factory=list)

    @property
    def total_km(self) -> float:
        return sum(stop.km_from_previous or 0.0 for stop in self.stops)


def _nearest_neighbour_order(sites: list[Site]) -> list[Site]:
    """Start at the westernmost site, then always go to the nearest site not yet visited."""
    remaining = sorted(sites, key=lambda s: (s.longitude, s.latitude, s.slug))
    if not remaining:
        return []
    route = [remaining.pop(0)]
    while remaining:
        here = route[-1]
        nearest = min(remaining, key=lambda s: (distance_km(here, s), s.slug))
        remaining.remove(nearest)
        route.append(nearest)
    return route


def courier_rounds(*, at: datetime | None = None) -> list[CityRound]:
    """Active sites grouped by city, each city in the order of a round a courier can drive.

    A round starts at the city's westernmost site and goes each time to the nearest
    site not yet visited (nearest neighbour: short, not optimal). Each stop says whether
    the site is open at `at` (now by default) and its opening intervals that day.
    """
    moment = at or timezone.now()
    weekday = timezone.localtime(moment).weekday()
    rounds: list[CityRound] = []
    sites = sites_visible()
    for locality, city_sites in groupby(sites, key=lambda s: s.locality):
        city = CityRound(locality=locality)
        previous: Site | None = None
        for position, site in enumerate(_nearest_neighbour_order(list(city_sites)), start=1):
            site.size_counts = site_size_counts(site)
            city.stops.append(
                RoundStop(
                    site=site,
                    position=position,
                    km_from_previous=None if previous is None else distance_km(previous, site),
                    open_now=site.is_open_at(moment),
                    hours_today=site.intervals_on(weekday),
                )
            )
            previous = site
        rounds.append(city)
    return rounds


# --- Finding a locker, room, custody (issue 11) -----------------------------------------

# One degree of latitude, in km (WGS 84 mean); the bounding box needs no more precision.
KM_PER_DEGREE = 111.2
# The finder's first box, and how much each widening multiplies it.
FINDER_FIRST_RADIUS_KM = 2.0
FINDER_WIDENING = 5.0
# The cheap distance ranks the candidates; geodesic distance (about 0.1 ms each with geopy)
# orders only those the cheap one cannot tell apart from the last result: the two differ
# by well under 1 % at a city's scale.
FINDER_CHEAP_MARGIN = 1.01


def access_parcel_carry(user: Any) -> bool:
    """Whether `user` may carry parcels: a courier (Role.COURIER grants the permission)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    return user.has_perm("lockers.carry_parcels")


def room_by_site(
    site_ids: Iterable[int], *, now: datetime, exclude_parcel_id: int | None = None
) -> dict[int, dict[str, int]]:
    """Room left at each site by size: available compartments minus unexpired held
    reservations (other than `exclude_parcel_id`'s). One query, whatever the sites."""
    ids = list(site_ids)
    room = {site_id: dict.fromkeys(SizeClass.values, 0) for site_id in ids}
    if not ids:
        return room
    free = (
        Compartment.objects.filter(site_id__in=ids, state=CompartmentState.AVAILABLE)
        .values_list("site_id", "size_class")
        .annotate(n=Count("id"))
        .order_by()
    )
    held = Reservation.objects.filter(
        site_id__in=ids, state=ReservationState.HELD, expires_at__gt=now
    )
    if exclude_parcel_id is not None:
        held = held.exclude(parcel_id=exclude_parcel_id)
    held = held.values_list("site_id", "size_class").annotate(n=Value(0) - Count("id")).order_by()
    for site_id, size, count in free.union(held, all=True):
        room[site_id][size] += count
    return room


@dataclass(frozen=True)
class Unavailability:
    """Why a site is shown greyed: `code` is "closed" or "no_room" (with its size)."""

    code: str
    message: str
    size_class: str = ""


@dataclass
class SiteChoice:
    site: Site
    distance_km: float
    unavailable: list[Unavailability] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return not self.unavailable


def _box(latitude: float, longitude: float, radius_km: float) -> Q:
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return Q(
        latitude__gte=Decimal(f"{latitude - dlat:.6f}"),
        latitude__lte=Decimal(f"{latitude + dlat:.6f}"),
        longitude__gte=Decimal(f"{longitude - dlon:.6f}"),
        longitude__lte=Decimal(f"{longitude + dlon:.6f}"),
    )


def _cheap_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: cheap, and close to the geodesic over a few hundred km."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_RADIUS_KM * math.hypot(x, y)


def sites_nearest(
    *,
    latitude: float,
    longitude: float,
    sizes: Mapping[str, int],
    window_end: datetime,
    limit: int = 10,
    radius_km: float = 50.0,
    available_only: bool = False,
    exclude_site_ids: Iterable[int] = (),
) -> list[SiteChoice]:
    """The `limit` active sites nearest to a point by geodesic distance, nearest first,
    each saying whether it can take every parcel of `sizes` (size → count) or why not:
    closed at `window_end`, or not enough room of a size (available compartments minus
    unexpired holds). With `available_only`, greyed sites are left out.

    An indexed bounding box around the point finds the candidates (their coordinates
    only) and widens, up to `radius_km`, while too few are found; then the room of the
    nearest candidates and their rows are read: three queries, one more per widening,
    whatever the number of sites.
    """
    latitude, longitude = float(latitude), float(longitude)
    wanted = {SizeClass(size).value: count for size, count in sizes.items() if count > 0}
    excluded = set(exclude_site_ids)
    now = timezone.now()
    radius = min(FINDER_FIRST_RADIUS_KM, radius_km)
    while True:
        points = (
            Site.objects.filter(_box(latitude, longitude, radius), is_active=True)
            .exclude(pk__in=excluded)
            .order_by()
            .annotate(lat=Cast("latitude", FloatField()), lon=Cast("longitude", FloatField()))
            .values_list("pk", "lat", "lon")
        )
        ranked = sorted((_cheap_km(latitude, longitude, lat, lon), pk) for pk, lat, lon in points)
        # Only what lies inside the circle counts (the box's corners are farther).
        ranked = [(km, pk) for km, pk in ranked if km <= radius * FINDER_CHEAP_MARGIN]
        widen = radius < radius_km
        if widen and len(ranked) < limit:
            # Too few sites in the box: widen before reading anything else, as far as the
            # density found so far says the limit needs (a dense city stays a small box).
            radius = min(radius * _widening(len(ranked), limit), radius_km)
            continue
        if available_only:
            considered = ranked[: max(limit * 4, 40)]
        else:
            considered = _within_reach_of_the_last(ranked, limit)
        choices = _choices(
            considered, latitude, longitude, wanted, window_end, now, limit, available_only
        )
        if len(choices) >= limit or not widen:
            return choices[:limit]
        radius = min(radius * _widening(len(choices), limit), radius_km)


def _widening(found: int, wanted: int) -> float:
    """How much to widen a box where `found` sites stand when `wanted` are needed: as the
    square root of the shortfall (sites grow with the area), with a margin; at least 1.5,
    at most FINDER_WIDENING."""
    if not found:
        return FINDER_WIDENING
    return min(FINDER_WIDENING, max(1.5, math.sqrt(wanted / found) * 1.2))


def _within_reach_of_the_last(
    ranked: list[tuple[float, int]], count: int
) -> list[tuple[float, int]]:
    """The first `count`, and those the cheap distance cannot tell apart from the last."""
    if len(ranked) <= count:
        return ranked
    cutoff = ranked[count - 1][0] * FINDER_CHEAP_MARGIN + 0.01
    return [(km, pk) for km, pk in ranked if km <= cutoff]


_GEODESIC = geodesic()


def _choices(
    ranked: list[tuple[float, int]],
    latitude: float,
    longitude: float,
    wanted: dict[str, int],
    window_end: datetime,
    now: datetime,
    limit: int,
    available_only: bool,
) -> list[SiteChoice]:
    """The candidates as choices, greyed with their reasons (left out with
    `available_only`); geodesic distance is measured only for those that can be among the
    `limit` nearest."""
    ids = [pk for _km, pk in ranked]
    cheap = {pk: km for km, pk in ranked}
    room = room_by_site(ids, now=now)
    sites = Site.objects.order_by().in_bulk(ids)
    choices = []
    for pk in ids:
        site = sites[pk]
        reasons = []
        if not site.is_open_at(window_end):
            reasons.append(Unavailability("closed", gettext("Closed at that time")))
        for size, count in sorted(wanted.items()):
            if room[pk][size] < count:
                reasons.append(Unavailability("no_room", _no_room_message(size), size))
        if reasons and available_only:
            continue
        choices.append(SiteChoice(site=site, distance_km=cheap[pk], unavailable=reasons))
    reach = {
        pk
        for _km, pk in _within_reach_of_the_last(
            [(c.distance_km, c.site.pk) for c in choices], limit
        )
    }
    choices = [choice for choice in choices if choice.site.pk in reach]
    for choice in choices:
        choice.distance_km = _GEODESIC.measure((latitude, longitude), _coords(choice.site))
    choices.sort(key=lambda c: (c.distance_km, c.site.pk))
    return choices


def _no_room_message(size: str) -> str:
    if size == SizeClass.SMALL:
        return gettext("No room for a small parcel")
    if size == SizeClass.MEDIUM:
        return gettext("No room for a medium parcel")
    return gettext("No room for a large parcel")


def _coords(site: Site) -> tuple[float, float]:
    return float(site.latitude), float(site.longitude)


@dataclass(frozen=True)
class TimelineEntry:
    """One custody event, in words for the shopper and with its facts for staff."""

    at: datetime
    kind: str
    text: str
    actor_label: str
    actor: Any
    site: Site | None
    compartment_label: str
    detail: dict[str, Any]

    @property
    def actor_display(self) -> str:
        """Who, as a role in words (never a person's name): store, courier, kiosk…"""
        if self.actor_label in CustodyActor.values:
            return str(CustodyActor(self.actor_label).label)
        return self.actor_label


def _timeline_text(event: CustodyEvent) -> str:
    """The event in plain words a shopper reads (no staff names, no codes)."""
    kind = CustodyEventKind
    site = event.site.name if event.site else ""
    detail = event.detail or {}
    if event.kind == kind.CREATED:
        return gettext("The store registered your parcel.")
    if event.kind == kind.RESERVED:
        return gettext("Room is held for your parcel at %(site)s.") % {"site": site}
    if event.kind == kind.LABELLED:
        return gettext("The store packed your parcel; a courier will collect it.")
    if event.kind == kind.PICKED_UP_FROM_STORE:
        return gettext("A courier picked up your parcel at the store.")
    if event.kind == kind.DEPOSITED:
        return gettext("The courier is putting your parcel in a locker at %(site)s.") % {
            "site": site
        }
    if event.kind == kind.REDIRECTED:
        if detail.get("reason") == "compartment_jammed":
            return gettext(
                "A locker door at %(from)s would not open, so your parcel goes to %(site)s."
            ) % {"from": detail.get("from_site_name", ""), "site": site}
        return gettext("%(from)s was full, so your parcel goes to %(site)s, nearby.") % {
            "from": detail.get("from_site_name", ""),
            "site": site,
        }
    if event.kind == kind.DOOR_OPENED:
        return gettext("A locker door opened at %(site)s.") % {"site": site}
    if event.kind == kind.DOOR_CLOSED:
        if detail.get("placed"):
            return gettext("Your parcel is in the locker at %(site)s.") % {"site": site}
        return gettext("The locker door closed at %(site)s.") % {"site": site}
    if event.kind == kind.PICKED_UP:
        return gettext("You picked up your parcel at %(site)s.") % {"site": site}
    if event.kind == kind.REMINDER:
        return gettext("We reminded you that your parcel is waiting.")
    if event.kind == kind.EXTENDED:
        return gettext("The pickup deadline was extended once.")
    if event.kind == kind.EXPIRED:
        return gettext("Your parcel was not picked up in time; it goes back to the store.")
    if event.kind == kind.RETRIEVED:
        return gettext("A courier took your parcel out of the locker.")
    if event.kind == kind.RETURNED:
        return gettext("Your parcel is back at the store.")
    return gettext("Something held your parcel up; the coop is on it.")


def parcel_timeline(parcel: Parcel) -> list[TimelineEntry]:
    """The parcel's chain of custody in the order it was recorded (a controller's whole
    seconds may put a door event's time before the scan that caused it): each event with
    plain words for the shopper, and the actor, place and detail for the store and
    support. One query."""
    events = (
        CustodyEvent.objects.filter(parcel=parcel).select_related("site", "actor").order_by("id")
    )
    return [
        TimelineEntry(
            at=event.at,
            kind=event.kind,
            text=_timeline_text(event),
            actor_label=event.actor_label,
            actor=event.actor,
            site=event.site,
            compartment_label=event.compartment_label,
            detail=event.detail,
        )
        for event in events
    ]
