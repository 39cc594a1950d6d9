"""A store's sales dashboard: the figures against a hand-computed set of orders (days in
Montréal time, a refund, unpaid and cancelled orders left out), an empty period, bad
periods, who may read it (one test per refusal) and its constant number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from marketplace import orders
from marketplace.checkout import checkout_start, order_payment_succeeded
from marketplace.models import Order, ShipmentStatus, StoreRole, Variant
from marketplace.sales import access_store_sales, store_sales_report
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked

UTC = datetime.UTC
NOV = {day: datetime.date(2026, 11, day) for day in range(1, 31)}


@pytest.fixture
def stores(make_store):
    a, b = make_store(slug="epicerie"), make_store(slug="librairie")
    for store in (a, b):
        payout_account_add(store)
    return a, b


@pytest.fixture
def owner(make_person, stores):
    person = make_person("owner@example.com", "shopper")
    store_staff_set(store=stores[0], user=person, role=StoreRole.OWNER, acting_user=None)
    return person


@pytest.fixture
def clerk(make_person, stores):
    person = make_person("clerk@example.com", "shopper")
    store_staff_set(store=stores[0], user=person, role=StoreRole.STAFF, acting_user=None)
    return person


@pytest.fixture
def other_clerk(make_person, stores):
    person = make_person("other@example.com", "shopper")
    store_staff_set(store=stores[1], user=person, role=StoreRole.STAFF, acting_user=None)
    return person


@pytest.fixture
def shelves(stores):
    """Store A: `bread` at 10.00 and `jam` at 25.50; store B: `book` at 7.00."""
    va, vb = stocked(stores[0], stock=100), stocked(stores[1], stock=100)
    for variant, price in ((va[0], "10.00"), (va[1], "25.50"), (vb[0], "7.00")):
        Variant.objects.filter(pk=variant.pk).update(price=Decimal(price))
        variant.refresh_from_db()
    return {"bread": va[0], "jam": va[1], "book": vb[0]}


class Orders:
    """Orders checked out by one shopper through the services, paid at a given moment."""

    def __init__(self, shopper) -> None:
        self.shopper = shopper
        self.n = 0

    def place(self, items, *, paid_at: datetime.datetime | None = None) -> Order:
        self.n += 1
        order = checkout_start(
            cart=cart_fill(self.shopper, items),
            buyer=self.shopper,
            speed="standard",
            pickup_kind="store_counter",
            idempotency_key=f"sales-test-{self.n}",
            acting_user=self.shopper,
        )
        order = Order.objects.select_related("payment").get(pk=order.pk)
        if paid_at is not None:
            order_payment_succeeded(paid_event(order))
            Order.objects.filter(pk=order.pk).update(paid_at=paid_at)
        return order


def utc(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def month(shopper, stores, shelves, clerk):
    """The hand-computed orders. Montréal is UTC-5 in November (EST).

    Nov 10: 2 bread (20.00) at 10:00; 1 jam (25.50) at 22:30 (UTC: the 11th) → 2 orders,
            45.50. The first order also has a book from store B, which is not A's sale.
    Nov 11: 3 bread (30.00) at 23:59 (UTC: the 12th) → 1 order, 30.00.
    Nov 12: 1 jam (25.50) at 00:00, refused by the store → 1 order, 25.50 refunded.
    Left out: paid Nov 9 at 23:59 and Nov 13 at 00:00 (outside), one never paid, one
    cancelled before payment, one of store B only."""
    bread, jam, book = shelves["bread"], shelves["jam"], shelves["book"]
    made = Orders(shopper)
    made.place([(bread, 2), (book, 1)], paid_at=utc(10, 15))
    made.place([(jam, 1)], paid_at=utc(11, 3, 30))
    made.place([(bread, 3)], paid_at=utc(12, 4, 59))
    refused = made.place([(jam, 1)], paid_at=utc(12, 5))
    orders.shipment_refuse(
        shipment=refused.shipments.get(), reason="Plus de confiture.", acting_user=clerk
    )
    made.place([(bread, 7)], paid_at=utc(10, 4, 59))  # Nov 9, 23:59 in Montréal
    made.place([(bread, 9)], paid_at=utc(13, 5))  # Nov 13, 00:00 in Montréal
    made.place([(bread, 4)])  # never paid
    unpaid = made.place([(jam, 2)])
    orders.order_cancel(order=unpaid, acting_user=shopper)
    made.place([(book, 5)], paid_at=utc(11, 15))
    return made


def test_the_sums_equal_the_hand_computed_orders(stores, month):
    report = store_sales_report(store=stores[0], start=NOV[10], end=NOV[12])
    rows = [(d.day, d.orders, d.gross, d.refunded, d.net) for d in report.days]
    assert rows == [
        (NOV[10], 2, Decimal("45.50"), Decimal("0.00"), Decimal("45.50")),
        (NOV[11], 1, Decimal("30.00"), Decimal("0.00"), Decimal("30.00")),
        (NOV[12], 1, Decimal("25.50"), Decimal("25.50"), Decimal("0.00")),
    ]
    assert (report.orders, report.gross, report.refunded, report.net) == (
        4,
        Decimal("101.00"),
        Decimal("25.50"),
        Decimal("75.50"),
    )


def test_top_products_leave_refunded_shipments_out(stores, shelves, month):
    report = store_sales_report(store=stores[0], start=NOV[10], end=NOV[12])
    by_quantity = [(p.sku, p.quantity, p.revenue) for p in report.top_by_quantity]
    assert by_quantity == [
        (shelves["bread"].sku, 5, Decimal("50.00")),
        (shelves["jam"].sku, 1, Decimal("25.50")),
    ]
    assert [p.sku for p in report.top_by_revenue] == [shelves["bread"].sku, shelves["jam"].sku]


def test_top_products_by_revenue_and_by_quantity_differ(stores, shelves, shopper):
    made = Orders(shopper)
    made.place([(shelves["bread"], 3)], paid_at=utc(10, 15))
    made.place([(shelves["jam"], 2)], paid_at=utc(10, 16))
    report = store_sales_report(store=stores[0], start=NOV[10], end=NOV[10])
    assert [p.sku for p in report.top_by_quantity] == [shelves["bread"].sku, shelves["jam"].sku]
    assert [p.sku for p in report.top_by_revenue] == [shelves["jam"].sku, shelves["bread"].sku]


def test_orders_by_state_count_every_shipment_of_the_store_now(stores, month):
    report = store_sales_report(store=stores[0], start=NOV[10], end=NOV[12])
    counts = {row.status: (row.count, row.queue_tab) for row in report.by_status}
    assert counts == {
        ShipmentStatus.PLACED: (1, None),
        ShipmentStatus.PAID: (5, "new"),
        ShipmentStatus.REFUSED: (1, None),
        ShipmentStatus.CANCELLED: (1, None),
    }


def test_low_stock_lists_published_variants_at_or_under_their_threshold(stores, shelves):
    Variant.objects.filter(pk=shelves["bread"].pk).update(stock=3, low_stock_threshold=3)
    Variant.objects.filter(pk=shelves["jam"].pk).update(stock=4, low_stock_threshold=3)
    report = store_sales_report(store=stores[0], start=NOV[10], end=NOV[12])
    assert [v.pk for v in report.low_stock] == [shelves["bread"].pk]


def test_an_empty_period_is_every_day_at_zero(stores):
    report = store_sales_report(store=stores[0], start=NOV[1], end=NOV[30])
    assert len(report.days) == 30
    assert all(d.orders == 0 and d.net == Decimal("0.00") for d in report.days)
    assert report.top_by_quantity == []
    assert report.net == Decimal("0.00")


# --- The page -------------------------------------------------------------------------


def _url(store, **query) -> str:
    url = reverse("marketplace:store_sales", args=[store.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_the_page_shows_the_period_chart_data_and_table(client, stores, owner, month):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    response = client.get(_url(stores[0], du="2026-11-10", au="2026-11-12"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["chart"] == {
        "days": ["2026-11-10", "2026-11-11", "2026-11-12"],
        "net": ["45.50", "30.00", "0.00"],
        "orders": [2, 1, 1],
        "currency": "CAD",
    }
    assert '<script id="sales-chart-data" type="application/json">' in html
    assert 'src="/static/marketplace/vendor/chart.umd.min.js"' in html
    assert 'src="/static/marketplace/sales-chart.js"' in html
    assert 'role="img"' in html
    assert "What counts as a sale" in html
    assert "data-total-net>$75.50" in html
    assert html.count("<tr data-day=") == 3


def test_a_staff_member_sees_it_too(client, stores, clerk):
    client.force_login(clerk)
    assert client.get(_url(stores[0])).status_code == 200


def test_the_default_period_is_the_last_30_days(client, stores, owner, monkeypatch):
    monkeypatch.setattr("marketplace.sales_forms.sales_today", lambda: NOV[30])
    client.force_login(owner)
    response = client.get(_url(stores[0]))
    assert response.status_code == 200
    assert response.context["report"].start == NOV[1]
    assert response.context["report"].end == NOV[30]
    assert len(response.context["chart"]["days"]) == 30
    assert response.context["report"].orders == 0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"du": "hier"}, "du", "Enter a valid date."),
        ({"du": "2026-11-31"}, "du", "Enter a valid date."),
        ({"du": "2026-11-12", "au": "2026-11-10"}, "au", "The last day comes before the first."),
        ({"du": "2025-01-01", "au": "2026-11-10"}, "au", "Choose at most 366 days at a time."),
        ({"du": "0001-01-01", "au": "0001-01-02"}, "du", "Choose a day from 2020-01-01 on."),
        ({"au": "9999-12-31"}, "au", "Choose a day at most a year from today."),
        ({"du": "2" * 5000}, "du", "Enter a valid date."),
    ],
)
def test_a_bad_period_is_a_form_error(client, stores, owner, query, field, message):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    response = client.get(_url(stores[0], **query))
    assert response.status_code == 400
    with translation.override("en"):
        assert response.context["form"].errors[field] == [message]
    assert "report" not in response.context
    assert "There is a problem" in response.content.decode()


def test_366_days_are_allowed(client, stores, owner):
    client.force_login(owner)
    response = client.get(_url(stores[0], du="2025-11-01", au="2026-11-01"))
    assert response.status_code == 200
    assert len(response.context["report"].days) == 366


def test_the_queries_do_not_grow_with_the_orders_or_the_days(
    client, stores, owner, shopper, shelves
):
    client.force_login(owner)

    def count(**query) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(stores[0], **query)).status_code == 200
        return len(queries)

    few = count(du="2026-11-10", au="2026-11-10")
    # Ten today: the session, its person and the page's header, the store and its staff
    # row, then the report's five reads.
    assert few <= 10
    made = Orders(shopper)
    for day in range(1, 13):
        made.place([(shelves["bread"], 1), (shelves["jam"], 1)], paid_at=utc(day, 15))
    Variant.objects.filter(store=stores[0]).update(stock=1)
    assert count(du="2026-11-01", au="2026-11-30") == few
    assert count(du="2025-12-01", au="2026-11-30") == few


# --- Who may read it (access_store_sales): one test per refusal -------------------------


def test_access_refuses_a_visitor(stores):
    with pytest.raises(PermissionDenied):
        access_store_sales(acting_user=AnonymousUser(), store=stores[0])


def test_access_refuses_someone_who_does_not_work_there(stores, shopper):
    with pytest.raises(PermissionDenied):
        access_store_sales(acting_user=shopper, store=stores[0])


def test_access_refuses_the_staff_of_another_store(stores, other_clerk):
    with pytest.raises(PermissionDenied):
        access_store_sales(acting_user=other_clerk, store=stores[0])


def test_access_refuses_a_deactivated_clerk(stores, clerk):
    clerk.is_active = False
    with pytest.raises(PermissionDenied):
        access_store_sales(acting_user=clerk, store=stores[0])


def test_access_allows_the_owner_and_the_staff(stores, owner, clerk):
    access_store_sales(acting_user=owner, store=stores[0])
    access_store_sales(acting_user=clerk, store=stores[0])


def test_the_page_sends_a_visitor_to_sign_in(client, stores):
    response = client.get(_url(stores[0]))
    assert response.status_code == 302
    assert reverse("identity:login") in response["Location"] or "login" in response["Location"]


def test_the_page_refuses_someone_who_does_not_work_there(client, stores, shopper):
    client.force_login(shopper)
    assert client.get(_url(stores[0])).status_code == 403


def test_the_page_refuses_the_staff_of_another_store(client, stores, other_clerk):
    client.force_login(other_clerk)
    assert client.get(_url(stores[0])).status_code == 403


def test_an_unknown_store_is_not_found(client, owner):
    client.force_login(owner)
    response = client.get(reverse("marketplace:store_sales", args=["nulle-part"]))
    assert response.status_code == 404


def test_the_store_tools_link_to_it(client, stores, clerk):
    client.force_login(clerk)
    html = client.get(reverse("marketplace:my_stores")).content.decode()
    assert f'href="{_url(stores[0])}"' in html
