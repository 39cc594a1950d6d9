"""The style guide's specimen form (/design/): one field of each kind the components draw."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

REGIONS = [
    ("QC", _("Quebec")),
    ("ON", _("Ontario")),
]
DELIVERY = [
    ("4h", _("Within 4 hours")),
    ("24h", _("Within 24 hours")),
]


class SpecimenForm(forms.Form):
    given_name = forms.CharField(
        label=_("Given name"),
        disabled=True,
        widget=forms.TextInput(attrs={"data-proven": "true"}),
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        disabled=True,
        widget=forms.DateInput(attrs={"data-proven": "true"}),
    )
    phone = forms.CharField(label=_("Phone"), disabled=True, required=False)
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send a link to this address to check it is yours."),
    )
    region = forms.ChoiceField(label=_("Province"), choices=REGIONS)
    delivery = forms.ChoiceField(
        label=_("Delivery"), choices=DELIVERY, widget=forms.RadioSelect, initial="24h"
    )
    note = forms.CharField(label=_("Note for the store"), required=False, widget=forms.Textarea)
    newsletter = forms.BooleanField(label=_("Send me the coop’s news"), required=False)


SPECIMEN_INITIAL = {"given_name": "Camille", "birth_date": date(1991, 4, 17)}
SPECIMEN_INVALID = {"invalid-email": "camille@", "invalid-region": "QC", "invalid-delivery": ""}
