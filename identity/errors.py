"""The identity app's exceptions; each carries a stable `code` for logs and API clients."""

import datetime

from django.utils.translation import gettext_lazy as _

from identity.ratelimit import RateLimited


class IdentityError(Exception):
    """Base class: a request identity refuses, with a message a person can read."""

    code = "identity_error"
    message = _("This request cannot be completed.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class VerificationLinkInvalid(IdentityError):
    code = "verification_link_invalid"
    message = _("This verification link is invalid, expired or already used.")


class EmailAlreadyVerified(IdentityError):
    code = "email_already_verified"
    message = _("Your email address is already verified.")


class VerificationResendTooSoon(IdentityError):
    code = "verification_resend_too_soon"
    message = _("A verification link was sent less than a minute ago. Check your inbox.")


class SignUpThrottled(IdentityError, RateLimited):
    """Too many sign-ups from a client or for an address; `retry_after` in seconds."""

    code = "sign_up_throttled"
    message = _("Too many attempts; try again later.")

    def __init__(self, *, retry_after: int, reason: str) -> None:
        super().__init__()
        self.retry_after = retry_after
        self.reason = reason


class SignInThrottled(IdentityError, RateLimited):
    """Too many failed sign-ins for an address or from a client; `retry_after` in seconds."""

    code = "sign_in_throttled"
    message = _("Too many attempts; try again later.")

    def __init__(self, *, retry_after: int, reason: str) -> None:
        super().__init__()
        self.retry_after = retry_after
        self.reason = reason


class SigningKeyNotStaged(IdentityError):
    """`oidc_keys promote` with no key staged for the algorithm."""

    code = "signing_key_not_staged"
    message = _("No signing key is staged for this algorithm; stage one first.")


class SigningKeyPromotionTooEarly(IdentityError):
    """A staged key may sign only once every relying party's cached JWKS holds it."""

    code = "signing_key_promotion_too_early"
    message = _("The staged key is not published long enough yet to sign.")

    def __init__(self, *, due_at: datetime.datetime) -> None:
        super().__init__()
        self.due_at = due_at
