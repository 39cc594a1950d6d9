"""A pickup at a site's kiosk (issue 11, point 7): the shopper types the 6-digit code or
shows the QR code from their email or order page; the kiosk's device opens the parcel's
compartment at its own site, and the door closed on an empty compartment marks the parcel
picked up (lockers.services.compartment_door_event, reported by the controller).

The QR code carries `UQP1.<site slug>.<6 digits>` (docs/kiosk.md); a bare 6-digit code
is read the same. The code is checked and counted by `kiosk_code_enter` in its own
commit, then the open command is sent outside any transaction.
"""

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from core.enqueue import enqueue_on_commit
from identity.audit import audit_record
from lockers.controller_errors import ControllerNotProvisioned, ControllerOffline
from lockers.controllers import compartment_open
from lockers.errors import KioskCompartmentNotOpened, KioskControllerOffline
from lockers.models import Compartment, KioskDevice, Parcel, Site
from lockers.services import kiosk_code_enter

# What the shopper's QR code says: the version, the site's slug and the code.
PICKUP_QR_PREFIX = "UQP1"
PICKUP_QR = re.compile(r"UQP1\.(?P<site>[a-z0-9][a-z0-9-]{0,79})\.(?P<code>[0-9]{6})")
# People type "123 456" or "123-456" as often as "123456".
CODE_SEPARATORS = re.compile(r"[\s-]+")
# The longest text we look at: a QR code of ours is about 100 characters.
CODE_MAX_LENGTH = 120
# Support hears about a site's failed openings at most this often (the shopper may try
# again and again; one message says enough).
ALERT_EVERY_SECONDS = 15 * 60


def pickup_qr_text(*, site: Site, code: str) -> str:
    """The text of the QR code that the shopper shows at `site`'s kiosk."""
    return f"{PICKUP_QR_PREFIX}.{site.slug}.{code}"


def pickup_code_read(text: str) -> tuple[str | None, str]:
    """(the site slug the QR code names, or None for a typed code; the code as typed or
    read). Anything that is not one of our QR codes is taken as typed."""
    text = (text or "")[:CODE_MAX_LENGTH].strip()
    found = PICKUP_QR.fullmatch(text)
    if found:
        return found["site"], found["code"]
    digits = CODE_SEPARATORS.sub("", text)
    return None, digits if digits.isdigit() else text


@dataclass(frozen=True)
class KioskPickup:
    """What the kiosk tells the shopper: the compartment, and `status` "opened" (the
    controller said the door opened) or "opening" (no answer yet; the command is resent
    until it expires)."""

    compartment_label: str
    status: str
    parcel_id: int


def kiosk_pickup(*, device: KioskDevice, text: str) -> KioskPickup:
    """Open the compartment of the parcel waiting at the device's own site under this code
    or QR code. Raises PickupCodeRefused (attempts left) or KioskLocked from
    kiosk_code_enter; KioskControllerOffline when the controller is offline and
    KioskCompartmentNotOpened when the door did not open, both after telling support.
    A QR code of another site's parcel is checked as this site's code: it opens nothing
    here. Call it outside any transaction."""
    site = device.site
    _slug, code = pickup_code_read(text)
    opening = kiosk_code_enter(site=site, code=code)
    compartment = Compartment.objects.select_related("site").get(pk=opening.compartment.pk)
    try:
        outcome = compartment_open(
            compartment=compartment, purpose="pickup", parcel_id=opening.parcel.pk
        )
    except (ControllerOffline, ControllerNotProvisioned) as error:
        _opening_failed(device, opening.parcel, compartment, "controller_offline")
        raise KioskControllerOffline() from error
    if outcome.status in ("jammed", "refused", "expired"):
        _opening_failed(device, opening.parcel, compartment, outcome.status)
        raise KioskCompartmentNotOpened(compartment=compartment.label)
    status = "opened" if outcome.status == "acknowledged" else "opening"
    return KioskPickup(
        compartment_label=compartment.label, status=status, parcel_id=opening.parcel.pk
    )


@transaction.atomic
def _opening_failed(
    device: KioskDevice, parcel: Parcel, compartment: Compartment, reason: str
) -> None:
    """Record that a right code opened nothing, and tell support (once per site and reason
    every ALERT_EVERY_SECONDS)."""
    audit_record(
        acting_user=None,
        action="kiosk.opening_failed",
        target=parcel,
        detail={"device": device.pk, "compartment": compartment.label, "reason": reason},
    )
    if cache.add(f"lockers:kiosk-alert:{compartment.site_id}:{reason}", 1, ALERT_EVERY_SECONDS):
        from lockers.tasks import kiosk_opening_failed_alert

        enqueue_on_commit(
            kiosk_opening_failed_alert, compartment.site_id, compartment.label, reason
        )
