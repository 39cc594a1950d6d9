"""A developer's machine: debug on, a development key, mail printed to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Development only: production.py refuses any key with this prefix.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-uniqc-development-key-do-not-deploy")
