"""What lockers does when its own controllers report: door events move parcels and
compartments through lockers.services; a jammed lock takes its compartment out of service.

These receivers run inside the transaction that applies the controller's event (once, in
order): they write only to the database, and a report about a compartment the site does
not have is logged and dropped rather than raised, since raising would hold every later
event of the site behind it.
"""

import logging
from datetime import datetime
from typing import Any

from django.dispatch import receiver

from lockers.controller_signals import compartment_door_event, compartment_jammed
from lockers.models import Compartment, Site
from lockers.services import compartment_door_event as door_event_apply
from lockers.services import compartment_mark_out_of_service

logger = logging.getLogger(__name__)


def _compartment(site: Site, label: str) -> Compartment | None:
    compartment = Compartment.objects.filter(site=site, label=label).first()
    if compartment is None:
        logger.error("site %s reported compartment %s, which it does not have", site.slug, label)
    return compartment


@receiver(compartment_door_event, dispatch_uid="lockers.door_event_apply")
def door_event_received(
    sender: Any,
    *,
    site: Site,
    compartment_label: str,
    kind: str,
    occupied: bool | None,
    at: datetime,
    **kwargs: Any,
) -> None:
    compartment = _compartment(site, compartment_label)
    if compartment is not None:
        door_event_apply(compartment=compartment, kind=kind, occupied=occupied, at=at)


@receiver(compartment_jammed, dispatch_uid="lockers.compartment_jammed")
def compartment_jammed_received(
    sender: Any, *, site: Site, compartment_label: str, **kwargs: Any
) -> None:
    compartment = _compartment(site, compartment_label)
    if compartment is not None:
        compartment_mark_out_of_service(
            compartment=compartment, reason="jammed (reported by the controller)", acting_user=None
        )
