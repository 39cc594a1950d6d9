"""Kiosk devices: the touch screens at sites. A coop admin makes one per screen and types
its secret into the screen once; the screen then opens only its own site's compartments.

The secret is shown once and stored as a SHA-256 digest (it is 32 random bytes, so a
plain digest is enough: nobody can guess it to test against the digest).
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from identity.audit import audit_record
from lockers.models import KioskDevice, Site

SECRET_PREFIX = "uqk_"  # noqa: S105 - a prefix that tells what the secret is for
# The longest secret we read: the prefix and 43 characters of base64url (32 bytes).
SECRET_MAX_LENGTH = 64
# last_seen_at is written at most this often, so that each request does not write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def kiosk_secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


@transaction.atomic
def kiosk_device_create(*, site: Site, name: str, acting_user: Any) -> tuple[KioskDevice, str]:
    """A new kiosk device for `site` and its secret, which is returned here only."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    device = KioskDevice(
        site=site,
        name=name,
        secret_digest=kiosk_secret_digest(secret),
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    device.full_clean()
    device.save()
    audit_record(
        acting_user=acting_user,
        action="kiosk_device.create",
        target=device,
        detail={"site": site.slug},
    )
    return device, secret


@transaction.atomic
def kiosk_device_revoke(*, device: KioskDevice, acting_user: Any) -> KioskDevice:
    """The device's secret opens nothing from now on; revoking twice changes nothing."""
    if KioskDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        audit_record(acting_user=acting_user, action="kiosk_device.revoke", target=device)
    device.refresh_from_db()
    return device


def kiosk_device_authenticate(secret: Any) -> KioskDevice | None:
    """The live device this secret belongs to, with its site; None for anything else.
    Notes when it was last seen (at most once a minute)."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        return None
    if len(secret) > SECRET_MAX_LENGTH:
        return None
    device = (
        KioskDevice.objects.select_related("site")
        .filter(secret_digest=kiosk_secret_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if device is None:
        return None
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        KioskDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device
