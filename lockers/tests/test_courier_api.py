"""/api/v1/courier/: every endpoint, and every refusal as a problem document."""

import json

import pytest
from django.conf import settings

from lockers.controller_inprocess import DeviceOptions
from lockers.models import CompartmentState, CustodyEvent, ParcelStatus
from lockers.tests.courier_fixtures import bearer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/courier/"


def post(api, path, body, token, **extra):
    return api.post(
        BASE + path, json.dumps(body), content_type="application/json", **bearer(token), **extra
    )


@pytest.fixture
def token(courier, token_for):
    return token_for(courier)


# --- Who may call -------------------------------------------------------------------------


def test_no_token_is_a_401_problem_with_a_bearer_challenge(api):
    response = api.get(BASE + "manifest/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_refused(api):
    response = api.get(BASE + "manifest/", **bearer("not-a-token"))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_token_without_the_courier_scope_is_refused(api, courier, token_for):
    token = token_for(courier, scope="openid marketplace")
    response = api.get(BASE + "manifest/", **bearer(token))
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"


def test_a_person_who_is_not_a_courier_is_refused(api, make_person, token_for):
    shopper = make_person("lea@example.com", "shopper")
    response = api.get(BASE + "manifest/", **bearer(token_for(shopper)))
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_courier"


def test_a_session_posting_without_its_csrf_token_is_refused(api, courier):
    api.force_login(courier)
    response = api.post(BASE + "scan-at-store/", "{}", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_a_courier_session_reads_the_manifest_without_a_token(api, courier):
    api.force_login(courier)
    assert api.get(BASE + "manifest/").status_code == 200


# --- Input limits ------------------------------------------------------------------------


def test_a_body_too_large_is_a_413(api, token):
    response = post(api, "scan-at-store/", {"label": "x" * 10_000}, token)
    assert response.status_code == 413
    assert response.json()["code"] == "json_too_large"


def test_a_body_nested_too_deeply_is_refused(api, token):
    deep = "[" * 100 + "]" * 100
    response = api.post(
        BASE + "scan-at-store/",
        '{"label": ' + deep + "}",
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"


def test_a_missing_label_is_an_invalid_problem(api, token):
    response = post(api, "scan-at-store/", {}, token)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "label" in response.json()["errors"]


# --- Manifest ----------------------------------------------------------------------------


def test_the_manifest_lists_pickups_grouped_by_store(api, token, make_site, make_ready):
    site = make_site()
    make_ready(site)
    make_ready(site)
    body = api.get(BASE + "manifest/?lat=46.81&lon=-71.22", **bearer(token)).json()
    assert body["from_position"] is True
    [stop] = body["stops"]
    assert stop["kind"] == "pickup"
    assert stop["name"] == "Boulangerie du Faubourg"
    assert len(stop["parcels"]) == 2
    assert stop["km_from_previous"] < 1


def test_a_bad_position_is_invalid(api, token):
    response = api.get(BASE + "manifest/?lat=123&lon=x", **bearer(token))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"lat", "lon"}


# --- Pickup at the store -----------------------------------------------------------------


def test_a_scan_at_the_store_gives_the_parcel_to_the_courier(api, token, make_site, make_ready):
    ready = make_ready(make_site())
    response = post(api, "scan-at-store/", {"label": ready.label}, token)
    assert response.status_code == 200, response.content
    assert response.json()["action"] == "picked_up"
    ready.parcel.refresh_from_db()
    assert ready.parcel.status == ParcelStatus.WITH_COURIER
    # A retried scan finds it done.
    assert post(api, "scan-at-store/", {"label": ready.label}, token).status_code == 200


def test_the_printed_code_can_be_typed_instead(api, token, make_site, make_ready):
    ready = make_ready(make_site())
    code = ready.parcel.public_code
    typed = f"{code[:4]}-{code[4:8]}-{code[8:]}".lower()
    assert post(api, "scan-at-store/", {"label": typed}, token).json()["action"] == "picked_up"


def test_an_altered_label_is_refused_as_forged(api, token, make_site, make_ready):
    ready = make_ready(make_site())
    head, payload, signature = ready.label.rsplit(".", 2)
    altered = f"{head}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    response = post(api, "scan-at-store/", {"label": altered}, token)
    assert response.status_code == 422
    assert response.json()["code"] == "label_forged"
    assert response.json()["reason"] in ("bad_signature", "malformed")
    ready.parcel.refresh_from_db()
    assert ready.parcel.status == ParcelStatus.CREATED


def test_an_unknown_code_is_a_404_problem(api, token):
    response = post(api, "scan-at-store/", {"label": "0000-0000-0000"}, token)
    assert response.status_code == 404
    assert response.json()["code"] == "parcel_unknown"


# --- Deposit -----------------------------------------------------------------------------


@pytest.fixture
def carried(api, token, make_site, make_ready):
    """A parcel with the courier, bound to a site."""
    site = make_site()
    ready = make_ready(site)
    assert post(api, "scan-at-store/", {"label": ready.label}, token).status_code == 200
    return ready


def test_a_deposit_opens_a_compartment_through_the_controller(api, token, carried, inprocess):
    site = carried.parcel.destination_site
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = post(api, "deposit/", {"label": carried.label, "site": site.slug}, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "deposit"
    assert body["command"]["status"] == "acknowledged"
    assert body["door_opening"] is True
    assert body["message"] == f"Open compartment {body['compartment']} — the door is opening."
    carried.parcel.refresh_from_db()
    assert carried.parcel.status == ParcelStatus.IN_LOCKER
    # A retried scan answers the same compartment.
    again = post(api, "deposit/", {"label": carried.label, "site": site.slug}, token).json()
    assert again["compartment"] == body["compartment"]
    assert again["action"] == "already_in_locker"


def test_a_deposit_at_the_wrong_site_is_refused(api, token, carried, make_site, inprocess):
    other = make_site()
    response = post(api, "deposit/", {"label": carried.label, "site": other.slug}, token)
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_site"


def test_an_unknown_site_is_a_404(api, token, carried):
    response = post(api, "deposit/", {"label": carried.label, "site": "nowhere"}, token)
    assert response.status_code == 404
    assert response.json()["code"] == "site_unknown"


def test_an_offline_controller_is_a_503_at_once_and_nothing_stays_reserved(
    api, token, make_ready, wire
):
    wired = wire()  # no heartbeat: offline
    ready = make_ready(wired.site)
    post(api, "scan-at-store/", {"label": ready.label}, token)
    response = post(api, "deposit/", {"label": ready.label, "site": wired.site.slug}, token)
    assert response.status_code == 503
    assert response.json()["code"] == "controller_offline"
    ready.parcel.refresh_from_db()
    assert ready.parcel.status == ParcelStatus.WITH_COURIER
    assert ready.parcel.compartment_id is None
    assert not wired.site.compartments.exclude(state=CompartmentState.AVAILABLE).exists()


def test_a_controller_that_goes_offline_mid_deposit_frees_the_compartment(
    api, token, make_ready, wire, monkeypatch
):
    from lockers import courier
    from lockers.controller_errors import ControllerOffline

    wired = wire()
    wired.device.heartbeat()
    ready = make_ready(wired.site)
    post(api, "scan-at-store/", {"label": ready.label}, token)

    def offline(**kwargs):
        raise ControllerOffline()

    monkeypatch.setattr(courier, "compartment_open", offline)
    response = post(api, "deposit/", {"label": ready.label, "site": wired.site.slug}, token)
    assert response.status_code == 503
    ready.parcel.refresh_from_db()
    assert ready.parcel.compartment_id is None
    assert CustodyEvent.objects.filter(
        parcel=ready.parcel, kind="exception", detail__reason="controller_offline"
    ).exists()


def test_a_jammed_door_takes_its_compartment_out_and_another_opens(api, token, make_ready, wire):
    wired = wire(options=DeviceOptions(jammed={"A01"}))
    wired.device.heartbeat()
    ready = make_ready(wired.site)
    post(api, "scan-at-store/", {"label": ready.label}, token)
    body = post(api, "deposit/", {"label": ready.label, "site": wired.site.slug}, token).json()
    assert body["jammed"] == ["A01"]
    assert body["compartment"] == "A02"
    assert body["command"]["status"] == "acknowledged"
    assert wired.site.compartments.get(label="A01").state == CompartmentState.OUT_OF_SERVICE


def test_a_full_site_redirects_to_the_nearest_with_room(
    api, token, make_site, make_ready, inprocess
):
    full = make_site(counts={"S": 0, "M": 1, "L": 0})
    near = make_site(latitude="46.815000", longitude="-71.225000")
    ready = make_ready(full)
    post(api, "scan-at-store/", {"label": ready.label}, token)
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = post(api, "deposit/", {"label": ready.label, "site": full.slug}, token).json()
    assert body["action"] == "redirected"
    assert body["redirect"]["to_site"] == near.slug
    assert body["redirect"]["reason"] == "site_full"
    assert body["command"] is None
    assert body["message"].startswith(f"Site full: take it to {near.name}, 0.4 km")
    # At the other site, the reserved compartment opens.
    there = post(api, "deposit/", {"label": ready.label, "site": near.slug}, token).json()
    assert there["action"] == "deposit"
    assert there["compartment"] == body["compartment"]


def test_a_reported_jam_opens_another_compartment(api, token, make_ready, wire):
    wired = wire(options=DeviceOptions(acks_to_lose=0))
    wired.device.heartbeat()
    ready = make_ready(wired.site)
    post(api, "scan-at-store/", {"label": ready.label}, token)
    from lockers import services

    deposit = services.parcel_deposit_begin(
        parcel=ready.parcel, site=wired.site, courier=ready.parcel.custody_events.last().actor
    )
    response = post(api, "jammed/", {"label": ready.label}, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["jammed"] == [deposit.compartment.label]
    assert body["compartment"] != deposit.compartment.label
    deposit.compartment.refresh_from_db()
    assert deposit.compartment.state == CompartmentState.OUT_OF_SERVICE


def test_a_jam_report_without_a_deposit_under_way_is_refused(api, token, carried):
    response = post(api, "jammed/", {"label": carried.label}, token)
    assert response.status_code == 409
    assert response.json()["code"] == "parcel_transition_refused"


def test_a_damaged_parcel_is_recorded(api, token, carried):
    response = post(api, "damaged/", {"label": carried.label, "note": "Boîte écrasée"}, token)
    assert response.status_code == 200
    assert response.json()["action"] == "damaged"
    event = CustodyEvent.objects.filter(parcel=carried.parcel, kind="exception").get()
    assert event.detail == {"reason": "damaged", "note": "Boîte écrasée"}


# --- Retrieval and return ----------------------------------------------------------------


def test_an_expired_parcel_is_retrieved_and_returned(api, token, courier, carried, inprocess):
    from django.utils import timezone

    from lockers import services

    site = carried.parcel.destination_site
    post(api, "deposit/", {"label": carried.label, "site": site.slug}, token)
    services.parcels_expiry_run(now=timezone.now() + timezone.timedelta(hours=100))
    body = api.get(BASE + "manifest/", **bearer(token)).json()
    assert [s["kind"] for s in body["stops"]] == ["retrieval"]

    response = post(api, "retrieve/", {"label": carried.label, "site": site.slug}, token)
    assert response.status_code == 200, response.content
    assert response.json()["command"]["status"] == "acknowledged"
    carried.parcel.refresh_from_db()
    assert carried.parcel.status == ParcelStatus.RETRIEVED
    body = api.get(BASE + "manifest/", **bearer(token)).json()
    assert [s["kind"] for s in body["stops"]] == ["return"]

    response = post(api, "return-to-store/", {"label": carried.label}, token)
    assert response.json()["action"] == "returned"
    carried.parcel.refresh_from_db()
    assert carried.parcel.status == ParcelStatus.RETURNED


def test_retrieving_a_parcel_that_is_not_expired_is_refused(api, token, carried):
    site = carried.parcel.destination_site
    response = post(api, "retrieve/", {"label": carried.label, "site": site.slug}, token)
    assert response.status_code == 409


def test_the_openapi_schema_describes_the_courier_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/courier/deposit/" in schema["paths"]


def test_the_schema_is_valid_and_documents_the_courier_problems():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    deposit = schema["paths"]["/api/v1/courier/deposit/"]["post"]
    assert {"uniqcOidcCourier": ["courier"]} in deposit["security"]
    for status in ("401", "403", "409", "422", "503"):
        assert list(deposit["responses"][status]["content"]) == ["application/problem+json"]


def test_the_manifest_endpoint_costs_the_same_for_3_and_30_parcels(
    api, token, make_site, make_ready, django_assert_max_num_queries
):
    site = make_site()
    for _ in range(3):
        make_ready(site)
    with django_assert_max_num_queries(20) as small:
        assert api.get(BASE + "manifest/", **bearer(token)).status_code == 200
    for i in range(27):
        make_ready(site, origin_name=f"Store {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = api.get(BASE + "manifest/", **bearer(token)).json()
    assert sum(len(stop["parcels"]) for stop in body["stops"]) == 30
