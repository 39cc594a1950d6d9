"""Who may do what with a signature request, and reads that carry rules. Each access_*
raises, one condition per line, each tested on its own
(identity/tests/signing/test_access.py)."""

import hmac
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from identity.assurance import level_satisfies
from identity.card.selectors import card_active_for
from identity.models import (
    Card,
    OidcClient,
    OidcConsent,
    SignatureRequest,
    SignatureRequestStatus,
    User,
)
from identity.oidc.subjects import subject_for
from identity.signing import errors

SIGNATURE_REQUESTS_SCOPE = "signature_requests"
# Signing with the card's key carries legal weight: the session must be at least this.
SIGNING_ASSURANCE = "substantial"


def access_signature_requests_api(*, client: OidcClient, scopes: frozenset[str]) -> None:
    """A service uses the API with a client-credentials token granted the scope."""
    if not client.is_active:
        raise errors.ScopeMissing()
    if SIGNATURE_REQUESTS_SCOPE not in scopes:
        raise errors.ScopeMissing()


def access_signature_request_address(*, client: OidcClient, person: User) -> None:
    """A service asks a person to sign only if they granted it the scope at sign-in."""
    consent = OidcConsent.objects.filter(user=person, client=client).first()
    if consent is None:
        raise errors.ConsentMissing()
    if SIGNATURE_REQUESTS_SCOPE not in consent.claims_granted:
        raise errors.ConsentMissing()
    if not person.is_active:
        raise errors.ConsentMissing()


def access_signature_request_of_client(
    *, client: OidcClient, request: SignatureRequest | None
) -> SignatureRequest:
    """A service reaches only its own requests (another's is "not found")."""
    if request is None:
        raise errors.RequestNotFound()
    if request.client_id != client.pk:
        raise errors.RequestNotFound()
    return request


def access_signature_request_view(*, user: Any, request: SignatureRequest) -> None:
    """Only the person asked sees a request (anyone else: "not found")."""
    if not getattr(user, "is_authenticated", False):
        raise errors.RequestNotFound()
    if not user.is_active:
        raise errors.RequestNotFound()
    if request.person_id != user.pk:
        raise errors.RequestNotFound()


def access_signature_request_sign(
    *, user: Any, request: SignatureRequest, assurance: str | None
) -> None:
    """The person asked, signed in at SIGNING_ASSURANCE or above, while it is pending."""
    access_signature_request_view(user=user, request=request)
    if not level_satisfies(assurance, SIGNING_ASSURANCE):
        raise errors.SigningAccessDenied()
    if request.status != SignatureRequestStatus.PENDING:
        raise errors.RequestNotPending()


def signing_card_for(*, user: Any, certificate: x509.Certificate) -> Card:
    """The person's active card whose signing (9C) certificate is `certificate`."""
    card = card_active_for(user)
    if card is None:
        raise errors.NoSigningCard()
    if not card.has_signing_key:
        raise errors.NoSigningCard()
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    if not hmac.compare_digest(card.signing_fingerprint_sha256, fingerprint):
        raise errors.CertificateNotSigning()
    return card


def person_for_subject(*, client: OidcClient, sub: str) -> User | None:
    """The person `client` knows as `sub`, among those who signed in to it (a pairwise
    subject is not reversible: each consenting person's subject is computed)."""
    consents = OidcConsent.objects.filter(client=client).select_related("user")
    for consent in consents.iterator():
        if hmac.compare_digest(subject_for(user=consent.user, client=client), sub):
            return consent.user
    return None
