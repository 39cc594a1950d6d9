"""Today's manifest: what it holds, its route order, its cost, and who may use it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lockers import services
from lockers.courier import Stop, access_courier_api, courier_manifest, route_order
from lockers.errors import CourierScopeMissing, NotACourier

pytestmark = pytest.mark.django_db

# Saint-Roch, then stores westward along Québec's upper town.
NEAR = {"origin_latitude": Decimal("46.8100"), "origin_longitude": Decimal("-71.2200")}
MIDDLE = {"origin_latitude": Decimal("46.8000"), "origin_longitude": Decimal("-71.2500")}
FAR = {"origin_latitude": Decimal("46.7800"), "origin_longitude": Decimal("-71.3000")}


def store(name, where):
    return {"origin_name": name, "origin_address": f"{name}, Québec", **where}


def test_access_refuses_a_token_without_the_courier_scope(courier):
    with pytest.raises(CourierScopeMissing):
        access_courier_api(courier, scopes=frozenset({"openid", "marketplace"}))


def test_access_refuses_someone_who_is_not_a_courier(make_person):
    with pytest.raises(NotACourier):
        access_courier_api(make_person("lea@example.com", "shopper"), scopes=None)


def test_access_refuses_an_inactive_courier(courier):
    courier.is_active = False
    with pytest.raises(NotACourier):
        access_courier_api(courier, scopes=frozenset({"courier"}))


def test_access_refuses_nobody_signed_in():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotACourier):
        access_courier_api(AnonymousUser(), scopes=None)


def test_access_allows_a_courier_by_session_or_scoped_token(courier):
    access_courier_api(courier, scopes=None)
    access_courier_api(courier, scopes=frozenset({"openid", "courier"}))


def test_stops_go_nearest_first_from_the_courier(courier, make_site, make_ready):
    site = make_site()
    for name, where in (("Far", FAR), ("Near", NEAR), ("Middle", MIDDLE)):
        make_ready(site, **store(name, where))
    manifest = courier_manifest(courier=courier, latitude=46.812, longitude=-71.215)
    assert [s.name for s in manifest.stops] == ["Near", "Middle", "Far"]
    assert manifest.stops[0].km_from_previous < manifest.stops[1].km_from_previous + 5


def test_a_stop_with_a_parcel_due_soon_comes_first(courier, make_site, make_ready):
    site = make_site()
    make_ready(site, **store("Near", NEAR))
    make_ready(site, deliver_by=timezone.now() + timedelta(minutes=60), **store("Far", FAR))
    manifest = courier_manifest(courier=courier, latitude=46.812, longitude=-71.215)
    assert [(s.name, s.urgent) for s in manifest.stops] == [("Far", True), ("Near", False)]


def test_without_a_position_the_route_starts_west(courier, make_site, make_ready):
    site = make_site()
    make_ready(site, **store("Near", NEAR))
    make_ready(site, **store("Far", FAR))
    manifest = courier_manifest(courier=courier)
    assert manifest.from_position is False
    assert [s.name for s in manifest.stops] == ["Far", "Near"]


def test_deposits_are_the_parcels_this_courier_carries(courier, make_person, make_site, make_ready):
    other = make_person("other@example.com", "courier")
    site = make_site()
    mine, theirs = make_ready(site), make_ready(site)
    services.parcel_pickup_from_store(parcel=mine.parcel, courier=courier)
    services.parcel_pickup_from_store(parcel=theirs.parcel, courier=other)
    [stop] = courier_manifest(courier=courier).stops
    assert (stop.kind, stop.key, [p.pk for p in stop.parcels]) == (
        "deposit",
        site.slug,
        [mine.parcel.pk],
    )


def test_a_parcel_not_yet_packed_is_not_in_the_manifest(courier, make_site):
    services.parcel_create(
        external_reference="X-1", size_class="S", destination_site=make_site(), acting_user=None
    )
    assert courier_manifest(courier=courier).stops == []


def test_stops_without_coordinates_come_last():
    placed = Stop(kind="pickup", key="a", name="A", address="", latitude=46.8, longitude=-71.2)
    unplaced = Stop(kind="pickup", key="b", name="B", address="", latitude=None, longitude=None)
    assert route_order([unplaced, placed], start=None) == [placed, unplaced]


def _parcels(make_site, make_ready, courier, n):
    sites = [make_site() for _ in range(3)]
    for i in range(n):
        where = {
            "origin_latitude": Decimal("46.80") + Decimal(i) / 1000,
            "origin_longitude": Decimal("-71.20"),
        }
        ready = make_ready(sites[i % 3], **store(f"Store {i % 4}", where))
        if i % 2:
            services.parcel_pickup_from_store(parcel=ready.parcel, courier=courier)


def test_the_manifest_costs_the_same_queries_for_3_and_30_parcels(
    courier, make_site, make_ready, django_assert_num_queries
):
    _parcels(make_site, make_ready, courier, 3)
    with django_assert_num_queries(4):
        small = courier_manifest(courier=courier, latitude=46.8, longitude=-71.2)
    _parcels(make_site, make_ready, courier, 30)
    with django_assert_num_queries(4):
        large = courier_manifest(courier=courier, latitude=46.8, longitude=-71.2)
    assert large.parcel_count == 33 > small.parcel_count
    # Every parcel's destination is read with it.
    with django_assert_num_queries(0):
        [p.destination_site.name for s in large.stops for p in s.parcels]
