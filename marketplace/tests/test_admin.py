import pytest
from django.urls import reverse

from identity.models import AuditEvent, User
from marketplace.models import Listing, Store, StoreStaff, StoreStatus, Variant
from marketplace.services import store_staff_set, store_update
from tests.admin_forms import admin_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    return client


@pytest.mark.parametrize(
    ("model", "added_here"),
    [(Store, True), (StoreStaff, True), (Listing, False), (Variant, False)],
)
def test_admin_pages_render(admin_client, make_store, store_worker, model, added_here):
    """Listings and variants are the stores' own: read-only here."""
    store = make_store()
    store_staff_set(store=store, user=store_worker, acting_user=None)
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "Magasin"}).status_code == 200
    row = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    assert admin_client.get(change).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert admin_client.get(add).status_code == (200 if added_here else 403)


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
    "legal_name": "9300-0001 Québec inc.",
    "neq": "1170 000 001",
    "small_supplier": "",
    "gst_number": "700000001 RT 0001",
    "qst_number": "1200000001tq0001",
    "phone": "418 555-0199",
    "opening_hours": "{}",
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
    assert (store.neq, store.gst_number) == ("1170000001", "700000001RT0001")
    assert store.status == StoreStatus.PENDING, "a decision is an action, not a field"
    assert store.slug != "another-address"


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_store_admin_writes_are_audited(admin_client):
    url = reverse("admin:marketplace_store_add")
    admin_client.post(url, admin_post_data(admin_client, url, STORE_FORM))
    store = Store.objects.get(slug="epicerie-saint-roch")
    url = reverse("admin:marketplace_store_change", args=[store.pk])
    fields = {**STORE_FORM, "name": "Épicerie Saint-Roch inc."}
    admin_client.post(url, admin_post_data(admin_client, url, fields))
    admin_client.post(
        reverse("admin:marketplace_store_changelist"),
        {"action": "approve", "_selected_action": [store.pk]},
    )
    assert actions() == ["store.create", "store.update", "store.approve"]
    events = AuditEvent.objects.all()
    assert {event.acting_user.email for event in events} == {"root@example.com"}
    assert events.get(action="store.update").detail == {"fields": ["name"]}


def test_store_staff_are_added_and_removed_through_the_services(
    admin_client, make_store, store_worker
):
    store = make_store()
    response = admin_client.post(
        reverse("admin:marketplace_storestaff_add"),
        {"user": store_worker.pk, "store": store.pk, "role": "owner"},
    )
    assert response.status_code == 302
    membership = StoreStaff.objects.get()
    admin_client.post(
        reverse("admin:marketplace_storestaff_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert not StoreStaff.objects.exists()
    assert actions()[-2:] == ["store.staff_set", "store.staff_remove"]
    assert AuditEvent.objects.get(action="store.staff_remove").subject_user == store_worker


def test_the_store_page_cannot_change_its_staff_inline(admin_client, make_store, store_worker):
    """The inline is read-only: rows posted with the store change nothing."""
    store = make_store()
    url = reverse("admin:marketplace_store_change", args=[store.pk])
    data = admin_post_data(admin_client, url, STORE_FORM)
    data.update(
        {
            "staff-TOTAL_FORMS": "1",
            "staff-0-user": str(store_worker.pk),
            "staff-0-role": "owner",
        }
    )
    admin_client.post(url, data)
    assert not StoreStaff.objects.exists()


def test_a_catalogue_reload_is_the_systems_change(make_store):
    store = make_store()
    store_update(store=store, name="Renamed", acting_user=None)
    event = AuditEvent.objects.get(action="store.update")
    assert event.acting_user is None
