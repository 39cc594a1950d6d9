"""Every write about passkeys: registration, sign-in, renaming, removal, revocation.

A passkey is added only in a session signed in with the card, which vouches for it;
it signs its holder in at `substantial` for as long as it and that card are unrevoked.
"""

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, NoReturn

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core.jsonin import JsonInputError, json_parse
from identity.models import Card, CardStatus, Passkey, User
from identity.passkeys import errors
from identity.passkeys.selectors import (
    access_passkey_register,
    passkey_for_credential,
    passkeys_of,
    relying_party,
)
from identity.ratelimit import RateLimit

security_logger = logging.getLogger("identity.security")

RP_NAME = "Uniqc"
CHALLENGE_LIFETIME = 5 * 60  # seconds
CEREMONY_TIMEOUT_MS = 2 * 60 * 1000
SESSION_REGISTER_CHALLENGE = "uniqc_passkey_register_challenge"
SESSION_SIGN_IN_CHALLENGE = "uniqc_passkey_sign_in_challenge"
NAME_MAX_LENGTH = 64
CREDENTIAL_MAX_BYTES = 64_000
# Sign-in attempts per client address: options asked for, and assertions submitted.
PASSKEY_OPTIONS_CLIENT_LIMIT = RateLimit("passkey-options-client", limit=30, window=5 * 60)
PASSKEY_SIGN_IN_CLIENT_LIMIT = RateLimit("passkey-sign-in-client", limit=20, window=15 * 60)


# --- Challenges ---------------------------------------------------------------------


def _challenge_store(session: SessionBase, key: str, challenge: bytes) -> None:
    session[key] = {
        "challenge": bytes_to_base64url(challenge),
        "expires_at": time.time() + CHALLENGE_LIFETIME,
    }


def _challenge_take(session: SessionBase, key: str) -> bytes:
    """This session's challenge for one ceremony, removed so that it serves only once."""
    stored = session.pop(key, None)
    if not isinstance(stored, dict) or not isinstance(stored.get("challenge"), str):
        raise errors.ChallengeMissing
    if time.time() > stored.get("expires_at", 0):
        raise errors.ChallengeExpired
    return base64url_to_bytes(stored["challenge"])


def _credential(credential: Any) -> dict[str, Any]:
    """The browser's credential as a JSON object; sent as JSON text, it is read within
    the size and depth limits."""
    if isinstance(credential, str):
        try:
            credential = json_parse(credential, max_bytes=CREDENTIAL_MAX_BYTES)
        except JsonInputError as exc:
            raise errors.RegistrationInvalid(f"credential refused: {exc.code}") from exc
    if not isinstance(credential, dict):
        raise errors.RegistrationInvalid("no credential")
    return credential


def _name_clean(name: Any) -> str:
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise errors.PasskeyNameInvalid
    return name


# --- Registration -------------------------------------------------------------------


def passkey_registration_options(
    *, session: SessionBase, user: User, card_id: int | None
) -> dict[str, Any]:
    """Creation options for a discoverable, user-verified passkey; the challenge is kept
    in the session. Only a session signed in with an active card of `user` may ask."""
    access_passkey_register(user=user, card_id=card_id)
    _origin, rp_id = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=user.public_id.bytes,
        user_name=user.email,
        user_display_name=user.get_full_name() or user.email,
        timeout=CEREMONY_TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=bytes(passkey.credential_id))
            for passkey in passkeys_of(user)
        ],
    )
    _challenge_store(session, SESSION_REGISTER_CHALLENGE, options.challenge)
    return json.loads(options_to_json(options))


def _public_key_check(cose_key: bytes) -> None:
    """Raise unless the new passkey's COSE public key loads as a key that sign-in can
    verify with: a key kept now and unusable later would fail at every sign-in."""
    decoded_public_key_to_cryptography(decode_credential_public_key(cose_key))


@transaction.atomic
def passkey_register(
    *, session: SessionBase, user: User, card_id: int | None, credential: Any, name: Any
) -> Passkey:
    """Verify the authenticator's answer to this session's challenge and keep the passkey,
    vouched for by the session's card."""
    card = access_passkey_register(user=user, card_id=card_id)
    name = _name_clean(name)
    challenge = _challenge_take(session, SESSION_REGISTER_CHALLENGE)
    origin, rp_id = relying_party()
    try:
        parsed = parse_registration_credential_json(_credential(credential))
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
        _public_key_check(verified.credential_public_key)
    except WebAuthnException as exc:
        security_logger.warning("Passkey registration refused: user=%s %s", user.pk, exc)
        raise errors.RegistrationInvalid from exc
    except (LookupError, TypeError, ValueError) as exc:
        # webauthn's COSE decoder indexes the key's map without checking it (a key
        # without its y coordinate is a KeyError, a CBOR array where the map belongs an
        # IndexError): a malformed key, not a 500.
        security_logger.warning(
            "Passkey registration refused: user=%s malformed public key: %r", user.pk, exc
        )
        raise errors.RegistrationInvalid from exc
    passkey = Passkey(
        user=user,
        card=card,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(t.value) for t in (parsed.response.transports or [])],
        aaguid=verified.aaguid,
        name=name,
    )
    # Uniqueness is left to the database, so that a race and a repeat answer alike.
    passkey.full_clean(exclude=["credential_id"])
    try:
        with transaction.atomic():
            passkey.save()
    except IntegrityError as exc:
        raise errors.PasskeyAlreadyRegistered from exc
    security_logger.info(
        "Passkey registered: passkey=%s user=%s card=%s aaguid=%s",
        passkey.pk,
        user.pk,
        card.serial_number,
        passkey.aaguid,
    )
    return passkey


# --- Sign-in ------------------------------------------------------------------------


@dataclass(frozen=True)
class PasskeySignIn:
    """A verified passkey assertion and the RFC 8176 methods it proves."""

    passkey: Passkey
    amr: list[str]


def passkey_amr(*, device_bound: bool) -> list[str]:
    """RFC 8176 methods of a user-verified passkey assertion.

    `hwk` for a key the authenticator cannot export (not backup-eligible), `swk` for a
    synced passkey; `user` for the presence test; `mfa` because user verification (a PIN
    or a biometric, which WebAuthn does not tell apart) was required and checked.
    """
    return ["hwk" if device_bound else "swk", "user", "mfa"]


def passkey_authentication_options(*, session: SessionBase, client_ip: str) -> dict[str, Any]:
    """Request options for a usernameless sign-in (no allowed list: the authenticator
    offers its discoverable passkeys); the challenge is kept in the session."""
    if not PASSKEY_OPTIONS_CLIENT_LIMIT.take(client_ip):
        security_logger.warning("Passkey options throttled: client=%s", client_ip)
        raise errors.PasskeySignInThrottled(
            retry_after=PASSKEY_OPTIONS_CLIENT_LIMIT.retry_after(client_ip)
        )
    _origin, rp_id = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _challenge_store(session, SESSION_SIGN_IN_CHALLENGE, options.challenge)
    return json.loads(options_to_json(options))


def _refuse(error: errors.PasskeySignInError, *, client_ip: str, detail: str) -> NoReturn:
    security_logger.warning(
        "Passkey sign-in refused: reason=%s client=%s %s", error.code, client_ip, detail
    )
    raise error


def passkey_authenticate(*, session: SessionBase, credential: Any, client_ip: str) -> PasskeySignIn:
    """Verify a passkey's assertion against this session's challenge.

    Refused: a passkey removed or revoked, one whose card is not active (revoked or
    suspended: the card vouches for the passkey only while it is active), one flagged as
    possibly cloned, one of a closed account, and an assertion whose sign count does not
    go forward (unless the authenticator keeps no count: 0 and 0). A count that goes
    backwards flags the passkey and is logged. Not atomic: that flag must outlive the
    refusal.
    """
    if not PASSKEY_SIGN_IN_CLIENT_LIMIT.take(client_ip):
        _refuse(
            errors.PasskeySignInThrottled(
                retry_after=PASSKEY_SIGN_IN_CLIENT_LIMIT.retry_after(client_ip)
            ),
            client_ip=client_ip,
            detail="",
        )
    challenge = _challenge_take(session, SESSION_SIGN_IN_CHALLENGE)
    origin, rp_id = relying_party()
    try:
        parsed = parse_authentication_credential_json(_credential(credential))
    except (WebAuthnException, errors.PasskeyError) as exc:
        _refuse(errors.AssertionInvalid(), client_ip=client_ip, detail=str(exc))
    except (LookupError, TypeError, ValueError) as exc:
        # webauthn decodes some members' base64url without checking it first
        # (binascii.Error, a ValueError): a malformed response, not a 500.
        _refuse(errors.AssertionInvalid(), client_ip=client_ip, detail=f"malformed: {exc!r}")
    passkey = passkey_for_credential(parsed.raw_id)
    if passkey is None:
        _refuse(errors.PasskeyUnknown(), client_ip=client_ip, detail="")
    user_handle = parsed.response.user_handle
    if user_handle is not None and user_handle != passkey.user.public_id.bytes:
        _refuse(errors.AssertionInvalid(), client_ip=client_ip, detail="user handle mismatch")
    try:
        # The counter is checked below, after the signature: only a genuine assertion
        # may flag a passkey as cloned.
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except WebAuthnException as exc:
        _refuse(errors.AssertionInvalid(), client_ip=client_ip, detail=f"{passkey.pk}: {exc}")
    detail = f"passkey={passkey.pk} user={passkey.user_id}"
    if passkey.card.status == CardStatus.REVOKED:
        _refuse(errors.PasskeyCardRevoked(), client_ip=client_ip, detail=detail)
    if passkey.card.status != CardStatus.ACTIVE:
        _refuse(errors.PasskeyCardSuspended(), client_ip=client_ip, detail=detail)
    if passkey.revoked_at is not None:
        _refuse(errors.PasskeyRevoked(), client_ip=client_ip, detail=detail)
    if passkey.sign_count_regressed_at is not None:
        _refuse(errors.SignCountRegressed(), client_ip=client_ip, detail=f"{detail} (flagged)")
    if not passkey.user.is_active:
        # A closed account signs in no more, as with the card; answered as an unknown
        # passkey, as the password sign-in answers a closed account with its generic error.
        _refuse(errors.PasskeyUnknown(), client_ip=client_ip, detail=f"{detail} (account closed)")
    _sign_count_advance(
        passkey=passkey, new_sign_count=verified.new_sign_count, client_ip=client_ip
    )
    PASSKEY_SIGN_IN_CLIENT_LIMIT.unhit(client_ip)
    security_logger.info("Passkey sign-in: %s client=%s", detail, client_ip)
    device_bound = verified.credential_device_type == CredentialDeviceType.SINGLE_DEVICE
    return PasskeySignIn(passkey=passkey, amr=passkey_amr(device_bound=device_bound))


def _sign_count_advance(*, passkey: Passkey, new_sign_count: int, client_ip: str) -> None:
    """Record a use; a count that does not go forward flags the passkey and refuses."""
    now = timezone.now()
    usable = Passkey.objects.filter(
        pk=passkey.pk, revoked_at__isnull=True, sign_count_regressed_at__isnull=True
    )
    if new_sign_count == 0 and passkey.sign_count == 0:
        updated = usable.filter(sign_count=0).update(last_used_at=now)
    else:
        # Conditional on the stored count, so that two uses at once cannot both pass.
        updated = usable.filter(sign_count__lt=new_sign_count).update(
            sign_count=new_sign_count, last_used_at=now
        )
    if updated:
        passkey.sign_count, passkey.last_used_at = new_sign_count, now
        return
    passkey.refresh_from_db()
    detail = f"passkey={passkey.pk} user={passkey.user_id}"
    if passkey.revoked_at is not None:
        _refuse(errors.PasskeyRevoked(), client_ip=client_ip, detail=detail)
    Passkey.objects.filter(pk=passkey.pk, sign_count_regressed_at__isnull=True).update(
        sign_count_regressed_at=now
    )
    security_logger.error(
        "Passkey sign count went backwards, possible cloned authenticator: %s "
        "stored=%s received=%s client=%s",
        detail,
        passkey.sign_count,
        new_sign_count,
        client_ip,
    )
    raise errors.SignCountRegressed


# --- Management ---------------------------------------------------------------------


@transaction.atomic
def passkey_rename(*, passkey: Passkey, name: Any, acting_user: User) -> Passkey:
    """Give the holder's passkey a new name."""
    if passkey.user_id != acting_user.pk:
        raise errors.PasskeyNotFound
    passkey.name = _name_clean(name)
    passkey.full_clean(exclude=["credential_id"])
    passkey.save(update_fields=["name"])
    return passkey


@transaction.atomic
def passkey_remove(*, passkey: Passkey, acting_user: User) -> Passkey:
    """The holder removes a passkey: it no longer signs anyone in."""
    if passkey.user_id != acting_user.pk:
        raise errors.PasskeyNotFound
    now = timezone.now()
    Passkey.objects.filter(pk=passkey.pk, revoked_at__isnull=True).update(revoked_at=now)
    passkey.refresh_from_db()
    security_logger.info("Passkey removed: passkey=%s user=%s", passkey.pk, passkey.user_id)
    return passkey


@transaction.atomic
def passkeys_revoke_for_card(*, card: Card) -> int:
    """Revoke every passkey `card` vouched for; return how many were still unrevoked."""
    revoked = Passkey.objects.filter(card=card, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        security_logger.warning(
            "Passkeys revoked with their card: card=%s count=%s", card.serial_number, revoked
        )
    return revoked
