"""The vault's exceptions, each with a stable `code` and the HTTP status an API answers."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from identity.errors import IdentityError


class VaultError(IdentityError):
    code = "vault_error"
    message = _("This vault request cannot be completed.")
    status = 400


class VaultDocumentNotFound(VaultError):
    """No such document, or one the actor may not know exists: both answer the same."""

    code = "vault_document_not_found"
    message = _("No such document.")
    status = 404


class VaultAccessDenied(VaultError):
    code = "vault_access_denied"
    message = _("You may not read this document.")
    status = 403


class VaultShareMissing(VaultAccessDenied):
    """A service with no live share of the document (none, expired or revoked)."""

    code = "vault_share_missing"
    message = _("This document is not shared with this service, or its share has ended.")


class VaultDocumentDeleted(VaultError):
    code = "vault_document_deleted"
    message = _("This document was deleted.")
    status = 410


class VaultDocumentTooLarge(VaultError):
    code = "vault_document_too_large"
    message = _("This document is too large for the vault.")
    status = 413


class VaultRetention(VaultError):
    """Before `keep_until` the law keeps the person from deleting the document."""

    code = "vault_retention"
    message = _("The law requires this document to be kept until %(date)s.")
    status = 409

    def __init__(self, *, keep_until: datetime.datetime) -> None:
        super().__init__(
            str(self.message) % {"date": formats.date_format(timezone.localtime(keep_until))}
        )
        self.keep_until = keep_until


class VaultShareTooLong(VaultError):
    code = "vault_share_too_long"
    message = _("A share lasts at most %(days)s days.")

    def __init__(self, *, days: int) -> None:
        super().__init__(str(self.message) % {"days": days})


class VaultShareInPast(VaultError):
    code = "vault_share_in_past"
    message = _("A share must end in the future.")


class VaultShareClientNotConnected(VaultError):
    """A person shares only with a service they have signed in to (connected services)."""

    code = "vault_share_client_not_connected"
    message = _("You can share only with a service you are connected to.")


class VaultKeyUnknown(VaultError):
    """The vault key that wraps this data key is not in VAULT_KEYS (dropped too early?)."""

    code = "vault_key_unknown"
    message = _("The vault key that protects this document is not configured.")
    status = 500

    def __init__(self, *, kek_id: str) -> None:
        super().__init__(f"{self.message} (kek_id {kek_id!r})")
        self.kek_id = kek_id


class VaultDecryptionFailed(VaultError):
    """The ciphertext, its wrapped key or their associated data do not match: changed,
    moved to another row, or wrapped by another key with the same id."""

    code = "vault_decryption_failed"
    message = _("This document could not be decrypted.")
    status = 500


class VaultBlobMalformed(VaultError):
    code = "vault_blob_malformed"
    message = _("This sealed blob is malformed.")
    status = 500
