"""The migrations that give each app its own permissions keep existing grants right."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("lockers", "0001_initial"), ("marketplace", "0001_initial")]
AFTER = [
    ("lockers", "0002_carry_parcels_permission"),
    ("marketplace", "0002_store_staff_is_the_one_record"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """The test migrates back; every test after it needs the whole schema again (pages
    read the marketplace's tables, the cart in the header for one)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_after")
def test_grants_of_identitys_old_permissions_move_to_their_apps():
    apps = migrate(BEFORE)
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("identity", "User")
    user_type = ContentType.objects.get(app_label="identity", model="user")
    carry, _ = Permission.objects.get_or_create(
        content_type=user_type, codename="carry_parcels", defaults={"name": "carry"}
    )
    work, _ = Permission.objects.get_or_create(
        content_type=user_type, codename="work_in_store", defaults={"name": "work"}
    )
    courier_group, _ = Group.objects.get_or_create(name="courier")
    courier_group.permissions.add(carry)
    store_group, _ = Group.objects.get_or_create(name="store_staff")
    store_group.permissions.add(work)
    direct = User.objects.create(email="direct@example.com", given_name="D", family_name="P")
    direct.user_permissions.add(carry)
    clerk = User.objects.create(email="clerk@example.com", given_name="C", family_name="P")
    clerk.groups.add(store_group)

    apps = migrate(AFTER)
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("identity", "User")
    assert not Permission.objects.filter(
        content_type__app_label="identity", codename__in=["carry_parcels", "work_in_store"]
    ).exists()
    moved = Permission.objects.get(content_type__app_label="lockers", codename="carry_parcels")
    assert Group.objects.get(name="courier").permissions.filter(pk=moved.pk).exists()
    assert User.objects.get(email="direct@example.com").user_permissions.get() == moved
    assert not Group.objects.filter(name="store_staff").exists()
    clerk = User.objects.get(email="clerk@example.com")
    assert list(clerk.groups.values_list("name", flat=True)) == ["shopper"]
