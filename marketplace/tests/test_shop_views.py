"""The cart, checkout and order pages through HTTP."""

from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.cart import SESSION_CART
from marketplace.checkout import order_payment_succeeded
from marketplace.models import (
    Cart,
    CartLine,
    Order,
    OrderStatus,
    ShipmentStatus,
    StoreRole,
    Variant,
)
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked


@pytest.fixture
def store(make_store):
    store = make_store(slug="epicerie")
    payout_account_add(store)
    return store


@pytest.fixture
def small_store(make_store):
    store = make_store(slug="artisan")
    store.small_supplier, store.gst_number, store.qst_number = True, "", ""
    store.save()
    payout_account_add(store)
    return store


def test_a_visitor_adds_to_a_cart_that_merges_at_sign_in(client, store, shopper):
    variant = stocked(store)[0]
    response = client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": "2"})
    assert response.status_code == 302
    anonymous = Cart.objects.get(pk=client.session[SESSION_CART])
    assert anonymous.owner is None
    cart_fill(shopper, [(variant, 1)])
    client.post(
        reverse("identity:login"),
        {"email": shopper.email, "password": "a-long-test-password"},
    )
    mine = Cart.objects.get(owner=shopper)
    assert CartLine.objects.get(cart=mine, variant=variant).quantity == 3
    assert not Cart.objects.filter(pk=anonymous.pk).exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"variant": "x"},
        {"variant": "1", "quantity": "-1"},
        {"variant": "1", "quantity": "1000"},
    ],
)
def test_bad_input_to_the_cart_is_a_400(client, store, body):
    stocked(store)
    assert client.post(reverse("cart:add"), body).status_code == 400


def test_an_unpublished_variant_cannot_be_added(client, store):
    variant = stocked(store)[0]
    variant.listing.__class__.objects.filter(pk=variant.listing_id).update(status="unpublished")
    assert client.post(reverse("cart:add"), {"variant": variant.pk}).status_code == 400


def test_quantities_are_capped_at_the_stock(client, store):
    variant = stocked(store, stock=3)[0]
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": "50"})
    assert CartLine.objects.get(variant=variant).quantity == 3


def test_htmx_updates_a_quantity_in_place(client, store, shopper, sign_in_at):
    sign_in_at(client, shopper, "low")
    variant = stocked(store)[0]
    line = CartLine.objects.get(cart=cart_fill(shopper, [(variant, 1)]))
    response = client.post(
        reverse("cart:line_update", args=[line.pk]), {"quantity": "4"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b'id="cart-body"' in response.content
    assert b"<html" not in response.content
    assert CartLine.objects.get(pk=line.pk).quantity == 4


def test_another_persons_line_is_not_mine(client, store, shopper, make_person, sign_in_at):
    other = make_person("other@example.com", "shopper")
    line = CartLine.objects.get(cart=cart_fill(other, [(stocked(store)[0], 1)]))
    sign_in_at(client, shopper, "low")
    cart_fill(shopper, [])
    response = client.post(reverse("cart:line_update", args=[line.pk]), {"quantity": "4"})
    assert response.status_code == 400
    assert CartLine.objects.get(pk=line.pk).quantity == 1


def test_a_changed_price_is_shown_and_applied_only_when_accepted(
    client, store, shopper, sign_in_at
):
    sign_in_at(client, shopper, "low")
    variant = stocked(store)[0]
    cart_fill(shopper, [(variant, 1)])
    Variant.objects.filter(pk=variant.pk).update(price=Decimal("5.25"))
    page = client.get(reverse("cart:detail"))
    assert b"data-cart-changes" in page.content
    assert reverse("cart:checkout").encode() not in page.content
    assert CartLine.objects.get(variant=variant).price_seen == Decimal("4.50")
    client.post(reverse("cart:accept"))
    assert CartLine.objects.get(variant=variant).price_seen == Decimal("5.25")
    assert b"data-cart-changes" not in client.get(reverse("cart:detail")).content


def test_the_cart_page_costs_the_same_queries_for_1_and_12_lines(
    client, make_store, shopper, sign_in_at, django_assert_max_num_queries
):
    sign_in_at(client, shopper, "low")
    stores = [make_store(listings=3) for _ in range(2)]
    variants = [v for s in stores for v in stocked(s)]
    cart_fill(shopper, [(variants[0], 1)])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("cart:detail"))
    cart_fill(shopper, [(v, 1) for v in variants[1:]])
    with CaptureQueriesContext(connection) as twelve:
        client.get(reverse("cart:detail"))
    assert len(one) == len(twelve)


def test_checkout_steps_a_low_session_up(client, store, shopper, sign_in_at, settings):
    settings.MARKETPLACE_CHECKOUT_ACR = "substantial"
    sign_in_at(client, shopper, "low")
    cart_fill(shopper, [(stocked(store)[0], 1)])
    response = client.get(reverse("cart:checkout"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_checkout_shows_each_invoice_and_who_collects_the_qst(
    client, store, small_store, shopper, sign_in_at
):
    sign_in_at(client, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 1), (stocked(small_store)[0], 1)])
    page = client.get(reverse("cart:checkout"))
    assert page.status_code == 200
    assert page.content.count(b"data-qst-by-coop") == 1
    assert b'name="idempotency_key"' in page.content


def test_paying_twice_from_the_same_page_gives_one_order(client, store, shopper, sign_in_at):
    sign_in_at(client, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 2)])
    body = {"speed": "express", "pickup_kind": "store_counter", "idempotency_key": "page-key-12345"}
    first = client.post(reverse("cart:checkout"), body)
    second = client.post(reverse("cart:checkout"), body)
    order = Order.objects.get(buyer=shopper)
    assert first["Location"] == second["Location"] == order.payment.redirect_url
    assert Order.objects.count() == 1


def test_the_same_key_with_another_speed_is_a_409(client, store, shopper, sign_in_at):
    sign_in_at(client, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 2)])
    body = {"speed": "express", "pickup_kind": "store_counter", "idempotency_key": "page-key-12345"}
    client.post(reverse("cart:checkout"), body)
    assert client.post(reverse("cart:checkout"), {**body, "speed": "standard"}).status_code == 409


def test_a_bad_checkout_request_is_a_400(client, store, shopper, sign_in_at):
    sign_in_at(client, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 2)])
    body = {"speed": "warp", "pickup_kind": "store_counter", "idempotency_key": "page-key-12345"}
    assert client.post(reverse("cart:checkout"), body).status_code == 400


def _paid_order(client, shopper, store, sign_in_at):
    sign_in_at(client, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 1)])
    client.post(
        reverse("cart:checkout"),
        {"speed": "standard", "pickup_kind": "store_counter", "idempotency_key": "order-page-key"},
    )
    order = Order.objects.select_related("payment").get(buyer=shopper)
    order_payment_succeeded(paid_event(order))
    return order


def test_the_buyer_sees_the_order_and_its_timeline(client, store, shopper, sign_in_at):
    order = _paid_order(client, shopper, store, sign_in_at)
    assert client.get(reverse("orders:list")).status_code == 200
    page = client.get(reverse("orders:detail", args=[order.number]))
    assert page.status_code == 200
    assert order.number.encode() in page.content


def test_another_person_gets_a_404_for_an_order(client, store, shopper, make_person, sign_in_at):
    order = _paid_order(client, shopper, store, sign_in_at)
    sign_in_at(client, make_person("nosy@example.com", "shopper"), "high")
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 404
    assert client.post(reverse("orders:cancel", args=[order.number])).status_code == 404
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_the_buyer_cancels_from_the_page(client, store, shopper, sign_in_at):
    order = _paid_order(client, shopper, store, sign_in_at)
    client.post(reverse("orders:cancel", args=[order.number]))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED


def test_the_store_works_its_queue(client, store, shopper, make_person, sign_in_at):
    order = _paid_order(client, shopper, store, sign_in_at)
    clerk = make_person("clerk@example.com", "shopper")
    store_staff_set(store=store, user=clerk, role=StoreRole.STAFF, acting_user=None)
    sign_in_at(client, clerk, "low")
    queue = reverse("marketplace:store_orders", args=[store.slug])
    shipment = order.shipments.get()
    assert shipment.number.encode() in client.get(queue).content
    for action in ("accepter", "emballee", "prete", "recuperee"):
        response = client.post(
            reverse("marketplace:shipment_action", args=[store.slug, shipment.pk, action])
        )
        assert response.status_code == 302
    assert order.shipments.get().status == ShipmentStatus.PICKED_UP
    slip = client.get(reverse("marketplace:packing_slip", args=[store.slug, shipment.pk]))
    assert slip.status_code == 200


def test_a_refusal_without_a_reason_changes_nothing(
    client, store, shopper, make_person, sign_in_at
):
    order = _paid_order(client, shopper, store, sign_in_at)
    clerk = make_person("clerk@example.com", "shopper")
    store_staff_set(store=store, user=clerk, role=StoreRole.STAFF, acting_user=None)
    sign_in_at(client, clerk, "low")
    shipment = order.shipments.get()
    client.post(
        reverse("marketplace:shipment_action", args=[store.slug, shipment.pk, "refuser"]),
        {"reason": ""},
    )
    assert order.shipments.get().status == ShipmentStatus.PAID


def test_someone_outside_the_store_cannot_see_its_queue(client, store, shopper, sign_in_at):
    sign_in_at(client, shopper, "high")
    assert client.get(reverse("marketplace:store_orders", args=[store.slug])).status_code == 403


def test_an_unknown_action_is_a_404(client, store, shopper, make_person, sign_in_at):
    order = _paid_order(client, shopper, store, sign_in_at)
    clerk = make_person("clerk@example.com", "shopper")
    store_staff_set(store=store, user=clerk, role=StoreRole.STAFF, acting_user=None)
    sign_in_at(client, clerk, "low")
    url = reverse(
        "marketplace:shipment_action", args=[store.slug, order.shipments.get().pk, "voler"]
    )
    assert client.post(url).status_code == 404
