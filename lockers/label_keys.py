"""Parcel label signing keys: staged rotation, sealing, the published JWKS.

The keys live through the same four states as identity's OIDC keys (identity/oidc/keys.py):
- staged: made by `label_key_stage`, published at once, signs nothing;
- active: the one key that signs labels; a staged key becomes active (`label_key_promote`)
  only after LABEL_KEY_STAGED_FOR, so that every courier's phone, which fetches the keys
  at least once a day and then checks labels offline, already holds it;
- retired: the key it replaced, published until `not_after`, when every label it signed has
  left the network (LABEL_LIFETIME);
- deleted by `label_keys_retire` once past `not_after`: its private key is gone.

Private keys are sealed (Fernet) under KEY_ENCRYPTION_KEY as identity seals its own: with
the first key of the list, opened with any, moved under the first by `label_keys_reseal`.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.sealed import key_sealer
from lockers.models import LabelKeyAlg, LabelSigningKey

# How long a label is in use, at most: printed when the store packs, picked up within a
# day, held 72 h and extended once, brought back to the store. A retired key stays
# published this long after its last label.
LABEL_LIFETIME = timedelta(days=7)
# How long the key document may be cached by HTTP caches (Cache-Control max-age).
LABEL_JWKS_MAX_AGE_SECONDS = 300
# A courier's phone refreshes the keys at least daily and checks labels offline between;
# a staged key is published this long before it signs, so that every phone holds it.
LABEL_KEY_STAGED_FOR = timedelta(days=1)
# Clock skew allowed between the signing server and the one that checks.
LABEL_CLOCK_SKEW = timedelta(minutes=5)


class LabelKeyNotStaged(Exception):
    """`label_keys promote` with no key staged."""

    code = "label_key_not_staged"


class LabelKeyPromotionTooEarly(Exception):
    """`label_keys promote` before the staged key has been published long enough."""

    code = "label_key_promotion_too_early"

    def __init__(self, *, due_at: datetime) -> None:
        super().__init__(f"the staged key may sign from {due_at.isoformat()}")
        self.due_at = due_at


@dataclass(frozen=True)
class LabelPublicKey:
    """A published key, as a verifier knows it: the raw 32 bytes of an Ed25519 public key,
    and when it stopped signing (None while it signs)."""

    kid: str
    public_bytes: bytes
    retired_at: datetime | None = None
    not_after: datetime | None = None


@dataclass(frozen=True)
class LabelPrivateKey:
    """The key that signs: its identifier and the Ed25519 private key."""

    kid: str
    private: Ed25519PrivateKey


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raises ValueError on any other text, including a
    non-canonical encoding (stray bits in the last character)."""
    if not text or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


def label_kid(public_bytes: bytes) -> str:
    """A key's identifier: the first 8 characters of base64url(SHA-256(raw public key))."""
    return b64url_encode(hashlib.sha256(public_bytes).digest())[:8]


def label_private_key_from_bytes(raw: bytes) -> LabelPrivateKey:
    """The signing key made of a raw 32-byte Ed25519 private key (test vectors use it)."""
    private = Ed25519PrivateKey.from_private_bytes(raw)
    return LabelPrivateKey(kid=label_kid(_public_bytes(private)), private=private)


def _public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _sealer() -> MultiFernet:
    """Seals with the first KEY_ENCRYPTION_KEY, opens with any of them."""
    return key_sealer()


_private_keys: dict[str, LabelPrivateKey] = {}


def _key_open(kid: str, sealed: str) -> LabelPrivateKey:
    key = _private_keys.get(kid)
    if key is None:
        raw = _sealer().decrypt(sealed.encode())
        key = LabelPrivateKey(kid=kid, private=Ed25519PrivateKey.from_private_bytes(raw))
        _private_keys[kid] = key
    return key


def _key_row_create(*, promoted_at: datetime | None) -> LabelSigningKey:
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = _public_bytes(private)
    return LabelSigningKey.objects.create(
        kid=label_kid(public),
        alg=LabelKeyAlg.ED25519,
        private_key_sealed=_sealer().encrypt(raw).decode(),
        public_key=b64url_encode(public),
        promoted_at=promoted_at,
    )


def _staged():
    return LabelSigningKey.objects.filter(promoted_at__isnull=True, retired_at__isnull=True)


def _active():
    return LabelSigningKey.objects.filter(promoted_at__isnull=False, retired_at__isnull=True)


@transaction.atomic
def label_key_stage() -> LabelSigningKey:
    """Make the next label key: published from now on, signing only once promoted. A key
    already staged is returned as it is (a scheduled stage is harmless to repeat)."""
    staged = _staged().first()
    if staged is not None:
        return staged
    try:
        with transaction.atomic():
            return _key_row_create(promoted_at=None)
    except IntegrityError:
        # Staged at the same moment by another process: theirs is the next key.
        return _staged().get()


def label_key_promotion_due(key: LabelSigningKey) -> datetime:
    """When a staged key has been published long enough to sign."""
    return key.created_at + LABEL_KEY_STAGED_FOR


@transaction.atomic
def label_key_promote(*, now: datetime | None = None) -> LabelSigningKey:
    """Make the staged key sign from now on, once published for LABEL_KEY_STAGED_FOR; the
    key it replaces stays published for LABEL_LIFETIME, while its labels are in use."""
    now = now or timezone.now()
    staged = _staged().first()
    if staged is None:
        raise LabelKeyNotStaged()
    due_at = label_key_promotion_due(staged)
    if now < due_at:
        raise LabelKeyPromotionTooEarly(due_at=due_at)
    _active().update(retired_at=now, not_after=now + LABEL_LIFETIME + LABEL_CLOCK_SKEW)
    if not _staged().filter(pk=staged.pk).update(promoted_at=now):
        # Promoted by another process since we read it: that promotion stands.
        raise LabelKeyNotStaged()
    staged.promoted_at = now
    return staged


@transaction.atomic
def label_keys_retire(*, now: datetime | None = None) -> int:
    """Delete the keys whose publication has ended (`not_after` passed): no label in use was
    signed by them, and their private keys should not outlive their use."""
    deleted, _by_model = LabelSigningKey.objects.filter(
        not_after__lte=now or timezone.now()
    ).delete()
    return deleted


@transaction.atomic
def label_keys_reseal() -> int:
    """Seal every stored private key under the first KEY_ENCRYPTION_KEY; returns how many."""
    sealer = _sealer()
    rows = list(LabelSigningKey.objects.only("pk", "private_key_sealed"))
    for row in rows:
        row.private_key_sealed = sealer.rotate(row.private_key_sealed.encode()).decode()
    LabelSigningKey.objects.bulk_update(rows, ["private_key_sealed"])
    return len(rows)


def label_key_active() -> LabelPrivateKey:
    """The one key that signs new labels. The very first key is made active at once: no
    phone can hold a key document without it, since nothing was published before."""
    row = _active().values_list("kid", "private_key_sealed").first()
    if row is None:
        try:
            with transaction.atomic():
                created = _key_row_create(promoted_at=timezone.now())
            row = (created.kid, created.private_key_sealed)
        except IntegrityError:
            row = _active().values_list("kid", "private_key_sealed")[0]
    return _key_open(row[0], row[1])


def label_keys_published(*, now: datetime | None = None) -> dict[str, LabelPublicKey]:
    """The keys a verifier may meet on a label in use, by kid: staged, active and retired
    keys still within their publication."""
    now = now or timezone.now()
    rows = LabelSigningKey.objects.exclude(not_after__lte=now).values_list(
        "kid", "public_key", "retired_at", "not_after"
    )
    return {
        kid: LabelPublicKey(
            kid=kid,
            public_bytes=b64url_decode(public_key),
            retired_at=retired_at,
            not_after=not_after,
        )
        for kid, public_key, retired_at, not_after in rows
    }


def label_jwk(key: LabelPublicKey) -> dict[str, Any]:
    """A key as a JWK (RFC 8037: OKP, Ed25519). A retired key carries `retired_at` (Unix
    seconds): a label it signed later than that is refused."""
    jwk: dict[str, Any] = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(key.public_bytes),
        "kid": key.kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    if key.retired_at is not None:
        jwk["retired_at"] = int(key.retired_at.timestamp())
    if key.not_after is not None:
        jwk["not_after"] = int(key.not_after.timestamp())
    return jwk


def label_jwks() -> dict[str, Any]:
    """The published key set; makes the first key when there is none yet."""
    keys = label_keys_published()
    if not any(key.retired_at is None for key in keys.values()):
        label_key_active()
        keys = label_keys_published()
    ordered = sorted(keys.values(), key=lambda key: (key.retired_at is not None, key.kid))
    return {"keys": [label_jwk(key) for key in ordered]}


def label_jwks_document() -> bytes:
    return json.dumps(label_jwks(), separators=(",", ":")).encode()


def label_keys_from_jwks(document: dict[str, Any]) -> dict[str, LabelPublicKey]:
    """The keys of a published key set, as a verifier elsewhere would read them. Keys it
    cannot read (another type, a bad `x`) are left out."""
    keys: dict[str, LabelPublicKey] = {}
    for jwk in document.get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        try:
            public = b64url_decode(jwk["x"])
            kid = str(jwk["kid"])
        except (KeyError, ValueError, TypeError):
            continue
        if len(public) != 32:
            continue
        moments = {}
        for name in ("retired_at", "not_after"):
            value = jwk.get(name)
            moments[name] = (
                datetime.fromtimestamp(value, tz=UTC) if isinstance(value, int) else None
            )
        keys[kid] = LabelPublicKey(kid=kid, public_bytes=public, **moments)
    return keys
