"""Passkeys: WebAuthn credentials vouched for by a card."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models.cards import Card
from identity.models.people import User


class Passkey(models.Model):
    """A WebAuthn credential (a passkey) that a card sign-in vouched for.

    It signs its holder in at `substantial` while it and the card that vouched for it
    stay unrevoked. A sign count that went backwards flags it as possibly cloned, and a
    flagged passkey no longer signs anyone in.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="passkeys", verbose_name=_("holder")
    )
    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="passkeys", verbose_name=_("vouching card")
    )
    credential_id = models.BinaryField(_("credential id"), max_length=1023, unique=True)
    public_key = models.BinaryField(_("public key (COSE)"))
    sign_count = models.PositiveBigIntegerField(_("signature counter"), default=0)
    transports = models.JSONField(_("transports"), default=list, blank=True)
    aaguid = models.CharField(_("authenticator model (AAGUID)"), max_length=36, blank=True)
    name = models.CharField(_("name"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    sign_count_regressed_at = models.DateTimeField(
        _("signature counter went backwards at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name=""), name="identity_passkey_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"passkey {self.name!r} of user {self.user_id}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.sign_count_regressed_at is None
