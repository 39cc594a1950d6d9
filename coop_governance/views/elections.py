"""Secret-ballot elections: the JSON endpoints the booth and the trustees' pages call
(problem+json errors with a stable code), and the pages (the board's list and election
page, the booth, the trustee's ceremony, the bulletin board, the results). Thin: authorise
(coop_governance/election_access.py), parse, call one service, answer."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop_governance import elections as services
from coop_governance.election_access import (
    access_election_board,
    access_election_parameters,
    access_election_result,
    access_election_trustee,
    access_election_vote,
    voting_member,
)
from coop_governance.election_forms import ElectionForm, QuestionFormSet, questions_from
from coop_governance.errors import (
    BallotInvalid,
    ElectionError,
    GovernanceError,
    TrusteeMessageInvalid,
    TrusteeMessageMalformed,
    TrusteeMessageTooLarge,
)
from coop_governance.models import CastBallot, Election, ElectionStatus, MixShuffle
from coop_governance.selectors import access_board
from coop_governance.views.access import board_required, passes
from core.jsonin import JsonInputError, json_parse
from core.problems import PROBLEM_CONTENT_TYPE, problem_body
from identity.assurance import session_assurance

# A trustee's message (a shuffle with its proof grows with the number of ballots).
MAX_TRUSTEE_MESSAGE_BYTES = 32 * 1024 * 1024
BOARD_PAGE_SIZE = 50


def _problem(error: GovernanceError) -> JsonResponse:
    status = getattr(error, "status", 403)
    body = problem_body(status=status, code=error.code, detail=str(error.message))
    if isinstance(error, BallotInvalid | TrusteeMessageInvalid):
        body["path"] = error.path
        body["reason"] = error.reason
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _json_endpoint(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
    """A refusal of the coop's rules becomes its problem document."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except GovernanceError as error:
            return _problem(error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _election(public_id: Any) -> Election:
    return get_object_or_404(Election.objects.select_related("bylaws"), public_id=public_id)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _signed_in(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied


def _trustee_message(request: HttpRequest) -> dict:
    """A trustee's message: one JSON object of at most MAX_TRUSTEE_MESSAGE_BYTES (core.jsonin)."""
    try:
        return json_parse(
            request.read(MAX_TRUSTEE_MESSAGE_BYTES + 1),
            max_bytes=MAX_TRUSTEE_MESSAGE_BYTES,
            max_depth=services.MAX_JSON_DEPTH,
        )
    except JsonInputError as error:
        if error.code == "json_too_large":
            raise TrusteeMessageTooLarge() from error
        raise TrusteeMessageMalformed() from error


def _not_signed_in() -> JsonResponse:
    return JsonResponse(
        problem_body(status=403, code="not_authenticated", detail=_("Sign in first.")),
        status=403,
        content_type=PROBLEM_CONTENT_TYPE,
    )


# --- JSON: the public parameters, casting, the record -------------------------------------


@require_GET
@_json_endpoint
def parameters(request: HttpRequest, public_id: Any) -> JsonResponse:
    """The manifest, its fingerprint and the election key: what the booth encrypts with."""
    election = access_election_parameters(request.user, _election(public_id))
    return JsonResponse(
        {
            "manifest": election.manifest,
            "fingerprint": election.fingerprint,
            "public_key": election.public_key,
            "status": election.status,
        }
    )


@require_POST
@_json_endpoint
def ballot_cast(request: HttpRequest, public_id: Any) -> JsonResponse:
    """Cast an encrypted ballot; answers its tracker and whether it replaced an earlier one."""
    if not request.user.is_authenticated:
        return _not_signed_in()
    election = _election(public_id)
    ballot = services.ballot_parse(request.read(services.MAX_BALLOT_BYTES + 1))
    cast, replaced = services.ballot_cast(
        election=election, ballot=ballot, user=request.user, acr=session_assurance(request)
    )
    board_url = reverse("governance:election_board", args=[election.public_id])
    return JsonResponse(
        {
            "tracker": cast.tracker,
            "replaced": replaced,
            "board_url": f"{board_url}?{urlencode({'suivi': cast.tracker[:16]})}",
        },
        status=201,
    )


@require_GET
@_json_endpoint
def record(request: HttpRequest, public_id: Any) -> JsonResponse:
    """The election record (docs/election-record.md, section 10), once published."""
    election = access_election_result(request.user, _election(public_id))
    response = JsonResponse(election.record, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="dossier-{election.public_id}.json"'
    return response


# --- JSON: the trustee's state and messages -----------------------------------------------


@require_GET
@_json_endpoint
def trustee_state(request: HttpRequest, public_id: Any) -> JsonResponse:
    """Everything the trustee's page needs for her next step."""
    if not request.user.is_authenticated:
        return _not_signed_in()
    election = _election(public_id)
    trustee = access_election_trustee(request.user, election)
    phase = services.trustee_phase(election, trustee)
    trustees = election.trustees.select_related("user").order_by("index")
    return _private(
        JsonResponse(
            {
                "phase": phase,
                "index": trustee.index,
                "threshold": election.threshold,
                "trustees": [
                    {
                        "index": t.index,
                        "name": t.user.get_full_name() or t.user.email,
                        "transport_key": t.transport_key or None,
                    }
                    for t in trustees
                ],
                "election_id": str(election.public_id),
                "fingerprint": election.fingerprint,
                "manifest": election.manifest,
                "public_key": election.public_key or None,
                "received": services.shares_received(election, trustee) if phase == "check" else [],
                "mix": services.mix_task_for(election, trustee) if phase == "mix" else None,
                "decrypt": services.decrypt_task(election) if phase == "decrypt" else None,
            }
        )
    )


def _trustee_post(handler: Callable[[Election, dict, Any], None]) -> Callable[..., JsonResponse]:
    @require_POST
    @_json_endpoint
    def view(request: HttpRequest, public_id: Any) -> JsonResponse:
        if not request.user.is_authenticated:
            return _not_signed_in()
        election = _election(public_id)
        access_election_trustee(request.user, election)
        body = _trustee_message(request)
        try:
            handler(election, body, request.user)
        except KeyError as error:
            raise TrusteeMessageInvalid(str(error.args[0]), "is missing") from error
        election.refresh_from_db()
        return JsonResponse({"status": election.status}, status=201)

    view.__name__ = handler.__name__
    return view


trustee_key = _trustee_post(
    lambda e, body, user: services.trustee_key_post(
        election=e, key=body["key"], proof=body["proof"], acting_user=user
    )
)
trustee_deal = _trustee_post(
    lambda e, body, user: services.trustee_deal_post(
        election=e, commitments=body["commitments"], shares=body["shares"], acting_user=user
    )
)
trustee_check = _trustee_post(
    lambda e, body, user: services.trustee_check_post(
        election=e,
        verification_key=body.get("verification_key"),
        complaint=body.get("complaint"),
        acting_user=user,
    )
)
trustee_shuffle = _trustee_post(
    lambda e, body, user: services.trustee_shuffle_post(
        election=e,
        question_id=body["question_id"],
        position=body["position"],
        output=body["output"],
        proof=body["proof"],
        signature=body["signature"],
        acting_user=user,
    )
)
trustee_decrypt = _trustee_post(
    lambda e, body, user: services.trustee_decrypt_post(
        election=e, tally=body["tally"], mixed=body["mixed"], acting_user=user
    )
)


# --- Pages ----------------------------------------------------------------------------------


def _language() -> str:
    return "en" if (translation.get_language() or "fr").startswith("en") else "fr"


def _questions(election: Election) -> list[dict]:
    language = _language()
    return [
        {
            "qid": q.qid,
            "kind": q.kind,
            "text": q.text(language),
            "answers": [a[language] or a["fr"] for a in q.answers],
            "min": q.min_choices,
            "max": q.max_choices,
            "seats": q.seats,
            "ranks": q.ranks,
            "rank_numbers": list(range(1, (q.ranks or 0) + 1)),
        }
        for q in election.questions.order_by("position")
    ]


@require_GET
@login_required
def election_list(request: HttpRequest) -> HttpResponse:
    """The elections a person can take part in: open, coming and published (board: all)."""
    elections = Election.objects.exclude(
        status__in=(ElectionStatus.DRAFT, ElectionStatus.CANCELLED)
    )
    mine = request.user.election_trusteeships.select_related("election")
    return render(
        request,
        "coop_governance/elections/list.html",
        {
            "elections": elections.order_by("-opens_at"),
            "trusteeships": mine,
            "is_board": passes(access_board, request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def board_elections(request: HttpRequest) -> HttpResponse:
    """The board's list of elections and the form to create one."""
    board_required(request)
    form = ElectionForm(request.POST or None)
    questions = QuestionFormSet(request.POST or None, prefix="q")
    status = 200
    if request.method == "POST":
        if form.is_valid() and questions.is_valid():
            try:
                election = services.election_create(
                    title_fr=form.cleaned_data["title_fr"],
                    title_en=form.cleaned_data["title_en"],
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    threshold=form.cleaned_data["threshold"],
                    trustee_users=list(form.cleaned_data["trustees"]),
                    questions=questions_from(questions),
                    acting_user=request.user,
                )
            except GovernanceError as error:
                form.add_error(None, error.message)
            except Exception as error:  # a ValidationError from questions_from
                if not hasattr(error, "messages"):
                    raise
                form.add_error(None, error)
            else:
                messages.success(request, _("The election is created; start its key ceremony."))
                return redirect("governance:election_manage", public_id=election.public_id)
        status = 400
    elections = Election.objects.annotate(
        cast=Count("ballots", filter=Q(ballots__replaced_at__isnull=True))
    ).order_by("-created_at")
    return render(
        request,
        "coop_governance/elections/board.html",
        {"elections": elections, "form": form, "questions": questions},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def election_manage(request: HttpRequest, public_id: Any) -> HttpResponse:
    """An election's page for the board: the ceremony's progress, the opening and closing,
    the count's progress; start the ceremony, restart it after a complaint, cancel."""
    board_required(request)
    election = _election(public_id)
    if request.method == "POST":
        action = {
            "start": services.election_ceremony_start,
            "restart": services.election_ceremony_restart,
            "cancel": services.election_cancel,
        }.get(request.POST.get("action", ""))
        if action is None:
            raise Http404
        try:
            action(election=election, acting_user=request.user)
        except GovernanceError as error:
            messages.error(request, error.message)
        return redirect("governance:election_manage", public_id=election.public_id)
    trustees = list(election.trustees.select_related("user").order_by("index"))
    shuffles = MixShuffle.objects.filter(election=election).select_related("trustee")
    decrypted = set(election.decryptions.values_list("trustee_id", flat=True))
    for trustee in trustees:
        trustee.shuffled = [s.qid for s in shuffles if s.trustee_id == trustee.pk]
        trustee.decrypted = trustee.pk in decrypted
    ballots = CastBallot.objects.filter(election=election)
    return _private(
        render(
            request,
            "coop_governance/elections/manage.html",
            {
                "election": election,
                "questions": _questions(election),
                "trustees": trustees,
                "counted": ballots.filter(replaced_at__isnull=True).count(),
                "replaced": ballots.filter(replaced_at__isnull=False).count(),
                "title": election.title(_language()),
            },
        )
    )


@require_GET
@login_required
def booth(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The booth: the questions as a form that the booth's script encrypts in the browser."""
    election = _election(public_id)
    refusal = None
    try:
        member = voting_member(request.user)
    except ElectionError as error:
        member, refusal = None, error.message
    assurance_ok = True
    if member is not None:
        try:
            access_election_vote(request.user, election, session_assurance(request))
        except ElectionError:
            assurance_ok = False
    step_up = reverse("card_login:sign_in" if election.assurance == "high" else "identity:login")
    previous = services.ballots_of(member, election) if member is not None else []
    return _private(
        render(
            request,
            "coop_governance/elections/booth.html",
            {
                "election": election,
                "title": election.title(_language()),
                "questions": _questions(election),
                "member": member,
                "refusal": refusal,
                "assurance_ok": assurance_ok,
                "step_up_url": f"{step_up}?{urlencode({'next': request.get_full_path()})}",
                "accepts": services.ballot_accepts(election),
                "previous": previous,
            },
        )
    )


@require_GET
@login_required
def trustee_page(request: HttpRequest, public_id: Any) -> HttpResponse:
    """A trustee's ceremony page: her browser makes and keeps her secrets."""
    election = _election(public_id)
    try:
        trustee = access_election_trustee(request.user, election)
    except ElectionError as error:
        raise PermissionDenied(error.message) from error
    urls = {
        name: reverse(f"governance:election_trustee_{name}", args=[election.public_id])
        for name in ("cle", "distribution", "verification", "melange", "depouillement")
    }
    return _private(
        render(
            request,
            "coop_governance/elections/trustee.html",
            {
                "election": election,
                "title": election.title(_language()),
                "trustee": trustee,
                "phase": services.trustee_phase(election, trustee),
                "post_urls": json.dumps(urls),
            },
        )
    )


@require_GET
def ballot_board(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The public bulletin board: every ballot cast, by tracker, counted or replaced."""
    election = _election(public_id)
    try:
        access_election_board(request.user, election)
    except ElectionError as error:
        raise Http404 from error
    ballots = CastBallot.objects.filter(election=election).order_by("cast_at", "pk")
    wanted = request.GET.get("suivi", "").strip().lower()
    if wanted:
        ballots = ballots.filter(tracker__startswith=wanted[:64])
    page = Paginator(ballots.only("tracker", "cast_at", "replaced_at"), BOARD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "coop_governance/elections/ballot_board.html",
        {
            "election": election,
            "title": election.title(_language()),
            "page": page,
            "wanted": wanted,
            "total": CastBallot.objects.filter(election=election).count(),
        },
    )


@require_GET
def results(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The result: counts per answer, the STV rounds, a chart, and how to verify it all."""
    election = _election(public_id)
    try:
        access_election_result(request.user, election)
    except ElectionError as error:
        raise Http404 from error
    language = _language()
    rows = []
    chart = []
    for question in _questions(election):
        outcome = election.result.get(question["qid"], {})
        row = {**question, "outcome": outcome}
        if question["kind"] == "choose":
            row["counts"] = list(zip(question["answers"], outcome.get("counts", []), strict=False))
            chart.append(
                {"id": question["qid"], "labels": question["answers"], "counts": outcome["counts"]}
            )
        else:
            row["elected"] = [question["answers"][i] for i in outcome.get("elected", [])]
            rounds = outcome.get("rounds") or []
            if rounds:
                # The chart shows the first preferences; the table gives every round.
                chart.append(
                    {
                        "id": question["qid"],
                        "labels": question["answers"],
                        "counts": rounds[0]["votes"],
                    }
                )
        rows.append(row)
    counted = CastBallot.objects.filter(election=election, replaced_at__isnull=True).count()
    return render(
        request,
        "coop_governance/elections/results.html",
        {
            "election": election,
            "title": election.title(language),
            "rows": rows,
            "chart": chart,
            "counted": counted,
            "now": timezone.now(),
        },
    )
