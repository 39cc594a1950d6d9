"""Tests: fast hashing, mail kept in memory, the same services as the environment says."""

from .base import *  # noqa: F403
from .base import BASE_DIR, TEST_KEY_ENCRYPTION_KEY, TEST_VAULT_KEY, env

SECRET_KEY = "django-insecure-uniqc-test-key"
OIDC_PAIRWISE_SALT = "django-insecure-uniqc-test-pairwise-salt"
KEY_ENCRYPTION_KEY = [TEST_KEY_ENCRYPTION_KEY]
VAULT_KEYS = [TEST_VAULT_KEY]
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
HEALTHZ_TIMEOUT = env.float("HEALTHZ_TIMEOUT", default=1.0)

# Tasks run in-process so a test sees their effect; the tests that prove a real worker
# consumes from the broker switch this off for themselves (tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
# A real worker process cannot write to this process's memory: it writes mail here.
if env("TEST_EMAIL_FILE_PATH", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("TEST_EMAIL_FILE_PATH")
# Serve static files from the apps' folders, as runserver does; no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Photos the tests upload land apart from the demo's (git-ignored var/), and the live
# server of the browser tests serves them as `make run` does.
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
SERVE_MEDIA = True

# Webhook tests post to receivers on 127.0.0.1 (the SSRF tests switch this off).
MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = True
MARKETPLACE_WEBHOOK_TIMEOUT_SECONDS = 2.0
# The catalogue imports' files, apart from the demo's too.
MARKETPLACE_IMPORT_ROOT = BASE_DIR / "var" / "test-catalogue-imports"
# The vault's files, apart from the demo's.
VAULT_ROOT = BASE_DIR / "var" / "test-vault"
