from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import DateHierarchyAdminMixin, ReadOnlyAdminMixin
from identity.assurance import session_assurance
from identity.card.admin import card_admin_register
from identity.forms import AdminSetPasswordForm, AdminUserAddForm, AdminUserChangeForm
from identity.models import AuditEvent, User
from identity.oidc.admin import oidc_admin_register
from identity.roles import Role
from identity.selectors import (
    PROVEN_FIELDS,
    access_user_change,
    access_user_proven_correct,
    identity_proven,
)
from identity.services import (
    PROFILE_FIELDS,
    user_active_set,
    user_create,
    user_email_change,
    user_profile_update,
    user_roles_change,
)
from identity.webhook_admin import client_webhook_admin_register


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People, found by email or name. Verification state is shown, never typed in.

    Every change is saved through identity's services (audited, with their permission
    checks). Roles are chosen in a role field, never as raw groups or permissions;
    superuser status is never set here; only a superuser sees or sets a password.
    """

    form = AdminUserChangeForm
    add_form = AdminUserAddForm
    change_password_form = AdminSetPasswordForm
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
        "latitude",
        "longitude",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("email", "public_id")}),
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
        (_("Roles"), {"fields": ("roles", "is_active", "is_staff", "is_superuser")}),
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

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not request.user.is_superuser:
            return fieldsets
        # A superuser also sees the password's state, with the link to set it.
        (name, options), *rest = fieldsets
        return ((name, {**options, "fields": ("email", "password", "public_id")}), *rest)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        """Names and birth date a registrar proved are shown, not editable, unless this
        person may correct them (another registrar signed in with their card)."""
        fields = super().get_readonly_fields(request, obj)
        if obj is None or not identity_proven(obj):
            return fields
        try:
            access_user_proven_correct(
                acting_user=request.user, user=obj, assurance=session_assurance(request)
            )
        except PermissionDenied:
            return (*fields, *sorted(PROVEN_FIELDS))
        return fields

    def get_form(self, request: HttpRequest, obj: User | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        # modelform_factory made this class for this request alone.
        form.acting_user = request.user
        return form

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """As access_user_change says (only a superuser changes a superuser); the services
        check it again."""
        if obj is not None:
            try:
                access_user_change(acting_user=request.user, user=obj)
            except PermissionDenied:
                return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """An account is closed (user_active_set, audited), never deleted here, even by a
        superuser: deletion would bypass the services and leave no trace."""
        return False

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Only a superuser sets someone's password (the service checks it again)."""
        if not request.user.is_superuser:
            raise PermissionDenied
        self.change_password_form = type(
            "AdminSetPasswordForm", (AdminSetPasswordForm,), {"acting_user": request.user}
        )
        return super().user_change_password(request, id, form_url)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Write through identity's services, each checking and auditing its change."""
        acting_user = request.user
        data = form.cleaned_data
        if not change:
            password = data["password1"] if data.get("set_usable_password") else None
            user = user_create(
                email=data["email"],
                password=password,
                given_name=data["given_name"],
                family_name=data["family_name"],
                preferred_language=data["preferred_language"],
                # Like every other way in, a person added here starts as a shopper.
                roles=(Role.SHOPPER,),
                acting_user=acting_user,
            )
        else:
            user = User.objects.get(pk=obj.pk)
            changed = set(form.changed_data)
            profile = {name: data[name] for name in PROFILE_FIELDS & changed}
            if profile:
                user_profile_update(
                    user=user,
                    acting_user=acting_user,
                    acting_assurance=session_assurance(request),
                    **profile,
                )
            if "email" in changed:
                user_email_change(user=user, email=data["email"], acting_user=acting_user)
            if "is_active" in changed:
                user_active_set(user=user, is_active=data["is_active"], acting_user=acting_user)
            if "roles" in changed:
                user_roles_change(user=user, roles=data["roles"], acting_user=acting_user)
        obj.pk = user.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related is saved from this page: roles went through their service."""


@admin.register(AuditEvent)
class AuditEventAdmin(DateHierarchyAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail, read-only: only the services that make a change write it."""

    list_display = (
        "created_at",
        "action",
        "acting_user",
        "subject_user",
        "target_type",
        "target_id",
    )
    list_filter = ("action", "target_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("action", "target_id", "acting_user__email", "subject_user__email")
    list_select_related = ("acting_user", "subject_user", "target_type")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action",
        "acting_user",
        "subject_user",
        "target_type",
        "target_id",
        "detail",
    )
    readonly_fields = fields


class RoleGroupAdmin(ReadOnlyAdminMixin, DjangoGroupAdmin):
    """The roles' groups, read-only: their permissions are ROLE_PERMISSIONS, which
    roles_sync writes after each migration; people get roles through the role field."""


admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
oidc_admin_register(admin.site)
card_admin_register(admin.site)
client_webhook_admin_register(admin.site)
