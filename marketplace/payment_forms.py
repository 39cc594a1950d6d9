"""The offline gateway's test card form: Stripe's two test cards, and an expiry and a
security code that only need to look like one."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.gateways.offline import CARD_DECLINED, CARD_SUCCEEDS

EXPIRY_PATTERN = re.compile(r"^(0[1-9]|1[0-2])\s*/\s*(\d{2}|\d{4})$")
CVC_PATTERN = re.compile(r"^\d{3,4}$")


class TestCardForm(forms.Form):
    """A test card: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, any other
    number is refused with a message naming the two."""

    card_number = forms.CharField(
        label=_("Test card number"),
        max_length=23,
        help_text=_(
            "4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined. No real card is accepted."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        max_length=9,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "12/34"}),
    )
    cvc = forms.CharField(
        label=_("Security code"),
        max_length=4,
        help_text=_("Any three or four digits."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_card_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["card_number"])
        if number not in (CARD_SUCCEEDS, CARD_DECLINED):
            raise forms.ValidationError(
                _("Use one of the two test cards: 4242 4242 4242 4242 or 4000 0000 0000 0002.")
            )
        return number

    def clean_expiry(self) -> str:
        expiry = self.cleaned_data["expiry"].strip()
        if not EXPIRY_PATTERN.match(expiry):
            raise forms.ValidationError(_("Write the expiry as month/year, for example 12/34."))
        return expiry

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not CVC_PATTERN.match(cvc):
            raise forms.ValidationError(_("Write three or four digits."))
        return cvc

    def succeeds(self) -> bool:
        """Whether the card given pays (the form is valid)."""
        data: dict[str, Any] = self.cleaned_data
        return data["card_number"] == CARD_SUCCEEDS
