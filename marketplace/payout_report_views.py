"""A store's payouts report, for its owner: the page for a month (or a period of days)
and its CSV. Thin: authorise (access_payout_report), read the report, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from marketplace.models import Store
from marketplace.payout_report import (
    Month,
    PayoutReportMonthInvalid,
    PayoutReportPeriodInvalid,
    access_payout_report,
    month_parse,
    payout_report,
    payout_report_csv,
    period_parse,
)


def _owned_store(request: HttpRequest, store_slug: str) -> Store:
    store = get_object_or_404(Store, slug=store_slug)
    access_payout_report(acting_user=request.user, store=store)
    return store


@require_GET
@login_required
def payout_report_page(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The period's payouts per order and shipment, with totals and the CSV's link; a
    month or period that does not parse is a 400 showing the current month with the
    error beside its field."""
    store = _owned_store(request, store_slug)
    status = 200
    month_error = period_error = ""
    try:
        period = period_parse(request.GET)
    except PayoutReportMonthInvalid as invalid:
        period, status, month_error = month_parse(None), 400, invalid.message
    except PayoutReportPeriodInvalid as invalid:
        period, status, period_error = month_parse(None), 400, invalid.message
    report = payout_report(store=store, period=period)
    # The month selector shows the month asked for, or the month a period begins in.
    month = period if isinstance(period, Month) else Month(*period.first_day.timetuple()[:2])
    response = render(
        request,
        "marketplace/payouts/report.html",
        {
            "store": store,
            "report": report,
            "period": period,
            "month": month,
            "month_error": month_error,
            "period_error": period_error,
        },
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
        period = period_parse(request.GET)
    except (PayoutReportMonthInvalid, PayoutReportPeriodInvalid) as invalid:
        return HttpResponse(str(invalid.message), status=400, content_type="text/plain")
    report = payout_report(store=store, period=period)
    response = HttpResponse(payout_report_csv(report), content_type="text/csv; charset=utf-8")
    filename = f"versements-{store.slug}-{period.value}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
