"""The courier API over the real Mosquitto with `locker_sim` (services run only): a deposit
scan opens a compartment, a jammed one is replaced by another."""

import json

import pytest

from lockers.controller_inprocess import DeviceOptions
from lockers.models import CompartmentState, ParcelStatus
from lockers.tests.courier_fixtures import bearer
from lockers.tests.test_controllers_mqtt import broker_site, wait_until  # noqa: F401

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def post(api, path, body, token):
    return api.post(
        f"/api/v1/courier/{path}",
        json.dumps(body),
        content_type="application/json",
        **bearer(token),
    )


def test_a_deposit_scan_over_mosquitto_opens_a_compartment_and_the_door_closes_on_it(
    broker_site,  # noqa: F811
    api,
    courier,
    token_for,
    make_ready,
):
    site, _secret, simulator = broker_site
    simulator(device=DeviceOptions(jammed={"A01"}))
    token = token_for(courier)
    ready = make_ready(site)
    assert post(api, "scan-at-store/", {"label": ready.label}, token).status_code == 200
    body = post(api, "deposit/", {"label": ready.label, "site": site.slug}, token).json()
    assert body["jammed"] == ["A01"]
    assert (body["compartment"], body["command"]["status"]) == ("A02", "acknowledged")
    assert wait_until(
        lambda: (
            ready.parcel.__class__.objects.get(pk=ready.parcel.pk).status == ParcelStatus.IN_LOCKER
        )
    )
    assert site.compartments.get(label="A01").state == CompartmentState.OUT_OF_SERVICE
