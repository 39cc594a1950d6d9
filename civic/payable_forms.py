"""Forms of the payables' pages: finding a payable by its reference and payment code."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PayableSearchForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=60,
        help_text=_("As printed on your ticket or notice."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    payment_code = forms.CharField(
        label=_("Payment code"),
        max_length=20,
        help_text=_("Twelve letters and digits, such as ABCD-EF23-GH45."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
