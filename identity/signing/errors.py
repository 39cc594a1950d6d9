"""Signing's refusals; each carries a stable `code` for logs and API clients, and the HTTP
status an endpoint answers it with."""

from django.utils.translation import gettext_lazy as _


class SigningError(Exception):
    """Base class: a signing request refused, with a message a person can read."""

    code = "signing_error"
    status = 400
    message = _("This signature cannot be made.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)

    @property
    def detail(self) -> str:
        return str(self.args[0])


class DocumentInvalid(SigningError):
    code = "document_invalid"
    message = _("This file is not a PDF we can sign.")


class DocumentTooLarge(SigningError):
    code = "document_too_large"
    status = 413
    message = _("This file is too large.")


class SignatureInvalid(SigningError):
    """The card's answer is not a valid signature of the prepared attributes."""

    code = "signature_invalid"
    message = _("The card’s signature does not match this document.")


class CertificateNotSigning(SigningError):
    """The certificate sent is not the 9C certificate of the person's active card."""

    code = "certificate_not_signing"
    status = 403
    message = _("This certificate is not the signing certificate of your active card.")


class CertificateNotGood(SigningError):
    """Our responder does not answer `good` for the signing certificate (a card not active,
    or a certificate we did not issue)."""

    code = "certificate_not_good"
    status = 403
    message = _("This card cannot sign: it is not active.")


class SessionInvalid(SigningError):
    code = "session_invalid"
    status = 409
    message = _("This signing session has expired or was already used. Start again.")


class RequestNotPending(SigningError):
    code = "request_not_pending"
    status = 409
    message = _("This request can no longer be signed.")


class SignedDocumentUnverified(SigningError):
    """Our own verification refused a PDF we just signed: it is never stored."""

    code = "signed_document_unverified"
    status = 500
    message = _("The signed document could not be verified; nothing was stored.")


class RequestNotFound(SigningError):
    code = "signature_request_not_found"
    status = 404
    message = _("No such signature request.")


class SigningAccessDenied(SigningError):
    code = "signing_access_denied"
    status = 403
    message = _("You may not sign this request.")


class NoSigningCard(SigningError):
    code = "no_signing_card"
    status = 403
    message = _("Your active card has no signing key. A registrar can add one at a partner branch.")


class ScopeMissing(SigningError):
    code = "insufficient_scope"
    status = 403
    message = _("This token was not granted the signature_requests scope.")


class ConsentMissing(SigningError):
    code = "consent_missing"
    status = 403
    message = _(
        "This person has not allowed your service to ask them for signatures; ask for the "
        "signature_requests scope at sign-in."
    )


class SubjectUnknown(SigningError):
    code = "subject_unknown"
    status = 404
    message = _("No person is known to your service by this subject.")


class IdempotencyConflict(SigningError):
    code = "idempotency_key_reused"
    status = 409
    message = _("This Idempotency-Key was used for a different request.")


class DisclosureNotAllowed(SigningError):
    code = "disclosure_not_allowed"
    message = _("The service asked that your name not be disclosed to verifiers.")
