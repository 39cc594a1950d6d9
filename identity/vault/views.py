"""The person's vault pages under /coffre/: their documents by kind (and what waits for
their signature), one document with its shares and history, the journal of every access,
and the export of everything. Thin: the rules are in selectors, the writes in services."""

import datetime
import mimetypes
from collections import OrderedDict
from typing import Any
from uuid import UUID

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.templatetags.qc import datetime_qc
from identity.models import (
    VaultAccess,
    VaultAction,
    VaultActorKind,
    VaultDocument,
    VaultDocumentKind,
)
from identity.vault import errors
from identity.vault.forms import VaultShareForm
from identity.vault.selectors import (
    signature_requests_pending_for,
    vault_document_history,
    vault_document_of,
    vault_documents_of,
    vault_log_for,
    vault_rotations_for,
    vault_share_of,
    vault_shares_of,
)
from identity.vault.services import (
    vault_document_delete,
    vault_document_open,
    vault_export,
    vault_share_grant,
    vault_share_revoke,
)

LOG_PAGE_SIZE = 50

# Shown in the browser rather than downloaded: types a browser renders without running
# anything of ours (with nosniff, a text/plain file stays text).
INLINE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)


def _document(request: HttpRequest, public_id: UUID) -> VaultDocument:
    try:
        return vault_document_of(owner=request.user, public_id=public_id)
    except errors.VaultDocumentNotFound:
        raise Http404 from None


def source_label(document: VaultDocument) -> str:
    """Who the document came from, as the person reads it."""
    if document.source_client is not None:
        return document.source_client.name
    if document.source_app:
        try:
            return str(apps.get_app_config(document.source_app).verbose_name)
        except LookupError:
            return document.source_app
    return _("Uniqc Coop")


def _signing_url(public_id: UUID) -> str | None:
    # The signing pages are another part's (identity.signing): link to them once they exist.
    try:
        return reverse("signing:request", args=[public_id])
    except NoReverseMatch:
        return None


@login_required
@never_cache
@require_GET
def vault_home(request: HttpRequest) -> HttpResponse:
    """The person's documents, grouped by kind in a fixed order, and those to sign."""
    documents = list(vault_documents_of(owner=request.user))
    by_kind: OrderedDict[str, dict[str, Any]] = OrderedDict(
        (kind, {"kind": kind, "label": label, "documents": []})
        for kind, label in VaultDocumentKind.choices
    )
    for document in documents:
        document.source_label = source_label(document)
        by_kind[document.kind]["documents"].append(document)
    to_sign = list(signature_requests_pending_for(person=request.user, now=timezone.now()))
    for signature_request in to_sign:
        signature_request.sign_url = _signing_url(signature_request.public_id)
    return render(
        request,
        "identity/vault/home.html",
        {
            "groups": [group for group in by_kind.values() if group["documents"]],
            "document_count": len(documents),
            "to_sign": to_sign,
        },
    )


def _document_page(
    request: HttpRequest,
    document: VaultDocument,
    *,
    form: VaultShareForm | None = None,
    status: int = 200,
) -> HttpResponse:
    document.source_label = source_label(document)
    now = timezone.now()
    if form is None and not document.is_deleted:
        form = VaultShareForm(owner=request.user)
    history = vault_document_history(document=document)
    for entry in history:
        _entry_describe(entry)
    return render(
        request,
        "identity/vault/document.html",
        {
            "document": document,
            "shares": vault_shares_of(document=document, now=now),
            "share_form": form,
            "can_share": form is not None and form.fields["client"].queryset.exists(),
            "history": history,
            "retained": document.keep_until is not None and now < document.keep_until,
            "inline": document.content_type in INLINE_TYPES,
        },
        status=status,
    )


@login_required
@never_cache
@require_GET
def vault_document(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """One document: what it is, where it came from, who it is shared with, its history."""
    return _document_page(request, _document(request, public_id))


def _content_response(request: HttpRequest, public_id: UUID, *, action: str) -> HttpResponse:
    document = _document(request, public_id)
    try:
        content = vault_document_open(document=document, actor_user=request.user, action=action)
    except errors.VaultDocumentDeleted:
        raise Http404 from None
    response = HttpResponse(content, content_type=document.content_type)
    extension = mimetypes.guess_extension(document.content_type) or ".bin"
    filename = (slugify(document.title)[:80] or "document") + extension
    response["Content-Disposition"] = content_disposition_header(
        action == VaultAction.DOWNLOAD, filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def vault_document_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The document as a file to save; logged as a download."""
    return _content_response(request, public_id, action=VaultAction.DOWNLOAD)


@login_required
@require_GET
def vault_document_view(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The document shown in the browser when it can show it safely, else downloaded;
    logged as a view."""
    document = _document(request, public_id)
    if document.content_type not in INLINE_TYPES:
        return redirect("vault:download", public_id=public_id)
    return _content_response(request, public_id, action=VaultAction.VIEW)


@login_required
@never_cache
@require_POST
def vault_document_share(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Share the document with one of the person's connected services, for the time
    they chose."""
    document = _document(request, public_id)
    form = VaultShareForm(request.POST, owner=request.user)
    if not form.is_valid():
        return _document_page(request, document, form=form, status=400)
    try:
        share = vault_share_grant(
            document=document,
            client=form.cleaned_data["client"],
            expires_at=form.expires_at(),
            acting_user=request.user,
        )
    except errors.VaultError as error:
        form.add_error(None, str(error))
        return _document_page(request, document, form=form, status=400)
    messages.success(
        request,
        _("%(service)s can read this document until %(date)s.")
        % {
            "service": share.client.name,
            "date": datetime_qc(timezone.localtime(share.expires_at)),
        },
    )
    return redirect("vault:document", public_id=public_id)


@login_required
@never_cache
@require_POST
def vault_document_unshare(request: HttpRequest, public_id: UUID, share_id: int) -> HttpResponse:
    """End a share now."""
    document = _document(request, public_id)
    try:
        share = vault_share_of(owner=request.user, share_id=share_id)
    except errors.VaultDocumentNotFound:
        raise Http404 from None
    if share.document_id != document.pk:
        raise Http404
    vault_share_revoke(share=share, acting_user=request.user)
    messages.success(
        request, _("%(service)s can no longer read this document.") % {"service": share.client.name}
    )
    return redirect("vault:document", public_id=public_id)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def vault_document_delete_view(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Ask, then delete: the file and its key are erased, the row stays for the journal."""
    document = _document(request, public_id)
    if document.is_deleted:
        return redirect("vault:document", public_id=public_id)
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        retained = document.keep_until is not None and timezone.now() < document.keep_until
        return render(
            request,
            "identity/vault/delete_confirm.html",
            {"document": document, "retained": retained},
        )
    try:
        vault_document_delete(document=document, acting_user=request.user)
    except errors.VaultRetention as error:
        messages.error(request, str(error))
        return redirect("vault:document", public_id=public_id)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": document.title})
    return redirect("vault:home")


def _when(text: Any) -> datetime.datetime | None:
    value = parse_datetime(text) if isinstance(text, str) else None
    return timezone.localtime(value) if value is not None else None


def _entry_describe(entry: VaultAccess) -> None:
    """Set `who` and `note` on a log row, for the journal and a document's history."""
    if entry.actor_kind == VaultActorKind.CLIENT:
        entry.who = entry.actor_client.name
    else:
        entry.who = entry.get_actor_kind_display()
    detail = entry.detail or {}
    entry.note = ""
    if entry.action == VaultAction.SHARE:
        until = _when(detail.get("expires_at"))
        entry.note = _("with %(service)s until %(date)s") % {
            "service": detail.get("client_name", ""),
            "date": datetime_qc(until) if until else "—",
        }
    elif entry.action == VaultAction.UNSHARE:
        entry.note = _("from %(service)s") % {"service": detail.get("client_name", "")}


@login_required
@never_cache
@require_GET
def vault_log(request: HttpRequest) -> HttpResponse:
    """Every deposit, view, download, share, unshare, deletion and export of the person's
    documents, newest first, by page; key rotations folded into one line per day."""
    page = Paginator(vault_log_for(owner=request.user), LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for entry in page.object_list:
        _entry_describe(entry)
    return render(
        request,
        "identity/vault/log.html",
        {"page": page, "rotations": vault_rotations_for(owner=request.user)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def vault_export_view(request: HttpRequest) -> HttpResponse:
    """GET says what the export holds; POST sends the zip as it is made."""
    if request.method == "GET":
        return render(
            request,
            "identity/vault/export.html",
            {"document_count": vault_documents_of(owner=request.user).count()},
        )
    stream = vault_export(owner=request.user)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    filename = f"coffre-uniqc-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
