"""A developer's machine: debug on, a development key, mail printed to the console."""

from core.keyring import seal_key_from_secret_key

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# Development only: production.py refuses any key with this prefix.
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# What SECRET_KEY derived before these settings existed, so that a development database
# keeps its pairwise subjects and can still open its signing keys (core/keyring.py).
OIDC_PAIRWISE_SALT = env("OIDC_PAIRWISE_SALT", default=SECRET_KEY)
KEY_ENCRYPTION_KEY = env.list("KEY_ENCRYPTION_KEY", default=[seal_key_from_secret_key(SECRET_KEY)])
