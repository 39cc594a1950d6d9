"""Every write about cards: identity checks, card records, revocation, card sign-in."""

import base64
import binascii
import datetime
import hashlib
import logging
import secrets
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.jsonin import json_parse
from identity.audit import audit_record
from identity.card import errors
from identity.card.ca import issuing_certificate
from identity.card.revocation import crl_cache_clear
from identity.card.selectors import (
    access_card_issue_to,
    access_card_revoke,
    card_active_for,
    card_serial_hex,
)
from identity.card.validation import TOKEN_MAX_LENGTH, certificate_fingerprint, token_validate
from identity.models import (
    Card,
    CardRevocationReason,
    CardStatus,
    IdentityCheck,
    User,
)
from identity.passkeys.services import passkeys_revoke_for_card
from identity.ratelimit import RateLimit, attempts_count

security_logger = logging.getLogger("identity.security")

# --- Identity checks and card records -------------------------------------------------


@transaction.atomic
def identity_check_record(
    *, person: User, document_type: str, document_last4: str, branch: str, registrar: Any
) -> IdentityCheck:
    """Record that `registrar` saw this identity document of `person` in person."""
    access_card_issue_to(registrar=registrar, person=person)
    check = IdentityCheck(
        person=person,
        document_type=document_type,
        document_last4=(document_last4 or "").strip().upper(),
        branch=(branch or "").strip(),
        registrar=registrar,
    )
    check.full_clean()
    check.save()
    audit_record(
        acting_user=registrar,
        action="identity_check.record",
        target=check,
        subject_user=person,
        detail={"document_type": check.document_type, "branch": check.branch},
    )
    security_logger.info(
        "Identity check recorded: person=%s registrar=%s branch=%r document=%s",
        person.public_id,
        registrar.pk,
        check.branch,
        check.document_type,
    )
    return check


@transaction.atomic
def card_certificate_record(
    *,
    person: User,
    certificate: x509.Certificate,
    identity_check: IdentityCheck,
    registrar: Any,
    signing_certificate: x509.Certificate | None = None,
) -> Card:
    """Record a certificate the CA just signed for `person`'s new card, as `pending`, with
    the certificate of the card's slot 9C signing key if there is one.

    It is on hold for relying parties (CRL, OCSP) and refused at sign-in until
    `card_activate`. The certificates must come from our issuing CA; the sign-in one names
    the person, the signing one a pseudonym; the identity check must be of this person.
    """
    access_card_issue_to(registrar=registrar, person=person)
    if identity_check.person_id != person.pk:
        raise errors.CardCertificateMismatch("the identity check is of another person")
    if certificate.issuer != issuing_certificate().subject:
        raise errors.CardCertificateMismatch("certificate from another issuer")
    common_names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if [attribute.value for attribute in common_names] != [str(person.public_id)]:
        raise errors.CardCertificateMismatch("certificate names another person")
    card = Card(
        user=person,
        serial_number=card_serial_hex(certificate.serial_number),
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        fingerprint_sha256=certificate_fingerprint(certificate),
        status=CardStatus.PENDING,
        issued_by=registrar,
        not_after=certificate.not_valid_after_utc,
        identity_check=identity_check,
        **(_signing_columns(signing_certificate) if signing_certificate is not None else {}),
    )
    card.full_clean()
    card.save()
    _card_status_recorded(
        card=card,
        action="card.certificate_sign",
        acting_user=registrar,
        log="Card certificate signed, pending confirmation",
    )
    return card


def _signing_columns(certificate: x509.Certificate) -> dict[str, Any]:
    """The Card columns of a slot 9C certificate, once it is checked to be our issuing
    CA's and to name a pseudonym (never the person)."""
    if certificate.issuer != issuing_certificate().subject:
        raise errors.CardCertificateMismatch("signing certificate from another issuer")
    pseudonyms = certificate.subject.get_attributes_for_oid(x509.NameOID.PSEUDONYM)
    if len(pseudonyms) != 1 or certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME):
        raise errors.CardCertificateMismatch("a signing certificate names a pseudonym only")
    return {
        "signing_serial_number": card_serial_hex(certificate.serial_number),
        "signing_certificate_der": certificate.public_bytes(serialization.Encoding.DER),
        "signing_fingerprint_sha256": certificate_fingerprint(certificate),
        "signing_pseudonym": pseudonyms[0].value,
    }


@transaction.atomic
def card_signing_certificate_record(
    *, card: Card, signing_certificate: x509.Certificate, registrar: Any
) -> Card:
    """Add the certificate of a slot 9C key to `card`, an active card issued without one
    (before slot 9C existed); audited. A card that has a signing key keeps it."""
    access_card_issue_to(registrar=registrar, person=card.user)
    columns = _signing_columns(signing_certificate)
    updated = Card.objects.filter(
        pk=card.pk, status=CardStatus.ACTIVE, signing_serial_number=""
    ).update(**columns)
    if not updated:
        raise errors.SigningKeyNotAddable("the card is not active or has a signing key")
    card.refresh_from_db()
    audit_record(
        acting_user=registrar,
        action="card.signing_key_add",
        target=card,
        subject_user=card.user,
        detail={"serial": card.serial_number, "signing_serial": card.signing_serial_number},
    )
    security_logger.info(
        "Card signing key added: serial=%s signing_serial=%s person=%s by=%s",
        card.serial_number,
        card.signing_serial_number,
        card.user.public_id,
        registrar.pk,
    )
    return card


@transaction.atomic
def card_activate(*, card: Card, registrar: Any) -> Card:
    """Make the pending `card` its holder's active card; a card they still hold is revoked
    as replaced. Activating an active card changes nothing."""
    person = card.user
    access_card_issue_to(registrar=registrar, person=person)
    if card.status == CardStatus.ACTIVE:
        return card
    if card.status != CardStatus.PENDING:
        raise errors.CertificateNotPending(f"card {card.serial_number} is {card.status}")
    previous = card_active_for(person)
    if previous is not None:
        card_revoke(card=previous, reason=CardRevocationReason.REPLACED, acting_user=registrar)
    try:
        with transaction.atomic():
            updated = Card.objects.filter(pk=card.pk, status=CardStatus.PENDING).update(
                status=CardStatus.ACTIVE
            )
    except IntegrityError as exc:
        # Another registrar activated a card for this person at the same moment.
        raise errors.CardAlreadyActive("this person already has an active card") from exc
    if not updated:
        raise errors.CertificateNotPending(f"card {card.serial_number} is no longer pending")
    card.refresh_from_db()
    _card_status_recorded(
        card=card, action="card.register", acting_user=registrar, log="Card registered"
    )
    return card


@transaction.atomic
def card_register(
    *,
    person: User,
    certificate: x509.Certificate,
    identity_check: IdentityCheck,
    registrar: Any,
    signing_certificate: x509.Certificate | None = None,
) -> Card:
    """Keep the certificate the CA issued for `person`'s new card (and that of its slot
    9C key, if any) as their active card: record it (unless it is recorded already) and
    activate it."""
    card = Card.objects.filter(fingerprint_sha256=certificate_fingerprint(certificate)).first()
    if card is None:
        card = card_certificate_record(
            person=person,
            certificate=certificate,
            identity_check=identity_check,
            registrar=registrar,
            signing_certificate=signing_certificate,
        )
    elif card.user_id != person.pk or card.identity_check_id != identity_check.pk:
        raise errors.CardCertificateMismatch("the certificate is recorded for another issuance")
    return card_activate(card=card, registrar=registrar)


@transaction.atomic
def card_revoke(*, card: Card, reason: str, acting_user: Any) -> Card:
    """Revoke `card` now, for good; sign-in, the CRL and OCSP refuse it at once.

    Revoking a revoked card changes nothing and returns it as it is.
    """
    access_card_revoke(acting_user=acting_user, card=card)
    return _card_revoke_now(card=card, reason=reason, acting_user=acting_user)


@transaction.atomic
def card_abandon(*, card: Card) -> Card:
    """Revoke, as abandoned, a certificate the CA signed that nobody confirmed in time
    (the system acts: no person). Only a pending card is abandoned."""
    if card.status != CardStatus.PENDING:
        return card
    return _card_revoke_now(card=card, reason=CardRevocationReason.ABANDONED, acting_user=None)


def _card_revoke_now(*, card: Card, reason: str, acting_user: Any) -> Card:
    """The revocation itself, once the caller has checked who may revoke; audited."""
    reason = CardRevocationReason(reason)
    now = timezone.now()
    updated = (
        Card.objects.filter(pk=card.pk)
        .exclude(status=CardStatus.REVOKED)
        .update(status=CardStatus.REVOKED, revocation_reason=reason, revoked_at=now)
    )
    card.refresh_from_db()
    passkeys_revoke_for_card(card=card)
    if updated:
        _card_status_recorded(
            card=card,
            action="card.revoke",
            acting_user=acting_user,
            log="Card revoked",
            reason=str(reason),
            level=logging.WARNING,
        )
    return card


def _card_status_recorded(
    *,
    card: Card,
    action: str,
    acting_user: Any,
    log: str,
    reason: str | None = None,
    level: int = logging.INFO,
) -> None:
    """What follows every change of a card's status, in its transaction: the audit event,
    the CRL cache cleared now and again on commit (the CRL cached before the commit must
    not be served after it), and the security log."""
    detail = {"serial": card.serial_number} | ({"reason": reason} if reason else {})
    audit_record(
        acting_user=acting_user, action=action, target=card, subject_user=card.user, detail=detail
    )
    crl_cache_clear()
    transaction.on_commit(crl_cache_clear)
    security_logger.log(
        level,
        "%s: serial=%s person=%s by=%s%s",
        log,
        card.serial_number,
        card.user.public_id,
        acting_user.pk if acting_user is not None else "system",
        f" reason={reason}" if reason else "",
    )


def cards_pending_abandon(*, older_than: datetime.timedelta) -> int:
    """Revoke, as abandoned, every certificate still pending `older_than` after it was
    signed (the issuance's lifetime): its card was never confirmed. Returns how many."""
    cutoff = timezone.now() - older_than
    abandoned = 0
    for card in Card.objects.filter(status=CardStatus.PENDING, issued_at__lt=cutoff):
        card_abandon(card=card)
        abandoned += 1
    return abandoned


def card_declare_lost(*, user: User) -> Card:
    """The holder declares their active card lost: it is revoked as lost at once."""
    card = card_active_for(user)
    if card is None:
        raise errors.NoActiveCard
    return card_revoke(card=card, reason=CardRevocationReason.LOST, acting_user=user)


# --- Card sign-in ---------------------------------------------------------------------

SESSION_NONCE = "uniqc_card_nonce"
NONCE_LIFETIME = 5 * 60  # seconds
# Nonces a client IP address may ask for, and tokens it or one card may submit, in a
# window that opens with the first attempt.
CARD_NONCE_CLIENT_LIMIT = RateLimit("card-nonce-client", limit=30, window=5 * 60)
CARD_TOKEN_CLIENT_LIMIT = RateLimit("card-token-client", limit=20, window=15 * 60)
CARD_TOKEN_CARD_LIMIT = RateLimit("card-token-card", limit=10, window=15 * 60)


def _throttle(counted: list[tuple[RateLimit, str, str]], *, what: str, client_ip: str) -> None:
    """Count one attempt on each limit; refuse (and take the attempts back) if any is spent."""
    refused = attempts_count(counted)
    if refused is None:
        return
    security_logger.warning(
        "Card sign-in refused: code=card_sign_in_throttled what=%s limit=%s client_ip=%s "
        "retry_after=%ss",
        what,
        refused.reason,
        client_ip or "-",
        refused.retry_after,
    )
    raise errors.CardSignInThrottled(retry_after=refused.retry_after, reason=refused.reason)


def card_nonce_issue(*, session: SessionBase, client_ip: str) -> str:
    """A new sign-in nonce (32 random bytes, base64) bound to this browser session.

    It replaces any earlier one and is valid for NONCE_LIFETIME seconds, once.
    """
    _throttle(
        [(CARD_NONCE_CLIENT_LIMIT, client_ip or "-", "client")], what="nonce", client_ip=client_ip
    )
    nonce = base64.b64encode(secrets.token_bytes(32)).decode()
    session[SESSION_NONCE] = {"value": nonce, "created": time.time()}
    return nonce


def _nonce_take(session: SessionBase) -> str:
    """Remove this session's nonce and return it if it is still fresh and unused."""
    entry = session.pop(SESSION_NONCE, None)
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
        raise errors.NonceMissing("no nonce in this session")
    age = time.time() - float(entry.get("created", 0))
    if not 0 <= age <= NONCE_LIFETIME:
        raise errors.NonceExpired(f"nonce is {int(age)}s old")
    nonce = entry["value"]
    # Two requests carrying the same session at once could both read the nonce before
    # either saves the session; the cache lets only the first use it.
    used_key = "card-nonce-used:" + hashlib.sha256(nonce.encode()).hexdigest()
    if not cache.add(used_key, 1, timeout=NONCE_LIFETIME + 60):
        raise errors.NonceMissing("nonce already used")
    return nonce


def _certificate_key(token: str) -> str | None:
    """The SHA-256 of the token's certificate bytes, to count attempts per card."""
    try:
        value = json_parse(token, max_bytes=TOKEN_MAX_LENGTH).get("unverifiedCertificate")
        return hashlib.sha256(base64.b64decode(value, validate=True)).hexdigest()
    except (ValueError, TypeError, AttributeError, binascii.Error):
        return None


def card_token_authenticate(*, token: str, session: SessionBase, client_ip: str) -> Card:
    """The active card that signed this session's nonce for SITE_URL, or a refusal.

    The session's nonce is used up whatever the outcome. Attempts count against the
    client's and the card's limits; a success takes its attempts back.
    """
    counted = [(CARD_TOKEN_CLIENT_LIMIT, client_ip or "-", "client")]
    fingerprint = (
        _certificate_key(token)
        if isinstance(token, str) and len(token) <= TOKEN_MAX_LENGTH
        else None
    )
    if fingerprint:
        counted.append((CARD_TOKEN_CARD_LIMIT, fingerprint, "card"))
    try:
        _throttle(counted, what="token", client_ip=client_ip)
        nonce = _nonce_take(session)
        card = token_validate(token, nonce=nonce, origin=settings.SITE_URL)
    except errors.CardError as exc:
        session.pop(SESSION_NONCE, None)  # spent whatever the outcome
        if not isinstance(exc, errors.CardSignInThrottled):
            security_logger.warning(
                "Card sign-in refused: code=%s reason=%s client_ip=%s certificate=%s",
                exc.code,
                exc,
                client_ip or "-",
                fingerprint or "-",
            )
        raise
    for limit, key, _reason in counted:
        limit.unhit(key)
    security_logger.info(
        "Card sign-in: serial=%s holder=%s client_ip=%s",
        card.serial_number,
        card.user.public_id,
        client_ip or "-",
    )
    return card
