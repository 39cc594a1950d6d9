"""Production: every secret from the environment, HTTPS everywhere, no development key."""

import base64
import binascii
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    CARD_CA_DEVELOPMENT_PASSPHRASE,
    DEVELOPMENT_KEY_ENCRYPTION_KEYS,
    DEVELOPMENT_VAULT_KEYS,
    KEY_ENCRYPTION_KEY,
    OIDC_PAIRWISE_SALT,
    SECRET_KEY,
    env,
)

DEV_KEY_PREFIX = "django-insecure"


def secret_key_check(key: str) -> str:
    """Refuse a missing, short, low-variety or development secret key."""
    if not key:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    if key.startswith(DEV_KEY_PREFIX):
        raise ImproperlyConfigured("SECRET_KEY is a development key; generate a new one.")
    if len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
    return key


SECRET_KEY = secret_key_check(SECRET_KEY)


def pairwise_salt_check(salt: str) -> str:
    """Refuse a missing, short or development pairwise salt."""
    if not salt:
        raise ImproperlyConfigured("OIDC_PAIRWISE_SALT must be set in production.")
    if salt.startswith(DEV_KEY_PREFIX):
        raise ImproperlyConfigured("OIDC_PAIRWISE_SALT is a development value.")
    if len(salt) < 32 or len(set(salt)) < 5:
        raise ImproperlyConfigured("OIDC_PAIRWISE_SALT must be at least 32 random characters.")
    return salt


def key_encryption_keys_check(keys: list[str]) -> list[str]:
    """Refuse a missing, malformed or development key-encryption key list."""
    if not keys:
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEY must be set in production.")
    for key in keys:
        if key in DEVELOPMENT_KEY_ENCRYPTION_KEYS:
            raise ImproperlyConfigured("KEY_ENCRYPTION_KEY holds a development key.")
        try:
            Fernet(key)
        except ValueError as error:
            raise ImproperlyConfigured(
                "KEY_ENCRYPTION_KEY: each key is 32 url-safe base64-encoded bytes "
                "(Fernet.generate_key())."
            ) from error
    return keys


OIDC_PAIRWISE_SALT = pairwise_salt_check(OIDC_PAIRWISE_SALT)
KEY_ENCRYPTION_KEY = key_encryption_keys_check(KEY_ENCRYPTION_KEY)
DEBUG = False

# Production names its database, mail server and shared cache; the embedded defaults
# would lose mail to a console nobody reads, keep data in a file on one machine, and
# give each web process its own rate-limit counters.
for required in ("DATABASE_URL", "EMAIL_URL", "CACHE_URL"):
    if not env(required, default=""):
        raise ImproperlyConfigured(f"{required} must be set in production.")


def card_ca_settings_check(directory: str, passphrase: str) -> Path:
    """Refuse a card CA without its own passphrase, or whose keys sit in the repository."""
    if not passphrase:
        raise ImproperlyConfigured("CARD_CA_PASSPHRASE must be set in production.")
    if passphrase == CARD_CA_DEVELOPMENT_PASSPHRASE:
        raise ImproperlyConfigured("CARD_CA_PASSPHRASE is the development passphrase.")
    if not directory:
        raise ImproperlyConfigured("CARD_CA_DIR must be set in production.")
    path = Path(directory).resolve()
    if path.is_relative_to(Path(BASE_DIR).resolve()):
        raise ImproperlyConfigured("CARD_CA_DIR must be outside the repository in production.")
    return path


CARD_CA_PASSPHRASE = env("CARD_CA_PASSPHRASE", default="")
CARD_CA_DIR = card_ca_settings_check(env("CARD_CA_DIR", default=""), CARD_CA_PASSPHRASE)


def vault_settings_check(keys: list[str], root: str) -> tuple[list[str], Path]:
    """Refuse missing, malformed or development vault keys, and a vault in the repository."""
    if not keys:
        raise ImproperlyConfigured("VAULT_KEYS must be set in production.")
    for key in keys:
        if key in DEVELOPMENT_VAULT_KEYS:
            raise ImproperlyConfigured("VAULT_KEYS holds a development key.")
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (ValueError, binascii.Error) as error:
            raise ImproperlyConfigured("VAULT_KEYS: each key is 32 base64 bytes.") from error
        if len(raw) != 32:
            raise ImproperlyConfigured("VAULT_KEYS: each key is 32 base64 bytes.")
    if not root:
        raise ImproperlyConfigured("VAULT_ROOT must be set in production.")
    path = Path(root).resolve()
    if path.is_relative_to(Path(BASE_DIR).resolve()):
        raise ImproperlyConfigured("VAULT_ROOT must be outside the repository in production.")
    return keys, path


VAULT_KEYS, VAULT_ROOT = vault_settings_check(
    env.list("VAULT_KEYS", default=[]), env("VAULT_ROOT", default="")
)

# Production runs behind one TLS-terminating reverse proxy, which sets X-Forwarded-Proto
# and appends the client's address to X-Forwarded-For; Django is not reachable otherwise.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# A store's webhook URL must never reach the coop's own network (marketplace/webhooks.py).
if MARKETPLACE_WEBHOOK_ALLOW_PRIVATE:  # noqa: F405
    raise ImproperlyConfigured("MARKETPLACE_WEBHOOK_ALLOW_PRIVATE is for development only.")
