"""The point-of-sale API's bulk stock update on PostgreSQL: 1,000 SKUs in one request,
beside baselines measured in the same run.

Prints the SQL queries of one bulk update of 10 and of 1,000 SKUs (the same number: the
update is a constant number of queries), then p50/p95 of BENCH_RUNS requests
`POST /api/v1/store/stock/` of 1,000 SKUs through the whole Django stack (key, throttle,
parser, serializer, locks, one UPDATE, audit), each changing every count. Baselines of
the same run: the same 1,000 counts set one variant at a time through variant_update (what
the store's pages do, one form per variant), and pgbench's TPC-B on the same server.
Never fails on speed.

Environment: BENCH_STORE_STOCK_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_store_stock, dropped and re-created),
BENCH_RUNS (30), BENCH_BASELINE_RUNS (3), BENCH_SECONDS (5, pgbench).
"""

import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import database_recreate, percentiles_ms, pgbench_tps  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_STORE_STOCK_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/uniqc_bench_store_stock",
)
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
BASELINE_RUNS = int(os.environ.get("BENCH_BASELINE_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
SKUS = 1000


def django_setup() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The bench measures the update, not the rate limit.
    settings.API_RATE_STORE_KEY = "1000000/min"


def store_make():
    """An approved store, its owner, one listing of SKUS variants, and a read-write key."""
    from decimal import Decimal

    from identity.services import user_create
    from marketplace.models import ListingStatus, StoreRole, Variant
    from marketplace.services import listing_upsert, store_staff_set, store_upsert
    from marketplace.store_api import store_api_key_create

    store, _ = store_upsert(
        slug="banc-caisse",
        initial_status="approved",
        name="Banc caisse",
        legal_name="Banc caisse inc.",
        neq="1170000001",
        gst_number="700000001RT0001",
        qst_number="1200000001TQ0001",
        neighbourhood="Saint-Roch",
        street_address="101, rue Saint-Joseph Est",
        locality="Québec",
        postal_code="G1K 3B6",
    )
    owner = user_create(
        email="caisse@example.com",
        password="bench-password-long-enough",  # noqa: S106
        given_name="Banc",
        family_name="Caisse",
        email_verified=True,
    )
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    listing, _ = listing_upsert(
        store=store,
        slug="article",
        title_fr="Article",
        description_fr="Banc d’essai.",
        initial_status=ListingStatus.PUBLISHED,
    )
    Variant.objects.bulk_create(
        Variant(
            store=store,
            listing=listing,
            sku=f"SKU-{i:05d}",
            name=f"Format {i}",
            price=Decimal("4.75"),
            size_class="S",
            weight_grams=200,
            stock=1,
        )
        for i in range(SKUS)
    )
    _api_key, key = store_api_key_create(
        store=store, name="Banc", scope="read_write", acting_user=owner
    )
    return store, owner, key


def bulk_request(client, key: str, count: int, stock: int):
    items = [{"sku": f"SKU-{i:05d}", "stock": stock} for i in range(count)]
    response = client.post(
        "/api/v1/store/stock/",
        json.dumps({"items": items}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        secure=True,
    )
    assert response.status_code == 200, response.content[:500]
    return response


def queries_per_update(client, key: str) -> dict[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bulk_request(client, key, 1, 2)  # the key's first use is noted once
    counts = {}
    for count in (10, SKUS):
        with CaptureQueriesContext(connection) as captured:
            bulk_request(client, key, count, 3 + count)
        counts[count] = len(captured.captured_queries)
    return counts


def bulk_durations(client, key: str) -> list[float]:
    durations = []
    for run in range(RUNS):
        started = time.perf_counter()
        bulk_request(client, key, SKUS, 10 + run % 2)
        durations.append(time.perf_counter() - started)
    return durations


def one_at_a_time_durations(store, owner) -> list[float]:
    """The same counts through variant_update, one call (one transaction) per variant."""
    from marketplace.models import Variant
    from marketplace.services import variant_update

    durations = []
    for run in range(BASELINE_RUNS):
        variants = list(Variant.objects.filter(store=store).select_related("listing__store"))
        started = time.perf_counter()
        for variant in variants:
            variant_update(variant=variant, acting_user=owner, stock=20 + run % 2)
        durations.append(time.perf_counter() - started)
    return durations


def main() -> None:
    database_recreate(DATABASE_URL)
    django_setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    store, owner, key = store_make()
    client = Client(HTTP_HOST="localhost")

    counts = queries_per_update(client, key)
    print("SQL queries of one bulk stock update (POST /api/v1/store/stock/, whole request)")
    for count, queries in counts.items():
        print(f"  {count:>5} SKUs: {queries:>3} queries")

    bulk_request(client, key, SKUS, 9)  # warm
    p50, p95 = percentiles_ms(bulk_durations(client, key))
    print(f"\nBulk stock update of {SKUS:,} SKUs over HTTP in-process ({RUNS} requests)")
    print(f"  p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   ({SKUS / (p50 / 1000):,.0f} SKUs/s at p50)")

    b50, b95 = percentiles_ms(one_at_a_time_durations(store, owner))
    print(f"\nBaseline, same run: the same {SKUS:,} counts one variant at a time (variant_update)")
    print(f"  p50 {b50:8.1f} ms   p95 {b95:8.1f} ms   (the bulk update: {b50 / p50:.0f}x faster)")

    name = urlsplit(DATABASE_URL).path.lstrip("/")
    tps = pgbench_tps(DATABASE_URL, clients=1, seconds=SECONDS, database=f"{name}_pgbench")
    if tps:
        print(f"\npgbench TPC-B, scale 10, 1 client, same server: {tps:8.1f} tps")
        print(
            f"  one bulk update of {SKUS:,} SKUs lasts as long as "
            f"{p50 / 1000 * tps:.1f} TPC-B transactions"
        )
    else:
        print("\npgbench not found (postgresql-client): no baseline")


if __name__ == "__main__":
    main()
