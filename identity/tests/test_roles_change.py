"""Role changes, activation, password and email changes made by someone else: each is a
service with its permission check (one test per refused case) and an audit event."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied

from conftest import person_create as person
from identity.audit import audit_events_for
from identity.models import AuditEvent, User
from identity.roles import Role, user_roles
from identity.services import (
    user_active_set,
    user_create,
    user_email_change,
    user_password_set,
    user_roles_change,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop_admin() -> User:
    return person("admin@example.com", Role.COOP_ADMIN)


@pytest.fixture
def superuser() -> User:
    return person("root@example.com", Role.COOP_ADMIN, is_superuser=True)


@pytest.fixture
def shopper() -> User:
    return person("shopper@example.com", Role.SHOPPER)


# --- user_roles_change ------------------------------------------------------------------


def test_a_coop_admin_changes_someones_roles_with_an_audit_event(coop_admin, shopper):
    user_roles_change(user=shopper, roles=[Role.SHOPPER, Role.REGISTRAR], acting_user=coop_admin)
    assert user_roles(shopper) == {Role.SHOPPER, Role.REGISTRAR}
    assert shopper.is_staff
    (event,) = audit_events_for(shopper)
    assert (event.action, event.acting_user) == ("user.roles_change", coop_admin)
    assert event.detail == {"before": ["shopper"], "after": ["registrar", "shopper"]}


def test_the_same_roles_again_write_nothing(coop_admin, shopper):
    user_roles_change(user=shopper, roles=[Role.SHOPPER], acting_user=coop_admin)
    assert not AuditEvent.objects.exists()


def test_a_superuser_grants_coop_admin(superuser, shopper):
    user_roles_change(user=shopper, roles=[Role.COOP_ADMIN], acting_user=superuser)
    assert user_roles(shopper) == {Role.COOP_ADMIN}


def test_roles_refused_to_a_visitor(shopper):
    with pytest.raises(PermissionDenied):
        user_roles_change(user=shopper, roles=[Role.COURIER], acting_user=AnonymousUser())


def test_roles_refused_to_a_non_admin(shopper):
    registrar = person("registrar@example.com", Role.REGISTRAR)
    with pytest.raises(PermissionDenied):
        user_roles_change(user=shopper, roles=[Role.COURIER], acting_user=registrar)
    assert user_roles(shopper) == {Role.SHOPPER}


def test_granting_coop_admin_refused_to_a_coop_admin(coop_admin, shopper):
    with pytest.raises(PermissionDenied):
        user_roles_change(user=shopper, roles=[Role.COOP_ADMIN], acting_user=coop_admin)
    assert user_roles(shopper) == {Role.SHOPPER}


def test_withdrawing_coop_admin_refused_to_a_coop_admin(coop_admin):
    other_admin = person("other@example.com", Role.COOP_ADMIN)
    with pytest.raises(PermissionDenied):
        user_roles_change(user=other_admin, roles=[Role.SHOPPER], acting_user=coop_admin)
    assert user_roles(other_admin) == {Role.COOP_ADMIN}


def test_changing_ones_own_roles_refused(superuser):
    with pytest.raises(PermissionDenied):
        user_roles_change(
            user=superuser, roles=[Role.COOP_ADMIN, Role.REGISTRAR], acting_user=superuser
        )
    assert user_roles(superuser) == {Role.COOP_ADMIN}


def test_changing_a_superusers_roles_refused_to_a_coop_admin(coop_admin):
    root = person("root2@example.com", Role.SHOPPER, is_superuser=True)
    with pytest.raises(PermissionDenied):
        user_roles_change(user=root, roles=[Role.COURIER], acting_user=coop_admin)
    assert user_roles(root) == {Role.SHOPPER}


# --- user_active_set ----------------------------------------------------------------------


def test_a_coop_admin_closes_an_account_with_an_audit_event(coop_admin, shopper):
    user_active_set(user=shopper, is_active=False, acting_user=coop_admin)
    shopper.refresh_from_db()
    assert not shopper.is_active
    assert audit_events_for(shopper).get().action == "user.deactivate"


def test_closing_an_account_refused_to_a_non_admin(shopper):
    other = person("other@example.com", Role.SHOPPER)
    with pytest.raises(PermissionDenied):
        user_active_set(user=shopper, is_active=False, acting_user=other)


def test_closing_ones_own_account_here_refused(coop_admin):
    with pytest.raises(PermissionDenied):
        user_active_set(user=coop_admin, is_active=False, acting_user=coop_admin)


def test_closing_a_superusers_account_refused_to_a_coop_admin(coop_admin, superuser):
    with pytest.raises(PermissionDenied):
        user_active_set(user=superuser, is_active=False, acting_user=coop_admin)


# --- user_password_set by someone else --------------------------------------------------


def test_a_superuser_sets_someones_password_with_an_audit_event(superuser, shopper):
    user_password_set(user=shopper, password="a new long passphrase", acting_user=superuser)
    shopper.refresh_from_db()
    assert shopper.check_password("a new long passphrase")
    assert audit_events_for(shopper).get().action == "user.password_set"


def test_setting_someones_password_refused_to_a_coop_admin(coop_admin, shopper):
    with pytest.raises(PermissionDenied):
        user_password_set(user=shopper, password="a new long passphrase", acting_user=coop_admin)
    shopper.refresh_from_db()
    assert shopper.check_password("a-long-test-password")


# --- user_email_change -------------------------------------------------------------------


def test_an_email_changed_by_an_admin_is_unverified_and_mailed(
    coop_admin, shopper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user_email_change(user=shopper, email="New@Example.com", acting_user=coop_admin)
    shopper.refresh_from_db()
    assert (shopper.email, shopper.email_verified, shopper.email_verified_at) == (
        "new@example.com",
        False,
        None,
    )
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert audit_events_for(shopper).get().detail == {
        "before": "shopper@example.com",
        "after": "new@example.com",
    }


def test_an_email_already_taken_is_refused(coop_admin, shopper):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_email_change(user=shopper, email="ADMIN@example.com", acting_user=coop_admin)


def test_changing_an_email_refused_to_a_non_admin(shopper):
    other = person("other@example.com", Role.SHOPPER)
    with pytest.raises(PermissionDenied):
        user_email_change(user=shopper, email="x@example.com", acting_user=other)


def test_changing_a_superusers_email_refused_to_a_coop_admin(coop_admin, superuser):
    with pytest.raises(PermissionDenied):
        user_email_change(user=superuser, email="x@example.com", acting_user=coop_admin)
    superuser.refresh_from_db()
    assert superuser.email_verified


# --- user_create by an admin -----------------------------------------------------------------


def test_an_account_opened_by_an_admin_is_audited(superuser):
    user = user_create(
        email="new@example.com",
        password=None,
        given_name="N",
        family_name="P",
        acting_user=superuser,
    )
    event = audit_events_for(user).get()
    assert (event.action, event.acting_user, event.detail) == (
        "user.create",
        superuser,
        {"roles": ["shopper"]},
    )


def _open_account(acting_user, password):
    return user_create(
        email="new@example.com",
        password=password,
        given_name="N",
        family_name="P",
        acting_user=acting_user,
    )


def test_opening_an_account_refused_without_the_add_permission(coop_admin):
    """The admin's add page needs identity.add_user; the service now checks it too."""
    with pytest.raises(PermissionDenied):
        _open_account(coop_admin, None)
    assert not User.objects.filter(email="new@example.com").exists()


def test_opening_an_account_with_a_password_refused_to_a_non_superuser(coop_admin):
    coop_admin.user_permissions.add(Permission.objects.get(codename="add_user"))
    coop_admin = User.objects.get(pk=coop_admin.pk)  # permissions are cached per object
    with pytest.raises(PermissionDenied):
        _open_account(coop_admin, "a-long-password-nobody-knows")
    _open_account(coop_admin, None)
    assert not User.objects.get(email="new@example.com").has_usable_password()


def test_opening_an_account_refused_to_a_visitor():
    with pytest.raises(PermissionDenied):
        _open_account(AnonymousUser(), None)
