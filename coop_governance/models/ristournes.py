"""Patronage dividends (ristournes): a fiscal year, the board's computation for it (the
surplus, the reserve rule and each member's eligible purchases), the assembly's motion on
it, and the allocations recorded once the motion is adopted. The rules are in
coop_governance/ristournes.py and docs/ristournes.md."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}
# Purchases of every member over a year: wider than one amount.
PURCHASES = {"max_digits": 16, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class FiscalYear(models.Model):
    """The coop's fiscal year, from its first day to its last (dates in Québec's time)."""

    starts_on = models.DateField(_("first day"), unique=True)
    ends_on = models.DateField(_("last day"), unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="coop_governance_fiscalyear_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        if self.starts_on.year == self.ends_on.year:
            return str(self.starts_on.year)
        return f"{self.starts_on.year}-{self.ends_on.year}"


class RistourneStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed, not yet proposed")
    PROPOSED = "proposed", _("Proposed to the members")
    RECORDED = "recorded", _("Adopted and recorded")
    REJECTED = "rejected", _("Rejected by the members")


class RistourneComputation(models.Model):
    """The board's computation of a year's ristournes: the figures it entered (surplus,
    equity, debts, the reserve's rate, the part paid in preferred shares) and what the
    rules make of them. At most one per year that is not rejected."""

    fiscal_year = models.ForeignKey(
        FiscalYear, on_delete=models.PROTECT, related_name="ristourne_computations"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RistourneStatus.choices,
        default=RistourneStatus.COMPUTED,
    )
    surplus = models.DecimalField(_("surplus"), **MONEY)
    equity = models.DecimalField(_("equity"), **MONEY)
    debts = models.DecimalField(_("debts"), **MONEY)
    reserve_percent = models.DecimalField(
        _("part of the members’ surplus to the reserve"), **PERCENT
    )
    shares_percent = models.DecimalField(_("part paid in preferred shares"), **PERCENT)
    member_purchases = models.DecimalField(_("members’ eligible purchases"), **PURCHASES)
    non_member_purchases = models.DecimalField(_("other purchases"), **PURCHASES)
    non_member_surplus = models.DecimalField(_("surplus from non-member business"), **MONEY)
    reserve = models.DecimalField(_("to the reserve"), **MONEY)
    distributable = models.DecimalField(_("to the members as ristournes"), **MONEY)
    motion = models.OneToOneField(
        "coop_governance.Motion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ristourne_computation",
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["-fiscal_year__starts_on", "-computed_at", "pk"]
        verbose_name = _("ristourne computation")
        verbose_name_plural = _("ristourne computations")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year"],
                condition=~models.Q(status="rejected"),
                name="coop_governance_ristourne_one_live_per_year",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    surplus__gte=0,
                    equity__gte=0,
                    debts__gte=0,
                    member_purchases__gte=0,
                    non_member_purchases__gte=0,
                    non_member_surplus__gte=0,
                    distributable__gte=0,
                    reserve_percent__gte=0,
                    reserve_percent__lte=100,
                    shares_percent__gte=0,
                    shares_percent__lte=100,
                ),
                name="coop_governance_ristourne_amounts_in_range",
            ),
            # Round(): SQLite adds decimals as floats; on PostgreSQL it changes nothing.
            models.CheckConstraint(
                condition=models.Q(
                    surplus=Round(models.F("reserve") + models.F("distributable"), 2)
                ),
                name="coop_governance_ristourne_surplus_split",
            ),
            models.CheckConstraint(
                condition=models.Q(reserve__gte=models.F("non_member_surplus")),
                name="coop_governance_ristourne_non_member_to_reserve",
            ),
            # The Act (s. 146): at least 20 % while equity is under 30 % of debts.
            models.CheckConstraint(
                condition=models.Q(equity__gte=models.F("debts") * Decimal("0.3"))
                | models.Q(reserve_percent__gte=20),
                name="coop_governance_ristourne_reserve_rule",
            ),
            models.CheckConstraint(
                condition=models.Q(status="computed") | models.Q(motion__isnull=False),
                name="coop_governance_ristourne_proposed_has_motion",
            ),
            models.CheckConstraint(
                condition=models.Q(status="recorded", recorded_at__isnull=False)
                | (~models.Q(status="recorded") & models.Q(recorded_at__isnull=True)),
                name="coop_governance_ristourne_recorded_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year}: {self.distributable}"


class RistournePurchases(models.Model):
    """A member's eligible purchases in the computation's year (goods before taxes, less
    refunds, made while a member). Written set-based by the computation, never by hand."""

    computation = models.ForeignKey(
        RistourneComputation, on_delete=models.CASCADE, related_name="purchases"
    )
    member = models.ForeignKey("coop_governance.Member", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("eligible purchases"), **PURCHASES)

    class Meta:
        ordering = ["computation", "member"]
        verbose_name = _("member’s eligible purchases")
        verbose_name_plural = _("members’ eligible purchases")
        constraints = [
            models.UniqueConstraint(
                fields=["computation", "member"], name="coop_governance_ristournepurchases_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="coop_governance_ristournepurchases_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.amount}"


class RistourneAllocation(models.Model):
    """A member's ristourne for a year, recorded once the assembly adopted the proposal:
    the amount (the one rounding, by the largest-remainder rule) and how it is paid."""

    computation = models.ForeignKey(
        RistourneComputation, on_delete=models.PROTECT, related_name="allocations"
    )
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="ristournes"
    )
    purchases = models.DecimalField(_("eligible purchases"), **PURCHASES)
    amount = models.DecimalField(_("ristourne"), **MONEY)
    cash = models.DecimalField(_("paid in cash"), **MONEY)
    shares = models.DecimalField(_("paid in preferred shares"), **MONEY)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-fiscal_year__starts_on", "member__number"]
        verbose_name = _("ristourne allocation")
        verbose_name_plural = _("ristourne allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "member"], name="coop_governance_ristourne_once_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0, cash__gte=0, shares__gte=0, purchases__gt=0),
                name="coop_governance_ristourneallocation_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(amount=Round(models.F("cash") + models.F("shares"), 2)),
                name="coop_governance_ristourneallocation_paid_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.member}: {self.amount}"
