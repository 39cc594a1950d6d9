"""Joining the coop: a person (or a store, through its owner) buys the qualifying shares the
by-laws in force ask for, through the marketplace's payment gateway, and the paid event
registers the member.

The shape is checkout's: the purchase row and its idempotency key are stored and committed
first, the gateway is called with no row locked, and its answer is recorded after; the
webhook's succeeded event (handed on by the marketplace's `payment_succeeded` signal, since
a share purchase is not an order) locks the purchase, registers the member once and pushes
the membership claim. A duplicated or retried event finds the purchase paid and does
nothing; a declined payment registers nothing.
"""

import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

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
from coop_governance.lock_objects import share_purchase_lock
from coop_governance.members import member_register
from coop_governance.models import (
    Member,
    MemberCategory,
    MemberStatus,
    SharePurchase,
    SharePurchaseStatus,
)
from coop_governance.selectors import bylaws_in_force, member_of
from identity.assurance import level_satisfies
from identity.audit import audit_record
from identity.oidc.claims import CLAIM_VALUES
from identity.selectors import identity_proven
from marketplace.gateways import GatewayEvent, payment_gateway
from marketplace.gateways.offline import OfflineGateway, offline_payment_event
from marketplace.models import StoreRole, StoreStaff
from marketplace.payments import WebhookOutcome, payment_webhook_receive

logger = logging.getLogger(__name__)

# Buying shares is paying: the level at which the marketplace lets a person pay.
JOINING_ASSURANCE = "substantial"
PERSON_CATEGORIES = (MemberCategory.CONSUMER, MemberCategory.WORKER, MemberCategory.SUPPORTER)
CURRENCY = "CAD"
# The register's history is kept in French, the coop's language.
JOINED_REASON = "Adhésion\u00a0: achat des parts de qualification ({reference})."


def is_proven_adult(user: Any) -> bool:
    """A registrar checked an identity document of the person, and the birth date it proved
    makes them 18 or older today (the `age_over_18` claim's own rule)."""
    return identity_proven(user) and CLAIM_VALUES["age_over_18"](user) is True


def access_join(*, user: Any, acr: str | None, store: Any = None) -> None:
    """May `user`, signed in at `acr`, join (for `store`: make the store a member)? Raises
    the refusal's coded error."""
    if not getattr(user, "is_authenticated", False):
        raise SignInNeeded()
    if not level_satisfies(acr, JOINING_ASSURANCE):
        raise AssuranceTooLow()
    if not identity_proven(user):
        raise IdentityNotProven()
    if CLAIM_VALUES["age_over_18"](user) is not True:
        raise NotAnAdult()
    if store is None and member_of(user) is not None:
        raise AlreadyAMember()
    if store is not None:
        access_store_represent(user=user, store=store)
        if Member.objects.filter(store=store).exclude(status=MemberStatus.WITHDRAWN).exists():
            raise AlreadyAMember()


def access_store_represent(*, user: Any, store: Any) -> None:
    """A store is a member through its owner: only an owner acts for it."""
    if not StoreStaff.objects.filter(store=store, user=user, role=StoreRole.OWNER).exists():
        raise NotStoreOwner()


def share_purchase_pay_url(purchase: SharePurchase) -> str:
    """Where the buyer pays: our own page (the offline gateway's test card, or Stripe's
    Payment Element), since a share purchase has no order page."""
    return reverse("governance:join_pay", args=[purchase.pk])


def share_purchase_start(
    *, acting_user: Any, acr: str | None, category: str, store: Any = None
) -> SharePurchase:
    """Start (or, when one waits already, find again) the purchase of the qualifying shares
    by `acting_user` for themself or for `store`, at the by-laws in force; returns it with
    its payment intent at the configured gateway. A retry sends the same stored
    idempotency key, so the gateway keeps one payment."""
    access_join(user=acting_user, acr=acr, store=store)
    if store is not None:
        category = MemberCategory.PRODUCER
    elif category not in PERSON_CATEGORIES:
        raise CategoryRefused()
    purchase = _share_purchase_reserve(person=acting_user, store=store, category=category)
    if purchase.intent_id:
        return purchase
    # No row is locked here: the gateway may take its time.
    started = payment_gateway(purchase.gateway).payment_start(
        reference=purchase.reference,
        amount=purchase.amount,
        currency=purchase.currency,
        idempotency_key=purchase.idempotency_key,
        description=f"Uniqc Coop — parts de qualification {purchase.reference}",
        return_url=f"{settings.SITE_URL}{reverse('governance:join_purchase', args=[purchase.pk])}",
    )
    SharePurchase.objects.filter(pk=purchase.pk, intent_id="").update(
        intent_id=started.intent_id, redirect_url=share_purchase_pay_url(purchase)
    )
    purchase.refresh_from_db()
    return purchase


@transaction.atomic
def _share_purchase_reserve(*, person: Any, store: Any, category: str) -> SharePurchase:
    """The waiting purchase of this person (or store), or a new one at the by-laws in force.
    Two clicks at once: the partial unique constraint keeps one, the other finds it."""
    waiting = SharePurchase.objects.filter(
        status=SharePurchaseStatus.PENDING,
        **({"store": store} if store is not None else {"person": person, "store__isnull": True}),
    ).first()
    if waiting is not None:
        if waiting.category != category:
            SharePurchase.objects.filter(pk=waiting.pk).update(category=category)
            waiting.category = category
        return waiting
    bylaws = bylaws_in_force()
    gateway = payment_gateway()
    purchase = SharePurchase(
        person=person,
        store=store,
        category=category,
        bylaws=bylaws,
        shares=bylaws.qualifying_shares,
        share_price=bylaws.share_price,
        amount=bylaws.membership_price,
        currency=CURRENCY,
        gateway=gateway.name,
        is_test=gateway.is_test,
        idempotency_key=f"uniqc-shares-{uuid.uuid4().hex}",
    )
    purchase.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            purchase.save()
    except IntegrityError:
        return SharePurchase.objects.get(
            status=SharePurchaseStatus.PENDING,
            **(
                {"store": store} if store is not None else {"person": person, "store__isnull": True}
            ),
        )
    audit_record(
        acting_user=person,
        action="share_purchase_start",
        target=purchase,
        subject_user=person,
        detail={"amount": str(purchase.amount), "category": category, "store": store is not None},
    )
    return purchase


# --- The gateway's answer (receivers of marketplace.signals) -------------------------


def share_purchase_payment_succeeded(sender: Any, event: GatewayEvent, **kwargs: Any) -> bool:
    """The shares are paid: register the member (once) and push the claim. Paid for
    someone already in the register (they joined another way meanwhile), the payment goes
    back through the gateway. Returns whether the intent was a share purchase."""
    purchase = SharePurchase.objects.filter(
        gateway=event.gateway, intent_id=event.intent_id
    ).first()
    if purchase is None:
        return False
    if _share_purchase_settle(purchase_pk=purchase.pk, event=event):
        share_purchase_refund(purchase=purchase)
    return True


@transaction.atomic
def _share_purchase_settle(*, purchase_pk: int, event: GatewayEvent) -> bool:
    """Register the member of a paid purchase; True when the payment must go back."""
    purchase = share_purchase_lock(purchase_pk)
    if purchase.status == SharePurchaseStatus.SUCCEEDED:
        return False
    if purchase.status == SharePurchaseStatus.REFUNDED:
        return not purchase.refund_id
    if (event.amount is not None and event.amount != purchase.amount) or (
        event.currency and event.currency != purchase.currency
    ):
        # Not what was asked: nobody joins on it; the treasurer sees it in the logs.
        logger.error("share purchase %s paid %s %s", purchase.pk, event.amount, event.currency)
        return False
    now = timezone.now()
    try:
        with transaction.atomic():
            member = member_register(
                category=purchase.category,
                qualifying_shares=purchase.shares,
                reason=JOINED_REASON.format(reference=purchase.reference),
                acting_user=None,
                person=None if purchase.store_id else purchase.person,
                store=purchase.store,
            )
    except AlreadyAMember:
        SharePurchase.objects.filter(pk=purchase.pk).update(
            status=SharePurchaseStatus.REFUNDED,
            charge_id=event.charge_id,
            failure_reason=AlreadyAMember.code,
        )
        audit_record(
            acting_user=None,
            action="share_purchase_refund_due",
            target=purchase,
            subject_user=purchase.person,
            detail={"reason": AlreadyAMember.code},
        )
        return True
    SharePurchase.objects.filter(pk=purchase.pk).update(
        status=SharePurchaseStatus.SUCCEEDED,
        member=member,
        paid_at=now,
        charge_id=event.charge_id,
        failure_reason="",
    )
    audit_record(
        acting_user=None,
        action="share_purchase_paid",
        target=purchase,
        subject_user=purchase.person,
        detail={"member": member.number, "amount": str(purchase.amount)},
    )
    return False


def share_purchase_refund(*, purchase: SharePurchase) -> None:
    """Give back a purchase paid for nothing, at the gateway, with a key derived from the
    stored one (a retry refunds once); called with no row locked."""
    refund_id = payment_gateway(purchase.gateway).refund_create(
        intent_id=purchase.intent_id,
        amount=purchase.amount,
        idempotency_key=f"{purchase.idempotency_key}-refund",
    )
    SharePurchase.objects.filter(pk=purchase.pk, refund_id="").update(refund_id=refund_id)


def share_purchase_payment_failed(sender: Any, event: GatewayEvent, **kwargs: Any) -> bool:
    """The card was declined: the purchase fails and nobody joins. A decline that arrives
    after the payment succeeded, or while the gateway reports it paid, changes nothing."""
    purchase = SharePurchase.objects.filter(
        gateway=event.gateway, intent_id=event.intent_id
    ).first()
    if purchase is None:
        return False
    if purchase.status != SharePurchaseStatus.PENDING:
        return True
    state = payment_gateway(purchase.gateway).payment_state(intent_id=purchase.intent_id)
    if state.settled_or_settling:
        return True
    with transaction.atomic():
        purchase = share_purchase_lock(purchase.pk)
        if purchase.status == SharePurchaseStatus.PENDING:
            SharePurchase.objects.filter(pk=purchase.pk).update(
                status=SharePurchaseStatus.FAILED,
                failure_reason=(event.failure_reason or "declined")[:200],
            )
    return True


# --- The offline gateway's test payment ------------------------------------------------


def access_share_purchase_pay(*, acting_user: Any, purchase: SharePurchase) -> None:
    """Only the person who started the purchase pays it."""
    if not getattr(acting_user, "is_authenticated", False):
        raise SharePaymentRefused()
    if purchase.person_id != acting_user.pk:
        raise SharePaymentRefused()


def share_purchase_offline_pay(
    *, purchase: SharePurchase, succeeded: bool, acting_user: Any
) -> WebhookOutcome:
    """Pay (or be declined on) the offline gateway's test card: the event Stripe would
    send, signed with the offline gateway's key, delivered through the webhook path as an
    outside delivery would arrive. No money moves."""
    access_share_purchase_pay(acting_user=acting_user, purchase=purchase)
    if purchase.gateway != OfflineGateway.name or not purchase.intent_id:
        raise SharePaymentRefused()
    if purchase.status != SharePurchaseStatus.PENDING:
        raise SharePaymentRefused()
    body = offline_payment_event(
        intent_id=purchase.intent_id,
        amount=purchase.amount,
        currency=purchase.currency,
        reference=purchase.reference,
        succeeded=succeeded,
    )
    gateway = OfflineGateway()
    return payment_webhook_receive(
        gateway_name=gateway.name, payload=body, headers=gateway.event_sign(payload=body)
    )
