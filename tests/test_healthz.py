"""/healthz reads each service as embedded, ok or down."""

import pytest
from django.db import connection


def embedded_or_ok_database() -> str:
    return "embedded" if connection.vendor == "sqlite" else "ok"


@pytest.mark.django_db
def test_unconfigured_services_read_embedded(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.MQTT_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": embedded_or_ok_database(),
            "broker": "embedded",
            "mqtt": "embedded",
        },
    }
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_configured_but_unreachable_services_read_down_with_503(client, settings):
    # Port 9 (discard) has no listener on loopback here: connections are refused.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    settings.MQTT_URL = "mqtt://127.0.0.1:9"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"] == "down"
    assert body["checks"]["mqtt"] == "down"
    assert body["checks"]["database"] == embedded_or_ok_database()


@pytest.mark.django_db
def test_one_service_down_is_enough_for_503(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.MQTT_URL = "mqtt://127.0.0.1:9"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": embedded_or_ok_database(),
        "broker": "embedded",
        "mqtt": "down",
    }


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.services
@pytest.mark.django_db
def test_real_services_read_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "mqtt": "ok"},
    }
