"""The vault's forms: sharing a document with a connected service for a chosen time."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models import OidcClient, User
from identity.vault.selectors import vault_share_clients_for

SHARE_DURATIONS = (
    (1, _("One day")),
    (7, _("One week")),
    (30, _("30 days")),
    (90, _("90 days (the longest)")),
)


class VaultShareForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Service"),
        queryset=OidcClient.objects.none(),
        empty_label=None,
        help_text=_("Only the services you are connected to with Uniqc."),
    )
    days = forms.TypedChoiceField(
        label=_("For how long"), choices=SHARE_DURATIONS, coerce=int, initial=7
    )

    def __init__(self, *args, owner: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = vault_share_clients_for(owner=owner)

    def expires_at(self) -> datetime.datetime:
        return timezone.now() + datetime.timedelta(days=self.cleaned_data["days"])
