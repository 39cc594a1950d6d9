"""The registrar's issuance of a card, step by step, bound to the registrar's session.

1. `issuance_check_record`: the registrar records the in-person identity check; the
   issuance is bound to it in the session, for CHECK_LIFETIME.
2. `issuance_challenge`: a random challenge for the card, kept in the session with the
   check. The card generates its two keys, slot 9A (sign-in) and slot 9C (document
   signatures), then signs the challenge with each new key (GENERAL AUTHENTICATE over
   `possession_digest(challenge, slot)`, a digest bound to the slot): proof that both keys
   to be certified are on the card at the counter.
3. `issuance_certificates_sign`: both proofs are checked against the submitted public keys
   before the CA signs anything; both certificates are recorded at once on one `pending`
   card (on hold for relying parties), or neither is; any earlier pending certificate of
   the same check is revoked as superseded.
4. `issuance_confirm`: once the agent wrote the certificates and the person set their PIN,
   the pending card (named by its sign-in certificate's fingerprint) becomes the person's
   active card.

A card issued before slot 9C existed gets its signature key at the counter on a new
identity check, without a new card: `card_signing_key_add` (the card proves with its
active 9A key that it is that card, and with the new 9C key that it holds it).

A pending certificate not confirmed within CHECK_LIFETIME of its signing is revoked as
abandoned (at confirmation, at the next issuance, and by a Celery beat task every ten
minutes).
"""

import base64
import binascii
import datetime
import hashlib
import secrets
import time
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from card_agent.piv import SLOT_AUTHENTICATION, SLOT_SIGNATURE
from card_agent.webeid import possession_digest
from identity.card import errors
from identity.card.ca import card_certificate_issue, card_signing_certificate_issue
from identity.card.selectors import access_card_issue_to, card_active_for
from identity.card.services import (
    card_abandon,
    card_activate,
    card_certificate_record,
    card_revoke,
    card_signing_certificate_record,
    cards_pending_abandon,
    identity_check_record,
)
from identity.models import Card, CardRevocationReason, CardStatus, IdentityCheck, User

SESSION_ISSUANCE = "uniqc_registrar_issuance"
# The card must be personalised while the person is still at the counter.
CHECK_LIFETIME = datetime.timedelta(minutes=30)
CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME = 5 * 60  # seconds: generating a key and signing take moments
PUBLIC_KEY_MAX_LENGTH = 1_000
PROOF_MAX_LENGTH = 200
PSEUDONYM_BYTES = 16  # the 9C certificate's subject: 32 hex digits, random per certificate


def issuance_check_record(
    *,
    session: SessionBase,
    person: User,
    document_type: str,
    document_last4: str,
    branch: str,
    registrar: Any,
) -> IdentityCheck:
    """Record the identity check and bind this session's issuance to it."""
    check = identity_check_record(
        person=person,
        document_type=document_type,
        document_last4=document_last4,
        branch=branch,
        registrar=registrar,
    )
    session[SESSION_ISSUANCE] = {"check": check.pk}
    return check


def issuance_check(*, session: SessionBase, check_id: int, registrar: Any) -> IdentityCheck:
    """The identity check this registrar recorded in this session, still fresh and unused,
    of a person they may still issue to; IdentityCheckMissing otherwise."""
    issuance = session.get(SESSION_ISSUANCE)
    if not isinstance(issuance, dict) or issuance.get("check") != check_id:
        raise errors.IdentityCheckMissing("no issuance for this check in the session")
    check = (
        IdentityCheck.objects.select_related("person", "registrar")
        .filter(pk=check_id, registrar=registrar)
        .first()
    )
    if check is None:
        raise errors.IdentityCheckMissing("the check is not this registrar's")
    if timezone.now() - check.checked_at > CHECK_LIFETIME:
        raise errors.IdentityCheckMissing("the check is too old")
    access_card_issue_to(registrar=registrar, person=check.person)
    return check


def issuance_challenge(*, session: SessionBase, check_id: int, registrar: Any) -> str:
    """A new proof-of-possession challenge (base64 of 32 random bytes) for this check,
    replacing any earlier one; it is used once, within CHALLENGE_LIFETIME."""
    check = issuance_check(session=session, check_id=check_id, registrar=registrar)
    challenge = base64.b64encode(secrets.token_bytes(CHALLENGE_BYTES)).decode("ascii")
    session[SESSION_ISSUANCE] = {
        **session[SESSION_ISSUANCE],
        "check": check.pk,
        "challenge": challenge,
        "challenge_created": time.time(),
    }
    return challenge


def public_key_parse(value: Any) -> ec.EllipticCurvePublicKey:
    """The card's public key from PEM or base64 DER SubjectPublicKeyInfo, if ECC P-256."""
    if not isinstance(value, str) or not value or len(value) > PUBLIC_KEY_MAX_LENGTH:
        raise errors.PublicKeyInvalid("no public key")
    try:
        if value.lstrip().startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(value.encode("ascii"))
        else:
            key = serialization.load_der_public_key(base64.b64decode(value, validate=True))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        raise errors.PublicKeyInvalid("not a public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise errors.PublicKeyInvalid("not an ECC key")
    if not isinstance(key.curve, ec.SECP256R1):
        raise errors.PublicKeyInvalid("not P-256")
    return key


def _challenge_take(session: SessionBase) -> bytes:
    """Remove this session's challenge and return its bytes if it is still fresh."""
    issuance = session.get(SESSION_ISSUANCE) or {}
    challenge = issuance.pop("challenge", None)
    created = issuance.pop("challenge_created", 0)
    session[SESSION_ISSUANCE] = issuance
    if not isinstance(challenge, str):
        raise errors.ChallengeMissing("no challenge in this session")
    if not 0 <= time.time() - float(created) <= CHALLENGE_LIFETIME:
        raise errors.ChallengeMissing("the challenge is too old")
    # Two requests carrying the same session at once could both read the challenge before
    # either saves the session; the cache lets only the first use it.
    used_key = "card-issuance-challenge-used:" + hashlib.sha256(challenge.encode()).hexdigest()
    if not cache.add(used_key, 1, timeout=CHALLENGE_LIFETIME + 60):
        raise errors.ChallengeMissing("the challenge was already used")
    return base64.b64decode(challenge)


def possession_verify(
    *,
    public_key: ec.EllipticCurvePublicKey,
    challenge: bytes,
    proof: Any,
    slot: int = SLOT_AUTHENTICATION,
) -> None:
    """Raise unless `proof` (base64 DER ECDSA) is the card's signature, with the private
    key of `public_key`, of `possession_digest(challenge, slot)`: a proof made for one
    slot never stands for the other."""
    if proof is None or proof == "":
        raise errors.ProofMissing("no proof of possession")
    if not isinstance(proof, str) or len(proof) > PROOF_MAX_LENGTH:
        raise errors.ProofInvalid("the proof is not a base64 signature")
    try:
        signature = base64.b64decode(proof, validate=True)
    except (binascii.Error, ValueError):
        raise errors.ProofInvalid("the proof is not base64") from None
    try:
        public_key.verify(
            signature,
            possession_digest(challenge, slot),
            ec.ECDSA(Prehashed(hashes.SHA256())),
        )
    except (InvalidSignature, ValueError):
        raise errors.ProofInvalid("the signature does not verify") from None


def _signing_key_parse(signing_public_key: Any, key: ec.EllipticCurvePublicKey) -> Any:
    """The slot 9C public key, which must be another key than the 9A `key`."""
    signing_key = public_key_parse(signing_public_key)
    if signing_key == key:
        raise errors.SigningKeyReused("the same key for both slots")
    return signing_key


def _pseudonym() -> str:
    return secrets.token_hex(PSEUDONYM_BYTES)


@transaction.atomic
def issuance_certificates_sign(
    *,
    session: SessionBase,
    check_id: int,
    public_key: Any,
    proof: Any,
    signing_public_key: Any,
    signing_proof: Any,
    registrar: Any,
) -> Card:
    """Certify the card's two new keys for this check's person, once the card proved it
    holds each (`proof` by the 9A key, `signing_proof` by the 9C key, over the one
    challenge); both certificates are recorded at once on one pending card, or neither.

    The 9C certificate names a random pseudonym (ADR 0011, decision 2). The session's
    challenge is spent whatever the outcome. Earlier pending certificates of this check
    are revoked as superseded.
    """
    check = issuance_check(session=session, check_id=check_id, registrar=registrar)
    if Card.objects.filter(identity_check=check, status=CardStatus.ACTIVE).exists():
        raise errors.IdentityCheckMissing("a card was already issued on this check")
    key = public_key_parse(public_key)
    signing_key = _signing_key_parse(signing_public_key, key)
    challenge = _challenge_take(session)
    possession_verify(public_key=key, challenge=challenge, proof=proof)
    possession_verify(
        public_key=signing_key, challenge=challenge, proof=signing_proof, slot=SLOT_SIGNATURE
    )
    cards_pending_abandon(older_than=CHECK_LIFETIME)
    for earlier in Card.objects.filter(identity_check=check, status=CardStatus.PENDING):
        card_revoke(card=earlier, reason=CardRevocationReason.REPLACED, acting_user=registrar)
    certificate = card_certificate_issue(public_key=key, user=check.person)
    signing_certificate = card_signing_certificate_issue(
        public_key=signing_key, pseudonym=_pseudonym()
    )
    card = card_certificate_record(
        person=check.person,
        certificate=certificate,
        identity_check=check,
        registrar=registrar,
        signing_certificate=signing_certificate,
    )
    session[SESSION_ISSUANCE] = {"check": check.pk, "card": card.pk}
    return card


@transaction.atomic
def card_signing_key_add(
    *,
    session: SessionBase,
    check_id: int,
    proof: Any,
    signing_public_key: Any,
    signing_proof: Any,
    registrar: Any,
) -> Card:
    """Give the person's active card, issued before slot 9C existed, a signature key, on
    this new identity check: the card proves with its certified 9A key (`proof`) that it
    is that card, and with the new 9C key (`signing_proof`, same challenge) that it holds
    it; then the CA certifies the 9C key and the card row gets it (audited).

    The session's challenge is spent whatever the outcome, the identity check on success.
    """
    check = issuance_check(session=session, check_id=check_id, registrar=registrar)
    card = card_active_for(check.person)
    if card is None or card.has_signing_key:
        raise errors.SigningKeyNotAddable("no active card without a signing key")
    card_key = x509.load_der_x509_certificate(bytes(card.certificate_der)).public_key()
    signing_key = _signing_key_parse(signing_public_key, card_key)
    challenge = _challenge_take(session)
    possession_verify(public_key=card_key, challenge=challenge, proof=proof)
    possession_verify(
        public_key=signing_key, challenge=challenge, proof=signing_proof, slot=SLOT_SIGNATURE
    )
    signing_certificate = card_signing_certificate_issue(
        public_key=signing_key, pseudonym=_pseudonym()
    )
    card = card_signing_certificate_record(
        card=card, signing_certificate=signing_certificate, registrar=registrar
    )
    session.pop(SESSION_ISSUANCE, None)  # the check is spent, as by a confirmed card
    return card


def issuance_confirmed(*, check_id: int, fingerprint: Any, registrar: Any) -> Card | None:
    """The card already activated on this check under `fingerprint`, if any: a repeated
    confirmation answers with it."""
    if not isinstance(fingerprint, str):
        return None
    return Card.objects.filter(
        identity_check_id=check_id,
        identity_check__registrar=registrar,
        fingerprint_sha256=fingerprint,
        status=CardStatus.ACTIVE,
    ).first()


def issuance_confirm(
    *, session: SessionBase, check_id: int, fingerprint: Any, registrar: Any
) -> Card:
    """The agent wrote the certificate and the person set a PIN: activate the card this
    session's certificate request recorded, named by its fingerprint.

    A certificate pending longer than CHECK_LIFETIME is revoked as abandoned instead (in
    its own transaction: the refusal must not undo it).
    """
    check = issuance_check(session=session, check_id=check_id, registrar=registrar)
    card_id = session[SESSION_ISSUANCE].get("card")
    card = (
        Card.objects.select_related("user").filter(pk=card_id, identity_check=check).first()
        if isinstance(card_id, int)
        else None
    )
    if card is None:
        raise errors.IdentityCheckMissing("no certificate was issued in this session")
    if fingerprint != card.fingerprint_sha256:
        raise errors.CertificateNotPending("the card holds another certificate")
    if card.status == CardStatus.PENDING and timezone.now() - card.issued_at > CHECK_LIFETIME:
        card_abandon(card=card)
        session.pop(SESSION_ISSUANCE, None)
        raise errors.IssuanceExpired("the certificate was not confirmed in time")
    card = card_activate(card=card, registrar=registrar)
    session.pop(SESSION_ISSUANCE, None)
    return card
