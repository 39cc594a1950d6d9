import pytest
from django.urls import reverse

from identity.models import User
from marketplace.models import Listing, Store, StoreStaff, StoreStatus, Variant
from marketplace.services import store_staff_set

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
