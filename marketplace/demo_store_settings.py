"""The demo's store settings: the bakery (whose owner is the demo store person) has its
hours (marketplace.demo), a preparation time of 45 minutes, an upcoming holiday and one
invitation waiting. Loaded again, it writes nothing new: the holiday is added while the
bakery has no closed day to come, the invitation renewed only once it has lapsed."""

from collections.abc import Mapping
from datetime import date

from core.demo import DemoSummary
from identity.models import User
from marketplace.models import Store, StoreClosure, StoreInvitation, StoreRole
from marketplace.store_settings import (
    store_closure_add,
    store_hours_set,
    store_invitation_create,
    store_today,
)

OWNER = "store@demo.uniqc.coop"
BAKERY = "boulangerie-du-faubourg"
INVITEE = "recrue@demo.uniqc.coop"
PREPARATION_MINUTES = 45
# Québec's statutory holidays on fixed dates (month, day, reason): the next one to come
# is the bakery's holiday.
HOLIDAYS = (
    (1, 1, "Jour de l’An"),
    (6, 24, "Fête nationale du Québec"),
    (7, 1, "Fête du Canada"),
    (12, 25, "Noël"),
)


def next_holiday(today: date) -> tuple[date, str]:
    """The first of HOLIDAYS after `today`."""
    candidates = [
        (date(year, month, day), reason)
        for year in (today.year, today.year + 1)
        for month, day, reason in HOLIDAYS
    ]
    return min((day, reason) for day, reason in candidates if day > today)


def store_settings_demo_load(
    *, summary: DemoSummary, people: Mapping[str, User], stores: Mapping[str, Store]
) -> None:
    owner, bakery = people[OWNER], stores[BAKERY]
    store_hours_set(
        store=bakery,
        opening_hours=bakery.opening_hours,
        preparation_minutes=PREPARATION_MINUTES,
        acting_user=owner,
    )
    today = store_today()
    upcoming = StoreClosure.objects.filter(store=bakery, last_day__gte=today).exists()
    if not upcoming:
        day, reason = next_holiday(today)
        store_closure_add(
            store=bakery, first_day=day, last_day=None, reason=reason, acting_user=owner
        )
    summary.count("closed days", not upcoming)
    waiting = (
        StoreInvitation.objects.filter(store=bakery, email=INVITEE, accepted_at__isnull=True)
        .filter(revoked_at__isnull=True)
        .first()
    )
    renew = waiting is None or not waiting.is_pending()
    if renew:
        store_invitation_create(
            store=bakery, email=INVITEE, role=StoreRole.STAFF, acting_user=owner
        )
    summary.count("store invitations", renew)
