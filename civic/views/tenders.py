"""Sealed tenders under /ville/appels-d-offres/: the pages (the calls, a call with its public
board, a new call, the suppliers' representatives, the official's ceremony and the opening)
and the JSON endpoints the page scripts call (problem+json errors with a stable code).
Thin: authorise (civic/tender_access.py), parse, call one service, answer."""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic import tender_crypto as tc
from civic import tenders as services
from civic.models import Bid, SupplierRepresentative, TenderCall
from civic.tender_access import (
    KEYED,
    PERMISSION_ADMINISTER,
    access_supplier_approve,
    access_tender_administer,
    access_tender_call,
    access_tender_official,
    access_tender_opened_bids,
    access_tender_parameters,
    access_tender_record,
)
from civic.tender_errors import (
    BidInvalid,
    BidMalformed,
    BidTooLarge,
    OfficialMessageInvalid,
    OfficialMessageMalformed,
    OfficialMessageTooLarge,
    TenderError,
)
from civic.tender_forms import RepresentativeForm, TenderCallForm
from core.jsonin import JsonInputError, json_parse
from core.problems import PROBLEM_CONTENT_TYPE, problem_body
from identity.assurance import session_assurance, session_card_id

MAX_OFFICIAL_MESSAGE_BYTES = 4 * 1024 * 1024
BOARD_SIZE = 500


def _problem(error: TenderError) -> JsonResponse:
    body = problem_body(status=error.status, code=error.code, detail=str(error.message))
    if isinstance(error, BidInvalid | OfficialMessageInvalid):
        body["path"] = error.path
        body["reason"] = error.reason
    return JsonResponse(body, status=error.status, content_type=PROBLEM_CONTENT_TYPE)


def _json_endpoint(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """A refusal of the tender rules becomes its problem document; so does a visitor."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except TenderError as error:
            return _problem(error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _not_signed_in() -> JsonResponse:
    return JsonResponse(
        problem_body(status=403, code="not_authenticated", detail=_("Sign in first.")),
        status=403,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _call(public_id: Any) -> TenderCall:
    return get_object_or_404(TenderCall, public_id=public_id)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


# --- Pages ----------------------------------------------------------------------------------


@require_GET
def tender_list(request: HttpRequest) -> HttpResponse:
    """The calls for tenders: open ones first, then those closed and opened."""
    calls = TenderCall.objects.filter(status__in=KEYED).order_by("-deadline")
    user = request.user
    context = {
        "calls": calls,
        "is_official": user.is_authenticated and user.has_perm(PERMISSION_ADMINISTER),
        "officialships": (
            user.tender_officials.select_related("call").order_by("-call__created_at")
            if user.is_authenticated
            else []
        ),
    }
    return render(request, "civic/tenders/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def tender_create(request: HttpRequest) -> HttpResponse:
    """A tender official creates a call (a draft, until its key ceremony)."""
    try:
        access_tender_administer(request.user)
    except TenderError as error:
        raise PermissionDenied(error.message) from error
    form = TenderCallForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            documents = [(data["document_title"], data["document"])] if data["document"] else []
            try:
                call = services.tender_call_create(
                    reference=data["reference"],
                    title=data["title"],
                    description=data["description"],
                    deadline=data["deadline"],
                    threshold=data["threshold"],
                    officials=list(data["officials"]),
                    documents=documents,
                    acting_user=request.user,
                )
            except TenderError as error:
                form.add_error(None, error.message)
            except Exception as error:  # a ValidationError from the call's full_clean
                if not hasattr(error, "messages"):
                    raise
                form.add_error(None, error)
            else:
                messages.success(request, _("The call is created; start its key ceremony."))
                return redirect("civic:tender_detail", public_id=call.public_id)
        status = 400
    return render(request, "civic/tenders/create.html", {"form": form}, status=status)


@require_GET
def tender_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    """A call: its documents, deadline and public board, and what the visitor may do."""
    call = _call(public_id)
    try:
        access_tender_call(request.user, call)
    except TenderError as error:
        raise Http404 from error
    user = request.user
    mandates = []
    official = None
    if user.is_authenticated:
        mandates = list(
            SupplierRepresentative.objects.filter(person=user, revoked_at__isnull=True)
            .select_related("supplier")
            .order_by("supplier__legal_name")
        )
        official = call.officials.filter(person=user).first()
    board = call.bids.order_by("position").only(
        "position", "receipt_hash", "received_at", "superseded_by"
    )[:BOARD_SIZE]
    context = {
        "call": call,
        "documents": call.documents.order_by("id"),
        "officials": call.officials.select_related("person").order_by("index"),
        "board": board,
        "final": call.checkpoints.filter(is_final=True).first(),
        "accepts_bids": services.tender_accepts_bids(call),
        "mandates": mandates,
        "assurance": session_assurance(request),
        "official": official,
        "is_administrator": user.is_authenticated and user.has_perm(PERMISSION_ADMINISTER),
        "max_bytes": settings.TENDER_BID_MAX_BYTES,
        "step_up_url": f"{reverse('card_login:sign_in')}?{urlencode({'next': request.path})}",
    }
    response = render(request, "civic/tenders/detail.html", context)
    return _private(response) if user.is_authenticated else response


@require_POST
@login_required
def tender_ceremony_start(request: HttpRequest, public_id: Any) -> HttpResponse:
    call = _call(public_id)
    try:
        services.tender_ceremony_start(call=call, acting_user=request.user)
    except TenderError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The officials can now make the call’s key."))
    return redirect("civic:tender_detail", public_id=call.public_id)


@require_http_methods(["GET", "POST"])
@login_required
def suppliers(request: HttpRequest) -> HttpResponse:
    """A tender official approves suppliers' representatives, and sees who is approved."""
    try:
        access_supplier_approve(request.user)
    except TenderError as error:
        raise PermissionDenied(error.message) from error
    form = RepresentativeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.supplier_representative_approve(
                    neq=form.cleaned_data["neq"],
                    legal_name=form.cleaned_data["legal_name"],
                    person=form.cleaned_data["email"],
                    acting_user=request.user,
                )
            except TenderError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("The representative is approved."))
                return redirect("civic:tender_suppliers")
        status = 400
    mandates = (
        SupplierRepresentative.objects.filter(revoked_at__isnull=True)
        .select_related("supplier", "person")
        .order_by("supplier__legal_name", "pk")
    )
    return render(
        request, "civic/tenders/suppliers.html", {"form": form, "mandates": mandates}, status=status
    )


@require_GET
@login_required
def official_page(request: HttpRequest, public_id: Any) -> HttpResponse:
    """An official's ceremony and opening page: the ballot's trustee.js, unchanged."""
    call = _call(public_id)
    try:
        official = access_tender_official(request.user, call)
    except TenderError as error:
        raise PermissionDenied(error.message) from error
    names = {
        "cle": "tender_official_key",
        "distribution": "tender_official_deal",
        "verification": "tender_official_check",
        "melange": "tender_official_opening",  # never asked: a call has no mix phase
        "depouillement": "tender_official_opening",
    }
    urls = {key: reverse(f"civic:{name}", args=[call.public_id]) for key, name in names.items()}
    return _private(
        render(
            request,
            "civic/tenders/official.html",
            {
                "call": call,
                "official": official,
                "count": call.officials.count(),
                "phase": services.official_phase(call, official),
                "post_urls": json.dumps(urls),
            },
        )
    )


@require_GET
@login_required
def opening(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The opened bids, for the call's officials: who bid, and each file to download."""
    call = _call(public_id)
    try:
        access_tender_opened_bids(request.user, call)
    except TenderError as error:
        raise PermissionDenied(error.message) from error
    opening_record = call.record.record["opening"]
    bids = [
        {"bid": bid, "opened": bid.position in opening_record["opened"]}
        for bid in call.bids.filter(superseded_by__isnull=True)
        .select_related("supplier")
        .order_by("position")
    ]
    return _private(render(request, "civic/tenders/opening.html", {"call": call, "bids": bids}))


@require_GET
@login_required
def opened_bid(request: HttpRequest, public_id: Any, position: int) -> HttpResponse:
    """One opened bid's file (decrypted now, never stored in clear), for the officials."""
    call = _call(public_id)
    bid = get_object_or_404(Bid.objects.select_related("supplier"), call=call, position=position)
    try:
        contents = services.bid_contents(call=call, bid=bid, acting_user=request.user)
    except TenderError as error:
        raise PermissionDenied(error.message) from error
    except tc.BidUnopenable as error:  # listed as not opened: the bidder's fault
        raise Http404 from error
    response = HttpResponse(contents, content_type="application/octet-stream")
    filename = f"{call.reference}-{bid.position}-{bid.supplier.neq}.bin"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


# --- JSON: parameters, bids, the record -----------------------------------------------------


@require_GET
@_json_endpoint
def parameters(request: HttpRequest, public_id: Any) -> JsonResponse:
    """The manifest, its fingerprint and the call's key: what a bid is encrypted with."""
    call = access_tender_parameters(request.user, _call(public_id))
    return JsonResponse(
        {
            "manifest": call.manifest,
            "fingerprint": call.fingerprint,
            "public_key": call.public_key,
            "status": call.status,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_POST
@_json_endpoint
def bid_post(request: HttpRequest, public_id: Any) -> JsonResponse:
    """A sealed bid: multipart, `bid` (the JSON of docs/tender-record.md section 4) and
    `ciphertext` (the file); answers 201 with its receipt."""
    if not request.user.is_authenticated:
        return _not_signed_in()
    call = _call(public_id)
    upload = request.FILES.get("ciphertext")
    if upload is None or "bid" not in request.POST:
        raise BidMalformed()
    if upload.size > settings.TENDER_BID_MAX_BYTES:
        raise BidTooLarge()
    bid = services.bid_parse(request.POST["bid"].encode())
    made = services.bid_submit(
        call=call,
        bid=bid,
        ciphertext=upload.read(),
        user=request.user,
        acr=session_assurance(request),
        card_id=session_card_id(request),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return JsonResponse(services.bid_receipt(made), status=201)


@require_GET
@_json_endpoint
def record(request: HttpRequest, public_id: Any) -> JsonResponse:
    """The opening record (docs/tender-record.md, section 8), once the bids are opened."""
    call = access_tender_record(request.user, _call(public_id))
    response = JsonResponse(call.record.record, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="dossier-{call.public_id}.json"'
    return response


# --- JSON: the official's state and messages (the trustee page's endpoints) ------------------


@require_GET
@_json_endpoint
def official_state(request: HttpRequest, public_id: Any) -> JsonResponse:
    """Everything the trustee page needs for the official's next step, in the election's
    shapes (docs/election-record.md section 13), with `election_id` the call's id."""
    if not request.user.is_authenticated:
        return _not_signed_in()
    call = _call(public_id)
    official = access_tender_official(request.user, call)
    phase = services.official_phase(call, official)
    officials = call.officials.select_related("person").order_by("index")
    return _private(
        JsonResponse(
            {
                "phase": phase,
                "index": official.index,
                "threshold": call.threshold,
                "trustees": [
                    {
                        "index": o.index,
                        "name": o.person.get_full_name() or o.person.email,
                        "transport_key": o.transport_key or None,
                    }
                    for o in officials
                ],
                "election_id": call.eid,
                "fingerprint": call.fingerprint,
                "manifest": call.manifest,
                "public_key": call.public_key or None,
                "received": services.shares_received(call, official) if phase == "check" else [],
                "mix": None,
                "decrypt": services.opening_task(call) if phase == "decrypt" else None,
            },
            json_dumps_params={"ensure_ascii": False},
        )
    )


def _official_message(request: HttpRequest) -> dict:
    try:
        return json_parse(
            request.read(MAX_OFFICIAL_MESSAGE_BYTES + 1),
            max_bytes=MAX_OFFICIAL_MESSAGE_BYTES,
            max_depth=services.MAX_JSON_DEPTH,
        )
    except JsonInputError as error:
        if error.code == "json_too_large":
            raise OfficialMessageTooLarge() from error
        raise OfficialMessageMalformed() from error


def _official_post(handler: Callable[[TenderCall, dict, Any], None]) -> Callable[..., Any]:
    @require_POST
    @_json_endpoint
    def view(request: HttpRequest, public_id: Any) -> JsonResponse:
        if not request.user.is_authenticated:
            return _not_signed_in()
        call = _call(public_id)
        access_tender_official(request.user, call)
        body = _official_message(request)
        try:
            handler(call, body, request.user)
        except KeyError as error:
            raise OfficialMessageInvalid(str(error.args[0]), "is missing") from error
        call.refresh_from_db()
        return JsonResponse({"status": call.status}, status=201)

    view.__name__ = handler.__name__
    return view


official_key = _official_post(
    lambda c, body, user: services.official_key_post(
        call=c, key=body["key"], proof=body["proof"], acting_user=user
    )
)
official_deal = _official_post(
    lambda c, body, user: services.official_deal_post(
        call=c, commitments=body["commitments"], shares=body["shares"], acting_user=user
    )
)
official_check = _official_post(
    lambda c, body, user: services.official_check_post(
        call=c,
        verification_key=body.get("verification_key"),
        complaint=body.get("complaint"),
        acting_user=user,
    )
)
official_opening = _official_post(
    lambda c, body, user: services.official_opening_post(
        call=c, tally=body["tally"], mixed=body["mixed"], acting_user=user
    )
)
