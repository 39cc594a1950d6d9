"""Secrets that must pass through the task queue, sealed on the way.

A Celery message sits in the broker (Redis) in clear, and a broker's memory, its dumps and
its monitoring tools are read by more people than our database. A secret a task needs — a
locker pickup code that only the mail task may see — travels sealed: Fernet (AES-128-CBC
with HMAC-SHA256, a timestamp inside) under a key derived, per purpose, from
KEY_ENCRYPTION_KEY. Sealed with the first key, opened with any, like the OIDC signing keys,
so rotating KEY_ENCRYPTION_KEY does not break messages already queued; a seal is refused
after `max_age` seconds, so a message replayed from an old dump opens nothing.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SealBroken(Exception):
    """The seal was forged, made for another purpose or another key, or is too old."""


def _purpose_key(key: str, purpose: str) -> bytes:
    # One key per purpose: a seal made for one task can never be opened as another's.
    derived = hmac.new(
        base64.urlsafe_b64decode(key), f"uniqc.sealed.{purpose}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(derived)


@cache
def _fernet(keys: tuple[str, ...], purpose: str) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEY is not set.")
    return MultiFernet([Fernet(_purpose_key(key, purpose)) for key in keys])


@cache
def _key_sealer_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEY is not set.")
    return MultiFernet([Fernet(key) for key in keys])


def key_sealer() -> MultiFernet:
    """Fernet under KEY_ENCRYPTION_KEY itself, for secrets kept in the database (the OIDC
    signing keys, the stores' webhook secrets): seals with the first key, opens with any,
    never expires."""
    return _key_sealer_for(tuple(settings.KEY_ENCRYPTION_KEY))


def seal(text: str, *, purpose: str) -> str:
    """`text` sealed for `purpose`, as ASCII that a task's JSON arguments carry."""
    return _fernet(tuple(settings.KEY_ENCRYPTION_KEY), purpose).encrypt(text.encode()).decode()


def unseal(token: str, *, purpose: str, max_age: int) -> str:
    """The text `seal(text, purpose=purpose)` sealed, at most `max_age` seconds ago."""
    try:
        opened = _fernet(tuple(settings.KEY_ENCRYPTION_KEY), purpose).decrypt(
            token.encode(), ttl=max_age
        )
    except (InvalidToken, ValueError, TypeError):
        raise SealBroken() from None
    return opened.decode()
