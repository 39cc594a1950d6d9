"""Members' proposals: submitted by an active member, supported by others, discussed in a
thread the board moderates, then scheduled by the board (an agenda item of a called
assembly, or an online vote) or declined with a reason. A scheduled proposal is decided by
its motion: adopted or not once the motion is counted."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PROPOSAL_TITLE_MAX = 200
PROPOSAL_TEXT_MAX = 10_000
COMMENT_BODY_MAX = 2_000
REASON_MAX = 500


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open for discussion")
    SCHEDULED = "scheduled", _("Scheduled for a vote")
    DECLINED = "declined", _("Declined by the board")


class Proposal(models.Model):
    """A member's proposal. `motion` is set exactly when it is scheduled; `decline_reason`
    exactly when it is declined."""

    title = models.CharField(_("title"), max_length=PROPOSAL_TITLE_MAX)
    text = models.TextField(
        _("text"), max_length=PROPOSAL_TEXT_MAX, validators=[MaxLengthValidator(PROPOSAL_TEXT_MAX)]
    )
    author = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="proposals"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Made when the form is shown: a second submit of the same form is the same proposal.
    submit_key = models.UUIDField()
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    motion = models.OneToOneField(
        "coop_governance.Motion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
    )
    decline_reason = models.TextField(
        _("reason"), max_length=REASON_MAX, blank=True, validators=[MaxLengthValidator(REASON_MAX)]
    )
    decided_at = models.DateTimeField(_("scheduled or declined at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    thread_locked_at = models.DateTimeField(_("discussion locked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submit_key"], name="coop_governance_proposal_submit_once"
            ),
            models.CheckConstraint(
                condition=models.Q(GreaterThan(Length("title"), 0), GreaterThan(Length("text"), 0)),
                name="coop_governance_proposal_has_title_and_text",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status="open",
                        motion__isnull=True,
                        decline_reason="",
                        decided_at__isnull=True,
                    )
                    | models.Q(
                        status="scheduled",
                        motion__isnull=False,
                        decline_reason="",
                        decided_at__isnull=False,
                    )
                    | (
                        models.Q(status="declined", motion__isnull=True, decided_at__isnull=False)
                        & ~models.Q(decline_reason="")
                    )
                ),
                name="coop_governance_proposal_state_fields",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalSupport(models.Model):
    """A member's support of someone else's proposal: one per member, withdrawn by deleting
    it (support is the member's own, not a record of the coop)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="proposal_supports"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("supported at"), default=timezone.now)

    class Meta:
        ordering = ["proposal", "created_at", "pk"]
        verbose_name = _("support of a proposal")
        verbose_name_plural = _("supports of proposals")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "member"], name="coop_governance_support_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.proposal_id}"


class ProposalComment(models.Model):
    """A comment in a proposal's discussion. The board may hide it with a reason; it stays
    in the table, its author still sees it and why it was hidden."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="proposal_comments"
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(
        _("comment"), max_length=COMMENT_BODY_MAX, validators=[MaxLengthValidator(COMMENT_BODY_MAX)]
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.TextField(
        _("why it was hidden"),
        max_length=REASON_MAX,
        blank=True,
        validators=[MaxLengthValidator(REASON_MAX)],
    )

    class Meta:
        ordering = ["proposal", "created_at", "pk"]
        verbose_name = _("comment on a proposal")
        verbose_name_plural = _("comments on proposals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    GreaterThan(Length("body"), 0),
                    LessThanOrEqual(Length("body"), COMMENT_BODY_MAX),
                ),
                name="coop_governance_comment_not_empty",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(hidden_at__isnull=True, hidden_reason="")
                    | (models.Q(hidden_at__isnull=False) & ~models.Q(hidden_reason=""))
                ),
                name="coop_governance_comment_hidden_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.member}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentFlag(models.Model):
    """A member tells the board a comment breaks the discussion's rules: one flag per member
    and comment."""

    comment = models.ForeignKey(ProposalComment, on_delete=models.CASCADE, related_name="flags")
    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="comment_flags"
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(_("flagged at"), default=timezone.now)

    class Meta:
        ordering = ["comment", "created_at", "pk"]
        verbose_name = _("flag on a comment")
        verbose_name_plural = _("flags on comments")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "member"], name="coop_governance_flag_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} ⚑ {self.comment_id}"
