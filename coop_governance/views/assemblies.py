"""The assembly pages: the list, an assembly's page with its live quorum and counts (open to
everyone), signing the register and voting (members), and the board's pages to call an
assembly, write its agenda, send the notice and chair the session. Thin: authorise, validate
through a form, call one service, render.

Live updates are HTMX polling (`hx-trigger="every 2s"`) of a small fragment, not
server-sent events: an SSE stream holds a server thread or worker for as long as a page is
open, so 200 members watching would need 200 workers under gunicorn's sync workers and
would stall runserver's test live server; a poll is one short request of three or four
queries that any worker answers, and it survives a reconnecting phone. When a motion
opens or closes the fragment asks the page to reload (`HX-Refresh`) so that the voting
buttons appear or go.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop_governance import assemblies as services
from coop_governance.assembly_forms import (
    AgendaDocumentForm,
    AgendaItemForm,
    AssemblyCallForm,
    BylawsChangeForm,
    SignForm,
    VoteForm,
)
from coop_governance.bylaws_changes import bylaws_change_propose
from coop_governance.errors import GovernanceError, NotAMember
from coop_governance.minutes import minutes_pdf
from coop_governance.models import (
    AgendaDocument,
    Assembly,
    AssemblyStatus,
    AttendanceSignature,
    Member,
    MemberStatus,
    Motion,
    MotionStatus,
    OpenVote,
)
from coop_governance.selectors import access_board, access_members_only, members_represented_by
from coop_governance.views.access import board_required, passes
from coop_governance.votes import motion_count, open_vote_cast
from identity.assurance import require_assurance, session_assurance


def _assembly(pk: int) -> Assembly:
    return get_object_or_404(Assembly.objects.select_related("bylaws"), pk=pk)


def _motions(assembly: Assembly) -> list[Motion]:
    return list(
        Motion.objects.filter(assembly=assembly)
        .select_related("bylaws", "agenda_item")
        .order_by("agenda_item__position", "pk")
    )


def live_state(assembly: Assembly, motions: list[Motion]) -> str:
    """What the page was drawn for: the assembly's and its motions' statuses. The fragment
    asks for a reload when it changes."""
    return assembly.status[:2] + "".join(f"-{m.pk}{m.status[:2]}" for m in motions)


def _live_context(assembly: Assembly, motions: list[Motion]) -> dict[str, Any]:
    counted = [
        (motion, motion_count(motion))
        for motion in motions
        if motion.status in (MotionStatus.OPEN, MotionStatus.CLOSED)
    ]
    quorum = services.assembly_quorum(assembly)
    # What the watcher's page shows: unchanged, the poll answers 204 and nothing is swapped.
    shown = f"{quorum.present}.{quorum.required}." + ".".join(
        f"{c.votes_for}-{c.votes_against}-{c.votes_abstain}" for _motion, c in counted
    )
    return {
        "assembly": assembly,
        "quorum": quorum,
        "counted": counted,
        "state": live_state(assembly, motions),
        "shown": shown,
        # Weeks ahead nothing moves: the page polls once the register is open.
        "polling": services.register_is_open(assembly),
    }


@require_GET
def assembly_list(request: HttpRequest) -> HttpResponse:
    """Every assembly: those to come and in session first, then the past ones."""
    current = Assembly.objects.filter(
        status__in=(AssemblyStatus.CALLED, AssemblyStatus.OPEN), notice_sent_at__isnull=False
    ).order_by("starts_at")
    past = Assembly.objects.filter(status=AssemblyStatus.CLOSED).order_by("-starts_at")[:50]
    drafts = (
        Assembly.objects.filter(status=AssemblyStatus.CALLED, notice_sent_at__isnull=True)
        if passes(access_board, request.user)
        else Assembly.objects.none()
    )
    return render(
        request,
        "coop_governance/assemblies/list.html",
        {
            "current": current,
            "past": past,
            "drafts": drafts,
            "is_board": passes(access_board, request.user),
            "reads_minutes": passes(access_members_only, request.user),
        },
    )


def _visible(request: HttpRequest, assembly: Assembly) -> None:
    """An assembly is public once its notice is sent; before that the board drafts it."""
    draft = assembly.status == AssemblyStatus.CALLED and assembly.notice_sent_at is None
    if draft and not passes(access_board, request.user):
        raise Http404


@require_GET
def assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An assembly: when and where, the live quorum and counts, the agenda with its
    documents, and for a member the register to sign and the open votes."""
    assembly = _assembly(pk)
    _visible(request, assembly)
    motions = _motions(assembly)
    mine = list(
        members_represented_by(request.user)
        .filter(status=MemberStatus.ACTIVE)
        .select_related("store")
    )
    signed = set(
        AttendanceSignature.objects.filter(assembly=assembly, member__in=mine).values_list(
            "member_id", flat=True
        )
    )
    votes = {
        (vote.motion_id, vote.member_id): vote
        for vote in OpenVote.objects.filter(
            motion__in=motions, member__in=mine, replaced_at__isnull=True
        )
    }
    open_motions = [motion for motion in motions if motion.status == MotionStatus.OPEN]
    ballots = [
        (
            motion,
            [(member, votes.get((motion.pk, member.pk))) for member in mine if member.pk in signed],
        )
        for motion in open_motions
    ]
    agenda = assembly.agenda.select_related("motion").prefetch_related("documents")
    context = {
        **_live_context(assembly, motions),
        "agenda": agenda,
        "mine": [(member, member.pk in signed) for member in mine],
        "register_open": services.register_is_open(assembly),
        "ballots": ballots,
        "is_board": passes(access_board, request.user),
        "is_member": bool(mine),
        "reads_minutes": passes(access_members_only, request.user),
        "assurance": session_assurance(request),
    }
    return render(request, "coop_governance/assemblies/detail.html", context)


@require_GET
def assembly_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment the assembly page polls: the quorum and the counts; 204 (nothing to
    swap) when the page already shows them. When the page was drawn for another state (a
    motion opened), HTMX is told to reload it."""
    assembly = _assembly(pk)
    _visible(request, assembly)
    motions = _motions(assembly)
    context = _live_context(assembly, motions)
    polled = bool(request.headers.get("HX-Request"))
    if polled and request.GET.get("state") != context["state"]:
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
    elif polled and request.GET.get("shown") == context["shown"]:
        response = HttpResponse(status=204)
    else:
        # The quorum's state is announced (a stable live region on the page, swapped out of
        # band) only when it differs from what the page showed.
        seen = request.GET.get("shown", "")[:200].split(".")
        before = seen[:2]
        quorum = context["quorum"]
        if polled and len(before) == 2 and all(part.isdigit() for part in before):
            was_met = int(before[0]) >= int(before[1])
            context["announce"] = was_met != quorum.met
        response = render(request, "coop_governance/assemblies/_live.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def assembly_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """An agenda document: a stored PDF, or a redirect to its link."""
    assembly = _assembly(pk)
    _visible(request, assembly)
    document = get_object_or_404(AgendaDocument, pk=document_pk, item__assembly=assembly)
    if document.url:
        return redirect(document.url)
    response = FileResponse(
        document.file.open("rb"), content_type="application/pdf", filename=f"{document.pk}.pdf"
    )
    response["Content-Disposition"] = f'inline; filename="document-{document.pk}.pdf"'
    return response


@require_GET
def assembly_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes of a closed assembly, as PDF: the members' and the board's, since they
    name the members present (the public results page has the counts)."""
    try:
        access_members_only(request.user)
    except NotAMember as refused:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(refused.message) from refused
    assembly = _assembly(pk)
    if assembly.status != AssemblyStatus.CLOSED:
        raise Http404
    response = HttpResponse(minutes_pdf(assembly), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{assembly.pk}.pdf"'
    return response


def _refused(request: HttpRequest, refused: GovernanceError, assembly: Assembly) -> HttpResponse:
    messages.error(request, refused.message)
    return redirect("governance:assembly_detail", pk=assembly.pk)


def _member_for(request: HttpRequest, member_pk: int) -> Member:
    """One of the lines of the register the person acts for, or 404."""
    return get_object_or_404(members_represented_by(request.user), pk=member_pk)


@require_POST
@login_required
def attendance_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the register for a member the person acts for, at the by-laws' assurance
    (below it, the person is sent to sign in at that level and brought back)."""
    assembly = _assembly(pk)
    _visible(request, assembly)

    @require_assurance(assembly.bylaws.vote_assurance)
    def sign(request: HttpRequest) -> HttpResponse:
        form = SignForm(request.POST)
        if not form.is_valid():
            return HttpResponse(status=400)
        member = _member_for(request, form.cleaned_data["member"])
        try:
            services.attendance_sign(
                assembly=assembly,
                member=member,
                user=request.user,
                acr=session_assurance(request),
                remote=form.cleaned_data["remote"],
            )
        except GovernanceError as refused:
            return _refused(request, refused, assembly)
        messages.success(request, _("You are in the register."))
        return redirect("governance:assembly_detail", pk=assembly.pk)

    return sign(request)


@require_POST
@login_required
def motion_vote_view(request: HttpRequest, pk: int, motion_pk: int) -> HttpResponse:
    """Vote for, against or abstain on an open motion, for a member the person acts for
    who signed the register."""
    assembly = _assembly(pk)
    _visible(request, assembly)
    motion = get_object_or_404(Motion, pk=motion_pk, assembly=assembly)

    @require_assurance(assembly.bylaws.vote_assurance)
    def vote(request: HttpRequest) -> HttpResponse:
        form = VoteForm(request.POST)
        if not form.is_valid():
            return HttpResponse(status=400)
        member = _member_for(request, form.cleaned_data["member"])
        try:
            open_vote_cast(
                motion=motion,
                member=member,
                choice=form.cleaned_data["choice"],
                user=request.user,
                acr=session_assurance(request),
            )
        except GovernanceError as refused:
            return _refused(request, refused, assembly)
        messages.success(request, _("Your vote is counted."))
        return redirect("governance:assembly_detail", pk=assembly.pk)

    return vote(request)


# --- The board's pages ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def assembly_call_view(request: HttpRequest) -> HttpResponse:
    """Call an assembly: kind, title, when, where, and whether from home too."""
    board_required(request)
    form = AssemblyCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assembly = services.assembly_call(acting_user=request.user, **form.cleaned_data)
        except GovernanceError as refused:
            form.add_error(
                "starts_at" if refused.code == "notice_too_short" else None, refused.message
            )
        else:
            messages.success(
                request, _("The assembly is called. Write its agenda, then send the notice.")
            )
            return redirect("governance:assembly_manage", pk=assembly.pk)
    return render(
        request,
        "coop_governance/assemblies/call.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _manage_page(
    request: HttpRequest, assembly: Assembly, status: int = 200, **forms: Any
) -> HttpResponse:
    initial = {name: getattr(assembly.bylaws, name) for name in BylawsChangeForm.Meta.fields}
    context = {
        "assembly": assembly,
        "motions": _motions(assembly),
        "agenda": assembly.agenda.select_related("motion").prefetch_related("documents"),
        "item_form": forms.get("item_form") or AgendaItemForm(),
        "document_form": forms.get("document_form") or AgendaDocumentForm(assembly=assembly),
        "bylaws_form": forms.get("bylaws_form") or BylawsChangeForm(initial=initial),
        "quorum": services.assembly_quorum(assembly),
        "agenda_open": assembly.status == AssemblyStatus.CALLED and assembly.notice_sent_at is None,
    }
    return render(request, "coop_governance/assemblies/manage.html", context, status=status)


@require_GET
@login_required
def assembly_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's page of an assembly: its agenda and documents, the notice, the chair."""
    board_required(request)
    return _manage_page(request, _assembly(pk))


@require_POST
@login_required
def agenda_item_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            services.agenda_item_add(
                assembly=assembly, acting_user=request.user, **form.cleaned_data
            )
        except GovernanceError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The point is on the agenda."))
            return redirect("governance:assembly_manage", pk=assembly.pk)
    return _manage_page(request, assembly, status=400, item_form=form)


@require_POST
@login_required
def agenda_document_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    form = AgendaDocumentForm(request.POST, request.FILES, assembly=assembly)
    if form.is_valid():
        try:
            services.agenda_document_add(
                item=form.cleaned_data["item"],
                title=form.cleaned_data["title"],
                url=form.cleaned_data["url"],
                upload=form.cleaned_data["file"] or None,
                acting_user=request.user,
            )
        except GovernanceError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The document is attached."))
            return redirect("governance:assembly_manage", pk=assembly.pk)
    return _manage_page(request, assembly, status=400, document_form=form)


@require_POST
@login_required
def bylaws_change_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    form = BylawsChangeForm(request.POST)
    if form.is_valid():
        try:
            bylaws_change_propose(
                assembly=assembly,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                terms=form.terms(),
                acting_user=request.user,
            )
        except GovernanceError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The change of the by-laws is on the agenda."))
            return redirect("governance:assembly_manage", pk=assembly.pk)
    return _manage_page(request, assembly, status=400, bylaws_form=form)


def _chair_act(request: HttpRequest, assembly: Assembly, act: Any, done: str) -> HttpResponse:
    try:
        act()
    except GovernanceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, done)
    return redirect("governance:assembly_manage", pk=assembly.pk)


@require_POST
@login_required
def assembly_notice_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    return _chair_act(
        request,
        assembly,
        lambda: services.assembly_notice_send(assembly=assembly, acting_user=request.user),
        _("The notice is sent to every active member."),
    )


@require_POST
@login_required
def assembly_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    return _chair_act(
        request,
        assembly,
        lambda: services.assembly_open(assembly=assembly, acting_user=request.user),
        _("The assembly is in session."),
    )


@require_POST
@login_required
def assembly_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    return _chair_act(
        request,
        assembly,
        lambda: services.assembly_close(assembly=assembly, acting_user=request.user),
        _("The assembly is closed; its minutes are ready."),
    )


@require_POST
@login_required
def motion_open_view(request: HttpRequest, pk: int, motion_pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    motion = get_object_or_404(Motion, pk=motion_pk, assembly=assembly)
    return _chair_act(
        request,
        assembly,
        lambda: services.assembly_motion_open(motion=motion, acting_user=request.user),
        _("The vote is open."),
    )


@require_POST
@login_required
def motion_close_view(request: HttpRequest, pk: int, motion_pk: int) -> HttpResponse:
    board_required(request)
    assembly = _assembly(pk)
    motion = get_object_or_404(Motion, pk=motion_pk, assembly=assembly)
    return _chair_act(
        request,
        assembly,
        lambda: services.assembly_motion_close(motion=motion, acting_user=request.user),
        _("The vote is closed and counted."),
    )
