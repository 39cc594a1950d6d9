"""Reads that carry rules: who may act on whom, who may receive a reset link."""

from collections.abc import Collection, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from identity.assurance import level_satisfies
from identity.card.errors import CardIssueRefused
from identity.card.selectors import REGISTRAR_ASSURANCE, access_card_issue_to
from identity.models import IdentityCheck, User
from identity.roles import Role, user_roles
from identity.tokens import email_verification_token

# What a registrar proved from an identity document: once proven, the person no longer
# changes them alone (the age_over_18 claim, the card's subject, rest on them).
PROVEN_FIELDS = frozenset({"given_name", "family_name", "birth_date"})


def identity_proven(user: User) -> bool:
    """Whether a registrar has checked an identity document of this person."""
    return IdentityCheck.objects.filter(person=user).exists()


def access_user_profile_change(
    *,
    acting_user: Any,
    user: User,
    fields: Collection[str] = frozenset(),
    assurance: str | None = None,
) -> None:
    """Raise PermissionDenied unless `acting_user` may change these `fields` of `user`.

    A person changes their own profile, and a coop admin (identity.change_user) anyone's,
    except the names and birth date a registrar has proven: those only as
    access_user_proven_correct allows (`assurance`: the acting session's level).
    """
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if user.is_superuser and not acting_user.is_superuser:
        raise PermissionDenied("Only a superuser changes a superuser.")
    if PROVEN_FIELDS.intersection(fields) and identity_proven(user):
        access_user_proven_correct(acting_user=acting_user, user=user, assurance=assurance)
        if PROVEN_FIELDS.issuperset(fields):
            return
    if acting_user.has_perm("identity.change_user"):
        return
    if acting_user.pk == user.pk:
        return
    raise PermissionDenied


def access_user_proven_correct(*, acting_user: Any, user: User, assurance: str | None) -> None:
    """Raise PermissionDenied unless `acting_user` may correct the names and birth date a
    registrar proved of `user` from an identity document.

    Only someone who may check this person's document (access_card_issue_to: another
    registrar, never the person themself, nor a registrar for a colleague or an admin),
    signed in with their own card. A coop admin does not: proven attributes carry the
    card's and the `age_over_18` claim's promise.
    """
    if acting_user.pk == user.pk:
        raise PermissionDenied("No one corrects their own proven names or birth date.")
    try:
        access_card_issue_to(registrar=acting_user, person=user)
    except CardIssueRefused as refused:
        raise PermissionDenied(str(refused.message)) from None
    if not level_satisfies(assurance, REGISTRAR_ASSURANCE):
        raise PermissionDenied("Proven names and birth date are corrected with your own card.")


def access_user_change(*, acting_user: Any, user: User) -> None:
    """Raise PermissionDenied unless `acting_user` may change `user`'s account as a coop
    admin (email address, activation): a coop admin may, except a superuser's account."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.has_perm("identity.change_user"):
        raise PermissionDenied
    if user.is_superuser and not acting_user.is_superuser:
        raise PermissionDenied("Only a superuser changes a superuser.")


def access_user_active_change(*, acting_user: Any, user: User) -> None:
    """Raise PermissionDenied unless `acting_user` may open or close `user`'s account:
    a coop admin may, except their own account (no one locks themself out) and a
    superuser's."""
    access_user_change(acting_user=acting_user, user=user)
    if acting_user.pk == user.pk:
        raise PermissionDenied("No one opens or closes their own account here.")


def access_user_roles_change(*, acting_user: Any, user: User, roles: Collection[str]) -> None:
    """Raise PermissionDenied unless `acting_user` may give `user` exactly `roles`.

    A coop admin changes other people's roles; only a superuser grants or withdraws the
    coop admin role, or changes a superuser's roles; no one changes their own roles.
    """
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.has_perm("identity.administer_coop"):
        raise PermissionDenied("Only a coop admin changes roles.")
    if acting_user.pk == user.pk:
        raise PermissionDenied("No one changes their own roles.")
    if user.is_superuser and not acting_user.is_superuser:
        raise PermissionDenied("Only a superuser changes a superuser's roles.")
    coop_admin_changes = Role.COOP_ADMIN in set(roles) ^ user_roles(user)
    if coop_admin_changes and not acting_user.is_superuser:
        raise PermissionDenied("Only a superuser grants or withdraws the coop admin role.")


def access_user_create(*, acting_user: Any, password_set: bool) -> None:
    """Raise PermissionDenied unless `acting_user` may open an account for someone else:
    with identity.add_user; and give it a password only as a superuser, since whoever
    sets it holds the account (as access_user_password_set)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.has_perm("identity.add_user"):
        raise PermissionDenied("Only those who may add people open an account for someone.")
    if password_set and not acting_user.is_superuser:
        raise PermissionDenied("Only a superuser sets someone else's password.")


def access_user_password_set(*, acting_user: Any, user: User) -> None:
    """Raise PermissionDenied unless `acting_user` may set `user`'s password: the person
    themself, or a superuser. A coop admin never does (they would hold the account)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if acting_user.pk == user.pk:
        return
    if not acting_user.is_superuser:
        raise PermissionDenied("Only a superuser sets someone else's password.")


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
    """Active people with this verified address (case-insensitive) who sign in with a
    password.

    A person without a usable password (card only) has nothing to reset. An address not
    (yet) verified gets no link: someone else may have typed it in (an admin moving an
    account to an address they hold), and the link would hand them the account.
    """
    candidates = User.objects.filter(
        email__iexact=email.strip(), is_active=True, email_verified=True
    )
    return (user for user in candidates if user.has_usable_password())
