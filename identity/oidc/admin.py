"""Admin for OpenID Connect clients: secrets are generated here and shown once.

Registered on the default site by identity/admin.py calling
`oidc_admin_register(admin.site)`.
"""

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import JSON_FORMFIELD_OVERRIDES
from identity.models import OidcClient
from identity.oidc.services import (
    OIDC_CLIENT_FIELDS,
    oidc_client_active_set,
    oidc_client_create,
    oidc_client_secret_reset,
    oidc_client_update,
)


class OidcClientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "client_id",
        "is_public",
        "is_internal",
        "pkce_required",
        "id_token_alg",
        "is_active",
    )
    list_filter = ("is_public", "is_internal", "pkce_required", "is_active", "id_token_alg")
    search_fields = ("name", "client_id", "sector_identifier")
    # The sector is derived when the client is registered and never changes: every `sub`
    # the client has received depends on it.
    readonly_fields = ("client_id", "sector_identifier", "created_at")
    fields = (
        "name",
        "client_id",
        "is_public",
        "is_internal",
        "pkce_required",
        "sector_identifier",
        "sector_identifier_uri",
        "id_token_alg",
        "redirect_uris",
        "post_logout_redirect_uris",
        "allowed_scopes",
        "logo_url",
        "policy_url",
        "terms_url",
        "is_active",
        "created_at",
    )
    actions = ("secret_reset",)
    formfield_overrides = {
        **JSON_FORMFIELD_OVERRIDES,
        models.URLField: {"assume_scheme": "https"},
    }

    def get_readonly_fields(self, request: HttpRequest, obj: OidcClient | None = None) -> Any:
        # Whether a client keeps a secret is decided once, when it is registered.
        if obj is not None:
            return (*self.readonly_fields, "is_public")
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: OidcClient | None = None) -> bool:
        """A client is deactivated (audited), never deleted: deleting it would take with it,
        unaudited, its grants and every person's record of what it received."""
        return False

    def save_model(self, request: HttpRequest, obj: OidcClient, form: Any, change: bool) -> None:
        """Write through the OIDC services, which record each change in the audit trail."""
        data = form.cleaned_data
        values = {name: data[name] for name in OIDC_CLIENT_FIELDS & set(data)}
        if not change:
            created = oidc_client_create(
                is_public=data.get("is_public", False),
                is_active=data.get("is_active", True),
                acting_user=request.user,
                **values,
            )
            client = created.client
            if created.client_secret is not None:
                self._secret_show(request, client, created.client_secret)
        else:
            client = OidcClient.objects.get(pk=obj.pk)
            changed = set(form.changed_data)
            oidc_client_update(
                client=client,
                acting_user=request.user,
                **{name: value for name, value in values.items() if name in changed},
            )
            if "is_active" in changed:
                oidc_client_active_set(
                    client=client, is_active=data["is_active"], acting_user=request.user
                )
        obj.pk = client.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.action(
        description=_("Generate a new secret (ends the client’s grants)"), permissions=["change"]
    )
    def secret_reset(self, request: HttpRequest, queryset: QuerySet[OidcClient]) -> None:
        for client in queryset.filter(is_public=False):
            secret = oidc_client_secret_reset(client=client, acting_user=request.user)
            self._secret_show(request, client, secret)

    def _secret_show(self, request: HttpRequest, client: OidcClient, secret: str) -> None:
        self.message_user(
            request,
            gettext("Secret of %(name)s, shown only this once: %(secret)s")
            % {"name": client.name, "secret": secret},
            messages.WARNING,
        )


def oidc_admin_register(site: admin.AdminSite) -> None:
    site.register(OidcClient, OidcClientAdmin)
