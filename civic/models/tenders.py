"""Sealed tenders (appels d'offres): calls, suppliers, bids on a public board, openings.

A call's bids are encrypted in the supplier's browser to the call's public key, which t of
n officials hold in shares (the secret ballot's key ceremony, coop_governance.election).
Every bid gets a receipt chained to the one before it, with a timestamp from our TSA, so
no bid is added, changed or dropped unseen. See docs/tender-record.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.validators import validate_neq


class Supplier(models.Model):
    """A business that may bid: a Québec enterprise number (NEQ) and its legal name."""

    neq = models.CharField(
        _("Québec enterprise number (NEQ)"), max_length=10, unique=True, validators=[validate_neq]
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["legal_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(neq__regex=r"^[0-9]{10}$"),
                name="civic_supplier_neq_ten_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.neq})"


class SupplierRepresentative(models.Model):
    """A person allowed to bid for a supplier, approved by a city official (on a mandate)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="representatives")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supplier_mandates"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supplier representative")
        verbose_name_plural = _("supplier representatives")
        ordering = ["-approved_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "person"],
                condition=models.Q(revoked_at__isnull=True),
                name="civic_supplierrepresentative_one_live_mandate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} for {self.supplier}"


class TenderStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("tender status", "Draft")
    KEYGEN = "keygen", pgettext_lazy("tender status", "Key ceremony")
    OPEN = "open", pgettext_lazy("tender status", "Open for bids")
    CLOSED = "closed", pgettext_lazy("tender status", "Closed")
    OPENING = "opening", pgettext_lazy("tender status", "Opening")
    OPENED = "opened", pgettext_lazy("tender status", "Opened")


class TenderCall(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    threshold = models.PositiveSmallIntegerField(_("officials needed to open"))
    status = models.CharField(
        _("status"), max_length=10, choices=TenderStatus.choices, default=TenderStatus.DRAFT
    )
    # The call's manifest (the bytes hashed into its fingerprint), set when it opens.
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    public_key = models.CharField(_("public key"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened for bids at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("call for tenders")
        verbose_name_plural = _("calls for tenders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TenderStatus.values),
                name="civic_tendercall_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold__gte=1), name="civic_tendercall_threshold_positive"
            ),
            # From the moment it opens, a call has its key and fingerprint.
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "keygen"])
                | (~models.Q(public_key="") & ~models.Q(fingerprint="")),
                name="civic_tendercall_open_has_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def eid(self) -> str:
        """The call's id in the threshold cryptography: never an election's."""
        return f"tender:{self.public_id}"


class TenderDocument(models.Model):
    """A document of the call (specifications, forms), public, with its hash."""

    call = models.ForeignKey(TenderCall, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="tenders/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")
        ordering = ["call", "id"]

    def __str__(self) -> str:
        return self.title


class TenderOfficial(models.Model):
    """One of the n officials who hold a share of a call's key (a trustee, in the
    ballot's words). The JSON columns hold the ceremony's messages, as the election's."""

    call = models.ForeignKey(TenderCall, on_delete=models.CASCADE, related_name="officials")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tender_officials"
    )
    index = models.PositiveSmallIntegerField(_("index"))
    transport_key = models.CharField(_("transport key"), max_length=64, blank=True)
    transport_proof = models.JSONField(null=True, blank=True)
    key_posted_at = models.DateTimeField(null=True, blank=True)
    commitments = models.JSONField(null=True, blank=True)
    shares = models.JSONField(null=True, blank=True)
    dealt_at = models.DateTimeField(null=True, blank=True)
    verification_key = models.CharField(_("verification key"), max_length=64, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    complaint = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("tender official")
        verbose_name_plural = _("tender officials")
        ordering = ["call", "index"]
        constraints = [
            models.UniqueConstraint(fields=["call", "index"], name="civic_official_index"),
            models.UniqueConstraint(fields=["call", "person"], name="civic_official_person"),
            models.CheckConstraint(
                condition=models.Q(index__gte=1), name="civic_official_index_from_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call.reference} official {self.index}"


class Bid(models.Model):
    """One sealed bid on the call's board. The ciphertext is a file under VAULT_ROOT's
    `tenders/` (never public before the opening); the board shows position, receipt hash
    and time, not the supplier."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    call = models.ForeignKey(TenderCall, on_delete=models.PROTECT, related_name="bids")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="bids")
    representative = models.ForeignKey(
        SupplierRepresentative, on_delete=models.PROTECT, related_name="bids"
    )
    card = models.ForeignKey("identity.Card", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("position on the board"))
    kem_point = models.CharField(_("R"), max_length=64)
    kem_proof = models.JSONField(_("proof of R"))
    blob_name = models.CharField(_("file name"), max_length=80)
    ciphertext_sha256 = models.CharField(_("SHA-256 of the ciphertext"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    signature_cms = models.BinaryField(_("representative's signature (CMS)"))
    receipt_hash = models.CharField(_("receipt hash"), max_length=64, unique=True)
    previous_hash = models.CharField(_("previous receipt hash"), max_length=64)
    received_at = models.DateTimeField(_("received at"))
    tst = models.BinaryField(_("timestamp token"))
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("replaced by"),
    )
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["call", "position"]
        constraints = [
            models.UniqueConstraint(fields=["call", "position"], name="civic_bid_position"),
            models.UniqueConstraint(
                fields=["call", "supplier"],
                condition=models.Q(superseded_by__isnull=True),
                name="civic_bid_one_live_per_supplier",
            ),
            models.UniqueConstraint(fields=["call", "kem_point"], name="civic_bid_kem_point"),
            models.UniqueConstraint(
                fields=["call", "representative", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="civic_bid_idempotency",
            ),
            models.CheckConstraint(
                condition=models.Q(position__gte=1), name="civic_bid_position_from_one"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call.reference} #{self.position}"


class BoardCheckpoint(models.Model):
    """The board's head at a position, timestamped by our TSA (each bid, and the close)."""

    call = models.ForeignKey(TenderCall, on_delete=models.CASCADE, related_name="checkpoints")
    position = models.PositiveIntegerField(_("position"))
    head = models.CharField(_("head hash"), max_length=64)
    tst = models.BinaryField(_("timestamp token"))
    is_final = models.BooleanField(_("at the close"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("board checkpoint")
        verbose_name_plural = _("board checkpoints")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"],
                condition=models.Q(is_final=True),
                name="civic_checkpoint_one_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call.reference} @{self.position}"


class OpeningShare(models.Model):
    """One official's decryption shares D_j = x_j·R of every bid, in board order, with
    their proofs; kept only once verified."""

    call = models.ForeignKey(TenderCall, on_delete=models.CASCADE, related_name="opening_shares")
    official = models.ForeignKey(TenderOfficial, on_delete=models.PROTECT, related_name="+")
    shares = models.JSONField(_("shares with proofs"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("opening share")
        verbose_name_plural = _("opening shares")
        ordering = ["call", "official__index"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "official"], name="civic_openingshare_one_per_official"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call.reference} share of {self.official_id}"


class TenderRecord(models.Model):
    """The public opening record of a call (docs/tender-record.md)."""

    call = models.OneToOneField(TenderCall, on_delete=models.PROTECT, related_name="record")
    record = models.JSONField(_("record"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("opening record")
        verbose_name_plural = _("opening records")

    def __str__(self) -> str:
        return f"{self.call.reference} record"
