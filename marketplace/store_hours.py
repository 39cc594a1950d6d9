"""Whether a store can take a 4-hour express order now: the one place of that rule.

A store can when, in Montréal's time, it is not closed today (a StoreClosure) and one of
today's opening intervals lets it have the order ready in time: it starts preparing at
the later of now and the interval's opening, and start + preparation time must come no
later than the interval's close and no later than now + 4 hours. An interval that closes
at 24:00 goes on into the next day's interval that opens at 00:00 (unless the next day is
a closed day), so a store open around the clock takes express orders at 23:30 too.

A store with no opening hours at all has told us nothing about when it is closed: it is
treated as open every day, around the clock, and only its closed days refuse express.
Refusing express to every store that has not filled in its hours would turn the service
off, without a word, for the stores that applied before hours could be set; a store that
does give hours is held to them.

Times are compared as instants (UTC), so the days the clocks change are counted right:
the night of the change is an hour shorter (March) or longer (November).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lockers.models import END_OF_DAY, WEEKDAY_KEYS, Weekday
from marketplace.models import Store, StoreClosure

STORE_TIME_ZONE = ZoneInfo("America/Montreal")
EXPRESS_WINDOW = timedelta(hours=4)


@dataclass(frozen=True)
class ExpressVerdict:
    """Whether `store` takes an express order at a moment; `reason` says why not, naming
    the store, in words for the shopper."""

    store: Store
    available: bool
    reason: str = ""


def weekday_in_sentence(key: str) -> str:
    """The weekday's name as it reads inside a sentence: lower case in French (le lundi),
    capitalised in English (on Monday)."""
    label = str(Weekday(key).label)
    return label.lower() if (get_language() or "fr").startswith("fr") else label


def _moment(day: date, hhmm: str) -> datetime:
    """The instant (UTC) of `hhmm` on `day` in Montréal; 24:00 is the next midnight."""
    if hhmm == END_OF_DAY:
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=STORE_TIME_ZONE)
    else:
        local = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=STORE_TIME_ZONE)
    return local.astimezone(UTC)


def _closure_on(day: date, closures: Iterable[StoreClosure]) -> StoreClosure | None:
    return next((c for c in closures if c.first_day <= day <= c.last_day), None)


def _spans(
    store: Store, day: date, closures: list[StoreClosure]
) -> list[tuple[datetime, datetime]]:
    """`day`'s opening intervals as instants, one closing at 24:00 carried on into the
    next day's interval opening at 00:00 when the next day is not a closed day."""
    intervals = store.opening_hours.get(WEEKDAY_KEYS[day.weekday()], [])
    spans = [(_moment(day, opens), _moment(day, closes)) for opens, closes in intervals]
    if spans and intervals[-1][1] == END_OF_DAY:
        tomorrow = day + timedelta(days=1)
        following = store.opening_hours.get(WEEKDAY_KEYS[tomorrow.weekday()], [])
        if following and following[0][0] == "00:00" and _closure_on(tomorrow, closures) is None:
            opens, _closes = spans[-1]
            spans[-1] = (opens, _moment(tomorrow, following[0][1]))
    return spans


def express_available(
    store: Store, at: datetime, closures: Iterable[StoreClosure] = ()
) -> ExpressVerdict:
    """Whether `store` can have an express order placed at `at` (aware) ready within 4
    hours, by its opening hours, its preparation time and `closures` (its closed days;
    those of other stores are ignored). See the module's docstring for the rule."""
    closures = [c for c in closures if c.store_id == store.pk]
    at = at.astimezone(UTC)
    today = at.astimezone(STORE_TIME_ZONE).date()
    closure = _closure_on(today, closures)
    if closure is not None:
        return ExpressVerdict(
            store,
            False,
            _("%(store)s is closed today (%(reason)s): express pickup is not offered.")
            % {"store": store.name, "reason": closure.reason},
        )
    if not store.opening_hours:
        return ExpressVerdict(store, True)
    spans = _spans(store, today, closures)
    if not spans:
        return ExpressVerdict(
            store,
            False,
            _("%(store)s is closed on %(day)s: express pickup is not offered today.")
            % {"store": store.name, "day": weekday_in_sentence(WEEKDAY_KEYS[today.weekday()])},
        )
    preparation = timedelta(minutes=store.preparation_minutes)
    deadline = at + EXPRESS_WINDOW
    opens_too_late = False
    for opens, closes in spans:
        if closes <= at:
            continue
        ready = max(at, opens) + preparation
        if ready <= closes and ready <= deadline:
            return ExpressVerdict(store, True)
        opens_too_late = opens_too_late or (ready > deadline and ready <= closes)
    if opens_too_late:
        reason = _(
            "%(store)s cannot have the order ready within 4 hours (it needs %(minutes)s "
            "minutes once open): choose standard pickup."
        )
    else:
        reason = _(
            "%(store)s can no longer prepare an order before it closes today (it needs "
            "%(minutes)s minutes): choose standard pickup."
        )
    return ExpressVerdict(
        store, False, reason % {"store": store.name, "minutes": store.preparation_minutes}
    )


def express_refusals(stores: Iterable[Store], at: datetime) -> list[ExpressVerdict]:
    """The stores among `stores` that cannot take an express order at `at`, each with
    why, in the order given. One query (their closed days today and tomorrow)."""
    stores = list(stores)
    if not stores:
        return []
    today = at.astimezone(STORE_TIME_ZONE).date()
    closures = list(
        StoreClosure.objects.filter(
            store_id__in=[store.pk for store in stores],
            first_day__lte=today + timedelta(days=1),
            last_day__gte=today,
        )
    )
    verdicts = (express_available(store, at, closures) for store in stores)
    return [verdict for verdict in verdicts if not verdict.available]
