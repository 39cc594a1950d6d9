"""Issue 8: a client's sector is recorded (no longer recomputed from its redirect URIs),
and signing keys can be staged before they sign.

Existing clients keep their subjects: each gets, as its recorded sector, exactly what
`OidcClient.sector` computed before this migration (`sector_before_0008`). A client whose
redirect URIs are on several hosts keeps the host that sorted first; an admin edit of its
redirect URIs will then ask for a sector identifier URI on that host. Existing keys were
active from their creation: `promoted_at` is their `created_at`.
"""

from urllib.parse import urlsplit

from django.db import migrations, models
from django.db.models import F


def sector_before_0008(*, sector_identifier: str, redirect_uris: list, client_id: str) -> str:
    """What `OidcClient.sector` returned before 0008: the sector identifier if set, else the
    redirect host that sorts first, else the client_id."""
    if sector_identifier:
        return sector_identifier
    hosts = sorted({urlsplit(uri).hostname or "" for uri in redirect_uris})
    return hosts[0] if hosts else client_id


def sectors_record(apps, schema_editor) -> None:
    OidcClient = apps.get_model("identity", "OidcClient")
    rows = OidcClient.objects.values_list("pk", "sector_identifier", "redirect_uris", "client_id")
    for pk, sector_identifier, redirect_uris, client_id in rows.iterator():
        sector = sector_before_0008(
            sector_identifier=sector_identifier, redirect_uris=redirect_uris, client_id=client_id
        )
        if sector != sector_identifier:
            OidcClient.objects.filter(pk=pk).update(sector_identifier=sector)


def keys_promoted_at_creation(apps, schema_editor) -> None:
    OidcSigningKey = apps.get_model("identity", "OidcSigningKey")
    OidcSigningKey.objects.update(promoted_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0007_audit_event"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="oidcsigningkey",
            name="identity_oidcsigningkey_one_active_per_alg",
        ),
        migrations.AddField(
            model_name="oidcclient",
            name="sector_identifier_uri",
            field=models.URLField(
                blank=True,
                help_text="Required when the redirect URIs are on more than one host: an https "
                "address serving a JSON array of the client's redirect URIs. Its host is the "
                "sector.",
                verbose_name="sector identifier URI",
            ),
        ),
        migrations.AddField(
            model_name="oidcsigningkey",
            name="promoted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="oidcclient",
            name="sector_identifier",
            field=models.CharField(
                blank=True, editable=False, max_length=253, verbose_name="sector identifier"
            ),
        ),
        migrations.RunPython(sectors_record, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(keys_promoted_at_creation, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="oidcclient",
            constraint=models.CheckConstraint(
                condition=models.Q(("sector_identifier", ""), _negated=True),
                name="identity_oidcclient_sector_identifier_set",
            ),
        ),
        migrations.AddConstraint(
            model_name="oidcsigningkey",
            constraint=models.UniqueConstraint(
                condition=models.Q(("promoted_at__isnull", False), ("retired_at__isnull", True)),
                fields=("alg",),
                name="identity_oidcsigningkey_one_active_per_alg",
            ),
        ),
        migrations.AddConstraint(
            model_name="oidcsigningkey",
            constraint=models.UniqueConstraint(
                condition=models.Q(("promoted_at__isnull", True), ("retired_at__isnull", True)),
                fields=("alg",),
                name="identity_oidcsigningkey_one_staged_per_alg",
            ),
        ),
        migrations.AddConstraint(
            model_name="oidcsigningkey",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("retired_at__isnull", True), ("promoted_at__isnull", False), _connector="OR"
                ),
                name="identity_oidcsigningkey_retired_after_signing",
            ),
        ),
    ]
