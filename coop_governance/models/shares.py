"""Qualifying shares bought and given back: a person's (or a store's) purchase of the
shares the by-laws ask for, paid through the marketplace's payment gateway, and a
member's withdrawal with its share refund, which the board approves or refuses."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop_governance.models.members import MemberCategory


class SharePurchaseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for payment")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Payment declined")
    # Paid, but the person or store was already in the register (joined another way while
    # this payment was on its way): the money went back through the gateway.
    REFUNDED = "refunded", _("Refunded")


class SharePurchase(models.Model):
    """The purchase of the qualifying shares that makes a member. Not an order: its own
    payment intent at the gateway, keyed by an idempotency key stored before the gateway is
    called, so that a retried request finds the same payment. A succeeded payment
    registers its member once (the one-to-one `member`)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="share_purchases"
    )
    # Joining as a store: the store holds the membership, its owner (`person`) pays.
    store = models.ForeignKey(
        "marketplace.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="share_purchases",
    )
    category = models.CharField(_("category"), max_length=10, choices=MemberCategory.choices)
    bylaws = models.ForeignKey(
        "coop_governance.Bylaws", on_delete=models.PROTECT, related_name="share_purchases"
    )
    shares = models.PositiveIntegerField(_("shares"))
    share_price = models.DecimalField(_("price of a share"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    gateway = models.CharField(_("gateway"), max_length=20)
    is_test = models.BooleanField(_("test payment"), default=False)
    idempotency_key = models.CharField(max_length=100, unique=True)
    intent_id = models.CharField(_("payment intent"), max_length=255, blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SharePurchaseStatus.choices,
        default=SharePurchaseStatus.PENDING,
    )
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    charge_id = models.CharField(max_length=255, blank=True)
    refund_id = models.CharField(max_length=255, blank=True)
    member = models.OneToOneField(
        "coop_governance.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="share_purchase",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("share purchase")
        verbose_name_plural = _("share purchases")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "intent_id"],
                condition=~models.Q(intent_id=""),
                name="coop_governance_sharepurchase_one_per_intent",
            ),
            # One payment waiting per person and per store: a second click finds it.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="pending", store__isnull=True),
                name="coop_governance_sharepurchase_one_pending_per_person",
            ),
            models.UniqueConstraint(
                fields=["store"],
                condition=models.Q(status="pending", store__isnull=False),
                name="coop_governance_sharepurchase_one_pending_per_store",
            ),
            models.CheckConstraint(
                condition=models.Q(shares__gte=1, share_price__gt=0)
                & models.Q(amount=models.F("shares") * models.F("share_price")),
                name="coop_governance_sharepurchase_amount_is_shares_at_price",
            ),
            models.CheckConstraint(
                condition=models.Q(store__isnull=True) | models.Q(category="producer"),
                name="coop_governance_sharepurchase_store_is_producer",
            ),
            # A paid purchase names its member, and only a paid one does.
            models.CheckConstraint(
                condition=(
                    models.Q(status="succeeded", member__isnull=False, paid_at__isnull=False)
                    | (~models.Q(status="succeeded") & models.Q(member__isnull=True))
                ),
                name="coop_governance_sharepurchase_member_when_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"

    @property
    def reference(self) -> str:
        """The payment's reference at the gateway and on the pages."""
        return f"PART-{self.pk:06d}"


class WithdrawalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the board")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class RefundMethod(models.TextChoices):
    # The shares were paid through the gateway: the refund goes back the same way.
    GATEWAY = "gateway", _("Through the payment gateway")
    # Paid otherwise (a founding member's cash, a cheque): the treasurer pays and marks it.
    TREASURER = "treasurer", _("Paid by the treasurer")


class Withdrawal(models.Model):
    """A member's request to leave the coop with the refund of their shares. The board
    approves it (the member is withdrawn, the refund is due) or refuses it with a reason."""

    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="withdrawals"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = models.TextField(_("reason given by the member"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WithdrawalStatus.choices,
        default=WithdrawalStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("the board's reason"), blank=True)
    # The refund, set at approval: the shares held at the price paid for them.
    refund_amount = models.DecimalField(
        _("refund"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    refund_method = models.CharField(
        _("refund method"), max_length=10, choices=RefundMethod.choices, blank=True
    )
    refund_idempotency_key = models.CharField(max_length=100, blank=True)
    refund_id = models.CharField(_("refund at the gateway"), max_length=255, blank=True)
    refund_error = models.CharField(max_length=200, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="pending"),
                name="coop_governance_withdrawal_one_pending_per_member",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(status="approved"),
                name="coop_governance_withdrawal_one_approved_per_member",
            ),
            # Decided with who, when and why; an approval with its refund due.
            models.CheckConstraint(
                condition=(
                    models.Q(status="pending", decided_at__isnull=True, refund_amount__isnull=True)
                    | models.Q(
                        status="refused", decided_at__isnull=False, refund_amount__isnull=True
                    )
                    & ~models.Q(decision_reason="")
                    | models.Q(
                        status="approved",
                        decided_at__isnull=False,
                        refund_amount__gte=Decimal("0"),
                    )
                    & ~models.Q(refund_method="")
                ),
                name="coop_governance_withdrawal_decided",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_at__isnull=True) | models.Q(status="approved"),
                name="coop_governance_withdrawal_refund_only_when_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_status_display()}"

    @property
    def refund_due(self) -> bool:
        return self.status == WithdrawalStatus.APPROVED and self.refunded_at is None
