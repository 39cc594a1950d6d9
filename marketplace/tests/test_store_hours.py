"""When a store takes a 4-hour express order (marketplace.store_hours): a table of
moments, the days the clocks change, midnight, closed days, a store closed that weekday,
and a property over the whole year."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from marketplace.models import Store, StoreClosure
from marketplace.store_hours import STORE_TIME_ZONE, express_available

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_SIX = {day: [["09:00", "18:00"]] for day in WEEKDAYS} | {"sat": [], "sun": []}
# Hypothesis takes naive bounds and adds the zone it is given.
YEAR_FIRST = datetime(2026, 1, 1)  # noqa: DTZ001
YEAR_LAST = datetime(2027, 12, 31)  # noqa: DTZ001
AROUND_THE_CLOCK = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def store(hours: dict, minutes: int = 60, pk: int = 1) -> Store:
    return Store(
        pk=pk, name="Boulangerie du Faubourg", opening_hours=hours, preparation_minutes=minutes
    )


def local(*args: int) -> datetime:
    """A moment in Montréal, as the instant (UTC) checkout sees."""
    return datetime(*args, tzinfo=STORE_TIME_ZONE).astimezone(UTC)


def closed(first: date, last: date | None = None, pk: int = 1) -> StoreClosure:
    return StoreClosure(
        store_id=pk, first_day=first, last_day=last or first, reason="Fête nationale"
    )


# Tuesday 2026-06-23; Sunday 2026-06-21.
@pytest.mark.parametrize(
    ("hours", "minutes", "moment", "available"),
    [
        (NINE_TO_SIX, 60, local(2026, 6, 23, 10, 0), True),
        (NINE_TO_SIX, 60, local(2026, 6, 23, 17, 0), True),  # ready at closing time
        (NINE_TO_SIX, 60, local(2026, 6, 23, 17, 1), False),  # ready after closing
        (NINE_TO_SIX, 480, local(2026, 6, 23, 9, 0), False),  # 8 h is never 4 h
        (NINE_TO_SIX, 60, local(2026, 6, 23, 7, 0), True),  # opens at 9, ready at 10
        (NINE_TO_SIX, 60, local(2026, 6, 23, 4, 0), False),  # ready at 10 > 4 + 4 h
        (NINE_TO_SIX, 60, local(2026, 6, 23, 19, 0), False),  # closed for the day
        (NINE_TO_SIX, 15, local(2026, 6, 21, 12, 0), False),  # closed on Sundays
        # Closes at noon: the afternoon interval has the order ready in time.
        ({"tue": [["09:00", "12:00"], ["13:00", "17:00"]]}, 60, local(2026, 6, 23, 11, 30), True),
        ({"tue": [["09:00", "12:00"], ["13:00", "17:00"]]}, 60, local(2026, 6, 23, 16, 30), False),
        # Midnight: open around the clock, 23:30 goes on into Wednesday's 00:00.
        (AROUND_THE_CLOCK, 60, local(2026, 6, 23, 23, 30), True),
        (AROUND_THE_CLOCK, 60, local(2026, 6, 24, 0, 0), True),
        # Open until 24:00 but closed Wednesday morning: no carrying on past midnight.
        (
            {"tue": [["18:00", "24:00"]], "wed": [["09:00", "17:00"]]},
            60,
            local(2026, 6, 23, 23, 30),
            False,
        ),
        (
            {"tue": [["18:00", "24:00"]], "wed": [["09:00", "17:00"]]},
            30,
            local(2026, 6, 23, 23, 30),
            True,
        ),
        # No hours given at all: open around the clock (store_hours' rule).
        ({}, 60, local(2026, 6, 23, 3, 0), True),
    ],
)
def test_express_by_the_store_hours(hours, minutes, moment, available):
    assert express_available(store(hours, minutes), moment).available is available


def test_a_closed_day_refuses_express_and_says_why_naming_the_store():
    verdict = express_available(
        store(NINE_TO_SIX), local(2026, 6, 24, 10, 0), [closed(date(2026, 6, 24))]
    )
    assert not verdict.available
    with translation.override("en"):
        verdict = express_available(
            store(NINE_TO_SIX), local(2026, 6, 24, 10, 0), [closed(date(2026, 6, 24))]
        )
    assert "Boulangerie du Faubourg is closed today (Fête nationale)" in verdict.reason


def test_a_range_of_closed_days_covers_each_of_its_days():
    vacation = closed(date(2026, 7, 20), date(2026, 7, 31))
    for day in (20, 24, 31):
        assert not express_available(
            store(NINE_TO_SIX), local(2026, 7, day, 10, 0), [vacation]
        ).available
    assert express_available(store(NINE_TO_SIX), local(2026, 8, 3, 10, 0), [vacation]).available


def test_a_store_without_hours_is_still_closed_on_its_closed_days():
    verdict = express_available(store({}), local(2026, 6, 24, 10, 0), [closed(date(2026, 6, 24))])
    assert not verdict.available


def test_another_stores_closed_day_does_not_count():
    other = closed(date(2026, 6, 24), pk=2)
    assert express_available(store(NINE_TO_SIX), local(2026, 6, 24, 10, 0), [other]).available


def test_a_closed_day_tomorrow_stops_the_night_at_midnight():
    verdict = express_available(
        store(AROUND_THE_CLOCK), local(2026, 6, 23, 23, 30), [closed(date(2026, 6, 24))]
    )
    assert not verdict.available


def test_the_weekly_closed_day_is_named():
    with translation.override("en"):
        verdict = express_available(store(NINE_TO_SIX), local(2026, 6, 21, 12, 0))
    assert verdict.reason == (
        "Boulangerie du Faubourg is closed on Sunday: express pickup is not offered today."
    )


def test_spring_forward_the_night_is_an_hour_shorter():
    """2026-03-08, 2:00 becomes 3:00: from 1:30, an hour of preparation ends at 3:30,
    after a 3:00 closing (the wall clock alone would say 2:30)."""
    night = {"sun": [["00:00", "03:00"]]}
    assert not express_available(store(night, 60), local(2026, 3, 8, 1, 30)).available
    assert express_available(store(night, 20), local(2026, 3, 8, 1, 30)).available


def test_fall_back_the_night_is_an_hour_longer():
    """2026-11-01, 2:00 goes back to 1:00: from the first 1:30, two hours of preparation
    end at 2:30, before a 3:00 closing (the wall clock alone would say 3:30)."""
    night = {"sun": [["00:00", "03:00"]]}
    first_half_past_one = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 1:30 EDT
    assert first_half_past_one.astimezone(STORE_TIME_ZONE).hour == 1
    assert express_available(store(night, 120), first_half_past_one).available


@given(
    moment=st.datetimes(min_value=YEAR_FIRST, max_value=YEAR_LAST, timezones=st.just(UTC)),
    minutes=st.integers(min_value=15, max_value=240),
)
def test_a_store_open_around_the_clock_always_takes_express(moment, minutes):
    assert express_available(store(AROUND_THE_CLOCK, minutes), moment).available


@given(
    moment=st.datetimes(min_value=YEAR_FIRST, max_value=YEAR_LAST, timezones=st.just(UTC)),
    minutes=st.integers(min_value=15, max_value=480),
)
def test_express_is_ready_within_the_hours_and_four_hours(moment, minutes):
    """Whenever express is offered, the order can be ready inside an opening interval of
    today and within 4 hours; it is never offered on a closed day."""
    shop = store(NINE_TO_SIX, minutes)
    verdict = express_available(shop, moment)
    today = moment.astimezone(STORE_TIME_ZONE)
    if today.strftime("%a").lower()[:3] in ("sat", "sun"):
        assert not verdict.available
        return
    opens = today.replace(hour=9, minute=0, second=0, microsecond=0)
    closes = today.replace(hour=18, minute=0, second=0, microsecond=0)
    ready = max(moment, opens) + timedelta(minutes=minutes)
    assert verdict.available is (ready <= closes and ready <= moment + timedelta(hours=4))
