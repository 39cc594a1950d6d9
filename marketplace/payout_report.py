"""A store's payouts report, for its owner: per shipment of the orders paid in a month,
what the shopper paid, the taxes and who collected them, the coop's commission, the
payment fees, the refunds and transfer reversals, and what the store was paid in the
end, with the transfer that carried it (docs/payments.md, "Payouts report").

Rules:

- a shipment belongs to the month (or the period of days, at most 366) in which its order
  was paid, in America/Toronto; refunds and reversals made since are shown on that row,
  so a month's figures are as of now;
- net to the store = the transfer's amount - its reversed amount (0.00 while no transfer
  was made), so the report's net total is, to the cent, the sum of the store's transfers
  less their reversals at the gateway;
- the coop's share (commission, taxes it collects as operator, pickup fee) pays the
  gateway's processing fee: a store's payment fees are always 0.00;
- all amounts are Decimal; the CSV writes them with a decimal point, never through float.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from marketplace.errors import MarketplaceError
from marketplace.models import Refund, Shipment, Store, StoreRole, StoreStaff, TaxCollector
from marketplace.taxes import ZERO

QUEBEC = ZoneInfo("America/Toronto")
# Months a report may ask for: from the coop's first year to a few years ahead.
FIRST_YEAR = 2020
LAST_YEAR = 2100
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
# Shipment statuses ended by a refund to the shopper: an order-wide refund (the shopper
# cancelling a paid order) covered each of them.
REFUNDED_STATUSES = frozenset({"cancelled", "refunded"})


class PayoutReportMonthInvalid(MarketplaceError):
    code = "payout_report_month_invalid"
    message = _("Choose a month as YYYY-MM, for example 2026-11.")


class PayoutReportPeriodInvalid(MarketplaceError):
    code = "payout_report_period_invalid"
    message = _(
        "Choose both days of the period as YYYY-MM-DD, the first no later than the last, "
        "at most 366 days apart."
    )


def access_payout_report(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may read `store`'s payouts report: an
    active owner of that store. Staff who are not owners may not: it is the retailer's
    money (its margins and its bank's transfers), not the counter's work."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user, role=StoreRole.OWNER).exists():
        raise PermissionDenied


# --- The period ------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    """A calendar month in Québec: [start, end) as aware datetimes."""

    year: int
    month: int

    @property
    def value(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime(self.year, self.month, 1, tzinfo=QUEBEC)

    @property
    def end(self) -> datetime.datetime:
        return self.following.start

    @property
    def following(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def preceding(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def is_month(self) -> bool:
        return True

    @property
    def query(self) -> str:
        return urlencode({"mois": self.value})


@dataclass(frozen=True)
class DateRange:
    """Days from `first_day` to `last_day` included, in Québec: [start, end)."""

    first_day: datetime.date
    last_day: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime.combine(self.first_day, datetime.time(), tzinfo=QUEBEC)

    @property
    def end(self) -> datetime.datetime:
        following = self.last_day + datetime.timedelta(days=1)
        return datetime.datetime.combine(following, datetime.time(), tzinfo=QUEBEC)

    @property
    def value(self) -> str:
        return f"{self.first_day.isoformat()}-au-{self.last_day.isoformat()}"

    @property
    def is_month(self) -> bool:
        return False

    @property
    def query(self) -> str:
        return urlencode({"du": self.first_day.isoformat(), "au": self.last_day.isoformat()})


Period = Month | DateRange
PERIOD_MAX_DAYS = 366
DAY_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def month_parse(value: Any, *, now: datetime.datetime | None = None) -> Month:
    """The month `value` names (`YYYY-MM`); the current month in Québec when it is empty
    or absent. Raises PayoutReportMonthInvalid for anything else."""
    if value in (None, ""):
        today = (now or datetime.datetime.now(tz=QUEBEC)).astimezone(QUEBEC)
        return Month(today.year, today.month)
    match = MONTH_PATTERN.match(value) if isinstance(value, str) and len(value) == 7 else None
    if match is None:
        raise PayoutReportMonthInvalid
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise PayoutReportMonthInvalid
    return Month(year, month)


def _day_parse(value: Any) -> datetime.date:
    match = DAY_PATTERN.match(value) if isinstance(value, str) and len(value) == 10 else None
    if match is None:
        raise PayoutReportPeriodInvalid
    try:
        day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise PayoutReportPeriodInvalid from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PayoutReportPeriodInvalid
    return day


def period_parse(params: Mapping[str, Any], *, now: datetime.datetime | None = None) -> Period:
    """The period a request asks for: `du` and `au` (YYYY-MM-DD, both, in order, at most
    366 days) when either is given, otherwise the month `mois` (month_parse). Raises
    PayoutReportPeriodInvalid or PayoutReportMonthInvalid."""
    first, last = params.get("du"), params.get("au")
    if first in (None, "") and last in (None, ""):
        return month_parse(params.get("mois"), now=now)
    first_day, last_day = _day_parse(first), _day_parse(last)
    if first_day > last_day or (last_day - first_day).days >= PERIOD_MAX_DAYS:
        raise PayoutReportPeriodInvalid
    return DateRange(first_day, last_day)


# --- The rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutRow:
    """One shipment of the store: its invoice, how the money was split, and what was
    transferred, refunded and reversed."""

    order_number: str
    shipment_number: str
    paid_at: datetime.datetime
    status: str
    status_label: str
    subtotal: Decimal
    gst: Decimal
    gst_collected_by: str
    gst_collected_by_label: str
    qst: Decimal
    qst_collected_by: str
    qst_collected_by_label: str
    gross: Decimal
    taxes_collected_by_coop: Decimal
    commission: Decimal
    payment_fees: Decimal
    payout: Decimal
    transfer_id: str
    transfer_date: datetime.datetime | None
    transferred: Decimal
    refunded_to_shopper: Decimal
    reversed: Decimal
    net: Decimal
    currency: str


@dataclass
class PayoutTotals:
    subtotal: Decimal = ZERO
    gst: Decimal = ZERO
    qst: Decimal = ZERO
    gross: Decimal = ZERO
    taxes_collected_by_coop: Decimal = ZERO
    commission: Decimal = ZERO
    payment_fees: Decimal = ZERO
    payout: Decimal = ZERO
    transferred: Decimal = ZERO
    refunded_to_shopper: Decimal = ZERO
    reversed: Decimal = ZERO
    net: Decimal = ZERO

    def add(self, row: PayoutRow) -> None:
        for name in PayoutTotals.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(row, name))


@dataclass
class PayoutReport:
    store: Store
    period: Period
    rows: list[PayoutRow] = field(default_factory=list)
    totals: PayoutTotals = field(default_factory=PayoutTotals)


def _shopper_refunded(shipment: Shipment, refunds: Iterable[Refund]) -> Decimal:
    """What was given back to the shopper for this shipment's invoice: its own refunds up
    to its total (a refund of an order's last shipment also returns the coop's pickup
    fee, which is not the store's), or its total when an order-wide refund (a paid order
    cancelled) ended it."""
    own = [refund for refund in refunds if refund.shipment_id == shipment.pk]
    if own:
        return min(sum((refund.amount for refund in own), ZERO), shipment.total)
    order_wide = any(refund.shipment_id is None for refund in refunds)
    if order_wide and shipment.status in REFUNDED_STATUSES:
        return shipment.total
    return ZERO


def _row(shipment: Shipment) -> PayoutRow:
    order = shipment.order
    transfer = getattr(shipment, "transfer", None)
    coop_taxes = (shipment.gst if shipment.gst_collected_by == TaxCollector.COOP else ZERO) + (
        shipment.qst if shipment.qst_collected_by == TaxCollector.COOP else ZERO
    )
    transferred = transfer.amount if transfer is not None else ZERO
    reversed_amount = transfer.reversed_amount if transfer is not None else ZERO
    return PayoutRow(
        order_number=order.number,
        shipment_number=shipment.number,
        paid_at=order.paid_at,
        status=shipment.status,
        status_label=shipment.get_status_display(),
        subtotal=shipment.subtotal,
        gst=shipment.gst,
        gst_collected_by=shipment.gst_collected_by,
        gst_collected_by_label=shipment.get_gst_collected_by_display(),
        qst=shipment.qst,
        qst_collected_by=shipment.qst_collected_by,
        qst_collected_by_label=shipment.get_qst_collected_by_display(),
        gross=shipment.total,
        taxes_collected_by_coop=coop_taxes,
        commission=shipment.commission,
        payment_fees=ZERO,
        payout=shipment.payout,
        transfer_id=transfer.transfer_id if transfer is not None else "",
        transfer_date=transfer.created_at if transfer is not None else None,
        transferred=transferred,
        refunded_to_shopper=_shopper_refunded(shipment, order.refunds.all()),
        reversed=reversed_amount,
        net=transferred - reversed_amount,
        currency=order.currency,
    )


def payout_report(*, store: Store, period: Period) -> PayoutReport:
    """`store`'s payouts report for `period` (a month or a range of days): one row per
    shipment of an order paid in it (oldest first), with its transfer and the order's
    refunds, and the totals.
    Two queries, whatever the number of shipments."""
    shipments = (
        Shipment.objects.filter(
            store=store,
            order__paid_at__isnull=False,
            order__paid_at__gte=period.start,
            order__paid_at__lt=period.end,
        )
        .select_related("order", "transfer")
        .prefetch_related(
            Prefetch("order__refunds", queryset=Refund.objects.order_by("created_at", "id"))
        )
        .order_by("order__paid_at", "order__number", "sequence")
    )
    report = PayoutReport(store=store, period=period)
    for shipment in shipments:
        row = _row(shipment)
        report.rows.append(row)
        report.totals.add(row)
    return report


# --- CSV -------------------------------------------------------------------------------

# The CSV's columns, in this order always (docs/payments.md lists what each holds).
CSV_COLUMNS = (
    "order_number",
    "shipment_number",
    "paid_at",
    "shipment_status",
    "subtotal",
    "gst",
    "gst_collected_by",
    "qst",
    "qst_collected_by",
    "gross",
    "taxes_collected_by_coop",
    "commission",
    "payment_fees",
    "payout",
    "transfer_id",
    "transfer_date",
    "transferred",
    "refunded_to_shopper",
    "reversed",
    "net",
    "currency",
)


def _amount(value: Decimal) -> str:
    """`12.30`: two decimals, a point, from the Decimal itself."""
    return f"{value:.2f}"


def _when(value: datetime.datetime | None) -> str:
    """ISO 8601 in Québec's time, to the second: `2026-11-03T14:05:09-05:00`."""
    if value is None:
        return ""
    return value.astimezone(QUEBEC).replace(microsecond=0).isoformat()


def payout_report_csv(report: PayoutReport) -> bytes:
    """The report's rows as CSV: UTF-8 with a byte order mark (spreadsheets then read the
    accents right), commas, CRLF line ends, a header of CSV_COLUMNS, one line per
    shipment and no totals line (a spreadsheet's own sum would count it twice)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(
            [
                row.order_number,
                row.shipment_number,
                _when(row.paid_at),
                row.status,
                _amount(row.subtotal),
                _amount(row.gst),
                row.gst_collected_by,
                _amount(row.qst),
                row.qst_collected_by,
                _amount(row.gross),
                _amount(row.taxes_collected_by_coop),
                _amount(row.commission),
                _amount(row.payment_fees),
                _amount(row.payout),
                row.transfer_id,
                _when(row.transfer_date),
                _amount(row.transferred),
                _amount(row.refunded_to_shopper),
                _amount(row.reversed),
                _amount(row.net),
                row.currency,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
