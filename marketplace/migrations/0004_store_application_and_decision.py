"""A store applies and the coop decides: legal name, NEQ, tax numbers or small supplier,
phone, opening hours, the refused status, and who decided what, when and why; the clerk
role becomes staff.

Rows from before (development data only, no production data exists) get their name as
legal name, the placeholder NEQ 0000000000, and "small supplier" because their tax
numbers are unknown (the booleans said only whether they were registered); loading the
demo again gives the demo stores their real values. A store already approved or
suspended is taken as decided when it was created.
"""

import django.db.models.deletion
import identity.validators
import marketplace.validators
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def stores_bring_forward(apps, schema_editor) -> None:
    Store = apps.get_model("marketplace", "Store")
    StoreStaff = apps.get_model("marketplace", "StoreStaff")
    Store.objects.update(legal_name=F("name"), small_supplier=True, gst_number="", qst_number="")
    Store.objects.exclude(status="pending").update(decided_at=F("created_at"))
    Store.objects.filter(status="suspended", decision_reason="").update(
        decision_reason="Suspended before reasons were recorded."
    )
    StoreStaff.objects.filter(role="clerk").update(role="staff")


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0003_catalogue_model'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="store",
            options={
                "ordering": ["locality", "neighbourhood", "name", "id"],
                "permissions": [("decide_store", "Can approve, refuse and suspend stores")],
                "verbose_name": "store",
                "verbose_name_plural": "stores",
            },
        ),
        migrations.RemoveConstraint(
            model_name='store',
            name='marketplace_store_latitude_range',
        ),
        migrations.RemoveConstraint(
            model_name='store',
            name='marketplace_store_longitude_range',
        ),
        migrations.RemoveConstraint(
            model_name='store',
            name='marketplace_store_status_valid',
        ),
        migrations.RemoveConstraint(
            model_name='store',
            name='marketplace_store_slug_not_reserved',
        ),
        migrations.RemoveConstraint(
            model_name='storestaff',
            name='marketplace_storestaff_role_valid',
        ),
        migrations.AddField(
            model_name='store',
            name='applicant',
            field=models.ForeignKey(blank=True, help_text='Who applied for the store; empty for a store the coop added.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='store_applications', to=settings.AUTH_USER_MODEL, verbose_name='applicant'),
        ),
        migrations.AddField(
            model_name='store',
            name='decided_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='decided at'),
        ),
        migrations.AddField(
            model_name='store',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='store',
            name='decision_reason',
            field=models.TextField(blank=True, help_text='Shown to the retailer; required to refuse or suspend.', verbose_name='reason for the decision'),
        ),
        migrations.AddField(
            model_name='store',
            name='gst_number',
            field=models.CharField(blank=True, max_length=15, validators=[marketplace.validators.validate_gst_number], verbose_name='GST number'),
        ),
        migrations.AddField(
            model_name='store',
            name='legal_name',
            field=models.CharField(default='', help_text='The name under which the business is registered.', max_length=200, verbose_name='legal name'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='store',
            name='neq',
            field=models.CharField(default='0000000000', max_length=10, validators=[marketplace.validators.validate_neq], verbose_name='Québec enterprise number (NEQ)'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='store',
            name='opening_hours',
            field=models.JSONField(blank=True, default=dict, help_text='Weekday → list of ["HH:MM", "HH:MM"] intervals; an absent day is closed.', verbose_name='opening hours'),
        ),
        migrations.AddField(
            model_name='store',
            name='phone',
            field=models.CharField(blank=True, max_length=12, validators=[identity.validators.validate_phone], verbose_name='phone'),
        ),
        migrations.AddField(
            model_name='store',
            name='qst_number',
            field=models.CharField(blank=True, max_length=16, validators=[marketplace.validators.validate_qst_number], verbose_name='QST number'),
        ),
        migrations.AddField(
            model_name='store',
            name='small_supplier',
            field=models.BooleanField(default=False, help_text='Under $30,000 of taxable sales in four quarters and not registered: the store collects neither GST nor QST, and the coop collects the QST as the platform operator. A small supplier registered voluntarily gives its numbers instead.', verbose_name='small supplier, not registered for the taxes'),
        ),
        migrations.AlterField(
            model_name='store',
            name='latitude',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='latitude'),
        ),
        migrations.AlterField(
            model_name='store',
            name='longitude',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='longitude'),
        ),
        migrations.AlterField(
            model_name='store',
            name='status',
            field=models.CharField(choices=[('pending', 'Pending approval'), ('approved', 'Approved'), ('refused', 'Refused'), ('suspended', 'Suspended')], default='pending', max_length=20, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='storestaff',
            name='role',
            field=models.CharField(choices=[('owner', 'Owner'), ('staff', 'Staff')], default='staff', max_length=10, verbose_name='role'),
        ),
        migrations.RunPython(stores_bring_forward, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='store',
            name='gst_registered',
        ),
        migrations.RemoveField(
            model_name='store',
            name='qst_registered',
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(('latitude__isnull', True), models.Q(('latitude__gte', -90), ('latitude__lte', 90)), _connector='OR'), name='marketplace_store_latitude_range'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(('longitude__isnull', True), models.Q(('longitude__gte', -180), ('longitude__lte', 180)), _connector='OR'), name='marketplace_store_longitude_range'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('latitude__isnull', True), ('longitude__isnull', True)), models.Q(('latitude__isnull', False), ('longitude__isnull', False)), _connector='OR'), name='marketplace_store_coordinates_both_or_neither', violation_error_message='Give both the latitude and the longitude, or neither.'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'approved', 'refused', 'suspended'])), name='marketplace_store_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(('neq__regex', '^[0-9]{10}$')), name='marketplace_store_neq_format'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('gst_number', ''), ('qst_number', ''), ('small_supplier', True)), models.Q(('small_supplier', False), ('gst_number__regex', '^[0-9]{9}RT[0-9]{4}$'), ('qst_number__regex', '^[0-9]{10}TQ[0-9]{4}$')), _connector='OR'), name='marketplace_store_small_supplier_or_tax_numbers', violation_error_message='A small supplier gives no tax numbers; a registered store gives both its GST and QST numbers.'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decided_at__isnull', True), ('status', 'pending')), models.Q(models.Q(('status', 'pending'), _negated=True), ('decided_at__isnull', False)), _connector='OR'), name='marketplace_store_decided_at_iff_decided'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ('refused', 'suspended')), _negated=True), models.Q(('decision_reason', ''), _negated=True), _connector='OR'), name='marketplace_store_refusal_has_reason', violation_error_message='Say why the store is refused or suspended.'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('applicant',), name='marketplace_store_one_pending_application_per_person', violation_error_message='You already have an application waiting.'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(('slug__in', ['inscription', 'mes-boutiques']), _negated=True), name='marketplace_store_slug_not_reserved', violation_error_message='This address is reserved; choose another slug.'),
        ),
        migrations.AddConstraint(
            model_name='storestaff',
            constraint=models.CheckConstraint(condition=models.Q(('role__in', ['owner', 'staff'])), name='marketplace_storestaff_role_valid'),
        ),
    ]
