"""carry_parcels moves from identity (which declared it for lockers) to lockers itself.

Whoever held identity.carry_parcels, through a group or directly, holds
lockers.carry_parcels afterwards; identity's permission row is then deleted. The
courier group is also brought right by identity's roles_sync after migrating.
"""

from django.db import migrations

NAME = "Can carry parcels between stores and lockers"


def _move(apps, source: tuple[str, str], target: tuple[str, str]) -> None:
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("identity", "User")
    old = Permission.objects.filter(
        content_type__app_label=source[0], content_type__model=source[1], codename="carry_parcels"
    ).first()
    if old is None:
        return
    target_type, _created = ContentType.objects.get_or_create(
        app_label=target[0], model=target[1]
    )
    new, _created = Permission.objects.get_or_create(
        content_type=target_type, codename="carry_parcels", defaults={"name": NAME}
    )
    for group in Group.objects.filter(permissions=old):
        group.permissions.add(new)
    for user in User.objects.filter(user_permissions=old):
        user.user_permissions.add(new)
    old.delete()


def to_lockers(apps, schema_editor) -> None:
    _move(apps, ("identity", "user"), ("lockers", "site"))


def to_identity(apps, schema_editor) -> None:
    _move(apps, ("lockers", "site"), ("identity", "user"))


class Migration(migrations.Migration):
    dependencies = [
        ("lockers", "0001_initial"),
        ("identity", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="site",
            options={
                "ordering": ["locality", "name", "id"],
                "permissions": [("carry_parcels", NAME)],
                "verbose_name": "locker site",
                "verbose_name_plural": "locker sites",
            },
        ),
        migrations.RunPython(to_lockers, to_identity),
    ]
