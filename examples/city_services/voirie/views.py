import json
import logging
from uuid import UUID

import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from joserfc.errors import JoseError

from voirie.citizens import citizen_from_session, citizen_sign_in, citizen_sign_out
from voirie.errors import ReportNotAllowedError
from voirie.forms import PermitForm, ReportForm
from voirie.payables import PayablesUnavailable, signature_verify
from voirie.selectors import permits_of, reports_of, tickets_of
from voirie.services import (
    permit_apply,
    permit_event_apply,
    permit_send,
    report_file,
    ticket_event_apply,
    ticket_issue_demo,
    ticket_send,
)
from voirie.signatures import SignaturesUnavailable
from voirie.tenders import (
    OPENED,
    TenderUnavailable,
    call_fetch,
    call_url,
    calls_list,
    record_fetch,
    record_summarise,
    record_url,
)
from voirie.uniqc import ID_TOKEN_CLAIMS_OPTIONS, callback_url, post_logout_url, uniqc

log = logging.getLogger(__name__)

# What can go wrong between the callback and a verified identity: an error answer from
# Uniqc, a state that does not match, a bad signature or claim, Uniqc unreachable.
SIGN_IN_ERRORS = (AuthlibBaseError, JoseError, requests.RequestException, KeyError)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if "state" in request.GET:
        return _signed_out(request)
    citizen = citizen_from_session(request)
    context = {"reports": reports_of(citizen)[:50] if citizen else []}
    return render(request, "voirie/home.html", context)


def _signed_out(request: HttpRequest) -> HttpResponse:
    """Uniqc sent the browser back after RP-initiated logout, with the state we gave it."""
    try:
        uniqc.validate_logout_response(request)
    except AuthlibBaseError:
        log.warning("post-logout redirect with an unknown state")
    else:
        messages.success(request, _("You are signed out, here and on Uniqc."))
    return redirect("voirie:home")


@require_GET
def sign_in(request: HttpRequest) -> HttpResponse:
    """Send the browser to Uniqc's authorization endpoint (code flow, PKCE, state, nonce)."""
    try:
        return uniqc.authorize_redirect(request, callback_url())
    except requests.RequestException:
        log.exception("Uniqc's discovery document is out of reach")
        return _sign_in_failed(request, status=503)


@never_cache
@require_GET
def auth_callback(request: HttpRequest) -> HttpResponse:
    """Check Uniqc's answer, verify the ID token, read the released claims, sign in."""
    if request.GET.get("error") == "access_denied":
        messages.info(request, _("Sign-in cancelled: you did not share your information."))
        return redirect("voirie:home")
    if request.GET.get("iss", settings.UNIQC_ISSUER) != settings.UNIQC_ISSUER:
        # RFC 9207: an answer naming another issuer is a mix-up attack.
        log.warning("authorization response from issuer %r", request.GET["iss"])
        return _sign_in_failed(request, status=400)
    try:
        token = uniqc.authorize_access_token(request, claims_options=ID_TOKEN_CLAIMS_OPTIONS)
        id_claims = token["userinfo"]
        claims = uniqc.userinfo(token=token)
    except SIGN_IN_ERRORS as error:
        log.warning("sign-in with Uniqc failed: %r", error)
        return _sign_in_failed(request, status=400)
    if claims.get("sub") != id_claims["sub"]:
        # OIDC Core 5.3.2: userinfo about anyone else must not be used.
        log.warning("userinfo sub differs from the ID token's")
        return _sign_in_failed(request, status=400)
    citizen_sign_in(request, claims=claims, id_token=token["id_token"])
    return redirect("voirie:home")


def _sign_in_failed(request: HttpRequest, *, status: int) -> HttpResponse:
    return render(request, "voirie/sign_in_failed.html", status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out here, then ask Uniqc to end its session and send the browser back."""
    id_token = citizen_sign_out(request)
    if id_token is None:
        return redirect("voirie:home")
    try:
        return uniqc.logout_redirect(
            request, post_logout_redirect_uri=post_logout_url(), id_token_hint=id_token
        )
    except requests.RequestException:
        log.exception("Uniqc's discovery document is out of reach")
        messages.warning(
            request, _("You are signed out here, but Uniqc could not be reached to sign you out.")
        )
        return redirect("voirie:home")


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    citizen = citizen_from_session(request)
    if citizen is None:
        return redirect("voirie:sign_in")
    form = ReportForm(request.POST or None, citizen=citizen)
    if request.method == "POST" and form.is_valid():
        try:
            report = report_file(citizen=citizen, **form.cleaned_data)
        except ReportNotAllowedError:
            form.add_error("category", _("You may not file this kind of report."))
        else:
            messages.success(
                request,
                _("Report %(reference)s received. Thank you!") % {"reference": report.reference},
            )
            return redirect("voirie:home")
    return render(request, "voirie/report_new.html", {"form": form})


# --- Tickets paid through Uniqc --------------------------------------------------------


@never_cache
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    """The citizen's tickets: what is owed, the link and code to pay it at Uniqc, paid."""
    citizen = citizen_from_session(request)
    if citizen is None:
        return redirect("voirie:sign_in")
    context = {
        "tickets": tickets_of(citizen)[:50],
        "payments_ready": bool(settings.CITY_WEBHOOK_SECRET),
    }
    return render(request, "voirie/tickets.html", context)


@require_POST
def ticket_demo(request: HttpRequest) -> HttpResponse:
    """Issue a demonstration ticket to the signed-in citizen, payable through Uniqc."""
    citizen = citizen_from_session(request)
    if citizen is None:
        return redirect("voirie:sign_in")
    try:
        ticket = ticket_issue_demo(citizen=citizen)
    except PayablesUnavailable as error:
        log.warning("Uniqc did not create the payable: %s", error)
        messages.warning(
            request, _("The ticket is issued, but Uniqc could not be reached to collect it yet.")
        )
    else:
        messages.success(
            request, _("Ticket %(reference)s issued.") % {"reference": ticket.reference}
        )
    return redirect("voirie:tickets")


@require_POST
def ticket_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask Uniqc again for a ticket's payable (same idempotency key: never two)."""
    citizen = citizen_from_session(request)
    if citizen is None:
        return redirect("voirie:sign_in")
    ticket = tickets_of(citizen).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    try:
        ticket_send(ticket=ticket)
    except PayablesUnavailable as error:
        log.warning("Uniqc did not create the payable: %s", error)
        messages.warning(request, _("Uniqc could not be reached; try again later."))
    return redirect("voirie:tickets")


@csrf_exempt
@require_POST
def uniqc_webhook(request: HttpRequest) -> HttpResponse:
    """Uniqc's signed events: checked on the raw body before anything is read from it."""
    header = request.headers.get("Uniqc-Signature", "")
    if not signature_verify(header, request.body, settings.CITY_WEBHOOK_SECRET):
        log.warning("webhook with a bad signature refused")
        return HttpResponse(status=400)
    try:
        event = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    if not isinstance(event, dict):
        return HttpResponse(status=400)
    if str(event.get("type", "")).startswith("signature_request."):
        try:
            permit_event_apply(event=event)
        except SignaturesUnavailable as error:
            # The signed PDF could not be fetched yet: Uniqc retries a failed delivery.
            log.warning("the signed permit application could not be fetched: %s", error)
            return HttpResponse(status=503)
    else:
        ticket_event_apply(event=event)
    return HttpResponse(status=204)


# --- Permit applications signed with the card, through Uniqc ------------------------------


def _signature_problem(error: SignaturesUnavailable) -> str:
    if error.code == "consent_missing":
        return _(
            "Uniqc says you have not allowed this service to ask for your signature: "
            "sign out, sign in again and allow it."
        )
    return _("Uniqc could not be reached; try again later.")


@never_cache
@require_http_methods(["GET", "POST"])
def permits(request: HttpRequest) -> HttpResponse:
    """Ask for a permit to occupy the road; the citizen's applications and their status."""
    citizen = citizen_from_session(request)
    if citizen is None:
        return redirect("voirie:sign_in")
    form = PermitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            permit = permit_apply(citizen=citizen, **form.cleaned_data)
        except SignaturesUnavailable as error:
            log.warning("Uniqc did not create the signature request: %s", error)
            messages.warning(request, _signature_problem(error))
        else:
            messages.success(
                request,
                _("Application %(reference)s made: sign it with your card on Uniqc.")
                % {"reference": permit.reference},
            )
        return redirect("voirie:permits")
    context = {
        "form": form,
        "permits": permits_of(citizen)[:50],
        "signatures_ready": bool(settings.CITY_WEBHOOK_SECRET),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "voirie/permits.html", context, status=status)


@require_POST
def permit_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask Uniqc again for an application's signature (same idempotency key: never two)."""
    citizen = citizen_from_session(request)
    if citizen is None:
        return redirect("voirie:sign_in")
    permit = permits_of(citizen).filter(pk=pk).first()
    if permit is None:
        raise Http404
    try:
        permit_send(permit=permit)
    except SignaturesUnavailable as error:
        log.warning("Uniqc did not create the signature request: %s", error)
        messages.warning(request, _signature_problem(error))
    return redirect("voirie:permits")


@never_cache
@require_GET
def permit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen's own application as a PDF: the signed one once Uniqc gave it."""
    citizen = citizen_from_session(request)
    if citizen is None:
        return redirect("voirie:sign_in")
    permit = permits_of(citizen).filter(pk=pk).first()
    if permit is None:
        raise Http404
    signed = permit.signed_pdf is not None
    response = HttpResponse(
        bytes(permit.signed_pdf if signed else permit.application_pdf),
        content_type="application/pdf",
    )
    suffix = "-signee" if signed else ""
    response["Content-Disposition"] = f'attachment; filename="{permit.reference}{suffix}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Calls for tenders, read from Uniqc --------------------------------------------------


@require_GET
def tenders(request: HttpRequest) -> HttpResponse:
    """The city's calls for tenders as Uniqc publishes them; public, like the calls."""
    return render(request, "voirie/tenders.html", {"calls": calls_list()})


@require_GET
def tender_opening(request: HttpRequest, call_id: UUID) -> HttpResponse:
    """An opened call's public opening record, downloaded from Uniqc and summarised."""
    if call_id not in settings.CITY_TENDER_CALLS:
        raise Http404
    try:
        call = call_fetch(call_id)
        record = record_fetch(call_id) if call.get("status") == OPENED else None
    except TenderUnavailable as error:
        log.warning("Uniqc did not give the call or its record: %s", error)
        return render(request, "voirie/tender_opening.html", {"unavailable": True}, status=503)
    context = {
        "manifest": call.get("manifest") if isinstance(call.get("manifest"), dict) else {},
        "status": call.get("status"),
        "summary": record_summarise(record) if record is not None else None,
        "call_url": call_url(call_id),
        "record_url": record_url(call_id),
    }
    return render(request, "voirie/tender_opening.html", context)
