"""The roles a person can hold, each a group carrying the permissions of that role.

Higher apps check a permission (`user.has_perm("lockers.carry_parcels")`), never a group
name. Each app declares its own permissions (Meta.permissions on its models) and adds
them to the roles from its AppConfig.ready() with `role_permissions_add`; identity
declares only its own. What another app records itself (working at a store is a
marketplace StoreStaff row) is not a role.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SHOPPER = "shopper", _("Shopper")
    COURIER = "courier", _("Courier")
    REGISTRAR = "registrar", _("Registrar")
    COOP_ADMIN = "coop_admin", _("Coop admin")


# Role -> permission codenames ("app_label.codename").
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SHOPPER: ["identity.shop"],
    Role.COURIER: [],
    Role.REGISTRAR: [
        "identity.issue_cards",
        "identity.view_user",
        "identity.view_card",
        "identity.view_identitycheck",
        "identity.view_passkey",
    ],
    Role.COOP_ADMIN: [
        "identity.shop",
        "identity.administer_coop",
        "identity.view_user",
        "identity.change_user",
        "identity.view_card",
        "identity.view_identitycheck",
        "identity.view_passkey",
        "identity.view_auditevent",
        "auth.view_group",
    ],
}


def role_permissions_add(role: str, labels: list[str]) -> None:
    """Let an app above identity grant its own permissions to a role (from its ready()).

    identity never imports the apps above it; they register here instead.
    """
    current = ROLE_PERMISSIONS.setdefault(role, [])
    current.extend(label for label in labels if label not in current)


# Roles whose holders use the administration site.
STAFF_ROLES = {Role.REGISTRAR, Role.COOP_ADMIN}


def _permissions(labels: list[str]) -> list[Permission]:
    """The permissions named by these labels that exist yet (apps migrate one by one)."""
    wanted = {tuple(label.split(".")) for label in labels}
    perms = Permission.objects.filter(
        content_type__app_label__in={app_label for app_label, _codename in wanted},
        codename__in={codename for _app_label, codename in wanted},
    ).select_related("content_type")
    return [p for p in perms if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def roles_sync() -> None:
    """Make each role's group exist with exactly the permissions ROLE_PERMISSIONS gives."""
    for role, labels in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions(labels))


def roles_sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    roles_sync()


def user_roles(user: Any) -> set[str]:
    """The roles a signed-in person holds (an anonymous visitor holds none)."""
    if not user.is_authenticated:
        return set()
    names = {group.name for group in user.groups.all()}
    return {role for role in Role.values if role in names}
