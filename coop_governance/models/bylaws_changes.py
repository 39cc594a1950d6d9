"""A change of the by-laws put to an assembly: the terms of the new version, carried by a
special resolution (its `motion`). Adopted, it becomes the next `Bylaws` version, in force
from the adoption; the assemblies already called keep the version they were called under."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coop_governance.models.bylaws import QuorumRule, VoteAssurance


class BylawsChange(models.Model):
    """The proposed terms, field for field those of `Bylaws` (the board's seats are carried
    over from the version in force at the adoption)."""

    motion = models.OneToOneField(
        "coop_governance.Motion", on_delete=models.PROTECT, related_name="bylaws_change"
    )
    share_price = models.DecimalField(
        _("price of a qualifying share"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    qualifying_shares = models.PositiveSmallIntegerField(
        _("qualifying shares to be a member"), validators=[MinValueValidator(1)]
    )
    quorum_rule = models.CharField(_("quorum rule"), max_length=10, choices=QuorumRule.choices)
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
        _("notice of an assembly, in days"), validators=[MinValueValidator(1)]
    )
    special_majority_numerator = models.PositiveSmallIntegerField(default=2)
    special_majority_denominator = models.PositiveSmallIntegerField(default=3)
    revote_replaces = models.BooleanField(
        _("a new electronic vote replaces the earlier one"), default=True
    )
    vote_assurance = models.CharField(
        _("assurance needed to sign the register and vote"),
        max_length=12,
        choices=VoteAssurance.choices,
    )
    fiscal_year_end_month = models.PositiveSmallIntegerField(
        _("month the fiscal year ends"),
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    text_fr = models.TextField(_("text (French)"))
    text_en = models.TextField(_("text (English)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("by-laws change")
        verbose_name_plural = _("by-laws changes")
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
                name="coop_governance_bylawschange_quorum_matches_rule",
            ),
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
                name="coop_governance_bylawschange_special_majority_above_half",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    share_price__gt=0,
                    qualifying_shares__gte=1,
                    notice_days__gte=1,
                    fiscal_year_end_month__gte=1,
                    fiscal_year_end_month__lte=12,
                ),
                name="coop_governance_bylawschange_positive_terms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion}"

    # The fields a new Bylaws version takes from the change, as they are named there.
    TERMS = (
        "share_price",
        "qualifying_shares",
        "quorum_rule",
        "quorum_count",
        "quorum_percent",
        "notice_days",
        "special_majority_numerator",
        "special_majority_denominator",
        "revote_replaces",
        "vote_assurance",
        "fiscal_year_end_month",
        "text_fr",
        "text_en",
    )
