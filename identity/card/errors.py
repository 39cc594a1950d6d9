"""Exceptions of card issuance, revocation and card sign-in, each with a stable `code`.

A sign-in refusal carries the HTTP status the sign-in endpoint answers with; the code is
what the sign-in page and the security log show.
"""

from django.utils.translation import gettext_lazy as _

from identity.errors import IdentityError


class CardError(IdentityError):
    code = "card_error"
    message = _("This card request cannot be completed.")
    status = 400


class CaNotInitialised(CardError):
    code = "ca_not_initialised"
    message = _("The card certificate authority is not set up.")
    status = 503


class CaAlreadyInitialised(CardError):
    code = "ca_already_initialised"
    message = _("The card certificate authority already exists.")


class NoActiveCard(CardError):
    code = "no_active_card"
    message = _("You have no active card.")


class CardCertificateMismatch(CardError):
    code = "card_certificate_mismatch"
    message = _("This certificate was not issued by the coop for this person.")


# --- Sign-in refusals, in the order they are checked --------------------------------


class CardSignInError(CardError):
    """A card token or nonce the server refuses."""

    code = "card_sign_in_failed"
    message = _("The card sign-in failed.")


class NonceMissing(CardSignInError):
    code = "nonce_missing"
    message = _("This sign-in attempt is no longer valid. Please try again.")


class NonceExpired(CardSignInError):
    code = "nonce_expired"
    message = _("This sign-in attempt took too long. Please try again.")


class TokenInvalid(CardSignInError):
    code = "token_invalid"
    message = _("The card agent sent an unreadable answer.")


class TokenFormatUnsupported(CardSignInError):
    code = "token_format_unsupported"
    message = _("The card agent is not compatible with this site. Please update it.")


class AlgorithmUnsupported(CardSignInError):
    code = "algorithm_unsupported"
    message = _("The card uses a signature algorithm this site does not accept.")


class CertificateInvalid(CardSignInError):
    code = "certificate_invalid"
    message = _("The certificate on the card cannot be read.")


class CardExpired(CardSignInError):
    code = "card_expired"
    message = _("This card has expired or is not valid yet. A registrar can issue a new one.")
    status = 403


class CertificatePurposeInvalid(CardSignInError):
    code = "certificate_purpose_invalid"
    message = _("The certificate on this card is not meant for signing in.")
    status = 403


class CertificateUntrusted(CardSignInError):
    code = "certificate_untrusted"
    message = _("This card was not issued by Uniqc Coop.")
    status = 403


class CardRevoked(CardSignInError):
    code = "card_revoked"
    message = _("This card is revoked. A registrar can issue a new one.")
    status = 403


class CardUnknown(CardRevoked):
    """A certificate from our CA with no card record: treated as revoked."""

    code = "card_unknown"
    message = _("This card is not registered with Uniqc Coop.")


class SignatureInvalid(CardSignInError):
    code = "signature_invalid"
    message = _("The card's signature is not valid for this site.")
    status = 403


class CardSignInThrottled(CardSignInError):
    """Too many attempts from a client or with a card; `retry_after` in seconds."""

    code = "card_sign_in_throttled"
    message = _("Too many attempts; try again later.")
    status = 429

    def __init__(self, *, retry_after: int, reason: str) -> None:
        super().__init__()
        self.retry_after = retry_after
        self.reason = reason
