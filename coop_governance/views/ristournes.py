"""Ristourne pages: a member's own ristournes and statements, and the board's pages (open
a fiscal year, compute, propose to the members, record, export). Thin: authorise (access_*),
validate a form, call one service, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coop_governance.errors import GovernanceError, NotYourRistourne
from coop_governance.models import FiscalYear, RistourneAllocation, RistourneComputation
from coop_governance.ristourne_forms import ComputeForm, FiscalYearForm, ProposeForm
from coop_governance.ristourne_statements import allocations_csv, statement_pdf
from coop_governance.ristournes import (
    access_ristourne_view,
    fiscal_year_create,
    fiscal_year_last_ended,
    ristourne_compute,
    ristourne_propose,
    ristourne_record,
    ristournes_of,
)
from coop_governance.views.access import board_required

PAGE_SIZE = 50


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


# --- The member's pages -----------------------------------------------------------------


@require_GET
@login_required
def my_ristournes(request: HttpRequest) -> HttpResponse:
    """The signed-in person's ristournes (their own and their stores'), newest year first,
    each with its statement."""
    return _private(
        render(
            request,
            "coop_governance/ristournes/mine.html",
            {"allocations": ristournes_of(request.user)},
        )
    )


@require_GET
@login_required
def ristourne_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """One allocation's statement as PDF, in the page's language. Anyone but its member and
    the board gets a 404 (the number says nothing)."""
    allocation = get_object_or_404(
        RistourneAllocation.objects.select_related(
            "member__person", "member__store", "fiscal_year", "computation__motion"
        ),
        pk=pk,
    )
    try:
        access_ristourne_view(request.user, allocation)
    except NotYourRistourne:
        raise Http404 from None
    language = translation.get_language() or "fr"
    pdf = statement_pdf(allocation, language="en" if language.startswith("en") else "fr")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"ristourne-{allocation.fiscal_year}-{allocation.member.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


# --- The board's pages ------------------------------------------------------------------


def _board_page(
    request: HttpRequest, *, year_form: FiscalYearForm | None = None, status: int = 200
) -> HttpResponse:
    if year_form is None:
        try:
            starts_on, ends_on = fiscal_year_last_ended()
        except GovernanceError:
            starts_on = ends_on = None
        year_form = FiscalYearForm(initial={"starts_on": starts_on, "ends_on": ends_on})
    years = FiscalYear.objects.prefetch_related(
        Prefetch(
            "ristourne_computations",
            queryset=RistourneComputation.objects.select_related("motion").order_by("-computed_at"),
        )
    )
    return _private(
        render(
            request,
            "coop_governance/ristournes/board.html",
            {"years": years, "year_form": year_form},
            status=status,
        )
    )


@require_GET
@login_required
def board_ristournes(request: HttpRequest) -> HttpResponse:
    """The fiscal years and their computations, and the form that opens a year."""
    board_required(request)
    return _board_page(request)


@require_POST
@login_required
def board_fiscal_year_create(request: HttpRequest) -> HttpResponse:
    board_required(request)
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        try:
            year = fiscal_year_create(
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                acting_user=request.user,
            )
        except GovernanceError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Fiscal year %(year)s opened.") % {"year": year})
            return redirect("governance:ristourne_compute", year_pk=year.pk)
    return _board_page(request, year_form=form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def board_ristourne_compute(request: HttpRequest, year_pk: int) -> HttpResponse:
    """The year's figures: computing writes (or rewrites) the year's computation."""
    board_required(request)
    year = get_object_or_404(FiscalYear, pk=year_pk)
    status = 200
    if request.method == "POST":
        form = ComputeForm(request.POST)
        if form.is_valid():
            try:
                computation = ristourne_compute(
                    fiscal_year=year, acting_user=request.user, **form.cleaned_data
                )
            except GovernanceError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Ristournes computed."))
                return redirect("governance:ristourne_detail", pk=computation.pk)
        status = 400
    else:
        # Computing again starts from the figures entered last time.
        last = year.ristourne_computations.order_by("-computed_at").first()
        fields = ComputeForm.base_fields
        form = ComputeForm(initial={name: getattr(last, name) for name in fields} if last else None)
    return _private(
        render(
            request,
            "coop_governance/ristournes/compute.html",
            {"year": year, "form": form},
            status=status,
        )
    )


def _detail(
    request: HttpRequest,
    computation: RistourneComputation,
    *,
    propose_form: ProposeForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    recorded = computation.status == "recorded"
    if recorded:
        rows: Any = RistourneAllocation.objects.filter(computation=computation).select_related(
            "member"
        )
    else:
        rows = computation.purchases.select_related("member")
    page = Paginator(rows.order_by("member__number"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _private(
        render(
            request,
            "coop_governance/ristournes/detail.html",
            {
                "computation": computation,
                "year": computation.fiscal_year,
                "motion": computation.motion,
                "page": page,
                "recorded": recorded,
                "propose_form": propose_form or ProposeForm(),
                "error": error,
            },
            status=status,
        )
    )


def _computation(pk: int) -> RistourneComputation:
    return get_object_or_404(
        RistourneComputation.objects.select_related("fiscal_year", "motion"), pk=pk
    )


@require_GET
@login_required
def board_ristourne_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A computation: its figures, its members' purchases (or allocations once recorded),
    the proposal's form or its vote, and the record button."""
    board_required(request)
    return _detail(request, _computation(pk))


@require_POST
@login_required
def board_ristourne_propose(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    computation = _computation(pk)
    form = ProposeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        online = data["how"] == ProposeForm.ONLINE
        try:
            ristourne_propose(
                computation=computation,
                acting_user=request.user,
                assembly=None if online else data["assembly"],
                opens_at=data["opens_at"] if online else None,
                closes_at=data["closes_at"] if online else None,
            )
        except GovernanceError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The proposal is put to the members."))
            return redirect("governance:ristourne_detail", pk=computation.pk)
    return _detail(request, computation, propose_form=form, status=400)


@require_POST
@login_required
def board_ristourne_record(request: HttpRequest, pk: int) -> HttpResponse:
    board_required(request)
    computation = _computation(pk)
    try:
        computation = ristourne_record(computation=computation, acting_user=request.user)
    except GovernanceError as refused:
        return _detail(request, computation, error=refused.message, status=400)
    if computation.status == "rejected":
        messages.warning(request, _("The members rejected the proposal: nothing is recorded."))
    else:
        messages.success(request, _("Ristournes recorded."))
    return redirect("governance:ristourne_detail", pk=computation.pk)


@require_GET
@login_required
def board_ristourne_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The recorded allocations as CSV (ristourne_statements.CSV_COLUMNS)."""
    board_required(request)
    computation = _computation(pk)
    if computation.status != "recorded":
        raise Http404
    response = HttpResponse(allocations_csv(computation), content_type="text/csv; charset=utf-8")
    filename = f"ristournes-{computation.fiscal_year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)
