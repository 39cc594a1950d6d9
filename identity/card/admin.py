"""Admin pages for cards, identity checks and passkeys: read-only, revocation by service.

Rows here are written only by the registrar page and the card services; the admin lets a
registrar signed in with their own card (a `high` session, as on the registrar's pages)
revoke a card (stolen, lost, other) through `card_revoke`, which records it in the audit
trail.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin
from identity.assurance import session_assurance
from identity.card.selectors import access_card_issue, access_card_revoke_by_registrar
from identity.card.services import card_revoke
from identity.models import Card, CardRevocationReason, CardStatus, IdentityCheck, Passkey


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Nothing is added, changed or deleted by hand: only the services write these rows."""


def _revoke_action(reason: str, label: Any):
    @admin.action(description=label, permissions=["revoke"])
    def revoke(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        access_card_revoke_by_registrar(
            acting_user=request.user, assurance=session_assurance(request)
        )
        revoked = 0
        for card in queryset.exclude(status=CardStatus.REVOKED):
            card_revoke(card=card, reason=reason, acting_user=request.user)
            revoked += 1
        modeladmin.message_user(
            request, gettext("Cards revoked: %(count)d") % {"count": revoked}, messages.SUCCESS
        )

    revoke.__name__ = f"revoke_{reason}"
    return revoke


class CardAdmin(ReadOnlyAdmin):
    list_display = (
        "serial_number",
        "user",
        "status",
        "revocation_reason",
        "issued_at",
        "issued_by",
        "not_after",
    )
    list_filter = ("status", "revocation_reason")
    search_fields = ("serial_number", "fingerprint_sha256", "user__email", "user__family_name")
    list_select_related = ("user", "issued_by")
    exclude = ("certificate_der",)
    actions = [
        _revoke_action(CardRevocationReason.STOLEN, _("Revoke: stolen")),
        _revoke_action(CardRevocationReason.LOST, _("Revoke: lost")),
        _revoke_action(CardRevocationReason.OTHER, _("Revoke: other reason")),
    ]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Registrars signed in with their own card revoke cards (the action and
        card_revoke check it again)."""
        try:
            access_card_revoke_by_registrar(
                acting_user=request.user, assurance=session_assurance(request)
            )
        except PermissionDenied:
            return False
        return True

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """A registrar signed in without their card learns why they cannot revoke here."""
        if request.method == "GET" and not self.has_revoke_permission(request):
            try:
                access_card_issue(request.user)
            except PermissionDenied:
                pass
            else:
                self.message_user(
                    request,
                    gettext("To revoke a card, sign in with your own card."),
                    messages.INFO,
                )
        return super().changelist_view(request, extra_context)


class IdentityCheckAdmin(ReadOnlyAdmin):
    list_display = ("person", "document_type", "registrar", "branch", "checked_at")
    list_filter = ("document_type", "branch")
    search_fields = ("person__email", "person__family_name", "branch")
    list_select_related = ("person", "registrar")


class PasskeyAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "user",
        "card",
        "created_at",
        "last_used_at",
        "revoked_at",
        "sign_count_regressed_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__email")
    list_select_related = ("user", "card")
    exclude = ("credential_id", "public_key")


def card_admin_register(site: admin.AdminSite) -> None:
    site.register(Card, CardAdmin)
    site.register(IdentityCheck, IdentityCheckAdmin)
    site.register(Passkey, PasskeyAdmin)
