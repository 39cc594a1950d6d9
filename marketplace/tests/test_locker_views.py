"""The locker pages: choosing a locker at checkout (with and without a position, a full
site greyed), the order page's locker section and its buyer-only actions, and the
store's label download."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from lockers.models import Compartment, CompartmentState, Parcel
from marketplace.checkout import order_payment_succeeded
from marketplace.models import Order, StoreRole
from marketplace.orders import shipment_accept, shipment_pack
from marketplace.services import store_staff_set
from marketplace.tests.shop import cart_fill, paid_event, payout_account_add, stocked
from marketplace.tests.test_locker_orders import _in_locker, locker_site


@pytest.fixture
def store(make_store):
    store = make_store(slug="epicerie")
    payout_account_add(store)
    return store


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_checkout_offers_the_nearest_lockers_from_a_position(english, store, shopper, sign_in_at):
    near = locker_site()
    full = locker_site(slug="metro-berri", latitude="46.815000", counts={"S": 0, "M": 0, "L": 1})
    sign_in_at(english, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 1)])
    page = english.get(
        reverse("cart:checkout"), {"pickup_kind": "locker", "lat": "46.812", "lon": "-71.224"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{near.slug}" required' in html
    assert f'value="{full.slug}" required disabled' in html
    assert "Choose your locker" in html


def test_checkout_uses_the_saved_address_coordinates(english, store, shopper, sign_in_at):
    site = locker_site()
    type(shopper).objects.filter(pk=shopper.pk).update(latitude="46.812", longitude="-71.224")
    sign_in_at(english, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 1)])
    page = english.get(reverse("cart:checkout"), {"pickup_kind": "locker"})
    assert f'value="{site.slug}"' in page.content.decode()


def test_checkout_greys_lockers_when_a_shipment_is_too_big(english, store, shopper, sign_in_at):
    sign_in_at(english, shopper, "substantial")
    variant = stocked(store)[0]
    type(variant).objects.filter(pk=variant.pk).update(size_class="L")
    cart_fill(shopper, [(variant, 2)])
    html = english.get(reverse("cart:checkout")).content.decode()
    assert 'value="locker" disabled' in html
    assert "Too big for a locker" in html


def test_paying_for_a_locker_order_and_a_full_locker_refused(english, store, shopper, sign_in_at):
    site = locker_site()
    sign_in_at(english, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 1)])
    body = {
        "speed": "standard",
        "pickup_kind": "locker",
        "pickup_site": site.slug,
        "idempotency_key": "locker-page-1",
    }
    Compartment.objects.filter(site=site).update(state=CompartmentState.OUT_OF_SERVICE)
    refused = english.post(reverse("cart:checkout"), body)
    assert refused.status_code == 409
    assert not Order.objects.exists()
    Compartment.objects.filter(site=site).update(state=CompartmentState.AVAILABLE)
    paid = english.post(reverse("cart:checkout"), {**body, "idempotency_key": "locker-page-2"})
    assert paid.status_code == 302
    order = Order.objects.get()
    assert order.pickup_reference == site.slug
    assert Parcel.objects.filter(external_reference=f"{order.number}/1").exists()


@pytest.fixture
def locker_order(store, shopper, store_worker):
    from marketplace.checkout import checkout_start

    store_staff_set(store=store, user=store_worker, role=StoreRole.STAFF, acting_user=None)
    site = locker_site()
    cart = cart_fill(shopper, [(stocked(store)[0], 1)])
    order = checkout_start(
        cart=cart,
        buyer=shopper,
        speed="standard",
        pickup_kind="locker",
        pickup_reference=site.slug,
        idempotency_key="k-views",
        acting_user=shopper,
    )
    order_payment_succeeded(paid_event(order))
    order.refresh_from_db()
    return order


def test_order_page_shows_the_locker_timeline_and_code_once(
    english, locker_order, shopper, sign_in_at, django_capture_on_commit_callbacks
):
    sign_in_at(english, shopper, "substantial")
    url = reverse("orders:detail", args=[locker_order.number])
    html = english.get(url).content.decode()
    assert "Casiers caisse-saint-roch" in html
    assert "550, rue Saint-Joseph Est" in html
    assert "Show my pickup code" not in html
    _in_locker(locker_order)
    html = english.get(url).content.decode()
    assert "Show my pickup code" in html
    shipment = locker_order.shipments.get()
    with django_capture_on_commit_callbacks(execute=True):
        shown = english.post(reverse("orders:locker_code", args=[locker_order.number, shipment.pk]))
    assert shown.status_code == 200
    assert "replaces the code we emailed" in shown.content.decode()
    assert "<svg" in shown.content.decode()
    kept = english.post(reverse("orders:locker_extend", args=[locker_order.number, shipment.pk]))
    assert kept.status_code == 302
    again = english.post(reverse("orders:locker_extend", args=[locker_order.number, shipment.pk]))
    assert again.status_code == 302  # refused, said in a message
    assert Parcel.objects.get().extended


def test_order_page_actions_refuse_others(client, locker_order, make_person, sign_in_at):
    shipment = locker_order.shipments.get()
    code_url = reverse("orders:locker_code", args=[locker_order.number, shipment.pk])
    extend_url = reverse("orders:locker_extend", args=[locker_order.number, shipment.pk])
    assert client.post(code_url).status_code in (302, 403)  # signed out
    other = make_person("other@example.com", "shopper")
    sign_in_at(client, other, "substantial")
    assert client.post(code_url).status_code in (403, 404)
    assert client.post(extend_url).status_code in (403, 404)
    assert client.get(code_url).status_code == 405


def test_the_store_downloads_the_label_and_others_cannot(
    client, locker_order, store_worker, make_person, sign_in_at
):
    shipment = locker_order.shipments.get()
    shipment_accept(shipment=shipment, acting_user=store_worker)
    shipment_pack(shipment=shipment, acting_user=store_worker)
    url = reverse(
        "marketplace:shipment_label",
        kwargs={"store_slug": shipment.store.slug, "shipment_id": shipment.pk},
    )
    assert client.get(url).status_code in (302, 403)  # signed out
    other = make_person("other@example.com", "shopper")
    sign_in_at(client, other, "substantial")
    assert client.get(url).status_code == 403
    client.logout()
    sign_in_at(client, store_worker, "substantial")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_queue_offers_the_label_of_a_packed_locker_shipment(
    english, locker_order, store_worker, sign_in_at
):
    shipment = locker_order.shipments.get()
    shipment_accept(shipment=shipment, acting_user=store_worker)
    shipment_pack(shipment=shipment, acting_user=store_worker)
    sign_in_at(english, store_worker, "substantial")
    store = shipment.store
    page = english.get(reverse("marketplace:store_orders", args=[store.slug]), {"onglet": "ready"})
    html = page.content.decode()
    assert reverse("marketplace:shipment_label", args=[store.slug, shipment.pk]) in html
    assert "Ready at the counter" not in html
    slip = english.get(reverse("marketplace:packing_slip", args=[store.slug, shipment.pk]))
    assert "Locker label (PDF)" in slip.content.decode()


def test_the_store_sees_the_parcels_chain_of_custody_on_the_packing_slip(
    english, locker_order, store_worker, sign_in_at
):
    shipment = locker_order.shipments.get()
    shipment_accept(shipment=shipment, acting_user=store_worker)
    shipment_pack(shipment=shipment, acting_user=store_worker)
    sign_in_at(english, store_worker, "substantial")
    slip = english.get(
        reverse("marketplace:packing_slip", args=[shipment.store.slug, shipment.pk])
    ).content.decode()
    custody = slip.split("data-parcel-custody", 1)[1].split("</table>", 1)[0]
    assert "The store packed your parcel; a courier will collect it." in custody
    assert "<td>Store</td>" in custody
