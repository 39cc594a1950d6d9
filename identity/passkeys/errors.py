"""Exceptions of passkey registration and sign-in, each with a stable `code`.

Each carries the HTTP status the passkey endpoints answer with; the code is what the
pages' script and the security log show.
"""

from django.utils.translation import gettext_lazy as _

from identity.errors import IdentityError


class PasskeyError(IdentityError):
    code = "passkey_error"
    message = _("This passkey request cannot be completed.")
    status = 400


class CardSessionRequired(PasskeyError):
    code = "card_session_required"
    message = _("To add a passkey, first sign in with your card: the card vouches for the passkey.")
    status = 403


class CardNotActive(PasskeyError):
    code = "card_not_active"
    message = _(
        "The card you signed in with is no longer active, so it cannot vouch for a passkey."
    )
    status = 403


class ChallengeMissing(PasskeyError):
    code = "challenge_missing"
    message = _("This passkey request is no longer valid. Please try again.")


class ChallengeExpired(PasskeyError):
    code = "challenge_expired"
    message = _("This passkey request took too long. Please try again.")


class RegistrationInvalid(PasskeyError):
    code = "registration_invalid"
    message = _("Your device’s answer could not be verified. The passkey was not added.")


class PasskeyAlreadyRegistered(PasskeyError):
    code = "passkey_already_registered"
    message = _("This passkey is already registered.")
    status = 409


class PasskeyNameInvalid(PasskeyError):
    code = "passkey_name_invalid"
    message = _("Give the passkey a name of 1 to 64 characters.")


class PasskeyNotFound(PasskeyError):
    code = "passkey_not_found"
    message = _("This passkey does not exist.")
    status = 404


# --- Sign-in refusals, in the order they are checked --------------------------------


class PasskeySignInError(PasskeyError):
    """A passkey assertion the server refuses."""

    code = "passkey_sign_in_failed"
    message = _("The passkey sign-in failed.")
    status = 400


class PasskeySignInThrottled(PasskeySignInError):
    code = "passkey_sign_in_throttled"
    message = _("Too many passkey sign-in attempts; try again later.")
    status = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


class PasskeyUnknown(PasskeySignInError):
    code = "passkey_unknown"
    message = _(
        "This site does not know this passkey. It may have been removed; "
        "sign in with your card and add a new one."
    )
    status = 401


class SignInRequestInvalid(PasskeySignInError):
    """A sign-in request whose body is not a JSON object within the size and depth limits
    (a malformed request, 400, unlike an assertion that does not verify, 401)."""

    code = "sign_in_request_invalid"


class AssertionInvalid(PasskeySignInError):
    code = "assertion_invalid"
    message = _("Your device’s answer could not be verified. Please try again.")
    status = 401


class PasskeyCardRevoked(PasskeySignInError):
    code = "passkey_card_revoked"
    message = _(
        "The card that vouched for this passkey is revoked, so the passkey no longer works. "
        "Sign in with your new card and add a new passkey."
    )
    status = 403


class PasskeyCardSuspended(PasskeySignInError):
    code = "passkey_card_suspended"
    message = _(
        "The card that vouched for this passkey is suspended, so the passkey does not work "
        "while the card is. Contact the coop to have the card made active again."
    )
    status = 403


class PasskeyRevoked(PasskeySignInError):
    code = "passkey_revoked"
    message = _(
        "This passkey was removed from your account. Sign in with your card and add a new one."
    )
    status = 403


class SignCountRegressed(PasskeySignInError):
    code = "sign_count_regressed"
    message = _(
        "This passkey may have been copied, so it is blocked. Sign in with your card, "
        "remove it and add a new one."
    )
    status = 403
