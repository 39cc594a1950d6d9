"""Finding 2 of issue 8: a coop admin, through the admin site, must not become superuser,
set anyone's password, hand out roles by groups, or move an account to an address it
controls while the address stays "verified"."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from conftest import person_create as person
from identity.models import AuditEvent, User
from identity.roles import Role, user_roles

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def coop_admin() -> User:
    return person("admin@example.com", Role.COOP_ADMIN)


@pytest.fixture
def victim() -> User:
    return person("victim@example.com", Role.SHOPPER)


def change_data(client, user: User, **changes) -> dict:
    """What the change page would post back unchanged, with `changes` applied."""
    response = client.get(reverse("admin:identity_user_change", args=[user.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, (list, tuple, set)):
            value = [getattr(item, "pk", item) for item in value]
        data[name] = value
    data.update(changes)
    return data


def post_change(client, user: User, **changes):
    url = reverse("admin:identity_user_change", args=[user.pk])
    return client.post(url, change_data(client, user, **changes))


def test_a_coop_admin_cannot_make_themself_superuser(client, coop_admin):
    client.force_login(coop_admin)
    post_change(client, coop_admin, is_superuser="on", is_staff="on")
    coop_admin.refresh_from_db()
    assert not coop_admin.is_superuser


def test_a_coop_admin_cannot_give_themself_a_group_or_a_permission(client, coop_admin):
    client.force_login(coop_admin)
    registrar = Group.objects.get(name=Role.REGISTRAR)
    perm = Permission.objects.get(codename="delete_user")
    post_change(client, coop_admin, groups=[registrar.pk], user_permissions=[perm.pk])
    coop_admin.refresh_from_db()
    assert not coop_admin.groups.filter(name=Role.REGISTRAR).exists()
    assert not coop_admin.user_permissions.exists()


def test_a_coop_admin_sees_no_superuser_group_permission_or_password_field(client, coop_admin):
    client.force_login(coop_admin)
    data = change_data(client, coop_admin)
    for name in ("is_superuser", "groups", "user_permissions", "password"):
        assert name not in data, name


def test_a_coop_admin_cannot_set_someone_elses_password(client, coop_admin, victim):
    client.force_login(coop_admin)
    url = reverse("admin:auth_user_password_change", args=[victim.pk])
    response = client.post(
        url,
        {
            "password1": "taken over 12345",
            "password2": "taken over 12345",
            "usable_password": "true",
        },
    )
    assert response.status_code == 403
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)


def test_an_email_changed_by_an_admin_is_unverified_and_checked_by_mail(
    client, coop_admin, victim, django_capture_on_commit_callbacks
):
    client.force_login(coop_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(client, victim, email="attacker@example.net")
    assert response.status_code == 302, response.context["adminform"].form.errors
    victim.refresh_from_db()
    assert victim.email == "attacker@example.net"
    assert not victim.email_verified
    assert victim.email_verified_at is None
    assert [m.to for m in mail.outbox] == [["attacker@example.net"]]
    event = AuditEvent.objects.get(action="user.email_change")
    assert (event.acting_user, event.subject_user) == (coop_admin, victim)


def test_an_address_moved_by_an_admin_gets_no_password_reset_link(
    client, coop_admin, victim, django_capture_on_commit_callbacks
):
    """The takeover: move the address, then ask for a reset link at the new address."""
    client.force_login(coop_admin)
    post_change(client, victim, email="attacker@example.net")
    mail.outbox.clear()
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:password_reset"), {"email": "attacker@example.net"})
    assert mail.outbox == []


def test_a_coop_admin_changes_roles_through_the_role_field_with_an_audit_event(
    client, coop_admin, victim
):
    client.force_login(coop_admin)
    response = post_change(client, victim, roles=[Role.SHOPPER, Role.COURIER])
    assert response.status_code == 302, response.context["adminform"].form.errors
    victim.refresh_from_db()
    assert user_roles(victim) == {Role.SHOPPER, Role.COURIER}
    event = AuditEvent.objects.get(action="user.roles_change")
    assert event.acting_user == coop_admin
    assert event.detail == {"before": [Role.SHOPPER], "after": [Role.COURIER, Role.SHOPPER]}


def test_a_coop_admin_cannot_grant_coop_admin_through_the_role_field(client, coop_admin, victim):
    client.force_login(coop_admin)
    response = post_change(client, victim, roles=[Role.SHOPPER, Role.COOP_ADMIN])
    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("roles")
    victim.refresh_from_db()
    assert user_roles(victim) == {Role.SHOPPER}
    assert not victim.is_staff


def test_a_coop_admin_cannot_edit_a_superuser(client, coop_admin):
    root = person("root@example.com", Role.COOP_ADMIN, is_superuser=True)
    client.force_login(coop_admin)
    response = post_change(client, root, email="attacker@example.net")
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.com"


def test_a_profile_change_by_an_admin_is_audited(client, coop_admin, victim):
    client.force_login(coop_admin)
    response = post_change(client, victim, given_name="Renamed")
    assert response.status_code == 302, response.context["adminform"].form.errors
    victim.refresh_from_db()
    assert victim.given_name == "Renamed"
    event = AuditEvent.objects.get(action="user.profile_update")
    assert event.detail == {"fields": ["given_name"]}


def test_deactivation_by_an_admin_is_audited(client, coop_admin, victim):
    client.force_login(coop_admin)
    data = change_data(client, victim)
    data.pop("is_active")
    response = client.post(reverse("admin:identity_user_change", args=[victim.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    victim.refresh_from_db()
    assert not victim.is_active
    assert AuditEvent.objects.filter(action="user.deactivate", subject_user=victim).exists()


def test_a_superuser_sets_a_password_through_the_service(client, victim):
    root = person("root@example.com", Role.COOP_ADMIN, is_superuser=True)
    client.force_login(root)
    page = client.get(reverse("admin:identity_user_change", args=[victim.pk]))
    assert "password" in page.context["adminform"].form.fields
    url = reverse("admin:auth_user_password_change", args=[victim.pk])
    response = client.post(
        url,
        {
            "password1": "chosen by root 12345",
            "password2": "chosen by root 12345",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.check_password("chosen by root 12345")
    event = AuditEvent.objects.get(action="user.password_set")
    assert (event.acting_user, event.subject_user) == (root, victim)


def test_the_audit_trail_is_listed_and_read_only(client, coop_admin, victim):
    client.force_login(coop_admin)
    post_change(client, victim, given_name="Renamed")
    event = AuditEvent.objects.get()
    changelist = client.get(
        reverse("admin:identity_auditevent_changelist"), {"action": event.action}
    )
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].queryset) == [event]
    assert client.get(reverse("admin:identity_auditevent_add")).status_code == 403
    change = client.post(
        reverse("admin:identity_auditevent_change", args=[event.pk]), {"action": "x"}
    )
    assert change.status_code == 403
    delete = client.post(
        reverse("admin:identity_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEvent.objects.get().action == "user.profile_update"


def test_role_groups_are_read_only_even_to_a_superuser(client):
    root = person("root@example.com", Role.COOP_ADMIN, is_superuser=True)
    client.force_login(root)
    group = Group.objects.get(name=Role.COOP_ADMIN)
    before = set(group.permissions.all())
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert client.get(url).status_code == 200
    perm = Permission.objects.get(codename="delete_user")
    response = client.post(url, {"name": group.name, "permissions": [perm.pk]})
    assert response.status_code == 403
    assert set(group.permissions.all()) == before
    assert client.get(reverse("admin:auth_group_add")).status_code == 403


def test_no_one_deletes_a_person_from_the_admin_not_even_a_superuser(client, victim):
    """Closing an account is audited (user.deactivate); a deletion left no trace."""
    client.force_login(User.objects.create_superuser("root@example.com", PASSWORD))
    delete = reverse("admin:identity_user_delete", args=[victim.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:identity_user_changelist"),
        {"action": "delete_selected", "_selected_action": [victim.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=victim.pk).exists()


@pytest.mark.parametrize("year", ["99999999999", "0", "-1"])
def test_a_year_out_of_range_in_the_audit_trail_is_not_a_500(client, coop_admin, year):
    """Django catches a bad date in a date hierarchy, not a year past datetime's range."""
    client.force_login(coop_admin)
    client.raise_request_exception = False
    response = client.get(
        reverse("admin:identity_auditevent_changelist"), {"created_at__year": year}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
