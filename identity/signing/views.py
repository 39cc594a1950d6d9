"""The person's signing pages: a request to sign (the document, the card button), the
JSON steps the page script takes around the card agent, the person's own PDF to sign,
and the public verification page."""

import base64
import binascii
from typing import Any
from uuid import UUID

from cryptography import x509
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.jsonin import JsonInputError, json_parse
from identity.assurance import level_satisfies, session_assurance
from identity.models import SignatureMode, SignatureRequest, SignatureRequestStatus
from identity.ratelimit import RateLimit, client_ip
from identity.signing import errors
from identity.signing.selectors import SIGNING_ASSURANCE, access_signature_request_view
from identity.signing.services import (
    signature_request_decline,
    signature_request_own_create,
    signature_request_sign,
    signing_session_start,
)
from identity.signing.verification import signatures_verify
from identity.vault.services import vault_document_open

STEP_BODY_MAX_BYTES = 8 * 1024
VERIFY_PAGE_LIMIT = RateLimit("signature-verify-page", limit=30, window=10 * 60)


def _request_of(request: HttpRequest, public_id: UUID) -> SignatureRequest:
    found = (
        SignatureRequest.objects.select_related("client", "document", "signed_document")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    try:
        access_signature_request_view(user=request.user, request=found)
    except errors.RequestNotFound:
        raise Http404 from None
    return found


def _refusal(error: errors.SigningError) -> JsonResponse:
    return JsonResponse({"error": error.code, "message": str(error)}, status=error.status)


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise errors.SigningError(_("Send JSON."))
    try:
        return json_parse(request.body, max_bytes=STEP_BODY_MAX_BYTES)
    except JsonInputError as exc:
        raise errors.SigningError(exc.message) from exc


def _base64_field(body: dict[str, Any], name: str, *, maximum: int) -> bytes:
    value = body.get(name)
    if not isinstance(value, str) or len(value) > maximum:
        raise errors.SigningError(_("The field %(name)s is missing or too long.") % {"name": name})
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.SigningError(_("The field %(name)s is not base64.") % {"name": name}) from exc


@login_required
@never_cache
@require_GET
def signature_request_page(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The document to sign (or its digest), who asks and why, and the card button."""
    signature_request = _request_of(request, public_id)
    assurance_ok = level_satisfies(session_assurance(request), SIGNING_ASSURANCE)
    return render(
        request,
        "identity/signing/request.html",
        {
            "signature_request": signature_request,
            "pades": signature_request.mode == SignatureMode.PADES,
            "pending": signature_request.status == SignatureRequestStatus.PENDING,
            "assurance_ok": assurance_ok,
            "sign_in_url": reverse("identity:login") + "?next=" + request.get_full_path(),
            "agent_url": settings.CARD_AGENT_URL,
        },
    )


@login_required
@never_cache
@xframe_options_sameorigin
@require_GET
def signature_request_document(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The PDF to sign, for the page's frame: inline, this site's frames only."""
    signature_request = _request_of(request, public_id)
    document = signature_request.document
    if signature_request.status == SignatureRequestStatus.SIGNED:
        document = signature_request.signed_document
    if document is None or document.content_type != "application/pdf":
        raise Http404
    content = vault_document_open(document=document, actor_user=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
@csrf_protect
@require_POST
def signing_prepare(request: HttpRequest, public_id: UUID) -> JsonResponse:
    """Step 1, after the agent gave the signing certificate: what the card must sign."""
    signature_request = _request_of(request, public_id)
    try:
        body = _body(request)
        der = _base64_field(body, "certificate", maximum=8000)
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise errors.CertificateNotSigning() from exc
        started = signing_session_start(
            request=signature_request,
            user=request.user,
            assurance=session_assurance(request),
            certificate=certificate,
        )
    except errors.SigningError as error:
        return _refusal(error)
    return JsonResponse(
        {
            "session": str(started.session.public_id),
            "signedAttributes": base64.b64encode(started.signed_attributes).decode(),
            "documentDigest": base64.b64encode(started.document_digest).decode(),
            "title": started.title,
        }
    )


@login_required
@never_cache
@csrf_protect
@require_POST
def signing_finish(request: HttpRequest, public_id: UUID) -> JsonResponse:
    """Step 2, with the card's signature: sign, store, and say where to go."""
    signature_request = _request_of(request, public_id)
    try:
        body = _body(request)
        signature = _base64_field(body, "signature", maximum=200)
        session = body.get("session")
        try:
            session_id = UUID(str(session))
        except ValueError as exc:
            raise errors.SessionInvalid() from exc
        disclose_name = body.get("discloseName", False)
        if not isinstance(disclose_name, bool):
            raise errors.SigningError(_("discloseName is true or false."))
        signed = signature_request_sign(
            request=signature_request,
            user=request.user,
            assurance=session_assurance(request),
            session_public_id=session_id,
            signature=signature,
            disclose_name=disclose_name,
        )
    except errors.SigningError as error:
        return _refusal(error)
    messages.success(request, _("Signed. The signed document is in your safe."))
    return JsonResponse(
        {
            "status": signed.status,
            "redirect": reverse("vault:document", args=[signed.signed_document.public_id]),
        }
    )


@login_required
@never_cache
@require_POST
def signature_request_decline_view(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The person declines to sign; the service is told."""
    signature_request = _request_of(request, public_id)
    try:
        signature_request_decline(request=signature_request, user=request.user)
    except errors.SigningError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("You declined to sign this document."))
    return redirect("signing:request", public_id=public_id)


class OwnDocumentForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    document = forms.FileField(label=gettext_lazy("PDF document"))

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        if upload.size > settings.SIGNING_PDF_MAX_BYTES:
            raise forms.ValidationError(errors.DocumentTooLarge.message)
        return upload.read()


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def signing_own(request: HttpRequest) -> HttpResponse:
    """Upload a PDF of one's own, then read and sign it on the request page."""
    form = OwnDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = signature_request_own_create(
                person=request.user,
                pdf=form.cleaned_data["document"],
                title=form.cleaned_data["title"],
            )
        except errors.SigningError as error:
            form.add_error("document", str(error))
        else:
            return redirect("signing:request", public_id=created.public_id)
    return render(
        request,
        "identity/signing/own.html",
        {"form": form, "max_bytes": settings.SIGNING_PDF_MAX_BYTES},
        status=400 if form.errors else 200,
    )


class VerifyForm(forms.Form):
    document = forms.FileField(label=gettext_lazy("Signed PDF"))

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        if upload.size > settings.SIGNING_PDF_MAX_BYTES:
            raise forms.ValidationError(errors.DocumentTooLarge.message)
        return upload.read()


@never_cache
@require_http_methods(["GET", "POST"])
def signing_verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a signed PDF: each signature's integrity, trust, time and card."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    reports = None
    status = 200
    if request.method == "POST" and form.is_valid():
        if not VERIFY_PAGE_LIMIT.take(client_ip(request)):
            form.add_error(None, _("Too many checks from here; try again in a few minutes."))
            status = 429
        else:
            try:
                reports = signatures_verify(pdf=form.cleaned_data["document"], client=None)
            except errors.SigningError as error:
                form.add_error("document", str(error))
    if form.errors and status == 200:
        status = 400
    return render(
        request, "identity/signing/verify.html", {"form": form, "reports": reports}, status=status
    )
