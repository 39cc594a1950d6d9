"""The membership pages: the member's dashboard at /cooperative/ (the joining page for
someone who is not a member), paying the shares, asking to withdraw, and the board's
register and withdrawals. Thin: authenticate, authorise, validate, call one service."""

import csv
from collections.abc import Callable
from functools import wraps
from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from coop_governance.errors import GovernanceError
from coop_governance.joining import (
    JOINING_ASSURANCE,
    access_share_purchase_pay,
    is_proven_adult,
    share_purchase_offline_pay,
    share_purchase_start,
)
from coop_governance.members import member_status_change
from coop_governance.membership_forms import (
    DecisionForm,
    JoinForm,
    RegisterSearchForm,
    StatusChangeForm,
    VoteForm,
    WithdrawalRequestForm,
)
from coop_governance.models import (
    AttendanceSignature,
    Member,
    MemberStatus,
    Motion,
    MotionStatus,
    OpenVote,
    SharePurchase,
    SharePurchaseStatus,
    Withdrawal,
    WithdrawalStatus,
)
from coop_governance.ristournes import ristournes_of
from coop_governance.selectors import (
    access_member_acting,
    bylaws_in_force,
    is_on_board,
    members_represented_by,
)
from coop_governance.views.access import board_required
from coop_governance.votes import open_vote_cast
from coop_governance.withdrawals import (
    RefundMethod,
    withdrawal_approve,
    withdrawal_refund_mark_paid,
    withdrawal_refund_send,
    withdrawal_refuse,
    withdrawal_request,
)
from core.spreadsheet import cell_safe
from identity.assurance import level_satisfies, require_assurance, session_assurance
from identity.selectors import identity_proven
from marketplace.errors import PaymentEventHandlerFailed, PaymentGatewayError
from marketplace.gateways import payment_gateway
from marketplace.gateways.offline import OfflineGateway
from marketplace.gateways.stripe_gateway import StripeGateway
from marketplace.models import Store, StoreRole
from marketplace.payment_forms import TestCardForm
from marketplace.payment_views import STRIPE_JS_CSP, STRIPE_JS_URL

REGISTER_PAGE_SIZE = 50


def board_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The board's pages: access_board, a 403 page for anyone else."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        board_required(request)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _stores_owned(user: Any) -> list[Store]:
    """The stores `user` owns that are not members yet (a store joins through its owner)."""
    if not user.is_authenticated:
        return []
    return list(
        Store.objects.filter(staff__user=user, staff__role=StoreRole.OWNER)
        .exclude(coop_memberships__status__in=[MemberStatus.ACTIVE, MemberStatus.SUSPENDED])
        .order_by("name")
    )


def _open_motions_for(member: Member) -> list[dict[str, Any]]:
    """The motions `member` can vote on now, each with the member's counted vote: online
    ones between their times, and an assembly's open ones once the member signed its
    register."""
    now = timezone.now()
    signed = AttendanceSignature.objects.filter(member=member).values("assembly_id")
    motions = (
        Motion.objects.filter(
            Q(
                assembly__isnull=True,
                status__in=(MotionStatus.SCHEDULED, MotionStatus.OPEN),
                opens_at__lte=now,
                closes_at__gt=now,
            )
            | Q(assembly__in=signed, status=MotionStatus.OPEN)
        )
        .select_related("assembly", "bylaws")
        .prefetch_related(
            Prefetch(
                "open_votes",
                queryset=OpenVote.objects.filter(member=member, replaced_at__isnull=True),
                to_attr="member_votes",
            )
        )
        .order_by("closes_at", "pk")
    )
    return [
        {
            "motion": motion,
            "vote": motion.member_votes[0] if motion.member_votes else None,
            "form": VoteForm(prefix=f"m{motion.pk}-{member.pk}"),
        }
        for motion in motions
    ]


@never_cache
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """The member's page (shares, status, number, category, open votes, withdrawal), or
    for anyone else the joining page."""
    members = list(
        members_represented_by(request.user)
        .select_related("store", "person")
        .prefetch_related(
            Prefetch(
                "withdrawals",
                queryset=Withdrawal.objects.order_by("-requested_at"),
                to_attr="withdrawal_list",
            )
        )
        .order_by("store_id", "number")
    )
    if not members or request.GET.get("adherer"):
        return join_page(request)
    rows = [
        {
            "member": member,
            "withdrawal": member.withdrawal_list[0] if member.withdrawal_list else None,
            "motions": _open_motions_for(member) if member.is_active else [],
            "withdrawal_form": WithdrawalRequestForm(prefix=f"w{member.pk}"),
        }
        for member in members
    ]
    return render(
        request,
        "coop_governance/membership/dashboard.html",
        {
            "rows": rows,
            "on_board": is_on_board(request.user)
            or request.user.has_perm("coop_governance.administer_members"),
            "stores_to_join": _stores_owned(request.user),
            "acr": session_assurance(request),
            # The latest three; the ristournes page has them all.
            "ristournes": ristournes_of(request.user)[:3],
        },
    )


def join_page(
    request: HttpRequest, *, form: JoinForm | None = None, status: int = 200
) -> HttpResponse:
    """What joining costs and means, what the person still needs, and the form."""
    try:
        bylaws = bylaws_in_force()
    except GovernanceError:
        bylaws = None
    user = request.user
    acr = session_assurance(request)
    signed_in = user.is_authenticated
    stores = _stores_owned(user)
    context = {
        "bylaws": bylaws,
        "form": form or JoinForm(stores=stores),
        "signed_in": signed_in,
        "assurance_enough": level_satisfies(acr, JOINING_ASSURANCE),
        "proven": signed_in and identity_proven(user),
        "proven_adult": signed_in and is_proven_adult(user),
        "already_member": signed_in
        and not stores
        and members_represented_by(user).filter(person=user).exists(),
        "waiting": (
            SharePurchase.objects.filter(person=user, status=SharePurchaseStatus.PENDING).first()
            if signed_in
            else None
        ),
        "login_url": f"{reverse('identity:login')}?next={reverse('governance:dashboard')}",
        # A former member sees where the refund of their shares stands.
        "left": (
            Withdrawal.objects.filter(member__person=user, status=WithdrawalStatus.APPROVED)
            .order_by("-decided_at")
            .first()
            if signed_in
            else None
        ),
    }
    return render(request, "coop_governance/membership/join.html", context, status=status)


@require_POST
@login_required
@require_assurance(JOINING_ASSURANCE)
def join(request: HttpRequest) -> HttpResponse:
    """Start paying the qualifying shares, then go to the payment page."""
    stores = _stores_owned(request.user)
    form = JoinForm(request.POST, stores=stores)
    if not form.is_valid():
        return join_page(request, form=form, status=400)
    try:
        purchase = share_purchase_start(
            acting_user=request.user,
            acr=session_assurance(request),
            category=form.cleaned_data["category"],
            store=form.chosen_store(),
        )
    except GovernanceError as refused:
        messages.error(request, refused.message)
        return join_page(request, form=form, status=403)
    except PaymentGatewayError as failed:
        messages.error(request, failed.message)
        return join_page(request, form=form, status=503)
    return redirect(purchase.redirect_url)


def _own_purchase(request: HttpRequest, pk: int) -> SharePurchase:
    purchase = get_object_or_404(SharePurchase.objects.select_related("store", "member"), pk=pk)
    try:
        access_share_purchase_pay(acting_user=request.user, purchase=purchase)
    except GovernanceError:
        raise Http404 from None
    return purchase


@never_cache
@require_http_methods(["GET"])
@login_required
def join_purchase(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the buyer lands after paying: paid (welcome), declined, or still waiting."""
    purchase = _own_purchase(request, pk)
    return render(request, "coop_governance/membership/purchase.html", {"purchase": purchase})


@csp_update(STRIPE_JS_CSP)
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def join_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay the shares: the offline gateway's test card (no money moves, the page says so),
    or Stripe's Payment Element for a Stripe payment."""
    purchase = _own_purchase(request, pk)
    waiting = purchase.status == SharePurchaseStatus.PENDING and bool(purchase.intent_id)
    context: dict[str, Any] = {"purchase": purchase, "waiting": waiting}
    if purchase.gateway == StripeGateway.name:
        if request.method == "POST":
            return HttpResponse(status=405)
        return _stripe_page(request, purchase, context)
    if purchase.gateway != OfflineGateway.name:
        raise Http404
    form = TestCardForm(request.POST if request.method == "POST" and waiting else None)
    status = 200
    if request.method == "POST" and not waiting:
        status = 409
    elif form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        succeeded = form.succeeds()
        try:
            share_purchase_offline_pay(
                purchase=purchase, succeeded=succeeded, acting_user=request.user
            )
        except GovernanceError as refused:
            messages.error(request, refused.message)
        except PaymentEventHandlerFailed:
            messages.warning(
                request, _("The test payment was received but your membership is not ready yet.")
            )
        else:
            if not succeeded:
                messages.error(request, _("The test card was declined: no money was taken."))
        return redirect("governance:join_purchase", purchase.pk)
    context["form"] = form
    return render(request, "coop_governance/membership/pay_test.html", context, status=status)


def _stripe_page(
    request: HttpRequest, purchase: SharePurchase, context: dict[str, Any]
) -> HttpResponse:
    """Stripe's Payment Element, given the intent's client secret (asked of Stripe for
    each view, never stored); the payment's event registers the member."""
    return_url = f"{settings.SITE_URL}{reverse('governance:join_purchase', args=[purchase.pk])}"
    status = 200
    if context["waiting"]:
        try:
            state = payment_gateway(purchase.gateway).payment_state(intent_id=purchase.intent_id)
        except PaymentGatewayError:
            context |= {"waiting": False, "unavailable": True}
            status = 503
        else:
            if (
                state.client_secret
                and settings.STRIPE_PUBLISHABLE_KEY
                and not (state.settled_or_settling or state.status == "canceled")
            ):
                context |= {
                    "client_secret": state.client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                    "return_url": return_url,
                    "stripe_js_url": STRIPE_JS_URL,
                }
            else:
                context["waiting"] = False
    context["purchase_url"] = reverse("governance:join_purchase", args=[purchase.pk])
    return render(request, "coop_governance/membership/pay_card.html", context, status=status)


@require_POST
@login_required
def withdrawal_ask(request: HttpRequest, number: int) -> HttpResponse:
    """A member asks to leave with their shares refunded."""
    member = get_object_or_404(Member, number=number)
    form = WithdrawalRequestForm(request.POST, prefix=f"w{member.pk}")
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that you ask to leave the coop."))
        return redirect("governance:dashboard")
    try:
        withdrawal_request(
            member=member, reason=form.cleaned_data["reason"], acting_user=request.user
        )
    except GovernanceError as refused:
        raise PermissionDenied(refused.message) from None
    messages.success(request, _("Your request to leave is sent to the board."))
    return redirect("governance:dashboard")


@require_POST
@login_required
def vote(request: HttpRequest, motion_pk: int, number: int) -> HttpResponse:
    """Vote from the dashboard on an open motion, for a member the person acts for; the
    by-laws' assurance is asked by the service."""
    motion = get_object_or_404(Motion, pk=motion_pk)
    member = get_object_or_404(Member, number=number)
    form = VoteForm(request.POST, prefix=f"m{motion.pk}-{member.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose for, against or abstain."))
        return redirect("governance:dashboard")
    try:
        access_member_acting(request.user, member)
        open_vote_cast(
            motion=motion,
            member=member,
            choice=form.cleaned_data["choice"],
            user=request.user,
            acr=session_assurance(request) or "low",
        )
    except GovernanceError as refused:
        messages.error(request, refused.message)
        return redirect("governance:dashboard")
    messages.success(request, _("Your vote is counted."))
    return redirect("governance:dashboard")


# --- The board's pages -------------------------------------------------------------


def _register_rows(form: RegisterSearchForm) -> Any:
    rows = Member.objects.select_related("person", "store").order_by("number")
    if not form.is_valid():
        return rows
    query = form.cleaned_data["q"].strip()
    number = query.lstrip("#")
    if number.isdigit():
        # A register number fits in an integer column; a longer one matches no one.
        rows = rows.filter(number=int(number)) if len(number) <= 9 else rows.none()
    elif query:
        for word in query.split()[:5]:
            rows = rows.filter(
                Q(person__given_name__icontains=word)
                | Q(person__family_name__icontains=word)
                | Q(store__name__icontains=word)
            )
    if form.cleaned_data["status"]:
        rows = rows.filter(status=form.cleaned_data["status"])
    return rows


@never_cache
@require_http_methods(["GET"])
@board_only
def register(request: HttpRequest) -> HttpResponse:
    """The member register: number, name or store, category, shares, status, joined;
    searched by number or name, fifty lines a page."""
    form = RegisterSearchForm(request.GET or None)
    page = Paginator(_register_rows(form), REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "coop_governance/membership/register.html",
        {
            "form": form,
            "page": page,
            "pending_withdrawals": Withdrawal.objects.filter(
                status=WithdrawalStatus.PENDING
            ).count(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_http_methods(["GET"])
@board_only
def register_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The register (as searched) as CSV, streamed."""
    form = RegisterSearchForm(request.GET or None)
    writer = csv.writer(_Echo())
    header = ["number", "name", "store", "category", "shares", "status", "joined_at"]

    def lines():
        yield writer.writerow(header)
        for member in _register_rows(form).iterator(chunk_size=500):
            yield writer.writerow(
                [
                    member.number,
                    cell_safe(member.person.full_name if member.person_id else ""),
                    cell_safe(member.store.name if member.store_id else ""),
                    member.category,
                    member.qualifying_shares,
                    member.status,
                    member.joined_at.isoformat(),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="registre-des-membres.csv"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@board_only
def register_member(request: HttpRequest, number: int) -> HttpResponse:
    """A member's line and the history of their status with reasons; suspend or reinstate."""
    member = get_object_or_404(Member.objects.select_related("person", "store"), number=number)
    form = StatusChangeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                member_status_change(
                    member=member,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except GovernanceError as refused:
                messages.error(request, refused.message)
                status = 409
            else:
                messages.success(request, _("The member’s status is changed."))
                return redirect("governance:register_member", member.number)
        else:
            status = 400
    return render(
        request,
        "coop_governance/membership/register_member.html",
        {
            "member": member,
            "history": member.status_changes.select_related("acting_user").order_by(
                "changed_at", "pk"
            ),
            "withdrawals": member.withdrawals.order_by("-requested_at"),
            "form": form,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET"])
@board_only
def withdrawals(request: HttpRequest) -> HttpResponse:
    """Requests waiting for the board, and approved refunds not yet paid."""
    pending = Withdrawal.objects.filter(status=WithdrawalStatus.PENDING).select_related(
        "member__person", "member__store"
    )
    refunds_due = Withdrawal.objects.filter(
        status=WithdrawalStatus.APPROVED, refunded_at__isnull=True
    ).select_related("member__person", "member__store")
    return render(
        request,
        "coop_governance/membership/withdrawals.html",
        {
            "pending": [(w, DecisionForm(prefix=f"d{w.pk}")) for w in pending],
            "refunds_due": refunds_due,
        },
    )


@require_POST
@board_only
def withdrawal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    withdrawal = get_object_or_404(Withdrawal, pk=pk)
    form = DecisionForm(request.POST, prefix=f"d{withdrawal.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse, and give the reason."))
        return redirect("governance:withdrawals")
    decide = withdrawal_approve if form.cleaned_data["decision"] == "approve" else withdrawal_refuse
    try:
        withdrawal = decide(
            withdrawal=withdrawal, reason=form.cleaned_data["reason"], acting_user=request.user
        )
    except GovernanceError as refused:
        messages.error(request, refused.message)
        return redirect("governance:withdrawals")
    if withdrawal.status == WithdrawalStatus.REFUSED:
        messages.success(request, _("The withdrawal is refused."))
    elif withdrawal.refunded_at is not None:
        messages.success(request, _("The withdrawal is approved and the shares refunded."))
    elif withdrawal.refund_method == RefundMethod.GATEWAY:
        messages.warning(
            request,
            _("The withdrawal is approved; the payment service did not take the refund yet."),
        )
    else:
        messages.success(
            request, _("The withdrawal is approved; the treasurer pays the refund and marks it.")
        )
    return redirect("governance:withdrawals")


@require_POST
@board_only
def withdrawal_refund(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a refund again through the gateway, or mark one the treasurer paid."""
    withdrawal = get_object_or_404(Withdrawal, pk=pk)
    try:
        if withdrawal.refund_method == RefundMethod.GATEWAY:
            withdrawal = withdrawal_refund_send(withdrawal=withdrawal, acting_user=request.user)
        else:
            withdrawal = withdrawal_refund_mark_paid(
                withdrawal=withdrawal, acting_user=request.user
            )
    except GovernanceError as refused:
        messages.error(request, refused.message)
        return redirect("governance:withdrawals")
    if withdrawal.refunded_at is not None:
        messages.success(request, _("The refund is recorded."))
    else:
        messages.error(request, _("The payment service did not take the refund; try again later."))
    return redirect("governance:withdrawals")
