"""The assembly page's live quorum under 200 members signing within a minute, over HTTP:
gunicorn on PostgreSQL, as in production.

200 members sign the register through the page (GET for the CSRF cookie, then the POST),
at moments spread over BENCH_SIGN_SECONDS, by BENCH_SIGNERS threads; meanwhile
BENCH_WATCHERS watchers follow the quorum as the page does, each polling the live fragment
every 2 s (HTMX `every 2s`) from a random phase. For each signature and each watcher,
the delivery delay is the time from the signing POST's answer to the first poll that shows
at least that many members present (a watcher sends back what it shows, as the page does,
and gets 204 while nothing changed). Printed: p50 and p95 of the delivery delay, the live
fragment's and the signing's response times, and, as the baseline of the same run, a
trivial Django view's response time polled the same way under the same load. The 2 s
interval alone gives a delay of 1 s on average and about 1.9 s at p95. Never fails on speed.

    python -m bench.quorum
Environment: BENCH_QUORUM_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_quorum, dropped and re-created),
BENCH_MEMBERS (200), BENCH_SIGN_SECONDS (60), BENCH_SIGNERS (8), BENCH_WATCHERS (50),
BENCH_WORKERS (2), BENCH_THREADS (4 per worker), BENCH_PORT (18766).
"""

import http.cookiejar
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.http_server import database_recreate, gunicorn_start  # noqa: E402
from bench.postgres import percentiles_ms  # noqa: E402

PYTHON = sys.executable
DATABASE_URL = os.environ.get(
    "BENCH_QUORUM_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench_quorum"
)
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "200"))
SIGN_SECONDS = float(os.environ.get("BENCH_SIGN_SECONDS", "60"))
SIGNERS = int(os.environ.get("BENCH_SIGNERS", "8"))
WATCHERS = int(os.environ.get("BENCH_WATCHERS", "50"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PORT = int(os.environ.get("BENCH_PORT", "18766"))
BASE = f"http://127.0.0.1:{PORT}"
POLL_SECONDS = 2.0
PRESENT_RE = re.compile(rb'data-present="(\d+)"')
STATE_RE = re.compile(rb'data-state="([^"]*)"')
SHOWN_RE = re.compile(rb'name="shown" value="([^"]*)"')

FIXTURES = """
import json, time
import django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from coop_governance.tests.factories import assembly_make, bylaws_make, member_make
from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME

members = int(__import__("sys").argv[1])
bylaws = bylaws_make(quorum_count=members // 2)
assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=members // 2)
signers = []
for n in range(members):
    member = member_make(email=f"bench{n}@example.org")
    session = SessionStore()
    session[SESSION_KEY] = str(member.person.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.person.get_session_auth_hash()
    session[SESSION_ACR] = "substantial"
    session[SESSION_AMR] = ["hwk", "user", "mfa"]
    session[SESSION_AUTH_TIME] = int(time.time())
    session.save()
    signers.append([session.session_key, member.pk])
print(json.dumps({"assembly": assembly.pk, "signers": signers,
                  "session_cookie": settings.SESSION_COOKIE_NAME,
                  "csrf_cookie": settings.CSRF_COOKIE_NAME}))
"""


def fixtures_make(env: dict[str, str]) -> dict:
    output = subprocess.run(
        [PYTHON, "-c", FIXTURES, str(MEMBERS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def sign(fixtures: dict, session_key: str, member_pk: int) -> float:
    """One member signs through the page; returns the moment the POST was answered."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = http.cookiejar.Cookie(
        0, fixtures["session_cookie"], session_key, None, False, "127.0.0.1", False, False,
        "/", True, False, None, False, None, None, {},
    )  # fmt: skip
    jar.set_cookie(cookie)
    page = f"{BASE}/cooperative/assemblees/{fixtures['assembly']}/"
    opener.open(page, timeout=30).read()
    csrf = next(c.value for c in jar if c.name == fixtures["csrf_cookie"])
    body = urllib.parse.urlencode({"member": member_pk, "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(f"{page}registre/", data=body, headers={"Referer": page})
    with opener.open(request, timeout=30) as response:
        response.read()
    return time.monotonic()


def main() -> None:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=DATABASE_URL)
    env.pop("CELERY_BROKER_URL", None)
    database_recreate(database_url=DATABASE_URL, env=env)
    fixtures = fixtures_make(env)
    assembly = fixtures["assembly"]
    live_url = f"{BASE}/cooperative/assemblees/{assembly}/direct/"
    server = gunicorn_start(env=env, port=PORT, workers=WORKERS, threads=THREADS)
    state = STATE_RE.search(urllib.request.urlopen(live_url, timeout=10).read()).group(1).decode()
    live_url += "?" + urllib.parse.urlencode({"state": state})

    stop = threading.Event()
    seen: list[dict[int, float]] = [{} for _ in range(WATCHERS)]
    live_times: list[float] = []
    trivial_times: list[float] = []
    errors: list[str] = []

    def watcher(index: int, url: str, times: list[float], record: bool) -> None:
        next_poll = time.monotonic() + random.uniform(0, POLL_SECONDS)
        shown = ""
        while not stop.is_set():
            time.sleep(max(0.0, next_poll - time.monotonic()))
            next_poll += POLL_SECONDS
            started = time.monotonic()
            query = ("&" + urllib.parse.urlencode({"shown": shown})) if shown else ""
            try:
                request = urllib.request.Request(url + query, headers={"HX-Request": "true"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    status, body = response.status, response.read()
            except OSError as error:
                errors.append(str(error))
                continue
            answered = time.monotonic()
            times.append(answered - started)
            if record and status == 200:
                # As the page does: send back what it shows; 204 means nothing new.
                shown = SHOWN_RE.search(body).group(1).decode()
                present = int(PRESENT_RE.search(body).group(1))
                seen[index].setdefault(present, answered)

    threads = [
        threading.Thread(target=watcher, args=(n, live_url, live_times, True), daemon=True)
        for n in range(WATCHERS)
    ]
    # The baseline: a trivial view polled the same way by a tenth as many watchers.
    threads += [
        threading.Thread(
            target=watcher,
            args=(0, f"{BASE}/bench/trivial?", trivial_times, False),
            daemon=True,
        )
        for _ in range(max(1, WATCHERS // 10))
    ]
    for thread in threads:
        thread.start()

    start = time.monotonic()
    moments = sorted(random.uniform(0, SIGN_SECONDS) for _ in fixtures["signers"])
    queue = list(zip(moments, fixtures["signers"], strict=True))
    lock = threading.Lock()
    answered: list[float] = []
    sign_times: list[float] = []

    def signer() -> None:
        while True:
            with lock:
                if not queue:
                    return
                moment, (session_key, member_pk) = queue.pop(0)
            time.sleep(max(0.0, start + moment - time.monotonic()))
            began = time.monotonic()
            try:
                done = sign(fixtures, session_key, member_pk)
            except OSError as error:
                errors.append(f"sign: {error}")
                continue
            with lock:
                answered.append(done)
                sign_times.append(done - began)

    signer_threads = [threading.Thread(target=signer) for _ in range(SIGNERS)]
    for thread in signer_threads:
        thread.start()
    for thread in signer_threads:
        thread.join()
    time.sleep(POLL_SECONDS + 1)
    stop.set()
    for thread in threads:
        thread.join(timeout=35)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)

    # The k-th answer (in time) is when at least k members were in the register.
    answered.sort()
    delays = []
    for watched in seen:
        firsts = sorted(watched.items())
        for k, moment in enumerate(answered, start=1):
            shown = next((at for present, at in firsts if present >= k), None)
            if shown is not None:
                delays.append(max(0.0, shown - moment))
    elapsed = (answered[-1] - start) if answered else 0.0
    print(
        f"\nLive quorum: {len(answered)} of {MEMBERS} members signed in {elapsed:.0f} s "
        f"({SIGNERS} signing threads), {WATCHERS} watchers polling every {POLL_SECONDS:.0f} s; "
        f"gunicorn {WORKERS} workers x {THREADS} threads, PostgreSQL, {os.cpu_count()} CPUs"
    )
    print(f"{'measure':<48} {'p50 ms':>9} {'p95 ms':>9} {'count':>7}")
    print("-" * 76)
    rows = [
        ("update delivered (signature to watcher)", delays),
        ("live fragment response", live_times),
        ("signing (page GET + POST)", sign_times),
        ("baseline: trivial view response", trivial_times),
    ]
    for name, samples in rows:
        if samples:
            p50, p95 = percentiles_ms(samples)
            print(f"{name:<48} {p50:>9.0f} {p95:>9.0f} {len(samples):>7}")
    print(f"{'floor: the 2 s polling interval alone':<48} {1000:>9.0f} {1900:>9.0f}")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    main()
