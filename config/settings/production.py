"""Production: every secret from the environment, HTTPS everywhere, no development key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

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
DEBUG = False

# Production names its database, mail server and shared cache; the embedded defaults
# would lose mail to a console nobody reads, keep data in a file on one machine, and
# give each web process its own rate-limit counters.
for required in ("DATABASE_URL", "EMAIL_URL", "CACHE_URL"):
    if not env(required, default=""):
        raise ImproperlyConfigured(f"{required} must be set in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
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
