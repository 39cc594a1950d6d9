"""What the HTTP benchmarks share: a throwaway PostgreSQL database with the project
migrated into it, and gunicorn serving bench.wsgi with the production settings' file."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def database_recreate(*, database_url: str, env: dict[str, str]) -> None:
    """Drop and create the database of `database_url`, then migrate and collect static
    files into it with `env`."""
    server, name = database_url.rsplit("/", 1)
    psql = ["psql", f"{server}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([PYTHON, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True)


def gunicorn_start(
    *, env: dict[str, str], port: int, workers: int, threads: int
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port` with the production settings (config/gunicorn.conf.py),
    the bench setting the size and the address; returns once /bench/trivial answers."""
    process = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "--config",
            "config/gunicorn.conf.py",
            "bench.wsgi",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start within 30 s")
