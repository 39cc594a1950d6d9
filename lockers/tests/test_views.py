"""The lockers pages, through HTTP."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lockers.models import CompartmentState
from lockers.selectors import courier_rounds
from lockers.tests.conftest import EVERY_DAY

pytestmark = pytest.mark.django_db


def test_site_list_is_french_and_counts_free_compartments_by_size(client, make_site):
    site = make_site()
    site.compartments.filter(label="A01").update(state=CompartmentState.RESERVED)
    site.compartments.filter(label="C01").update(state=CompartmentState.OUT_OF_SERVICE)
    response = client.get(reverse("lockers:site_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr-CA"' in html
    assert site.name in html
    assert site.host_name in html
    assert site.street_address in html
    assert site.access_hours in html
    assert "1 sur 2" in html  # small: A02 free
    assert "1 sur 1" in html  # medium
    assert "0 sur 1" in html  # large: out of service


def test_site_list_leaves_out_inactive_sites(client, make_site):
    active = make_site()
    closed = make_site(is_active=False)
    html = client.get(reverse("lockers:site_list")).content.decode()
    assert active.name in html
    assert closed.name not in html


def test_site_list_query_count_does_not_grow_with_sites(
    client, make_site, django_assert_max_num_queries
):
    make_site()
    with django_assert_max_num_queries(1):
        client.get(reverse("lockers:site_list"))
    for _ in range(6):
        make_site(locality="Montréal")
    with django_assert_max_num_queries(1):
        client.get(reverse("lockers:site_list"))


def test_courier_page_sends_a_visitor_to_sign_in(client):
    response = client.get(reverse("lockers:courier_sites"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))


def test_courier_page_is_forbidden_to_a_shopper(client, shopper):
    client.force_login(shopper)
    assert client.get(reverse("lockers:courier_sites")).status_code == 403


def test_courier_page_shows_a_courier_the_sites_with_addresses_and_hours(
    client, courier, make_site
):
    site = make_site()
    client.force_login(courier)
    response = client.get(reverse("lockers:courier_sites"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr-CA"' in html
    assert site.street_address in html
    assert site.access_hours in html


def test_courier_page_query_count_does_not_grow_with_sites(client, courier, make_site):
    client.force_login(courier)
    make_site()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("lockers:courier_sites"))
        return len(queries)

    one = count()
    for _ in range(5):
        make_site()
    assert count() == one


def test_a_round_starts_west_and_goes_to_the_nearest_site(make_site):
    # Along a line west to east: 0, 3, 1 and 2 km.
    east_far = make_site(longitude="-71.200000", opening_hours=EVERY_DAY)
    west = make_site(longitude="-71.240000", opening_hours=EVERY_DAY)
    middle = make_site(longitude="-71.226000")
    east_near = make_site(longitude="-71.213000")
    make_site(locality="Montréal", latitude="45.5", longitude="-73.6")
    rounds = courier_rounds(at=datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("America/Toronto")))
    assert [r.locality for r in rounds] == ["Montréal", "Québec"]
    quebec = rounds[1]
    assert [stop.site.pk for stop in quebec.stops] == [
        west.pk,
        middle.pk,
        east_near.pk,
        east_far.pk,
    ]
    assert quebec.stops[0].km_from_previous is None
    assert all(stop.km_from_previous > 0 for stop in quebec.stops[1:])
    assert quebec.stops[0].open_now
    assert quebec.stops[0].hours_today == [["06:00", "23:00"]]
