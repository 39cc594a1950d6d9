"""Kiosk devices in the admin and at the command line: the secret shown once, revocation."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from identity.audit import audit_events_for
from identity.models import User
from lockers.kiosk_devices import kiosk_device_authenticate
from lockers.models import KioskDevice
from tests.admin_forms import admin_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    return client


def test_a_device_made_in_the_admin_shows_its_secret_once(admin, make_site):
    site = make_site()
    url = reverse("admin:lockers_kioskdevice_add")
    response = admin.post(url, admin_post_data(admin, url, {"site": site.pk, "name": "Écran 1"}))
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("uqk_")
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    device = KioskDevice.objects.get()
    assert kiosk_device_authenticate(secret) == device
    assert [event.action for event in audit_events_for(device)] == ["kiosk_device.create"]
    # Never again: not on its page, not in the list.
    for page in (
        reverse("admin:lockers_kioskdevice_change", args=[device.pk]),
        reverse("admin:lockers_kioskdevice_changelist"),
    ):
        answer = admin.get(page)
        assert answer.status_code == 200
        assert secret not in answer.content.decode()
        assert device.secret_digest not in answer.content.decode()


def test_the_revoke_action_signs_the_device_out_and_is_audited(admin, make_site):
    site = make_site()
    call_command("kiosk_device", site.slug, "--create", "Écran 1", stdout=io.StringIO())
    device = KioskDevice.objects.get()
    url = reverse("admin:lockers_kioskdevice_changelist")
    response = admin.post(url, {"action": "revoke", "_selected_action": [device.pk]})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert "kiosk_device.revoke" in [event.action for event in audit_events_for(device)]


def test_the_command_makes_and_revokes_devices(make_site, capsys):
    site = make_site()
    call_command("kiosk_device", site.slug, "--create", "Écran 1")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    device = kiosk_device_authenticate(secret)
    assert device is not None and device.site == site
    call_command("kiosk_device", site.slug, "--revoke", str(device.pk))
    assert "revoked" in capsys.readouterr().out
    assert kiosk_device_authenticate(secret) is None
