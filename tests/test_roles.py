"""Each role is a group with its permissions, including those apps above identity add."""

import pytest

from identity.roles import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "granted", "refused"),
    [
        (Role.SHOPPER, ["identity.shop"], ["identity.work_in_store", "marketplace.change_store"]),
        (Role.STORE_STAFF, ["identity.shop", "identity.work_in_store"], ["identity.issue_cards"]),
        (Role.COURIER, ["identity.carry_parcels"], ["identity.shop", "identity.issue_cards"]),
        (Role.REGISTRAR, ["identity.issue_cards", "identity.view_user"], ["identity.change_user"]),
        (
            Role.COOP_ADMIN,
            ["identity.administer_coop", "marketplace.change_store", "lockers.change_site"],
            ["identity.issue_cards", "marketplace.delete_store"],
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
    assert not make_person("s@example.ca", Role.STORE_STAFF, Role.SHOPPER).is_staff


@pytest.mark.django_db
def test_navigation_follows_roles(client, make_person):
    courier = make_person("courier@example.ca", Role.COURIER)
    client.force_login(courier)
    nav = [item["url"] for item in client.get("/").context["nav_items"]]
    assert "/casiers/tournee/" in nav
    assert "/boutiques/mes-boutiques/" not in nav
    assert "/admin/" not in nav
