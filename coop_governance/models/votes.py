"""Motions and the open votes on them (a show of hands: who voted what is known to the
board and to the member). One member, one vote, whatever the shares; no proxies. A motion
is voted either at an assembly, by the members who signed its register, or online by every
active member between an opening and a closing time. The secret ballot comes later and
shares the `Motion`."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Majority(models.TextChoices):
    SIMPLE = "simple", _("Ordinary resolution (more than half)")
    SPECIAL = "special", _("Special resolution (the by-laws' majority)")


class MotionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class VoteChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class Motion(models.Model):
    """A question the members decide. Its rules are those of the by-laws in force when it
    was put (`bylaws`), whatever version is in force when it is counted."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    majority = models.CharField(
        _("majority"), max_length=10, choices=Majority.choices, default=Majority.SIMPLE
    )
    bylaws = models.ForeignKey(
        "coop_governance.Bylaws", on_delete=models.PROTECT, related_name="motions"
    )
    # Voted at this assembly by those present, or online between opens_at and closes_at.
    assembly = models.ForeignKey(
        "coop_governance.Assembly",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="motions",
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MotionStatus.choices, default=MotionStatus.SCHEDULED
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The count, written once at closing.
    votes_for = models.PositiveIntegerField(null=True, blank=True)
    votes_against = models.PositiveIntegerField(null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(null=True, blank=True)
    adopted = models.BooleanField(_("adopted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        constraints = [
            # At an assembly (no times of its own), or online with both times in order.
            models.CheckConstraint(
                condition=(
                    models.Q(assembly__isnull=False, opens_at__isnull=True, closes_at__isnull=True)
                    | models.Q(
                        assembly__isnull=True,
                        opens_at__isnull=False,
                        closes_at__gt=models.F("opens_at"),
                    )
                ),
                name="coop_governance_motion_assembly_or_online",
            ),
            # Counted exactly when closed.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="closed",
                        closed_at__isnull=False,
                        votes_for__isnull=False,
                        votes_against__isnull=False,
                        votes_abstain__isnull=False,
                        adopted__isnull=False,
                    )
                    | (
                        ~models.Q(status="closed")
                        & models.Q(votes_for__isnull=True, adopted__isnull=True)
                    )
                ),
                name="coop_governance_motion_counted_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_online(self) -> bool:
        return self.assembly_id is None


class OpenVote(models.Model):
    """A member's vote on a motion, by show of hands. When the by-laws let a new vote
    replace an earlier one, the earlier row stays, marked `replaced_at`; at most one row
    per member and motion is counted."""

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="open_votes")
    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="open_votes"
    )
    choice = models.CharField(_("choice"), max_length=8, choices=VoteChoice.choices)
    # The person who raised the hand: the member, or the store's owner for a store.
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acr = models.CharField(_("assurance"), max_length=12)
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["motion", "cast_at", "pk"]
        verbose_name = _("open vote")
        verbose_name_plural = _("open votes")
        constraints = [
            models.UniqueConstraint(
                fields=["motion", "member"],
                condition=models.Q(replaced_at__isnull=True),
                name="coop_governance_openvote_one_counted_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.choice} {self.motion_id}"
