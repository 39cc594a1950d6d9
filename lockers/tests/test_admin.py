import pytest
from django.urls import reverse

from identity.models import AuditEvent, User
from lockers.models import Compartment, HostKind, Site
from tests.admin_forms import admin_post_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("model", "added_here"), [(Site, True), (Compartment, False)])
def test_admin_pages_render(client, make_site, model, added_here):
    """Compartments are added by compartments_ensure and move with parcels: read-only."""
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    make_site()
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "Casiers"}).status_code == 200
    change = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change", args=[model.objects.first().pk]
    )
    assert client.get(change).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    assert client.get(add).status_code == (200 if added_here else 403)


SITE_FORM = {
    "name": "Casiers Saint-Roch",
    "slug": "casiers-saint-roch",
    "host_kind": HostKind.DESJARDINS,
    "host_name": "Caisse Desjardins de Québec",
    "is_active": "on",
    "street_address": "550, boulevard Charest Est",
    "locality": "Québec",
    "postal_code": "g1k3j3",
    "latitude": "46.812000",
    "longitude": "-71.222000",
    "access_hours": "Tous les jours de 6 h à 23 h",
    "opening_hours": "{}",
}


@pytest.fixture
def admin(client):
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    return client


def test_a_site_added_in_the_admin_goes_through_the_services(admin):
    url = reverse("admin:lockers_site_add")
    response = admin.post(url, admin_post_data(admin, url, SITE_FORM))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Site.objects.get(slug="casiers-saint-roch").postal_code == "G1K 3J3"


def test_a_site_changed_in_the_admin_keeps_its_slug(admin, make_site):
    site = make_site()
    url = reverse("admin:lockers_site_change", args=[site.pk])
    fields = {**SITE_FORM, "slug": "elsewhere", "host_name": "Caisse du Centre"}
    response = admin.post(url, admin_post_data(admin, url, fields))
    assert response.status_code == 302, response.context["adminform"].form.errors
    site.refresh_from_db()
    assert (site.host_name, site.postal_code) == ("Caisse du Centre", "G1K 3J3")
    assert site.slug != "elsewhere"


def test_site_admin_writes_are_audited(admin, make_site):
    url = reverse("admin:lockers_site_add")
    admin.post(url, admin_post_data(admin, url, SITE_FORM))
    site = Site.objects.get(slug="casiers-saint-roch")
    url = reverse("admin:lockers_site_change", args=[site.pk])
    admin.post(url, admin_post_data(admin, url, {**SITE_FORM, "host_name": "Caisse du Centre"}))
    closed = {name: value for name, value in SITE_FORM.items() if name != "is_active"}
    admin.post(url, admin_post_data(admin, url, {**closed, "host_name": "Caisse du Centre"}))
    events = AuditEvent.objects.filter(target_id=str(site.pk)).order_by("id")
    assert [event.action for event in events] == ["site.create", "site.update", "site.deactivate"]
    assert {event.acting_user.email for event in events} == {"root@example.com"}
    assert events[1].detail == {"fields": ["host_name"]}


def test_the_site_page_cannot_change_its_compartments(admin, make_site):
    """The compartment inline is read-only: a state posted with the site changes nothing."""
    site = make_site()
    compartment = site.compartments.first()
    url = reverse("admin:lockers_site_change", args=[site.pk])
    data = admin_post_data(admin, url, {**SITE_FORM, "slug": site.slug})
    prefix = next(name for name in data if name.endswith("-TOTAL_FORMS")).removesuffix(
        "-TOTAL_FORMS"
    )
    data[f"{prefix}-0-id"] = str(compartment.pk)
    data[f"{prefix}-0-state"] = "out_of_service"
    data[f"{prefix}-0-label"] = "Z99"
    admin.post(url, data)
    compartment.refresh_from_db()
    assert compartment.label != "Z99"


def test_nested_opening_hours_are_a_form_error_not_a_500(admin):
    url = reverse("admin:lockers_site_add")
    data = admin_post_data(admin, url, {**SITE_FORM, "opening_hours": "[" * 15_000})
    response = admin.post(url, data)
    assert response.status_code == 200
    assert "opening_hours" in response.context["adminform"].form.errors
    assert not Site.objects.exists()


@pytest.mark.parametrize("model_name", ["parcel", "reservation", "custodyevent", "kiosklockout"])
def test_parcel_pages_are_read_only(client, make_site, model_name):
    from datetime import timedelta

    from django.utils import timezone

    from lockers import services
    from lockers.models import KioskLockout

    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    site = make_site()
    parcel = services.parcel_create(
        external_reference="r/1", size_class="S", destination_site=site, acting_user=None
    )
    services.reservation_hold(parcel=parcel, site=site, expires_at=timezone.now() + timedelta(1))
    KioskLockout.objects.create(site=site)
    changelist = reverse(f"admin:lockers_{model_name}_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert client.get(reverse(f"admin:lockers_{model_name}_add")).status_code == 403
    if model_name == "parcel":
        page = client.get(reverse("admin:lockers_parcel_change", args=[parcel.pk]))
        assert page.status_code == 200
        assert b"pickup_code_digest" not in page.content
