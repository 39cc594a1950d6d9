"""Reads about passkeys that carry rules: whose they are, which still count."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet

from identity.models import Card, CardStatus, Passkey, User
from identity.passkeys import errors


def relying_party() -> tuple[str, str]:
    """The WebAuthn origin and RP ID: SITE_URL and its host name."""
    return settings.SITE_URL, urlsplit(settings.SITE_URL).hostname or ""


def passkeys_of(user: User) -> QuerySet[Passkey]:
    """The person's passkeys that were not removed or revoked, newest first."""
    return Passkey.objects.filter(user=user, revoked_at__isnull=True).select_related("card")


def passkey_for_credential(credential_id: bytes) -> Passkey | None:
    """The passkey with this WebAuthn credential id, removed or not, with its card."""
    return (
        Passkey.objects.select_related("card", "user").filter(credential_id=credential_id).first()
    )


def access_passkey(*, user: User, passkey_id: int) -> Passkey:
    """The person's own unremoved passkey `passkey_id`; anyone else's is not found."""
    passkey = passkeys_of(user).filter(pk=passkey_id).first()
    if passkey is None:
        raise errors.PasskeyNotFound
    return passkey


def access_passkey_register(*, user: User, card_id: int | None) -> Card:
    """The card that vouches for a new passkey: the session's card, this person's, active."""
    if card_id is None:
        raise errors.CardSessionRequired
    card = Card.objects.filter(pk=card_id, user=user).first()
    if card is None:
        raise errors.CardSessionRequired
    if card.status != CardStatus.ACTIVE:
        raise errors.CardNotActive
    return card
