"""The lockers' panels on the account hub: my parcels, or the rounds for a courier."""

from django.urls import reverse

HUB = reverse("identity:account")


def test_a_shopper_sees_the_parcels_panel_empty_with_the_lockers(client, shopper):
    client.force_login(shopper)
    page = client.get(HUB).content.decode()
    assert 'id="panel-parcels"' in page
    assert f'href="{reverse("lockers:site_list")}"' in page
    assert 'id="panel-courier_rounds"' not in page


def test_a_courier_sees_the_rounds_panel_instead_of_parcels(client, courier, make_site):
    make_site()
    client.force_login(courier)
    page = client.get(HUB).content.decode()
    assert 'id="panel-courier_rounds"' in page
    assert reverse("lockers:courier_sites") in page
    assert 'id="panel-parcels"' not in page
