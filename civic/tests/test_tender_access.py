"""Each refusal of civic/tender_access.py, one test each, and who passes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from civic import tender_access as access
from civic.models import SupplierRepresentative, TenderCall, TenderStatus
from civic.tender_errors import (
    BidAssuranceTooLow,
    NotAnOfficial,
    NotARepresentative,
    TenderAdministratorsOnly,
    TenderNotPublished,
)
from civic.tests import tender_helpers as helpers
from civic.tests.conftest import NEQ_A, NEQ_B

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


@pytest.fixture
def passerby(make_person):
    return make_person("passant@example.com", "shopper")


@pytest.fixture
def draft(creator, officials):
    return helpers.call_make(creator=creator, officials=officials)


def test_administer_refuses_a_visitor():
    with pytest.raises(TenderAdministratorsOnly):
        access.access_tender_administer(ANONYMOUS)


def test_administer_refuses_a_person_without_the_permission(passerby):
    with pytest.raises(TenderAdministratorsOnly):
        access.access_tender_administer(passerby)


def test_administer_lets_a_tender_official_and_a_coop_admin(creator, make_person):
    assert access.access_tender_administer(creator) == creator
    admin = make_person("admin@example.com", "coop_admin")
    assert access.access_tender_administer(admin) == admin


def test_approve_refuses_a_visitor():
    with pytest.raises(TenderAdministratorsOnly):
        access.access_supplier_approve(ANONYMOUS)


def test_approve_refuses_a_person_without_the_permission(passerby):
    with pytest.raises(TenderAdministratorsOnly):
        access.access_supplier_approve(passerby)


def test_official_refuses_a_visitor(draft):
    with pytest.raises(NotAnOfficial):
        access.access_tender_official(ANONYMOUS, draft)


def test_official_refuses_someone_else_even_the_creator(draft, creator):
    with pytest.raises(NotAnOfficial):
        access.access_tender_official(creator, draft)


def test_official_lets_the_official_herself(draft, officials):
    assert access.access_tender_official(officials[1], draft).index == 2


def test_bid_refuses_a_visitor():
    with pytest.raises(NotARepresentative):
        access.access_tender_bid(ANONYMOUS, NEQ_A, None)


def test_bid_refuses_a_person_without_a_mandate_for_that_neq(representative):
    with pytest.raises(NotARepresentative):
        access.access_tender_bid(representative, NEQ_B, "high")


def test_bid_refuses_a_revoked_mandate(representative):
    SupplierRepresentative.objects.filter(person=representative).update(revoked_at=timezone.now())
    with pytest.raises(NotARepresentative):
        access.access_tender_bid(representative, NEQ_A, "high")


def test_bid_refuses_a_session_below_high(representative):
    with pytest.raises(BidAssuranceTooLow):
        access.access_tender_bid(representative, NEQ_A, "substantial")


def test_bid_lets_the_representative_with_the_card(representative):
    assert access.access_tender_bid(representative, NEQ_A, "high").supplier.neq == NEQ_A


def test_call_page_refuses_a_visitor_before_the_key(draft):
    with pytest.raises(TenderNotPublished):
        access.access_tender_call(ANONYMOUS, draft)


def test_call_page_refuses_a_passerby_before_the_key(draft, passerby):
    with pytest.raises(TenderNotPublished):
        access.access_tender_call(passerby, draft)


def test_call_page_lets_officials_before_and_everyone_after(draft, officials, creator):
    assert access.access_tender_call(officials[0], draft) == draft
    assert access.access_tender_call(creator, draft) == draft
    TenderCall.objects.filter(pk=draft.pk).update(
        status=TenderStatus.OPEN, public_key="aa" * 32, fingerprint="bb" * 32
    )
    draft.refresh_from_db()
    assert access.access_tender_call(ANONYMOUS, draft) == draft


def test_parameters_refuse_a_call_without_its_key(draft):
    with pytest.raises(TenderNotPublished):
        access.access_tender_parameters(ANONYMOUS, draft)


def test_record_refuses_a_call_not_opened(open_call):
    with pytest.raises(TenderNotPublished):
        access.access_tender_record(ANONYMOUS, open_call)


def test_opened_bids_refuse_someone_not_an_official(open_call, creator):
    with pytest.raises(NotAnOfficial):
        access.access_tender_opened_bids(creator, open_call)


def test_opened_bids_refuse_before_the_opening(open_call, officials):
    with pytest.raises(TenderNotPublished):
        access.access_tender_opened_bids(officials[0], open_call)
