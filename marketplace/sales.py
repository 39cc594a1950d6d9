"""A store's sales dashboard: its sales per day over a period, its top products, its
shipments by state now and its low stock; and who may read it (access_store_sales).

What counts as a sale (the page says the same):

- a sale is one of the store's shipments in an order that was paid (`Order.paid_at` set:
  an order paid after it had lapsed or been cancelled never gets it and is refunded in
  full), counted on the day of `paid_at` in the coop's time zone (settings.TIME_ZONE,
  Montréal's time), so one sale is one order for this store;
- its amount is the shipment's `subtotal`: the goods before taxes, as on the store's
  invoice and in its payouts (taxes, the coop's commission and the pickup fee are not
  sales of the store);
- every way a paid shipment ends without reaching the shopper (refused, cancelled,
  expired, returned, refunded: SHIPMENT_ENDED) refunds its whole invoice, so such a
  shipment counts as refunded in full, on the day it was paid: net = gross - refunded.

Every figure is summed by the database, in a constant number of queries whatever the
number of orders, days or products.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from marketplace.models import OrderLine, Shipment, ShipmentStatus, Store, StoreStaff, Variant
from marketplace.order_selectors import QUEUE_TABS
from marketplace.order_states import SHIPMENT_ENDED
from marketplace.selectors import variants_low_on_stock

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SALES_DEFAULT_DAYS = 30
SALES_MAX_DAYS = 366
TOP_PRODUCTS = 10


def sales_time_zone() -> ZoneInfo:
    """The coop's time zone, in which a sale's day is counted."""
    return ZoneInfo(settings.TIME_ZONE)


def sales_today() -> datetime.date:
    return timezone.localdate(timezone=sales_time_zone())


def access_store_sales(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may read `store`'s sales: an active
    person who works there (owner or staff)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user).exists():
        raise PermissionDenied


@dataclass(frozen=True)
class SalesDay:
    day: datetime.date
    orders: int
    gross: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunded


@dataclass(frozen=True)
class TopProduct:
    variant_id: int
    sku: str
    title: str
    quantity: int
    revenue: Decimal


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int
    queue_tab: str | None


@dataclass(frozen=True)
class SalesReport:
    start: datetime.date
    end: datetime.date
    days: list[SalesDay]
    top_by_quantity: list[TopProduct]
    top_by_revenue: list[TopProduct]
    by_status: list[StatusCount]
    low_stock: list[Variant]

    @property
    def orders(self) -> int:
        return sum(day.orders for day in self.days)

    @property
    def gross(self) -> Decimal:
        return sum((day.gross for day in self.days), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((day.refunded for day in self.days), ZERO)

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunded


def _period_bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """From midnight at the start of `start` to midnight at the end of `end`, in the
    coop's time zone (a DST day is 23 or 25 hours long, which this follows)."""
    zone = sales_time_zone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


def store_sales(*, store: Store, start: datetime.date, end: datetime.date) -> QuerySet[Shipment]:
    """`store`'s sales paid from `start` to `end` (whole days, both included): its
    shipments of paid orders, by the order's `paid_at`."""
    since, until = _period_bounds(start, end)
    return Shipment.objects.filter(
        store=store,
        order__paid_at__isnull=False,
        order__paid_at__gte=since,
        order__paid_at__lt=until,
    )


def _cents(amount: Decimal | None) -> Decimal:
    return (amount or ZERO).quantize(CENT)


def sales_per_day(*, store: Store, start: datetime.date, end: datetime.date) -> list[SalesDay]:
    """One row per day from `start` to `end`, days without sales at zero: the orders paid
    that day, their goods before taxes (gross), what of it was refunded, and so net. One
    query."""
    rows = (
        store_sales(store=store, start=start, end=end)
        .annotate(day=TruncDate("order__paid_at", tzinfo=sales_time_zone()))
        .values("day")
        .annotate(
            orders=Count("id"),
            gross=Sum("subtotal"),
            refunded=Sum("subtotal", filter=Q(status__in=SHIPMENT_ENDED)),
        )
        .order_by("day")
    )
    # SQLite sums decimals as floats: each sum is brought back to cents (the amounts are
    # cents already, so this changes nothing on PostgreSQL's numeric).
    found = {row["day"]: row for row in rows}
    days = []
    day = start
    while day <= end:
        row = found.get(day)
        days.append(
            SalesDay(
                day=day,
                orders=row["orders"] if row else 0,
                gross=_cents(row["gross"]) if row else ZERO,
                refunded=_cents(row["refunded"]) if row else ZERO,
            )
        )
        day += datetime.timedelta(days=1)
    return days


def top_products(
    *, store: Store, start: datetime.date, end: datetime.date, by: str
) -> list[TopProduct]:
    """The ten variants sold most in the period, `by` "quantity" or "revenue" (the lines'
    totals before taxes), refunded shipments left out. One query."""
    order_by = {"quantity": ("-quantity", "-revenue"), "revenue": ("-revenue", "-quantity")}[by]
    rows = (
        OrderLine.objects.filter(
            shipment__in=store_sales(store=store, start=start, end=end).exclude(
                status__in=SHIPMENT_ENDED
            )
        )
        .values("variant_id")
        # Lines copy the SKU and title as sold; one that changed since shows one of them.
        .annotate(
            quantity=Sum("quantity"),
            revenue=Sum("line_total"),
            sku=Max("sku"),
            title=Max("title"),
        )
        .order_by(*order_by, "sku")[:TOP_PRODUCTS]
    )
    return [
        TopProduct(
            variant_id=row["variant_id"],
            sku=row["sku"],
            title=row["title"],
            quantity=row["quantity"],
            revenue=_cents(row["revenue"]),
        )
        for row in rows
    ]


def shipments_by_status(store: Store) -> list[StatusCount]:
    """How many of `store`'s shipments are in each state now, in the order a shipment
    goes through them, with the tab of the order queue that lists them. One query."""
    counts = dict(
        Shipment.objects.filter(store=store)
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    tab_of = {status: tab for tab, statuses in QUEUE_TABS.items() for status in statuses}
    return [
        StatusCount(
            status=status.value,
            label=str(status.label),
            count=counts[status.value],
            queue_tab=tab_of.get(status),
        )
        for status in ShipmentStatus
        if counts.get(status.value)
    ]


def store_sales_report(*, store: Store, start: datetime.date, end: datetime.date) -> SalesReport:
    """Everything the dashboard shows for `store` from `start` to `end`. Five queries."""
    return SalesReport(
        start=start,
        end=end,
        days=sales_per_day(store=store, start=start, end=end),
        top_by_quantity=top_products(store=store, start=start, end=end, by="quantity"),
        top_by_revenue=top_products(store=store, start=start, end=end, by="revenue"),
        by_status=shipments_by_status(store),
        low_stock=list(variants_low_on_stock(store)),
    )
