"""identity.demo: one demo person per role, who can sign in, loaded idempotently."""

import pytest

from core.demo import DemoSummary
from core.tests.queries import no_writes
from identity.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_load
from identity.roles import Role, user_roles
from identity.services import user_roles_set

pytestmark = pytest.mark.django_db


def test_one_demo_person_per_role_who_can_sign_in(client):
    summary = DemoSummary()
    people = demo_load(summary=summary)
    assert summary.created["people"] == len(DEMO_PEOPLE) == len(people)
    assert {person["role"] for person in DEMO_PEOPLE} == set(Role.values)
    for person in DEMO_PEOPLE:
        user = people[person["email"]]
        assert user.email_verified
        assert user_roles(user) == {person["role"]}
        assert client.login(username=person["email"], password=DEMO_PASSWORD)
    admin = people["admin@demo.uniqc.coop"]
    assert admin.is_superuser and admin.is_staff
    assert not people["shopper@demo.uniqc.coop"].is_staff


def test_a_second_load_finds_everyone_and_writes_nothing():
    first = demo_load(summary=DemoSummary())
    summary = DemoSummary()
    with no_writes():
        again = demo_load(summary=summary)
    assert again == first
    assert summary.existing["people"] == len(DEMO_PEOPLE)
    assert summary.created.total() == 0


def test_a_reload_keeps_the_password_and_the_roles_given_since(client):
    shopper = demo_load(summary=DemoSummary())["shopper@demo.uniqc.coop"]
    shopper.set_password("a-new-password-of-mine")
    shopper.save()
    user_roles_set(user=shopper, roles=[Role.SHOPPER, Role.COURIER])
    demo_load(summary=DemoSummary())
    assert client.login(username=shopper.email, password="a-new-password-of-mine")
    assert user_roles(shopper) == {Role.SHOPPER, Role.COURIER}


def test_a_demo_person_who_lost_the_role_gets_it_back():
    courier = demo_load(summary=DemoSummary())["courier@demo.uniqc.coop"]
    user_roles_set(user=courier, roles=[])
    demo_load(summary=DemoSummary())
    assert user_roles(courier) == {Role.COURIER}
