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
    message = _("The card’s signature is not valid for this site.")
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


# --- Issuance refusals: who may receive a card from whom, and the issuance's steps -----


class RegistrarNotSignedIn(CardError):
    code = "not_signed_in"
    message = _("Sign in with your card.")
    status = 403


class RegistrarOnly(CardError):
    code = "permission_denied"
    message = _("Only registrars issue cards.")
    status = 403


class RegistrarCardRequired(CardError):
    """A registrar whose session is below `high`: they did not sign in with their card."""

    code = "assurance_required"
    message = _("Sign in with your own card to issue cards.")
    status = 403


class CardIssueRefused(CardError):
    """The registrar may not check this person's identity or issue them a card."""

    code = "card_issue_refused"
    message = _("You may not issue a card to this person.")
    status = 403


class CardIssueToSelf(CardIssueRefused):
    code = "card_issue_to_self"
    message = _("You may not issue a card to yourself.")


class CardIssueToRegistrar(CardIssueRefused):
    code = "card_issue_to_registrar"
    message = _("You may not issue a card to another registrar: a superuser must do it.")


class CardIssueToAdmin(CardIssueRefused):
    code = "card_issue_to_admin"
    message = _("You may not issue a card to a coop admin or a superuser: a superuser must do it.")


class CardRequestInvalid(CardError):
    """A registrar request whose JSON body was refused; `code` says why (core.jsonin)."""

    code = "json_invalid"
    message = _("The request is malformed.")

    def __init__(self, *, code: str) -> None:
        super().__init__()
        self.code = code


class IdentityCheckMissing(CardError):
    """No fresh identity check of this registrar's session to issue on."""

    code = "identity_check_missing"
    message = _("Record the identity check again: this one is missing, used or too old.")
    status = 409


class PublicKeyInvalid(CardError):
    code = "public_key_invalid"
    message = _("The card’s key is not an ECC P-256 public key.")


class ChallengeMissing(CardError):
    """No unused proof-of-possession challenge in this session for this check."""

    code = "challenge_missing"
    message = _("Ask the card to sign a new challenge: this one is missing, used or too old.")
    status = 409


class ProofMissing(CardError):
    code = "proof_missing"
    message = _("The card did not prove that it holds the key.")


class ProofInvalid(CardError):
    code = "proof_invalid"
    message = _("The card’s proof does not match its key: the certificate was not signed.")


class SigningKeyReused(CardError):
    code = "signing_key_reused"
    message = _("The card’s signature key must be another key than its sign-in key.")


class SigningKeyNotAddable(CardError):
    """Only an active card without a slot 9C key gets one added."""

    code = "signing_key_not_addable"
    message = _("This card already has a signature key, or is not active.")
    status = 409


class CertificateNotPending(CardError):
    """Nothing issued in this session waits for confirmation under that fingerprint."""

    code = "certificate_mismatch"
    message = _("The card holds another certificate than the one issued here.")


class IssuanceExpired(CardError):
    code = "issuance_expired"
    message = _("This issuance took too long; the certificate is revoked. Start again.")
    status = 409


class CardAlreadyActive(CardError):
    code = "card_already_active"
    message = _("This person already has an active card.")
    status = 409
