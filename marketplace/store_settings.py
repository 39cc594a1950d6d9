"""A store's settings, for its owners: opening hours and preparation time, closed days,
and staff invitations by email.

Who may: an owner of the store (access_store_settings), for everything here but
accepting an invitation, which is for the person invited (access_store_invitation_accept).

Invitations. The owner names an address and a role; the mail carries a link with a random
256-bit token (guessing one is not feasible, so the accept page needs no rate limit),
and only the token's SHA-256 digest is stored. The token is made by the task that sends
the mail, not when the owner invites, so that it never travels through the broker; a
retried mail makes a new token and the older link stops working. Anyone may open the
link and see whose invitation it is, but only a signed-in person whose *verified* email
is the invited address accepts it: a link forwarded, or read by someone else, gives no
access to the store. The invitation is valid STORE_INVITATION_DAYS days; accepting it
makes the person staff or owner through store_staff_set (audited). Inviting an address
again revokes the invitation waiting for it (one open invitation per store and address,
a partial unique constraint).
"""

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.enqueue import enqueue_on_commit
from identity.audit import audit_record
from identity.models import User
from marketplace.errors import MarketplaceError
from marketplace.models import (
    STORE_CLOSURE_MAX_DAYS,
    STORE_INVITATION_DAYS,
    Store,
    StoreClosure,
    StoreInvitation,
    StoreRole,
    StoreStaff,
)
from marketplace.services import store_staff_set
from marketplace.store_hours import STORE_TIME_ZONE

# --- Who may --------------------------------------------------------------------------


def access_store_settings(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may change `store`'s settings (hours,
    preparation time, closed days, invitations, staff): an active owner of that store."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user, role=StoreRole.OWNER).exists():
        raise PermissionDenied


class InvitationNotValid(MarketplaceError):
    """The link names no invitation, or one that was revoked, used or has expired."""

    code = "invitation_not_valid"
    message = gettext_lazy("This invitation link is not valid.")


class InvitationEmailMismatch(MarketplaceError):
    """The signed-in person's verified email is not the invited address."""

    code = "invitation_email_mismatch"
    message = gettext_lazy(
        "This invitation was sent to another address. Sign in with the account whose "
        "verified email is the invited address."
    )


def access_store_invitation_accept(*, acting_user: Any, invitation: StoreInvitation) -> None:
    """Raise unless `acting_user` may accept `invitation`: signed in and active
    (PermissionDenied), with a verified email that is the invited address
    (InvitationEmailMismatch)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not acting_user.email_verified:
        raise InvitationEmailMismatch(
            _(
                "Verify your email address first: the invitation is accepted by the account "
                "whose verified email is the invited address."
            )
        )
    if acting_user.email.casefold() != invitation.email.casefold():
        raise InvitationEmailMismatch


# --- Hours and preparation time -------------------------------------------------------


@transaction.atomic
def store_hours_set(
    *, store: Store, opening_hours: dict, preparation_minutes: int, acting_user: Any
) -> Store:
    """Set `store`'s weekly opening hours and preparation time (both checked by the
    model: Store.clean and a check constraint); audited with the fields that changed, no
    write when nothing did."""
    access_store_settings(acting_user=acting_user, store=store)
    values = {"opening_hours": opening_hours, "preparation_minutes": preparation_minutes}
    changed = sorted(name for name, value in values.items() if getattr(store, name) != value)
    if not changed:
        return store
    for name, value in values.items():
        setattr(store, name, value)
    store.full_clean()
    store.save(update_fields=changed)
    audit_record(
        acting_user=acting_user,
        action="store.hours_set",
        target=store,
        detail={"fields": changed},
    )
    return store


# --- Closed days ------------------------------------------------------------------------


def store_today() -> date:
    """Today in Montréal, where the stores are."""
    return timezone.now().astimezone(STORE_TIME_ZONE).date()


@transaction.atomic
def store_closure_add(
    *, store: Store, first_day: date, last_day: date | None, reason: str, acting_user: Any
) -> StoreClosure:
    """Close `store` from `first_day` to `last_day` (the same day when None), today or
    later, at most a year, not overlapping closed days already set; audited."""
    access_store_settings(acting_user=acting_user, store=store)
    last_day = last_day or first_day
    if first_day < store_today():
        raise ValidationError(
            {"first_day": _("Closed days start today or later.")}, code="closure_past"
        )
    if (last_day - first_day).days >= STORE_CLOSURE_MAX_DAYS:
        raise ValidationError(
            {"last_day": _("Closed days span at most a year.")}, code="closure_too_long"
        )
    if StoreClosure.objects.filter(
        store=store, first_day__lte=last_day, last_day__gte=first_day
    ).exists():
        raise ValidationError(
            {"first_day": _("These days overlap closed days already set.")},
            code="closure_overlap",
        )
    closure = StoreClosure(
        store=store,
        first_day=first_day,
        last_day=last_day,
        reason=reason.strip(),
        created_by=acting_user if acting_user is not None else None,
    )
    closure.full_clean()
    try:
        with transaction.atomic():
            closure.save()
    except IntegrityError:
        # Another request set the same first day in the meantime.
        raise ValidationError(
            {"first_day": _("The store is already closed from this day.")},
            code="closure_overlap",
        ) from None
    audit_record(
        acting_user=acting_user,
        action="store.closure_add",
        target=store,
        detail={"first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
    )
    return closure


@transaction.atomic
def store_closure_remove(*, closure: StoreClosure, acting_user: Any) -> None:
    """Remove closed days that are not over yet; those past are the store's record and
    stay. Audited."""
    access_store_settings(acting_user=acting_user, store=closure.store)
    if closure.last_day < store_today():
        raise ValidationError(_("Past closed days are kept."), code="closure_past")
    audit_record(
        acting_user=acting_user,
        action="store.closure_remove",
        target=closure.store,
        detail={
            "first_day": closure.first_day.isoformat(),
            "last_day": closure.last_day.isoformat(),
        },
    )
    closure.delete()


# --- Staff invitations ------------------------------------------------------------------


def invitation_token_digest(token: str) -> str:
    """The digest stored for the token of an invitation link."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def store_invitation_create(
    *, store: Store, email: str, role: StoreRole | str, acting_user: Any
) -> StoreInvitation:
    """An owner invites `email` to work at `store` in `role`; the mail goes after commit.
    An invitation already waiting for that address is revoked first; an address of
    someone already working at the store is refused. Audited."""
    access_store_settings(acting_user=acting_user, store=store)
    email = User.objects.normalize_email(email.strip()).lower()
    role = StoreRole(role)
    if StoreStaff.objects.filter(store=store, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("This person already works at the store.")}, code="already_staff"
        )
    now = timezone.now()
    for waiting in StoreInvitation.objects.filter(
        store=store, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        store_invitation_revoke(invitation=waiting, acting_user=acting_user)
    invitation = StoreInvitation(
        store=store,
        email=email,
        role=role,
        invited_by=acting_user,
        created_at=now,
        expires_at=now + timedelta(days=STORE_INVITATION_DAYS),
    )
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError(
            {"email": _("This address already has an invitation waiting.")}, code="invited"
        ) from None
    audit_record(
        acting_user=acting_user,
        action="store.invitation_create",
        target=store,
        detail={"invitation": invitation.pk, "email": email, "role": role},
    )
    from marketplace.tasks import send_store_invitation_email

    enqueue_on_commit(send_store_invitation_email, invitation.pk)
    return invitation


@transaction.atomic
def store_invitation_revoke(*, invitation: StoreInvitation, acting_user: Any) -> bool:
    """An owner revokes an invitation not yet answered; its link stops working. A second
    revoke, or one of an accepted invitation, changes nothing (False). Audited."""
    access_store_settings(acting_user=acting_user, store=invitation.store)
    now = timezone.now()
    revoked = StoreInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    if revoked:
        invitation.revoked_at = now
        audit_record(
            acting_user=acting_user,
            action="store.invitation_revoke",
            target=invitation.store,
            detail={"invitation": invitation.pk, "email": invitation.email},
        )
    return bool(revoked)


def store_invitation_for_token(token: Any) -> StoreInvitation:
    """The invitation a link's token names, whatever its state; InvitationNotValid when
    none does (a malformed token included)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvitationNotValid
    invitation = (
        StoreInvitation.objects.select_related("store", "invited_by")
        .filter(token_digest=invitation_token_digest(token))
        .first()
    )
    if invitation is None:
        raise InvitationNotValid
    return invitation


def invitation_refusal(invitation: StoreInvitation, now: Any = None) -> str:
    """Why `invitation` can no longer be accepted, for its page; empty while pending."""
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return _("This invitation has already been accepted.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn by the store.")
    if invitation.expires_at <= now:
        return _("This invitation has expired; ask the store for a new one.")
    return ""


@transaction.atomic
def store_invitation_accept(*, token: str, acting_user: Any) -> StoreStaff:
    """The invited person accepts: they work at the store in the invitation's role
    (store_staff_set, audited), and the invitation is used. Refused for a token that is
    not valid, used, revoked or expired (InvitationNotValid) and for someone whose
    verified email is not the invited address (access_store_invitation_accept). An owner
    invited as staff stays an owner."""
    invitation = store_invitation_for_token(token)
    refusal = invitation_refusal(invitation)
    if refusal:
        raise InvitationNotValid(refusal)
    access_store_invitation_accept(acting_user=acting_user, invitation=invitation)
    now = timezone.now()
    # A conditional update: of two accepts racing, one uses the invitation.
    used = StoreInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=acting_user)
    if not used:
        raise InvitationNotValid(_("This invitation can no longer be accepted."))
    audit_record(
        acting_user=acting_user,
        action="store.invitation_accept",
        target=invitation.store,
        subject_user=acting_user,
        detail={"invitation": invitation.pk, "role": invitation.role},
    )
    current = StoreStaff.objects.filter(store=invitation.store, user=acting_user).first()
    if current is not None and current.role == StoreRole.OWNER:
        return current
    return store_staff_set(
        store=invitation.store, user=acting_user, role=invitation.role, acting_user=acting_user
    )


def store_invitation_mail(invitation_id: int) -> bool:
    """Mail the invited address a link with a new token, if the invitation still waits;
    only the token's digest is stored (committed before the mail goes, and no row is
    locked while it goes). In the invitee's language when they have an account, else in
    French. True if mailed."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        sent = StoreInvitation.objects.filter(
            pk=invitation_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).update(token_digest=invitation_token_digest(token))
    if not sent:
        return False
    invitation = StoreInvitation.objects.select_related("store", "invited_by").get(pk=invitation_id)
    invitee = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    language = invitee.preferred_language if invitee is not None else "fr"
    context = {
        "invitation": invitation,
        "invitee": invitee,
        "link": f"{settings.SITE_URL}{reverse('marketplace:invitation', args=[token])}",
        "valid_days": STORE_INVITATION_DAYS,
        "site_url": settings.SITE_URL,
    }
    with translation.override(language):
        subject = render_to_string("marketplace/email/store_invitation_subject.txt", context)
        body = render_to_string("marketplace/email/store_invitation_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [invitation.email])
    return True


# --- Reads for the settings page --------------------------------------------------------


def store_closures(store: Store) -> tuple[list[StoreClosure], list[StoreClosure]]:
    """`store`'s closed days: those not over yet (soonest first), and past ones (latest
    first, the last 20). Two queries."""
    today = store_today()
    upcoming = list(store.closures.filter(last_day__gte=today).order_by("first_day"))
    past = list(store.closures.filter(last_day__lt=today).order_by("-first_day")[:20])
    return upcoming, past


def store_invitations_open(store: Store) -> list[StoreInvitation]:
    """`store`'s invitations neither answered nor revoked (expired ones included, to be
    sent again or revoked), newest first, with who invited. One query."""
    return list(
        store.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def store_team(store: Store) -> list[StoreStaff]:
    """Who works at `store`: owners first, then by name. One query."""
    return list(
        store.staff.select_related("user").order_by("role", "user__family_name", "user__pk")
    )
