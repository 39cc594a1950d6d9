"""Documents signed with the card's signing key (slot 9C), and the requests for them.

A SignatureRequest is made by a service (an OIDC client) or by the person for a PDF of
their own; a SigningSession holds one prepared signature between the server's preparation
and the card's answer (ADR 0011).
"""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from identity.models.cards import Card
from identity.models.oidc import OidcClient
from identity.models.people import User
from identity.models.vault import VaultDocument


class SignatureMode(models.TextChoices):
    # A PDF signed in place (PAdES B-LT); the person reads it before signing.
    PADES = "pades", _("PDF signature")
    # Only the document's SHA-256 is sent; a detached CMS (CAdES) signature is made.
    CADES_DIGEST = "cades_digest", _("Signature of a document kept by the service")


class SignatureRequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("signature request status", "To sign")
    SIGNED = "signed", pgettext_lazy("signature request status", "Signed")
    DECLINED = "declined", pgettext_lazy("signature request status", "Declined")
    EXPIRED = "expired", pgettext_lazy("signature request status", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("signature request status", "Cancelled")


class SignatureRequest(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # Null when the person signs a PDF of their own.
    client = models.ForeignKey(
        OidcClient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signature_requests",
        verbose_name=_("service"),
    )
    person = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="signature_requests", verbose_name=_("signer")
    )
    title = models.CharField(_("title"), max_length=200)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    mode = models.CharField(_("mode"), max_length=15, choices=SignatureMode.choices)
    # The document to sign (PAdES mode); null in digest mode.
    document = models.ForeignKey(
        VaultDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document to sign"),
    )
    document_sha256 = models.CharField(_("SHA-256 of the document"), max_length=64)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SignatureRequestStatus.choices,
        default=SignatureRequestStatus.PENDING,
    )
    # Whether the service allows the signer to let verifiers see their name.
    disclose_name_allowed = models.BooleanField(_("name may be disclosed"), default=True)
    # The signer's choice: verifiers learn their legal name (else "a Uniqc card holder").
    disclose_name = models.BooleanField(_("name disclosed to verifiers"), default=False)
    expires_at = models.DateTimeField(_("expires at"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The signed PDF (PAdES) or the CMS (digest mode), in the signer's vault.
    signed_document = models.ForeignKey(
        VaultDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed document"),
    )
    card = models.ForeignKey(
        Card,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("card"),
    )
    # The signature timestamp's time (our TSA's), not the server's clock at the request.
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mode__in=SignatureMode.values),
                name="identity_signaturerequest_mode_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SignatureRequestStatus.values),
                name="identity_signaturerequest_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="signed")
                    & models.Q(
                        signed_at__isnull=False,
                        card__isnull=False,
                        signed_document__isnull=False,
                    )
                )
                | (
                    ~models.Q(status="signed")
                    & models.Q(
                        signed_at__isnull=True, card__isnull=True, signed_document__isnull=True
                    )
                ),
                name="identity_signaturerequest_signed_has_card_and_time",
            ),
            models.CheckConstraint(
                condition=(models.Q(mode="pades") & models.Q(document__isnull=False))
                | (models.Q(mode="cades_digest") & models.Q(document__isnull=True)),
                name="identity_signaturerequest_pades_has_document",
            ),
            models.CheckConstraint(
                condition=models.Q(disclose_name=False) | models.Q(disclose_name_allowed=True),
                name="identity_signaturerequest_disclose_only_if_allowed",
            ),
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="identity_signaturerequest_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="identity_sigreq_person"),
            models.Index(fields=["status", "expires_at"], name="identity_sigreq_expiry"),
        ]

    def __str__(self) -> str:
        return self.title


SIGNING_SESSION_SECONDS = 300


class SigningSession(models.Model):
    """One prepared signature: the document's ByteRange digest and the signed attributes
    the card must sign, between preparing and finishing. Five minutes, used once."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        SignatureRequest,
        on_delete=models.CASCADE,
        related_name="sessions",
        verbose_name=_("signature request"),
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="+")
    # The prepared PDF (or CMS state), encrypted like a vault file (AES-GCM, VAULT_KEYS).
    prepared_blob = models.BinaryField(_("prepared document (encrypted)"))
    document_digest = models.BinaryField(_("document digest"))
    reserved_start = models.PositiveBigIntegerField(_("signature placeholder start"), default=0)
    reserved_end = models.PositiveBigIntegerField(_("signature placeholder end"), default=0)
    signed_attributes = models.BinaryField(_("signed attributes (DER)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing session")
        verbose_name_plural = _("signing sessions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(used_at__isnull=True),
                name="identity_signingsession_one_unused_per_request",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="identity_signingsession_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.public_id} for {self.request_id}"
