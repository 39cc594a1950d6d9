"""A variant belongs to the store of its listing, held by the database itself.

Django 5.2 has no composite foreign key, so the guarantee is written out per database:
- PostgreSQL: a foreign key from the variant's (listing_id, store_id) to the listing's
  (id, store_id), which the unique constraint marketplace_listing_unique_id_store allows;
  it also stops a listing with variants from moving to another store.
- SQLite: triggers that refuse the same writes. SQLite rebuilds a table to alter it, and
  the triggers go with the old table: a migration that alters Variant or Listing ends
  with `VariantStoreGuarantee()` again (marketplace/tests/test_models.py proves it holds).

The catalogue's full-text index has triggers ON marketplace_listing too: a migration that
remakes the Listing table also ends with `ListingSearchIndex()` (marketplace/search_index.py).
"""

from typing import Any

from django.db import migrations

CONSTRAINT = "marketplace_variant_listing_of_its_store"

POSTGRESQL_CREATE = [
    f"ALTER TABLE marketplace_variant DROP CONSTRAINT IF EXISTS {CONSTRAINT}",
    f"ALTER TABLE marketplace_variant ADD CONSTRAINT {CONSTRAINT} "
    "FOREIGN KEY (listing_id, store_id) REFERENCES marketplace_listing (id, store_id)",
]
POSTGRESQL_DROP = [f"ALTER TABLE marketplace_variant DROP CONSTRAINT IF EXISTS {CONSTRAINT}"]

_VARIANT_MISMATCH = (
    "NEW.store_id IS NOT (SELECT store_id FROM marketplace_listing WHERE id = NEW.listing_id)"
)
_VARIANTS_LEFT_BEHIND = (
    "SELECT 1 FROM marketplace_variant WHERE listing_id = NEW.id AND store_id IS NOT NEW.store_id"
)
_ABORT = f"BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}'); END"
SQLITE_TRIGGERS = {
    f"{CONSTRAINT}_insert": (
        f"BEFORE INSERT ON marketplace_variant FOR EACH ROW WHEN {_VARIANT_MISMATCH} {_ABORT}"
    ),
    f"{CONSTRAINT}_update": (
        "BEFORE UPDATE OF listing_id, store_id ON marketplace_variant FOR EACH ROW "
        f"WHEN {_VARIANT_MISMATCH} {_ABORT}"
    ),
    f"{CONSTRAINT}_listing_moves": (
        "BEFORE UPDATE OF store_id ON marketplace_listing FOR EACH ROW WHEN EXISTS "
        f"({_VARIANTS_LEFT_BEHIND}) {_ABORT}"
    ),
}


def guarantee_create(schema_editor: Any) -> None:
    """Install the guarantee on this database; installing it twice is harmless."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRESQL_CREATE:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(f"CREATE TRIGGER {name} {body}")
    else:
        raise NotImplementedError(f"No variant-store guarantee for {vendor}.")


def guarantee_drop(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRESQL_DROP:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def VariantStoreGuarantee() -> migrations.RunPython:
    """The migration operation that (re)installs the guarantee."""
    return migrations.RunPython(
        lambda _apps, schema_editor: guarantee_create(schema_editor),
        lambda _apps, schema_editor: guarantee_drop(schema_editor),
        elidable=False,
    )
