"""OpenID Connect endpoints over HTTP: gunicorn on PostgreSQL, wrk on loopback.

Prints requests per second (median, slowest and fastest round) and p50/p99 latency for
the token endpoint (client credentials, refresh token), userinfo, JWKS and discovery,
beside a trivial Django view measured in the same run, each as a share of that ceiling,
with Keycloak's published per-vCPU figures for comparison (shared/FACTS.md), and the
ceiling's spread between rounds. Never fails on speed.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/uniqc_bench,
dropped and re-created), BENCH_SECONDS (10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (16),
BENCH_WORKERS (2), BENCH_THREADS (4 per worker), BENCH_REFRESH_PER_SECOND (3000: how
many single-use refresh tokens to make per second measured).
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_server import database_recreate, gunicorn_start  # noqa: E402

PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "18765"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
# This machine is shared: one pass can be 30 % off the next. Each round measures every
# endpoint once, in the same order; the table shows each figure's median over the rounds.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench"
)
# Keycloak 26 sizing guide, per vCPU, TLS included.
KEYCLOAK_PER_VCPU = {"token: client_credentials": 120, "token: refresh_token": 120}

REQUEST_LUA = """
local method, path, body, auth, bearer = "{method}", "{path}", "{body}", "{auth}", "{bearer}"
local tokens, next_index, stride = nil, 1, 1
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  if "{tokens_file}" ~= "" then
    tokens = {{}}
    for line in io.lines("{tokens_file}") do tokens[#tokens + 1] = line end
    next_index = id
    stride = {threads}
  end
end
function request()
  local headers = {{}}
  if auth ~= "" then headers["Authorization"] = "Basic " .. auth end
  if bearer ~= "" then headers["Authorization"] = "Bearer " .. bearer end
  local payload = nil
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    payload = body
    if tokens then
      payload = body .. tokens[next_index]
      next_index = next_index + stride
      if next_index > #tokens then next_index = id end
    end
  end
  return wrk.format(method, path, headers, payload)
end
"""


def missing_prerequisites() -> list[str]:
    missing = []
    if not shutil.which("wrk"):
        missing.append("wrk (apt-get install -y wrk)")
    if not shutil.which("psql"):
        missing.append("psql (apt-get install -y postgresql-client)")
    return missing


def wrk(
    name: str,
    method: str,
    path: str,
    workdir: Path,
    *,
    body: str = "",
    auth: str = "",
    bearer: str = "",
    tokens_file: str = "",
    seconds: int = SECONDS,
) -> dict:
    threads = 2
    script = workdir / f"{re.sub(r'[^a-z]+', '_', name)}.lua"
    script.write_text(
        REQUEST_LUA.format(
            method=method,
            path=path,
            body=body,
            auth=auth,
            bearer=bearer,
            tokens_file=tokens_file,
            threads=threads,
        )
    )
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            BASE,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "name": name,
        "rate": rate,
        "p50": _latency_ms(output, "50%"),
        "p99": _latency_ms(output, "99%"),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _latency_ms(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _split_tokens(path: Path, workdir: Path, rounds: int) -> list[str]:
    """One file of unused refresh tokens per round: a token presented twice is reuse."""
    tokens = path.read_text().split()
    size = len(tokens) // rounds
    files = []
    for index in range(rounds):
        part = workdir / f"refresh-tokens-{index}.txt"
        part.write_text("\n".join(tokens[index * size : (index + 1) * size]) + "\n")
        files.append(str(part))
    return files


def _round(workdir: Path, fixtures: dict, basic: str, tokens_file: str) -> list[dict]:
    return [
        wrk("trivial Django view (ceiling)", "GET", "/bench/trivial", workdir),
        wrk("discovery", "GET", "/.well-known/openid-configuration", workdir),
        wrk("JWKS", "GET", "/.well-known/jwks.json", workdir),
        wrk("userinfo", "GET", "/oidc/userinfo", workdir, bearer=fixtures["access_token"]),
        wrk(
            "token: client_credentials",
            "POST",
            "/oidc/token",
            workdir,
            body="grant_type=client_credentials&scope=openid",
            auth=basic,
        ),
        wrk(
            "token: refresh_token",
            "POST",
            "/oidc/token",
            workdir,
            body="grant_type=refresh_token&refresh_token=",
            auth=basic,
            tokens_file=tokens_file,
        ),
    ]


def _medians(rounds: list[list[dict]]) -> list[dict]:
    """Each endpoint's median rate and latencies over the rounds, with its slowest and
    fastest round's rate (the spread); errors are summed."""
    rows = []
    for measures in zip(*rounds, strict=True):
        rates = [m["rate"] for m in measures]
        rows.append(
            {
                "name": measures[0]["name"],
                "rate": statistics.median(rates),
                "min": min(rates),
                "max": max(rates),
                "p50": statistics.median(m["p50"] for m in measures),
                "p99": statistics.median(m["p99"] for m in measures),
                "errors": sum(m["errors"] for m in measures),
            }
        )
    return rows


def main() -> None:
    missing = missing_prerequisites()
    if missing:
        print(f"OIDC HTTP benchmark not run; missing: {', '.join(missing)}")
        return
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=DATABASE_URL)
    env.pop("CELERY_BROKER_URL", None)
    with tempfile.TemporaryDirectory(prefix="uniqc-bench-") as tmp:
        workdir = Path(tmp)
        database_recreate(database_url=DATABASE_URL, env=env)
        # Rotation makes each refresh token good for one request: enough for every round
        # at several times the rate measured here.
        refresh_count = ROUNDS * SECONDS * int(os.environ.get("BENCH_REFRESH_PER_SECOND", "3000"))
        fixtures = json.loads(
            subprocess.run(
                [PYTHON, "-m", "bench.oidc_fixtures", str(refresh_count), str(workdir / "rt.txt")],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        import base64

        basic = base64.b64encode(
            f"{fixtures['client_id']}:{fixtures['client_secret']}".encode()
        ).decode()
        server = gunicorn_start(env=env, port=PORT, workers=WORKERS, threads=THREADS)
        try:
            wrk("warm-up", "GET", "/bench/trivial", workdir, seconds=2)
            rounds = [
                _round(workdir, fixtures, basic, tokens_file)
                for tokens_file in _split_tokens(
                    Path(fixtures["refresh_tokens_file"]), workdir, ROUNDS
                )
            ]
            results = _medians(rounds)
            per_round = {measures[0]["name"]: measures for measures in zip(*rounds, strict=True)}
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    ceiling = results[0]["rate"]
    cores = os.cpu_count() or 1
    print(
        f"\nOIDC over HTTP: gunicorn {WORKERS} workers (gthread), PostgreSQL, "
        f"wrk {CONNECTIONS} connections, {SECONDS} s each, median of {ROUNDS} rounds, "
        f"{cores} CPUs on one machine"
    )
    print(
        f"{'endpoint':<32} {'req/s':>9} {'min':>7} {'max':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'share':>7} {'errors':>7}  Keycloak/vCPU"
    )
    print("-" * 108)
    for row in results:
        keycloak = KEYCLOAK_PER_VCPU.get(row["name"])
        print(
            f"{row['name']:<32} {row['rate']:>9,.0f} {row['min']:>7,.0f} {row['max']:>7,.0f} "
            f"{row['p50']:>8.2f} {row['p99']:>8.2f} "
            f"{row['rate'] / ceiling:>7.0%} {row['errors']:>7}  "
            f"{f'{keycloak}/s x {cores} = {keycloak * cores}/s' if keycloak else ''}"
        )
    trivial = results[0]
    print(
        f"\nCeiling between rounds: {trivial['min']:,.0f} to {trivial['max']:,.0f} req/s "
        f"(fastest {trivial['max'] / trivial['min']:.2f}x the slowest); a wide spread means "
        "the rounds were not alike (connections unevenly spread, or a busy machine)."
    )

    print("\nEach round (req/s, p99 ms): the machine's own variation")
    for name, measures in per_round.items():
        cells = "  ".join(f"{m['rate']:>7,.0f} {m['p99']:>6.1f}" for m in measures)
        print(f"{name:<32} {cells}")


if __name__ == "__main__":
    main()
