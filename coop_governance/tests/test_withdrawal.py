"""Withdrawal: a member asks, the board approves (withdrawn, claim false, refund of the
shares at the price paid) or refuses with a reason; each refusal is its own test."""

import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from conftest import person_create
from coop_governance.errors import BoardOnly, NotAMember, RefundRefused, WithdrawalRefused
from coop_governance.models import (
    MemberStatus,
    RefundMethod,
    Withdrawal,
    WithdrawalStatus,
)
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make
from coop_governance.tests.membership import join_paid, person_proven
from coop_governance.withdrawals import (
    access_withdrawal_request,
    refund_amount_for,
    withdrawal_approve,
    withdrawal_refund_mark_paid,
    withdrawal_refund_send,
    withdrawal_refuse,
    withdrawal_request,
)
from identity.audit import audit_events_for
from marketplace.errors import PaymentGatewayError
from marketplace.gateways.offline import OfflineGateway

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bylaws(db):
    return bylaws_make(share_price=Decimal("12.50"), qualifying_shares=2)


@pytest.fixture
def board(db):
    member = member_make(email="board@example.org", category="worker")
    board_seat_give(member)
    return member.person


def test_a_member_paid_through_the_gateway_is_refunded_through_it(board):
    alice = person_proven("alice@example.org")
    member = join_paid(alice)
    asked = withdrawal_request(member=member, reason="Je déménage.", acting_user=alice)
    assert asked.status == WithdrawalStatus.PENDING
    done = withdrawal_approve(withdrawal=asked, reason="Accepté.", acting_user=board)
    assert done.status == WithdrawalStatus.APPROVED
    assert done.refund_amount == Decimal("25.00")
    assert done.refund_method == RefundMethod.GATEWAY
    assert done.refund_id.startswith("re_test_")
    assert done.refunded_at is not None
    member.refresh_from_db()
    assert member.status == MemberStatus.WITHDRAWN
    alice.membership_status.refresh_from_db()
    assert alice.membership_status.is_member is False
    last = member.status_changes.order_by("changed_at", "pk").last()
    assert (last.status_to, last.acting_user) == ("withdrawn", board)
    assert "Accepté." in last.reason
    actions = {event.action for event in audit_events_for(done)}
    assert actions == {"withdrawal_request", "withdrawal_approve", "withdrawal_refund"}


def test_the_refund_is_the_price_paid_not_todays(board):
    alice = person_proven("alice@example.org")
    member = join_paid(alice)
    bylaws_make(share_price=Decimal("40.00"), qualifying_shares=1)
    assert refund_amount_for(member) == Decimal("25.00")


def test_a_member_paid_otherwise_is_refunded_by_the_treasurer(board):
    member = member_make(shares=3)
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    done = withdrawal_approve(withdrawal=asked, reason="Accepté.", acting_user=board)
    assert (done.refund_method, done.refund_amount, done.refunded_at) == (
        RefundMethod.TREASURER,
        Decimal("37.50"),
        None,
    )
    paid = withdrawal_refund_mark_paid(withdrawal=done, acting_user=board)
    assert paid.refunded_at is not None and paid.refunded_by == board
    assert withdrawal_refund_mark_paid(withdrawal=paid, acting_user=board).refunded_at == (
        paid.refunded_at
    )


def test_a_gateway_failure_leaves_the_refund_due_and_a_retry_sends_it(board, monkeypatch):
    alice = person_proven("alice@example.org")
    member = join_paid(alice)
    asked = withdrawal_request(member=member, reason="", acting_user=alice)
    keys = []

    def refuse(self, *, intent_id, amount, idempotency_key):
        keys.append(idempotency_key)
        raise PaymentGatewayError("down")

    monkeypatch.setattr(OfflineGateway, "refund_create", refuse)
    done = withdrawal_approve(withdrawal=asked, reason="Accepté.", acting_user=board)
    assert done.status == WithdrawalStatus.APPROVED and done.refund_due
    assert done.refund_error
    monkeypatch.undo()
    sent = withdrawal_refund_send(withdrawal=done, acting_user=board)
    assert sent.refunded_at is not None and sent.refund_error == ""
    assert keys == [done.refund_idempotency_key]


def test_asking_again_returns_the_waiting_request():
    member = member_make()
    first = withdrawal_request(member=member, reason="", acting_user=member.person)
    again = withdrawal_request(member=member, reason="Encore.", acting_user=member.person)
    assert again.pk == first.pk
    assert Withdrawal.objects.count() == 1


def test_a_refusal_keeps_the_member_and_says_why(board):
    member = member_make()
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    refused = withdrawal_refuse(withdrawal=asked, reason="Dettes en cours.", acting_user=board)
    assert (refused.status, refused.decision_reason) == ("refused", "Dettes en cours.")
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    # Refused, the member may ask again.
    assert withdrawal_request(member=member, reason="", acting_user=member.person).pk != asked.pk


def test_approving_twice_is_harmless(board):
    member = member_make()
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    first = withdrawal_approve(withdrawal=asked, reason="Oui.", acting_user=board)
    again = withdrawal_approve(withdrawal=asked, reason="Oui.", acting_user=board)
    assert again.decided_at == first.decided_at
    assert member.status_changes.filter(status_to="withdrawn").count() == 1


def test_a_suspended_member_may_ask_to_leave():
    member = member_make(status=MemberStatus.SUSPENDED)
    assert withdrawal_request(member=member, reason="", acting_user=member.person).pk


def test_a_store_asks_through_its_owner(make_store, board):
    from marketplace.models import StoreRole
    from marketplace.services import store_staff_set

    owner = person_create("owner@example.org")
    store = make_store(listings=0)
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    member = member_make(store=store)
    asked = withdrawal_request(member=member, reason="", acting_user=owner)
    assert withdrawal_approve(withdrawal=asked, reason="Oui.", acting_user=board).refund_amount


# --- One refusal per rule ------------------------------------------------------------


def test_refused_signed_out():
    with pytest.raises(NotAMember):
        access_withdrawal_request(user=AnonymousUser(), member=member_make())


def test_refused_for_someone_elses_membership():
    member = member_make()
    with pytest.raises(NotAMember):
        withdrawal_request(member=member, reason="", acting_user=person_create("eve@example.org"))


def test_refused_once_withdrawn():
    member = member_make(status=MemberStatus.WITHDRAWN)
    with pytest.raises(NotAMember):
        withdrawal_request(member=member, reason="", acting_user=member.person)


def test_only_the_board_approves():
    member = member_make()
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    with pytest.raises(BoardOnly):
        withdrawal_approve(withdrawal=asked, reason="Oui.", acting_user=member.person)


def test_only_the_board_refuses():
    member = member_make()
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    with pytest.raises(BoardOnly):
        withdrawal_refuse(withdrawal=asked, reason="Non.", acting_user=member.person)


def test_a_decision_needs_a_reason(board):
    member = member_make()
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    with pytest.raises(WithdrawalRefused):
        withdrawal_refuse(withdrawal=asked, reason="  ", acting_user=board)
    with pytest.raises(WithdrawalRefused):
        withdrawal_approve(withdrawal=asked, reason="", acting_user=board)


def test_a_refused_request_is_not_approved_later(board):
    member = member_make()
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    withdrawal_refuse(withdrawal=asked, reason="Non.", acting_user=board)
    with pytest.raises(WithdrawalRefused):
        withdrawal_approve(withdrawal=asked, reason="Oui.", acting_user=board)


def test_a_gateway_refund_is_not_marked_paid_by_hand(board):
    member = join_paid(person_proven("alice@example.org"))
    asked = withdrawal_request(member=member, reason="", acting_user=member.person)
    done = withdrawal_approve(withdrawal=asked, reason="Oui.", acting_user=board)
    Withdrawal.objects.filter(pk=done.pk).update(refunded_at=None, refund_id="")
    with pytest.raises(RefundRefused):
        withdrawal_refund_mark_paid(withdrawal=done, acting_user=board)


def test_the_database_keeps_one_waiting_request_per_member():
    from django.db import IntegrityError

    member = member_make()
    Withdrawal.objects.create(member=member, requested_by=member.person)
    with pytest.raises(IntegrityError):
        Withdrawal.objects.create(member=member, requested_by=member.person)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_board_members_approving_at_once_withdraw_once(postgresql_only):
    first = member_make(email="b1@example.org")
    second = member_make(email="b2@example.org")
    board_seat_give(first)
    board_seat_give(second)
    alice = person_proven("alice@example.org")
    member = join_paid(alice)
    asked = withdrawal_request(member=member, reason="", acting_user=alice)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def approve(user) -> None:
        try:
            barrier.wait()
            withdrawal_approve(withdrawal=asked, reason="Oui.", acting_user=user)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u.person,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert member.status_changes.filter(status_to="withdrawn").count() == 1
    assert {e.action for e in audit_events_for(asked)} >= {"withdrawal_approve"}
    assert [e.action for e in audit_events_for(asked)].count("withdrawal_refund") == 1
