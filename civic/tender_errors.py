"""The sealed tenders' exceptions; each carries a stable `code` (for logs and the page
scripts) and the HTTP status its JSON endpoint answers with."""

from django.utils.translation import gettext_lazy as _


class TenderError(Exception):
    """Base class: a request the tender rules refuse, with a message a person can read."""

    code = "tender_error"
    status = 403
    message = _("This request cannot be completed.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class TenderAdministratorsOnly(TenderError):
    code = "tender_administrators_only"
    message = _("Only the city’s tender officials can do this.")


class NotAnOfficial(TenderError):
    code = "not_an_official"
    message = _("You are not one of the officials who hold this call’s key.")


class NotARepresentative(TenderError):
    code = "not_a_representative"
    message = _("You are not an approved representative of this supplier.")


class BidAssuranceTooLow(TenderError):
    code = "assurance_too_low"
    message = _("Sign in with your card to submit a bid.")


class CardMissing(TenderError):
    code = "card_missing"
    message = _("Your session’s card is no longer active. Sign in with your card again.")


class TenderNotPublished(TenderError):
    code = "tender_not_published"
    status = 404
    message = _("This call for tenders is not published yet.")


class TenderStateRefused(TenderError):
    code = "tender_state_refused"
    status = 409
    message = _("This call for tenders is not at a step where this can be done.")


class TenderClosed(TenderError):
    code = "tender_closed"
    status = 409
    message = _("The deadline of this call for tenders has passed: no bid is accepted.")


class OpeningTooEarly(TenderError):
    code = "opening_too_early"
    status = 409
    message = _("The bids cannot be opened before the deadline.")


class TenderSetupRefused(TenderError):
    code = "tender_setup_refused"
    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)


class BidTooLarge(TenderError):
    code = "bid_too_large"
    status = 413
    message = _("The bid file is larger than this call accepts.")


class BidMalformed(TenderError):
    code = "bid_malformed"
    status = 400
    message = _("The bid could not be read.")


class BidInvalid(TenderError):
    """A value or the proof of the bid fails a check (docs/tender-record.md, section 4)."""

    code = "bid_invalid"
    status = 422
    message = _("The bid failed a check. Encrypt it again from the call’s page.")

    def __init__(self, path: str, reason: str) -> None:
        super().__init__()
        self.path = path
        self.reason = reason


class BidKemReused(TenderError):
    code = "kem_point_reused"
    status = 409
    message = _("This encrypted bid was already submitted. Encrypt your file again.")


class OfficialMessageMalformed(TenderError):
    code = "message_malformed"
    status = 400
    message = _("The message could not be read.")


class OfficialMessageTooLarge(TenderError):
    code = "message_too_large"
    status = 413
    message = _("The message is too large.")


class OfficialMessageInvalid(TenderError):
    """An official's ceremony or opening message fails a check (with its path)."""

    code = "official_message_invalid"
    status = 422
    message = _("The message failed a check.")

    def __init__(self, path: str, reason: str) -> None:
        super().__init__()
        self.path = path
        self.reason = reason
