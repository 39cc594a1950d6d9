import pytest
from django.db import transaction

from identity.audit import audit_events_for, audit_record
from identity.services import user_create

pytestmark = pytest.mark.django_db


def person(email: str):
    return user_create(email=email, password=None, given_name="A", family_name="B")


def test_an_event_names_who_did_what_to_which_row():
    admin, target = person("admin@example.org"), person("target@example.org")
    with transaction.atomic():
        audit_record(acting_user=admin, action="user.roles_set", target=target, detail={"x": 1})
    (event,) = audit_events_for(target)
    assert (event.acting_user, event.action, event.subject_user) == (
        admin,
        "user.roles_set",
        target,
    )
    assert event.detail == {"x": 1}


def test_an_event_is_refused_outside_the_transaction_of_the_change(settings):
    target = person("target@example.org")
    # pytest-django wraps each test in a transaction; leave it to see the refusal.
    from django.db import connection

    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError):
            audit_record(acting_user=None, action="x", target=target)
    finally:
        connection.in_atomic_block = saved


def test_a_rolled_back_change_leaves_no_event():
    target = person("target@example.org")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(acting_user=None, action="user.deactivate", target=target)
        raise ZeroDivisionError
    assert not audit_events_for(target).exists()
