"""Checkout on PostgreSQL: queries per checkout, and checkouts per second with 20
concurrent shoppers, beside pgbench's TPC-B transactions per second on the same server.

Prints the number of SQL queries one checkout runs (1, 10 and 30 lines from up to 5
stores; goal at most 30 whatever the cart, Saleor about 230), then checkouts per second
and p50/p95 latency with BENCH_SHOPPERS processes (each its own connection) buying from
the same 30 variants for BENCH_SECONDS, then pgbench TPC-B (scale 10, the same number of
clients) on a throwaway database. Never fails on speed.

Environment: BENCH_CHECKOUT_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_checkout, dropped and re-created),
BENCH_SECONDS (10), BENCH_SHOPPERS (20).
"""

import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import database_recreate, pgbench_tps  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_CHECKOUT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench_checkout"
)
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
SHOPPERS = int(os.environ.get("BENCH_SHOPPERS", "20"))
SALEOR_QUERIES = 230


def django_setup() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def catalogue_make() -> list[int]:
    """Five approved stores of six variants each, with stock for the whole run."""
    from decimal import Decimal

    from marketplace.models import ListingStatus, PayoutAccount
    from marketplace.services import listing_upsert, store_upsert, variant_upsert

    ids = []
    for n in range(1, 6):
        store, _ = store_upsert(
            slug=f"banc-{n}",
            initial_status="approved",
            name=f"Banc {n}",
            legal_name=f"Banc {n} inc.",
            neq=f"{1170000000 + n}",
            gst_number=f"{700000000 + n}RT0001",
            qst_number=f"{1200000000 + n}TQ0001",
            neighbourhood="Saint-Roch",
            street_address=f"{100 + n}, rue Saint-Joseph Est",
            locality="Québec",
            postal_code="G1K 3B6",
        )
        PayoutAccount.objects.get_or_create(
            store=store,
            defaults={"gateway": "offline", "account_id": f"acct_bench_{n}", "is_test": True},
        )
        for i in range(6):
            listing, _ = listing_upsert(
                store=store,
                slug=f"article-{i}",
                title_fr=f"Article {i}",
                description_fr="Banc d’essai.",
                initial_status=ListingStatus.PUBLISHED,
            )
            variant, _ = variant_upsert(
                store=store,
                listing=listing,
                sku=f"B{n}-{i}",
                name="Unité",
                price=Decimal("4.75") + i,
                size_class="S",
                weight_grams=200,
                initial_stock=10_000_000,
                low_stock_threshold=0,
            )
            ids.append(variant.pk)
    return ids


def shopper_make(n: int):
    from identity.services import user_create

    return user_create(
        email=f"banc{n}@example.com",
        password="bench-password-long-enough",  # noqa: S106
        given_name="Banc",
        family_name=str(n),
        email_verified=True,
        roles=["shopper"],
    )


def cart_fill(buyer, variant_ids: list[int]):
    from marketplace.cart import cart_create, cart_line_add
    from marketplace.models import Cart

    cart = Cart.objects.filter(owner=buyer).first() or cart_create(owner=buyer)
    for variant_id in variant_ids:
        cart_line_add(cart=cart, variant_id=variant_id, quantity=1, acting_user=buyer)
    return cart


def checkout(buyer, cart, key: str):
    from marketplace.checkout import checkout_start

    return checkout_start(
        cart=cart,
        buyer=buyer,
        speed="express",
        pickup_kind="store_counter",
        idempotency_key=key,
        acting_user=buyer,
    )


def queries_per_checkout(variant_ids: list[int]) -> dict[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for lines in (1, 10, 30):
        buyer = shopper_make(1000 + lines)
        cart = cart_fill(buyer, variant_ids[:lines])
        with CaptureQueriesContext(connection) as captured:
            checkout(buyer, cart, f"bench-queries-{lines:04d}")
        counts[lines] = len(captured.captured_queries)
    return counts


def _shopper_loop(args: tuple[int, list[int], float]) -> list[float]:
    """One shopper, its own process and connection: fill a cart of three lines, check
    out, again until the deadline; the checkout's own durations."""
    n, variant_ids, deadline = args
    from django.db import connection

    connection.close()
    from identity.models import User

    buyer = User.objects.get(email=f"banc{n}@example.com")
    durations = []
    i = 0
    while time.time() < deadline:
        picks = [variant_ids[(n * 7 + i * 3 + k * 11) % len(variant_ids)] for k in range(3)]
        cart = cart_fill(buyer, picks)
        started = time.perf_counter()
        checkout(buyer, cart, f"bench-{n:03d}-{i:08d}")
        durations.append(time.perf_counter() - started)
        i += 1
    connection.close()
    return durations


def concurrent_checkouts(variant_ids: list[int]) -> tuple[float, list[float]]:
    from django.db import connection

    for n in range(SHOPPERS):
        shopper_make(n)
    connection.close()
    deadline = time.time() + SECONDS
    context = multiprocessing.get_context("fork")
    started = time.time()
    with context.Pool(SHOPPERS) as pool:
        results = pool.map(_shopper_loop, [(n, variant_ids, deadline) for n in range(SHOPPERS)])
    elapsed = time.time() - started
    durations = [d for result in results for d in result]
    return len(durations) / elapsed, durations


def main() -> None:
    database_recreate(DATABASE_URL)
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    variant_ids = catalogue_make()

    counts = queries_per_checkout(variant_ids)
    print("Queries per checkout (goal: at most 30 whatever the cart; Saleor: about 230)")
    for lines, count in counts.items():
        print(f"  {lines:>2} lines: {count:>3} queries ({count / SALEOR_QUERIES:.0%} of Saleor's)")

    rate, durations = concurrent_checkouts(variant_ids)
    durations.sort()
    p95 = durations[int(len(durations) * 0.95) - 1] if durations else 0.0
    print(f"\nCheckouts with {SHOPPERS} concurrent shoppers for {SECONDS} s (3 lines, 2-3 stores)")
    print(f"  {rate:8.1f} checkouts/s (cart filling included)")
    if durations:
        print(
            f"  checkout alone: p50 {statistics.median(durations) * 1000:.1f} ms,"
            f" p95 {p95 * 1000:.1f} ms ({len(durations)} checkouts)"
        )
    tps = pgbench_tps(DATABASE_URL, clients=SHOPPERS, seconds=SECONDS)
    if tps:
        print(f"\npgbench TPC-B, scale 10, {SHOPPERS} clients, same server: {tps:8.1f} tps")
        print(f"  checkouts/s as a share of TPC-B tps: {rate / tps:.1%}")
    else:
        print("\npgbench not found (postgresql-client): no baseline")


if __name__ == "__main__":
    main()
