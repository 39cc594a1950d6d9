"""Working at a store is recorded once: a StoreStaff row.

The store_staff role (a group carrying identity.work_in_store) goes: the permission is
now marketplace.work_in_store, which marketplace.backends.StoreStaffBackend derives from
StoreStaff rows. Members of the old group keep working where a StoreStaff row says they
do, and become shoppers (the group gave identity.shop too).
A person with StoreStaff rows cannot be deleted before leaving the stores (PROTECT).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def store_staff_role_remove(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    old = Group.objects.filter(name="store_staff").first()
    if old is not None:
        shopper, _created = Group.objects.get_or_create(name="shopper")
        shopper.user_set.add(*old.user_set.all())
        old.delete()
    Permission.objects.filter(
        content_type__app_label="identity", codename="work_in_store"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterField(
            model_name="storestaff",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="store_memberships",
                to=settings.AUTH_USER_MODEL,
                verbose_name="person",
            ),
        ),
        # Not reversible in full: the group's memberships are not kept.
        migrations.RunPython(store_staff_role_remove, migrations.RunPython.noop),
    ]
