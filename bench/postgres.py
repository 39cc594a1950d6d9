"""What the PostgreSQL benchmarks share: a throwaway database, percentiles, and pgbench's
TPC-B on the same server as the baseline of the same run."""

import re
import shutil
import statistics
import subprocess
from urllib.parse import urlsplit


def _psql(url: str, sql: str) -> None:
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)


def database_recreate(url: str) -> None:
    """Drop the database of `url` (closing its connections) and create it empty."""
    name = urlsplit(url).path.lstrip("/")
    _psql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _psql(url, f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    _psql(url, f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')


def percentiles_ms(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of durations in seconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def pgbench_tps(
    server_url: str, *, clients: int, seconds: int, database: str = "uniqc_bench_pgbench"
) -> float | None:
    """pgbench TPC-B (scale 10) transactions per second with `clients` clients on a
    throwaway database (`database`) of the server of `server_url`; None without pgbench."""
    if not shutil.which("pgbench"):
        return None
    url = urlsplit(server_url)._replace(path=f"/{database}").geturl()
    database_recreate(url)
    try:
        subprocess.run(["pgbench", "-i", "-q", "-s", "10", url], check=True, capture_output=True)
        run = subprocess.run(
            ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), url],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        database_drop(url)
    found = re.search(r"tps = ([\d.]+)", run.stdout)
    return float(found.group(1)) if found else None
