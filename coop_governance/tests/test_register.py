"""The member register's writes and the access checks everyone else builds on."""

import pytest
from django.contrib.auth.models import Group

from conftest import person_create
from coop_governance.errors import (
    AlreadyAMember,
    BoardOnly,
    BylawsMissing,
    NotAMember,
    StatusChangeRefused,
)
from coop_governance.members import member_register, member_status_change
from coop_governance.models import MemberStatus
from coop_governance.selectors import (
    access_board,
    access_member_acting,
    bylaws_in_force,
    members_represented_by,
)
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make
from identity.audit import audit_events_for

pytestmark = pytest.mark.django_db


def register(person, **fields):
    fields.setdefault("category", "consumer")
    return member_register(
        person=person, qualifying_shares=1, reason="Adhésion.", acting_user=None, **fields
    )


def test_registering_numbers_the_line_and_pushes_the_claim():
    first = register(person_create("a@example.org"))
    second = register(person_create("b@example.org"), category="worker")
    assert (first.number, second.number) == (1, 2)
    second.person.refresh_from_db()
    assert second.person.membership_status.is_member is True
    assert second.person.membership_status.category == "worker"
    assert [(c.status_from, c.status_to) for c in second.status_changes.all()] == [("", "active")]
    assert [event.action for event in audit_events_for(second)] == ["member_register"]


def test_one_open_line_per_person():
    person = person_create("a@example.org")
    register(person)
    with pytest.raises(AlreadyAMember):
        register(person)


def test_a_withdrawn_member_joins_again_under_a_new_number():
    person = person_create("a@example.org")
    first = register(person)
    member_status_change(member=first, status="withdrawn", reason="Départ.", acting_user=None)
    person.membership_status.refresh_from_db()
    assert person.membership_status.is_member is False
    again = register(person)
    assert again.number == first.number + 1


def test_suspension_and_reinstatement_are_recorded_with_their_reason():
    admin = person_create("admin@example.org", "coop_admin")
    member = register(person_create("a@example.org"))
    member_status_change(member=member, status="suspended", reason="Fraude.", acting_user=admin)
    member.person.membership_status.refresh_from_db()
    assert member.person.membership_status.is_member is False
    member_status_change(member=member, status="active", reason="Réglé.", acting_user=admin)
    assert [(c.status_to, c.reason, c.acting_user) for c in member.status_changes.all()][1:] == [
        ("suspended", "Fraude.", admin),
        ("active", "Réglé.", admin),
    ]


@pytest.mark.parametrize(
    ("start", "to", "reason"),
    [
        ("withdrawn", "active", "Retour."),
        ("active", "active", "Rien."),
        ("active", "suspended", " "),
    ],
)
def test_refused_status_changes(start, to, reason):
    member = member_make(status=start)
    with pytest.raises(StatusChangeRefused):
        member_status_change(member=member, status=to, reason=reason, acting_user=None)


def test_the_bylaws_in_force_are_the_latest_that_have_come_into_force():
    import datetime

    from django.utils import timezone

    with pytest.raises(BylawsMissing):
        bylaws_in_force()
    first = bylaws_make()
    bylaws_make(in_force_from=timezone.now() + datetime.timedelta(days=3))
    assert bylaws_in_force() == first
    assert bylaws_in_force(timezone.now() + datetime.timedelta(days=4)).version == 2


def test_access_member_acting_refuses_a_visitor():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAMember):
        access_member_acting(AnonymousUser(), member_make())


def test_access_board_accepts_a_board_member_and_an_administrator():
    member = member_make()
    board_seat_give(member)
    assert access_board(member.person) == member.person
    admin = person_create("admin@example.org", "coop_admin")
    assert access_board(admin) == admin


@pytest.mark.parametrize("who", ["visitor", "member", "former_board", "suspended_board"])
def test_access_board_refusals(who):
    import datetime

    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    if who == "visitor":
        user = AnonymousUser()
    elif who == "member":
        user = member_make().person
    elif who == "former_board":
        member = member_make()
        mandate = board_seat_give(member)
        mandate.ended_on = timezone.localdate() - datetime.timedelta(days=1)
        mandate.save()
        user = member.person
    else:
        member = member_make(status=MemberStatus.SUSPENDED)
        board_seat_give(member)
        user = member.person
    with pytest.raises(BoardOnly):
        access_board(user)


def test_a_store_owner_represents_the_store_and_a_clerk_does_not(make_store):
    from marketplace.services import store_staff_set

    store = make_store()
    owner, clerk = person_create("owner@example.org"), person_create("clerk@example.org")
    store_staff_set(store=store, user=owner, role="owner", acting_user=None)
    store_staff_set(store=store, user=clerk, role="staff", acting_user=None)
    member = member_make(store=store)
    assert list(members_represented_by(owner)) == [member]
    assert list(members_represented_by(clerk)) == []
    assert Group.objects.exists()
