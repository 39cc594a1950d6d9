"""The catalogue's search: the full-text index of listings (marketplace/search_index.py:
PostgreSQL's unaccent, a weighted French and English tsvector kept by a trigger and
GIN-indexed; SQLite's FTS5 table kept by triggers), an index on the stores' position for
the distance filter's bounding box, one on the newest published listings, one on the
variants' prices (the price sorts), and the slug
"categorie" reserved (/catalogue/categorie/<slug>/ would hide a store's listings).
"""

from django.conf import settings
from django.db import migrations, models

from marketplace.search_index import ListingSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0008_payments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="store",
            name="marketplace_store_slug_not_reserved",
        ),
        migrations.AddIndex(
            model_name="listing",
            index=models.Index(
                fields=["status", "-published_at"], name="marketplace_listing_newest"
            ),
        ),
        migrations.AddIndex(
            model_name="variant",
            index=models.Index(fields=["price", "id"], name="marketplace_variant_price"),
        ),
        migrations.AddIndex(
            model_name="store",
            index=models.Index(fields=["latitude", "longitude"], name="marketplace_store_position"),
        ),
        migrations.AddConstraint(
            model_name="store",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("slug__in", ["categorie", "inscription", "mes-boutiques"]), _negated=True
                ),
                name="marketplace_store_slug_not_reserved",
                violation_error_message="This address is reserved; choose another slug.",
            ),
        ),
        # ListingSearchIndex creates the unaccent extension on PostgreSQL (django.contrib.
        # postgres's UnaccentExtension would query pg_extension on SQLite when unapplied).
        ListingSearchIndex(),
    ]
