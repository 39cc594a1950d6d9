"""An invitation is used once, between real transactions on PostgreSQL: each thread has
its own connection."""

import re

import pytest
from django.core import mail

from core.tests.races import all_at_once, barrier_after
from marketplace import store_settings
from marketplace.models import StoreInvitation, StoreRole, StoreStaff
from marketplace.services import store_staff_set
from marketplace.store_settings import InvitationNotValid

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def test_two_accepts_at_once_use_the_invitation_once(make_store, make_person, monkeypatch):
    store = make_store(slug="boulangerie")
    owner = make_person("owner@example.com", "shopper")
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    invitee = make_person("nouvelle@example.com", "shopper")
    store_settings.store_invitation_create(
        store=store, email=invitee.email, role=StoreRole.STAFF, acting_user=owner
    )
    token = re.search(r"/invitation/(\S+)/", mail.outbox[-1].body).group(1)
    # Both requests find the invitation pending before either uses it.
    barrier_after(monkeypatch, store_settings, "invitation_refusal", 2)

    outcomes = all_at_once(
        lambda _n: store_settings.store_invitation_accept(token=token, acting_user=invitee), 2
    )

    assert sum(isinstance(o, InvitationNotValid) for o in outcomes) == 1
    assert sum(isinstance(o, StoreStaff) for o in outcomes) == 1
    assert StoreStaff.objects.filter(store=store, user=invitee).count() == 1
    assert StoreInvitation.objects.get().accepted_by == invitee
