"""The member register: who holds the coop's qualifying shares, in which category, and
every change of status with its reason. A person is a member in their own name; a store
is a member as a business, represented by its owner."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberCategory(models.TextChoices):
    """A solidarity coop's categories; identity releases the same values as the
    `membership_category` claim."""

    CONSUMER = "consumer", _("Consumer")
    WORKER = "worker", _("Worker")
    PRODUCER = "producer", _("Producer or store")
    SUPPORTER = "supporter", _("Supporting")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Member(models.Model):
    """A line of the register. Its number is never reused; a withdrawn member keeps it, and
    joining again opens a new line under a new number."""

    number = models.PositiveIntegerField(_("member number"), unique=True)
    category = models.CharField(_("category"), max_length=10, choices=MemberCategory.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coop_memberships",
    )
    store = models.ForeignKey(
        "marketplace.Store",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coop_memberships",
    )
    qualifying_shares = models.PositiveIntegerField(_("qualifying shares"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)

    class Meta:
        ordering = ["number"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(person__isnull=False, store__isnull=True)
                    | models.Q(person__isnull=True, store__isnull=False, category="producer")
                ),
                name="coop_governance_member_person_or_store",
            ),
            # One open line of the register per person and per store.
            models.UniqueConstraint(
                fields=["person"],
                condition=~models.Q(status="withdrawn"),
                name="coop_governance_member_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["store"],
                condition=~models.Q(status="withdrawn"),
                name="coop_governance_member_one_open_per_store",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="coop_governance_member_number_positive"
            ),
        ]
        permissions = [
            ("administer_members", "Keep the member register (the board)"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE


class MemberStatusChange(models.Model):
    """The register's history: every change of a member's status, with its reason and who
    made it (None: the coop's own process, a payment that settled)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    status_from = models.CharField(
        _("from"), max_length=10, choices=MemberStatus.choices, blank=True
    )
    status_to = models.CharField(_("to"), max_length=10, choices=MemberStatus.choices)
    reason = models.TextField(_("reason"))
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["member", "changed_at", "pk"]
        verbose_name = _("member status change")
        verbose_name_plural = _("member status changes")

    def __str__(self) -> str:
        return f"{self.member}: {self.status_from or '∅'} → {self.status_to}"


class BoardMandate(models.Model):
    """A member's seat on the board of directors, for a category, from one date to another.
    The board acts for the coop between assemblies (schedules votes, keeps the register)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="board_mandates")
    category = models.CharField(_("category"), max_length=10, choices=MemberCategory.choices)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name = _("board mandate")
        verbose_name_plural = _("board mandates")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(ended_on__isnull=True),
                name="coop_governance_boardmandate_one_open_per_member",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="coop_governance_boardmandate_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.category})"
