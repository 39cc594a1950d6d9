"""Forms of a store's settings page: the week's hours (per day: closed, or one or two
intervals) with the preparation time, closed days, and an invitation."""

import re
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from lockers.models import WEEKDAY_KEYS, Weekday, opening_hours_errors
from marketplace.models import PREPARATION_MINUTES_MAX, PREPARATION_MINUTES_MIN, StoreRole
from marketplace.store_hours import weekday_in_sentence

# How people write a time here: 9:00, 09:00, 9 h, 9 h 30, 17h30, 24:00 (midnight).
_TIME_TYPED = re.compile(r"^\s*(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?\s*$", re.IGNORECASE)


def time_normalize(value: str) -> str:
    """`value` as HH:MM when it reads as a time of day (or 24:00), else unchanged, for
    opening_hours_errors to say what is wrong."""
    match = _TIME_TYPED.match(value or "")
    if not match:
        return (value or "").strip()
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    return f"{hours:02d}:{minutes:02d}"


def time_display(hhmm: str) -> str:
    """A stored HH:MM as the form shows it: 9 h, 17 h 30, 24 h in French (as Québec
    writes the time, with no-break spaces), 09:00 in English; time_normalize reads both
    back."""
    if not (get_language() or "fr").startswith("fr"):
        return hhmm
    hours, _colon, minutes = hhmm.partition(":")
    shown = f"{int(hours)}\N{NO-BREAK SPACE}h"
    return shown if minutes == "00" else f"{shown}\N{NO-BREAK SPACE}{minutes}"


class StoreHoursForm(forms.Form):
    """The week, one row per day: closed, or open from … to …, and a second interval for
    a store that closes at noon. The result is Store.opening_hours, every day present
    (a closed day is an empty list, so that a store closed all week is not read as a
    store that gave no hours)."""

    INTERVALS = 2

    preparation_minutes = forms.IntegerField(
        label=_("Preparation time, in minutes"),
        min_value=PREPARATION_MINUTES_MIN,
        max_value=PREPARATION_MINUTES_MAX,
        help_text=_(
            "How long you take to have an order ready. Express pickup (within 4 hours) is "
            "offered only while an order placed now can be ready before you close."
        ),
    )

    def __init__(self, *args: Any, store: Any, **kwargs: Any) -> None:
        initial = {"preparation_minutes": store.preparation_minutes}
        for day in WEEKDAY_KEYS:
            intervals = store.opening_hours.get(day, [])
            initial[f"{day}_closed"] = bool(store.opening_hours) and not intervals
            for n, (opens, closes) in enumerate(intervals[: self.INTERVALS], start=1):
                initial[f"{day}_opens_{n}"] = time_display(opens)
                initial[f"{day}_closes_{n}"] = time_display(closes)
        super().__init__(*args, initial=initial, **kwargs)
        for day in WEEKDAY_KEYS:
            label = Weekday(day).label
            self.fields[f"{day}_closed"] = forms.BooleanField(
                label=_("Closed on %(day)s") % {"day": weekday_in_sentence(day)},
                required=False,
            )
            for n in range(1, self.INTERVALS + 1):
                for edge, word in (("opens", _("opens")), ("closes", _("closes"))):
                    self.fields[f"{day}_{edge}_{n}"] = forms.CharField(
                        label=_("%(day)s, interval %(n)s, %(edge)s")
                        % {"day": label, "n": n, "edge": word},
                        required=False,
                        max_length=8,
                        widget=forms.TextInput(
                            attrs={"size": 6, "placeholder": time_display("09:00")}
                        ),
                    )

    def days(self) -> list[dict[str, Any]]:
        """The rows of the week for the template: the day, its closed box and its
        intervals' fields."""
        return [
            {
                "key": day,
                "label": Weekday(day).label,
                "closed": self[f"{day}_closed"],
                "intervals": [
                    (self[f"{day}_opens_{n}"], self[f"{day}_closes_{n}"])
                    for n in range(1, self.INTERVALS + 1)
                ],
            }
            for day in WEEKDAY_KEYS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hours: dict[str, list[list[str]]] = {}
        for day in WEEKDAY_KEYS:
            hours[day] = []
            if data.get(f"{day}_closed"):
                continue
            for n in range(1, self.INTERVALS + 1):
                opens = time_normalize(data.get(f"{day}_opens_{n}", ""))
                closes = time_normalize(data.get(f"{day}_closes_{n}", ""))
                if not opens and not closes:
                    continue
                if not opens or not closes:
                    self.add_error(
                        f"{day}_{'closes' if opens else 'opens'}_{n}",
                        _("Give both the opening and the closing time."),
                    )
                    continue
                hours[day].append([opens, closes])
            if not hours[day] and not self.errors:
                self.add_error(
                    f"{day}_opens_1",
                    _("Give the hours of %(day)s, or tick “closed”.")
                    % {"day": weekday_in_sentence(day)},
                )
        if not self.errors:
            for error in opening_hours_errors(hours):
                self.add_error(None, error)
        data["opening_hours"] = hours
        return data


class StoreClosureForm(forms.Form):
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=_("Last day"),
        required=False,
        help_text=_("Leave it empty for a single day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=120,
        help_text=_("Shoppers read it at checkout, such as “Saint-Jean-Baptiste” or “Inventory”."),
    )


class StoreInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=StoreRole.choices,
        initial=StoreRole.STAFF,
        widget=forms.RadioSelect,
        help_text=_("Staff manage listings and orders; owners also change these settings."),
    )
