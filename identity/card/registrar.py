"""The registrar's pages at a partner branch: find a person, record the in-person identity
check, then personalise a card in the registrar's reader through the local card agent.

The issuance is bound to the identity check the registrar just recorded, in their session:
the certificate endpoint signs a certificate for that check's person only, keeps it in the
session, and the confirmation registers exactly that certificate (matched by fingerprint)
once the agent has written it to the card. A certificate issued but never confirmed is
registered nowhere: sign-in refuses it as an unknown card.
"""

import base64
import binascii
import datetime
import functools
import json
import logging
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from identity.card import errors
from identity.card.ca import card_certificate_issue
from identity.card.selectors import access_card_issue, card_active_for
from identity.card.services import card_register, identity_check_record
from identity.card.validation import certificate_fingerprint
from identity.models import Card, IdentityCheck, IdentityDocumentType, User

security_logger = logging.getLogger("identity.security")

SESSION_ISSUANCE = "uniqc_registrar_issuance"
# The card must be personalised while the person is still at the counter.
CHECK_LIFETIME = datetime.timedelta(minutes=30)
SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20
REQUEST_MAX_BYTES = 8_000


class IdentityCheckForm(forms.Form):
    document_type = forms.ChoiceField(
        label=gettext_lazy("Identity document"), choices=IdentityDocumentType.choices
    )
    document_last4 = forms.RegexField(
        label=gettext_lazy("Last four characters of the document number"),
        regex=r"^\s*[0-9A-Za-z]{4}\s*$",
        max_length=8,
        error_messages={"invalid": gettext_lazy("Enter exactly four letters or digits.")},
        help_text=gettext_lazy("Only these four characters are kept."),
    )
    branch = forms.CharField(label=gettext_lazy("Branch"), max_length=150)


def _registrar_required(view: Any) -> Any:
    """Signed in (else the sign-in page), then a registrar (else 403)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access_card_issue(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def _people_matching(query: str) -> QuerySet[User]:
    """Active people whose email or name contains `query`, for the registrar's search."""
    return (
        User.objects.annotate(name=Concat("given_name", Value(" "), "family_name"))
        .filter(
            Q(email__icontains=query)
            | Q(name__icontains=query)
            | Q(family_name__icontains=query)
            | Q(given_name__icontains=query),
            is_active=True,
        )
        .order_by("family_name", "given_name", "id")[:SEARCH_LIMIT]
    )


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def _json_body(request: HttpRequest) -> dict | None:
    if len(request.body) > REQUEST_MAX_BYTES:
        return None
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _issuance_check(request: HttpRequest, check_id: int) -> IdentityCheck | None:
    """The identity check this registrar recorded in this session, still fresh and unused."""
    issuance = request.session.get(SESSION_ISSUANCE)
    if not isinstance(issuance, dict) or issuance.get("check") != check_id:
        return None
    check = (
        IdentityCheck.objects.select_related("person", "registrar")
        .filter(pk=check_id, registrar=request.user)
        .first()
    )
    if check is None or timezone.now() - check.checked_at > CHECK_LIFETIME:
        return None
    return check


@never_cache
@require_GET
@_registrar_required
def registrar_search(request: HttpRequest) -> HttpResponse:
    """Step 1: find the person at the counter by email or name."""
    query = request.GET.get("q", "").strip()
    people = _people_matching(query) if len(query) >= SEARCH_MIN_LENGTH else None
    return render(
        request,
        "identity/card/registrar/search.html",
        {"query": query, "people": people, "min_length": SEARCH_MIN_LENGTH},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@_registrar_required
def registrar_person(request: HttpRequest, public_id: str) -> HttpResponse:
    """Step 2: the person's attributes, and the in-person check of their document."""
    person = get_object_or_404(User, public_id=public_id, is_active=True)
    if request.method == "POST":
        form = IdentityCheckForm(request.POST)
        if form.is_valid():
            try:
                check = identity_check_record(
                    person=person,
                    document_type=form.cleaned_data["document_type"],
                    document_last4=form.cleaned_data["document_last4"],
                    branch=form.cleaned_data["branch"],
                    registrar=request.user,
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                request.session[SESSION_ISSUANCE] = {"check": check.pk}
                return redirect("card:registrar_issue", check_id=check.pk)
    else:
        last_check = IdentityCheck.objects.filter(registrar=request.user).first()
        form = IdentityCheckForm(initial={"branch": last_check.branch if last_check else ""})
    return render(
        request,
        "identity/card/registrar/person.html",
        {
            "person": person,
            "active_card": card_active_for(person),
            "form": form,
        },
    )


@never_cache
@require_GET
@_registrar_required
def registrar_issue(request: HttpRequest, check_id: int) -> HttpResponse:
    """Step 3: personalise the card in the registrar's reader (the page's script does it)."""
    check = _issuance_check(request, check_id)
    if check is None:
        return render(request, "identity/card/registrar/expired.html", status=409)
    return render(
        request,
        "identity/card/registrar/issue.html",
        {
            "check": check,
            "person": check.person,
            "active_card": card_active_for(check.person),
            "agent_url": settings.CARD_AGENT_URL,
        },
    )


def _public_key_parse(value: Any) -> ec.EllipticCurvePublicKey | None:
    """The card's public key from PEM or base64 DER SubjectPublicKeyInfo, if it is ECC P-256."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if value.lstrip().startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(value.encode("ascii"))
        else:
            key = serialization.load_der_public_key(base64.b64decode(value, validate=True))
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError):
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return None
    if not isinstance(key.curve, ec.SECP256R1):
        return None
    return key


@never_cache
@require_POST
@_registrar_required
def registrar_certificate(request: HttpRequest, check_id: int) -> JsonResponse:
    """Sign a certificate for the key generated on the card, for this check's person.

    Nothing is registered yet: the certificate waits in the session for the confirmation.
    """
    check = _issuance_check(request, check_id)
    if check is None:
        return _json_error(
            "identity_check_missing",
            _("Record the identity check again: this one is missing, used or too old."),
            409,
        )
    body = _json_body(request)
    public_key = _public_key_parse(body.get("publicKey") if body else None)
    if public_key is None:
        return _json_error(
            "public_key_invalid", _("The card's key is not an ECC P-256 public key."), 400
        )
    try:
        certificate = card_certificate_issue(public_key=public_key, user=check.person)
    except errors.CardError as exc:  # the CA is not set up
        return _json_error(exc.code, str(exc.message), exc.status)
    der = certificate.public_bytes(serialization.Encoding.DER)
    fingerprint = certificate_fingerprint(certificate)
    request.session[SESSION_ISSUANCE] = {
        "check": check.pk,
        "certificate": base64.b64encode(der).decode("ascii"),
    }
    security_logger.info(
        "Card certificate issued, not registered yet: serial=%x person=%s registrar=%s",
        certificate.serial_number,
        check.person.public_id,
        request.user.pk,
    )
    return JsonResponse(
        {"certificate": base64.b64encode(der).decode("ascii"), "fingerprint": fingerprint}
    )


@never_cache
@require_POST
@_registrar_required
def registrar_confirm(request: HttpRequest, check_id: int) -> JsonResponse:
    """The agent wrote the certificate and the person set a PIN: register the card now.

    Only the certificate this session was issued is registered, named by its fingerprint;
    a confirmation repeated after success answers with the same card.
    """
    body = _json_body(request) or {}
    fingerprint = body.get("fingerprint")
    done = (
        Card.objects.filter(
            identity_check_id=check_id,
            identity_check__registrar=request.user,
            fingerprint_sha256=fingerprint,
        ).first()
        if isinstance(fingerprint, str)
        else None
    )
    if done is not None:
        return JsonResponse({"redirect": reverse("card:registrar_card", args=[done.pk])})
    check = _issuance_check(request, check_id)
    encoded = request.session.get(SESSION_ISSUANCE, {}).get("certificate") if check else None
    if check is None or not encoded:
        return _json_error(
            "identity_check_missing",
            _("Nothing to confirm: record the identity check and write the card again."),
            409,
        )
    certificate = x509.load_der_x509_certificate(base64.b64decode(encoded))
    if fingerprint != certificate_fingerprint(certificate):
        return _json_error(
            "certificate_mismatch",
            _("The card holds another certificate than the one issued here."),
            400,
        )
    try:
        card = card_register(
            person=check.person,
            certificate=certificate,
            identity_check=check,
            registrar=request.user,
        )
    except errors.CardError as exc:
        return _json_error(exc.code, str(exc.message), exc.status)
    request.session.pop(SESSION_ISSUANCE, None)
    return JsonResponse({"redirect": reverse("card:registrar_card", args=[card.pk])})


@never_cache
@require_GET
@_registrar_required
def registrar_card(request: HttpRequest, card_id: int) -> HttpResponse:
    """Step 4: the card record, as the coop keeps it."""
    card = get_object_or_404(
        Card.objects.select_related("user", "issued_by", "identity_check"), pk=card_id
    )
    return render(request, "identity/card/registrar/card.html", {"card": card})
