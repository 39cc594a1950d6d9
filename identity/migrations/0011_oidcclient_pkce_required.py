"""OidcClient.pkce_required: PKCE for confidential clients too (OAuth 2.1).

Clients registered before this migration keep working as they did: confidential ones get
False (they may not send PKCE yet), public ones True (they always had to). Clients
registered afterwards default to True.
"""

from django.db import migrations, models


def public_clients_require_pkce(apps, schema_editor):
    OidcClient = apps.get_model("identity", "OidcClient")
    OidcClient.objects.filter(is_public=True).update(pkce_required=True)


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0010_user_permissions_moved_to_their_apps"),
    ]

    operations = [
        # Existing rows get False, then the default for new rows becomes True.
        migrations.AddField(
            model_name="oidcclient",
            name="pkce_required",
            field=models.BooleanField(default=False, verbose_name="PKCE required"),
        ),
        migrations.RunPython(public_clients_require_pkce, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="oidcclient",
            name="pkce_required",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "Every authorization request must carry an S256 code challenge (OAuth 2.1). "
                    "Untick only for an old confidential service that cannot send one; a public "
                    "client always needs PKCE."
                ),
                verbose_name="PKCE required",
            ),
        ),
        migrations.AddConstraint(
            model_name="oidcclient",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_public", False), ("pkce_required", True), _connector="OR"),
                name="identity_oidcclient_public_requires_pkce",
            ),
        ),
    ]
