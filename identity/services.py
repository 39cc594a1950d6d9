"""Every write to identity goes through a function here."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Q, RestrictedError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.enqueue import enqueue_on_commit
from identity import tasks
from identity.audit import audit_record
from identity.errors import (
    EmailAlreadyVerified,
    SignInThrottled,
    SignUpThrottled,
    VerificationLinkInvalid,
    VerificationResendTooSoon,
)
from identity.models import User
from identity.ratelimit import RateLimit, attempts_count
from identity.roles import STAFF_ROLES, Role, user_roles
from identity.selectors import (
    access_user_active_change,
    access_user_change,
    access_user_create,
    access_user_password_set,
    access_user_profile_change,
    access_user_roles_change,
    email_verification_link_valid,
    users_for_password_reset,
)
from identity.validators import phone_normalize, postal_code_normalize

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("identity.security")


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    given_name: str,
    family_name: str,
    email_verified: bool = False,
    roles: Iterable[str] = (Role.SHOPPER,),
    acting_user: Any = None,
    **attributes: Any,
) -> User:
    """Create a person after validating every attribute; roles become group memberships.

    `acting_user`: the person who opened the account for someone else (an admin), as
    access_user_create allows, recorded in the audit trail; None when the person opens it
    themself or the system does.
    """
    if acting_user is not None:
        access_user_create(acting_user=acting_user, password_set=password is not None)
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
    if acting_user is not None:
        audit_record(
            acting_user=acting_user,
            action="user.create",
            target=user,
            detail={"roles": sorted(Role(role) for role in roles)},
        )
    return user


@transaction.atomic
def user_roles_set(*, user: User, roles: Iterable[str]) -> User:
    """Give `user` exactly these roles; registrars and coop admins may use the admin site.

    The system's write, with no one to check or record: a person's roles change through
    user_roles_change.
    """
    roles = {Role(role) for role in roles}
    user.groups.set(Group.objects.filter(name__in=roles))
    is_staff = bool(roles & STAFF_ROLES) or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    return user


@transaction.atomic
def user_roles_change(*, user: User, roles: Iterable[str], acting_user: Any) -> User:
    """Give `user` exactly `roles` at `acting_user`'s request, as
    access_user_roles_change allows, with an audit event; no write if nothing changes."""
    roles = {Role(role) for role in roles}
    before = user_roles(user)
    access_user_roles_change(acting_user=acting_user, user=user, roles=roles)
    if roles == before:
        return user
    user_roles_set(user=user, roles=roles)
    audit_record(
        acting_user=acting_user,
        action="user.roles_change",
        target=user,
        detail={"before": sorted(before), "after": sorted(roles)},
    )
    return user


@transaction.atomic
def user_active_set(*, user: User, is_active: bool, acting_user: Any) -> User:
    """Open or close `user`'s account at a coop admin's request, with an audit event."""
    access_user_active_change(acting_user=acting_user, user=user)
    if user.is_active == is_active:
        return user
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit_record(
        acting_user=acting_user,
        action="user.activate" if is_active else "user.deactivate",
        target=user,
    )
    return user


# --- Accounts opened and proven by email -----------------------------------------------

# A person gets at most one verification mail, and one reset mail, a minute.
VERIFICATION_MAIL_LIMIT = RateLimit("mail-verify", limit=1, window=60)
RESET_MAIL_LIMIT = RateLimit("mail-reset", limit=1, window=60)
# Failed password sign-ins allowed per email address, and per client IP address, in a
# window of 15 minutes that opens with the first failure.
SIGN_IN_ACCOUNT_LIMIT = RateLimit("sign-in-account", limit=5, window=15 * 60)
SIGN_IN_CLIENT_LIMIT = RateLimit("sign-in-client", limit=20, window=15 * 60)
# Sign-ups per address asked for, and per client IP address, in a window of an hour: each
# one sends a mail, to an address the person typed.
SIGN_UP_ADDRESS_LIMIT = RateLimit("sign-up-address", limit=3, window=60 * 60)
SIGN_UP_CLIENT_LIMIT = RateLimit("sign-up-client", limit=10, window=60 * 60)
# An account whose email was never verified is deleted after this long...
UNVERIFIED_ACCOUNT_LIFETIME = timedelta(days=30)
# ...unless its owner signed in after sign-up (accounts opened before sign-up stopped
# signing people in were signed in by it: a sign-in this close to it does not count).
SIGN_UP_SIGN_IN_GRACE = timedelta(minutes=1)

PROFILE_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "phone",
        "street_address",
        "locality",
        "region",
        "postal_code",
        "birth_date",
        "preferred_language",
    }
)
ADDRESS_FIELDS = frozenset({"street_address", "locality", "region", "postal_code"})


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str,
    given_name: str,
    family_name: str,
    preferred_language: str,
    client_ip: str,
) -> None:
    """Ask to open a shopper's account; whether the address already has one is never told.

    A new address gets an account with an unverified email and a verification link; no one
    is signed in until they verify it and sign in. An address that already has an account
    gets a mail saying someone tried to sign up with it, with links to sign in or choose a
    new password, and nothing is written. The answer (None, or the same errors) is the
    same either way, and so is the work done: the password is validated and hashed in
    both cases.

    The password must pass AUTH_PASSWORD_VALIDATORS (a ValidationError on `password`).
    SignUpThrottled past SIGN_UP_ADDRESS_LIMIT for the address or SIGN_UP_CLIENT_LIMIT for
    `client_ip` (a refusal is not counted).
    """
    email = User.objects.normalize_email(email).strip().lower()
    candidate = User(
        email=email,
        given_name=given_name,
        family_name=family_name,
        preferred_language=preferred_language,
    )
    # Every check that can fail happens here, before the address is looked up.
    candidate.full_clean(exclude={"password"}, validate_unique=False, validate_constraints=False)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    counted = [(SIGN_UP_ADDRESS_LIMIT, email, "address")]
    if client_ip:
        counted.append((SIGN_UP_CLIENT_LIMIT, client_ip, "client"))
    refusal = attempts_count(counted)
    if refusal is not None:
        security_logger.warning(
            "Sign-up refused (too many for %s): client_ip=%s", refusal.reason, client_ip or "-"
        )
        raise SignUpThrottled(retry_after=refusal.retry_after, reason=refusal.reason)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = user_create(
                    email=email,
                    password=password,
                    given_name=given_name,
                    family_name=family_name,
                    preferred_language=preferred_language,
                    roles=(Role.SHOPPER,),
                )
        except IntegrityError:
            # Someone signed up with the same address between our read and our insert.
            existing = User.objects.filter(email__iexact=email).first()
        else:
            email_verification_send(user=user)
            return
    make_password(password)  # the time a new account's hashing takes
    if existing is not None:
        enqueue_on_commit(tasks.send_sign_up_attempt_email, existing.pk)


def user_authenticate(
    *, email: str, password: str, client_ip: str, request: HttpRequest | None = None
) -> User | None:
    """The active person this email address and password name, or None.

    Refuses with SignInThrottled, without checking the password, once the address has
    failed SIGN_IN_ACCOUNT_LIMIT times, or the client IP SIGN_IN_CLIENT_LIMIT times, in
    the window. Every attempt is counted before the password is checked, so that requests
    sent at once cannot get more checks than the limit; a success takes its attempts back
    and clears the address's count.
    """
    email = User.objects.normalize_email(email).strip().lower()
    counted = [(SIGN_IN_ACCOUNT_LIMIT, email, "account")]
    if client_ip:
        counted.append((SIGN_IN_CLIENT_LIMIT, client_ip, "client"))
    refused = attempts_count(counted)
    if refused is not None:
        security_logger.warning(
            "Password sign-in refused (too many failures for %s): email=%s client_ip=%s "
            "retry_after=%ss",
            refused.reason,
            email,
            client_ip or "-",
            refused.retry_after,
        )
        raise SignInThrottled(retry_after=refused.retry_after, reason=refused.reason)
    user = authenticate(request, email=email, password=password)
    if user is not None:
        SIGN_IN_ACCOUNT_LIMIT.reset(email)
        if client_ip:
            SIGN_IN_CLIENT_LIMIT.unhit(client_ip)
    return user


@transaction.atomic
def email_verification_send(*, user: User) -> None:
    """Mail `user` a fresh verification link, at most once a minute per person."""
    if user.email_verified:
        raise EmailAlreadyVerified
    if not VERIFICATION_MAIL_LIMIT.take(str(user.pk)):
        raise VerificationResendTooSoon
    enqueue_on_commit(tasks.send_email_verification, user.pk)


@transaction.atomic
def user_email_change(*, user: User, email: str, acting_user: Any) -> User:
    """Give `user` a new email address, unverified until its holder follows the link
    mailed to it (a verified address is one its holder proved; no one else can say so).

    A coop admin may change anyone's address but a superuser's (access_user_change); the
    change is in the audit trail. Until the new address is verified it gets no password
    reset link, so moving an account to an address one holds does not take the account.
    """
    access_user_change(acting_user=acting_user, user=user)
    email = User.objects.normalize_email(email).strip().lower()
    if email == user.email:
        return user
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError(
            {"email": ValidationError(_("An account already uses this email address."), "unique")}
        )
    before = user.email
    user.email = email
    user.email_verified = False
    user.email_verified_at = None
    try:
        user.full_clean()
    except ValidationError:
        user.refresh_from_db()
        raise
    user.save(update_fields=["email", "email_verified", "email_verified_at"])
    audit_record(
        acting_user=acting_user,
        action="user.email_change",
        target=user,
        detail={"before": before, "after": email},
    )
    # The new address is proven by a mail sent now, whatever the resend limit says.
    VERIFICATION_MAIL_LIMIT.take(str(user.pk))
    enqueue_on_commit(tasks.send_email_verification, user.pk)
    return user


@transaction.atomic
def email_verify(*, user: User, token: str) -> User:
    """Mark `user`'s email verified if `token` is a valid, unexpired, unused link for it.

    The token's hash covers `email_verified`, so the same link cannot verify twice. The
    update is conditional so that two clicks racing each other verify only once.
    """
    if not email_verification_link_valid(user=user, token=token):
        raise VerificationLinkInvalid
    now = timezone.now()
    updated = User.objects.filter(pk=user.pk, email=user.email, email_verified=False).update(
        email_verified=True, email_verified_at=now
    )
    if not updated:
        raise VerificationLinkInvalid
    user.email_verified = True
    user.email_verified_at = now
    return user


@transaction.atomic
def user_profile_update(
    *, user: User, acting_user: Any, acting_assurance: str | None = None, **fields: Any
) -> User:
    """Change the attributes a person declares about themself.

    Only PROFILE_FIELDS may change. Postal code and phone are normalized before
    validation; a birth date cannot be in the future. When the postal address changes, the
    coordinates computed from the old one are cleared, since they no longer describe it.

    Whether `acting_user` may make this edit is decided only by access_user_profile_change,
    given the names of the fields that actually change (names and birth date lock once a
    registrar has proven them) and `acting_assurance`, the level of `acting_user`'s
    session.
    """
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"user_profile_update() cannot change {sorted(unknown)}")
    if "postal_code" in fields:
        fields["postal_code"] = postal_code_normalize(fields["postal_code"])
    if "phone" in fields:
        fields["phone"] = phone_normalize(fields["phone"])
    for name in ("given_name", "family_name", "street_address", "locality"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    access_user_profile_change(
        acting_user=acting_user, user=user, fields=frozenset(changed), assurance=acting_assurance
    )
    birth_date = fields.get("birth_date")
    if birth_date and birth_date > timezone.localdate():
        raise ValidationError(
            {"birth_date": ValidationError(_("A birth date cannot be in the future."), "future")}
        )
    if not changed:
        return user
    for name in changed:
        setattr(user, name, fields[name])
    if ADDRESS_FIELDS.intersection(changed):
        user.latitude = user.longitude = None
        changed += ["latitude", "longitude"]
    try:
        user.full_clean()
    except ValidationError:
        user.refresh_from_db()
        raise
    user.save(update_fields=changed)
    if acting_user.pk != user.pk:
        audit_record(
            acting_user=acting_user,
            action="user.profile_update",
            target=user,
            detail={"fields": sorted(changed)},
        )
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str | None, acting_user: Any = None) -> User:
    """Give `user` a new password that passes AUTH_PASSWORD_VALIDATORS (None: none, the
    person signs in by card or passkey only).

    `acting_user`: someone other than the person (None: the person, through their own
    forms); only a superuser may (access_user_password_set), and it is audited.
    Changing the password ends the person's other sessions (their session hash changes)
    and voids any password reset link already sent.
    """
    by_someone_else = acting_user is not None and acting_user.pk != user.pk
    if acting_user is not None:
        access_user_password_set(acting_user=acting_user, user=user)
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user=user)
        user.set_password(password)
    user.save(update_fields=["password"])
    if by_someone_else:
        audit_record(
            acting_user=acting_user,
            action="user.password_set" if password is not None else "user.password_unset",
            target=user,
        )
    return user


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Mail a reset link to each active person with this address who has a password.

    Silently does nothing for an unknown address, so that the answer never tells whether
    an account exists, and sends at most one reset mail a minute per person.
    """
    for user in users_for_password_reset(email=email):
        if RESET_MAIL_LIMIT.take(str(user.pk)):
            enqueue_on_commit(tasks.send_password_reset_email, user.pk)


def user_prune_unverified(*, now: datetime | None = None) -> int:
    """Delete accounts whose email was never verified and that were left unused.

    An account goes when, 30 days after sign-up, its email is still unverified and no one
    has signed in to it since the sign-in that sign-up performs. Staff, superusers,
    holders of any role but shopper or of a direct permission, and accounts without a
    password (opened by a registrar) are kept. Each account is deleted in its own
    transaction after re-checking these conditions, so that one person verifying at the
    same moment, or another app's protected rows (an order), keep that account alone.
    Returns how many accounts were deleted.
    """
    now = now or timezone.now()
    candidates = (
        User.objects.filter(
            email_verified=False,
            is_staff=False,
            is_superuser=False,
            date_joined__lt=now - UNVERIFIED_ACCOUNT_LIFETIME,
        )
        .filter(
            Q(last_login__isnull=True) | Q(last_login__lte=F("date_joined") + SIGN_UP_SIGN_IN_GRACE)
        )
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .exclude(groups__name__in=[role for role in Role.values if role != Role.SHOPPER])
        .exclude(user_permissions__isnull=False)
    )
    deleted = 0
    for pk in list(candidates.values_list("pk", flat=True).order_by("pk")):
        try:
            with transaction.atomic():
                count, _per_model = candidates.filter(pk=pk).delete()
        except (ProtectedError, RestrictedError):
            logger.info("Kept unverified account %s: other records depend on it.", pk)
            continue
        if count:
            deleted += 1
    if deleted:
        logger.info("Deleted %s unverified, unused accounts.", deleted)
    return deleted
