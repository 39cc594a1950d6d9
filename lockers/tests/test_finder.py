"""Finding a locker: the nearest sites with room for every parcel of a cart."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from geopy.distance import geodesic

from lockers import services
from lockers.models import Site
from lockers.selectors import sites_nearest
from lockers.tests.conftest import EVERY_DAY

pytestmark = pytest.mark.django_db

HERE = {"latitude": 46.8118, "longitude": -71.2219}
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("America/Toronto"))


def _ring(make_site, count, step_km=0.5, **kwargs):
    """Sites north of HERE, each `step_km` farther."""
    return [
        make_site(
            latitude=f"{46.8118 + (n + 1) * step_km / 111.2:.6f}", longitude="-71.2219", **kwargs
        )
        for n in range(count)
    ]


def test_nearest_first_by_geodesic_distance(make_site):
    sites = _ring(make_site, 4)
    choices = sites_nearest(**HERE, sizes={"S": 1}, window_end=NOON, limit=3)
    assert [c.site.pk for c in choices] == [s.pk for s in sites[:3]]
    assert [round(c.distance_km, 1) for c in choices] == [0.5, 1.0, 1.5]
    assert (
        choices[0].distance_km
        == geodesic(
            (HERE["latitude"], HERE["longitude"]), (sites[0].latitude, sites[0].longitude)
        ).km
    )
    assert all(c.available for c in choices)


@pytest.mark.usefixtures("english")
def test_sites_without_room_for_every_size_are_greyed_with_the_reason(make_site):
    small_only = make_site(counts={"S": 2, "M": 0, "L": 0}, latitude="46.816", longitude="-71.2219")
    both = make_site(counts={"S": 2, "M": 1, "L": 0}, latitude="46.820", longitude="-71.2219")
    choices = sites_nearest(**HERE, sizes={"S": 2, "M": 1}, window_end=NOON)
    assert [c.site.pk for c in choices] == [small_only.pk, both.pk]
    assert [(u.code, u.size_class) for u in choices[0].unavailable] == [("no_room", "M")]
    assert choices[0].unavailable[0].message == "No room for a medium parcel"
    assert choices[1].available
    only = sites_nearest(**HERE, sizes={"S": 2, "M": 1}, window_end=NOON, available_only=True)
    assert [c.site.pk for c in only] == [both.pk]


def test_holds_take_room(make_site):
    (site,) = _ring(make_site, 1, counts={"S": 1, "M": 0, "L": 0})
    parcel = services.parcel_create(
        external_reference="r/1", size_class="S", destination_site=site, acting_user=None
    )
    services.reservation_hold(parcel=parcel, site=site, expires_at=timezone.now() + timedelta(1))
    (choice,) = sites_nearest(**HERE, sizes={"S": 1}, window_end=NOON)
    assert [u.code for u in choice.unavailable] == ["no_room"]


@pytest.mark.usefixtures("english")
def test_a_site_closed_at_the_time_is_greyed(make_site):
    _ring(make_site, 1, opening_hours=EVERY_DAY)
    night = NOON.replace(hour=3)
    (choice,) = sites_nearest(**HERE, sizes={"S": 1}, window_end=night)
    assert [u.code for u in choice.unavailable] == ["closed"]
    assert choice.unavailable[0].message == "Closed at that time"


def test_inactive_and_too_distant_sites_are_left_out(make_site):
    make_site(is_active=False, latitude="46.815", longitude="-71.2219")
    make_site(latitude="45.5", longitude="-73.56")  # Montréal, 230 km away
    assert sites_nearest(**HERE, sizes={"S": 1}, window_end=NOON, radius_km=50) == []


def test_the_box_widens_until_enough_sites_are_found(make_site):
    sites = _ring(make_site, 3, step_km=12)
    choices = sites_nearest(**HERE, sizes={"S": 1}, window_end=NOON, limit=3, radius_km=60)
    assert [c.site.pk for c in choices] == [s.pk for s in sites]


@pytest.mark.parametrize("available_only", [False, True])
def test_query_count_is_the_same_for_3_and_30_sites(make_site, available_only):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            sites_nearest(
                **HERE,
                sizes={"S": 1, "L": 1},
                window_end=NOON,
                limit=3,
                available_only=available_only,
            )
        return len(captured.captured_queries)

    _ring(make_site, 3, step_km=0.2)
    few = queries()
    _ring(make_site, 27, step_km=0.1)
    assert Site.objects.count() == 30
    assert queries() == few <= 3


def test_widening_costs_one_query_per_step(make_site):
    _ring(make_site, 2, step_km=0.2)
    with CaptureQueriesContext(connection) as captured:
        choices = sites_nearest(**HERE, sizes={"S": 1}, window_end=NOON, limit=10, radius_km=50)
    assert len(choices) == 2
    boxes = [q for q in captured.captured_queries if 'FROM "lockers_site"' in q["sql"]]
    # Boxes of 2 km, then as the density found says (2 sites of 10: times 2.7), up to 50 km;
    # then the room and the rows of the sites found.
    assert len(captured.captured_queries) == len(boxes) + 1 == 5 + 2
