"""One-use, time-limited tokens for the links identity mails to people."""

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Token for an email verification link.

    The hash covers the address and whether it is verified, so a link stops working once
    it has been used (or the address changes), and expires after PASSWORD_RESET_TIMEOUT.
    Its own key salt keeps it from ever being accepted as a password reset token.
    """

    key_salt = "identity.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_verified}{timestamp}"


email_verification_token = EmailVerificationTokenGenerator()
