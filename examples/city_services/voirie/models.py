from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    POTHOLE = "pothole", _("Pothole")
    STREETLIGHT = "streetlight", _("Broken streetlight")
    SNOW_REMOVAL = "snow_removal", _("Snow removal")
    SIGNAGE = "signage", _("Damaged or missing sign")
    SIDEWALK = "sidewalk", _("Damaged sidewalk")
    VEHICLE_DAMAGE = "vehicle_damage", _("Damage to my vehicle caused by the road (claim)")
    OTHER = "other", _("Other road problem")


# A claim against the city is a legal act: only an adult may file one.
ADULT_ONLY_CATEGORIES = frozenset({Category.VEHICLE_DAMAGE})


class Report(models.Model):
    """A road problem reported by a citizen, known only by their Uniqc identifier for us."""

    citizen_sub = models.CharField(_("Uniqc identifier"), max_length=255, db_index=True)
    category = models.CharField(_("problem"), max_length=20, choices=Category.choices)
    address = models.CharField(_("address or place"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    description = models.TextField(_("description"), max_length=2000)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="voirie_report_category_known"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="voirie_report_coordinates_both_or_neither",
                violation_error_message=_("Give both the latitude and the longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=Decimal(-90), latitude__lte=Decimal(90)),
                name="voirie_report_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | Q(longitude__gte=Decimal(-180), longitude__lte=Decimal(180)),
                name="voirie_report_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.get_category_display()}"

    @property
    def reference(self) -> str:
        """The number a citizen quotes when calling 311."""
        return f"V-{self.pk:06d}"


class TicketStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, not yet sent to Uniqc")
    TO_PAY = "to_pay", _("To pay")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class Ticket(models.Model):
    """A parking ticket the city issued, paid through Uniqc: a payable created with the
    city's own client credentials (docs/payables.md in Uniqc)."""

    citizen_sub = models.CharField(_("Uniqc identifier"), max_length=255, db_index=True)
    description = models.CharField(_("offence"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    # Stored before the payable is asked for, sent again on every retry.
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.ISSUED
    )
    payable_id = models.CharField(_("Uniqc payable"), max_length=40, blank=True)
    pay_url = models.URLField(_("where to pay"), blank=True)
    payment_code = models.CharField(_("payment code"), max_length=20, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TicketStatus.values), name="voirie_ticket_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False)
                | (~Q(status="paid") & Q(paid_at__isnull=True)),
                name="voirie_ticket_paid_has_date",
            ),
            models.UniqueConstraint(
                fields=["payable_id"], condition=~Q(payable_id=""), name="voirie_ticket_payable"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The number printed on the ticket, and the payable's reference at Uniqc."""
        return f"CONST-{self.pk:06d}"


class PermitStatus(models.TextChoices):
    DRAFT = "draft", _("Made, not yet sent to Uniqc")
    TO_SIGN = "to_sign", _("To sign with your card")
    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired unsigned")
    CANCELLED = "cancelled", _("Cancelled")


class Permit(models.Model):
    """An application for a permit to occupy the public road (a moving truck, a
    container), which the citizen signs with their Uniqc card: a signature request
    created with the city's own client credentials (docs/signature-requests.md in Uniqc)."""

    citizen_sub = models.CharField(_("Uniqc identifier"), max_length=255, db_index=True)
    address = models.CharField(_("address"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    purpose = models.CharField(_("purpose"), max_length=200)
    # The application as the city made it, and as it came back signed.
    application_pdf = models.BinaryField(_("application"))
    signed_pdf = models.BinaryField(_("signed application"), null=True, blank=True)
    # Stored before the request is asked for, sent again on every retry.
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PermitStatus.choices, default=PermitStatus.DRAFT
    )
    request_id = models.CharField(_("Uniqc signature request"), max_length=40, blank=True)
    sign_url = models.URLField(_("where to sign"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    # Uniqc's verification of the signed PDF the city received: valid, and by this citizen.
    signature_valid = models.BooleanField(_("signature valid"), null=True, blank=True)
    signature_level = models.CharField(_("signature level"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("applied at"), default=timezone.now)

    class Meta:
        verbose_name = _("permit application")
        verbose_name_plural = _("permit applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PermitStatus.values), name="voirie_permit_status_known"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="voirie_permit_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="signed", signed_at__isnull=False, signed_pdf__isnull=False)
                | (~Q(status="signed") & Q(signed_at__isnull=True)),
                name="voirie_permit_signed_has_document",
            ),
            models.UniqueConstraint(
                fields=["request_id"], condition=~Q(request_id=""), name="voirie_permit_request"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The application's number, printed in its PDF."""
        return f"PERMIS-{self.pk:06d}"
