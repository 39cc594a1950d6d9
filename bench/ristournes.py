"""The ristourne computation on PostgreSQL: 50,000 members and 2 million order lines,
beside baselines measured in the same run.

The data is written set-based (INSERT … SELECT over generate_series, each table's rows
cloned from one template row the ORM made, so every NOT NULL column is filled as the
application fills it): 60,000 people (50,000 members, 2 % of them withdrawn mid-year and
10 % joined during the year), 500,000 orders of one shipment and four lines each (2
million lines) paid from a month before the fiscal year to two months after it, 1 % of
the orders refunded whole, 1 in 37 shipments refunded in full and 1 in 101 by half.

Then it times, each BENCH_RUNS times (median and worst):
- baseline: a plain SUM(line_total) over the 2 million lines;
- baseline: the paid shipments of the year summed per buyer (the join the computation
  needs, without refunds or membership windows);
- ristourne_compute, the service: the members' eligible purchases written by one INSERT …
  SELECT grouped by member, the non-member total, the reserve rule, the audit row;
and once: ristourne_record (50,000 allocations by the largest-remainder rule in exact
integers, bulk-inserted) and the board's CSV export. Never fails on speed.

Environment: BENCH_RISTOURNES_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_ristournes, dropped and re-created),
BENCH_RUNS (3).
"""

import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import database_recreate  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_RISTOURNES_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/uniqc_bench_ristournes",
)
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# BENCH_SCALE (1.0) shrinks the data for a quick try; the figures reported use 1.0.
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
PEOPLE = int(60_000 * SCALE)
MEMBERS = int(50_000 * SCALE)
ORDERS = int(500_000 * SCALE)
LINES_PER_ORDER = 4
YEAR_START, YEAR_END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)


def django_setup() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def unit_price(k: int) -> str:
    """Line k's unit price of order g, as SQL: 1.00 to 20.00 $."""
    return f"(1 + (g + {3 * k}) % 20)::numeric(10, 2)"


def quantity(k: int) -> str:
    return f"(1 + (g + {k}) % 3)"


def goods() -> str:
    """Order g's goods before taxes: the sum of its four lines."""
    return " + ".join(f"{unit_price(k)} * {quantity(k)}" for k in range(1, LINES_PER_ORDER + 1))


def clone(model: type, template_pk: int, overrides: dict[str, str], source: str) -> str:
    """INSERT … SELECT cloning the template row for each row of `source`, with `overrides`
    (column → SQL expression) and every other column copied."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = [overrides.get(column, f"tpl.{column}") for column in columns]
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - the models' own names
        f"SELECT {', '.join(values)} FROM {table} tpl, {source} AND tpl.id = {template_pk}"
    )


def templates() -> dict:
    """One row of each table through the application's code: the by-laws, the board
    member, a store with four variants, and one order with its shipment and line."""
    from coop_governance.members import member_register
    from coop_governance.models import BoardMandate, Bylaws
    from coop_governance.tests.ristourne_factories import at, order_make
    from identity.services import user_create
    from marketplace.models import ListingStatus, OrderLine, Variant
    from marketplace.services import listing_upsert, store_upsert

    Bylaws.objects.create(version=1, quorum_rule="count", quorum_count=10, text_fr="-", text_en="-")
    board_person = user_create(
        email="conseil@example.com",
        password="bench-password-long-enough",  # noqa: S106
        given_name="Conseil",
        family_name="Banc",
        email_verified=True,
    )
    board = member_register(
        person=board_person,
        category="worker",
        qualifying_shares=1,
        reason="Banc d’essai.",
        acting_user=None,
    )
    BoardMandate.objects.create(member=board, category="worker", started_on=YEAR_START)
    store, _ = store_upsert(
        slug="banc-ristournes",
        initial_status="approved",
        name="Banc ristournes",
        legal_name="Banc ristournes inc.",
        neq="1170000002",
        gst_number="700000002RT0001",
        qst_number="1200000002TQ0001",
        neighbourhood="Saint-Roch",
        street_address="102, rue Saint-Joseph Est",
        locality="Québec",
        postal_code="G1K 3B6",
    )
    listing, _ = listing_upsert(
        store=store,
        slug="article",
        title_fr="Article",
        description_fr="Banc d’essai.",
        initial_status=ListingStatus.PUBLISHED,
    )
    variants = Variant.objects.bulk_create(
        Variant(
            store=store,
            listing=listing,
            sku=f"SKU-{k}",
            name=f"Format {k}",
            price=Decimal("1.00"),
            size_class="S",
            weight_grams=200,
            stock=1,
        )
        for k in range(1, LINES_PER_ORDER + 1)
    )
    order = order_make(board_person, store, at(2024, 6, 1), ["1.00"])
    shipment = order.shipments.get()
    line = OrderLine.objects.create(
        shipment=shipment,
        variant=variants[0],
        sku="SKU-1",
        title="Article",
        unit_price=Decimal("1.00"),
        quantity=1,
        line_total=Decimal("1.00"),
        size_class="S",
    )
    return {
        "board": board_person,
        "person": board_person.pk,
        "order": order.pk,
        "shipment": shipment.pk,
        "line": line.pk,
        "store": store.pk,
        "variants": [v.pk for v in variants],
    }


def data_write(t: dict) -> dict[str, float]:
    """The people, members, orders, shipments, lines and refunds, set-based; seconds each."""
    from django.db import connection

    from coop_governance.models import Member
    from identity.models import User
    from marketplace.models import Order, OrderLine, Refund, Shipment

    timings: dict[str, float] = {}
    gst = f"round(({goods()}) * 0.05, 2)"
    qst = f"round(({goods()}) * 0.09975, 2)"
    # Paid from 2024-12-01 over 425 days: about one order in seven outside the year.
    paid_at = (
        "(timestamptz '2024-12-01 00:00:00-05' + (g % 425) * interval '1 day'"
        " + (g % 50000) * interval '1 second')"
    )
    steps = [
        (
            "people",
            clone(
                User,
                t["person"],
                {"public_id": "gen_random_uuid()", "email": "'bench-' || g || '@example.org'"},
                f"generate_series(1, {PEOPLE}) g WHERE true",
            ),
        ),
        (
            "people numbered",
            "CREATE TABLE bench_people AS SELECT id, row_number() OVER (ORDER BY id) AS n "
            "FROM identity_user WHERE email LIKE 'bench-%'",
        ),
        (
            "members",
            f"INSERT INTO {Member._meta.db_table} (number, category, person_id, store_id,"  # noqa: S608 - our own SQL, no outside input
            " qualifying_shares, status, joined_at, status_changed_at)"
            " SELECT n + 1, 'consumer', id, NULL, 1,"
            " CASE WHEN n % 50 = 0 THEN 'withdrawn' ELSE 'active' END,"
            " CASE WHEN n % 10 = 3 THEN timestamptz '2025-01-01 00:00:00-05'"
            "   + (n % 365) * interval '1 day' ELSE timestamptz '2024-01-01 00:00:00-05' END,"
            " CASE WHEN n % 50 = 0 THEN timestamptz '2025-07-01 00:00:00-04'"
            "   ELSE timestamptz '2024-01-01 00:00:00-05' END"
            f" FROM bench_people WHERE n <= {MEMBERS}",
        ),
        (
            "orders",
            clone(
                Order,
                t["order"],
                {
                    "number": "'B-' || g",
                    "buyer_id": "p.id",
                    "status": "CASE WHEN g % 100 = 0 THEN 'refunded' ELSE 'paid' END",
                    "goods_subtotal": goods(),
                    "fee": "0",
                    "gst": gst,
                    "qst": qst,
                    "total": f"{goods()} + {gst} + {qst}",
                    "checkout_key": "'bench-' || g",
                    "reserved_until": paid_at,
                    "placed_at": paid_at,
                    "paid_at": paid_at,
                },
                f"generate_series(1, {ORDERS}) g JOIN bench_people p"
                f" ON p.n = 1 + (g::bigint * 7919) % {PEOPLE} WHERE true",
            ),
        ),
        (
            "shipments",
            clone(
                Shipment,
                t["shipment"],
                {
                    "order_id": "o.id",
                    "status": (
                        "CASE WHEN o.status = 'refunded' THEN 'refunded' ELSE 'picked_up' END"
                    ),
                    "subtotal": "o.goods_subtotal",
                    "gst": "o.gst",
                    "qst": "o.qst",
                    "total": "o.total",
                    "payout": "o.total",
                },
                f"{Order._meta.db_table} o WHERE o.number LIKE 'B-%'",
            ),
        ),
        (
            "order lines",
            clone(
                OrderLine,
                t["line"],
                {
                    "shipment_id": "s.id",
                    "variant_id": "(ARRAY[{}])[k]".format(", ".join(map(str, t["variants"]))),
                    "sku": "'SKU-' || k",
                    "unit_price": "(1 + (s.g + 3 * k) % 20)::numeric(10, 2)",
                    "quantity": "1 + (s.g + k) % 3",
                    "line_total": "(1 + (s.g + 3 * k) % 20)::numeric(10, 2) * (1 + (s.g + k) % 3)",
                },
                f"(SELECT s.id, substr(o.number, 3)::int AS g FROM {Shipment._meta.db_table} s"  # noqa: S608 - our own SQL, no outside input
                f" JOIN {Order._meta.db_table} o ON o.id = s.order_id"
                f" WHERE o.number LIKE 'B-%') s, generate_series(1, {LINES_PER_ORDER}) k"
                " WHERE true",
            ),
        ),
        (
            "refunds",
            f"INSERT INTO {Refund._meta.db_table} (order_id, shipment_id, gateway,"  # noqa: S608 - our own SQL, no outside input
            " idempotency_key, refund_id, amount, reason, actor_id, created_at)"
            " SELECT o.id, CASE WHEN o.status = 'refunded' THEN NULL ELSE s.id END, 'offline',"
            " 'bench-refund-' || o.id, 're_' || o.id,"
            " CASE WHEN o.status = 'refunded' OR g % 37 = 0 THEN o.total"
            "   ELSE round(o.total / 2, 2) END,"
            " '', NULL, o.paid_at + interval '2 days'"
            f" FROM (SELECT o.*, substr(o.number, 3)::int AS g FROM {Order._meta.db_table} o"
            "   WHERE o.number LIKE 'B-%') o"
            f" JOIN {Shipment._meta.db_table} s ON s.order_id = o.id"
            " WHERE o.status = 'refunded' OR g % 37 = 0 OR g % 101 = 0",
        ),
        (
            "refunded amounts",
            f"UPDATE {Order._meta.db_table} o SET refunded_amount = r.amount"  # noqa: S608 - our own SQL, no outside input
            f" FROM (SELECT order_id, SUM(amount) AS amount FROM {Refund._meta.db_table}"
            " GROUP BY order_id) r WHERE r.order_id = o.id",
        ),
        ("analyze", "ANALYZE"),
    ]
    with connection.cursor() as cursor:
        for name, sql in steps:
            started = time.perf_counter()
            cursor.execute(sql)
            timings[name] = time.perf_counter() - started
    return timings


def timed(function, runs: int) -> tuple[float, float]:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), max(durations)


def main() -> None:
    database_recreate(DATABASE_URL)
    django_setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from coop_governance.models import Member, RistourneAllocation
    from coop_governance.ristourne_statements import allocations_csv
    from coop_governance.ristournes import (
        fiscal_year_bounds,
        fiscal_year_create,
        ristourne_compute,
        ristourne_propose,
        ristourne_record,
    )
    from coop_governance.votes import motion_close, open_vote_cast
    from marketplace.models import OrderLine

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        t = templates()
    started = time.perf_counter()
    timings = data_write(t)
    print(f"Data written in {time.perf_counter() - started:.1f} s:")
    for name, seconds in timings.items():
        print(f"  {name:<18} {seconds:6.1f} s")
    lines = OrderLine.objects.count()
    print(f"{Member.objects.count():,} members, {lines:,} order lines")

    board = t["board"]
    year = fiscal_year_create(starts_on=YEAR_START, ends_on=YEAR_END, acting_user=board)
    start, end = fiscal_year_bounds(year)

    def plain_sum() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT SUM(line_total) FROM marketplace_orderline")
            cursor.fetchone()

    def per_buyer() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT o.buyer_id, SUM(s.subtotal) FROM marketplace_shipment s"
                " JOIN marketplace_order o ON o.id = s.order_id"
                " WHERE o.status = 'paid' AND o.paid_at >= %s AND o.paid_at < %s"
                " GROUP BY o.buyer_id",
                [start, end],
            )
            cursor.fetchall()

    figures = {
        "surplus": Decimal("1250000.00"),
        "equity": Decimal("2000000.00"),
        "debts": Decimal("9000000.00"),
        "reserve_percent": Decimal("20"),
        "shares_percent": Decimal("40"),
    }
    holder: dict = {}

    def compute() -> None:
        holder["computation"] = ristourne_compute(fiscal_year=year, acting_user=board, **figures)

    print(f"\nTimes, median and worst of {RUNS} runs:")
    for name, function in (
        (f"baseline: SUM over {lines:,} order lines", plain_sum),
        ("baseline: paid shipments of the year per buyer", per_buyer),
        ("ristourne_compute (the service)", compute),
    ):
        median, worst = timed(function, RUNS)
        print(f"  {name:<50} {median:7.2f} s  {worst:7.2f} s")
    computation = holder["computation"]
    print(
        f"  -> {computation.purchases.count():,} members with eligible purchases"
        f" ({computation.member_purchases} $), non-members {computation.non_member_purchases} $,"
        f" reserve {computation.reserve} $, distributable {computation.distributable} $"
    )

    now = timezone.now()
    computation = ristourne_propose(
        computation=computation,
        acting_user=board,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(hours=1),
    )
    board_member = Member.objects.get(person=board)
    open_vote_cast(
        motion=computation.motion, member=board_member, choice="for", user=board, acr="high"
    )
    type(computation.motion).objects.filter(pk=computation.motion_id).update(closes_at=now)
    motion_close(motion=computation.motion, acting_user=None)
    started = time.perf_counter()
    ristourne_record(computation=computation, acting_user=board)
    record_seconds = time.perf_counter() - started
    total = sum(RistourneAllocation.objects.values_list("amount", flat=True))
    print(
        f"  {'ristourne_record (largest remainder, bulk insert)':<50} {record_seconds:7.2f} s"
        f"  ({RistourneAllocation.objects.count():,} allocations, sum {total} $"
        f" = distributable {computation.distributable} $)"
    )
    started = time.perf_counter()
    size = len(allocations_csv(computation))
    print(f"  {'board CSV export':<50} {time.perf_counter() - started:7.2f} s  ({size:,} bytes)")


if __name__ == "__main__":
    main()
