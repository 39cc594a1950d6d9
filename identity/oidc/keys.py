"""ID token signing keys: one active key per algorithm, rotation, the published JWKS.

Private keys are stored encrypted, parsed once per process and cached by kid; a request
never re-parses a PEM. Retired keys stay published until every ID token they signed has
expired. The JWKS document is serialized once and served from memory; each process reads
the published keys again at most every JWKS_RECHECK_SECONDS, and at once after a key is
made in that process.
"""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from functools import cache
from time import monotonic
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc.jwk import ECKey, Key, RSAKey

from identity.models import IdTokenAlg, OidcSigningKey

ID_TOKEN_LIFETIME_SECONDS = 3600
# Clock skew a relying party may allow when it checks `exp`.
RETIRED_KEY_MARGIN = timedelta(minutes=5)

SEAL_KEY_LABEL = b"uniqc.identity.oidc.signing-key-seal.v1"

# How stale another process's view of the published keys may be after a rotation.
JWKS_RECHECK_SECONDS = 1.0

_private_keys: dict[str, Key] = {}
# (monotonic time after which to read the keys again, serialized JWKS), per process.
_jwks_cached: tuple[float, bytes] | None = None


@cache
def _sealer(secret_key: str) -> Fernet:
    derived = hmac.new(secret_key.encode(), SEAL_KEY_LABEL, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _key_generate(alg: str) -> Key:
    if alg == IdTokenAlg.ES256:
        return ECKey.generate_key("P-256", private=True, auto_kid=True)
    if alg == IdTokenAlg.RS256:
        return RSAKey.generate_key(2048, private=True, auto_kid=True)
    raise ValueError(f"unsupported signing algorithm {alg!r}")


def _key_parse(alg: str, kid: str, sealed: str) -> Key:
    key = _private_keys.get(kid)
    if key is None:
        private_pem = _sealer(settings.SECRET_KEY).decrypt(sealed.encode())
        key_class = ECKey if alg == IdTokenAlg.ES256 else RSAKey
        key = key_class.import_key(private_pem, {"kid": kid, "alg": alg, "use": "sig"})
        _private_keys[kid] = key
    return key


def _key_row_create(alg: str) -> OidcSigningKey:
    key = _key_generate(alg)
    public = key.as_dict(private=False)
    public.update({"kid": key.kid, "alg": alg, "use": "sig"})
    row = OidcSigningKey.objects.create(
        kid=key.kid,
        alg=alg,
        private_key_sealed=_sealer(settings.SECRET_KEY).encrypt(key.as_pem(private=True)).decode(),
        public_jwk=public,
    )
    # Publish the new key from this process at once, and again once other connections can
    # see it (a request in between may have read the keys without it).
    jwks_forget()
    transaction.on_commit(jwks_forget)
    return row


@transaction.atomic
def signing_key_rotate(*, alg: str) -> OidcSigningKey:
    """Retire the active key of `alg` (published until its tokens expire) and make a new one."""
    now = timezone.now()
    OidcSigningKey.objects.filter(alg=alg, retired_at__isnull=True).update(
        retired_at=now,
        not_after=now + timedelta(seconds=ID_TOKEN_LIFETIME_SECONDS) + RETIRED_KEY_MARGIN,
    )
    return _key_row_create(alg)


def signing_key_active(alg: str) -> Key:
    """The one key that signs new ID tokens of `alg`; created on first need."""
    row = (
        OidcSigningKey.objects.filter(alg=alg, retired_at__isnull=True)
        .values_list("kid", "private_key_sealed")
        .first()
    )
    if row is None:
        try:
            with transaction.atomic():
                created = _key_row_create(alg)
            row = (created.kid, created.private_key_sealed)
        except IntegrityError:
            # Another process created it first: use theirs.
            row = OidcSigningKey.objects.filter(alg=alg, retired_at__isnull=True).values_list(
                "kid", "private_key_sealed"
            )[0]
    return _key_parse(alg, row[0], row[1])


def jwks_public() -> dict[str, Any]:
    """Public keys a relying party may meet in a valid ID token: active and recently retired."""
    now = timezone.now()
    published = list(
        OidcSigningKey.objects.exclude(not_after__lte=now).values_list(
            "alg", "retired_at", "public_jwk"
        )
    )
    active = {alg for alg, retired_at, _jwk in published if retired_at is None}
    if active != set(IdTokenAlg.values):
        for alg in set(IdTokenAlg.values) - active:
            signing_key_active(alg)
        return jwks_public()
    return {"keys": [jwk for _alg, _retired_at, jwk in published]}


def jwks_document() -> bytes:
    """The JWKS as served: serialized once, read again after JWKS_RECHECK_SECONDS (so a
    rotation made elsewhere and a key reaching `not_after` show within that time)."""
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
