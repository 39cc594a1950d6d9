"""Payables: what a city service asks a person to pay (a parking ticket, a permit fee).

The service creates it through the API; the person pays it through the coop's payment
gateway; the service hears of it by a signed webhook and the receipt lands in the payer's
vault.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PayableKind(models.TextChoices):
    TICKET = "ticket", _("Ticket")
    PERMIT_FEE = "permit_fee", _("Permit fee")
    OTHER = "other", _("Other")


class PayableStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("payable status", "To pay")
    PAID = "paid", pgettext_lazy("payable status", "Paid")
    CANCELLED = "cancelled", pgettext_lazy("payable status", "Cancelled")
    REFUNDED = "refunded", pgettext_lazy("payable status", "Refunded")


class Payable(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "identity.OidcClient", on_delete=models.PROTECT, related_name="payables"
    )
    reference = models.CharField(_("reference"), max_length=60)
    kind = models.CharField(_("kind"), max_length=15, choices=PayableKind.choices)
    description_fr = models.CharField(_("description (French)"), max_length=300)
    description_en = models.CharField(_("description (English)"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The person it is addressed to, if any: a ticket is issued to a plate and paid by
    # whoever holds its code.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payables",
    )
    # The code printed on the ticket (sealed, Fernet under KEY_ENCRYPTION_KEY) and its
    # digest, to find the payable by reference and code.
    payment_code_sealed = models.TextField(_("payment code (sealed)"))
    payment_code_digest = models.CharField(_("payment code digest"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=PayableStatus.choices, default=PayableStatus.OPEN
    )
    # The creating request's Idempotency-Key (unique per client).
    idempotency_key = models.CharField(_("idempotency key"), max_length=255)
    # The payment: its own intent at the gateway, keyed by a key stored before the call.
    gateway = models.CharField(_("gateway"), max_length=20, blank=True)
    payment_idempotency_key = models.CharField(max_length=100, blank=True)
    intent_id = models.CharField(_("payment intent"), max_length=255, blank=True)
    is_test = models.BooleanField(_("test payment"), default=False)
    charge_id = models.CharField(max_length=255, blank=True)
    refund_id = models.CharField(max_length=255, blank=True)
    transfer_id = models.CharField(max_length=255, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payables_paid",
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    receipt = models.ForeignKey(
        "identity.VaultDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("cancelled or refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payable")
        verbose_name_plural = _("payables")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "reference"], name="civic_payable_reference_per_client"
            ),
            models.UniqueConstraint(
                fields=["client", "idempotency_key"], name="civic_payable_idempotency"
            ),
            models.UniqueConstraint(
                fields=["gateway", "intent_id"],
                condition=~models.Q(intent_id=""),
                name="civic_payable_one_per_intent",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PayableStatus.values),
                name="civic_payable_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PayableKind.values), name="civic_payable_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="civic_payable_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(currency="CAD"), name="civic_payable_currency_cad"
            ),
            # Paid (or refunded after paying) names who paid and when; open names neither.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["paid", "refunded"])
                    & models.Q(paid_at__isnull=False, paid_by__isnull=False)
                )
                | (~models.Q(status__in=["paid", "refunded"]) & models.Q(paid_at__isnull=True)),
                name="civic_payable_paid_has_payer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"


class PayeeAccount(models.Model):
    """A city service's account at the payment gateway, where its payables are paid to."""

    client = models.OneToOneField(
        "identity.OidcClient", on_delete=models.CASCADE, related_name="payee_account"
    )
    gateway = models.CharField(_("payment gateway"), max_length=20)
    account_id = models.CharField(_("account id at the gateway"), max_length=255)
    transfers_enabled = models.BooleanField(_("can receive transfers"), default=False)
    is_test = models.BooleanField(_("test account"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payee account")
        verbose_name_plural = _("payee accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "account_id"], name="civic_payeeaccount_unique_account"
            ),
            models.CheckConstraint(
                condition=~models.Q(account_id=""), name="civic_payeeaccount_account_id_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.gateway} {self.account_id}"
