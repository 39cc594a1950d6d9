"""The payables' exceptions; each carries a stable `code` for the API's problem documents
(docs/payables.md) and an HTTP status."""

from django.utils.translation import gettext_lazy as _


class PayableError(Exception):
    code = "payable_error"
    message = _("This request cannot be completed.")
    http_status = 409

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class PayableNotFound(PayableError):
    """No payable by this id for this caller (another service's, or none at all)."""

    code = "not_found"
    message = _("No such payable.")
    http_status = 404


class PayableNotOpen(PayableError):
    code = "payable_not_open"
    message = _("This payable is no longer waiting to be paid.")


class PayableReferenceTaken(PayableError):
    """The service already has a payable with this reference (under another key)."""

    code = "payable_reference_taken"
    message = _("You already have a payable with this reference.")


class PayableIdempotencyConflict(PayableError):
    """The same Idempotency-Key was sent with another body."""

    code = "idempotency_key_reused"
    message = _("This Idempotency-Key was used for another payable.")
    http_status = 422


class PayableScopeMissing(PayableError):
    code = "insufficient_scope"
    message = _("The access token was not granted the “payables” scope.")
    http_status = 403


class PayeeAccountMissing(PayableError):
    """The service has no account at the payment gateway to be paid into."""

    code = "payee_account_missing"
    message = _("Your service has no payee account at the coop yet: ask the coop for one.")


class PayableConsentMissing(PayableError):
    """A payable addressed to a person (`sub`) who has not let the service send them some."""

    code = "consent_missing"
    message = _("This person has not allowed your service to send them amounts to pay.")
    http_status = 403


class PayablePaymentInProgress(PayableError):
    """Another person already started paying this payable."""

    code = "payable_payment_in_progress"
    message = _("Someone else is paying this amount now.")


class PayablePaymentRefused(PayableError):
    code = "payable_payment_refused"
    message = _("This payment cannot be made here.")
    http_status = 403


class PayableSearchThrottled(PayableError):
    code = "too_many_requests"
    message = _("Too many attempts; try again later.")
    http_status = 429
