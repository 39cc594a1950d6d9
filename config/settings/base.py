"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from core.keyring import seal_key_from_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")

# The public address of this site; the OpenID Connect issuer, the origin that card tokens
# are bound to, the passkeys' relying party (its host name is their RP ID) and the base of
# every link in a mail. No trailing slash. Its development default is localhost, never
# 127.0.0.1: browsers refuse an IP address as a passkey's RP ID. `make run` sets it from
# HOST and PORT.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
# Unset: this machine's loopback names and SITE_URL's host.
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[
        host
        for host in dict.fromkeys(["localhost", "127.0.0.1", urlsplit(SITE_URL).hostname])
        if host
    ],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "core.apps.CoreConfig",
    "config.apps.ConfigConfig",
    "identity",
    "lockers",
    "marketplace",
    "coop_governance",
    "civic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # No NUL character reaches a view, the machine endpoints' included.
    "config.middleware.NulCharacterRefusedMiddleware",
    # Before the browser's middleware, which the endpoints it names skip.
    "config.middleware.MachineEndpointsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "identity.middleware.FrenchFirstLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A view that lets a rate limit's refusal escape answers the site's 429.
    "config.middleware.RateLimitedMiddleware",
]

# Endpoints called by programs rather than people, answered without the browser's
# middleware (config.middleware.MachineEndpointsMiddleware): URL names.
MACHINE_ENDPOINTS = [
    "oidc:token",
    "oidc:userinfo",
    "oidc:introspect",
    "oidc:revoke",
    "oidc:jwks",
    "oidc:discovery",
    "card:tsa",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# A refused form (expired page, no cookie) gets a page that says so (config/views.py).
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- Content-Security-Policy ----------------------------------------------------------
# django-csp, through config.middleware.ContentSecurityPolicyMiddleware, which adds what
# depends on the request: a nonce on every HTML page (an inline script runs only with
# nonce="{{ request.csp_nonce }}"), the card agent's origin to connect-src, and to
# form-action the relying party a form's redirects may reach (consent, sign-in that
# resumes an authorization request, sign-out confirmation). No inline event handler
# or style attribute runs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Database -------------------------------------------------------------------------
# Unset: a SQLite file in WAL mode, so that the web server and an eager worker can read
# while another request writes. Production and CI: PostgreSQL with persistent connections.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'uniqc.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Answers marketplace.work_in_store from StoreStaff rows; authenticates no one.
    "marketplace.backends.StoreStaffBackend",
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "identity:account"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Links in verification and reset mails stay valid this long (seconds).
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Reverse proxies in front of Django, each appending the address it received from to
# X-Forwarded-For: the client address that rate limits count is that many entries from
# the right (identity.ratelimit.client_ip). 0: Django faces clients directly.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- OpenID Connect secrets -----------------------------------------------------------
# Pairwise subjects are an HMAC of (sector, person) under a key derived from
# OIDC_PAIRWISE_SALT: changing it changes every subject a relying party knows, so it is
# set once and never rotated. Signing keys' private PEMs are sealed (Fernet) under
# KEY_ENCRYPTION_KEY, a list: sealed with the first, opened with any, so a new key goes
# first and `manage.py oidc_keys reseal` moves every key under it before the old one is
# dropped. Neither has a default here: local, test and bench settings give development
# values, production refuses them (config/settings/production.py).
DEVELOPMENT_SECRET_KEY = "django-insecure-uniqc-development-key-do-not-deploy"
TEST_KEY_ENCRYPTION_KEY = "dW5pcWMtdGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMDE="
DEVELOPMENT_KEY_ENCRYPTION_KEYS = (
    seal_key_from_secret_key(DEVELOPMENT_SECRET_KEY),
    TEST_KEY_ENCRYPTION_KEY,
)
OIDC_PAIRWISE_SALT = env("OIDC_PAIRWISE_SALT", default="")
KEY_ENCRYPTION_KEY = env.list("KEY_ENCRYPTION_KEY", default=[])

# --- Cards ---------------------------------------------------------------------------
# The coop's certificate authority: its keys, encrypted with CARD_CA_PASSPHRASE, live in
# CARD_CA_DIR (var/ca locally, git-ignored; outside the repository in production).
CARD_CA_DEVELOPMENT_PASSPHRASE = "uniqc-development-ca-passphrase-do-not-deploy"
CARD_CA_DIR = Path(env("CARD_CA_DIR", default=str(BASE_DIR / "var" / "ca")))
CARD_CA_PASSPHRASE = env("CARD_CA_PASSPHRASE", default=CARD_CA_DEVELOPMENT_PASSPHRASE)
# The card agent's HTTP bridge on the person's own computer, reached by the sign-in page.
CARD_AGENT_URL = env("CARD_AGENT_URL", default="http://127.0.0.1:34567").rstrip("/")

# --- The virtual safe (ADR 0011) ----------------------------------------------------------
# The vault's documents are AES-256-GCM files under VAULT_ROOT (outside MEDIA_ROOT, shared
# by every web and Celery process, backed up); each file's data key is wrapped by the
# first of VAULT_KEYS (a list of 32 url-safe base64-encoded bytes: wrapped with the first,
# opened with any; `manage.py vault_keys rewrap` moves every document under the first).
# No default here: local and test settings give development keys, production refuses them.
DEVELOPMENT_VAULT_KEY = "dW5pcWMtZGV2ZWxvcG1lbnQtdmF1bHQta2V5LTAwMDE="
TEST_VAULT_KEY = "dW5pcWMtdGVzdC12YXVsdC1rZXktZG8tbm90LXVzZTE="
DEVELOPMENT_VAULT_KEYS = (DEVELOPMENT_VAULT_KEY, TEST_VAULT_KEY)
VAULT_KEYS = env.list("VAULT_KEYS", default=[])
VAULT_ROOT = Path(env("VAULT_ROOT", default=str(BASE_DIR / "var" / "vault")))
# The largest document the vault keeps, PDF a person signs, and sealed bid.
VAULT_DOCUMENT_MAX_BYTES = env.int("VAULT_DOCUMENT_MAX_BYTES", default=25 * 1024 * 1024)
SIGNING_PDF_MAX_BYTES = env.int("SIGNING_PDF_MAX_BYTES", default=10 * 1024 * 1024)
TENDER_BID_MAX_BYTES = env.int("TENDER_BID_MAX_BYTES", default=50 * 1024 * 1024)

# --- Language and time ----------------------------------------------------------------
# French first: a person sees French until they choose English (see
# identity.middleware.FrenchFirstLocaleMiddleware).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
# Dates, times and numbers as Québec writes them (14 h 05, 30 novembre 2026); see
# config/formats/. Money is the `money` filter of core/templatetags/qc.py.
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Uploaded files (media) ------------------------------------------------------------
# Listing photos, as the coop re-encoded them (marketplace/photos.py). In production the web
# server serves MEDIA_ROOT under MEDIA_URL; `make run` has Django do it (SERVE_MEDIA).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)
# An upload larger than this goes to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o644
# A form may carry a photo and its fields, not a hundred files.
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# The largest photo accepted (marketplace/photos.py); the web server's body limit in
# production must be a little above it.
MARKETPLACE_PHOTO_MAX_BYTES = env.int("MARKETPLACE_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
# A store's catalogue import (marketplace/catalogue_imports.py, docs/catalogue-csv.md): the
# files are kept out of MEDIA_ROOT (served to anyone), in a directory every web and Celery
# process shares. Limits on what one import may send: the CSV, its rows, the zip of photos
# beside it, the zip's members and what they add up to once uncompressed (a zip bomb).
MARKETPLACE_IMPORT_ROOT = Path(
    env("MARKETPLACE_IMPORT_ROOT", default=str(BASE_DIR / "var" / "catalogue-imports"))
)
MARKETPLACE_IMPORT_CSV_MAX_BYTES = env.int(
    "MARKETPLACE_IMPORT_CSV_MAX_BYTES", default=5 * 1024 * 1024
)
MARKETPLACE_IMPORT_MAX_ROWS = env.int("MARKETPLACE_IMPORT_MAX_ROWS", default=20_000)
MARKETPLACE_IMPORT_ZIP_MAX_BYTES = env.int(
    "MARKETPLACE_IMPORT_ZIP_MAX_BYTES", default=50 * 1024 * 1024
)
MARKETPLACE_IMPORT_ZIP_MAX_MEMBERS = env.int("MARKETPLACE_IMPORT_ZIP_MAX_MEMBERS", default=1_000)
MARKETPLACE_IMPORT_ZIP_MAX_UNCOMPRESSED = env.int(
    "MARKETPLACE_IMPORT_ZIP_MAX_UNCOMPRESSED", default=200 * 1024 * 1024
)

# --- Cache ----------------------------------------------------------------------------
# Rate limits live here, so every web process must share it: Redis in production.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://uniqc")}

# --- Mail -----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Uniqc Coop <bonjour@uniqc.coop>")

# --- Marketplace ----------------------------------------------------------------------
# Which payment gateway takes the money: "offline" (the embedded default and the demo: test
# payments only, labelled as such) or "stripe" (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET).
MARKETPLACE_PAYMENT_GATEWAY = env("MARKETPLACE_PAYMENT_GATEWAY", default="offline")
MARKETPLACE_PAYMENT_GATEWAYS = {
    "offline": "marketplace.gateways.offline.OfflineGateway",
    "stripe": "marketplace.gateways.stripe_gateway.StripeGateway",
}
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
# The publishable key (pk_…) that Stripe.js uses on the card page (/paiement/carte/…/).
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# The signing secret of the Connect endpoint (events of the stores' accounts, such as
# account.updated), when it is another endpoint than the platform's.
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
# Tests point the stripe library at a fake Stripe server; unset means Stripe itself.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# The key that signs the offline gateway's webhook events (its test payment page); unset,
# one is derived from SECRET_KEY (marketplace/gateways/offline.py).
MARKETPLACE_OFFLINE_WEBHOOK_SECRET = env("MARKETPLACE_OFFLINE_WEBHOOK_SECRET", default="")
# The assurance level a checkout needs (identity steps the person up to it).
MARKETPLACE_CHECKOUT_ACR = env("MARKETPLACE_CHECKOUT_ACR", default="substantial")
# The coop's commission on each store's pre-tax sales.
MARKETPLACE_COMMISSION_RATE = env.str("MARKETPLACE_COMMISSION_RATE", default="0.08")
# The pickup fee per shipment, before taxes, by speed.
MARKETPLACE_PICKUP_FEES = {"express": "6.99", "standard": "2.99"}
# How long stock and the pickup hold wait for a payment before they are released.
MARKETPLACE_PAYMENT_HOLD_MINUTES = env.int("MARKETPLACE_PAYMENT_HOLD_MINUTES", default=20)
# How long the catalogue search keeps what it found and the API's answers (seconds; 0:
# not at all). Every change to what a search shows starts a new catalogue version at once
# (marketplace/search_cache.py), so this only bounds the memory they hold.
MARKETPLACE_SEARCH_CACHE_SECONDS = env.int("MARKETPLACE_SEARCH_CACHE_SECONDS", default=60)
# Webhooks to stores (docs/store-webhooks.md): how long we wait for a receiver, and
# whether http:// and private, loopback or link-local addresses may receive them (never in
# production: a store could make us call the coop's own network; on for tests and `make run`).
MARKETPLACE_WEBHOOK_TIMEOUT_SECONDS = env.float("MARKETPLACE_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = env.bool("MARKETPLACE_WEBHOOK_ALLOW_PRIVATE", default=False)

# --- Celery ---------------------------------------------------------------------------
# Unset broker: tasks run eagerly, in-process, after the transaction that asked for them.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "marketplace-redispatch-payment-events": {
        "task": "marketplace.tasks.payment_events_redispatch",
        "schedule": crontab(minute="*/5"),
    },
    "identity-prune-unverified-accounts": {
        "task": "identity.tasks.prune_unverified_accounts",
        "schedule": crontab(minute=17, hour=3),
    },
    "identity-prune-oidc-tokens": {
        "task": "identity.tasks.prune_oidc_tokens",
        "schedule": crontab(minute=23),
    },
    "identity-abandon-pending-cards": {
        "task": "identity.tasks.cards_pending_abandon",
        "schedule": crontab(minute="*/10"),
    },
    # Orders not paid within MARKETPLACE_PAYMENT_HOLD_MINUTES give their stock back.
    "marketplace-orders-hold-lapse": {
        "task": "marketplace.tasks.orders_hold_lapse",
        "schedule": crontab(minute="*"),
    },
    # Locker holds past their expiry give their room back.
    "lockers-reservations-lapse": {
        "task": "lockers.tasks.reservations_lapse",
        "schedule": crontab(minute="*"),
    },
    # Webhooks to stores that are due again after a failure (marketplace/webhooks.py).
    "marketplace-webhook-deliveries-sweep": {
        "task": "marketplace.tasks.webhook_deliveries_sweep",
        "schedule": crontab(minute="*"),
    },
    # Webhooks to services (OIDC clients) due again after a failure (identity/webhooks.py).
    "identity-client-webhook-deliveries-sweep": {
        "task": "identity.tasks.client_webhook_deliveries_sweep",
        "schedule": crontab(minute="*"),
    },
    # Signature requests past their expiry (identity/signing/services.py).
    "identity-signature-requests-expire": {
        "task": "identity.tasks.signature_requests_expire",
        "schedule": crontab(minute="*/5"),
    },
    # Pickup reminders and expiry of parcels waiting in lockers.
    "lockers-parcels-expiry": {
        "task": "lockers.tasks.parcels_expiry",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Lockers --------------------------------------------------------------------------
# How long a parcel waits in its locker, when the shopper is reminded, and the one
# extension (hours).
LOCKERS_HOLD_HOURS = env.int("LOCKERS_HOLD_HOURS", default=72)
LOCKERS_REMINDER_HOURS = env.int("LOCKERS_REMINDER_HOURS", default=48)
LOCKERS_EXTENSION_HOURS = env.int("LOCKERS_EXTENSION_HOURS", default=24)
# Wrong pickup codes in a row that lock a kiosk, and for how long.
LOCKERS_KIOSK_MAX_WRONG_CODES = env.int("LOCKERS_KIOSK_MAX_WRONG_CODES", default=5)
LOCKERS_KIOSK_LOCKOUT_MINUTES = env.int("LOCKERS_KIOSK_LOCKOUT_MINUTES", default=10)
# Where kiosk lockouts are reported; unset, to the ADMINS (mail_admins).
LOCKERS_SUPPORT_EMAIL = env("LOCKERS_SUPPORT_EMAIL", default="")
# How far a parcel may be redirected when its site is full (km, geodesic).
LOCKERS_REDIRECT_MAX_KM = env.float("LOCKERS_REDIRECT_MAX_KM", default=15.0)

# --- Locker controllers ---------------------------------------------------------------
# Unset: the in-process simulated controller. Set: mqtt://host:port of the broker that
# the lockers' kiosks listen on.
MQTT_URL = env("MQTT_URL", default="")
# Topics are <root>/<site slug>/<commands|acks|events|heartbeat> (docs/locker-protocol.md).
LOCKERS_MQTT_TOPIC_ROOT = env("LOCKERS_MQTT_TOPIC_ROOT", default="uniqc/lockers/v1")
# The listener's MQTT client id: fixed, with a persistent session, so acks and events
# published while `locker_listen` restarts wait for it at the broker.
LOCKERS_MQTT_LISTENER_CLIENT_ID = env("LOCKERS_MQTT_LISTENER_CLIENT_ID", default="uniqc-listener")
# How long compartment_open waits for the controller's ack before answering "pending".
LOCKERS_COMMAND_WAIT_SECONDS = env.float("LOCKERS_COMMAND_WAIT_SECONDS", default=3.0)
# How long a command may be executed after it is issued (at most 300, the protocol's cap).
LOCKERS_COMMAND_TTL_SECONDS = env.int("LOCKERS_COMMAND_TTL_SECONDS", default=60)
# A site with no heartbeat for this long is offline (heartbeats come every 30 s).
LOCKERS_CONTROLLER_OFFLINE_SECONDS = env.int("LOCKERS_CONTROLLER_OFFLINE_SECONDS", default=90)
CELERY_BEAT_SCHEDULE["lockers-controllers-maintain"] = {
    # Resend unacknowledged commands, expire old ones, ask for missing events.
    "task": "lockers.controller_tasks.controllers_maintain",
    "schedule": 5.0,
}
CELERY_IMPORTS = ["lockers.controller_tasks"]

# --- Locker sites' addresses ------------------------------------------------------------
# The geocoder that finds a site's coordinates from its address (lockers/geocoding.py):
# "" (none: saved coordinates or the browser's position serve) or "nominatim".
LOCKERS_GEOCODER = env("LOCKERS_GEOCODER", default="")
# Its base URL; unset, OpenStreetMap's public Nominatim (whose policy wants a User-Agent
# that names us and one request a second at most).
LOCKERS_GEOCODER_URL = env("LOCKERS_GEOCODER_URL", default="")
LOCKERS_GEOCODER_USER_AGENT = env(
    "LOCKERS_GEOCODER_USER_AGENT", default="uniqc-coop/0.1 (bonjour@uniqc.coop)"
)
LOCKERS_GEOCODER_TIMEOUT = env.float("LOCKERS_GEOCODER_TIMEOUT", default=3.0)

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every error as problem+json with a stable code (docs/api.md).
    "EXCEPTION_HANDLER": "marketplace.api.problems.api_exception_handler",
    # Requests per client: by address for visitors, by person when signed in or with a
    # token; past it, a 429 with Retry-After.
    # The address DRF's throttles count, by the same rule as identity.ratelimit: the peer,
    # or behind N trusted proxies the Nth entry from the right of X-Forwarded-For (left
    # unset, DRF would count the whole header, which any client writes as it likes).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_RATE_ANON", default="300/min"),
        "user": env("API_RATE_USER", default="600/min"),
    },
}
# Requests per store API key (the point-of-sale API, docs/store-api.md), whoever sends
# them; past it, a 429 with Retry-After. A till syncing every few seconds stays far below.
API_RATE_STORE_KEY = env("API_RATE_STORE_KEY", default="120/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Uniqc Coop API",
    "VERSION": "0.1.0",
    # Swagger UI from our static files (drf-spectacular-sidecar), never a CDN; no call to
    # the public validator (it would send our schema's address out, and there is no network).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "DESCRIPTION": (
        "The marketplace's JSON API. Sign in with the coop's OpenID Connect provider "
        "(authorization code with PKCE, scope `openid marketplace`) and send the access "
        "token as `Authorization: Bearer`; errors are RFC 9457 problem documents with a "
        "stable `code`. The guide for client developers is docs/api.md."
    ),
    # The API's own paths; the schema's endpoint is not one of its operations.
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per set of choices, whichever serializer field uses it.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "marketplace.models.OrderStatus",
        "ShipmentStatusEnum": "marketplace.models.ShipmentStatus",
        "PaymentStatusEnum": "marketplace.models.PaymentStatus",
        "PickupKindEnum": "marketplace.models.PickupKind",
        "SpeedEnum": "marketplace.models.Speed",
        "TaxCollectorEnum": "marketplace.models.TaxCollector",
        "CartChangeKindEnum": "marketplace.api.schema.CART_CHANGE_KINDS",
    },
}

# --- Health checks --------------------------------------------------------------------
# Seconds a /healthz probe waits for each service before calling it down.
HEALTHZ_TIMEOUT = env.float("HEALTHZ_TIMEOUT", default=2.0)

# Tokens, codes, secrets, credentials and session ids never reach a log, at any level:
# every record is redacted when it is made, and again by the handlers' filter
# (core.logredact).
LOGGING_CONFIG = "core.logredact.logging_configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets_redact": {"()": "core.logredact.SecretsRedactFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["secrets_redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Coop governance ------------------------------------------------------------------
# The coop's video room: an assembly called with remote participation gets a room under
# this base URL (coop_governance.assemblies.assembly_call); "" offers no video room.
COOP_VIDEO_ROOM_URL = env("COOP_VIDEO_ROOM_URL", default="https://visio.uniqc.coop/")
# Online votes open and close on time (coop_governance/vote_tasks.py).
CELERY_BEAT_SCHEDULE["coop-governance-online-motions"] = {
    "task": "coop_governance.vote_tasks.online_motions_close",
    "schedule": crontab(minute="*"),
}
# Task modules a worker does not find by itself (it autodiscovers only `tasks` modules):
# the online votes' sweep and the assembly notice's mail.
CELERY_IMPORTS += ["coop_governance.vote_tasks", "coop_governance.assembly_tasks"]
# Secret-ballot elections open and close on time (coop_governance/election_tasks.py).
CELERY_BEAT_SCHEDULE["coop-governance-elections"] = {
    "task": "coop_governance.election_tasks.elections_open_close",
    "schedule": crontab(minute="*"),
}
CELERY_IMPORTS += ["coop_governance.election_tasks"]
# Calls for tenders close at their deadline (civic/tender_tasks.py).
CELERY_BEAT_SCHEDULE["civic-tender-calls-close"] = {
    "task": "civic.tender_tasks.tender_calls_close",
    "schedule": crontab(minute="*"),
}
CELERY_IMPORTS += ["civic.tender_tasks"]
