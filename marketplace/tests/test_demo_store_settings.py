"""The demo's store settings: the bakery has hours, a preparation time, a holiday to
come and one invitation waiting; loading again writes nothing."""

from datetime import date

import pytest
from django.core import mail

from core.demo import DemoSummary
from core.tests.queries import no_writes
from identity import demo as identity_demo
from marketplace.demo import demo_load
from marketplace.demo_store_settings import next_holiday
from marketplace.models import Store, StoreClosure, StoreInvitation
from marketplace.store_settings import store_today


@pytest.mark.django_db
def test_the_demo_bakery_has_its_settings(django_capture_on_commit_callbacks):
    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(summary=DemoSummary(), people=people)
    bakery = Store.objects.get(slug="boulangerie-du-faubourg")
    assert bakery.opening_hours["tue"] == [["07:00", "18:00"]]
    assert bakery.preparation_minutes == 45
    [holiday] = StoreClosure.objects.filter(store=bakery, last_day__gte=store_today())
    assert holiday.first_day > store_today()
    [invitation] = StoreInvitation.objects.filter(store=bakery)
    assert invitation.is_pending() and invitation.token_digest
    assert any(message.to == [invitation.email] for message in mail.outbox)
    # Every demo store has its hours.
    assert not Store.objects.filter(opening_hours={}).exists()
    with no_writes():
        demo_load(summary=DemoSummary(), people=people)


@pytest.mark.parametrize(
    ("today", "holiday"),
    [
        (date(2026, 6, 23), date(2026, 6, 24)),
        (date(2026, 6, 24), date(2026, 7, 1)),
        (date(2026, 12, 26), date(2027, 1, 1)),
    ],
)
def test_the_next_holiday(today, holiday):
    assert next_holiday(today)[0] == holiday
