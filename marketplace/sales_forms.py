"""The period of a store's sales dashboard: from and to, as the browser's date fields send
them (ISO dates), the last 30 days when not given (an empty field takes its default, so
neither is ever missing)."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.sales import SALES_DEFAULT_DAYS, SALES_MAX_DAYS, sales_today

# The earliest day anyone may ask for: before it the coop sold nothing, and far dates
# would overflow when turned into the coop's time.
SALES_FIRST_DAY = datetime.date(2020, 1, 1)


class DateInput(forms.DateInput):
    input_type = "date"


class SalesPeriodForm(forms.Form):
    du = forms.DateField(
        label=_("From"),
        input_formats=["%Y-%m-%d"],
        widget=DateInput(format="%Y-%m-%d"),
    )
    au = forms.DateField(
        label=_("To"),
        input_formats=["%Y-%m-%d"],
        widget=DateInput(format="%Y-%m-%d"),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        today = sales_today()
        self.latest_day = today + datetime.timedelta(days=SALES_MAX_DAYS)
        # The form shows the period it reports: the defaults fill what was not given.
        data = data.copy() if data is not None else {}
        if not data.get("au"):
            data["au"] = today.isoformat()
        if not data.get("du"):
            try:
                end = datetime.date.fromisoformat(data["au"])
            except ValueError:
                end = today
            start = max(end - datetime.timedelta(days=SALES_DEFAULT_DAYS - 1), SALES_FIRST_DAY)
            data["du"] = start.isoformat()
        super().__init__(data, **kwargs)
        self.fields["au"].help_text = _("Both days included, at most %(days)s days.") % {
            "days": SALES_MAX_DAYS
        }

    def _clean_day(self, name: str) -> datetime.date | None:
        day = self.cleaned_data.get(name)
        if day is None:
            return None
        if day < SALES_FIRST_DAY:
            raise forms.ValidationError(
                _("Choose a day from %(first)s on.") % {"first": SALES_FIRST_DAY.isoformat()},
                code="too_early",
            )
        if day > self.latest_day:
            raise forms.ValidationError(
                _("Choose a day at most a year from today."), code="too_late"
            )
        return day

    def clean_du(self) -> datetime.date | None:
        return self._clean_day("du")

    def clean_au(self) -> datetime.date | None:
        return self._clean_day("au")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start is None or end is None:
            return cleaned
        if start > end:
            self.add_error("au", _("The last day comes before the first."))
        elif (end - start).days + 1 > SALES_MAX_DAYS:
            self.add_error(
                "au",
                _("Choose at most %(days)s days at a time.") % {"days": SALES_MAX_DAYS},
            )
        return cleaned
