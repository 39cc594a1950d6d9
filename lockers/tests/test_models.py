"""Rules about one site or compartment: database constraints and Site.clean()."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from lockers.models import Compartment, Site, opening_hours_errors
from lockers.services import site_update


@pytest.fixture(autouse=True)
def _english_messages():
    """Validation messages are asserted by their English msgids."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")


def test_a_compartment_label_is_unique_within_its_site(make_site):
    site = make_site()
    with pytest.raises(IntegrityError), transaction.atomic():
        Compartment.objects.create(site=site, label="A01", size_class="S")


def test_the_same_label_may_exist_at_another_site(make_site):
    make_site()
    other = make_site()
    assert other.compartments.filter(label="A01").exists()


def test_an_unknown_compartment_state_is_rejected_by_the_database(make_site):
    site = make_site()
    with pytest.raises(IntegrityError), transaction.atomic():
        site.compartments.filter(label="A01").update(state="lost")


def test_an_unknown_size_class_is_rejected_by_the_database(make_site):
    site = make_site()
    with pytest.raises(IntegrityError), transaction.atomic():
        Compartment.objects.create(site=site, label="Z01", size_class="X")


def test_site_coordinates_are_range_checked_by_the_database(make_site):
    site = make_site()
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(longitude=Decimal("-181"))


def test_site_coordinates_are_range_checked_by_the_service(make_site):
    site = make_site()
    with pytest.raises(ValidationError):
        site_update(site=site, latitude=Decimal("90.5"), acting_user=None)


@pytest.mark.parametrize(
    "hours",
    [
        {},
        {"mon": []},
        {"mon": [["06:00", "23:00"]], "sun": [["00:00", "01:00"], ["05:30", "24:00"]]},
    ],
)
def test_valid_opening_hours(hours):
    assert opening_hours_errors(hours) == []


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ([["06:00", "23:00"]], "map weekdays"),
        ({"lundi": [["06:00", "23:00"]]}, "not a weekday"),
        ({"mon": "06:00-23:00"}, "must be a list"),
        ({"mon": [["06:00"]]}, "pair"),
        ({"mon": [["6h", "23h"]]}, "HH:MM"),
        ({"mon": [["06:00", "24:30"]]}, "HH:MM"),
        ({"mon": [["24:00", "24:00"]]}, "HH:MM"),
        ({"mon": [["23:00", "06:00"]]}, "closes before it opens"),
        ({"mon": [["06:00", "12:00"], ["11:00", "23:00"]]}, "overlap"),
    ],
)
def test_invalid_opening_hours_are_refused_by_clean(make_site, hours, message):
    site = make_site()
    with pytest.raises(ValidationError) as error:
        site_update(site=site, opening_hours=hours, acting_user=None)
    assert message in str(error.value.message_dict["opening_hours"])


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 11, 23, 5, 59, tzinfo=TORONTO), False),  # a Monday
        (datetime(2026, 11, 23, 6, 0, tzinfo=TORONTO), True),
        (datetime(2026, 11, 23, 22, 59, tzinfo=TORONTO), True),
        (datetime(2026, 11, 23, 23, 0, tzinfo=TORONTO), False),
        (datetime(2026, 11, 29, 12, 0, tzinfo=TORONTO), False),  # Sunday: closed
        (datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("UTC")), True),  # 7 h in Québec
    ],
)
def test_is_open_at_reads_local_time(make_site, moment, is_open):
    site = make_site()
    site_update(site=site, opening_hours={"mon": [["06:00", "23:00"]]}, acting_user=None)
    assert site.is_open_at(moment) is is_open


def test_a_site_open_past_midnight_is_open_at_half_past_midnight(make_site):
    site = make_site()
    site_update(
        site=site, opening_hours={"tue": [["00:00", "01:00"], ["05:30", "24:00"]]}, acting_user=None
    )
    assert site.is_open_at(datetime(2026, 11, 24, 0, 30, tzinfo=TORONTO))
    assert not site.is_open_at(datetime(2026, 11, 24, 1, 0, tzinfo=TORONTO))
    assert site.is_open_at(datetime(2026, 11, 24, 23, 59, tzinfo=TORONTO))
