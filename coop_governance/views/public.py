"""The coop's public pages (no sign-in): the by-laws in force with their history of
versions, and the results of past votes, at assemblies and online."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from coop_governance.errors import BylawsMissing
from coop_governance.models import AssemblyStatus, Bylaws, Motion, MotionStatus
from coop_governance.selectors import bylaws_in_force

RESULTS_PAGE_SIZE = 20


@require_GET
def bylaws_public(request: HttpRequest) -> HttpResponse:
    """The by-laws in force, their rules in figures and text, and every version."""
    try:
        current = bylaws_in_force()
    except BylawsMissing:
        current = None
    versions = Bylaws.objects.select_related("adopted_by__assembly").order_by("-version")
    return render(
        request,
        "coop_governance/public/bylaws.html",
        {"bylaws": current, "versions": versions, "in_force": current},
    )


@require_GET
def bylaws_version_public(request: HttpRequest, version: int) -> HttpResponse:
    """One version of the by-laws, in force or not."""
    bylaws = get_object_or_404(
        Bylaws.objects.select_related("adopted_by__assembly").prefetch_related("board_seats"),
        version=version,
    )
    try:
        current = bylaws_in_force()
    except BylawsMissing:
        current = None
    return render(
        request,
        "coop_governance/public/bylaws.html",
        {"bylaws": bylaws, "versions": None, "in_force": current},
    )


@require_GET
def results_public(request: HttpRequest) -> HttpResponse:
    """Every counted vote, newest first: at a closed assembly, or online once closed."""
    motions = (
        Motion.objects.filter(status=MotionStatus.CLOSED)
        .filter(Q(assembly__isnull=True) | Q(assembly__status=AssemblyStatus.CLOSED))
        .select_related("assembly", "bylaws")
        .order_by("-closed_at", "-pk")
    )
    page = Paginator(motions, RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "coop_governance/public/results.html", {"page": page})
