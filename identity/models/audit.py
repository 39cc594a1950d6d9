"""The audit log of state changes made to someone else's data."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models.people import User


class AuditEvent(models.Model):
    """A state change someone made to someone else's data: who, what, to which row, when.

    Written by the service that makes the change, in its transaction (identity.audit);
    append-only. Any app's rows can be the target (stores, sites, cards, clients).
    """

    acting_user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events_made",
        verbose_name=_("acting person"),
        help_text=_("Empty for the system itself (a scheduled task, a command)."),
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(_("target identifier"), max_length=64)
    # The person the change concerns, when there is one: their own history shows it.
    subject_user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events_about",
        verbose_name=_("person concerned"),
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="identity_audit_target"),
            models.Index(fields=["subject_user", "-created_at"], name="identity_audit_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action=""), name="identity_auditevent_action_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type_id}:{self.target_id} by {self.acting_user_id}"
