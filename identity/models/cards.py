"""Cards and the identity checks they are issued on.

A card is proven in person: a registrar checks an identity document at a partner
branch (IdentityCheck), then the coop's CA certifies the key generated on the card.
"""

from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from identity.models.people import User


class IdentityDocumentType(models.TextChoices):
    DRIVERS_LICENCE = "drivers_licence", _("Driver’s licence")
    PASSPORT = "passport", _("Passport")
    HEALTH_INSURANCE_CARD = "health_insurance_card", _("Health insurance card (RAMQ)")
    PERMANENT_RESIDENT_CARD = "permanent_resident_card", _("Permanent resident card")
    CITIZENSHIP_CERTIFICATE = "citizenship_certificate", _("Citizenship certificate")
    STATUS_CARD = "status_card", _("Secure certificate of Indian status")


class IdentityCheck(models.Model):
    """A registrar's in-person check of one identity document, before issuing a card.

    Only the document's last four characters are kept: enough to find the document
    again in an inquiry, too little to misuse.
    """

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="identity_checks")
    document_type = models.CharField(
        _("document type"), max_length=30, choices=IdentityDocumentType.choices
    )
    document_last4 = models.CharField(
        _("last four characters of the document number"),
        max_length=4,
        validators=[MinLengthValidator(4)],
    )
    registrar = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="identity_checks_made",
        verbose_name=_("registrar"),
    )
    branch = models.CharField(_("branch"), max_length=150)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("document_last4"), 4),
                name="identity_identitycheck_document_last4_four_chars",
            ),
            models.CheckConstraint(
                condition=~models.Q(branch=""),
                name="identity_identitycheck_branch_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} …{self.document_last4}"


class CardStatus(models.TextChoices):
    # In context: French agrees the word with "carte" (feminine); a store's status, with
    # "commerce" (masculine).
    # Signed by the CA, not yet confirmed by the registrar: on hold for relying parties.
    PENDING = "pending", pgettext_lazy("card status", "Pending")
    ACTIVE = "active", pgettext_lazy("card status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("card status", "Suspended")
    REVOKED = "revoked", pgettext_lazy("card status", "Revoked")


class CardRevocationReason(models.TextChoices):
    LOST = "lost", _("Lost")
    STOLEN = "stolen", _("Stolen")
    REPLACED = "replaced", _("Replaced")
    # Signed but never confirmed within the issuance's lifetime.
    ABANDONED = "abandoned", _("Never confirmed")
    OTHER = "other", _("Other")


class Card(models.Model):
    """A card the coop issued: the certificate of its sign-in key and its status.

    Every certificate the CA signs is a row from the moment it is signed (`pending` until
    the registrar confirms it, then `active`). A person holds at most one active card.
    Revocation is final and takes effect at once for sign-in, the CRL and the OCSP responder.
    """

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="cards", verbose_name=_("holder")
    )
    # The certificate's serial number in lower-case hexadecimal, without leading zeros.
    serial_number = models.CharField(_("serial number"), max_length=40, unique=True)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    fingerprint_sha256 = models.CharField(
        _("certificate fingerprint (SHA-256)"), max_length=64, unique=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE
    )
    revocation_reason = models.CharField(
        _("revocation reason"), max_length=10, choices=CardRevocationReason.choices, blank=True
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="cards_issued", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    not_after = models.DateTimeField(_("valid until"))
    identity_check = models.ForeignKey(
        IdentityCheck,
        on_delete=models.PROTECT,
        related_name="cards",
        verbose_name=_("identity check"),
    )
    # The signing key of slot 9C (ADR 0011): same card, same status. Cards issued before
    # it have none (empty columns); the registrar adds one on a new identity check.
    signing_serial_number = models.CharField(
        _("signing certificate serial number"), max_length=40, blank=True
    )
    signing_certificate_der = models.BinaryField(
        _("signing certificate (DER)"), null=True, blank=True
    )
    signing_fingerprint_sha256 = models.CharField(
        _("signing certificate fingerprint (SHA-256)"), max_length=64, blank=True
    )
    # The random pseudonym of the 9C certificate's subject.
    signing_pseudonym = models.CharField(
        _("signing certificate pseudonym"), max_length=32, blank=True
    )

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="revoked")
                    & ~models.Q(revocation_reason="")
                    & models.Q(revoked_at__isnull=False)
                )
                | (
                    ~models.Q(status="revoked")
                    & models.Q(revocation_reason="", revoked_at__isnull=True)
                ),
                name="identity_card_revoked_has_reason_and_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "active", "suspended", "revoked"]),
                name="identity_card_status_valid",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="active"),
                name="identity_card_one_active_per_person",
            ),
            models.UniqueConstraint(
                fields=["signing_serial_number"],
                condition=~models.Q(signing_serial_number=""),
                name="identity_card_signing_serial_unique",
            ),
            models.UniqueConstraint(
                fields=["signing_fingerprint_sha256"],
                condition=~models.Q(signing_fingerprint_sha256=""),
                name="identity_card_signing_fingerprint_unique",
            ),
            models.UniqueConstraint(
                fields=["signing_pseudonym"],
                condition=~models.Q(signing_pseudonym=""),
                name="identity_card_signing_pseudonym_unique",
            ),
            # The signing key's four columns are all set or all empty.
            models.CheckConstraint(
                condition=models.Q(
                    signing_serial_number="",
                    signing_certificate_der__isnull=True,
                    signing_fingerprint_sha256="",
                    signing_pseudonym="",
                )
                | (
                    ~models.Q(signing_serial_number="")
                    & models.Q(signing_certificate_der__isnull=False)
                    & ~models.Q(signing_fingerprint_sha256="")
                    & ~models.Q(signing_pseudonym="")
                ),
                name="identity_card_signing_key_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"card {self.serial_number[:12]}… ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == CardStatus.ACTIVE

    @property
    def has_signing_key(self) -> bool:
        return self.signing_serial_number != ""


class ServiceCertificateKind(models.TextChoices):
    TSA = "tsa", _("Timestamp authority")


class ServiceCertificateStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("certificate status", "Active")
    RETIRED = "retired", pgettext_lazy("certificate status", "Retired")
    REVOKED = "revoked", pgettext_lazy("certificate status", "Revoked")


class ServiceCertificate(models.Model):
    """A certificate the issuing CA signed for one of the coop's services, not a card.

    OCSP and the CRL answer for these too: a validator that checks the timestamp
    authority's certificate must hear `good` (or `revoked`), never `unknown`. A retired
    certificate stays `good`: the timestamps it signed remain valid.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ServiceCertificateKind.choices)
    serial_number = models.CharField(_("serial number"), max_length=40, unique=True)
    certificate_der = models.BinaryField(_("certificate (DER)"))
    fingerprint_sha256 = models.CharField(
        _("certificate fingerprint (SHA-256)"), max_length=64, unique=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ServiceCertificateStatus.choices,
        default=ServiceCertificateStatus.ACTIVE,
    )
    not_after = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ServiceCertificateKind.values),
                name="identity_servicecertificate_kind_valid",
            ),
            models.CheckConstraint(
                condition=(models.Q(status="revoked") & models.Q(revoked_at__isnull=False))
                | (~models.Q(status="revoked") & models.Q(revoked_at__isnull=True)),
                name="identity_servicecertificate_revoked_has_time",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(status="active"),
                name="identity_servicecertificate_one_active_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.serial_number[:12]}… ({self.status})"
