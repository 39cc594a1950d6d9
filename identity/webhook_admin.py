"""Admin pages for services' webhook endpoints (identity/webhooks.py): where a coop
staff member who manages OIDC clients sets a service's URL, switches it on or off,
rotates its secret (shown once), sends a test event and reads the delivery log.

Every write goes through the services, which check access_client_webhooks_manage and
record the change in the audit trail. Registered by identity/admin.py.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin
from identity.errors import IdentityError
from identity.models import ClientWebhookDelivery, ClientWebhookEndpoint
from identity.webhooks import (
    ClientWebhookUrlRefused,
    client_webhook_endpoint_set,
    client_webhook_ping,
    client_webhook_secret_rotate,
    client_webhook_url_check,
)


class ClientWebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = ClientWebhookEndpoint
        fields = ("client", "url", "enabled")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        url = cleaned.get("url")
        if url:
            try:
                client_webhook_url_check(url)
            except ClientWebhookUrlRefused as refused:
                self.add_error("url", str(refused.message))
        return cleaned


class ClientWebhookEndpointAdmin(admin.ModelAdmin):
    form = ClientWebhookEndpointForm
    list_display = ("client", "url", "enabled", "updated_at")
    list_filter = ("enabled",)
    search_fields = ("client__name", "client__client_id", "url")
    list_select_related = ("client",)
    readonly_fields = ("previous_secret_expires_at", "created_by", "created_at", "updated_at")
    actions = ("secret_rotate", "ping")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("client", "url", "enabled")
        return ("client", "url", "enabled", *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An endpoint belongs to its service for good: a new service gets its own.
        if obj is not None:
            return ("client", *self.readonly_fields)
        return ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Switched off, never deleted: deleting it would take its delivery log with it."""
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Write through client_webhook_endpoint_set (access check, audit)."""
        data = form.cleaned_data
        client = obj.client if change else data["client"]
        try:
            endpoint, secret = client_webhook_endpoint_set(
                client=client, url=data["url"], enabled=data["enabled"], acting_user=request.user
            )
        except IdentityError as refused:
            raise PermissionDenied(str(refused)) from refused
        if secret is not None:
            self._secret_show(request, endpoint, secret)
        obj.pk = endpoint.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.action(
        description=_("Generate a new signing secret (the old one signs 24 more hours)"),
        permissions=["change"],
    )
    def secret_rotate(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset.select_related("client"):
            secret = client_webhook_secret_rotate(endpoint=endpoint, acting_user=request.user)
            self._secret_show(request, endpoint, secret)

    @admin.action(description=_("Send a test event (ping)"), permissions=["change"])
    def ping(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset.select_related("client"):
            try:
                delivery = client_webhook_ping(endpoint=endpoint, acting_user=request.user)
            except IdentityError as refused:
                self.message_user(request, str(refused), messages.ERROR)
                continue
            self.message_user(
                request,
                gettext("Test event %(event)s queued for %(name)s.")
                % {"event": delivery.event_id, "name": endpoint.client.name},
                messages.SUCCESS,
            )

    def _secret_show(self, request: HttpRequest, endpoint: Any, secret: str) -> None:
        self.message_user(
            request,
            gettext("Webhook signing secret of %(name)s, shown only this once: %(secret)s")
            % {"name": endpoint.client.name, "secret": secret},
            messages.WARNING,
        )


class ClientWebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The delivery log: what was sent to each service, how many attempts, what came back."""

    list_display = (
        "event_id",
        "endpoint",
        "event_type",
        "subject",
        "status",
        "attempts",
        "last_response_status",
        "created_at",
    )
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "subject", "endpoint__client__name")
    list_select_related = ("endpoint__client",)
    exclude = ("leased_until",)


def client_webhook_admin_register(site: admin.AdminSite) -> None:
    site.register(ClientWebhookEndpoint, ClientWebhookEndpointAdmin)
    site.register(ClientWebhookDelivery, ClientWebhookDeliveryAdmin)
