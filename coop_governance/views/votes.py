"""Online votes: the list (open, coming, closed), a vote's page where a member votes for,
against or abstains at the by-laws' assurance, and its result once counted.

The count is not shown while the vote is open. At an assembly the hands are counted in the
room at one moment; an online vote runs for days and our by-laws let a member vote again,
so a running count would turn it into a poll to follow and to play (vote late, change your
vote when the tally moves). Members see their own vote while it is open and the count,
with whether it passed, as soon as the scheduler closes it; the page asks for the result
every minute (HTMX) until then."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from coop_governance.errors import GovernanceError, NotAMember
from coop_governance.models import Member, MemberStatus, Motion, MotionStatus, OpenVote, VoteChoice
from coop_governance.proposals import access_proposals_read
from coop_governance.selectors import members_represented_by
from coop_governance.votes import motion_accepts_votes, open_vote_cast
from identity.assurance import level_satisfies, require_assurance, session_assurance


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=gettext_lazy("How do you vote?"), choices=VoteChoice.choices, widget=forms.RadioSelect
    )


def _reader(request: HttpRequest) -> None:
    try:
        access_proposals_read(request.user)
    except NotAMember as error:
        raise PermissionDenied(error.message) from error


def _online() -> QuerySet[Motion]:
    return Motion.objects.filter(assembly__isnull=True).select_related("bylaws", "proposal")


@require_GET
@login_required
def vote_list(request: HttpRequest) -> HttpResponse:
    _reader(request)
    now = timezone.now()
    motions = list(_online().exclude(status=MotionStatus.CANCELLED).order_by("closes_at", "pk"))
    groups = {
        "open": [
            m for m in motions if m.status != MotionStatus.CLOSED and motion_accepts_votes(m, now)
        ],
        "coming": [m for m in motions if m.status == MotionStatus.SCHEDULED and m.opens_at > now],
        "closed": sorted(
            (m for m in motions if m.status == MotionStatus.CLOSED),
            key=lambda m: m.closes_at,
            reverse=True,
        ),
    }
    return render(request, "coop_governance/votes/list.html", {"groups": groups})


def _motion(pk: int) -> Motion:
    return get_object_or_404(_online(), pk=pk)


def _represented(request: HttpRequest) -> list[Member]:
    """The active members this person votes for: their own line first, then their stores'."""
    members = members_represented_by(request.user).filter(status=MemberStatus.ACTIVE)
    return sorted(members.select_related("store"), key=lambda m: (m.person_id is None, m.number))


def _vote_context(
    request: HttpRequest, motion: Motion, posted: tuple[int, VoteForm] | None = None
) -> dict:
    """One ballot per member the person votes for (a store owner who is a member too has
    two votes, one in each name), each with its vote so far and its form."""
    members = _represented(request)
    counted = {
        vote.member_id: vote
        for vote in OpenVote.objects.filter(
            motion=motion, member__in=members, replaced_at__isnull=True
        )
    }
    ballots = []
    for member in members:
        mine = counted.get(member.pk)
        if posted is not None and posted[0] == member.pk:
            form = posted[1]
        else:
            form = VoteForm(
                prefix=f"member-{member.pk}", initial={"choice": mine.choice if mine else None}
            )
        ballots.append({"member": member, "mine": mine, "form": form})
    required = motion.bylaws.vote_assurance
    return {
        "motion": motion,
        "ballots": ballots,
        "accepts": motion_accepts_votes(motion),
        "assurance_ok": level_satisfies(session_assurance(request), required),
        "required": required,
        "polling": motion.status != MotionStatus.CLOSED,
    }


@require_GET
@login_required
def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    motion = _motion(pk)
    return render(request, "coop_governance/votes/detail.html", _vote_context(request, motion))


@require_GET
@login_required
def vote_result(request: HttpRequest, pk: int) -> HttpResponse:
    """The result block alone, which the page polls until the vote is closed."""
    _reader(request)
    motion = _motion(pk)
    return render(
        request,
        "coop_governance/votes/_result.html",
        {"motion": motion, "polling": motion.status != MotionStatus.CLOSED},
    )


@require_POST
@login_required
def vote_cast(request: HttpRequest, pk: int) -> HttpResponse:
    """Vote on an online motion, at the assurance its by-laws ask for: a session below it
    is sent to sign in again (the card, or a passkey) and brought back."""
    motion = _motion(pk)
    return require_assurance(motion.bylaws.vote_assurance)(_vote_cast)(request, motion)


def _vote_cast(request: HttpRequest, motion: Motion) -> HttpResponse:
    member = next(
        (m for m in _represented(request) if str(m.pk) == request.POST.get("member", "")), None
    )
    if member is None:
        raise PermissionDenied(NotAMember.message)
    form = VoteForm(request.POST, prefix=f"member-{member.pk}")
    if not form.is_valid():
        context = _vote_context(request, motion, (member.pk, form))
        return render(request, "coop_governance/votes/detail.html", context, status=400)
    try:
        open_vote_cast(
            motion=motion,
            member=member,
            choice=form.cleaned_data["choice"],
            user=request.user,
            acr=session_assurance(request),
        )
    except GovernanceError as error:
        if isinstance(error, NotAMember):
            raise PermissionDenied(error.message) from error
        form.add_error(None, error.message)
        context = _vote_context(request, motion, (member.pk, form))
        return render(request, "coop_governance/votes/detail.html", context, status=409)
    messages.success(request, _("Your vote is recorded."))
    return redirect("governance:vote_detail", pk=motion.pk)
