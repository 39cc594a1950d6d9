"""The demo bakery's month of sales: enough for its dashboard to draw, made through the
services, the shop's shelves left as they were, and loaded once."""

import datetime

import pytest

from core.demo import DemoSummary
from core.tests.queries import no_writes
from identity import demo as identity_demo
from marketplace.demo import demo_load
from marketplace.demo_sales import BAKERY, KEY
from marketplace.models import Order, ShipmentStatus, Store, Variant
from marketplace.sales import sales_today, store_sales_report

pytestmark = pytest.mark.django_db


def test_the_demo_bakery_has_a_month_of_sales(django_capture_on_commit_callbacks):
    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(summary=DemoSummary(), people=people)
    bakery = Store.objects.get(slug=BAKERY)
    today = sales_today()
    report = store_sales_report(store=bakery, start=today - datetime.timedelta(days=29), end=today)
    days_with_sales = [day for day in report.days if day.orders]
    assert len(days_with_sales) >= 15
    assert any(day.orders == 0 for day in report.days)
    assert report.refunded > 0
    assert report.net > 0
    assert len(report.top_by_quantity) >= 3
    history = Order.objects.filter(checkout_key__startswith="demo-sales-")
    assert history.count() >= 25
    statuses = set(history.values_list("shipments__status", flat=True))
    assert statuses == {ShipmentStatus.PICKED_UP, ShipmentStatus.REFUNDED}
    # The history is in the past: nothing was paid today by it.
    assert not history.filter(paid_at__date__gte=today).exists()


def test_the_shelves_are_as_they_were_and_a_reload_writes_nothing(
    django_capture_on_commit_callbacks, monkeypatch
):
    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        monkeypatch.setattr("marketplace.demo.sales_demo_load", lambda **kwargs: None)
        demo_load(summary=DemoSummary(), people=people)
        before = dict(Variant.objects.filter(store__slug=BAKERY).values_list("sku", "stock"))
        monkeypatch.undo()
        demo_load(summary=DemoSummary(), people=people)
    assert dict(Variant.objects.filter(store__slug=BAKERY).values_list("sku", "stock")) == before
    assert Order.objects.filter(checkout_key=KEY.format(1)).exists()
    with no_writes():
        demo_load(summary=DemoSummary(), people=people)
