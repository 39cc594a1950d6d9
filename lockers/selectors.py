"""Reads of lockers that carry rules: which sites people see, how a courier's round runs."""

import math
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lockers.models import CompartmentState, Site, SizeClass

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
