"""Leaving the coop: a member asks to withdraw and to have their shares refunded; the board
approves (the member is withdrawn through member_status_change, the refund of the shares
at the price paid for them is due) or refuses with a reason.

The refund: shares bought through the payment gateway go back through it (its refund
call, with a stored idempotency key, made after the approval is committed and with no row
locked; a gateway failure leaves the refund due and the board sends it again). Shares
paid otherwise (the founding members') are refunded by the treasurer, who marks the
refund paid."""

import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from coop_governance.errors import NotAMember, RefundRefused, WithdrawalRefused
from coop_governance.lock_objects import withdrawal_lock
from coop_governance.members import member_status_change
from coop_governance.models import (
    Member,
    MemberStatus,
    RefundMethod,
    SharePurchase,
    SharePurchaseStatus,
    Withdrawal,
    WithdrawalStatus,
)
from coop_governance.selectors import (
    access_board,
    bylaws_in_force,
    members_represented_by,
)
from identity.audit import audit_record
from marketplace.errors import PaymentGatewayError
from marketplace.gateways import payment_gateway

REASON_MAX_LENGTH = 2000
# The register's history is kept in French, the coop's language.
WITHDRAWN_REASON = "Retrait approuvé par le conseil\u00a0: {reason}"


def access_withdrawal_request(*, user: Any, member: Member) -> Member:
    """A member (active or suspended) asks to leave for themself, or a store's owner for
    the store."""
    if not getattr(user, "is_authenticated", False):
        raise NotAMember()
    if member.status == MemberStatus.WITHDRAWN:
        raise NotAMember()
    if not members_represented_by(user).filter(pk=member.pk).exists():
        raise NotAMember()
    return member


def share_purchase_of(member: Member) -> SharePurchase | None:
    """The paid purchase that made this member, if they joined through the gateway."""
    return SharePurchase.objects.filter(member=member, status=SharePurchaseStatus.SUCCEEDED).first()


def share_price_paid(member: Member) -> Decimal:
    """What the member paid a share: the purchase's price, or for a member registered
    otherwise, the price of the by-laws in force the day they joined."""
    purchase = share_purchase_of(member)
    if purchase is not None:
        return purchase.share_price
    return bylaws_in_force(member.joined_at).share_price


def refund_amount_for(member: Member) -> Decimal:
    """The shares held at the price paid for them (exact: cents times a whole number)."""
    return member.qualifying_shares * share_price_paid(member)


@transaction.atomic
def withdrawal_request(*, member: Member, reason: str, acting_user: Any) -> Withdrawal:
    """Ask the board to let `member` leave with their shares refunded. Asked again while a
    request waits, the waiting request is returned."""
    access_withdrawal_request(user=acting_user, member=member)
    waiting = Withdrawal.objects.filter(member=member, status=WithdrawalStatus.PENDING).first()
    if waiting is not None:
        return waiting
    withdrawal = Withdrawal(
        member=member, requested_by=acting_user, reason=reason.strip()[:REASON_MAX_LENGTH]
    )
    withdrawal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            withdrawal.save()
    except IntegrityError:
        return Withdrawal.objects.get(member=member, status=WithdrawalStatus.PENDING)
    audit_record(
        acting_user=acting_user,
        action="withdrawal_request",
        target=withdrawal,
        subject_user=member.person,
        detail={"member": member.number},
    )
    return withdrawal


def withdrawal_approve(*, withdrawal: Withdrawal, reason: str, acting_user: Any) -> Withdrawal:
    """The board approves: the member is withdrawn (their claim says member: false), the
    refund of their shares is recorded, and sent through the gateway when they paid
    through it. Approving again is harmless."""
    access_board(acting_user)
    withdrawal = _withdrawal_approve_record(
        withdrawal=withdrawal, reason=reason, acting_user=acting_user
    )
    if withdrawal.refund_method == RefundMethod.GATEWAY and withdrawal.refunded_at is None:
        withdrawal = withdrawal_refund_send(withdrawal=withdrawal, acting_user=acting_user)
    return withdrawal


@transaction.atomic
def _withdrawal_approve_record(
    *, withdrawal: Withdrawal, reason: str, acting_user: Any
) -> Withdrawal:
    reason = reason.strip()[:REASON_MAX_LENGTH]
    if not reason:
        raise WithdrawalRefused()
    withdrawal = withdrawal_lock(withdrawal.pk)
    if withdrawal.status == WithdrawalStatus.APPROVED:
        return withdrawal
    if withdrawal.status != WithdrawalStatus.PENDING:
        raise WithdrawalRefused()
    member = withdrawal.member
    if member.status == MemberStatus.WITHDRAWN:
        raise WithdrawalRefused()
    purchase = share_purchase_of(member)
    member_status_change(
        member=member,
        status=MemberStatus.WITHDRAWN,
        reason=WITHDRAWN_REASON.format(reason=reason),
        acting_user=acting_user,
    )
    withdrawal.status = WithdrawalStatus.APPROVED
    withdrawal.decided_by = acting_user
    withdrawal.decided_at = timezone.now()
    withdrawal.decision_reason = reason
    withdrawal.refund_amount = refund_amount_for(member)
    withdrawal.refund_method = (
        RefundMethod.GATEWAY
        if purchase is not None and purchase.intent_id
        else RefundMethod.TREASURER
    )
    withdrawal.refund_idempotency_key = f"uniqc-share-refund-{uuid.uuid4().hex}"
    withdrawal.full_clean(validate_constraints=False)
    withdrawal.save()
    audit_record(
        acting_user=acting_user,
        action="withdrawal_approve",
        target=withdrawal,
        subject_user=member.person,
        detail={
            "member": member.number,
            "refund": str(withdrawal.refund_amount),
            "method": withdrawal.refund_method,
            "reason": reason,
        },
    )
    return withdrawal


@transaction.atomic
def withdrawal_refuse(*, withdrawal: Withdrawal, reason: str, acting_user: Any) -> Withdrawal:
    """The board refuses, with a reason the member reads; the member stays as they were."""
    access_board(acting_user)
    reason = reason.strip()[:REASON_MAX_LENGTH]
    if not reason:
        raise WithdrawalRefused()
    withdrawal = withdrawal_lock(withdrawal.pk)
    if withdrawal.status != WithdrawalStatus.PENDING:
        raise WithdrawalRefused()
    withdrawal.status = WithdrawalStatus.REFUSED
    withdrawal.decided_by = acting_user
    withdrawal.decided_at = timezone.now()
    withdrawal.decision_reason = reason
    withdrawal.full_clean(validate_constraints=False)
    withdrawal.save()
    audit_record(
        acting_user=acting_user,
        action="withdrawal_refuse",
        target=withdrawal,
        subject_user=withdrawal.member.person,
        detail={"member": withdrawal.member.number, "reason": reason},
    )
    return withdrawal


def withdrawal_refund_send(*, withdrawal: Withdrawal, acting_user: Any) -> Withdrawal:
    """Send an approved refund through the gateway the shares were paid at, with the
    stored key (a retry refunds once). With no row locked during the call; a gateway
    failure is recorded and the refund stays due."""
    access_board(acting_user)
    withdrawal = Withdrawal.objects.select_related("member").get(pk=withdrawal.pk)
    if withdrawal.refund_method != RefundMethod.GATEWAY or not withdrawal.refund_due:
        if withdrawal.refunded_at is not None:
            return withdrawal
        raise RefundRefused()
    purchase = share_purchase_of(withdrawal.member)
    if purchase is None:
        raise RefundRefused()
    try:
        refund_id = payment_gateway(purchase.gateway).refund_create(
            intent_id=purchase.intent_id,
            amount=withdrawal.refund_amount,
            idempotency_key=withdrawal.refund_idempotency_key,
        )
    except PaymentGatewayError as failed:
        Withdrawal.objects.filter(pk=withdrawal.pk).update(
            refund_error=str(getattr(failed, "gateway_code", "") or failed.code)[:200]
        )
        withdrawal.refresh_from_db()
        return withdrawal
    return _withdrawal_refunded_record(
        withdrawal=withdrawal, refund_id=refund_id, acting_user=acting_user
    )


@transaction.atomic
def _withdrawal_refunded_record(
    *, withdrawal: Withdrawal, refund_id: str, acting_user: Any
) -> Withdrawal:
    withdrawal = withdrawal_lock(withdrawal.pk)
    if withdrawal.refunded_at is not None:
        return withdrawal
    withdrawal.refund_id = refund_id
    withdrawal.refund_error = ""
    withdrawal.refunded_at = timezone.now()
    withdrawal.refunded_by = (
        acting_user if getattr(acting_user, "is_authenticated", False) else None
    )
    withdrawal.save(update_fields=["refund_id", "refund_error", "refunded_at", "refunded_by"])
    audit_record(
        acting_user=acting_user,
        action="withdrawal_refund",
        target=withdrawal,
        subject_user=withdrawal.member.person,
        detail={
            "amount": str(withdrawal.refund_amount),
            "method": withdrawal.refund_method,
            "refund_id": refund_id,
        },
    )
    return withdrawal


def withdrawal_refund_mark_paid(*, withdrawal: Withdrawal, acting_user: Any) -> Withdrawal:
    """The treasurer (the board) paid a refund outside the gateway (a cheque, a transfer)
    and records it. Marking it again is harmless."""
    access_board(acting_user)
    withdrawal = Withdrawal.objects.get(pk=withdrawal.pk)
    if withdrawal.refunded_at is not None:
        return withdrawal
    if withdrawal.refund_method != RefundMethod.TREASURER or not withdrawal.refund_due:
        raise RefundRefused()
    return _withdrawal_refunded_record(withdrawal=withdrawal, refund_id="", acting_user=acting_user)
