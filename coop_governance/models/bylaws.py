"""The by-laws as data, one row per version. Nothing is edited in place: a change is a new
version adopted by a special resolution (its `adopted_by` motion), and every assembly and
vote keeps the version that was in force when it was called."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop_governance.models.members import MemberCategory


class QuorumRule(models.TextChoices):
    COUNT = "count", _("A number of members")
    SHARE = "share", _("A share of the active members")


class VoteAssurance(models.TextChoices):
    """The assurance level (identity's `acr`) a member's vote or signature needs."""

    SUBSTANTIAL = "substantial", _("A passkey the card vouched for")
    HIGH = "high", _("The card itself")


class Bylaws(models.Model):
    """One version of the coop's by-laws: the rules the code applies, and their text."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    in_force_from = models.DateTimeField(_("in force from"), default=timezone.now)
    share_price = models.DecimalField(
        _("price of a qualifying share"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    qualifying_shares = models.PositiveSmallIntegerField(
        _("qualifying shares to be a member"), default=1, validators=[MinValueValidator(1)]
    )
    quorum_rule = models.CharField(
        _("quorum rule"), max_length=10, choices=QuorumRule.choices, default=QuorumRule.COUNT
    )
    quorum_count = models.PositiveIntegerField(_("quorum (members present)"), null=True, blank=True)
    quorum_percent = models.DecimalField(
        _("quorum (percent of active members)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    notice_days = models.PositiveSmallIntegerField(
        _("notice of an assembly, in days"), default=10, validators=[MinValueValidator(1)]
    )
    # A special resolution passes with at least numerator/denominator of the votes cast
    # (two thirds by default); an ordinary one with more than half.
    special_majority_numerator = models.PositiveSmallIntegerField(default=2)
    special_majority_denominator = models.PositiveSmallIntegerField(default=3)
    revote_replaces = models.BooleanField(
        _("a new electronic vote replaces the earlier one"), default=True
    )
    vote_assurance = models.CharField(
        _("assurance needed to sign the register and vote"),
        max_length=12,
        choices=VoteAssurance.choices,
        default=VoteAssurance.SUBSTANTIAL,
    )
    fiscal_year_end_month = models.PositiveSmallIntegerField(
        _("month the fiscal year ends"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    text_fr = models.TextField(_("text (French)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    # The special resolution that adopted this version (None: the founding by-laws).
    adopted_by = models.OneToOneField(
        "coop_governance.Motion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bylaws_adopted",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("by-laws")
        verbose_name_plural = _("by-laws")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        quorum_rule=QuorumRule.COUNT,
                        quorum_count__gte=1,
                        quorum_percent__isnull=True,
                    )
                    | models.Q(
                        quorum_rule=QuorumRule.SHARE,
                        quorum_count__isnull=True,
                        quorum_percent__gt=0,
                        quorum_percent__lte=100,
                    )
                ),
                name="coop_governance_bylaws_quorum_matches_rule",
            ),
            # More than half, at most all: 2/3, 3/4.
            models.CheckConstraint(
                condition=models.Q(
                    LessThanOrEqual(
                        models.F("special_majority_numerator"),
                        models.F("special_majority_denominator"),
                    ),
                    GreaterThan(
                        models.F("special_majority_numerator") * 2,
                        models.F("special_majority_denominator"),
                    ),
                ),
                name="coop_governance_bylaws_special_majority_above_half",
            ),
            models.CheckConstraint(
                condition=models.Q(share_price__gt=0, qualifying_shares__gte=1, notice_days__gte=1),
                name="coop_governance_bylaws_positive_terms",
            ),
            models.CheckConstraint(
                condition=models.Q(fiscal_year_end_month__gte=1, fiscal_year_end_month__lte=12),
                name="coop_governance_bylaws_fiscal_month",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def membership_price(self) -> Decimal:
        """What joining costs: the qualifying shares at their price."""
        return self.share_price * self.qualifying_shares


class BoardSeats(models.Model):
    """How many board seats a category of members elects under one version of the by-laws
    (a solidarity coop's board represents each category)."""

    bylaws = models.ForeignKey(Bylaws, on_delete=models.CASCADE, related_name="board_seats")
    category = models.CharField(_("category"), max_length=10, choices=MemberCategory.choices)
    seats = models.PositiveSmallIntegerField(_("seats"))

    class Meta:
        ordering = ["bylaws", "category"]
        verbose_name = _("board seats")
        verbose_name_plural = _("board seats")
        constraints = [
            models.UniqueConstraint(
                fields=["bylaws", "category"], name="coop_governance_boardseats_one_per_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bylaws}: {self.category} {self.seats}"
