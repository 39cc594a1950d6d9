"""Production settings refuse to start on a development key or a missing service."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.settings.base import (
    DEVELOPMENT_SECRET_KEY,
    DEVELOPMENT_VAULT_KEY,
    TEST_KEY_ENCRYPTION_KEY,
    TEST_VAULT_KEY,
)
from core.keyring import seal_key_from_secret_key

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "uniqc.coop",
    "SITE_URL": "https://uniqc.coop",
    "DATABASE_URL": "postgres://uniqc@db.internal:5432/uniqc",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.internal:587",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "CARD_CA_DIR": "/srv/uniqc/ca",
    "CARD_CA_PASSPHRASE": secrets.token_urlsafe(32),
    "OIDC_PAIRWISE_SALT": secrets.token_urlsafe(32),
    "KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "VAULT_KEYS": Fernet.generate_key().decode(),
    "VAULT_ROOT": "/srv/uniqc/vault",
}


def production_run(command: list[str], **overrides: str | None) -> subprocess.CompletedProcess:
    """Run `command` in the production environment; an override of None unsets it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(PRODUCTION_ENV)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess:
    return production_run([sys.executable, "manage.py", *args], **overrides)


def test_production_check_deploy_reports_nothing():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("django-insecure-uniqc-development-key-do-not-deploy", "development key"),
        ("short", "at least 50"),
        ("a" * 60, "at least 50"),
        (None, "must be set"),
    ],
)
def test_production_refuses_bad_secret_key(key, message):
    result = manage("check", SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("salt", "message"),
    [
        (None, "OIDC_PAIRWISE_SALT must be set"),
        ("", "OIDC_PAIRWISE_SALT must be set"),
        (DEVELOPMENT_SECRET_KEY, "OIDC_PAIRWISE_SALT is a development value"),
        ("django-insecure-uniqc-test-pairwise-salt", "OIDC_PAIRWISE_SALT is a development value"),
        ("short", "at least 32"),
        ("b" * 40, "at least 32"),
    ],
)
def test_production_refuses_bad_pairwise_salt(salt, message):
    result = manage("check", OIDC_PAIRWISE_SALT=salt)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (None, "KEY_ENCRYPTION_KEY must be set"),
        ("", "KEY_ENCRYPTION_KEY must be set"),
        (seal_key_from_secret_key(DEVELOPMENT_SECRET_KEY), "development key"),
        (TEST_KEY_ENCRYPTION_KEY, "development key"),
        (f"{Fernet.generate_key().decode()},{TEST_KEY_ENCRYPTION_KEY}", "development key"),
        ("not-a-fernet-key", "32 url-safe base64-encoded bytes"),
    ],
    ids=["unset", "empty", "local", "test", "second-of-two", "malformed"],
)
def test_production_refuses_bad_key_encryption_key(keys, message):
    result = manage("check", KEY_ENCRYPTION_KEY=keys)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"VAULT_KEYS": None}, "VAULT_KEYS must be set"),
        ({"VAULT_KEYS": DEVELOPMENT_VAULT_KEY}, "development key"),
        ({"VAULT_KEYS": f"{Fernet.generate_key().decode()},{TEST_VAULT_KEY}"}, "development key"),
        ({"VAULT_KEYS": "c2hvcnQ="}, "32 base64 bytes"),
        ({"VAULT_ROOT": None}, "VAULT_ROOT must be set"),
        ({"VAULT_ROOT": str(ROOT / "var" / "vault")}, "outside the repository"),
    ],
    ids=["unset", "local", "second-of-two", "short", "no-root", "root-in-repository"],
)
def test_production_refuses_an_unguarded_vault(overrides, message):
    result = manage("check", **overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_accepts_a_key_encryption_key_list_being_rotated():
    read = "from django.conf import settings; print(len(settings.KEY_ENCRYPTION_KEY))"
    two = ",".join(Fernet.generate_key().decode() for _ in range(2))
    assert manage("shell", "-c", read, KEY_ENCRYPTION_KEY=two).stdout.splitlines()[-1] == "2"


@pytest.mark.parametrize("variable", ["DATABASE_URL", "EMAIL_URL", "CACHE_URL"])
def test_production_refuses_missing_service(variable):
    result = manage("check", **{variable: None})
    assert result.returncode != 0
    assert f"{variable} must be set in production" in result.stderr


def test_local_settings_default_to_what_secret_key_derived_before():
    """A development database made when SECRET_KEY derived the pairwise subjects and sealed
    the signing keys keeps both: the local defaults are those derivations."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "OIDC_PAIRWISE_SALT", "KEY_ENCRYPTION_KEY")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "from core.keyring import seal_key_from_secret_key as derive;"
        "print(s.OIDC_PAIRWISE_SALT == s.SECRET_KEY,"
        " s.KEY_ENCRYPTION_KEY == [derive(s.SECRET_KEY)])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_local_settings_default_to_embedded_services():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "MQTT_URL", "SECRET_KEY")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "db = s.DATABASES['default'];"
        "print(db['ENGINE'], 'WAL' in db['OPTIONS']['init_command'],"
        " s.CELERY_TASK_ALWAYS_EAGER, repr(s.MQTT_URL), s.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True", "''", "False"]


GUNICORN = [str(Path(sys.executable).parent / "gunicorn")]


def gunicorn(flag: str, **overrides: str) -> subprocess.CompletedProcess:
    """gunicorn with the production settings and config/gunicorn.conf.py."""
    return production_run(
        [*GUNICORN, flag, "--config", "config/gunicorn.conf.py", "config.wsgi"], **overrides
    )


def test_gunicorn_settings_load_the_production_app():
    checked = gunicorn("--check-config")
    assert checked.returncode == 0, checked.stderr
    printed = gunicorn("--print-config", WEB_CONCURRENCY="3").stdout
    settings = {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in printed.splitlines())
    }
    assert settings["worker_class"] == "gthread"
    assert settings["preload_app"] == "True"
    assert settings["reuse_port"] == "True"  # a socket per worker: connections spread
    assert settings["workers"] == "3"


def test_production_counts_clients_behind_one_proxy_unless_told_otherwise():
    read = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"
    # The shell may print a line of its own first; the last line is ours.
    assert manage("shell", "-c", read).stdout.splitlines()[-1] == "1"
    assert manage("shell", "-c", read, TRUSTED_PROXY_COUNT="2").stdout.splitlines()[-1] == "2"
