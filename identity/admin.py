from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from identity.card.admin import card_admin_register
from identity.forms import AdminUserAddForm, AdminUserChangeForm
from identity.models import User
from identity.oidc.admin import oidc_admin_register
from identity.roles import Role
from identity.services import user_roles_set


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People, found by email or name. Verification state is shown, never typed in."""

    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    list_display = (
        "email",
        "given_name",
        "family_name",
        "email_verified",
        "is_staff",
        "date_joined",
    )
    list_filter = ("groups", "email_verified", "is_staff", "is_active", "preferred_language")
    search_fields = ("email", "given_name", "family_name")
    ordering = ("family_name", "given_name", "id")
    readonly_fields = (
        "public_id",
        "email_verified",
        "email_verified_at",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
        (_("Email verification"), {"fields": ("email_verified", "email_verified_at")}),
        (
            _("Person"),
            {"fields": ("given_name", "family_name", "birth_date", "phone", "preferred_language")},
        ),
        (
            _("Address"),
            {
                "fields": (
                    "street_address",
                    "locality",
                    "region",
                    "postal_code",
                    "latitude",
                    "longitude",
                )
            },
        ),
        (
            _("Roles and permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "given_name",
                    "family_name",
                    "preferred_language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # Like every other way in, a person added here starts as a shopper.
            user_roles_set(user=obj, roles=(Role.SHOPPER,))


oidc_admin_register(admin.site)
card_admin_register(admin.site)
