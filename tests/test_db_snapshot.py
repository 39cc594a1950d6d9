"""The database snapshot the accessibility tests load the demo through (tests/db_snapshot.py):
rows come back as they were, their ids with them, and new rows get ids after them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from conftest import person_create
from identity.models import User
from tests.db_snapshot import DatabaseSnapshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_restore_brings_back_every_row_with_its_id(tmp_path):
    kept = person_create("kept@example.org", "shopper")
    group_ids = set(Group.objects.values_list("pk", flat=True))
    snapshot = DatabaseSnapshot("unit", tmp_path).take()
    assert "identity_user" in snapshot.tables

    # What a test leaves behind, then the flush between tests (TransactionTestCase's: the
    # sequences keep their values).
    person_create("later@example.org")
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
    assert not User.objects.exists()

    snapshot.restore()
    assert list(User.objects.values_list("pk", "email")) == [(kept.pk, "kept@example.org")]
    assert set(Group.objects.values_list("pk", flat=True)) == group_ids
    assert set(kept.groups.all()) == set(User.objects.get().groups.all())
    # The content types and permissions are the copied ones, and the cache knows them.
    permission = Permission.objects.select_related("content_type").first()
    assert ContentType.objects.get_for_id(permission.content_type_id) == permission.content_type

    newcomer = person_create("new@example.org")
    assert newcomer.pk > kept.pk


def test_restore_twice_gives_the_same_rows(tmp_path):
    person_create("kept@example.org")
    snapshot = DatabaseSnapshot("twice", tmp_path).take()
    for _ in range(2):
        User.objects.all().delete()
        snapshot.restore()
        assert list(User.objects.values_list("email", flat=True)) == ["kept@example.org"]
