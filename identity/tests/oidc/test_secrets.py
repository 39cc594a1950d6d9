"""Finding 11: pairwise subjects and the sealing of signing keys have their own secrets.

Before, both were derived from SECRET_KEY: rotating it (as one does after a leak, or on a
schedule) changed every `sub` relying parties know and made the signing keys unreadable.
"""

import base64
import hashlib
import hmac
import uuid
from io import StringIO
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.utils import timezone
from joserfc.jwk import ECKey

from core.keyring import seal_key_from_secret_key
from identity.models import OidcSigningKey
from identity.oidc import keys
from identity.oidc.subjects import subject_for

pytestmark = pytest.mark.django_db

PAIRWISE = SimpleNamespace(is_internal=False, sector_identifier="rp.example")


@pytest.fixture(autouse=True)
def parsed_keys_forgotten():
    """Make each test open the sealed keys again rather than reuse a parsed one."""
    keys._private_keys.clear()
    yield
    keys._private_keys.clear()


def key_opened(alg: str = "ES256") -> str:
    keys._private_keys.clear()
    return keys.signing_key_active(alg).kid


def test_rotating_secret_key_keeps_subjects_and_signing_keys(settings):
    person = SimpleNamespace(public_id=uuid.uuid4())
    sub = subject_for(user=person, client=PAIRWISE)
    kid = key_opened()
    settings.SECRET_KEY = "django-insecure-a-new-secret-key-after-rotation"
    assert subject_for(user=person, client=PAIRWISE) == sub
    assert key_opened() == kid


def test_a_database_made_under_secret_key_keeps_its_subjects_and_keys(settings):
    """The local defaults: OIDC_PAIRWISE_SALT is SECRET_KEY and KEY_ENCRYPTION_KEY is
    derived from it as the sealing key was; values computed here as the old code did."""
    old_secret = settings.SECRET_KEY
    person = SimpleNamespace(public_id=uuid.uuid4())
    old_pairwise = hmac.new(
        old_secret.encode(), b"uniqc.identity.oidc.pairwise-subject.v1", hashlib.sha256
    ).digest()
    old_sub = (
        base64.urlsafe_b64encode(
            hmac.new(old_pairwise, f"rp.example|{person.public_id}".encode(), "sha256").digest()
        )
        .rstrip(b"=")
        .decode()
    )
    old_sealer = Fernet(
        base64.urlsafe_b64encode(
            hmac.new(
                old_secret.encode(), b"uniqc.identity.oidc.signing-key-seal.v1", hashlib.sha256
            ).digest()
        )
    )
    private = ECKey.generate_key("P-256", private=True, auto_kid=True)
    OidcSigningKey.objects.create(
        kid=private.kid,
        alg="ES256",
        private_key_sealed=old_sealer.encrypt(private.as_pem(private=True)).decode(),
        public_jwk=private.as_dict(private=False),
        promoted_at=timezone.now(),
    )

    settings.OIDC_PAIRWISE_SALT = old_secret
    settings.KEY_ENCRYPTION_KEY = [seal_key_from_secret_key(old_secret)]

    assert subject_for(user=person, client=PAIRWISE) == old_sub
    assert key_opened() == private.kid


def test_key_encryption_key_rotation_reseals_every_key_under_the_first(settings):
    old_key = settings.KEY_ENCRYPTION_KEY[0]
    new_key = Fernet.generate_key().decode()
    kids = {key_opened("ES256"), key_opened("RS256")}

    settings.KEY_ENCRYPTION_KEY = [new_key, old_key]
    assert {key_opened("ES256"), key_opened("RS256")} == kids  # opened with the second
    out = StringIO()
    call_command("oidc_keys", "reseal", stdout=out)
    assert out.getvalue().strip() == "resealed 2"

    settings.KEY_ENCRYPTION_KEY = [new_key]
    assert {key_opened("ES256"), key_opened("RS256")} == kids
    settings.KEY_ENCRYPTION_KEY = [old_key]
    with pytest.raises(InvalidToken):
        key_opened()


def test_changing_the_pairwise_salt_changes_subjects(settings):
    """Why OIDC_PAIRWISE_SALT is never rotated (and why it is not SECRET_KEY)."""
    person = SimpleNamespace(public_id=uuid.uuid4())
    sub = subject_for(user=person, client=PAIRWISE)
    settings.OIDC_PAIRWISE_SALT = "another-salt-" + "x" * 40
    assert subject_for(user=person, client=PAIRWISE) != sub
