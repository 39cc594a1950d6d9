"""ID token signing keys: staged rotation, sealing, the published JWKS.

A key lives through four states, per algorithm:
- staged: made by `signing_key_stage`, published in the JWKS at once, signs nothing;
- active: the one key that signs; a staged key becomes active (`signing_key_promote`) only
  after SIGNING_KEY_STAGED_FOR, so every relying party's cached JWKS (JWKS_MAX_AGE_SECONDS)
  already holds it when the first token it signs arrives;
- retired: the key it replaced, published until `not_after`, when every ID token it signed
  has expired;
- deleted by `signing_keys_retire` once past `not_after`: its private key is gone.

Private keys are stored sealed (Fernet) under KEY_ENCRYPTION_KEY: sealed with the first key
of the list, opened with any, moved under the first by `signing_keys_reseal`. They are
parsed once per process and cached by kid; a request never re-parses a PEM. The JWKS
document is serialized once and served from memory; each process reads the published keys
again at most every JWKS_RECHECK_SECONDS, and at once after a key is made in that process.
"""

import json
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from cryptography.fernet import MultiFernet
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc.jwk import ECKey, Key, RSAKey

from core.sealed import key_sealer
from identity.errors import SigningKeyNotStaged, SigningKeyPromotionTooEarly
from identity.models import IdTokenAlg, OidcSigningKey

ID_TOKEN_LIFETIME_SECONDS = 3600
# Clock skew a relying party may allow when it checks `exp`.
RETIRED_KEY_MARGIN = timedelta(minutes=5)

# How long a relying party may cache the JWKS (its Cache-Control max-age).
JWKS_MAX_AGE_SECONDS = 300
# How long a key is published before it may sign: twice the cache lifetime, so that a
# JWKS fetched just before the key was staged, and kept by a shared cache in front of a
# relying party for another max-age, has expired.
SIGNING_KEY_STAGED_FOR = timedelta(seconds=2 * JWKS_MAX_AGE_SECONDS)

# How stale another process's view of the published keys may be after a change.
JWKS_RECHECK_SECONDS = 1.0

_private_keys: dict[str, Key] = {}
# (monotonic time after which to read the keys again, serialized JWKS), per process.
_jwks_cached: tuple[float, bytes] | None = None


def _sealer() -> MultiFernet:
    """Seals with the first KEY_ENCRYPTION_KEY, opens with any of them."""
    return key_sealer()


def _key_generate(alg: str) -> Key:
    if alg == IdTokenAlg.ES256:
        return ECKey.generate_key("P-256", private=True, auto_kid=True)
    if alg == IdTokenAlg.RS256:
        return RSAKey.generate_key(2048, private=True, auto_kid=True)
    raise ValueError(f"unsupported signing algorithm {alg!r}")


def _key_parse(alg: str, kid: str, sealed: str) -> Key:
    key = _private_keys.get(kid)
    if key is None:
        private_pem = _sealer().decrypt(sealed.encode())
        key_class = ECKey if alg == IdTokenAlg.ES256 else RSAKey
        key = key_class.import_key(private_pem, {"kid": kid, "alg": alg, "use": "sig"})
        _private_keys[kid] = key
    return key


def _key_row_create(alg: str, *, promoted_at: datetime | None) -> OidcSigningKey:
    key = _key_generate(alg)
    public = key.as_dict(private=False)
    public.update({"kid": key.kid, "alg": alg, "use": "sig"})
    row = OidcSigningKey.objects.create(
        kid=key.kid,
        alg=alg,
        private_key_sealed=_sealer().encrypt(key.as_pem(private=True)).decode(),
        public_jwk=public,
        promoted_at=promoted_at,
    )
    # Publish the new key from this process at once, and again once other connections can
    # see it (a request in between may have read the keys without it).
    jwks_forget()
    transaction.on_commit(jwks_forget)
    return row


def _staged(alg: str):
    return OidcSigningKey.objects.filter(alg=alg, promoted_at__isnull=True, retired_at__isnull=True)


def _active(alg: str):
    return OidcSigningKey.objects.filter(
        alg=alg, promoted_at__isnull=False, retired_at__isnull=True
    )


@transaction.atomic
def signing_key_stage(*, alg: str) -> OidcSigningKey:
    """Make the next key of `alg`: published from now on, signing only once promoted. A key
    already staged is returned as it is (so a scheduled stage is harmless to repeat)."""
    staged = _staged(alg).first()
    if staged is not None:
        return staged
    try:
        with transaction.atomic():
            return _key_row_create(alg, promoted_at=None)
    except IntegrityError:
        # Staged at the same moment by another process: theirs is the next key.
        return _staged(alg).get()


def signing_key_promotion_due(key: OidcSigningKey) -> datetime:
    """When a staged key has been published long enough to sign."""
    return key.created_at + SIGNING_KEY_STAGED_FOR


@transaction.atomic
def signing_key_promote(*, alg: str, now: datetime | None = None) -> OidcSigningKey:
    """Make the staged key of `alg` the signing key, once it has been published for
    SIGNING_KEY_STAGED_FOR; the key it replaces stays published until its ID tokens expire."""
    now = now or timezone.now()
    staged = _staged(alg).first()
    if staged is None:
        raise SigningKeyNotStaged()
    due_at = signing_key_promotion_due(staged)
    if now < due_at:
        raise SigningKeyPromotionTooEarly(due_at=due_at)
    _active(alg).update(
        retired_at=now,
        not_after=now + timedelta(seconds=ID_TOKEN_LIFETIME_SECONDS) + RETIRED_KEY_MARGIN,
    )
    promoted = _staged(alg).filter(pk=staged.pk).update(promoted_at=now)
    if not promoted:
        # Promoted by another process since we read it: that promotion stands.
        raise SigningKeyNotStaged()
    staged.promoted_at = now
    jwks_forget()
    transaction.on_commit(jwks_forget)
    return staged


@transaction.atomic
def signing_keys_retire(*, now: datetime | None = None) -> int:
    """Delete the keys whose publication has ended (`not_after` passed): no valid ID token
    was signed by them, and their private keys should not outlive their use."""
    deleted, _by_model = OidcSigningKey.objects.filter(
        not_after__lte=now or timezone.now()
    ).delete()
    return deleted


@transaction.atomic
def signing_keys_reseal() -> int:
    """Seal every stored private key under the first KEY_ENCRYPTION_KEY, so that the others
    can be removed from the setting. Returns how many keys were resealed."""
    sealer = _sealer()
    # No lock: a key made meanwhile is sealed under the first key already.
    rows = list(OidcSigningKey.objects.only("pk", "private_key_sealed"))
    for row in rows:
        row.private_key_sealed = sealer.rotate(row.private_key_sealed.encode()).decode()
    OidcSigningKey.objects.bulk_update(rows, ["private_key_sealed"])
    return len(rows)


def signing_key_active(alg: str) -> Key:
    """The one key that signs new ID tokens of `alg`. The very first key of an algorithm is
    made active at once: no relying party can have cached a JWKS without it, since the
    JWKS itself makes it (`jwks_public`)."""
    row = _active(alg).values_list("kid", "private_key_sealed").first()
    if row is None:
        try:
            with transaction.atomic():
                created = _key_row_create(alg, promoted_at=timezone.now())
            row = (created.kid, created.private_key_sealed)
        except IntegrityError:
            # Another process created it first: use theirs.
            row = _active(alg).values_list("kid", "private_key_sealed")[0]
    return _key_parse(alg, row[0], row[1])


def jwks_public() -> dict[str, Any]:
    """Public keys a relying party may meet in a valid ID token, or soon will: staged,
    active and recently retired."""
    now = timezone.now()
    published = list(
        OidcSigningKey.objects.exclude(not_after__lte=now).values_list(
            "alg", "promoted_at", "retired_at", "public_jwk"
        )
    )
    active = {
        alg
        for alg, promoted_at, retired_at, _jwk in published
        if promoted_at is not None and retired_at is None
    }
    if active != set(IdTokenAlg.values):
        for alg in set(IdTokenAlg.values) - active:
            signing_key_active(alg)
        return jwks_public()
    return {"keys": [jwk for *_state, jwk in published]}


def jwks_document() -> bytes:
    """The JWKS as served: serialized once, read again after JWKS_RECHECK_SECONDS (so a
    key staged elsewhere and a key reaching `not_after` show within that time)."""
    global _jwks_cached
    cached = _jwks_cached
    now = monotonic()
    if cached is not None and now < cached[0]:
        return cached[1]
    body = json.dumps(jwks_public(), separators=(",", ":")).encode()
    _jwks_cached = (now + JWKS_RECHECK_SECONDS, body)
    return body


def jwks_forget() -> None:
    """Drop this process's serialized JWKS, so that the next request reads the keys."""
    global _jwks_cached
    _jwks_cached = None
