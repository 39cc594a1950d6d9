"""Assemblies of the members (annual and special): called with notice under the by-laws in
force that day, held in a room and in the coop's video room, with a register the members
present sign and an agenda whose resolutions are motions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AssemblyKind(models.TextChoices):
    ANNUAL = "annual", _("Annual general assembly")
    SPECIAL = "special", _("Special general assembly")


class AssemblyStatus(models.TextChoices):
    CALLED = "called", _("Called")
    OPEN = "open", _("In session")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Assembly(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=AssemblyKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    video_url = models.URLField(_("video room"), blank=True)
    # The by-laws in force when the assembly was called: its notice, quorum and majorities.
    bylaws = models.ForeignKey(
        "coop_governance.Bylaws", on_delete=models.PROTECT, related_name="assemblies"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssemblyStatus.choices, default=AssemblyStatus.CALLED
    )
    called_at = models.DateTimeField(_("called at"), default=timezone.now)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    # The members present the quorum asks for, fixed when the chair opens the assembly (a
    # share of the active members is counted on the active members at that moment).
    quorum_required = models.PositiveIntegerField(_("quorum"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("assembly")
        verbose_name_plural = _("assemblies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__gt=models.F("called_at")),
                name="coop_governance_assembly_starts_after_call",
            ),
        ]
        permissions = [
            ("administer_assemblies", "Call and run assemblies (the board)"),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """A point of the agenda, in order; a resolution carries the motion voted on."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    motion = models.OneToOneField(
        "coop_governance.Motion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_item",
    )

    class Meta:
        ordering = ["assembly", "position"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "position"], name="coop_governance_agendaitem_one_per_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class AttendanceSignature(models.Model):
    """A member's line in an assembly's attendance register, signed by the person at the
    by-laws' assurance level; the quorum counts these."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(
        "coop_governance.Member", on_delete=models.PROTECT, related_name="attendance"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acr = models.CharField(_("assurance"), max_length=12)
    remote = models.BooleanField(_("remote"), default=False)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        ordering = ["assembly", "signed_at", "pk"]
        verbose_name = _("attendance signature")
        verbose_name_plural = _("attendance signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "member"], name="coop_governance_attendance_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assembly_id}: {self.member}"


class AgendaDocument(models.Model):
    """A document the notice links to: a file uploaded with the agenda item (PDF, within the
    size limit) or a link to one kept elsewhere; exactly one of the two."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="coop/assemblies/%Y/", blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["item", "pk"]
        verbose_name = _("agenda document")
        verbose_name_plural = _("agenda documents")
        constraints = [
            models.CheckConstraint(
                condition=(
                    (~models.Q(url="") & models.Q(file="", size__isnull=True))
                    | (models.Q(url="") & ~models.Q(file="") & models.Q(size__isnull=False))
                ),
                name="coop_governance_agendadocument_file_or_link",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NoticeDelivery(models.Model):
    """A notice of an assembly mailed to one person for one member (a person for themself,
    a store's owner for the store): the mail task skips those already sent when retried."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="notices")
    member = models.ForeignKey("coop_governance.Member", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["assembly", "pk"]
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "member", "recipient"],
                name="coop_governance_noticedelivery_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assembly_id}: {self.member_id} → {self.recipient_id}"
