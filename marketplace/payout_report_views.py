"""A store's payouts report, for its owner: the page for a month and its CSV. Thin:
authorise (access_payout_report), read the report, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from marketplace.models import Store
from marketplace.payout_report import (
    PayoutReportMonthInvalid,
    access_payout_report,
    month_parse,
    payout_report,
    payout_report_csv,
)

MONTH_PARAMETER = "mois"


def _owned_store(request: HttpRequest, store_slug: str) -> Store:
    store = get_object_or_404(Store, slug=store_slug)
    access_payout_report(acting_user=request.user, store=store)
    return store


@require_GET
@login_required
def payout_report_page(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The month's payouts per order and shipment, with totals and the CSV's link; a
    month that is not YYYY-MM is a 400 showing the current month's form."""
    store = _owned_store(request, store_slug)
    status = 200
    error = ""
    try:
        month = month_parse(request.GET.get(MONTH_PARAMETER))
    except PayoutReportMonthInvalid as invalid:
        month, status, error = month_parse(None), 400, invalid.message
    report = payout_report(store=store, month=month)
    response = render(
        request,
        "marketplace/payouts/report.html",
        {"store": store, "report": report, "month": month, "month_error": error},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def payout_report_download(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The same rows as CSV (marketplace.payout_report.CSV_COLUMNS)."""
    store = _owned_store(request, store_slug)
    try:
        month = month_parse(request.GET.get(MONTH_PARAMETER))
    except PayoutReportMonthInvalid as invalid:
        return HttpResponse(str(invalid.message), status=400, content_type="text/plain")
    report = payout_report(store=store, month=month)
    response = HttpResponse(payout_report_csv(report), content_type="text/csv; charset=utf-8")
    filename = f"versements-{store.slug}-{month.value}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
