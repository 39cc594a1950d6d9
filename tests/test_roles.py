"""Each role is a group with its permissions, including those apps above identity add."""

import pytest

from identity.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (
            Role.SHOPPER,
            ["identity.shop"],
            ["marketplace.work_in_store", "marketplace.change_store", "lockers.carry_parcels"],
        ),
        (Role.COURIER, ["lockers.carry_parcels"], ["identity.shop", "identity.issue_cards"]),
        (Role.REGISTRAR, ["identity.issue_cards", "identity.view_user"], ["identity.change_user"]),
        (
            Role.COOP_ADMIN,
            [
                "identity.administer_coop",
                "identity.view_auditevent",
                "marketplace.change_store",
                "lockers.change_site",
            ],
            [
                "identity.issue_cards",
                "identity.delete_user",
                "marketplace.delete_store",
                "lockers.delete_site",
                "identity.add_auditevent",
                "identity.change_auditevent",
            ],
        ),
    ],
)
def test_role_permissions(make_person, role, granted, refused):
    user = make_person(f"{role}@example.ca", role)
    for label in granted:
        assert user.has_perm(label), label
    for label in refused:
        assert not user.has_perm(label), label


@pytest.mark.django_db
def test_only_registrars_and_coop_admins_reach_the_admin_site(make_person):
    assert make_person("r@example.ca", Role.REGISTRAR).is_staff
    assert make_person("a@example.ca", Role.COOP_ADMIN).is_staff
    assert not make_person("c@example.ca", Role.COURIER).is_staff
    assert not make_person("s@example.ca", Role.SHOPPER).is_staff


@pytest.mark.django_db
def test_navigation_follows_roles(client, make_person):
    courier = make_person("courier@example.ca", Role.COURIER)
    client.force_login(courier)
    nav = [item["url"] for item in client.get("/").context["nav_items"]]
    assert "/casiers/tournee/" in nav
    assert "/boutiques/mes-boutiques/" not in nav
    assert "/admin/" not in nav


@pytest.mark.django_db
def test_identity_declares_only_its_own_permissions():
    from django.contrib.auth.models import Permission

    assert not Permission.objects.filter(
        content_type__app_label="identity", codename__in=["work_in_store", "carry_parcels"]
    ).exists()
    assert Permission.objects.filter(
        content_type__app_label="lockers", codename="carry_parcels"
    ).exists()


@pytest.mark.django_db
def test_working_at_a_store_is_the_store_staff_row_alone(make_person):
    """No role or group gives marketplace.work_in_store: a StoreStaff row does."""
    from django.contrib.auth.models import Group

    from identity.models import User
    from marketplace.services import store_create, store_staff_remove, store_staff_set

    person = make_person("p@example.ca", Role.SHOPPER)
    assert not Group.objects.filter(name="store_staff").exists()
    assert not User.objects.get(pk=person.pk).has_perm("marketplace.work_in_store")
    store = store_create(
        slug="s",
        name="S",
        legal_name="S inc.",
        neq="1170004182",
        small_supplier=True,
        neighbourhood="Limoilou",
        street_address="1, 3e Avenue",
        locality="Québec",
        postal_code="G1L 2Y5",
        latitude="46.8300",
        longitude="-71.2300",
        acting_user=None,
    )
    store_staff_set(store=store, user=person, acting_user=None)
    assert User.objects.get(pk=person.pk).has_perm("marketplace.work_in_store")
    store_staff_remove(store=store, user=person, acting_user=None)
    assert not User.objects.get(pk=person.pk).has_perm("marketplace.work_in_store")
