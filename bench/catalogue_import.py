"""Rows imported per second for a catalogue file of 10,000 rows on PostgreSQL
(marketplace/catalogue_imports.py), beside a baseline of the same run: the same rows
written by a plain bulk insert (listings and variants, no checks, no audit).

Three imports of the store's file: 10,000 new variants (2,000 listings), the same file
again (everything unchanged: checked, locked, nothing written), and every price and stock
changed (10,000 updates). Timed: the import's task from reading the file to its commit.
Never fails on speed.

    python -m bench.catalogue_import
Environment: BENCH_IMPORT_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_import, dropped and re-created),
BENCH_IMPORT_ROWS (10000).
"""

import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import database_drop, database_recreate  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench_import"
)
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
HEADER = "sku,listing,title_fr,description_fr,category,variant,price,stock,locker_size,weight_grams"


def django_setup() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("MARKETPLACE_IMPORT_ROOT", tempfile.mkdtemp(prefix="uniqc-import-"))
    import django

    django.setup()


def rows_csv(n: int, *, price_cents: int = 0, stock_add: int = 0) -> bytes:
    lines = [HEADER]
    for i in range(n):
        price = 400 + i % 700 + price_cents
        lines.append(
            f"SKU-{i:05d},fiche-{i // 5},Article {i // 5} du quartier,Fait ici avec soin.,"
            f"boulangerie,Format {i % 5},{price // 100}.{price % 100:02d},{i % 13 + stock_add},"
            f"{'SML'[i % 3]},{100 + i}"
        )
    return ("\n".join(lines) + "\n").encode()


def world_make():
    from identity.services import user_create
    from marketplace.services import category_upsert, store_staff_set, store_upsert

    owner = user_create(
        email="owner@example.com",
        password="bench password 123",  # noqa: S106 - a throwaway database
        given_name="Bench",
        family_name="Owner",
        email_verified=True,
        roles=["shopper"],
    )
    stores = []
    for n in (1, 2):
        store, _ = store_upsert(
            slug=f"magasin-{n}",
            initial_status="approved",
            name=f"Magasin {n}",
            legal_name=f"Magasin {n} inc.",
            neq=f"{1170000000 + n}",
            gst_number=f"{700000000 + n}RT0001",
            qst_number=f"{1200000000 + n}TQ0001",
            neighbourhood="Saint-Roch",
            street_address=f"{100 + n}, rue Saint-Joseph Est",
            locality="Québec",
            postal_code="G1K 3B6",
        )
        store_staff_set(store=store, user=owner, role="owner", acting_user=None)
        stores.append(store)
    category_upsert(slug="boulangerie", name_fr="Boulangerie", name_en="Bakery")
    return owner, stores


def import_timed(store, owner, data: bytes):
    """Send `data` and run its import here (not on commit): its duration and the import."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from marketplace import tasks
    from marketplace.catalogue_imports import catalogue_import_run, catalogue_import_start

    sent = []
    original = tasks.catalogue_import_run.apply_async
    # The task is sent on commit: kept here, to be run and timed below.
    tasks.catalogue_import_run.apply_async = lambda args=(), kwargs=None: sent.append(args)
    try:
        with transaction.atomic():
            catalogue_import = catalogue_import_start(
                store=store, upload=SimpleUploadedFile("bench.csv", data), acting_user=owner
            )
    finally:
        tasks.catalogue_import_run.apply_async = original
    assert sent == [(catalogue_import.pk,)]
    started = time.perf_counter()
    catalogue_import_run(import_id=catalogue_import.pk)
    elapsed = time.perf_counter() - started
    catalogue_import.refresh_from_db()
    assert catalogue_import.status == "done", catalogue_import.errors[:3]
    return elapsed, catalogue_import


def baseline_bulk_insert(store, n: int) -> float:
    """The same rows as plain bulk inserts in one transaction: no parsing, no checks."""
    from django.db import transaction

    from marketplace.models import Category, Listing, Variant

    category = Category.objects.get(slug="boulangerie")
    started = time.perf_counter()
    with transaction.atomic():
        listings = Listing.objects.bulk_create(
            [
                Listing(
                    store=store,
                    slug=f"fiche-{i}",
                    title_fr=f"Article {i} du quartier",
                    description_fr="Fait ici avec soin.",
                    category=category,
                )
                for i in range(n // 5)
            ],
            batch_size=1000,
        )
        Variant.objects.bulk_create(
            [
                Variant(
                    store=store,
                    listing=listings[i // 5],
                    sku=f"SKU-{i:05d}",
                    name=f"Format {i % 5}",
                    price=Decimal(400 + i % 700) / 100,
                    stock=i % 13,
                    size_class="SML"[i % 3],
                    weight_grams=100 + i,
                )
                for i in range(n)
            ],
            batch_size=1000,
        )
    return time.perf_counter() - started


def main() -> None:
    database_recreate(DATABASE_URL)
    try:
        django_setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        owner, (store, other) = world_make()
        print(f"Catalogue import of {ROWS:,} rows (PostgreSQL)")
        runs = [
            ("new (creates)", rows_csv(ROWS)),
            ("same file again (unchanged)", rows_csv(ROWS)),
            ("prices and stock changed", rows_csv(ROWS, price_cents=25, stock_add=2)),
        ]
        for name, data in runs:
            elapsed, done = import_timed(store, owner, data)
            print(
                f"  {name:30s} {elapsed:6.2f} s  {ROWS / elapsed:9,.0f} rows/s  "
                f"(created {done.created_count}, updated {done.updated_count}, "
                f"unchanged {done.unchanged_count})"
            )
        baseline = baseline_bulk_insert(other, ROWS)
        print(
            f"\nbaseline: plain bulk insert of the same {ROWS:,} variants "
            f"({ROWS // 5:,} listings), same server: {baseline:6.2f} s  "
            f"{ROWS / baseline:9,.0f} rows/s"
        )
    finally:
        from django.db import connections

        connections.close_all()
        database_drop(DATABASE_URL)


if __name__ == "__main__":
    main()
