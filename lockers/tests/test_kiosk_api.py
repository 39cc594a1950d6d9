"""The kiosk API (/api/v1/kiosk/): a vendor's kiosk screen, signed in with its device's
secret, opens compartments at its own site only; refusals are problem documents."""

import json

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from lockers.kiosk_devices import kiosk_device_create, kiosk_device_revoke
from lockers.kiosk_pickup import pickup_qr_text
from lockers.models import ParcelStatus
from lockers.tests.kiosk_helpers import kiosk_setup, wrong_code

pytestmark = pytest.mark.django_db

__all__ = ["kiosk_setup"]

PICKUP = reverse("kiosk_api:pickup")
STATUS = reverse("kiosk_api:status")


@pytest.fixture
def api(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    def call(method: str, path: str, *, secret: str | None = None, body=None, auth=None):
        headers = {}
        if auth is not None:
            headers["Authorization"] = auth
        elif secret is not None:
            headers["Authorization"] = f"Kiosk {secret}"
        if method == "get":
            return client.get(path, headers=headers)
        return client.post(path, json.dumps(body), content_type="application/json", headers=headers)

    return call


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.mark.parametrize("path", [PICKUP, STATUS])
@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer abc", "not_authenticated"),
        ("Kiosk", "invalid_kiosk_credential"),
        ("Kiosk uqk_wrong", "invalid_kiosk_credential"),
        ("kiosk uqk_" + "a" * 300, "invalid_kiosk_credential"),
    ],
)
def test_a_request_without_a_live_device_is_refused(api, kiosk_setup, path, auth, code):
    method = "post" if path == PICKUP else "get"
    response = api(method, path, auth=auth, body={"code": kiosk_setup.waiting.code})
    problem(response, 401, code)
    assert response["WWW-Authenticate"] == "Kiosk"
    kiosk_setup.waiting.parcel.refresh_from_db()
    assert kiosk_setup.waiting.parcel.status == ParcelStatus.IN_LOCKER


@pytest.mark.parametrize("path", [PICKUP, STATUS])
def test_a_revoked_device_is_refused_at_once(api, kiosk_setup, path):
    kiosk_device_revoke(device=kiosk_setup.device, acting_user=None)
    method = "post" if path == PICKUP else "get"
    response = api(method, path, secret=kiosk_setup.secret, body={"code": "123456"})
    problem(response, 401, "invalid_kiosk_credential")


def test_the_code_opens_the_compartment(inprocess, api, kiosk_setup):
    waiting = kiosk_setup.waiting
    response = api("post", PICKUP, secret=kiosk_setup.secret, body={"code": waiting.code})
    assert response.status_code == 200
    assert response.json() == {"compartment": waiting.compartment, "status": "opened"}
    waiting.parcel.refresh_from_db()
    assert waiting.parcel.status == ParcelStatus.PICKED_UP


def test_the_qr_code_text_opens_the_compartment(inprocess, api, kiosk_setup):
    waiting = kiosk_setup.waiting
    text = pickup_qr_text(site=waiting.site, code=waiting.code)
    response = api("post", PICKUP, secret=kiosk_setup.secret, body={"code": text})
    assert response.json()["status"] == "opened"


def test_another_sites_parcel_never_opens(inprocess, api, kiosk_setup):
    other = kiosk_setup.other
    for code in (other.code, pickup_qr_text(site=other.site, code=other.code)):
        response = api("post", PICKUP, secret=kiosk_setup.secret, body={"code": code})
        assert problem(response, 400, "pickup_code_refused")["attempts_left"] in (4, 3)
    other.parcel.refresh_from_db()
    assert other.parcel.status == ParcelStatus.IN_LOCKER


def test_the_status_is_of_the_devices_own_site(inprocess, api, kiosk_setup):
    _device, secret = kiosk_device_create(
        site=kiosk_setup.other.site, name="Écran 2", acting_user=None
    )
    mine = api("get", STATUS, secret=kiosk_setup.secret).json()
    theirs = api("get", STATUS, secret=secret).json()
    assert mine == {
        "device": "Écran 1",
        "site": {"slug": kiosk_setup.waiting.site.slug, "name": kiosk_setup.waiting.site.name},
        "online": True,
        "locked_until": None,
    }
    assert theirs["site"]["slug"] == kiosk_setup.other.site.slug


def test_five_wrong_codes_lock_the_site_with_retry_after_and_alert_support(
    api, kiosk_setup, django_capture_on_commit_callbacks, settings
):
    settings.LOCKERS_SUPPORT_EMAIL = "support@example.com"
    wrong = wrong_code(kiosk_setup.waiting.code)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            api("post", PICKUP, secret=kiosk_setup.secret, body={"code": wrong}) for _ in range(5)
        ]
    assert [problem(a, 400, "pickup_code_refused")["attempts_left"] for a in answers[:4]] == [
        4,
        3,
        2,
        1,
    ]
    locked = problem(answers[4], 429, "kiosk_locked")
    assert locked["locked_until"]
    assert 1 <= int(answers[4]["Retry-After"]) <= 600
    assert len(mail.outbox) == 1
    status = api("get", STATUS, secret=kiosk_setup.secret).json()
    assert status["locked_until"] is not None
    # The right code waits too.
    right = api("post", PICKUP, secret=kiosk_setup.secret, body={"code": kiosk_setup.waiting.code})
    problem(right, 429, "kiosk_locked")


def test_an_offline_controller_is_a_503_at_once(device_transport, api, kiosk_setup):
    response = api(
        "post", PICKUP, secret=kiosk_setup.secret, body={"code": kiosk_setup.waiting.code}
    )
    body = problem(response, 503, "controller_offline")
    assert body["detail"] == "This locker cannot open right now; support has been told."
    assert device_transport.sent == []
    assert api("get", STATUS, secret=kiosk_setup.secret).json()["online"] is False


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [({}, 400, "invalid"), ({"code": "x" * 500}, 400, "invalid"), ([1], 400, "json_not_object")],
)
def test_bad_bodies_are_refused(api, kiosk_setup, body, status, code):
    problem(api("post", PICKUP, secret=kiosk_setup.secret, body=body), status, code)


def test_a_large_body_is_refused(api, kiosk_setup):
    response = api("post", PICKUP, secret=kiosk_setup.secret, body={"code": "1" * 5000})
    problem(response, 413, "json_too_large")


def test_the_openapi_schema_documents_the_kiosk_and_its_credential():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert set(schema["paths"]["/api/v1/kiosk/pickup/"]) == {"post"}
    assert set(schema["paths"]["/api/v1/kiosk/status/"]) == {"get"}
    scheme = schema["components"]["securitySchemes"]["kioskDevice"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    pickup = schema["paths"]["/api/v1/kiosk/pickup/"]["post"]
    assert pickup["security"] == [{"kioskDevice": []}]
    assert set(pickup["responses"]) >= {"200", "400", "401", "429", "503"}
    assert "application/problem+json" in pickup["responses"]["429"]["content"]
