"""The catalogue checkout builds on.

A SKU is unique within its store (a variant carries its listing's store, and the
database holds the two equal: marketplace.db_guarantees); the parcel size class moves
from the listing to each variant, with a weight and a low-stock threshold; a listing has
French and English words, a category of a small tree, and a status (draft, published,
unpublished) in place of is_active.

Rows already there: a variant takes its listing's store and size, and a weight by size;
a listing on sale is published, one off sale unpublished, both as of now.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

from marketplace.db_guarantees import VariantStoreGuarantee

WEIGHT_BY_SIZE = {"S": 250, "M": 1000, "L": 3000}


def rows_carry_over(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Check the deferred foreign keys now, so that the tables can be altered next.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Listing = apps.get_model("marketplace", "Listing")
    Variant = apps.get_model("marketplace", "Variant")
    now = timezone.now()
    for listing in Listing.objects.order_by("pk"):
        listing.status = "published" if listing.is_active else "unpublished"
        listing.published_at = now
        listing.description_fr = listing.description_fr or listing.title_fr
        listing.save(update_fields=["status", "published_at", "description_fr"])
        listing.variants.update(
            store_id=listing.store_id,
            size_class=listing.size_class,
            weight_grams=WEIGHT_BY_SIZE.get(listing.size_class, 1000),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_store_staff_is_the_one_record"),
    ]

    operations = [
        migrations.CreateModel(
            name="Category",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slug", models.SlugField(max_length=80, unique=True, verbose_name="slug")),
                ("name_fr", models.CharField(max_length=80, verbose_name="name (French)")),
                (
                    "name_en",
                    models.CharField(
                        blank=True,
                        help_text="Shown in English; the French name when left empty.",
                        max_length=80,
                        verbose_name="name (English)",
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Lower comes first among its siblings.",
                        verbose_name="position",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="marketplace.category",
                        verbose_name="parent category",
                    ),
                ),
            ],
            options={
                "verbose_name": "category",
                "verbose_name_plural": "categories",
                "ordering": ["position", "slug"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("parent", models.F("pk")), _negated=True),
                        name="marketplace_category_not_its_own_parent",
                        violation_error_message="A category cannot be its own parent.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("name_fr", ""), _negated=True),
                        name="marketplace_category_name_fr_required",
                    ),
                ],
            },
        ),
        migrations.RenameField("listing", "title", "title_fr"),
        migrations.RenameField("listing", "description", "description_fr"),
        migrations.AddField(
            model_name="listing",
            name="title_en",
            field=models.CharField(
                blank=True,
                help_text="Shown in English; the French title when left empty.",
                max_length=160,
                verbose_name="title (English)",
            ),
        ),
        migrations.AddField(
            model_name="listing",
            name="description_en",
            field=models.TextField(
                blank=True,
                help_text="Shown in English; the French description when left empty.",
                verbose_name="description (English)",
            ),
        ),
        migrations.AddField(
            model_name="listing",
            name="category",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="listings",
                to="marketplace.category",
                verbose_name="category",
            ),
        ),
        migrations.AddField(
            model_name="listing",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("published", "Published"),
                    ("unpublished", "Unpublished"),
                ],
                default="draft",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="listing",
            name="published_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When it was last published; kept when it is unpublished.",
                null=True,
                verbose_name="published at",
            ),
        ),
        migrations.AddField(
            model_name="variant",
            name="store",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="variants",
                to="marketplace.store",
                verbose_name="store",
            ),
        ),
        migrations.AddField(
            model_name="variant",
            name="size_class",
            field=models.CharField(default="M", max_length=1, verbose_name="locker size"),
        ),
        migrations.AddField(
            model_name="variant",
            name="weight_grams",
            field=models.PositiveIntegerField(default=1000, verbose_name="weight (g)"),
        ),
        migrations.AddField(
            model_name="variant",
            name="low_stock_threshold",
            field=models.PositiveIntegerField(
                default=3,
                help_text="The store is told when the stock falls to this number or below.",
                verbose_name="low stock threshold",
            ),
        ),
        migrations.RunPython(rows_carry_over, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint("listing", "marketplace_listing_size_class_valid"),
        migrations.RemoveField("listing", "size_class"),
        migrations.RemoveField("listing", "is_active"),
        migrations.AlterModelOptions(
            name="listing",
            options={
                "ordering": ["store", "title_fr", "id"],
                "verbose_name": "listing",
                "verbose_name_plural": "listings",
            },
        ),
        migrations.AlterField(
            model_name="listing",
            name="title_fr",
            field=models.CharField(max_length=160, verbose_name="title (French)"),
        ),
        migrations.AlterField(
            model_name="listing",
            name="description_fr",
            field=models.TextField(verbose_name="description (French)"),
        ),
        migrations.AlterField(
            model_name="variant",
            name="store",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="variants",
                to="marketplace.store",
                verbose_name="store",
            ),
        ),
        migrations.AlterField(
            model_name="variant",
            name="sku",
            field=models.CharField(
                help_text="Unique within the store.", max_length=64, verbose_name="SKU"
            ),
        ),
        migrations.AlterField(
            model_name="variant",
            name="size_class",
            field=models.CharField(
                choices=[
                    ("S", "Small (8 × 38 × 64 cm)"),
                    ("M", "Medium (19 × 38 × 64 cm)"),
                    ("L", "Large (41 × 38 × 64 cm)"),
                ],
                help_text="The smallest locker compartment the packed item fits in.",
                max_length=1,
                verbose_name="locker size",
            ),
        ),
        migrations.AlterField(
            model_name="variant",
            name="weight_grams",
            field=models.PositiveIntegerField(
                help_text="The packed weight, in grams.", verbose_name="weight (g)"
            ),
        ),
        migrations.AddConstraint(
            model_name="listing",
            constraint=models.UniqueConstraint(
                fields=("id", "store"), name="marketplace_listing_unique_id_store"
            ),
        ),
        migrations.AddConstraint(
            model_name="listing",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published", "unpublished"]),
                name="marketplace_listing_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="listing",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("published_at__isnull", True), ("status", "draft")),
                    models.Q(
                        ("published_at__isnull", False),
                        ("status__in", ["published", "unpublished"]),
                    ),
                    _connector="OR",
                ),
                name="marketplace_listing_published_at_matches_status",
            ),
        ),
        migrations.AddConstraint(
            model_name="listing",
            constraint=models.CheckConstraint(
                condition=models.Q(("title_fr", ""), _negated=True),
                name="marketplace_listing_title_fr_required",
            ),
        ),
        migrations.AddConstraint(
            model_name="listing",
            constraint=models.CheckConstraint(
                condition=models.Q(("description_fr", ""), _negated=True),
                name="marketplace_listing_description_fr_required",
            ),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.UniqueConstraint(
                fields=("store", "sku"), name="marketplace_variant_unique_sku_per_store"
            ),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.CheckConstraint(
                condition=models.Q(low_stock_threshold__gte=0),
                name="marketplace_variant_low_stock_threshold_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.CheckConstraint(
                condition=models.Q(size_class__in=["S", "M", "L"]),
                name="marketplace_variant_size_class_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.CheckConstraint(
                condition=models.Q(weight_grams__gt=0),
                name="marketplace_variant_weight_positive",
                violation_error_message="A weight must be more than zero.",
            ),
        ),
        VariantStoreGuarantee(),
    ]
