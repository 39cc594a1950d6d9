"""Tests: fast hashing, mail kept in memory, the same services as the environment says."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "django-insecure-uniqc-test-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
HEALTHZ_TIMEOUT = env.float("HEALTHZ_TIMEOUT", default=1.0)
