"""Catalogue search over HTTP at 100,000 listings: gunicorn on PostgreSQL, wrk on loopback.

Loads a throwaway database (bench/catalogue_fixtures.py, COPY), starts gunicorn with the
production settings, and measures, each for BENCH_SECONDS with wrk: the trivial Django
view (the ceiling), then catalogue searches — a common French word, two words, English
words, a category browsed by price with only what is in stock, a distance search
sorted by distance, the newest listings, the results region htmx asks for — and all of
them in turn (the mix), also one request at a time (latency without queueing). Prints
requests per second, p50 and p95 latency, and each rate as a share of the trivial
view's, against the issue's goal (p95 under 30 ms, at least 25 % of the trivial view).
Never fails on speed.

Environment: BENCH_CATALOGUE_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_catalogue, dropped and re-created),
BENCH_LISTINGS (100000), BENCH_SECONDS (10), BENCH_CONNECTIONS (8), BENCH_WORKERS (2),
BENCH_THREADS (4 per worker).
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.oidc_http import missing_prerequisites  # noqa: E402

PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "18766"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
LISTINGS = int(os.environ.get("BENCH_LISTINGS", "100000"))
DATABASE_URL = os.environ.get(
    "BENCH_CATALOGUE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench_catalogue"
)
GOAL_P95_MS = 30
GOAL_SHARE = 0.25

SEARCHES = [
    ("search: a common word (pain)", "/catalogue/?q=pain"),
    ("search: two words", "/catalogue/?q=" + quote("fromage fumé")),
    ("search: English, no accent", "/catalogue/?q=" + quote("maple syrup")),
    ("category, by price, in stock", "/catalogue/categorie/alimentation/?sort=price&in_stock=on"),
    ("within 5 km, nearest first", "/catalogue/?lat=46.81&lon=-71.21&distance=5&sort=distance"),
    ("newest, no filter", "/catalogue/"),
    ("search, htmx results region", "/catalogue/?q=" + quote("pain au levain") + "&htmx=1"),
]

# Round-robin over `paths`, each thread starting at its own place; a path ending in
# "&htmx=1" is sent as htmx sends it (HX-Request). `done` prints p50/p95 in µs.
REQUEST_LUA = """
local paths = {{{paths}}}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
local index = 0
function init(args)
  index = id
end
function request()
  index = index % #paths + 1
  local path = paths[index]
  local headers = {{}}
  if string.sub(path, -7) == "&htmx=1" then
    headers["HX-Request"] = "true"
    path = string.sub(path, 1, -8)
  end
  return wrk.format("GET", path, headers)
end
function done(summary, latency, requests)
  io.write(string.format("PERCENTILES %d %d\\n", latency:percentile(50), latency:percentile(95)))
end
"""


def database_recreate(env: dict[str, str]) -> None:
    server, name = DATABASE_URL.rsplit("/", 1)
    psql = ["psql", f"{server}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([PYTHON, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True)


def gunicorn_start(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "--config",
            "config/gunicorn.conf.py",
            "bench.wsgi",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{BASE}/bench/trivial", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start within 30 s")


def wrk(
    name: str,
    paths: list[str],
    workdir: Path,
    seconds: int = SECONDS,
    connections: int = CONNECTIONS,
) -> dict:
    script = workdir / f"{re.sub(r'[^a-z0-9]+', '_', name)}.lua"
    script.write_text(REQUEST_LUA.format(paths=", ".join(json.dumps(path) for path in paths)))
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(script),
            BASE,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    p50, p95 = re.search(r"PERCENTILES (\d+) (\d+)", output).groups()
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "name": name,
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": int(p50) / 1000,
        "p95": int(p95) / 1000,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _check_pages(paths: list[str]) -> list[str]:
    """Each path answers 200 (a benchmark of error pages would flatter the figures)."""
    failures = []
    for path in paths:
        request = urllib.request.Request(BASE + path.removesuffix("&htmx=1"))
        try:
            status = urllib.request.urlopen(request, timeout=30).status
        except OSError as error:
            status = getattr(error, "code", str(error))
        if status != 200:
            failures.append(f"{path}: {status}")
    return failures


def main() -> None:
    missing = missing_prerequisites()
    if missing:
        print(f"Catalogue search benchmark not run; missing: {', '.join(missing)}")
        return
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=DATABASE_URL)
    env.pop("CELERY_BROKER_URL", None)
    database_recreate(env)
    loaded = json.loads(
        subprocess.run(
            [PYTHON, "-m", "bench.catalogue_fixtures", str(LISTINGS)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    with tempfile.TemporaryDirectory(prefix="uniqc-bench-catalogue-") as tmp:
        workdir = Path(tmp)
        server = gunicorn_start(env)
        try:
            failures = _check_pages([path for _name, path in SEARCHES])
            if failures:
                raise SystemExit("Pages that did not answer 200: " + "; ".join(failures))
            wrk("warm-up", [path for _name, path in SEARCHES], workdir, seconds=3)
            results = [wrk("trivial Django view (ceiling)", ["/bench/trivial"], workdir)]
            results += [wrk(name, [path], workdir) for name, path in SEARCHES]
            mix = [path for _name, path in SEARCHES]
            results.append(wrk("all searches in turn (the mix)", mix, workdir))
            # One request at a time: the latency of a search itself, without queueing
            # behind the others (with CONNECTIONS at once, p95 is mostly waiting).
            results.append(wrk("the mix, one connection", mix, workdir, connections=1))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    ceiling = results[0]["rate"]
    print(
        f"\nCatalogue search over HTTP: {loaded['listings']:,} listings, "
        f"{loaded['variants']:,} variants, {loaded['stores']} stores (loaded in "
        f"{loaded['seconds']} s); gunicorn {WORKERS} workers x {THREADS} threads, "
        f"PostgreSQL, wrk {CONNECTIONS} connections, {SECONDS} s each, "
        f"{os.cpu_count()} CPUs on one machine"
    )
    print(f"{'request':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'share':>7} {'errors':>7}")
    print("-" * 78)
    for row in results:
        print(
            f"{row['name']:<34} {row['rate']:>8,.0f} {row['p50']:>8.1f} {row['p95']:>8.1f} "
            f"{row['rate'] / ceiling:>7.0%} {row['errors']:>7}"
        )
    mix, alone = results[-2], results[-1]
    print(
        f"\nGoal: p95 under {GOAL_P95_MS} ms and at least {GOAL_SHARE:.0%} of the trivial "
        f"view. The mix: p95 {mix['p95']:.1f} ms with {CONNECTIONS} connections, "
        f"{alone['p95']:.1f} ms one at a time "
        f"({'met' if alone['p95'] < GOAL_P95_MS else 'not met'}); "
        f"{mix['rate'] / ceiling:.0%} of the trivial view "
        f"({'met' if mix['rate'] / ceiling >= GOAL_SHARE else 'not met'})."
    )


if __name__ == "__main__":
    main()
