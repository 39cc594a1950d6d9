"""Cart services and selector: accepting one line's changes, who may touch a line, what
changed on a line, and the cart's totals at each speed."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from marketplace.cart import (
    access_cart_line,
    cart_create,
    cart_line_add,
    cart_line_changes_accept,
    cart_view,
)
from marketplace.errors import CartLineRefused
from marketplace.models import CartLine, Listing, ListingStatus, Variant
from marketplace.tests.shop import cart_fill, stocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def variants(make_store):
    return stocked(make_store(slug="epicerie"), stock=5)


@pytest.fixture
def line(shopper, variants) -> CartLine:
    cart_fill(shopper, [(variants[0], 3), (variants[1], 1)])
    return CartLine.objects.select_related("cart").get(cart__owner=shopper, variant=variants[0])


# --- cart_line_changes_accept ------------------------------------------------------------


def test_accepting_a_lines_changes_takes_the_price_now_and_leaves_the_others(line, variants):
    Variant.objects.filter(pk__in=[variants[0].pk, variants[1].pk]).update(price=Decimal("6"))
    kept = cart_line_changes_accept(cart=line.cart, line_id=line.pk, acting_user=None)
    assert kept.price_seen == Decimal("6")
    line.refresh_from_db()
    assert line.price_seen == Decimal("6")
    other = CartLine.objects.get(cart=line.cart, variant=variants[1])
    assert other.price_seen == variants[1].price


def test_accepting_a_stock_fallen_below_the_quantity_lowers_it(line):
    Variant.objects.filter(pk=line.variant_id).update(stock=2)
    kept = cart_line_changes_accept(cart=line.cart, line_id=line.pk, acting_user=None)
    assert kept.quantity == 2
    line.refresh_from_db()
    assert line.quantity == 2


def test_accepting_a_line_no_longer_on_sale_removes_it(line):
    Listing.objects.filter(variants__pk=line.variant_id).update(status=ListingStatus.UNPUBLISHED)
    assert cart_line_changes_accept(cart=line.cart, line_id=line.pk, acting_user=None) is None
    assert not CartLine.objects.filter(pk=line.pk).exists()


def test_accepting_a_line_of_another_cart_is_refused(line, variants):
    other = cart_create(owner=None)
    with pytest.raises(CartLineRefused):
        cart_line_changes_accept(cart=other, line_id=line.pk, acting_user=None)


# --- access_cart_line: one test per refusal -------------------------------------------------


def test_the_owner_may_touch_the_line(line, shopper):
    access_cart_line(acting_user=shopper, line=line)


def test_nobody_signed_in_may_not(line):
    with pytest.raises(PermissionDenied):
        access_cart_line(acting_user=AnonymousUser(), line=line)


def test_a_line_of_an_anonymous_cart_is_refused(shopper, variants):
    cart = cart_create(owner=None)
    line = cart_line_add(cart=cart, variant_id=variants[0].pk, quantity=1, acting_user=None)
    with pytest.raises(PermissionDenied):
        access_cart_line(acting_user=shopper, line=line)


def test_another_person_may_not(line, make_person):
    with pytest.raises(PermissionDenied):
        access_cart_line(acting_user=make_person("autre@example.com", "shopper"), line=line)


# --- What changed, and the totals ------------------------------------------------------------


def test_a_lines_changes_in_checkouts_words(line, variants):
    def changes() -> list[str]:
        return next(v for v in cart_view(line.cart).lines if v.line.pk == line.pk).changes

    assert changes() == []
    Variant.objects.filter(pk=line.variant_id).update(price=Decimal("5"), stock=1)
    assert changes() == ["stock", "price"]
    Variant.objects.filter(pk=line.variant_id).update(stock=0)
    assert changes() == ["stock", "price"]
    Listing.objects.filter(pk=variants[0].listing_id).update(status=ListingStatus.UNPUBLISHED)
    assert changes() == ["unavailable"]


def test_the_totals_at_a_speed_add_the_fee_per_store(shopper, make_store, settings):
    settings.MARKETPLACE_PICKUP_FEES = {"express": "6.99", "standard": "2.99"}
    a = stocked(make_store(slug="a"), stock=5)
    b = stocked(make_store(slug="b"), stock=5)
    view = cart_view(cart_fill(shopper, [(a[0], 1), (b[0], 1)]))
    goods = view.totals()
    assert (goods.goods_subtotal, goods.fee) == (Decimal("9.00"), Decimal("0.00"))
    express = view.totals("express")
    assert express.fee == Decimal("13.98")
    # GST: 0.23 + 0.23 on the stores' invoices, 0.70 on the fee (0.699).
    assert express.gst == Decimal("1.16")
    assert express.total == express.goods_subtotal + express.fee + express.gst + express.qst
