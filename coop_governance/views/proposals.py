"""The members' proposals: the list (open, scheduled, decided), submitting one, its page
with the discussion and the support button (HTMX, and plain forms without JavaScript), and
the board's controls (hide a comment, lock the discussion, decline, schedule). Thin:
authorise, read the form, call one service (coop_governance/proposals.py), render."""

import datetime
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop_governance.errors import (
    BoardOnly,
    CommentsTooFast,
    GovernanceError,
    NotAMember,
    ProposalsTooFast,
)
from coop_governance.models import (
    Assembly,
    AssemblyStatus,
    CommentFlag,
    Majority,
    MotionStatus,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from coop_governance.models.proposals import (
    COMMENT_BODY_MAX,
    PROPOSAL_TEXT_MAX,
    PROPOSAL_TITLE_MAX,
    REASON_MAX,
)
from coop_governance.proposals import (
    access_proposals_read,
    acting_member,
    comment_flag,
    comment_hide,
    comment_post,
    proposal_decline,
    proposal_schedule_assembly,
    proposal_schedule_online,
    proposal_submit,
    proposal_support,
    proposal_support_withdraw,
    thread_lock_set,
)
from coop_governance.selectors import access_board
from coop_governance.views.access import passes

# --- Forms: every input with its limits ---------------------------------------------


class ProposalForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=PROPOSAL_TITLE_MAX)
    text = forms.CharField(
        label=gettext_lazy("Your proposal"),
        max_length=PROPOSAL_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "What you propose and why, in at most 10,000 characters. The members discuss "
            "it and may support it; the board may put it to a vote."
        ),
    )
    submit_key = forms.UUIDField(widget=forms.HiddenInput)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your comment"),
        max_length=COMMENT_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("At most 2,000 characters. Be respectful: the board moderates."),
    )


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What is wrong with this comment?"),
        max_length=REASON_MAX,
        required=False,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        help_text=gettext_lazy("The author and the members will read it."),
    )


class ScheduleAssemblyForm(forms.Form):
    assembly = forms.ModelChoiceField(
        label=gettext_lazy("Assembly"),
        queryset=Assembly.objects.none(),
        empty_label=None,
    )
    majority = forms.ChoiceField(label=gettext_lazy("Majority"), choices=Majority.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assembly"].queryset = Assembly.objects.filter(
            status=AssemblyStatus.CALLED, starts_at__gt=timezone.now()
        ).order_by("starts_at")


class ScheduleOnlineForm(forms.Form):
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Opens at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Montréal time."),
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Closes at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("At least an hour after the opening, at most 60 days."),
    )
    majority = forms.ChoiceField(label=gettext_lazy("Majority"), choices=Majority.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            raise ValidationError(_("The vote must close after it opens."))
        return data


# --- Reads -------------------------------------------------------------------------


def _reader(request: HttpRequest) -> Any:
    try:
        return access_proposals_read(request.user)
    except NotAMember as error:
        raise PermissionDenied(error.message) from error


def _count_of(rows: QuerySet) -> Coalesce:
    """How many of `rows` belong to the proposal of the outer query."""
    counted = (
        rows.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def _listed() -> QuerySet[Proposal]:
    return (
        Proposal.objects.select_related("motion", "author__person", "author__store")
        .annotate(
            # Subqueries, not two joins: supports times comments rows would be counted.
            support_count=_count_of(ProposalSupport.objects.all()),
            comment_count=_count_of(ProposalComment.objects.filter(hidden_at__isnull=True)),
        )
        .order_by("-created_at", "-pk")
    )


def _is_decided(proposal: Proposal) -> bool:
    return proposal.status == ProposalStatus.DECLINED or (
        proposal.motion is not None and proposal.motion.status == MotionStatus.CLOSED
    )


@require_GET
@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """The proposals in three groups: open for discussion, scheduled for a vote, decided
    (declined, or voted and counted)."""
    _reader(request)
    groups: dict[str, list[Proposal]] = {"open": [], "scheduled": [], "decided": []}
    for proposal in _listed():
        if _is_decided(proposal):
            groups["decided"].append(proposal)
        elif proposal.status == ProposalStatus.SCHEDULED:
            groups["scheduled"].append(proposal)
        else:
            groups["open"].append(proposal)
    return render(
        request,
        "coop_governance/proposals/list.html",
        {
            "groups": groups,
            "member": acting_member(request.user),
            "board": passes(access_board, request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def proposal_new(request: HttpRequest) -> HttpResponse:
    """Submit a proposal. The form carries a key made when it is shown, so that sending it
    twice (a double click, a retried request) makes one proposal."""
    member = acting_member(request.user)
    if member is None:
        raise PermissionDenied(NotAMember.message)
    if request.method == "GET":
        form = ProposalForm(initial={"submit_key": uuid.uuid4()})
        return render(request, "coop_governance/proposals/new.html", {"form": form})
    form = ProposalForm(request.POST)
    if not form.is_valid():
        return render(request, "coop_governance/proposals/new.html", {"form": form}, status=400)
    try:
        proposal = proposal_submit(
            member=member,
            title=form.cleaned_data["title"],
            text=form.cleaned_data["text"],
            submit_key=form.cleaned_data["submit_key"],
            acting_user=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, "coop_governance/proposals/new.html", {"form": form}, status=400)
    except ProposalsTooFast as error:
        form.add_error(None, error.message)
        return render(request, "coop_governance/proposals/new.html", {"form": form}, status=429)
    messages.success(request, _("Your proposal is published. The members can discuss it now."))
    return redirect("governance:proposal_detail", pk=proposal.pk)


def _comment_view(comment: ProposalComment, *, user: Any, board: bool) -> dict[str, Any]:
    """What a reader may see of a comment: a hidden one's text only to its author and the
    board; everyone sees that it was hidden and why."""
    mine = comment.written_by_id == user.pk
    return {
        "comment": comment,
        "mine": mine,
        "show_text": not comment.is_hidden or mine or board,
        "flag_count": len(comment.flags.all()) if board else 0,
        "flagged_by_me": any(flag.flagged_by_id == user.pk for flag in comment.flags.all()),
    }


def _detail_context(request: HttpRequest, proposal: Proposal, **forms_given: Any) -> dict:
    board = passes(access_board, request.user)
    member = acting_member(request.user)
    comments = (
        ProposalComment.objects.filter(proposal=proposal)
        .select_related("member__person", "member__store")
        .prefetch_related(
            Prefetch(
                "flags", queryset=CommentFlag.objects.only("pk", "comment_id", "flagged_by_id")
            )
        )
    )
    context = {
        "proposal": proposal,
        "board": board,
        "member": member,
        "comments": [_comment_view(c, user=request.user, board=board) for c in comments],
        "support": _support_context(proposal, member),
        "comment_form": forms_given.get("comment_form") or CommentForm(),
        "decided": _is_decided(proposal),
    }
    if board:
        context["decline_form"] = forms_given.get("decline_form") or ReasonForm(prefix="decline")
        context["assembly_form"] = forms_given.get("assembly_form") or ScheduleAssemblyForm(
            prefix="assembly"
        )
        context["online_form"] = forms_given.get("online_form") or ScheduleOnlineForm(
            prefix="online", initial=_online_vote_suggested()
        )
    return context


def _online_vote_suggested() -> dict[str, Any]:
    """The times the form suggests: from tomorrow at 9 h to a week later at 17 h."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    opens = datetime.datetime.combine(
        tomorrow, datetime.time(9), tzinfo=timezone.get_current_timezone()
    )
    closes = datetime.datetime.combine(
        tomorrow + datetime.timedelta(days=7),
        datetime.time(17),
        tzinfo=timezone.get_current_timezone(),
    )
    return {"opens_at": opens, "closes_at": closes, "majority": Majority.SIMPLE}


def _support_context(proposal: Proposal, member: Any) -> dict[str, Any]:
    supports = ProposalSupport.objects.filter(proposal=proposal)
    return {
        "proposal": proposal,
        "count": supports.count(),
        "mine": member is not None and supports.filter(member=member).exists(),
        "can": (
            member is not None
            and proposal.status == ProposalStatus.OPEN
            and proposal.author_id != member.pk
        ),
    }


def _proposal(pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.select_related(
            "motion__assembly", "author__person", "author__store", "submitted_by"
        ),
        pk=pk,
    )


def _detail(
    request: HttpRequest, proposal: Proposal, *, status: int = 200, **forms_given: Any
) -> HttpResponse:
    return render(
        request,
        "coop_governance/proposals/detail.html",
        _detail_context(request, proposal, **forms_given),
        status=status,
    )


@require_GET
@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    return _detail(request, _proposal(pk))


def _refused(request: HttpRequest, proposal: Proposal, error: GovernanceError) -> HttpResponse:
    """A refusal the coop's rules make: 403 for who may not, 429 for too fast, 409 for a
    state that does not allow it; the page says why."""
    if isinstance(error, NotAMember | BoardOnly):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    status = 429 if isinstance(error, CommentsTooFast) else 409
    return _detail(request, _proposal(proposal.pk), status=status)


def _acting(request: HttpRequest) -> Any:
    member = acting_member(request.user)
    if member is None:
        raise PermissionDenied(NotAMember.message)
    return member


@require_POST
@login_required
def proposal_support_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Support the proposal, or take the support back (`support=0`). With HTMX, answers
    the support block alone."""
    proposal = _proposal(pk)
    member = _acting(request)
    try:
        if request.POST.get("support") == "0":
            proposal_support_withdraw(proposal=proposal, member=member, acting_user=request.user)
        else:
            proposal_support(proposal=proposal, member=member, acting_user=request.user)
    except GovernanceError as error:
        return _refused(request, proposal, error)
    if request.headers.get("HX-Request") == "true":
        return render(
            request,
            "coop_governance/proposals/_support.html",
            {"support": _support_context(proposal, member)},
        )
    return redirect("governance:proposal_detail", pk=proposal.pk)


@require_POST
@login_required
def proposal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    member = _acting(request)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, proposal, status=400, comment_form=form)
    try:
        comment = comment_post(
            proposal=proposal,
            member=member,
            body=form.cleaned_data["body"],
            acting_user=request.user,
        )
    except ValidationError as error:
        form.add_error("body", error.messages[0])
        return _detail(request, proposal, status=400, comment_form=form)
    except GovernanceError as error:
        return _refused(request, proposal, error)
    return redirect(f"{_proposal_url(proposal)}#comment-{comment.pk}")


def _proposal_url(proposal: Proposal) -> str:
    return reverse("governance:proposal_detail", args=(proposal.pk,))


def _comment(proposal: Proposal, comment_pk: int) -> ProposalComment:
    return get_object_or_404(ProposalComment, pk=comment_pk, proposal=proposal)


@require_POST
@login_required
def proposal_comment_flag(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    member = _acting(request)
    comment = _comment(proposal, comment_pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reason is too long."))
        return _detail(request, proposal, status=400)
    try:
        comment_flag(
            comment=comment,
            member=member,
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
    except GovernanceError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("Thank you: the board will read this comment again."))
    return redirect(f"{_proposal_url(proposal)}#comment-{comment.pk}")


@require_POST
@login_required
def proposal_comment_hide(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    """The board hides a comment, with the reason its author and the members read."""
    proposal = _proposal(pk)
    comment = _comment(proposal, comment_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the comment is hidden (at most 500 characters)."))
        return _detail(request, proposal, status=400)
    try:
        comment_hide(comment=comment, reason=form.cleaned_data["reason"], acting_user=request.user)
    except GovernanceError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("The comment is hidden."))
    return redirect(f"{_proposal_url(proposal)}#comment-{comment.pk}")


@require_POST
@login_required
def proposal_thread_lock(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    locked = request.POST.get("locked") != "0"
    try:
        thread_lock_set(proposal=proposal, locked=locked, acting_user=request.user)
    except GovernanceError as error:
        return _refused(request, proposal, error)
    messages.success(
        request, _("The discussion is closed.") if locked else _("The discussion is open again.")
    )
    return redirect("governance:proposal_detail", pk=proposal.pk)


@require_POST
@login_required
def proposal_decline_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    form = ReasonForm(request.POST, prefix="decline")
    if not passes(access_board, request.user):
        raise PermissionDenied(BoardOnly.message)
    if not form.is_valid():
        return _detail(request, proposal, status=400, decline_form=form)
    try:
        proposal_decline(
            proposal=proposal, reason=form.cleaned_data["reason"], acting_user=request.user
        )
    except GovernanceError as error:
        return _refused(request, proposal, error)
    messages.success(request, _("The proposal is declined."))
    return redirect("governance:proposal_detail", pk=proposal.pk)


@require_POST
@login_required
def proposal_schedule_assembly_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    if not passes(access_board, request.user):
        raise PermissionDenied(BoardOnly.message)
    form = ScheduleAssemblyForm(request.POST, prefix="assembly")
    if not form.is_valid():
        return _detail(request, proposal, status=400, assembly_form=form)
    try:
        proposal_schedule_assembly(
            proposal=proposal,
            assembly=form.cleaned_data["assembly"],
            majority=form.cleaned_data["majority"],
            acting_user=request.user,
        )
    except GovernanceError as error:
        form.add_error(None, error.message)
        status = 400 if error.code == "proposal_schedule_refused" else 409
        return _detail(request, _proposal(pk), status=status, assembly_form=form)
    messages.success(request, _("The proposal is on the assembly’s agenda."))
    return redirect("governance:proposal_detail", pk=proposal.pk)


@require_POST
@login_required
def proposal_schedule_online_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(pk)
    if not passes(access_board, request.user):
        raise PermissionDenied(BoardOnly.message)
    form = ScheduleOnlineForm(request.POST, prefix="online")
    if not form.is_valid():
        return _detail(request, proposal, status=400, online_form=form)
    try:
        proposal_schedule_online(
            proposal=proposal,
            opens_at=form.cleaned_data["opens_at"],
            closes_at=form.cleaned_data["closes_at"],
            majority=form.cleaned_data["majority"],
            acting_user=request.user,
        )
    except GovernanceError as error:
        form.add_error(None, error.message)
        status = 400 if error.code == "proposal_schedule_refused" else 409
        return _detail(request, _proposal(pk), status=status, online_form=form)
    messages.success(request, _("The online vote is scheduled."))
    return redirect("governance:proposal_detail", pk=proposal.pk)


@require_GET
@login_required
def proposal_moderation(request: HttpRequest) -> HttpResponse:
    """The board's queue: the comments members flagged that are still shown, the most
    flagged first, each with the flags' reasons and the form to hide it."""
    if not passes(access_board, request.user):
        raise PermissionDenied(BoardOnly.message)
    comments = (
        ProposalComment.objects.filter(hidden_at__isnull=True, flags__isnull=False)
        .annotate(flag_count=Count("flags", distinct=True))
        .select_related("proposal", "member__person", "member__store")
        .prefetch_related(Prefetch("flags", queryset=CommentFlag.objects.order_by("created_at")))
        .order_by("-flag_count", "created_at", "pk")
    )
    return render(
        request, "coop_governance/proposals/moderation.html", {"comments": list(comments)}
    )
