"""Who may do what with a payable (civic/payable_selectors.py): one test per refusal."""

import pytest
from django.contrib.auth.models import AnonymousUser

from civic.models import Payable, PayableStatus, PayeeAccount
from civic.payable_errors import (
    PayableConsentMissing,
    PayableNotFound,
    PayableNotOpen,
    PayablePaymentInProgress,
    PayablePaymentRefused,
    PayableScopeMissing,
    PayeeAccountMissing,
)
from civic.payable_selectors import (
    access_payable_address,
    access_payable_of_client,
    access_payable_pay,
    access_payable_view,
    access_payables_api,
)
from civic.tests.conftest import TICKET
from identity.models import OidcConsent

pytestmark = pytest.mark.django_db


@pytest.fixture
def payable(city) -> Payable:
    return Payable.objects.get(public_id=city.create(TICKET).json()["id"])


# access_payables_api


def test_api_without_the_scope_is_refused(city):
    with pytest.raises(PayableScopeMissing):
        access_payables_api(client=city.client, scopes=frozenset({"openid"}))


def test_api_without_a_payee_account_is_refused(city):
    PayeeAccount.objects.filter(client=city.client).delete()
    city.client.refresh_from_db()
    client = type(city.client).objects.get(pk=city.client.pk)
    with pytest.raises(PayeeAccountMissing):
        access_payables_api(client=client, scopes=frozenset({"payables"}))


def test_api_with_the_scope_and_an_account_is_allowed(city):
    access_payables_api(client=city.client, scopes=frozenset({"payables"}))


# access_payable_of_client


def test_no_payable_is_not_found(city):
    with pytest.raises(PayableNotFound):
        access_payable_of_client(client=city.client, payable=None)


def test_another_clients_payable_is_not_found(other_city, payable):
    with pytest.raises(PayableNotFound):
        access_payable_of_client(client=other_city.client, payable=payable)


def test_its_own_payable_is_found(city, payable):
    assert access_payable_of_client(client=city.client, payable=payable) == payable


# access_payable_address


def test_addressing_someone_who_never_signed_in_is_refused(city, alice):
    with pytest.raises(PayableConsentMissing):
        access_payable_address(client=city.client, person=alice)


def test_addressing_someone_without_the_permission_is_refused(city, alice):
    OidcConsent.objects.create(
        user=alice, client=city.client, claims_asked=["openid"], claims_granted=["openid"]
    )
    with pytest.raises(PayableConsentMissing):
        access_payable_address(client=city.client, person=alice)


def test_addressing_someone_with_the_permission_is_allowed(city, consented):
    access_payable_address(client=city.client, person=consented)


# access_payable_view


def test_view_anonymous_is_refused(payable):
    with pytest.raises(PayablePaymentRefused):
        access_payable_view(acting_user=AnonymousUser(), payable=payable)


def test_view_addressed_to_another_is_not_found(payable, alice, bob):
    payable.person = bob
    with pytest.raises(PayableNotFound):
        access_payable_view(acting_user=alice, payable=payable)


def test_view_paid_by_another_is_not_found(payable, alice, bob):
    payable.status = PayableStatus.PAID
    payable.paid_by = bob
    with pytest.raises(PayableNotFound):
        access_payable_view(acting_user=alice, payable=payable)


def test_view_open_and_unaddressed_is_allowed(payable, alice):
    access_payable_view(acting_user=alice, payable=payable)


# access_payable_pay


def test_pay_a_payable_one_may_not_see_is_refused(payable, alice, bob):
    payable.person = bob
    with pytest.raises(PayableNotFound):
        access_payable_pay(acting_user=alice, payable=payable)


def test_pay_a_cancelled_payable_is_refused(payable, alice):
    payable.status = PayableStatus.CANCELLED
    with pytest.raises(PayableNotOpen):
        access_payable_pay(acting_user=alice, payable=payable)


def test_pay_what_another_started_is_refused(payable, alice, bob):
    payable.paid_by = bob
    with pytest.raises(PayablePaymentInProgress):
        access_payable_pay(acting_user=alice, payable=payable)


def test_pay_an_open_payable_is_allowed(payable, alice):
    access_payable_pay(acting_user=alice, payable=payable)
