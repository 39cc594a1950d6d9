"""The card CA: its command, its keys at rest, the certificates it issues, and the
production settings that guard it."""

import datetime
import os
import secrets
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import CommandError, call_command

from identity.card import ca
from identity.tests.card.conftest import ORIGIN
from identity.tests.card_fixtures import CA_PASSPHRASE

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fresh_ca_dir(settings, tmp_path):
    settings.CARD_CA_DIR = tmp_path / "ca"
    yield settings.CARD_CA_DIR
    ca.ca_cache_clear()


def test_init_creates_encrypted_keys_and_a_two_level_chain(fresh_ca_dir):
    out = StringIO()
    call_command("card_ca", "init", stdout=out)
    assert "Card CA created" in out.getvalue()
    for name in (ca.ROOT_KEY, ca.ISSUING_KEY):
        path = fresh_ca_dir / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        pem = path.read_bytes()
        assert b"ENCRYPTED PRIVATE KEY" in pem
        with pytest.raises(TypeError):
            serialization.load_pem_private_key(pem, password=None)
        with pytest.raises(ValueError):
            serialization.load_pem_private_key(pem, password=b"wrong passphrase")
        serialization.load_pem_private_key(pem, password=CA_PASSPHRASE.encode())
    root, issuing = ca.root_certificate(), ca.issuing_certificate()
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    assert root.public_key().curve.name == "secp384r1"
    assert root.not_valid_after_utc - root.not_valid_before_utc >= datetime.timedelta(days=7300)
    issuing.verify_directly_issued_by(root)
    constraints = issuing.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    lifetime = issuing.not_valid_after_utc - issuing.not_valid_before_utc
    assert datetime.timedelta(days=3650) <= lifetime < datetime.timedelta(days=3660)


def test_init_refuses_to_overwrite_without_force(fresh_ca_dir):
    call_command("card_ca", "init", stdout=StringIO())
    before = (fresh_ca_dir / ca.ISSUING_CERT).read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        call_command("card_ca", "init", stdout=StringIO())
    assert (fresh_ca_dir / ca.ISSUING_CERT).read_bytes() == before
    call_command("card_ca", "init", "--force", stdout=StringIO())
    assert (fresh_ca_dir / ca.ISSUING_CERT).read_bytes() != before


def test_status_reports_the_certificates_and_the_key(fresh_ca_dir, settings):
    with pytest.raises(CommandError, match="No card CA"):
        call_command("card_ca", "status", stdout=StringIO())
    call_command("card_ca", "init", stdout=StringIO())
    out = StringIO()
    call_command("card_ca", "status", stdout=out)
    text = out.getvalue()
    assert "Uniqc Coop Root CA" in text and "Uniqc Coop Card Issuing CA" in text
    assert "issuing key readable: yes" in text
    ca.ca_cache_clear()
    settings.CARD_CA_PASSPHRASE = "not the passphrase"
    out = StringIO()
    call_command("card_ca", "status", stdout=out)
    assert "issuing key readable: NO" in out.getvalue()


@pytest.mark.django_db
def test_crl_command_writes_a_signed_crl(tmp_path):
    output = tmp_path / "cards.crl"
    call_command("card_ca", "crl", "--output", str(output), stdout=StringIO())
    crl = x509.load_der_x509_crl(output.read_bytes())
    assert crl.is_signature_valid(ca.issuing_certificate().public_key())


@pytest.mark.django_db
def test_card_certificate_names_the_public_id_not_the_person(alice):
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = ca.card_certificate_issue(public_key=key.public_key(), user=alice)
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == str(alice.public_id)
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Uniqc Coop"
    text = subject.rfc4514_string()
    assert alice.given_name not in text and alice.family_name not in text
    assert alice.email not in text
    assert 0 < certificate.serial_number < 2**159
    certificate.verify_directly_issued_by(ca.issuing_certificate())
    key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical and key_usage.value.digital_signature
    assert not key_usage.value.key_cert_sign
    extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert datetime.timedelta(days=5 * 365) <= lifetime <= datetime.timedelta(days=5 * 366)
    aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    issuing_ski = ca.issuing_certificate().extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    )
    assert aki.key_identifier == issuing_ski.value.digest
    certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == f"{ORIGIN}/carte/crl.der"
    access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    assert access.value[0].access_location.value == f"{ORIGIN}/carte/ocsp"


def test_issuing_key_is_decrypted_once_per_process(monkeypatch):
    ca.ca_cache_clear()
    calls = []
    real = serialization.load_pem_private_key

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ca.serialization, "load_pem_private_key", counting)
    first, second = ca.issuing_ca(), ca.issuing_ca()
    assert first is second
    assert len(calls) == 1


# --- Production settings --------------------------------------------------------------

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


def production_check(**overrides: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_starts_with_a_ca_outside_the_repository():
    result = production_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CARD_CA_PASSPHRASE": None}, "CARD_CA_PASSPHRASE must be set"),
        ({"CARD_CA_PASSPHRASE": ""}, "CARD_CA_PASSPHRASE must be set"),
        (
            {"CARD_CA_PASSPHRASE": "uniqc-development-ca-passphrase-do-not-deploy"},
            "development passphrase",
        ),
        ({"CARD_CA_DIR": None}, "CARD_CA_DIR must be set"),
        ({"CARD_CA_DIR": str(ROOT / "var" / "ca")}, "outside the repository"),
        ({"CARD_CA_DIR": str(ROOT / "var" / ".." / "identity")}, "outside the repository"),
    ],
)
def test_production_refuses_an_unguarded_ca(overrides, message):
    result = production_check(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
