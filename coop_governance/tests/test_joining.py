"""Joining: buying the qualifying shares through the payment gateway registers the member
once, with the membership claim; each precondition refuses on its own."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from conftest import person_create
from coop_governance.errors import (
    AlreadyAMember,
    AssuranceTooLow,
    CategoryRefused,
    IdentityNotProven,
    NotAnAdult,
    NotStoreOwner,
    SharePaymentRefused,
    SignInNeeded,
)
from coop_governance.joining import (
    access_join,
    share_purchase_offline_pay,
    share_purchase_start,
)
from coop_governance.members import member_register
from coop_governance.models import Member, MemberStatus, SharePurchase, SharePurchaseStatus
from coop_governance.tests.factories import bylaws_make, member_make
from coop_governance.tests.membership import join_paid, minor_birth_date, person_proven
from identity.audit import audit_events_for
from marketplace.gateways.offline import OfflineGateway, offline_payment_event
from marketplace.models import PaymentEvent, StoreRole
from marketplace.payments import payment_webhook_receive
from marketplace.services import store_staff_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bylaws(db):
    return bylaws_make(share_price=Decimal("10.00"), qualifying_shares=2)


def deliver(body: bytes):
    gateway = OfflineGateway()
    return payment_webhook_receive(
        gateway_name="offline", payload=body, headers=gateway.event_sign(payload=body)
    )


def test_the_purchase_is_the_bylaws_shares_at_their_price():
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="worker")
    assert (purchase.shares, purchase.share_price, purchase.amount) == (2, Decimal("10.00"), 20)
    assert purchase.gateway == "offline"
    assert purchase.intent_id.startswith("pi_test_")
    assert purchase.redirect_url == f"/cooperative/adherer/paiement/{purchase.pk}/"
    assert purchase.status == SharePurchaseStatus.PENDING


def test_starting_again_finds_the_same_purchase_and_intent():
    alice = person_proven("alice@example.org")
    first = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    again = share_purchase_start(acting_user=alice, acr="high", category="worker")
    assert again.pk == first.pk
    assert again.intent_id == first.intent_id
    assert again.category == "worker"
    assert SharePurchase.objects.count() == 1


def test_a_paid_purchase_registers_an_active_member_with_the_claim():
    alice = person_proven("alice@example.org")
    member = join_paid(alice, "worker")
    assert member.status == MemberStatus.ACTIVE
    assert (member.person, member.category, member.qualifying_shares) == (alice, "worker", 2)
    alice.membership_status.refresh_from_db()
    assert alice.membership_status.is_member is True
    assert alice.membership_status.category == "worker"
    purchase = SharePurchase.objects.get()
    assert purchase.status == SharePurchaseStatus.SUCCEEDED
    assert purchase.paid_at is not None
    assert {e.action for e in audit_events_for(purchase)} == {
        "share_purchase_start",
        "share_purchase_paid",
    }
    assert member.status_changes.get().reason.endswith(f"({purchase.reference}).")


def test_the_same_event_delivered_twice_registers_once():
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    body = offline_payment_event(
        intent_id=purchase.intent_id,
        amount=purchase.amount,
        currency="CAD",
        reference=purchase.reference,
        succeeded=True,
    )
    assert deliver(body).status == "processed"
    assert deliver(body).status == "duplicate"
    assert Member.objects.filter(person=alice).count() == 1


def test_another_success_event_for_a_paid_purchase_changes_nothing():
    """Stripe may send `payment_intent.succeeded` again under another event id."""
    alice = person_proven("alice@example.org")
    member = join_paid(alice)
    purchase = SharePurchase.objects.get()
    body = offline_payment_event(
        intent_id=purchase.intent_id,
        amount=purchase.amount,
        currency="CAD",
        reference=purchase.reference,
        succeeded=True,
        created=1,
    ).replace(b'"id":"evt_test_', b'"id":"evt_test_again')
    assert deliver(body).status == "processed"
    assert list(Member.objects.filter(person=alice)) == [member]


def test_a_purchase_registers_at_most_one_member():
    """The database keeps one purchase per member, whatever the code does."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    member = join_paid(person_proven("alice@example.org"))
    bob = person_proven("bob@example.org")
    other = share_purchase_start(acting_user=bob, acr="substantial", category="consumer")
    with pytest.raises(IntegrityError), transaction.atomic():
        SharePurchase.objects.filter(pk=other.pk).update(
            status="succeeded", member=member, paid_at=timezone.now()
        )


def test_a_declined_payment_registers_nothing_and_a_new_try_may_follow():
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    share_purchase_offline_pay(purchase=purchase, succeeded=False, acting_user=alice)
    purchase.refresh_from_db()
    assert purchase.status == SharePurchaseStatus.FAILED
    assert purchase.failure_reason == "generic_decline"
    assert not Member.objects.exists()
    assert not hasattr(alice, "membership_status") or not alice.membership_status.is_member
    again = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    assert again.pk != purchase.pk and again.intent_id != purchase.intent_id


def test_paid_for_someone_already_in_the_register_goes_back():
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    member_register(
        person=alice,
        category="worker",
        qualifying_shares=1,
        reason="Au comptoir.",
        acting_user=None,
    )
    share_purchase_offline_pay(purchase=purchase, succeeded=True, acting_user=alice)
    purchase.refresh_from_db()
    assert purchase.status == SharePurchaseStatus.REFUNDED
    assert purchase.refund_id.startswith("re_test_")
    assert Member.objects.filter(person=alice).count() == 1


def test_a_store_joins_as_a_producer_through_its_owner(make_store):
    owner = person_proven("owner@example.org")
    store = make_store(listings=0)
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    member = join_paid(owner, "consumer", store=store)
    assert (member.store, member.person, member.category) == (store, None, "producer")
    # The owner's own membership is another matter: they are not a member by the store's.
    assert not Member.objects.filter(person=owner).exists()


# --- One refusal per precondition ---------------------------------------------------


def test_refused_signed_out():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(SignInNeeded):
        access_join(user=AnonymousUser(), acr=None)


@pytest.mark.parametrize("acr", [None, "low"])
def test_refused_below_substantial(acr):
    with pytest.raises(AssuranceTooLow):
        access_join(user=person_proven("alice@example.org"), acr=acr)


def test_refused_unproven():
    unproven = person_create("bob@example.org", birth_date=datetime.date(1980, 1, 1))
    with pytest.raises(IdentityNotProven):
        access_join(user=unproven, acr="substantial")


def test_refused_a_minor():
    minor = person_proven("teen@example.org", born=minor_birth_date())
    with pytest.raises(NotAnAdult):
        share_purchase_start(acting_user=minor, acr="high", category="consumer")
    assert not SharePurchase.objects.exists()


def test_refused_proven_without_a_birth_date():
    with pytest.raises(NotAnAdult):
        access_join(user=person_proven("nobirth@example.org", born=None), acr="substantial")


def test_refused_already_a_member():
    alice = person_proven("alice@example.org")
    member_make(alice)
    with pytest.raises(AlreadyAMember):
        access_join(user=alice, acr="substantial")


def test_refused_a_producer_category_for_a_person():
    with pytest.raises(CategoryRefused):
        share_purchase_start(
            acting_user=person_proven("alice@example.org"), acr="high", category="producer"
        )


def test_refused_a_store_for_someone_not_its_owner(make_store):
    clerk = person_proven("clerk@example.org")
    store = make_store(listings=0)
    store_staff_set(store=store, user=clerk, role=StoreRole.STAFF, acting_user=None)
    with pytest.raises(NotStoreOwner):
        access_join(user=clerk, acr="substantial", store=store)


def test_refused_a_store_already_a_member(make_store):
    owner = person_proven("owner@example.org")
    store = make_store(listings=0)
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    member_make(store=store)
    with pytest.raises(AlreadyAMember):
        access_join(user=owner, acr="substantial", store=store)


def test_only_the_buyer_pays_the_test_payment():
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    with pytest.raises(SharePaymentRefused):
        share_purchase_offline_pay(
            purchase=purchase, succeeded=True, acting_user=person_create("eve@example.org")
        )


def test_a_paid_purchase_is_not_paid_again():
    alice = person_proven("alice@example.org")
    join_paid(alice)
    with pytest.raises(SharePaymentRefused):
        share_purchase_offline_pay(
            purchase=SharePurchase.objects.get(), succeeded=True, acting_user=alice
        )


def test_an_unknown_intent_is_still_only_logged(caplog):
    body = offline_payment_event(
        intent_id="pi_nobody", amount=Decimal("1"), currency="CAD", reference="X", succeeded=True
    )
    assert deliver(body).status == "processed"
    assert "unknown intent pi_nobody" in caplog.text
    assert PaymentEvent.objects.get().processed_at is not None


# --- A race: the same event delivered twice at once ----------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_register_once(postgresql_only):
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    bodies = [
        offline_payment_event(
            intent_id=purchase.intent_id,
            amount=purchase.amount,
            currency="CAD",
            reference=purchase.reference,
            succeeded=True,
            created=1_700_000_000,
        ).replace(b'"id":"evt_test_', f'"id":"evt_test_{n}'.encode())
        for n in range(2)
    ]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(body: bytes) -> None:
        try:
            barrier.wait()
            deliver(body)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Member.objects.filter(person=alice).count() == 1
    assert SharePurchase.objects.get().status == SharePurchaseStatus.SUCCEEDED


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_start_one_purchase(postgresql_only):
    alice = person_proven("alice@example.org")
    barrier = threading.Barrier(2)
    started: list[SharePurchase] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            started.append(
                share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {purchase.pk for purchase in started} == {SharePurchase.objects.get().pk}
    assert len({purchase.intent_id for purchase in started}) == 1
