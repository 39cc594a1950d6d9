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

from identity.models import OidcClient
from identity.oidc.services import oidc_client_secret_new, oidc_client_secret_reset


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
    readonly_fields = ("client_id", "created_at")
    fields = (
        "name",
        "client_id",
        "is_public",
        "is_internal",
        "pkce_required",
        "sector_identifier",
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
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request: HttpRequest, obj: OidcClient | None = None) -> Any:
        # Whether a client keeps a secret is decided once, when it is registered.
        if obj is not None:
            return (*self.readonly_fields, "is_public")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: OidcClient, form: Any, change: bool) -> None:
        secret = None
        if not change and not obj.is_public:
            secret = oidc_client_secret_new(client=obj)
        super().save_model(request, obj, form, change)
        if secret is not None:
            self._secret_show(request, obj, secret)

    @admin.action(description=_("Generate a new secret (ends the client's grants)"))
    def secret_reset(self, request: HttpRequest, queryset: QuerySet[OidcClient]) -> None:
        for client in queryset.filter(is_public=False):
            self._secret_show(request, client, oidc_client_secret_reset(client=client))

    def _secret_show(self, request: HttpRequest, client: OidcClient, secret: str) -> None:
        self.message_user(
            request,
            gettext("Secret of %(name)s, shown only this once: %(secret)s")
            % {"name": client.name, "secret": secret},
            messages.WARNING,
        )


def oidc_admin_register(site: admin.AdminSite) -> None:
    site.register(OidcClient, OidcClientAdmin)
