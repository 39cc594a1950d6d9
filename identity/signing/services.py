"""Signature requests and their signing with the card (ADR 0011, "Signing a PDF").

A request comes from a service (with the person's consent) or from the person for a PDF
of their own. Signing is two steps around the card: `signing_session_start` prepares the
signature and keeps what the card must sign in a SigningSession (the prepared PDF sealed
with the vault's keys); `signature_request_sign` takes the card's signature. It locks the
request then the session, re-reads, checks the signature and releases the locks; makes
the PAdES or CAdES signature with no row locked (our TSA and OCSP, in-process) and checks
the result with our own verification; then locks again, re-reads and stores it. A retry
finds the request signed and returns it; two at once store one document.
"""

import datetime
import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from cryptography import x509
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from identity.audit import audit_record
from identity.models import (
    OidcClaimRelease,
    OidcClient,
    SignatureMode,
    SignatureRequest,
    SignatureRequestStatus,
    SigningSession,
    User,
    VaultDocumentKind,
)
from identity.models.signing import SIGNING_SESSION_SECONDS
from identity.models.webhooks import ClientWebhookEvent
from identity.signing import errors
from identity.signing.cades import PreparedCades, cades_finish, cades_prepare
from identity.signing.lock_objects import signature_request_lock, signing_session_lock
from identity.signing.pades import Prepared, pades_finish, pades_prepare, signature_check
from identity.signing.selectors import (
    access_signature_request_address,
    access_signature_request_sign,
    access_signature_request_view,
    signing_card_for,
)
from identity.signing.verification import SignatureReport, cades_verify, signatures_verify
from identity.vault.services import (
    vault_blob_open,
    vault_blob_seal,
    vault_document_deposit,
    vault_document_open,
)
from identity.webhooks import client_webhook_send

REQUEST_LIFETIME_DEFAULT = datetime.timedelta(days=7)
REQUEST_LIFETIME_MAX = datetime.timedelta(days=30)
OWN_REQUEST_LIFETIME = datetime.timedelta(days=1)
SIGNED_DOCUMENT_CLAIM = "signed_document"
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class RequestInput:
    """A service's request, checked field by field by the API."""

    title: str
    message: str
    pdf: bytes | None
    document_sha256: str | None
    expires_in: datetime.timedelta
    disclose_name_allowed: bool


@dataclass(frozen=True)
class Started:
    """What the page script hands the card agent."""

    session: SigningSession
    signed_attributes: bytes
    document_digest: bytes
    title: str


def pdf_check(pdf: bytes) -> None:
    """DocumentTooLarge or DocumentInvalid unless `pdf` is a PDF we can read and sign."""
    if len(pdf) > settings.SIGNING_PDF_MAX_BYTES:
        raise errors.DocumentTooLarge()
    if not pdf.startswith(PDF_MAGIC):
        raise errors.DocumentInvalid("not a PDF")
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        encrypted = reader.encrypted
        reader.root  # noqa: B018 - reads the catalogue now, so a broken file fails here
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise errors.DocumentInvalid(f"unreadable PDF: {exc}") from exc
    if encrypted:
        raise errors.DocumentInvalid("encrypted PDF")


def _same_request(request: SignatureRequest, given: RequestInput, sha256: str) -> bool:
    return (
        request.title == given.title
        and request.message == given.message
        and request.document_sha256 == sha256
        and request.disclose_name_allowed == given.disclose_name_allowed
    )


def signature_request_create(
    *, client: OidcClient, person: User, given: RequestInput, idempotency_key: str
) -> tuple[SignatureRequest, bool]:
    """Ask `person` to sign, for `client` (who holds their consent): the PDF goes into
    their vault as a document to sign, or only its digest is kept. Returns the request and
    whether it is new; the same key with the same request returns the first one."""
    access_signature_request_address(client=client, person=person)
    if given.pdf is not None:
        pdf_check(given.pdf)
        sha256 = hashlib.sha256(given.pdf).hexdigest()
    else:
        sha256 = given.document_sha256 or ""
    existing = SignatureRequest.objects.filter(
        client=client, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        if not _same_request(existing, given, sha256) or existing.person_id != person.pk:
            raise errors.IdempotencyConflict()
        return existing, False
    try:
        with transaction.atomic():
            document = None
            if given.pdf is not None:
                document = vault_document_deposit(
                    owner=person,
                    kind=VaultDocumentKind.DOCUMENT_TO_SIGN,
                    title=given.title,
                    content=given.pdf,
                    content_type="application/pdf",
                    source_client=client,
                )
            request = SignatureRequest(
                client=client,
                person=person,
                title=given.title,
                message=given.message,
                mode=SignatureMode.PADES if document else SignatureMode.CADES_DIGEST,
                document=document,
                document_sha256=sha256,
                disclose_name_allowed=given.disclose_name_allowed,
                expires_at=timezone.now() + given.expires_in,
                idempotency_key=idempotency_key,
            )
            request.full_clean(validate_constraints=False)
            request.save()
            audit_record(
                acting_user=None,
                action="signing.request_create",
                target=request,
                subject_user=person,
                detail={"client": client.client_id, "mode": request.mode},
            )
    except IntegrityError:
        # The same key sent twice at once: the first one's request.
        existing = SignatureRequest.objects.get(client=client, idempotency_key=idempotency_key)
        if not _same_request(existing, given, sha256):
            raise errors.IdempotencyConflict() from None
        return existing, False
    return request, True


def signature_request_own_create(*, person: User, pdf: bytes, title: str) -> SignatureRequest:
    """The person's own PDF to sign (/coffre/signer/): in their vault, to sign within a day."""
    pdf_check(pdf)
    with transaction.atomic():
        document = vault_document_deposit(
            owner=person,
            kind=VaultDocumentKind.DOCUMENT_TO_SIGN,
            title=title,
            content=pdf,
            content_type="application/pdf",
            source_app="signing",
            acting_user=person,
        )
        request = SignatureRequest(
            client=None,
            person=person,
            title=title,
            mode=SignatureMode.PADES,
            document=document,
            document_sha256=document.sha256,
            expires_at=timezone.now() + OWN_REQUEST_LIFETIME,
        )
        request.full_clean(validate_constraints=False)
        request.save()
    return request


def _associated(session: SigningSession) -> bytes:
    return b"signing-session:" + str(session.public_id).encode()


def signing_session_start(
    *, request: SignatureRequest, user: Any, assurance: str | None, certificate: x509.Certificate
) -> Started:
    """Prepare `request` for `certificate` (the 9C certificate of the person's active card):
    a new session replaces an unused one; what the card must sign is returned."""
    access_signature_request_sign(user=user, request=request, assurance=assurance)
    card = signing_card_for(user=user, certificate=certificate)
    prepared: Prepared | PreparedCades
    if request.mode == SignatureMode.PADES:
        pdf = vault_document_open(document=request.document, actor_user=user)
        prepared = pades_prepare(pdf=pdf, certificate=certificate, title=request.title)
        content = prepared.prepared_pdf
    else:
        prepared = cades_prepare(
            digest=bytes.fromhex(request.document_sha256), certificate=certificate
        )
        content = b""
    now = timezone.now()
    with transaction.atomic():
        request = signature_request_lock(request_id=request.pk)
        access_signature_request_sign(user=user, request=request, assurance=assurance)
        SigningSession.objects.filter(request=request, used_at__isnull=True).delete()
        session = SigningSession(
            request=request,
            card=card,
            document_digest=prepared.document_digest,
            reserved_start=getattr(prepared, "reserved_start", 0),
            reserved_end=getattr(prepared, "reserved_end", 0),
            signed_attributes=prepared.signed_attributes,
            created_at=now,
            expires_at=now + datetime.timedelta(seconds=SIGNING_SESSION_SECONDS),
        )
        session.prepared_blob = vault_blob_seal(data=content, associated=_associated(session))
        session.full_clean(validate_constraints=False)
        session.save()
    return Started(
        session=session,
        signed_attributes=prepared.signed_attributes,
        document_digest=prepared.document_digest,
        title=request.title,
    )


def _session_check(session: SigningSession, now: datetime.datetime) -> None:
    if session.used_at is not None:
        raise errors.SessionInvalid()
    if session.expires_at <= now:
        raise errors.SessionInvalid()


def _request_check(request: SignatureRequest, now: datetime.datetime) -> None:
    if request.status != SignatureRequestStatus.PENDING:
        raise errors.RequestNotPending()
    if request.expires_at <= now:
        raise errors.RequestNotPending()


def _signed_make(
    request: SignatureRequest, session: SigningSession, signature: bytes, content: bytes
) -> tuple[bytes, SignatureReport]:
    """The signed PDF or CMS and our own report on it; never returned unless it verifies."""
    certificate = x509.load_der_x509_certificate(bytes(session.card.signing_certificate_der))
    if request.mode == SignatureMode.PADES:
        prepared = Prepared(
            prepared_pdf=content,
            document_digest=bytes(session.document_digest),
            reserved_start=session.reserved_start,
            reserved_end=session.reserved_end,
            signed_attributes=bytes(session.signed_attributes),
        )
        signed = pades_finish(prepared=prepared, signature=signature, certificate=certificate)
        reports = signatures_verify(pdf=signed, client=None)
        report = reports[-1] if reports else None
    else:
        prepared_cades = PreparedCades(
            document_digest=bytes(session.document_digest),
            signed_attributes=bytes(session.signed_attributes),
        )
        signed = cades_finish(prepared=prepared_cades, signature=signature, certificate=certificate)
        report = cades_verify(cms=signed, digest=bytes.fromhex(request.document_sha256))
    if report is None or not report.valid or report.level != "B-LT" or report.problems:
        raise errors.SignedDocumentUnverified()
    return signed, report


def signature_request_sign(
    *,
    request: SignatureRequest,
    user: Any,
    assurance: str | None,
    session_public_id: Any,
    signature: bytes,
    disclose_name: bool,
) -> SignatureRequest:
    """Sign `request` with the card's `signature` over the session's signed attributes;
    the signed document goes to the person's vault and the service hears of it."""
    now = timezone.now()
    with transaction.atomic():
        locked = signature_request_lock(request_id=request.pk)
        try:
            session = signing_session_lock(request=locked, session_public_id=session_public_id)
        except SigningSession.DoesNotExist:
            raise errors.SessionInvalid() from None
        if locked.status == SignatureRequestStatus.SIGNED and session.used_at is not None:
            return locked  # a retry of the finish that signed it
        access_signature_request_sign(user=user, request=locked, assurance=assurance)
        _request_check(locked, now)
        _session_check(session, now)
        if not session.card.is_active:
            raise errors.CertificateNotGood()
        if disclose_name and not locked.disclose_name_allowed:
            raise errors.DisclosureNotAllowed()
        certificate = x509.load_der_x509_certificate(bytes(session.card.signing_certificate_der))
        signature_check(
            certificate=certificate,
            signed_attributes=bytes(session.signed_attributes),
            signature=signature,
        )
        content = vault_blob_open(
            blob=bytes(session.prepared_blob), associated=_associated(session)
        )
    # No row locked: our TSA and OCSP, pyHanko, our own verification.
    signed, report = _signed_make(locked, session, signature, content)
    with transaction.atomic():
        locked = signature_request_lock(request_id=request.pk)
        session = signing_session_lock(request=locked, session_public_id=session_public_id)
        if locked.status == SignatureRequestStatus.SIGNED:
            return locked  # the other of two finishes at once stored it
        _request_check(locked, timezone.now())
        _session_check(session, timezone.now())
        return _signed_store(locked, session, signed, report, user, disclose_name)


def _signed_store(
    request: SignatureRequest,
    session: SigningSession,
    signed: bytes,
    report: SignatureReport,
    user: Any,
    disclose_name: bool,
) -> SignatureRequest:
    pades = request.mode == SignatureMode.PADES
    document = vault_document_deposit(
        owner=request.person,
        kind=VaultDocumentKind.SIGNED_DOCUMENT,
        title=request.title,
        content=signed,
        content_type="application/pdf" if pades else "application/pkcs7-signature",
        source_client=request.client,
        source_app="" if request.client else "signing",
        acting_user=user,
    )
    now = timezone.now()
    session.used_at = now
    session.save(update_fields=["used_at"])
    request.status = SignatureRequestStatus.SIGNED
    request.signed_document = document
    request.card = session.card
    request.signed_at = report.signed_at
    request.disclose_name = disclose_name
    request.closed_at = now
    request.full_clean(validate_constraints=False)
    request.save()
    if request.client is not None:
        release = OidcClaimRelease(
            user=request.person,
            client=request.client,
            claims=[SIGNED_DOCUMENT_CLAIM],
            detail={"document": str(document.public_id)},
            released_at=now,
        )
        release.full_clean()
        release.save()
        client_webhook_send(
            client=request.client,
            event_type=ClientWebhookEvent.SIGNATURE_REQUEST_SIGNED,
            subject=str(request.public_id),
            data={"id": str(request.public_id), "signed_at": report.signed_at.isoformat()},
        )
    return request


def _close(
    request: SignatureRequest, status: str, event: str, now: datetime.datetime
) -> SignatureRequest:
    request.status = status
    request.closed_at = now
    request.save(update_fields=["status", "closed_at", "updated_at"])
    SigningSession.objects.filter(request=request, used_at__isnull=True).delete()
    if request.client is not None:
        client_webhook_send(
            client=request.client,
            event_type=event,
            subject=str(request.public_id),
            data={"id": str(request.public_id), "status": status},
        )
    return request


def signature_request_decline(*, request: SignatureRequest, user: Any) -> SignatureRequest:
    """The person declines; the service hears of it. Declining again changes nothing."""
    with transaction.atomic():
        locked = signature_request_lock(request_id=request.pk)
        access_signature_request_view(user=user, request=locked)
        if locked.status == SignatureRequestStatus.DECLINED:
            return locked
        _request_check(locked, timezone.now())
        return _close(
            locked,
            SignatureRequestStatus.DECLINED,
            ClientWebhookEvent.SIGNATURE_REQUEST_DECLINED,
            timezone.now(),
        )


def signature_request_cancel(*, request: SignatureRequest, client: OidcClient) -> SignatureRequest:
    """The service withdraws its pending request (repeatable); a signed one stays signed."""
    with transaction.atomic():
        locked = signature_request_lock(request_id=request.pk)
        if locked.client_id != client.pk:
            raise errors.RequestNotFound()
        if locked.status == SignatureRequestStatus.CANCELLED:
            return locked
        if locked.status != SignatureRequestStatus.PENDING:
            raise errors.RequestNotPending()
        audit_record(
            acting_user=None,
            action="signing.request_cancel",
            target=locked,
            subject_user=locked.person,
            detail={"client": client.client_id},
        )
        return _close(
            locked,
            SignatureRequestStatus.CANCELLED,
            ClientWebhookEvent.SIGNATURE_REQUEST_CANCELLED,
            timezone.now(),
        )


def signature_requests_expire(*, now: datetime.datetime | None = None) -> int:
    """Close every pending request past its expiry (the beat task); returns how many."""
    now = now or timezone.now()
    ids = list(
        SignatureRequest.objects.filter(
            status=SignatureRequestStatus.PENDING, expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    expired = 0
    for request_id in ids:
        with transaction.atomic():
            locked = signature_request_lock(request_id=request_id)
            if locked.status != SignatureRequestStatus.PENDING or locked.expires_at > now:
                continue
            _close(
                locked,
                SignatureRequestStatus.EXPIRED,
                ClientWebhookEvent.SIGNATURE_REQUEST_EXPIRED,
                now,
            )
            expired += 1
    return expired
