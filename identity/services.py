"""Every write to identity goes through a function here."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from identity.models import User
from identity.roles import STAFF_ROLES, Role
from identity.validators import phone_normalize, postal_code_normalize


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    given_name: str,
    family_name: str,
    email_verified: bool = False,
    roles: Iterable[str] = (Role.SHOPPER,),
    **attributes: Any,
) -> User:
    """Create a person after validating every attribute; roles become group memberships."""
    if "postal_code" in attributes:
        attributes["postal_code"] = postal_code_normalize(attributes["postal_code"])
    if "phone" in attributes:
        attributes["phone"] = phone_normalize(attributes["phone"])
    user = User(
        email=User.objects.normalize_email(email).lower(),
        given_name=given_name,
        family_name=family_name,
        email_verified=email_verified,
        email_verified_at=timezone.now() if email_verified else None,
        **attributes,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    user_roles_set(user=user, roles=roles)
    return user


@transaction.atomic
def user_roles_set(*, user: User, roles: Iterable[str]) -> User:
    """Give `user` exactly these roles; registrars and coop admins may use the admin site."""
    roles = {Role(role) for role in roles}
    user.groups.set(Group.objects.filter(name__in=roles))
    is_staff = bool(roles & STAFF_ROLES) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    return user
