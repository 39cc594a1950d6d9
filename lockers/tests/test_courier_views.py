"""The courier app's pages: the manifest, a stop's scan, and the exception reports."""

import pytest
from django.conf import settings

from lockers.models import CompartmentState, CustodyEvent, ParcelStatus

pytestmark = pytest.mark.django_db

APP = "/casiers/coursier/"


@pytest.fixture
def courier_client(client, courier):
    client.force_login(courier)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_manifest_page_lists_the_stops_in_order(courier_client, make_site, make_ready):
    site = make_site()
    make_ready(site)
    response = courier_client.get(APP + "?lat=46.81&lon=-71.22")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Boulangerie du Faubourg" in html
    assert "The round starts from your position." in html
    assert 'href="/casiers/coursier/arret/magasin/' in html


def test_the_manifest_page_works_without_a_position(courier_client, make_site, make_ready):
    make_ready(make_site())
    html = courier_client.get(APP + "?lat=nope").content.decode()
    assert "The round starts at the westernmost stop." in html


def test_the_pages_refuse_a_shopper(client, shopper, make_site):
    client.force_login(shopper)
    assert client.get(APP).status_code == 403
    assert client.get(APP + f"arret/casier/{make_site().slug}/").status_code == 403


def test_an_unknown_stop_kind_or_site_is_a_404(courier_client):
    assert courier_client.get(APP + "arret/ailleurs/x/").status_code == 404
    assert courier_client.get(APP + "arret/casier/nowhere/").status_code == 404


def test_a_store_then_a_site_scan_opens_a_compartment(
    courier_client, make_site, make_ready, inprocess
):
    from lockers.courier import store_key

    site = make_site()
    ready = make_ready(site)
    key = store_key(ready.parcel.origin_name, ready.parcel.origin_address)
    page = courier_client.get(APP + f"arret/magasin/{key}/").content.decode()
    assert ready.parcel.public_code[:4] in page
    assert 'name="code"' in page  # the scanner's field, whatever the stop's name
    response = courier_client.post(APP + f"arret/magasin/{key}/", {"code": ready.label})
    assert "is with you" in response.content.decode()

    response = courier_client.post(APP + f"arret/casier/{site.slug}/", {"code": ready.label})
    html = response.content.decode()
    assert "Open compartment A01 — the door is opening." in html
    ready.parcel.refresh_from_db()
    assert ready.parcel.status == ParcelStatus.IN_LOCKER


def test_a_forged_label_is_refused_on_the_page(courier_client, make_site, make_ready):
    ready = make_ready(make_site())
    forged = ready.label[:-4] + ("AAAA" if not ready.label.endswith("AAAA") else "BBBB")
    key = "x" * 12
    html = courier_client.post(APP + f"arret/magasin/{key}/", {"code": forged}).content.decode()
    assert "This label is not one the coop printed" in html
    ready.parcel.refresh_from_db()
    assert ready.parcel.status == ParcelStatus.CREATED


def test_an_offline_locker_is_said_at_once(courier_client, courier, make_ready, wire):
    from lockers import services

    wired = wire()
    ready = make_ready(wired.site)
    services.parcel_pickup_from_store(parcel=ready.parcel, courier=courier)
    html = courier_client.post(
        APP + f"arret/casier/{wired.site.slug}/", {"code": ready.parcel.public_code}
    ).content.decode()
    assert "The locker is offline: keep the parcel and go to the next stop." in html
    assert 'data-courier-result="offline"' in html


def test_the_jam_button_opens_another_compartment(courier_client, courier, make_ready, wire):
    from lockers import services

    wired = wire()
    wired.device.heartbeat()
    ready = make_ready(wired.site)
    services.parcel_pickup_from_store(parcel=ready.parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=ready.parcel, site=wired.site, courier=courier)
    response = courier_client.post(APP + f"colis/{ready.parcel.public_code}/coince/")
    html = response.content.decode()
    assert "the door is opening" in html
    assert f"Out of service (jammed): {deposit.compartment.label}." in html
    deposit.compartment.refresh_from_db()
    assert deposit.compartment.state == CompartmentState.OUT_OF_SERVICE


def test_the_damaged_button_records_it(courier_client, courier, make_site, make_ready):
    from lockers import services

    ready = make_ready(make_site())
    services.parcel_pickup_from_store(parcel=ready.parcel, courier=courier)
    response = courier_client.post(APP + f"colis/{ready.parcel.public_code}/endommage/")
    assert "Damage to parcel" in response.content.decode()
    assert CustodyEvent.objects.filter(parcel=ready.parcel, detail__reason="damaged").exists()


def test_the_manifest_page_costs_the_same_for_3_and_30_parcels(
    courier_client, courier, make_site, make_ready, django_assert_max_num_queries
):
    site = make_site()
    for _ in range(3):
        make_ready(site)
    with django_assert_max_num_queries(12) as small:
        courier_client.get(APP)
    for i in range(27):
        make_ready(site, origin_name=f"Store {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        courier_client.get(APP)
