"""The nightly pruning of accounts never verified, and the mail tasks' own guards."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from identity.models import User
from identity.roles import Role
from identity.tasks import (
    prune_unverified_accounts,
    send_email_verification,
    send_password_reset_email,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def aged(make_user):
    """Make a person who joined `age` ago and last signed in `signed_in_after` after that."""

    def make(email, *, age=31 * DAY, signed_in_after=datetime.timedelta(seconds=1), **fields):
        user = make_user(email=email, **fields)
        joined = timezone.now() - age
        last_login = None if signed_in_after is None else joined + signed_in_after
        User.objects.filter(pk=user.pk).update(date_joined=joined, last_login=last_login)
        return user

    return make


def remaining() -> set[str]:
    return set(User.objects.values_list("email", flat=True))


def test_prune_deletes_only_old_unverified_unused_accounts(aged):
    aged("signed-up-only@example.com")
    aged("never-signed-in@example.com", signed_in_after=None)
    aged("came-back@example.com", signed_in_after=2 * DAY)
    aged("recent@example.com", age=29 * DAY)
    aged("verified@example.com", email_verified=True)
    aged("superuser@example.com", is_superuser=True)
    aged("courier@example.com", roles=(Role.SHOPPER, Role.COURIER))
    aged("registrar@example.com", roles=(Role.REGISTRAR,))
    aged("card-only@example.com", password=None)

    result = prune_unverified_accounts.delay()

    assert result.get() == 2
    assert remaining() == {
        "came-back@example.com",
        "recent@example.com",
        "verified@example.com",
        "superuser@example.com",
        "courier@example.com",
        "registrar@example.com",
        "card-only@example.com",
    }


def test_prune_keeps_a_person_holding_a_direct_permission(aged):
    user = aged("granted@example.com")
    user.user_permissions.add(Permission.objects.get(codename="carry_parcels"))
    assert prune_unverified_accounts() == 0
    assert remaining() == {"granted@example.com"}


def test_prune_keeps_an_account_signed_in_just_after_the_grace(aged):
    aged("late@example.com", signed_in_after=datetime.timedelta(minutes=2))
    assert prune_unverified_accounts() == 0


def test_prune_with_nothing_to_do_returns_zero(db):
    assert prune_unverified_accounts() == 0


def test_verification_task_sends_nothing_once_verified(make_user, mailoutbox):
    user = make_user(email_verified=True)
    send_email_verification(user.pk)
    assert mailoutbox == []


def test_verification_task_for_a_deleted_account_sends_nothing(db, mailoutbox):
    send_email_verification(987654)
    assert mailoutbox == []


def test_reset_task_sends_nothing_without_a_usable_password(make_user, mailoutbox):
    user = make_user(password=None)
    send_password_reset_email(user.pk)
    assert mailoutbox == []


def test_reset_task_subject_is_one_line(alice, mailoutbox):
    send_password_reset_email(alice.pk)
    assert len(mailoutbox) == 1
    assert "\n" not in mailoutbox[0].subject
    assert mailoutbox[0].subject
