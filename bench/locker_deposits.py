"""Deposits per second with 10 concurrent couriers on PostgreSQL, beside pgbench's TPC-B
on the same server with as many clients.

Each courier is a process with its own connection that, until the deadline, registers a
parcel, collects it at the store, scans it at its site (a compartment is chosen under
row locks), and has the door close on it (the controller's event, applied as
lockers/receivers.py applies it); the shopper then takes it out at the kiosk so that the
compartment serves again (not timed). Timed: the deposit scan plus the door event.

Two runs: each courier at a site of its own, then all ten at the same site (the case the
row locks serialise: one site, one size). Never fails on speed.

    python -m bench.locker_deposits
Environment: BENCH_DEPOSITS_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_deposits, dropped and re-created),
BENCH_SECONDS (10), BENCH_COURIERS (10).
"""

import multiprocessing
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import database_recreate, percentiles_ms, pgbench_tps  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DEPOSITS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench_deposits"
)
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
COURIERS = int(os.environ.get("BENCH_COURIERS", "10"))
# Small compartments per site: more than the couriers, so that nobody waits for room.
COMPARTMENTS = 30
EVERY_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def django_setup() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def world_make() -> None:
    """The couriers and one site per courier, each with COMPARTMENTS small compartments."""
    from identity.roles import Role
    from identity.services import user_create
    from lockers.services import compartments_ensure, site_upsert

    for n in range(COURIERS):
        user_create(
            email=f"coursier{n}@example.com",
            password="bench password 123",  # noqa: S106 - a throwaway database
            given_name="Coursier",
            family_name=str(n),
            email_verified=True,
            roles=(Role.COURIER,),
        )
        site, _created = site_upsert(
            slug=f"banc-{n}",
            name=f"Banc {n}",
            host_kind="desjardins",
            host_name=f"Caisse {n}",
            street_address=f"{n}, rue Saint-Joseph Est",
            locality="Québec",
            postal_code="G1K 3B2",
            latitude=Decimal("46.8") + Decimal(n) / 100,
            longitude=Decimal("-71.2"),
            access_hours="Tous les jours",
            opening_hours=EVERY_DAY,
        )
        compartments_ensure(site=site, counts={"S": COMPARTMENTS})


def _courier_loop(args: tuple[int, str, float]) -> list[float]:
    """One courier in its own process: deposits at `site_slug` until the deadline."""
    n, site_slug, deadline = args
    from django.db import connection
    from django.utils import timezone

    connection.close()
    from identity.models import User
    from lockers import services
    from lockers.models import Site

    courier = User.objects.get(email=f"coursier{n}@example.com")
    site = Site.objects.get(slug=site_slug)
    durations = []
    i = 0
    while time.time() < deadline:
        parcel = services.parcel_create(
            external_reference=f"banc/{site_slug}/{n}/{i}/{time.time_ns()}",
            size_class="S",
            destination_site=site,
            acting_user=None,
        )
        services.parcel_pickup_from_store(parcel=parcel, courier=courier)
        started = time.perf_counter()
        deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
        placed = services.compartment_door_event(
            compartment=deposit.compartment, kind="closed", occupied=True, at=timezone.now()
        )
        durations.append(time.perf_counter() - started)
        # The shopper takes it out, so that the compartment serves again.
        opening = services.kiosk_code_enter(site=deposit.site, code=placed.pickup_code)
        services.compartment_door_event(
            compartment=opening.compartment, kind="closed", occupied=False, at=timezone.now()
        )
        i += 1
    connection.close()
    return durations


def concurrent_deposits(*, same_site: bool) -> tuple[float, list[float]]:
    from django.db import connection

    connection.close()
    deadline = time.time() + SECONDS
    context = multiprocessing.get_context("fork")
    jobs = [(n, "banc-0" if same_site else f"banc-{n}", deadline) for n in range(COURIERS)]
    started = time.time()
    with context.Pool(COURIERS) as pool:
        results = pool.map(_courier_loop, jobs)
    elapsed = time.time() - started
    durations = [d for result in results for d in result]
    return len(durations) / elapsed, durations


def main() -> None:
    database_recreate(DATABASE_URL)
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    world_make()
    print(f"Deposits with {COURIERS} concurrent couriers for {SECONDS} s each run (PostgreSQL)")
    for label, same_site in (("each at a site of its own", False), ("all at one site", True)):
        rate, durations = concurrent_deposits(same_site=same_site)
        p50, p95 = percentiles_ms(durations) if durations else (0.0, 0.0)
        print(
            f"  {label:<26} {rate:7.1f} deposits/s"
            f"  (scan + door event: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {len(durations)} deposits)"
        )
    tps = pgbench_tps(DATABASE_URL, clients=COURIERS, seconds=SECONDS)
    if tps:
        print(f"\npgbench TPC-B, scale 10, {COURIERS} clients, same server: {tps:8.1f} tps")
    else:
        print("\npgbench not found (postgresql-client): no baseline")


if __name__ == "__main__":
    main()
