"""The owner's form for a store's webhook endpoint."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.errors import WebhookUrlRefused
from marketplace.models import WEBHOOK_SUBSCRIBABLE, WebhookEndpoint, WebhookEvent
from marketplace.webhooks import URL_MAX, webhook_url_check


class WebhookEndpointForm(forms.Form):
    """Where the store's systems listen, and what they want to hear. The URL is checked
    as it will be called (https, a public address)."""

    url = forms.CharField(
        label=_("Address that receives the events"),
        max_length=URL_MAX,
        help_text=_("An https:// address of your own systems; we POST signed JSON to it."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(e.value, e.label) for e in WebhookEvent if e in WEBHOOK_SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    enabled = forms.BooleanField(
        label=_("Send events"),
        required=False,
        initial=True,
        help_text=_("Switched off, events wait and are sent when you switch it back on."),
    )

    def __init__(self, *args: Any, endpoint: WebhookEndpoint | None = None, **kwargs: Any) -> None:
        if endpoint is not None and not args and not kwargs.get("data"):
            kwargs["initial"] = {
                "url": endpoint.url,
                "events": endpoint.events,
                "enabled": endpoint.enabled,
            }
        elif endpoint is None and not args and not kwargs.get("data"):
            kwargs["initial"] = {"events": list(WEBHOOK_SUBSCRIBABLE), "enabled": True}
        super().__init__(*args, **kwargs)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            webhook_url_check(url)
        except WebhookUrlRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None
        return url
