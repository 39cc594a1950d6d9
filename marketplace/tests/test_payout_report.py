"""The payouts report of a store (marketplace/payout_report.py): who may read it, a month
computed by hand (refunds included) against the report, the CSV, the page and its query
count. Orders are made and paid through checkout and the order services on the offline
gateway; only their payment date is moved into the month under test."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from marketplace.checkout import checkout_start, order_payment_succeeded
from marketplace.models import Order, Store, StoreRole, Transfer
from marketplace.orders import order_cancel, shipment_refuse
from marketplace.payout_report import (
    CSV_COLUMNS,
    DateRange,
    Month,
    PayoutReportMonthInvalid,
    PayoutReportPeriodInvalid,
    access_payout_report,
    month_parse,
    payout_report,
    payout_report_csv,
    period_parse,
)
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked

pytestmark = pytest.mark.django_db

QUEBEC = ZoneInfo("America/Toronto")
MARCH = Month(2026, 3)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=QUEBEC)


# --- Who may read it ------------------------------------------------------------------


@pytest.fixture
def store(make_store, make_person):
    store = make_store(slug="epicerie")
    owner = make_person("owner@example.com", "shopper")
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    store.owner = owner
    return store


def test_the_owner_may_read_the_report(store):
    access_payout_report(acting_user=store.owner, store=store)


def test_staff_who_are_not_owners_may_not(store, store_worker):
    store_staff_set(store=store, user=store_worker, role=StoreRole.STAFF, acting_user=None)
    with pytest.raises(PermissionDenied):
        access_payout_report(acting_user=store_worker, store=store)


def test_the_owner_of_another_store_may_not(store, make_store, make_person):
    other = make_store(slug="quincaillerie")
    someone = make_person("other-owner@example.com", "shopper")
    store_staff_set(store=other, user=someone, role=StoreRole.OWNER, acting_user=None)
    with pytest.raises(PermissionDenied):
        access_payout_report(acting_user=someone, store=store)


def test_a_visitor_may_not(store):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        access_payout_report(acting_user=AnonymousUser(), store=store)


def test_an_owner_no_longer_active_may_not(store):
    store.owner.is_active = False
    store.owner.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        access_payout_report(acting_user=store.owner, store=store)


def test_a_shopper_with_no_tie_to_the_store_may_not(store, shopper):
    with pytest.raises(PermissionDenied):
        access_payout_report(acting_user=shopper, store=store)


# --- The month --------------------------------------------------------------------------


def test_a_month_is_parsed_strictly():
    assert month_parse("2026-03") == MARCH
    now = datetime.datetime(2026, 4, 1, 3, 30, tzinfo=datetime.UTC)  # 31 March in Québec
    assert month_parse("", now=now) == MARCH
    assert month_parse(None, now=now) == MARCH
    for bad in ("2026-13", "2026-00", "1999-12", "2026-3", "2026-03-01", "mars", ["2026-03"]):
        with pytest.raises(PayoutReportMonthInvalid):
            month_parse(bad)
    assert (Month(2026, 12).following, Month(2026, 1).preceding) == (
        Month(2027, 1),
        Month(2025, 12),
    )
    assert MARCH.start.isoformat() == "2026-03-01T00:00:00-05:00"
    assert MARCH.end.isoformat() == "2026-04-01T00:00:00-04:00"


def test_a_period_of_days_is_parsed_strictly():
    q1 = DateRange(datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert period_parse({"du": "2026-01-01", "au": "2026-03-31"}) == q1
    assert period_parse({"du": "2026-01-01", "au": "2026-03-31", "mois": "2025-01"}) == q1
    assert period_parse({"mois": "2026-03"}) == MARCH
    assert q1.start.isoformat() == "2026-01-01T00:00:00-05:00"
    assert q1.end.isoformat() == "2026-04-01T00:00:00-04:00"
    assert q1.query == "du=2026-01-01&au=2026-03-31"
    for bad in (
        {"du": "2026-01-01"},
        {"au": "2026-03-31"},
        {"du": "2026-03-31", "au": "2026-01-01"},
        {"du": "2026-01-01", "au": "2027-01-02"},  # more than 366 days
        {"du": "2026-02-30", "au": "2026-03-31"},
        {"du": "1999-12-31", "au": "2000-01-01"},
        {"du": "2026-1-1", "au": "2026-03-31"},
        {"du": ["2026-01-01"], "au": "2026-03-31"},
    ):
        with pytest.raises(PayoutReportPeriodInvalid):
            period_parse(bad)
    assert period_parse({"du": "2024-01-01", "au": "2024-12-31"}).last_day.day == 31


# --- A month computed by hand ---------------------------------------------------------


def buy(shopper, key: str, items) -> Order:
    cart = cart_fill(shopper, items)
    return checkout_start(
        cart=cart,
        buyer=shopper,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key=key,
        acting_user=shopper,
    )


@pytest.fixture
def march(store, make_store, shopper, django_capture_on_commit_callbacks):
    """Five orders of the store (`epicerie`, GST- and QST-registered, every item 12.35 $),
    paid on the offline gateway with their transfers sent; then one refused by the store,
    one cancelled by the shopper, and each order's payment date moved to its day."""
    other = make_store(slug="fromagerie")
    Store.objects.filter(pk=other.pk).update(small_supplier=True, gst_number="", qst_number="")
    for each in (store, other):
        payout_account_add(each)
    a = stocked(store, stock=20, price="12.35")
    b = stocked(other, stock=20, price="7.99")

    def paid(key: str, items, when: datetime.datetime) -> Order:
        order = buy(shopper, key, items)
        with django_capture_on_commit_callbacks(execute=True):
            order_payment_succeeded(paid_event(order))
        Order.objects.filter(pk=order.pk).update(paid_at=when)
        return order

    orders = {
        "kept": paid("m-1", [(a[0], 2)], at(3, 10)),
        "refused": paid("m-2", [(a[1], 1)], at(15, 9)),
        "kept_too": paid("m-4", [(a[3], 1), (b[0], 1)], at(20, 14)),
        "cancelled": paid("m-3", [(a[2], 3), (b[1], 1)], at(31, 23, 30)),
        # Paid at 00:30 on 1 April in Québec: April's, not March's.
        "april": paid("m-5", [(a[0], 1)], at(1, 0, 30, month=4)),
        "february": paid("m-0", [(a[0], 1)], at(28, 23, 59, month=2)),
    }
    refused = orders["refused"].shipments.get(store=store)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_refuse(shipment=refused, reason="Rupture de stock.", acting_user=store.owner)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=orders["cancelled"], acting_user=shopper)
    return orders


def test_a_month_computed_by_hand_equals_the_report(store, march):
    """Figures worked out on paper (GST 5 %, QST 9.975 %, commission 8 %, each rounded
    half up on the shipment's subtotal):

    1. kept, 3 March, 2 x 12.35 = 24.70: GST 1.235 → 1.24, QST 2.463825 → 2.46,
       total 28.40, commission 1.976 → 1.98, payout 26.42; net 26.42.
    2. refused, 15 March, 12.35: GST 0.6175 → 0.62, QST 1.2319125 → 1.23, total 14.20,
       commission 0.988 → 0.99, payout 13.21; the order's only shipment, so the refund is
       the whole order (with the pickup fee) of which 14.20 is this invoice; reversed
       13.21; net 0.00.
    3. kept, 20 March, 12.35 (with a cheese-shop item): as 2., net 13.21.
    4. cancelled by the shopper, 31 March 23:30 in Québec (1 April in UTC), 3 x 12.35
       = 37.05: GST 1.8525 → 1.85, QST 3.6957375 → 3.70, total 42.60, commission
       2.964 → 2.96, payout 39.64; refunded 42.60, reversed 39.64; net 0.00.
    Paid 28 February 23:59 and 1 April 00:30: not March's.
    """
    report = payout_report(store=store, period=MARCH)
    rows = report.rows
    assert [r.order_number for r in rows] == [
        march[k].number for k in ("kept", "refused", "kept_too", "cancelled")
    ]
    d = Decimal
    expected = [
        # subtotal, gst, qst, gross, commission, payout, refunded, reversed, net
        ("24.70", "1.24", "2.46", "28.40", "1.98", "26.42", "0.00", "0.00", "26.42"),
        ("12.35", "0.62", "1.23", "14.20", "0.99", "13.21", "14.20", "13.21", "0.00"),
        ("12.35", "0.62", "1.23", "14.20", "0.99", "13.21", "0.00", "0.00", "13.21"),
        ("37.05", "1.85", "3.70", "42.60", "2.96", "39.64", "42.60", "39.64", "0.00"),
    ]
    for row, figures in zip(rows, expected, strict=True):
        assert (
            row.subtotal,
            row.gst,
            row.qst,
            row.gross,
            row.commission,
            row.payout,
            row.refunded_to_shopper,
            row.reversed,
            row.net,
        ) == tuple(d(f) for f in figures)
        assert (row.gst_collected_by, row.qst_collected_by) == ("store", "store")
        assert row.payment_fees == d("0.00")
        assert row.taxes_collected_by_coop == d("0.00")
        assert row.transferred == row.payout
        assert row.transfer_id.startswith("tr_")
        for amount in (row.gross, row.net, row.reversed, row.refunded_to_shopper):
            assert isinstance(amount, Decimal)
    totals = report.totals
    assert (
        totals.subtotal,
        totals.gst,
        totals.qst,
        totals.gross,
        totals.commission,
        totals.payment_fees,
        totals.payout,
        totals.transferred,
        totals.refunded_to_shopper,
        totals.reversed,
        totals.net,
    ) == (
        d("86.45"),
        d("4.33"),
        d("8.62"),
        d("99.40"),
        d("6.92"),
        d("0.00"),
        d("92.48"),
        d("92.48"),
        d("56.80"),
        d("52.85"),
        d("39.63"),
    )
    # Net is what the transfers less their reversals say, to the cent.
    numbers = [r.order_number for r in rows]
    transfers = Transfer.objects.filter(shipment__store=store, shipment__order__number__in=numbers)
    assert totals.net == sum((t.amount - t.reversed_amount for t in transfers), Decimal(0))


def test_the_small_suppliers_qst_is_the_coops_and_is_not_paid_out(march):
    cheese = Store.objects.get(slug="fromagerie")
    [kept, cancelled] = payout_report(store=cheese, period=MARCH).rows
    # 7.99: no GST (a small supplier), QST 0.797… → 0.80 collected by the coop,
    # commission 0.6392 → 0.64; payout 7.99 + 0.80 - 0.80 - 0.64 = 7.35.
    assert (kept.gst_collected_by, kept.qst_collected_by) == ("none", "coop")
    assert (kept.gross, kept.taxes_collected_by_coop, kept.commission, kept.net) == (
        Decimal("8.79"),
        Decimal("0.80"),
        Decimal("0.64"),
        Decimal("7.35"),
    )
    assert (cancelled.refunded_to_shopper, cancelled.reversed, cancelled.net) == (
        Decimal("8.79"),
        Decimal("7.35"),
        Decimal("0.00"),
    )


def test_the_csv_holds_the_same_rows_with_decimal_points(store, march):
    report = payout_report(store=store, period=MARCH)
    body = payout_report_csv(report)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert tuple(lines[0]) == CSV_COLUMNS
    assert len(lines) == 1 + len(report.rows)  # no totals line
    first = dict(zip(CSV_COLUMNS, lines[1], strict=True))
    assert first["order_number"] == march["kept"].number
    assert first["shipment_number"] == f"{march['kept'].number}-1"
    assert first["paid_at"] == "2026-03-03T10:00:00-05:00"
    assert (first["gross"], first["gst"], first["qst"], first["commission"]) == (
        "28.40",
        "1.24",
        "2.46",
        "1.98",
    )
    assert (first["gst_collected_by"], first["qst_collected_by"]) == ("store", "store")
    assert (first["payment_fees"], first["net"], first["currency"]) == ("0.00", "26.42", "CAD")
    refused = dict(zip(CSV_COLUMNS, lines[2], strict=True))
    assert (refused["refunded_to_shopper"], refused["reversed"], refused["net"]) == (
        "14.20",
        "13.21",
        "0.00",
    )
    assert sum(Decimal(line[CSV_COLUMNS.index("net")]) for line in lines[1:]) == Decimal("39.63")


# --- The page --------------------------------------------------------------------------


def page_url(store: Store, month: str = "2026-03") -> str:
    return f"{reverse('marketplace:payout_report', args=[store.slug])}?mois={month}"


def test_the_page_shows_the_rows_totals_and_the_csv_link(client, store, march):
    client.force_login(store.owner)
    client.cookies["django_language"] = "en"
    response = client.get(page_url(store))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    for key in ("kept", "refused", "kept_too", "cancelled"):
        assert f'data-shipment="{march[key].number}-1"' in html
    assert march["april"].number not in html
    assert "$39.63" in html
    assert "Payment fees: $0.00" in html
    csv_url = f"{reverse('marketplace:payout_report_csv', args=[store.slug])}?mois=2026-03"
    assert csv_url in html
    download = client.get(csv_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="versements-epicerie-2026-03.csv"' in download["Content-Disposition"]
    assert download.content == payout_report_csv(payout_report(store=store, period=MARCH))


def test_the_page_in_french(client, store, march):
    client.force_login(store.owner)
    with translation.override("fr"):
        client.cookies["django_language"] = "fr"
        html = client.get(page_url(store)).content.decode()
    assert "39,63\u00a0$" in html


def test_a_period_of_days_has_its_rows_and_its_csv(client, store, march):
    """From 15 to 31 March: the refused order, the kept one of the 20th and the one
    cancelled at 23:30 on the 31st; not the 3 March one, nor April's."""
    client.force_login(store.owner)
    client.cookies["django_language"] = "en"
    base = reverse("marketplace:payout_report", args=[store.slug])
    response = client.get(f"{base}?du=2026-03-15&au=2026-03-31")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-shipment=") == 3
    assert march["kept"].number not in html
    assert "$13.21" in html  # net: only the order of the 20th kept its transfer
    csv_url = reverse("marketplace:payout_report_csv", args=[store.slug])
    assert f"{csv_url}?du=2026-03-15&amp;au=2026-03-31" in html
    download = client.get(f"{csv_url}?du=2026-03-15&au=2026-03-31")
    assert (
        'filename="versements-epicerie-2026-03-15-au-2026-03-31.csv"'
        in (download["Content-Disposition"])
    )
    assert len(download.content.decode("utf-8-sig").splitlines()) == 1 + 3
    bad = client.get(f"{base}?du=2026-03-31&au=2026-03-15")
    assert bad.status_code == 400
    assert client.get(f"{csv_url}?du=2026-03-31&au=2026-03-15").status_code == 400


def test_an_empty_month_shows_the_empty_state(client, store):
    client.force_login(store.owner)
    client.cookies["django_language"] = "en"
    response = client.get(page_url(store, "2025-01"))
    assert response.status_code == 200
    assert "No paid order in this period." in response.content.decode()
    assert "data-payout-table" not in response.content.decode()


def test_a_bad_month_is_a_400_not_a_500(client, store):
    client.force_login(store.owner)
    for bad in ("2026-13", "x" * 5000, "2026-03'--"):
        assert client.get(page_url(store, bad)).status_code == 400
        csv_url = f"{reverse('marketplace:payout_report_csv', args=[store.slug])}?mois={bad}"
        assert client.get(csv_url).status_code == 400


@pytest.mark.parametrize("name", ["marketplace:payout_report", "marketplace:payout_report_csv"])
def test_the_page_and_csv_refuse_staff_others_and_visitors(
    client, store, store_worker, make_store, make_person, name
):
    url = reverse(name, args=[store.slug])
    assert client.get(url).status_code == 302  # a visitor: the sign-in page
    store_staff_set(store=store, user=store_worker, role=StoreRole.STAFF, acting_user=None)
    client.force_login(store_worker)
    assert client.get(url).status_code == 403
    other = make_store(slug="quincaillerie")
    someone = make_person("other-owner@example.com", "shopper")
    store_staff_set(store=other, user=someone, role=StoreRole.OWNER, acting_user=None)
    client.force_login(someone)
    assert client.get(url).status_code == 403
    assert client.get(reverse(name, args=["nulle-part"])).status_code == 404


def test_only_owners_see_the_link_among_the_stores_tools(client, store, store_worker):
    store_staff_set(store=store, user=store_worker, role=StoreRole.STAFF, acting_user=None)
    link = reverse("marketplace:payout_report", args=[store.slug])
    client.force_login(store.owner)
    assert link in client.get(reverse("marketplace:my_stores")).content.decode()
    client.force_login(store_worker)
    assert link not in client.get(reverse("marketplace:my_stores")).content.decode()


def test_the_page_costs_the_same_queries_for_one_and_many_orders(
    client, store, shopper, django_capture_on_commit_callbacks
):
    payout_account_add(store)
    variants = stocked(store, stock=50, price="3.00")
    client.force_login(store.owner)
    month = month_parse(None).value

    def order(n: int) -> None:
        placed = buy(shopper, f"q-{n}", [(variants[n % len(variants)], 1)])
        with django_capture_on_commit_callbacks(execute=True):
            order_payment_succeeded(paid_event(placed))

    order(0)
    with CaptureQueriesContext(connection) as one:
        assert client.get(page_url(store, month)).status_code == 200
    first = Order.objects.get(checkout_key="q-0")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=first, acting_user=shopper)  # a refund, a reversal
    for n in range(1, 9):
        order(n)
    with CaptureQueriesContext(connection) as nine:
        response = client.get(page_url(store, month))
    assert response.content.decode().count("data-shipment=") == 9
    assert len(nine) == len(one)


# --- The demo ---------------------------------------------------------------------------


def test_the_demo_bakerys_report_has_transfers_a_refund_and_a_reversal(
    django_capture_on_commit_callbacks,
):
    """Even when no task ran after the commit (no worker yet), the demo's paid orders
    have their transfers and refunds, sent through the order services."""
    from core.demo import DemoSummary
    from core.tests.queries import no_writes
    from identity import demo as identity_demo
    from marketplace.demo import demo_load

    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=False):
        demo_load(summary=DemoSummary(), people=people)
    bakery = Store.objects.get(slug="boulangerie-du-faubourg")
    report = payout_report(store=bakery, period=month_parse(None))
    assert len(report.rows) >= 4
    # Every paid shipment was transferred, but those refused within the seed before any
    # transfer (the demo orders' and the demo sales' refused ones): they never had one.
    untransferred = [row for row in report.rows if not row.transfer_id]
    assert untransferred and {row.status for row in untransferred} == {"refunded"}
    assert all(row.transfer_id.startswith("tr_test_") for row in report.rows if row.transferred)
    assert report.totals.reversed > 0
    assert report.totals.refunded_to_shopper > 0
    assert report.totals.net == report.totals.transferred - report.totals.reversed > 0
    with no_writes():
        demo_load(summary=DemoSummary(), people=people)
