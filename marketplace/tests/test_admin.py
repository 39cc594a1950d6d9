import pytest
from django.urls import reverse

from identity.models import User
from marketplace.models import Listing, Store, StoreStaff, StoreStatus, Variant
from marketplace.services import store_staff_set
from tests.admin_forms import admin_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    return client


@pytest.mark.parametrize("model", [Store, StoreStaff, Listing, Variant])
def test_admin_pages_render(admin_client, make_store, store_worker, model):
    store = make_store()
    store_staff_set(store=store, user=store_worker)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "Magasin"}).status_code == 200
    row = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    assert admin_client.get(change).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert admin_client.get(add).status_code == 200


def test_admin_action_approves_pending_stores(admin_client, make_store):
    pending = make_store(status=StoreStatus.PENDING)
    response = admin_client.post(
        reverse("admin:marketplace_store_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == StoreStatus.APPROVED


STORE_FORM = {
    "name": "Épicerie Saint-Roch",
    "slug": "epicerie-saint-roch",
    "description": "",
    "status": StoreStatus.PENDING,
    "neighbourhood": "Saint-Roch",
    "street_address": "350, rue Saint-Joseph Est",
    "locality": "Québec",
    "postal_code": "g1k3b2",
    "latitude": "46.813900",
    "longitude": "-71.224100",
}


def test_a_store_added_in_the_admin_goes_through_the_services(admin_client):
    url = reverse("admin:marketplace_store_add")
    response = admin_client.post(url, admin_post_data(admin_client, url, STORE_FORM))
    assert response.status_code == 302, response.context["adminform"].form.errors
    store = Store.objects.get(slug="epicerie-saint-roch")
    assert store.postal_code == "G1K 3B2"
    assert store.status == StoreStatus.PENDING


def test_a_store_changed_in_the_admin_keeps_its_slug(admin_client, make_store):
    store = make_store(status=StoreStatus.PENDING)
    url = reverse("admin:marketplace_store_change", args=[store.pk])
    fields = {**STORE_FORM, "slug": "another-address", "status": StoreStatus.APPROVED}
    response = admin_client.post(url, admin_post_data(admin_client, url, fields))
    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.name, store.postal_code) == ("Épicerie Saint-Roch", "G1K 3B2")
    assert store.status == StoreStatus.APPROVED
    assert store.slug != "another-address"
