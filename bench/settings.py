"""Settings for benchmarks: production-like (DEBUG off, persistent connections)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env
from core.keyring import seal_key_from_secret_key

SECRET_KEY = env("SECRET_KEY", default="bench-" + "k" * 60)
OIDC_PAIRWISE_SALT = env("OIDC_PAIRWISE_SALT", default="bench-salt-" + "s" * 40)
KEY_ENCRYPTION_KEY = env.list("KEY_ENCRYPTION_KEY", default=[seal_key_from_secret_key(SECRET_KEY)])
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Static files are collected here by bench/oidc_http.py, as a production deploy does.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"  # noqa: F405
