"""Settings of the city's road-problem reporting service, a relying party of Uniqc.

Everything that differs between machines comes from the environment; a `.env` file
beside manage.py (written by `make setup`) fills in what the environment leaves unset.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

BASE_DIR = Path(__file__).resolve().parent.parent


def _read_env_file(path: Path) -> None:
    """Load NAME=value lines into the environment, never overriding a variable already set."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        name, separator, value = line.strip().partition("=")
        if separator and not name.startswith("#"):
            os.environ.setdefault(name.strip(), value.strip().strip("'\""))


_read_env_file(BASE_DIR / ".env")


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


# Where Uniqc is, and who this service is to Uniqc (`make setup` registers it).
UNIQC_ISSUER = os.environ.get("UNIQC_ISSUER", "http://localhost:8000").rstrip("/")
CITY_CLIENT_ID = os.environ.get("CITY_CLIENT_ID", "")
CITY_CLIENT_SECRET = os.environ.get("CITY_CLIENT_SECRET", "")
CITY_BASE_URL = os.environ.get("CITY_BASE_URL", "http://127.0.0.1:8010").rstrip("/")
# The signing secret of the webhooks Uniqc sends this service (payables paid), from
# `make setup`. Unset, tickets cannot be paid through Uniqc (the page says so).
CITY_WEBHOOK_SECRET = os.environ.get("CITY_WEBHOOK_SECRET", "")
# The calls for tenders the city published on Uniqc, by their ids there (comma-separated
# UUIDs; `make setup` lists those Uniqc has). The tenders page reads each one from Uniqc.
CITY_TENDER_CALLS_RAW = os.environ.get("CITY_TENDER_CALLS", "")
CITY_TENDER_CALLS = [
    UUID(item) for item in CITY_TENDER_CALLS_RAW.replace(" ", "").split(",") if _is_uuid(item)
]
# The only claims this service needs: who (a pairwise identifier), adult or not, language;
# and the permission to ask the citizen to sign a permit application with their card.
UNIQC_SCOPE = "openid age locale signature_requests"

# `make setup` writes a random one into .env. Left empty, Django refuses to sign anything,
# and voirie.checks says which variable to set.
CITY_SECRET_KEY = os.environ.get("CITY_SECRET_KEY", "")
SECRET_KEY = CITY_SECRET_KEY
DEBUG = os.environ.get("CITY_DEBUG", "") == "1"
ALLOWED_HOSTS = sorted({urlsplit(CITY_BASE_URL).hostname or "127.0.0.1", "127.0.0.1", "localhost"})

INSTALLED_APPS = [
    "django.contrib.sessions",
    "django.contrib.messages",
    "voirie",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "voirie.middleware.CitizenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "city_site.urls"
WSGI_APPLICATION = "city_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "voirie.context_processors.citizen",
            ],
        },
    },
]

DATA_DIR = Path(os.environ.get("CITY_DATA_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "city_services.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions live in the database: the ID token kept for sign-out never reaches the browser.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Cookies ignore ports: on 127.0.0.1 this service and Uniqc (port 8000) would overwrite
# each other's `sessionid` and `csrftoken`. Names of our own keep both signed in.
SESSION_COOKIE_NAME = "city_sessionid"
CSRF_COOKIE_NAME = "city_csrftoken"
LANGUAGE_COOKIE_NAME = "city_language"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CITY_BASE_URL.startswith("https://")
SESSION_COOKIE_AGE = 60 * 60 * 8
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"voirie": {"handlers": ["console"], "level": "INFO"}},
}
