"""A developer's machine: a development key, mail printed to the console, DEBUG on request."""

from core.keyring import seal_key_from_secret_key

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, DEVELOPMENT_VAULT_KEY, env

# Off by default, so that `make run` shows the site's own error pages as production does
# (Django's debug pages list every URL and setting); DEBUG=1 turns them on. Tracebacks
# are printed in the terminal either way (the django.request logger).
DEBUG = env.bool("DEBUG", default=False)
# Development only: production.py refuses any key with this prefix.
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# What SECRET_KEY derived before these settings existed, so that a development database
# keeps its pairwise subjects and can still open its signing keys (core/keyring.py).
OIDC_PAIRWISE_SALT = env("OIDC_PAIRWISE_SALT", default=SECRET_KEY)
KEY_ENCRYPTION_KEY = env.list("KEY_ENCRYPTION_KEY", default=[seal_key_from_secret_key(SECRET_KEY)])
VAULT_KEYS = env.list("VAULT_KEYS", default=[DEVELOPMENT_VAULT_KEY])

# WhiteNoise serves the apps' static files from their folders, as runserver would with
# DEBUG on (whitenoise.runserver_nostatic): no collectstatic, and an edit shows at once.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Django serves the uploaded photos (var/media) under `make run`; production's web server does.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# The demo store's webhook listens on this machine (marketplace/demo_webhooks.py).
MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = env.bool("MARKETPLACE_WEBHOOK_ALLOW_PRIVATE", default=True)
