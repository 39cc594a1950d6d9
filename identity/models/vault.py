"""The vault: a person's documents, encrypted at rest, shared by their choice (ADR 0011).

Each document's bytes are AES-256-GCM under a data key of its own, in a file under
VAULT_ROOT; the data key is stored here wrapped by one of VAULT_KEYS (`kek_id` says which).
Deleting a document erases its file and its wrapped key and keeps the row as a tombstone
for the person's log.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models.oidc import OidcClient
from identity.models.people import User


class VaultDocumentKind(models.TextChoices):
    SIGNED_DOCUMENT = "signed_document", _("Signed document")
    DOCUMENT_TO_SIGN = "document_to_sign", _("Document to sign")
    RECEIPT = "receipt", _("Receipt")
    PERMIT = "permit", _("Permit")
    MEMBERSHIP_STATEMENT = "membership_statement", _("Membership statement")
    RISTOURNE_STATEMENT = "ristourne_statement", _("Patronage dividend statement")
    TENDER_RECEIPT = "tender_receipt", _("Tender receipt")
    OTHER = "other", _("Other document")


class VaultDocument(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="vault_documents", verbose_name=_("owner")
    )
    kind = models.CharField(_("kind"), max_length=25, choices=VaultDocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    # Random file name under VAULT_ROOT; empty once deleted.
    blob_name = models.CharField(_("file name"), max_length=80, blank=True)
    data_key_wrapped = models.BinaryField(_("data key (wrapped)"), null=True, blank=True)
    data_key_nonce = models.BinaryField(_("data key wrap nonce"), null=True, blank=True)
    # First 8 hex characters of SHA-256 of the vault key that wraps the data key.
    kek_id = models.CharField(_("wrapping key id"), max_length=8, blank=True)
    nonce = models.BinaryField(_("content nonce"), null=True, blank=True)
    source_client = models.ForeignKey(
        OidcClient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deposited by service"),
    )
    # The coop app that deposited it ("marketplace", "coop_governance", "civic"…), if any.
    source_app = models.CharField(_("deposited by app"), max_length=40, blank=True)
    # Before this time the law keeps the person from deleting the document.
    keep_until = models.DateTimeField(_("kept until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("vault document")
        verbose_name_plural = _("vault documents")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=VaultDocumentKind.values),
                name="identity_vaultdocument_kind_valid",
            ),
            # A live document has its file and its keys; a deleted one has neither.
            models.CheckConstraint(
                condition=(
                    models.Q(deleted_at__isnull=True)
                    & ~models.Q(blob_name="")
                    & ~models.Q(kek_id="")
                    & models.Q(
                        data_key_wrapped__isnull=False,
                        data_key_nonce__isnull=False,
                        nonce__isnull=False,
                    )
                )
                | (
                    models.Q(deleted_at__isnull=False, blob_name="", kek_id="")
                    & models.Q(
                        data_key_wrapped__isnull=True,
                        data_key_nonce__isnull=True,
                        nonce__isnull=True,
                    )
                ),
                name="identity_vaultdocument_live_or_shredded",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="identity_vaultdoc_owner"),
            models.Index(fields=["kek_id"], name="identity_vaultdoc_kek"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


VAULT_SHARE_MAX_DAYS = 90


class VaultShare(models.Model):
    """A document made readable to one service until `expires_at`, by its owner.

    At most VAULT_SHARE_MAX_DAYS long (checked by `vault_share_grant`: a database check on
    date arithmetic would need a function SQLite lacks).
    """

    document = models.ForeignKey(
        VaultDocument, on_delete=models.CASCADE, related_name="shares", verbose_name=_("document")
    )
    client = models.ForeignKey(
        OidcClient, on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    acting_user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )

    class Meta:
        verbose_name = _("vault share")
        verbose_name_plural = _("vault shares")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="identity_vaultshare_expires_after_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.client}"


class VaultActorKind(models.TextChoices):
    OWNER = "owner", _("You")
    CLIENT = "client", _("Service")
    REGISTRAR = "registrar", _("Registrar")
    SYSTEM = "system", _("Uniqc Coop")


class VaultAction(models.TextChoices):
    DEPOSIT = "deposit", _("Deposited")
    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")
    SHARE = "share", _("Shared")
    UNSHARE = "unshare", _("Share withdrawn")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    REWRAP = "rewrap", _("Key rotated")
    SIGN = "sign", _("Signed")


class VaultAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("The vault's access log is append-only.")

    def delete(self):
        raise ValidationError("The vault's access log is append-only.")


class VaultAccess(models.Model):
    """One access to a vault document, shown to its owner. Append-only."""

    document = models.ForeignKey(
        VaultDocument, on_delete=models.PROTECT, related_name="accesses", verbose_name=_("document")
    )
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="vault_accesses", verbose_name=_("owner")
    )
    actor_kind = models.CharField(_("by"), max_length=10, choices=VaultActorKind.choices)
    actor_user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    actor_client = models.ForeignKey(
        OidcClient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
    )
    action = models.CharField(_("action"), max_length=10, choices=VaultAction.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = VaultAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("vault access")
        verbose_name_plural = _("vault accesses")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=VaultAction.values),
                name="identity_vaultaccess_action_valid",
            ),
            models.CheckConstraint(
                condition=(models.Q(actor_kind="client") & models.Q(actor_client__isnull=False))
                | (~models.Q(actor_kind="client") & models.Q(actor_client__isnull=True)),
                name="identity_vaultaccess_client_named",
            ),
        ]
        indexes = [models.Index(fields=["owner", "-at"], name="identity_vaultaccess_owner")]

    def __str__(self) -> str:
        return f"{self.action} {self.document_id} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The vault's access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The vault's access log is append-only.")
