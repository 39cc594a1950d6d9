"""Coop membership, as the governance app pushes it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models.people import User


class MembershipCategory(models.TextChoices):
    CONSUMER = "consumer", _("Consumer")
    WORKER = "worker", _("Worker")
    PRODUCER = "producer", _("Producer")
    SUPPORTER = "supporter", _("Supporting")


class MembershipStatus(models.Model):
    """Coop membership as the governance app last pushed it; released as a claim."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership_status")
    is_member = models.BooleanField(_("member"), default=False)
    category = models.CharField(
        _("category"), max_length=10, choices=MembershipCategory.choices, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership status")
        verbose_name_plural = _("membership statuses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_member=True) | models.Q(category=""),
                name="identity_membershipstatus_category_only_for_members",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.is_member}"
