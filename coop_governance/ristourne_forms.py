"""The board's ristourne forms: a fiscal year's dates, the year's figures, and how the
proposal is put to the members. Limits are the models' (amounts under a trillion, to the
cent; rates from 0 to 100 %)."""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coop_governance.errors import RistourneFiguresRefused
from coop_governance.models import Assembly, AssemblyStatus
from coop_governance.ristournes import AMOUNT_MAX, reserve_minimum_percent

DATE_MIN, DATE_MAX = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _money(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=AMOUNT_MAX,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _percent(label: str, help_text: str, initial: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        initial=initial,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class FiscalYearForm(forms.Form):
    starts_on = forms.DateField(label=_("First day"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("starts_on", "ends_on"):
            if data.get(name) and not DATE_MIN <= data[name] <= DATE_MAX:
                self.add_error(name, _("Enter a date between 2000 and 2100."))
        return data


class ComputeForm(forms.Form):
    surplus = _money(_("Surplus of the year"), _("From the audited income statement."))
    equity = _money(_("Equity at year end"))
    debts = _money(_("Debts at year end"))
    reserve_percent = _percent(
        _("Part of the members’ surplus to the reserve (%)"),
        _("At least 20% while equity is under 30% of debts."),
        20,
    )
    shares_percent = _percent(
        _("Part of each ristourne paid in preferred shares (%)"),
        _("0 pays everything in cash; 100 everything in preferred shares."),
        0,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if all(data.get(name) is not None for name in ("equity", "debts", "reserve_percent")):
            minimum = reserve_minimum_percent(equity=data["equity"], debts=data["debts"])
            if data["reserve_percent"] < minimum:
                self.add_error("reserve_percent", RistourneFiguresRefused.message)
        return data


class ProposeForm(forms.Form):
    ASSEMBLY, ONLINE = "assembly", "online"
    how = forms.ChoiceField(
        label=_("How the members vote"),
        choices=[(ASSEMBLY, _("At an assembly")), (ONLINE, _("Online, between two times"))],
        widget=forms.RadioSelect,
        initial=ASSEMBLY,
    )
    assembly = forms.ModelChoiceField(
        label=_("Assembly"),
        queryset=Assembly.objects.filter(status__in=[AssemblyStatus.CALLED, AssemblyStatus.OPEN]),
        required=False,
    )
    opens_at = forms.DateTimeField(label=_("Vote opens"), required=False, widget=DateTimeInput())
    closes_at = forms.DateTimeField(label=_("Vote closes"), required=False, widget=DateTimeInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("how") == self.ASSEMBLY and not data.get("assembly"):
            self.add_error("assembly", _("Choose the assembly."))
        if data.get("how") == self.ONLINE:
            opens, closes = data.get("opens_at"), data.get("closes_at")
            if not opens:
                self.add_error("opens_at", _("Enter when the vote opens."))
            if not closes:
                self.add_error("closes_at", _("Enter when the vote closes."))
            if opens and closes and closes <= opens:
                self.add_error("closes_at", _("The vote closes after it opens."))
        return data
