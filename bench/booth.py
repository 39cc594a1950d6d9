"""The booth's encryption in Chromium: a ballot of one question with 5 answers (choose 1 of
5), encrypted BENCH_BOOTH_BALLOTS times by the committed bundle
(coop_governance/static/coop_governance/vendor/election.min.js) in Debian's Chromium with
the browser tests' flags, each timed in the page with performance.now().

Printed beside baselines measured in the same run:
- one bare ristretto255 scalar multiplication in the same page, with the bundle's own
  primitive (`mul`), of the base point G and of another point (the election key K);
- the same ballot encrypted in Python (coop_governance.election.ballots.encrypt_ballot,
  libsodium through ctypes), and one scalar multiplication there.

A ballot of 5 selections costs about 50 scalar multiplications (per selection: r*G, r*K
and [m]; its 0-or-1 proof's real branch u*G, u*K and its simulated branch four more; then
the count proof), so the ratio to a bare multiplication says how much is overhead. Never
fails on speed; one core (the page's script runs on one thread, Python on one).

    python bench/booth.py
Environment: BENCH_BOOTH_BALLOTS (50), BENCH_BOOTH_MULS (200).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from coop_governance.election import ballots, group  # noqa: E402
from coop_governance.election.hashing import fingerprint  # noqa: E402
from coop_governance.election.testing import choose, manifest_for  # noqa: E402

BALLOTS = int(os.environ.get("BENCH_BOOTH_BALLOTS", "50"))
MULS = int(os.environ.get("BENCH_BOOTH_MULS", "200"))
BUNDLE = ROOT / "coop_governance/static/coop_governance/vendor/election.min.js"
ORIGIN = "http://booth.bench.invalid"  # served by Playwright's router: no server, no network

PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>booth bench</title></head><body></body></html>"""

# Runs in the page. Warm-up first (the JIT, noble's precomputed tables for G), then each
# ballot timed on its own; the bare multiplications are timed as one loop (the page's
# clock is coarsened to 0.1 ms without cross-origin isolation) and divided.
IN_PAGE = """
async ({manifest, K, ballots, muls}) => {
  const E = await import("/election.min.js");
  const fp = E.manifestFingerprint(manifest);
  const choices = [[2]];
  for (let i = 0; i < 5; i++) E.encryptBallot(manifest, fp, K, choices);
  const times = [];
  let tracker = null;
  for (let i = 0; i < ballots; i++) {
    const started = performance.now();
    const encrypted = E.encryptBallot(manifest, fp, K, choices);
    times.push(performance.now() - started);
    tracker = encrypted.tracker;
    if (i === 0 && !E.verifyBallot(manifest, fp, K, encrypted.ballot).ok) {
      throw new Error("the bundle's ballot does not verify");
    }
  }
  const point = E.pointFromHex(K);
  const scalars = Array.from({length: muls}, () => E.randomScalar());
  for (let i = 0; i < 20; i++) { E.mul(scalars[i], E.G); E.mul(scalars[i], point); }
  let started = performance.now();
  for (const s of scalars) E.mul(s, E.G);
  const mulG = (performance.now() - started) / muls;
  started = performance.now();
  for (const s of scalars) E.mul(s, point);
  const mulK = (performance.now() - started) / muls;
  return {fp, times, mulG, mulK, tracker, userAgent: navigator.userAgent};
}
"""


def chromium_run(manifest: dict, K_hex: str) -> dict:
    from playwright.sync_api import sync_playwright

    def serve(route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/election.min.js":
            route.fulfill(body=BUNDLE.read_bytes(), content_type="text/javascript")
        else:
            route.fulfill(body=PAGE, content_type="text/html")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", serve)
            page.goto(f"{ORIGIN}/")
            return page.evaluate(
                IN_PAGE, {"manifest": manifest, "K": K_hex, "ballots": BALLOTS, "muls": MULS}
            )
        finally:
            browser.close()


def python_run(manifest: dict, fp: bytes, K: bytes) -> dict:
    for _ in range(3):
        ballots.encrypt_ballot(manifest, fp, K, [[2]])
    times = []
    for _ in range(BALLOTS):
        started = time.perf_counter()
        ballots.encrypt_ballot(manifest, fp, K, [[2]])
        times.append((time.perf_counter() - started) * 1000)
    scalars = [group.random_scalar() for _ in range(MULS)]
    started = time.perf_counter()
    for s in scalars:
        group.mul(s, K)
    mul = (time.perf_counter() - started) * 1000 / MULS
    return {"times": times, "mul": mul}


def line(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"  {name:<44} median {statistics.median(times):7.2f} ms   "
        f"p95 {p95:7.2f} ms   min {ordered[0]:7.2f} ms"
    )


def main() -> None:
    if not os.path.exists(CHROMIUM):
        sys.exit(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    if not BUNDLE.exists():
        sys.exit(f"{BUNDLE.relative_to(ROOT)} is missing (scripts/vendor-assets.sh builds it)")
    answers = [f"Answer {n}" for n in range(1, 6)]
    manifest = manifest_for([choose("q1", answers, 1, 1, text="Five answers, choose one")])
    fp = fingerprint(manifest)
    K = group.mul_base(group.random_scalar())

    page = chromium_run(manifest, K.hex())
    if page["fp"] != fp.hex():
        sys.exit("the bundle's manifest fingerprint differs from Python's")
    python = python_run(manifest, fp, K)

    js_median = statistics.median(page["times"])
    py_median = statistics.median(python["times"])
    print(f"Booth: a 5-answer ballot (choose 1 of 5), {BALLOTS} encryptions each")
    print(f"  Chromium: {page['userAgent']}")
    print(line("Chromium, encryptBallot (bundle)", page["times"]))
    print(f"  {'Chromium, one scalar multiplication of G':<44} {page['mulG']:7.3f} ms")
    print(f"  {'Chromium, one scalar multiplication of K':<44} {page['mulK']:7.3f} ms")
    print(f"  {'  the ballot in multiplications of K':<44} {js_median / page['mulK']:7.1f}")
    print(line("Python, ballots.encrypt_ballot (libsodium)", python["times"]))
    print(f"  {'Python, one scalar multiplication of K':<44} {python['mul']:7.3f} ms")
    print(f"  {'  the ballot in multiplications of K':<44} {py_median / python['mul']:7.1f}")
    print(f"  {'Chromium / Python, per ballot':<44} {js_median / py_median:7.2f}")


if __name__ == "__main__":
    main()
