"""Reads that carry rules: who may act on whom, who may receive a reset link."""

from collections.abc import Collection, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from identity.models import User
from identity.tokens import email_verification_token


def access_user_profile_change(
    *, acting_user: Any, user: User, fields: Collection[str] = frozenset()
) -> None:
    """Raise PermissionDenied unless `acting_user` may change these `fields` of `user`.

    A person changes their own profile; a coop admin (identity.change_user) anyone's.
    `fields` names the profile attributes the edit changes. Once cards prove who a person
    is, the rule that their names and birth date no longer change freely goes here.
    """
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if acting_user.pk == user.pk:
        return
    if acting_user.has_perm("identity.change_user"):
        return
    raise PermissionDenied


def user_from_uidb64(uidb64: str) -> User | None:
    """The person a link's base64 identifier names, or None when it names nobody."""
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


def email_verification_link_valid(*, user: User | None, token: str) -> bool:
    """True if `token` is a valid, unexpired, unused verification link for `user`."""
    if user is None or user.email_verified:
        return False
    return email_verification_token.check_token(user, token)


def users_for_password_reset(*, email: str) -> Iterator[User]:
    """Active people with this address (case-insensitive) who sign in with a password.

    A person without a usable password (card only) has nothing to reset.
    """
    candidates = User.objects.filter(email__iexact=email.strip(), is_active=True)
    return (user for user in candidates if user.has_usable_password())
