import pytest
from django.urls import reverse
from django.utils import timezone

from identity.models import AuditEvent, User
from marketplace.models import (
    Category,
    Listing,
    Order,
    Payment,
    PaymentEvent,
    PayoutAccount,
    Store,
    StoreStaff,
    StoreStatus,
    Transfer,
    Variant,
)
from marketplace.services import category_upsert, store_staff_set, store_update
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
    [(Store, True), (StoreStaff, True), (Category, True), (Listing, False), (Variant, False)],
)
def test_admin_pages_render(admin_client, make_store, store_worker, model, added_here):
    """Listings and variants are the stores' own: read-only here."""
    category_upsert(slug="magasin", name_fr="Magasin", name_en="Store")
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


CATEGORY_FORM = {"name_fr": "Pain", "name_en": "Bread", "slug": "pain", "position": "1"}


def test_a_category_added_and_changed_in_the_admin_goes_through_the_services(admin_client):
    food, _ = category_upsert(slug="alimentation", name_fr="Alimentation")
    url = reverse("admin:marketplace_category_add")
    response = admin_client.post(url, {**CATEGORY_FORM, "parent": food.pk})
    assert response.status_code == 302
    bread = Category.objects.get(slug="pain")
    assert (bread.parent, bread.name_en) == (food, "Bread")
    url = reverse("admin:marketplace_category_change", args=[bread.pk])
    response = admin_client.post(url, {**CATEGORY_FORM, "name_en": "Breads", "parent": food.pk})
    assert response.status_code == 302
    assert actions()[-2:] == ["category.create", "category.update"]
    assert AuditEvent.objects.get(action="category.update").acting_user.email == (
        "root@example.com"
    )


def test_the_admin_refuses_a_category_under_its_own_sub_category(admin_client):
    food, _ = category_upsert(slug="alimentation", name_fr="Alimentation")
    bread, _ = category_upsert(slug="pain", name_fr="Pain", parent=food)
    url = reverse("admin:marketplace_category_change", args=[food.pk])
    fields = {"name_fr": "Alimentation", "name_en": "", "position": "0", "parent": bread.pk}
    response = admin_client.post(url, fields)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    food.refresh_from_db()
    assert food.parent is None


def test_the_admin_cannot_delete_a_category(admin_client):
    food, _ = category_upsert(slug="alimentation", name_fr="Alimentation")
    url = reverse("admin:marketplace_category_delete", args=[food.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Category.objects.filter(pk=food.pk).exists()


def _action(client, action: str, stores, **extra):
    return client.post(
        reverse("admin:marketplace_store_changelist"),
        {"action": action, "_selected_action": [store.pk for store in stores], **extra},
    )


def test_refusing_asks_for_the_reason_first(admin_client, make_store):
    pending = make_store(status=StoreStatus.PENDING)
    response = _action(admin_client, "refuse", [pending])
    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    pending.refresh_from_db()
    assert pending.status == StoreStatus.PENDING


def test_refusing_without_a_reason_changes_nothing(admin_client, make_store):
    pending = make_store(status=StoreStatus.PENDING)
    response = _action(admin_client, "refuse", [pending], apply="1", reason="  ")
    assert response.status_code == 200
    assert response.context["form"].errors
    pending.refresh_from_db()
    assert pending.status == StoreStatus.PENDING


def test_refusing_with_a_reason_is_audited_and_mailed(
    admin_client, make_store, store_worker, django_capture_on_commit_callbacks
):
    from django.core import mail

    pending = make_store(status=StoreStatus.PENDING)
    store_staff_set(store=pending, user=store_worker, role="owner", acting_user=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(
            admin_client, "refuse", [pending], apply="1", reason="Le NEQ est inconnu."
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decision_reason) == (
        StoreStatus.REFUSED,
        "Le NEQ est inconnu.",
    )
    event = AuditEvent.objects.get(action="store.refuse")
    assert event.acting_user.email == "root@example.com"
    assert [message.to for message in mail.outbox] == [[store_worker.email]]


def test_suspending_with_a_reason(admin_client, make_store):
    approved = make_store()
    response = _action(admin_client, "suspend", [approved], apply="1", reason="Plaintes.")
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == StoreStatus.SUSPENDED


def test_a_decision_that_does_not_fit_is_reported_and_skipped(admin_client, make_store):
    approved = make_store()
    pending = make_store(status=StoreStatus.PENDING)
    response = _action(admin_client, "refuse", [approved, pending], apply="1", reason="Non.")
    assert response.status_code == 302
    approved.refresh_from_db()
    pending.refresh_from_db()
    assert (approved.status, pending.status) == (StoreStatus.APPROVED, StoreStatus.REFUSED)


def test_an_admin_does_not_approve_a_store_they_work_for(client, make_store, make_person):
    admin = make_person("admin@example.com", "coop_admin")
    pending = make_store(status=StoreStatus.PENDING)
    store_staff_set(store=pending, user=admin, role="owner", acting_user=None)
    client.force_login(admin)
    response = _action(client, "approve", [pending])
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == StoreStatus.PENDING


def test_a_registrar_has_no_store_decisions(client, make_store, make_person):
    registrar = make_person("registrar@example.com", "registrar")
    pending = make_store(status=StoreStatus.PENDING)
    client.force_login(registrar)
    response = _action(client, "approve", [pending])
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == StoreStatus.PENDING


@pytest.mark.parametrize("model", [Order, Payment, Transfer, PaymentEvent, PayoutAccount])
def test_orders_and_payments_are_shown_never_written(
    client, model, django_capture_on_commit_callbacks
):
    """A coop admin sees the demo's orders and payments, and can add, change or delete
    none of them: they move through checkout, the stores' pages and the gateway."""
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)  # the stores' transfers follow the commits
    client.force_login(User.objects.get(email="admin@demo.uniqc.coop"))
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "UQ"}).status_code == 200
    if model is PaymentEvent:
        PaymentEvent.objects.create(
            # The demo pays through the services, not through the webhook.
            gateway="offline",
            event_id="evt_admin_test",
            event_type="payment_intent.succeeded",
            created=timezone.now(),
            payload={"id": "evt_admin_test"},
        )
    row = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert client.get(add).status_code == 403
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()
