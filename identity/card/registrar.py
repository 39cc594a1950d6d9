"""The registrar's pages at a partner branch: find a person, record the in-person identity
check, then personalise a card in the registrar's reader through the local card agent.

The views authenticate (a `high` session: the registrar signed in with their own card),
authorise (identity.issue_cards), parse, call one service of identity.card.issuance and
render; the rules (which check may issue, its freshness, who may receive a card from whom,
the proof of possession, the CA call, confirmation) live there.
"""

import base64
import functools
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.jsonin import JsonInputError, json_parse
from identity.assurance import level_satisfies, require_assurance, session_assurance
from identity.card import errors
from identity.card.issuance import (
    card_signing_key_add,
    issuance_certificates_sign,
    issuance_challenge,
    issuance_check,
    issuance_check_record,
    issuance_confirm,
    issuance_confirmed,
)
from identity.card.selectors import (
    REGISTRAR_ASSURANCE,
    access_card_issue,
    access_card_issue_to,
    card_active_for,
)
from identity.models import Card, IdentityCheck, IdentityDocumentType, User

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
    """A page for registrars: a visitor or a session below `high` is sent to the card
    sign-in and brought back; someone who is not a registrar gets 403."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            access_card_issue(request.user)
        return require_assurance(REGISTRAR_ASSURANCE)(view)(request, *args, **kwargs)

    return wrapped


def _registrar_json(view: Any) -> Any:
    """An endpoint of the registrar's page script: 403 with a code unless a registrar
    signed in with their card; coded issuance errors become JSON answers."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            if not request.user.is_authenticated:
                raise errors.RegistrarNotSignedIn
            try:
                access_card_issue(request.user)
            except PermissionDenied:
                raise errors.RegistrarOnly from None
            if not level_satisfies(session_assurance(request), REGISTRAR_ASSURANCE):
                raise errors.RegistrarCardRequired
            return view(request, *args, **kwargs)
        except errors.CardError as exc:
            return JsonResponse({"error": exc.code, "message": str(exc.message)}, status=exc.status)

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


def _json_body(request: HttpRequest) -> dict:
    """The request's JSON object; a coded 400 (json_too_large, json_too_deep, ...) else."""
    try:
        return json_parse(request.body, max_bytes=REQUEST_MAX_BYTES)
    except JsonInputError as exc:
        raise errors.CardRequestInvalid(code=exc.code) from None


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
    try:
        access_card_issue_to(registrar=request.user, person=person)
    except errors.CardIssueRefused as refused:
        return render(
            request,
            "identity/card/registrar/person.html",
            {"person": person, "active_card": card_active_for(person), "refused": refused},
            status=403,
        )
    if request.method == "POST":
        form = IdentityCheckForm(request.POST)
        if form.is_valid():
            try:
                check = issuance_check_record(
                    session=request.session,
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
                return redirect("card:registrar_issue", check_id=check.pk)
    else:
        last_check = IdentityCheck.objects.filter(registrar=request.user).first()
        form = IdentityCheckForm(initial={"branch": last_check.branch if last_check else ""})
    return render(
        request,
        "identity/card/registrar/person.html",
        {"person": person, "active_card": card_active_for(person), "form": form},
    )


@never_cache
@require_GET
@_registrar_required
def registrar_issue(request: HttpRequest, check_id: int) -> HttpResponse:
    """Step 3: personalise the card in the registrar's reader (the page's script does it)."""
    try:
        check = issuance_check(session=request.session, check_id=check_id, registrar=request.user)
    except errors.CardError:
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


@never_cache
@require_POST
@_registrar_json
def registrar_challenge(request: HttpRequest, check_id: int) -> JsonResponse:
    """A new challenge for the card to sign with its new key (proof of possession)."""
    challenge = issuance_challenge(
        session=request.session, check_id=check_id, registrar=request.user
    )
    return JsonResponse({"challenge": challenge})


@never_cache
@require_POST
@_registrar_json
def registrar_certificate(request: HttpRequest, check_id: int) -> JsonResponse:
    """Sign the certificates of the two keys generated on the card, once the card proved
    it holds each ({"publicKey", "proof"} for slot 9A, {"signingPublicKey",
    "signingProof"} for slot 9C); they are recorded as pending until the confirmation."""
    body = _json_body(request)
    card = issuance_certificates_sign(
        session=request.session,
        check_id=check_id,
        public_key=body.get("publicKey"),
        proof=body.get("proof"),
        signing_public_key=body.get("signingPublicKey"),
        signing_proof=body.get("signingProof"),
        registrar=request.user,
    )
    return JsonResponse(
        {
            "certificate": base64.b64encode(bytes(card.certificate_der)).decode("ascii"),
            "fingerprint": card.fingerprint_sha256,
            "signingCertificate": _signing_certificate_b64(card),
        }
    )


def _signing_certificate_b64(card: Card) -> str:
    return base64.b64encode(bytes(card.signing_certificate_der)).decode("ascii")


@never_cache
@require_POST
@_registrar_json
def registrar_signing_key(request: HttpRequest, check_id: int) -> JsonResponse:
    """Certify a slot 9C key for the person's active card issued without one ({"proof"}
    by its 9A key, {"signingPublicKey", "signingProof"} by the new key, one challenge);
    the agent then writes the certificate on the card."""
    body = _json_body(request)
    card = card_signing_key_add(
        session=request.session,
        check_id=check_id,
        proof=body.get("proof"),
        signing_public_key=body.get("signingPublicKey"),
        signing_proof=body.get("signingProof"),
        registrar=request.user,
    )
    return JsonResponse(
        {
            "signingCertificate": _signing_certificate_b64(card),
            "redirect": reverse("card:registrar_card", args=[card.pk]),
        }
    )


@never_cache
@require_POST
@_registrar_json
def registrar_confirm(request: HttpRequest, check_id: int) -> JsonResponse:
    """The agent wrote the certificate and the person set a PIN: activate the card now.

    A confirmation repeated after success answers with the same card.
    """
    fingerprint = _json_body(request).get("fingerprint")
    card = issuance_confirmed(check_id=check_id, fingerprint=fingerprint, registrar=request.user)
    if card is None:
        card = issuance_confirm(
            session=request.session,
            check_id=check_id,
            fingerprint=fingerprint,
            registrar=request.user,
        )
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
