"""A member keeps their ristourne and membership statements in their safe (the vault):
on their own asking, once per unchanged statement, never in someone else's safe."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from conftest import person_create
from coop_governance.errors import NotAMember, NotYourRistourne
from coop_governance.models import MemberStatus
from coop_governance.safe import (
    access_statement_keep,
    membership_statement_keep,
    ristourne_statement_keep,
)
from coop_governance.tests.factories import member_make
from coop_governance.tests.test_ristourne_pages import board, bylaws, members  # noqa: F401

# The ristourne pages' fixtures: a board member, by-laws, two members with recorded ristournes.
from identity.models import VaultAccess, VaultDocument, VaultDocumentKind
from identity.vault.services import vault_document_open
from marketplace.models import StoreRole
from marketplace.services import store_staff_set

pytestmark = pytest.mark.django_db


def test_a_member_keeps_their_ristourne_statement_in_their_safe(members):  # noqa: F811
    a, _b = members
    allocation = a.ristournes.get()
    document, created = ristourne_statement_keep(
        allocation=allocation, acting_user=a.person, language="en"
    )
    assert created
    assert document.owner == a.person
    assert document.kind == VaultDocumentKind.RISTOURNE_STATEMENT
    assert document.title == "Ristourne statement, fiscal year 2025"
    # A tax record: kept six years after the fiscal year's end.
    assert document.keep_until == datetime.datetime(2031, 12, 31, tzinfo=datetime.UTC)
    text = PdfReader(io.BytesIO(vault_document_open(document=document, actor_user=a.person)))
    assert "$750.00" in text.pages[0].extract_text()
    assert VaultAccess.objects.filter(document=document, action="deposit").count() == 1


def test_asking_twice_keeps_one_copy(members):  # noqa: F811
    a, _b = members
    allocation = a.ristournes.get()
    first, _ = ristourne_statement_keep(allocation=allocation, acting_user=a.person)
    again, created = ristourne_statement_keep(allocation=allocation, acting_user=a.person)
    assert again == first
    assert not created
    assert VaultDocument.objects.filter(owner=a.person).count() == 1


def test_another_person_cannot_keep_a_members_statement(members):  # noqa: F811
    a, b = members
    with pytest.raises(NotYourRistourne):
        ristourne_statement_keep(allocation=a.ristournes.get(), acting_user=b.person)
    assert not VaultDocument.objects.exists()


def test_the_board_reads_statements_but_keeps_them_in_no_ones_safe(members, board):  # noqa: F811
    a, _b = members
    with pytest.raises(NotYourRistourne):
        ristourne_statement_keep(allocation=a.ristournes.get(), acting_user=board)


def test_an_anonymous_visitor_keeps_nothing():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAMember):
        access_statement_keep(user=AnonymousUser(), member=member_make())


def test_a_store_owner_keeps_their_member_stores_statement(make_store):
    store = make_store(listings=0)
    owner = person_create("owner@example.org")
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    member = member_make(store=store)
    document, created = membership_statement_keep(member=member, acting_user=owner, language="en")
    assert created
    assert document.owner == owner
    text = PdfReader(io.BytesIO(vault_document_open(document=document, actor_user=owner)))
    assert f"#{member.number}" in text.pages[0].extract_text()


def test_a_membership_statement_says_the_register_line(bylaws):  # noqa: F811
    member = member_make()
    document, created = membership_statement_keep(
        member=member, acting_user=member.person, language="en"
    )
    assert created
    assert document.kind == VaultDocumentKind.MEMBERSHIP_STATEMENT
    assert document.keep_until is None
    text = (
        PdfReader(io.BytesIO(vault_document_open(document=document, actor_user=member.person)))
        .pages[0]
        .extract_text()
    )
    assert "Membership statement" in text
    assert f"#{member.number}" in text
    assert str(member.qualifying_shares) in text


def test_a_withdrawn_member_gets_no_new_membership_statement(bylaws):  # noqa: F811
    member = member_make(status=MemberStatus.WITHDRAWN)
    with pytest.raises(NotAMember):
        membership_statement_keep(member=member, acting_user=member.person)


def test_someone_else_cannot_put_a_members_statement_in_their_safe(bylaws):  # noqa: F811
    member = member_make()
    with pytest.raises(NotAMember):
        membership_statement_keep(member=member, acting_user=person_create("x@example.org"))


def test_the_buttons_keep_the_statements_and_link_to_the_safe(client, members):  # noqa: F811
    a, _b = members
    client.force_login(a.person)
    allocation = a.ristournes.get()
    page = client.get(reverse("governance:ristournes_mine")).content.decode()
    assert reverse("governance:ristourne_statement_keep", args=[allocation.pk]) in page
    response = client.post(
        reverse("governance:ristourne_statement_keep", args=[allocation.pk]), follow=True
    )
    document = VaultDocument.objects.get(owner=a.person)
    assert reverse("vault:document", args=[document.public_id]) in response.content.decode()
    response = client.post(
        reverse("governance:membership_statement_keep", args=[a.number]), follow=True
    )
    assert response.status_code == 200
    assert VaultDocument.objects.filter(owner=a.person).count() == 2


def test_the_buttons_answer_404_for_someone_elses_statement(client, members):  # noqa: F811
    a, b = members
    client.force_login(b.person)
    response = client.post(
        reverse("governance:ristourne_statement_keep", args=[a.ristournes.get().pk])
    )
    assert response.status_code == 404
    response = client.post(reverse("governance:membership_statement_keep", args=[a.number]))
    assert response.status_code == 404
    assert not VaultDocument.objects.exists()


def test_the_buttons_only_answer_a_post(client, members):  # noqa: F811
    a, _b = members
    client.force_login(a.person)
    response = client.get(reverse("governance:membership_statement_keep", args=[a.number]))
    assert response.status_code == 405
