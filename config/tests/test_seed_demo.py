"""`manage.py seed_demo`: realistic, complete, and idempotent."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import demo_data
from identity.models import User
from identity.roles import Role, user_roles
from identity.services import user_roles_set
from lockers.models import Compartment, CompartmentState, HostKind, Site
from marketplace.models import Listing, Store, StoreRole, StoreStaff, StoreStatus, Variant

pytestmark = pytest.mark.django_db

SNAPSHOT_MODELS = [Site, Compartment, Store, StoreStaff, Listing, Variant, User, Group]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[dict]]:
    """Every row's every value of the models the seed writes, and people's roles."""
    rows = {
        model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }
    rows["memberships"] = list(
        User.groups.through.objects.order_by("pk").values("user_id", "group_id")
    )
    return rows


def test_a_second_run_changes_nothing():
    seed("--quiet")
    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        seed("--quiet")
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert snapshot() == before


def test_the_demo_has_enough_stores_listings_and_sites():
    seed("--quiet")
    assert Store.objects.filter(status=StoreStatus.APPROVED).count() >= 12
    assert Store.objects.filter(status=StoreStatus.PENDING).exists()
    assert Listing.objects.filter(store__status=StoreStatus.APPROVED).count() >= 60
    assert Variant.objects.filter(stock=0).exists()  # something shows "out of stock"
    assert set(Store.objects.values_list("locality", flat=True)) == {"Québec", "Montréal"}
    assert Store.objects.values("neighbourhood").distinct().count() >= 10
    assert Site.objects.count() == 8
    assert set(Site.objects.values_list("host_kind", flat=True)) == set(HostKind.values)
    for site in Site.objects.all():
        sizes = list(site.compartments.values_list("size_class", flat=True))
        assert (sizes.count("S"), sizes.count("M"), sizes.count("L")) == (6, 4, 2)
    assert not Compartment.objects.exclude(state=CompartmentState.AVAILABLE).exists()


def test_every_row_passes_full_clean():
    seed("--quiet")
    for model in (Site, Compartment, Store, StoreStaff, Listing, Variant):
        for row in model.objects.all():
            row.full_clean()


def test_one_demo_person_per_role_who_can_sign_in(client):
    seed("--quiet")
    people = {person["email"]: person for person in demo_data.DEMO_PEOPLE}
    assert {person["role"] for person in people.values()} == set(Role.values)
    for email, person in people.items():
        user = User.objects.get(email=email)
        assert user.email_verified
        assert user_roles(user) == {person["role"]}
        assert client.login(username=email, password=demo_data.DEMO_PASSWORD)
    admin = User.objects.get(email="admin@demo.uniqc.coop")
    assert admin.is_superuser and admin.is_staff
    owner = StoreStaff.objects.get(user__email="store@demo.uniqc.coop")
    assert owner.role == StoreRole.OWNER
    assert owner.store.status == StoreStatus.APPROVED


def test_a_rerun_keeps_what_happened_since(client):
    seed("--quiet")
    shopper = User.objects.get(email="shopper@demo.uniqc.coop")
    shopper.set_password("a-new-password-of-mine")
    shopper.save()
    user_roles_set(user=shopper, roles=[Role.SHOPPER, Role.COURIER])
    variant = Variant.objects.order_by("pk").first()
    Variant.objects.filter(pk=variant.pk).update(stock=variant.stock + 7)
    store = Store.objects.get(slug="le-de-verdunois")
    Store.objects.filter(pk=store.pk).update(status=StoreStatus.SUSPENDED)
    Compartment.objects.filter(label="A01").update(state=CompartmentState.OCCUPIED)

    seed("--quiet")

    assert client.login(username=shopper.email, password="a-new-password-of-mine")
    assert user_roles(shopper) == {Role.SHOPPER, Role.COURIER}
    assert Variant.objects.get(pk=variant.pk).stock == variant.stock + 7
    assert Store.objects.get(pk=store.pk).status == StoreStatus.SUSPENDED
    assert Compartment.objects.filter(state=CompartmentState.OCCUPIED).count() == 8


def test_a_demo_person_who_lost_the_role_gets_it_back():
    seed("--quiet")
    courier = User.objects.get(email="courier@demo.uniqc.coop")
    user_roles_set(user=courier, roles=[])
    seed("--quiet")
    assert user_roles(courier) == {Role.COURIER}


def test_the_command_prints_a_summary_and_the_sign_ins():
    out = seed()
    assert "Demo data loaded." in out
    assert "stores" in out and "13 created" in out
    assert demo_data.DEMO_PASSWORD in out
    for person in demo_data.DEMO_PEOPLE:
        assert person["email"] in out
    assert "0 created" in seed()


def test_quiet_prints_nothing():
    assert seed("--quiet") == ""


def test_the_pages_render_the_demo_in_french(client):
    seed("--quiet")
    pending = Store.objects.get(status=StoreStatus.PENDING)
    for path in ["/boutiques/", "/boutiques/boulangerie-du-faubourg/", "/casiers/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="fr-CA"' in response.content.decode()
    assert pending.name not in client.get("/boutiques/").content.decode()
    assert client.get(f"/boutiques/{pending.slug}/").status_code == 404

    client.login(username="store@demo.uniqc.coop", password=demo_data.DEMO_PASSWORD)
    html = client.get(reverse("marketplace:my_stores")).content.decode()
    assert "Boulangerie du Faubourg" in html
    client.login(username="courier@demo.uniqc.coop", password=demo_data.DEMO_PASSWORD)
    html = client.get(reverse("lockers:courier_sites")).content.decode()
    assert "Berri-UQAM" in html
    assert "Sainte-Foy" in html
    client.login(username="shopper@demo.uniqc.coop", password=demo_data.DEMO_PASSWORD)
    assert client.get(reverse("lockers:courier_sites")).status_code == 403
    assert client.get(reverse("marketplace:my_stores")).status_code == 403
