"""Label keys rotate like the OIDC keys: staged, active, retired, deleted; sealed at rest."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from lockers.label_keys import (
    LABEL_JWKS_MAX_AGE_SECONDS,
    LABEL_KEY_STAGED_FOR,
    LABEL_LIFETIME,
    LabelKeyNotStaged,
    LabelKeyPromotionTooEarly,
    _private_keys,
    b64url_decode,
    label_key_active,
    label_key_promote,
    label_key_stage,
    label_keys_from_jwks,
    label_keys_reseal,
    label_keys_retire,
)
from lockers.labels import LabelForged, label_sign, label_verify
from lockers.models import LabelSigningKey

pytestmark = pytest.mark.django_db

FIELDS = {
    "parcel_code": "0123456789AB",
    "site_slug": "metro-berri-uqam",
    "size_class": "S",
    "window_hours": 24,
    "store_name": "Fromagerie du Marché",
}


def sign(**overrides) -> str:
    return label_sign(**{**FIELDS, "issued_at": timezone.now(), **overrides})


def test_the_first_key_is_made_active_and_signs():
    text = sign()
    key = LabelSigningKey.objects.get()
    assert key.promoted_at is not None and key.retired_at is None
    assert text.split(".")[1] == key.kid
    assert label_verify(text).parcel_code == "0123456789AB"


def test_private_keys_are_sealed_under_key_encryption_key(settings):
    label_key_active()
    row = LabelSigningKey.objects.get()
    raw = Fernet(settings.KEY_ENCRYPTION_KEY[0]).decrypt(row.private_key_sealed.encode())
    assert len(raw) == 32
    assert raw.hex() not in row.private_key_sealed


def test_rotation_stage_promote_retire():
    old_label = sign()
    old = LabelSigningKey.objects.get()
    staged = label_key_stage()
    assert label_key_stage() == staged  # harmless to repeat
    # Published at once, signs nothing yet.
    assert staged.kid in label_keys_from_jwks(_jwks())
    assert sign().split(".")[1] == old.kid

    with pytest.raises(LabelKeyPromotionTooEarly):
        label_key_promote()
    moment = staged.created_at + LABEL_KEY_STAGED_FOR
    label_key_promote(now=moment)
    new_label = sign(issued_at=moment + timedelta(minutes=1))
    assert new_label.split(".")[1] == staged.kid

    old.refresh_from_db()
    assert old.retired_at == moment
    assert old.not_after > moment + LABEL_LIFETIME
    # Labels the old key signed while it signed still verify; both keys are published.
    assert label_verify(old_label).kid == old.kid
    assert {old.kid, staged.kid} <= set(label_keys_from_jwks(_jwks()))

    # Once its publication ends, the old key is deleted and its labels refused.
    assert label_keys_retire(now=moment) == 0
    assert label_keys_retire(now=old.not_after) == 1
    with pytest.raises(LabelForged) as caught:
        label_verify(old_label)
    assert caught.value.reason == LabelForged.UNKNOWN_KEY
    assert label_verify(new_label).kid == staged.kid


def test_a_label_the_retired_key_signs_later_is_refused():
    label_key_active()
    old = LabelSigningKey.objects.get()
    old_private = _private_keys[old.kid]
    staged = label_key_stage()
    moment = staged.created_at + LABEL_KEY_STAGED_FOR
    label_key_promote(now=moment)
    # Someone who kept the retired private key signs a label dated after its retirement.
    late = label_sign(**FIELDS, issued_at=moment + timedelta(hours=1), key=old_private)
    with pytest.raises(LabelForged) as caught:
        label_verify(late, now=moment + timedelta(hours=1))
    assert caught.value.reason == LabelForged.RETIRED_KEY


def test_promote_without_a_staged_key_is_refused():
    label_key_active()
    with pytest.raises(LabelKeyNotStaged):
        label_key_promote()


def test_reseal_moves_keys_under_the_first_key_encryption_key(settings):
    old_seal = settings.KEY_ENCRYPTION_KEY[0]
    label_key_active()
    new_seal = Fernet.generate_key().decode()
    settings.KEY_ENCRYPTION_KEY = [new_seal, old_seal]
    assert label_keys_reseal() == 1
    row = LabelSigningKey.objects.get()
    assert len(Fernet(new_seal).decrypt(row.private_key_sealed.encode())) == 32


def _jwks() -> dict:
    from lockers.label_keys import label_jwks

    return label_jwks()


def test_the_published_keys_are_a_jwks_with_cache_headers(client):
    label_key_active()
    response = client.get(reverse("lockers:label_keys"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    assert f"max-age={LABEL_JWKS_MAX_AGE_SECONDS}" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    (jwk,) = response.json()["keys"]
    row = LabelSigningKey.objects.get()
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": row.public_key,
        "kid": row.kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    assert len(b64url_decode(jwk["x"])) == 32
    assert "d" not in jwk


def test_the_jwks_url_is_stable():
    assert reverse("lockers:label_keys") == "/casiers/etiquettes/cles.json"


def test_the_jwks_makes_the_first_key(client):
    assert client.get("/casiers/etiquettes/cles.json").json()["keys"][0]["kid"]
    assert LabelSigningKey.objects.count() == 1


def test_the_jwks_refuses_post(client):
    assert client.post("/casiers/etiquettes/cles.json").status_code == 405


def test_labels_verify_with_the_keys_read_from_the_jwks(client):
    text = sign()
    keys = label_keys_from_jwks(client.get("/casiers/etiquettes/cles.json").json())
    assert label_verify(text, keys=keys).site_slug == "metro-berri-uqam"


def test_the_command_stages_promotes_and_retires(capsys):
    label_key_active()
    call_command("label_keys", "stage")
    assert "staged; promote after" in capsys.readouterr().out
    with pytest.raises(CommandError, match="may sign from"):
        call_command("label_keys", "promote")
    LabelSigningKey.objects.filter(promoted_at__isnull=True).update(
        created_at=timezone.now() - LABEL_KEY_STAGED_FOR
    )
    call_command("label_keys", "promote")
    assert "signs" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No label key is staged"):
        call_command("label_keys", "promote")
    call_command("label_keys", "retire")
    assert "deleted 0" in capsys.readouterr().out


def test_the_admin_shows_label_keys_read_only(client):
    from identity.models import User

    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    key = label_key_active()
    changelist = reverse("admin:lockers_labelsigningkey_changelist")
    assert key.kid in client.get(changelist).content.decode()
    row = LabelSigningKey.objects.get()
    page = client.get(reverse("admin:lockers_labelsigningkey_change", args=[row.pk]))
    assert page.status_code == 200
    assert row.private_key_sealed not in page.content.decode()
    assert client.get(reverse("admin:lockers_labelsigningkey_add")).status_code == 403


def test_the_jwks_costs_one_query_once_a_key_exists(client, django_assert_num_queries):
    label_key_active()
    label_key_stage()
    with django_assert_num_queries(1):
        keys = client.get("/casiers/etiquettes/cles.json").json()["keys"]
    assert len(keys) == 2
