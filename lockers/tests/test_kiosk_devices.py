"""Kiosk devices: a secret shown once, stored as a digest, opening one site, revocable."""

import pytest

from identity.audit import audit_events_for
from lockers.kiosk_devices import (
    kiosk_device_authenticate,
    kiosk_device_create,
    kiosk_device_revoke,
)
from lockers.models import KioskDevice

pytestmark = pytest.mark.django_db


def test_the_secret_is_shown_once_and_stored_as_a_digest(make_site):
    site = make_site()
    device, secret = kiosk_device_create(site=site, name="Écran 1", acting_user=None)
    assert secret.startswith("uqk_")
    stored = KioskDevice.objects.get(pk=device.pk)
    assert secret not in stored.secret_digest
    assert len(stored.secret_digest) == 64
    found = kiosk_device_authenticate(secret)
    assert found == device
    assert found.site == site
    assert found.last_seen_at is not None


@pytest.mark.parametrize(
    "secret",
    [None, "", "uqk_", "uqk_wrong", "abc", "uqk_" + "a" * 200, 12345, "uqk_\x00\u00e9"],
)
def test_anything_but_a_live_secret_authenticates_nothing(make_site, secret):
    kiosk_device_create(site=make_site(), name="Écran", acting_user=None)
    assert kiosk_device_authenticate(secret) is None


def test_a_revoked_device_authenticates_nothing_and_revoking_is_audited_once(make_site):
    device, secret = kiosk_device_create(site=make_site(), name="Écran", acting_user=None)
    kiosk_device_revoke(device=device, acting_user=None)
    kiosk_device_revoke(device=device, acting_user=None)
    assert kiosk_device_authenticate(secret) is None
    actions = [event.action for event in audit_events_for(device)]
    assert actions.count("kiosk_device.revoke") == 1
