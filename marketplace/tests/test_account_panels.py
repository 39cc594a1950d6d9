"""The marketplace's panels on the account hub: everyone's orders, and a store's staff's
"My store"."""

from django.urls import reverse

from marketplace.services import store_staff_set

HUB = reverse("identity:account")


def test_a_shopper_sees_the_orders_panel_empty_with_the_stores_and_no_store_panel(client, shopper):
    client.force_login(shopper)
    page = client.get(HUB).content.decode()
    assert 'id="panel-orders"' in page
    assert f'href="{reverse("marketplace:store_list")}"' in page
    assert 'id="panel-my_store"' not in page


def test_store_staff_see_their_store_and_its_management_page(client, make_store, store_worker):
    store = make_store()
    store_staff_set(store=store, user=store_worker, role="owner", acting_user=None)
    client.force_login(store_worker)
    page = client.get(HUB).content.decode()
    assert 'id="panel-my_store"' in page
    assert f'data-store="{store.slug}"' in page
    assert reverse("marketplace:my_stores") in page
