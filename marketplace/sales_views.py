"""A store's sales dashboard, for the people who work there. Thin: authorise
(access_store_sales), read the period, call the report (marketplace/sales.py), render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from marketplace.models import Store
from marketplace.sales import (
    SALES_MAX_DAYS,
    access_store_sales,
    sales_time_zone,
    store_sales_report,
)
from marketplace.sales_forms import SalesPeriodForm


@require_GET
@login_required
def store_sales_dashboard(request: HttpRequest, store_slug: str) -> HttpResponse:
    """Sales per day over the chosen period (the last 30 days by default) as a chart and a
    table, the top products, the shipments by state and the low stock. A bad period is a
    form error (400), never a report."""
    store = get_object_or_404(Store, slug=store_slug)
    access_store_sales(acting_user=request.user, store=store)
    form = SalesPeriodForm(request.GET)
    context = {
        "store": store,
        "form": form,
        "max_days": SALES_MAX_DAYS,
        "time_zone": str(sales_time_zone()),
    }
    if not form.is_valid():
        return render(request, "marketplace/sales/dashboard.html", context, status=400)
    report = store_sales_report(
        store=store, start=form.cleaned_data["du"], end=form.cleaned_data["au"]
    )
    context["report"] = report
    context["chart"] = {
        "days": [day.day.isoformat() for day in report.days],
        "net": [str(day.net) for day in report.days],
        "orders": [day.orders for day in report.days],
        "currency": "CAD",
    }
    return render(request, "marketplace/sales/dashboard.html", context)
